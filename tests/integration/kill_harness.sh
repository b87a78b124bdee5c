#!/usr/bin/env bash
# Kill tests: SIGKILL perfgate commands at random points and check what they
# leave behind (docs/testing.md, "Kill tests"). Not part of `meson test`:
# with the defaults it runs for about an hour.
#
#   tests/integration/kill_harness.sh [-n POINTS] [-s SEED] [-c CMD,...] [-k]
#
#   -n POINTS   kill points per command (default 20)
#   -s SEED     seed of the kill points (default 14): the same seed gives the
#               same points, as fractions of the command's measured run time
#   -c CMD,...  commands (default run,update,seed,load,monitor):
#                 run      perfgate run (one case, instructions counted under
#                          callgrind: the server restarts under valgrind)
#                 update   perfgate run --update-baselines (every case and the
#                          RLS checks, no instructions) into a copy of baselines/
#                 seed     perfgate seed --keep
#                 load     perfgate load (the shipped scenarios, 3 s)
#                 monitor  perfgate monitor --interval 1s against a busy server
#   -k          keep the work directory (logs of every point)
#
# Every command runs with --scale 0.1 and PERFGATE_RUNTIME_DIR set to a
# private directory. After each kill, with a grace of 10 s for perfgate's
# watchdog, it checks:
#   * no server: no process whose command line names the runtime directory
#     (postgres -D <runtime>/perfgate-*/data, valgrind-wrapped or not);
#   * no cluster directory in the runtime directory, once the next command
#     has reaped (perfgate pg start, which reaps stale clusters, then
#     perfgate pg stop --all, which also stops a server seed --keep detached);
#     what was still there before the reap is reported as "reaped";
#   * no perfgate process left (a watchdog outliving its cluster);
#   * no stray temp file (*.tmp.<pid>, an atomic write cut short) in the
#     working directory or the baselines;
#   * update: every baseline file byte-equal to the old one or a complete new
#     one (valid JSON, and perfgate's own reader accepts the directory);
#   * load: the results file, if written, is valid JSON;
#   * monitor: the history store without duplicate or negative rows, before
#     and after the next `perfgate monitor --once`.
# Prints a table: command, points, killed (points where the kill landed, not
# the run ending first), clean, reaped, dirty, and the reasons.
# Exits 1 if any point was dirty.
#
# The whole script is one function, parsed before it runs: editing this file
# while a run is under way does not change that run.
set -uo pipefail
main() {

POINTS=20
SEED=14
COMMANDS=run,update,seed,load,monitor
KEEP=0
while getopts "n:s:c:kh" opt; do
    case $opt in
    n) POINTS=$OPTARG ;;
    s) SEED=$OPTARG ;;
    c) COMMANDS=$OPTARG ;;
    k) KEEP=1 ;;
    *) sed -n '2,40p' "$0"; exit 2 ;;
    esac
done

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${PERFGATE_BIN:-$SRC/build/src/perfgate}
[ -x "$BIN" ] || { echo "kill_harness: $BIN not built (ninja -C build)" >&2; exit 2; }
command -v psql >/dev/null || { echo "kill_harness: psql needed" >&2; exit 2; }

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/pfkill-XXXXXX")
chmod 755 "$ROOT"
RT=$ROOT/runtime              # PERFGATE_RUNTIME_DIR of the commands under test
HRT=$ROOT/harness-runtime     # the monitor test's own servers
mkdir -p "$RT" "$HRT"
chmod 755 "$RT" "$HRT"
RESULTS=$ROOT/results.tsv
: > "$RESULTS"
for v in PERFGATE_DSN PERFGATE_STORE_DSN PERFGATE_MONITOR_DSN PERFGATE_CLUSTER \
         PERFGATE_SLACK_WEBHOOK PERFGATE_ALERT_WEBHOOK GITHUB_STEP_SUMMARY PGHOST PGPORT \
         PGUSER PGDATABASE PGPASSWORD; do
    unset "$v"
done
export PERFGATE_RUNTIME_DIR=$RT
# perfgate run keeps seeded databases and instruction counts in a cache: a
# private one, emptied before every run (prepare_work), so that each run does
# the same work as the measured one (a warm cache made runs end before their
# kill point) and a kill can land in the cache's own writes.
export PERFGATE_CACHE_DIR=$ROOT/cache
RANDOM=$SEED

HARNESS_DSN=
WORKLOAD_PID=
cleanup() {
    [ -n "$WORKLOAD_PID" ] && kill "$WORKLOAD_PID" 2>/dev/null && wait "$WORKLOAD_PID" 2>/dev/null
    PERFGATE_RUNTIME_DIR=$HRT "$BIN" pg stop --all >/dev/null 2>&1
    "$BIN" pg stop --all >/dev/null 2>&1
    PERFGATE_RUNTIME_DIR=$RT "$BIN" pg start >/dev/null 2>&1 && "$BIN" pg stop --all >/dev/null 2>&1
    if [ "$KEEP" = 1 ]; then
        echo "kill_harness: work directory kept: $ROOT"
    else
        rm -rf "$ROOT"
    fi
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# PIDs of running processes whose command line contains $1 (one grep over
# /proc: spawning a process per entry takes seconds on a loaded machine).
procs_with() {
    local f p
    for f in $(grep -lsaF -- "$1" /proc/[0-9]*/cmdline); do
        p=${f#/proc/}
        p=${p%/cmdline}
        # grep itself (gone by now) and this shell are not what we look for.
        [ "$p" != "$$" ] && [ -e "/proc/$p" ] && echo "$p"
    done
}

# What is left: servers and directories under $RT, processes of the
# perfgate under test ($UNDER_TEST). Empty when nothing.
leftovers() {
    local what="" n
    n=$(procs_with "$RT/" | wc -l)
    [ "$n" -gt 0 ] && what+="${n} server process(es); "
    local d state
    for d in "$RT"/*; do
        [ -e "$d" ] || continue
        # How far the cluster got: initdb writes PG_VERSION first thing (and
        # goes on after perfgate is killed), a started server postmaster.pid.
        if [ -e "$d/data/postmaster.pid" ]; then
            state="server started"
        elif [ -e "$d/data/PG_VERSION" ]; then
            state="initdb ran, no server"
        else
            state="before initdb"
        fi
        what+="cluster dir ($state); "
    done
    n=$(procs_with "$ROOT/bin/perfgate" | wc -l)
    [ "$n" -gt 0 ] && what+="${n} perfgate process(es); "
    echo "${what%; }"
}

# Wait up to $1 seconds for leftovers to go; print what stays.
settle() {
    local deadline left
    deadline=$(awk -v n="$(now)" -v w="$1" 'BEGIN { print n + w }')
    while :; do
        left=$(leftovers)
        [ -z "$left" ] && return 0
        if awk -v n="$(now)" -v d="$deadline" 'BEGIN { exit !(n >= d) }'; then
            echo "$left"
            return 0
        fi
        sleep 0.2
    done
}

# The next command: a start reaps stale clusters, pg stop --all removes
# detached ones (seed --keep).
reap() {
    "$BIN" pg start >/dev/null 2>"$ROOT/reap.err" || true
    "$BIN" pg stop --all >/dev/null 2>>"$ROOT/reap.err" || true
}

# The last progress line of a command's stderr: where it was killed.
phase_of() {
    local last
    last=$(grep -E '^(perfgate: |\[[0-9]+/[0-9]+\])' "$1" 2>/dev/null | tail -1 | cut -c1-70 | tr '\t' ' ')
    echo "${last:-nothing printed yet}"
}

stray_tmp() {
    find "$@" -name '*.tmp.*' 2>/dev/null | sed "s#^$ROOT/##" | head -3 | tr '\n' ' '
}

# ------------------------------------------------------------ commands

WORK=$ROOT/work
UNDER_TEST=$ROOT/bin/perfgate
mkdir -p "$ROOT/bin"
ln -s "$(readlink -f "$BIN")" "$UNDER_TEST"
BASE_OLD=$ROOT/baselines-old
cp -r "$SRC/baselines" "$BASE_OLD"

# The argv of command $1 (into the array CMD), run in $WORK.
command_argv() {
    case $1 in
    run)
        CMD=("$BIN" run -v --scale 0.1 --only timeline_recent_page --no-rls
             --baselines "$WORK/baselines" --junit "$WORK/junit.xml" --json "$WORK/results.json") ;;
    update)
        CMD=("$BIN" run -v --scale 0.1 --no-instructions --update-baselines
             --baselines "$WORK/baselines" --junit "$WORK/junit.xml" --json "$WORK/results.json") ;;
    seed)
        CMD=("$BIN" seed -v --keep --scale 0.1 --dataset "$SRC/fixtures/datasets/healthcare.json") ;;
    load)
        CMD=("$BIN" load -v --scale 0.1 --duration 3s --baselines "$WORK/baselines"
             --json "$WORK/load.json" --junit "$WORK/junit-load.xml") ;;
    monitor)
        CMD=("$BIN" monitor -v --dsn "$MON_DSN" --store-dsn "$STORE_DSN" --interval 1s
             --config "$SRC/fixtures/monitoring/healthcare.json" --source killtest
             --statement-timeout 5s) ;;
    esac
    # Run through a link under $ROOT, so that the processes of the command
    # under test (its watchdog too: a fork) are found by their command line.
    CMD[0]=$UNDER_TEST
}

prepare_work() {
    rm -rf "$WORK" "$PERFGATE_CACHE_DIR"
    mkdir -p "$WORK"
    cp -r "$BASE_OLD" "$WORK/baselines"
}

# ------------------------------------------------------------ monitor

MON_DSN=
STORE_DSN=
start_monitor_target() {
    HARNESS_DSN=$(PERFGATE_RUNTIME_DIR=$HRT "$BIN" pg start) || { echo "kill_harness: pg start failed" >&2; exit 3; }
    psql "$HARNESS_DSN" -qAtc "CREATE DATABASE app" -c "CREATE DATABASE store" >/dev/null
    MON_DSN=${HARNESS_DSN/dbname=postgres/dbname=app}
    STORE_DSN=${HARNESS_DSN/dbname=postgres/dbname=store}
    psql "$MON_DSN" -qAtc "CREATE EXTENSION pg_stat_statements" \
        -c "CREATE TABLE t (id int PRIMARY KEY, v text)" \
        -c "INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 10000) g" >/dev/null
    # A workload: a few dozen distinct statements, again and again.
    (
        i=0
        while :; do
            i=$(( (i + 1) % 40 ))
            psql "$MON_DSN" -qAtc "SELECT count(*) FROM t WHERE id % $((i + 2)) = 0" \
                -c "UPDATE t SET v = md5(v) WHERE id = $((i * 7 + 1))" >/dev/null 2>&1
            sleep 0.05
        done
    ) &
    WORKLOAD_PID=$!
}

STORE_CHECK_SQL="
SELECT 'duplicate deltas', count(*) FROM (SELECT 1 FROM perfgate_monitor.deltas
  GROUP BY source_id, taken_at, dbid, userid, queryid, toplevel HAVING count(*) > 1) x
UNION ALL SELECT 'deltas without their snapshot', count(*) FROM perfgate_monitor.deltas d
  WHERE NOT EXISTS (SELECT 1 FROM perfgate_monitor.snapshots s
                    WHERE s.source_id = d.source_id AND s.taken_at = d.taken_at)
UNION ALL SELECT 'overlapping snapshots', count(*) FROM perfgate_monitor.snapshots a
  JOIN perfgate_monitor.snapshots b ON a.source_id = b.source_id AND a.taken_at < b.taken_at
  AND b.prev_taken_at < a.taken_at
UNION ALL SELECT 'negative snapshots', count(*) FROM perfgate_monitor.snapshots
  WHERE statements < 0 OR changed < 0 OR new_statements < 0 OR evicted < 0 OR recreated < 0
     OR alerts < 0 OR interval_s < 0 OR prev_taken_at >= taken_at
UNION ALL SELECT 'negative deltas', count(*) FROM perfgate_monitor.deltas
  WHERE calls < 0 OR exec_ms < 0 OR plan_ms < 0 OR rows < 0 OR shared_hit < 0
     OR shared_read < 0 OR temp_read < 0 OR temp_written < 0
UNION ALL SELECT 'negative hourly rows', count(*) FROM perfgate_monitor.deltas_hourly
  WHERE intervals < 0 OR calls < 0 OR exec_ms < 0 OR plan_ms < 0 OR rows < 0
     OR shared_hit < 0 OR shared_read < 0 OR temp_read < 0 OR temp_written < 0 OR max_mean_ms < 0
UNION ALL SELECT 'hourly rows that differ from their raw deltas', count(*)
  FROM perfgate_monitor.deltas_hourly h JOIN perfgate_monitor.sources src USING (source_id)
  WHERE h.hour + interval '1 hour' <= src.rolled_up_until
    AND EXISTS (SELECT 1 FROM perfgate_monitor.deltas d WHERE d.source_id = h.source_id
                AND date_trunc('hour', d.taken_at) = h.hour)
    AND h.calls <> (SELECT coalesce(sum(d.calls), 0) FROM perfgate_monitor.deltas d
                    WHERE d.source_id = h.source_id AND d.dbid = h.dbid AND d.userid = h.userid
                      AND d.queryid = h.queryid AND d.toplevel = h.toplevel
                      AND date_trunc('hour', d.taken_at) = h.hour)
UNION ALL SELECT 'negative counters', count(*) FROM perfgate_monitor.counters
  WHERE calls < 0 OR rows < 0 OR shared_hit < 0 OR shared_read < 0 OR temp_read < 0
     OR temp_written < 0 OR exec_ms < 0 OR plan_ms < 0 OR sumsq < 0
UNION ALL SELECT 'duplicate alert events', count(*) FROM (SELECT 1 FROM perfgate_monitor.alerts
  GROUP BY source_id, alert_key, taken_at, status HAVING count(*) > 1) y
UNION ALL SELECT 'negative alert values', count(*) FROM perfgate_monitor.alerts
  WHERE calls < 0 OR value_ms < 0 OR interval_s < 0
"

# Problems in the store ("" when none, or when the schema is not there yet).
store_problems() {
    local has out
    has=$(psql "$STORE_DSN" -qAtc "SELECT to_regclass('perfgate_monitor.deltas') IS NOT NULL" 2>/dev/null)
    [ "$has" = t ] || return 0
    out=$(psql "$STORE_DSN" -qAt -F ': ' -c "$STORE_CHECK_SQL" 2>&1) || { echo "store check failed: $out"; return 0; }
    echo "$out" | awk -F': ' '$2 != 0 { printf "%s: %s; ", $1, $2 }' | sed 's/; $//'
}

# ------------------------------------------------------------ checks

# Command-specific checks after the reap; prints problems ("" when none).
specific_checks() {
    local cmd=$1 problems="" f rel t
    t=$(stray_tmp "$WORK")
    [ -n "$t" ] && problems+="stray temp file: $t; "
    case $cmd in
    update)
        while IFS= read -r f; do
            rel=${f#"$WORK/baselines/"}
            if [ -f "$BASE_OLD/$rel" ] && cmp -s "$f" "$BASE_OLD/$rel"; then
                continue
            fi
            case $rel in *.tmp.*) continue ;; esac
            python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$f" 2>/dev/null ||
                problems+="baselines/$rel is neither the old file nor valid JSON; "
        done < <(find "$WORK/baselines" -type f)
        while IFS= read -r f; do
            rel=${f#"$BASE_OLD/"}
            [ -f "$WORK/baselines/$rel" ] || problems+="baselines/$rel is gone; "
        done < <(find "$BASE_OLD" -type f)
        # perfgate's own reader: every baseline parses (exit 3: only the
        # server that does not exist is missing), not 2 (a malformed one).
        local rc
        (cd "$WORK" && "$BIN" run --baselines "$WORK/baselines" --no-instructions --no-rls \
            --dsn "host=127.0.0.1 port=1 connect_timeout=2" --junit - >/dev/null 2>"$WORK/reader.err")
        rc=$?
        [ $rc -eq 3 ] || problems+="perfgate cannot read the baselines (exit $rc: $(head -c 120 "$WORK/reader.err")); "
        ;;
    load)
        if [ -f "$WORK/load.json" ] &&
            ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/load.json" 2>/dev/null; then
            problems+="load.json is not valid JSON; "
        fi
        ;;
    esac
    echo "${problems%; }"
}

# Run command $1 to the end once: its duration (seconds) on stdout.
calibrate() {
    local cmd=$1 t0 rc
    prepare_work
    command_argv "$cmd"
    t0=$(now)
    if [ "$cmd" = monitor ]; then
        (cd "$WORK" && exec "${CMD[@]}" >"$WORK/out" 2>"$WORK/err") &
        local pid=$!
        sleep 8
        kill -TERM "$pid" 2>/dev/null
        wait "$pid"
        rc=$?
    else
        (cd "$WORK" && exec "${CMD[@]}" >"$WORK/out" 2>"$WORK/err")
        rc=$?
    fi
    local d
    d=$(elapsed "$t0")
    if [ $rc -ge 2 ]; then
        echo "kill_harness: $cmd: the uninterrupted run exited $rc:" >&2
        tail -5 "$WORK/err" >&2
    fi
    reap
    local left
    left=$(settle 10)
    [ -n "$left" ] && echo "kill_harness: $cmd: the uninterrupted run left: $left" >&2
    echo "$d"
}

one_point() {
    local cmd=$1 i=$2 total=$3 frac t pid status left_before left_after problems phase
    frac=$(( RANDOM % 1000 ))
    t=$(awk -v f="$frac" -v T="$total" 'BEGIN { printf "%.2f", f / 1000 * T }')
    prepare_work
    command_argv "$cmd"
    (cd "$WORK" && exec "${CMD[@]}" >"$WORK/out" 2>"$WORK/err") &
    pid=$!
    sleep "$t"
    if kill -KILL "$pid" 2>/dev/null; then
        status="killed at ${t}s"
        wait "$pid" 2>/dev/null
    else
        wait "$pid" 2>/dev/null
        status="ended (exit $?) before ${t}s"
    fi
    phase=$(phase_of "$WORK/err")
    left_before=$(settle 10)
    # seed --keep that got as far as printing its connection string hands
    # the server over on purpose: pg stop --all (the reap) removes it.
    if [ "$cmd" = seed ] && [ -n "$left_before" ] && grep -q 'host=' "$WORK/out" 2>/dev/null; then
        left_before=""
        status+=" (server kept)"
    fi
    problems=""
    if [ "$cmd" = monitor ]; then
        local sp
        sp=$(store_problems)
        [ -n "$sp" ] && problems+="after the kill: $sp; "
        # The next command: one snapshot, continuing from the store.
        (cd "$WORK" && "$BIN" monitor --once --dsn "$MON_DSN" --store-dsn "$STORE_DSN" \
            --config "$SRC/fixtures/monitoring/healthcare.json" --source killtest \
            >/dev/null 2>"$WORK/next.err")
        local rc=$?
        [ $rc -le 1 ] || problems+="next monitor --once exited $rc: $(head -c 100 "$WORK/next.err"); "
        sp=$(store_problems)
        [ -n "$sp" ] && problems+="after the next run: $sp; "
    fi
    reap
    left_after=$(settle 5)
    [ -n "$left_after" ] && problems+="left after the reap: $left_after; "
    local sc
    sc=$(specific_checks "$cmd")
    [ -n "$sc" ] && problems+="$sc; "
    problems=${problems%; }
    local verdict=clean
    if [ -n "$problems" ]; then
        verdict=dirty
    elif [ -n "$left_before" ]; then
        verdict=reaped
    fi
    printf '%s\t%d\t%s\t%s\t%s\t%s\t%s\n' "$cmd" "$i" "$status" "$verdict" \
        "${left_before:--}" "${problems:--}" "${phase:--}" >> "$RESULTS"
    printf '  %-8s %2d/%d %-20s %-7s %s%s\n' "$cmd" "$i" "$POINTS" "$status" "$verdict" \
        "${left_before:+[before reap: $left_before] }" "${problems}" >&2
    if [ "$KEEP" = 1 ]; then
        mkdir -p "$ROOT/logs"
        cp "$WORK/err" "$ROOT/logs/$cmd-$i.err" 2>/dev/null
    fi
}

for cmd in ${COMMANDS//,/ }; do
    case $cmd in run|update|seed|load|monitor) ;; *) echo "kill_harness: unknown command '$cmd'" >&2; exit 2 ;; esac
    if [ "$cmd" = monitor ] && [ -z "$HARNESS_DSN" ]; then
        start_monitor_target
    fi
    total=$(calibrate "$cmd")
    [ "$cmd" = monitor ] && total=8
    echo "kill_harness: $cmd: an uninterrupted run takes ${total}s; $POINTS kill points in it (seed $SEED)" >&2
    for i in $(seq 1 "$POINTS"); do
        one_point "$cmd" "$i" "$total"
    done
done

# ------------------------------------------------------------ the table
echo
printf '| %-8s | %6s | %6s | %5s | %6s | %5s | %s |\n' command points killed clean reaped dirty "reasons (dirty: what; reaped: left until the next start)"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' ---------- -------- -------- ------- -------- ------- ---
dirty_total=0
for cmd in ${COMMANDS//,/ }; do
    awk -F'\t' -v c="$cmd" '
        $1 == c { n++; v[$4]++; at = $3; if (sub(/^killed at /, "", at)) killed++
                  k = ""
                  if ($4 == "dirty") k = $6 " (last output: " $7 ")"
                  if ($4 == "reaped") k = "reaped: " $5 " (last output: " $7 ")"
                  if (k != "") { r[k]++; t[k] = t[k] (t[k] == "" ? "" : ", ") at } }
        END {
            reasons = ""
            for (k in r) reasons = reasons (reasons == "" ? "" : "; ") k " x" r[k] " [killed at " t[k] "]"
            printf "| %-8s | %6d | %6d | %5d | %6d | %5d | %s |\n", c, n, killed, v["clean"], v["reaped"], v["dirty"], reasons
        }' "$RESULTS"
    d=$(awk -F'\t' -v c="$cmd" '$1 == c && $4 == "dirty"' "$RESULTS" | wc -l)
    dirty_total=$((dirty_total + d))
done
[ "$dirty_total" -eq 0 ]
}
main "$@"
