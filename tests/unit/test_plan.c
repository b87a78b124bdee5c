/* Plan parsing over real EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) output from
 * PostgreSQL 15 (tests/data/plans/), plus hand-written edge cases. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "plan.h"
#include "testutil.h"

/* Parse tests/data/plans/<name> into *p; fails the test on any error. */
static void load_fixture(const char *name, pf_plan *p)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/data/plans/%s", name);
    char *path = pf_test_source_path(rel);
    char *text = NULL;
    pf_error err;
    pf_error_clear(&err);
    ck_assert_msg(pf_file_read(path, &text, NULL, &err) == 0, "%s", err.msg);
    ck_assert_msg(pf_plan_parse(text, p, &err) == 0, "%s: %s", name, err.msg);
    free(text);
    free(path);
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* ---- work metrics --------------------------------------------------------- */

/* The numbers in each fixture's top "Plan" node and "Planning" object, read
 * off the files; rows_processed is the sum over all nodes. */
typedef struct work_case {
    const char *file;
    int64_t rows, rows_processed;
    int64_t shared_hit, shared_read, shared_dirtied, shared_written;
    int64_t temp_read, temp_written;
    int64_t planning_hit, planning_read;
    double planning_ms, execution_ms;
    size_t n_nodes;
} work_case;

static const work_case k_work[] = {
    {"aggregate.json", 5, 20005, 292, 0, 0, 0, 0, 0, 155, 0, 0.661, 8.965, 2},
    {"bitmap_fts.json", 2857, 5714, 299, 0, 0, 0, 0, 0, 130, 1, 2.293, 2.825, 2},
    {"cold_read.json", 1, 800001, 2080, 11714, 1570, 1570, 0, 0, 32, 0, 0.294, 95.958, 2},
    {"generic_params.json", 20, 94, 32, 0, 0, 0, 0, 0, 149, 0, 0.767, 0.404, 4},
    {"hash_join.json", 7, 25007, 296, 0, 0, 0, 0, 0, 213, 2, 1.227, 9.004, 5},
    {"index_scan_limit.json", 20, 40, 22, 0, 0, 0, 0, 0, 150, 0, 0.631, 0.236, 2},
    {"index_scan_limit_2.json", 20, 40, 22, 0, 0, 0, 0, 0, 150, 0, 0.636, 0.345, 2},
    {"initplan.json", 14, 17, 20, 0, 0, 0, 0, 0, 149, 0, 0.782, 0.272, 4},
    {"nested_loop.json", 40, 618, 50, 0, 0, 0, 0, 0, 288, 0, 2.072, 0.64, 4},
    {"seq_scan_sort.json", 20, 20040, 295, 0, 0, 0, 0, 0, 120, 0, 0.569, 3.339, 3},
    {"subplan.json", 10, 106, 34, 0, 0, 0, 0, 0, 162, 0, 0.795, 0.213, 5},
    {"temp_spill.json", 20000, 40000, 298, 0, 0, 0, 662, 722, 153, 0, 0.635, 37.405, 2},
    {"update.json", 0, 80, 523, 0, 2, 2, 0, 0, 127, 0, 0.562, 2.852, 3},
};

START_TEST(test_work_metrics_equal_the_numbers_in_each_fixture)
{
    const work_case *c = &k_work[_i];
    pf_plan p;
    load_fixture(c->file, &p);
    ck_assert_msg(p.analyzed && p.buffers, "%s: ANALYZE/BUFFERS not detected", c->file);
    ck_assert_int_eq(p.work.rows, c->rows);
    ck_assert_int_eq(p.work.rows_processed, c->rows_processed);
    ck_assert_int_eq(p.work.shared_hit, c->shared_hit);
    ck_assert_int_eq(p.work.shared_read, c->shared_read);
    ck_assert_int_eq(p.work.shared_dirtied, c->shared_dirtied);
    ck_assert_int_eq(p.work.shared_written, c->shared_written);
    ck_assert_int_eq(p.work.local_hit, 0);
    ck_assert_int_eq(p.work.local_read, 0);
    ck_assert_int_eq(p.work.temp_read, c->temp_read);
    ck_assert_int_eq(p.work.temp_written, c->temp_written);
    ck_assert_int_eq(p.planning_shared_hit, c->planning_hit);
    ck_assert_int_eq(p.planning_shared_read, c->planning_read);
    ck_assert_double_eq_tol(p.planning_ms, c->planning_ms, 1e-9);
    ck_assert_double_eq_tol(p.execution_ms, c->execution_ms, 1e-9);
    ck_assert_uint_eq(p.n_nodes, c->n_nodes);
    ck_assert_ptr_null(p.nodes[p.n_nodes]);
    /* One shape line per node, and a 16-digit lowercase hex fingerprint. */
    size_t lines = 0;
    for (const char *s = p.shape; *s; s++)
        lines += *s == '\n';
    ck_assert_uint_eq(lines, c->n_nodes);
    ck_assert_uint_eq(strlen(p.fingerprint), 16);
    ck_assert_uint_eq(strspn(p.fingerprint, "0123456789abcdef"), 16);
    ck_assert(p.summary[0] != '\0' && strchr(p.summary, '\n') == NULL);
    pf_plan_dispose(&p);
}
END_TEST

START_TEST(test_buffers_come_from_the_top_node_not_summed_over_children)
{
    /* update.json: ModifyTable 523 hit, its Bitmap Heap Scan 42, the index
     * scan below it 2; the top node already counts them. */
    pf_plan p;
    load_fixture("update.json", &p);
    ck_assert_int_eq(p.work.shared_hit, 523);
    ck_assert_int_eq(p.work.shared_dirtied, 2);
    pf_plan_dispose(&p);
}
END_TEST

START_TEST(test_temp_blocks_are_counted_when_a_sort_spills_to_disk)
{
    pf_plan p;
    load_fixture("temp_spill.json", &p);
    ck_assert_int_gt(p.work.temp_read, 0);
    ck_assert_int_gt(p.work.temp_written, 0);
    ck_assert_int_eq(p.work.temp_written, 722);
    pf_plan_dispose(&p);
}
END_TEST

START_TEST(test_planning_buffers_are_kept_apart_from_the_work)
{
    /* bitmap_fts.json: planning read 1 block, execution read none. */
    pf_plan p;
    load_fixture("bitmap_fts.json", &p);
    ck_assert_int_eq(p.planning_shared_read, 1);
    ck_assert_int_eq(p.work.shared_read, 0);
    ck_assert_int_eq(p.work.shared_hit, 299);
    pf_plan_dispose(&p);
}
END_TEST

START_TEST(test_rows_processed_multiplies_by_loops_and_counts_removed_rows)
{
    const char *json =
        "[{\"Plan\": {\"Node Type\": \"Nested Loop\", \"Join Type\": \"Inner\", \"Actual Rows\": 4,"
        " \"Actual Loops\": 1, \"Join Filter\": \"(a.x < b.y)\", \"Rows Removed by Join Filter\": 6,"
        " \"Plans\": ["
        "  {\"Node Type\": \"Seq Scan\", \"Parent Relationship\": \"Outer\", \"Relation Name\": \"a\","
        "   \"Actual Rows\": 2, \"Actual Loops\": 1, \"Filter\": \"(x > 1)\","
        "   \"Rows Removed by Filter\": 98},"
        "  {\"Node Type\": \"Index Scan\", \"Parent Relationship\": \"Inner\", \"Index Name\": \"b_pkey\","
        "   \"Relation Name\": \"b\", \"Actual Rows\": 5, \"Actual Loops\": 2,"
        "   \"Rows Removed by Index Recheck\": 1}]}}]";
    pf_plan p;
    pf_error err;
    ck_assert_msg(pf_plan_parse(json, &p, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(p.work.rows, 4);
    /* 4 + 6 (join filter) + 2 + 98 (filter) + 5*2 + 1*2 (recheck) */
    ck_assert_int_eq(p.work.rows_processed, 122);
    ck_assert(!p.buffers);
    ck_assert_str_eq(p.summary, "Nested Loop (Seq Scan on a, Index Scan using b_pkey on b)");
    pf_plan_dispose(&p);
}
END_TEST

START_TEST(test_explain_without_analyze_parses_with_zero_work)
{
    const char *json = "[{\"Plan\": {\"Node Type\": \"Seq Scan\", \"Relation Name\": \"t\","
                       " \"Alias\": \"t\", \"Startup Cost\": 0.0, \"Total Cost\": 35.5,"
                       " \"Plan Rows\": 2550, \"Plan Width\": 4}}]";
    pf_plan p;
    pf_error err;
    ck_assert_msg(pf_plan_parse(json, &p, &err) == 0, "%s", err.msg);
    ck_assert(!p.analyzed);
    ck_assert(!p.buffers);
    ck_assert_int_eq(p.work.rows, 0);
    ck_assert_int_eq(p.work.rows_processed, 0);
    ck_assert_double_eq(p.execution_ms, 0);
    ck_assert_str_eq(p.shape, "Seq Scan; Relation Name: t\n");
    pf_plan_dispose(&p);
}
END_TEST

/* ---- shape and fingerprint ------------------------------------------------ */

START_TEST(test_shape_of_an_index_scan_has_names_and_normalized_conditions_only)
{
    pf_plan p;
    load_fixture("index_scan_limit.json", &p);
    ck_assert_str_eq(p.shape,
                     "Limit\n"
                     "  Index Scan; Parent Relationship: Outer; Scan Direction: Forward; "
                     "Relation Name: healthcare_timeline_events; Index Name: "
                     "idx_timeline_patient_date; Index Cond: ((patient_id = ?) AND (event_date >= "
                     "?::date))\n");
    pf_plan_dispose(&p);
}
END_TEST

START_TEST(test_fingerprint_is_the_same_for_other_literals_and_timings)
{
    pf_plan a, b;
    load_fixture("index_scan_limit.json", &a);
    load_fixture("index_scan_limit_2.json", &b);
    ck_assert_double_ne(a.execution_ms, b.execution_ms);
    ck_assert_str_eq(a.shape, b.shape);
    ck_assert_str_eq(a.fingerprint, b.fingerprint);
    ck_assert_str_eq(a.fingerprint, "8efd25e6083770df");
    pf_plan_dispose(&a);
    pf_plan_dispose(&b);
}
END_TEST

START_TEST(test_fingerprint_changes_when_the_index_scan_becomes_a_seq_scan)
{
    pf_plan a, b;
    load_fixture("index_scan_limit.json", &a);
    load_fixture("seq_scan_sort.json", &b);
    ck_assert_str_ne(a.fingerprint, b.fingerprint);
    pf_plan_dispose(&a);
    pf_plan_dispose(&b);
}
END_TEST

START_TEST(test_fingerprints_of_different_plans_are_distinct)
{
    size_t n = sizeof k_work / sizeof k_work[0];
    char fps[sizeof k_work / sizeof k_work[0]][17];
    for (size_t i = 0; i < n; i++) {
        pf_plan p;
        load_fixture(k_work[i].file, &p);
        memcpy(fps[i], p.fingerprint, sizeof fps[i]);
        pf_plan_dispose(&p);
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            bool same_query = strstr(k_work[i].file, "index_scan_limit") &&
                              strstr(k_work[j].file, "index_scan_limit");
            if (!same_query)
                ck_assert_msg(strcmp(fps[i], fps[j]) != 0, "%s and %s share %s", k_work[i].file,
                              k_work[j].file, fps[i]);
        }
    }
}
END_TEST

START_TEST(test_generic_plan_keeps_its_parameters_in_the_shape)
{
    pf_plan p;
    load_fixture("generic_params.json", &p);
    ck_assert_ptr_nonnull(strstr(p.shape, "Index Cond: ((patient_id = $1) AND (event_date >= $2))"));
    pf_plan_dispose(&p);
}
END_TEST

START_TEST(test_shape_records_initplans_and_subplans)
{
    pf_plan p;
    load_fixture("subplan.json", &p);
    ck_assert_ptr_nonnull(
        strstr(p.shape, "    Result; Parent Relationship: SubPlan; Subplan Name: SubPlan 2\n"));
    ck_assert_ptr_nonnull(strstr(p.shape, "      Limit; Parent Relationship: InitPlan; Subplan "
                                          "Name: InitPlan 1 (returns $1)\n"));
    pf_plan_dispose(&p);
}
END_TEST

typedef struct norm_case {
    const char *in, *out;
} norm_case;

static const norm_case k_norm[] = {
    {"(event_date >= '2024-01-01'::date)", "(event_date >= ?::date)"},
    {"(n = 42)", "(n = ?)"},
    {"(x = 1.5e-3) AND (y < .5)", "(x = ?) AND (y < ?)"},
    {"(id = ANY ('{7,8,9}'::integer[]))", "(id = ANY (?::integer[]))"},
    {"(name = 'it''s'::text)", "(name = ?::text)"},
    {"(p = E'a\\'b'::text)", "(p = ?::text)"},
    {"(patient_id = $1) AND (col2 > $12)", "(patient_id = $1) AND (col2 > $12)"},
    {"(\"Col 1\" = 3)", "(\"Col 1\" = ?)"},
    {"(t2.x = t1.y)", "(t2.x = t1.y)"},
    {"(e = 'x')", "(e = ?)"},
    {"(v > '-5'::integer)", "(v > ?::integer)"},
    {"", ""},
};

START_TEST(test_normalize_replaces_literals_and_keeps_names_and_parameters)
{
    char *s = pf_plan_normalize(k_norm[_i].in);
    ck_assert_str_eq(s, k_norm[_i].out);
    free(s);
}
END_TEST

/* ---- descriptions and summaries ------------------------------------------ */

typedef struct summary_case {
    const char *file, *summary;
} summary_case;

static const summary_case k_summary[] = {
    {"index_scan_limit.json",
     "Limit → Index Scan using idx_timeline_patient_date on healthcare_timeline_events"},
    {"seq_scan_sort.json", "Limit → Sort → Seq Scan on healthcare_timeline_events"},
    {"nested_loop.json", "Nested Loop (Seq Scan on patients, Bitmap Heap Scan on "
                         "healthcare_timeline_events → Bitmap Index Scan on "
                         "idx_timeline_patient_date)"},
    {"hash_join.json",
     "HashAggregate → Hash Join (Seq Scan on healthcare_timeline_events, Seq Scan on patients)"},
    {"subplan.json", "Limit → Index Scan using patients_pkey on patients [SubPlan 2: Result "
                     "[InitPlan 1: Limit → Index Only Scan using idx_timeline_patient_date on "
                     "healthcare_timeline_events]]"},
    {"update.json", "Update on healthcare_timeline_events → Bitmap Heap Scan on "
                    "healthcare_timeline_events → Bitmap Index Scan on idx_timeline_patient_date"},
};

START_TEST(test_summary_follows_the_main_path_and_both_sides_of_joins)
{
    pf_plan p;
    load_fixture(k_summary[_i].file, &p);
    ck_assert_str_eq(p.summary, k_summary[_i].summary);
    pf_plan_dispose(&p);
}
END_TEST

START_TEST(test_nodes_list_each_node_depth_first_with_subplan_names)
{
    static const char *const want[] = {
        "Limit",
        "Index Scan using patients_pkey on patients",
        "SubPlan 2: Result",
        "InitPlan 1: Limit",
        "Index Only Scan using idx_timeline_patient_date on healthcare_timeline_events",
    };
    pf_plan p;
    load_fixture("subplan.json", &p);
    ck_assert_uint_eq(p.n_nodes, 5);
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(p.nodes[i], want[i]);
    pf_plan_dispose(&p);
}
END_TEST

START_TEST(test_descriptions_follow_explain_text_names)
{
    const char *json =
        "[{\"Plan\": {\"Node Type\": \"Aggregate\", \"Strategy\": \"Sorted\","
        " \"Partial Mode\": \"Finalize\", \"Plans\": ["
        " {\"Node Type\": \"Hash Join\", \"Join Type\": \"Left\", \"Parent Relationship\": \"Outer\","
        "  \"Plans\": ["
        "  {\"Node Type\": \"Seq Scan\", \"Parallel Aware\": true, \"Schema\": \"public\","
        "   \"Relation Name\": \"a\", \"Parent Relationship\": \"Outer\"},"
        "  {\"Node Type\": \"Hash\", \"Parent Relationship\": \"Inner\", \"Plans\": ["
        "   {\"Node Type\": \"Index Only Scan\", \"Scan Direction\": \"Backward\","
        "    \"Index Name\": \"b_idx\", \"Relation Name\": \"b\", \"Parent Relationship\": "
        "\"Outer\"}]}]},"
        " {\"Node Type\": \"Nested Loop\", \"Join Type\": \"Anti\", \"Parent Relationship\": "
        "\"SubPlan\", \"Subplan Name\": \"SubPlan 1\", \"Plans\": ["
        "  {\"Node Type\": \"Function Scan\", \"Function Name\": \"unnest\"},"
        "  {\"Node Type\": \"CTE Scan\", \"CTE Name\": \"recent\"}]}]}}]";
    static const char *const want[] = {
        "Finalize GroupAggregate",
        "Hash Left Join",
        "Parallel Seq Scan on public.a",
        "Hash",
        "Index Only Scan Backward using b_idx on b",
        "SubPlan 1: Nested Loop Anti Join",
        "Function Scan on unnest",
        "CTE Scan on recent",
    };
    pf_plan p;
    pf_error err;
    ck_assert_msg(pf_plan_parse(json, &p, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(p.n_nodes, 8);
    for (size_t i = 0; i < 8; i++)
        ck_assert_str_eq(p.nodes[i], want[i]);
    ck_assert_str_eq(p.summary, "Finalize GroupAggregate [SubPlan 1: Nested Loop Anti Join "
                                "(Function Scan on unnest, CTE Scan on recent)] → Hash "
                                "Left Join (Parallel Seq Scan on public.a, Index Only Scan "
                                "Backward using b_idx on b)");
    pf_plan_dispose(&p);
}
END_TEST

START_TEST(test_summary_is_cut_to_200_characters_with_an_ellipsis)
{
    char json[8192];
    size_t off = 0;
    int depth = 30;
    for (int i = 0; i < depth; i++)
        off += (size_t)snprintf(json + off, sizeof json - off,
                                "%s{\"Node Type\": \"Limit\", \"Plans\": [", i ? "" : "[{\"Plan\": ");
    off += (size_t)snprintf(json + off, sizeof json - off,
                            "{\"Node Type\": \"Seq Scan\", \"Relation Name\": \"t\"}");
    for (int i = 0; i < depth; i++)
        off += (size_t)snprintf(json + off, sizeof json - off, "]}");
    snprintf(json + off, sizeof json - off, "}]");
    pf_plan p;
    pf_error err;
    ck_assert_msg(pf_plan_parse(json, &p, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(utf8_chars(p.summary), 200);
    const char *ell = "…";
    ck_assert_str_eq(p.summary + strlen(p.summary) - strlen(ell), ell);
    ck_assert(strncmp(p.summary, "Limit → Limit → ", strlen("Limit → Limit → ")) == 0);
    pf_plan_dispose(&p);
}
END_TEST

/* Found by fuzzing (tests/fuzz/corpus/plan/regression-summary-201-chars.json):
 * a summary of 201 characters in 255 bytes (27 arrows of 3 bytes) filled
 * its 256-byte buffer, and the 3-byte "…" replacing the last two characters
 * was written one byte past its end (caught by the sanitizer build). */
START_TEST(test_summary_cut_that_needs_more_bytes_stays_in_bounds)
{
    char json[4096];
    size_t off = (size_t)snprintf(json, sizeof json, "[{\"Plan\": ");
    for (int i = 0; i < 27; i++)
        off += (size_t)snprintf(json + off, sizeof json - off,
                                "{\"Node Type\": \"Sort\", \"Plans\": [");
    off += (size_t)snprintf(json + off, sizeof json - off, "{\"Node Type\": \"Named Tuples\"}");
    for (int i = 0; i < 27; i++)
        off += (size_t)snprintf(json + off, sizeof json - off, "]}");
    snprintf(json + off, sizeof json - off, "}]");
    pf_plan p;
    pf_error err;
    ck_assert_msg(pf_plan_parse(json, &p, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(utf8_chars(p.summary), 200);
    ck_assert_str_eq(p.summary + strlen(p.summary) - strlen("Named Tupl…"), "Named Tupl…");
    pf_plan_dispose(&p);
}
END_TEST

/* ---- diff ------------------------------------------------------------------ */

START_TEST(test_diff_names_the_index_scan_replaced_by_a_seq_scan)
{
    pf_plan a, b;
    load_fixture("index_scan_limit.json", &a);
    load_fixture("seq_scan_sort.json", &b);
    char *d = pf_plan_diff_nodes(a.nodes, b.nodes);
    ck_assert_str_eq(d, "Index Scan using idx_timeline_patient_date on healthcare_timeline_events "
                        "→ Sort, Seq Scan on healthcare_timeline_events");
    free(d);
    d = pf_plan_diff_nodes(b.nodes, a.nodes);
    ck_assert_str_eq(d, "Sort, Seq Scan on healthcare_timeline_events → Index Scan using "
                        "idx_timeline_patient_date on healthcare_timeline_events");
    free(d);
    pf_plan_dispose(&a);
    pf_plan_dispose(&b);
}
END_TEST

START_TEST(test_diff_is_empty_for_the_same_plan)
{
    pf_plan a, b;
    load_fixture("index_scan_limit.json", &a);
    load_fixture("index_scan_limit_2.json", &b);
    char *d = pf_plan_diff_nodes(a.nodes, b.nodes);
    ck_assert_str_eq(d, "");
    free(d);
    d = pf_plan_diff_nodes(NULL, NULL);
    ck_assert_str_eq(d, "");
    free(d);
    pf_plan_dispose(&a);
    pf_plan_dispose(&b);
}
END_TEST

/* The same cut on a diff side (240 characters): 241 characters in 255
 * bytes (found by fuzzing: regression-diff-side-241-chars.json). */
START_TEST(test_diff_side_cut_that_needs_more_bytes_stays_in_bounds)
{
    char node[256];
    size_t off = 0;
    for (int i = 0; i < 14; i++)
        off += (size_t)snprintf(node + off, sizeof node - off, "é");
    memset(node + off, 'a', 227);
    node[off + 227] = '\0';
    ck_assert_uint_eq(strlen(node), 255);
    char *base[] = {node, NULL};
    char *d = pf_plan_diff_nodes(base, NULL);
    ck_assert_uint_eq(utf8_chars(d), strlen("removed: ") + 240);
    ck_assert_str_eq(d + strlen(d) - strlen("aa…"), "aa…");
    free(d);
}
END_TEST

START_TEST(test_diff_reports_only_what_changed_around_common_nodes)
{
    char *base[] = {"Nested Loop", "Seq Scan on a", "Index Scan using b_pkey on b", NULL};
    char *head[] = {"Hash Join", "Seq Scan on a", "Hash", "Seq Scan on b", NULL};
    char *d = pf_plan_diff_nodes(base, head);
    ck_assert_str_eq(d, "Nested Loop, Index Scan using b_pkey on b → Hash Join, Hash, Seq Scan on b");
    free(d);

    char *added[] = {"Limit", "Sort", "Seq Scan on a", NULL};
    char *plain[] = {"Limit", "Seq Scan on a", NULL};
    d = pf_plan_diff_nodes(plain, added);
    ck_assert_str_eq(d, "added: Sort");
    free(d);
    d = pf_plan_diff_nodes(added, plain);
    ck_assert_str_eq(d, "removed: Sort");
    free(d);
    d = pf_plan_diff_nodes(NULL, plain);
    ck_assert_str_eq(d, "added: Limit, Seq Scan on a");
    free(d);
}
END_TEST

/* ---- malformed input ------------------------------------------------------ */

typedef struct bad_case {
    const char *name;
    const char *json;
    const char *error_has;
} bad_case;

static const bad_case k_bad[] = {
    {"not JSON", "QUERY PLAN\n----------\nSeq Scan on t", "not valid JSON (line 1, near \"QUERY"},
    {"truncated JSON", "[{\"Plan\": {\"Node Type\": \"Limit\"", "not valid JSON"},
    {"trailing garbage", "[{\"Plan\": {\"Node Type\": \"Limit\"}}] (1 row)", "not valid JSON"},
    {"empty", "  \n", "EXPLAIN output is empty"},
    {"empty array", "[]", "not an array holding an object with \"Plan\""},
    {"array of numbers", "[1, 2]", "not an array holding an object with \"Plan\""},
    {"no Plan", "[{\"Planning Time\": 0.1, \"Execution Time\": 0.2}]", "has no \"Plan\" object"},
    {"Plan not an object", "[{\"Plan\": \"Seq Scan\"}]", "has no \"Plan\" object"},
    {"no Node Type", "[{\"Plan\": {\"Actual Rows\": 1}}]", "plan node Plan has no \"Node Type\""},
    {"child without Node Type",
     "[{\"Plan\": {\"Node Type\": \"Limit\", \"Plans\": [{\"Node Type\": \"Sort\", "
     "\"Plans\": [{\"Relation Name\": \"t\"}]}]}}]",
     "plan node Plan.Plans[0].Plans[0] has no \"Node Type\""},
    {"Plans not an array", "[{\"Plan\": {\"Node Type\": \"Limit\", \"Plans\": {}}}]",
     "Plan: \"Plans\" is not an array"},
    {"child not an object", "[{\"Plan\": {\"Node Type\": \"Limit\", \"Plans\": [3]}}]",
     "Plan.Plans[0] is not an object"},
    {"rows as text", "[{\"Plan\": {\"Node Type\": \"Limit\", \"Actual Rows\": \"many\"}}]",
     "Plan: \"Actual Rows\" is not a non-negative number"},
    {"negative buffers",
     "[{\"Plan\": {\"Node Type\": \"Limit\", \"Shared Hit Blocks\": -4}}]",
     "\"Shared Hit Blocks\" is not a non-negative number"},
};

START_TEST(test_malformed_input_is_a_usage_error_saying_what_is_wrong)
{
    const bad_case *c = &k_bad[_i];
    pf_plan p;
    pf_error err;
    pf_error_clear(&err);
    ck_assert_msg(pf_plan_parse(c->json, &p, &err) < 0, "%s: parsed", c->name);
    ck_assert_int_eq(err.code, PF_EXIT_USAGE);
    ck_assert_msg(strstr(err.msg, c->error_has) != NULL, "%s: message '%s' lacks '%s'", c->name,
                  err.msg, c->error_has);
    ck_assert_ptr_null(p.shape);
    ck_assert_ptr_null(p.nodes);
    ck_assert_ptr_null(p.summary);
    pf_plan_dispose(&p);
}
END_TEST

START_TEST(test_null_input_is_an_error_and_dispose_accepts_null)
{
    pf_plan p;
    pf_error err;
    ck_assert_int_lt(pf_plan_parse(NULL, &p, &err), 0);
    ck_assert_int_eq(err.code, PF_EXIT_USAGE);
    pf_plan_dispose(NULL);
    load_fixture("aggregate.json", &p);
    pf_plan_dispose(&p);
    ck_assert_ptr_null(p.shape);
    ck_assert_uint_eq(p.n_nodes, 0);
    ck_assert_str_eq(p.fingerprint, "");
    pf_plan_dispose(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("plan");

    TCase *work = tcase_create("work");
    tcase_add_loop_test(work, test_work_metrics_equal_the_numbers_in_each_fixture, 0,
                        (int)(sizeof k_work / sizeof k_work[0]));
    tcase_add_test(work, test_buffers_come_from_the_top_node_not_summed_over_children);
    tcase_add_test(work, test_temp_blocks_are_counted_when_a_sort_spills_to_disk);
    tcase_add_test(work, test_planning_buffers_are_kept_apart_from_the_work);
    tcase_add_test(work, test_rows_processed_multiplies_by_loops_and_counts_removed_rows);
    tcase_add_test(work, test_explain_without_analyze_parses_with_zero_work);
    suite_add_tcase(s, work);

    TCase *shape = tcase_create("shape");
    tcase_add_test(shape, test_shape_of_an_index_scan_has_names_and_normalized_conditions_only);
    tcase_add_test(shape, test_fingerprint_is_the_same_for_other_literals_and_timings);
    tcase_add_test(shape, test_fingerprint_changes_when_the_index_scan_becomes_a_seq_scan);
    tcase_add_test(shape, test_fingerprints_of_different_plans_are_distinct);
    tcase_add_test(shape, test_generic_plan_keeps_its_parameters_in_the_shape);
    tcase_add_test(shape, test_shape_records_initplans_and_subplans);
    tcase_add_loop_test(shape, test_normalize_replaces_literals_and_keeps_names_and_parameters, 0,
                        (int)(sizeof k_norm / sizeof k_norm[0]));
    suite_add_tcase(s, shape);

    TCase *summary = tcase_create("summary");
    tcase_add_loop_test(summary, test_summary_follows_the_main_path_and_both_sides_of_joins, 0,
                        (int)(sizeof k_summary / sizeof k_summary[0]));
    tcase_add_test(summary, test_nodes_list_each_node_depth_first_with_subplan_names);
    tcase_add_test(summary, test_descriptions_follow_explain_text_names);
    tcase_add_test(summary, test_summary_is_cut_to_200_characters_with_an_ellipsis);
    tcase_add_test(summary, test_summary_cut_that_needs_more_bytes_stays_in_bounds);
    suite_add_tcase(s, summary);

    TCase *diff = tcase_create("diff");
    tcase_add_test(diff, test_diff_names_the_index_scan_replaced_by_a_seq_scan);
    tcase_add_test(diff, test_diff_is_empty_for_the_same_plan);
    tcase_add_test(diff, test_diff_reports_only_what_changed_around_common_nodes);
    tcase_add_test(diff, test_diff_side_cut_that_needs_more_bytes_stays_in_bounds);
    suite_add_tcase(s, diff);

    TCase *bad = tcase_create("malformed");
    tcase_add_loop_test(bad, test_malformed_input_is_a_usage_error_saying_what_is_wrong, 0,
                        (int)(sizeof k_bad / sizeof k_bad[0]));
    tcase_add_test(bad, test_null_input_is_an_error_and_dispose_accepts_null);
    suite_add_tcase(s, bad);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
