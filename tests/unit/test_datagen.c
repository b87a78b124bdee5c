/* Row generation: determinism across chunking and seeds, exact row counts,
 * foreign-key consistency, and the shape of generated columns. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "datagen.h"
#include "dataset.h"
#include "rng.h"
#include "testutil.h"

static pf_dataset *g_ds;

static void load_mini(void)
{
    char *path = pf_test_source_path("tests/data/datasets/mini.json");
    pf_error e;
    if (pf_dataset_load(path, &g_ds, &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        abort();
    }
    free(path);
}

static void free_mini(void)
{
    pf_dataset_free(g_ds);
}

static pf_datagen *make(uint64_t seed, double scale)
{
    pf_datagen *g = NULL;
    pf_error e;
    ck_assert_msg(pf_datagen_new(&g, g_ds, seed, scale, &e) == 0, "%s", e.msg);
    return g;
}

static uint64_t table_hash(const pf_datagen *g, size_t t)
{
    pf_buf b = PF_BUF_INIT;
    pf_datagen_copy_rows(g, t, 0, pf_datagen_rows(g, t), &b);
    uint64_t h = pf_rng_hash_bytes(PF_RNG_HASH_INIT, pf_buf_str(&b), b.len);
    pf_buf_dispose(&b);
    return h;
}

static int col(const char *table, const char *column, size_t *t)
{
    *t = (size_t)pf_dataset_table(g_ds, table);
    return pf_dataset_column(&g_ds->tables[*t], column);
}

START_TEST(test_chunked_generation_is_byte_identical)
{
    pf_datagen *g = make(7, 1);
    for (size_t t = 0; t < g_ds->n_tables; t++) {
        int64_t n = pf_datagen_rows(g, t);
        pf_buf whole = PF_BUF_INIT, parts = PF_BUF_INIT;
        pf_datagen_copy_rows(g, t, 0, n, &whole);
        /* Odd chunk sizes, including chunks starting mid-parent. */
        for (int64_t row = 0; row < n; row += 37)
            pf_datagen_copy_rows(g, t, row, row + 37 > n ? n : row + 37, &parts);
        ck_assert_uint_eq(whole.len, parts.len);
        ck_assert_msg(memcmp(whole.data, parts.data, whole.len) == 0, "table %s differs",
                      g_ds->tables[t].name);
        /* One line per row. */
        int64_t lines = 0;
        for (size_t i = 0; i < whole.len; i++)
            lines += whole.data[i] == '\n';
        ck_assert_int_eq(lines, n);
        pf_buf_dispose(&whole);
        pf_buf_dispose(&parts);
    }
    pf_datagen_free(g);
}
END_TEST

START_TEST(test_same_seed_same_data_other_seed_other_data)
{
    pf_datagen *a = make(7, 1), *b = make(7, 1), *c = make(8, 1);
    for (size_t t = 0; t < g_ds->n_tables; t++) {
        ck_assert_uint_eq(table_hash(a, t), table_hash(b, t));
        ck_assert_uint_ne(table_hash(a, t), table_hash(c, t));
    }
    pf_datagen_free(a);
    pf_datagen_free(b);
    pf_datagen_free(c);
}
END_TEST

START_TEST(test_row_counts_scale_linearly_and_exactly)
{
    const double scales[] = {0.1, 1, 3.5};
    for (size_t k = 0; k < 3; k++) {
        pf_datagen *g = make(7, scales[k]);
        ck_assert_int_eq(pf_datagen_rows(g, 0), llround(200 * scales[k]) + llround(20 * scales[k]));
        ck_assert_int_eq(pf_datagen_rows(g, 1), llround(2000 * scales[k]));
        /* events pick distinct staff rows per owner, so at most staff rows
         * per owner: at scale 0.1 (20 owners, 2 staff) only 40 fit. */
        int64_t room = llround(200 * scales[k]) * llround(20 * scales[k]);
        int64_t want = llround(1000 * scales[k]);
        ck_assert_int_eq(pf_datagen_rows(g, 2), want < room ? want : room);
        ck_assert_int_eq(pf_datagen_rows(g, 3), llround(500 * scales[k]));
        /* Children sum to the table's rows. */
        int64_t sum = 0;
        for (int64_t p = 0; p < pf_datagen_rows(g, 0); p++)
            sum += pf_datagen_children(g, 1, p);
        ck_assert_int_eq(sum, pf_datagen_rows(g, 1));
        pf_datagen_free(g);
    }
    pf_datagen *g = NULL;
    pf_error e;
    ck_assert_int_eq(pf_datagen_new(&g, g_ds, 1, 0, &e), -1);
    ck_assert(strstr(e.msg, "scale must be a finite number > 0") != NULL);
}
END_TEST

START_TEST(test_nested_rows_reference_their_parent_and_siblings_consistently)
{
    pf_datagen *g = make(7, 1);
    size_t tp, ti, te, td;
    int p_id = col("people", "id", &tp);
    int i_id = col("items", "id", &ti), i_person = col("items", "person_id", &ti);
    int i_k = col("items", "k", &ti);
    int e_person = col("events", "person_id", &te), e_item = col("events", "item_id", &te);
    int d_item = col("details", "item_id", &td), d_person = col("details", "person_id", &td);
    int64_t owners = 200;
    /* Every item belongs to an owner (not staff), in parent order. */
    int64_t row = 0;
    for (int64_t p = 0; p < owners; p++) {
        char *pid = pf_datagen_cell(g, tp, p, (size_t)p_id);
        for (int64_t k = 0; k < pf_datagen_children(g, ti, p); k++, row++) {
            char *ip = pf_datagen_cell(g, ti, row, (size_t)i_person);
            ck_assert_str_eq(ip, pid);
            free(ip);
        }
        free(pid);
    }
    ck_assert_int_eq(row, pf_datagen_rows(g, ti));
    /* An event's item (a sibling) belongs to the event's person. */
    int nulls = 0;
    for (int64_t r = 0; r < pf_datagen_rows(g, te); r++) {
        char *item = pf_datagen_cell(g, te, r, (size_t)e_item);
        if (item == NULL) {
            nulls++;
            continue;
        }
        char *person = pf_datagen_cell(g, te, r, (size_t)e_person);
        char *item_person = pf_datagen_cell(g, ti, atoll(item) - 1, (size_t)i_person);
        ck_assert_str_eq(person, item_person);
        free(item);
        free(person);
        free(item_person);
    }
    ck_assert_msg(nulls > 100 && nulls < 350, "null items: %d", nulls);
    /* Details hang only under first items and carry their person. */
    for (int64_t r = 0; r < pf_datagen_rows(g, td); r++) {
        char *item = pf_datagen_cell(g, td, r, (size_t)d_item);
        char *k = pf_datagen_cell(g, ti, atoll(item) - 1, (size_t)i_k);
        ck_assert_str_eq(k, "first");
        char *dp = pf_datagen_cell(g, td, r, (size_t)d_person);
        char *ip = pf_datagen_cell(g, ti, atoll(item) - 1, (size_t)i_person);
        ck_assert_str_eq(dp, ip);
        char *iid = pf_datagen_cell(g, ti, atoll(item) - 1, (size_t)i_id);
        ck_assert_str_eq(iid, item);
        free(item);
        free(k);
        free(dp);
        free(ip);
        free(iid);
    }
    pf_datagen_free(g);
}
END_TEST

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x < y) - (x > y);
}

START_TEST(test_busiest_five_percent_hold_about_forty_percent)
{
    pf_datagen *g = make(7, 10); /* 2,000 owners, 20,000 items */
    size_t ti = 1, te = 2;
    int64_t n = 2000;
    int64_t *items = pf_calloc((size_t)n, sizeof *items);
    double sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
    for (int64_t p = 0; p < n; p++) {
        items[p] = pf_datagen_children(g, ti, p);
        double x = (double)items[p], y = (double)pf_datagen_children(g, te, p);
        sx += x;
        sy += y;
        sxy += x * y;
        sxx += x * x;
        syy += y * y;
    }
    /* Items and events share weight_key "activity": busy in one, busy in both. */
    double cov = sxy / n - (sx / n) * (sy / n);
    double corr = cov / sqrt((sxx / n - (sx / n) * (sx / n)) * (syy / n - (sy / n) * (sy / n)));
    ck_assert_msg(corr > 0.95, "correlation %g", corr);
    qsort(items, (size_t)n, sizeof *items, cmp_desc);
    int64_t top = 0;
    for (int64_t p = 0; p < n / 20; p++)
        top += items[p];
    double share = (double)top / (double)pf_datagen_rows(g, ti);
    ck_assert_msg(share > 0.30 && share < 0.50, "top 5%% share %g", share);
    free(items);
    pf_datagen_free(g);
}
END_TEST

START_TEST(test_column_values_have_the_declared_shape)
{
    pf_datagen *g = make(7, 5);
    size_t t = 0;
    int64_t n = 1000; /* owners only */
    int c_id = pf_dataset_column(&g_ds->tables[0], "id");
    int c_age = pf_dataset_column(&g_ds->tables[0], "age");
    int c_kind = pf_dataset_column(&g_ds->tables[0], "kind");
    int c_joined = pf_dataset_column(&g_ds->tables[0], "joined");
    int c_seen = pf_dataset_column(&g_ds->tables[0], "seen");
    int c_note = pf_dataset_column(&g_ds->tables[0], "note");
    int c_meta = pf_dataset_column(&g_ds->tables[0], "meta");
    int c_tags = pf_dataset_column(&g_ds->tables[0], "tags");
    int c_label = pf_dataset_column(&g_ds->tables[0], "label");
    int c_name = pf_dataset_column(&g_ds->tables[0], "name");
    double age_sum = 0;
    int kinds[3] = {0}, notes_null = 0;
    for (int64_t r = 0; r < n; r++) {
        char *id = pf_datagen_cell(g, t, r, (size_t)c_id);
        ck_assert_uint_eq(strlen(id), 36);
        ck_assert(id[14] == '4' && id[8] == '-' && strchr("89ab", id[19]) != NULL);
        free(id);
        char *age = pf_datagen_cell(g, t, r, (size_t)c_age);
        int a = atoi(age);
        ck_assert(a >= 0 && a <= 100);
        age_sum += a;
        free(age);
        char *kind = pf_datagen_cell(g, t, r, (size_t)c_kind);
        char *label = pf_datagen_cell(g, t, r, (size_t)c_label);
        if (kind == NULL) {
            kinds[2]++;
            ck_assert_ptr_null(label);
        } else if (strcmp(kind, "a") == 0) {
            kinds[0]++;
            ck_assert_str_eq(label, "alpha");
        } else {
            kinds[1]++;
            char *name = pf_datagen_cell(g, t, r, (size_t)c_name);
            char *want = pf_asprintf("beta-%s", name);
            ck_assert_str_eq(label, want);
            free(want);
            free(name);
        }
        free(kind);
        free(label);
        char *j = pf_datagen_cell(g, t, r, (size_t)c_joined);
        char *s = pf_datagen_cell(g, t, r, (size_t)c_seen);
        struct tm tj, ts;
        memset(&tj, 0, sizeof tj);
        memset(&ts, 0, sizeof ts);
        ck_assert_ptr_nonnull(strptime(j, "%Y-%m-%d %H:%M:%S", &tj));
        ck_assert_ptr_nonnull(strptime(s, "%Y-%m-%d %H:%M:%S", &ts));
        double gap = difftime(timegm(&ts), timegm(&tj));
        ck_assert_msg(gap >= 3600 && gap <= 30 * 86400, "seen - joined = %g s", gap);
        ck_assert(timegm(&tj) <= 1767225600 && timegm(&tj) >= 1767225600 - 5 * 365 * 86400);
        free(j);
        free(s);
        char *note = pf_datagen_cell(g, t, r, (size_t)c_note);
        notes_null += note == NULL;
        free(note);
        char *meta = pf_datagen_cell(g, t, r, (size_t)c_meta);
        cJSON *doc = cJSON_Parse(meta);
        ck_assert_msg(doc != NULL, "invalid json %s", meta);
        ck_assert_int_eq(cJSON_GetObjectItem(doc, "v")->valueint, 1);
        ck_assert(cJSON_IsBool(cJSON_GetObjectItem(doc, "ok")));
        ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(doc, "n")));
        cJSON_Delete(doc);
        free(meta);
        char *tags = pf_datagen_cell(g, t, r, (size_t)c_tags);
        ck_assert(tags[0] == '{' && tags[strlen(tags) - 1] == '}');
        ck_assert_int_le(strlen(tags), strlen("{\"x\",\"y\",\"z\"}"));
        free(tags);
    }
    ck_assert_double_eq_tol(age_sum / n, 40, 1.5);
    /* choice weights 6:3:1 */
    ck_assert_msg(abs(kinds[0] - 600) < 60 && abs(kinds[1] - 300) < 50 && abs(kinds[2] - 100) < 35,
                  "kinds %d %d %d", kinds[0], kinds[1], kinds[2]);
    ck_assert_msg(abs(notes_null - 500) < 60, "null notes %d", notes_null);
    pf_datagen_free(g);
}
END_TEST

START_TEST(test_distinct_per_parent_never_repeats_within_a_parent)
{
    pf_datagen *g = make(7, 1);
    size_t te = 2;
    int c = pf_dataset_column(&g_ds->tables[te], "grant_to");
    int64_t row = 0;
    for (int64_t p = 0; p < 200; p++) {
        int64_t k = pf_datagen_children(g, te, p);
        char seen[20] = {0};
        for (int64_t i = 0; i < k; i++, row++) {
            char *v = pf_datagen_cell(g, te, row, (size_t)c);
            int staff = atoi(v) - 100 - 200; /* sequence from 100; staff rows 200..219 */
            ck_assert(staff >= 0 && staff < 20);
            /* A parent never has more children than there are staff rows. */
            ck_assert_int_le(k, 20);
            ck_assert_msg(!seen[staff], "parent %lld repeats %d", (long long)p, staff);
            seen[staff] = 1;
            free(v);
        }
    }
    pf_datagen_free(g);
}
END_TEST

/* Parents whose weight would give them more children than a
 * distinct_per_parent ref has rows to pick are capped; the excess goes to
 * the other parents, so the total stays exact while there is room. */
static void check_capped(const char *children_rows, int64_t want_rows)
{
    char *text = pf_asprintf(
        "{\"format\": 1, \"name\": \"cap\", \"reference_date\": \"2026-01-01\", \"tables\": ["
        "{\"table\": \"pool\", \"rows\": 3, \"columns\": {\"id\": {\"gen\": \"sequence\"}}},"
        "{\"table\": \"parents\", \"rows\": 10, \"columns\": {\"id\": {\"gen\": \"sequence\"}}},"
        "{\"table\": \"kids\", \"rows\": %s, \"parent\": {\"table\": \"parents\", \"weight\": "
        "{\"dist\": \"choice\", \"values\": [1, 100], \"weights\": [8, 2]}},"
        " \"columns\": {\"p\": {\"gen\": \"parent\", \"column\": \"id\"},"
        " \"pick\": {\"gen\": \"ref\", \"table\": \"pool\", \"column\": \"id\","
        " \"distinct_per_parent\": true}}}]}",
        children_rows);
    pf_dataset *ds = NULL;
    pf_datagen *g = NULL;
    pf_error e;
    ck_assert_msg(pf_dataset_parse("cap.json", text, &ds, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_datagen_new(&g, ds, 3, 1, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(pf_datagen_rows(g, 2), want_rows);
    int64_t row = 0, sum = 0;
    for (int64_t p = 0; p < 10; p++) {
        int64_t k = pf_datagen_children(g, 2, p);
        ck_assert_msg(k <= 3, "parent %lld has %lld children, the pool has 3 rows", (long long)p,
                      (long long)k);
        char seen[4] = {0};
        for (int64_t i = 0; i < k; i++, row++) {
            char *v = pf_datagen_cell(g, 2, row, 1);
            int id = atoi(v);
            ck_assert(id >= 1 && id <= 3);
            ck_assert_msg(!seen[id], "parent %lld picks pool row %d twice", (long long)p, id);
            seen[id] = 1;
            free(v);
        }
        sum += k;
    }
    ck_assert_int_eq(sum, want_rows);
    pf_datagen_free(g);
    pf_dataset_free(ds);
    free(text);
}

START_TEST(test_distinct_per_parent_caps_children_at_the_pool_size)
{
    check_capped("20", 20); /* room for 30: exact total */
    check_capped("45", 30); /* room for 30 only: every parent full */
}
END_TEST

/* The healthcare spec at scale 0.1 has 6 providers; a patient's care-team
 * grants (unique per provider and patient) must still be distinct. */
START_TEST(test_healthcare_provider_pairs_are_unique_at_small_scale)
{
    char *path = pf_test_source_path("fixtures/datasets/healthcare.json");
    pf_dataset *ds = NULL;
    pf_datagen *g = NULL;
    pf_error e;
    ck_assert_msg(pf_dataset_load(path, &ds, &e) == 0, "%s", e.msg);
    const double scales[] = {0.05, 0.1, 1};
    for (size_t s = 0; s < 3; s++) {
        ck_assert_msg(pf_datagen_new(&g, ds, ds->default_seed, scales[s], &e) == 0, "%s", e.msg);
        int t = pf_dataset_table(ds, "patient_provider_access");
        int c_prov = pf_dataset_column(&ds->tables[t], "provider_id");
        int c_pat = pf_dataset_column(&ds->tables[t], "patient_id");
        int64_t n = pf_datagen_rows(g, (size_t)t);
        ck_assert_msg(fabs((double)n - pf_datagen_expected_rows(g, (size_t)t)) <= 1,
                      "scale %g: %lld rows", scales[s], (long long)n);
        char **pairs = pf_calloc((size_t)n, sizeof *pairs);
        for (int64_t r = 0; r < n; r++) {
            char *a = pf_datagen_cell(g, (size_t)t, r, (size_t)c_prov);
            char *b = pf_datagen_cell(g, (size_t)t, r, (size_t)c_pat);
            pairs[r] = pf_asprintf("%s/%s", a, b);
            free(a);
            free(b);
        }
        qsort(pairs, (size_t)n, sizeof *pairs, cmp_str);
        for (int64_t r = 1; r < n; r++)
            ck_assert_msg(strcmp(pairs[r - 1], pairs[r]) != 0, "scale %g: pair %s twice",
                          scales[s], pairs[r]);
        for (int64_t r = 0; r < n; r++)
            free(pairs[r]);
        free(pairs);
        pf_datagen_free(g);
    }
    pf_dataset_free(ds);
    free(path);
}
END_TEST

/* Specs at the edges of what the parser accepts: generating must stay
 * defined (found by tests/fuzz/fuzz_dataset; signed overflow before). */
static pf_datagen *make_from(const char *text, pf_dataset **ds)
{
    pf_datagen *g = NULL;
    pf_error e;
    ck_assert_msg(pf_dataset_parse("edge.json", text, ds, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_datagen_new(&g, *ds, 1, 1, &e) == 0, "%s", e.msg);
    return g;
}

START_TEST(test_sequence_wraps_instead_of_overflowing)
{
    pf_dataset *ds = NULL;
    pf_datagen *g = make_from(
        "{\"format\": 1, \"name\": \"s\", \"reference_date\": \"2026-01-01\", \"tables\": [{"
        "\"table\": \"t\", \"rows\": 3, \"columns\": {\"n\": {\"gen\": \"sequence\", "
        "\"step\": 5e18}}}]}",
        &ds);
    char *v = pf_datagen_cell(g, 0, 1, 0);
    ck_assert_str_eq(v, "5000000000000000001");
    free(v);
    v = pf_datagen_cell(g, 0, 2, 0); /* 1 + 10^19 - 2^64 */
    ck_assert_str_eq(v, "-8446744073709551615");
    free(v);
    pf_datagen_free(g);
    pf_dataset_free(ds);
}
END_TEST

START_TEST(test_parent_min_beyond_the_total_is_shared_without_overflow)
{
    pf_dataset *ds = NULL;
    pf_datagen *g = make_from(
        "{\"format\": 1, \"name\": \"m\", \"reference_date\": \"2026-01-01\", \"tables\": ["
        "{\"table\": \"p\", \"rows\": 3, \"columns\": {\"id\": {\"gen\": \"sequence\"}}},"
        "{\"table\": \"k\", \"rows\": 100, \"parent\": {\"table\": \"p\", \"min\": 4e18},"
        " \"columns\": {\"p\": {\"gen\": \"parent\", \"column\": \"id\"}}}]}",
        &ds);
    ck_assert_int_eq(pf_datagen_rows(g, 1), 100);
    for (int64_t p = 0; p < 3; p++)
        ck_assert_int_ge(pf_datagen_children(g, 1, p), 33);
    pf_datagen_free(g);
    pf_dataset_free(ds);
}
END_TEST

START_TEST(test_long_after_chains_saturate)
{
    pf_buf spec = PF_BUF_INIT;
    pf_buf_puts(&spec, "{\"format\": 1, \"name\": \"a\", \"reference_date\": \"2026-01-01\", "
                       "\"tables\": [{\"table\": \"t\", \"rows\": 2, \"columns\": {\"t0\": "
                       "{\"gen\": \"timestamp\", \"from\": \"9000y\", \"to\": \"9000y\"}");
    for (int i = 1; i < 40; i++)
        pf_buf_printf(&spec,
                      ", \"t%d\": {\"gen\": \"timestamp\", \"after\": \"t%d\", \"from\": "
                      "\"9000y\", \"to\": \"9000y\"}",
                      i, i - 1);
    pf_buf_puts(&spec, "}}]}");
    pf_dataset *ds = NULL;
    pf_datagen *g = make_from(pf_buf_str(&spec), &ds);
    char *a = pf_datagen_cell(g, 0, 1, 38), *b = pf_datagen_cell(g, 0, 1, 39);
    ck_assert_str_eq(a, b); /* both at the limit */
    free(a);
    free(b);
    pf_datagen_free(g);
    pf_dataset_free(ds);
    pf_buf_dispose(&spec);
}
END_TEST

START_TEST(test_copy_escaping_and_column_list)
{
    const char *text =
        "{\"format\": 1, \"name\": \"e\", \"reference_date\": \"2026-01-01\", \"tables\": [{"
        "\"table\": \"t\", \"rows\": 1, \"columns\": {\"we\\\"ird\": \"a\\tb\\\\c\\nd\", \"n\": null}}]}";
    pf_dataset *ds = NULL;
    pf_error e;
    ck_assert_msg(pf_dataset_parse("e.json", text, &ds, &e) == 0, "%s", e.msg);
    pf_datagen *g = NULL;
    ck_assert(pf_datagen_new(&g, ds, 1, 1, &e) == 0);
    pf_buf b = PF_BUF_INIT;
    pf_datagen_copy_rows(g, 0, 0, 1, &b);
    ck_assert_str_eq(pf_buf_str(&b), "a\\tb\\\\c\\nd\t\\N\n");
    char *cols = pf_datagen_copy_columns(g, 0);
    ck_assert_str_eq(cols, "(\"we\"\"ird\", \"n\")");
    free(cols);
    pf_buf_dispose(&b);
    pf_datagen_free(g);
    pf_dataset_free(ds);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("datagen");
    TCase *tc = tcase_create("datagen");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, load_mini, free_mini);
    tcase_add_test(tc, test_chunked_generation_is_byte_identical);
    tcase_add_test(tc, test_same_seed_same_data_other_seed_other_data);
    tcase_add_test(tc, test_row_counts_scale_linearly_and_exactly);
    tcase_add_test(tc, test_nested_rows_reference_their_parent_and_siblings_consistently);
    tcase_add_test(tc, test_busiest_five_percent_hold_about_forty_percent);
    tcase_add_test(tc, test_column_values_have_the_declared_shape);
    tcase_add_test(tc, test_distinct_per_parent_never_repeats_within_a_parent);
    tcase_add_test(tc, test_distinct_per_parent_caps_children_at_the_pool_size);
    tcase_add_test(tc, test_healthcare_provider_pairs_are_unique_at_small_scale);
    tcase_add_test(tc, test_copy_escaping_and_column_list);
    tcase_add_test(tc, test_sequence_wraps_instead_of_overflowing);
    tcase_add_test(tc, test_parent_min_beyond_the_total_is_shared_without_overflow);
    tcase_add_test(tc, test_long_after_chains_saturate);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
