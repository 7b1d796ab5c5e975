#!/usr/bin/env bash
# The whole test suite: lint, typecheck, unit tests, then the suites that run against the local
# control plane (built from upstream Go modules on first use). Fails if any cluster process is left.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
run() { bash "$root/hack/run.sh" "$@"; }

missing() { echo "missing prerequisite: $1" >&2; exit 1; }
# Go builds the local control plane (unless STAYSAIL_BIN_DIR names pre-built binaries) and, always,
# the small readers of health under test/tools.
command -v go >/dev/null || missing "Go 1.26+ builds the local control plane and the test tools under test/tools. Install it (https://go.dev/dl/ or your package manager); STAYSAIL_BIN_DIR (docs/testing.md) spares only the control plane's build." 
command -v openssl >/dev/null || missing "openssl makes the local cluster's certificates. Install it (Debian: apt-get install openssl)."
command -v kubectl >/dev/null || missing "kubectl drives the local cluster in tests. Install it (https://kubernetes.io/docs/tasks/tools/)."
bash hack/ensure-prometheus.sh
bash hack/ensure-registry.sh >/dev/null
bash hack/ensure-smtp.sh
bash hack/ensure-moto.sh >/dev/null

echo "== lint";      run eslint .
echo "== typecheck"; run tsc --noEmit -p tsconfig.json
echo "== crds";      run node hack/gen-crds.ts --check
echo "== unit";      run mocha 'src/**/*.test.ts' 'test/unit/**/*.test.ts'
echo "== control plane binaries"
bash hack/build-control-plane.sh
echo "== integration and e2e"
run mocha --timeout 180000 --require test/support/setup.ts 'test/integration/**/*.test.ts' 'test/e2e/**/*.test.ts'
echo "== leftovers"
run node hack/leftovers.ts
