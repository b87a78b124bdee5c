#!/usr/bin/env bash
# Measure perfgate's verdict error rates on this machine (issue: timing
# verdicts that survive noisy machines). Prints a table:
#   method x injected change -> detected / runs, and A/A false alarms / runs.
#
# Usage: bench/calibrate/run.sh [--runs N] [--sizes "10 20 30 50"] [--out DIR]
#                               [--cases "timeline/timeline_recent_page,..."]
# Needs a built perfgate (build/src/perfgate, or $PERFGATE), git, python3.
# Takes a while: about (4 + 2 x sizes) x runs perfgate runs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
perfgate=${PERFGATE:-$root/build/src/perfgate}
runs=20
sizes="10 20 30 50"
cases="timeline/timeline_recent_page,timeline/timeline_next_page,documents/documents_search"
out=""
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
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

# A scratch repository whose first commit is the project as it is.
repo=$work/repo
mkdir -p "$repo"
cp -r "$root/fixtures" "$root/bench" "$root/baselines" "$repo/"
rm -rf "$repo/bench/calibrate"
git -C "$repo" init -q
git -C "$repo" -c user.email=calibrate@perfgate -c user.name=calibrate add -A
git -C "$repo" -c user.email=calibrate@perfgate -c user.name=calibrate commit -qm base
commit() { git -C "$repo" -c user.email=calibrate@perfgate -c user.name=calibrate commit -qam "$1"; }

gate() { # gate NAME [perfgate run args...]: one run, JSON into $out/NAME.json
    local name=$1; shift
    (cd "$repo" && "$perfgate" run --junit - --json "$out/$name.json" "$@" >/dev/null 2>"$out/$name.log") || true
}

echo "calibrate: $runs runs per row; results in $out" >&2

# Baselines recorded on this machine, now, for the committed-baseline path.
gate record --update-baselines
commit "baselines recorded on this machine" || true
base_rev=$(git -C "$repo" rev-parse HEAD)

# A/A: nothing changed.
for i in $(seq 1 "$runs"); do
    gate "aa-committed-$i"
    gate "aa-paired-$i" --base HEAD
    echo "  A/A run $i/$runs done" >&2
done

# Per-row CPU cost per md5(repeat(uuid::text, K)) call on this server.
dsn=$("$perfgate" pg start)
cost_us=$(psql "$dsn" -XAtc "EXPLAIN (ANALYZE, FORMAT JSON) SELECT md5(repeat(gen_random_uuid()::text, 1000)) FROM generate_series(1, 2000)" \
    | python3 -c 'import json,sys; p=json.load(sys.stdin)[0]; print(p["Execution Time"] * 1000 / 2000)')
"$perfgate" pg stop --all >/dev/null
echo "  md5(repeat(uuid, 1000)) costs ${cost_us} us per row" >&2

# Injection size: K per case such that the added per-row CPU is PCT% of the
# case's base median. First estimate from the measured cost per call and the
# rows each case returns; then a pilot paired run measures the slowdown that
# K really causes and K is rescaled once, so "+30%" means +30% here.
estimate_k() { # estimate_k PCT > k.json
    python3 - "$out/record.json" "$cases" "$1" "$cost_us" <<'PY'
import json, sys
record, cases, pct, cost = sys.argv[1], sys.argv[2].split(","), float(sys.argv[3]), float(sys.argv[4])
res = {f"{c['group']}/{c['name']}": c for c in json.load(open(record))["cases"]}
k = {}
for case in cases:
    c = res[case]
    median_ms, rows = c["latency"]["median_ms"], max(1, c["work"]["rows"])
    k[case] = max(1, round(pct / 100 * median_ms * 1000 / rows / cost * 1000))
print(json.dumps(k))
PY
}

apply_k() { # apply_k K.JSON: prepend the cost expression to each case's SELECT list
    python3 - "$repo" "$out/record.json" "$1" <<'PY'
import json, sys
repo, record, kfile = sys.argv[1], sys.argv[2], sys.argv[3]
res = {f"{c['group']}/{c['name']}": c for c in json.load(open(record))["cases"]}
for case, k in json.load(open(kfile)).items():
    path = f"{repo}/{res[case]['file']}"
    text = open(path).read()
    head, sep, body = text.partition("\nSELECT ")
    open(path, "w").write(head + sep + f"md5(repeat(id::text, {k})) AS injected_cost, " + body)
PY
}

rescale_k() { # rescale_k PCT K.JSON PILOT.JSON > K.JSON
    python3 - "$1" "$2" "$3" <<'PY'
import json, sys
pct, kfile, pilot = float(sys.argv[1]), sys.argv[2], sys.argv[3]
k = json.load(open(kfile))
try:
    cases = {f"{c['group']}/{c['name']}": c for c in json.load(open(pilot))["cases"]}
except (OSError, ValueError):
    cases = {}
for case in k:
    ratio = cases.get(case, {}).get("latency", {}).get("ratio", 0)
    if ratio > 1.01:
        factor = (pct / 100) / (ratio - 1)
        k[case] = max(1, round(k[case] * min(10.0, max(0.1, factor))))
print(json.dumps(k))
PY
}

for pct in $sizes; do
    git -C "$repo" reset -q --hard "$base_rev"
    estimate_k "$pct" > "$out/k$pct-estimate.json"
    apply_k "$out/k$pct-estimate.json"
    commit "cpu+$pct% pilot"
    gate "cpu$pct-pilot" --base HEAD~1 --only "$cases" --iterations 30
    rescale_k "$pct" "$out/k$pct-estimate.json" "$out/cpu$pct-pilot.json" > "$out/k$pct.json"
    echo "  cpu+$pct%: K $(cat "$out/k$pct-estimate.json") -> $(cat "$out/k$pct.json")" >&2
    for i in $(seq 1 "$runs"); do
        git -C "$repo" reset -q --hard "$base_rev"
        apply_k "$out/k$pct.json"
        commit "cpu+$pct%"
        gate "cpu$pct-paired-$i" --base HEAD~1 --only "$cases"
        gate "cpu$pct-committed-$i" --only "$cases"
        echo "  cpu+$pct% run $i/$runs done" >&2
    done
done

for i in $(seq 1 "$(( runs < 5 ? runs : 5 ))"); do   # deterministic: a few runs suffice
    git -C "$repo" reset -q --hard "$base_rev"
    # A scan that stops at its LIMIT (the timeline pages' drawn patients
    # mostly have fewer rows than the limit, so a larger LIMIT changes nothing
    # there): the audit feed reads exactly LIMIT rows of its index.
    sed -i 's/^LIMIT 50;/LIMIT 63;/' "$repo/bench/audit/audit_recent_activity.sql"
    commit "rows+25%"
    gate "rows25-paired-$i" --base HEAD~1 --only audit/audit_recent_activity
    gate "rows25-committed-$i" --only audit/audit_recent_activity
    git -C "$repo" reset -q --hard "$base_rev"
    cp "$here/injections/drop_index.sql" "$repo/fixtures/schema/999_drop_index.sql"
    git -C "$repo" add -A
    commit "drop index"
    gate "dropidx-paired-$i" --base HEAD~1 --only "timeline/*,rls/timeline_page_patient"
    gate "dropidx-committed-$i" --only "timeline/*,rls/timeline_page_patient"
    echo "  work injections run $i done" >&2
done

python3 "$here/report.py" "$out" "$cases"
