/* perfgate load against a real server: one disposable cluster for the
 * suite, holding the healthcare schema and data (scale 0.1) plus a small
 * table kv for engine tests.
 *
 *  - closed loop: exactly the requested executions, the same flow mix
 *    every time (deterministic), no lag;
 *  - open loop with an injected stall (a lock held by the test): the stall
 *    is in the latency of the flows scheduled during it, not only of the
 *    few in flight (no coordinated omission), their lag is reported and
 *    they are counted late;
 *  - serialization failures are retried and counted, errors classified by
 *    SQLSTATE; captures and multi-statement transactions;
 *  - the queue drain with several workers processes every job exactly once;
 *  - shards 1/2 + 2/2 run exactly the executions of the single run, and
 *    merging them is exact: the merged histogram is the bucket-wise sum of
 *    the shards' (which is what "merge equals single run" can mean for
 *    timings: the same samples, added without loss);
 *  - the CLI: shipped scenarios at 1x on the embedded default and at 10x
 *    against --dsn, `load merge`, and SIGINT leaving a valid partial JSON
 *    with exit status 3. */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cluster.h"
#include "db.h"
#include "fsutil.h"
#include "junit.h"
#include "load.h"
#include "loadreport.h"
#include "prepare.h"
#include "queue.h"
#include "scenario.h"
#include "testutil.h"
#include "timeutil.h"

static pf_cluster *g_cluster;
static char *g_dsn; /* database "app": healthcare schema + data at scale 0.1, and kv */
static char *g_tmp;

static void start_shared(void)
{
    pf_error e;
    pf_error_clear(&e);
    if (pf_cluster_start(&g_cluster, NULL, &e) < 0) {
        fprintf(stderr, "cluster start failed: %s\n", e.msg);
        abort();
    }
    pf_db *admin = NULL;
    if (pf_db_connect(&admin, pf_cluster_dsn(g_cluster), &e) < 0 ||
        pf_db_exec(admin, "CREATE DATABASE app", &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        abort();
    }
    pf_db_close(admin);
    g_dsn = pf_db_dsn_with_dbname(pf_cluster_dsn(g_cluster), "app");
    char *schema = pf_test_source_path("fixtures/schema");
    char *dataset = pf_test_source_path("fixtures/datasets/healthcare.json");
    pf_db *db = NULL;
    pf_prepare_opts po;
    pf_prepare_opts_init(&po);
    po.schema_dir = schema;
    po.dataset_path = dataset;
    po.scale = 0.1;
    pf_prepare_result pr;
    if (pf_prepare_run(g_dsn, &po, &pr, &e) < 0 || pf_db_connect(&db, g_dsn, &e) < 0 ||
        pf_db_exec(db,
                   "CREATE TABLE kv (id int PRIMARY KEY, v int NOT NULL);"
                   "INSERT INTO kv SELECT i, 0 FROM generate_series(1, 1000) i;"
                   "CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                   "  note text NOT NULL);"
                   "ANALYZE kv",
                   &e) < 0) {
        fprintf(stderr, "set-up failed: %s\n", e.msg);
        abort();
    }
    pf_prepare_result_dispose(&pr);
    pf_db_close(db);
    free(schema);
    free(dataset);
    g_tmp = pf_test_tmpdir();
}

static void stop_shared(void)
{
    pf_cluster_free(g_cluster);
    g_cluster = NULL;
    free(g_dsn);
    pf_error e;
    pf_rmtree(g_tmp, &e);
    free(g_tmp);
}

/* ------------------------------------------------------------- helpers */

static void parse_scenario(const char *text, pf_scenario *s)
{
    pf_error e;
    ck_assert_msg(pf_scenario_parse("test.json", text, s, &e) == 0, "%s", e.msg);
}

static const pf_load_flow_result *flow(const pf_load_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_flows; i++)
        if (strcmp(r->flows[i].name, name) == 0)
            return &r->flows[i];
    ck_abort_msg("no flow %s", name);
    return NULL;
}

static char *query_value(const char *sql)
{
    pf_db *db = NULL;
    pf_error e;
    ck_assert_msg(pf_db_connect(&db, g_dsn, &e) == 0, "%s", e.msg);
    char *v = NULL;
    ck_assert_msg(pf_db_query_value(db, sql, &v, &e) == 0, "%s", e.msg);
    pf_db_close(db);
    return v;
}

static const char k_kv[] =
    "{\"name\": \"kv\", \"expected_load\": {\"users\": 100, \"every\": \"1s\", \"connections\": 4},"
    " \"flows\": ["
    "  {\"name\": \"read\", \"weight\": 3, \"random\": {\"k\": [1, 1000]}, \"threshold\": \"100ms\","
    "   \"steps\": [{\"sql\": \"SELECT v FROM kv WHERE id = :k\"}]},"
    "  {\"name\": \"read_as_anon\", \"weight\": 1, \"identity\": \"anon\","
    "   \"steps\": [{\"sql\": \"SELECT current_user, current_setting('request.jwt.claims')\"}]}"
    "]}";

/* ---------------------------------------------------------- closed loop */

START_TEST(test_closed_loop_runs_exactly_the_requested_executions_deterministically)
{
    pf_scenario s;
    parse_scenario(k_kv, &s);
    pf_load_opts o;
    pf_load_opts_init(&o);
    o.clients = 6;
    o.threads = 2;
    o.duration_ms = 0;
    o.transactions = 3000;
    o.seed = 7;
    pf_load_result a, b;
    pf_error e;
    ck_assert_msg(pf_load_run(&s, g_dsn, &o, &a, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_load_run(&s, g_dsn, &o, &b, &e) == 0, "%s", e.msg);
    pf_load_flow_result ta, tb;
    pf_load_result_totals(&a, &ta);
    pf_load_result_totals(&b, &tb);
    ck_assert_int_eq(ta.started, 3000);
    ck_assert_int_eq(ta.completed, 3000);
    ck_assert_int_eq(ta.errors, 0);
    ck_assert_int_eq(ta.incomplete, 0);
    ck_assert_uint_eq(pf_hist_count(ta.latency), 3000);
    /* Closed loop: there is no schedule to lag behind. */
    ck_assert_uint_eq(pf_hist_max(ta.lag), 0);
    /* The same seed runs the same mix (weights 3:1, so about 2,250:750). */
    ck_assert_int_eq(flow(&a, "read")->completed, flow(&b, "read")->completed);
    ck_assert_int_eq(flow(&a, "read_as_anon")->completed, flow(&b, "read_as_anon")->completed);
    ck_assert(llabs(flow(&a, "read")->completed - 2250) < 150);
    ck_assert_int_eq(a.clients, 6);
    ck_assert_int_eq(a.threads, 2);
    ck_assert(a.calibration_ms > 0);
    ck_assert(a.peak_rss_kb > 0);
    pf_load_flow_result_dispose(&ta);
    pf_load_flow_result_dispose(&tb);
    pf_load_result_dispose(&a);
    pf_load_result_dispose(&b);
    pf_scenario_dispose(&s);
}
END_TEST

/* ------------------------------------------------- open loop and a stall */

typedef struct stall {
    double after_ms, hold_ms;
} stall;

/* Hold an exclusive lock on kv: every read of it waits. */
static void *hold_lock(void *arg)
{
    const stall *st = arg;
    pf_db *db = NULL;
    pf_error e;
    pf_sleep_ms(st->after_ms);
    if (pf_db_connect(&db, g_dsn, &e) < 0)
        return NULL;
    pf_db_exec(db, "BEGIN; LOCK TABLE kv IN ACCESS EXCLUSIVE MODE", &e);
    pf_sleep_ms(st->hold_ms);
    pf_db_exec(db, "COMMIT", &e);
    pf_db_close(db);
    return NULL;
}

START_TEST(test_open_loop_latency_counts_a_server_stall_from_the_scheduled_start)
{
    pf_scenario s;
    parse_scenario(k_kv, &s);
    pf_load_opts o;
    pf_load_opts_init(&o);
    o.mode = PF_LOAD_OPEN;
    o.rate = 200;
    o.clients = 4;
    o.threads = 2;
    o.duration_ms = 3500;
    o.late_ms = 100;
    stall st = {1000, 1000};
    pthread_t tid;
    pthread_create(&tid, NULL, hold_lock, &st);
    pf_load_result r;
    pf_error e;
    int rc = pf_load_run(&s, g_dsn, &o, &r, &e);
    pthread_join(tid, NULL);
    ck_assert_msg(rc == 0, "%s", e.msg);
    const pf_load_flow_result *f = flow(&r, "read");
    /* About 150 reads of kv are scheduled during the one-second stall, but
     * only 4 connections can be inside the server: measuring from the send
     * would show at most 4 slow reads. From the scheduled start, every
     * read scheduled during the stall waited for its remaining part. */
    uint64_t half = 400000000; /* 0.4 s */
    uint64_t slow = pf_hist_count_above(f->latency, half);
    ck_assert_msg(slow >= 40, "only %llu reads above 0.4 s", (unsigned long long)slow);
    ck_assert_msg(pf_hist_max(f->latency) >= 850000000ull, "max %llu ns",
                  (unsigned long long)pf_hist_max(f->latency));
    /* The waiting is reported as schedule lag, and those flows are late. */
    ck_assert_msg(pf_hist_count_above(f->lag, half) >= 30, "lag above 0.4 s: %llu",
                  (unsigned long long)pf_hist_count_above(f->lag, half));
    ck_assert_msg(f->late >= 60, "late %lld", (long long)f->late);
    ck_assert_int_eq(f->errors, 0);
    /* The schedule was kept: about 200 flows per second in total. */
    pf_load_flow_result t;
    pf_load_result_totals(&r, &t);
    ck_assert_msg(t.completed > 500 && t.completed < 900, "completed %lld",
                  (long long)t.completed);
    ck_assert_int_eq(r.unstarted, 0);
    /* The 100 ms threshold is broken: the verdict fails. */
    pf_load_verdict v;
    pf_load_judge(&r, 0, NULL, false, &v);
    ck_assert_int_eq(v.status, PF_LOAD_FAIL);
    ck_assert_msg(strstr(v.message, "threshold"), "%s", v.message);
    pf_load_verdict_dispose(&v);
    pf_load_flow_result_dispose(&t);
    pf_load_result_dispose(&r);
    pf_scenario_dispose(&s);
}
END_TEST

/* ------------------------------------------- retries, errors, captures */

START_TEST(test_serialization_failures_are_retried_and_errors_classified)
{
    /* REPEATABLE READ updates of one hot row: concurrent updates fail with
     * 40001 and are retried; a division by zero is an error (22012). */
    static const char k_text[] =
        "{\"name\": \"hot\", \"expected_load\": {\"users\": 1, \"every\": \"1s\"},"
        " \"flows\": ["
        "  {\"name\": \"bump\", \"weight\": 9, \"max_error_rate\": 1, \"steps\": [{\"sql\": ["
        "     \"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ\","
        "     \"SELECT v FROM kv WHERE id = 1\","
        "     \"SELECT pg_sleep(0.001)\","
        "     \"UPDATE kv SET v = v + 1 WHERE id = 1\"]}]},"
        "  {\"name\": \"broken\", \"weight\": 1, \"steps\": [{\"sql\": \"SELECT 1 / 0\"}]}"
        "]}";
    pf_scenario s;
    parse_scenario(k_text, &s);
    pf_load_opts o;
    pf_load_opts_init(&o);
    o.clients = 6;
    o.threads = 2;
    o.duration_ms = 0;
    o.transactions = 600;
    o.max_tries = 20;
    char *before = query_value("SELECT v FROM kv WHERE id = 1");
    pf_load_result r;
    pf_error e;
    ck_assert_msg(pf_load_run(&s, g_dsn, &o, &r, &e) == 0, "%s", e.msg);
    char *after = query_value("SELECT v FROM kv WHERE id = 1");
    const pf_load_flow_result *bump = flow(&r, "bump"), *broken = flow(&r, "broken");
    ck_assert_msg(bump->retries > 0, "no retries");
    /* Every completed bump committed exactly one increment. */
    ck_assert_int_eq(atoll(after) - atoll(before), bump->completed);
    for (size_t k = 0; k < bump->n_errs; k++)
        ck_assert_str_eq(bump->errs[k].key, "40001");
    ck_assert_int_eq(broken->completed, 0);
    ck_assert_int_gt(broken->errors, 0);
    ck_assert_str_eq(broken->errs[0].key, "22012");
    ck_assert_msg(strstr(broken->errs[0].example, "division by zero"), "%s",
                  broken->errs[0].example);
    ck_assert_int_eq(bump->completed + bump->errors + broken->errors, 600);
    pf_load_verdict v;
    pf_load_judge(&r, 1, NULL, false, &v);
    ck_assert_int_eq(v.status, PF_LOAD_ERROR);
    pf_load_verdict_dispose(&v);
    free(before);
    free(after);
    pf_load_result_dispose(&r);
    pf_scenario_dispose(&s);
}
END_TEST

START_TEST(test_captures_flow_between_statements_and_steps)
{
    /* Insert, capture the id, use it in the same transaction and in the
     * next steps; a capture with on_empty "end" ends the flow early. */
    static const char k_text[] =
        "{\"name\": \"cap\", \"expected_load\": {\"users\": 1, \"every\": \"1s\"},"
        " \"flows\": ["
        "  {\"name\": \"note\", \"steps\": ["
        "     {\"sql\": [{\"sql\": \"INSERT INTO notes (note) VALUES ('c' || :client_id || '-' || "
        ":iteration) RETURNING id AS note_id\", \"capture\": [\"note_id\"]},"
        "               \"UPDATE notes SET note = note || '+' WHERE id = :note_id\"]},"
        "     {\"sql\": \"SELECT note AS text FROM notes WHERE id = :note_id\", \"capture\": "
        "[\"text\"]},"
        "     {\"sql\": \"UPDATE notes SET note = :text || '!' WHERE id = :note_id\"},"
        "     {\"sql\": \"SELECT id FROM notes WHERE false\", \"capture\": [\"id\"], "
        "\"on_empty\": \"end\"},"
        "     {\"sql\": \"SELECT 1 / 0\"}"
        "  ]}"
        "]}";
    pf_scenario s;
    parse_scenario(k_text, &s);
    pf_load_opts o;
    pf_load_opts_init(&o);
    o.clients = 3;
    o.threads = 1;
    o.duration_ms = 0;
    o.transactions = 90;
    pf_load_result r;
    pf_error e;
    ck_assert_msg(pf_load_run(&s, g_dsn, &o, &r, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(r.flows[0].completed, 90);
    ck_assert_int_eq(r.flows[0].errors, 0);
    char *n = query_value("SELECT count(*) FROM notes WHERE note ~ '^cs1-t0-c[0-2]-[0-9]+\\+!$'");
    ck_assert_str_eq(n, "90");
    free(n);
    pf_load_result_dispose(&r);
    pf_scenario_dispose(&s);
}
END_TEST

/* ------------------------------------------------------------ queue drain */

START_TEST(test_queue_drain_processes_every_job_exactly_once)
{
    pf_drain_spec spec = {2000, 6, "document_processing", 0, true, 10000};
    pf_drain_opts o = {1, 0, 1, 1, true};
    pf_drain_result d;
    pf_error e;
    ck_assert_msg(pf_queue_drain(&spec, g_dsn, &o, &d, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(d.jobs, 2000);
    ck_assert_int_eq(d.workers, 6);
    ck_assert_int_eq(d.claimed, 2000);
    ck_assert_int_eq(d.completed, 2000);
    ck_assert_int_eq(d.heartbeats_ok, 2000);
    ck_assert_int_eq(d.duplicates, 0);
    ck_assert_int_eq(d.lost, 0);
    ck_assert_int_eq(d.foreign, 0);
    ck_assert_int_eq(d.db_completed, 2000);
    ck_assert(pf_drain_exactly_once(&d));
    ck_assert_uint_eq(pf_hist_count(d.claim), 2000);
    ck_assert_uint_eq(pf_hist_count(d.job), 2000);
    ck_assert(d.drain_ms > 0 && d.jobs_per_s > 0);
    /* The database agrees, and the work was shared. */
    char *sql = pf_asprintf("SELECT count(DISTINCT id)::text || ' ' || count(DISTINCT worker_id) "
                            "FROM job_queue WHERE lane = '%s' AND status = 'completed'",
                            d.lane);
    char *v = query_value(sql);
    int ids = 0, workers = 0;
    sscanf(v, "%d %d", &ids, &workers);
    ck_assert_int_eq(ids, 2000);
    ck_assert_int_ge(workers, 2);
    free(v);
    free(sql);
    sql = pf_asprintf("DELETE FROM job_queue WHERE lane = '%s'", d.lane);
    free(query_value(sql));
    free(sql);
    pf_drain_result_dispose(&d);
}
END_TEST

/* --------------------------------------------------------- shards, merge */

START_TEST(test_shards_run_the_single_runs_executions_and_merge_exactly)
{
    pf_scenario s;
    parse_scenario(k_kv, &s);
    pf_load_opts o;
    pf_load_opts_init(&o);
    o.clients = 4;
    o.threads = 2;
    o.duration_ms = 0;
    o.transactions = 2000;
    o.seed = 11;
    pf_load_result one, sh[2];
    pf_error e;
    ck_assert_msg(pf_load_run(&s, g_dsn, &o, &one, &e) == 0, "%s", e.msg);
    for (int i = 0; i < 2; i++) {
        o.shard_index = i + 1;
        o.shard_count = 2;
        o.threads = i + 1; /* the split does not depend on threads */
        ck_assert_msg(pf_load_run(&s, g_dsn, &o, &sh[i], &e) == 0, "%s", e.msg);
        ck_assert_int_eq(sh[i].clients, 2);
    }
    /* Written and read back, as `perfgate load merge` does. */
    pf_load_meta meta = {"test", "here", "now", true, 0};
    char *paths[2];
    pf_load_result *back[2];
    for (int i = 0; i < 2; i++) {
        char *js = pf_load_results_json(&meta, &sh[i], 1, NULL);
        char name[32];
        snprintf(name, sizeof name, "shard%d.json", i + 1);
        paths[i] = pf_test_write(g_tmp, name, js);
        free(js);
        size_t n = 0;
        ck_assert_msg(pf_load_results_read(paths[i], &back[i], &n, &e) == 0, "%s", e.msg);
        ck_assert_uint_eq(n, 1);
        for (size_t f = 0; f < sh[i].n_flows; f++)
            ck_assert(pf_hist_equal(back[i][0].flows[f].latency, sh[i].flows[f].latency));
    }
    ck_assert_msg(pf_load_result_merge(&back[0][0], &back[1][0], &e) == 0, "%s", e.msg);
    pf_load_result *m = &back[0][0];
    ck_assert_int_eq(m->shards, 2);
    ck_assert_int_eq(m->clients, 4);
    for (size_t f = 0; f < one.n_flows; f++) {
        /* Exactly the single run's executions. */
        ck_assert_int_eq(m->flows[f].completed, one.flows[f].completed);
        ck_assert_int_eq(sh[0].flows[f].completed + sh[1].flows[f].completed,
                         one.flows[f].completed);
        /* The merged histogram is the shards' samples together. */
        pf_hist *sum = pf_hist_clone(sh[0].flows[f].latency);
        pf_hist_merge(sum, sh[1].flows[f].latency);
        ck_assert(pf_hist_equal(sum, m->flows[f].latency));
        ck_assert_uint_eq(pf_hist_count(m->flows[f].latency), (uint64_t)one.flows[f].completed);
        pf_hist_free(sum);
    }
    /* The same shard twice, or another seed, is refused. */
    pf_load_result *again = NULL;
    size_t n = 0;
    ck_assert(pf_load_results_read(paths[1], &again, &n, &e) == 0);
    ck_assert_int_lt(pf_load_result_merge(m, &again[0], &e), 0);
    ck_assert_msg(strstr(e.msg, "shard 2/2 is in the input twice"), "%s", e.msg);
    pf_load_results_free(again, n);
    ck_assert(pf_load_results_read(paths[1], &again, &n, &e) == 0);
    again[0].seed = 99;
    ck_assert_int_lt(pf_load_result_merge(&one, &again[0], &e), 0);
    ck_assert_msg(strstr(e.msg, "seed"), "%s", e.msg);
    pf_load_results_free(again, n);
    for (int i = 0; i < 2; i++) {
        pf_load_results_free(back[i], 1);
        pf_load_result_dispose(&sh[i]);
        free(paths[i]);
    }
    pf_load_result_dispose(&one);
    pf_scenario_dispose(&s);
}
END_TEST

/* ----------------------------------------------------------------- CLI */

static char *bin_path(void)
{
    return pf_strdup(pf_test_bin());
}

static cJSON *read_json(const char *path)
{
    char *text = NULL;
    pf_error e;
    ck_assert_msg(pf_file_read(path, &text, NULL, &e) == 0, "%s", e.msg);
    cJSON *j = cJSON_Parse(text);
    ck_assert_msg(j != NULL, "%s is not JSON", path);
    free(text);
    return j;
}

static const cJSON *scenario_named(const cJSON *doc, const char *name)
{
    const cJSON *arr = cJSON_GetObjectItem(doc, "scenarios");
    for (const cJSON *it = arr ? arr->child : NULL; it != NULL; it = it->next)
        if (strcmp(cJSON_GetObjectItem(it, "name")->valuestring, name) == 0)
            return it;
    ck_abort_msg("no scenario %s", name);
    return NULL;
}

/* Every flow of the mix ran, and the drain was exactly once. */
static void check_shipped(const cJSON *doc)
{
    const cJSON *mix = scenario_named(doc, "healthcare_mix");
    const cJSON *flows = cJSON_GetObjectItem(mix, "flows");
    ck_assert_int_eq(cJSON_GetArraySize(flows), 4);
    for (const cJSON *f = flows->child; f != NULL; f = f->next) {
        const char *name = cJSON_GetObjectItem(f, "name")->valuestring;
        double done = cJSON_GetObjectItem(f, "completed")->valuedouble;
        double errors = cJSON_GetObjectItem(f, "errors")->valuedouble;
        ck_assert_msg(done > 0, "%s: nothing completed", name);
        ck_assert_msg(errors == 0, "%s: %g errors: %s", name, errors,
                      cJSON_PrintUnformatted(cJSON_GetObjectItem(f, "errors_by_sqlstate")));
    }
    const cJSON *drain = cJSON_GetObjectItem(scenario_named(doc, "queue_drain"), "queue_drain");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(drain, "exactly_once")));
}

START_TEST(test_cli_runs_the_shipped_scenarios_at_1x_on_the_embedded_default)
{
    char *bin = bin_path();
    char *scen = pf_test_source_path("bench/load");
    char *json = pf_path_join(g_tmp, "x1.json"), *junit = pf_path_join(g_tmp, "x1.xml");
    /* 1x is 3.3 flows/s: --rate 30 gets enough executions of every flow in
     * a few seconds; the drain at its shipped 1,000 jobs. */
    char *argv[] = {bin, "load", "--scenario", scen, "--rate", "30", "--duration", "4s",
                    "--scale", "0.1", "--json", json, "--junit", junit, "--grace", "10s", NULL};
    char *env[] = {"PERFGATE_DSN=", NULL};
    pf_run_result r;
    pf_test_run(argv, env, NULL, &r);
    ck_assert_msg(r.status == 0 || r.status == 1, "exit %d: %s", r.status, r.err);
    ck_assert_msg(strstr(r.out, "healthcare_mix: open loop, 30.00 flows/s"), "%s", r.out);
    ck_assert_msg(strstr(r.out, "exactly once: yes"), "%s", r.out);
    cJSON *doc = read_json(json);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(doc, "complete")));
    ck_assert_int_eq(cJSON_GetObjectItem(doc, "exit_code")->valueint, r.status);
    check_shipped(doc);
    cJSON_Delete(doc);
    char *xsd = pf_test_source_path("tests/data/junit-10.xsd");
    pf_error e;
    ck_assert_msg(pf_junit_validate(junit, xsd, &e) == 0, "%s", e.msg);
    free(xsd);
    pf_run_result_dispose(&r);
    free(json);
    free(junit);
    free(scen);
    free(bin);
}
END_TEST

START_TEST(test_cli_runs_the_shipped_scenarios_at_10x_against_a_dsn)
{
    char *bin = bin_path();
    char *scen = pf_test_source_path("bench/load");
    char *json = pf_path_join(g_tmp, "x10.json");
    char *argv[] = {bin, "load", "--dsn", g_dsn, "--scenario", scen, "--load-factor", "10",
                    "--duration", "4s", "--json", json, "--junit", "-", "-v", NULL};
    pf_run_result r;
    pf_test_run(argv, NULL, NULL, &r);
    ck_assert_msg(r.status == 0 || r.status == 1, "exit %d: %s", r.status, r.err);
    /* -v without a terminal: a progress line per second. */
    ck_assert_msg(strstr(r.err, "healthcare_mix") && strstr(r.err, "flows/s  p99"), "%s", r.err);
    ck_assert_msg(strstr(r.out, "(10x the expected 3.33/s)"), "%s", r.out);
    ck_assert_msg(strstr(r.out, "queue drain, 10000 jobs, 8 workers"), "%s", r.out);
    cJSON *doc = read_json(json);
    check_shipped(doc);
    const cJSON *mix = scenario_named(doc, "healthcare_mix");
    ck_assert_str_eq(cJSON_GetObjectItem(mix, "point")->valuestring, "x10");
    cJSON_Delete(doc);
    /* The workers of the mix completed what they claimed (the worker id is
     * per execution, so claim and complete match even when the steps ran on
     * different connections of the pool). */
    char *left = query_value("SELECT count(*) FILTER (WHERE status = 'processing')::text || ' ' "
                             "|| count(*) FILTER (WHERE status = 'completed') FROM job_queue "
                             "WHERE worker_id LIKE 'load-%'");
    long processing = -1, completed = -1;
    sscanf(left, "%ld %ld", &processing, &completed);
    ck_assert_msg(processing == 0 && completed > 0, "load workers: %s", left);
    free(left);
    pf_run_result_dispose(&r);
    free(json);
    free(scen);
    free(bin);
}
END_TEST

static char *write_kv_scenario(void)
{
    return pf_test_write(g_tmp, "kv.json", k_kv);
}

START_TEST(test_cli_merge_combines_shards_and_refuses_duplicates_and_gaps)
{
    char *bin = bin_path();
    char *scen = write_kv_scenario();
    char *files[3];
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "cli-shard%d.json", i);
        files[i] = pf_path_join(g_tmp, name);
        char shard[8];
        snprintf(shard, sizeof shard, "%d/2", i == 0 ? 1 : 2);
        char *argv[] = {bin, "load", "--dsn", g_dsn, "--scenario", scen, "--clients", "4",
                        "--transactions", "800", "--shard", shard, "--json", files[i], "--junit",
                        "-", i == 2 ? "--seed" : NULL, "5", NULL};
        pf_run_result r;
        pf_test_run(argv, NULL, NULL, &r);
        ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
        pf_run_result_dispose(&r);
    }
    char *merged = pf_path_join(g_tmp, "merged.json");
    char *junit = pf_path_join(g_tmp, "merged.xml");
    char *ok[] = {bin, "load", "merge", "--json", merged, "--junit", junit, files[0], files[1],
                  NULL};
    pf_run_result r;
    pf_test_run(ok, NULL, NULL, &r);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    ck_assert_msg(strstr(r.out, "2 of 2 shards"), "%s", r.out);
    pf_run_result_dispose(&r);
    cJSON *doc = read_json(merged);
    const cJSON *kv = scenario_named(doc, "kv");
    const cJSON *tot = cJSON_GetObjectItem(kv, "totals");
    ck_assert_int_eq(cJSON_GetObjectItem(tot, "completed")->valueint, 800);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(kv, "shards")), 2);
    cJSON_Delete(doc);

    struct {
        char *a, *b;
        const char *expect;
    } bad[] = {
        {files[0], files[0], "shard 1/2 is in the input twice"},
        {files[0], files[2], "differ in mode, seed or shard count"},
        {files[1], NULL, "1 of 2 shards"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {bin, "load", "merge", "--json", "-", "--junit", "-", bad[i].a, bad[i].b,
                        NULL};
        pf_test_run(argv, NULL, NULL, &r);
        ck_assert_msg(r.status == 2, "case %zu: exit %d", i, r.status);
        ck_assert_msg(strstr(r.err, bad[i].expect), "case %zu: %s", i, r.err);
        pf_run_result_dispose(&r);
    }
    char *partial[] = {bin, "load", "merge", "--allow-partial", "--json", "-", "--junit", "-",
                       files[1], NULL};
    pf_test_run(partial, NULL, NULL, &r);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    pf_run_result_dispose(&r);
    for (int i = 0; i < 3; i++)
        free(files[i]);
    free(merged);
    free(junit);
    free(scen);
    free(bin);
}
END_TEST

START_TEST(test_cli_a_flow_that_does_not_fit_the_schema_stops_with_exit_1)
{
    static const struct {
        const char *scenario, *expect;
    } cases[] = {
        {"{\"name\": \"bad\", \"expected_load\": {\"users\": 1, \"every\": \"1s\"},"
         " \"flows\": [{\"name\": \"f\", \"params\": \"SELECT x FROM no_such_table\","
         " \"steps\": [{\"sql\": \"SELECT :x\"}]}]}",
         "bad.json: flow f: params query"},
        {"{\"name\": \"bad\", \"expected_load\": {\"users\": 1, \"every\": \"1s\"},"
         " \"flows\": [{\"name\": \"f\", \"steps\": [{\"sql\": \"SELECT 1\"}, "
         "{\"sql\": \"SELECT nope FROM kv\"}]}]}",
         "bad.json: $.flows[0].steps[1].sql: preparing the statement"},
    };
    char *bin = bin_path();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *scen = pf_test_write(g_tmp, "bad.json", cases[i].scenario);
        char *argv[] = {bin, "load", "--dsn", g_dsn, "--scenario", scen, "--duration", "1s",
                        "--json", "-", "--junit", "-", NULL};
        pf_run_result r;
        pf_test_run(argv, NULL, NULL, &r);
        ck_assert_msg(r.status == 1, "case %zu: exit %d: %s", i, r.status, r.err);
        ck_assert_msg(strstr(r.err, cases[i].expect), "case %zu: %s", i, r.err);
        pf_run_result_dispose(&r);
        free(scen);
    }
    free(bin);
}
END_TEST

START_TEST(test_cli_sigint_mid_run_leaves_a_valid_partial_json)
{
    char *bin = bin_path();
    char *scen = write_kv_scenario();
    char *json = pf_path_join(g_tmp, "interrupted.json");
    char *junit = pf_path_join(g_tmp, "interrupted.xml");
    char *errpath = pf_path_join(g_tmp, "interrupted.err");
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        FILE *f = freopen(errpath, "w", stderr);
        (void)f;
        if (freopen("/dev/null", "w", stdout) == NULL)
            _exit(99);
        execl(bin, bin, "load", "--dsn", g_dsn, "--scenario", scen, "--rate", "300",
              "--duration", "60s", "--json", json, "--junit", junit, (char *)NULL);
        _exit(98);
    }
    pf_sleep_ms(2500);
    kill(pid, SIGINT);
    int status = 0;
    uint64_t t0 = pf_now_ns();
    waitpid(pid, &status, 0);
    /* Stopped within seconds, not at the end of the minute. */
    ck_assert_msg(pf_elapsed_ms(t0) < 5000, "took %.0f ms to stop", pf_elapsed_ms(t0));
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 3);
    cJSON *doc = read_json(json);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(doc, "complete")));
    ck_assert_int_eq(cJSON_GetObjectItem(doc, "exit_code")->valueint, 3);
    const cJSON *kv = scenario_named(doc, "kv");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(kv, "interrupted")));
    const cJSON *tot = cJSON_GetObjectItem(kv, "totals");
    ck_assert(cJSON_GetObjectItem(tot, "completed")->valuedouble > 100);
    ck_assert(cJSON_GetObjectItem(kv, "elapsed_s")->valuedouble < 10);
    /* The histograms in it are whole: merge reads the file back. */
    pf_load_result *rs = NULL;
    size_t n = 0;
    pf_error e;
    ck_assert_msg(pf_load_results_read(json, &rs, &n, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(pf_hist_count(rs[0].flows[0].latency),
                      (uint64_t)rs[0].flows[0].completed);
    pf_load_results_free(rs, n);
    cJSON_Delete(doc);
    ck_assert(pf_path_exists(junit));
    char *err_text = NULL;
    pf_file_read(errpath, &err_text, NULL, &e);
    ck_assert_msg(err_text && strstr(err_text, "interrupted: partial results in"), "%s",
                  err_text ? err_text : "");
    free(err_text);
    free(errpath);
    free(json);
    free(junit);
    free(scen);
    free(bin);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("load");
    TCase *tc = tcase_create("load");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, start_shared, stop_shared);
    tcase_add_test(tc, test_closed_loop_runs_exactly_the_requested_executions_deterministically);
    tcase_add_test(tc, test_open_loop_latency_counts_a_server_stall_from_the_scheduled_start);
    tcase_add_test(tc, test_serialization_failures_are_retried_and_errors_classified);
    tcase_add_test(tc, test_captures_flow_between_statements_and_steps);
    tcase_add_test(tc, test_queue_drain_processes_every_job_exactly_once);
    tcase_add_test(tc, test_shards_run_the_single_runs_executions_and_merge_exactly);
    tcase_add_test(tc, test_cli_runs_the_shipped_scenarios_at_1x_on_the_embedded_default);
    tcase_add_test(tc, test_cli_runs_the_shipped_scenarios_at_10x_against_a_dsn);
    tcase_add_test(tc, test_cli_merge_combines_shards_and_refuses_duplicates_and_gaps);
    tcase_add_test(tc, test_cli_a_flow_that_does_not_fit_the_schema_stops_with_exit_1);
    tcase_add_test(tc, test_cli_sigint_mid_run_leaves_a_valid_partial_json);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
