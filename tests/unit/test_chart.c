/* chart: axes and ticks, and golden files of the dashboard's chart data
 * (points, bands, lines, markers) built from the fixture history.
 * PERFGATE_UPDATE_GOLDEN=1 rewrites the golden files (review the diff). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "fixture_history.h"
#include "fsutil.h"
#include "history.h"
#include "testutil.h"

static char *g_dir;
static pf_history g_h;

static void setup(void)
{
    pf_error e;
    g_dir = pf_test_tmpdir();
    ck_assert_msg(pf_fixture_write_results(g_dir, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(pf_history_read_dir(g_dir, &g_h, &e), 0);
    /* A baseline commit between runs 21 and 22 (git log, as read from a
     * checkout: tested in test_history). */
    g_h.changes = pf_calloc(1, sizeof *g_h.changes);
    g_h.n_changes = 1;
    g_h.changes[0].commit = pf_strdup("1a2b3c4");
    g_h.changes[0].subject = pf_strdup("Re-record timeline baselines after the index");
    g_h.changes[0].at_us = 1769774400000000LL; /* 2026-01-30 12:00 */
    g_h.changes[0].cases = pf_calloc(2, sizeof(char *));
    g_h.changes[0].cases[0] = pf_strdup("timeline/recent_page");
}

static void teardown(void)
{
    pf_history_dispose(&g_h);
    pf_rmtree(g_dir, NULL);
    free(g_dir);
}

static void check_golden(const char *name, const pf_chart *c)
{
    char *dump = pf_chart_dump(c);
    char *rel = pf_asprintf("tests/data/golden/%s.txt", name);
    char *path = pf_test_source_path(rel);
    const char *update = getenv("PERFGATE_UPDATE_GOLDEN");
    pf_error e;
    if (update && strcmp(update, "1") == 0) {
        ck_assert_msg(pf_file_write_atomic(path, dump, strlen(dump), &e) == 0, "%s", e.msg);
    } else {
        char *want = NULL;
        ck_assert_msg(pf_file_read(path, &want, NULL, &e) == 0,
                      "%s (run with PERFGATE_UPDATE_GOLDEN=1 to create it)", e.msg);
        if (strcmp(want, dump) != 0) {
            char *got = pf_asprintf("%s.got", path);
            pf_file_write_atomic(got, dump, strlen(dump), &e);
            ck_abort_msg("%s differs from the golden file; got %s", rel, got);
        }
        free(want);
    }
    free(path);
    free(rel);
    free(dump);
}

static size_t case_index(const char *name)
{
    for (size_t i = 0; i < g_h.n_cases; i++)
        if (strcmp(g_h.cases[i].name, name) == 0)
            return i;
    ck_abort_msg("no case %s", name);
    return 0;
}

START_TEST(test_chart_case_with_a_regression_episode_matches_golden)
{
    pf_chart *c = pf_chart_case(&g_h, case_index("documents/search_fulltext"));
    /* Five regression markers, runs 14-18, drawn above the band. */
    ck_assert_uint_eq(c->n_markers, 5);
    ck_assert(c->markers[0].x == 14 && c->markers[4].x == 18);
    for (size_t i = 0; i < c->n_markers; i++)
        ck_assert_str_eq(c->markers[i].cls, "regression");
    check_golden("chart_case_search_fulltext", c);
    pf_chart_free(c);
}
END_TEST

START_TEST(test_chart_case_with_a_re_recorded_baseline_matches_golden)
{
    pf_chart *c = pf_chart_case(&g_h, case_index("timeline/recent_page"));
    ck_assert_uint_eq(c->n_vspans, 1); /* the git commit */
    ck_assert(c->vspans[0].x0 == 21.5);
    /* The band follows the baseline: 0.12 ms ±20 % before, 0.0744 after. */
    const pf_chart_band *b = &c->bands[0];
    ck_assert(fabs(b->lo[0].y - 0.096) < 1e-9 && fabs(b->hi[0].y - 0.144) < 1e-9);
    ck_assert(fabs(b->hi[b->n - 1].y - 0.0744 * 1.2) < 1e-6);
    ck_assert_uint_eq(c->n_markers, 0);
    check_golden("chart_case_recent_page", c);
    pf_chart_free(c);
}
END_TEST

START_TEST(test_chart_case_that_appears_later_has_gaps)
{
    pf_chart *c = pf_chart_case(&g_h, case_index("queue/enqueue_job"));
    const pf_chart_series *med = NULL;
    for (size_t i = 0; i < c->n_series; i++)
        if (strcmp(c->series[i].name, "median") == 0)
            med = &c->series[i];
    ck_assert_ptr_nonnull(med);
    ck_assert(isnan(med->pts[4].y) && isnan(med->pts[4].py));
    ck_assert(!isnan(med->pts[5].py));
    check_golden("chart_case_enqueue_job", c);
    pf_chart_free(c);
}
END_TEST

START_TEST(test_chart_case_instructions_follow_the_counts)
{
    /* The fixture's runs counted no instructions: no chart. */
    size_t i = case_index("timeline/recent_page");
    ck_assert_ptr_null(pf_chart_case_instructions(&g_h, i));
    /* 2.0M per execution judged against 2.0M, then a CPU regression to 2.6M
     * in the fail runs; a run without a count leaves a gap. */
    pf_history_case *hc = &g_h.cases[i];
    for (size_t r = 0; r < g_h.n_runs; r++) {
        hc->points[r].instructions = r == 3 ? 0 : (r >= 10 && r < 12 ? 2.6e6 : 2.0e6);
        hc->points[r].baseline_instructions = 2.0e6;
        if (r >= 10 && r < 12)
            strcpy(hc->points[r].status, "fail");
    }
    pf_chart *c = pf_chart_case_instructions(&g_h, i);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c->title, "timeline/recent_page · instructions");
    const pf_chart_series *ins = NULL;
    for (size_t k = 0; k < c->n_series; k++)
        if (strcmp(c->series[k].name, "instructions per execution") == 0)
            ins = &c->series[k];
    ck_assert_ptr_nonnull(ins);
    ck_assert(fabs(ins->pts[0].y - 2.0) < 1e-9 && fabs(ins->pts[10].y - 2.6) < 1e-9);
    ck_assert(isnan(ins->pts[3].y));
    ck_assert_uint_eq(c->n_markers, 2);
    ck_assert(c->markers[0].x == 10 && c->markers[1].x == 11);
    /* The band is the reference ±10 %. */
    const pf_chart_band *b = &c->bands[0];
    ck_assert(fabs(b->lo[0].y - 1.8) < 1e-9 && fabs(b->hi[0].y - 2.2) < 1e-9);
    ck_assert_msg(strstr(c->subtitle, "reference 2M (+0.0%)") != NULL, "%s", c->subtitle);
    pf_chart_free(c);
}
END_TEST

START_TEST(test_chart_rls_pair_and_load_flows_match_golden)
{
    pf_chart *c = pf_chart_pair(&g_h, 0);
    ck_assert_str_eq(c->title, "delegate_timeline (delegate)");
    check_golden("chart_rls_delegate_timeline", c);
    pf_chart_free(c);
    for (size_t i = 0; i < g_h.n_flows; i++) {
        if (strcmp(g_h.flows[i].name, "healthcare_mix/patient_timeline@x10") == 0) {
            c = pf_chart_flow(&g_h, i);
            check_golden("chart_load_patient_timeline", c);
            pf_chart_free(c);
        }
        if (g_h.flows[i].drain) {
            c = pf_chart_flow(&g_h, i);
            check_golden("chart_load_queue_drain", c);
            pf_chart_free(c);
        }
    }
}
END_TEST

/* A store window of one hour with 5-minute buckets: a hole, a warning
 * that became critical, the levels of a 100 ms threshold. */
START_TEST(test_chart_category_draws_levels_alerts_and_holes)
{
    pf_store_dash d;
    memset(&d, 0, sizeof d);
    int64_t t0 = 1770681600000000LL;
    d.from_us = t0;
    d.to_us = t0 + 3600000000LL;
    d.bucket_s = 300;
    d.n_cats = 1;
    d.cats = pf_calloc(1, sizeof *d.cats);
    d.cats[0].category = pf_strdup("timeline");
    static const double means[] = {20, 22, 61, 140, 133, 30, 25, 21};
    static const int slots[] = {0, 1, 2, 3, 4, 5, 9, 10}; /* 6-8: no calls */
    d.cats[0].pts = pf_calloc(8, sizeof *d.cats[0].pts);
    d.cats[0].n = 8;
    for (int i = 0; i < 8; i++) {
        pf_store_cat_point *p = &d.cats[0].pts[i];
        p->at_us = t0 + (int64_t)slots[i] * 300000000LL;
        p->calls = 100;
        p->exec_ms = 100 * means[i] * 0.8;
        p->max_query_mean_ms = means[i];
        d.cats[0].calls += 100;
        d.cats[0].exec_ms += p->exec_ms;
    }
    d.n_alerts = 1;
    d.alerts = pf_calloc(1, sizeof *d.alerts);
    d.alerts[0].key = pf_strdup("threshold/timeline/16384/42");
    d.alerts[0].kind = pf_strdup("threshold");
    d.alerts[0].category = pf_strdup("timeline");
    d.alerts[0].queryid = 42;
    d.alerts[0].peak_level = 2;
    d.alerts[0].start_us = t0 + 900000000LL;
    d.alerts[0].end_us = t0 + 2100000000LL;
    d.alerts[0].peak_ms = 140;
    static const double levels[3] = {0.5, 1.0, 2.0};
    pf_chart *c = pf_chart_category(&d, "timeline", 100, levels);
    ck_assert_uint_eq(c->n_hlines, 3);
    /* every level in view on the logarithmic axis: 10 .. 1000 ms */
    ck_assert(c->ylog);
    ck_assert(c->y.min == 10 && c->y.max == 1000);
    for (size_t i = 0; i < c->n_hlines; i++)
        ck_assert(c->hlines[i].visible);
    ck_assert_uint_eq(c->n_vspans, 1);
    ck_assert_str_eq(c->vspans[0].cls, "alert-critical");
    /* the hole: a NaN point between slot 5 and slot 9 */
    ck_assert_uint_eq(c->series[1].n, 9);
    ck_assert(isnan(c->series[1].pts[6].y));
    check_golden("chart_category_timeline", c);
    pf_chart_free(c);
    pf_store_dash_dispose(&d);
}
END_TEST

static const struct {
    double lo, hi;
    double min, max, step;
    size_t ticks;
    const char *first, *last;
} k_axes[] = {
    {0, 0.137, 0, 0.15, 0.05, 4, "0.00", "0.15"},
    {0, 1, 0, 1, 0.2, 6, "0.0", "1.0"},
    {0, 140 * 1.05, 0, 150, 50, 4, "0", "150"},
    {0, 12345, 0, 12500, 2500, 6, "0", "12.5k"},
    {0, 0.0021, 0, 0.0025, 0.0005, 6, "0.0000", "0.0025"},
    {0, 0, 0, 1, 0.2, 6, "0.0", "1.0"},
};

START_TEST(test_chart_nice_axis_steps_of_1_2_5)
{
    pf_chart_axis a;
    pf_chart_nice_axis(k_axes[_i].lo, k_axes[_i].hi, 5, &a);
    ck_assert_msg(fabs(a.min - k_axes[_i].min) < 1e-12 && fabs(a.max - k_axes[_i].max) < 1e-9 &&
                      fabs(a.step - k_axes[_i].step) < 1e-12,
                  "[%g, %g]: %g..%g step %g", k_axes[_i].lo, k_axes[_i].hi, a.min, a.max, a.step);
    ck_assert_uint_eq(a.n_ticks, k_axes[_i].ticks);
    ck_assert_str_eq(a.ticks[0].label, k_axes[_i].first);
    ck_assert_str_eq(a.ticks[a.n_ticks - 1].label, k_axes[_i].last);
}
END_TEST

START_TEST(test_chart_time_axis_uses_whole_hours_or_days)
{
    pf_chart_axis a;
    double t0 = 1770681600; /* 2026-02-10 00:00 UTC */
    pf_chart_time_axis(t0, t0 + 86400, 8, &a);
    ck_assert(a.step == 10800);
    ck_assert_str_eq(a.ticks[0].label, "00:00");
    ck_assert_str_eq(a.ticks[1].label, "03:00");
    pf_chart_time_axis(t0 + 90, t0 + 3600, 8, &a);
    ck_assert(a.step == 600);
    ck_assert_str_eq(a.ticks[0].label, "00:10");
    pf_chart_time_axis(t0, t0 + 14 * 86400, 8, &a);
    ck_assert(a.step == 172800);
    ck_assert_str_eq(a.ticks[0].label, "02-10");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chart");
    TCase *tc = tcase_create("golden");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_chart_case_with_a_regression_episode_matches_golden);
    tcase_add_test(tc, test_chart_case_with_a_re_recorded_baseline_matches_golden);
    tcase_add_test(tc, test_chart_case_that_appears_later_has_gaps);
    tcase_add_test(tc, test_chart_case_instructions_follow_the_counts);
    tcase_add_test(tc, test_chart_rls_pair_and_load_flows_match_golden);
    tcase_add_test(tc, test_chart_category_draws_levels_alerts_and_holes);
    suite_add_tcase(s, tc);
    TCase *ax = tcase_create("axes");
    tcase_add_loop_test(ax, test_chart_nice_axis_steps_of_1_2_5, 0,
                        sizeof k_axes / sizeof k_axes[0]);
    tcase_add_test(ax, test_chart_time_axis_uses_whole_hours_or_days);
    suite_add_tcase(s, ax);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
