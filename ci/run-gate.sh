#!/usr/bin/env bash
# The gate step of the GitHub Action (action.yml) and of the GitLab component
# (templates/perfgate.yml): `perfgate run` with their inputs, in the current
# directory. Exits with perfgate's status, so the job fails exactly when the
# gate does:
#   1  a regression, a stale baseline or a failed case
#   2  bad input (case file, dataset spec, baseline, option)
#   3  infrastructure (server would not start, connection lost)
#
# Environment (set from the inputs; empty means "not given"):
#   PERFGATE_SCHEMA PERFGATE_DATASET PERFGATE_BENCH PERFGATE_BASELINES
#   PERFGATE_BASE   "auto": origin/$PERFGATE_BASE_BRANCH when that is set (the
#                   pull/merge request's target branch), no --base otherwise;
#                   "": never; anything else: that git revision
#   PERFGATE_ARGS   more `perfgate run` options, split on spaces, never globbed
#   PERFGATE_JUNIT PERFGATE_SUMMARY_FILE PERFGATE_JSON   report paths
#   PERFGATE_CACHE_DIR   perfgate's cache directory (seeded databases, the
#                   initdb template, instruction counts); "off": --no-cache;
#                   empty: perfgate's default (~/.cache/perfgate)
#   PERFGATE        the perfgate binary (default: perfgate on PATH)
# and, on GitHub, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY.
# Outputs ($GITHUB_OUTPUT): exit-code, base (the revision compared with, if
# any), and junit, summary, json (absolute paths of the reports written).
set -euo pipefail

perfgate=${PERFGATE:-perfgate}
junit=${PERFGATE_JUNIT:-perfgate-junit.xml}
summary=${PERFGATE_SUMMARY_FILE:-perfgate-summary.md}
json=${PERFGATE_JSON:-perfgate-results.json}
output=${GITHUB_OUTPUT:-/dev/null}
step_summary=${GITHUB_STEP_SUMMARY:-/dev/null}
# A job container's workspace belongs to another user, and git refuses such
# a repository ("dubious ownership"): trust it for the git commands of this
# script and of perfgate (--base) only, through the environment, without
# touching any git config file.
n=${GIT_CONFIG_COUNT:-0}
export "GIT_CONFIG_KEY_$n=safe.directory" "GIT_CONFIG_VALUE_$n=*" GIT_CONFIG_COUNT=$((n + 1))

errlog=$(mktemp)
trap 'rm -f "$errlog"' EXIT

say() { printf 'perfgate gate: %s\n' "$*" >&2; }
annotate() { # message: an error annotation on GitHub, a plain line elsewhere
    if [[ ${GITHUB_ACTIONS:-} == true ]]; then
        echo "::error title=perfgate::$1"
    else
        echo "perfgate gate: error: $1"
    fi
}
error() { # title message: an annotation, and the reason in the job summary
    annotate "$2"
    {
        printf '## perfgate: %s\n\n%s\n' "$1" "$2"
        # perfgate's own words (they name the file and line).
        if grep -q '^perfgate: ' "$errlog"; then
            printf '\n```\n'
            grep '^perfgate: ' "$errlog" | tail -n 10
            printf '```\n'
        fi
    } >> "$step_summary"
}

rm -f "$junit" "$summary" "$json" # no stale reports
set -- --junit "$junit" --summary "$summary" --json "$json"
[[ -n ${PERFGATE_SCHEMA:-} ]] && set -- "$@" --schema "$PERFGATE_SCHEMA"
[[ -n ${PERFGATE_DATASET:-} ]] && set -- "$@" --dataset "$PERFGATE_DATASET"
[[ -n ${PERFGATE_BENCH:-} ]] && set -- "$@" --bench "$PERFGATE_BENCH"
[[ -n ${PERFGATE_BASELINES:-} ]] && set -- "$@" --baselines "$PERFGATE_BASELINES"

base=${PERFGATE_BASE-auto}
if [[ $base == auto ]]; then
    base=""
    [[ -n ${PERFGATE_BASE_BRANCH:-} ]] && base=origin/$PERFGATE_BASE_BRANCH
fi
if [[ -n $base ]]; then
    if ! git rev-parse --verify --quiet "$base^{commit}" > /dev/null; then
        # A checkout without fetch-depth: 0 lacks the base branch. A pull
        # request's merge commit has the base tip as a parent, so one commit
        # of the branch is enough in a shallow clone.
        branch=${base#origin/}
        depth=()
        [[ $(git rev-parse --is-shallow-repository 2> /dev/null) == true ]] && depth=(--depth=1)
        say "fetching $base (a full clone avoids this: fetch-depth: 0 / GIT_DEPTH: 0)"
        git fetch --quiet --no-tags "${depth[@]}" origin \
            "+refs/heads/$branch:refs/remotes/origin/$branch" || true
    fi
    if ! git rev-parse --verify --quiet "$base^{commit}" > /dev/null; then
        error "base revision not found" \
            "the base revision '$base' is not in this clone: clone with full history (actions/checkout: \`fetch-depth: 0\`; GitLab: \`GIT_DEPTH: 0\`) or set the input base"
        echo "exit-code=2" >> "$output"
        exit 2
    fi
    set -- "$@" --base "$base"
    echo "base=$base" >> "$output"
fi
# The seeded-database cache: perfgate reads PERFGATE_CACHE_DIR itself.
if [[ ${PERFGATE_CACHE_DIR:-} == off ]]; then
    unset PERFGATE_CACHE_DIR
    set -- "$@" --no-cache
elif [[ -z ${PERFGATE_CACHE_DIR:-} ]]; then
    unset PERFGATE_CACHE_DIR
fi

set -f +e # PERFGATE_ARGS is split on spaces, never globbed
# stderr goes to the log as usual and to errlog, for the job summary.
# shellcheck disable=SC2086  # PERFGATE_ARGS is split on purpose
{
    "$perfgate" run -v "$@" ${PERFGATE_ARGS:-} 2>&1 1>&3 3>&- | tee "$errlog" >&2
    rc=${PIPESTATUS[0]}
} 3>&1
set +f -e

echo "exit-code=$rc" >> "$output"
for report in junit:"$junit" summary:"$summary" json:"$json"; do
    name=${report%%:*} path=${report#*:}
    if [[ -s $path ]]; then
        echo "$name=$(cd "$(dirname "$path")" && pwd)/$(basename "$path")" >> "$output"
    fi
done
case "$rc" in
0) ;;
1) annotate "performance regression, stale baseline or failed case (exit 1); see the summary" ;;
2) error "bad input (exit 2)" "a case file, dataset spec, baseline or option is malformed; the job log names file and line" ;;
3) error "infrastructure (exit 3)" "the server would not start or the connection was lost; re-run, and if it persists look at the runner" ;;
*) error "exit $rc" "perfgate exited with status $rc" ;;
esac
exit "$rc"
