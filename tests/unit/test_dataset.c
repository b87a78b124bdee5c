/* Dataset spec parsing: a valid spec becomes the expected model, and every
 * kind of mistake is rejected with the file, the JSON path and the reason. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "testutil.h"

/* A minimal valid spec with two placeholders: TABLE0 (extra keys of the first
 * table's columns) and TABLES (extra tables). */
static char *spec(const char *cols0, const char *more_tables)
{
    return pf_asprintf("{\"format\": 1, \"name\": \"t\", \"reference_date\": \"2026-01-01\",\n"
                       " \"tables\": [\n"
                       "  {\"table\": \"a\", \"rows\": 10, \"columns\": {\"id\": {\"gen\": "
                       "\"sequence\"}%s}}%s\n"
                       " ]}\n",
                       cols0, more_tables);
}

typedef struct bad_case {
    const char *name;
    const char *text; /* whole spec, or NULL to build from cols/tables */
    const char *cols;
    const char *tables;
    const char *want; /* substring of the error */
} bad_case;

static const bad_case k_bad[] = {
    {"syntax", "{\"format\": 1,\n  \"name\": oops}", NULL, NULL, "x.json:2:11: JSON syntax error"},
    {"not an object", "[1, 2]", NULL, NULL, "x.json:1: $: the spec must be a JSON object"},
    {"format", "{\"format\": 2, \"name\": \"t\", \"reference_date\": \"2026-01-01\", \"tables\": []}",
     NULL, NULL, "$.format: unsupported format 2"},
    {"reference date", "{\"format\": 1, \"name\": \"t\", \"reference_date\": \"soon\", \"tables\": []}",
     NULL, NULL, "$.reference_date: 'soon' is not a date"},
    {"unknown top key",
     "{\"format\": 1, \"name\": \"t\", \"reference_date\": \"2026-01-01\", \"tabels\": []}", NULL,
     NULL, "$: unknown key 'tabels'"},
    {"line of a nested key",
     "{\"format\": 1, \"name\": \"t\", \"reference_date\": \"2026-01-01\",\n"
     " \"tables\": [{\"table\": \"a\", \"rows\": 10,\n"
     "   \"columns\": {\n"
     "     \"id\": {\"gen\": \"sequence\"},\n"
     "     \"n\": {\"gen\": \"int\", \"min\": 1,\n"
     "           \"max\": 9, \"decimals\": 2.5}}}]}",
     NULL, NULL, "x.json:6: $.tables[0].columns.n.decimals: must be an integer in 0..12, not 2.5"},
    {"repeated key", NULL, ", \"n\": {\"gen\": \"uuid\", \"gen\": \"uuid\"}", "",
     "x.json:3: $.tables[0].columns.n: key 'gen' appears twice"},
    {"no tables", "{\"format\": 1, \"name\": \"t\", \"reference_date\": \"2026-01-01\", \"tables\": []}",
     NULL, NULL, "'tables' must be a non-empty array"},
    {"unknown generator", NULL, ", \"title\": {\"gen\": \"tempate\"}", "",
     "x.json:3: $.tables[0].columns.title: unknown generator 'tempate' (expected one of:"},
    {"unknown vocabulary", NULL, ", \"t\": {\"gen\": \"template\", \"template\": \"{diagnosis}\"}", "",
     "tables[0].columns.t: template '{diagnosis}': unknown placeholder {diagnosis}"},
    {"template column", NULL, ", \"t\": {\"gen\": \"template\", \"template\": \"{col:nope}\"}", "",
     "no column 'nope' in table a"},
    {"unterminated placeholder", NULL, ", \"t\": {\"gen\": \"template\", \"template\": \"x {y\"}", "",
     "'{' without '}'"},
    {"choice weights", NULL, ", \"c\": {\"gen\": \"choice\", \"values\": [1, 2], \"weights\": [1]}", "",
     "tables[0].columns.c: 'weights' must be an array as long as 'values' (2)"},
    {"uniform needs range", NULL, ", \"n\": {\"gen\": \"int\", \"min\": 1}", "",
     "uniform distribution needs 'min' and 'max'"},
    {"unknown key in generator", NULL, ", \"n\": {\"gen\": \"int\", \"min\": 1, \"max\": 2, \"maxx\": 3}", "",
     "tables[0].columns.n: unknown key 'maxx'"},
    {"timestamp order", NULL, ", \"ts\": {\"gen\": \"timestamp\", \"from\": \"0d\", \"to\": \"-1y\"}", "",
     "'to' (-1y) is before 'from' (0d)"},
    {"timestamp unit", NULL, ", \"ts\": {\"gen\": \"timestamp\", \"from\": \"-5m\", \"to\": \"0d\"}", "",
     "'-5m': unknown unit 'm'"},
    {"null fraction", NULL, ", \"u\": {\"gen\": \"uuid\", \"null_fraction\": 2}", "",
     "u.null_fraction: must be a number in [0, 1], not 2"},
    {"parent in root table", NULL, ", \"p\": {\"gen\": \"parent\", \"column\": \"id\"}", "",
     "'parent' generator in table a, which has no 'parent'"},
    {"cycle", NULL,
     ", \"x\": {\"gen\": \"switch\", \"on\": \"y\", \"cases\": {}}, \"y\": {\"gen\": \"template\", "
     "\"template\": \"{col:x}\"}",
     "", "depends on itself"},
    {"parent defined later", NULL, "",
     ", {\"table\": \"b\", \"rows\": 5, \"parent\": {\"table\": \"c\"}, \"columns\": {\"x\": 1}}",
     "tables[1].parent: parent table 'c' is not defined before b"},
    {"ref unknown column", NULL, "",
     ", {\"table\": \"b\", \"rows\": 5, \"columns\": {\"x\": {\"gen\": \"ref\", \"table\": \"a\", "
     "\"column\": \"nope\"}}}",
     "tables[1].columns.x: table a has no column 'nope'"},
    {"ref unknown segment", NULL, "",
     ", {\"table\": \"b\", \"rows\": 5, \"columns\": {\"x\": {\"gen\": \"ref\", \"table\": \"a\", "
     "\"column\": \"id\", \"segment\": \"vip\"}}}",
     "table a has no segment 'vip'"},
    {"sibling without common parent", NULL, "",
     ", {\"table\": \"b\", \"rows\": 5, \"parent\": {\"table\": \"a\"}, \"columns\": {\"x\": 1}},"
     " {\"table\": \"c\", \"rows\": 5, \"columns\": {\"y\": {\"gen\": \"sibling\", \"table\": \"b\", "
     "\"column\": \"x\"}}}",
     "sibling table b must be nested under the same parent as c"},
    {"duplicate table", NULL, "", ", {\"table\": \"a\", \"rows\": 1, \"columns\": {\"x\": 1}}",
     "tables[1]: table 'a' is listed twice"},
    {"rows and segments", NULL, "",
     ", {\"table\": \"b\", \"rows\": 1, \"segments\": [{\"name\": \"s\", \"rows\": 1}], "
     "\"columns\": {\"x\": 1}}",
     "give either 'rows' (per scale unit) or 'segments'"},
    {"distinct without parent", NULL,
     "", ", {\"table\": \"b\", \"rows\": 5, \"columns\": {\"x\": {\"gen\": \"ref\", \"table\": "
         "\"a\", \"column\": \"id\", \"distinct_per_parent\": true}}}",
     "distinct_per_parent needs a nested table"},
    {"weight distribution", NULL, "",
     ", {\"table\": \"b\", \"rows\": 5, \"parent\": {\"table\": \"a\", \"weight\": {\"dist\": "
     "\"gauss\"}}, \"columns\": {\"x\": 1}}",
     "tables[1].parent.weight: unknown dist 'gauss'"},
    {"no columns", NULL, "", ", {\"table\": \"b\", \"rows\": 5, \"columns\": {}}",
     "'columns' must be a non-empty object"},
    /* A typo anywhere is an error, not a silently different data set. */
    {"unknown key in weight", NULL, "",
     ", {\"table\": \"b\", \"rows\": 5, \"parent\": {\"table\": \"a\", \"weight\": {\"dist\": "
     "\"lognormal\", \"sigma\": 1, \"sgima\": 2}}, \"columns\": {\"x\": 1}}",
     "tables[1].parent.weight: unknown key 'sgima'"},
    {"unknown key in where", NULL, "",
     ", {\"table\": \"b\", \"rows\": 5, \"parent\": {\"table\": \"a\", \"where\": {\"column\": "
     "\"id\", \"equals\": 1, \"equal\": 2}}, \"columns\": {\"x\": 1}}",
     "tables[1].parent.where: unknown key 'equal'"},
    {"unknown key in segment", NULL, "",
     ", {\"table\": \"b\", \"segments\": [{\"name\": \"s\", \"rows\": 1, \"row\": 2}], "
     "\"columns\": {\"x\": 1}}",
     "tables[1].segments[0]: unknown key 'row'"},
    /* Distribution parameters that must be positive. */
    {"exponential mean 0", NULL,
     ", \"e\": {\"gen\": \"int\", \"dist\": \"exponential\", \"mean\": 0, \"min\": 0, "
     "\"max\": 9}", "", "tables[0].columns.e: exponential needs mean > 0"},
    {"zipf s negative", NULL,
     ", \"z\": {\"gen\": \"int\", \"dist\": \"zipf\", \"s\": -1, \"min\": 0, \"max\": 9}", "",
     "tables[0].columns.z: zipf needs s > 0"},
    {"pareto alpha missing", NULL,
     ", \"p\": {\"gen\": \"int\", \"dist\": \"pareto\", \"min\": 1, \"max\": 9}", "",
     "tables[0].columns.p: missing 'alpha' (a number)"},
    /* Numbers the generator converts to integers or adds up: out of range
     * they were undefined behaviour (found by tests/fuzz/fuzz_dataset; the
     * inputs are tests/fuzz/corpus/dataset/regression-*.json). */
    {"decimals infinite", NULL,
     ", \"f\": {\"gen\": \"float\", \"min\": 0, \"max\": 1, \"decimals\": 1e999}", "",
     "x.json:3: $.tables[0].columns.f.decimals: must be an integer in 0..12, not inf"},
    {"text max beyond int", NULL,
     ", \"t\": {\"gen\": \"text\", \"sentences\": [\"x.\"], \"max\": 1e10}", "",
     "tables[0].columns.t.max: must be an integer in 0..1000000, not 10000000000"},
    {"text max at INT_MAX", NULL,
     ", \"t\": {\"gen\": \"text\", \"sentences\": [\"x.\"], \"max\": 2147483647}", "",
     "tables[0].columns.t.max: must be an integer in 0..1000000, not 2147483647"},
    {"array max beyond int", NULL,
     ", \"t\": {\"gen\": \"array\", \"of\": {\"gen\": \"uuid\"}, \"max\": 3e9}", "",
     "tables[0].columns.t.max: must be an integer in 0..1000000, not 3000000000"},
    {"sequence start beyond int64", NULL, ", \"s\": {\"gen\": \"sequence\", \"start\": 1e19}", "",
     "tables[0].columns.s.start: must be an integer in -2^63..2^63-1, not 1e+19"},
    {"sequence step beyond int64", NULL, ", \"s\": {\"gen\": \"sequence\", \"step\": -1e19}",
     "", "tables[0].columns.s.step: must be an integer in -2^63..2^63-1, not -1e+19"},
    {"parent min beyond int64", NULL, "",
     ", {\"table\": \"b\", \"rows\": 5, \"parent\": {\"table\": \"a\", \"min\": 1e19}, "
     "\"columns\": {\"x\": 1}}",
     "tables[1].parent.min: must be an integer in 0..2^63-1, not 1e+19"},
    {"negative seed",
     "{\"format\": 1, \"name\": \"t\", \"reference_date\": \"2026-01-01\", \"seed\": -5, "
     "\"tables\": []}",
     NULL, NULL, "$.seed: must be a non-negative integer below 2^64"},
    {"seed beyond uint64",
     "{\"format\": 1, \"name\": \"t\", \"reference_date\": \"2026-01-01\", \"seed\": 1e20, "
     "\"tables\": []}",
     NULL, NULL, "$.seed: must be a non-negative integer below 2^64"},
    {"offset beyond 10000 years", NULL,
     ", \"ts\": {\"gen\": \"timestamp\", \"from\": \"-200000y\", \"to\": \"200000y\"}", "",
     "tables[0].columns.ts: '-200000y' is out of range (at most 10000 years)"},
    {"infinite offset", NULL, ", \"ts\": {\"gen\": \"timestamp\", \"from\": \"-infy\", \"to\": \"0d\"}",
     "", "'-infy' is out of range (at most 10000 years)"},
};

START_TEST(test_bad_specs_are_rejected_with_path_and_reason)
{
    const bad_case *c = &k_bad[_i];
    char *text = c->text ? pf_strdup(c->text) : spec(c->cols, c->tables);
    pf_dataset *ds = NULL;
    pf_error e;
    pf_error_clear(&e);
    int rc = pf_dataset_parse("x.json", text, &ds, &e);
    ck_assert_msg(rc == -1, "%s: accepted", c->name);
    ck_assert_ptr_null(ds);
    ck_assert_msg(strstr(e.msg, c->want) != NULL, "%s: '%s' lacks '%s'", c->name, e.msg, c->want);
    ck_assert_msg(strncmp(e.msg, "x.json", 6) == 0, "%s: no file name: %s", c->name, e.msg);
    ck_assert_int_eq(e.code, 2);
    free(text);
}
END_TEST

START_TEST(test_minimal_spec_parses)
{
    char *text = spec("", "");
    pf_dataset *ds = NULL;
    pf_error e;
    ck_assert_msg(pf_dataset_parse("x.json", text, &ds, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(ds->n_tables, 1);
    ck_assert_str_eq(ds->tables[0].name, "a");
    ck_assert_int_eq(ds->reference_us, 1767225600LL * 1000000LL);
    pf_dataset_free(ds);
    free(text);
}
END_TEST

START_TEST(test_mini_fixture_builds_the_expected_model)
{
    char *path = pf_test_source_path("tests/data/datasets/mini.json");
    pf_dataset *ds = NULL;
    pf_error e;
    ck_assert_msg(pf_dataset_load(path, &ds, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(ds->name, "mini");
    ck_assert_uint_eq(ds->default_seed, 7);
    ck_assert_uint_eq(ds->n_tables, 4);
    const pf_table *people = &ds->tables[0];
    ck_assert_uint_eq(people->n_segments, 2);
    ck_assert_str_eq(people->segments[1].name, "staff");
    ck_assert_double_eq(people->segments[0].rows, 200);
    int kind = pf_dataset_column(people, "kind");
    ck_assert_int_ge(kind, 0);
    ck_assert_int_eq(people->columns[kind].gen->kind, PF_GEN_CHOICE);
    ck_assert_ptr_null(people->columns[kind].gen->values[2]); /* null choice */
    const pf_table *items = &ds->tables[1];
    ck_assert(items->nested);
    ck_assert_int_eq(items->parent.table, 0);
    ck_assert_int_eq(items->parent.segment, 0);
    ck_assert_str_eq(items->parent.weight_key, "activity");
    ck_assert_int_eq(items->parent.weight.kind, PF_DIST_LOGNORMAL);
    const pf_table *details = &ds->tables[3];
    ck_assert_int_eq(details->parent.min, 1);
    ck_assert_str_eq(details->parent.where_value, "first");
    ck_assert_int_eq(pf_dataset_table(ds, "events"), 2);
    ck_assert_int_eq(pf_dataset_table(ds, "nope"), -1);
    ck_assert_uint_eq(strlen(ds->hash), 16);
    pf_dataset_free(ds);
    ck_assert_int_eq(pf_dataset_load("/nonexistent.json", &ds, &e), -1);
    ck_assert(strstr(e.msg, "/nonexistent.json") != NULL);
    free(path);
}
END_TEST

START_TEST(test_shipped_healthcare_spec_parses)
{
    char *path = pf_test_source_path("fixtures/datasets/healthcare.json");
    pf_dataset *ds = NULL;
    pf_error e;
    ck_assert_msg(pf_dataset_load(path, &ds, &e) == 0, "%s", e.msg);
    ck_assert_int_ge(pf_dataset_table(ds, "healthcare_timeline_events"), 0);
    pf_dataset_free(ds);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("parse");
    tcase_add_loop_test(tc, test_bad_specs_are_rejected_with_path_and_reason, 0,
                        (int)(sizeof k_bad / sizeof k_bad[0]));
    tcase_add_test(tc, test_minimal_spec_parses);
    tcase_add_test(tc, test_mini_fixture_builds_the_expected_model);
    tcase_add_test(tc, test_shipped_healthcare_spec_parses);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
