/* `perfgate run --base REF` (the same-run comparison) end to end, on a
 * disposable cluster and on a server given by --dsn, and the exit code of
 * `run --update-baselines` when an RLS check fails.
 *
 * Each scenario is a git repository in a temp dir holding a copy of
 * fixtures/schema, the healthcare dataset spec and two cases from bench/:
 * a read (timeline_recent_page) and a write (queue_claim_next, which runs
 * in a throw-away copy on perfgate's own server and in place, rolled back,
 * on a --dsn server). The commit is the base; the working tree is the head,
 * either unchanged (base == head: the base database is a TEMPLATE copy) or
 * with both timeline indexes dropped (a regression: the base database is
 * built from the base schema, and the page falls to a Seq Scan).
 *
 * Before issue 14, a write case with --dsn and a built base crashed
 * (SIGSEGV), and with an unchanged base it exited 2 copying a database
 * "perfgate" that a --dsn server does not have; `run --update-baselines`
 * with an isolation leak exited 0. */
#include <check.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cluster.h"
#include "db.h"
#include "error.h"
#include "exitcode.h"
#include "fsutil.h"
#include "testutil.h"

#define SCALE "0.05"
#define ITERATIONS "10"
#define READ_CASE "timeline_recent_page"
#define WRITE_CASE "queue_claim_next"

static const char *const k_cases[] = {"timeline/" READ_CASE, "queue/" WRITE_CASE, NULL};
static const char k_drop_indexes[] = "DROP INDEX idx_timeline_patient_date;\n"
                                     "DROP INDEX idx_timeline_patient_category_date;\n";

static char *g_work;        /* everything the suite writes */
static char *g_runtime;     /* PERFGATE_RUNTIME_DIR of the disposable runs */
static char *g_env_runtime; /* "PERFGATE_RUNTIME_DIR=..." */
static pf_cluster *g_cluster; /* the --dsn tests' server */

/* ------------------------------------------------------------- helpers */

static char *read_text(const char *path)
{
    char *text = NULL;
    pf_error e;
    ck_assert_msg(pf_file_read(path, &text, NULL, &e) == 0, "%s", e.msg);
    return text;
}

static void copy_file(const char *src, const char *dst)
{
    char *text = read_text(src);
    char *dir = pf_strdup(dst);
    *strrchr(dir, '/') = '\0';
    pf_error e;
    ck_assert_msg(pf_mkdirs(dir, 0755, &e) == 0, "%s", e.msg);
    FILE *f = fopen(dst, "w");
    ck_assert_msg(f != NULL, "cannot write %s", dst);
    fputs(text, f);
    fclose(f);
    free(dir);
    free(text);
}

static void git(const char *repo, const char *const *args)
{
    char *argv[16];
    int n = 0;
    argv[n++] = "/usr/bin/git";
    argv[n++] = "-C";
    argv[n++] = (char *)repo;
    argv[n++] = "-c";
    argv[n++] = "user.name=perfgate test";
    argv[n++] = "-c";
    argv[n++] = "user.email=test@perfgate.invalid";
    for (; *args != NULL && n < 15; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    pf_run_result r;
    pf_test_run(argv, NULL, NULL, &r);
    ck_assert_msg(r.status == 0, "git %s: exit %d: %s", argv[7], r.status, r.err);
    pf_run_result_dispose(&r);
}

/* A git repository g_work/name: schema/, datasets/healthcare.json and
 * bench/ with k_cases, committed; then head_file (may be NULL) written
 * into the working tree's schema/zzz_head.sql, uncommitted. Caller frees. */
static char *make_repo(const char *name, const char *head_sql)
{
    char *repo = pf_path_join(g_work, name);
    pf_error e;
    pf_rmtree(repo, NULL);
    ck_assert_msg(pf_mkdirs(repo, 0755, &e) == 0, "%s", e.msg);
    char *src = pf_test_source_path("fixtures/schema");
    char **files = NULL;
    size_t n = 0;
    ck_assert_msg(pf_dir_list(src, ".sql", &files, &n, &e) == 0, "%s", e.msg);
    for (size_t i = 0; i < n; i++) {
        char *from = pf_path_join(src, files[i]);
        char *to = pf_asprintf("%s/schema/%s", repo, files[i]);
        copy_file(from, to);
        free(to);
        free(from);
    }
    pf_strv_free(files);
    free(src);
    char *ds = pf_test_source_path("fixtures/datasets/healthcare.json");
    char *ds_to = pf_asprintf("%s/datasets/healthcare.json", repo);
    copy_file(ds, ds_to);
    free(ds_to);
    free(ds);
    for (int i = 0; k_cases[i]; i++) {
        char *rel = pf_asprintf("bench/%s.sql", k_cases[i]);
        char *from = pf_test_source_path(rel);
        char *to = pf_path_join(repo, rel);
        copy_file(from, to);
        free(to);
        free(from);
        free(rel);
    }
    git(repo, (const char *[]){"init", "-q", ".", NULL});
    git(repo, (const char *[]){"add", "-A", NULL});
    git(repo, (const char *[]){"commit", "-q", "-m", "base", NULL});
    if (head_sql != NULL) {
        char *p = pf_asprintf("%s/schema/zzz_head.sql", repo);
        FILE *f = fopen(p, "w");
        ck_assert_msg(f != NULL, "cannot write %s", p);
        fputs(head_sql, f);
        fclose(f);
        free(p);
    }
    return repo;
}

/* A fresh database on the --dsn server; returns its DSN (caller frees). */
static char *fresh_db(const char *name)
{
    pf_error e;
    pf_db *admin = NULL;
    ck_assert_msg(pf_db_connect(&admin, pf_cluster_dsn(g_cluster), &e) == 0, "%s", e.msg);
    char *sql = pf_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    ck_assert_msg(pf_db_exec(admin, sql, &e) == 0, "%s", e.msg);
    free(sql);
    sql = pf_asprintf("CREATE DATABASE %s", name);
    ck_assert_msg(pf_db_exec(admin, sql, &e) == 0, "%s", e.msg);
    free(sql);
    pf_db_close(admin);
    return pf_db_dsn_with_dbname(pf_cluster_dsn(g_cluster), name);
}

typedef struct gate {
    pf_run_result r;
    cJSON *json;
} gate;

/* perfgate run in repo (relative paths, as in CI) with the repo's schema,
 * bench and dataset, small scale, no instructions, plus extra arguments
 * (NULL-terminated); --json read back into g->json (NULL if absent). */
static void run_gate(gate *g, const char *repo, const char *const *extra)
{
    char *json = pf_path_join(repo, "results.json");
    char *baselines = pf_path_join(repo, "baselines");
    char *argv[48];
    int n = 0;
    const char *fixed[] = {pf_test_bin(), "run", "--schema", "schema", "--bench", "bench",
                           "--dataset", "datasets/healthcare.json", "--baselines", baselines,
                           "--scale", SCALE, "--iterations", ITERATIONS, "--no-instructions",
                           "--junit", "-", "--json", json, NULL};
    for (int i = 0; fixed[i]; i++)
        argv[n++] = (char *)fixed[i];
    for (; extra && *extra && n < 47; extra++)
        argv[n++] = (char *)*extra;
    argv[n] = NULL;
    char *env[] = {g_env_runtime, "PERFGATE_DSN=", "GITHUB_STEP_SUMMARY=", NULL};
    /* git and the relative paths resolve in the repository. */
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(repo), 0);
    pf_test_run(argv, env, NULL, &g->r);
    ck_assert_int_eq(chdir(cwd), 0);
    g->json = NULL;
    if (pf_path_exists(json)) {
        char *text = read_text(json);
        g->json = cJSON_Parse(text);
        free(text);
    }
    free(baselines);
    free(json);
}

static void gate_dispose(gate *g)
{
    pf_run_result_dispose(&g->r);
    cJSON_Delete(g->json);
}

/* The last 2000 bytes of text: Check's messages are bounded. */
static const char *tail(const char *text)
{
    size_t n = text ? strlen(text) : 0;
    return n > 2000 ? text + n - 2000 : text ? text : "";
}

static void assert_exit(const gate *g, int want)
{
    ck_assert_msg(g->r.status == want,
                  "perfgate run exited %d, expected %d\nstderr:\n%s\nstdout:\n%s", g->r.status,
                  want, tail(g->r.err), tail(g->r.out));
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    ck_assert_msg(cJSON_IsString(v), "no string %s", k);
    return v->valuestring;
}

static const cJSON *json_case(const gate *g, const char *name)
{
    ck_assert_msg(g->json != NULL, "no JSON results\n%s", tail(g->r.err));
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(g->json, "cases"))
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return c;
    }
    ck_abort_msg("no case %s in the JSON results", name);
    return NULL;
}

/* Both cases were compared with the base revision measured in this run. */
static void assert_paired(const gate *g)
{
    const cJSON *commit = cJSON_GetObjectItemCaseSensitive(g->json, "base_commit");
    ck_assert_msg(cJSON_IsString(commit) && strlen(commit->valuestring) == 40, "base_commit");
    for (int i = 0; k_cases[i]; i++) {
        const cJSON *c = json_case(g, strrchr(k_cases[i], '/') + 1);
        ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "paired")),
                      "%s not compared with the base", k_cases[i]);
    }
}

/* The write case passed, compared with the base (not an error). */
static void assert_write_case_passed(const gate *g, bool in_place)
{
    const cJSON *c = json_case(g, WRITE_CASE);
    ck_assert_msg(strcmp(jstr(c, "status"), "pass") == 0, "%s: %s: %s\n%s", WRITE_CASE,
                  jstr(c, "status"), jstr(c, "headline"), tail(g->r.err));
    bool noted = strstr(jstr(c, "details"), "a write case run in place") != NULL;
    ck_assert_msg(noted == in_place, "%s: run in place %s noted: %s", WRITE_CASE,
                  in_place ? "not" : "", jstr(c, "details"));
}

/* The page fails on the dropped indexes, naming the plan change. */
static void assert_read_case_regressed(const gate *g)
{
    const cJSON *c = json_case(g, READ_CASE);
    const char *head = jstr(c, "headline");
    ck_assert_msg(strcmp(jstr(c, "status"), "fail") == 0, "%s: %s: %s", READ_CASE,
                  jstr(c, "status"), head);
    ck_assert_msg(strstr(head, "buffers ") != NULL &&
                      strstr(head, "Seq Scan on healthcare_timeline_events") != NULL,
                  "%s", head);
    ck_assert_msg(strstr(g->r.out, "fail  timeline/" READ_CASE ": ") != NULL, "%s",
                  tail(g->r.out));
}

static int count_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    if (d)
        closedir(d);
    return n;
}

/* No server outlived a disposable run. */
static void assert_no_server(void)
{
    ck_assert_msg(count_entries(g_runtime) == 0, "runtime dir %s not empty after a run", g_runtime);
    ck_assert_msg(!pf_test_process_running(g_runtime), "a process still uses %s", g_runtime);
}

/* --------------------------------------------------------------- setup */

static void suite_setup(void)
{
    g_work = pf_test_tmpdir();
    g_runtime = pf_path_join(g_work, "runtime");
    /* 0711: as root the server runs as an unprivileged user that must
     * enter the runtime dir. */
    if (mkdir(g_runtime, 0711) != 0 || chmod(g_runtime, 0711) != 0)
        abort();
    g_env_runtime = pf_asprintf("%s=%s", PF_RUNTIME_DIR_ENV, g_runtime);
}

static void suite_teardown(void)
{
    const char *keep = getenv("PERFGATE_TEST_KEEP");
    if (g_work != NULL && (keep == NULL || *keep == '\0'))
        pf_rmtree(g_work, NULL);
    free(g_work);
    free(g_runtime);
    free(g_env_runtime);
}

static void dsn_setup(void)
{
    pf_error e;
    if (pf_cluster_start(&g_cluster, NULL, &e) < 0) {
        fprintf(stderr, "test_gate_base: cluster start failed: %s\n", e.msg);
        abort();
    }
}

static void dsn_teardown(void)
{
    pf_cluster_free(g_cluster);
    g_cluster = NULL;
}

/* --------------------------------------------------- disposable cluster */

/* base == head: the base database is a copy of the seeded one, nothing
 * differs, the run passes; the write case runs in throw-away copies. */
START_TEST(test_cluster_base_is_head_passes)
{
    char *repo = make_repo("cluster_same", NULL);
    gate g;
    run_gate(&g, repo, (const char *[]){"--no-rls", "--base", "HEAD", NULL});
    assert_exit(&g, PF_EXIT_OK);
    assert_no_server();
    ck_assert_msg(strstr(g.r.out, "(cloned base database)") != NULL, "%s", tail(g.r.out));
    assert_paired(&g);
    assert_write_case_passed(&g, false);
    ck_assert_str_eq(jstr(json_case(&g, READ_CASE), "status"), "pass");
    gate_dispose(&g);
    free(repo);
}
END_TEST

/* The head drops the indexes the page uses: a base database built from the
 * base schema, and the page fails against it. */
START_TEST(test_cluster_dropped_index_fails_against_base)
{
    char *repo = make_repo("cluster_drop", k_drop_indexes);
    gate g;
    run_gate(&g, repo, (const char *[]){"--no-rls", "--base", "HEAD", NULL});
    assert_exit(&g, PF_EXIT_FAIL);
    assert_no_server();
    ck_assert_msg(strstr(g.r.out, "(separately built base database)") != NULL, "%s",
                  tail(g.r.out));
    assert_paired(&g);
    assert_read_case_regressed(&g);
    assert_write_case_passed(&g, false);
    gate_dispose(&g);
    free(repo);
}
END_TEST

/* ---------------------------------------------------------------- --dsn */

/* base == head on a --dsn server: the base database is a copy of the
 * database the DSN names, the write case measured in place (rolled back)
 * on both. */
START_TEST(test_dsn_base_is_head_passes_with_a_write_case)
{
    char *repo = make_repo("dsn_same", NULL);
    char *dsn = fresh_db("gate_base_same");
    gate g;
    run_gate(&g, repo, (const char *[]){"--no-rls", "--dsn", dsn, "--base", "HEAD", NULL});
    assert_exit(&g, PF_EXIT_OK);
    ck_assert_msg(strstr(g.r.out, "(cloned base database)") != NULL, "%s", tail(g.r.out));
    assert_paired(&g);
    assert_write_case_passed(&g, true);
    ck_assert_str_eq(jstr(json_case(&g, READ_CASE), "status"), "pass");
    gate_dispose(&g);
    free(dsn);
    free(repo);
}
END_TEST

/* A regression on a --dsn server: the base database built beside the
 * user's, the write case measured in place on both (this crashed). */
START_TEST(test_dsn_dropped_index_fails_against_base)
{
    char *repo = make_repo("dsn_drop", k_drop_indexes);
    char *dsn = fresh_db("gate_base_drop");
    gate g;
    run_gate(&g, repo, (const char *[]){"--no-rls", "--dsn", dsn, "--base", "HEAD", NULL});
    assert_exit(&g, PF_EXIT_FAIL);
    ck_assert_msg(strstr(g.r.out, "(separately built base database)") != NULL, "%s",
                  tail(g.r.out));
    assert_paired(&g);
    assert_read_case_regressed(&g);
    assert_write_case_passed(&g, true);
    /* Rolled back: the user's queue is as seeded. */
    pf_db *db = NULL;
    pf_error e;
    ck_assert_msg(pf_db_connect(&db, dsn, &e) == 0, "%s", e.msg);
    char *claimed = NULL;
    ck_assert_msg(pf_db_query_value(db,
                                    "SELECT count(*) FROM job_queue "
                                    "WHERE worker_id = 'bench-worker'",
                                    &claimed, &e) == 0,
                  "%s", e.msg);
    ck_assert_str_eq(claimed, "0");
    free(claimed);
    pf_db_close(db);
    gate_dispose(&g);
    free(dsn);
    free(repo);
}
END_TEST

/* ------------------------------------------------- --update-baselines */

/* A USING (true) policy leaks the timeline to every patient: recording
 * baselines writes them and still exits 1. */
START_TEST(test_update_baselines_with_a_leak_exits_1)
{
    char *repo = make_repo("leak", "CREATE POLICY leak ON public.healthcare_timeline_events "
                                   "FOR SELECT TO authenticated USING (true);\n");
    char *rules = pf_test_source_path("fixtures/rls/healthcare.json");
    gate g;
    run_gate(&g, repo, (const char *[]){"--rls-rules", rules, "--update-baselines", NULL});
    assert_exit(&g, PF_EXIT_FAIL);
    assert_no_server();
    ck_assert_msg(strstr(g.r.out, "LEAK: public.healthcare_timeline_events as patient can SELECT "),
                  "%s", tail(g.r.out));
    ck_assert_msg(strstr(g.r.err, "wrote 2 baselines under ") != NULL, "%s", tail(g.r.err));
    ck_assert_msg(strstr(g.r.err, "failed RLS isolation, table or lint check") != NULL, "%s",
                  tail(g.r.err));
    for (int i = 0; k_cases[i]; i++) {
        char *p = pf_asprintf("%s/baselines/%s.json", repo, k_cases[i]);
        ck_assert_msg(pf_path_exists(p), "%s not written", p);
        free(p);
    }
    gate_dispose(&g);
    free(rules);
    free(repo);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gate_base");
    TCase *tc = tcase_create("cluster");
    tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_cluster_base_is_head_passes);
    tcase_add_test(tc, test_cluster_dropped_index_fails_against_base);
    tcase_add_test(tc, test_update_baselines_with_a_leak_exits_1);
    suite_add_tcase(s, tc);
    TCase *td = tcase_create("dsn");
    tcase_add_unchecked_fixture(td, suite_setup, suite_teardown);
    tcase_add_unchecked_fixture(td, dsn_setup, dsn_teardown);
    tcase_set_timeout(td, 300);
    tcase_add_test(td, test_dsn_base_is_head_passes_with_a_write_case);
    tcase_add_test(td, test_dsn_dropped_index_fails_against_base);
    suite_add_tcase(s, td);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
