/* `perfgate rls` against a real server at scale 0.1: the shipped schema
 * passes (anon sees nothing, service_role everything) and records its
 * overhead baselines; each mutation of the issue, appended to a copy of the
 * schema as zzz_mutation.sql, fails with the asserted message:
 *   (a) a USING (true) policy on the timeline: a leak naming table,
 *       identity, operation and an example key;
 *   (b) providers seeing patients without a grant: a leak for the provider
 *       without a grant;
 *   (c) the timeline policy calling a VOLATILE plpgsql check per row: the
 *       linter and the policy-function calls against the baseline;
 *   (d) RLS disabled on documents: a table finding (and a leak);
 *   (e) rows swapped at an equal count: still a leak, with the key;
 *   (f) a dropped SELECT policy: a denial, with the key.
 * One disposable cluster for the suite, one database per run. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cluster.h"
#include "db.h"
#include "exitcode.h"
#include "fsutil.h"
#include "junit.h"
#include "testutil.h"

#define SCALE "0.1"

static pf_cluster *g_cluster;
static char *g_tmp;       /* scratch: schema copies, reports */
static char *g_baselines; /* overhead baselines recorded from the shipped schema */

static void start_shared(void)
{
    pf_error e;
    if (pf_cluster_start(&g_cluster, NULL, &e) < 0) {
        fprintf(stderr, "cluster start failed: %s\n", e.msg);
        abort();
    }
    g_tmp = pf_test_tmpdir();
    g_baselines = pf_path_join(g_tmp, "baselines");
}

static void stop_shared(void)
{
    pf_error e;
    pf_cluster_free(g_cluster);
    g_cluster = NULL;
    pf_rmtree(g_tmp, &e);
    free(g_tmp);
    free(g_baselines);
}

/* A fresh database; returns its DSN (caller frees). */
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

/* A copy of fixtures/schema plus zzz_mutation.sql; returns the directory. */
static char *schema_with(const char *name, const char *mutation)
{
    pf_error e;
    char *src = pf_test_source_path("fixtures/schema");
    char *dir = pf_path_join(g_tmp, name);
    ck_assert_int_eq(pf_mkdirs(dir, 0755, &e), 0);
    char **files = NULL;
    size_t n = 0;
    ck_assert_int_eq(pf_dir_list(src, ".sql", &files, &n, &e), 0);
    for (size_t i = 0; i < n; i++) {
        char *from = pf_path_join(src, files[i]);
        char *text = NULL;
        ck_assert_int_eq(pf_file_read(from, &text, NULL, &e), 0);
        free(pf_test_write(dir, files[i], text));
        free(text);
        free(from);
    }
    pf_strv_free(files);
    free(pf_test_write(dir, "zzz_mutation.sql", mutation));
    free(src);
    return dir;
}

typedef struct rls_run {
    pf_run_result r;
    cJSON *json;
    char *junit;
} rls_run;

/* perfgate rls on a fresh database with the schema dir (NULL: shipped)
 * and extra arguments (NULL-terminated). */
static void run_rls(const char *db, const char *schema, const char *const *extra, rls_run *out)
{
    char *dsn = fresh_db(db);
    char *sch = schema ? pf_strdup(schema) : pf_test_source_path("fixtures/schema");
    char *json = pf_asprintf("%s/%s.json", g_tmp, db);
    out->junit = pf_asprintf("%s/%s.xml", g_tmp, db);
    char *dataset = pf_test_source_path("fixtures/datasets/healthcare.json");
    char *rules = pf_test_source_path("fixtures/rls/healthcare.json");
    char *bench = pf_test_source_path("bench");
    char *argv[40];
    int n = 0;
    argv[n++] = (char *)pf_test_bin();
    argv[n++] = "rls";
    argv[n++] = "--dsn";
    argv[n++] = dsn;
    argv[n++] = "--schema";
    argv[n++] = sch;
    argv[n++] = "--dataset";
    argv[n++] = dataset;
    argv[n++] = "--rules";
    argv[n++] = rules;
    argv[n++] = "--bench";
    argv[n++] = bench;
    argv[n++] = "--baselines";
    argv[n++] = g_baselines;
    argv[n++] = "--scale";
    argv[n++] = SCALE;
    argv[n++] = "--iterations";
    argv[n++] = "10";
    argv[n++] = "--json";
    argv[n++] = json;
    argv[n++] = "--junit";
    argv[n++] = out->junit;
    for (; extra && *extra && n < 39; extra++)
        argv[n++] = (char *)*extra;
    argv[n] = NULL;
    pf_test_run(argv, NULL, NULL, &out->r);
    /* stderr is a pipe here: no progress line (CI logs stay clean). */
    ck_assert_msg(strchr(out->r.err, '\r') == NULL, "progress output without a terminal: %s",
                  out->r.err);
    char *text = NULL;
    pf_error e;
    out->json = pf_file_read(json, &text, NULL, &e) == 0 ? cJSON_Parse(text) : NULL;
    free(text);
    free(dsn);
    free(sch);
    free(json);
    free(dataset);
    free(rules);
    free(bench);
}

static void rls_run_dispose(rls_run *r)
{
    pf_run_result_dispose(&r->r);
    cJSON_Delete(r->json);
    free(r->junit);
}

static const char *field(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The first check matching family, table, identity and operation (any may
 * be NULL) and status; NULL if none. */
static const cJSON *find_check(const rls_run *r, const char *family, const char *table,
                               const char *identity, const char *op, const char *status)
{
    const cJSON *checks = cJSON_GetObjectItemCaseSensitive(r->json, "checks");
    for (const cJSON *c = checks ? checks->child : NULL; c; c = c->next) {
        const char *f = field(c, "family"), *t = field(c, "table"), *i = field(c, "identity"),
                   *o = field(c, "operation"), *s = field(c, "status");
        if ((family && (!f || strcmp(f, family))) || (table && (!t || strcmp(t, table))) ||
            (identity && (!i || strcmp(i, identity))) || (op && (!o || strcmp(o, op))) ||
            (status && (!s || strcmp(s, status))))
            continue;
        return c;
    }
    return NULL;
}

/* Valid in the default format (junit-10.xsd plus testcase@file/@line),
 * every testcase pointing at the rules file, and an isolation check of a
 * ruled table at the line of the table's entry. */
static void assert_valid_junit(const rls_run *r)
{
    char *xsd = pf_test_junit_reporters_xsd(g_tmp);
    pf_error e;
    ck_assert_msg(pf_junit_validate(r->junit, xsd, &e) == 0, "%s", e.msg);
    free(xsd);
    char *text = NULL;
    ck_assert_int_eq(pf_file_read(r->junit, &text, NULL, &e), 0);
    int cases = 0;
    for (const char *p = strstr(text, "<testcase "); p; p = strstr(p + 1, "<testcase ")) {
        const char *end = strchr(p, '>');
        const char *f = strstr(p, " file=\"");
        ck_assert_msg(f != NULL && f < end, "testcase without file: %.200s", p);
        const char *q = strchr(f + 7, '"');
        ck_assert_msg((size_t)(q - f - 7) >= strlen("fixtures/rls/healthcare.json") &&
                          strncmp(q - strlen("fixtures/rls/healthcare.json"),
                                  "fixtures/rls/healthcare.json",
                                  strlen("fixtures/rls/healthcare.json")) == 0,
                      "testcase file: %.200s", p);
        cases++;
    }
    ck_assert_int_gt(cases, 0);
    /* user_profiles' entry: the line of "user_profiles": { in the rules. */
    char *rules = pf_test_source_path("fixtures/rls/healthcare.json");
    char *rtext = NULL;
    ck_assert_int_eq(pf_file_read(rules, &rtext, NULL, &e), 0);
    const char *entry = strstr(rtext, "\"user_profiles\": {");
    ck_assert_ptr_nonnull(entry);
    int line = 1;
    for (const char *c = rtext; c < entry; c++)
        line += *c == '\n';
    char *want = pf_asprintf("name=\"public.user_profiles / patient / SELECT\" time=\"");
    const char *tc = strstr(text, want);
    ck_assert_msg(tc != NULL, "no isolation check of public.user_profiles");
    char *line_attr = pf_asprintf(" line=\"%d\">", line);
    const char *end = strchr(tc, '>');
    const char *l = strstr(tc, line_attr);
    ck_assert_msg(l != NULL && l + strlen(line_attr) - 1 == end, "want%s in: %.200s", line_attr,
                  tc);
    free(line_attr);
    free(want);
    free(rtext);
    free(rules);
    free(text);
}

/* The shipped schema passes; anon sees nothing and service_role everything. */
START_TEST(test_shipped_schema_passes_every_check)
{
    rls_run r;
    const char *extra[] = {"--update-baselines", NULL};
    run_rls("rls_shipped", NULL, extra, &r);
    ck_assert_msg(r.r.status == PF_EXIT_OK, "exit %d\nstdout:\n%s\nstderr:\n%s", r.r.status,
                  r.r.out, r.r.err);
    ck_assert_ptr_nonnull(r.json);
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(r.json, "counts");
    ck_assert_int_eq(cJSON_GetObjectItem(counts, "fail")->valueint, 0);
    ck_assert_int_eq(cJSON_GetObjectItem(counts, "error")->valueint, 0);
    ck_assert_int_gt(cJSON_GetObjectItem(counts, "pass")->valueint, 300);
    /* Every identity was found in the data. */
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(r.json, "identities");
    ck_assert_int_eq(cJSON_GetArraySize(ids), 9);
    for (const cJSON *i = ids->child; i; i = i->next)
        ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItem(i, "found")), "identity %s not found",
                      field(i, "name"));
    /* anon: zero rows everywhere; service_role: every row. */
    const cJSON *checks = cJSON_GetObjectItemCaseSensitive(r.json, "checks");
    int anon = 0, service = 0;
    for (const cJSON *c = checks->child; c; c = c->next) {
        const char *who = field(c, "identity"), *op = field(c, "operation");
        if (!who || !op || strcmp(op, "SELECT") != 0)
            continue;
        if (strcmp(who, "anon") == 0) {
            anon++;
            ck_assert_str_eq(field(c, "status"), "pass");
            ck_assert_msg(strstr(field(c, "message"), "sees exactly its 0 entitled rows"), "%s",
                          field(c, "message"));
        } else if (strcmp(who, "service_role") == 0) {
            service++;
            ck_assert_str_eq(field(c, "status"), "pass");
        }
    }
    /* The app's 12 tables and the shim's storage.buckets and storage.objects. */
    ck_assert_int_eq(anon, 14);
    ck_assert_int_eq(service, 14);
    /* Every RLS table of the schema was discovered (14 plus 10 partitions). */
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "tables")), 24);
    /* The overhead pairs were measured and their baselines written. */
    const cJSON *ov = cJSON_GetObjectItemCaseSensitive(r.json, "overhead");
    ck_assert_int_eq(cJSON_GetArraySize(ov), 4);
    char *b = pf_path_join(g_baselines, "rls/overhead/timeline_page_patient.json");
    ck_assert_msg(pf_path_exists(b), "%s missing", b);
    free(b);
    assert_valid_junit(&r);
    rls_run_dispose(&r);
}
END_TEST

/* (a) a USING (true) policy for authenticated on the timeline. */
START_TEST(test_using_true_policy_is_a_leak)
{
    char *dir = schema_with("schema_a", "CREATE POLICY leak ON public.healthcare_timeline_events "
                                        "FOR SELECT TO authenticated USING (true);\n");
    rls_run r;
    const char *extra[] = {"--no-overhead", NULL};
    run_rls("rls_mut_a", dir, extra, &r);
    ck_assert_msg(r.r.status == PF_EXIT_FAIL, "exit %d\n%s%s", r.r.status, r.r.out, r.r.err);
    ck_assert_msg(strstr(r.r.out, "LEAK: public.healthcare_timeline_events as patient can SELECT "),
                  "%s", r.r.out);
    const cJSON *c = find_check(&r, "isolation", "public.healthcare_timeline_events", "patient",
                                "SELECT", "fail");
    ck_assert_ptr_nonnull(c);
    const char *key = field(c, "example_key");
    ck_assert_ptr_nonnull(key);
    ck_assert_int_eq(strlen(key), 36); /* a uuid: the key, never the content */
    ck_assert_ptr_nonnull(strstr(field(c, "message"), key));
    /* Other tables are untouched; the extra policy is also a lint warning. */
    ck_assert_ptr_null(find_check(&r, "isolation", "public.shell_files", NULL, NULL, "fail"));
    ck_assert_ptr_nonnull(find_check(&r, "lint", "public.healthcare_timeline_events", NULL, NULL,
                                     "warn"));
    assert_valid_junit(&r);
    rls_run_dispose(&r);
    free(dir);
}
END_TEST

/* (b) providers see patients without a grant. */
START_TEST(test_provider_without_grant_is_a_leak)
{
    char *dir = schema_with(
        "schema_b",
        "CREATE POLICY providers_see_all ON public.healthcare_timeline_events\n"
        "    FOR SELECT TO authenticated\n"
        "    USING (EXISTS (SELECT 1 FROM public.provider_registry pr\n"
        "                    WHERE pr.user_id = (SELECT auth.uid())));\n");
    rls_run r;
    const char *extra[] = {"--no-overhead", "--no-writes", NULL};
    run_rls("rls_mut_b", dir, extra, &r);
    ck_assert_msg(r.r.status == PF_EXIT_FAIL, "exit %d\n%s%s", r.r.status, r.r.out, r.r.err);
    ck_assert_msg(strstr(r.r.out, "LEAK: public.healthcare_timeline_events as provider_no_grant "
                                  "can SELECT "),
                  "%s", r.r.out);
    ck_assert_ptr_nonnull(find_check(&r, "isolation", "public.healthcare_timeline_events",
                                     "provider_no_grant", "SELECT", "fail"));
    /* Patients are not affected. */
    ck_assert_ptr_nonnull(find_check(&r, "isolation", "public.healthcare_timeline_events",
                                     "patient", "SELECT", "pass"));
    rls_run_dispose(&r);
    free(dir);
}
END_TEST

/* (c) the timeline policy calls a VOLATILE plpgsql check per row. */
START_TEST(test_volatile_per_row_policy_fails_lint_and_overhead)
{
    char *b = pf_path_join(g_baselines, "rls/overhead/timeline_page_patient.json");
    if (!pf_path_exists(b)) {
        /* Run alone: record the shipped schema's baselines first. */
        rls_run base;
        const char *extra[] = {"--update-baselines", "--no-writes", NULL};
        run_rls("rls_base", NULL, extra, &base);
        ck_assert_msg(base.r.status == PF_EXIT_OK, "%s%s", base.r.out, base.r.err);
        rls_run_dispose(&base);
    }
    free(b);
    char *dir = schema_with(
        "schema_c",
        "CREATE FUNCTION public.timeline_visible(p_patient uuid) RETURNS boolean\n"
        "LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$\n"
        "BEGIN\n"
        "    RETURN public.has_profile_access(auth.uid(), p_patient)\n"
        "        OR public.is_provider_for(auth.uid(), p_patient);\n"
        "END;\n"
        "$$;\n"
        "DROP POLICY healthcare_timeline_events_select ON public.healthcare_timeline_events;\n"
        "CREATE POLICY healthcare_timeline_events_select ON public.healthcare_timeline_events\n"
        "    FOR SELECT TO authenticated USING (public.timeline_visible(patient_id));\n");
    rls_run r;
    const char *extra[] = {"--no-writes", NULL};
    run_rls("rls_mut_c", dir, extra, &r);
    ck_assert_msg(r.r.status == PF_EXIT_FAIL, "exit %d\n%s%s", r.r.status, r.r.out, r.r.err);
    ck_assert_msg(strstr(r.r.out, "policy_function_volatile: policy "
                                  "healthcare_timeline_events_select on "
                                  "public.healthcare_timeline_events calls "
                                  "public.timeline_visible(p_patient uuid), declared VOLATILE"),
                  "%s", r.r.out);
    ck_assert_msg(strstr(r.r.out, "timeline_page_patient: policy-function calls per query "),
                  "%s", r.r.out);
    const cJSON *c = find_check(&r, "overhead", NULL, "patient", NULL, "fail");
    ck_assert_ptr_nonnull(c);
    /* Visibility did not change: the function is equivalent, only slower. */
    ck_assert_ptr_null(find_check(&r, "isolation", NULL, NULL, NULL, "fail"));
    rls_run_dispose(&r);
    free(dir);
}
END_TEST

/* (d) RLS disabled on documents. */
START_TEST(test_rls_disabled_on_documents_is_reported)
{
    char *dir =
        schema_with("schema_d", "ALTER TABLE public.shell_files DISABLE ROW LEVEL SECURITY;\n");
    rls_run r;
    const char *extra[] = {"--no-overhead", "--no-writes", NULL};
    run_rls("rls_mut_d", dir, extra, &r);
    ck_assert_msg(r.r.status == PF_EXIT_FAIL, "exit %d\n%s%s", r.r.status, r.r.out, r.r.err);
    ck_assert_msg(strstr(r.r.out, "rls_disabled: public.shell_files: row level security is "
                                  "disabled"),
                  "%s", r.r.out);
    ck_assert_ptr_nonnull(find_check(&r, "tables", "public.shell_files", NULL, NULL, "fail"));
    ck_assert_msg(strstr(r.r.out, "LEAK: public.shell_files as patient can SELECT "), "%s",
                  r.r.out);
    rls_run_dispose(&r);
    free(dir);
}
END_TEST

/* (e) a swap: the timeline policy hides the patient's first own event and
 * shows it the first event of somebody else's, so it sees as many rows as
 * it is entitled to, but not the same ones: still a leak, with the key of
 * the row it should not see, and the missing row in the details. */
START_TEST(test_swapped_rows_with_equal_count_are_a_leak)
{
    char *dir = schema_with(
        "schema_e",
        "CREATE FUNCTION public.zzz_swap_hidden(uid uuid) RETURNS uuid LANGUAGE sql STABLE\n"
        "SECURITY DEFINER SET search_path = '' AS $$\n"
        "    SELECT e.id FROM public.healthcare_timeline_events e\n"
        "      JOIN public.user_profiles p ON p.id = e.patient_id\n"
        "     WHERE p.account_owner_id = uid AND NOT p.archived ORDER BY e.id LIMIT 1 $$;\n"
        "CREATE FUNCTION public.zzz_swap_shown(uid uuid) RETURNS uuid LANGUAGE sql STABLE\n"
        "SECURITY DEFINER SET search_path = '' AS $$\n"
        "    SELECT e.id FROM public.healthcare_timeline_events e\n"
        "      JOIN public.user_profiles p ON p.id = e.patient_id\n"
        "     WHERE p.account_owner_id <> uid ORDER BY e.id LIMIT 1 $$;\n"
        "GRANT EXECUTE ON FUNCTION public.zzz_swap_hidden(uuid), public.zzz_swap_shown(uuid)\n"
        "    TO authenticated;\n"
        "DROP POLICY healthcare_timeline_events_select ON public.healthcare_timeline_events;\n"
        "CREATE POLICY swap ON public.healthcare_timeline_events FOR SELECT TO authenticated\n"
        "    USING ((patient_id IN (SELECT public.readable_profile_ids((SELECT auth.uid())))\n"
        "            AND id IS DISTINCT FROM (SELECT public.zzz_swap_hidden((SELECT auth.uid()))))\n"
        "           OR id = (SELECT public.zzz_swap_shown((SELECT auth.uid()))));\n");
    rls_run r;
    const char *extra[] = {"--no-overhead", "--no-writes", NULL};
    run_rls("rls_mut_e", dir, extra, &r);
    ck_assert_msg(r.r.status == PF_EXIT_FAIL, "exit %d\n%s%s", r.r.status, r.r.out, r.r.err);
    ck_assert_msg(strstr(r.r.out, "LEAK: public.healthcare_timeline_events as patient can SELECT "
                                  "1 row it is not entitled to (e.g. key "),
                  "%s", r.r.out);
    const cJSON *c = find_check(&r, "isolation", "public.healthcare_timeline_events", "patient",
                                "SELECT", "fail");
    ck_assert_ptr_nonnull(c);
    /* As many rows visible as entitled: only the keys differ. */
    const char *det = field(c, "details");
    ck_assert_ptr_nonnull(det);
    const char *ent = strstr(det, "entitled  "), *vis = strstr(det, "visible   ");
    ck_assert_ptr_nonnull(ent);
    ck_assert_ptr_nonnull(vis);
    ck_assert_int_gt(atoi(ent + 10), 1);
    ck_assert_int_eq(atoi(ent + 10), atoi(vis + 10));
    ck_assert_msg(strstr(det, "not entitled but visible: 1, e.g. key "), "%s", det);
    ck_assert_msg(strstr(det, "entitled but not visible: 1, e.g. key "), "%s", det);
    /* The example is the row the policy showed: its key, never content. */
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(r.json, "identities");
    const char *uid = NULL;
    for (const cJSON *i = ids ? ids->child : NULL; i; i = i->next)
        if (strcmp(field(i, "name"), "patient") == 0)
            uid = field(i, "user_id");
    ck_assert_ptr_nonnull(uid);
    pf_error e;
    pf_db *db = NULL;
    char *dsn = pf_db_dsn_with_dbname(pf_cluster_dsn(g_cluster), "rls_mut_e");
    ck_assert_msg(pf_db_connect(&db, dsn, &e) == 0, "%s", e.msg);
    const char *params[1] = {uid};
    pf_result *res = NULL;
    ck_assert_msg(pf_db_query(db, "SELECT public.zzz_swap_shown($1::uuid)::text", 1, params, &res,
                              &e) == 0,
                  "%s", e.msg);
    ck_assert_str_eq(field(c, "example_key"), pf_result_get(res, 0, 0));
    pf_result_free(res);
    pf_db_close(db);
    free(dsn);
    rls_run_dispose(&r);
    free(dir);
}
END_TEST

/* (f) a denial: without its SELECT policy, shell_files shows nothing to
 * the identities entitled to some of its rows. */
START_TEST(test_missing_select_policy_is_a_denial)
{
    char *dir = schema_with("schema_f", "DROP POLICY shell_files_select ON public.shell_files;\n");
    rls_run r;
    const char *extra[] = {"--no-overhead", "--no-writes", NULL};
    run_rls("rls_mut_f", dir, extra, &r);
    ck_assert_msg(r.r.status == PF_EXIT_FAIL, "exit %d\n%s%s", r.r.status, r.r.out, r.r.err);
    ck_assert_msg(strstr(r.r.out, "public.shell_files as patient cannot SELECT "), "%s", r.r.out);
    const cJSON *c =
        find_check(&r, "isolation", "public.shell_files", "patient", "SELECT", "fail");
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(field(c, "example_key"));
    ck_assert_int_eq(strlen(field(c, "example_key")), 36);
    ck_assert_msg(strstr(field(c, "details"), "visible   0 rows"), "%s", field(c, "details"));
    /* anon was entitled to nothing and still sees nothing. */
    ck_assert_ptr_nonnull(
        find_check(&r, "isolation", "public.shell_files", "anon", "SELECT", "pass"));
    rls_run_dispose(&r);
    free(dir);
}
END_TEST

/* perfgate rls on a server of its own counts the instructions of its
 * overhead pairs, and they reach the pairs' checks and baselines (one pair
 * here: the count runs under callgrind). */
START_TEST(test_own_server_counts_the_pairs_instructions)
{
    pf_error e;
    char *bench = pf_path_join(g_tmp, "bench_one_pair");
    char *group = pf_path_join(bench, "rls");
    ck_assert_int_eq(pf_mkdirs(group, 0755, &e), 0);
    static const char *const pair[] = {"timeline_page_patient.sql", "timeline_page_owner.sql"};
    for (int i = 0; i < 2; i++) {
        char *rel = pf_asprintf("bench/rls/%s", pair[i]);
        char *from = pf_test_source_path(rel);
        char *text = NULL;
        ck_assert_int_eq(pf_file_read(from, &text, NULL, &e), 0);
        free(pf_test_write(group, pair[i], text));
        free(text);
        free(from);
        free(rel);
    }
    char *baselines = pf_path_join(g_tmp, "baselines_instr");
    char *json = pf_path_join(g_tmp, "instr.json");
    char *schema = pf_test_source_path("fixtures/schema");
    char *dataset = pf_test_source_path("fixtures/datasets/healthcare.json");
    char *rules = pf_test_source_path("fixtures/rls/healthcare.json");
    const char *argv[] = {pf_test_bin(), "rls", "--schema", schema, "--dataset", dataset,
                          "--rules", rules, "--bench", bench, "--baselines", baselines,
                          "--scale", SCALE, "--iterations", "10", "--no-writes",
                          "--update-baselines", "--json", json, "--junit", "-", NULL};
    char *env[] = {"PERFGATE_DSN=", "GITHUB_STEP_SUMMARY=", NULL};
    pf_run_result r;
    pf_test_run((char *const *)argv, env, NULL, &r);
    ck_assert_msg(r.status == PF_EXIT_OK, "exit %d\n%s%s", r.status, r.out, r.err);
    char *text = NULL;
    ck_assert_int_eq(pf_file_read(json, &text, NULL, &e), 0);
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *ov = cJSON_GetObjectItemCaseSensitive(root, "overhead");
    ck_assert_int_eq(cJSON_GetArraySize(ov), 1);
    const cJSON *p = cJSON_GetArrayItem(ov, 0);
    const cJSON *ins = cJSON_GetObjectItemCaseSensitive(p, "instructions");
    ck_assert_msg(ins != NULL, "no instructions: %s",
                  field(p, "instructions_note") ? field(p, "instructions_note") : "");
    const cJSON *ip = cJSON_GetObjectItemCaseSensitive(ins, "identity_per_execution");
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(ins, "owner_per_execution");
    ck_assert(cJSON_IsNumber(ip) && cJSON_IsNumber(op));
    ck_assert(ip->valuedouble > op->valuedouble && op->valuedouble > 0);
    cJSON_Delete(root);
    char *file = pf_path_join(baselines, "rls/overhead/timeline_page_patient.json");
    ck_assert_int_eq(pf_file_read(file, &text, NULL, &e), 0);
    ck_assert_msg(strstr(text, "\"instructions\": {") && strstr(text, "\"iterations\": "), "%s",
                  text);
    free(text);
    free(file);
    pf_run_result_dispose(&r);
    free(rules);
    free(dataset);
    free(schema);
    free(json);
    free(baselines);
    free(group);
    free(bench);
}
END_TEST

/* A bad rules file is bad input, found before any server work. */
START_TEST(test_bad_rules_file_is_usage_error)
{
    char *bad = pf_test_write(g_tmp, "bad_rules.json",
                              "{\"format\": 1,\n \"identities\": [],\n \"tables\": {\"t\": {}}}\n");
    const char *argv[] = {pf_test_bin(), "rls", "--rules", bad, "--dsn", "host=/nonexistent", NULL};
    pf_run_result r;
    pf_test_run((char *const *)argv, NULL, NULL, &r);
    ck_assert_int_eq(r.status, PF_EXIT_USAGE);
    ck_assert_msg(strstr(r.err, "bad_rules.json:3: $.tables.t: needs \"read\""), "%s", r.err);
    pf_run_result_dispose(&r);
    free(bad);
}
END_TEST

static Suite *rls_suite(void)
{
    Suite *s = suite_create("rls-integration");
    TCase *t = tcase_create("mutations");
    tcase_add_unchecked_fixture(t, start_shared, stop_shared);
    tcase_set_timeout(t, 1200);
    tcase_add_test(t, test_shipped_schema_passes_every_check);
    tcase_add_test(t, test_using_true_policy_is_a_leak);
    tcase_add_test(t, test_provider_without_grant_is_a_leak);
    tcase_add_test(t, test_volatile_per_row_policy_fails_lint_and_overhead);
    tcase_add_test(t, test_rls_disabled_on_documents_is_reported);
    tcase_add_test(t, test_swapped_rows_with_equal_count_are_a_leak);
    tcase_add_test(t, test_missing_select_policy_is_a_denial);
    tcase_add_test(t, test_bad_rules_file_is_usage_error);
    tcase_add_test(t, test_own_server_counts_the_pairs_instructions);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rls_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
