#!/usr/bin/env bash
# Builds the local control plane from upstream Go modules into a per-user cache keyed by version:
#   kube-apiserver, kube-controller-manager, kube-scheduler  (k8s.io/kubernetes)
#   etcd                                                     (go.etcd.io/etcd/server/v3)
#   kwok                                                     (sigs.k8s.io/kwok)
#   helm                                                     (helm.sh/helm/v4)
#   kustomize                                                (sigs.k8s.io/kustomize/kustomize/v5)
# Each component is built only when its versioned output is missing. Prints the bin folder last.
# The Go programs the tests read health with (test/tools) are built too, by build-test-tools.sh.
# STAYSAIL_BIN_DIR, when set, names a folder of pre-built binaries and skips every build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

if [[ -n "${STAYSAIL_BIN_DIR:-}" ]]; then
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok helm kustomize; do
    [[ -x "$STAYSAIL_BIN_DIR/$b" ]] || { echo "STAYSAIL_BIN_DIR=$STAYSAIL_BIN_DIR has no executable '$b'" >&2; exit 1; }
  done
  echo "$STAYSAIL_BIN_DIR"; exit 0
fi

# shellcheck source=require-go.sh
source "$here/require-go.sh"
require_go "the local control plane" "or set STAYSAIL_BIN_DIR to a folder of pre-built binaries"

cache="${STAYSAIL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/staysail}"
K="$KUBERNETES_VERSION"; M="0.${K#1.}"; MINOR="$(cut -d. -f2 <<<"$K")"
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local
log() { echo "[build-control-plane] $*" >&2; }

build_kubernetes() {
  local out="$cache/kubernetes-v$K" mod="$cache/src/kubernetes-v$K"
  [[ -x "$out/kube-apiserver" && -x "$out/kube-controller-manager" && -x "$out/kube-scheduler" ]] && return
  log "building kube-apiserver, kube-controller-manager, kube-scheduler v$K (first time only)"
  mkdir -p "$mod" "$out.tmp"
  cd "$mod"
  [[ -f go.mod ]] || go mod init local.staysail/kubernetes >&2
  # k8s.io/kubernetes requires its staging modules at v0.0.0, which is not published: replace each
  # with the tag published for this release, reading the list from the release's own go.mod.
  local gomod
  gomod="$(go mod download -json "k8s.io/kubernetes@v$K" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')"
  awk '$2=="v0.0.0" && $1 ~ /^k8s\.io\// {print $1}' "$gomod" | while read -r m; do
    go mod edit -replace="$m=$m@v$M"
  done
  go get "k8s.io/kubernetes@v$K" >&2
  local ldf="-s -w -X k8s.io/component-base/version.gitVersion=v$K -X k8s.io/component-base/version.gitMajor=1"
  ldf+=" -X k8s.io/component-base/version.gitMinor=$MINOR -X k8s.io/component-base/version.gitTreeState=clean"
  go build -trimpath -tags selinux,notest,grpcnotrace -ldflags "$ldf" -o "$out.tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler >&2
  rm -rf "$out"; mv "$out.tmp" "$out"
}

build_etcd() {
  local out="$cache/etcd-v$ETCD_VERSION" mod="$cache/src/etcd-v$ETCD_VERSION"
  [[ -x "$out/etcd" ]] && return
  log "building etcd v$ETCD_VERSION (first time only)"
  mkdir -p "$mod" "$out.tmp"; cd "$mod"
  [[ -f go.mod ]] || go mod init local.staysail/etcd >&2
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
  go build -trimpath -ldflags "-s -w" -o "$out.tmp/etcd" go.etcd.io/etcd/server/v3 >&2
  rm -rf "$out"; mv "$out.tmp" "$out"
}

go_install() { # name module-path version
  local out="$cache/$1-v$3"
  [[ -x "$out/$1" ]] && return
  log "building $1 v$3 (first time only)"
  mkdir -p "$out.tmp"
  GOBIN="$out.tmp" go install -trimpath -ldflags "-s -w ${4:-}" "$2@v$3" >&2
  rm -rf "$out"; mv "$out.tmp" "$out"
}

# One build at a time per cache, so two runs never write the same .tmp folder.
mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9

build_etcd
go_install kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION"
go_install helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION" "-X helm.sh/helm/v4/internal/version.version=v$HELM_VERSION"
# go install stamps the module version, which `kustomize version` prints.
go_install kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
build_kubernetes
bash "$here/build-test-tools.sh" >/dev/null

bin="$cache/bin-k$K-e$ETCD_VERSION-w$KWOK_VERSION-h$HELM_VERSION-z$KUSTOMIZE_VERSION"
mkdir -p "$bin"
for b in kube-apiserver kube-controller-manager kube-scheduler; do ln -sf "$cache/kubernetes-v$K/$b" "$bin/$b"; done
ln -sf "$cache/etcd-v$ETCD_VERSION/etcd" "$bin/etcd"
ln -sf "$cache/kwok-v$KWOK_VERSION/kwok" "$bin/kwok"
ln -sf "$cache/helm-v$HELM_VERSION/helm" "$bin/helm"
ln -sf "$cache/kustomize-v$KUSTOMIZE_VERSION/kustomize" "$bin/kustomize"
echo "$bin"
