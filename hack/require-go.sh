# Sourced by the Go builds: require_go WHAT [HINT] stops with a message naming what needs Go unless
# Go 1.26 or newer is on PATH.
require_go() {
  local what="$1" hint="${2:-}" minor
  command -v go >/dev/null || {
    echo "Go is required to build $what (Go 1.26 or newer): install it from https://go.dev/dl/ or your package manager${hint:+, $hint}." >&2
    exit 1
  }
  minor="$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')"
  if [[ -z "$minor" || "$minor" -lt 26 ]]; then
    echo "Go 1.26 or newer is required to build $what; found $(go env GOVERSION). Install a newer Go${hint:+, $hint}." >&2
    exit 1
  fi
}
