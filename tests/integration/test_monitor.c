/* perfgate monitor against real servers: a monitored cluster and a separate
 * store cluster, least-privilege roles on both, a workload that makes the
 * timeline category slow (pg_sleep inside a function its rule matches), an
 * alert delivered to a local HTTP listener and resolved after the workload
 * stops, pg_stat_statements_reset() mid-run without a negative delta, the
 * store killed and restarted without losing an acknowledged snapshot, the
 * monitored server crashed and restarted (a gap, no duplicate), SIGTERM
 * ending with status 0; cron mode, idempotent store writes, refusals; a
 * snapshot writing only what moved, and a version 1 store migrated. */
#include <check.h>
#include <cjson/cJSON.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster.h"
#include "db.h"
#include "fsutil.h"
#include "httpsink.h"
#include "pss.h"
#include "store.h"
#include "testutil.h"
#include "timeutil.h"

#define SECRET "/hooks/T0/B0/it-s3cr3t"

static pf_cluster *g_mon, *g_store;
static char *g_dir;

static void fail_setup(const char *what, const pf_error *e)
{
    fprintf(stderr, "%s: %s\n", what, e->msg);
    abort();
}

static void exec_on(const char *dsn, const char *sql)
{
    pf_db *db = NULL;
    pf_error e;
    if (pf_db_connect(&db, dsn, &e) < 0)
        fail_setup("connect", &e);
    if (pf_db_exec(db, sql, &e) < 0)
        fail_setup(sql, &e);
    pf_db_close(db);
}

static char *value_on(const char *dsn, const char *sql)
{
    pf_db *db = NULL;
    pf_error e;
    char *v = NULL;
    ck_assert_msg(pf_db_connect(&db, dsn, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_db_query_value(db, sql, &v, &e) == 0, "%s: %s", sql, e.msg);
    pf_db_close(db);
    return v;
}

static long long count_on(const char *dsn, const char *sql)
{
    char *v = value_on(dsn, sql);
    long long n = v ? atoll(v) : -1;
    free(v);
    return n;
}

/* DSN of a cluster for another user and database. */
static char *dsn_as(pf_cluster *c, const char *user, const char *db)
{
    return pf_asprintf("host=%s port=%d user=%s dbname=%s", pf_cluster_socket_dir(c),
                       pf_cluster_port(c), user, db);
}

static void setup(void)
{
    pf_error e;
    pf_error_clear(&e);
    if (pf_cluster_start(&g_mon, NULL, &e) < 0)
        fail_setup("monitored cluster", &e);
    if (pf_cluster_start(&g_store, NULL, &e) < 0)
        fail_setup("store cluster", &e);
    g_dir = pf_test_tmpdir();
    /* The monitored side: the extension, a least-privilege monitoring role,
     * and an app whose timeline function is slow on demand. */
    exec_on(pf_cluster_dsn(g_mon),
            "CREATE EXTENSION pg_stat_statements;"
            "CREATE ROLE perfgate_monitor LOGIN;"
            "GRANT pg_read_all_stats TO perfgate_monitor;"
            "CREATE TABLE healthcare_timeline_events (id int PRIMARY KEY, patient_id int);"
            "INSERT INTO healthcare_timeline_events"
            " SELECT g, g % 10 FROM generate_series(1, 100) g;"
            "CREATE TABLE app_settings (k text PRIMARY KEY, v text);"
            "INSERT INTO app_settings VALUES ('timeline_delay', '0.15');"
            "CREATE FUNCTION timeline_page(p int) RETURNS SETOF healthcare_timeline_events"
            " LANGUAGE plpgsql AS $$ BEGIN"
            "  PERFORM pg_sleep((SELECT v::float8 FROM app_settings WHERE k = 'timeline_delay'));"
            "  RETURN QUERY SELECT * FROM healthcare_timeline_events WHERE patient_id = p;"
            " END $$;");
    /* The store side: a role that owns its database, nothing more. */
    exec_on(pf_cluster_dsn(g_store), "CREATE ROLE perfgate_store LOGIN");
    exec_on(pf_cluster_dsn(g_store), "CREATE DATABASE history OWNER perfgate_store");
    exec_on(pf_cluster_dsn(g_store), "CREATE DATABASE history_locked");
    exec_on(pf_cluster_dsn(g_store), "REVOKE CREATE ON DATABASE history_locked FROM PUBLIC");
}

static void teardown(void)
{
    pf_cluster_free(g_mon);
    pf_cluster_free(g_store);
    g_mon = g_store = NULL;
    pf_rmtree(g_dir, NULL);
    free(g_dir);
}

/* ---- the workload ---------------------------------------------------- */

static atomic_int g_stop_workload;

static void *workload(void *arg)
{
    const char *dsn = arg;
    pf_db *db = NULL;
    pf_error e;
    while (!g_stop_workload) {
        if (db == NULL || pf_db_broken(db)) {
            pf_db_close(db);
            db = NULL;
            if (pf_db_connect(&db, dsn, &e) < 0) {
                pf_sleep_ms(100);
                continue;
            }
        }
        pf_db_exec(db, "SELECT * FROM timeline_page(3)", &e);
        pf_db_exec(db, "SELECT count(*) FROM app_settings", &e);
        pf_sleep_ms(20);
    }
    pf_db_close(db);
    return NULL;
}

/* ---- the monitor process --------------------------------------------- */

static pid_t spawn_monitor(char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen(log, "w", stderr);
        if (f == NULL)
            _exit(126);
        freopen("/dev/null", "w", stdout);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static char *read_log(const char *log)
{
    char *text = NULL;
    pf_error e;
    if (pf_file_read(log, &text, NULL, &e) < 0)
        return pf_strdup("");
    return text;
}

/* Count lines of the log containing needle. */
static int log_count(const char *log, const char *needle)
{
    char *text = read_log(log);
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    free(text);
    return n;
}

static bool wait_log(const char *log, const char *needle, int at_least, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 100) {
        if (log_count(log, needle) >= at_least)
            return true;
        pf_sleep_ms(100);
    }
    return false;
}

/* The first event of request i (a JSON webhook), with the given status;
 * searches requests from *next on and advances it. NULL on timeout. */
static cJSON *wait_event(pf_httpsink *sink, const char *path, const char *status, size_t *next,
                         int timeout_ms)
{
    uint64_t t0 = pf_now_ns();
    while (pf_elapsed_ms(t0) < timeout_ms) {
        size_t n = pf_httpsink_count(sink);
        for (; *next < n; (*next)++) {
            char *p = NULL;
            char *body = pf_httpsink_body(sink, *next, &p);
            bool mine = p && strcmp(p, path) == 0;
            free(p);
            if (!mine) {
                free(body);
                continue;
            }
            cJSON *root = cJSON_Parse(body);
            free(body);
            cJSON *ev = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "events"), 0);
            cJSON *st = cJSON_GetObjectItem(ev, "status");
            if (cJSON_IsString(st) && strcmp(st->valuestring, status) == 0) {
                (*next)++;
                return root;
            }
            cJSON_Delete(root);
        }
        pf_sleep_ms(50);
    }
    return NULL;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static char *write_config(const char *hook_file)
{
    char *cfg = pf_asprintf(
        "{\n"
        "  \"version\": 1,\n"
        "  \"source\": \"it-app\",\n"
        "  \"statement_timeout\": \"5s\",\n"
        "  \"categories\": [\n"
        "    {\"name\": \"timeline\", \"threshold\": \"100ms\", \"calls\": [\"timeline_page\"]},\n"
        "    {\"name\": \"timeline\", \"threshold\": \"100ms\","
        " \"touches\": [\"healthcare_timeline_events\"]}\n"
        "  ],\n"
        "  \"default\": {\"threshold\": \"10s\"},\n"
        "  \"alerts\": {\"repeat_every\": \"1h\", \"resolve_after\": 1,\n"
        "             \"regression\": {\"min_calls\": 5, \"min_baseline_calls\": 10000}},\n"
        "  \"notify\": [\n"
        "    {\"name\": \"ops\", \"type\": \"webhook\", \"url_env\": \"PF_IT_WEBHOOK\","
        " \"retries\": 2, \"backoff\": \"100ms\", \"timeout\": \"3s\"},\n"
        "    {\"name\": \"chat\", \"type\": \"slack\", \"url_env\": \"PF_IT_SLACK\","
        " \"min_level\": \"critical\"},\n"
        "    {\"name\": \"hook\", \"type\": \"command\","
        " \"command\": [\"/bin/sh\", \"-c\", \"cat >> '%s'; echo >> '%s'\"]}\n"
        "  ]\n"
        "}\n",
        hook_file, hook_file);
    char *path = pf_test_write(g_dir, "monitor.json", cfg);
    free(cfg);
    return path;
}

START_TEST(test_monitor_alerts_resolves_and_survives_resets_and_restarts)
{
    pf_httpsink *sink = pf_httpsink_start();
    ck_assert_ptr_nonnull(sink);
    char *hook_url = pf_asprintf("http://127.0.0.1:%d" SECRET, pf_httpsink_port(sink));
    char *slack_url = pf_asprintf("http://127.0.0.1:%d/slack", pf_httpsink_port(sink));
    setenv("PF_IT_WEBHOOK", hook_url, 1);
    setenv("PF_IT_SLACK", slack_url, 1);
    char *hook_file = pf_path_join(g_dir, "hook.jsonl");
    char *cfg = write_config(hook_file);
    char *log = pf_path_join(g_dir, "monitor.log");
    char *mon_dsn = dsn_as(g_mon, "perfgate_monitor", "postgres");
    char *store_dsn = dsn_as(g_store, "perfgate_store", "history");
    char *app_dsn = pf_strdup(pf_cluster_dsn(g_mon));
    const char *bin = pf_test_bin();
    char *argv[] = {(char *)bin, "-v", "monitor", "--dsn", mon_dsn, "--store-dsn", store_dsn,
                    "--interval", "1s", "--config", cfg, NULL};
    pid_t pid = spawn_monitor(argv, log);
    ck_assert_msg(wait_log(log, "stored snapshot", 2, 30000), "no snapshots stored:\n%s",
                  read_log(log));

    /* 1. The slow category fires: payload asserted. */
    g_stop_workload = 0;
    pthread_t th;
    pthread_create(&th, NULL, workload, app_dsn);
    size_t next = 0, next_slack = 0;
    cJSON *fire = wait_event(sink, SECRET, "firing", &next, 30000);
    ck_assert_msg(fire != NULL, "no firing alert:\n%s", read_log(log));
    cJSON *ev = cJSON_GetArrayItem(cJSON_GetObjectItem(fire, "events"), 0);
    ck_assert_str_eq(jstr(fire, "source"), "it-app");
    ck_assert_str_eq(jstr(ev, "kind"), "threshold");
    ck_assert_str_eq(jstr(ev, "category"), "timeline");
    ck_assert_msg(strcmp(jstr(ev, "level"), "critical") == 0 ||
                      strcmp(jstr(ev, "level"), "emergency") == 0,
                  "level %s", jstr(ev, "level"));
    ck_assert_str_eq(jstr(ev, "database"), "postgres");
    ck_assert_ptr_nonnull(strstr(jstr(ev, "query"), "timeline_page"));
    ck_assert_double_eq(cJSON_GetObjectItem(ev, "threshold_ms")->valuedouble, 100);
    double mean = cJSON_GetObjectItem(ev, "mean_ms")->valuedouble;
    ck_assert_msg(mean >= 150 && mean < 1000, "mean %g", mean);
    ck_assert(cJSON_GetObjectItem(ev, "calls")->valuedouble >= 1);
    char *queryid = pf_strdup(jstr(ev, "queryid"));
    cJSON_Delete(fire);
    cJSON *slack = NULL;
    for (uint64_t t0 = pf_now_ns(); slack == NULL && pf_elapsed_ms(t0) < 10000;) {
        size_t n = pf_httpsink_count(sink);
        for (; next_slack < n && slack == NULL; next_slack++) {
            char *p = NULL;
            char *body = pf_httpsink_body(sink, next_slack, &p);
            if (p && strcmp(p, "/slack") == 0)
                slack = cJSON_Parse(body);
            free(p);
            free(body);
        }
        pf_sleep_ms(50);
    }
    ck_assert_ptr_nonnull(slack);
    ck_assert_ptr_nonnull(strstr(jstr(slack, "text"), "timeline query"));
    ck_assert_ptr_nonnull(strstr(jstr(slack, "text"), "*it-app*"));
    cJSON_Delete(slack);
    /* The breach is in the store, delivered. */
    ck_assert_msg(wait_log(log, "alert firing", 1, 5000), "%s", read_log(log));
    pf_sleep_ms(1500);
    ck_assert_int_ge(count_on(store_dsn, "SELECT count(*) FROM perfgate_monitor.alerts"
                                         " WHERE status = 'firing' AND category = 'timeline'"
                                         " AND delivery LIKE '%ops: ok%'"),
                     1);
    ck_assert_int_ge(count_on(store_dsn, "SELECT count(*) FROM perfgate_monitor.alert_state"
                                         " WHERE kind = 'threshold' AND category = 'timeline'"),
                     1);
    ck_assert_int_ge(count_on(store_dsn, "SELECT count(*) FROM perfgate_monitor.deltas"
                                         " WHERE category = 'timeline' AND mean_ms >= 150"),
                     1);

    /* 2. A reset mid-run: a reset snapshot, and not one negative delta. */
    exec_on(pf_cluster_dsn(g_mon), "SELECT pg_stat_statements_reset()");
    pf_sleep_ms(3000);
    ck_assert_int_ge(count_on(store_dsn, "SELECT count(*) FROM perfgate_monitor.snapshots"
                                         " WHERE reset"),
                     1);

    /* 3. The store crashes while the monitor runs, and comes back. */
    int stored_before = log_count(log, "stored snapshot");
    pf_error e;
    ck_assert_msg(pf_cluster_kill(g_store, &e) == 0, "%s", e.msg);
    ck_assert_msg(wait_log(log, "waiting)", 1, 15000), "store loss not noticed:\n%s",
                  read_log(log));
    pf_sleep_ms(3000);
    ck_assert_msg(pf_cluster_restart(g_store, &e) == 0, "%s", e.msg);
    ck_assert_msg(wait_log(log, "history store reachable again", 1, 30000), "store not back:\n%s",
                  read_log(log));
    ck_assert_msg(wait_log(log, "stored snapshot", stored_before + 5, 30000), "%s",
                  read_log(log));

    /* 4. The workload stops: the alert resolves. */
    g_stop_workload = 1;
    pthread_join(th, NULL);
    cJSON *res = wait_event(sink, SECRET, "resolved", &next, 30000);
    ck_assert_msg(res != NULL, "no resolve:\n%s", read_log(log));
    ev = cJSON_GetArrayItem(cJSON_GetObjectItem(res, "events"), 0);
    ck_assert_str_eq(jstr(ev, "category"), "timeline");
    ck_assert_str_eq(jstr(ev, "queryid"), queryid);
    ck_assert_str_eq(jstr(ev, "level"), "ok");
    cJSON_Delete(res);

    /* 5. The monitored server crashes and comes back: a gap, no duplicate. */
    stored_before = log_count(log, "stored snapshot");
    ck_assert_msg(pf_cluster_kill(g_mon, &e) == 0, "%s", e.msg);
    pf_sleep_ms(2500);
    ck_assert_msg(pf_cluster_restart(g_mon, &e) == 0, "%s", e.msg);
    ck_assert_msg(wait_log(log, "stored snapshot", stored_before + 3, 30000), "%s",
                  read_log(log));

    /* 6. SIGTERM: the current snapshot is finished, exit 0. */
    kill(pid, SIGTERM);
    int status = -1;
    uint64_t t0 = pf_now_ns();
    while (waitpid(pid, &status, WNOHANG) == 0 && pf_elapsed_ms(t0) < 20000)
        pf_sleep_ms(50);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d\n%s", status,
                  read_log(log));

    /* Every snapshot the monitor reported stored is there, once. */
    char *text = read_log(log);
    const char *keep = getenv("PF_TEST_MONITOR_LOG"); /* for a human reading along */
    if (keep != NULL && *keep != '\0') {
        pf_error ke;
        pf_file_write_atomic(keep, text, strlen(text), &ke);
    }
    int acknowledged = 0;
    char last[64] = "";
    for (const char *p = text; (p = strstr(p, "stored snapshot ")) != NULL;) {
        p += strlen("stored snapshot ");
        const char *end = strstr(p, " (");
        ck_assert_ptr_nonnull(end);
        char *ts = pf_strndup(p, (size_t)(end - p));
        char *sql = pf_asprintf("SELECT count(*) FROM perfgate_monitor.snapshots"
                                " JOIN perfgate_monitor.sources USING (source_id)"
                                " WHERE name = 'it-app' AND taken_at = '%s'",
                                ts);
        ck_assert_msg(count_on(store_dsn, sql) == 1, "acknowledged snapshot %s missing", ts);
        /* Written in order, each once (a lost-ack retry would say so). */
        ck_assert_msg(strcmp(ts, last) > 0, "snapshot %s acknowledged twice or out of order", ts);
        snprintf(last, sizeof last, "%s", ts);
        free(sql);
        free(ts);
        acknowledged++;
    }
    ck_assert_int_ge(acknowledged, 15);
    ck_assert_int_eq(count_on(store_dsn, "SELECT count(*) FROM perfgate_monitor.snapshots"
                                         " JOIN perfgate_monitor.sources USING (source_id)"
                                         " WHERE name = 'it-app'"),
                     acknowledged);
    /* No secret in the log; the store's DSN only redacted. */
    ck_assert_msg(strstr(text, "it-s3cr3t") == NULL, "the webhook URL leaked into the log");
    ck_assert_ptr_nonnull(strstr(text, "history store reachable again"));
    free(text);
    /* Never a negative delta, resets and crashes included. */
    ck_assert_int_eq(count_on(store_dsn,
                              "SELECT count(*) FROM perfgate_monitor.deltas WHERE calls <= 0"
                              " OR exec_ms < 0 OR mean_ms < 0 OR rows < 0 OR shared_hit < 0"
                              " OR shared_read < 0 OR temp_read < 0 OR temp_written < 0"),
                     0);
    /* The monitored crash: a gap with its reason, the restart seen. */
    ck_assert_int_ge(count_on(store_dsn, "SELECT count(*) FROM perfgate_monitor.snapshots"
                                         " WHERE gap AND gap_reason IS NOT NULL"),
                     1);
    ck_assert_int_ge(count_on(store_dsn, "SELECT count(*) FROM perfgate_monitor.snapshots"
                                         " WHERE server_restarted AND reset"),
                     1);
    ck_assert_int_ge(count_on(store_dsn, "SELECT count(*) FROM perfgate_monitor.alerts"
                                         " WHERE status = 'resolved'"),
                     1);
    ck_assert_int_eq(count_on(store_dsn, "SELECT count(*) FROM perfgate_monitor.alert_state"),
                     0);
    ck_assert_int_eq(count_on(store_dsn, "SELECT max(version) FROM"
                                         " perfgate_monitor.schema_version"),
                     PF_STORE_VERSION);
    /* The command hook saw the same events on stdin. */
    char *hooked = read_log(hook_file);
    ck_assert_ptr_nonnull(strstr(hooked, "\"status\":\"firing\""));
    ck_assert_ptr_nonnull(strstr(hooked, "\"status\":\"resolved\""));
    free(hooked);

    pf_httpsink_stop(sink);
    unsetenv("PF_IT_WEBHOOK");
    unsetenv("PF_IT_SLACK");
    free(queryid);
    free(hook_url);
    free(slack_url);
    free(hook_file);
    free(cfg);
    free(log);
    free(mon_dsn);
    free(store_dsn);
    free(app_dsn);
}
END_TEST

START_TEST(test_once_mode_and_refusals)
{
    char *mon_dsn = dsn_as(g_mon, "perfgate_monitor", "postgres");
    char *store_dsn = dsn_as(g_store, "perfgate_store", "history");
    char *cfg = pf_test_write(g_dir, "once.json",
                              "{\"source\": \"cron\", \"categories\": [{\"name\": \"timeline\","
                              " \"threshold\": \"100ms\", \"calls\": \"timeline_page\"}]}");
    const char *bin = pf_test_bin();
    pf_run_result r;
    char *once[] = {(char *)bin, "monitor", "--once", "--dsn", mon_dsn, "--store-dsn",
                    store_dsn, "--config", cfg, NULL};
    pf_test_run(once, NULL, NULL, &r);
    ck_assert_msg(r.status == 0, "%d: %s", r.status, r.err);
    pf_run_result_dispose(&r);
    /* A slow call between two cron runs: the second run's delta has it. */
    exec_on(pf_cluster_dsn(g_mon), "UPDATE app_settings SET v = '0.3';"
                                   "SELECT * FROM timeline_page(1);"
                                   "UPDATE app_settings SET v = '0.15'");
    pf_test_run(once, NULL, NULL, &r);
    ck_assert_msg(r.status == 1, "a critical alert is active: want 1, got %d: %s", r.status,
                  r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "alert firing: EMERGENCY: timeline query"));
    pf_run_result_dispose(&r);
    ck_assert_int_eq(count_on(store_dsn,
                              "SELECT count(*) FROM perfgate_monitor.snapshots s"
                              " JOIN perfgate_monitor.sources USING (source_id)"
                              " WHERE name = 'cron'"),
                     2);
    ck_assert_int_ge(count_on(store_dsn,
                              "SELECT count(*) FROM perfgate_monitor.deltas d"
                              " JOIN perfgate_monitor.sources USING (source_id)"
                              " WHERE name = 'cron' AND category = 'timeline' AND mean_ms >= 300"),
                     1);

    /* The store in the monitored database is refused unless asked for. */
    char *same = dsn_as(g_mon, "postgres", "postgres");
    char *self[] = {(char *)bin, "monitor", "--once", "--dsn", same, "--store-dsn", same,
                    "--config", cfg, NULL};
    pf_test_run(self, NULL, NULL, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "the history store is the monitored database"));
    pf_run_result_dispose(&r);
    ck_assert_int_eq(count_on(same, "SELECT count(*) FROM pg_namespace"
                                    " WHERE nspname = 'perfgate_monitor'"),
                     0);

    /* A store role that may not create the schema: told what to grant. */
    char *locked = dsn_as(g_store, "perfgate_store", "history_locked");
    char *nogrant[] = {(char *)bin, "monitor", "--once", "--dsn", mon_dsn, "--store-dsn", locked,
                       "--config", cfg, NULL};
    pf_test_run(nogrant, NULL, NULL, &r);
    ck_assert_int_eq(r.status, 3);
    ck_assert_msg(strstr(r.err, "grant the store role CREATE") != NULL, "%s", r.err);
    pf_run_result_dispose(&r);

    /* An unreachable monitored server in cron mode: infrastructure. */
    char *nowhere = pf_asprintf("host=%s port=1 user=x dbname=y connect_timeout=2",
                                pf_cluster_socket_dir(g_mon));
    char *down[] = {(char *)bin, "monitor", "--once", "--dsn", nowhere, "--store-dsn", store_dsn,
                    "--config", cfg, NULL};
    pf_test_run(down, NULL, NULL, &r);
    ck_assert_int_eq(r.status, 3);
    pf_run_result_dispose(&r);
    free(nowhere);
    free(locked);
    free(same);
    free(cfg);
    free(mon_dsn);
    free(store_dsn);
}
END_TEST

START_TEST(test_store_write_is_idempotent_after_a_lost_ack)
{
    char *store_dsn = dsn_as(g_store, "perfgate_store", "history");
    pf_store *s = NULL;
    pf_store_open_info info;
    pf_error e;
    ck_assert_msg(pf_store_open(&s, store_dsn, "idem", "test", "x/y", true, 5000, &info, &e) == 0,
                  "%s", e.msg);
    pf_pss_snapshot *snap = pf_pss_snapshot_new(2);
    snap->taken_us = 1764345600000000LL;
    for (int i = 0; i < 2; i++) {
        snap->entries[i].key.dbid = 1;
        snap->entries[i].key.userid = 2;
        snap->entries[i].key.queryid = 100 + i;
        snap->entries[i].key.toplevel = true;
        snap->entries[i].c.calls = 10;
        snap->entries[i].c.exec_ms = 5;
    }
    pf_store_batch b;
    memset(&b, 0, sizeof b);
    b.snap = snap;
    pf_store_delta d[1];
    memset(d, 0, sizeof d);
    d[0].d.key = snap->entries[0].key;
    d[0].d.calls = 3;
    d[0].d.exec_ms = 1.5;
    d[0].d.mean_ms = 0.5;
    d[0].category = "default";
    b.deltas = d;
    b.n_deltas = 1;
    b.prev_us = snap->taken_us - 60000000;
    bool dup = true;
    ck_assert_msg(pf_store_write(s, &b, NULL, &dup, &e) == 0, "%s", e.msg);
    ck_assert(!dup);
    /* The same batch again, as after a connection lost during COMMIT. */
    ck_assert_msg(pf_store_write(s, &b, NULL, &dup, &e) == 0, "%s", e.msg);
    ck_assert(dup);
    char *sql = pf_asprintf("SELECT count(*) FROM perfgate_monitor.deltas WHERE source_id = %d",
                            info.source_id);
    ck_assert_int_eq(count_on(store_dsn, sql), 1);
    free(sql);
    /* What a restart reads back is what was written. */
    pf_pss_snapshot *last = NULL;
    ck_assert_msg(pf_store_load_last(s, &last, &e) == 0, "%s", e.msg);
    ck_assert_ptr_nonnull(last);
    ck_assert_int_eq(last->taken_us, snap->taken_us);
    ck_assert_uint_eq(last->n, 2);
    ck_assert_int_eq(last->entries[1].c.calls, 10);
    pf_pss_snapshot_free(last);
    /* A second writer for the same source is refused. */
    pf_store *s2 = NULL;
    ck_assert_int_eq(
        pf_store_open(&s2, store_dsn, "idem", "test", "x/y", true, 5000, &info, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "another perfgate monitor"));
    /* Baselines: from raw deltas before the roll-up, from the roll-up after. */
    int64_t qid = 100;
    pf_store_baseline *bl = NULL;
    size_t nbl = 0;
    ck_assert_msg(pf_store_baselines(s, &qid, 1, snap->taken_us - 3600LL * 1000000,
                                     snap->taken_us + 1, &bl, &nbl, &e) == 0,
                  "%s", e.msg);
    ck_assert_uint_eq(nbl, 1);
    ck_assert_int_eq(bl[0].calls, 3);
    ck_assert_str_eq(bl[0].category, "default");
    pf_store_baselines_free(bl, nbl);
    /* Maintenance rolls complete hours up and keeps the newest snapshot. */
    pf_retention ret = {86400000.0, 86400000.0 * 2, 86400000.0, 600000};
    pf_store_maint st;
    ck_assert_msg(pf_store_maintain(s, &ret, snap->taken_us + 7200LL * 1000000, &st, &e) == 0,
                  "%s", e.msg);
    ck_assert_int_eq(st.hourly_rows, 1);
    ck_assert_msg(pf_store_baselines(s, &qid, 1, snap->taken_us - 3600LL * 1000000,
                                     snap->taken_us + 7200LL * 1000000, &bl, &nbl, &e) == 0,
                  "%s", e.msg);
    ck_assert_uint_eq(nbl, 1);
    ck_assert_int_eq(bl[0].calls, 3); /* once: the roll-up, not the raw row as well */
    ck_assert_double_eq_tol(bl[0].exec_ms, 1.5, 1e-9);
    pf_store_baselines_free(bl, nbl);
    ck_assert_msg(pf_store_maintain(s, &ret, snap->taken_us + 5LL * 86400 * 1000000, &st, &e) == 0,
                  "%s", e.msg);
    ck_assert_int_eq(st.deleted_raw, 1);
    ck_assert_int_eq(st.deleted_hourly, 1);
    ck_assert_int_eq(st.deleted_snapshots, 0);
    pf_store_close(s);
    pf_pss_snapshot_free(snap);
    free(store_dsn);
}
END_TEST

/* ---- what a snapshot writes, and the counters it leaves ---------------- */

#define T0_US 1764345600000000LL /* 2025-11-28 16:00:00 UTC */
#define MIN_US 60000000LL

/* An entry with calls executions, half of them ms and half 3 ms. */
static pf_pss_entry stmt_entry(int64_t queryid, int64_t calls, double ms)
{
    pf_pss_entry e;
    memset(&e, 0, sizeof e);
    e.key.dbid = 1;
    e.key.userid = 2;
    e.key.queryid = queryid;
    e.key.toplevel = true;
    e.c.calls = calls;
    double a = (double)(calls / 2), b = (double)(calls - calls / 2);
    e.c.exec_ms = a * ms + b * 3;
    e.c.sumsq = a * ms * ms + b * 9;
    e.c.rows = 2 * calls;
    e.c.shared_hit = 7 * calls;
    e.c.shared_read = calls / 3;
    return e;
}

static pf_pss_snapshot *snap_of(int64_t taken_us, int64_t reset_us, size_t n,
                                const pf_pss_entry *e)
{
    pf_pss_snapshot *s = pf_pss_snapshot_new(n);
    s->taken_us = taken_us;
    s->stats_reset_us = reset_us;
    s->dealloc = 0;
    s->server_start_us = T0_US - 3600 * 1000000LL;
    if (n > 0)
        memcpy(s->entries, e, n * sizeof *e);
    pf_pss_snapshot_sort(s);
    return s;
}

/* The batch the monitor would build for cur after prev (pss.c's deltas). */
static pf_store_batch *batch_after(const pf_pss_snapshot *prev, const pf_pss_snapshot *cur)
{
    pf_store_batch *b = pf_calloc(1, sizeof *b);
    b->snap = pf_pss_snapshot_copy(cur);
    b->prev_us = prev ? prev->taken_us : 0;
    pf_pss_diff d;
    pf_pss_diff_compute(prev, cur, &d);
    b->baseline = d.baseline;
    b->reset = d.reset;
    b->evicted = d.evicted;
    b->recreated = d.recreated;
    b->deltas = pf_calloc(d.n ? d.n : 1, sizeof *b->deltas);
    b->n_deltas = d.n;
    for (size_t i = 0; i < d.n; i++) {
        b->deltas[i].d = d.d[i];
        b->deltas[i].category = "default";
    }
    pf_pss_diff_dispose(&d);
    return b;
}

static void write_batch(pf_store *s, pf_store_batch *b, const pf_pss_snapshot *committed)
{
    pf_error e;
    bool dup = true;
    ck_assert_msg(pf_store_write(s, b, committed, &dup, &e) == 0, "%s", e.msg);
    ck_assert(!dup);
    pf_store_batch_free(b);
}

/* Which transaction last wrote the counter_base row of queryid ("" if none). */
static char *base_xmin(const char *dsn, int source_id, int64_t queryid)
{
    char *sql = pf_asprintf("SELECT coalesce((SELECT xmin::text FROM perfgate_monitor.counter_base"
                            " WHERE source_id = %d AND queryid = %lld), '')",
                            source_id, (long long)queryid);
    char *v = value_on(dsn, sql);
    free(sql);
    return v;
}

/* The counters the store holds for the source are want's: through the view
 * (what /metrics reads) and through pf_store_load_last (what a restart
 * reads). */
static void assert_counters(const char *dsn, pf_store *s, int source_id,
                            const pf_pss_snapshot *want)
{
    pf_db *db = NULL;
    pf_error e;
    ck_assert_msg(pf_db_connect(&db, dsn, &e) == 0, "%s", e.msg);
    char *sql = pf_asprintf("SELECT queryid, calls, rows, shared_hit, shared_read, exec_ms, sumsq"
                            " FROM perfgate_monitor.counters WHERE source_id = %d"
                            " ORDER BY queryid",
                            source_id);
    pf_result *r = NULL;
    ck_assert_msg(pf_db_query(db, sql, 0, NULL, &r, &e) == 0, "%s", e.msg);
    free(sql);
    ck_assert_int_eq(pf_result_nrows(r), (int)want->n);
    for (int i = 0; i < pf_result_nrows(r); i++) {
        const pf_pss_entry *w = &want->entries[i]; /* one dbid, userid: queryid order */
        ck_assert_int_eq(atoll(pf_result_get(r, i, 0)), w->key.queryid);
        ck_assert_int_eq(atoll(pf_result_get(r, i, 1)), w->c.calls);
        ck_assert_int_eq(atoll(pf_result_get(r, i, 2)), w->c.rows);
        ck_assert_int_eq(atoll(pf_result_get(r, i, 3)), w->c.shared_hit);
        ck_assert_int_eq(atoll(pf_result_get(r, i, 4)), w->c.shared_read);
        ck_assert_double_eq_tol(strtod(pf_result_get(r, i, 5), NULL), w->c.exec_ms, 1e-9);
        ck_assert_double_eq_tol(strtod(pf_result_get(r, i, 6), NULL), w->c.sumsq,
                                1e-9 * (1 + w->c.sumsq));
    }
    pf_result_free(r);
    pf_db_close(db);
    pf_pss_snapshot *last = NULL;
    ck_assert_msg(pf_store_load_last(s, &last, &e) == 0, "%s", e.msg);
    ck_assert_ptr_nonnull(last);
    ck_assert_int_eq(last->taken_us, want->taken_us);
    ck_assert_uint_eq(last->n, want->n);
    for (size_t i = 0; i < want->n; i++) {
        ck_assert_int_eq(last->entries[i].key.queryid, want->entries[i].key.queryid);
        ck_assert_int_eq(last->entries[i].c.calls, want->entries[i].c.calls);
        ck_assert_int_eq(last->entries[i].c.shared_hit, want->entries[i].c.shared_hit);
        ck_assert_double_eq_tol(last->entries[i].c.exec_ms, want->entries[i].c.exec_ms, 1e-9);
    }
    pf_pss_snapshot_free(last);
}

START_TEST(test_a_snapshot_writes_only_what_moved_and_the_counters_stay_current)
{
    char *dsn = dsn_as(g_store, "perfgate_store", "history");
    pf_store *s = NULL;
    pf_store_open_info info;
    pf_error e;
    ck_assert_msg(pf_store_open(&s, dsn, "moved", "test", "m/n", true, 5000, &info, &e) == 0,
                  "%s", e.msg);
    int sid = info.source_id;
    /* 1. A first snapshot: every entry's counters. */
    pf_pss_entry e1[] = {stmt_entry(1, 10, 1), stmt_entry(2, 5, 2), stmt_entry(3, 7, 4)};
    pf_pss_snapshot *s1 = snap_of(T0_US, T0_US - MIN_US, 3, e1);
    write_batch(s, batch_after(NULL, s1), NULL);
    assert_counters(dsn, s, sid, s1);
    char *x1 = base_xmin(dsn, sid, 1), *x2 = base_xmin(dsn, sid, 2), *x3 = base_xmin(dsn, sid, 3);

    /* 2. 1 ran again, 2 did not, 3 was evicted and came back, 4 is new: a
     * delta row each for 1, 3 and 4 and no other row for 1 and 2. */
    pf_pss_entry e2[] = {stmt_entry(1, 16, 1), stmt_entry(2, 5, 2), stmt_entry(3, 2, 5),
                         stmt_entry(4, 3, 1)};
    pf_pss_snapshot *s2 = snap_of(T0_US + MIN_US, T0_US - MIN_US, 4, e2);
    write_batch(s, batch_after(s1, s2), s1);
    assert_counters(dsn, s, sid, s2);
    char *sql = pf_asprintf("SELECT count(*) FROM perfgate_monitor.deltas WHERE source_id = %d",
                            sid);
    ck_assert_int_eq(count_on(dsn, sql), 3);
    char *y1 = base_xmin(dsn, sid, 1), *y2 = base_xmin(dsn, sid, 2), *y3 = base_xmin(dsn, sid, 3);
    ck_assert_str_eq(y1, x1);
    ck_assert_str_eq(y2, x2);
    ck_assert_str_ne(y3, x3); /* recreated: its row restarts */

    /* 3. 1 is evicted for good, 2 and 3 ran, 4's planning time moved
     * without a call (no delta row: its own row is rewritten). */
    pf_pss_entry e3[] = {stmt_entry(2, 6, 2), stmt_entry(3, 4, 5), stmt_entry(4, 3, 1)};
    e3[2].c.plan_ms = 0.75;
    pf_pss_snapshot *s3 = snap_of(T0_US + 2 * MIN_US, T0_US - MIN_US, 3, e3);
    char *z4 = base_xmin(dsn, sid, 4);
    write_batch(s, batch_after(s2, s3), s2);
    assert_counters(dsn, s, sid, s3);
    char *g1 = base_xmin(dsn, sid, 1), *g2 = base_xmin(dsn, sid, 2), *g3 = base_xmin(dsn, sid, 3),
         *g4 = base_xmin(dsn, sid, 4);
    ck_assert_str_eq(g1, "");
    ck_assert_str_eq(g2, x2);
    ck_assert_str_eq(g3, y3);
    ck_assert_str_ne(g4, z4);

    /* 4. Maintenance leaves rows written within its period (every) alone,
     * then folds the later deltas of 2 and 3 into their rows once older;
     * nothing read changes. */
    pf_retention ret = {86400000.0 * 7, 86400000.0 * 90, 86400000.0 * 90, 600000};
    pf_store_maint st;
    ck_assert_msg(pf_store_maintain(s, &ret, s3->taken_us, &st, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(st.folded, 0);
    assert_counters(dsn, s, sid, s3);
    ret.every_ms = 30000; /* rows as of 16:00 and 16:01 are older than 16:01:30 */
    ck_assert_msg(pf_store_maintain(s, &ret, s3->taken_us, &st, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(st.folded, 2);
    free(sql);
    sql = pf_asprintf("SELECT count(*) FROM perfgate_monitor.counter_base WHERE source_id = %d"
                      " AND as_of = '2025-11-28 16:02:00+00'",
                      sid);
    ck_assert_int_eq(count_on(dsn, sql), 3);
    assert_counters(dsn, s, sid, s3);
    ck_assert_msg(pf_store_maintain(s, &ret, s3->taken_us, &st, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(st.folded, 0);

    /* 5. A snapshot never stored (dropped while the store was down): the
     * next batch's deltas start from it, not from what the store holds. */
    pf_pss_entry e4[] = {stmt_entry(2, 8, 2), stmt_entry(3, 4, 5), stmt_entry(4, 3, 1)};
    e4[2].c.plan_ms = 0.75;
    pf_pss_snapshot *s4 = snap_of(T0_US + 3 * MIN_US, T0_US - MIN_US, 3, e4);
    pf_pss_entry e5[] = {stmt_entry(2, 9, 2), stmt_entry(3, 5, 5), stmt_entry(4, 3, 1)};
    e5[2].c.plan_ms = 0.75;
    pf_pss_snapshot *s5 = snap_of(T0_US + 4 * MIN_US, T0_US - MIN_US, 3, e5);
    write_batch(s, batch_after(s4, s5), s3);
    assert_counters(dsn, s, sid, s5);

    /* 6. A reset: every entry starts over; 4 is gone. */
    pf_pss_entry e6[] = {stmt_entry(2, 2, 2), stmt_entry(3, 1, 5)};
    pf_pss_snapshot *s6 = snap_of(T0_US + 5 * MIN_US, T0_US + 5 * MIN_US - 1000, 2, e6);
    write_batch(s, batch_after(s5, s6), s5);
    assert_counters(dsn, s, sid, s6);
    /* /metrics reads the same counters. */
    pf_store *rd = NULL;
    ck_assert_msg(pf_store_open_reader(&rd, dsn, "moved", 5000, &e) == 0, "%s", e.msg);
    pf_store_metrics m;
    ck_assert_msg(pf_store_metrics_read(rd, 5, &m, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(m.n_cats, 1);
    ck_assert_int_eq(m.cats[0].calls, 3);
    ck_assert_int_eq(m.cats[0].shared_hit, 21);
    pf_store_metrics_dispose(&m);
    pf_store_close(rd);

    char *xmins[] = {x1, x2, x3, y1, y2, y3, z4, g1, g2, g3, g4, sql};
    for (size_t i = 0; i < sizeof xmins / sizeof xmins[0]; i++)
        free(xmins[i]);
    pf_pss_snapshot *snaps[] = {s1, s2, s3, s4, s5, s6};
    for (size_t i = 0; i < sizeof snaps / sizeof snaps[0]; i++)
        pf_pss_snapshot_free(snaps[i]);
    pf_store_close(s);
    free(dsn);
}
END_TEST

/* A store as perfgate left it at schema version 1 (counters rewritten every
 * interval) is migrated on open and carries on from its counters. */
START_TEST(test_a_version_1_store_is_migrated_and_its_counters_carry_on)
{
    exec_on(pf_cluster_dsn(g_store), "CREATE DATABASE history_v1 OWNER perfgate_store");
    char *dsn = dsn_as(g_store, "perfgate_store", "history_v1");
    int before = -1, after = -1;
    pf_error e;
    ck_assert_msg(pf_store_migrate_to(dsn, 1, &before, &after, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(before, 0);
    ck_assert_int_eq(after, 1);
    /* What version 1 wrote: the newest snapshot's counters, current. */
    exec_on(dsn,
            "INSERT INTO perfgate_monitor.sources (name, target, identity)"
            " VALUES ('old', 'test', 'o/p');"
            "INSERT INTO perfgate_monitor.snapshots (source_id, taken_at, statements, changed,"
            " baseline) SELECT source_id, t, 2, 1, false FROM perfgate_monitor.sources,"
            " (VALUES ('2025-11-28 16:00:00+00'::timestamptz),"
            " ('2025-11-28 16:01:00+00')) v(t);"
            "INSERT INTO perfgate_monitor.deltas (source_id, taken_at, dbid, userid, queryid,"
            " toplevel, category, calls, exec_ms, plan_ms, mean_ms, stddev_ms, rows, shared_hit,"
            " shared_read, temp_read, temp_written) SELECT source_id, '2025-11-28 16:01:00+00',"
            " 1, 2, 1, true, 'default', 4, 8, 0, 2, 0, 8, 28, 1, 0, 0"
            " FROM perfgate_monitor.sources;"
            "INSERT INTO perfgate_monitor.counters (source_id, dbid, userid, queryid, toplevel,"
            " calls, rows, shared_hit, shared_read, temp_read, temp_written, exec_ms, plan_ms,"
            " sumsq) SELECT source_id, 1, 2, q, true, c, 2 * c, 7 * c, c / 3, 0, 0, x, 0, y"
            " FROM perfgate_monitor.sources, (VALUES (1, 10, 20.0, 50.0), (2, 5, 8.0, 13.0))"
            " v(q, c, x, y)");
    pf_store *s = NULL;
    pf_store_open_info info;
    ck_assert_msg(pf_store_open(&s, dsn, "old", "test", "o/p", true, 5000, &info, &e) == 0,
                  "%s", e.msg);
    ck_assert_int_eq(info.version_before, 1);
    ck_assert_int_eq(info.version_after, PF_STORE_VERSION);
    ck_assert(!info.identity_changed);
    ck_assert_int_eq(count_on(dsn, "SELECT max(version) FROM perfgate_monitor.schema_version"),
                     PF_STORE_VERSION);
    /* Each row is as of the newest snapshot: its delta is in it already. */
    ck_assert_int_eq(count_on(dsn, "SELECT count(*) FROM perfgate_monitor.counter_base"
                                   " WHERE as_of = '2025-11-28 16:01:00+00'"),
                     2);
    pf_pss_entry e1[] = {stmt_entry(1, 10, 1), stmt_entry(2, 5, 1)};
    e1[0].c.exec_ms = 20, e1[0].c.sumsq = 50;
    e1[1].c.exec_ms = 8, e1[1].c.sumsq = 13;
    pf_pss_snapshot *s1 = snap_of(T0_US + MIN_US, 0, 2, e1);
    assert_counters(dsn, s, info.source_id, s1);
    /* The next snapshot (from what a restart loads) takes its deltas from there. */
    pf_pss_snapshot *last = NULL;
    ck_assert_msg(pf_store_load_last(s, &last, &e) == 0, "%s", e.msg);
    pf_pss_entry e2[] = {stmt_entry(1, 16, 1), e1[1]};
    pf_pss_snapshot *s2 = snap_of(T0_US + 2 * MIN_US, 0, 2, e2);
    char *x = base_xmin(dsn, info.source_id, 1);
    pf_store_batch *b = batch_after(last, s2);
    ck_assert_uint_eq(b->n_deltas, 1);
    ck_assert_int_eq(b->deltas[0].d.calls, 6);
    write_batch(s, b, last);
    assert_counters(dsn, s, info.source_id, s2);
    char *y = base_xmin(dsn, info.source_id, 1);
    ck_assert_str_eq(x, y);
    free(x);
    free(y);
    pf_pss_snapshot_free(last);
    pf_pss_snapshot_free(s1);
    pf_pss_snapshot_free(s2);
    pf_store_close(s);
    /* Asking for a version this perfgate does not know is refused. */
    ck_assert_int_eq(pf_store_migrate_to(dsn, PF_STORE_VERSION + 1, &before, &after, &e), -1);
    free(dsn);
}
END_TEST

START_TEST(test_store_outage_beyond_max_pending_drops_oldest_with_a_gap)
{
    char *cfg = pf_test_write(g_dir, "overflow.json",
                              "{\"source\": \"overflow\", \"max_pending\": 2,"
                              " \"alerts\": {\"regression\": {\"enabled\": false}}}");
    char *log = pf_path_join(g_dir, "overflow.log");
    char *mon_dsn = dsn_as(g_mon, "perfgate_monitor", "postgres");
    char *store_dsn = dsn_as(g_store, "perfgate_store", "history");
    char *argv[] = {(char *)pf_test_bin(), "-v", "monitor", "--dsn", mon_dsn, "--store-dsn",
                    store_dsn, "--interval", "500ms", "--config", cfg, NULL};
    pid_t pid = spawn_monitor(argv, log);
    ck_assert_msg(wait_log(log, "stored snapshot", 2, 30000), "%s", read_log(log));
    pf_error e;
    ck_assert_msg(pf_cluster_kill(g_store, &e) == 0, "%s", e.msg);
    ck_assert_msg(wait_log(log, "dropping the snapshot", 2, 20000), "%s", read_log(log));
    ck_assert_msg(pf_cluster_restart(g_store, &e) == 0, "%s", e.msg);
    ck_assert_msg(wait_log(log, "history store reachable again", 1, 30000), "%s", read_log(log));
    int stored = log_count(log, "stored snapshot");
    ck_assert_msg(wait_log(log, "stored snapshot", stored + 2, 30000), "%s", read_log(log));
    kill(pid, SIGTERM);
    int status = -1;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", read_log(log));
    /* The queue kept the newest snapshots; the first one after the hole says why. */
    ck_assert_int_ge(count_on(store_dsn, "SELECT count(*) FROM perfgate_monitor.snapshots"
                                         " JOIN perfgate_monitor.sources USING (source_id)"
                                         " WHERE name = 'overflow' AND gap"
                                         " AND gap_reason LIKE '%dropped%max_pending%'"),
                     1);
    char *text = read_log(log);
    int acknowledged = 0;
    for (const char *p = text; (p = strstr(p, "stored snapshot ")) != NULL; acknowledged++) {
        p += strlen("stored snapshot ");
        char *ts = pf_strndup(p, strcspn(p, "("));
        ts[strlen(ts) - 1] = '\0';
        char *sql = pf_asprintf("SELECT count(*) FROM perfgate_monitor.snapshots"
                                " JOIN perfgate_monitor.sources USING (source_id)"
                                " WHERE name = 'overflow' AND taken_at = '%s'",
                                ts);
        ck_assert_msg(count_on(store_dsn, sql) == 1, "acknowledged %s missing", ts);
        free(sql);
        free(ts);
    }
    ck_assert_int_eq(count_on(store_dsn, "SELECT count(*) FROM perfgate_monitor.snapshots"
                                         " JOIN perfgate_monitor.sources USING (source_id)"
                                         " WHERE name = 'overflow'"),
                     acknowledged);
    free(text);
    free(cfg);
    free(log);
    free(mon_dsn);
    free(store_dsn);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("monitor");
    TCase *tc = tcase_create("live");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_store_write_is_idempotent_after_a_lost_ack);
    tcase_add_test(tc, test_a_snapshot_writes_only_what_moved_and_the_counters_stay_current);
    tcase_add_test(tc, test_a_version_1_store_is_migrated_and_its_counters_carry_on);
    tcase_add_test(tc, test_monitor_alerts_resolves_and_survives_resets_and_restarts);
    tcase_add_test(tc, test_once_mode_and_refusals);
    tcase_add_test(tc, test_store_outage_beyond_max_pending_drops_oldest_with_a_gap);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    /* The clusters are killed and restarted from the tests: one process
     * must own them (a forked test could not wait for the servers). */
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
