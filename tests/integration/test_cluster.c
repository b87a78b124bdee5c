/* A real disposable cluster: start, query, settings, schema application with
 * errors that name file and line, and cleanup after SIGTERM and SIGKILL. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster.h"
#include "db.h"
#include "fsutil.h"
#include "proc.h"
#include "schema.h"
#include "testutil.h"
#include "timeutil.h"

static pf_cluster *g_cluster;

static void start_shared(void)
{
    pf_error e;
    pf_error_clear(&e);
    if (pf_cluster_start(&g_cluster, NULL, &e) < 0) {
        fprintf(stderr, "cluster start failed: %s\n", e.msg);
        abort();
    }
}

static void stop_shared(void)
{
    pf_cluster_free(g_cluster);
    g_cluster = NULL;
}

static pf_db *connect_db(const char *dbname)
{
    pf_error e;
    pf_db *db = NULL;
    char *dsn = pf_db_dsn_with_dbname(pf_cluster_dsn(g_cluster), dbname);
    ck_assert_msg(pf_db_connect(&db, dsn, &e) == 0, "%s", e.msg);
    free(dsn);
    return db;
}

static char *value(pf_db *db, const char *sql)
{
    char *v = NULL;
    pf_error e;
    ck_assert_msg(pf_db_query_value(db, sql, &v, &e) == 0, "%s: %s", sql, e.msg);
    return v;
}

START_TEST(test_cluster_answers_with_benchmark_settings)
{
    pf_db *db = connect_db("postgres");
    static const char *const k_expect[][2] = {
        {"SHOW fsync", "off"},
        {"SHOW synchronous_commit", "off"},
        {"SHOW full_page_writes", "off"},
        {"SHOW jit", "off"},
        {"SHOW autovacuum", "off"},
        {"SHOW track_functions", "all"},
        {"SHOW max_parallel_workers_per_gather", "0"},
        {"SHOW listen_addresses", "127.0.0.1"},
        {"SHOW shared_preload_libraries", "pg_stat_statements"},
        {"SHOW server_encoding", "UTF8"},
        {"SELECT count(*) >= 0 FROM pg_stat_statements", "t"},
    };
    pf_error e;
    ck_assert_msg(pf_db_exec(db, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements", &e) == 0,
                  "%s", e.msg);
    for (size_t i = 0; i < sizeof k_expect / sizeof k_expect[0]; i++) {
        char *v = value(db, k_expect[i][0]);
        ck_assert_msg(v && strcmp(v, k_expect[i][1]) == 0, "%s gave %s", k_expect[i][0], v);
        free(v);
    }
    ck_assert_int_ge(pf_db_server_version(db), 120000);
    pf_db_close(db);
    /* TCP on loopback works too. */
    char *tcp = pf_asprintf("host=127.0.0.1 port=%d user=postgres dbname=postgres",
                            pf_cluster_port(g_cluster));
    pf_db *db2 = NULL;
    ck_assert_msg(pf_db_connect(&db2, tcp, &e) == 0, "%s", e.msg);
    pf_db_close(db2);
    free(tcp);
}
END_TEST

START_TEST(test_schema_dir_applies_in_order_and_auth_shim_is_idempotent)
{
    pf_db *admin = connect_db("postgres");
    pf_error e;
    ck_assert(pf_db_exec(admin, "DROP DATABASE IF EXISTS s1; CREATE DATABASE s1", &e) == 0 ||
              pf_db_exec(admin, "CREATE DATABASE s1", &e) == 0);
    pf_db_close(admin);
    pf_db *db = connect_db("s1");
    pf_schema_stats st = {0};
    ck_assert_msg(pf_schema_apply_auth_shim(db, &st, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_schema_apply_auth_shim(db, &st, &e) == 0, "second apply: %s", e.msg);

    char *dir = pf_test_tmpdir();
    free(pf_test_write(dir, "020_second.sql",
                       "-- depends on 010\n"
                       "INSERT INTO t VALUES (2, 'semi;colon');\n"
                       "CREATE FUNCTION add1(i int) RETURNS int LANGUAGE plpgsql AS $$\n"
                       "BEGIN\n  RETURN i + 1; -- a comment; with a semicolon\nEND\n$$;\n"
                       "DO $do$ BEGIN PERFORM add1(1); END $do$;\n"));
    free(pf_test_write(dir, "010_first.sql",
                       "/* creates t */ CREATE TABLE t (id int primary key, s text);\n"
                       "INSERT INTO t VALUES (1, E'it\\'s');\n"));
    free(pf_test_write(dir, "README.md", "not SQL"));
    ck_assert_msg(pf_schema_apply_dir(db, dir, &st, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(st.files, 2);
    char *v = value(db, "SELECT string_agg(s, '|' ORDER BY id) FROM t");
    ck_assert_str_eq(v, "it's|semi;colon");
    free(v);
    /* The shim behaves as Supabase's: claims drive auth.uid() and auth.role(). */
    ck_assert(pf_db_exec(db,
                         "BEGIN; SET LOCAL ROLE authenticated; SELECT set_config("
                         "'request.jwt.claims', '{\"sub\":\"00000000-0000-0000-0000-000000000042\","
                         "\"role\":\"authenticated\"}', true)",
                         &e) == 0);
    v = value(db, "SELECT auth.uid()::text || ' ' || auth.role() || ' ' || current_user");
    ck_assert_str_eq(v, "00000000-0000-0000-0000-000000000042 authenticated authenticated");
    free(v);
    ck_assert(pf_db_exec(db, "ROLLBACK", &e) == 0);
    v = value(db, "SELECT rolbypassrls::text FROM pg_roles WHERE rolname = 'service_role'");
    ck_assert_str_eq(v, "true");
    free(v);
    pf_db_close(db);
    pf_rmtree(dir, NULL);
    free(dir);
}
END_TEST

START_TEST(test_schema_error_names_file_and_line)
{
    pf_db *admin = connect_db("postgres");
    pf_error e;
    pf_db_exec(admin, "CREATE DATABASE s2", &e);
    pf_db_close(admin);
    pf_db *db = connect_db("s2");
    char *dir = pf_test_tmpdir();
    free(pf_test_write(dir, "010_ok.sql", "CREATE TABLE ok (id int);\n"));
    free(pf_test_write(dir, "020_broken.sql",
                       "-- line 1\n"
                       "CREATE TABLE fine (id int);\n"
                       "\n"
                       "SELECT id,\n"
                       "       name\n"
                       "  FROM fine\n"
                       "  JOIN missing_table m ON m.id = fine.id;\n"
                       "CREATE TABLE never (id int);\n"));
    free(pf_test_write(dir, "030_after.sql", "CREATE TABLE after_broken (id int);\n"));
    ck_assert_int_eq(pf_schema_apply_dir(db, dir, NULL, &e), -1);
    char *want = pf_asprintf("%s/020_broken.sql:7: ERROR: relation \"missing_table\" does not exist",
                             dir);
    ck_assert_msg(strstr(e.msg, want) != NULL, "message: %s", e.msg);
    ck_assert_str_eq(e.sqlstate, "42P01");
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    free(want);
    /* Nothing after the failing statement ran. */
    char *v = value(db, "SELECT count(*) FROM pg_class WHERE relname IN ('never', 'after_broken')");
    ck_assert_str_eq(v, "0");
    free(v);
    /* A runtime error without a position names the statement's first line. */
    free(pf_test_write(dir, "040_dup.sql", "\n\nINSERT INTO ok\n  SELECT 1 / 0;\n"));
    char *p = pf_path_join(dir, "040_dup.sql");
    ck_assert_int_eq(pf_schema_apply_file(db, p, NULL, &e), -1);
    ck_assert_msg(strstr(e.msg, "040_dup.sql:3: ERROR: division by zero") != NULL, "%s", e.msg);
    free(p);
    pf_db_close(db);
    pf_rmtree(dir, NULL);
    free(dir);
}
END_TEST

/* perfgate pg start --foreground in a private runtime dir; returns its pid
 * and the first line it printed (the DSN). */
static pid_t spawn_foreground(const char *runtime, char *dsn, size_t dsn_len, int *out_fd)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        closefrom(3);
        setenv(PF_RUNTIME_DIR_ENV, runtime, 1);
        execl(pf_test_bin(), pf_test_bin(), "pg", "start", "--foreground", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    if (dsn != NULL) {
        size_t n = 0;
        while (n + 1 < dsn_len) {
            ssize_t r = read(fds[0], dsn + n, 1);
            if (r <= 0 || dsn[n] == '\n')
                break;
            n++;
        }
        dsn[n] = '\0';
    }
    *out_fd = fds[0];
    return pid;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            n++;
    if (d)
        closedir(d);
    return n;
}

static bool wait_empty(const char *dir, int ms)
{
    uint64_t t0 = pf_now_ns();
    while (count_entries(dir) > 0) {
        if (pf_elapsed_ms(t0) > ms)
            return false;
        pf_sleep_ms(20);
    }
    return true;
}

START_TEST(test_sigterm_to_pg_start_leaves_nothing)
{
    char *runtime = pf_test_tmpdir();
    char dsn[512];
    int fd;
    pid_t pid = spawn_foreground(runtime, dsn, sizeof dsn, &fd);
    ck_assert_msg(strstr(dsn, "host=") != NULL, "no DSN printed: '%s'", dsn);
    pf_db *db = NULL;
    pf_error e;
    ck_assert_msg(pf_db_connect(&db, dsn, &e) == 0, "%s", e.msg);
    pf_db_close(db);
    ck_assert_int_eq(count_entries(runtime), 1);
    ck_assert(pf_test_process_running(runtime));

    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert_int_eq(count_entries(runtime), 0);
    ck_assert(!pf_test_process_running(runtime));
    close(fd);
    pf_rmtree(runtime, NULL);
    free(runtime);
}
END_TEST

START_TEST(test_sigterm_during_startup_leaves_nothing)
{
    char *runtime = pf_test_tmpdir();
    int fd;
    pid_t pid = spawn_foreground(runtime, NULL, 0, &fd);
    /* Somewhere inside initdb or server start. */
    pf_sleep_ms(300);
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    ck_assert_msg(wait_empty(runtime, 5000), "runtime dir not emptied");
    ck_assert(!pf_test_process_running(runtime));
    close(fd);
    pf_rmtree(runtime, NULL);
    free(runtime);
}
END_TEST

/* Children of pid whose command is perfgate: the watchdog. */
static pid_t find_watchdog(pid_t parent)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    pid_t found = 0;
    while (d && !found && (de = readdir(d)) != NULL) {
        char path[300];
        snprintf(path, sizeof path, "/proc/%s/status", de->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        char line[256], name[64] = "";
        long ppid = -1;
        while (fgets(line, sizeof line, f)) {
            sscanf(line, "Name:\t%63s", name);
            sscanf(line, "PPid:\t%ld", &ppid);
        }
        fclose(f);
        if (ppid == parent && strcmp(name, "perfgate") == 0)
            found = (pid_t)atol(de->d_name);
    }
    if (d)
        closedir(d);
    return found;
}

START_TEST(test_sigkill_is_cleaned_by_the_watchdog)
{
    char *runtime = pf_test_tmpdir();
    char dsn[512];
    int fd;
    pid_t pid = spawn_foreground(runtime, dsn, sizeof dsn, &fd);
    ck_assert(strstr(dsn, "host=") != NULL);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    ck_assert_msg(wait_empty(runtime, 15000), "watchdog did not clean up");
    ck_assert(!pf_test_process_running(runtime));
    close(fd);
    pf_rmtree(runtime, NULL);
    free(runtime);
}
END_TEST

/* SIGKILL while initdb runs (the first second): the watchdog starts before
 * initdb, kills it and removes the directory; nothing waits for a later
 * run to reap it. */
START_TEST(test_sigkill_during_initdb_is_cleaned_by_the_watchdog)
{
    char *runtime = pf_test_tmpdir();
    int fd;
    pid_t pid = spawn_foreground(runtime, NULL, 0, &fd);
    /* Until the cluster directory exists: initdb is on its way. */
    uint64_t t0 = pf_now_ns();
    while (count_entries(runtime) == 0 && pf_elapsed_ms(t0) < 5000)
        pf_sleep_ms(5);
    pf_sleep_ms(100);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    ck_assert_msg(wait_empty(runtime, 15000), "watchdog did not clean up after a kill in initdb");
    ck_assert(!pf_test_process_running(runtime));
    close(fd);
    pf_rmtree(runtime, NULL);
    free(runtime);
}
END_TEST

START_TEST(test_stale_cluster_is_reaped_by_a_later_run)
{
    char *runtime = pf_test_tmpdir();
    char dsn[512];
    int fd;
    pid_t pid = spawn_foreground(runtime, dsn, sizeof dsn, &fd);
    ck_assert(strstr(dsn, "host=") != NULL);
    /* Kill the watchdog first, then perfgate: nothing cleans up now. */
    pid_t wd = find_watchdog(pid);
    ck_assert_msg(wd > 0, "watchdog not found");
    kill(wd, SIGKILL);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    pf_sleep_ms(200);
    ck_assert_int_eq(count_entries(runtime), 1);
    ck_assert(pf_test_process_running(runtime)); /* the orphaned server */

    /* A later run reaps it (pf_cluster_start does this first; call the reaper
     * directly to count). */
    int reaped = 0;
    pf_error e;
    ck_assert_int_eq(pf_cluster_reap_stale(runtime, &reaped, &e), 0);
    ck_assert_int_eq(reaped, 1);
    ck_assert_int_eq(count_entries(runtime), 0);
    ck_assert(!pf_test_process_running(runtime));
    close(fd);
    pf_rmtree(runtime, NULL);
    free(runtime);
}
END_TEST

START_TEST(test_detached_start_then_stop_via_cli)
{
    char *runtime = pf_test_tmpdir();
    char *envs = pf_asprintf("%s=%s", PF_RUNTIME_DIR_ENV, runtime);
    char *env[] = {envs, NULL};
    pf_run_result r;
    char *start[] = {(char *)pf_test_bin(), "pg", "start", "--env", "-v", NULL};
    pf_test_run(start, env, NULL, &r);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert(strstr(r.out, "export PGHOST=") != NULL);
    ck_assert(strstr(r.out, "export PERFGATE_DSN=") != NULL);
    ck_assert(strstr(r.err, "server ready in") != NULL);
    ck_assert_int_eq(count_entries(runtime), 1);
    ck_assert(pf_test_process_running(runtime));
    pf_run_result_dispose(&r);

    char *stop[] = {(char *)pf_test_bin(), "pg", "stop", NULL};
    pf_test_run(stop, env, NULL, &r);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_int_eq(count_entries(runtime), 0);
    ck_assert(!pf_test_process_running(runtime));
    pf_run_result_dispose(&r);

    pf_test_run(stop, env, NULL, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert(strstr(r.err, "no cluster") != NULL);
    pf_run_result_dispose(&r);
    free(envs);
    pf_rmtree(runtime, NULL);
    free(runtime);
}
END_TEST

/* pg start takes initdb's output from the cache the second time (as perfgate
 * run does), and --no-cache runs initdb. */
START_TEST(test_pg_start_uses_the_initdb_cache)
{
    char *runtime = pf_test_tmpdir();
    char *cache = pf_test_tmpdir();
    char *envs = pf_asprintf("%s=%s", PF_RUNTIME_DIR_ENV, runtime);
    char *envc = pf_asprintf("PERFGATE_CACHE_DIR=%s", cache);
    char *env[] = {envs, envc, NULL};
    char *start[] = {(char *)pf_test_bin(), "pg", "start", "-v", NULL, NULL};
    char *stop[] = {(char *)pf_test_bin(), "pg", "stop", NULL};
    const char *want[] = {"(initdb ", "(initdb (cached) ", "(initdb "};
    for (int i = 0; i < 3; i++) {
        start[4] = i == 2 ? "--no-cache" : NULL;
        pf_run_result r;
        pf_test_run(start, env, NULL, &r);
        ck_assert_msg(r.status == 0, "%s", r.err);
        ck_assert_msg(strstr(r.err, want[i]) != NULL, "start %d: %s", i, r.err);
        if (i != 1)
            ck_assert_msg(strstr(r.err, "(cached)") == NULL, "start %d: %s", i, r.err);
        pf_run_result_dispose(&r);
        pf_test_run(stop, env, NULL, &r);
        ck_assert_msg(r.status == 0, "%s", r.err);
        pf_run_result_dispose(&r);
    }
    ck_assert_int_eq(count_entries(runtime), 0);
    free(envs);
    free(envc);
    pf_rmtree(runtime, NULL);
    pf_rmtree(cache, NULL);
    free(runtime);
    free(cache);
}
END_TEST

START_TEST(test_start_failure_reports_log_and_leaves_nothing)
{
    char *runtime = pf_test_tmpdir();
    /* An invalid setting makes the server refuse to start. */
    const char *const bad[] = {"shared_buffers = 'lots'", NULL};
    pf_cluster_opts o = {0};
    o.base_dir = runtime;
    o.settings = bad;
    pf_cluster *c = NULL;
    pf_error e;
    ck_assert_int_eq(pf_cluster_start(&c, &o, &e), -1);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(e.msg, "server log tail") != NULL && strstr(e.msg, "shared_buffers"),
                  "%s", e.msg);
    ck_assert_int_eq(e.code, PF_EXIT_INFRA);
    ck_assert_int_eq(count_entries(runtime), 0);
    pf_rmtree(runtime, NULL);
    free(runtime);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cluster");
    TCase *shared = tcase_create("shared_cluster");
    tcase_add_unchecked_fixture(shared, start_shared, stop_shared);
    tcase_set_timeout(shared, 120);
    tcase_add_test(shared, test_cluster_answers_with_benchmark_settings);
    tcase_add_test(shared, test_schema_dir_applies_in_order_and_auth_shim_is_idempotent);
    tcase_add_test(shared, test_schema_error_names_file_and_line);
    suite_add_tcase(s, shared);

    TCase *life = tcase_create("lifecycle");
    tcase_set_timeout(life, 120);
    tcase_add_test(life, test_sigterm_to_pg_start_leaves_nothing);
    tcase_add_test(life, test_sigterm_during_startup_leaves_nothing);
    tcase_add_test(life, test_sigkill_is_cleaned_by_the_watchdog);
    tcase_add_test(life, test_sigkill_during_initdb_is_cleaned_by_the_watchdog);
    tcase_add_test(life, test_stale_cluster_is_reaped_by_a_later_run);
    tcase_add_test(life, test_detached_start_then_stop_via_cli);
    tcase_add_test(life, test_pg_start_uses_the_initdb_cache);
    tcase_add_test(life, test_start_failure_reports_log_and_leaves_nothing);
    suite_add_tcase(s, life);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
