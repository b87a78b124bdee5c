#!/usr/bin/env bash
# Measure the instruction metric on this machine (docs/verdicts.md,
# "Instructions"): CPU-only injections of known size caught from committed
# baselines, then A/A runs against the same baselines after the machine has
# been busy: false alarms and the run-to-run spread of every count.
#
# Usage: bench/calibrate/instructions.sh [--runs N] [--sizes "5 10 20 30"] [--out DIR]
#                                        [--aa-runs N]
# Needs a built perfgate (build/src/perfgate, or $PERFGATE), valgrind, git, python3.
# Takes about (2 x sizes x runs) x 20 s + aa-runs x 80 s.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
perfgate=${PERFGATE:-$root/build/src/perfgate}
runs=20
aa_runs=""
sizes="5 10 20 30"
out=""
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=$2; shift 2 ;;
    --aa-runs) aa_runs=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
aa_runs=${aa_runs:-$runs}
[ -x "$perfgate" ] || { echo "no perfgate binary at $perfgate (build first: make build)" >&2; exit 2; }
work=$(mktemp -d)
chmod 711 "$work"
out=${out:-$work/results}
mkdir -p "$out"
export PERFGATE_RUNTIME_DIR=$work/runtime
mkdir -p "$PERFGATE_RUNTIME_DIR"
chmod 711 "$PERFGATE_RUNTIME_DIR"
cleanup() { "$perfgate" pg stop --all >/dev/null 2>&1 || true; rm -rf "$work/repo"; }
trap cleanup EXIT

# The injected cases: the timeline page under its read policy (the policy
# function gets heavier) and the document search (its SELECT list gets a
# per-row expression). Neither changes plan, buffers, rows or calls.
policy_case=rls/timeline_page_patient
search_case=documents/documents_search

repo=$work/repo
mkdir -p "$repo"
cp -r "$root/fixtures" "$root/bench" "$root/baselines" "$repo/"
rm -rf "$repo/bench/calibrate"
git -C "$repo" init -q
g() { git -C "$repo" -c user.email=calibrate@perfgate -c user.name=calibrate "$@"; }
g add -A
g commit -qm base
gate() { # gate NAME [perfgate run args...]: one run, JSON into $out/NAME.json
    # --no-cache: every count is measured afresh (the count cache would
    # repeat the first run's counts and make the spread zero by construction).
    local name=$1; shift
    set -- --no-cache "$@"
    local rc=0
    (cd "$repo" && "$perfgate" run -v --junit - --json "$out/$name.json" "$@" >"$out/$name.out" 2>"$out/$name.log") || rc=$?
    echo "$rc" > "$out/$name.rc"
}

echo "instructions: $runs runs per size, $aa_runs A/A runs; results in $out" >&2
gate record --update-baselines
g add -A
g commit -qm "baselines recorded on this machine" || true
base_rev=$(g rev-parse HEAD)

# The policy function is called by every read policy, the document search's
# too: each injection runs on its own, against its own case.
inject() { # inject policy|search K: one injection on top of the base
    g reset -q --hard "$base_rev"
    if [ "$1" = policy ]; then
        sed "s/@K@/$2/g" "$here/injections/cpu_policy_function.sql.in" \
            > "$repo/fixtures/schema/999_cpu_policy_function.sql"
    else
        python3 - "$repo/bench/$search_case.sql" "$2" <<'PY'
import sys
path, k = sys.argv[1], sys.argv[2]
text = open(path).read()
head, sep, body = text.partition("\nSELECT ")
open(path, "w").write(head + sep + f"md5(repeat(id::text, {k})) AS injected_cost, " + body)
PY
    fi
    g add -A
    g commit -qm "cpu injection $1 K=$2"
}
case_of() { if [ "$1" = policy ]; then echo "$policy_case"; else echo "$search_case"; fi; }

count() { # count NAME CASE: instructions per execution of CASE in run NAME
    python3 - "$out/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["cases"]:
    if f"{c['group']}/{c['name']}" == sys.argv[2]:
        print(c["instructions"]["per_execution"])
PY
}

# Pilots: the instruction cost is linear in K (one md5 over K copies per
# row read), so two pilots give K for any size exactly.
for inj in policy search; do
    for k in 200 2000; do
        inject "$inj" "$k"
        gate "pilot-$inj-$k" --only "$(case_of "$inj")" --no-rls --iterations 10
    done
done
k_for() { # k_for policy|search PCT
    local c
    c=$(case_of "$1")
    python3 - "$(count record "$c")" "$(count "pilot-$1-200" "$c")" "$(count "pilot-$1-2000" "$c")" "$2" <<'PY'
import sys
base, c200, c2000, pct = (float(x) for x in sys.argv[1:])
slope = (c2000 - c200) / 1800.0
fixed = c200 - base - 200 * slope
k = (pct / 100.0 * base - fixed) / slope
print(max(1, round(k)))
PY
}

for pct in $sizes; do
    for inj in policy search; do
        k=$(k_for "$inj" "$pct")
        echo "  +$pct% $inj: K $k" >&2
        inject "$inj" "$k"
        for i in $(seq 1 "$runs"); do
            gate "cpu$pct-$inj-$i" --only "$(case_of "$inj")" --no-rls --iterations 10
        done
    done
    echo "  +$pct%: $runs runs per injection done" >&2
done

# A/A after all that: the baselines recorded at the start, nothing changed.
g reset -q --hard "$base_rev"
for i in $(seq 1 "$aa_runs"); do
    gate "aa-$i"
    echo "  A/A run $i/$aa_runs done" >&2
done

python3 "$here/instructions_report.py" "$out" "$sizes"
