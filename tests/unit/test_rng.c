/* The counter-based RNG: reproducibility, stream independence, and the
 * shape of each distribution (means and tails within tolerance). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define DRAWS 200000

START_TEST(test_same_key_gives_same_stream)
{
    pf_rng a = pf_rng_stream(42, 1, 2, 3), b = pf_rng_stream(42, 1, 2, 3);
    for (int i = 0; i < 1000; i++)
        ck_assert_uint_eq(pf_rng_next(&a), pf_rng_next(&b));
}
END_TEST

START_TEST(test_streams_differ_in_every_key_part)
{
    const uint64_t keys[][4] = {{42, 1, 2, 3}, {43, 1, 2, 3}, {42, 2, 2, 3},
                                {42, 1, 3, 3}, {42, 1, 2, 4}, {42, 2, 1, 3}};
    uint64_t first[6];
    for (int k = 0; k < 6; k++) {
        pf_rng r = pf_rng_stream(keys[k][0], keys[k][1], keys[k][2], keys[k][3]);
        first[k] = pf_rng_next(&r);
    }
    for (int i = 0; i < 6; i++)
        for (int j = i + 1; j < 6; j++)
            ck_assert_msg(first[i] != first[j], "streams %d and %d collide", i, j);
}
END_TEST

START_TEST(test_neighbouring_streams_are_uncorrelated)
{
    /* Rows r and r+1 of the same column: their first uniforms should be
     * independent (correlation ~ 0) and each uniform (mean 1/2, var 1/12). */
    double sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
    for (uint64_t row = 0; row < DRAWS; row++) {
        pf_rng a = pf_rng_stream(1, 7, row, 9), b = pf_rng_stream(1, 7, row + 1, 9);
        double x = pf_rng_uniform(&a), y = pf_rng_uniform(&b);
        sx += x;
        sy += y;
        sxy += x * y;
        sxx += x * x;
        syy += y * y;
    }
    double mx = sx / DRAWS, my = sy / DRAWS;
    double cov = sxy / DRAWS - mx * my;
    double corr = cov / sqrt((sxx / DRAWS - mx * mx) * (syy / DRAWS - my * my));
    ck_assert_double_eq_tol(mx, 0.5, 0.005);
    ck_assert_double_eq_tol(sxx / DRAWS - mx * mx, 1.0 / 12, 0.002);
    ck_assert_msg(fabs(corr) < 0.01, "correlation %g", corr);
}
END_TEST

START_TEST(test_below_is_unbiased_and_in_range)
{
    pf_rng r = pf_rng_stream(5, 0, 0, 0);
    int counts[7] = {0};
    for (int i = 0; i < 70000; i++) {
        uint64_t v = pf_rng_below(&r, 7);
        ck_assert_uint_lt(v, 7);
        counts[v]++;
    }
    for (int k = 0; k < 7; k++)
        ck_assert_msg(abs(counts[k] - 10000) < 400, "bucket %d: %d", k, counts[k]);
    ck_assert_uint_eq(pf_rng_below(&r, 0), 0);
}
END_TEST

typedef struct dist_case {
    const char *name;
    double mean, tol, sd, sd_tol;
} dist_case;

static double sample(int which, pf_rng *r)
{
    switch (which) {
    case 0:
        return pf_rng_normal(r);
    case 1:
        return pf_rng_exponential(r, 3.0);
    case 2:
        return pf_rng_lognormal(r, 1.0, 0.5);
    case 3:
        return (double)pf_rng_poisson(r, 4.0);
    case 4:
        return (double)pf_rng_poisson(r, 900.0);
    default:
        return 0;
    }
}

static const dist_case k_dists[] = {
    {"normal(0,1)", 0.0, 0.01, 1.0, 0.01},
    {"exponential(mean 3)", 3.0, 0.03, 3.0, 0.05},
    /* lognormal(mu 1, sigma .5): mean e^(1.125) = 3.0802, sd mean*sqrt(e^.25-1) = 1.6416 */
    {"lognormal(1, .5)", 3.0802, 0.02, 1.6416, 0.03},
    {"poisson(4)", 4.0, 0.02, 2.0, 0.02},
    {"poisson(900)", 900.0, 0.5, 30.0, 0.5},
};

START_TEST(test_distribution_moments)
{
    const dist_case *d = &k_dists[_i];
    pf_rng r = pf_rng_stream(99, (uint64_t)_i, 0, 0);
    double s = 0, ss = 0;
    for (int i = 0; i < DRAWS; i++) {
        double x = sample(_i, &r);
        s += x;
        ss += x * x;
    }
    double mean = s / DRAWS, sd = sqrt(ss / DRAWS - mean * mean);
    ck_assert_msg(fabs(mean - d->mean) < d->tol, "%s: mean %g, want %g", d->name, mean, d->mean);
    ck_assert_msg(fabs(sd - d->sd) < d->sd_tol, "%s: sd %g, want %g", d->name, sd, d->sd);
}
END_TEST

START_TEST(test_zipf_frequencies_follow_the_power_law)
{
    /* P(k) = k^-s / H(n,s). For n = 10, s = 1: H = 2.928968. */
    pf_rng r = pf_rng_stream(3, 0, 0, 0);
    int counts[11] = {0};
    for (int i = 0; i < DRAWS; i++) {
        uint64_t k = pf_rng_zipf(&r, 10, 1.0);
        ck_assert(k >= 1 && k <= 10);
        counts[k]++;
    }
    for (int k = 1; k <= 10; k++) {
        double want = (1.0 / k) / 2.928968;
        double got = (double)counts[k] / DRAWS;
        ck_assert_msg(fabs(got - want) < 0.005, "k=%d: %g vs %g", k, got, want);
    }
    /* s = 2 on a large domain: rank 1 holds 1/zeta(2) ~ 0.608 of the mass. */
    int ones = 0;
    for (int i = 0; i < DRAWS; i++)
        ones += pf_rng_zipf(&r, 1000000, 2.0) == 1;
    ck_assert_double_eq_tol((double)ones / DRAWS, 0.6079, 0.006);
}
END_TEST

START_TEST(test_hash_bytes_is_fnv1a)
{
    /* FNV-1a 64 test vectors. */
    ck_assert_uint_eq(pf_rng_hash_bytes(PF_RNG_HASH_INIT, "", 0), 0xcbf29ce484222325ull);
    ck_assert_uint_eq(pf_rng_hash_bytes(PF_RNG_HASH_INIT, "a", 1), 0xaf63dc4c8601ec8cull);
    ck_assert_uint_eq(pf_rng_hash_bytes(PF_RNG_HASH_INIT, "foobar", 6), 0x85944171f73967e8ull);
    ck_assert_uint_eq(pf_rng_hash_str("foobar"), 0x85944171f73967e8ull);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rng");
    TCase *tc = tcase_create("rng");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_same_key_gives_same_stream);
    tcase_add_test(tc, test_streams_differ_in_every_key_part);
    tcase_add_test(tc, test_neighbouring_streams_are_uncorrelated);
    tcase_add_test(tc, test_below_is_unbiased_and_in_range);
    tcase_add_loop_test(tc, test_distribution_moments, 0, (int)(sizeof k_dists / sizeof k_dists[0]));
    tcase_add_test(tc, test_zipf_frequencies_follow_the_power_law);
    tcase_add_test(tc, test_hash_bytes_is_fnv1a);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
