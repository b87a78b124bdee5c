#!/usr/bin/env bash
# The cost of one `perfgate monitor` snapshot with 5,000 distinct statements:
# starts two disposable servers (monitored, store), creates 5,000 distinct
# query shapes, and times the monitor's phases per snapshot (median of
# ROUNDS). See snapshot_cost.c for the cases (cold, busy, quiet).
#
#   bench/monitor/snapshot-cost.sh [STATEMENTS [ROUNDS]]     (5000 7)
#   BUILD=build-foo bench/monitor/snapshot-cost.sh           (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" --werror >/dev/null
fi
ninja -C "$BUILD" tests/bench_monitor_snapshot_cost >/dev/null
# The shipped categories, so classification costs what it costs in production.
export PERFGATE_MONITOR_CONFIG=${PERFGATE_MONITOR_CONFIG:-fixtures/monitoring/healthcare.json}
echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(pg_config --version 2>/dev/null || echo 'PostgreSQL ?')"
"$BUILD/tests/bench_monitor_snapshot_cost" "${1:-5000}" "${2:-7}"
