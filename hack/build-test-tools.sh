#!/usr/bin/env bash
# Builds the Go programs under test/tools, with which the tests read objects as other tools do:
#   kstatus     sigs.k8s.io/cli-utils' kstatus, as Flux, Helm's --wait and kpt compute health
#   lua-health  github.com/yuin/gopher-lua, running an Argo CD health script as Argo CD does
# Each is pinned by its own go.mod and go.sum and built once into the per-user cache, keyed by the
# library's version and a hash of the program's files. Prints the folder holding both last.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# shellcheck source=require-go.sh
source "$root/hack/require-go.sh"
require_go "the test tools under test/tools"

cache="${STAYSAIL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/staysail}"
# Only the pinned go.sum decides what is built; the control plane's build allows go.mod edits, this one does not.
export CGO_ENABLED=0 GOFLAGS=-mod=readonly GOTOOLCHAIN=local
log() { echo "[build-test-tools] $*" >&2; }

built=()
build_tool() { # name module-it-pins
  local src="$root/test/tools/$1" version hash out
  version="$(awk -v m="$2" '$1==m {print $2} $1=="require" && $2==m {print $3}' "$src/go.mod")"
  hash="$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-12)"
  out="$cache/tools/$1-$version-$hash"
  if [[ ! -x "$out/$1" ]]; then
    log "building $1 with $2 $version (first time only)"
    mkdir -p "$out.tmp"
    (cd "$src" && go build -trimpath -ldflags "-s -w" -o "$out.tmp/$1" .) >&2
    rm -rf "$out"; mv "$out.tmp" "$out"
  fi
  built+=("$out/$1")
}

mkdir -p "$cache/tools"
exec 8>"$cache/tools/.build.lock"
flock 8

build_tool kstatus sigs.k8s.io/cli-utils
build_tool lua-health github.com/yuin/gopher-lua
# A folder per combination, so work trees at different revisions sharing the cache never swap tools.
bin="$cache/tools/bin-$(printf '%s\n' "${built[@]}" | sha256sum | cut -c1-12)"
mkdir -p "$bin"
for b in "${built[@]}"; do ln -sfn "$b" "$bin/$(basename "$b")"; done
echo "$bin"
