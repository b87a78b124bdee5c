#!/usr/bin/env bash
# Seeding throughput: `perfgate seed` at scale 1 and 10, side by side with
# `pgbench -i` at a comparable data size, in one run. See README.md here.
#
# Usage: bench/seed/run.sh [-n RUNS] [--scales "1 10"] [--jobs N] [--perfgate BIN]
#                          [--pgbench-scales "K1 K10"]
#
#   -n RUNS            repetitions, alternating perfgate / pgbench (default 3)
#   --scales LIST      perfgate scales (default "1 10")
#   --jobs N           perfgate seed --jobs (default: perfgate's default, 2)
#   --perfgate BIN     the binary (default $PERFGATE, else build/src/perfgate)
#   --pgbench-scales   pgbench -s per perfgate scale (default: chosen so that
#                      pgbench's table data is as large as perfgate's, from a
#                      pgbench -i -s 1 calibration)
#
# Every run gets a fresh disposable cluster in a private PERFGATE_RUNTIME_DIR
# (perfgate seed starts its own; pgbench gets one from `perfgate pg start`),
# so both tools load into the same kind of server. Everything started here is
# stopped and removed on exit, also on failure and Ctrl-C.
set -u -o pipefail

runs=3
scales="1 10"
jobs=
pgbench_scales=
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
perfgate=${PERFGATE:-$root/build/src/perfgate}

usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        -n) runs=$2; shift 2 ;;
        --scales) scales=$2; shift 2 ;;
        --jobs) jobs=$2; shift 2 ;;
        --perfgate) perfgate=$2; shift 2 ;;
        --pgbench-scales) pgbench_scales=$2; shift 2 ;;
        -h | --help) usage ;;
        *) echo "run.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: -n needs a positive number" >&2; exit 2; }
[[ -x "$perfgate" ]] || { echo "run.sh: no perfgate binary at $perfgate (build it, or --perfgate BIN)" >&2; exit 2; }
for tool in pgbench psql; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (package postgresql-client)" >&2; exit 2; }
done
perfgate=$(cd "$(dirname "$perfgate")" && pwd)/$(basename "$perfgate")
read -r -a scale_list <<<"$scales"
read -r -a pgb_list <<<"$pgbench_scales"

# ------------------------------------------------------------ private runtime
runtime=$(mktemp -d "${TMPDIR:-/tmp}/pf-bench-seed-XXXXXX") || exit 3
chmod 755 "$runtime" # as root, the server user must reach its directory
export PERFGATE_RUNTIME_DIR=$runtime
unset PERFGATE_DSN PERFGATE_CLUSTER # perfgate seed must start its own server
work=$runtime/work
mkdir -p "$work"
child=

cleanup() {
    local rc=$? d
    trap - EXIT INT TERM
    [[ -n "$child" ]] && kill -TERM "$child" 2>/dev/null && wait "$child" 2>/dev/null
    for d in "$runtime"/perfgate-*/; do
        [[ -d "$d" ]] && "$perfgate" pg stop "${d%/}" >/dev/null 2>&1
    done
    rm -rf "$runtime"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() { echo "run.sh: $*" >&2; exit 3; }

# ------------------------------------------------------------ helpers
now() { echo "${EPOCHREALTIME/,/.}"; }
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }
# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The table data of a database, in bytes: pg_table_size (heap + TOAST + FSM
# + VM, no indexes) of every table of the user schemas, partitions counted
# once (a partitioned parent has no storage of its own).
table_bytes() {
    psql -X -At -d "$1" -c "SELECT coalesce(sum(pg_table_size(c.oid)), 0) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%'"
}

# perfgate seed at scale $1; sets pg_server pg_seed pg_wall pg_mb pg_rss_kb.
run_perfgate() {
    local scale=$1 t0 t1 line hwm=0 v k val rest
    local args=(seed --scale "$scale" -v)
    [[ -n "$jobs" ]] && args+=(--jobs "$jobs")
    t0=$(now)
    "$perfgate" "${args[@]}" >"$work/pf.out" 2>"$work/pf.err" &
    child=$!
    # Peak RSS of the perfgate process itself (VmHWM covers all its
    # threads). Not /usr/bin/time: the server's postmaster is perfgate's
    # child, and wait4() folds the largest descendant's RSS (a backend with
    # its shared buffers) into the figure it reports.
    while :; do
        v=
        while read -r k val rest; do
            [[ $k == VmHWM: ]] && v=$val
        done 2>/dev/null <"/proc/$child/status"
        [[ -z "$v" ]] && break # exited (a zombie has no VmHWM)
        hwm=$v
        sleep 0.05
    done
    wait "$child" || { cat "$work/pf.err" >&2; child=; die "perfgate seed --scale $scale failed"; }
    child=
    t1=$(now)
    # perfgate: seeded N rows (...) into T tables in 3.23 s (seed S, scale X)
    # perfgate: phases: server 0.63 s, schema ..., ...; table data 59.8 MB
    line=$(grep -m1 'perfgate: seeded' "$work/pf.err") || die "no summary line from perfgate seed"
    local total
    total=$(sed -E 's/.* in ([0-9.]+) s \(seed.*/\1/' <<<"$line")
    line=$(grep -m1 'perfgate: phases:' "$work/pf.err") || die "no phase line (perfgate seed -v)"
    pg_server=$(sed -E 's/.*server ([0-9.]+) s,.*/\1/' <<<"$line")
    pg_mb=$(sed -E 's/.*table data ([0-9.]+) MB.*/\1/' <<<"$line")
    pg_seed=$(calc "$total - $pg_server")
    pg_wall=$(calc "$t1 - $t0")
    pg_rss_kb=$hwm
    pg_phases=$(sed -E 's/^perfgate: phases: //' <<<"$line")
}

# pgbench -i -q -s $1 in a fresh cluster; sets pb_seed pb_wall pb_mb.
run_pgbench() {
    local k=$1 envs t0 t1
    envs=$("$perfgate" pg start --env) || die "perfgate pg start failed"
    # shellcheck disable=SC2034 # set by the eval below
    local PGHOST PGPORT PGUSER PGDATABASE PERFGATE_DSN PERFGATE_CLUSTER
    eval "$envs"
    export PGHOST PGPORT PGUSER PGDATABASE
    t0=$(now)
    pgbench -i -q -s "$k" >"$work/pb.out" 2>&1 &
    child=$!
    wait "$child" || { cat "$work/pb.out" >&2; child=; die "pgbench -i -s $k failed"; }
    child=
    t1=$(now)
    # "done in 1.23 s (drop tables 0.00 s, create tables ..., ...)."
    pb_seed=$(sed -nE 's/^done in ([0-9.]+) s.*/\1/p' "$work/pb.out" | tail -n 1)
    [[ -n "$pb_seed" ]] || pb_seed=$(calc "$t1 - $t0")
    pb_wall=$(calc "$t1 - $t0")
    pb_mb=$(calc "$(table_bytes postgres) / 1e6")
    pb_phases=$(sed -nE 's/^done in [0-9.]+ s \((.*)\)\.$/\1/p' "$work/pb.out" | tail -n 1)
    "$perfgate" pg stop "$PERFGATE_CLUSTER" >/dev/null || die "perfgate pg stop failed"
}

# MB of table data per pgbench scale unit (pgbench -i -s 1).
calibrate_pgbench() {
    run_pgbench 1
    pgb_unit_mb=$pb_mb
}

# ------------------------------------------------------------ the runs
echo "# perfgate seed vs pgbench -i: $runs run(s), perfgate scales: ${scale_list[*]}"
echo "# machine: $(nproc) CPU(s), $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo) RAM," \
    "$(sed -nE 's/^model name\s*:\s*//p' /proc/cpuinfo | head -n 1); $(uname -sr)"
echo "# $("$perfgate" --version 2>/dev/null | head -n 1); $(pgbench --version)"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

declare -A K PF_SEED PF_SERVER PF_WALL PF_MB PF_RATE PF_RSS PB_SEED PB_WALL PB_MB PB_RATE
for ((i = 0; i < ${#scale_list[@]}; i++)); do
    [[ -n "${pgb_list[$i]:-}" ]] && K[${scale_list[$i]}]=${pgb_list[$i]}
done

for ((run = 1; run <= runs; run++)); do
    for s in "${scale_list[@]}"; do
        run_perfgate "$s"
        printf '  run %d  perfgate seed --scale %-4s %8.1f MB  %7.2f s  (server %.2f s, wall %.2f s, peak RSS %.1f MB)\n' \
            "$run" "$s" "$pg_mb" "$pg_seed" "$pg_server" "$pg_wall" "$(calc "$pg_rss_kb / 1024")"
        echo "          phases: $pg_phases"
        PF_SEED[$s]+="$pg_seed "
        PF_SERVER[$s]+="$pg_server "
        PF_WALL[$s]+="$pg_wall "
        PF_MB[$s]+="$pg_mb "
        PF_RATE[$s]+="$(calc "$pg_mb / $pg_seed") "
        PF_RSS[$s]+="$pg_rss_kb "
        if [[ -z "${K[$s]:-}" ]]; then
            [[ -n "${pgb_unit_mb:-}" ]] || calibrate_pgbench
            K[$s]=$(awk "BEGIN { k = int($pg_mb / $pgb_unit_mb + 0.5); print k < 1 ? 1 : k }")
            echo "          pgbench -i -s 1 holds $(printf '%.1f' "$pgb_unit_mb") MB of table data: using -s ${K[$s]} for scale $s"
        fi
        run_pgbench "${K[$s]}"
        printf '  run %d  pgbench -i -q -s %-8s %8.1f MB  %7.2f s  (wall %.2f s)\n' \
            "$run" "${K[$s]}" "$pb_mb" "$pb_seed" "$pb_wall"
        echo "          phases: $pb_phases"
        PB_SEED[$s]+="$pb_seed "
        PB_WALL[$s]+="$pb_wall "
        PB_MB[$s]+="$pb_mb "
        PB_RATE[$s]+="$(calc "$pb_mb / $pb_seed") "
    done
done

# ------------------------------------------------------------ the table
echo
echo "Medians of $runs run(s). seconds: perfgate = schema + data + indexes + FKs + VACUUM/ANALYZE,"
echo "server start excluded; pgbench = its own 'done in' (tables, COPY, vacuum, primary keys)."
echo
printf '| %-8s | %-5s | %8s | %8s | %8s | %16s |\n' tool scale "table MB" seconds "MB/s" "perfgate/pgbench"
printf '|%s|%s|%s|%s|%s|%s|\n' ---------- ------- ---------- ---------- ---------- ------------------
for s in "${scale_list[@]}"; do
    # shellcheck disable=SC2086
    {
        pf_rate=$(median ${PF_RATE[$s]})
        pb_rate=$(median ${PB_RATE[$s]})
        printf '| %-8s | %-5s | %8.1f | %8.2f | %8.1f | %16s |\n' perfgate "$s" "$(median ${PF_MB[$s]})" \
            "$(median ${PF_SEED[$s]})" "$pf_rate" "$(printf '%.2f' "$(calc "$pf_rate / $pb_rate")")"
        printf '| %-8s | %-5s | %8.1f | %8.2f | %8.1f | %16s |\n' pgbench "-s ${K[$s]}" "$(median ${PB_MB[$s]})" \
            "$(median ${PB_SEED[$s]})" "$pb_rate" ""
    }
done
echo
printf '| %-14s | %14s | %14s | %18s |\n' "perfgate scale" "server start s" "wall s (all)" "peak RSS MB (max)"
printf '|%s|%s|%s|%s|\n' ---------------- ---------------- ---------------- --------------------
for s in "${scale_list[@]}"; do
    # shellcheck disable=SC2086
    printf '| %-14s | %14.2f | %14.2f | %18.1f |\n' "$s" "$(median ${PF_SERVER[$s]})" \
        "$(median ${PF_WALL[$s]})" "$(calc "$(printf '%s\n' ${PF_RSS[$s]} | sort -g | tail -n 1) / 1024")"
done
echo
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine inflates the times)"
echo "Targets: perfgate/pgbench >= 0.80 at every scale; scale 1 seeded in < 3 s (server start"
echo "excluded); peak RSS independent of scale."
