/* perfgate load's engine without a server: the load options each scenario
 * runs with, judging against load baselines, the run loop with a fake
 * runner (confirming re-runs, failures, interruptions, partial results,
 * baseline updates, hooks), and merging the results files of shards. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "loadgate.h"
#include "testutil.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))
#define MS 1000000ull

/* 100 users every 20 s: 5 flows per second at load factor 1. */
static const char k_mix[] =
    "{\"name\": \"mix\", \"expected_load\": {\"users\": 100, \"every\": \"20s\", "
    "\"connections\": 4},"
    " \"flows\": [{\"name\": \"view\", \"threshold\": \"100ms\","
    "              \"steps\": [{\"sql\": \"SELECT 1\"}]}]}";
static const char k_other[] =
    "{\"name\": \"other\", \"expected_load\": {\"users\": 10, \"every\": \"1s\"},"
    " \"flows\": [{\"name\": \"list\", \"steps\": [{\"sql\": \"SELECT 2\"}]}]}";
static const char k_drain[] =
    "{\"name\": \"drain\", \"queue_drain\": {\"jobs\": 100, \"workers\": 4}}";

static void parse(const char *text, pf_scenario *s)
{
    pf_error e;
    ck_assert_msg(pf_scenario_parse("bench/load/test.json", text, s, &e) == 0, "%s", e.msg);
}

/* ---- the load options of a scenario ---------------------------------------- */

typedef struct opts_case {
    const char *name;
    bool clients_given, rate_given, factor_given;
    int clients;
    double rate, factor;
    pf_load_mode want_mode;
    double want_rate, want_factor;
    int want_clients;
} opts_case;

static const opts_case k_opts[] = {
    {"nothing: open loop at the expected load with the scenario's pool", false, false, false, 10,
     0, 0, PF_LOAD_OPEN, 5, 1, 4},
    {"--load-factor 10: ten times the expected rate", false, false, true, 10, 0, 10, PF_LOAD_OPEN,
     50, 10, 4},
    {"--rate 30: that rate, no load factor", false, true, false, 10, 30, 0, PF_LOAD_OPEN, 30, 0,
     4},
    {"--clients 7 alone: a closed loop of 7 users", true, false, false, 7, 0, 0, PF_LOAD_CLOSED,
     0, 0, 7},
    {"--clients 7 --rate 30: open loop with a pool of 7", true, true, false, 7, 30, 0,
     PF_LOAD_OPEN, 30, 0, 7},
    {"--clients 7 --load-factor 2: open loop with a pool of 7", true, false, true, 7, 0, 2,
     PF_LOAD_OPEN, 10, 2, 7},
};

START_TEST(test_load_options_follow_the_flags)
{
    const opts_case *c = &k_opts[_i];
    pf_scenario s;
    parse(k_mix, &s);
    pf_loadgate_opts o;
    pf_loadgate_opts_init(&o);
    o.clients_given = c->clients_given;
    o.rate_given = c->rate_given;
    o.factor_given = c->factor_given;
    o.load.clients = c->clients;
    o.load.rate = c->rate;
    o.load.load_factor = c->factor;
    pf_load_opts lo;
    pf_loadgate_load_opts(&o, &s, &lo);
    ck_assert_msg(lo.mode == c->want_mode, "%s: mode", c->name);
    if (c->want_mode == PF_LOAD_OPEN)
        ck_assert_msg(lo.rate > c->want_rate - 1e-9 && lo.rate < c->want_rate + 1e-9,
                      "%s: rate %g", c->name, lo.rate);
    ck_assert_msg(lo.load_factor == c->want_factor, "%s: factor %g", c->name, lo.load_factor);
    ck_assert_msg(lo.clients == c->want_clients, "%s: clients %d", c->name, lo.clients);
    ck_assert_ptr_null(lo.on_progress);
    pf_scenario_dispose(&s);
}
END_TEST

START_TEST(test_a_queue_drain_takes_the_load_factor_or_1)
{
    pf_scenario s;
    parse(k_drain, &s);
    pf_loadgate_opts o;
    pf_loadgate_opts_init(&o);
    pf_load_opts lo;
    pf_loadgate_load_opts(&o, &s, &lo);
    ck_assert(lo.load_factor == 1);
    o.factor_given = true;
    o.load.load_factor = 3;
    pf_loadgate_load_opts(&o, &s, &lo);
    ck_assert(lo.load_factor == 3);
    pf_scenario_dispose(&s);
}
END_TEST

/* ---- a fake runner ------------------------------------------------------------ */

typedef enum run_kind { RUN_FAST, RUN_SLOW, RUN_SLOWER, RUN_FAILS, RUN_INTERRUPTED } run_kind;

typedef struct fake {
    run_kind script[8]; /* what each call does, in order */
    int calls;
    int confirming, progress_calls, progress_ends, errors, done;
    bool complete_seen[8];
    size_t n_seen[8];
    bool failed_seen[8];
    int phases[8];
    int n_phases;
    char last_error[PF_ERROR_MSG_MAX];
    int done_fails_with; /* scenario_done returns -1 with this code when > 0 */
} fake;

static void fake_init(fake *f, run_kind first, run_kind again)
{
    memset(f, 0, sizeof *f);
    f->script[0] = first;
    f->script[1] = again;
}

/* A queue drain that processed its 100 jobs exactly once in 1 s. */
static pf_drain_result *drained(void)
{
    pf_drain_result *d = pf_calloc(1, sizeof *d);
    d->jobs = 100;
    d->workers = 4;
    d->threshold_ms = 10000;
    d->drain_ms = 1000;
    d->claimed = d->completed = d->db_completed = 100;
    d->claim = pf_hist_new();
    d->job = pf_hist_new();
    pf_hist_record(d->claim, MS);
    pf_hist_record(d->job, 500 * MS);
    return d;
}

/* 500 executions per flow; a slow run is 1.5x (2x) the fast one at p50
 * and p99: a baseline signal. */
static int fake_run(void *arg, const pf_scenario *s, const char *dsn, const pf_loadgate_opts *o,
                    const pf_load_opts *lo, pf_load_result *out, pf_error *err)
{
    (void)dsn;
    (void)o;
    fake *f = arg;
    run_kind k = f->script[f->calls++];
    pf_load_result_init(out, s, lo);
    out->clients = lo->clients;
    out->elapsed_ms = lo->duration_ms;
    out->calibration_ms = 0.5;
    if (lo->on_progress != NULL) {
        pf_load_progress p;
        memset(&p, 0, sizeof p);
        lo->on_progress(lo->arg, &p);
    }
    if (s->drain != NULL)
        out->drain = drained();
    if (k == RUN_FAILS)
        return pf_error_set(err, PF_EXIT_INFRA, "connection refused");
    double scale = k == RUN_SLOW ? 1.5 : k == RUN_SLOWER ? 2 : 1;
    for (size_t i = 0; i < out->n_flows; i++) {
        pf_load_flow_result *fl = &out->flows[i];
        for (int n = 0; n < 500; n++) {
            double ms = n < 490 ? 2 * scale * (0.9 + 0.2 * n / 500) : 10 * scale;
            pf_hist_record(fl->latency, (uint64_t)(ms * MS));
            pf_hist_record(fl->lag, 0);
        }
        fl->started = fl->completed = 500;
    }
    out->interrupted = k == RUN_INTERRUPTED;
    return 0;
}

static void hook_phase(void *arg, pf_loadgate_phase phase, const pf_loadgate_result *res)
{
    (void)res;
    fake *f = arg;
    f->phases[f->n_phases++] = (int)phase;
}

static void hook_progress(void *arg, const pf_scenario *s, const pf_load_progress *p)
{
    fake *f = arg;
    ck_assert_ptr_nonnull(s);
    if (p == NULL)
        f->progress_ends++;
    else
        f->progress_calls++;
}

static void hook_confirming(void *arg, const pf_scenario *s)
{
    (void)s;
    ((fake *)arg)->confirming++;
}

static void hook_error(void *arg, const pf_error *e)
{
    fake *f = arg;
    f->errors++;
    snprintf(f->last_error, sizeof f->last_error, "%s", e->msg);
}

static int hook_done(void *arg, const pf_loadgate_result *res, pf_error *err)
{
    fake *f = arg;
    f->complete_seen[f->done] = res->complete;
    f->n_seen[f->done] = res->n;
    f->failed_seen[f->done] = res->failed;
    f->done++;
    if (f->done_fails_with > 0)
        return pf_error_set(err, f->done_fails_with, "cannot write results.json");
    return 0;
}

static void fake_opts(pf_loadgate_opts *o, fake *f, const char *baselines)
{
    pf_loadgate_opts_init(o);
    o->baselines_dir = baselines;
    o->load.duration_ms = 10000;
    o->runner = fake_run;
    o->runner_arg = f;
    o->hooks = (pf_loadgate_hooks){hook_phase, hook_progress, hook_confirming, hook_error,
                                   hook_done, f};
}

/* Record a fast run of mix as its baseline under dir. */
static void record_fast_baseline(const char *dir, const pf_scenario *s)
{
    fake f;
    fake_init(&f, RUN_FAST, RUN_FAST);
    pf_loadgate_opts o;
    fake_opts(&o, &f, dir);
    o.update_baselines = true;
    pf_loadgate_result res;
    memset(&res, 0, sizeof res);
    pf_loadgate_run_scenarios(s, 1, "dsn", &o, &res);
    ck_assert_int_eq(res.baselines_written, 1);
    pf_loadgate_result_dispose(&res);
}

/* ---- the run loop ------------------------------------------------------------- */

START_TEST(test_update_baselines_records_each_flow_scenario)
{
    char *dir = pf_test_tmpdir();
    pf_scenario s[2];
    parse(k_mix, &s[0]);
    parse(k_drain, &s[1]);
    fake f;
    fake_init(&f, RUN_FAST, RUN_FAST);
    pf_loadgate_opts o;
    fake_opts(&o, &f, dir);
    o.update_baselines = true;
    pf_loadgate_result res;
    memset(&res, 0, sizeof res);
    pf_loadgate_run_scenarios(s, 2, "dsn", &o, &res);
    ck_assert(res.complete);
    ck_assert(res.baselines_updated);
    /* The queue drain has no load baseline. */
    ck_assert_int_eq(res.baselines_written, 1);
    ck_assert_uint_eq(res.n_baseline_errors, 0);
    char *path = pf_path_join(dir, "load/mix-x1.json");
    pf_load_baseline b;
    pf_error e;
    ck_assert_msg(pf_load_baseline_read(path, &b, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(b.point, "x1");
    ck_assert_uint_eq(b.n_flows, 1);
    pf_load_baseline_dispose(&b);
    free(path);
    pf_loadgate_result_dispose(&res);
    pf_scenario_dispose(&s[0]);
    pf_scenario_dispose(&s[1]);
    pf_rmtree(dir, &e);
    free(dir);
}
END_TEST

START_TEST(test_as_fast_as_the_baseline_passes_without_a_rerun)
{
    char *dir = pf_test_tmpdir();
    pf_scenario s;
    parse(k_mix, &s);
    record_fast_baseline(dir, &s);
    fake f;
    fake_init(&f, RUN_FAST, RUN_FAST);
    pf_loadgate_opts o;
    fake_opts(&o, &f, dir);
    pf_loadgate_result res;
    memset(&res, 0, sizeof res);
    pf_loadgate_run_scenarios(&s, 1, "dsn", &o, &res);
    ck_assert_int_eq(f.calls, 1);
    ck_assert_int_eq(f.confirming, 0);
    ck_assert_int_eq(res.verdicts[0][0].status, PF_LOAD_PASS);
    ck_assert_int_eq(res.exit_code, PF_EXIT_OK);
    ck_assert(res.complete);
    ck_assert(!res.baselines_updated);
    pf_error e;
    pf_loadgate_result_dispose(&res);
    pf_scenario_dispose(&s);
    pf_rmtree(dir, &e);
    free(dir);
}
END_TEST

typedef struct confirm_case {
    const char *name;
    run_kind first, again;
    bool no_confirm;
    int want_calls;
    pf_load_status want;
    int want_exit;
    bool want_interrupted;
} confirm_case;

static const confirm_case k_confirm[] = {
    {"slower again on the re-run: fails", RUN_SLOW, RUN_SLOWER, false, 2, PF_LOAD_FAIL,
     PF_EXIT_FAIL, false},
    {"fast on the re-run: passes", RUN_SLOW, RUN_FAST, false, 2, PF_LOAD_PASS, PF_EXIT_OK, false},
    {"--no-confirm: noisy, no re-run", RUN_SLOW, RUN_FAST, true, 1, PF_LOAD_NOISY, PF_EXIT_OK,
     false},
    {"re-run failed: the first run's signal stays noisy", RUN_SLOW, RUN_FAILS, false, 2,
     PF_LOAD_NOISY, PF_EXIT_OK, false},
    {"re-run interrupted: noisy, the run is interrupted", RUN_SLOW, RUN_INTERRUPTED, false, 2,
     PF_LOAD_NOISY, PF_EXIT_INFRA, true},
};

START_TEST(test_a_baseline_signal_is_confirmed_by_a_rerun)
{
    const confirm_case *c = &k_confirm[_i];
    char *dir = pf_test_tmpdir();
    pf_scenario s;
    parse(k_mix, &s);
    record_fast_baseline(dir, &s);
    fake f;
    fake_init(&f, c->first, c->again);
    pf_loadgate_opts o;
    fake_opts(&o, &f, dir);
    o.no_confirm = c->no_confirm;
    pf_loadgate_result res;
    memset(&res, 0, sizeof res);
    pf_loadgate_run_scenarios(&s, 1, "dsn", &o, &res);
    ck_assert_msg(f.calls == c->want_calls, "%s: %d runs", c->name, f.calls);
    ck_assert_msg(f.confirming == c->want_calls - 1, "%s: confirming hook", c->name);
    ck_assert_uint_eq(res.n, 1);
    ck_assert_msg(res.verdicts[0][0].status == c->want, "%s: %s (%s)", c->name,
                  pf_load_status_name(res.verdicts[0][0].status), res.verdicts[0][0].message);
    ck_assert_msg(res.exit_code == c->want_exit, "%s: exit %d", c->name, res.exit_code);
    ck_assert_msg(res.interrupted == c->want_interrupted, "%s: interrupted", c->name);
    ck_assert(res.complete == !c->want_interrupted);
    ck_assert_int_eq(f.done, 1);
    ck_assert_int_eq(f.errors, 0);
    if (c->want == PF_LOAD_FAIL) {
        /* The verdict is the re-run's: 2x slower, not the first run's 1.5x. */
        ck_assert_msg(res.verdicts[0][0].p50_ratio > 1.8, "ratio %g",
                      res.verdicts[0][0].p50_ratio);
    }
    pf_error e;
    pf_loadgate_result_dispose(&res);
    pf_scenario_dispose(&s);
    pf_rmtree(dir, &e);
    free(dir);
}
END_TEST

START_TEST(test_a_scenario_that_cannot_run_stops_the_run_and_is_reported)
{
    pf_scenario s[2];
    parse(k_mix, &s[0]);
    parse(k_other, &s[1]);
    fake f;
    fake_init(&f, RUN_FAILS, RUN_FAST);
    pf_loadgate_opts o;
    fake_opts(&o, &f, NULL);
    o.update_baselines = true;
    pf_loadgate_result res;
    memset(&res, 0, sizeof res);
    pf_loadgate_run_scenarios(s, 2, "dsn", &o, &res);
    ck_assert_int_eq(f.calls, 1);
    ck_assert_int_eq(f.errors, 1);
    ck_assert_str_eq(f.last_error, "mix: connection refused");
    ck_assert(res.failed);
    ck_assert(!res.complete);
    ck_assert_int_eq(res.exit_code, PF_EXIT_INFRA);
    /* Its partial result is part of the results, judged. */
    ck_assert_uint_eq(res.n, 1);
    ck_assert_ptr_nonnull(res.verdicts[0]);
    ck_assert_int_eq(f.done, 1);
    ck_assert(f.failed_seen[0]);
    ck_assert(!f.complete_seen[0]);
    ck_assert(!res.baselines_updated);
    pf_loadgate_result_dispose(&res);
    pf_scenario_dispose(&s[0]);
    pf_scenario_dispose(&s[1]);
}
END_TEST

START_TEST(test_a_bad_baseline_file_stops_the_run_before_reporting_it)
{
    char *dir = pf_test_tmpdir();
    char *load = pf_path_join(dir, "load");
    pf_error e;
    ck_assert_int_eq(pf_mkdirs(load, 0755, &e), 0);
    char *path = pf_test_write(load, "mix-x1.json", "{ not json");
    pf_scenario s;
    parse(k_mix, &s);
    fake f;
    fake_init(&f, RUN_FAST, RUN_FAST);
    pf_loadgate_opts o;
    fake_opts(&o, &f, dir);
    pf_loadgate_result res;
    memset(&res, 0, sizeof res);
    pf_loadgate_run_scenarios(&s, 1, "dsn", &o, &res);
    ck_assert_int_eq(f.errors, 1);
    ck_assert_msg(strstr(f.last_error, "mix-x1.json") != NULL, "%s", f.last_error);
    ck_assert_uint_eq(res.n, 0);
    ck_assert_int_eq(f.done, 0);
    ck_assert_int_eq(res.exit_code, PF_EXIT_USAGE);
    pf_loadgate_result_dispose(&res);
    pf_scenario_dispose(&s);
    free(path);
    free(load);
    pf_rmtree(dir, &e);
    free(dir);
}
END_TEST

START_TEST(test_partial_results_are_complete_only_after_the_last_scenario)
{
    pf_scenario s[2];
    parse(k_mix, &s[0]);
    parse(k_other, &s[1]);
    fake f;
    fake_init(&f, RUN_FAST, RUN_FAST);
    pf_loadgate_opts o;
    fake_opts(&o, &f, NULL);
    pf_loadgate_result res;
    memset(&res, 0, sizeof res);
    pf_loadgate_run_scenarios(s, 2, "dsn", &o, &res);
    ck_assert_int_eq(f.done, 2);
    ck_assert_uint_eq(f.n_seen[0], 1);
    ck_assert(!f.complete_seen[0]);
    ck_assert_uint_eq(f.n_seen[1], 2);
    ck_assert(f.complete_seen[1]);
    ck_assert(res.complete);
    ck_assert_int_eq(res.exit_code, PF_EXIT_OK);
    /* Phases and progress: the load phase around the runs, a progress end
     * after every flow run. */
    ck_assert_int_eq(f.n_phases, 2);
    ck_assert_int_eq(f.phases[0], PF_LOADGATE_LOAD);
    ck_assert_int_eq(f.phases[1], PF_LOADGATE_LOAD_END);
    ck_assert_int_eq(f.progress_calls, 2);
    ck_assert_int_eq(f.progress_ends, 2);
    pf_loadgate_result_dispose(&res);
    pf_scenario_dispose(&s[0]);
    pf_scenario_dispose(&s[1]);
}
END_TEST

START_TEST(test_a_failing_scenario_done_hook_stops_the_run)
{
    char *dir = pf_test_tmpdir();
    pf_scenario s[2];
    parse(k_mix, &s[0]);
    parse(k_other, &s[1]);
    fake f;
    fake_init(&f, RUN_FAST, RUN_FAST);
    f.done_fails_with = PF_EXIT_INFRA;
    pf_loadgate_opts o;
    fake_opts(&o, &f, dir);
    o.update_baselines = true;
    pf_loadgate_result res;
    memset(&res, 0, sizeof res);
    pf_loadgate_run_scenarios(s, 2, "dsn", &o, &res);
    ck_assert_int_eq(f.calls, 1);
    ck_assert_int_eq(f.errors, 1);
    ck_assert_str_eq(f.last_error, "cannot write results.json");
    ck_assert_int_eq(res.exit_code, PF_EXIT_INFRA);
    ck_assert(!res.baselines_updated);
    pf_error e;
    pf_loadgate_result_dispose(&res);
    pf_scenario_dispose(&s[0]);
    pf_scenario_dispose(&s[1]);
    pf_rmtree(dir, &e);
    free(dir);
}
END_TEST

START_TEST(test_an_interrupted_run_stops_and_records_no_baseline)
{
    char *dir = pf_test_tmpdir();
    pf_scenario s[2];
    parse(k_mix, &s[0]);
    parse(k_other, &s[1]);
    fake f;
    fake_init(&f, RUN_INTERRUPTED, RUN_FAST);
    pf_loadgate_opts o;
    fake_opts(&o, &f, dir);
    o.update_baselines = true;
    pf_loadgate_result res;
    memset(&res, 0, sizeof res);
    pf_loadgate_run_scenarios(s, 2, "dsn", &o, &res);
    ck_assert_int_eq(f.calls, 1);
    ck_assert(res.interrupted);
    ck_assert(!res.complete);
    ck_assert_int_eq(res.exit_code, PF_EXIT_INFRA);
    ck_assert_uint_eq(res.n, 1);
    ck_assert(!res.baselines_updated);
    char *path = pf_path_join(dir, "load/mix-x1.json");
    ck_assert(!pf_path_exists(path));
    free(path);
    pf_error e;
    pf_loadgate_result_dispose(&res);
    pf_scenario_dispose(&s[0]);
    pf_scenario_dispose(&s[1]);
    pf_rmtree(dir, &e);
    free(dir);
}
END_TEST

START_TEST(test_a_flow_over_its_threshold_fails_the_run)
{
    static const char k_strict[] =
        "{\"name\": \"strict\", \"expected_load\": {\"users\": 1, \"every\": \"1s\"},"
        " \"flows\": [{\"name\": \"view\", \"threshold\": \"5ms\","
        "              \"steps\": [{\"sql\": \"SELECT 1\"}]}]}";
    pf_scenario s;
    parse(k_strict, &s);
    fake f;
    fake_init(&f, RUN_FAST, RUN_FAST);
    pf_loadgate_opts o;
    fake_opts(&o, &f, NULL);
    pf_loadgate_result res;
    memset(&res, 0, sizeof res);
    pf_loadgate_run_scenarios(&s, 1, "dsn", &o, &res);
    ck_assert_int_eq(res.verdicts[0][0].status, PF_LOAD_FAIL);
    ck_assert_int_eq(res.exit_code, PF_EXIT_FAIL);
    ck_assert(res.complete);
    pf_loadgate_result_dispose(&res);
    pf_scenario_dispose(&s);
}
END_TEST

/* ---- judging ------------------------------------------------------------------ */

START_TEST(test_judging_without_baselines_gives_new_and_a_drain_verdict)
{
    pf_scenario s;
    parse(k_mix, &s);
    pf_load_opts lo;
    pf_load_opts_init(&lo);
    pf_load_result r;
    pf_load_result_init(&r, &s, &lo);
    pf_hist_record(r.flows[0].latency, 2 * MS);
    r.flows[0].started = r.flows[0].completed = 1;
    r.elapsed_ms = 1000;
    pf_load_verdict *v = NULL;
    pf_error e;
    ck_assert_int_eq(pf_loadgate_judge(&r, NULL, false, &v, &e), 0);
    ck_assert_uint_eq(pf_loadgate_n_verdicts(&r), 1);
    ck_assert_int_eq(v[0].status, PF_LOAD_NEW);
    pf_loadgate_verdicts_free(v, &r);
    /* A drain adds its verdict after the flows'. */
    r.drain = drained();
    ck_assert_uint_eq(pf_loadgate_n_verdicts(&r), 2);
    ck_assert_int_eq(pf_loadgate_judge(&r, "/nonexistent", false, &v, &e), 0);
    ck_assert_ptr_nonnull(v[1].message);
    pf_loadgate_verdicts_free(v, &r);
    pf_load_result_dispose(&r);
    pf_scenario_dispose(&s);
}
END_TEST

/* ---- merge -------------------------------------------------------------------- */

/* Shard i of n of a fast run of k_mix, as a results file in dir. */
static char *write_shard(const char *dir, int i, int n, bool interrupted)
{
    pf_scenario s;
    parse(k_mix, &s);
    pf_load_opts lo;
    pf_load_opts_init(&lo);
    lo.mode = PF_LOAD_OPEN;
    lo.rate = 5;
    lo.load_factor = 1;
    lo.shard_index = i;
    lo.shard_count = n;
    fake f;
    fake_init(&f, RUN_FAST, RUN_FAST);
    pf_loadgate_opts o;
    pf_loadgate_opts_init(&o);
    pf_load_result r;
    pf_error e;
    ck_assert_int_eq(fake_run(&f, &s, "dsn", &o, &lo, &r, &e), 0);
    r.interrupted = interrupted;
    pf_load_meta meta = {"test", "dsn", "2026-01-01T00:00:00Z", true, 0};
    char *js = pf_load_results_json(&meta, &r, 1, NULL);
    char name[32];
    snprintf(name, sizeof name, "shard%d.json", i);
    char *path = pf_test_write(dir, name, js);
    free(js);
    pf_load_result_dispose(&r);
    pf_scenario_dispose(&s);
    return path;
}

START_TEST(test_merge_combines_shards_and_judges_them)
{
    char *dir = pf_test_tmpdir();
    char *files[2] = {write_shard(dir, 1, 2, false), write_shard(dir, 2, 2, false)};
    pf_loadgate_result res;
    pf_error e;
    ck_assert_msg(pf_loadgate_merge((const char *const *)files, 2, NULL, false, &res, &e) == 0,
                  "%s", e.msg);
    ck_assert_uint_eq(res.n, 1);
    ck_assert_int_eq(res.results[0].shards, 2);
    ck_assert_int_eq(res.results[0].flows[0].completed, 1000);
    ck_assert(res.complete);
    ck_assert_int_eq(res.exit_code, PF_EXIT_OK);
    ck_assert_int_eq(res.verdicts[0][0].status, PF_LOAD_NEW);
    pf_loadgate_result_dispose(&res);
    free(files[0]);
    free(files[1]);
    pf_rmtree(dir, &e);
    free(dir);
}
END_TEST

START_TEST(test_merge_refuses_a_missing_shard_unless_partial)
{
    char *dir = pf_test_tmpdir();
    char *files[1] = {write_shard(dir, 1, 2, false)};
    pf_loadgate_result res;
    pf_error e;
    ck_assert_int_eq(pf_loadgate_merge((const char *const *)files, 1, NULL, false, &res, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_str_eq(e.msg, "mix: 1 of 2 shards (use --allow-partial to merge anyway)");
    pf_loadgate_result_dispose(&res);
    ck_assert_int_eq(pf_loadgate_merge((const char *const *)files, 1, NULL, true, &res, &e), 0);
    ck_assert(!res.complete);
    ck_assert_ptr_nonnull(res.verdicts[0]);
    pf_loadgate_result_dispose(&res);
    free(files[0]);
    pf_rmtree(dir, &e);
    free(dir);
}
END_TEST

START_TEST(test_merge_refuses_an_interrupted_shard_and_a_shard_twice)
{
    char *dir = pf_test_tmpdir();
    char *files[2] = {write_shard(dir, 1, 1, true), NULL};
    pf_loadgate_result res;
    pf_error e;
    ck_assert_int_eq(pf_loadgate_merge((const char *const *)files, 1, NULL, false, &res, &e), -1);
    ck_assert_msg(strstr(e.msg, "one of them interrupted") != NULL, "%s", e.msg);
    pf_loadgate_result_dispose(&res);
    free(files[0]);
    files[0] = write_shard(dir, 1, 2, false);
    files[1] = files[0];
    ck_assert_int_eq(pf_loadgate_merge((const char *const *)files, 2, NULL, false, &res, &e), -1);
    ck_assert_msg(strstr(e.msg, "shard1.json: scenario mix: shard 1/2 is in the input twice") !=
                      NULL,
                  "%s", e.msg);
    pf_loadgate_result_dispose(&res);
    free(files[0]);
    pf_rmtree(dir, &e);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("loadgate");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_load_options_follow_the_flags, 0, (int)N_OF(k_opts));
    tcase_add_test(tc, test_a_queue_drain_takes_the_load_factor_or_1);
    tcase_add_test(tc, test_update_baselines_records_each_flow_scenario);
    tcase_add_test(tc, test_as_fast_as_the_baseline_passes_without_a_rerun);
    tcase_add_loop_test(tc, test_a_baseline_signal_is_confirmed_by_a_rerun, 0,
                        (int)N_OF(k_confirm));
    tcase_add_test(tc, test_a_scenario_that_cannot_run_stops_the_run_and_is_reported);
    tcase_add_test(tc, test_a_bad_baseline_file_stops_the_run_before_reporting_it);
    tcase_add_test(tc, test_partial_results_are_complete_only_after_the_last_scenario);
    tcase_add_test(tc, test_a_failing_scenario_done_hook_stops_the_run);
    tcase_add_test(tc, test_an_interrupted_run_stops_and_records_no_baseline);
    tcase_add_test(tc, test_a_flow_over_its_threshold_fails_the_run);
    tcase_add_test(tc, test_judging_without_baselines_gives_new_and_a_drain_verdict);
    tcase_add_test(tc, test_merge_combines_shards_and_judges_them);
    tcase_add_test(tc, test_merge_refuses_a_missing_shard_unless_partial);
    tcase_add_test(tc, test_merge_refuses_an_interrupted_shard_and_a_shard_twice);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
