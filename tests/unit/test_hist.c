/* Histograms: the bucket layout, quantiles against the exact nearest-rank
 * quantiles of known samples (uniform, lognormal and Pareto heavy tails up
 * to an hour, bimodal, constant), exact merges, the JSON round trip, and
 * fixed memory. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hist.h"
#include "rng.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))
#define HOUR_NS 3600000000000ull

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

/* ---- layout ---------------------------------------------------------------- */

START_TEST(test_every_bucket_covers_a_contiguous_range_of_relative_width_at_most_1_in_128)
{
    uint64_t expect_low = 0;
    for (size_t i = 0; i < PF_HIST_BUCKETS; i++) {
        uint64_t lo = pf_hist_bucket_low(i), w = pf_hist_bucket_width(i);
        ck_assert_msg(lo == expect_low, "bucket %zu starts at %llu, want %llu", i,
                      (unsigned long long)lo, (unsigned long long)expect_low);
        ck_assert_uint_eq(pf_hist_index(lo), i);
        ck_assert_uint_eq(pf_hist_index(lo + w - 1), i);
        if (i >= 256)
            ck_assert_msg(w * 128 <= lo, "bucket %zu: width %llu at %llu", i,
                          (unsigned long long)w, (unsigned long long)lo);
        else
            ck_assert_uint_eq(w, 1);
        expect_low = lo + w;
    }
    /* The last bucket ends at 2^43; everything above saturates into it. */
    ck_assert_uint_eq(expect_low, 1ull << PF_HIST_MAX_BITS);
    ck_assert_uint_eq(pf_hist_index(UINT64_MAX), PF_HIST_BUCKETS - 1);
    ck_assert(expect_low > HOUR_NS);
}
END_TEST

/* ---- accuracy against exact quantiles --------------------------------------- */

typedef enum dist { UNIFORM_SMALL, LOGNORMAL, PARETO_TO_AN_HOUR, BIMODAL, CONSTANT } dist;

typedef struct sample_case {
    const char *name;
    dist d;
    size_t n;
} sample_case;

static const sample_case k_samples[] = {
    {"uniform 0..999 ns (exact region and first log buckets)", UNIFORM_SMALL, 20000},
    {"lognormal around 200 us, sigma 1", LOGNORMAL, 100000},
    {"Pareto alpha 1.1 from 50 us, capped at one hour", PARETO_TO_AN_HOUR, 100000},
    {"bimodal 150 us / 40 ms (cache hit vs a lock wait)", BIMODAL, 50001},
    {"constant 1 ms", CONSTANT, 1000},
    {"lognormal, small sample", LOGNORMAL, 7},
};

static uint64_t draw(dist d, pf_rng *r)
{
    switch (d) {
    case UNIFORM_SMALL:
        return pf_rng_below(r, 1000);
    case LOGNORMAL:
        return (uint64_t)pf_rng_lognormal(r, log(200000.0), 1.0);
    case PARETO_TO_AN_HOUR: {
        double u = 1.0 - pf_rng_uniform(r);
        double v = 50000.0 / pow(u, 1.0 / 1.1);
        return v > (double)HOUR_NS ? HOUR_NS : (uint64_t)v;
    }
    case BIMODAL:
        return pf_rng_uniform(r) < 0.9 ? 150000 + pf_rng_below(r, 20000)
                                       : 40000000 + pf_rng_below(r, 5000000);
    case CONSTANT:
        return 1000000;
    }
    return 0;
}

/* q in thousandths, so the exact nearest rank is integer arithmetic. */
static const unsigned k_permille[] = {0, 1, 100, 250, 500, 900, 950, 990, 999, 1000};

START_TEST(test_quantiles_are_within_1_in_256_of_the_exact_nearest_rank_sample)
{
    const sample_case *c = &k_samples[_i];
    pf_rng r = pf_rng_stream(42, (uint64_t)_i, 0, 0);
    uint64_t *x = calloc(c->n, sizeof *x);
    pf_hist *h = pf_hist_new();
    for (size_t i = 0; i < c->n; i++) {
        x[i] = draw(c->d, &r);
        pf_hist_record(h, x[i]);
    }
    qsort(x, c->n, sizeof *x, cmp_u64);
    ck_assert_uint_eq(pf_hist_count(h), c->n);
    ck_assert_uint_eq(pf_hist_min(h), x[0]);
    ck_assert_uint_eq(pf_hist_max(h), x[c->n - 1]);
    for (size_t k = 0; k < N_OF(k_permille); k++) {
        unsigned pm = k_permille[k];
        size_t rank = ((size_t)pm * c->n + 999) / 1000;
        if (rank < 1)
            rank = 1;
        uint64_t exact = x[rank - 1];
        uint64_t got = pf_hist_quantile(h, pm / 1000.0);
        double err = fabs((double)got - (double)exact);
        ck_assert_msg(err <= (double)exact / 256.0,
                      "%s: q=%.3f got %llu, exact %llu (error %.4f%%)", c->name, pm / 1000.0,
                      (unsigned long long)got, (unsigned long long)exact,
                      exact ? 100.0 * err / (double)exact : 0.0);
    }
    /* The mean is exact (the sum is kept). */
    long double sum = 0;
    for (size_t i = 0; i < c->n; i++)
        sum += x[i];
    ck_assert_double_eq_tol(pf_hist_mean(h), (double)(sum / c->n), 1e-6 * (double)(sum / c->n) + 1);
    free(x);
    pf_hist_free(h);
}
END_TEST

START_TEST(test_empty_histogram_reports_zeros)
{
    pf_hist *h = pf_hist_new();
    ck_assert_uint_eq(pf_hist_count(h), 0);
    ck_assert_uint_eq(pf_hist_quantile(h, 0.99), 0);
    ck_assert_uint_eq(pf_hist_max(h), 0);
    ck_assert_double_eq(pf_hist_mean(h), 0);
    pf_hist_free(h);
}
END_TEST

START_TEST(test_values_beyond_the_range_saturate_but_keep_an_exact_max)
{
    pf_hist *h = pf_hist_new();
    pf_hist_record(h, 10);
    pf_hist_record(h, 1ull << 50);
    ck_assert_uint_eq(pf_hist_max(h), 1ull << 50);
    ck_assert_uint_eq(pf_hist_quantile(h, 1.0), 1ull << 50);
    ck_assert_uint_eq(pf_hist_quantile(h, 0.5), 10);
    pf_hist_free(h);
}
END_TEST

START_TEST(test_count_above_never_over_counts)
{
    pf_hist *h = pf_hist_new();
    for (uint64_t v = 1; v <= 1000000; v += 7)
        pf_hist_record(h, v * 1000);
    uint64_t limits[] = {0, 1000, 500000000, 999999000, 2000000000};
    for (size_t k = 0; k < N_OF(limits); k++) {
        uint64_t exact = 0;
        for (uint64_t v = 1; v <= 1000000; v += 7)
            exact += v * 1000 > limits[k];
        uint64_t got = pf_hist_count_above(h, limits[k]);
        ck_assert_msg(got <= exact, "above %llu: %llu > exact %llu", (unsigned long long)limits[k],
                      (unsigned long long)got, (unsigned long long)exact);
        /* Only the values above the limit in the limit's own bucket are missed. */
        uint64_t same_bucket = 0;
        for (uint64_t v = 1; v <= 1000000; v += 7)
            same_bucket += v * 1000 > limits[k] &&
                           pf_hist_index(v * 1000) == pf_hist_index(limits[k]);
        ck_assert_uint_eq(exact - got, same_bucket);
    }
    pf_hist_free(h);
}
END_TEST

/* ---- merge ---------------------------------------------------------------- */

START_TEST(test_merging_shards_equals_recording_everything_in_one)
{
    pf_rng r = pf_rng_stream(7, 1, 2, 3);
    pf_hist *all = pf_hist_new();
    pf_hist *shard[3] = {pf_hist_new(), pf_hist_new(), pf_hist_new()};
    for (int i = 0; i < 300000; i++) {
        uint64_t v = (uint64_t)pf_rng_lognormal(&r, log(1e6), 2.0);
        pf_hist_record(all, v);
        pf_hist_record(shard[pf_rng_below(&r, 3)], v);
    }
    /* Merge order does not matter. */
    pf_hist *m1 = pf_hist_new(), *m2 = pf_hist_new();
    for (int s = 0; s < 3; s++)
        pf_hist_merge(m1, shard[s]);
    for (int s = 2; s >= 0; s--)
        pf_hist_merge(m2, shard[s]);
    ck_assert(pf_hist_equal(m1, all));
    ck_assert(pf_hist_equal(m2, all));
    for (double q = 0.0; q <= 1.0; q += 0.001)
        ck_assert_uint_eq(pf_hist_quantile(m1, q), pf_hist_quantile(all, q));
    /* Merging an empty histogram changes nothing, into an empty one copies. */
    pf_hist *empty = pf_hist_new();
    pf_hist_merge(m1, empty);
    ck_assert(pf_hist_equal(m1, all));
    pf_hist_merge(empty, all);
    ck_assert(pf_hist_equal(empty, all));
    pf_hist *c = pf_hist_clone(all);
    ck_assert(pf_hist_equal(c, all));
    pf_hist_record(c, 5);
    ck_assert(!pf_hist_equal(c, all));
    pf_hist_reset(c);
    ck_assert_uint_eq(pf_hist_count(c), 0);
    for (int s = 0; s < 3; s++)
        pf_hist_free(shard[s]);
    pf_hist_free(all);
    pf_hist_free(m1);
    pf_hist_free(m2);
    pf_hist_free(empty);
    pf_hist_free(c);
}
END_TEST

/* ---- serialisation -------------------------------------------------------- */

START_TEST(test_json_round_trip_is_exact_and_sparse)
{
    pf_rng r = pf_rng_stream(9, 0, 0, 0);
    pf_hist *h = pf_hist_new();
    for (int i = 0; i < 1000000; i++)
        pf_hist_record(h, (uint64_t)pf_rng_lognormal(&r, log(300000.0), 0.8));
    pf_buf b = PF_BUF_INIT;
    pf_hist_to_json(h, &b);
    pf_hist *back = NULL;
    pf_error e;
    ck_assert_msg(pf_hist_from_json("t", pf_buf_str(&b), &back, &e) == 0, "%s", e.msg);
    ck_assert(pf_hist_equal(h, back));
    /* A million values spread over ~7 powers of two: under 1,000 non-empty
     * buckets, a few kilobytes of text. */
    ck_assert_msg(b.len < 16000, "JSON is %zu bytes", b.len);
    pf_buf_dispose(&b);
    pf_hist_free(back);

    pf_hist *empty = pf_hist_new();
    pf_hist_to_json(empty, &b);
    ck_assert_str_eq(pf_buf_str(&b), "{\"unit\":\"ns\",\"layout\":\"" PF_HIST_LAYOUT
                                     "\",\"n\":0,\"min\":0,\"max\":0,\"sum\":0,\"buckets\":[]}");
    ck_assert(pf_hist_from_json("t", pf_buf_str(&b), &back, &e) == 0);
    ck_assert(pf_hist_equal(empty, back));
    pf_buf_dispose(&b);
    pf_hist_free(back);
    pf_hist_free(empty);
    pf_hist_free(h);
}
END_TEST

typedef struct bad_json {
    const char *json;
    const char *message;
} bad_json;

static const bad_json k_bad[] = {
    {"[1,2]", "not a JSON object"},
    {"{\"unit\":\"ns\",\"layout\":\"hdr-2\",\"n\":0,\"min\":0,\"max\":0,\"sum\":0,\"buckets\":[]}",
     "layout"},
    {"{\"unit\":\"us\",\"layout\":\"" PF_HIST_LAYOUT
     "\",\"n\":0,\"min\":0,\"max\":0,\"sum\":0,\"buckets\":[]}",
     "unit"},
    {"{\"unit\":\"ns\",\"layout\":\"" PF_HIST_LAYOUT
     "\",\"n\":2,\"min\":1,\"max\":1,\"sum\":2,\"buckets\":[1,1]}",
     "do not add up"},
    {"{\"unit\":\"ns\",\"layout\":\"" PF_HIST_LAYOUT
     "\",\"n\":1,\"min\":1,\"max\":1,\"sum\":1,\"buckets\":[99999,1]}",
     "out of range"},
    {"{\"unit\":\"ns\",\"layout\":\"" PF_HIST_LAYOUT
     "\",\"n\":1,\"min\":1,\"max\":1,\"sum\":1,\"buckets\":[1]}",
     "pairs"},
    {"{\"unit\":\"ns\",\"layout\":\"" PF_HIST_LAYOUT
     "\",\"n\":-1,\"min\":1,\"max\":1,\"sum\":1,\"buckets\":[]}",
     "non-negative"},
};

START_TEST(test_json_that_is_not_a_histogram_of_this_layout_is_refused)
{
    pf_hist *h = NULL;
    pf_error e;
    pf_error_clear(&e);
    ck_assert_int_lt(pf_hist_from_json("shard2.json", k_bad[_i].json, &h, &e), 0);
    ck_assert_ptr_null(h);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_msg(strstr(e.msg, "shard2.json") && strstr(e.msg, k_bad[_i].message), "%s", e.msg);
}
END_TEST

/* ---- memory ---------------------------------------------------------------- */

START_TEST(test_memory_is_fixed_whatever_is_recorded)
{
    ck_assert_uint_le(pf_hist_memory(), 40 * 1024);
    pf_hist *h = pf_hist_new();
    for (uint64_t i = 0; i < 2000000; i++)
        pf_hist_record(h, i * 1799999ull); /* up to an hour */
    ck_assert_uint_eq(pf_hist_count(h), 2000000);
    ck_assert_uint_le(pf_hist_memory(), 40 * 1024);
    /* An hour is resolved, not saturated. */
    uint64_t p100 = pf_hist_quantile(h, 1.0);
    ck_assert_uint_eq(p100, 1999999ull * 1799999ull);
    uint64_t p50 = pf_hist_quantile(h, 0.5);
    double exact = 999999.0 * 1799999.0;
    ck_assert(fabs((double)p50 - exact) <= exact / 256);
    pf_hist_free(h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hist");
    TCase *tc = tcase_create("hist");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc,
                   test_every_bucket_covers_a_contiguous_range_of_relative_width_at_most_1_in_128);
    tcase_add_loop_test(tc, test_quantiles_are_within_1_in_256_of_the_exact_nearest_rank_sample, 0,
                        (int)N_OF(k_samples));
    tcase_add_test(tc, test_empty_histogram_reports_zeros);
    tcase_add_test(tc, test_values_beyond_the_range_saturate_but_keep_an_exact_max);
    tcase_add_test(tc, test_count_above_never_over_counts);
    tcase_add_test(tc, test_merging_shards_equals_recording_everything_in_one);
    tcase_add_test(tc, test_json_round_trip_is_exact_and_sparse);
    tcase_add_loop_test(tc, test_json_that_is_not_a_histogram_of_this_layout_is_refused, 0,
                        (int)N_OF(k_bad));
    tcase_add_test(tc, test_memory_is_fixed_whatever_is_recorded);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
