#!/usr/bin/env bash
# The GitHub Action (action.yml at the repository root) on a sample
# repository, its steps executed in order the way a runner does
# (tests/support/run_action.py: `run:` steps with the GITHUB_* variables and
# file commands, `if:` conditions, actions/cache emulated, other `uses:`
# steps skipped):
#   1. push to main: perfgate is built from the action's checkout, the gate
#      passes (every case new), JUnit, the report paths and the job summary
#      are there, perfgate is on PATH for later steps, no PR comment;
#   2. a pull request whose migration drops the timeline indexes: the build
#      comes from the cache, the base branch (removed from the clone first) is
#      fetched and compared with --base, the gate fails with exit 1, the
#      JUnit report and summary still exist, and the comment step still runs
#      and writes its body (no token: nothing posted);
#   3. bad input: exit 2 and the reason in the job summary;
# then the GitLab component (templates/perfgate.yml) on the same merge
# request (tests/support/run_gitlab_job.py: inputs interpolated, the job's
# script run as one shell session), with the Action's build restored into
# its cache under another path; then the comment script alone
# (tests/integration/sticky_comment_test.py): truncation to GitHub's 65,536
# characters and one comment updated in place on a fake API.
#
# Usage (meson sets PERFGATE_SOURCE_ROOT): tests/integration/action_steps.sh
# Exit status: 0 pass, 1 a check failed.
set -euo pipefail

src=${PERFGATE_SOURCE_ROOT:?set PERFGATE_SOURCE_ROOT to the source tree}
fail() { echo "action_steps: FAIL: $*" >&2; exit 1; }
python3 -c 'import yaml' 2> /dev/null ||
    fail "python3 cannot import yaml: install python3-yaml (ci/apt-packages-test.txt)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pf-action-XXXXXX")
# ACTION_STEPS_KEEP=1 keeps the sample repository, the logs and the results.
[[ ${ACTION_STEPS_KEEP:-} == 1 ]] || trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp" # as root, the disposable server's user must reach its runtime dir
# Nothing of a real runner leaks in when this test itself runs in CI.
while read -r var; do unset "$var"; done < <(env | sed -n 's/^\(GITHUB_[A-Z_]*\|RUNNER_[A-Z_]*\)=.*/\1/p')
unset PERFGATE_DSN PERFGATE_DATA_DIR
export PERFGATE_RUNTIME_DIR=$tmp

# The sample repository: its own layout, the healthcare schema and dataset,
# the timeline cases, no baselines yet; a bare "origin" holding main.
app=$tmp/app
mkdir -p "$app/db/migrations" "$app/perf/bench"
cp "$src"/fixtures/schema/*.sql "$app/db/migrations/"
cp "$src/fixtures/datasets/healthcare.json" "$app/perf/dataset.json"
cp -r "$src/bench/timeline" "$app/perf/bench/"
printf 'perfgate-junit.xml\nperfgate-summary.md\nperfgate-results.json\n' > "$app/.gitignore"
git() { command git -c safe.directory=* -c user.name=perfgate-test -c user.email=test@localhost -c init.defaultBranch=main "$@"; }
git -C "$app" init -q
git -C "$app" add -A
git -C "$app" commit -qm "the app"
git init -q --bare "$tmp/origin.git"
git -C "$app" remote add origin "$tmp/origin.git"
git -C "$app" push -q origin main
git -C "$app" fetch -q origin
chmod -R a+rX "$app"
export ACTION_STEPS_APP=$app

run_action() { # name event [run_action.py options...]: runs, leaves $tmp/<name>.json
    local name=$1 event=$2; shift 2
    local rc=0
    python3 "$src/tests/support/run_action.py" "$src" --workspace "$app" --temp "$tmp/$name" \
        --event "$event" --cache-store "$tmp/cache" --result "$tmp/$name.json" \
        --input schema=db/migrations --input dataset=perf/dataset.json \
        --input bench=perf/bench --input baselines=perf/baselines \
        --input "args=--scale 0.05 --no-rls --iterations 5" \
        --env GITHUB_REPOSITORY=example/app --env "GITHUB_SHA=$(git -C "$app" rev-parse HEAD)" \
        "$@" > "$tmp/$name.log" 2>&1 || rc=$?
    echo "$rc"
}
check() { # name: python assertions on $tmp/<name>.json (stdin)
    python3 - "$tmp/$1.json" "$tmp/$1" || { tail -n 60 "$tmp/$1.log" >&2; fail "run '$1'"; }
}

# 1. A push to main.
rc=$(run_action push push --env GITHUB_REF=refs/heads/main)
[[ $rc == 0 ]] || { tail -n 60 "$tmp/push.log" >&2; fail "push: the action failed ($rc)"; }
check push <<'EOF'
import json, os, re, sys
r, temp = json.load(open(sys.argv[1])), sys.argv[2]
steps = {s["name"]: s for s in r["steps"]}
assert r["status"] == "success", r["status"]
assert steps["Install dependencies"]["status"] == "success"
assert steps["Restore the perfgate build"]["cache_hit"] is False
build = steps["Build perfgate"]
assert build["status"] == "success" and build["outputs"]["bin"].endswith("/bin/perfgate"), build
restore = steps["Restore the seeded-database cache"]
assert restore["status"] == "emulated" and restore["matched_key"] == "", restore
assert steps["Where the seeded-database cache lives"]["outputs"]["dir"] == temp + "/perfgate-cache"
assert steps["Save the seeded-database cache"]["saved"] is True
gate = steps["Run the performance gate"]
assert gate["status"] == "success" and gate["outputs"]["exit-code"] == "0", gate
out = r["outputs"]
assert out["exit-code"] == "0" and out["base"] == "", out
junit = open(out["junit"]).read()
assert len(re.findall(r"<testcase ", junit)) == 5, junit[:500]
# Each testcase names its case file relative to the repository (what the
# JUnit publisher annotates) and its header's line.
app = os.environ["ACTION_STEPS_APP"]
located = re.findall(r'<testcase [^>]*file="([^"]+)" line="([0-9]+)"', junit)
assert len(located) == 5, junit[:800]
for f, line in located:
    assert f.startswith("perf/bench/timeline/") and f.endswith(".sql"), f
    assert open(os.path.join(app, f)).read().split("\n")[int(line) - 1].startswith("-- "), (f, line)
assert os.path.isfile(out["json"]) and os.path.getsize(out["summary"]) > 0, out
publish = steps["Publish JUnit"]
assert publish["status"] == "skipped-uses" and publish["with"]["report_paths"] == out["junit"]
assert steps["Comment the summary on the pull request"]["status"] == "skipped"
step_summary = open(r["step_summary"]).read()
assert "perfgate" in step_summary and "5 new" in step_summary, step_summary[:500]
assert r["path_additions"] == [os.path.dirname(out["perfgate"])], r["path_additions"]
print("action_steps: push: pass, 5 cases, perfgate built and on PATH")
EOF
grep -q 'seeded-database cache: no cached database yet; seeded and kept' "$tmp/push.log" ||
    fail "push: the seeded database was not kept in the cache"

# 2. A pull request that drops the indexes the timeline reads with. The base
# branch is not in the clone (a checkout without fetch-depth: 0).
git -C "$app" checkout -q -b drop-indexes
printf 'DROP INDEX idx_timeline_patient_date;\nDROP INDEX idx_timeline_patient_category_date;\nDROP INDEX idx_timeline_patient_major;\n' \
    > "$app/db/migrations/140_drop_timeline_indexes.sql"
git -C "$app" add -A
git -C "$app" commit -qm "drop the timeline indexes"
git -C "$app" update-ref -d refs/remotes/origin/main
# As in a job container, the workspace belongs to another user: git must
# still work for the gate (--base).
[[ $(id -u) == 0 ]] && chown -R nobody "$app"
cat > "$tmp/pr-event.json" <<'EOF'
{"pull_request": {"number": 7, "head": {"repo": {"full_name": "example/app"}}},
 "repository": {"full_name": "example/app"}}
EOF
rc=$(run_action pr pull_request --event-json "$tmp/pr-event.json" \
    --env GITHUB_BASE_REF=main --env GITHUB_HEAD_REF=drop-indexes --env GITHUB_REF=refs/pull/7/merge)
[[ $rc == 1 ]] || { tail -n 60 "$tmp/pr.log" >&2; fail "pull request: the action should fail (rc $rc)"; }
check pr <<'EOF'
import json, os, re, sys
r, temp = json.load(open(sys.argv[1])), sys.argv[2]
steps = {s["name"]: s for s in r["steps"]}
assert r["status"] == "failure"
assert steps["Restore the perfgate build"]["cache_hit"] is True
restore = steps["Restore the seeded-database cache"]
assert restore["cache_hit"] is False and restore["matched_key"].startswith("perfgate-db-"), restore
# A failing gate still saves what it seeded (the save step runs always()).
assert steps["Save the seeded-database cache"]["saved"] is True
assert steps["Build perfgate"]["status"] == "success"
gate = steps["Run the performance gate"]
assert gate["status"] == "failure" and gate["exit_code"] == 1, gate
out = r["outputs"]
assert out["exit-code"] == "1" and out["base"] == "origin/main", out
junit = open(out["junit"]).read()
assert re.search(r'<testsuites [^>]*failures="5"', junit), junit[:400]
assert "compared with" in open(out["summary"]).read()
assert steps["Publish JUnit"]["status"] == "skipped-uses"
comment = steps["Comment the summary on the pull request"]
assert comment["status"] == "success", comment
body = open(os.path.join(temp, "perfgate-comment-perfgate.md")).read()
assert body.startswith("<!-- perfgate-sticky-comment:perfgate -->\n"), body[:200]
assert body.endswith(open(out["summary"]).read())
print("action_steps: pull request: cached build, --base origin/main fetched, 5 fail, comment body written")
EOF
grep -q 'restored from the cache' "$tmp/pr.log" ||
    fail "pull request: the build was not taken from the cache"
grep -q 'seeded-database cache: the schema changed since the cached database' "$tmp/pr.log" ||
    fail "pull request: the cache miss does not say the schema changed"

# 3. Bad input: the reason reaches the job summary.
git -C "$app" checkout -q main
# (first, main again: the seeded database comes from the Actions cache the
# push saved, nothing is seeded)
rc=$(run_action again push --env GITHUB_REF=refs/heads/main --input base=)
[[ $rc == 0 ]] || { tail -n 60 "$tmp/again.log" >&2; fail "push again: the action failed ($rc)"; }
grep -q 'seeded database from the cache' "$tmp/again.log" ||
    { tail -n 40 "$tmp/again.log" >&2; fail "push again: the seeded database was not taken from the cache"; }
rc=$(run_action bad push --input dataset=perf/missing.json --input base=)
[[ $rc == 1 ]] || fail "bad input: the action should fail (rc $rc)"
check bad <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
gate = [s for s in r["steps"] if s["name"] == "Run the performance gate"][0]
assert gate["exit_code"] == 2 and r["outputs"]["exit-code"] == "2", gate
summary = open(r["step_summary"]).read()
assert "bad input" in summary and "perf/missing.json" in summary, summary
print("action_steps: bad input: exit 2, named in the job summary")
EOF

# 4. The GitLab component on the same merge request. Its cache holds the
# Action's build, moved to the component's own path (relocatable install).
git -C "$app" checkout -q drop-indexes
git -C "$app" update-ref -d refs/remotes/origin/main
key=$(python3 -c 'import json, sys
steps = json.load(open(sys.argv[1]))["steps"]
print([s for s in steps if s["id"] == "build-key"][0]["outputs"]["key"])' "$tmp/push.json")
mkdir -p "$app/.perfgate-cache/build"
cp -a "$tmp/cache/$key" "$app/.perfgate-cache/build/$key"
mkdir -p "$app/.perfgate-cache/build/perfgate-build-v1-stale"
rm -f "$app"/perfgate-*
rc=0
python3 "$src/tests/support/run_gitlab_job.py" "$src/templates/perfgate.yml" --project-dir "$app" \
    --result "$tmp/gitlab.json" \
    --input "perfgate-src=$src" --input schema=db/migrations --input dataset=perf/dataset.json \
    --input bench=perf/bench --input baselines=perf/baselines \
    --input "args=--scale 0.05 --no-rls --iterations 5" \
    --env CI_PIPELINE_SOURCE=merge_request_event --env CI_MERGE_REQUEST_IID=7 \
    --env CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main --env CI_DEFAULT_BRANCH=main \
    > "$tmp/gitlab.log" 2>&1 || rc=$?
[[ $rc == 1 ]] || { tail -n 60 "$tmp/gitlab.log" >&2; fail "GitLab: the job should fail with 1 (rc $rc)"; }
grep -q 'restored from the cache' "$tmp/gitlab.log" || { cat "$tmp/gitlab.log" >&2; fail "GitLab: not built from the cache"; }
ls "$app/.perfgate-cache/db/"* > /dev/null 2>&1 ||
    fail "GitLab: perfgate's cache is not under the job's cached paths (.perfgate-cache/db)"
grep -q 'compared with .* in the same run' "$tmp/gitlab.log" || fail "GitLab: no --base comparison"
grep -q 'sticky-comment: no token' "$tmp/gitlab.log" || fail "GitLab: the merge request note was not attempted"
[[ ! -e $app/.perfgate-cache/build/perfgate-build-v1-stale ]] || fail "GitLab: another key's build was kept"
python3 - "$tmp/gitlab.json" "$app" <<'EOF' || fail "GitLab: reports"
import json, os, re, sys
r, app = json.load(open(sys.argv[1])), sys.argv[2]
art = r["job"]["artifacts"]
assert art["when"] == "always"
junit = os.path.join(app, art["reports"]["junit"])
assert re.search(r'<testsuites [^>]*failures="5"', open(junit).read())
for p in art["paths"]:
    assert os.path.getsize(os.path.join(app, p)) > 0, p
assert r["job"]["variables"]["GIT_DEPTH"] == "0"
print("action_steps: GitLab component: cached build moved and reused, --base origin/main, 5 fail, JUnit report")
EOF

# 5. The comment script alone.
python3 "$src/tests/integration/sticky_comment_test.py" "$src/ci/sticky-comment.py"
echo "action_steps: ok"
