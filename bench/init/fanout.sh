#!/usr/bin/env bash
# How close is a drafted dataset spec (perfgate init) to a hand-written one?
# Seeds both into a disposable server and prints, per parent/child pair, the
# distribution of children per parent: rows, parents, share of parents
# without children, p50 / p90 / p99 / max, and the share of the rows held by
# the busiest 5 % of parents.
#
#   bench/init/fanout.sh DRAFT_SPEC HAND_SPEC SCHEMA_DIR "child:fk:parent" ...
#   bench/init/fanout.sh /tmp/init-hc/dataset.json fixtures/datasets/healthcare.json \
#       fixtures/schema healthcare_timeline_events:patient_id:user_profiles \
#       user_profiles:account_owner_id:auth.users
set -euo pipefail
draft=$1 hand=$2 schema=$3
shift 3
perfgate=${PERFGATE:-perfgate}
dsn=$("$perfgate" pg start)
dir=$(printf '%s\n' "$dsn" | sed -n 's/.*host=\([^ ]*\)\/sock.*/\1/p')
trap '"$perfgate" pg stop "$dir" >/dev/null' EXIT
for which in draft hand; do
    spec=$draft
    [ "$which" = hand ] && spec=$hand
    psql "$dsn" -qc "CREATE DATABASE fan_$which" >/dev/null
    db="$dsn dbname=fan_$which"
    db=${db/dbname=postgres /}
    "$perfgate" seed --dsn "$db" --schema "$schema" --dataset "$spec" >/dev/null
    for pair in "$@"; do
        IFS=: read -r child fk parent <<<"$pair"
        psql "$db" -XAtq -F' ' -c "
          WITH n AS (SELECT p.id, count(c.$fk) AS k FROM $parent p
                     LEFT JOIN $child c ON c.$fk = p.id GROUP BY p.id),
               r AS (SELECT k, row_number() OVER (ORDER BY k DESC) AS rk, count(*) OVER () AS np
                     FROM n)
          SELECT '$which', '$child per $parent:', sum(k) AS rows, count(*) AS parents,
                 round(100.0 * avg((k = 0)::int), 1) || '% none',
                 'p50', percentile_disc(0.5) WITHIN GROUP (ORDER BY k),
                 'p90', percentile_disc(0.9) WITHIN GROUP (ORDER BY k),
                 'p99', percentile_disc(0.99) WITHIN GROUP (ORDER BY k), 'max', max(k),
                 'top5%', round(100.0 * sum(k) FILTER (WHERE rk <= greatest(1, np / 20))
                                / nullif(sum(k), 0), 1) || '%'
          FROM r"
    done
done
