#!/usr/bin/env bash
# Pre-deploy performance gate: run `perfgate run` against an existing server
# (staging) and exit with perfgate's status, so a deploy pipeline stops on a
# regression.
#
#   PERFGATE_DSN=... ci/pre-deploy-gate.sh [extra perfgate run options...]
#
# Environment:
#   PERFGATE_DSN         required. libpq connection string or URI of the staging
#                        server. It may hold a password: this script never
#                        prints it and hands it to perfgate through the
#                        environment, not the command line. Prefer a DSN
#                        without password plus a PGPASSFILE (~/.pgpass): the
#                        DSN does reach psql's command line in scratch mode.
#   PERFGATE_SEEDED      1: the DSN's database already holds the schema and the
#                        data set (e.g. from `perfgate seed --dsn ...`): run with
#                        --no-seed. Otherwise (default) create a scratch
#                        database on that server, seed it, gate, drop it.
#                        Scratch mode needs psql and the CREATEDB privilege.
#   PERFGATE_KEEP_DB     1: keep the scratch database (its name is printed).
#   PERFGATE_BASELINES   baselines to compare with (default: baselines-staging).
#                        Baselines record the server major and planner/memory
#                        settings (shared_buffers, work_mem, ...); baselines
#                        recorded on CI's disposable server are "stale" on a
#                        differently configured staging server and fail the
#                        gate. Record staging's own once, review, commit:
#                          ci/pre-deploy-gate.sh --update-baselines
#   PERFGATE             the perfgate binary (default: perfgate on PATH, else
#                        build/src/perfgate of this checkout).
#   PERFGATE_OUT         directory for junit.xml, perfgate-summary.md and
#                        perfgate-results.json (default: current directory).
#
# Extra arguments go to `perfgate run` after the defaults, so they can override
# them: --only 'timeline,rls', --schema supabase/migrations --auth-shim, ...
#
# Exit status (perfgate's): 0 pass, 1 regression / stale baseline / failed
# case, 2 bad input (including a missing PERFGATE_DSN or baselines directory),
# 3 infrastructure (server unreachable, scratch database not created).
set -euo pipefail

readonly EXIT_USAGE=2 EXIT_INFRA=3

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

say() { printf 'pre-deploy-gate: %s\n' "$*" >&2; }

if [[ -z "${PERFGATE_DSN:-}" ]]; then
    say "PERFGATE_DSN is not set (the connection string of the server to gate)"
    exit "$EXIT_USAGE"
fi

perfgate=${PERFGATE:-}
if [[ -z "$perfgate" ]]; then
    if command -v perfgate > /dev/null 2>&1; then
        perfgate=perfgate
    else
        perfgate="$root/build/src/perfgate"
    fi
fi
if ! command -v "$perfgate" > /dev/null 2>&1; then
    say "perfgate binary not found ($perfgate): build it with 'make build' or set PERFGATE"
    exit "$EXIT_USAGE"
fi

baselines=${PERFGATE_BASELINES:-baselines-staging}
out=${PERFGATE_OUT:-.}
mkdir -p "$out"

updating=0
for arg in "$@"; do
    [[ "$arg" == --update-baselines ]] && updating=1
done
if [[ $updating -eq 0 && ! -d "$baselines" ]]; then
    # Without baselines every case is "new" and the gate would pass on
    # nothing: refuse instead.
    say "no baselines directory '$baselines': record this server's baselines first with"
    say "  PERFGATE_BASELINES=$baselines $0 --update-baselines"
    exit "$EXIT_USAGE"
fi

# The DSN of database $2 on the server of DSN $1 (URI or key=value form).
dsn_with_dbname() {
    local dsn=$1 db=$2 query=''
    case "$dsn" in
        postgres://* | postgresql://*)
            if [[ "$dsn" == *\?* ]]; then
                query="?${dsn#*\?}"
                dsn=${dsn%%\?*}
            fi
            local scheme=${dsn%%://*} rest=${dsn#*://}
            printf '%s://%s/%s%s' "$scheme" "${rest%%/*}" "$db" "$query"
            ;;
        *)
            # In a key=value string the last setting of a keyword wins.
            printf "%s dbname='%s'" "$dsn" "$db"
            ;;
    esac
}

admin_dsn=$PERFGATE_DSN
scratch=''
# shellcheck disable=SC2317  # called by the EXIT trap
drop_scratch() {
    [[ -n "$scratch" ]] || return 0
    if [[ "${PERFGATE_KEEP_DB:-0}" == 1 ]]; then
        say "kept scratch database $scratch"
        return 0
    fi
    if ! psql -X -q -v ON_ERROR_STOP=1 -d "$admin_dsn" \
        -c "DROP DATABASE IF EXISTS \"$scratch\"" > /dev/null; then
        say "warning: could not drop scratch database $scratch"
    fi
}

seed_args=()
if [[ "${PERFGATE_SEEDED:-0}" == 1 ]]; then
    seed_args=(--no-seed)
    say "gating the already seeded database of PERFGATE_DSN"
else
    if ! command -v psql > /dev/null 2>&1; then
        say "psql not found: scratch mode needs it (or set PERFGATE_SEEDED=1)"
        exit "$EXIT_USAGE"
    fi
    scratch="perfgate_predeploy_$(date +%Y%m%d%H%M%S)_$$"
    trap drop_scratch EXIT
    if ! psql -X -q -v ON_ERROR_STOP=1 -d "$admin_dsn" \
        -c "CREATE DATABASE \"$scratch\"" > /dev/null; then
        scratch=''
        say "could not create a scratch database (server unreachable, or the role lacks CREATEDB)"
        exit "$EXIT_INFRA"
    fi
    say "seeding scratch database $scratch"
    PERFGATE_DSN=$(dsn_with_dbname "$admin_dsn" "$scratch")
fi
export PERFGATE_DSN

rc=0
"$perfgate" run \
    --baselines "$baselines" \
    --junit "$out/junit.xml" \
    --summary "$out/perfgate-summary.md" \
    --json "$out/perfgate-results.json" \
    "${seed_args[@]}" "$@" || rc=$?

case $rc in
    0) say "pass" ;;
    1) say "FAILED: a case regressed, its baseline is stale, or it errored (see $out/perfgate-summary.md)" ;;
    2) say "FAILED: bad input (case file, dataset spec, baseline or option)" ;;
    3) say "FAILED: infrastructure (server unreachable or connection lost)" ;;
    *) say "FAILED: perfgate exited with status $rc" ;;
esac
exit "$rc"
