#!/usr/bin/env bash
# Where the Action's seeded-database cache lives (action.yml, input
# cache-dir): "auto" is $RUNNER_TEMP/perfgate-cache, "off" means no cache,
# anything else is a path relative to the workspace. Writes dir=<absolute
# path or "off"> to $GITHUB_OUTPUT; the gate step passes it to perfgate as
# PERFGATE_CACHE_DIR (ci/run-gate.sh turns "off" into --no-cache).
set -euo pipefail

dir=${CACHE_DIR:-auto}
case $dir in
off) ;;
auto) dir=${RUNNER_TEMP:?RUNNER_TEMP is not set}/perfgate-cache ;;
/*) ;;
*) dir=${GITHUB_WORKSPACE:-$PWD}/$dir ;;
esac
if [[ $dir != off ]]; then
    mkdir -p "$dir"
    echo "perfgate cache: $dir" >&2
else
    echo "perfgate cache: off (perfgate run --no-cache)" >&2
fi
echo "dir=$dir" >> "${GITHUB_OUTPUT:-/dev/null}"
