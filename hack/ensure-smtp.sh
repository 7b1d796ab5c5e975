#!/usr/bin/env bash
# E-mail notification tests send to a real SMTP server on loopback: Python's aiosmtpd (Debian's
# python3-aiosmtpd). Installs it when it is missing and this machine can (root with apt-get);
# otherwise says how. The tests run it with Debian's /usr/bin/python3 (a python3 earlier in PATH, such
# as pyenv's, does not see Debian's packages); STAYSAIL_SMTP_PYTHON may name another interpreter.
set -euo pipefail
py="${STAYSAIL_SMTP_PYTHON:-/usr/bin/python3}"
"$py" -c 'import aiosmtpd' 2>/dev/null && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "installing aiosmtpd (Debian package python3-aiosmtpd)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends python3-aiosmtpd >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-aiosmtpd >/dev/null; }
  "$py" -c 'import aiosmtpd' 2>/dev/null && exit 0
fi
echo "missing prerequisite: an SMTP server (Python's aiosmtpd) receives the e-mail notification tests' mail. Install it for $py (Debian: apt-get install --no-install-recommends python3-aiosmtpd; or pip install aiosmtpd and set STAYSAIL_SMTP_PYTHON to that python)." >&2
exit 1
