#!/usr/bin/env bash
# The AWS provider tests run against moto's server (moto[server] from PyPI) at MOTO_VERSION
# (versions.env), installed into a Python virtual environment in the per-user cache, keyed by
# version, like the other test tools. Needs a Python 3 that can make virtual environments (Debian:
# python3-venv, installed here when missing and this machine can); STAYSAIL_MOTO_PYTHON may name
# one. STAYSAIL_MOTO_SERVER may name a moto_server to use instead. Prints moto_server's path last.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache="${STAYSAIL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/staysail}"
log() { echo "[ensure-moto] $*" >&2; }

if [[ -n "${STAYSAIL_MOTO_SERVER:-}" ]]; then
  [[ -x "$STAYSAIL_MOTO_SERVER" ]] || { echo "STAYSAIL_MOTO_SERVER=$STAYSAIL_MOTO_SERVER is not an executable" >&2; exit 1; }
  echo "$STAYSAIL_MOTO_SERVER"; exit 0
fi

out="$cache/tools/moto-$MOTO_VERSION"
# A virtual environment names its own folder in its scripts, so it is made in place, and counts as
# installed once the marker is written.
if [[ -f "$out/.installed" ]]; then echo "$out/bin/moto_server"; exit 0; fi

# A Python that can make a virtual environment with pip in it.
can_venv() { "$1" -c 'import venv, ensurepip' 2>/dev/null; }
python=""
for candidate in "${STAYSAIL_MOTO_PYTHON:-}" python3 /usr/bin/python3; do
  [[ -n "$candidate" ]] && command -v "$candidate" >/dev/null && can_venv "$candidate" && { python="$candidate"; break; }
done
if [[ -z "$python" && $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  log "installing python3-venv (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends python3-venv >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-venv >/dev/null; }
  can_venv /usr/bin/python3 && python=/usr/bin/python3
fi
if [[ -z "$python" ]]; then
  echo "missing prerequisite: the AWS tests run moto's server, installed from PyPI into a Python virtual environment. Install Python 3 with venv (Debian: apt-get install --no-install-recommends python3-venv), or set STAYSAIL_MOTO_PYTHON to such a python, or STAYSAIL_MOTO_SERVER to a moto_server." >&2
  exit 1
fi

mkdir -p "$cache/tools"
exec 7>"$cache/tools/.moto.lock"
flock 7
if [[ ! -f "$out/.installed" ]]; then
  log "installing moto[server] $MOTO_VERSION from PyPI with $python (first time only)"
  rm -rf "$out"
  "$python" -m venv "$out"
  "$out/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2 || { rm -rf "$out"; exit 1; }
  touch "$out/.installed"
fi
exec 7>&-
echo "$out/bin/moto_server"
