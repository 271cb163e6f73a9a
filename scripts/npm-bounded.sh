# Sourced by scripts/use-node.sh (so by .ci/run and scripts/with-node.sh): `npm_bounded <npm args...>`
# runs npm with a time limit and tries again when it fails or stalls. npm now and then stalls with no
# output and never returns (npm/cli#4028 and its kin); one such stall in the Node.js 24 `npm ci` used up
# a whole CI run's 90 minutes. A clean install takes about 2 minutes here, so a try is stopped after 10
# (`timeout` signals npm's whole process group, its install scripts included) and started again, at
# most 3 times. Retrying is safe for what CI runs: `npm ci` empties node_modules before it installs.
npm_bounded() {
  local try status limit="${NPM_TRY_SECONDS:-600}"
  for try in 1 2 3; do
    status=0
    timeout --kill-after=30s "${limit}s" npm "$@" || status=$?
    if [ "$status" -eq 0 ]; then
      return 0
    fi
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
      echo "npm $1 stalled: stopped after $limit s (try $try of 3)" >&2
    else
      echo "npm $1 failed with exit status $status (try $try of 3)" >&2
    fi
  done
  return 1
}
