#!/usr/bin/env bash
# Runs a command on Node.js <major> (installed from the npm registry when the machine has another one):
#   bash scripts/with-node.sh 24 npm ci          # once: native modules built for that Node.js
#   bash scripts/with-node.sh 24 npm run bench
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: bash scripts/with-node.sh <major> <command> [args...]" >&2
  exit 2
fi
. "$(dirname "$0")/use-node.sh"
use_node "$1"
shift
exec "$@"
