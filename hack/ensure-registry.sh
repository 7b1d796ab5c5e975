#!/usr/bin/env bash
# Image-trigger tests talk to a real container registry: Debian's docker-registry package (the
# distribution registry), with htpasswd (apache2-utils) writing its basic-auth file, and push images
# with crane, built from github.com/google/go-containerregistry at CRANE_VERSION (versions.env) into
# the per-user cache, keyed by version. Installs the packages when they are missing and this machine
# can (root with apt-get); otherwise says how. STAYSAIL_REGISTRY may name a registry binary to use
# instead. Prints crane's path last.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache="${STAYSAIL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/staysail}"
log() { echo "[ensure-registry] $*" >&2; }

missing_packages() {
  if [[ -n "${STAYSAIL_REGISTRY:-}" ]]; then
    [[ -x "$STAYSAIL_REGISTRY" ]] || { echo "STAYSAIL_REGISTRY=$STAYSAIL_REGISTRY is not an executable" >&2; exit 1; }
  else
    command -v docker-registry >/dev/null || echo docker-registry
  fi
  command -v htpasswd >/dev/null || echo apache2-utils
}

ensure_packages() {
  local want
  want="$(missing_packages | xargs)"
  [[ -z "$want" ]] && return
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing $want (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086 # one word per package
    apt-get install -y -qq --no-install-recommends $want >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq --no-install-recommends $want >/dev/null; }
    want="$(missing_packages | xargs)"
    [[ -z "$want" ]] && return
  fi
  echo "missing prerequisite: the registry tests run Debian's docker-registry and write its passwords with htpasswd. Install them (Debian: apt-get install --no-install-recommends $want), or set STAYSAIL_REGISTRY to a registry binary (distribution 2.8 or newer) and put htpasswd on PATH." >&2
  exit 1
}

ensure_crane() {
  local out="$cache/tools/crane-v$CRANE_VERSION"
  if [[ ! -x "$out/crane" ]]; then
    # shellcheck source=require-go.sh
    source "$here/require-go.sh"
    require_go "crane, which pushes images in the registry tests"
    mkdir -p "$cache/tools"
    exec 7>"$cache/tools/.build.lock"
    flock 7
    if [[ ! -x "$out/crane" ]]; then
      log "building crane v$CRANE_VERSION (first time only)"
      rm -rf "$out.tmp"; mkdir -p "$out.tmp"
      CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=readonly GOBIN="$out.tmp" \
        go install -trimpath -ldflags "-s -w" "github.com/google/go-containerregistry/cmd/crane@v$CRANE_VERSION" >&2
      rm -rf "$out"; mv "$out.tmp" "$out"
    fi
    exec 7>&-
  fi
  echo "$out/crane"
}

ensure_packages
ensure_crane
