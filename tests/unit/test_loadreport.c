/* perfgate load reports without a server: the verdict rules table-driven
 * (thresholds, error budgets, baseline signals and their confirmation,
 * calibration, stale baselines, the queue drain), the results file round
 * trip, load baselines, JUnit against the XSD, and the CLI's refusals. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "junit.h"
#include "load.h"
#include "loadreport.h"
#include "scenario.h"
#include "testutil.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))
#define MS 1000000ull

static const char k_scenario[] =
    "{\"name\": \"mix\", \"expected_load\": {\"users\": 100, \"every\": \"30s\"},"
    " \"flows\": [{\"name\": \"view\", \"threshold\": \"100ms\", \"max_error_rate\": 0.05,"
    "              \"steps\": [{\"sql\": \"SELECT 1\"}]},"
    "             {\"name\": \"strict\", \"threshold\": \"100ms\","
    "              \"steps\": [{\"sql\": \"SELECT 2\"}]}]}";

/* A result of k_scenario: open loop unless closed. */
static void make_result(pf_load_result *r, pf_scenario *s, bool closed)
{
    pf_error e;
    ck_assert_msg(pf_scenario_parse("bench/load/mix.json", k_scenario, s, &e) == 0, "%s", e.msg);
    pf_load_opts o;
    pf_load_opts_init(&o);
    o.mode = closed ? PF_LOAD_CLOSED : PF_LOAD_OPEN;
    o.rate = closed ? 0 : 33.3;
    o.load_factor = closed ? 0 : 10;
    o.clients = 20;
    o.duration_ms = 10000;
    pf_load_result_init(r, s, &o);
    r->clients = 20;
    r->elapsed_ms = 10000;
    r->calibration_ms = 0.5;
}

/* n samples: median around p50_ms, 1 % at p99_ms and above. */
static void fill(pf_load_flow_result *f, int n, double p50_ms, double p99_ms)
{
    for (int i = 0; i < n; i++) {
        double v = i < n * 98 / 100 ? p50_ms * (0.9 + 0.2 * i / n) : p99_ms;
        pf_hist_record(f->latency, (uint64_t)(v * MS));
        pf_hist_record(f->lag, 0);
    }
    f->started = n;
    f->completed = n;
}

/* ---- flow verdicts ---------------------------------------------------------- */

typedef struct verdict_case {
    const char *name;
    int flow;            /* 0: max_error_rate 5 %, 1: 0 */
    int n;
    double p50, p99;     /* ms */
    int errors;
    bool closed;
    bool baseline;
    double base_p50, base_p99, base_tput; /* base_tput < 0: the run's own */
    long base_n;
    bool stale;
    double base_cal;
    bool confirming;
    pf_load_status want;
    const char *message;
} verdict_case;

static const verdict_case k_verdicts[] = {
    {"fast, no baseline", 0, 500, 2, 10, 0, false, false, 0, 0, 0, 0, false, 0, false,
     PF_LOAD_NEW, "p50 2.00 ms"},
    {"p99 above half the threshold", 0, 500, 2, 60, 0, false, false, 0, 0, 0, 0, false, 0, false,
     PF_LOAD_WARN, "above half the threshold"},
    {"p99 above the threshold", 0, 500, 2, 150, 0, false, false, 0, 0, 0, 0, false, 0, false,
     PF_LOAD_FAIL, "p99 150.0 ms is critical: 150% of the 100 ms threshold"},
    {"p99 above twice the threshold", 0, 500, 2, 250, 0, false, false, 0, 0, 0, 0, false, 0,
     false, PF_LOAD_FAIL, "is emergency"},
    {"errors within the budget", 0, 100, 2, 10, 3, false, false, 0, 0, 0, 0, false, 0, false,
     PF_LOAD_NEW, "within max_error_rate"},
    {"errors above the budget", 0, 100, 2, 10, 9, false, false, 0, 0, 0, 0, false, 0, false,
     PF_LOAD_FAIL, "9 errors in 109 executions (8.26%, at most 5.00% allowed): 40001"},
    {"one error where none is allowed", 1, 100, 2, 10, 1, false, false, 0, 0, 0, 0, false, 0,
     false, PF_LOAD_FAIL, "1 errors in 101 executions"},
    {"every execution failed", 0, 0, 0, 0, 5, false, false, 0, 0, 0, 0, false, 0, false,
     PF_LOAD_ERROR, "every execution failed: 40001"},
    {"no execution", 0, 0, 0, 0, 0, false, false, 0, 0, 0, 0, false, 0, false, PF_LOAD_SKIPPED,
     "no execution"},
    {"as fast as the baseline", 0, 500, 2, 10, 0, false, true, 2, 10, -1, 500, false, 0.5, false,
     PF_LOAD_PASS, "p50 2.00 ms"},
    {"50% slower at p50 and p99: a signal, unconfirmed", 0, 500, 3, 15, 0, false, true, 2, 10, -1,
     500, false, 0.5, false, PF_LOAD_NOISY, "not confirmed by a re-run"},
    {"50% slower, confirmed by the re-run", 0, 500, 3, 15, 0, false, true, 2, 10, -1, 500, false,
     0.5, true, PF_LOAD_FAIL, "confirmed by a re-run"},
    {"slower but too few executions", 0, 50, 3, 15, 0, false, true, 2, 10, -1, 500, false, 0.5,
     true, PF_LOAD_PASS,  ", p99 "},
    {"only the p50 is slower", 0, 500, 3, 10, 0, false, true, 2, 10, -1, 500, false, 0.5, true,
     PF_LOAD_PASS,  ", p99 "},
    {"closed loop slower at the same throughput: no signal", 0, 500, 3, 15, 0, true, true, 2, 10,
     -1, 500, false, 0.5, true, PF_LOAD_PASS,  ", p99 "},
    {"closed loop slower and throughput down", 0, 500, 3, 15, 0, true, true, 2, 10, 100, 500,
     false, 0.5, true, PF_LOAD_FAIL, "confirmed"},
    {"slower, but so is the machine (calibration)", 0, 500, 3, 15, 0, false, true, 2, 10, -1, 500,
     false, 0.33, true, PF_LOAD_PASS,  ", p99 "},
    {"baseline of another scenario version", 0, 500, 3, 15, 0, false, true, 2, 10, -1, 500, true,
     0.5, true, PF_LOAD_WARN, "baseline of another scenario version"},
    {"below the 0.05 ms floor", 0, 500, 0.03, 15, 0, false, true, 0.02, 10, -1, 500, false, 0.5,
     true, PF_LOAD_PASS, "p50 0.03 ms"},
};

START_TEST(test_flow_verdicts_follow_the_rules)
{
    const verdict_case *c = &k_verdicts[_i];
    pf_scenario s;
    pf_load_result r;
    make_result(&r, &s, c->closed);
    pf_load_flow_result *f = &r.flows[c->flow];
    fill(f, c->n, c->p50, c->p99);
    if (c->errors > 0) {
        f->started += c->errors;
        f->errors = c->errors;
        pf_load_flow_add_error(f, "40001", c->errors, "could not serialize access");
    }
    pf_load_baseline b;
    memset(&b, 0, sizeof b);
    pf_load_baseline_flow bf = {(char *)f->name, c->base_n, c->base_p50, c->base_p99,
                                c->base_tput < 0 ? (double)c->n / 10.0 : c->base_tput};
    if (c->baseline) {
        b.scenario = "mix";
        b.hash = c->stale ? "0000000000000000" : r.hash;
        b.point = "x10";
        b.mode = "open";
        b.calibration_ms = c->base_cal;
        b.flows = &bf;
        b.n_flows = 1;
    }
    pf_load_verdict v;
    pf_load_judge(&r, (size_t)c->flow, c->baseline ? &b : NULL, c->confirming, &v);
    ck_assert_msg(v.status == c->want, "%s: status %s, want %s (%s)", c->name,
                  pf_load_status_name(v.status), pf_load_status_name(c->want), v.message);
    ck_assert_msg(strstr(v.message, c->message), "%s: '%s' lacks '%s'", c->name, v.message,
                  c->message);
    ck_assert_ptr_nonnull(v.details);
    pf_load_verdict_dispose(&v);
    pf_load_result_dispose(&r);
    pf_scenario_dispose(&s);
}
END_TEST

START_TEST(test_exit_code_fails_on_fail_and_error_only)
{
    pf_load_verdict v[3];
    memset(v, 0, sizeof v);
    v[0].status = PF_LOAD_PASS;
    v[1].status = PF_LOAD_NOISY;
    v[2].status = PF_LOAD_WARN;
    ck_assert_int_eq(pf_load_exit_code(v, 3), PF_EXIT_OK);
    v[1].status = PF_LOAD_ERROR;
    ck_assert_int_eq(pf_load_exit_code(v, 3), PF_EXIT_FAIL);
    v[1].status = PF_LOAD_FAIL;
    ck_assert_int_eq(pf_load_exit_code(v, 3), PF_EXIT_FAIL);
}
END_TEST

/* ---- queue drain verdicts ---------------------------------------------------- */

typedef struct drain_case {
    double drain_ms;
    int duplicates, lost;
    pf_load_status want;
    const char *message;
} drain_case;

static const drain_case k_drains[] = {
    {2000, 0, 0, PF_LOAD_PASS, "drained 1000 jobs in 2.00 s with 8 workers"},
    {6000, 0, 0, PF_LOAD_WARN, "above half the threshold"},
    {12000, 0, 0, PF_LOAD_FAIL, "critical, 120% of the 10 s threshold"},
    {2000, 1, 0, PF_LOAD_FAIL, "not exactly once: 1 duplicates"},
    {2000, 0, 3, PF_LOAD_FAIL, "3 lost"},
};

START_TEST(test_queue_drain_verdicts)
{
    const drain_case *c = &k_drains[_i];
    pf_load_result r;
    memset(&r, 0, sizeof r);
    r.scenario = "queue_drain";
    pf_drain_result d;
    memset(&d, 0, sizeof d);
    d.jobs = 1000;
    d.workers = 8;
    d.threshold_ms = 10000;
    d.drain_ms = c->drain_ms;
    d.claimed = d.completed = d.db_completed = 1000 - c->lost;
    d.duplicates = c->duplicates;
    d.lost = c->lost;
    d.claim = pf_hist_new();
    d.job = pf_hist_new();
    r.drain = &d;
    pf_load_verdict v;
    pf_load_judge(&r, 0, NULL, false, &v);
    ck_assert_msg(v.status == c->want, "case %d: %s (%s)", _i, pf_load_status_name(v.status),
                  v.message);
    ck_assert_msg(strstr(v.message, c->message), "case %d: '%s' lacks '%s'", _i, v.message,
                  c->message);
    pf_load_verdict_dispose(&v);
    pf_hist_free(d.claim);
    pf_hist_free(d.job);
}
END_TEST

/* ---- results file ---------------------------------------------------------- */

START_TEST(test_results_file_round_trips_with_histograms)
{
    pf_scenario s;
    pf_load_result r;
    make_result(&r, &s, false);
    fill(&r.flows[0], 1000, 2, 30);
    fill(&r.flows[1], 10, 1, 1);
    r.flows[1].errors = 2;
    pf_load_flow_add_error(&r.flows[1], "23505", 2, "duplicate key \"x\"");
    r.unstarted = 3;
    r.interrupted = true;
    pf_load_meta meta = {"9.9", "host=db", "2026-01-01T00:00:00Z", false, 3};
    char *js = pf_load_results_json(&meta, &r, 1, NULL);
    char *dir = pf_test_tmpdir();
    char *path = pf_test_write(dir, "r.json", js);
    pf_load_result *back = NULL;
    size_t n = 0;
    pf_error e;
    ck_assert_msg(pf_load_results_read(path, &back, &n, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(back->scenario, "mix");
    ck_assert_str_eq(back->hash, r.hash);
    ck_assert_int_eq(back->mode, PF_LOAD_OPEN);
    ck_assert_double_eq_tol(back->rate, 33.3, 1e-9);
    ck_assert_double_eq(back->load_factor, 10);
    ck_assert(back->interrupted);
    ck_assert_int_eq(back->unstarted, 3);
    ck_assert_int_eq(back->shards, 1);
    ck_assert_int_eq(back->shard_ids[0], 1);
    ck_assert_uint_eq(back->n_flows, 2);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_str_eq(back->flows[i].name, r.flows[i].name);
        ck_assert_int_eq(back->flows[i].completed, r.flows[i].completed);
        ck_assert(pf_hist_equal(back->flows[i].latency, r.flows[i].latency));
        ck_assert(pf_hist_equal(back->flows[i].lag, r.flows[i].lag));
    }
    ck_assert_str_eq(back->flows[1].errs[0].key, "23505");
    ck_assert_str_eq(back->flows[1].errs[0].example, "duplicate key \"x\"");
    /* The document says what a reader needs without the histograms. */
    ck_assert(strstr(js, "\"p99\":") && strstr(js, "\"errors_by_sqlstate\"") &&
              strstr(js, "\"point\":\t\"x10\""));
    free(js);
    pf_load_results_free(back, n);

    static const struct {
        const char *text, *expect;
    } bad[] = {
        {"not json", "bad.json:1:1: JSON syntax error"},
        {"{\"format\": 1, \"tool\": \"perfgate run\", \"scenarios\": []}",
         "not a perfgate load results file"},
        {"{\"format\": 1, \"tool\": \"perfgate load\", \"scenarios\": [{\"name\": \"x\"}]}",
         "scenarios[0]: a string is missing (file)"},
    };
    for (size_t i = 0; i < N_OF(bad); i++) {
        char *p = pf_test_write(dir, "bad.json", bad[i].text);
        ck_assert_int_lt(pf_load_results_read(p, &back, &n, &e), 0);
        ck_assert_int_eq(e.code, PF_EXIT_USAGE);
        ck_assert_msg(strstr(e.msg, "bad.json") && strstr(e.msg, bad[i].expect), "%s", e.msg);
        free(p);
    }
    pf_rmtree(dir, &e);
    free(dir);
    free(path);
    pf_load_result_dispose(&r);
    pf_scenario_dispose(&s);
}
END_TEST

/* The results file and a load baseline byte for byte (key order, number
 * formatting, indentation): tests/data/golden/load_*.json. Odd values on
 * purpose: a non-finite rate, a rate that is not a 3-decimal number, strings
 * that need escaping. PERFGATE_UPDATE_GOLDEN=1 rewrites the files (review
 * the diff). */
static void check_golden(const char *name, const char *got)
{
    char *rel = pf_asprintf("tests/data/golden/%s", name);
    char *path = pf_test_source_path(rel);
    const char *update = getenv("PERFGATE_UPDATE_GOLDEN");
    pf_error e;
    if (update && strcmp(update, "1") == 0) {
        ck_assert_msg(pf_file_write_atomic(path, got, strlen(got), &e) == 0, "%s", e.msg);
    } else {
        char *want = NULL;
        ck_assert_msg(pf_file_read(path, &want, NULL, &e) == 0,
                      "%s (run with PERFGATE_UPDATE_GOLDEN=1 to create it)", e.msg);
        if (strcmp(want, got) != 0) {
            char *copy = pf_asprintf("%s.got", path);
            pf_file_write_atomic(copy, got, strlen(got), &e);
            ck_abort_msg("%s differs from the golden file; got %s", rel, copy);
        }
        free(want);
    }
    free(path);
    free(rel);
}

START_TEST(test_results_and_baseline_files_match_their_golden_copies)
{
    pf_scenario s;
    pf_load_result r[2];
    make_result(&r[0], &s, false);
    fill(&r[0].flows[0], 1000, 2, 30);
    fill(&r[0].flows[1], 200, 1.25, 4);
    r[0].flows[1].errors = 2;
    pf_load_flow_add_error(&r[0].flows[1], "23505", 2, "duplicate key \"x\"\n\tline 2 \x01 é/ok");
    r[0].expected_rate = 100.0 / 30.0;
    r[0].late_ms = NAN;
    r[0].setup_ms = 1234.56789;
    r[0].peak_rss_kb = 40960;
    pf_load_baseline b;
    pf_error e;
    memset(&b, 0, sizeof b);
    b.scenario = "mix";
    b.hash = r[0].hash;
    b.point = "x10";
    b.mode = "open";
    b.calibration_ms = 0.5;
    pf_load_baseline_flow bf[2] = {{"view", 1000, 1.5, 10, 100}, {"strict", 200, 1, 4, 20}};
    b.flows = bf;
    b.n_flows = 2;
    pf_load_verdict v0[2];
    for (size_t i = 0; i < 2; i++)
        pf_load_judge(&r[0], i, &b, false, &v0[i]);

    memset(&r[1], 0, sizeof r[1]);
    r[1].scenario = "queue_drain";
    r[1].file = "bench/load/queue_drain.json";
    snprintf(r[1].hash, sizeof r[1].hash, "0123456789abcdef");
    r[1].load_factor = 1;
    r[1].shards = 1;
    int ids[1] = {1};
    r[1].shard_ids = ids;
    r[1].shard_index = r[1].shard_count = 1;
    pf_drain_result d;
    memset(&d, 0, sizeof d);
    d.lane = "perfgate-1";
    d.jobs = 1000;
    d.workers = 8;
    d.threshold_ms = 10000;
    d.drain_ms = 2345.6789;
    d.enqueue_ms = 12.3456;
    d.jobs_per_s = 1000 / 2.3456789;
    d.claimed = d.completed = d.db_completed = 1000;
    d.heartbeat = true;
    d.claim = pf_hist_new();
    d.job = pf_hist_new();
    pf_hist_record(d.claim, 150000);
    pf_hist_record(d.job, 2000000);
    r[1].drain = &d;
    pf_load_verdict v1[1];
    pf_load_judge(&r[1], 0, NULL, false, &v1[0]);
    pf_load_verdict *vs[2] = {v0, v1};

    pf_load_meta meta = {"9.9", "host=db", "2026-01-01T00:00:00Z", true, 1};
    char *js = pf_load_results_json(&meta, r, 2, vs);
    check_golden("load_results.json", js);
    free(js);

    char *dir = pf_test_tmpdir();
    char *path = pf_path_join(dir, "b.json");
    ck_assert_msg(pf_load_baseline_write(path, &r[0], &e) == 0, "%s", e.msg);
    char *text = NULL;
    ck_assert_int_eq(pf_file_read(path, &text, NULL, &e), 0);
    check_golden("load_baseline.json", text);
    free(text);
    pf_rmtree(dir, &e);
    free(path);
    free(dir);

    for (size_t i = 0; i < 2; i++)
        pf_load_verdict_dispose(&v0[i]);
    pf_load_verdict_dispose(&v1[0]);
    pf_hist_free(d.claim);
    pf_hist_free(d.job);
    pf_load_result_dispose(&r[0]);
    pf_scenario_dispose(&s);
}
END_TEST

/* ---- baselines ----------------------------------------------------------- */

START_TEST(test_baselines_are_named_by_load_point_and_round_trip)
{
    pf_scenario s;
    pf_load_result r;
    make_result(&r, &s, false);
    fill(&r.flows[0], 1000, 2, 30);
    char *p = pf_load_point(&r);
    ck_assert_str_eq(p, "x10");
    free(p);
    r.load_factor = 0;
    r.rate = 250;
    p = pf_load_point(&r);
    ck_assert_str_eq(p, "r250");
    free(p);
    r.mode = PF_LOAD_CLOSED;
    r.clients = 10;      /* one shard's share */
    r.clients_total = 20;
    p = pf_load_point(&r);
    ck_assert_str_eq(p, "c20");
    free(p);
    r.mode = PF_LOAD_OPEN;
    r.load_factor = 2.5;
    char *dir = pf_test_tmpdir();
    char *path = pf_load_baseline_path(dir, &r);
    ck_assert_msg(strstr(path, "/load/mix-x2.5.json"), "%s", path);
    pf_load_baseline b;
    pf_error e;
    ck_assert_int_eq(pf_load_baseline_read(path, &b, &e), 1);
    ck_assert_msg(pf_load_baseline_write(path, &r, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_load_baseline_read(path, &b, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(b.point, "x2.5");
    ck_assert_str_eq(b.hash, r.hash);
    ck_assert_uint_eq(b.n_flows, 2);
    ck_assert_str_eq(b.flows[0].name, "view");
    ck_assert_int_eq(b.flows[0].n, 1000);
    ck_assert_double_eq_tol(b.flows[0].p50_ms, ((double)pf_hist_quantile(r.flows[0].latency, .5)) / 1e6,
                            0.001);
    ck_assert_double_eq_tol(b.flows[0].throughput, 100, 0.001);
    /* Judged against itself: a pass. */
    pf_load_verdict v;
    pf_load_judge(&r, 0, &b, false, &v);
    ck_assert_int_eq(v.status, PF_LOAD_PASS);
    pf_load_verdict_dispose(&v);
    pf_load_baseline_dispose(&b);
    char *bad = pf_test_write(dir, "bad.json", "{\"format\": 1, \"scenario\": \"mix\"}");
    ck_assert_int_lt(pf_load_baseline_read(bad, &b, &e), 0);
    ck_assert_msg(strstr(e.msg, "bad.json: bad load baseline"), "%s", e.msg);
    free(bad);
    pf_rmtree(dir, &e);
    free(dir);
    free(path);
    pf_load_result_dispose(&r);
    pf_scenario_dispose(&s);
}
END_TEST

/* ---- JUnit ------------------------------------------------------------------ */

START_TEST(test_junit_has_a_testcase_per_flow_and_validates)
{
    pf_scenario s;
    pf_load_result r;
    make_result(&r, &s, false);
    fill(&r.flows[0], 500, 2, 150); /* fails its threshold */
    r.flows[1].errors = 4;
    r.flows[1].started = 4;
    pf_load_flow_add_error(&r.flows[1], "42P01", 4, "relation \"nope\" does not exist");
    pf_load_verdict *v = calloc(2, sizeof *v);
    pf_load_judge(&r, 0, NULL, false, &v[0]);
    pf_load_judge(&r, 1, NULL, false, &v[1]);
    char *dir = pf_test_tmpdir();
    char *path = pf_path_join(dir, "junit.xml");
    pf_error e;
    pf_load_verdict *const vs[1] = {v};
    ck_assert_msg(pf_load_junit_write(path, &r, 1, vs, &e) == 0, "%s", e.msg);
    char *xsd = pf_test_source_path("tests/data/junit-10.xsd");
    ck_assert_msg(pf_junit_validate(path, xsd, &e) == 0, "%s", e.msg);
    char *xml = NULL;
    pf_file_read(path, &xml, NULL, &e);
    ck_assert(strstr(xml, "<testsuite name=\"load.mix\" tests=\"2\" failures=\"1\" errors=\"1\""));
    ck_assert(strstr(xml, "classname=\"perfgate.load.mix\" name=\"view\""));
    ck_assert(strstr(xml, "type=\"threshold\""));
    ck_assert(strstr(xml, "type=\"sql-error\""));
    free(xml);
    free(xsd);
    pf_load_verdict_dispose(&v[0]);
    pf_load_verdict_dispose(&v[1]);
    free(v);
    pf_rmtree(dir, &e);
    free(dir);
    free(path);
    pf_load_result_dispose(&r);
    pf_scenario_dispose(&s);
}
END_TEST

/* ---- the CLI's refusals (no server needed) ----------------------------------- */

typedef struct cli_case {
    const char *args[8];
    int status;
    const char *err;
} cli_case;

static const cli_case k_cli[] = {
    {{"load", "--rate", "5", "--load-factor", "2", NULL}, 2, "--rate or --load-factor, not both"},
    {{"load", "--shard", "3/2", NULL}, 2, "--shard: '3/2' is not I/N"},
    {{"load", "--shard", "1", NULL}, 2, "is not I/N"},
    {{"load", "--duration", "soon", NULL}, 2, "'soon' is not a duration"},
    {{"load", "--clients", "0", NULL}, 2, "--clients: '0' is not an integer"},
    {{"load", "--init", NULL}, 2, "--init needs --dsn"},
    {{"load", "--bogus", NULL}, 2, "unknown option '--bogus'"},
    {{"load", "extra", NULL}, 2, "unexpected argument 'extra'"},
    {{"load", "--scenario", "/nonexistent/x.json", NULL}, 2, "no such scenario file"},
    {{"load", "merge", NULL}, 2, "no results files given"},
    {{"load", "merge", "/nonexistent.json", NULL}, 2, "/nonexistent.json"},
    {{"load", "--help", NULL}, 0, ""},
    {{"load", "merge", "--help", NULL}, 0, ""},
};

START_TEST(test_cli_refuses_bad_options_with_exit_2)
{
    const cli_case *c = &k_cli[_i];
    char *argv[10];
    argv[0] = (char *)pf_test_bin();
    size_t n = 0;
    while (c->args[n]) {
        argv[n + 1] = (char *)c->args[n];
        n++;
    }
    argv[n + 1] = NULL;
    char *env[] = {"PERFGATE_DSN=", NULL};
    pf_run_result r;
    pf_test_run(argv, env, NULL, &r);
    ck_assert_msg(r.status == c->status, "case %d: exit %d, want %d: %s", _i, r.status, c->status,
                  r.err);
    ck_assert_msg(strstr(r.err, c->err), "case %d: stderr '%s' lacks '%s'", _i, r.err, c->err);
    if (c->status == 0)
        ck_assert_msg(strstr(r.out, "Usage: perfgate load"), "%s", r.out);
    pf_run_result_dispose(&r);
}
END_TEST

START_TEST(test_help_says_the_scenarios_write_to_the_dsn_database)
{
    char *argv[] = {(char *)pf_test_bin(), "load", "--help", NULL};
    pf_run_result r;
    pf_test_run(argv, NULL, NULL, &r);
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strstr(r.out, "THE\n                      SCENARIOS WRITE TO IT"), "%s", r.out);
    ck_assert(strstr(r.out, "--load-factor X"));
    ck_assert(strstr(r.out, "coordinated"));
    pf_run_result_dispose(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("loadreport");
    TCase *tc = tcase_create("loadreport");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_flow_verdicts_follow_the_rules, 0, (int)N_OF(k_verdicts));
    tcase_add_test(tc, test_exit_code_fails_on_fail_and_error_only);
    tcase_add_loop_test(tc, test_queue_drain_verdicts, 0, (int)N_OF(k_drains));
    tcase_add_test(tc, test_results_file_round_trips_with_histograms);
    tcase_add_test(tc, test_results_and_baseline_files_match_their_golden_copies);
    tcase_add_test(tc, test_baselines_are_named_by_load_point_and_round_trip);
    tcase_add_test(tc, test_junit_has_a_testcase_per_flow_and_validates);
    tcase_add_loop_test(tc, test_cli_refuses_bad_options_with_exit_2, 0, (int)N_OF(k_cli));
    tcase_add_test(tc, test_help_says_the_scenarios_write_to_the_dsn_database);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
