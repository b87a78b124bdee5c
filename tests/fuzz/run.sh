#!/usr/bin/env bash
# Run the libFuzzer targets of a -Dfuzz=true build, one after the other, each
# for a fixed time (see README.md here; `make fuzz` calls this).
#   tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET,...]
# New inputs go to BUILD_DIR/fuzz-corpus/<target>/ (the seed corpus under
# tests/fuzz/corpus/ is only read); crashes, leaks and timeouts to
# BUILD_DIR/fuzz-artifacts/<target>/. Exits 1 if any target failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:?usage: $0 BUILD_DIR SECONDS [TARGET,...]}
seconds=${2:?usage: $0 BUILD_DIR SECONDS [TARGET,...]}
targets=${3:-}
if [ -z "$targets" ]; then
    # Every target the build has (tests/fuzz/meson.build lists them).
    for exe in "$build"/tests/fuzz/fuzz_*; do
        [ -f "$exe" ] && [ -x "$exe" ] && targets+="${targets:+,}${exe##*/fuzz_}"
    done
fi

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
failed=()
for t in ${targets//,/ }; do
    exe=$build/tests/fuzz/fuzz_$t
    if [ ! -x "$exe" ]; then
        echo "fuzz: $exe missing (CC=clang meson setup $build -Dfuzz=true ...; see tests/fuzz/README.md)" >&2
        exit 2
    fi
    work=$build/fuzz-corpus/$t
    artifacts=$build/fuzz-artifacts/$t
    mkdir -p "$work" "$artifacts"
    dict=()
    [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
    seeds=()
    [ -d "tests/fuzz/corpus/$t" ] && seeds+=("tests/fuzz/corpus/$t")
    read -r -a live <<< "$(awk -F': ' -v t="$t" '$1 == t { print $2 }' tests/fuzz/live-inputs.txt)"
    seeds+=("${live[@]}")
    echo "fuzz: $t for ${seconds}s"
    # -timeout: an input taking 10 s is a bug (a parser must be fast);
    # -max_len: no seed needs more, and small inputs mutate faster.
    if ! "$exe" -max_total_time="$seconds" -timeout=10 -max_len=32768 -print_final_stats=1 \
         -artifact_prefix="$artifacts/" "${dict[@]}" "$work" "${seeds[@]}" \
         > "$build/fuzz-$t.log" 2>&1; then
        failed+=("$t")
        echo "fuzz: $t FAILED: see $build/fuzz-$t.log and $artifacts/" >&2
        grep -m1 -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error)" "$build/fuzz-$t.log" >&2
    fi
    grep -E "^(stat::number_of_executed_units|Done [0-9]+ runs)" "$build/fuzz-$t.log"
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]}" >&2
    exit 1
fi
