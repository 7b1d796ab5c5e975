#!/usr/bin/env bash
# Canary tests query a real Prometheus (Debian's package: prometheus and promtool). Installs it when
# it is missing and this machine can (root with apt-get); otherwise says how. STAYSAIL_PROMETHEUS
# may name a prometheus binary to use instead.
set -euo pipefail
if [[ -n "${STAYSAIL_PROMETHEUS:-}" ]]; then
  [[ -x "$STAYSAIL_PROMETHEUS" ]] || { echo "STAYSAIL_PROMETHEUS=$STAYSAIL_PROMETHEUS is not an executable" >&2; exit 1; }
  exit 0
fi
command -v prometheus >/dev/null && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "installing prometheus (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }
  command -v prometheus >/dev/null && exit 0
fi
echo "missing prerequisite: Prometheus answers the canary tests' queries. Install it (Debian: apt-get install --no-install-recommends prometheus; or https://prometheus.io/download/), or set STAYSAIL_PROMETHEUS to its binary." >&2
exit 1
