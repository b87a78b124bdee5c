#!/usr/bin/env bash
# perfgate load against pgbench, side by side in one run: the same simple
# read script (pgbench's built-in select-only, -S: one primary-key read of
# pgbench_accounts per transaction) at the same client and thread count,
# pgbench -M prepared and `perfgate load --clients C --threads J`
# (bench/load/compare/pgbench_select_only.json), alternating which goes
# first, several repetitions. Prints, per repetition and as medians,
# throughput and the p50/p99 of each: pgbench's from its per-transaction
# log (--log), perfgate's from its histogram. Then perfgate's peak RSS at
# 10 and 200 clients, for the memory per client.
#
#   bench/load/pgbench-compare.sh [-c CLIENTS] [-j THREADS] [-T SECONDS] [-r REPS]
#                                 [-s SCALE] [--dsn DSN] [--perfgate BIN] [--no-memory]
#
# Without --dsn it starts a disposable server (`perfgate pg start`) and
# removes it at the end. With --dsn it creates the pgbench tables there
# (pgbench -i: DROPS AND RECREATES pgbench_accounts & co).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
clients=10
threads=2
seconds=10
reps=5
scale=1
dsn=""
perfgate="$root/build/src/perfgate"
memory=1

while [ $# -gt 0 ]; do
    case "$1" in
    -c) clients=$2; shift 2 ;;
    -j) threads=$2; shift 2 ;;
    -T) seconds=$2; shift 2 ;;
    -r) reps=$2; shift 2 ;;
    -s) scale=$2; shift 2 ;;
    --dsn) dsn=$2; shift 2 ;;
    --perfgate) perfgate=$2; shift 2 ;;
    --no-memory) memory=0; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "pgbench-compare: unknown argument $1" >&2; exit 2 ;;
    esac
done

for tool in pgbench python3 "$perfgate"; do
    command -v "$tool" >/dev/null || { echo "pgbench-compare: $tool not found" >&2; exit 3; }
done

work=$(mktemp -d)
cluster=""
cleanup() {
    if [ -n "$cluster" ]; then "$perfgate" pg stop "$cluster" >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$dsn" ]; then
    eval "$("$perfgate" pg start --env)"
    cluster=$PERFGATE_CLUSTER
    admin=$PERFGATE_DSN
    unset PERFGATE_DSN PERFGATE_CLUSTER
    psql "$admin" -qc "CREATE DATABASE pgbench_compare" >/dev/null
    dsn="$admin dbname=pgbench_compare"
fi

pgbench -i -q -s "$scale" "$dsn" >"$work/init.log" 2>&1 || { cat "$work/init.log" >&2; exit 3; }

# The perfgate flow for this scale: aid uniform in [1, 100000 * scale], as
# pgbench's \set aid random(1, 100000 * :scale).
accounts=$((100000 * scale))
sed "s/\[1, 100000\]/[1, $accounts]/" "$here/compare/pgbench_select_only.json" >"$work/select_only.json"

run_pgbench() { # rep
    (cd "$work" && pgbench -n -M prepared -S -c "$clients" -j "$threads" -T "$seconds" \
        -l --log-prefix="pgb$1" "$dsn" >"pgb$1.out" 2>&1)
}

run_perfgate() { # rep
    "$perfgate" load --dsn "$dsn" --scenario "$work/select_only.json" --clients "$clients" \
        --threads "$threads" --duration "${seconds}s" --json "$work/pf$1.json" --junit - \
        --baselines "$work/no-baselines" >"$work/pf$1.out" 2>&1
}

echo "pgbench-compare: select-only, scale $scale, $clients clients, $threads threads," \
     "${seconds}s per run, $reps repetitions, alternating; $(date -u +%Y-%m-%dT%H:%MZ)," \
     "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq 1 "$reps"); do
    if [ $((rep % 2)) -eq 1 ]; then run_pgbench "$rep"; run_perfgate "$rep"
    else run_perfgate "$rep"; run_pgbench "$rep"; fi
done

if [ "$memory" = 1 ]; then
    for c in 10 200; do
        "$perfgate" load --dsn "$dsn" --scenario "$work/select_only.json" --clients "$c" \
            --threads "$threads" --duration 5s --json "$work/mem$c.json" --junit - \
            --baselines "$work/no-baselines" >/dev/null 2>&1
    done
fi

python3 - "$work" "$reps" "$memory" <<'EOF'
import glob, json, re, statistics, sys

work, reps, memory = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"

def nearest_rank(sorted_values, q):
    import math
    k = max(1, math.ceil(q * len(sorted_values) - 1e-9))
    return sorted_values[k - 1]

rows = []
for rep in range(1, reps + 1):
    out = open(f"{work}/pgb{rep}.out").read()
    tps = float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out).group(1))
    lat = []
    for path in glob.glob(f"{work}/pgb{rep}.*"):
        if path.endswith(".out"):
            continue
        for line in open(path):
            f = line.split()
            if len(f) >= 6:
                lat.append(int(f[2]) / 1000.0)  # microseconds -> ms
    lat.sort()
    pg = (tps, nearest_rank(lat, 0.5), nearest_rank(lat, 0.99), len(lat))
    doc = json.load(open(f"{work}/pf{rep}.json"))
    flow = doc["scenarios"][0]["flows"][0]
    pf = (flow["throughput"], flow["latency_ms"]["p50"], flow["latency_ms"]["p99"],
          flow["completed"])
    rows.append((rep, pg, pf))

print(f"{'rep':>3} {'pgbench tps':>12} {'perfgate tps':>12} {'ratio':>6}  "
      f"{'p50 pgb':>8} {'p50 pf':>8} {'ratio':>6}  {'p99 pgb':>8} {'p99 pf':>8} {'ratio':>6}")
for rep, pg, pf in rows:
    print(f"{rep:>3} {pg[0]:>12.0f} {pf[0]:>12.0f} {pf[0] / pg[0]:>6.3f}  "
          f"{pg[1]:>8.3f} {pf[1]:>8.3f} {pf[1] / pg[1]:>6.3f}  "
          f"{pg[2]:>8.3f} {pf[2]:>8.3f} {pf[2] / pg[2]:>6.3f}")
med = lambda xs: statistics.median(xs)
t_ratio = med([pf[0] / pg[0] for _, pg, pf in rows])
p50_ratio = med([pf[1] / pg[1] for _, pg, pf in rows])
p99_ratio = med([pf[2] / pg[2] for _, pg, pf in rows])
print(f"median  pgbench {med([pg[0] for _, pg, _ in rows]):.0f} tps, p50 "
      f"{med([pg[1] for _, pg, _ in rows]):.3f} ms, p99 {med([pg[2] for _, pg, _ in rows]):.3f} ms")
print(f"median  perfgate {med([pf[0] for _, _, pf in rows]):.0f} tps, p50 "
      f"{med([pf[1] for _, _, pf in rows]):.3f} ms, p99 {med([pf[2] for _, _, pf in rows]):.3f} ms")
print(f"median ratios perfgate/pgbench: throughput {t_ratio:.3f} (target >= 0.95), "
      f"p50 {p50_ratio:.3f}, p99 {p99_ratio:.3f} (target within 0.90..1.10)")
if memory:
    rss = {}
    for c in (10, 200):
        s = json.load(open(f"{work}/mem{c}.json"))["scenarios"][0]
        rss[c] = s["peak_rss_kb"]
    per = (rss[200] - rss[10]) / 190.0
    print(f"perfgate peak RSS: {rss[10]} KiB at 10 clients, {rss[200]} KiB at 200 clients: "
          f"{per:.0f} KiB per client")
EOF
