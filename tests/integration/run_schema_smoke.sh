#!/usr/bin/env bash
# The schema smoke test (schema_smoke.sh) against a disposable server: starts
# one with `perfgate pg start --env` in a private PERFGATE_RUNTIME_DIR, runs
# the smoke test against it, and stops and removes the server however the
# test ends (pass, failure, error, SIGINT/SIGTERM).
#
# Usage (meson sets the variables): PERFGATE_BIN=build/src/perfgate \
#   tests/integration/run_schema_smoke.sh
# Exit status: schema_smoke.sh's (0 pass, 1 a check failed, 2 usage, 3 setup),
# 3 when no server could be started, 77 (skipped) without psql.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${PERFGATE_BIN:-}
if [[ -z "$bin" || ! -x "$bin" ]]; then
    echo "run_schema_smoke: set PERFGATE_BIN to the perfgate binary" >&2
    exit 2
fi
if ! command -v psql >/dev/null; then
    echo "run_schema_smoke: psql not found; skipping" >&2
    exit 77
fi

runtime=$(mktemp -d "${TMPDIR:-/tmp}/pf-schema-smoke-XXXXXX") || exit 3
# As root the server runs as an unprivileged user, which must reach its
# directory under this one.
chmod 755 "$runtime"
export PERFGATE_RUNTIME_DIR=$runtime
unset PERFGATE_CLUSTER PERFGATE_DSN

cleanup() {
    local rc=$? d
    trap - EXIT INT TERM
    # Every cluster in the private runtime directory: also one whose start
    # was interrupted before it printed anything.
    for d in "$runtime"/*/; do
        [[ -d "$d" ]] || continue
        if ! "$bin" pg stop "${d%/}" >/dev/null && [[ $rc == 0 ]]; then
            rc=3 # the test passed but the server would not stop
        fi
    done
    rm -rf "$runtime"
    exit "$rc"
}
child=
# A signal ends the smoke test too (it drops its scratch database), then
# the EXIT trap removes the server.
on_signal() {
    [[ -n "$child" ]] && kill -TERM "$child" 2>/dev/null && wait "$child"
    exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

if ! env_lines=$("$bin" pg start --env); then
    echo "run_schema_smoke: could not start a disposable server" >&2
    exit 3
fi
eval "$env_lines"
echo "# server: $PERFGATE_DSN"
# In the background so that `wait` returns as soon as a signal arrives.
bash "$here/schema_smoke.sh" &
child=$!
wait "$child"
