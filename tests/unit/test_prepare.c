/* Preparing a database, the parts that need no server: the inputs are
 * checked before anything runs, and generating without loading gives the
 * data's checksum, the same whether the spec is given or read. (Applying
 * a schema and loading: tests/integration/test_seed.c through `perfgate
 * seed`, and every integration suite's set-up.) */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "fsutil.h"
#include "prepare.h"
#include "testutil.h"

typedef struct phases {
    char names[4][16];
    int n;
} phases;

static void on_phase(void *arg, const char *phase, double ms)
{
    phases *p = arg;
    ck_assert(ms >= 0);
    ck_assert_int_lt(p->n, 4);
    strncpy(p->names[p->n++], phase, sizeof p->names[0] - 1);
}

/* Generate the healthcare dataset at scale 0.02 without a server. */
static void generate(const pf_prepare_opts *base, pf_prepare_result *out)
{
    pf_error e;
    ck_assert_msg(pf_prepare_run(NULL, base, out, &e) == 0, "%s", e.msg);
}

static void opts(pf_prepare_opts *o, const char *dataset)
{
    pf_prepare_opts_init(o);
    o->dataset_path = dataset;
    o->scale = 0.02;
    o->load = false;
    o->schema_dir = NULL; /* generate only */
}

START_TEST(test_generating_without_a_server_gives_rows_and_a_checksum)
{
    char *path = pf_test_source_path("fixtures/datasets/healthcare.json");
    pf_prepare_opts o;
    opts(&o, path);
    phases ph = {0};
    o.on_phase = on_phase;
    o.phase_arg = &ph;
    pf_prepare_result r;
    generate(&o, &r);
    ck_assert_int_gt(r.seed.rows, 0);
    ck_assert_int_gt(r.seed.bytes, 0);
    ck_assert_uint_eq(strlen(r.checksum), 16);
    char hex[17];
    pf_seed_checksum_hex(r.seed.checksum, hex);
    ck_assert_str_eq(r.checksum, hex);
    ck_assert_int_eq(r.schema.files, 0);
    ck_assert_int_eq(ph.n, 1);
    ck_assert_str_eq(ph.names[0], "seed");
    pf_prepare_result_dispose(&r);
    free(path);
}
END_TEST

START_TEST(test_the_spec_given_or_read_and_the_seed_decide_the_data)
{
    char *path = pf_test_source_path("fixtures/datasets/healthcare.json");
    pf_error e;
    pf_dataset *ds = NULL;
    ck_assert_msg(pf_dataset_load(path, &ds, &e) == 0, "%s", e.msg);
    pf_prepare_opts o;
    opts(&o, path);
    pf_prepare_result read, given, other;
    generate(&o, &read);
    ck_assert_uint_eq(read.data_seed, ds->default_seed);
    o.dataset_path = NULL;
    o.dataset = ds;
    generate(&o, &given);
    ck_assert_str_eq(read.checksum, given.checksum);
    o.seed = ds->default_seed + 1;
    o.seed_given = true;
    generate(&o, &other);
    ck_assert_uint_eq(other.data_seed, ds->default_seed + 1);
    ck_assert_str_ne(read.checksum, other.checksum);
    pf_prepare_result_dispose(&read);
    pf_prepare_result_dispose(&given);
    pf_prepare_result_dispose(&other);
    pf_dataset_free(ds);
    free(path);
}
END_TEST

START_TEST(test_bad_inputs_fail_before_anything_runs)
{
    pf_prepare *p = NULL;
    pf_error e;
    pf_prepare_opts o;
    opts(&o, "/nonexistent/spec.json");
    ck_assert_int_eq(pf_prepare_new(&p, &o, &e), -1);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(e.msg, "/nonexistent/spec.json") != NULL, "%s", e.msg);
    /* A schema directory that is not there: bad input even when generating
     * only (it was silently ignored: exit 0). */
    char *spec = pf_test_source_path("fixtures/datasets/healthcare.json");
    opts(&o, spec);
    o.schema_dir = "/nonexistent/schema";
    ck_assert_int_eq(pf_prepare_new(&p, &o, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_str_eq(e.msg, "/nonexistent/schema: no such schema directory");
    free(spec);
    opts(&o, NULL);
    ck_assert_int_eq(pf_prepare_new(&p, &o, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    char *path = pf_test_source_path("fixtures/datasets/healthcare.json");
    opts(&o, path);
    o.scale = -1;
    ck_assert_int_eq(pf_prepare_new(&p, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "scale") != NULL, "%s", e.msg);
    /* A run that cannot start leaves a result that disposes. */
    pf_prepare_result r;
    ck_assert_int_eq(pf_prepare_run(NULL, &o, &r, &e), -1);
    pf_prepare_result_dispose(&r);
    free(path);
}
END_TEST

/* The seed SQL file (--seed-sql) is read before a server starts, and its
 * text is part of the seeded database's cache key: a database seeded with
 * another seed.sql, or none, is never taken from the cache. */
static void key_with(const char *spec, const char *seed_sql, pf_prepare_key *out)
{
    pf_prepare_opts o;
    opts(&o, spec);
    o.seed_sql = seed_sql;
    pf_prepare *p = NULL;
    pf_error e;
    ck_assert_msg(pf_prepare_new(&p, &o, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_prepare_key_make(p, "server", "db", out, &e) == 0, "%s", e.msg);
    pf_prepare_free(p);
}

START_TEST(test_the_seed_sql_file_is_read_first_and_keys_the_seeded_database)
{
    char *spec = pf_test_source_path("fixtures/datasets/healthcare.json");
    char *dir = pf_test_tmpdir();
    char *a = pf_test_write(dir, "a.sql", "insert into t values (1);\n");
    char *b = pf_test_write(dir, "b.sql", "insert into t values (2);\n");
    char *a2 = pf_test_write(dir, "a2.sql", "insert into t values (1);\n");
    pf_prepare_key none, ka, kb, ka2;
    key_with(spec, NULL, &none);
    key_with(spec, a, &ka);
    key_with(spec, b, &kb);
    key_with(spec, a2, &ka2);
    ck_assert_str_ne(none.key, ka.key);
    ck_assert_str_ne(ka.key, kb.key);
    ck_assert_str_eq(ka.key, ka2.key); /* its text, not its name */
    /* the part a miss names: the dataset's */
    ck_assert_str_ne(none.parts[PF_PREPARE_KEY_DATASET], ka.parts[PF_PREPARE_KEY_DATASET]);
    ck_assert_str_eq(none.parts[PF_PREPARE_KEY_SCHEMA], ka.parts[PF_PREPARE_KEY_SCHEMA]);
    /* a file that is not there, or a directory: bad input, named */
    pf_prepare_opts o;
    opts(&o, spec);
    o.seed_sql = "/nonexistent/seed.sql";
    pf_prepare *p = NULL;
    pf_error e;
    ck_assert_int_eq(pf_prepare_new(&p, &o, &e), -1);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_msg(strstr(e.msg, "/nonexistent/seed.sql") != NULL, "%s", e.msg);
    o.seed_sql = dir;
    ck_assert_int_eq(pf_prepare_new(&p, &o, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_msg(strstr(e.msg, dir) != NULL, "%s", e.msg);
    free(a);
    free(b);
    free(a2);
    ck_assert_msg(pf_rmtree(dir, &e) == 0, "%s", e.msg);
    free(dir);
    free(spec);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prepare");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_generating_without_a_server_gives_rows_and_a_checksum);
    tcase_add_test(tc, test_the_spec_given_or_read_and_the_seed_decide_the_data);
    tcase_add_test(tc, test_bad_inputs_fail_before_anything_runs);
    tcase_add_test(tc, test_the_seed_sql_file_is_read_first_and_keys_the_seeded_database);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
