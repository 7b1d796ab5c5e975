#!/usr/bin/env bash
# Runs a command with Node 22+ on PATH (bringing Node 24 when the machine's is older) and the
# project's dependencies installed: `bash hack/run.sh node src/main.ts`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=node-env.sh
source "$root/hack/node-env.sh"
cd "$root"
# Install when node_modules is missing or older than the lock file.
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[run] installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
export PATH="$root/node_modules/.bin:$PATH"
exec "$@"
