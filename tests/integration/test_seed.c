/* `perfgate seed` against a real server: the healthcare schema and dataset
 * at scale 0.1 load deterministically (checksums and the content read back
 * from the server), at the spec's row counts, with every foreign key,
 * index and RLS setting of the schema intact, and the loader refuses what
 * it must refuse. One disposable cluster for the suite, one database per
 * load. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cluster.h"
#include "datagen.h"
#include "dataset.h"
#include "db.h"
#include "exitcode.h"
#include "fsutil.h"
#include "schema.h"
#include "testutil.h"

#define SCALE "0.1"
#define SCALE_VALUE 0.1
#define MAX_TABLES 64

static pf_cluster *g_cluster;
static pf_dataset *g_ds; /* fixtures/datasets/healthcare.json */
static char *g_schema;   /* fixtures/schema */
static char *g_dataset;

/* The clinical tables of fixtures/schema/README.md ("RLS is enabled and
 * forced on all of these"), plus the two non-clinical tables it names. */
static const char *const k_rls_tables[] = {
    "user_profiles",         "profile_access_permissions", "patient_provider_access",
    "provider_access_log",   "healthcare_encounters",      "patient_clinical_events",
    "patient_observations",  "healthcare_timeline_events", "shell_files",
    "audit_log",             "job_queue",                  "provider_registry",
};

static void start_shared(void)
{
    pf_error e;
    pf_error_clear(&e);
    g_schema = pf_test_source_path("fixtures/schema");
    g_dataset = pf_test_source_path("fixtures/datasets/healthcare.json");
    if (pf_dataset_load(g_dataset, &g_ds, &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        abort();
    }
    if (pf_cluster_start(&g_cluster, NULL, &e) < 0) {
        fprintf(stderr, "cluster start failed: %s\n", e.msg);
        abort();
    }
}

static void stop_shared(void)
{
    pf_cluster_free(g_cluster);
    g_cluster = NULL;
    pf_dataset_free(g_ds);
    g_ds = NULL;
    free(g_schema);
    free(g_dataset);
}

/* ------------------------------------------------------------- helpers */

static char *dsn_of(const char *dbname)
{
    return pf_db_dsn_with_dbname(pf_cluster_dsn(g_cluster), dbname);
}

static pf_db *connect_db(const char *dbname)
{
    pf_error e;
    pf_db *db = NULL;
    char *dsn = dsn_of(dbname);
    ck_assert_msg(pf_db_connect(&db, dsn, &e) == 0, "%s", e.msg);
    free(dsn);
    return db;
}

static void exec_ok(pf_db *db, const char *sql)
{
    pf_error e;
    ck_assert_msg(pf_db_exec(db, sql, &e) == 0, "%s: %s", sql, e.msg);
}

/* The first value of sql's first row; caller frees. */
static char *value(pf_db *db, const char *sql)
{
    char *v = NULL;
    pf_error e;
    ck_assert_msg(pf_db_query_value(db, sql, &v, &e) == 0, "%s: %s", sql, e.msg);
    return v;
}

static void create_db(const char *name)
{
    pf_db *admin = connect_db("postgres");
    char *sql = pf_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    exec_ok(admin, sql);
    free(sql);
    sql = pf_asprintf("CREATE DATABASE %s", name);
    exec_ok(admin, sql);
    free(sql);
    pf_db_close(admin);
}

/* A fresh database with the schema and no rows, through the engine API. */
static void create_schema_only_db(const char *name)
{
    create_db(name);
    pf_db *db = connect_db(name);
    pf_error e;
    ck_assert_msg(pf_schema_apply_dir(db, g_schema, NULL, &e) == 0, "%s", e.msg);
    pf_db_close(db);
}

/* perfgate seed --dsn <dbname> --schema --dataset --scale 0.1 --checksum
 * plus extra arguments (NULL-terminated). */
static void run_seed(const char *dbname, const char *const *extra, pf_run_result *r)
{
    char *dsn = dbname ? dsn_of(dbname) : NULL;
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)pf_test_bin();
    argv[n++] = "seed";
    if (dsn != NULL) {
        argv[n++] = "--dsn";
        argv[n++] = dsn;
    }
    argv[n++] = "--schema";
    argv[n++] = g_schema;
    argv[n++] = "--dataset";
    argv[n++] = g_dataset;
    argv[n++] = "--scale";
    argv[n++] = SCALE;
    argv[n++] = "--checksum";
    for (; extra && *extra && n < 31; extra++)
        argv[n++] = (char *)*extra;
    argv[n] = NULL;
    pf_test_run(argv, NULL, NULL, r);
    free(dsn);
}

/* A fresh database seeded by the binary; the run must succeed. */
static void seed_new_db(const char *dbname, const char *const *extra, pf_run_result *r)
{
    create_db(dbname);
    run_seed(dbname, extra, r);
    ck_assert_msg(r->status == 0, "seed into %s exited %d: %s", dbname, r->status, r->err);
}

/* What `--checksum` printed: one line per table, then "overall". */
typedef struct sums {
    size_t n;
    char table[MAX_TABLES][128];
    long long rows[MAX_TABLES];
    char sum[MAX_TABLES][17];
    char overall[17];
    long long overall_rows;
} sums;

static long long parse_count(const char *s)
{
    long long v = 0;
    for (; *s; s++)
        if (*s >= '0' && *s <= '9')
            v = v * 10 + (*s - '0');
    return v;
}

static void parse_sums(const char *out, sums *s)
{
    memset(s, 0, sizeof *s);
    char *copy = pf_strdup(out), *save = NULL;
    bool header = false;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[128], rows[32], sum[32];
        if (sscanf(line, "%127s %31s %31s", name, rows, sum) != 3)
            continue;
        if (strcmp(name, "table") == 0) {
            header = true;
            continue;
        }
        ck_assert_msg(strlen(sum) == 16 && strspn(sum, "0123456789abcdef") == 16,
                      "not a checksum: '%s'", line);
        if (strcmp(name, "overall") == 0) {
            memcpy(s->overall, sum, 17);
            s->overall_rows = parse_count(rows);
            continue;
        }
        ck_assert(s->n < MAX_TABLES);
        snprintf(s->table[s->n], sizeof s->table[s->n], "%s", name);
        s->rows[s->n] = parse_count(rows);
        memcpy(s->sum[s->n], sum, 17);
        s->n++;
    }
    free(copy);
    ck_assert_msg(header, "no checksum table in: %s", out);
    ck_assert_msg(s->overall[0] != '\0', "no overall checksum in: %s", out);
    /* One line per spec table, in spec order. */
    ck_assert_uint_eq(s->n, g_ds->n_tables);
    for (size_t i = 0; i < s->n; i++)
        ck_assert_str_eq(s->table[i], g_ds->tables[i].name);
}

static void assert_same_sums(const sums *a, const sums *b)
{
    ck_assert_uint_eq(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        ck_assert_str_eq(a->table[i], b->table[i]);
        ck_assert_int_eq(a->rows[i], b->rows[i]);
        ck_assert_msg(strcmp(a->sum[i], b->sum[i]) == 0, "%s: checksum %s vs %s", a->table[i],
                      a->sum[i], b->sum[i]);
    }
    ck_assert_str_eq(a->overall, b->overall);
    ck_assert_int_eq(a->overall_rows, b->overall_rows);
}

/* What the server holds, per spec table: row count and an md5 of every
 * row's text in a canonical order (the rows sorted by their text). Two loads
 * of the same data must hold the same content: a loader that loses,
 * duplicates, reorders (identity ids follow COPY order) or alters rows
 * differently from one run to the next is caught although the generator's
 * checksum stays the same. */
typedef struct content {
    long long rows[MAX_TABLES];
    char md5[MAX_TABLES][33];
} content;

static void read_content(const char *dbname, content *c)
{
    memset(c, 0, sizeof *c);
    pf_db *db = connect_db(dbname);
    for (size_t i = 0; i < g_ds->n_tables; i++) {
        char *sql = pf_asprintf("SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' "
                                "ORDER BY t::text), '')) FROM %s t",
                                g_ds->tables[i].name);
        pf_result *r = NULL;
        pf_error e;
        ck_assert_msg(pf_db_query(db, sql, 0, NULL, &r, &e) == 0, "%s: %s", sql, e.msg);
        c->rows[i] = atoll(pf_result_get(r, 0, 0));
        snprintf(c->md5[i], sizeof c->md5[i], "%s", pf_result_get(r, 0, 1));
        pf_result_free(r);
        free(sql);
    }
    pf_db_close(db);
}

static void assert_same_content(const content *a, const content *b, const char *what)
{
    for (size_t i = 0; i < g_ds->n_tables; i++) {
        ck_assert_msg(a->rows[i] == b->rows[i], "%s: %s has %lld vs %lld rows", what,
                      g_ds->tables[i].name, a->rows[i], b->rows[i]);
        ck_assert_msg(strcmp(a->md5[i], b->md5[i]) == 0, "%s: %s content differs", what,
                      g_ds->tables[i].name);
    }
}

/* The rows the server holds equal the rows the seed says it generated. */
static void assert_content_matches_sums(const content *c, const sums *s)
{
    for (size_t i = 0; i < g_ds->n_tables; i++)
        ck_assert_msg(c->rows[i] == s->rows[i], "%s: server has %lld rows, seed reported %lld",
                      g_ds->tables[i].name, c->rows[i], s->rows[i]);
}

/* The schema objects that the loader sets aside and rebuilds, as text: a
 * count, how many are valid, and every definition. */
typedef struct catalog {
    char *fks, *keys, *indexes;
} catalog;

static void read_catalog(const char *dbname, catalog *c)
{
    pf_db *db = connect_db(dbname);
    c->fks = value(db, "SELECT count(*) || ' fks, ' || count(*) FILTER (WHERE convalidated) || "
                       "' validated' || E'\\n' || coalesce(string_agg(conrelid::regclass::text "
                       "|| ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' valid=' || "
                       "convalidated, E'\\n' ORDER BY conrelid::regclass::text, conname), '') "
                       "FROM pg_constraint WHERE contype = 'f'");
    c->keys = value(db, "SELECT count(*) || ' keys' || E'\\n' || coalesce(string_agg("
                        "conrelid::regclass::text || ' ' || conname || ' ' || "
                        "pg_get_constraintdef(oid), E'\\n' ORDER BY conrelid::regclass::text, "
                        "conname), '') FROM pg_constraint WHERE contype IN ('p', 'u', 'x') "
                        "AND connamespace NOT IN ('pg_catalog'::regnamespace, "
                        "'information_schema'::regnamespace)");
    c->indexes = value(db, "SELECT count(*) || ' indexes, ' || count(*) FILTER (WHERE "
                           "i.indisvalid AND i.indisready) || ' valid' || E'\\n' || "
                           "coalesce(string_agg(i.indexrelid::regclass::text || ' ' || "
                           "pg_get_indexdef(i.indexrelid) || ' valid=' || i.indisvalid, E'\\n' "
                           "ORDER BY i.indexrelid::regclass::text), '') FROM pg_index i "
                           "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace NOT IN "
                           "('pg_catalog'::regnamespace, 'information_schema'::regnamespace, "
                           "'pg_toast'::regnamespace)");
    pf_db_close(db);
}

static void catalog_dispose(catalog *c)
{
    free(c->fks);
    free(c->keys);
    free(c->indexes);
}

/* The first line of a catalog text ("39 fks, 39 validated"). */
static void first_line(const char *text, char *out, size_t len)
{
    size_t n = strcspn(text, "\n");
    snprintf(out, len, "%.*s", (int)n, text);
}

/* "N things, M valid..." with N == M and N > 0. */
static void assert_all_valid(const char *text)
{
    long n = -1, m = -2;
    ck_assert_msg(sscanf(text, "%ld %*s %ld", &n, &m) == 2, "%s", text);
    ck_assert_msg(n > 0 && n == m, "not all valid: %.200s", text);
}

/* The line where two texts first differ, for messages. */
static char *first_difference(const char *a, const char *b)
{
    while (*a && *b) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        if (la != lb || strncmp(a, b, la) != 0)
            return pf_asprintf("'%.*s' vs '%.*s'", (int)la, a, (int)lb, b);
        a += la + (a[la] == '\n');
        b += lb + (b[lb] == '\n');
    }
    return pf_asprintf("'%.120s' vs '%.120s'", a, b);
}

/* want and got are catalog texts; `than` says what want is, for messages
 * (Check cannot print the whole texts). */
static void assert_same_text(const char *what, const char *than, const char *want,
                             const char *got)
{
    if (strcmp(want, got) == 0)
        return;
    char a[128], b[128];
    first_line(want, a, sizeof a);
    first_line(got, b, sizeof b);
    /* Past the count line: the first definition that differs. */
    char *d = first_difference(want + strcspn(want, "\n"), got + strcspn(got, "\n"));
    ck_abort_msg("%s differ from %s (%s vs %s); first difference: %s", what, than, a, b, d);
    free(d);
}

/* ------------------------------------------------------------- tests */

START_TEST(test_same_seed_gives_same_checksums_and_same_server_content)
{
    pf_run_result r1, r2, r3;
    sums s1, s2, s3;
    content c1, c2;
    seed_new_db("same_a", NULL, &r1);
    seed_new_db("same_b", NULL, &r2);
    parse_sums(r1.out, &s1);
    parse_sums(r2.out, &s2);
    assert_same_sums(&s1, &s2);
    read_content("same_a", &c1);
    read_content("same_b", &c2);
    assert_same_content(&c1, &c2, "same seed");
    assert_content_matches_sums(&c1, &s1);
    /* The checksum is the generated data's, not the server's: without a
     * server it comes out the same. */
    const char *const no_load[] = {"--no-load", NULL};
    run_seed(NULL, no_load, &r3);
    ck_assert_msg(r3.status == 0, "%s", r3.err);
    parse_sums(r3.out, &s3);
    assert_same_sums(&s1, &s3);
    pf_run_result_dispose(&r1);
    pf_run_result_dispose(&r2);
    pf_run_result_dispose(&r3);
}
END_TEST

START_TEST(test_other_seed_gives_other_checksums_and_other_content)
{
    pf_run_result r1, r2;
    sums s1, s2;
    content c1, c2;
    const char *const other[] = {"--seed", "424242", NULL};
    seed_new_db("seed_default", NULL, &r1);
    seed_new_db("seed_other", other, &r2);
    parse_sums(r1.out, &s1);
    parse_sums(r2.out, &s2);
    ck_assert_str_ne(s1.overall, s2.overall);
    read_content("seed_default", &c1);
    read_content("seed_other", &c2);
    assert_content_matches_sums(&c2, &s2);
    for (size_t i = 0; i < s1.n; i++) {
        ck_assert_msg(strcmp(s1.sum[i], s2.sum[i]) != 0, "%s: same checksum with another seed",
                      s1.table[i]);
        ck_assert_msg(strcmp(c1.md5[i], c2.md5[i]) != 0, "%s: same content with another seed",
                      s1.table[i]);
    }
    pf_run_result_dispose(&r1);
    pf_run_result_dispose(&r2);
}
END_TEST

START_TEST(test_one_or_three_jobs_load_the_same_content)
{
    pf_run_result r1, r3;
    sums s1, s3;
    content c1, c3;
    const char *const one[] = {"--jobs", "1", NULL}, *const three[] = {"--jobs", "3", NULL};
    seed_new_db("jobs_1", one, &r1);
    seed_new_db("jobs_3", three, &r3);
    parse_sums(r1.out, &s1);
    parse_sums(r3.out, &s3);
    assert_same_sums(&s1, &s3);
    read_content("jobs_1", &c1);
    read_content("jobs_3", &c3);
    assert_same_content(&c1, &c3, "--jobs 1 vs --jobs 3");
    assert_content_matches_sums(&c1, &s1);
    pf_run_result_dispose(&r1);
    pf_run_result_dispose(&r3);
}
END_TEST

/* Row `row` of table t, as generated, is in the server: sql counts the rows
 * whose loaded columns (cols[0..n)) equal parameters $1..$n. */
static void check_generated_row(pf_db *db, const pf_datagen *g, size_t t, const char *sql,
                                const size_t *cols, int n, int64_t row)
{
    char *vals[64] = {0};
    ck_assert_int_le(n, 64);
    for (int k = 0; k < n; k++)
        vals[k] = pf_datagen_cell(g, t, row, cols[k]);
    pf_result *res = NULL;
    pf_error e;
    ck_assert_msg(pf_db_query(db, sql, n, (const char *const *)vals, &res, &e) == 0, "%s: %s",
                  sql, e.msg);
    ck_assert_msg(atoll(pf_result_get(res, 0, 0)) >= 1,
                  "%s: generated row %lld is not in the server (first value '%s')",
                  g_ds->tables[t].name, (long long)row, vals[0] ? vals[0] : "NULL");
    pf_result_free(res);
    for (int k = 0; k < n; k++)
        free(vals[k]);
}

/* Sampled generated rows are in the server exactly: every loaded column
 * equal (the server parses the generated text into the column's type). This
 * catches what comparing two loads cannot: a loader that is wrong the same
 * way every time (values in the wrong column, a mangled escape). */
START_TEST(test_server_rows_equal_the_generated_rows)
{
    pf_run_result r;
    seed_new_db("rows", NULL, &r);
    pf_run_result_dispose(&r);
    pf_datagen *g = NULL;
    pf_error e;
    ck_assert_msg(pf_datagen_new(&g, g_ds, g_ds->default_seed, SCALE_VALUE, &e) == 0, "%s",
                  e.msg);
    pf_db *db = connect_db("rows");
    int checked = 0;
    for (size_t t = 0; t < g_ds->n_tables; t++) {
        const pf_table *tab = &g_ds->tables[t];
        /* WHERE (c1, c2, ...) IS NOT DISTINCT FROM ($1::type1, $2::type2, ...) */
        pf_buf lhs = PF_BUF_INIT, rhs = PF_BUF_INIT;
        size_t *cols = pf_calloc(tab->n_columns, sizeof *cols);
        int n = 0;
        for (size_t c = 0; c < tab->n_columns; c++) {
            if (!tab->columns[c].emit)
                continue;
            char *ident = pf_db_ident(tab->columns[c].name);
            char *lit = pf_db_literal(tab->columns[c].name);
            char *q = pf_asprintf("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                                  "WHERE attrelid = '%s'::regclass AND attname = %s",
                                  tab->name, lit);
            char *type = value(db, q);
            ck_assert_msg(type != NULL, "%s.%s: no such column", tab->name, tab->columns[c].name);
            pf_buf_printf(&lhs, "%s%s", n ? ", " : "", ident);
            pf_buf_printf(&rhs, "%s$%d::%s", n ? ", " : "", n + 1, type);
            cols[n++] = c;
            free(type);
            free(q);
            free(lit);
            free(ident);
        }
        char *sql = pf_asprintf("SELECT count(*) FROM %s WHERE (%s, NULL) IS NOT DISTINCT FROM "
                                "(%s, NULL)",
                                tab->name, pf_buf_str(&lhs), pf_buf_str(&rhs));
        /* About 25 rows spread over the table, the last one included. */
        int64_t rows = pf_datagen_rows(g, t), step = rows / 25 > 0 ? rows / 25 : 1;
        for (int64_t row = 0; row < rows; row += step) {
            check_generated_row(db, g, t, sql, cols, n, row);
            checked++;
        }
        check_generated_row(db, g, t, sql, cols, n, rows - 1);
        free(sql);
        free(cols);
        pf_buf_dispose(&lhs);
        pf_buf_dispose(&rhs);
    }
    ck_assert_int_ge(checked, 100);
    pf_db_close(db);
    pf_datagen_free(g);
}
END_TEST

START_TEST(test_row_counts_are_within_five_percent_of_the_spec)
{
    pf_run_result r;
    sums s;
    content c;
    seed_new_db("counts", NULL, &r);
    parse_sums(r.out, &s);
    read_content("counts", &c);
    for (size_t i = 0; i < g_ds->n_tables; i++) {
        const pf_table *t = &g_ds->tables[i];
        double want = 0;
        for (size_t k = 0; k < t->n_segments; k++)
            want += t->segments[k].rows * SCALE_VALUE;
        ck_assert_msg(fabs((double)c.rows[i] - want) <= 0.05 * want,
                      "%s: %lld rows, the spec says %g x %s = %g", t->name, c.rows[i],
                      want / SCALE_VALUE, SCALE, want);
        ck_assert_int_eq(c.rows[i], s.rows[i]);
    }
    pf_run_result_dispose(&r);
}
END_TEST

START_TEST(test_every_foreign_key_and_index_is_back_and_valid)
{
    pf_run_result r;
    catalog want, got;
    create_schema_only_db("schema_only");
    seed_new_db("keys", NULL, &r);
    read_catalog("schema_only", &want);
    read_catalog("keys", &got);
    assert_all_valid(want.fks);
    assert_all_valid(got.fks);
    assert_all_valid(got.indexes);
    assert_same_text("foreign keys", "the schema-only database", want.fks, got.fks);
    assert_same_text("primary/unique keys", "the schema-only database", want.keys, got.keys);
    assert_same_text("indexes", "the schema-only database", want.indexes, got.indexes);
    /* And they hold: no loaded row violates a foreign key. */
    pf_db *db = connect_db("keys");
    char *bad = value(db, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND NOT "
                          "convalidated");
    ck_assert_str_eq(bad, "0");
    free(bad);
    pf_db_close(db);
    catalog_dispose(&want);
    catalog_dispose(&got);
    pf_run_result_dispose(&r);
}
END_TEST

START_TEST(test_rls_is_enabled_and_forced_on_every_clinical_table)
{
    pf_run_result r;
    seed_new_db("rls", NULL, &r);
    pf_db *db = connect_db("rls");
    for (size_t i = 0; i < sizeof k_rls_tables / sizeof k_rls_tables[0]; i++) {
        char *sql = pf_asprintf("SELECT relrowsecurity::text || ' ' || relforcerowsecurity::text "
                                "FROM pg_class WHERE oid = 'public.%s'::regclass",
                                k_rls_tables[i]);
        char *v = value(db, sql);
        ck_assert_msg(v && strcmp(v, "true true") == 0, "%s: rowsecurity, force = %s",
                      k_rls_tables[i], v);
        free(v);
        free(sql);
    }
    /* Discovered from the catalog: no table or partition in public is
     * without RLS, the partitions of the access log included. */
    char *v = value(db, "SELECT string_agg(relname, ', ' ORDER BY relname) FROM pg_class "
                        "WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') "
                        "AND NOT (relrowsecurity AND relforcerowsecurity)");
    ck_assert_msg(v == NULL, "tables without RLS enabled and forced: %s", v);
    v = value(db, "SELECT count(*) FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid "
                  "WHERE h.inhparent = 'public.provider_access_log'::regclass "
                  "AND c.relrowsecurity AND c.relforcerowsecurity");
    ck_assert_str_eq(v, "10");
    free(v);
    /* And it filters the loaded rows: anon sees none of them. */
    for (size_t i = 0; i < sizeof k_rls_tables / sizeof k_rls_tables[0]; i++) {
        char *sql = pf_asprintf("SELECT (SELECT count(*) FROM public.%s) > 0", k_rls_tables[i]);
        v = value(db, sql);
        ck_assert_msg(strcmp(v, "t") == 0, "%s: no rows loaded", k_rls_tables[i]);
        free(v);
        free(sql);
        exec_ok(db, "BEGIN; SET LOCAL ROLE anon");
        sql = pf_asprintf("SELECT count(*) FROM public.%s", k_rls_tables[i]);
        v = value(db, sql);
        ck_assert_msg(strcmp(v, "0") == 0, "%s: anon sees %s rows", k_rls_tables[i], v);
        free(v);
        free(sql);
        exec_ok(db, "ROLLBACK");
    }
    pf_db_close(db);
    pf_run_result_dispose(&r);
}
END_TEST

START_TEST(test_non_empty_table_is_refused_without_replace)
{
    const char *const no_schema[] = {"--no-schema", NULL};
    const char *const replace[] = {"--no-schema", "--replace", NULL};
    pf_run_result r;
    create_schema_only_db("nonempty");
    pf_db *db = connect_db("nonempty");
    exec_ok(db, "INSERT INTO job_queue (job_type, lane) VALUES ('ocr', 'pftest-manual')");
    catalog before, after;
    read_catalog("nonempty", &before);

    run_seed("nonempty", no_schema, &r);
    ck_assert_msg(r.status == PF_EXIT_USAGE, "exit %d: %s", r.status, r.err);
    ck_assert_msg(strstr(r.err, "job_queue") != NULL, "message does not name the table: %s",
                  r.err);
    ck_assert_msg(strstr(r.err, "--replace") != NULL, "message does not name --replace: %s",
                  r.err);
    pf_run_result_dispose(&r);
    /* Refused before anything was set aside or loaded. */
    read_catalog("nonempty", &after);
    assert_same_text("foreign keys", "before the refused load", before.fks, after.fks);
    assert_same_text("indexes", "before the refused load", before.indexes, after.indexes);
    char *v = value(db, "SELECT count(*) FROM user_profiles");
    ck_assert_str_eq(v, "0");
    free(v);

    run_seed("nonempty", replace, &r);
    ck_assert_msg(r.status == 0, "--replace exited %d: %s", r.status, r.err);
    v = value(db, "SELECT count(*) FROM job_queue WHERE lane = 'pftest-manual'");
    ck_assert_str_eq(v, "0");
    free(v);
    sums s;
    content c;
    parse_sums(r.out, &s);
    read_content("nonempty", &c);
    assert_content_matches_sums(&c, &s);
    pf_run_result_dispose(&r);

    /* Reloading a fully loaded database with --replace gives the same data. */
    run_seed("nonempty", replace, &r);
    ck_assert_msg(r.status == 0, "second --replace exited %d: %s", r.status, r.err);
    content c2;
    read_content("nonempty", &c2);
    assert_same_content(&c, &c2, "--replace twice");
    catalog_dispose(&after);
    read_catalog("nonempty", &after);
    assert_same_text("foreign keys", "the schema-only database", before.fks, after.fks);
    assert_same_text("indexes", "the schema-only database", before.indexes, after.indexes);
    pf_run_result_dispose(&r);
    catalog_dispose(&before);
    catalog_dispose(&after);
    pf_db_close(db);
}
END_TEST

START_TEST(test_spec_naming_a_missing_table_is_refused)
{
    static const char *const k_missing[] = {"no_such_table", "no_such_schema.t"};
    create_schema_only_db("missing");
    catalog before, after;
    read_catalog("missing", &before);
    char *dir = pf_test_tmpdir();
    for (size_t i = 0; i < 2; i++) {
        /* A table that exists first, so a late refusal would have touched it. */
        char *spec = pf_asprintf(
            "{\"format\": 1, \"name\": \"missing\", \"reference_date\": \"2026-01-01\", "
            "\"tables\": [{\"table\": \"job_queue\", \"rows\": 10, \"columns\": "
            "{\"job_type\": \"ocr\"}}, {\"table\": \"%s\", \"rows\": 1, \"columns\": "
            "{\"x\": 1}}]}",
            k_missing[i]);
        char *path = pf_test_write(dir, "missing.json", spec);
        char *dsn = dsn_of("missing");
        char *argv[] = {(char *)pf_test_bin(), "seed", "--dsn", dsn, "--dataset", path,
                        "--no-schema", NULL};
        pf_run_result r;
        pf_test_run(argv, NULL, NULL, &r);
        ck_assert_msg(r.status == PF_EXIT_USAGE, "%s: exit %d: %s", k_missing[i], r.status,
                      r.err);
        ck_assert_msg(strstr(r.err, k_missing[i]) != NULL, "message does not name %s: %s",
                      k_missing[i], r.err);
        pf_run_result_dispose(&r);
        free(dsn);
        free(path);
        free(spec);
    }
    read_catalog("missing", &after);
    assert_same_text("foreign keys", "before the refused load", before.fks, after.fks);
    assert_same_text("indexes", "before the refused load", before.indexes, after.indexes);
    pf_db *db = connect_db("missing");
    char *v = value(db, "SELECT count(*) FROM job_queue");
    ck_assert_str_eq(v, "0");
    free(v);
    pf_db_close(db);
    catalog_dispose(&before);
    catalog_dispose(&after);
    pf_rmtree(dir, NULL);
    free(dir);
}
END_TEST

START_TEST(test_identity_sequences_are_past_the_loaded_ids)
{
    pf_run_result r;
    seed_new_db("identity", NULL, &r);
    pf_db *db = connect_db("identity");
    static const char *const k_inserts[][2] = {
        {"audit_log", "INSERT INTO audit_log (table_name, action) VALUES ('pftest', 'INSERT') "
                      "RETURNING id"},
        {"provider_access_log",
         "INSERT INTO provider_access_log (provider_id, patient_id, access_type, accessed_at) "
         "SELECT provider_id, patient_id, 'export', '2025-06-01' FROM patient_provider_access "
         "ORDER BY id LIMIT 1 RETURNING id"},
    };
    for (size_t i = 0; i < 2; i++) {
        char *sql = pf_asprintf("SELECT max(id) FROM %s", k_inserts[i][0]);
        char *max = value(db, sql);
        ck_assert_msg(max != NULL && atoll(max) > 0, "%s: no rows loaded", k_inserts[i][0]);
        char *id = value(db, k_inserts[i][1]);
        ck_assert_msg(id != NULL && atoll(id) > atoll(max), "%s: new id %s, loaded up to %s",
                      k_inserts[i][0], id, max);
        free(sql);
        free(max);
        free(id);
    }
    pf_db_close(db);
    pf_run_result_dispose(&r);

    /* A spec that supplies the ids itself: COPY does not advance the
     * sequence, the loader must. */
    create_schema_only_db("identity_explicit");
    char *dir = pf_test_tmpdir();
    char *path = pf_test_write(
        dir, "ids.json",
        "{\"format\": 1, \"name\": \"ids\", \"reference_date\": \"2026-01-01\", "
        "\"tables\": [{\"table\": \"audit_log\", \"rows\": 50, \"columns\": {"
        "\"id\": {\"gen\": \"sequence\", \"start\": 1, \"step\": 2}, "
        "\"table_name\": \"pftest\", \"action\": \"INSERT\"}}]}");
    char *dsn = dsn_of("identity_explicit");
    char *argv[] = {(char *)pf_test_bin(), "seed", "--dsn", dsn, "--dataset", path,
                    "--no-schema", NULL};
    pf_test_run(argv, NULL, NULL, &r);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    db = connect_db("identity_explicit");
    char *v = value(db, "SELECT max(id) FROM audit_log");
    ck_assert_str_eq(v, "99");
    free(v);
    v = value(db, "INSERT INTO audit_log (table_name, action) VALUES ('pftest', 'INSERT') "
                  "RETURNING id");
    ck_assert_msg(v != NULL && atoll(v) > 99, "new id %s, loaded up to 99", v);
    free(v);
    pf_db_close(db);
    pf_run_result_dispose(&r);
    free(dsn);
    free(path);
    pf_rmtree(dir, NULL);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("seed");
    TCase *tc = tcase_create("seed");
    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, start_shared, stop_shared);
    tcase_add_test(tc, test_same_seed_gives_same_checksums_and_same_server_content);
    tcase_add_test(tc, test_other_seed_gives_other_checksums_and_other_content);
    tcase_add_test(tc, test_one_or_three_jobs_load_the_same_content);
    tcase_add_test(tc, test_server_rows_equal_the_generated_rows);
    tcase_add_test(tc, test_row_counts_are_within_five_percent_of_the_spec);
    tcase_add_test(tc, test_every_foreign_key_and_index_is_back_and_valid);
    tcase_add_test(tc, test_rls_is_enabled_and_forced_on_every_clinical_table);
    tcase_add_test(tc, test_non_empty_table_is_refused_without_replace);
    tcase_add_test(tc, test_spec_naming_a_missing_table_is_refused);
    tcase_add_test(tc, test_identity_sequences_are_past_the_loaded_ids);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
