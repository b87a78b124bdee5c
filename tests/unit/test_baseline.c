/* Baseline files: a full baseline survives render → write → read, the text is
 * stable enough to diff in a PR, every malformed file is rejected naming the
 * file and the field, environments compare as documented, and writes are
 * atomic. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "baseline.h"
#include "fsutil.h"
#include "testutil.h"

static char *g_dir;

static void dir_setup(void)
{
    g_dir = pf_test_tmpdir();
}

static void dir_teardown(void)
{
    pf_error e;
    pf_rmtree(g_dir, &e);
    free(g_dir);
    g_dir = NULL;
}

static char **strv(const char *const *v)
{
    size_t n = 0;
    while (v[n])
        n++;
    char **c = pf_calloc(n + 1, sizeof *c);
    for (size_t i = 0; i < n; i++)
        c[i] = pf_strdup(v[i]);
    return c;
}

/* A baseline with every field set (heap-owned: pf_baseline_dispose frees it). */
static void fill(pf_baseline *b)
{
    static const char *const names[] = {"jit", "max_parallel_workers_per_gather", "work_mem",
                                        "random_page_cost", NULL};
    static const char *const values[] = {"off", "0", "4MB", "1.1", NULL};
    static const char *const nodes[] = {
        "Limit", "Index Scan using idx_timeline_patient_date on healthcare_timeline_events",
        "SubPlan 1: Result", "Seq Scan on \"Odd \\ Name\"", NULL};
    memset(b, 0, sizeof *b);
    b->format = PF_BASELINE_FORMAT;
    b->case_name = pf_strdup("timeline_recent_page");
    b->group = pf_strdup("timeline");
    b->file = pf_strdup("bench/timeline/timeline_recent_page.sql");
    b->sql_hash = pf_strdup("0123456789abcdef");
    b->env.server_version = pf_strdup("15.20");
    b->env.server_major = 15;
    b->env.setting_names = strv(names);
    b->env.setting_values = strv(values);
    b->env.dataset_name = pf_strdup("healthcare");
    b->env.dataset_hash = pf_strdup("a1b2c3d4e5f60718");
    b->env.scale = 0.5;
    b->env.seed = 20260101;
    b->n = 50;
    b->median_ms = 0.81234567;
    b->p95_ms = 1.02345678;
    b->p99_ms = 1.25;
    b->mean_ms = 0.85;
    b->stddev_ms = 0.0625;
    b->calibration_ms = 0.51234;
    b->normalized_median = b->median_ms / b->calibration_ms;
    b->n_quantiles = PF_BASELINE_QUANTILES;
    for (int i = 0; i < PF_BASELINE_QUANTILES; i++)
        b->quantiles_ms[i] = 0.7 + 0.0051234 * i;
    b->work.shared_hit = 400;
    b->work.shared_read = 12;
    b->work.temp_read = 3;
    b->work.temp_written = 4;
    b->work.rows = 50;
    b->work.rows_processed = 1234;
    b->function_calls = 7;
    b->fingerprint = pf_strdup("9f86d081884c7d65");
    b->plan_summary = pf_strdup("Limit → Index Scan using idx_timeline_patient_date on "
                                "healthcare_timeline_events");
    b->plan_nodes = strv(nodes);
    b->has_instructions = true;
    b->instructions = 2094583;
    b->instr_iterations = 10;
    b->instr_method = pf_strdup("callgrind GetCachedPlan+PortalStart+PortalRun, statement minus "
                                "set-up");
    b->instr_valgrind = pf_strdup("3.19.0");
    b->instr_arch = pf_strdup("x86_64");
    b->instr_server_build = pf_strdup("PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on "
                                      "x86_64-pc-linux-gnu");
}

static char *path_in_dir(const char *rel)
{
    return pf_path_join(g_dir, rel);
}

/* Write text to a file under the temp dir; returns the path (caller frees). */
static char *put(const char *rel, const char *text)
{
    char *path = path_in_dir(rel);
    pf_error e;
    ck_assert_msg(pf_file_write_atomic(path, text, strlen(text), &e) == 0, "%s", e.msg);
    return path;
}

static void assert_strv_eq(char **a, char **b)
{
    size_t i = 0;
    for (; a[i] && b[i]; i++)
        ck_assert_str_eq(a[i], b[i]);
    ck_assert_ptr_null(a[i]);
    ck_assert_ptr_null(b[i]);
}

/* --------------------------------------------------------------- round trip */

START_TEST(test_round_trip_keeps_every_field)
{
    pf_baseline b, r;
    fill(&b);
    char *path = path_in_dir("timeline/timeline_recent_page.json");
    pf_error e;
    pf_error_clear(&e);
    ck_assert_msg(pf_baseline_write(path, &b, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_baseline_read(path, &r, &e) == 0, "%s", e.msg);

    ck_assert_int_eq(r.format, PF_BASELINE_FORMAT);
    ck_assert_str_eq(r.case_name, b.case_name);
    ck_assert_str_eq(r.group, b.group);
    ck_assert_str_eq(r.file, b.file);
    ck_assert_str_eq(r.sql_hash, b.sql_hash);
    ck_assert_str_eq(r.env.server_version, b.env.server_version);
    ck_assert_int_eq(r.env.server_major, b.env.server_major);
    assert_strv_eq(r.env.setting_names, b.env.setting_names);
    assert_strv_eq(r.env.setting_values, b.env.setting_values);
    ck_assert_str_eq(r.env.dataset_name, b.env.dataset_name);
    ck_assert_str_eq(r.env.dataset_hash, b.env.dataset_hash);
    ck_assert_double_eq(r.env.scale, b.env.scale);
    ck_assert_uint_eq(r.env.seed, b.env.seed);
    ck_assert_int_eq(r.n, b.n);
    /* Milliseconds are written with 4 decimals, the normalised median with
     * 6, quantiles in whole microseconds. */
    ck_assert_double_eq_tol(r.median_ms, 0.8123, 1e-12);
    ck_assert_double_eq_tol(r.p95_ms, 1.0235, 1e-12);
    ck_assert_double_eq_tol(r.p99_ms, b.p99_ms, 1e-12);
    ck_assert_double_eq_tol(r.mean_ms, b.mean_ms, 1e-12);
    ck_assert_double_eq_tol(r.stddev_ms, 0.0625, 1e-12);
    ck_assert_double_eq_tol(r.calibration_ms, 0.5123, 1e-12);
    ck_assert_double_eq_tol(r.normalized_median, b.normalized_median, 0.5e-6);
    ck_assert_int_eq(r.n_quantiles, PF_BASELINE_QUANTILES);
    for (int i = 0; i < PF_BASELINE_QUANTILES; i++)
        ck_assert_double_eq_tol(r.quantiles_ms[i], round(b.quantiles_ms[i] * 1000) / 1000, 1e-12);
    ck_assert_int_eq(r.work.shared_hit, 400);
    ck_assert_int_eq(r.work.shared_read, 12);
    ck_assert_int_eq(r.work.temp_read, 3);
    ck_assert_int_eq(r.work.temp_written, 4);
    ck_assert_int_eq(r.work.rows, 50);
    ck_assert_int_eq(r.work.rows_processed, 1234);
    ck_assert_int_eq(r.function_calls, 7);
    ck_assert_str_eq(r.fingerprint, b.fingerprint);
    ck_assert_str_eq(r.plan_summary, b.plan_summary);
    assert_strv_eq(r.plan_nodes, b.plan_nodes);
    ck_assert(r.has_instructions);
    ck_assert_int_eq(r.instructions, 2094583);
    ck_assert_int_eq(r.instr_iterations, 10);
    ck_assert_str_eq(r.instr_method, b.instr_method);
    ck_assert_str_eq(r.instr_valgrind, "3.19.0");
    ck_assert_str_eq(r.instr_arch, "x86_64");
    ck_assert_str_eq(r.instr_server_build, b.instr_server_build);
    ck_assert_ptr_null(pf_env_mismatch(&b.env, &r.env));

    /* What was read renders to the very same text: a fixed point. */
    char *t1 = pf_baseline_render(&b), *t2 = pf_baseline_render(&r);
    ck_assert_str_eq(t1, t2);
    char *on_disk = NULL;
    ck_assert(pf_file_read(path, &on_disk, NULL, &e) == 0);
    ck_assert_str_eq(on_disk, t1);
    free(on_disk);
    free(t1);
    free(t2);
    pf_baseline_dispose(&r);
    pf_baseline_dispose(&b);
    pf_baseline_dispose(&b); /* idempotent */
    free(path);
}
END_TEST

/* The checksum of the generated data (written since the first format)
 * reads back, so that a baseline recorded before a change of the data
 * generator is stale rather than compared; a baseline without one reads. */
START_TEST(test_the_data_checksum_reads_back_and_a_changed_one_is_stale)
{
    pf_baseline b, r;
    fill(&b);
    b.env.data_checksum = pf_strdup("718e5534eea73032");
    char *path = path_in_dir("timeline/timeline_recent_page.json");
    pf_error e;
    pf_error_clear(&e);
    ck_assert_msg(pf_baseline_write(path, &b, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_baseline_read(path, &r, &e) == 0, "%s", e.msg);
    ck_assert_ptr_nonnull(r.env.data_checksum);
    ck_assert_str_eq(r.env.data_checksum, "718e5534eea73032");
    char *t1 = pf_baseline_render(&b), *t2 = pf_baseline_render(&r);
    ck_assert_str_eq(t1, t2);
    free(t1);
    free(t2);

    pf_env now;
    memset(&now, 0, sizeof now);
    pf_env_copy(&now, &b.env);
    ck_assert_ptr_null(pf_env_mismatch(&r.env, &now));
    free(now.data_checksum);
    now.data_checksum = pf_strdup("0123456789abcdef");
    char *why = pf_env_mismatch(&r.env, &now);
    ck_assert_ptr_nonnull(why);
    ck_assert_msg(strstr(why, "the data generator changed") != NULL, "%s", why);
    free(why);
    pf_env_dispose(&now);
    pf_baseline_dispose(&r);

    /* Without one: read, nothing to compare. */
    free(b.env.data_checksum);
    b.env.data_checksum = NULL;
    ck_assert_msg(pf_baseline_write(path, &b, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_baseline_read(path, &r, &e) == 0, "%s", e.msg);
    ck_assert_ptr_null(r.env.data_checksum);
    pf_baseline_dispose(&r);
    pf_baseline_dispose(&b);
    free(path);
}
END_TEST

/* Found by fuzzing (tests/fuzz/corpus/baseline/regression-huge-ms.json): a
 * 64-byte buffer cut numbers of 59 digits and more, writing another value.
 * Times are bounded now (a day), the normalized median is not. */
START_TEST(test_round_trip_keeps_huge_numbers_whole)
{
    pf_baseline b, r;
    fill(&b);
    b.normalized_median = 1e300;
    char *text = pf_baseline_render(&b);
    pf_error e;
    pf_error_clear(&e);
    ck_assert_msg(pf_baseline_parse("huge.json", text, &r, &e) == 0, "%s", e.msg);
    ck_assert_double_eq(r.normalized_median, 1e300);
    char *again = pf_baseline_render(&r);
    ck_assert_str_eq(again, text);
    free(again);
    free(text);
    pf_baseline_dispose(&r);
    pf_baseline_dispose(&b);
}
END_TEST

/* No measured statement takes a day: a larger time (1e308 ms was accepted
 * and compared with) is a malformed baseline, named by its JSON path. */
START_TEST(test_parse_refuses_times_beyond_a_day)
{
    pf_baseline b, r;
    fill(&b);
    b.p95_ms = 1e62;
    char *text = pf_baseline_render(&b);
    pf_error e;
    pf_error_clear(&e);
    ck_assert_int_eq(pf_baseline_parse("huge.json", text, &r, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_msg(strstr(e.msg, "huge.json: latency.p95_ms: must be from 0 to 86400000 ms") != NULL,
                  "%s", e.msg);
    free(text);
    pf_baseline_dispose(&b);
}
END_TEST

START_TEST(test_parse_reads_text_like_read_and_names_the_given_path)
{
    pf_baseline b, r;
    fill(&b);
    char *text = pf_baseline_render(&b);
    pf_error e;
    pf_error_clear(&e);
    ck_assert_msg(pf_baseline_parse("x/y.json", text, &r, &e) == 0, "%s", e.msg);
    char *again = pf_baseline_render(&r);
    ck_assert_str_eq(again, text);
    free(again);
    pf_baseline_dispose(&r);
    ck_assert_int_eq(pf_baseline_parse("x/y.json", "{\n  \"format\": oops", &r, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_msg(strncmp(e.msg, "x/y.json:2: not valid JSON", 26) == 0, "%s", e.msg);
    ck_assert_ptr_null(r.case_name);
    ck_assert_int_eq(pf_baseline_parse("x/y.json", "[]", &r, &e), -1);
    ck_assert_msg(strncmp(e.msg, "x/y.json: $: not a JSON object", 30) == 0, "%s", e.msg);
    free(text);
    pf_baseline_dispose(&b);
}
END_TEST

START_TEST(test_round_trip_of_an_empty_plan_and_no_settings)
{
    /* A case measured with no samples and no plan nodes still round-trips. */
    pf_baseline b, r;
    memset(&b, 0, sizeof b);
    b.format = PF_BASELINE_FORMAT;
    b.case_name = pf_strdup("queue_depth");
    b.group = pf_strdup("queue");
    b.sql_hash = pf_strdup("0000000000000000");
    b.env.server_version = pf_strdup("16.4");
    b.env.server_major = 16;
    b.env.dataset_name = pf_strdup("mini");
    b.env.dataset_hash = pf_strdup("ffffffffffffffff");
    b.env.scale = 1;
    b.env.seed = 9007199254740992ULL; /* 2^53: still exact in JSON */
    b.calibration_ms = 0.5;
    b.fingerprint = pf_strdup("");
    char *path = path_in_dir("queue/queue_depth.json");
    pf_error e;
    ck_assert_msg(pf_baseline_write(path, &b, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_baseline_read(path, &r, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(r.file, "");
    ck_assert_str_eq(r.plan_summary, "");
    ck_assert_ptr_nonnull(r.plan_nodes);
    ck_assert_ptr_null(r.plan_nodes[0]);
    ck_assert_ptr_nonnull(r.env.setting_names);
    ck_assert_ptr_null(r.env.setting_names[0]);
    ck_assert_int_eq(r.n_quantiles, 0);
    ck_assert_uint_eq(r.env.seed, 9007199254740992ULL);
    ck_assert_double_eq(r.env.scale, 1);
    pf_baseline_dispose(&r);
    pf_baseline_dispose(&b);
    free(path);
}
END_TEST

typedef struct env_numbers {
    double scale;
    uint64_t seed;
} env_numbers;

/* Scale and seed decide whether a baseline is comparable at all
 * (pf_env_mismatch compares them exactly), so they must survive a round
 * trip exactly, whatever the user passed to --scale and --seed. */
static const env_numbers k_env_numbers[] = {
    {1, 0},
    {0.1, 42},
    {0.123456789, 20260101},
    {12345678.5, 9007199254740993ULL}, /* 2^53 + 1: not a double */
    {1e-7, 9223372036854775808ULL},    /* 2^63: above INT64_MAX */
    {3, 18446744073709551615ULL},      /* UINT64_MAX */
};

START_TEST(test_scale_and_seed_round_trip_exactly)
{
    const env_numbers *t = &k_env_numbers[_i];
    pf_baseline b, r;
    fill(&b);
    b.env.scale = t->scale;
    b.env.seed = t->seed;
    char *path = path_in_dir("timeline/numbers.json");
    pf_error e;
    ck_assert_msg(pf_baseline_write(path, &b, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_baseline_read(path, &r, &e) == 0, "%s", e.msg);
    ck_assert_msg(r.env.scale == t->scale && r.env.seed == t->seed,
                  "scale %.17g seed %llu read back as scale %.17g seed %llu", t->scale,
                  (unsigned long long)t->seed, r.env.scale, (unsigned long long)r.env.seed);
    char *why = pf_env_mismatch(&r.env, &b.env);
    ck_assert_msg(why == NULL, "%s", why);
    pf_baseline_dispose(&r);
    pf_baseline_dispose(&b);
    free(path);
}
END_TEST

/* -------------------------------------------------------------- the text */

START_TEST(test_render_is_stable_and_diff_friendly)
{
    pf_baseline b;
    fill(&b);
    char *t1 = pf_baseline_render(&b);
    char *t2 = pf_baseline_render(&b);
    ck_assert_str_eq(t1, t2);
    size_t len = strlen(t1);
    ck_assert_uint_gt(len, 2);
    ck_assert_msg(t1[0] == '{' && t1[len - 2] == '}' && t1[len - 1] == '\n' &&
                      t1[len - 3] == '\n',
                  "must be an object with one trailing newline");
    ck_assert_ptr_null(strchr(t1, '\t'));
    ck_assert_ptr_null(strchr(t1, '\r'));

    /* Top-level keys, in this order, each at two spaces of indentation. */
    static const char *const keys[] = {"format", "case", "group", "file", "sql_hash",
                                       "environment", "dataset", "latency", "work", "plan",
                                       NULL};
    const char *prev = t1;
    for (int i = 0; keys[i]; i++) {
        char *needle = pf_asprintf("\n  \"%s\": ", keys[i]);
        const char *at = strstr(t1, needle);
        ck_assert_msg(at != NULL, "top-level key '%s' missing", keys[i]);
        ck_assert_msg(at > prev, "key '%s' out of order", keys[i]);
        ck_assert_msg(strstr(at + 1, needle) == NULL, "key '%s' twice", keys[i]);
        prev = at;
        free(needle);
    }
    /* Nested keys keep their order too. */
    static const char *const lat[] = {"\"n\"", "\"median_ms\"", "\"p95_ms\"", "\"p99_ms\"",
                                      "\"mean_ms\"", "\"stddev_ms\"", "\"calibration_ms\"",
                                      "\"normalized_median\"", "\"quantiles_us\"", NULL};
    prev = strstr(t1, "\"latency\"");
    for (int i = 0; lat[i]; i++) {
        const char *at = strstr(prev, lat[i]);
        ck_assert_msg(at != NULL && at > prev, "latency key %s out of order", lat[i]);
        prev = at;
    }

    /* Every line: an even number of leading spaces, nesting one step (two
     * spaces) at a time. */
    int depth_prev = 0;
    for (const char *line = t1; *line;) {
        const char *eol = strchr(line, '\n');
        ck_assert_ptr_nonnull(eol);
        size_t sp = strspn(line, " ");
        ck_assert_msg(sp % 2 == 0, "odd indentation: %.*s", (int)(eol - line), line);
        ck_assert_msg((int)sp / 2 <= depth_prev + 1, "indentation jumps: %.*s", (int)(eol - line),
                      line);
        depth_prev = (int)sp / 2;
        line = eol + 1;
    }

    /* Numbers in fixed formats, no exponents. */
    ck_assert_ptr_nonnull(strstr(t1, "\n    \"median_ms\": 0.8123,\n"));
    ck_assert_ptr_nonnull(strstr(t1, "\n    \"normalized_median\": 1.585560,\n"));
    ck_assert_ptr_nonnull(strstr(t1, "\n    \"scale\": 0.5,\n"));
    ck_assert_ptr_nonnull(strstr(t1, "\n    \"seed\": 20260101\n"));
    ck_assert_ptr_nonnull(strstr(t1, "\n    \"buffers\": 412,\n"));

    /* The 101 quantiles on one line, in microseconds. */
    const char *q = strstr(t1, "\"quantiles_us\": [700, 705, 710, ");
    ck_assert_ptr_nonnull(q);
    const char *q_end = strchr(q, '\n');
    ck_assert_msg(q_end[-1] == ']', "quantiles span lines");
    size_t commas = 0;
    for (const char *c = q; c < q_end; c++)
        commas += *c == ',';
    ck_assert_uint_eq(commas, PF_BASELINE_QUANTILES - 1);
    ck_assert_ptr_nonnull(strstr(q, ", 1212]"));

    free(t1);
    free(t2);
    pf_baseline_dispose(&b);
}
END_TEST

START_TEST(test_render_matches_the_golden_file)
{
    pf_baseline b;
    fill(&b);
    char *text = pf_baseline_render(&b);
    char *golden_path = pf_test_source_path("tests/data/baselines/timeline_recent_page.json");
    char *golden = NULL;
    pf_error e;
    ck_assert_msg(pf_file_read(golden_path, &golden, NULL, &e) == 0, "%s", e.msg);
    ck_assert_msg(strcmp(text, golden) == 0, "rendering differs from %s:\n%s", golden_path, text);
    /* And the golden file reads back into the same baseline. */
    pf_baseline r;
    ck_assert_msg(pf_baseline_read(golden_path, &r, &e) == 0, "%s", e.msg);
    char *again = pf_baseline_render(&r);
    ck_assert_str_eq(again, golden);
    free(again);
    pf_baseline_dispose(&r);
    free(golden);
    free(golden_path);
    free(text);
    pf_baseline_dispose(&b);
}
END_TEST

static char *edited(const char *section, const char *key, const char *replacement);

START_TEST(test_instructions_are_optional_and_bounded)
{
    /* A baseline recorded without instructions (valgrind missing, --dsn)
     * reads back without them. */
    pf_baseline b, r;
    fill(&b);
    b.has_instructions = false;
    char *text = pf_baseline_render(&b);
    ck_assert_ptr_null(strstr(text, "\"instructions\""));
    char *path = put("timeline/no_instr.json", text);
    pf_error e;
    ck_assert_msg(pf_baseline_read(path, &r, &e) == 0, "%s", e.msg);
    ck_assert(!r.has_instructions);
    pf_baseline_dispose(&r);
    free(text);
    free(path);
    pf_baseline_dispose(&b);
    /* Iterations outside 1..1000 are refused. */
    char *bad = edited("instructions", "iterations", "0");
    path = put("timeline/bad_instr.json", bad);
    ck_assert_int_eq(pf_baseline_read(path, &r, &e), -1);
    ck_assert_msg(strstr(e.msg, "instructions.iterations: must be a whole number from 1 to 1000") !=
                      NULL,
                  "%s", e.msg);
    free(bad);
    free(path);
}
END_TEST

/* ---------------------------------------------------------------- reading */

START_TEST(test_read_of_a_missing_file_returns_1)
{
    pf_baseline r;
    memset(&r, 0xab, sizeof r);
    char *path = path_in_dir("timeline/none.json");
    pf_error e;
    ck_assert_int_eq(pf_baseline_read(path, &r, &e), 1);
    ck_assert_ptr_null(r.case_name);
    ck_assert_ptr_null(r.plan_nodes);
    ck_assert_int_eq(r.n_quantiles, 0);
    pf_baseline_dispose(&r);
    free(path);
}
END_TEST

typedef struct syntax_case {
    const char *name;
    const char *text;
    int line;
} syntax_case;

static const syntax_case k_syntax[] = {
    {"bare word", "{\n  \"format\": 1,\n  \"case\": oops\n}\n", 3},
    {"empty file", "", 1},
    {"truncated", "{\n  \"format\": 1,\n  \"case\": \"x\",\n  \"latency\": {\n    \"n\": 5", 5},
    {"trailing garbage", "{}\n\nx\n", 3},
    {"git conflict marker", "{\n<<<<<<< HEAD\n  \"format\": 1\n}\n", 2},
};

START_TEST(test_read_rejects_invalid_json_with_the_line)
{
    const syntax_case *t = &k_syntax[_i];
    char *path = put("timeline/bad.json", t->text);
    pf_baseline r;
    pf_error e;
    pf_error_clear(&e);
    ck_assert_int_eq(pf_baseline_read(path, &r, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    char *want = pf_asprintf("%s:%d: not valid JSON", path, t->line);
    ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0, "%s: '%s', want '%s...'", t->name,
                  e.msg, want);
    ck_assert_ptr_null(r.case_name);
    free(want);
    free(path);
}
END_TEST

/* A valid rendering with one field changed: deleted (replacement NULL) or
 * replaced by the JSON text `replacement`. */
static char *edited(const char *section, const char *key, const char *replacement)
{
    pf_baseline b;
    fill(&b);
    char *text = pf_baseline_render(&b);
    pf_baseline_dispose(&b);
    cJSON *root = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(root);
    cJSON *obj = section ? cJSON_GetObjectItemCaseSensitive(root, section) : root;
    ck_assert_ptr_nonnull(obj);
    ck_assert_msg(cJSON_GetObjectItemCaseSensitive(obj, key) != NULL, "no field %s", key);
    if (replacement == NULL) {
        cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    } else {
        cJSON *v = cJSON_Parse(replacement);
        ck_assert_ptr_nonnull(v);
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v);
    }
    char *out = cJSON_Print(root);
    cJSON_Delete(root);
    char *copy = pf_strdup(out);
    cJSON_free(out);
    return copy;
}

typedef struct field_case {
    const char *section; /* NULL: top level */
    const char *key;
    const char *wrong;   /* a value of the wrong type */
    const char *field;   /* how the message names it */
} field_case;

static const field_case k_fields[] = {
    {NULL, "format", "\"1\"", "format"},
    {NULL, "case", "1", "case"},
    {NULL, "group", "null", "group"},
    {NULL, "sql_hash", "[]", "sql_hash"},
    {NULL, "environment", "\"15\"", "environment"},
    {"environment", "server_version", "15.2", "environment.server_version"},
    {"environment", "server_major", "\"15\"", "environment.server_major"},
    {"environment", "settings", "[]", "environment.settings"},
    {NULL, "dataset", "[]", "dataset"},
    {"dataset", "name", "true", "dataset.name"},
    {"dataset", "hash", "12", "dataset.hash"},
    {"dataset", "scale", "\"1\"", "dataset.scale"},
    {"dataset", "seed", "true", "dataset.seed"},
    {NULL, "latency", "1", "latency"},
    {"latency", "n", "\"50\"", "latency.n"},
    {"latency", "median_ms", "null", "latency.median_ms"},
    {"latency", "p95_ms", "\"1\"", "latency.p95_ms"},
    {"latency", "p99_ms", "{}", "latency.p99_ms"},
    {"latency", "mean_ms", "[1]", "latency.mean_ms"},
    {"latency", "stddev_ms", "false", "latency.stddev_ms"},
    {"latency", "calibration_ms", "\"0.5\"", "latency.calibration_ms"},
    {"latency", "normalized_median", "\"1.5\"", "latency.normalized_median"},
    {"latency", "quantiles_us", "{}", "latency.quantiles_us"},
    {NULL, "work", "\"412\"", "work"},
    {"work", "buffers", "\"412\"", "work.buffers"},
    {"work", "shared_hit", "\"400\"", "work.shared_hit"},
    {"work", "shared_read", "null", "work.shared_read"},
    {"work", "temp_read", "[]", "work.temp_read"},
    {"work", "temp_written", "{}", "work.temp_written"},
    {"work", "rows", "\"50\"", "work.rows"},
    {"work", "rows_processed", "true", "work.rows_processed"},
    {"work", "function_calls", "\"7\"", "work.function_calls"},
    {NULL, "plan", "[]", "plan"},
    {"plan", "fingerprint", "1", "plan.fingerprint"},
    {"plan", "summary", "null", "plan.summary"},
    {"plan", "nodes", "\"Limit\"", "plan.nodes"},
    {"instructions", "per_execution", "\"2094583\"", "instructions.per_execution"},
    {"instructions", "iterations", "2.5", "instructions.iterations"},
    {"instructions", "method", "1", "instructions.method"},
    {"instructions", "valgrind", "3.19", "instructions.valgrind"},
    {"instructions", "arch", "null", "instructions.arch"},
    {"instructions", "server_build", "[]", "instructions.server_build"},
};

static void expect_field_error(const char *text, const char *field, const char *what)
{
    char *path = put("timeline/edited.json", text);
    pf_baseline r;
    pf_error e;
    pf_error_clear(&e);
    ck_assert_msg(pf_baseline_read(path, &r, &e) == -1, "%s (%s): accepted", field, what);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    char *want = pf_asprintf("%s: %s: ", path, field);
    ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0, "%s (%s): '%s', want '%s...'", field,
                  what, e.msg, want);
    ck_assert_ptr_null(r.case_name);
    ck_assert_ptr_null(r.env.setting_names);
    free(want);
    free(path);
}

START_TEST(test_read_names_a_missing_field)
{
    const field_case *t = &k_fields[_i];
    char *text = edited(t->section, t->key, NULL);
    expect_field_error(text, t->field, "missing");
    free(text);
}
END_TEST

START_TEST(test_read_names_a_mistyped_field)
{
    const field_case *t = &k_fields[_i];
    char *text = edited(t->section, t->key, t->wrong);
    expect_field_error(text, t->field, t->wrong);
    free(text);
}
END_TEST

typedef struct value_case {
    const char *section;
    const char *key;
    const char *value;
    const char *want; /* after "path: " */
} value_case;

static const value_case k_values[] = {
    {"work", "buffers", "413", "work.buffers: is not shared_hit + shared_read"},
    {"work", "shared_hit", "401", "work.buffers: is not shared_hit + shared_read"},
    {"work", "shared_hit", "-1", "work.shared_hit: must be a whole number >= 0"},
    {"work", "rows", "1.5", "work.rows: must be a whole number >= 0"},
    {NULL, "format", "2", "format: unsupported format 2 (this perfgate reads 1)"},
    {NULL, "format", "0", "format: unsupported format 0"},
    {"latency", "calibration_ms", "0", "latency: median_ms must be >= 0 and calibration_ms > 0"},
    {"latency", "median_ms", "-1", "latency: median_ms must be >= 0"},
    {"latency", "quantiles_us", "[1, \"2\"]", "latency.quantiles_us: holds something"},
    {"latency", "quantiles_us", "[1, -2]", "latency.quantiles_us: holds something"},
    /* Found by fuzzing (tests/fuzz/corpus/baseline/regression-quantile-*.json):
     * accepted, then written back as -9223372036854775808. */
    {"latency", "quantiles_us", "[1, 1e400]", "latency.quantiles_us: holds something"},
    {"latency", "quantiles_us", "[1, 1e300]", "latency.quantiles_us: holds something"},
    {"environment", "settings", "{\"jit\": false}", "environment.settings: 'jit' must be a string"},
    {"plan", "nodes", "[\"Limit\", 3]", "plan.nodes: holds something that is not a string"},
    {"work", "shared_read", "1e30", "work.shared_read: must be a whole number"},
    {"latency", "n", "-1", "latency.n: must be a whole number"},
    {"latency", "n", "2.5", "latency.n: must be a whole number"},
    {"latency", "n", "1e10", "latency.n: must be a whole number"},
    {"environment", "server_major", "1e10", "environment.server_major: must be a whole number"},
    {"environment", "server_major", "15.5", "environment.server_major: must be a whole number"},
    {"dataset", "seed", "-1", "dataset.seed: must be a whole number"},
    {"dataset", "seed", "1.5", "dataset.seed: must be a whole number"},
    {"dataset", "seed", "9007199254740994", "dataset.seed: must be a whole number from 0 to 2^53"},
    {"dataset", "seed", "\"-1\"", "dataset.seed: '-1' is not a whole number >= 0"},
    {"dataset", "seed", "\"42x\"", "dataset.seed: '42x' is not a whole number >= 0"},
    {"dataset", "seed", "\"\"", "dataset.seed: '' is not a whole number >= 0"},
    {"dataset", "seed", "\"18446744073709551616\"", "dataset.seed: '18446744073709551616'"},
};

START_TEST(test_read_rejects_bad_values)
{
    const value_case *t = &k_values[_i];
    char *text = edited(t->section, t->key, t->value);
    char *path = put("timeline/edited.json", text);
    pf_baseline r;
    pf_error e;
    pf_error_clear(&e);
    ck_assert_msg(pf_baseline_read(path, &r, &e) == -1, "%s=%s accepted", t->key, t->value);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    char *want = pf_asprintf("%s: %s", path, t->want);
    ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0, "'%s', want '%s...'", e.msg, want);
    free(want);
    free(path);
    free(text);
}
END_TEST

START_TEST(test_read_rejects_too_many_quantiles_and_non_objects)
{
    char *many = pf_strdup("[0");
    for (int i = 1; i <= PF_BASELINE_QUANTILES; i++) {
        char *next = pf_asprintf("%s, %d", many, i);
        free(many);
        many = next;
    }
    char *closed = pf_asprintf("%s]", many);
    char *text = edited("latency", "quantiles_us", closed);
    expect_field_error(text, "latency.quantiles_us", "102 quantiles");
    free(text);
    free(closed);
    free(many);

    char *path = put("timeline/array.json", "[1, 2]\n");
    pf_baseline r;
    pf_error e;
    ck_assert_int_eq(pf_baseline_read(path, &r, &e), -1);
    ck_assert_msg(strstr(e.msg, "not a JSON object") != NULL, "%s", e.msg);
    ck_assert_msg(strncmp(e.msg, path, strlen(path)) == 0, "%s", e.msg);
    free(path);
}
END_TEST

START_TEST(test_read_accepts_a_missing_file_field)
{
    /* "file" is informational: an old baseline without it still reads. */
    char *text = edited(NULL, "file", NULL);
    char *path = put("timeline/nofile.json", text);
    pf_baseline r;
    pf_error e;
    ck_assert_msg(pf_baseline_read(path, &r, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(r.file, "");
    pf_baseline_dispose(&r);
    free(path);
    free(text);
}
END_TEST

/* ----------------------------------------------------------- environments */

typedef struct env_case {
    const char *name;
    int major;
    const char *version;
    const char *hash;
    double scale;
    uint64_t seed;
    const char *work_mem;
    bool reorder; /* current lists its settings in another order */
    bool extra;   /* current records a setting the baseline did not */
    const char *want; /* NULL: comparable */
} env_case;

static const env_case k_envs[] = {
    {"same", 15, "15.20", "a1b2c3d4e5f60718", 0.5, 20260101, "4MB", false, false, NULL},
    {"another minor version", 15, "15.4", "a1b2c3d4e5f60718", 0.5, 20260101, "4MB", false, false,
     NULL},
    {"settings in another order", 15, "15.20", "a1b2c3d4e5f60718", 0.5, 20260101, "4MB", true,
     false, NULL},
    {"a setting the baseline did not record", 15, "15.20", "a1b2c3d4e5f60718", 0.5, 20260101,
     "4MB", false, true, NULL},
    {"another major", 16, "16.4", "a1b2c3d4e5f60718", 0.5, 20260101, "4MB", false, false,
     "recorded on PostgreSQL 15, this server is 16"},
    {"another dataset", 15, "15.20", "ffffffffffffffff", 0.5, 20260101, "4MB", false, false,
     "recorded with dataset spec a1b2c3d4e5f60718, this run uses ffffffffffffffff"},
    {"another scale", 15, "15.20", "a1b2c3d4e5f60718", 2, 20260101, "4MB", false, false,
     "recorded at scale 0.5 seed 20260101, this run is scale 2 seed 20260101"},
    {"another seed", 15, "15.20", "a1b2c3d4e5f60718", 0.5, 7, "4MB", false, false,
     "recorded at scale 0.5 seed 20260101, this run is scale 0.5 seed 7"},
    {"another work_mem", 15, "15.20", "a1b2c3d4e5f60718", 0.5, 20260101, "64MB", false, false,
     "recorded with work_mem=4MB, this server has 64MB"},
};

START_TEST(test_env_mismatch_table)
{
    const env_case *t = &k_envs[_i];
    pf_baseline b;
    fill(&b);
    pf_env cur;
    memset(&cur, 0, sizeof cur);
    pf_env_copy(&cur, &b.env);
    cur.server_major = t->major;
    free(cur.server_version);
    cur.server_version = pf_strdup(t->version);
    free(cur.dataset_hash);
    cur.dataset_hash = pf_strdup(t->hash);
    cur.scale = t->scale;
    cur.seed = t->seed;
    pf_strv_free(cur.setting_names);
    pf_strv_free(cur.setting_values);
    if (t->reorder) {
        static const char *const n[] = {"work_mem", "random_page_cost", "jit",
                                        "max_parallel_workers_per_gather", NULL};
        static const char *const v[] = {"4MB", "1.1", "off", "0", NULL};
        cur.setting_names = strv(n);
        cur.setting_values = strv(v);
    } else if (t->extra) {
        static const char *const n[] = {"jit", "max_parallel_workers_per_gather", "work_mem",
                                        "random_page_cost", "enable_seqscan", NULL};
        static const char *const v[] = {"off", "0", "4MB", "1.1", "off", NULL};
        cur.setting_names = strv(n);
        cur.setting_values = strv(v);
    } else {
        static const char *const n[] = {"jit", "max_parallel_workers_per_gather", "work_mem",
                                        "random_page_cost", NULL};
        const char *v[] = {"off", "0", t->work_mem, "1.1", NULL};
        cur.setting_names = strv(n);
        cur.setting_values = strv(v);
    }
    char *why = pf_env_mismatch(&b.env, &cur);
    if (t->want == NULL)
        ck_assert_msg(why == NULL, "%s: '%s'", t->name, why);
    else
        ck_assert_msg(why != NULL && strcmp(why, t->want) == 0, "%s: '%s', want '%s'", t->name,
                      why ? why : "(null)", t->want);
    free(why);
    pf_env_dispose(&cur);
    pf_env_dispose(&cur); /* idempotent */
    pf_baseline_dispose(&b);
}
END_TEST

/* ---------------------------------------------------------- atomic writes */

/* Names in dir that look like a temp file of an atomic write. */
static int count_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += strstr(de->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static char *read_text(const char *path)
{
    char *text = NULL;
    pf_error e;
    ck_assert_msg(pf_file_read(path, &text, NULL, &e) == 0, "%s", e.msg);
    return text;
}

START_TEST(test_write_creates_directories_and_leaves_no_temp_file)
{
    pf_baseline b;
    fill(&b);
    char *dir = path_in_dir("baselines/timeline");
    char *path = path_in_dir("baselines/timeline/timeline_recent_page.json");
    pf_error e;
    ck_assert_msg(pf_baseline_write(path, &b, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(count_temp_files(dir), 0);
    /* Overwrite with a changed baseline: the new text replaces the old. */
    b.work.shared_hit = 500;
    ck_assert_msg(pf_baseline_write(path, &b, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(count_temp_files(dir), 0);
    char *text = read_text(path);
    ck_assert_ptr_nonnull(strstr(text, "\"shared_hit\": 500,"));
    free(text);
    pf_baseline_dispose(&b);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_failed_write_keeps_the_old_file)
{
    pf_baseline b;
    fill(&b);
    char *dir = path_in_dir("timeline");
    char *path = path_in_dir("timeline/timeline_recent_page.json");
    pf_error e;
    ck_assert_msg(pf_baseline_write(path, &b, &e) == 0, "%s", e.msg);
    char *old = read_text(path);
    b.work.shared_hit = 999;

    /* 1. The file system refuses mid-write (file size limit: works as root
     *    too): an error naming the temp file, which is removed. */
    struct rlimit saved;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = saved;
    small.rlim_cur = 256;
    pf_error_clear(&e);
    /* No ck_assert while the limit holds: Check itself writes a file for
     * every assertion (its messages to the parent in fork mode). */
    int limited = setrlimit(RLIMIT_FSIZE, &small);
    int rc = pf_baseline_write(path, &b, &e);
    int restored = setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, prev);
    ck_assert_int_eq(limited, 0);
    ck_assert_int_eq(restored, 0);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(e.msg, path) != NULL && strstr(e.msg, "write failed") != NULL, "%s",
                  e.msg);
    ck_assert_int_eq(count_temp_files(dir), 0);
    char *now = read_text(path);
    ck_assert_str_eq(now, old);
    free(now);

    /* 2. A directory the process may not write to (not for root, who may). */
    if (geteuid() != 0) {
        ck_assert_int_eq(chmod(dir, 0555), 0);
        pf_error_clear(&e);
        rc = pf_baseline_write(path, &b, &e);
        chmod(dir, 0755);
        ck_assert_int_eq(rc, -1);
        ck_assert_msg(strstr(e.msg, "cannot create") != NULL, "%s", e.msg);
        now = read_text(path);
        ck_assert_str_eq(now, old);
        free(now);
    }

    /* 3. A parent "directory" that is a file. */
    char *file = put("plain", "x");
    char *under = pf_path_join(file, "timeline_recent_page.json");
    pf_error_clear(&e);
    ck_assert_int_eq(pf_baseline_write(under, &b, &e), -1);
    ck_assert_msg(strstr(e.msg, file) != NULL, "%s", e.msg);
    free(under);
    free(file);

    ck_assert_int_eq(count_temp_files(dir), 0);
    free(old);
    free(path);
    free(dir);
    pf_baseline_dispose(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("baseline");
    TCase *tr = tcase_create("render");
    tcase_add_checked_fixture(tr, dir_setup, dir_teardown);
    tcase_add_test(tr, test_round_trip_keeps_every_field);
    tcase_add_test(tr, test_round_trip_of_an_empty_plan_and_no_settings);
    tcase_add_test(tr, test_round_trip_keeps_huge_numbers_whole);
    tcase_add_test(tr, test_parse_refuses_times_beyond_a_day);
    tcase_add_test(tr, test_the_data_checksum_reads_back_and_a_changed_one_is_stale);
    tcase_add_loop_test(tr, test_scale_and_seed_round_trip_exactly, 0,
                        (int)(sizeof k_env_numbers / sizeof k_env_numbers[0]));
    tcase_add_test(tr, test_render_is_stable_and_diff_friendly);
    tcase_add_test(tr, test_render_matches_the_golden_file);
    tcase_add_test(tr, test_instructions_are_optional_and_bounded);
    suite_add_tcase(s, tr);
    TCase *tread = tcase_create("read");
    tcase_add_checked_fixture(tread, dir_setup, dir_teardown);
    tcase_add_test(tread, test_read_of_a_missing_file_returns_1);
    tcase_add_loop_test(tread, test_read_rejects_invalid_json_with_the_line, 0,
                        (int)(sizeof k_syntax / sizeof k_syntax[0]));
    tcase_add_loop_test(tread, test_read_names_a_missing_field, 0,
                        (int)(sizeof k_fields / sizeof k_fields[0]));
    tcase_add_loop_test(tread, test_read_names_a_mistyped_field, 0,
                        (int)(sizeof k_fields / sizeof k_fields[0]));
    tcase_add_loop_test(tread, test_read_rejects_bad_values, 0,
                        (int)(sizeof k_values / sizeof k_values[0]));
    tcase_add_test(tread, test_read_rejects_too_many_quantiles_and_non_objects);
    tcase_add_test(tread, test_read_accepts_a_missing_file_field);
    tcase_add_test(tread, test_parse_reads_text_like_read_and_names_the_given_path);
    suite_add_tcase(s, tread);
    TCase *te = tcase_create("env");
    tcase_add_loop_test(te, test_env_mismatch_table, 0, (int)(sizeof k_envs / sizeof k_envs[0]));
    suite_add_tcase(s, te);
    TCase *tw = tcase_create("write");
    tcase_add_checked_fixture(tw, dir_setup, dir_teardown);
    tcase_add_test(tw, test_write_creates_directories_and_leaves_no_temp_file);
    tcase_add_test(tw, test_failed_write_keeps_the_old_file);
    suite_add_tcase(s, tw);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
