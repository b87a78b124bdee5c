/* perfgate init on real disposable servers, the quality bar of issue 15:
 *  - on the shipped healthcare schema and the three Supabase-style test
 *    projects, `perfgate init` followed by `perfgate run` on the drafted
 *    spec, cases and RLS rules (no hand edits) seeds, runs every drafted
 *    case and exits 0, with every RLS check passing;
 *  - where a policy cannot be translated (it reads the JWT), the rules say
 *    TODO: the run with --no-rls passes, the run with the rules fails
 *    naming the rule to write;
 *  - constraints the drafter cannot read are repaired by the trial seeding
 *    and the repaired draft runs;
 *  - --dsn reads an existing database and drafts the same spec as --schema.
 * Every binary run starts its own cluster, as CI does. Timings of each init
 * and run go to stderr (the time from init to the first green run). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "cluster.h"
#include "db.h"
#include "exitcode.h"
#include "fsutil.h"
#include "schema.h"
#include "testutil.h"
#include "timeutil.h"

#define ITERATIONS "5"

static char *g_tmp;
static char *g_env_runtime;

static void setup(void)
{
    g_tmp = pf_test_tmpdir();
    char *runtime = pf_path_join(g_tmp, "runtime");
    /* 0711: as root the server runs as an unprivileged user that must
     * enter the runtime dir. */
    if (mkdir(runtime, 0711) != 0 || chmod(runtime, 0711) != 0 || chmod(g_tmp, 0711) != 0)
        abort();
    g_env_runtime = pf_asprintf("%s=%s", PF_RUNTIME_DIR_ENV, runtime);
    free(runtime);
}

static void teardown(void)
{
    pf_error e;
    const char *keep = getenv("PERFGATE_TEST_KEEP");
    if (keep == NULL || *keep == '\0')
        pf_rmtree(g_tmp, &e);
    free(g_tmp);
    free(g_env_runtime);
}

static void run_bin(char **argv, pf_run_result *r, double *ms)
{
    char *env[] = {g_env_runtime, "PERFGATE_DSN=", "GITHUB_STEP_SUMMARY=", NULL};
    uint64_t t0 = pf_now_ns();
    pf_test_run(argv, env, NULL, r);
    if (ms)
        *ms = pf_elapsed_ms(t0);
}

/* perfgate init --schema dir [--auth-shim] --out out: exit 0 expected. */
static void init_ok(const char *dir, bool shim, const char *out, double *ms)
{
    char *argv[] = {(char *)pf_test_bin(), "init", "--schema", (char *)dir, "--out", (char *)out,
                    "--reference-date", "2026-01-01", shim ? "--auth-shim" : NULL, NULL};
    pf_run_result r;
    run_bin(argv, &r, ms);
    ck_assert_msg(r.status == 0, "init %s exited %d\nstderr:\n%s\nstdout:\n%s", dir, r.status,
                  r.err, r.out);
    ck_assert_msg(strstr(r.err, "trial seeding: the draft loads") != NULL, "%s", r.err);
    pf_run_result_dispose(&r);
}

/* perfgate run on a draft; rules NULL: --no-rls. */
static void run_draft(const char *dir, const char *out, bool rules, const char *junit,
                      pf_run_result *r, double *ms)
{
    char *ds = pf_path_join(out, "dataset.json"), *bench = pf_path_join(out, "bench");
    char *rl = pf_path_join(out, "rls.json"), *bl = pf_path_join(out, "baselines");
    char *argv[] = {(char *)pf_test_bin(), "run", "--auth-shim", "--schema", (char *)dir,
                    "--dataset", ds, "--bench", bench, "--baselines", bl, "--junit",
                    (char *)junit, "--iterations", ITERATIONS, "--no-instructions",
                    rules ? "--rls-rules" : "--no-rls", rules ? rl : NULL, NULL};
    run_bin(argv, r, ms);
    free(ds);
    free(bench);
    free(rl);
    free(bl);
}

static double xp_num(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    ck_assert_msg(o != NULL && o->type == XPATH_NUMBER, "XPath %s is not a number", expr);
    double v = o->floatval;
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return v;
}

/* The drafted case files under out/bench. */
static int count_cases(const char *out)
{
    char *bench = pf_path_join(out, "bench");
    char *cmd = pf_asprintf("find '%s' -name '*.sql' | wc -l", bench);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p == NULL || fscanf(p, "%d", &n) != 1)
        n = -1;
    if (p)
        pclose(p);
    free(cmd);
    free(bench);
    return n;
}

static char *read_text(const char *dir, const char *name)
{
    char *path = pf_path_join(dir, name), *text = NULL;
    pf_error e;
    ck_assert_msg(pf_file_read(path, &text, NULL, &e) == 0, "%s", e.msg);
    free(path);
    return text;
}

/* ------------------------------------------------------- the quality bar */

typedef struct project {
    const char *name;
    const char *migrations; /* under the source root */
} project;

static const project k_projects[] = {
    {"healthcare", "fixtures/schema"},
    {"teams", "tests/data/supabase/teams/supabase/migrations"},
    {"storage", "tests/data/supabase/storage/supabase/migrations"},
    {"chat", "tests/data/supabase/chat/supabase/migrations"},
};

START_TEST(test_init_then_run_is_green_without_hand_edits)
{
    const project *p = &k_projects[_i];
    char *mig = pf_test_source_path(p->migrations);
    char *out = pf_asprintf("%s/%s", g_tmp, p->name);
    double init_ms = 0, run_ms = 0;
    init_ok(mig, true, out, &init_ms);
    int n_cases = count_cases(out);
    ck_assert_int_ge(n_cases, 3);
    /* every file is there, and the rules have nothing left to write */
    char *md = read_text(out, "perfgate-init.md");
    ck_assert_ptr_nonnull(strstr(md, "## Data: dataset.json"));
    ck_assert_ptr_nonnull(strstr(md, "## RLS rules: rls.json"));
    ck_assert_ptr_null(strstr(md, "rules to write"));
    free(md);
    char *junit = pf_asprintf("%s/%s.xml", g_tmp, p->name);
    pf_run_result r;
    run_draft(mig, out, true, junit, &r, &run_ms);
    ck_assert_msg(r.status == 0, "%s: perfgate run exited %d\nstderr:\n%s\nstdout:\n%s", p->name,
                  r.status, r.err, r.out);
    fprintf(stderr, "%s: init %.1f s, first run %.1f s: green %.1f s after init started\n",
            p->name, init_ms / 1000, run_ms / 1000, (init_ms + run_ms) / 1000);
    xmlDocPtr doc = xmlReadFile(junit, NULL, XML_PARSE_NONET);
    ck_assert_msg(doc != NULL, "cannot parse %s", junit);
    /* every drafted case ran (one testcase each, tagged init), none failed */
    ck_assert_int_eq((int)xp_num(doc, "count(//testsuite[not(starts-with(@name, 'rls-'))]/testcase)"),
                     n_cases);
    ck_assert_int_eq((int)xp_num(doc, "count(//testcase[failure or error])"), 0);
    /* the RLS isolation checks ran with the drafted rules, for the sampled users */
    ck_assert_int_gt((int)xp_num(doc, "count(//testsuite[@name='rls-isolation']/testcase"
                                      "[contains(@name, ' / user / SELECT')][not(skipped)])"),
                     2);
    xmlFreeDoc(doc);
    pf_run_result_dispose(&r);
    free(junit);
    free(out);
    free(mig);
}
END_TEST

/* --------------------------------------------------------------- TODO */

static const char k_jwt_migration[] =
    "create table public.notes (\n"
    "  id bigint generated always as identity primary key,\n"
    "  owner_id uuid not null references auth.users (id),\n"
    "  org text not null,\n"
    "  title text not null check (char_length(title) between 1 and 80),\n"
    "  created_at timestamptz not null default now()\n"
    ");\n"
    "create index notes_owner_created_idx on public.notes (owner_id, created_at desc);\n"
    "alter table public.notes enable row level security;\n"
    "create policy \"Own notes\" on public.notes for select to authenticated\n"
    "  using (owner_id = (select auth.uid()));\n"
    "create policy \"Org notes\" on public.notes for select to authenticated\n"
    "  using (org = ((select auth.jwt()) ->> 'org'));\n";

START_TEST(test_a_rule_it_cannot_derive_is_a_todo_that_names_itself)
{
    char *mig = pf_path_join(g_tmp, "jwt-migrations");
    pf_error e;
    ck_assert_int_eq(pf_mkdirs(mig, 0755, &e), 0);
    free(pf_test_write(mig, "001_notes.sql", k_jwt_migration));
    char *out = pf_path_join(g_tmp, "jwt");
    init_ok(mig, true, out, NULL);
    char *rules = read_text(out, "rls.json");
    ck_assert_ptr_nonnull(strstr(rules, "pg_temp.perfgate_todo('tables.notes.read: policy "
                                        "\\\"Org notes\\\" reads auth.jwt()"));
    free(rules);
    char *md = read_text(out, "perfgate-init.md");
    ck_assert_ptr_nonnull(strstr(md, "**1 rule to write**"));
    ck_assert_ptr_nonnull(strstr(md, "--no-rls"));
    free(md);
    char *junit = pf_path_join(g_tmp, "jwt.xml");
    pf_run_result r;
    run_draft(mig, out, false, junit, &r, NULL);
    ck_assert_msg(r.status == 0, "--no-rls: exit %d\n%s\n%s", r.status, r.err, r.out);
    pf_run_result_dispose(&r);
    run_draft(mig, out, true, junit, &r, NULL);
    ck_assert_msg(r.status == PF_EXIT_FAIL, "with the rules: exit %d\n%s\n%s", r.status, r.err,
                  r.out);
    const char *say = "TODO in the drafted RLS rules: tables.notes.read: policy \"Org notes\"";
    ck_assert_msg(strstr(r.out, say) != NULL || strstr(r.err, say) != NULL, "%s\n%s", r.out,
                  r.err);
    pf_run_result_dispose(&r);
    free(junit);
    free(out);
    free(mig);
}
END_TEST

/* ------------------------------------------------------------ repairs */

static const char k_odd_migration[] =
    "create domain positive_int as integer check (value > 0);\n"
    "create table public.tasks (\n"
    "  id uuid primary key default gen_random_uuid(),\n"
    "  code text not null unique check (upper(code) = code),\n"
    "  status text not null check (status in ('open', 'done')),\n"
    "  done_at timestamptz,\n"
    "  points positive_int not null,\n"
    "  created_at timestamptz not null default now(),\n"
    "  check ((status = 'done') = (done_at is not null))\n"
    ");\n"
    "create table public.task_events (\n"
    "  id bigserial primary key,\n"
    "  task_id uuid not null references public.tasks (id),\n"
    "  happened_at timestamptz not null,\n"
    "  note text\n"
    ");\n"
    "create index task_events_task_idx on public.task_events (task_id, happened_at desc);\n";

START_TEST(test_constraints_it_cannot_read_are_repaired_by_the_trial_seeding)
{
    char *mig = pf_path_join(g_tmp, "odd-migrations");
    pf_error e;
    ck_assert_int_eq(pf_mkdirs(mig, 0755, &e), 0);
    free(pf_test_write(mig, "001_tasks.sql", k_odd_migration));
    char *out = pf_path_join(g_tmp, "odd");
    init_ok(mig, true, out, NULL);
    char *md = read_text(out, "perfgate-init.md");
    ck_assert_msg(strstr(md, "Repairs after the trial seeding:") != NULL, "%s", md);
    ck_assert_msg(strstr(md, "tasks.code:") != NULL, "%s", md);
    ck_assert_msg(strstr(md, "tasks_check") != NULL, "%s", md);
    free(md);
    /* the domain's CHECK was read, not repaired */
    char *ds = read_text(out, "dataset.json");
    ck_assert_ptr_nonnull(strstr(ds, "\"points\": {\"gen\": \"int\", \"dist\": \"uniform\", "
                                     "\"min\": 1,"));
    free(ds);
    /* (with --no-rls: these tables have no row level security, which the
     * RLS checks rightly report) */
    char *junit = pf_path_join(g_tmp, "odd.xml");
    pf_run_result r;
    run_draft(mig, out, false, junit, &r, NULL);
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.err, r.out);
    pf_run_result_dispose(&r);
    free(junit);
    free(out);
    free(mig);
}
END_TEST

/* ---------------------------------------------------------------- dsn */

START_TEST(test_dsn_reads_an_existing_database_like_the_schema_directory)
{
    pf_cluster *cl = NULL;
    pf_error e;
    ck_assert_msg(pf_cluster_start(&cl, NULL, &e) == 0, "%s", e.msg);
    pf_db *db = NULL;
    ck_assert_msg(pf_db_connect(&db, pf_cluster_dsn(cl), &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_db_exec(db, "CREATE DATABASE chat", &e) == 0, "%s", e.msg);
    pf_db_close(db);
    char *dsn = pf_db_dsn_with_dbname(pf_cluster_dsn(cl), "chat");
    ck_assert_msg(pf_db_connect(&db, dsn, &e) == 0, "%s", e.msg);
    char *mig = pf_test_source_path("tests/data/supabase/chat/supabase/migrations");
    ck_assert_msg(pf_schema_apply_auth_shim(db, NULL, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_schema_apply_dir(db, mig, NULL, &e) == 0, "%s", e.msg);
    pf_db_close(db);
    char *out_dsn = pf_path_join(g_tmp, "chat-dsn"), *out_dir = pf_path_join(g_tmp, "chat-dir");
    char *argv[] = {(char *)pf_test_bin(), "init", "--dsn", dsn, "--out", out_dsn,
                    "--reference-date", "2026-01-01", NULL};
    pf_run_result r;
    run_bin(argv, &r, NULL);
    ck_assert_msg(r.status == 0, "init --dsn: exit %d\n%s\n%s", r.status, r.err, r.out);
    ck_assert_ptr_null(strstr(r.err, "trial seeding")); /* nothing written to that server */
    pf_run_result_dispose(&r);
    init_ok(mig, true, out_dir, NULL);
    /* the same tables, counts and generators (only the name differs: the
     * migrations' directory names the app) */
    char *a = read_text(out_dsn, "dataset.json"), *b = read_text(out_dir, "dataset.json");
    const char *ta = strstr(a, "\"reference_date\""), *tb = strstr(b, "\"reference_date\"");
    ck_assert(ta != NULL && tb != NULL);
    ck_assert_msg(strcmp(ta, tb) == 0, "the --dsn and --schema drafts differ: diff -r %s %s",
                  out_dsn, out_dir);
    free(a);
    free(b);
    /* a second init into the same directory refuses without --force */
    char *again[] = {(char *)pf_test_bin(), "init", "--dsn", dsn, "--out", out_dsn, NULL};
    run_bin(again, &r, NULL);
    ck_assert_int_eq(r.status, PF_EXIT_USAGE);
    ck_assert_ptr_nonnull(strstr(r.err, "dataset.json exists"));
    pf_run_result_dispose(&r);
    free(out_dsn);
    free(out_dir);
    free(mig);
    free(dsn);
    pf_cluster_free(cl);
}
END_TEST

/* --from-pg-stat-statements: the top read-only statements of a database
 * (here one the app ran against, its queries with constants) become
 * bench/top/ cases that the trial keeps and the first run runs green;
 * the statement that writes is left out and said so. */
START_TEST(test_top_statements_of_pg_stat_statements_become_cases_that_run)
{
    pf_cluster *cl = NULL;
    pf_error e;
    ck_assert_msg(pf_cluster_start(&cl, NULL, &e) == 0, "%s", e.msg);
    pf_db *db = NULL;
    ck_assert_msg(pf_db_connect(&db, pf_cluster_dsn(cl), &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_db_exec(db, "CREATE DATABASE prod", &e) == 0, "%s", e.msg);
    pf_db_close(db);
    char *dsn = pf_db_dsn_with_dbname(pf_cluster_dsn(cl), "prod");
    ck_assert_msg(pf_db_connect(&db, dsn, &e) == 0, "%s", e.msg);
    char *mig = pf_test_source_path("tests/data/supabase/chat/supabase/migrations");
    ck_assert_msg(pf_schema_apply_auth_shim(db, NULL, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_schema_apply_dir(db, mig, NULL, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_db_exec(db, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements", &e) == 0,
                  "%s", e.msg);
    ck_assert_msg(pf_db_exec(db, "SELECT pg_stat_statements_reset()", &e) == 0, "%s", e.msg);
    /* the app's traffic: a page of a channel (most time), a lookup, a write */
    for (int i = 0; i < 40; i++) {
        char *page = pf_asprintf(
            "SELECT id, body, created_at FROM public.messages WHERE channel_id = "
            "'00000000-0000-0000-0000-%012d' AND deleted_at IS NULL "
            "ORDER BY created_at DESC LIMIT 50",
            i);
        ck_assert_msg(pf_db_exec(db, page, &e) == 0, "%s", e.msg);
        free(page);
        if (i % 4 == 0) {
            char *one = pf_asprintf("SELECT * FROM public.channels WHERE id = "
                                    "'00000000-0000-0000-0000-%012d'",
                                    i);
            ck_assert_msg(pf_db_exec(db, one, &e) == 0, "%s", e.msg);
            free(one);
        }
        ck_assert_msg(pf_db_exec(db, "UPDATE public.messages SET edited_at = now() WHERE id = -1",
                                 &e) == 0,
                      "%s", e.msg);
    }
    pf_db_close(db);
    char *out = pf_path_join(g_tmp, "chat-top");
    char *argv[] = {(char *)pf_test_bin(), "init", "--schema", mig, "--auth-shim", "--out", out,
                    "--reference-date", "2026-01-01", "--from-pg-stat-statements", dsn, "--top",
                    "5", NULL};
    pf_run_result r;
    run_bin(argv, &r, NULL);
    ck_assert_msg(r.status == 0, "init: exit %d\n%s\n%s", r.status, r.err, r.out);
    ck_assert_msg(strstr(r.err, "2 of the cases from pg_stat_statements") != NULL, "%s", r.err);
    pf_run_result_dispose(&r);
    char *top = pf_path_join(out, "bench/top");
    char *page = read_text(top, "top01_messages.sql");
    ck_assert_msg(strstr(page, "channel_id = :channel_id") != NULL &&
                      strstr(page, "LIMIT :limit") != NULL && strstr(page, "-- params: ") != NULL,
                  "%s", page);
    free(page);
    char *one = read_text(top, "top02_channels.sql");
    ck_assert_msg(strstr(one, "id = :id") != NULL, "%s", one);
    free(one);
    char *md = read_text(out, "perfgate-init.md");
    ck_assert_msg(strstr(md, "writing, utility or catalog statement") != NULL, "%s", md);
    free(md);
    /* the first run runs them, green */
    char *junit = pf_path_join(g_tmp, "chat-top.xml");
    run_draft(mig, out, true, junit, &r, NULL);
    ck_assert_msg(r.status == 0, "perfgate run exited %d\n%s\n%s", r.status, r.err, r.out);
    ck_assert_msg(strstr(r.out, "top01_messages") != NULL || strstr(r.err, "top01_messages"),
                  "%s", r.out);
    pf_run_result_dispose(&r);
    free(junit);
    free(top);
    free(out);
    free(mig);
    free(dsn);
    pf_cluster_free(cl);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("init");
    TCase *tq = tcase_create("quality-bar");
    tcase_add_checked_fixture(tq, setup, teardown);
    tcase_set_timeout(tq, 900);
    tcase_add_loop_test(tq, test_init_then_run_is_green_without_hand_edits, 0,
                        (int)(sizeof k_projects / sizeof k_projects[0]));
    suite_add_tcase(s, tq);
    TCase *tt = tcase_create("todo-and-repairs");
    tcase_add_checked_fixture(tt, setup, teardown);
    tcase_set_timeout(tt, 600);
    tcase_add_test(tt, test_a_rule_it_cannot_derive_is_a_todo_that_names_itself);
    tcase_add_test(tt, test_constraints_it_cannot_read_are_repaired_by_the_trial_seeding);
    tcase_add_test(tt, test_dsn_reads_an_existing_database_like_the_schema_directory);
    tcase_add_test(tt, test_top_statements_of_pg_stat_statements_become_cases_that_run);
    suite_add_tcase(s, tt);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
