/* The alert state machine with an injected clock: fire once, repeat after
 * repeat_every, escalate, stay quiet on de-escalation, resolve, and carry
 * on from stored state after a restart; the threshold and regression rules. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"

#define MIN_US (60LL * 1000000)

static pf_alert_rules rules(void)
{
    pf_alert_rules r;
    pf_alert_rules_default(&r);
    r.repeat_every_ms = 30 * 60 * 1000.0;
    r.resolve_after = 1;
    r.regression_enabled = false;
    return r;
}

static pf_alert_obs timeline(double mean_ms, int64_t calls)
{
    pf_alert_obs o;
    memset(&o, 0, sizeof o);
    o.category = "timeline";
    o.threshold_ms = 100;
    o.dbid = 5;
    o.queryid = 42;
    o.dbname = "app";
    o.query = "SELECT * FROM timeline_page($1)";
    o.calls = calls;
    o.mean_ms = mean_ms;
    return o;
}

/* Evaluate one interval at minute t; returns the events (caller frees). */
static pf_alert_event *step(pf_alerts *a, const pf_alert_rules *r, const pf_alert_obs *o, size_t n,
                            int minute, size_t *n_ev)
{
    pf_alert_event *ev = NULL;
    *n_ev = 0;
    pf_alerts_evaluate(a, r, o, n, 1700000000000000LL + minute * MIN_US, 60, &ev, n_ev);
    return ev;
}

START_TEST(test_threshold_levels_of_the_interval_mean)
{
    static const struct {
        double mean;
        pf_level level;
    } t[] = {{40, PF_LEVEL_OK},        {50, PF_LEVEL_OK},       {51, PF_LEVEL_WARNING},
             {100, PF_LEVEL_WARNING},  {101, PF_LEVEL_CRITICAL}, {200, PF_LEVEL_CRITICAL},
             {201, PF_LEVEL_EMERGENCY}};
    pf_alert_rules r = rules();
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        pf_alerts *a = pf_alerts_new();
        pf_alert_obs o = timeline(t[i].mean, 10);
        size_t n = 0;
        pf_alert_event *ev = step(a, &r, &o, 1, 0, &n);
        ck_assert_msg(pf_alerts_max_level(a) == t[i].level, "mean %g", t[i].mean);
        ck_assert_uint_eq(n, t[i].level == PF_LEVEL_OK ? 0 : 1);
        pf_alert_events_free(ev, n);
        pf_alerts_free(a);
    }
}
END_TEST

START_TEST(test_fires_once_then_repeats_after_repeat_every_then_resolves)
{
    pf_alert_rules r = rules();
    pf_alerts *a = pf_alerts_new();
    pf_alert_obs slow = timeline(150, 40);
    size_t n;
    pf_alert_event *ev = step(a, &r, &slow, 1, 0, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].status, PF_ALERT_FIRING);
    ck_assert_int_eq(ev[0].level, PF_LEVEL_CRITICAL);
    ck_assert_int_eq(ev[0].previous_level, PF_LEVEL_OK);
    ck_assert_int_eq(ev[0].kind, PF_ALERT_THRESHOLD);
    ck_assert_str_eq(ev[0].category, "timeline");
    ck_assert_str_eq(ev[0].key, "threshold/timeline/5/42");
    ck_assert_double_eq(ev[0].value_ms, 150);
    ck_assert_double_eq(ev[0].limit_ms, 100);
    ck_assert_int_eq(ev[0].calls, 40);
    pf_alert_events_free(ev, n);
    /* Still slow for 29 minutes: silence. */
    for (int m = 1; m < 30; m++) {
        ev = step(a, &r, &slow, 1, m, &n);
        ck_assert_msg(n == 0, "minute %d", m);
        pf_alert_events_free(ev, n);
    }
    ev = step(a, &r, &slow, 1, 30, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].status, PF_ALERT_REPEAT);
    ck_assert_int_eq(ev[0].level, PF_LEVEL_CRITICAL);
    pf_alert_events_free(ev, n);
    ev = step(a, &r, &slow, 1, 31, &n);
    ck_assert_uint_eq(n, 0);
    pf_alert_events_free(ev, n);
    /* The workload stops: no calls = clear. */
    ev = step(a, &r, NULL, 0, 32, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].status, PF_ALERT_RESOLVED);
    ck_assert_int_eq(ev[0].level, PF_LEVEL_OK);
    ck_assert_int_eq(ev[0].previous_level, PF_LEVEL_CRITICAL);
    ck_assert_int_eq(ev[0].since_us, 1700000000000000LL);
    pf_alert_events_free(ev, n);
    ck_assert_uint_eq(pf_alerts_count(a), 0);
    /* And fires again when it comes back. */
    ev = step(a, &r, &slow, 1, 33, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].status, PF_ALERT_FIRING);
    pf_alert_events_free(ev, n);
    pf_alerts_free(a);
}
END_TEST

START_TEST(test_escalation_fires_and_deescalation_is_quiet)
{
    pf_alert_rules r = rules();
    pf_alerts *a = pf_alerts_new();
    size_t n;
    pf_alert_obs o = timeline(60, 5); /* warning */
    pf_alert_event *ev = step(a, &r, &o, 1, 0, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].level, PF_LEVEL_WARNING);
    pf_alert_events_free(ev, n);
    o.mean_ms = 250; /* emergency */
    ev = step(a, &r, &o, 1, 1, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].status, PF_ALERT_FIRING);
    ck_assert_int_eq(ev[0].level, PF_LEVEL_EMERGENCY);
    ck_assert_int_eq(ev[0].previous_level, PF_LEVEL_WARNING);
    pf_alert_events_free(ev, n);
    /* Flapping between critical and emergency: no storm. */
    for (int m = 2; m < 12; m++) {
        o.mean_ms = (m % 2) ? 150 : 250;
        ev = step(a, &r, &o, 1, m, &n);
        ck_assert_msg(n == 0, "minute %d", m);
        pf_alert_events_free(ev, n);
    }
    ck_assert_int_eq(pf_alerts_get(a, 0)->level, PF_LEVEL_CRITICAL);
    ck_assert_int_eq(pf_alerts_get(a, 0)->notified_level, PF_LEVEL_EMERGENCY);
    pf_alerts_free(a);
}
END_TEST

START_TEST(test_resolve_after_needs_consecutive_clean_intervals)
{
    pf_alert_rules r = rules();
    r.resolve_after = 3;
    pf_alerts *a = pf_alerts_new();
    size_t n;
    pf_alert_obs slow = timeline(150, 5), fast = timeline(10, 5);
    pf_alert_event *ev = step(a, &r, &slow, 1, 0, &n);
    pf_alert_events_free(ev, n);
    ev = step(a, &r, &fast, 1, 1, &n);
    ck_assert_uint_eq(n, 0);
    pf_alert_events_free(ev, n);
    ev = step(a, &r, &slow, 1, 2, &n); /* back: the count starts over */
    ck_assert_uint_eq(n, 0);
    pf_alert_events_free(ev, n);
    for (int m = 3; m < 5; m++) {
        ev = step(a, &r, &fast, 1, m, &n);
        ck_assert_uint_eq(n, 0);
        pf_alert_events_free(ev, n);
    }
    ev = step(a, &r, &fast, 1, 5, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].status, PF_ALERT_RESOLVED);
    pf_alert_events_free(ev, n);
    pf_alerts_free(a);
}
END_TEST

START_TEST(test_restart_from_stored_state_does_not_fire_again)
{
    pf_alert_rules r = rules();
    pf_alerts *a = pf_alerts_new();
    size_t n;
    pf_alert_obs slow = timeline(150, 5);
    pf_alert_event *ev = step(a, &r, &slow, 1, 0, &n);
    ck_assert_uint_eq(n, 1);
    pf_alert_events_free(ev, n);
    /* What the store keeps: copies of the states. */
    size_t ns = pf_alerts_count(a);
    pf_alert_state *saved = calloc(ns, sizeof *saved);
    for (size_t i = 0; i < ns; i++)
        pf_alert_state_copy(&saved[i], pf_alerts_get(a, i));
    pf_alerts_free(a);

    pf_alerts *b = pf_alerts_new();
    pf_alerts_restore(b, saved, ns);
    for (size_t i = 0; i < ns; i++)
        pf_alert_state_dispose(&saved[i]);
    free(saved);
    ev = step(b, &r, &slow, 1, 5, &n);
    ck_assert_uint_eq(n, 0); /* no second "firing" after the restart */
    pf_alert_events_free(ev, n);
    ev = step(b, &r, &slow, 1, 30, &n); /* the repeat clock survived too */
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].status, PF_ALERT_REPEAT);
    ck_assert_int_eq(ev[0].since_us, 1700000000000000LL);
    pf_alert_events_free(ev, n);
    ev = step(b, &r, NULL, 0, 31, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].status, PF_ALERT_RESOLVED);
    pf_alert_events_free(ev, n);
    pf_alerts_free(b);
}
END_TEST

START_TEST(test_rare_queries_and_missing_thresholds_do_not_page)
{
    pf_alert_rules r = rules();
    r.threshold_min_calls = 5;
    pf_alerts *a = pf_alerts_new();
    size_t n;
    pf_alert_obs o[2] = {timeline(500, 4), timeline(500, 100)};
    o[1].threshold_ms = 0; /* a category without threshold */
    o[1].queryid = 43;
    pf_alert_event *ev = step(a, &r, o, 2, 0, &n);
    ck_assert_uint_eq(n, 0);
    pf_alert_events_free(ev, n);
    r.threshold_enabled = false;
    o[0].calls = 50;
    ev = step(a, &r, o, 2, 1, &n);
    ck_assert_uint_eq(n, 0);
    pf_alert_events_free(ev, n);
    pf_alerts_free(a);
}
END_TEST

START_TEST(test_regression_against_the_trailing_baseline)
{
    pf_alert_rules r = rules();
    r.threshold_enabled = false;
    r.regression_enabled = true;
    r.regression_critical_ratio = 3.0;
    pf_alerts *a = pf_alerts_new();
    size_t n;
    pf_alert_obs o = timeline(12.5, 50);
    o.baseline_calls = 5000;
    o.baseline_mean_ms = 10; /* +25 % */
    pf_alert_event *ev = step(a, &r, &o, 1, 0, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].kind, PF_ALERT_REGRESSION);
    ck_assert_int_eq(ev[0].level, PF_LEVEL_WARNING);
    ck_assert_str_eq(ev[0].key, "regression/timeline/5/42");
    ck_assert_double_eq(ev[0].baseline_ms, 10);
    ck_assert_double_eq_tol(ev[0].limit_ms, 12, 1e-9);
    pf_alert_events_free(ev, n);
    o.mean_ms = 31; /* above 3x: critical */
    ev = step(a, &r, &o, 1, 1, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].level, PF_LEVEL_CRITICAL);
    pf_alert_events_free(ev, n);
    o.mean_ms = 11.9; /* within 20 % */
    ev = step(a, &r, &o, 1, 2, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].status, PF_ALERT_RESOLVED);
    pf_alert_events_free(ev, n);
    pf_alerts_free(a);

    /* Guards: too few calls now, too little history, a tiny absolute delta. */
    struct {
        int64_t calls, bcalls;
        double mean, base;
    } quiet[] = {{19, 5000, 20, 10}, {50, 99, 20, 10}, {50, 5000, 0.3, 0.2}};
    for (size_t i = 0; i < sizeof quiet / sizeof quiet[0]; i++) {
        a = pf_alerts_new();
        o = timeline(quiet[i].mean, quiet[i].calls);
        o.baseline_calls = quiet[i].bcalls;
        o.baseline_mean_ms = quiet[i].base;
        ev = step(a, &r, &o, 1, 0, &n);
        ck_assert_msg(n == 0, "case %zu", i);
        pf_alert_events_free(ev, n);
        pf_alerts_free(a);
    }
}
END_TEST

START_TEST(test_names_round_trip)
{
    pf_level l;
    ck_assert_int_eq(pf_level_parse("critical", &l), 0);
    ck_assert_int_eq(l, PF_LEVEL_CRITICAL);
    ck_assert_int_eq(pf_level_parse("severe", &l), -1);
    pf_alert_kind k;
    ck_assert_int_eq(pf_alert_kind_parse("regression", &k), 0);
    ck_assert_int_eq(k, PF_ALERT_REGRESSION);
    ck_assert_int_eq(pf_alert_kind_parse("x", &k), -1);
    ck_assert_str_eq(pf_alert_status_name(PF_ALERT_RESOLVED), "resolved");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alert");
    TCase *tc = tcase_create("state machine");
    tcase_add_test(tc, test_threshold_levels_of_the_interval_mean);
    tcase_add_test(tc, test_fires_once_then_repeats_after_repeat_every_then_resolves);
    tcase_add_test(tc, test_escalation_fires_and_deescalation_is_quiet);
    tcase_add_test(tc, test_resolve_after_needs_consecutive_clean_intervals);
    tcase_add_test(tc, test_restart_from_stored_state_does_not_fire_again);
    tcase_add_test(tc, test_rare_queries_and_missing_thresholds_do_not_page);
    tcase_add_test(tc, test_regression_against_the_trailing_baseline);
    tcase_add_test(tc, test_names_round_trip);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
