/* Scenario files: the shipped scenarios parse, a full example parses into
 * the expected structure, and every kind of mistake is refused with the
 * file, the JSON path (and the line for syntax errors) in the message. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "scenario.h"
#include "testutil.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

static const char k_full[] =
    "{\n"
    "  \"name\": \"mix\",\n"
    "  \"expected_load\": {\"users\": 100, \"every\": \"30s\", \"connections\": 7},\n"
    "  \"flows\": [\n"
    "    {\"name\": \"read\", \"weight\": 3, \"random\": {\"aid\": [1, 10]},\n"
    "     \"steps\": [{\"sql\": \"SELECT :aid::int\"}]},\n"
    "    {\"name\": \"upload\", \"identity\": \"patient\", \"threshold\": \"200ms\",\n"
    "     \"max_error_rate\": 0.01,\n"
    "     \"params\": \"SELECT 1 AS patient_id, 2 AS user_id\",\n"
    "     \"steps\": [\n"
    "       {\"name\": \"up\", \"sql\": [{\"sql\": \"SELECT :patient_id AS doc\", \"capture\": "
    "[\"doc\"]},\n"
    "                               \"SELECT :doc, :client_id, :iteration\"],\n"
    "        \"think\": {\"uniform\": [\"1s\", \"2s\"]}},\n"
    "       {\"sql\": \"SELECT :doc; \", \"repeat\": 3, \"think\": \"1s\"},\n"
    "       {\"sql\": \"SELECT 1 AS x\", \"capture\": [\"x\"], \"on_empty\": \"end\",\n"
    "        \"think\": {\"exponential\": \"50ms\"}}\n"
    "     ]}\n"
    "  ]\n"
    "}\n";

START_TEST(test_a_full_scenario_parses_into_flows_steps_and_statements)
{
    pf_scenario s;
    pf_error e;
    ck_assert_msg(pf_scenario_parse("mix.json", k_full, &s, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(s.name, "mix");
    ck_assert_double_eq_tol(pf_scenario_expected_rate(&s), 100.0 / 30.0, 1e-12);
    ck_assert_int_eq(s.connections, 7);
    ck_assert_uint_eq(s.n_flows, 2);
    const pf_flow *r = &s.flows[0], *u = &s.flows[1];
    ck_assert_double_eq(r->weight, 3);
    ck_assert_int_eq(r->identity, PF_IDENTITY_OWNER);
    ck_assert_uint_eq(r->n_random, 1);
    ck_assert_int_eq(r->random[0].lo, 1);
    ck_assert_int_eq(r->random[0].hi, 10);
    /* The owner's single statement is sent alone, like pgbench. */
    ck_assert(!r->steps[0].transaction);
    ck_assert_str_eq(r->steps[0].stmts[0].prepared_sql, "SELECT $1::int");
    ck_assert_str_eq(u->identity_label, "patient");
    ck_assert_int_eq(u->identity, PF_IDENTITY_AUTHENTICATED);
    ck_assert_double_eq(u->threshold_ms, 200);
    ck_assert_double_eq(u->max_error_rate, 0.01);
    ck_assert_uint_eq(u->n_steps, 3);
    ck_assert_str_eq(u->steps[0].name, "up");
    ck_assert_str_eq(u->steps[1].name, "step2");
    ck_assert(u->steps[0].transaction);
    ck_assert_uint_eq(u->steps[0].n_stmts, 2);
    ck_assert_str_eq(u->steps[0].stmts[0].capture[0], "doc");
    ck_assert_str_eq(u->steps[0].stmts[1].prepared_sql, "SELECT $1, $2, $3");
    ck_assert_int_eq(u->steps[0].think.kind, PF_THINK_UNIFORM);
    ck_assert_double_eq(u->steps[0].think.b_ms, 2000);
    ck_assert_int_eq(u->steps[1].repeat, 3);
    /* The trailing semicolon is not part of the statement. */
    ck_assert_str_eq(u->steps[1].stmts[0].sql, "SELECT :doc");
    ck_assert(u->steps[2].stmts[0].end_if_empty);
    ck_assert_int_eq(u->steps[2].think.kind, PF_THINK_EXPONENTIAL);
    /* Only patient_id must come from the params query. */
    char **need = pf_scenario_flow_param_names(u);
    ck_assert_str_eq(need[0], "patient_id");
    ck_assert_ptr_null(need[1]);
    pf_strv_free(need);
    pf_scenario_dispose(&s);
}
END_TEST

START_TEST(test_the_shipped_scenarios_parse)
{
    char *dir = pf_test_source_path("bench/load");
    pf_scenario *s = NULL;
    size_t n = 0;
    pf_error e;
    ck_assert_msg(pf_scenario_load_all(dir, &s, &n, &e) == 0, "%s", e.msg);
    ck_assert_uint_ge(n, 2);
    bool mix = false, drain = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s[i].name, "healthcare_mix") == 0) {
            mix = true;
            ck_assert_uint_eq(s[i].n_flows, 4);
            ck_assert_double_eq_tol(pf_scenario_expected_rate(&s[i]), 100.0 / 30, 1e-9);
        }
        if (strcmp(s[i].name, "queue_drain") == 0) {
            drain = true;
            ck_assert_ptr_nonnull(s[i].drain);
            ck_assert_int_eq(s[i].drain->jobs, 1000);
            ck_assert_double_eq(s[i].drain->threshold_ms, 10000);
        }
    }
    ck_assert(mix && drain);
    pf_scenarios_free(s, n);
    free(dir);
    char *cmp = pf_test_source_path("bench/load/compare/pgbench_select_only.json");
    ck_assert_msg(pf_scenario_load_all(cmp, &s, &n, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(n, 1);
    pf_scenarios_free(s, n);
    free(cmp);
}
END_TEST

/* ---- errors: file, JSON path, line ----------------------------------------- */

#define LOAD "\"expected_load\": {\"users\": 1, \"every\": \"1s\"}"
#define FLOW(body) "{" LOAD ", \"flows\": [" body "]}"
#define STEP "\"steps\": [{\"sql\": \"SELECT 1\"}]"

typedef struct bad_case {
    const char *text;
    const char *expect; /* a substring of the message after "bad.json" */
} bad_case;

static const bad_case k_bad[] = {
    {"{\n  \"name\": \"x\",\n  \"flows\": [\n    {\"name\": \"a\",}\n  ]\n}",
     "bad.json:4:"},
    {"[]", "bad.json:1: $: a scenario must be a JSON object"},
    {"{\n  " LOAD ",\n  \"flows\": [\n    {\"name\": \"a\",\n     \"steps\": [\n"
     "       {\"sql\": \"SELECT 1\",\n        \"think\": \"1 s\"}]}]}",
     "bad.json:7: $.flows[0].steps[0].think: '1 s' is not a duration"},
    {"{\n  " LOAD ",\n  \"flows\": [{\"name\": \"a\", \"steps\": [\n"
     "    {\"sql\": \"SELECT 'open\"}]}]}",
     "bad.json:4: $.flows[0].steps[0].sql:1: unterminated"},
    {"{\"nmae\": \"x\"}", "$: unknown key 'nmae'"},
    {"{\"format\": 2, " LOAD ", \"flows\": []}", "$.format: unsupported format 2"},
    {"{\"name\": \"has space\", " LOAD ", \"flows\": [{\"name\": \"a\", " STEP "}]}",
     "$.name: 'has space' is not a scenario name"},
    {"{\"flows\": [{\"name\": \"a\", " STEP "}]}", "$: missing 'expected_load'"},
    {"{\"expected_load\": {\"users\": 0, \"every\": \"1s\"}, \"flows\": [{\"name\": \"a\", " STEP
     "}]}",
     "$.expected_load.users: must be above 0"},
    {"{\"expected_load\": {\"users\": 5, \"every\": \"soon\"}, \"flows\": [{\"name\": \"a\", " STEP
     "}]}",
     "$.expected_load.every: 'soon' is not a duration"},
    {"{\"expected_load\": {\"users\": 5}, \"flows\": [{\"name\": \"a\", " STEP "}]}",
     "$.expected_load: missing 'every'"},
    {"{" LOAD "}", "either \"flows\""},
    {FLOW(""), "$.flows: must be a non-empty array"},
    {FLOW("{\"name\": \"a\", " STEP "}, {\"name\": \"a\", " STEP "}"),
     "$.flows[1]: flow name 'a' is used twice"},
    {FLOW("{" STEP "}"), "$.flows[0]: missing 'name'"},
    {FLOW("{\"name\": \"a\", \"wieght\": 2, " STEP "}"), "$.flows[0]: unknown key 'wieght'"},
    {FLOW("{\"name\": \"a\", \"weight\": -1, " STEP "}"), "$.flows[0].weight: must be above 0"},
    {FLOW("{\"name\": \"a\", \"identity\": \"doctor\", " STEP "}"),
     "$.flows[0].identity: unknown identity 'doctor'"},
    {FLOW("{\"name\": \"a\", \"identity\": \"patient\", " STEP "}"),
     "$.flows[0]: identity 'patient' needs a \"params\" query"},
    {FLOW("{\"name\": \"a\", \"threshold\": \"fast\", " STEP "}"),
     "$.flows[0].threshold: 'fast' is not a duration"},
    {FLOW("{\"name\": \"a\", \"max_error_rate\": 2, " STEP "}"),
     "$.flows[0].max_error_rate: must be between 0 and 1"},
    {FLOW("{\"name\": \"a\", \"random\": {\"aid\": [10, 1]}, " STEP "}"),
     "$.flows[0].random.aid: high is below low"},
    {FLOW("{\"name\": \"a\", \"random\": {\"aid\": [1.5, 2]}, " STEP "}"),
     "$.flows[0].random.aid: bounds must be integers"},
    {FLOW("{\"name\": \"a\", \"random\": {\"client_id\": [1, 2]}, " STEP "}"),
     "$.flows[0].random.client_id: 'client_id' is not a usable variable name"},
    {FLOW("{\"name\": \"a\"}"), "$.flows[0]: missing 'steps'"},
    {FLOW("{\"name\": \"a\", \"steps\": []}"), "$.flows[0].steps: must be a non-empty array"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"think\": \"1s\"}]}"),
     "$.flows[0].steps[0]: missing 'sql'"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": \"SELECT 1\", \"thinks\": \"1s\"}]}"),
     "$.flows[0].steps[0]: unknown key 'thinks'"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": \"SELECT 1; SELECT 2\"}]}"),
     "$.flows[0].steps[0].sql: holds 2 statements"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": \"  -- nothing\"}]}"),
     "$.flows[0].steps[0].sql: holds no SQL statement"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": \"SELECT 'open\"}]}"),
     "$.flows[0].steps[0].sql:1: unterminated"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": \"SELECT :nope\"}]}"),
     "$.flows[0].steps[0].sql: :nope is not provided"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": \"SELECT :later\"}, {\"sql\": \"SELECT 1 AS "
          "later\", \"capture\": [\"later\"]}]}"),
     "$.flows[0].steps[0].sql: :later is not provided"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": \"SELECT 1\", \"think\": \"1 s\"}]}"),
     "$.flows[0].steps[0].think: '1 s' is not a duration"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": \"SELECT 1\", \"think\": {\"uniform\": "
          "[\"3s\", \"1s\"]}}]}"),
     "$.flows[0].steps[0].think.uniform: max is below min"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": \"SELECT 1\", \"think\": {\"poisson\": "
          "\"1s\"}}]}"),
     "$.flows[0].steps[0].think: unknown key 'poisson'"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": \"SELECT 1\", \"repeat\": 0}]}"),
     "$.flows[0].steps[0].repeat: must be an integer in 1..1000000, not 0"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": \"SELECT 1\", \"capture\": []}]}"),
     "$.flows[0].steps[0].capture: must be a non-empty array"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": \"SELECT 1\", \"capture\": [\"x\"], "
          "\"on_empty\": \"skip\"}]}"),
     "$.flows[0].steps[0].on_empty: must be \"error\""},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": \"SELECT 1\", \"on_empty\": \"end\"}]}"),
     "$.flows[0].steps[0]: on_empty needs a capture"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": [\"SELECT 1\"], \"capture\": [\"x\"]}]}"),
     "$.flows[0].steps[0]: with several statements, put capture/on_empty on the statement"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": [\"SELECT 1\", {\"sql\": \"SELECT 2\", "
          "\"captur\": [\"x\"]}]}]}"),
     "$.flows[0].steps[0].sql[1]: unknown key 'captur'"},
    {FLOW("{\"name\": \"a\", \"steps\": [{\"sql\": [\"SELECT 1\", 7]}]}"),
     "$.flows[0].steps[0].sql[1]: must be a SQL statement"},
    {FLOW("{\"name\": \"a\", \"identity\": \"anon\", \"steps\": [{\"sql\": \"SELECT 1\", "
          "\"transaction\": false}]}"),
     "$.flows[0].steps[0].transaction: can only be false"},
    {"{\"queue_drain\": {\"jobs\": 0}}", "$.queue_drain.jobs: must be an integer in 1..10000000, not 0"},
    {"{\"queue_drain\": {\"jobs\": 10, \"workerz\": 2}}", "$.queue_drain: unknown key 'workerz'"},
    {"{\"queue_drain\": {\"processing_time\": 5}}",
     "$.queue_drain.processing_time: must be a duration string"},
    {"{" LOAD ", \"queue_drain\": {}}", "$.expected_load: a queue-drain scenario has no expected"},
    {"{\"name\": \"x\", \"name\": \"y\", " LOAD ", \"flows\": [{\"name\": \"a\", " STEP "}]}",
     "$: key 'name' appears twice"},
};

START_TEST(test_mistakes_are_refused_naming_file_path_and_line)
{
    const bad_case *c = &k_bad[_i];
    pf_scenario s;
    pf_error e;
    pf_error_clear(&e);
    ck_assert_msg(pf_scenario_parse("bench/load/bad.json", c->text, &s, &e) < 0,
                  "case %d parsed: %s", _i, c->text);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_msg(strncmp(e.msg, "bench/load/bad.json", 19) == 0, "case %d: %s", _i, e.msg);
    ck_assert_msg(strstr(e.msg, c->expect) != NULL, "case %d: '%s' lacks '%s'", _i, e.msg,
                  c->expect);
    pf_scenario_dispose(&s);
}
END_TEST

START_TEST(test_a_directory_needs_json_files_and_unique_names)
{
    char *dir = pf_test_tmpdir();
    pf_scenario *s = NULL;
    size_t n = 0;
    pf_error e;
    ck_assert_int_lt(pf_scenario_load_all(dir, &s, &n, &e), 0);
    ck_assert_msg(strstr(e.msg, "no *.json scenario files"), "%s", e.msg);
    const char *body = FLOW("{\"name\": \"a\", " STEP "}");
    char *a = pf_test_write(dir, "a.json", "{\"name\": \"same\", " LOAD
                                           ", \"flows\": [{\"name\": \"a\", " STEP "}]}");
    char *b = pf_test_write(dir, "b.json", "{\"name\": \"same\", " LOAD
                                           ", \"flows\": [{\"name\": \"a\", " STEP "}]}");
    ck_assert_int_lt(pf_scenario_load_all(dir, &s, &n, &e), 0);
    ck_assert_msg(strstr(e.msg, "b.json: scenario name 'same' is also used by"), "%s", e.msg);
    char *c = pf_test_write(dir, "b.json", body);
    ck_assert_msg(pf_scenario_load_all(dir, &s, &n, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(s[1].name, "b"); /* default: the file name */
    pf_scenarios_free(s, n);
    char *missing = pf_path_join(dir, "nope.json");
    ck_assert_int_lt(pf_scenario_load_all(missing, &s, &n, &e), 0);
    ck_assert_msg(strstr(e.msg, "no such scenario file"), "%s", e.msg);
    pf_error ignored;
    pf_rmtree(dir, &ignored);
    free(missing);
    free(a);
    free(b);
    free(c);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scenario");
    TCase *tc = tcase_create("scenario");
    tcase_add_test(tc, test_a_full_scenario_parses_into_flows_steps_and_statements);
    tcase_add_test(tc, test_the_shipped_scenarios_parse);
    tcase_add_loop_test(tc, test_mistakes_are_refused_naming_file_path_and_line, 0,
                        (int)N_OF(k_bad));
    tcase_add_test(tc, test_a_directory_needs_json_files_and_unique_names);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
