/* perfgate rls without a server: the linter's SQL-text heuristics
 * (table-driven), the entitlement rules parser and its errors (file, JSON
 * path, line), severities, and the reports (JUnit valid against
 * junit-10.xsd, JSON that parses, no row content). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "fsutil.h"
#include "junit.h"
#include "rls.h"
#include "rls_baseline.h"
#include "rls_int.h"
#include "testutil.h"

/* ------------------------------------------------------- unwrapped calls */

typedef struct call_case {
    const char *expr;
    int count;
    const char *first;
} call_case;

static const call_case k_calls[] = {
    /* As pg_get_expr prints the shipped policies: wrapped. */
    {"has_profile_access(( SELECT auth.uid() AS uid), patient_id)", 0, NULL},
    {"((user_id = ( SELECT auth.uid() AS uid)) OR (granted_by = ( SELECT auth.uid() AS uid)))", 0,
     NULL},
    {"(provider_id = ( SELECT pr.id\n   FROM provider_registry pr\n  WHERE (pr.user_id = ( SELECT "
     "auth.uid() AS uid))))",
     0, NULL},
    {"( SELECT (auth.jwt() ->> 'role'::text)) = 'admin'::text", 0, NULL},
    {"(select auth.uid()) = user_id", 0, NULL},
    /* Per row. */
    {"(user_id = auth.uid())", 1, "auth.uid()"},
    {"((auth.jwt() ->> 'role'::text) = 'admin'::text)", 1, "auth.jwt()"},
    {"(owner = (current_setting('request.jwt.claim.sub'::text, true))::uuid)", 1,
     "current_setting()"},
    {"pg_catalog.current_setting('x', true) = 'y'", 1, "current_setting()"},
    {"extract(epoch FROM now()) > 0 AND auth.role() = 'authenticated'", 1, "auth.role()"},
    {"auth.email() = email OR auth.uid() = id", 2, "auth.email()"},
    /* A sub-select with FROM runs per row of its own scan (and per outer
     * row when correlated): the call inside it is not wrapped. */
    {"(provider_id = ( SELECT pr.id FROM provider_registry pr WHERE (pr.user_id = auth.uid())))",
     1, "auth.uid()"},
    {"(EXISTS ( SELECT 1 FROM patient_clinical_events e WHERE ((e.id = event_id) AND "
     "(e.owner_id = auth.uid()))))",
     1, "auth.uid()"},
    {"( SELECT auth.uid() AS uid FROM t) = x", 1, "auth.uid()"},
    /* Not calls of the auth functions. */
    {"x = 'auth.uid()'", 0, NULL},
    {"x = 'it''s auth.uid()'", 0, NULL},
    {"\"auth.uid()\" = 1", 0, NULL},
    {"myauth.uid() = 1", 0, NULL},
    {"auth.uidx() = 1", 0, NULL},
    {"auth.uid = 1", 0, NULL},
    {"true", 0, NULL},
    {"", 0, NULL},
    /* Unbalanced text does not crash. */
    {"((( auth.uid()", 1, "auth.uid()"},
    {")) auth.uid()", 1, "auth.uid()"},
};

START_TEST(test_lint_finds_auth_calls_not_wrapped_in_select)
{
    const call_case *c = &k_calls[_i];
    const char *first = "unset";
    int n = pf_rls_lint_unwrapped_calls(c->expr, &first);
    ck_assert_msg(n == c->count, "'%s': %d unwrapped calls, expected %d", c->expr, n, c->count);
    if (c->first)
        ck_assert_msg(first && strcmp(first, c->first) == 0, "'%s': first %s, expected %s",
                      c->expr, first ? first : "NULL", c->first);
    else
        ck_assert_ptr_null(first);
}
END_TEST

START_TEST(test_lint_accepts_null_expression)
{
    ck_assert_int_eq(pf_rls_lint_unwrapped_calls(NULL, NULL), 0);
    char *cols[] = {"a", NULL};
    char **v = pf_rls_lint_columns(NULL, "t", cols);
    ck_assert_ptr_null(v[0]);
    pf_strv_free(v);
}
END_TEST

/* ------------------------------------------------------------- columns */

typedef struct col_case {
    const char *expr;
    const char *rel;
    const char *columns; /* comma-separated */
    const char *expect;  /* comma-separated, in column order */
} col_case;

static const col_case k_cols[] = {
    {"has_profile_access(( SELECT auth.uid() AS uid), patient_id)", "healthcare_timeline_events",
     "id,patient_id,title,uid", "patient_id"},
    {"((account_owner_id = ( SELECT auth.uid() AS uid)) OR has_profile_access(( SELECT auth.uid() "
     "AS uid), id))",
     "user_profiles", "id,account_owner_id,display_name", "id,account_owner_id"},
    /* Columns of other tables in a sub-select are qualified: not ours. */
    {"(EXISTS ( SELECT 1\n   FROM patient_clinical_events e\n  WHERE ((e.id = "
     "patient_observations.event_id) AND has_profile_access(( SELECT auth.uid() AS uid), "
     "e.patient_id))))",
     "patient_observations", "id,event_id,patient_id", "event_id"},
    {"(provider_id = ( SELECT pr.id FROM provider_registry pr WHERE (pr.user_id = ( SELECT "
     "auth.uid() AS uid))))",
     "patient_provider_access", "id,provider_id,user_id", "provider_id"},
    /* Types after ::, literals, function names and aliases are not columns. */
    {"((status = 'pending'::text) AND (NOT consent_given))", "patient_provider_access",
     "status,consent_given,text,pending", "status,consent_given"},
    {"(title = 'patient_id')", "t", "patient_id,title", "title"},
    {"lower(name) = 'x'", "t", "lower,name", "name"},
    {"\"Weird Col\" = 1", "t", "Weird Col,other", "Weird Col"},
    {"t.owner = 1 AND x.owner2 = 2", "t", "owner,owner2", "owner"},
    {"true", "t", "id", ""},
};

static char **split(const char *s)
{
    size_t n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    char **v = calloc(n + 1, sizeof *v);
    size_t k = 0;
    const char *p = s;
    while (*p) {
        size_t len = strcspn(p, ",");
        v[k++] = pf_strndup(p, len);
        p += len;
        if (*p == ',')
            p++;
    }
    return v;
}

START_TEST(test_lint_finds_the_policy_tables_own_columns)
{
    const col_case *c = &k_cols[_i];
    char **cols = split(c->columns);
    char **got = pf_rls_lint_columns(c->expr, c->rel, cols);
    char buf[256] = "";
    for (size_t i = 0; got[i]; i++) {
        strcat(buf, i ? "," : "");
        strcat(buf, got[i]);
    }
    ck_assert_msg(strcmp(buf, c->expect) == 0, "'%s': got '%s', expected '%s'", c->expr, buf,
                  c->expect);
    pf_strv_free(got);
    pf_strv_free(cols);
}
END_TEST

/* ---------------------------------------------------------- rules file */

static const char k_minimal[] =
    "{\n"
    "  \"format\": 1,\n"
    "  \"identities\": [\n"
    "    {\"name\": \"patient\", \"sql\": \"SELECT 1\"},\n"
    "    {\"name\": \"anon\", \"role\": \"anon\"}\n"
    "  ],\n"
    "  \"severities\": {\"policy_no_role\": \"warning\"},\n"
    "  \"tables\": {\n"
    "    \"docs\": {\"read\": \"owner = :uid\", \"update\": \"owner = :uid\", \"force\": false},\n"
    "    \"audit.log\": {\"read\": \"false\", \"key\": \"id\"}\n"
    "  }\n"
    "}\n";

START_TEST(test_rules_parse_a_minimal_file)
{
    pf_rls_rules r;
    pf_error e;
    ck_assert_msg(pf_rls_rules_parse("x/rules.json", k_minimal, &r, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(r.n_identities, 2);
    ck_assert_str_eq(r.identities[0].role, "authenticated");
    ck_assert_str_eq(r.identities[1].role, "anon");
    ck_assert_ptr_null(r.identities[1].sql);
    ck_assert_uint_eq(r.n_tables, 2);
    const pf_rls_table_rule *t = pf_rls_rules_find(&r, "public.docs");
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t->read, "owner = :uid");
    ck_assert_ptr_null(t->insert);
    ck_assert_int_eq(t->force, 0);
    ck_assert_int_eq(t->line, 9);
    t = pf_rls_rules_find(&r, "audit.log");
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t->key, "id");
    ck_assert_int_eq(t->force, -1);
    ck_assert(r.force_default);
    ck_assert(r.threshold_ms == 50.0);
    ck_assert_str_eq(r.exposed_schemas[0], "public");
    ck_assert_int_eq(r.severity[pf_rls_rule_index("policy_no_role")], PF_RLS_SEV_WARNING);
    ck_assert_int_eq(r.severity[pf_rls_rule_index("rls_auth_per_row")], PF_RLS_SEV_ERROR);
    ck_assert_ptr_null(pf_rls_rules_find(&r, "public.nothing"));
    pf_rls_rules_dispose(&r);
}
END_TEST

typedef struct bad_case {
    const char *text;
    const char *expect; /* substring of the error */
} bad_case;

static const bad_case k_bad[] = {
    {"{\n  \"format\": 1,\n  oops\n}", "rules.json:3:4: JSON syntax error near 'ops"},
    {"[]", "rules.json:1: $: the rules file must be a JSON object"},
    {"{\"format\": 2, \"identities\": [], \"tables\": {}}", "rules.json:1: $.format: must be 1"},
    {"{\"format\": 1,\n \"identities\": [],\n \"tabels\": {}}",
     "rules.json:3: $: unknown key 'tabels' (expected one of: format,"},
    {"{\"format\": 1, \"tables\": {}}", "identities: missing"},
    {"{\"format\": 1, \"identities\": []}", "tables: missing"},
    {"{\"format\": 1,\n \"identities\": [\n  {\"name\": \"p\"}\n ],\n \"tables\": {}}",
     "rules.json:3: $.identities[0]: an authenticated identity needs \"sql\""},
    {"{\"format\": 1, \"identities\": [{\"name\": \"a\", \"role\": \"anon\", \"sql\": \"x\"}], "
     "\"tables\": {}}",
     "identities[0]: role anon has no user: drop \"sql\""},
    {"{\"format\": 1, \"identities\": [{\"name\": \"a\", \"role\": \"admin\"}], \"tables\": {}}",
     "identities[0]: role 'admin' is not one of"},
    {"{\"format\": 1, \"identities\": [{\"name\": \"a\", \"role\": \"anon\"}, {\"name\": \"a\", "
     "\"role\": \"anon\"}], \"tables\": {}}",
     "identities[1]: identity 'a' is declared twice"},
    {"{\"format\": 1, \"identities\": [{\"name\": \"a b\", \"role\": \"anon\"}], \"tables\": {}}",
     "identities[0]: name 'a b' must be"},
    {"{\"format\": 1, \"identities\": [{\"name\": \"a\", \"role\": \"anon\", \"colour\": 1}], "
     "\"tables\": {}}",
     "identities[0]: unknown key 'colour'"},
    {"{\"format\": 1,\n \"identities\": [],\n \"tables\": {\n  \"t\": {\"update\": \"true\"}\n "
     "}\n}",
     "rules.json:4: $.tables.t: needs \"read\""},
    {"{\"format\": 1, \"identities\": [], \"tables\": {\"t\": {\"read\": \"true\", \"reed\": "
     "\"x\"}}}",
     "tables.t: unknown key 'reed'"},
    {"{\"format\": 1, \"identities\": [], \"tables\": {\"t\": {\"read\": 5}}}",
     "tables.t.read: must be a string"},
    {"{\"format\": 1, \"identities\": [], \"tables\": {\"t\": {\"read\": \"  \"}}}",
     "tables.t.read: must not be empty"},
    {"{\"format\": 1, \"identities\": [], \"tables\": {\"t\": {\"read\": \"true\", \"force\": "
     "\"yes\"}}}",
     "tables.t.force: must be true or false"},
    {"{\"format\": 1, \"identities\": [], \"tables\": {\"t\": {\"read\": \"true\"}, "
     "\"public.t\": {\"read\": \"true\"}}}",
     "tables.public.t: table public.t is declared twice"},
    {"{\"format\": 1, \"identities\": [], \"tables\": {\"bad name;\": {\"read\": \"true\"}}}",
     "is not a table name"},
    {"{\"format\": 1, \"identities\": [], \"tables\": {}, \"severities\": {\"rls_auth_per_row\": "
     "\"fatal\"}}",
     "severities.rls_auth_per_row: must be \"error\", \"warning\" or \"off\""},
    {"{\"format\": 1, \"identities\": [], \"tables\": {}, \"severities\": {\"no_such_rule\": "
     "\"off\"}}",
     "severities.no_such_rule: unknown rule id"},
    {"{\"format\": 1, \"identities\": [], \"tables\": {}, \"exposed_schemas\": \"public\"}",
     "exposed_schemas: must be an array"},
    {"{\"format\": 1, \"identities\": [], \"tables\": {}, \"threshold_ms\": 0}",
     "threshold_ms: must be a number > 0"},
    {"{\"format\": 1, \"identities\": [], \"tables\": {}, \"force_rls\": 1}",
     "force_rls: must be true or false"},
    {"{\"format\": 1, \"identities\": [], \"tables\": {}, \"definitions\": \"missing.sql\"}",
     "definitions: cannot read x/missing.sql"},
};

START_TEST(test_rules_errors_name_file_path_and_line)
{
    const bad_case *c = &k_bad[_i];
    pf_rls_rules r;
    pf_error e;
    pf_error_clear(&e);
    const char *path = strstr(c->expect, "definitions") ? "x/rules.json" : "rules.json";
    ck_assert_int_eq(pf_rls_rules_parse(path, c->text, &r, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_msg(strstr(e.msg, c->expect) != NULL, "error '%s' lacks '%s'", e.msg, c->expect);
    ck_assert_msg(strncmp(e.msg, path, strlen(path)) == 0, "error '%s' does not name %s", e.msg,
                  path);
    ck_assert_ptr_null(r.tables);
    ck_assert_ptr_null(r.identities);
}
END_TEST

START_TEST(test_rules_read_definitions_relative_to_the_file)
{
    char *dir = pf_test_tmpdir();
    char *sql = pf_test_write(dir, "defs.sql", "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE "
                                               "sql AS 'SELECT 1';\n");
    char *json = pf_test_write(dir, "rules.json",
                               "{\"format\": 1, \"definitions\": \"defs.sql\", \"identities\": "
                               "[], \"tables\": {}}");
    pf_rls_rules r;
    pf_error e;
    ck_assert_msg(pf_rls_rules_load(json, &r, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(r.definitions_path, sql);
    ck_assert_ptr_nonnull(strstr(r.definitions_sql, "pg_temp.f"));
    pf_rls_rules_dispose(&r);
    char *missing = pf_path_join(dir, "nope.json");
    ck_assert_int_eq(pf_rls_rules_load(missing, &r, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    free(missing);
    free(sql);
    free(json);
    pf_rmtree(dir, &e);
    free(dir);
}
END_TEST

START_TEST(test_shipped_rules_file_parses)
{
    char *path = pf_test_source_path("fixtures/rls/healthcare.json");
    pf_rls_rules r;
    pf_error e;
    ck_assert_msg(pf_rls_rules_load(path, &r, &e) == 0, "%s", e.msg);
    /* The identities the issue asks for, anon and service_role included. */
    static const char *const names[] = {"patient",  "other_patient",     "parent",
                                        "delegate", "revoked_delegate",  "provider",
                                        "provider_no_grant", "anon",     "service_role"};
    ck_assert_uint_eq(r.n_identities, 9);
    for (size_t i = 0; i < 9; i++)
        ck_assert_str_eq(r.identities[i].name, names[i]);
    /* The 12 tables of the app, and the two of the Supabase storage shim. */
    ck_assert_uint_eq(r.n_tables, 14);
    ck_assert_ptr_nonnull(pf_rls_rules_find(&r, "public.healthcare_timeline_events"));
    ck_assert_ptr_nonnull(pf_rls_rules_find(&r, "public.shell_files"));
    ck_assert_ptr_nonnull(pf_rls_rules_find(&r, "storage.objects"));
    ck_assert_ptr_nonnull(r.definitions_sql);
    pf_rls_rules_dispose(&r);
    free(path);
}
END_TEST

START_TEST(test_rule_ids_are_unique_with_hints)
{
    size_t n = 0;
    const pf_rls_rule_info *ids = pf_rls_rule_ids(&n);
    ck_assert_uint_eq(n, PF_RLS_N_RULE_IDS);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(pf_rls_rule_index(ids[i].id), (int)i);
        ck_assert(strlen(ids[i].hint) > 10);
        ck_assert(strcmp(ids[i].family, "lint") == 0 || strcmp(ids[i].family, "tables") == 0 ||
                  strcmp(ids[i].family, "overhead") == 0);
    }
    static const char *const issue[] = {"rls_auth_per_row",       "policy_function_volatile",
                                        "secdef_no_search_path",  "policy_column_unindexed",
                                        "policy_no_role",         "multiple_permissive_policies",
                                        "rls_disabled",           "rls_not_forced",
                                        "rls_table_without_rule", NULL};
    for (size_t i = 0; issue[i]; i++)
        ck_assert_msg(pf_rls_rule_index(issue[i]) >= 0, "%s missing", issue[i]);
    ck_assert_int_eq(pf_rls_rule_index("nope"), -1);
    pf_rls_severity s;
    ck_assert_int_eq(pf_rls_severity_parse("warning", &s), 0);
    ck_assert_int_eq(s, PF_RLS_SEV_WARNING);
    ck_assert_int_eq(pf_rls_severity_parse("Error", &s), -1);
    ck_assert_str_eq(pf_rls_severity_name(PF_RLS_SEV_OFF), "off");
}
END_TEST

/* -------------------------------------------------------------- reports */

static void sample_result(pf_rls_result *r)
{
    memset(r, 0, sizeof *r);
    pf_rls_outcome *c = pf_rls_result_add(r, "isolation", "read",
                                          "public.t / patient / SELECT", PF_RLS_FAIL,
                                          "LEAK: public.t as patient can SELECT 3 rows it is not "
                                          "entitled to (e.g. key 42)");
    c->table = pf_strdup("public.t");
    c->identity = pf_strdup("patient");
    c->operation = pf_strdup("SELECT");
    c->example = pf_strdup("42");
    c->details = pf_strdup("entitled 1\nvisible 4\n");
    pf_rls_result_add(r, "isolation", "write", "public.t / patient / UPDATE", PF_RLS_PASS, "ok");
    c = pf_rls_result_add(r, "lint", "multiple_permissive_policies", "x", PF_RLS_WARN, "two <&>");
    c->hint = pf_strdup("merge them");
    pf_rls_result_add(r, "tables", "rls_disabled", "rls_disabled", PF_RLS_PASS, "none");
    pf_rls_result_add(r, "overhead", "rls_overhead", "p (patient vs owner)", PF_RLS_NOISY, "n");
    pf_rls_result_add(r, "isolation", "identity", "identity x", PF_RLS_SKIP, "none");
    pf_rls_result_add(r, "overhead", "rls_overhead", "q (patient vs owner)", PF_RLS_ERROR, "e");
    /* The rules file the checks point at: public.t's entry on line 12. */
    pf_rls_table_rule rule = {.table = (char *)"public.t", .line = 12};
    pf_rls_rules rules = {.path = (char *)"fixtures/rls/sample.json", .tables = &rule,
                          .n_tables = 1};
    pf_rls_result_set_rules(r, &rules);
    pf_rls_result_finish(r);
}

START_TEST(test_result_exit_code_follows_failures)
{
    pf_rls_result r;
    memset(&r, 0, sizeof r);
    pf_rls_result_add(&r, "lint", "x", "x", PF_RLS_WARN, "w");
    pf_rls_result_add(&r, "lint", "y", "y", PF_RLS_SKIP, "s");
    pf_rls_result_finish(&r);
    ck_assert_int_eq(r.exit_code, PF_EXIT_OK);
    pf_rls_result_add(&r, "lint", "z", "z", PF_RLS_ERROR, "e");
    pf_rls_result_finish(&r);
    ck_assert_int_eq(r.exit_code, PF_EXIT_FAIL);
    ck_assert_int_eq(r.counts[PF_RLS_WARN], 1);
    pf_rls_result_dispose(&r);
    pf_rls_result_dispose(&r); /* idempotent */
}
END_TEST

/* Both formats validate (reporters: against junit-10.xsd plus
 * testcase@file/@line); every check points at the rules file, a table's
 * check at its entry's line; a warning passes and says so. */
START_TEST(test_junit_is_valid_and_names_the_leak)
{
    bool junit10 = _i == 1;
    pf_rls_result r;
    sample_result(&r);
    char *dir = pf_test_tmpdir();
    char *xml = pf_path_join(dir, "rls.xml");
    pf_error e;
    ck_assert_msg(pf_rls_report_write_junit(&r, xml, junit10 ? PF_JUNIT_JUNIT10
                                                             : PF_JUNIT_REPORTERS, &e) == 0,
                  "%s", e.msg);
    char *xsd = junit10 ? pf_test_source_path("tests/data/junit-10.xsd")
                        : pf_test_junit_reporters_xsd(dir);
    ck_assert_msg(pf_junit_validate(xml, xsd, &e) == 0, "%s", e.msg);
    char *text = NULL;
    ck_assert_int_eq(pf_file_read(xml, &text, NULL, &e), 0);
    ck_assert_ptr_nonnull(strstr(text, "<testsuite name=\"rls-isolation\""));
    ck_assert_ptr_nonnull(strstr(text, "<testsuite name=\"rls-lint\""));
    ck_assert_ptr_nonnull(strstr(text, "<testsuite name=\"rls-tables\""));
    ck_assert_ptr_nonnull(strstr(text, "<testsuite name=\"rls-overhead\""));
    ck_assert_ptr_nonnull(strstr(text, "type=\"rls-leak\""));
    ck_assert_ptr_nonnull(strstr(text, "e.g. key 42"));
    ck_assert_ptr_null(strstr(text, "type=\"warning\""));
    ck_assert_ptr_nonnull(strstr(text, "type=\"noisy\""));
    ck_assert_ptr_nonnull(strstr(text, "<error"));
    /* The warning: a pass whose <system-out> says it. */
    ck_assert_ptr_nonnull(strstr(text, "<testcase classname=\"perfgate.rls.lint\" name=\"x\" "
                                       "time=\"0.000\""));
    char *warn = strstr(text, "name=\"x\"");
    char *warn_end = strstr(warn, "</testcase>");
    ck_assert_ptr_nonnull(warn_end);
    *warn_end = '\0';
    ck_assert_ptr_null(strstr(warn, "<skipped"));
    ck_assert_ptr_null(strstr(warn, "<failure"));
    ck_assert_ptr_nonnull(strstr(warn, "<system-out>warning: two &lt;&amp;&gt;\n"));
    *warn_end = '<';
    if (junit10) {
        ck_assert_ptr_null(strstr(text, " line=\""));
        ck_assert_ptr_nonnull(strstr(text, "file=\"fixtures/rls/sample.json\""));
    } else {
        ck_assert_ptr_nonnull(strstr(text, "name=\"public.t / patient / SELECT\" time=\"0.000\" "
                                           "file=\"fixtures/rls/sample.json\" line=\"12\">"));
        ck_assert_ptr_nonnull(strstr(text, "name=\"x\" time=\"0.000\" "
                                           "file=\"fixtures/rls/sample.json\">"));
    }
    free(text);

    pf_rls_junit j;
    pf_rls_report_junit_build(&r, &j);
    ck_assert_uint_eq(j.n_suites, 4);
    size_t total = 0;
    for (size_t s = 0; s < j.n_suites; s++)
        total += j.suites[s].n_cases;
    ck_assert_uint_eq(total, r.n_checks);
    pf_rls_report_junit_dispose(&j);

    free(xsd);
    free(xml);
    pf_rmtree(dir, &e);
    free(dir);
    pf_rls_result_dispose(&r);
}
END_TEST

START_TEST(test_markdown_and_json_report_the_failure)
{
    pf_rls_result r;
    sample_result(&r);
    char *md = pf_rls_report_markdown(&r, 3);
    ck_assert_ptr_nonnull(strstr(md, "### ❌ perfgate rls: 2 of 7 checks failed"));
    ck_assert_ptr_nonnull(strstr(md, "LEAK: public.t as patient"));
    ck_assert_ptr_nonnull(strstr(md, "merge them"));
    free(md);
    char *txt = pf_rls_report_text(&r);
    ck_assert_ptr_nonnull(strstr(txt, "fail  isolation LEAK"));
    free(txt);
    char *js = pf_rls_report_json(&r);
    cJSON *root = cJSON_Parse(js);
    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(cJSON_GetObjectItem(root, "exit_code")->valueint, 1);
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "checks"), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(first, "example_key")->valuestring, "42");
    ck_assert_str_eq(cJSON_GetObjectItem(first, "status")->valuestring, "fail");
    cJSON_Delete(root);
    free(js);
    pf_rls_result_dispose(&r);
}
END_TEST

/* A result with every field the JSON report writes: nulls, escapes,
 * UTF-8, a NaN, large counts, a pair with instructions and a baseline and
 * one without either. */
static void rich_result(pf_rls_result *r)
{
    memset(r, 0, sizeof *r);
    r->server_version = pf_strdup("15.8");
    r->target = pf_strdup("host=/tmp/x dbname=perfgate_rls password=***");
    r->seed_ms = 1234.5;
    r->isolation_ms = 1.0 / 3.0;
    r->lint_ms = 0;
    r->overhead_ms = NAN;
    r->total_ms = 98765.4321;
    r->n_identities = 2;
    r->identities = pf_calloc(2, sizeof *r->identities);
    r->identities[0] = (pf_rls_identity){pf_strdup("patient"), pf_strdup("a patient, \"with\" quotes"),
                                         pf_strdup("authenticated"),
                                         pf_strdup("00000000-0000-4000-8000-000000000001"), true};
    r->identities[1] = (pf_rls_identity){pf_strdup("anon"), pf_strdup("tab\there → é"),
                                         pf_strdup("anon"), NULL, false};
    r->n_tables = 2;
    r->tables = pf_calloc(2, sizeof *r->tables);
    r->tables[0] = (pf_rls_table){pf_strdup("public.t"), true, true, false, true, 3, NULL, 100};
    r->tables[1] = (pf_rls_table){pf_strdup("public.t_2024"), false, false, true, false, 0,
                                  pf_strdup("public.t"), 7};
    pf_rls_outcome *c = pf_rls_result_add(r, "isolation", "read", "public.t / patient / SELECT",
                                          PF_RLS_FAIL, "LEAK: \\ back\\slash \x01 ctl");
    c->table = pf_strdup("public.t");
    c->identity = pf_strdup("patient");
    c->operation = pf_strdup("SELECT");
    c->example = pf_strdup("42");
    c->details = pf_strdup("line one\nline two\r\n");
    c->ms = 12.25;
    c = pf_rls_result_add(r, "lint", "policy_no_role", "policy_no_role", PF_RLS_PASS, NULL);
    c->hint = pf_strdup("recreate the policy with TO authenticated");
    c->ms = NAN;
    c = pf_rls_result_add(r, "overhead", "rls_overhead", "timeline_page_patient (patient vs owner)",
                          PF_RLS_WARN, "timeline_page_patient: median 40.0 ms | at warning level");
    c->hint = pf_strdup("a per-row function");
    pf_rls_result_add(r, "overhead", "rls_overhead", "delegate_profile (delegate vs owner)",
                      PF_RLS_NEW, "delegate_profile: new");
    r->n_pairs = 2;
    r->pairs = pf_calloc(2, sizeof *r->pairs);
    pf_rls_pair *p = &r->pairs[0];
    p->name = pf_strdup("timeline_page_patient");
    p->identity_case = pf_strdup("rls/timeline_page_patient");
    p->owner_case = pf_strdup("rls/timeline_page_owner");
    p->identity = pf_strdup("patient");
    p->n = 40;
    p->owner_median_ms = 0.22884;
    p->identity_median_ms = 0.75655;
    p->identity_p95_ms = 3.4418;
    p->ratio = 0.75655 / 0.22884;
    p->ratio_lo = 2.871;
    p->ratio_hi = INFINITY;
    p->fixed_owner_ms = 0.1828;
    p->fixed_identity_ms = 0.7104;
    p->fixed_ratio = 3.8851;
    p->owner_calls = 0;
    p->identity_calls = 12;
    p->policy_calls = 12;
    p->threshold_ms = 50;
    p->has_baseline = true;
    p->reran = true;
    p->base_ratio = 3.3061;
    p->base_fixed_ratio = 3.8851;
    p->base_policy_calls = 1;
    p->has_instr = true;
    p->owner_instr = 123456789012345;
    p->identity_instr = 152415787501905;
    p->instr_iterations = 40;
    p->instr_ratio = 152415787501905.0 / 123456789012345.0;
    p->has_base_instr = true;
    p->base_instr_ratio = 1.2;
    p = &r->pairs[1];
    p->name = pf_strdup("delegate_profile");
    p->identity_case = pf_strdup("rls/delegate_profile");
    p->owner_case = pf_strdup("(the same statement as the owner)");
    p->identity = pf_strdup("delegate");
    p->n = 3;
    p->owner_median_ms = 1e-7;
    p->identity_median_ms = 123456.789;
    p->policy_calls = -2;
    p->threshold_ms = 50;
    p->instr_note = pf_strdup("instructions not counted (--no-instructions)");
    p->baseline_written = true;
    pf_rls_result_finish(r);
}

/* An overhead baseline with every field set, the optional instructions
 * included; ratio_lo is NaN, which is written as 0. */
#define GOLD_PAIR "timeline_page_patient"
#define GOLD_DATASET "healthcare", "1c92741962fc4e00", 0.5, 20260101ull
#define GOLD_SERVER_BUILD                                                                          \
    "PostgreSQL 15.8 (Debian 15.8-0+deb12u1) on x86_64-pc-linux-gnu, compiled by \"gcc\" 12.2.0"

/* The golden report: byte for byte what pf_rls_report_json wrote with cJSON
 * before the stable printer (tests/data/golden/rls_results.json). */
START_TEST(test_json_report_matches_the_golden_file)
{
    pf_rls_result r;
    rich_result(&r);
    char *js = pf_rls_report_json(&r);
    char *path = pf_test_source_path("tests/data/golden/rls_results.json");
    char *want = NULL;
    pf_error e;
    ck_assert_msg(pf_file_read(path, &want, NULL, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(js, want);
    free(want);
    free(path);
    free(js);
    pf_rls_result_dispose(&r);
}
END_TEST

/* The Markdown report and the terminal text of the same result, as they
 * were before the report functions were split (tests/data/golden/
 * rls_report.md). */
START_TEST(test_markdown_and_text_match_the_golden_file)
{
    pf_rls_result r;
    rich_result(&r);
    char *md = pf_rls_report_markdown(&r, 2);
    char *tx = pf_rls_report_text(&r);
    char *got = pf_asprintf("%s\n---- text\n\n%s", md, tx);
    char *path = pf_test_source_path("tests/data/golden/rls_report.md");
    char *want = NULL;
    pf_error e;
    ck_assert_msg(pf_file_read(path, &want, NULL, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(got, want);
    free(want);
    free(path);
    free(got);
    free(tx);
    free(md);
    pf_rls_result_dispose(&r);
}
END_TEST

/* ------------------------------------------------- overhead baselines */

static char *read_source(const char *rel)
{
    char *path = pf_test_source_path(rel);
    char *text = NULL;
    pf_error e;
    ck_assert_msg(pf_file_read(path, &text, NULL, &e) == 0, "%s", e.msg);
    free(path);
    return text;
}

/* Every committed baseline reads back and renders to the same bytes. */
START_TEST(test_committed_overhead_baselines_render_byte_for_byte)
{
    char *dir = pf_test_source_path("baselines/rls/overhead");
    char **names = NULL;
    size_t n = 0;
    pf_error e;
    ck_assert_msg(pf_dir_list(dir, ".json", &names, &n, &e) == 0, "%s", e.msg);
    ck_assert_uint_ge(n, 1);
    for (size_t i = 0; i < n; i++) {
        char *path = pf_path_join(dir, names[i]);
        char *text = NULL;
        ck_assert_msg(pf_file_read(path, &text, NULL, &e) == 0, "%s", e.msg);
        pf_rls_baseline b;
        ck_assert_msg(pf_rls_baseline_read(path, &b, &e) == 0, "%s", e.msg);
        char *again = pf_rls_baseline_render(&b);
        ck_assert_msg(strcmp(again, text) == 0, "%s re-rendered:\n%s", names[i], again);
        ck_assert(b.ratio > 0 && b.fixed_ratio > 0 && b.dataset_hash[0] != '\0');
        free(again);
        free(text);
        free(path);
        pf_rls_baseline_dispose(&b);
    }
    pf_strv_free(names);
    free(dir);
}
END_TEST

static void golden_baseline(pf_rls_baseline *b)
{
    memset(b, 0, sizeof *b);
    b->pair = pf_strdup(GOLD_PAIR);
    b->identity_case = pf_strdup("rls/timeline_page_patient");
    b->owner_case = pf_strdup("rls/timeline_page_owner");
    b->identity = pf_strdup("patient");
    b->dataset_name = pf_strdup("healthcare");
    b->dataset_hash = pf_strdup("1c92741962fc4e00");
    b->scale = 0.5;
    b->seed = 20260101;
    b->server_major = 15;
    b->n = 40;
    b->owner_median_ms = 0.22884;
    b->identity_median_ms = 0.75655;
    b->identity_p95_ms = 3.4418;
    b->ratio = 0.75655 / 0.22884;
    b->ratio_lo = NAN;
    b->ratio_hi = INFINITY;
    b->fixed_owner_ms = 0.1828;
    b->fixed_identity_ms = 0.7104;
    b->fixed_ratio = 3.8851;
    b->owner_calls = 0;
    b->identity_calls = 12;
    b->policy_calls = 12;
    b->has_instr = true;
    b->instr_ratio = 152415787501905.0 / 123456789012345.0;
    b->owner_instr = 123456789012345;
    b->identity_instr = 152415787501905;
    b->instr_iterations = 40;
    b->instr_method = pf_strdup(PF_INSTR_METHOD);
    b->instr_valgrind = pf_strdup("3.19.0");
    b->instr_arch = pf_strdup("x86_64");
    b->instr_server_build = pf_strdup(GOLD_SERVER_BUILD);
}

/* With the instructions object: the bytes rls_overhead.c wrote before the
 * stable printer (tests/data/golden/rls_overhead_baseline.json), and what
 * reads back from them. */
START_TEST(test_overhead_baseline_with_instructions_matches_the_golden_file)
{
    char *want = read_source("tests/data/golden/rls_overhead_baseline.json");
    pf_rls_baseline b;
    golden_baseline(&b);
    char *text = pf_rls_baseline_render(&b);
    ck_assert_str_eq(text, want);
    free(text);
    pf_rls_baseline_dispose(&b);

    pf_error e;
    ck_assert_msg(pf_rls_baseline_parse("golden.json", want, &b, &e) == 0, "%s", e.msg);
    ck_assert(b.has_instr);
    ck_assert_int_eq(b.instr_iterations, 40);
    ck_assert_double_eq_tol(b.instr_ratio, 1.2346, 1e-9);
    ck_assert_int_eq(b.identity_instr, 152415787501905);
    ck_assert_str_eq(b.instr_server_build, GOLD_SERVER_BUILD);
    ck_assert_str_eq(b.instr_method, PF_INSTR_METHOD);
    ck_assert_int_eq(b.seed, 20260101);
    ck_assert_double_eq(b.scale, 0.5);
    ck_assert_int_eq(b.server_major, 15);
    ck_assert_int_eq(b.policy_calls, 12);
    ck_assert_double_eq(b.ratio_lo, 0); /* NaN was written as 0 */
    text = pf_rls_baseline_render(&b);
    ck_assert_str_eq(text, want);
    free(text);
    pf_rls_baseline_dispose(&b);
    free(want);
}
END_TEST

START_TEST(test_overhead_baseline_without_instructions_and_a_large_seed_round_trip)
{
    pf_rls_baseline b;
    golden_baseline(&b);
    b.has_instr = false;
    b.seed = UINT64_MAX;
    b.scale = 0.123456789;
    char *text = pf_rls_baseline_render(&b);
    pf_rls_baseline_dispose(&b);
    ck_assert_ptr_null(strstr(text, "instructions"));
    ck_assert_ptr_nonnull(strstr(text, "\"seed\": \"18446744073709551615\""));
    pf_error e;
    ck_assert_msg(pf_rls_baseline_parse("x.json", text, &b, &e) == 0, "%s", e.msg);
    ck_assert(!b.has_instr);
    ck_assert(b.seed == UINT64_MAX);
    ck_assert_double_eq(b.scale, 0.123456789);
    char *again = pf_rls_baseline_render(&b);
    ck_assert_str_eq(again, text);
    free(again);
    free(text);
    pf_rls_baseline_dispose(&b);

    char *dir = pf_test_tmpdir();
    char *path = pf_path_join(dir, "none.json");
    ck_assert_int_eq(pf_rls_baseline_read(path, &b, &e), 1);
    free(path);
    pf_rmtree(dir, &e);
    free(dir);
}
END_TEST

/* A change to the golden file and the message it must give. */
typedef struct bad_baseline {
    const char *from, *to;
    const char *msg;
} bad_baseline;

static const bad_baseline k_bad_baselines[] = {
    {"\"format\": 1,", "\"format\": 2,",
     "x.json:2: $.format: format 2 is not supported (this perfgate reads 1)"},
    {"\"hash\": \"1c92741962fc4e00\",", "", "x.json:7: $.dataset: missing 'hash' (a string)"},
    {"\"seed\": 20260101", "\"seed\": -1",
     "x.json:11: $.dataset.seed: must be an integer in 0..9007199254740992, not -1"},
    {"\"seed\": 20260101", "\"seed\": \"12x\"",
     "x.json:11: $.dataset.seed: '12x' is not a whole number >= 0"},
    {"\"server_major\": 15", "\"server_major\": 15.5", "x.json:13: $.server_major: must be an "
                                                       "integer in 0..1000, not 15.5"},
    {"\"ratio\": 3.3060,", "\"ratio\": 0,", "x.json:18: $.ratio: must be at least 0.0001, not 0"},
    {"\"fixed_ratio\": 3.8851,", "", "x.json:1: $: missing 'fixed_ratio' (a number)"},
    {"\"policy_calls\": 12,", "\"policy_calls\": \"12\",",
     "x.json:26: $.policy_calls: must be an integer in 0..9007199254740992"},
    {"\"instructions\": {", "\"instructions\": 3, \"later\": {",
     "x.json:27: $.instructions: must be an object"},
    {"\"ratio\": 1.2346,", "\"ratio\": 1e7,",
     "x.json:28: $.instructions.ratio: must be below 1e+06, not 10000000"},
    {"\"fixed_ratio\": 3.8851,", "\"fixed_ratio\": 0.00004,",
     "x.json:23: $.fixed_ratio: must be at least 0.0001, not 4e-05"},
    {"\"iterations\": 40,", "\"iterations\": 0,",
     "x.json:31: $.instructions.iterations: must be an integer in 1..1000, not 0"},
    {"\"arch\": \"x86_64\",", "\"arch\": 64,", "x.json:34: $.instructions.arch: must be a string"},
};

START_TEST(test_malformed_overhead_baseline_names_file_line_and_path)
{
    const bad_baseline *c = &k_bad_baselines[_i];
    char *gold = read_source("tests/data/golden/rls_overhead_baseline.json");
    char *at = strstr(gold, c->from);
    ck_assert_ptr_nonnull(at);
    *at = '\0';
    char *text = pf_asprintf("%s%s%s", gold, c->to, at + strlen(c->from));
    pf_rls_baseline b;
    pf_error e;
    pf_error_clear(&e);
    ck_assert_int_eq(pf_rls_baseline_parse("x.json", text, &b, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_msg(strstr(e.msg, c->msg) != NULL, "case %d: %s", _i, e.msg);
    ck_assert_msg(strstr(e.msg, "(a malformed RLS overhead baseline; re-create it with "
                                "--update-baselines)") != NULL,
                  "%s", e.msg);
    ck_assert_ptr_null(b.dataset_hash); /* left empty */
    free(text);
    free(gold);
}
END_TEST

START_TEST(test_corrupt_overhead_baseline_is_a_syntax_error_with_advice)
{
    pf_rls_baseline b;
    pf_error e;
    ck_assert_int_eq(pf_rls_baseline_parse("x.json", "{\n  \"format\": 1,\n", &b, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_msg(strncmp(e.msg, "x.json:3:1: JSON syntax error", 29) == 0, "%s", e.msg);
    ck_assert_msg(strstr(e.msg, "restore it from git or re-create it with --update-baselines"),
                  "%s", e.msg);
}
END_TEST

/* ------------------------------------------------------------------ CLI */

typedef struct cli_case {
    const char *args[8];
    int status;
    const char *err; /* substring of stderr */
} cli_case;

static const cli_case k_cli[] = {
    {{"--help"}, 0, NULL},
    {{"--bogus"}, 2, "rls: unknown option '--bogus'"},
    {{"--junit"}, 2, "rls: option '--junit' needs a value"},
    {{"extra"}, 2, "rls: unexpected argument 'extra'"},
    {{"--no-seed"}, 2, "--no-seed needs --dsn"},
    {{"--iterations", "1"}, 2, "--iterations"},
    {{"--severity", "rls_auth_per_row"}, 2, "expected RULE=error|warning|off"},
    {{"--severity", "no_such_rule=error", "--dsn", "host=/nonexistent", "--no-seed"},
     2,
     "--severity 'no_such_rule=error'"},
    {{"--severity", "rls_auth_per_row=fatal", "--dsn", "host=/nonexistent", "--no-seed"},
     2,
     "--severity 'rls_auth_per_row=fatal'"},
    {{"--rules", "/nonexistent/rules.json"}, 2, "/nonexistent/rules.json"},
    {{"--dsn", "host=/nonexistent/socket", "--no-seed"}, 3, NULL},
};

START_TEST(test_cli_rls_contract)
{
    const cli_case *c = &k_cli[_i];
    char *argv[12];
    int n = 0;
    argv[n++] = (char *)pf_test_bin();
    argv[n++] = "rls";
    for (int i = 0; c->args[i]; i++)
        argv[n++] = (char *)c->args[i];
    argv[n] = NULL;
    pf_run_result r;
    char *env[] = {"PERFGATE_DSN=", NULL};
    pf_test_run(argv, env, NULL, &r);
    ck_assert_msg(r.status == c->status, "case %d: exit %d, expected %d; stderr: %s", _i,
                  r.status, c->status, r.err);
    if (c->err)
        ck_assert_msg(strstr(r.err, c->err) != NULL, "case %d: stderr lacks '%s': %s", _i, c->err,
                      r.err);
    if (c->status == 0)
        ck_assert_ptr_nonnull(strstr(r.out, "Usage: perfgate rls"));
    pf_run_result_dispose(&r);
}
END_TEST

/* The isolation checks' :uid: the identity's parameter wherever the rule
 * says :uid, never inside a cast (::uid...) or a longer name (:uid_x). */
START_TEST(test_subst_uid_numbers_the_identitys_parameter)
{
    static const struct {
        const char *in, *out;
        int param;
    } k_cases[] = {
        {"user_id = :uid", "user_id = $1::uuid", 1},
        {"a = :uid OR b IN (SELECT f(:uid))", "a = $3::uuid OR b IN (SELECT f($3::uuid))", 3},
        {"x::uid_type = :uid_x", "x::uid_type = :uid_x", 2},
        {":uid", "$12::uuid", 12},
        {NULL, "false", 1},
    };
    for (size_t i = 0; i < sizeof k_cases / sizeof k_cases[0]; i++) {
        char *got = pf_rls_subst_uid(k_cases[i].in, k_cases[i].param);
        ck_assert_str_eq(got, k_cases[i].out);
        free(got);
    }
}
END_TEST

/* The identity's side and the owner's side hash the same key expression
 * over the same table, with the same aggregates, so that equal key sets
 * compare equal; a missing value reads as no rows. */
START_TEST(test_visible_signature_query_hashes_the_key_expression)
{
    char *sql = pf_rls_visible_sql("public.t", "concat_ws('/', a, b)");
    ck_assert_ptr_nonnull(strstr(sql, "SELECT (concat_ws('/', a, b)) COLLATE \"C\" AS k FROM "
                                      "public.t"));
    ck_assert_ptr_nonnull(strstr(sql, "count(*), sum(h0), bit_xor(h1)"));
    ck_assert_ptr_nonnull(strstr(sql, "hashtextextended(k, 0) AS h0, hashtextextended(k, 1) AS h1"));
    free(sql);
}
END_TEST

static Suite *rls_suite(void)
{
    Suite *s = suite_create("rls");
    TCase *t = tcase_create("lint");
    tcase_add_loop_test(t, test_lint_finds_auth_calls_not_wrapped_in_select, 0,
                        (int)(sizeof k_calls / sizeof k_calls[0]));
    tcase_add_test(t, test_lint_accepts_null_expression);
    tcase_add_test(t, test_subst_uid_numbers_the_identitys_parameter);
    tcase_add_test(t, test_visible_signature_query_hashes_the_key_expression);
    tcase_add_loop_test(t, test_lint_finds_the_policy_tables_own_columns, 0,
                        (int)(sizeof k_cols / sizeof k_cols[0]));
    suite_add_tcase(s, t);
    t = tcase_create("rules");
    tcase_add_test(t, test_rules_parse_a_minimal_file);
    tcase_add_loop_test(t, test_rules_errors_name_file_path_and_line, 0,
                        (int)(sizeof k_bad / sizeof k_bad[0]));
    tcase_add_test(t, test_rules_read_definitions_relative_to_the_file);
    tcase_add_test(t, test_shipped_rules_file_parses);
    tcase_add_test(t, test_rule_ids_are_unique_with_hints);
    suite_add_tcase(s, t);
    t = tcase_create("reports");
    tcase_add_test(t, test_result_exit_code_follows_failures);
    tcase_add_loop_test(t, test_junit_is_valid_and_names_the_leak, 0, 2);
    tcase_add_test(t, test_markdown_and_json_report_the_failure);
    tcase_add_test(t, test_json_report_matches_the_golden_file);
    tcase_add_test(t, test_markdown_and_text_match_the_golden_file);
    suite_add_tcase(s, t);
    t = tcase_create("overhead baselines");
    tcase_add_test(t, test_committed_overhead_baselines_render_byte_for_byte);
    tcase_add_test(t, test_overhead_baseline_with_instructions_matches_the_golden_file);
    tcase_add_test(t, test_overhead_baseline_without_instructions_and_a_large_seed_round_trip);
    tcase_add_loop_test(t, test_malformed_overhead_baseline_names_file_line_and_path, 0,
                        (int)(sizeof k_bad_baselines / sizeof k_bad_baselines[0]));
    tcase_add_test(t, test_corrupt_overhead_baseline_is_a_syntax_error_with_advice);
    suite_add_tcase(s, t);
    t = tcase_create("cli");
    tcase_add_loop_test(t, test_cli_rls_contract, 0, (int)(sizeof k_cli / sizeof k_cli[0]));
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
