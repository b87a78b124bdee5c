/* history: results over time from a directory, malformed files skipped with
 * a message naming them, what perfgate itself writes, baselines from git. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fixture_history.h"
#include "fsutil.h"
#include "gate.h"
#include "history.h"
#include "loadreport.h"
#include "rls.h"
#include "summary.h"
#include "testutil.h"

static char *g_dir;

static void setup(void)
{
    g_dir = pf_test_tmpdir();
}

static void teardown(void)
{
    pf_rmtree(g_dir, NULL);
    free(g_dir);
}

static bool has_warning(const pf_history *h, const char *a, const char *b)
{
    for (size_t i = 0; i < h->n_warnings; i++)
        if (strstr(h->warnings[i], a) && (b == NULL || strstr(h->warnings[i], b)))
            return true;
    return false;
}

static const pf_history_case *find_case(const pf_history *h, const char *name)
{
    for (size_t i = 0; i < h->n_cases; i++)
        if (strcmp(h->cases[i].name, name) == 0)
            return &h->cases[i];
    return NULL;
}

START_TEST(test_history_orders_the_fixture_runs_by_started_at)
{
    pf_error e;
    ck_assert_msg(pf_fixture_write_results(g_dir, &e) == 0, "%s", e.msg);
    pf_history h;
    ck_assert_int_eq(pf_history_read_dir(g_dir, &h, &e), 0);
    ck_assert_uint_eq(h.n_runs, PF_FIXTURE_GATE_RUNS);
    ck_assert_uint_eq(h.n_rls_runs, PF_FIXTURE_GATE_RUNS);
    ck_assert_uint_eq(h.n_load_runs, PF_FIXTURE_LOAD_RUNS);
    ck_assert_uint_eq(h.n_cases, 8);
    ck_assert_uint_eq(h.n_pairs, 3);
    ck_assert_uint_eq(h.n_flows, 5);
    ck_assert_uint_eq(h.n_warnings, 0);
    for (size_t r = 1; r < h.n_runs; r++)
        ck_assert(h.runs[r].started_us > h.runs[r - 1].started_us);
    for (size_t i = 1; i < h.n_cases; i++)
        ck_assert(strcmp(h.cases[i - 1].name, h.cases[i].name) < 0);
    const pf_history_case *c = find_case(&h, "documents/search_fulltext");
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c->points[13].status, "pass");
    ck_assert_str_eq(c->points[14].status, "fail");
    ck_assert_str_eq(c->points[19].status, "pass");
    ck_assert(c->points[14].median_ms > 1.5 * c->points[13].median_ms);
    ck_assert_int_eq(h.runs[14].exit_code, 1);
    const pf_history_case *q = find_case(&h, "queue/enqueue_job");
    ck_assert(!q->points[4].present);
    ck_assert(q->points[5].present);
    ck_assert(q->points[5].baseline_ms == 0);
    ck_assert(q->points[8].baseline_ms > 0);
    pf_history_dispose(&h);
}
END_TEST

START_TEST(test_history_skips_malformed_files_with_a_message_naming_them)
{
    pf_error e;
    free(pf_test_write(g_dir, "broken.json", "{\n  \"cases\": [\n    {\"name\": \n"));
    free(pf_test_write(g_dir, "empty.json", ""));
    free(pf_test_write(g_dir, "other.json", "{\"hello\": 1}\n"));
    free(pf_test_write(g_dir, "array.json", "[1, 2]\n"));
    free(pf_test_write(g_dir, "badtime.json", "{\"started_at\": \"yesterday\", \"cases\": []}"));
    free(pf_test_write(g_dir, "notime.json",
                       "{\"cases\": [{\"name\": \"a\", \"group\": \"g\", \"status\": \"pass\","
                       " \"latency\": {\"median_ms\": 1, \"p95_ms\": 2}}]}"));
    free(pf_test_write(g_dir, "notes.txt", "not json at all"));
    char *sub = pf_path_join(g_dir, "ci/run-7");
    ck_assert_int_eq(pf_mkdirs(sub, 0755, &e), 0);
    free(pf_test_write(sub, "perfgate-results.json",
                       "{\"started_at\": \"2026-01-02T03:04:05Z\", \"exit_code\": 0, \"cases\": "
                       "[{\"name\": \"a\", \"group\": \"g\", \"status\": \"fail\", \"latency\": "
                       "{\"median_ms\": 3, \"p95_ms\": 4}, \"baseline\": {\"median_ms\": 1.5, "
                       "\"not_comparable\": \"scale 2 vs 1\"}}]}"));
    free(sub);
    pf_history h;
    ck_assert_int_eq(pf_history_read_dir(g_dir, &h, &e), 0);
    ck_assert_msg(has_warning(&h, "broken.json:4", "not valid JSON"), "%s",
                  h.n_warnings ? h.warnings[0] : "none");
    ck_assert(has_warning(&h, "empty.json", "not valid JSON"));
    ck_assert(has_warning(&h, "other.json", "not a perfgate results file"));
    ck_assert(has_warning(&h, "array.json", "not a perfgate results file"));
    ck_assert(has_warning(&h, "badtime.json", "not an ISO-8601 time"));
    ck_assert(has_warning(&h, "notime.json", "modification time"));
    ck_assert(!has_warning(&h, "notes.txt", NULL));
    ck_assert_uint_eq(h.n_runs, 2);
    const pf_history_case *c = find_case(&h, "g/a");
    ck_assert_ptr_nonnull(c);
    /* The nested file is older than notime.json (written just now). */
    ck_assert_str_eq(h.runs[0].file, "ci/run-7/perfgate-results.json");
    ck_assert(!h.runs[0].time_from_mtime);
    ck_assert(h.runs[1].time_from_mtime);
    ck_assert(c->points[0].median_ms == 3);
    ck_assert_msg(c->points[0].baseline_ms == 0, "a baseline not comparable is not drawn");
    pf_history_dispose(&h);
}
END_TEST

START_TEST(test_history_rejects_a_missing_directory)
{
    pf_error e;
    pf_history h;
    char *missing = pf_path_join(g_dir, "nope");
    ck_assert_int_eq(pf_history_read_dir(missing, &h, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "not a directory"));
    pf_history_dispose(&h);
    free(missing);
}
END_TEST

static const struct {
    const char *text;
    int rc;
    int64_t us;
} k_times[] = {
    {"2026-01-31T08:30:00Z", 0, 1769848200000000LL},
    {"2026-01-31T08:30:00.250Z", 0, 1769848200250000LL},
    {"2026-01-31 08:30:00Z", 0, 1769848200000000LL},
    {"2026-01-31T10:30:00+02:00", 0, 1769848200000000LL},
    {"2026-01-31T08:30:00-0100", 0, 1769851800000000LL},
    {"2026-13-31T08:30:00Z", -1, 0},
    {"2026-01-31T08:30:00Zjunk", -1, 0},
    {"yesterday", -1, 0},
    {"", -1, 0},
};

START_TEST(test_history_parses_iso_8601_times)
{
    int64_t us = 0;
    int rc = pf_history_parse_time(k_times[_i].text, &us);
    ck_assert_msg(rc == k_times[_i].rc, "%s: rc %d", k_times[_i].text, rc);
    if (rc == 0)
        ck_assert_msg(us == k_times[_i].us, "%s: %lld", k_times[_i].text, (long long)us);
}
END_TEST

START_TEST(test_history_reads_what_perfgate_writes)
{
    pf_error e;
    pf_gate_result g;
    memset(&g, 0, sizeof g);
    g.total_ms = 5000;
    char *gate = pf_summary_json(&g);
    free(pf_test_write(g_dir, "gate.json", gate));
    free(gate);
    pf_load_meta meta = {"0.1.0", "host=x", "2026-01-02T00:00:00Z", true, 0};
    char *load = pf_load_results_json(&meta, NULL, 0, NULL);
    free(pf_test_write(g_dir, "load.json", load));
    free(load);
    pf_rls_result rr;
    memset(&rr, 0, sizeof rr);
    char *rls = pf_rls_report_json(&rr);
    free(pf_test_write(g_dir, "rls.json", rls));
    free(rls);
    pf_history h;
    ck_assert_int_eq(pf_history_read_dir(g_dir, &h, &e), 0);
    ck_assert_uint_eq(h.n_runs, 1);
    ck_assert_uint_eq(h.n_load_runs, 1);
    ck_assert_uint_eq(h.n_rls_runs, 1);
    /* The gate's JSON carries started_at: now minus the run's 5 s. */
    ck_assert(!h.runs[0].time_from_mtime);
    int64_t now = (int64_t)time(NULL) * 1000000;
    ck_assert(h.runs[0].started_us <= now - 4000000 && h.runs[0].started_us >= now - 60000000);
    ck_assert(!h.load_runs[0].time_from_mtime);
    ck_assert(h.rls_runs[0].time_from_mtime); /* perfgate rls --json has no started_at */
    pf_history_dispose(&h);
}
END_TEST

START_TEST(test_history_marks_baseline_commits_from_git)
{
    char *cmd = pf_asprintf(
        "set -e; cd '%s'; git init -q repo; cd repo; mkdir -p baselines/timeline;"
        " echo '{}' > baselines/timeline/recent_page.json; echo x > baselines/README.md;"
        " git add -A; export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org"
        " GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org;"
        " GIT_AUTHOR_DATE=2026-01-30T12:00:00Z GIT_COMMITTER_DATE=2026-01-30T12:00:00Z"
        " git commit -q -m 'Re-record <timeline> baselines';"
        " echo '{\"a\":1}' > baselines/timeline/recent_page.json; git add -A;"
        " GIT_AUTHOR_DATE=2026-02-01T12:00:00Z GIT_COMMITTER_DATE=2026-02-01T12:00:00Z"
        " git commit -q -m second",
        g_dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    char *base = pf_path_join(g_dir, "repo/baselines");
    pf_history h;
    memset(&h, 0, sizeof h);
    ck_assert_int_eq(pf_history_read_git(&h, base), 0);
    ck_assert_uint_eq(h.n_changes, 2);
    ck_assert_str_eq(h.changes[0].subject, "Re-record <timeline> baselines");
    ck_assert(h.changes[0].at_us == 1769774400000000LL);
    ck_assert_str_eq(h.changes[0].cases[0], "timeline/recent_page");
    ck_assert_ptr_null(h.changes[0].cases[1]); /* README.md is not a baseline */
    ck_assert_str_eq(h.changes[1].subject, "second");
    pf_history_dispose(&h);
    free(base);

    memset(&h, 0, sizeof h);
    ck_assert_int_eq(pf_history_read_git(&h, g_dir), 1); /* not a checkout: a note */
    ck_assert(has_warning(&h, "not in a git checkout", NULL));
    pf_history_dispose(&h);
}
END_TEST

START_TEST(test_history_reads_one_document_and_cuts_broken_utf8)
{
    pf_history h;
    pf_history_read_text(&h, "odd.json",
                         "{\"started_at\": \"2026-01-31T10:30:00.5+02:00\", \"cases\": "
                         "[{\"name\": \"a\", \"group\": \"g\", \"status\": \"fail\", "
                         "\"headline\": \"caf\xc3\xa9 \xc3\", \"latency\": "
                         "{\"median_ms\": 1}}]}");
    ck_assert_uint_eq(h.n_runs, 1);
    ck_assert(h.runs[0].started_us == 1769848200500000LL);
    ck_assert_str_eq(h.cases[0].points[0].headline, "caf\xc3\xa9 ");
    pf_history_dispose(&h);
    pf_history_read_text(&h, "x.json", "{\"cases\": [");
    ck_assert_uint_eq(h.n_runs, 0);
    ck_assert(has_warning(&h, "x.json:1", "not valid JSON"));
    pf_history_dispose(&h);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("history");
    TCase *tc = tcase_create("history");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_history_orders_the_fixture_runs_by_started_at);
    tcase_add_test(tc, test_history_skips_malformed_files_with_a_message_naming_them);
    tcase_add_test(tc, test_history_rejects_a_missing_directory);
    tcase_add_loop_test(tc, test_history_parses_iso_8601_times, 0,
                        sizeof k_times / sizeof k_times[0]);
    tcase_add_test(tc, test_history_reads_what_perfgate_writes);
    tcase_add_test(tc, test_history_marks_baseline_commits_from_git);
    tcase_add_test(tc, test_history_reads_one_document_and_cuts_broken_utf8);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
