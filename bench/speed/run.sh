#!/usr/bin/env bash
# How long `perfgate run` takes end to end at scale 1, a first run (empty
# cache: initdb, schema, seed, measure, instruction counts, RLS checks) and a
# second run of the same tree (the seeded data directory, the initdb template
# and the instruction counts from the cache), and a run with a changed input
# (seeded again, the server from the cached initdb template), each repeated;
# prints every run's wall time and phases, then medians. Issue 16's targets: a first run
# under 20 s, a second under 10 s, the server up in 0.3 s from the template.
#
# Usage: bench/speed/run.sh [--reps N] [--scale S] [-- more perfgate run options]
# Needs a built perfgate (build/src/perfgate, or $PERFGATE).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
perfgate=${PERFGATE:-$root/build/src/perfgate}
reps=3
scale=1
while [ $# -gt 0 ]; do
    case "$1" in
    --reps) reps=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ -x "$perfgate" ] || { echo "no perfgate binary at $perfgate (build first: make build)" >&2; exit 2; }
work=$(mktemp -d)
chmod 711 "$work"
trap 'rm -rf "$work"' EXIT
export PERFGATE_RUNTIME_DIR=$work/runtime
mkdir -p "$PERFGATE_RUNTIME_DIR"
chmod 711 "$PERFGATE_RUNTIME_DIR"
unset PERFGATE_DSN

one() { # one LABEL CACHE: a run in the source tree, its wall time and phases
    local label=$1 cache=$2 t0 t1 rc=0
    shift 2
    t0=$(date +%s.%N)
    (cd "$root" && PERFGATE_CACHE_DIR=$cache "$perfgate" run -v --scale "$scale" \
        --junit "$work/junit.xml" "$@" > "$work/out" 2> "$work/err") || rc=$?
    t1=$(date +%s.%N)
    local phases
    phases=$(sed -n 's/^perfgate: \([a-z][a-z -]*\)\( ([^)]*)\)\{0,1\}: \([0-9.]*\) s$/\1 \3/p' "$work/err" |
        awk '{v=$NF; $NF=""; sub(/ $/,""); printf "%s%s %.1f", sep, $0, v; sep=", "}')
    [ "$rc" -le 1 ] || sed -n 1,5p "$work/err" >&2
    printf '%-7s %6.1f s  exit %d  (%s)\n' "$label" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" "$rc" "$phases"
    echo "$label $(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" >> "$work/times"
}

shift_args=("$@")
echo "perfgate run at scale $scale, $reps x (first, second, changed); $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$reps"); do
    cache=$work/cache-$i
    one first "$cache" "${shift_args[@]}"
    one second "$cache" "${shift_args[@]}"
    # A changed input (here the seed, as a schema change in a pull request
    # would): seeded again, but the server starts from the cached initdb
    # template (its "server" phase is the spare-cluster figure).
    one changed "$cache" --seed $((1000 + i)) "${shift_args[@]}"
done
for label in first second changed; do
    awk -v l="$label" '$1 == l {print $2}' "$work/times" | sort -n |
        awk -v l="$label" '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2;
            printf "median %-7s %.1f s over %d runs (min %.1f, max %.1f)\n", l, m, NR, a[1], a[NR]}'
done
