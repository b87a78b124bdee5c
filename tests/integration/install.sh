#!/usr/bin/env bash
# `meson install --destdir` gives a working perfgate: the binary, its data
# (fixtures, bench, baselines), the documents and one man page per command.
# Run from an unrelated directory, the installed binary reads its defaults
# from the installed data directory (found beside it, not at the prefix,
# which --destdir moves), not from the source tree it was built from; a
# project's own files in the current directory and $PERFGATE_DATA_DIR come
# first. Then the gate itself runs (some cases) on the installed data.
#
# Usage (meson passes it): tests/integration/install.sh BUILDDIR
# Exit status: 0 pass, 1 a check failed.
set -euo pipefail

build=$(cd "${1:?usage: install.sh BUILDDIR}" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pf-install-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp" # as root, the disposable server's user must reach its runtime dir
fail() { echo "install.sh: FAIL: $*" >&2; exit 1; }

dest=$tmp/dest
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet
prefix=$(meson introspect "$build" --buildoptions |
    python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
root=$dest$prefix
bin=$root/bin/perfgate
data=$root/share/perfgate

[[ -x $bin ]] || fail "no $bin"
for f in fixtures/schema fixtures/datasets/healthcare.json fixtures/rls/healthcare.json \
         bench/timeline baselines/timeline; do
    [[ -e $data/$f ]] || fail "not installed: $data/$f"
done
[[ -f $root/share/doc/perfgate/docs/verdicts.md ]] || fail "docs not installed"

# Man pages: one per command listed by --help, each rendering without a
# groff warning and carrying its command's options.
mapfile -t commands < <("$bin" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p')
[[ ${#commands[@]} -gt 0 ]] || fail "perfgate --help lists no commands"
pages=$root/share/man/man1
for page in perfgate "${commands[@]/#/perfgate-}"; do
    [[ -f $pages/$page.1 ]] || fail "no man page $page.1"
    if command -v groff > /dev/null; then
        warnings=$(groff -ww -man -Tutf8 -z "$pages/$page.1" 2>&1)
        [[ -z $warnings ]] || fail "$page.1: $warnings"
    fi
    if command -v man > /dev/null; then
        text=$(MANWIDTH=100 man -l "$pages/$page.1" 2> /dev/null)
        grep -q "^NAME" <<< "$text" || fail "man -l $page.1 shows no NAME section"
    fi
done
if command -v man > /dev/null; then
    MANWIDTH=100 man -l "$pages/perfgate-run.1" | grep -q -- '--baselines DIR' ||
        fail "perfgate-run(1) lacks --baselines"
    MANWIDTH=100 man -l "$pages/perfgate.1" | grep -q 'PERFGATE_DATA_DIR' ||
        fail "perfgate(1) lacks the data directory rule"
fi

# Which dataset a default run reads shows in the seed it reports, so give
# each candidate location a seed of its own.
set_seed() { # file seed
    python3 - "$1" "$2" <<'EOF'
import json, sys
path, seed = sys.argv[1], int(sys.argv[2])
with open(path) as f:
    spec = json.load(f)
spec["seed"] = seed
with open(path, "w") as f:
    json.dump(spec, f)
EOF
}
seed_used() { # dir [env...]: the seed `perfgate seed --no-load` reports there
    local dir=$1; shift
    (cd "$dir" && env "$@" "$bin" seed --no-load --checksum 2>&1) |
        sed -n 's/.*(seed \([0-9]*\), scale.*/\1/p'
}
cp "$data/fixtures/datasets/healthcare.json" "$tmp/healthcare.json.orig"
set_seed "$data/fixtures/datasets/healthcare.json" 4242
unrelated=$tmp/unrelated
mkdir -p "$unrelated"
got=$(seed_used "$unrelated" -u PERFGATE_DATA_DIR)
[[ $got == 4242 ]] || fail "from an unrelated directory the installed dataset was not used (seed '$got', want 4242)"

other=$tmp/other-data
mkdir -p "$other/fixtures/datasets"
cp "$data/fixtures/datasets/healthcare.json" "$other/fixtures/datasets/"
# A data directory is complete: the schema it names must be there too (a
# missing schema directory is bad input even when only generating).
cp -r "$data/fixtures/schema" "$other/fixtures/"
set_seed "$other/fixtures/datasets/healthcare.json" 777
got=$(seed_used "$unrelated" PERFGATE_DATA_DIR="$other")
[[ $got == 777 ]] || fail "\$PERFGATE_DATA_DIR was not used (seed '$got', want 777)"

project=$tmp/project
mkdir -p "$project/fixtures/datasets"
cp "$data/fixtures/datasets/healthcare.json" "$project/fixtures/datasets/"
set_seed "$project/fixtures/datasets/healthcare.json" 555
got=$(seed_used "$project" PERFGATE_DATA_DIR="$other")
[[ $got == 555 ]] || fail "the current directory's dataset was not preferred (seed '$got', want 555)"

# The gate on the installed schema, registry and baselines (the dataset as
# installed: baselines record the spec's hash).
cp "$tmp/healthcare.json.orig" "$data/fixtures/datasets/healthcare.json"
export PERFGATE_RUNTIME_DIR=$tmp
unset PERFGATE_DSN PERFGATE_DATA_DIR
rc=0
(cd "$unrelated" && "$bin" run --only timeline --no-rls --junit junit.xml --json results.json) ||
    rc=$?
[[ $rc == 0 ]] || fail "perfgate run on the installed data exited $rc"
grep -q '<testcase ' "$unrelated/junit.xml" || fail "no testcase in junit.xml"
# Every case came from the installed registry and was compared with an
# installed baseline (none "new").
python3 - "$unrelated/results.json" "$data" <<'EOF' || fail "results do not show the installed data"
import json, os, sys
results, data = json.load(open(sys.argv[1])), sys.argv[2]
cases = results["cases"]
want = sorted(f for f in os.listdir(os.path.join(data, "bench", "timeline")) if f.endswith(".sql"))
got = sorted(os.path.basename(c["file"]) for c in cases)
assert got == want, (got, want)
for c in cases:
    assert c["file"].startswith(data + "/bench/"), c["file"]
    assert c["baseline"], c["name"] + ": no baseline"
print("install.sh: %d cases from %s, each against its installed baseline" % (len(cases), data))
EOF
echo "install.sh: ok ($root)"
