#!/usr/bin/env bash
# Time from `perfgate init` to the first green `perfgate run` on the drafted
# files, without a hand edit, for the shipped healthcare schema and the three
# Supabase-style test projects (docs/init.md, "How close is the draft?").
# Each command starts its own disposable server, as a new user's would.
#
#   bench/init/time_to_green.sh [OUT_DIR]      # PERFGATE=build/src/perfgate
#   RUN_OPTS="--iterations 5 --no-instructions" (default) for the run
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
perfgate=${PERFGATE:-perfgate}
out=${1:-$(mktemp -d)}
run_opts=${RUN_OPTS:---iterations 5 --no-instructions}
export PERFGATE_DSN= GITHUB_STEP_SUMMARY=
now() { date +%s.%N; }
printf '%-10s %10s %10s %12s %6s  %s\n' project init_s run_s to_green_s cases drafted
for p in healthcare:fixtures/schema \
         teams:tests/data/supabase/teams/supabase/migrations \
         storage:tests/data/supabase/storage/supabase/migrations \
         chat:tests/data/supabase/chat/supabase/migrations; do
    name=${p%%:*} mig=$root/${p#*:} dir=$out/$name
    rm -rf "$dir"
    t0=$(now)
    "$perfgate" init --schema "$mig" --auth-shim --out "$dir" --reference-date 2026-01-01 \
        >"$out/$name-init.out" 2>"$out/$name-init.err"
    t1=$(now)
    # shellcheck disable=SC2086
    "$perfgate" run --auth-shim --schema "$mig" --dataset "$dir/dataset.json" \
        --bench "$dir/bench" --baselines "$dir/baselines" --rls-rules "$dir/rls.json" \
        --junit "$out/$name.xml" $run_opts >"$out/$name-run.out" 2>"$out/$name-run.err" ||
        { echo "$name: perfgate run exited $? (see $out/$name-run.err)" >&2; exit 1; }
    t2=$(now)
    cases=$(find "$dir/bench" -name '*.sql' | wc -l)
    drafted=$(sed -n 's/^perfgate: drafted \([0-9]* tables ([^)]*)\).*/\1/p' "$out/$name-init.err")
    printf '%-10s %10.1f %10.1f %12.1f %6d  %s\n' "$name" "$(echo "$t1 - $t0" | bc)" \
        "$(echo "$t2 - $t1" | bc)" "$(echo "$t2 - $t0" | bc)" "$cases" "$drafted"
done
