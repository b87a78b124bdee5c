/* Statistics: quantiles against R's type 7 worked by hand, rank tests
 * against textbook examples and against brute-force enumeration of every
 * arrangement, bootstrap intervals, and the normal distribution.
 *
 * Reference p values below were computed outside this code (exact
 * fractions by enumerating all arrangements, normal tails with erfc) and
 * agree with R's wilcox.test where R's help pages print them. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "stats.h"

/* |got - want| <= tol * max(1, |want|): absolute near 0, relative above. */
#define ck_assert_near(got, want, tol)                                                         \
    do {                                                                                       \
        double g_ = (got), w_ = (want);                                                        \
        double s_ = fabs(w_) > 1.0 ? fabs(w_) : 1.0;                                           \
        ck_assert_msg(fabs(g_ - w_) <= (tol) * s_, "%s = %.17g, want %.17g (tol %g)", #got, g_, \
                      w_, (double)(tol));                                                      \
    } while (0)

/* Relative comparison for values far below 1 (tail probabilities). */
#define ck_assert_rel(got, want, tol)                                                          \
    do {                                                                                       \
        double g_ = (got), w_ = (want);                                                        \
        ck_assert_msg(fabs(g_ - w_) <= (tol) * fabs(w_), "%s = %.17g, want %.17g (rel %g)",     \
                      #got, g_, w_, (double)(tol));                                            \
    } while (0)

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* ---- quantiles and summaries ---------------------------------------------- */

/* Type 7: h = (n-1)q, result = x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]),
 * 0-based on the sorted vector. Worked by hand:
 *   1:10, q=.25: h=2.25 -> 3 + .25*1 = 3.25 (R: quantile(1:10) gives 1, 3.25, 5.5, 7.75, 10)
 *   1:10, q=.9:  h=8.1  -> 9 + .1 = 9.1;  q=.95: h=8.55 -> 9.55;  q=.99: h=8.91 -> 9.91
 *   sort(c(3,1,4,1,5,9,2,6)) = 1 1 2 3 4 5 6 9:
 *        q=.25: h=1.75 -> 1 + .75*(2-1) = 1.75;  q=.5: h=3.5 -> 3 + .5*(4-3) = 3.5
 *        q=.9:  h=6.3  -> 6 + .3*(9-6) = 6.9;    q=.95: h=6.65 -> 6 + .65*3 = 7.95
 *        q=.99: h=6.93 -> 6 + .93*3 = 8.79
 *   c(10,20), q=.9: h=.9 -> 10 + .9*10 = 19
 */
static const double k_one_to_ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static const double k_pi_digits[] = {1, 1, 2, 3, 4, 5, 6, 9};
static const double k_single[] = {42};
static const double k_pair[] = {10, 20};

typedef struct quantile_case {
    const double *x;
    size_t n;
    double q;
    double want;
} quantile_case;

static const quantile_case k_quantiles[] = {
    {k_one_to_ten, 10, 0.0, 1.0},   {k_one_to_ten, 10, 0.25, 3.25}, {k_one_to_ten, 10, 0.5, 5.5},
    {k_one_to_ten, 10, 0.75, 7.75}, {k_one_to_ten, 10, 0.9, 9.1},   {k_one_to_ten, 10, 0.95, 9.55},
    {k_one_to_ten, 10, 0.99, 9.91}, {k_one_to_ten, 10, 1.0, 10.0},  {k_one_to_ten, 10, -0.5, 1.0},
    {k_one_to_ten, 10, 1.5, 10.0},  {k_pi_digits, 8, 0.25, 1.75},   {k_pi_digits, 8, 0.5, 3.5},
    {k_pi_digits, 8, 0.9, 6.9},     {k_pi_digits, 8, 0.95, 7.95},   {k_pi_digits, 8, 0.99, 8.79},
    {k_single, 1, 0.5, 42.0},       {k_single, 1, 0.99, 42.0},      {k_pair, 2, 0.9, 19.0},
    {k_pair, 2, 0.5, 15.0},
};

START_TEST(test_quantile_matches_r_type_7_on_known_vectors)
{
    const quantile_case *c = &k_quantiles[_i];
    double got = pf_stats_quantile_sorted(c->x, c->n, c->q);
    ck_assert_msg(fabs(got - c->want) < 1e-12, "case %d: quantile(n=%zu, q=%g) = %.17g, want %g",
                  _i, c->n, c->q, got, c->want);
}
END_TEST

START_TEST(test_quantile_of_an_empty_array_is_zero)
{
    ck_assert_double_eq(pf_stats_quantile_sorted(NULL, 0, 0.5), 0.0);
    ck_assert_double_eq(pf_stats_median(NULL, 0), 0.0);
}
END_TEST

/* 2 4 4 4 5 5 7 9: sum 40, mean 5; squared deviations 9+1+1+1+0+0+4+16 = 32,
 * so the sample sd is sqrt(32/7) = 2.1380899352993950 (the population sd
 * would be 2). median (4+5)/2 = 4.5; p90: h=6.3 -> 7+.3*2 = 7.6;
 * p95: h=6.65 -> 8.3; p99: h=6.93 -> 8.86. Given unsorted. */
START_TEST(test_summary_of_a_known_vector_has_mean_5_and_sample_sd_sqrt_32_over_7)
{
    const double x[] = {5, 9, 4, 2, 4, 7, 4, 5};
    pf_summary s;
    pf_stats_summarize(x, N_OF(x), &s);
    ck_assert_uint_eq(s.n, 8);
    ck_assert_near(s.min, 2.0, 1e-15);
    ck_assert_near(s.max, 9.0, 1e-15);
    ck_assert_near(s.mean, 5.0, 1e-15);
    ck_assert_near(s.stddev, sqrt(32.0 / 7.0), 1e-14);
    ck_assert_near(s.stddev, 2.1380899352993950, 1e-14);
    ck_assert_near(s.median, 4.5, 1e-15);
    ck_assert_near(s.p90, 7.6, 1e-14);
    ck_assert_near(s.p95, 8.3, 1e-14);
    ck_assert_near(s.p99, 8.86, 1e-14);
}
END_TEST

START_TEST(test_summary_does_not_modify_its_input)
{
    double x[] = {3, 1, 4, 1, 5, 9, 2, 6};
    double copy[N_OF(x)];
    memcpy(copy, x, sizeof x);
    pf_summary s;
    pf_stats_summarize(x, N_OF(x), &s);
    ck_assert_int_eq(memcmp(x, copy, sizeof x), 0);
    ck_assert_near(s.median, 3.5, 1e-15);
    ck_assert_near(pf_stats_median(x, N_OF(x)), 3.5, 1e-15);
    ck_assert_int_eq(memcmp(x, copy, sizeof x), 0);
}
END_TEST

START_TEST(test_summary_of_empty_input_is_all_zero)
{
    pf_summary s;
    memset(&s, 0xAB, sizeof s);
    pf_stats_summarize(NULL, 0, &s);
    pf_summary zero;
    memset(&zero, 0, sizeof zero);
    ck_assert_int_eq(memcmp(&s, &zero, sizeof s), 0);
}
END_TEST

START_TEST(test_summary_of_one_value_has_zero_stddev)
{
    const double x[] = {7.25};
    pf_summary s;
    pf_stats_summarize(x, 1, &s);
    ck_assert_uint_eq(s.n, 1);
    ck_assert_double_eq(s.stddev, 0.0);
    ck_assert_double_eq(s.mean, 7.25);
    ck_assert_double_eq(s.p99, 7.25);
}
END_TEST

/* Timings in nanoseconds share a large offset. Deviations from the mean
 * 1e9+10 are -6 -3 3 6: sample variance (36+9+9+36)/3 = 30. The naive
 * (sum x^2 - n mean^2)/(n-1) loses every digit here. */
START_TEST(test_summary_stddev_survives_a_large_common_offset)
{
    const double x[] = {1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
    pf_summary s;
    pf_stats_summarize(x, N_OF(x), &s);
    ck_assert_near(s.mean, 1e9 + 10, 1e-15);
    ck_assert_near(s.stddev, sqrt(30.0), 1e-9);
}
END_TEST

typedef struct median_case {
    double x[6];
    size_t n;
    double want;
} median_case;

static const median_case k_medians[] = {
    {{5}, 1, 5},
    {{2, 1}, 2, 1.5},
    {{3, 1, 2}, 3, 2},
    {{4, 1, 3, 2}, 4, 2.5},
    {{1, 1, 1, 1}, 4, 1},
    {{-3, 10, -3, 10, 0}, 5, 0},
    {{6, 5, 4, 3, 2, 1}, 6, 3.5},
};

START_TEST(test_median_of_odd_and_even_lengths)
{
    const median_case *c = &k_medians[_i];
    ck_assert_near(pf_stats_median(c->x, c->n), c->want, 1e-15);
}
END_TEST

/* The median uses selection, not a sort: compare it with the sort on many
 * random vectors full of duplicates (the hard case for partitioning). */
START_TEST(test_median_agrees_with_sorting_on_random_vectors_with_duplicates)
{
    pf_rng r = pf_rng_stream(7, 1, 2, 3);
    double x[64], before[64], s[64];
    for (int round = 0; round < 2000; round++) {
        size_t n = 1 + (size_t)pf_rng_below(&r, 64);
        uint64_t range = 1 + pf_rng_below(&r, 20);
        for (size_t i = 0; i < n; i++)
            x[i] = (double)pf_rng_below(&r, range);
        memcpy(before, x, n * sizeof x[0]);
        memcpy(s, x, n * sizeof x[0]);
        qsort(s, n, sizeof s[0], cmp_double);
        double want = pf_stats_quantile_sorted(s, n, 0.5);
        ck_assert_msg(pf_stats_median(x, n) == want, "round %d n %zu", round, n);
        ck_assert_int_eq(memcmp(x, before, n * sizeof x[0]), 0);
    }
}
END_TEST

/* ---- Mann-Whitney ----------------------------------------------------------- */

/* Wikipedia's "Mann-Whitney U test" illustration: six tortoises and six
 * hares finish in the order T H H H H H T T T T T H. With finishing
 * positions as times, tortoises are {1,7,8,9,10,11}, hares {2,3,4,5,6,12}.
 * Hares slower than a tortoise: 6 (for the first tortoise) + 5*1 = 11, so
 * U(b=hares vs a=tortoises) = 11 and the mirror U is 36 - 11 = 25.
 * Exact, by enumerating all C(12,6) = 924 arrangements: P(U >= 11) =
 * 813/924, P(U <= 11) = 143/924, two-sided 2*143/924 = 13/42 = 0.3095 (not
 * significant: one tortoise's win is not evidence). */
START_TEST(test_mann_whitney_hare_and_tortoise_from_wikipedia)
{
    const double tortoise[] = {1, 7, 8, 9, 10, 11};
    const double hare[] = {2, 3, 4, 5, 6, 12};
    pf_rank_test t;
    ck_assert_int_eq(pf_stats_mann_whitney(tortoise, 6, hare, 6, &t), 0);
    ck_assert_double_eq(t.u, 11.0);
    ck_assert_int_eq(t.exact, 1);
    ck_assert_double_eq(t.z, 0.0);
    ck_assert_near(t.p_greater, 813.0 / 924.0, 1e-14);
    ck_assert_near(t.p_two_sided, 13.0 / 42.0, 1e-14);

    ck_assert_int_eq(pf_stats_mann_whitney(hare, 6, tortoise, 6, &t), 0);
    ck_assert_double_eq(t.u, 25.0);
    ck_assert_near(t.p_greater, 143.0 / 924.0, 1e-14);
    ck_assert_near(t.p_two_sided, 13.0 / 42.0, 1e-14);
}
END_TEST

/* Hollander and Wolfe (1973) p. 69, permeability constants of the human
 * chorioamnion, the example in R's ?wilcox.test:
 *   wilcox.test(x, y, alternative = "g")  ->  W = 35, p-value = 0.1272
 * R's W is our U with b = x, a = y. Exactly: 382 of the C(15,5) = 3003
 * arrangements have U >= 35. */
START_TEST(test_mann_whitney_hollander_wolfe_permeability_matches_r)
{
    const double x[] = {0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
    const double y[] = {1.15, 0.88, 0.90, 0.74, 1.21};
    pf_rank_test t;
    ck_assert_int_eq(pf_stats_mann_whitney(y, N_OF(y), x, N_OF(x), &t), 0);
    ck_assert_double_eq(t.u, 35.0);
    ck_assert_int_eq(t.exact, 1);
    ck_assert_near(t.p_greater, 382.0 / 3003.0, 1e-14);
    ck_assert_near(t.p_greater, 0.1272, 5e-5);
    ck_assert_near(t.p_two_sided, 764.0 / 3003.0, 1e-14);
}
END_TEST

/* Brute force: place nb b's among N = na + nb ranks in every possible way
 * (bit masks), tabulate U, and check the test's U and tail probabilities
 * for every arrangement against that table. Independent of the DP. */
typedef struct size_pair {
    int na, nb;
} size_pair;

static const size_pair k_mw_sizes[] = {
    {1, 1}, {1, 5}, {5, 1}, {2, 3}, {3, 7}, {4, 4}, {5, 5}, {6, 4}, {7, 7}, {3, 12}, {8, 6},
};

static int popcount(unsigned v)
{
    int c = 0;
    for (; v; v &= v - 1)
        c++;
    return c;
}

static int u_of_mask(unsigned mask, int n)
{
    /* b at rank positions in mask; U = pairs (a below b). */
    int u = 0, a_below = 0;
    for (int pos = 0; pos < n; pos++) {
        if (mask & (1u << pos))
            u += a_below;
        else
            a_below++;
    }
    return u;
}

START_TEST(test_mann_whitney_exact_p_matches_brute_force_enumeration)
{
    int na = k_mw_sizes[_i].na, nb = k_mw_sizes[_i].nb, n = na + nb;
    int umax = na * nb;
    double *hist = calloc((size_t)umax + 1, sizeof *hist);
    double total = 0;
    for (unsigned mask = 0; mask < (1u << n); mask++) {
        if (popcount(mask) != nb)
            continue;
        hist[u_of_mask(mask, n)] += 1;
        total += 1;
    }
    double a[32], b[32];
    for (unsigned mask = 0; mask < (1u << n); mask++) {
        if (popcount(mask) != nb)
            continue;
        int ia = 0, ib = 0;
        for (int pos = 0; pos < n; pos++) {
            /* Distinct, unevenly spaced values: only the order matters. */
            double v = pos * 1.5 + pos * pos * 0.01;
            if (mask & (1u << pos))
                b[ib++] = v;
            else
                a[ia++] = v;
        }
        int u = u_of_mask(mask, n);
        double ge = 0, le = 0;
        for (int k = 0; k <= umax; k++) {
            if (k >= u)
                ge += hist[k];
            if (k <= u)
                le += hist[k];
        }
        double p2 = 2 * fmin(ge, le) / total;
        pf_rank_test t;
        ck_assert_int_eq(pf_stats_mann_whitney(a, (size_t)na, b, (size_t)nb, &t), 0);
        ck_assert_int_eq(t.exact, 1);
        ck_assert_msg(t.u == u, "na %d nb %d mask %x: U %g want %d", na, nb, mask, t.u, u);
        ck_assert_near(t.p_greater, ge / total, 1e-13);
        ck_assert_near(t.p_two_sided, p2 < 1 ? p2 : 1, 1e-13);
    }
    free(hist);
}
END_TEST

/* At the exact limit (30 and 30, 1.2e17 arrangements) check the DP against
 * the textbook recurrence on the largest observation: it is either a b,
 * which beats all m a's (count(m, n-1, u-m)), or an a (count(m-1, n, u)).
 * Carried as probabilities so doubles suffice:
 *   P(m,n,u) = n/(m+n) P(m,n-1,u-m) + m/(m+n) P(m-1,n,u). */
static double *mw_recurrence_pmf(int m_max, int n_max)
{
    int umax = m_max * n_max;
    size_t stride = (size_t)umax + 1;
    double *prev = calloc((size_t)(n_max + 1) * stride, sizeof *prev);
    double *cur = calloc((size_t)(n_max + 1) * stride, sizeof *cur);
    for (int n = 0; n <= n_max; n++)
        prev[(size_t)n * stride] = 1.0; /* m = 0: U = 0 surely */
    for (int m = 1; m <= m_max; m++) {
        memset(cur, 0, (size_t)(n_max + 1) * stride * sizeof *cur);
        cur[0] = 1.0; /* n = 0 */
        for (int n = 1; n <= n_max; n++) {
            double pb = (double)n / (m + n), pa = (double)m / (m + n);
            for (int u = 0; u <= m * n; u++) {
                double v = pa * prev[(size_t)n * stride + (size_t)u];
                if (u >= m)
                    v += pb * cur[(size_t)(n - 1) * stride + (size_t)(u - m)];
                cur[(size_t)n * stride + (size_t)u] = v;
            }
        }
        double *t = prev;
        prev = cur;
        cur = t;
    }
    double *pmf = malloc(stride * sizeof *pmf);
    memcpy(pmf, prev + (size_t)n_max * stride, stride * sizeof *pmf);
    free(prev);
    free(cur);
    return pmf;
}

START_TEST(test_mann_whitney_exact_p_at_30_by_30_matches_the_textbook_recurrence)
{
    double *pmf = mw_recurrence_pmf(30, 30);
    double a[30], b[30];
    for (int i = 0; i < 30; i++)
        a[i] = i + 1;
    for (int shift = -12; shift <= 12; shift += 2) {
        int u = 0;
        for (int j = 0; j < 30; j++) {
            b[j] = j + 1 + shift + 0.5;
            for (int i = 0; i < 30; i++)
                u += b[j] > a[i];
        }
        double ge = 0;
        for (int k = u; k <= 900; k++)
            ge += pmf[k];
        pf_rank_test t;
        ck_assert_int_eq(pf_stats_mann_whitney(a, 30, b, 30, &t), 0);
        ck_assert_int_eq(t.exact, 1);
        ck_assert_double_eq(t.u, u);
        ck_assert_msg(fabs(t.p_greater - ge) <= 1e-12 * ge + 1e-300,
                      "shift %d: p_greater %.17g want %.17g", shift, t.p_greater, ge);
    }
    free(pmf);
}
END_TEST

START_TEST(test_mann_whitney_switches_to_the_normal_approximation_above_30)
{
    double a[31], b[31];
    for (int i = 0; i < 31; i++) {
        a[i] = i;
        b[i] = i + 0.5;
    }
    pf_rank_test t;
    ck_assert_int_eq(pf_stats_mann_whitney(a, 30, b, 30, &t), 0);
    ck_assert_int_eq(t.exact, 1);
    ck_assert_int_eq(pf_stats_mann_whitney(a, 31, b, 30, &t), 0);
    ck_assert_int_eq(t.exact, 0);
    ck_assert_int_eq(pf_stats_mann_whitney(a, 30, b, 31, &t), 0);
    ck_assert_int_eq(t.exact, 0);
}
END_TEST

/* Two samples of 40, no ties: a = 1..40, b_j = j + 5.5. Each b_j is above
 * min(40, j+5) of the a's: U = sum_{j=1..35}(j+5) + 5*40 = 805 + 200 = 1005.
 * mu = 40*40/2 = 800, sigma = sqrt(40*40*81/12) = sqrt(10800) = 103.923048.
 * z = (1005 - 800 - 0.5)/103.923048 = 1.9678021674879744,
 * p_greater = 1 - Phi(z) = 0.024545402354819, two-sided 0.049090804709638
 * (scipy.stats.mannwhitneyu(b, a, method='asymptotic') gives the same). */
START_TEST(test_mann_whitney_normal_approximation_for_two_samples_of_40)
{
    double a[40], b[40];
    for (int j = 1; j <= 40; j++) {
        a[j - 1] = j;
        b[j - 1] = j + 5.5;
    }
    pf_rank_test t;
    ck_assert_int_eq(pf_stats_mann_whitney(a, 40, b, 40, &t), 0);
    ck_assert_int_eq(t.exact, 0);
    ck_assert_double_eq(t.u, 1005.0);
    ck_assert_near(t.z, 1.9678021674879744, 1e-12);
    ck_assert_rel(t.p_greater, 0.024545402354819, 1e-10);
    ck_assert_rel(t.p_two_sided, 0.049090804709638, 1e-10);

    /* Mirrored: U = 1600 - 1005 = 595, z negative, same two-sided p. */
    ck_assert_int_eq(pf_stats_mann_whitney(b, 40, a, 40, &t), 0);
    ck_assert_double_eq(t.u, 595.0);
    ck_assert_near(t.z, -1.9678021674879744, 1e-12);
    ck_assert_rel(t.p_two_sided, 0.049090804709638, 1e-10);
    /* One-sided, the correction still goes towards "less extreme upwards":
     * p_greater = Phi((205 + 0.5)/sigma) = Phi(1.9774246719744681). */
    ck_assert_near(t.p_greater, 0.9760031762732923, 1e-12);
}
END_TEST

/* Ties: a = 1 2 2 3 3 3 4 5, b = 3 3 4 4 5 5 6 7 (N = 16).
 * Pair count: b=3 beats 1,2,2 and ties 3,3,3 -> 4.5 (x2 = 9); b=4 beats
 * 6, ties 1 -> 6.5 (x2 = 13); b=5 beats 7, ties 1 -> 7.5 (x2 = 15); b=6, 7
 * beat all 8 -> 16. U = 9 + 13 + 15 + 16 = 53.
 * Tie groups in the pooled sample: 2 (x2), 3 (x5), 4 (x3), 5 (x3):
 * sum(t^3 - t) = 6 + 120 + 24 + 24 = 174.
 * var = 8*8/12 * (17 - 174/(16*15)) = 86.8; sigma = 9.316651759081692.
 * z = (53 - 32 - 0.5)/sigma = 2.200361302548096, p_greater =
 * 0.013890635545560302, two-sided 0.027781271091120604. Ties force the
 * approximation even though both samples are small. */
START_TEST(test_mann_whitney_ties_use_midranks_and_a_corrected_variance)
{
    const double a[] = {1, 2, 2, 3, 3, 3, 4, 5};
    const double b[] = {3, 3, 4, 4, 5, 5, 6, 7};
    pf_rank_test t;
    ck_assert_int_eq(pf_stats_mann_whitney(a, N_OF(a), b, N_OF(b), &t), 0);
    ck_assert_int_eq(t.exact, 0);
    ck_assert_double_eq(t.u, 53.0);
    ck_assert_near(t.z, 2.200361302548096, 1e-12);
    ck_assert_rel(t.p_greater, 0.013890635545560302, 1e-10);
    ck_assert_rel(t.p_two_sided, 0.027781271091120604, 1e-10);
}
END_TEST

START_TEST(test_mann_whitney_of_all_tied_values_gives_p_of_one)
{
    const double a[] = {5, 5, 5};
    const double b[] = {5, 5, 5, 5};
    pf_rank_test t;
    ck_assert_int_eq(pf_stats_mann_whitney(a, 3, b, 4, &t), 0);
    ck_assert_double_eq(t.u, 6.0); /* every pair half */
    ck_assert_double_eq(t.z, 0.0);
    ck_assert_double_eq(t.p_two_sided, 1.0);
    ck_assert_double_eq(t.p_greater, 1.0);
}
END_TEST

START_TEST(test_mann_whitney_rejects_an_empty_sample)
{
    const double a[] = {1, 2};
    pf_rank_test t;
    ck_assert_int_eq(pf_stats_mann_whitney(a, 0, a, 2, &t), -1);
    ck_assert_int_eq(pf_stats_mann_whitney(a, 2, a, 0, &t), -1);
}
END_TEST

/* ---- Wilcoxon signed-rank ---------------------------------------------------- */

/* Hollander and Wolfe (1973) p. 29, Hamilton depression scale, the paired
 * example in R's ?wilcox.test:
 *   wilcox.test(x, y, paired = TRUE, alternative = "greater")
 *   -> V = 40, p-value = 0.01953
 * d = x - y: .952 -.147 1.022 .43 .62 .59 .49 -.08 .01; |d| ranks: .01 1,
 * .08 2, .147 3, .43 4, .49 5, .59 6, .62 7, .952 8, 1.022 9. Negative ranks
 * 2 + 3 = 5, so W+ = 45 - 5 = 40. P(W+ >= 40) = P(W+ <= 5) = subsets of
 * {1..9} summing to at most 5: {}, 1, 2, 3, 12, 4, 13, 5, 14, 23 = 10 of
 * 512 = 5/256 = 0.01953125; two-sided 0.0390625. */
START_TEST(test_wilcoxon_hollander_wolfe_depression_matches_r)
{
    const double x[] = {1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30};
    const double y[] = {0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29};
    double d[N_OF(x)];
    for (size_t i = 0; i < N_OF(x); i++)
        d[i] = x[i] - y[i];
    pf_rank_test t;
    ck_assert_int_eq(pf_stats_wilcoxon_signed_rank(d, N_OF(d), &t), 0);
    ck_assert_int_eq(t.exact, 1);
    ck_assert_double_eq(t.u, 40.0);
    ck_assert_near(t.p_greater, 5.0 / 256.0, 1e-15);
    ck_assert_near(t.p_two_sided, 10.0 / 256.0, 1e-15);
}
END_TEST

/* Every sign pattern of magnitudes 1..n (shuffled order), n = 1..14,
 * against a table built by enumerating the 2^n patterns. */
START_TEST(test_wilcoxon_exact_p_matches_brute_force_over_all_sign_patterns)
{
    int n = _i; /* 1..14 */
    int wmax = n * (n + 1) / 2;
    double hist[106] = {0};
    for (unsigned mask = 0; mask < (1u << n); mask++) {
        int w = 0;
        for (int k = 0; k < n; k++)
            if (mask & (1u << k))
                w += k + 1;
        hist[w] += 1;
    }
    double total = (double)(1u << n);
    double d[14];
    for (unsigned mask = 0; mask < (1u << n); mask++) {
        int w = 0;
        for (int k = 0; k < n; k++) {
            /* Magnitudes 1..n out of order ((5k mod n) + 1 permutes them
             * when 5 does not divide n; plain order otherwise). */
            int mag = (n % 5 == 0) ? k + 1 : (k * 5) % n + 1;
            int positive = (mask >> k) & 1u;
            d[k] = positive ? mag * 0.7 : -mag * 0.7;
            if (positive)
                w += mag;
        }
        double ge = 0, le = 0;
        for (int k = 0; k <= wmax; k++) {
            if (k >= w)
                ge += hist[k];
            if (k <= w)
                le += hist[k];
        }
        double p2 = 2 * fmin(ge, le) / total;
        pf_rank_test t;
        ck_assert_int_eq(pf_stats_wilcoxon_signed_rank(d, (size_t)n, &t), 0);
        ck_assert_int_eq(t.exact, 1);
        ck_assert_msg(t.u == w, "n %d mask %x: W+ %g want %d", n, mask, t.u, w);
        ck_assert_near(t.p_greater, ge / total, 1e-14);
        ck_assert_near(t.p_two_sided, p2 < 1 ? p2 : 1, 1e-14);
    }
}
END_TEST

/* 40 differences d_i = i, negated when 3 divides i (3, 6, ..., 39: sum
 * 3*(1+...+13) = 273). W+ = 820 - 273 = 547; mu = 40*41/4 = 410;
 * var = 40*41*81/24 = 5535, sd = 74.39758060582346;
 * z = (547 - 410 - 0.5)/sd = 1.8347370826910394, p_greater =
 * 0.03327232748429075, two-sided 0.0665446549685815. */
START_TEST(test_wilcoxon_normal_approximation_for_40_differences)
{
    double d[40];
    for (int i = 1; i <= 40; i++)
        d[i - 1] = (i % 3 == 0) ? -i : i;
    pf_rank_test t;
    ck_assert_int_eq(pf_stats_wilcoxon_signed_rank(d, 40, &t), 0);
    ck_assert_int_eq(t.exact, 0);
    ck_assert_double_eq(t.u, 547.0);
    ck_assert_near(t.z, 1.8347370826910394, 1e-12);
    ck_assert_rel(t.p_greater, 0.03327232748429075, 1e-10);
    ck_assert_rel(t.p_two_sided, 0.0665446549685815, 1e-10);
}
END_TEST

/* d = 1 1 -2 3 3 3 4 -5 0 6 -1 2.5: the zero is dropped (n' = 11).
 * |d| sorted: 1 1 1 (ranks 1-3 -> 2), 2 (4), 2.5 (5), 3 3 3 (6-8 -> 7), 4 (9),
 * 5 (10), 6 (11). W+ = 2+2 + 7+7+7 + 9 + 11 + 5 = 50. Two groups of three:
 * sum(t^3 - t) = 48. mu = 11*12/4 = 33; var = 11*12*23/24 - 48/48 = 125.5,
 * sd = 11.20267825120404; z = (50 - 33 - 0.5)/sd = 1.4728620808355908,
 * p_greater = 0.07039411425741703, two-sided 0.14078822851483405. */
START_TEST(test_wilcoxon_drops_zeros_and_corrects_for_ties)
{
    const double d[] = {1, 1, -2, 3, 3, 3, 4, -5, 0, 6, -1, 2.5};
    pf_rank_test t;
    ck_assert_int_eq(pf_stats_wilcoxon_signed_rank(d, N_OF(d), &t), 0);
    ck_assert_int_eq(t.exact, 0);
    ck_assert_double_eq(t.u, 50.0);
    ck_assert_near(t.z, 1.4728620808355908, 1e-12);
    ck_assert_rel(t.p_greater, 0.07039411425741703, 1e-10);
    ck_assert_rel(t.p_two_sided, 0.14078822851483405, 1e-10);
}
END_TEST

/* Zeros do not count towards the exact limit: 30 non-zero untied
 * differences plus zeros is still exact; 31 is not. */
START_TEST(test_wilcoxon_exact_limit_counts_non_zero_differences)
{
    double d[40];
    for (int i = 0; i < 40; i++)
        d[i] = i < 30 ? (double)(i + 1) : 0.0;
    pf_rank_test t;
    ck_assert_int_eq(pf_stats_wilcoxon_signed_rank(d, 40, &t), 0);
    ck_assert_int_eq(t.exact, 1);
    ck_assert_double_eq(t.u, 465.0);
    ck_assert_near(t.p_greater, 1.0 / 1073741824.0, 1e-15); /* only the all-positive pattern */
    d[30] = 31;
    ck_assert_int_eq(pf_stats_wilcoxon_signed_rank(d, 40, &t), 0);
    ck_assert_int_eq(t.exact, 0);
}
END_TEST

START_TEST(test_wilcoxon_of_all_zero_differences_gives_p_of_one)
{
    const double d[] = {0, 0, 0};
    pf_rank_test t;
    ck_assert_int_eq(pf_stats_wilcoxon_signed_rank(d, 3, &t), 0);
    ck_assert_double_eq(t.u, 0.0);
    ck_assert_double_eq(t.p_greater, 1.0);
    ck_assert_double_eq(t.p_two_sided, 1.0);
}
END_TEST

START_TEST(test_wilcoxon_rejects_empty_input)
{
    pf_rank_test t;
    ck_assert_int_eq(pf_stats_wilcoxon_signed_rank(NULL, 0, &t), -1);
}
END_TEST

/* ---- bootstrap ---------------------------------------------------------------- */

/* Lognormal "timings" around e^4.6 ~ 100 with 10% spread. */
static void timings(uint64_t seed, double *x, size_t n)
{
    pf_rng r = pf_rng_stream(seed, 99, 0, 0);
    for (size_t i = 0; i < n; i++)
        x[i] = pf_rng_lognormal(&r, 4.6, 0.1);
}

START_TEST(test_bootstrap_of_identical_samples_has_ratio_1_and_covers_1)
{
    double a[51];
    timings(1, a, N_OF(a));
    pf_ratio_ci ci;
    ck_assert_int_eq(pf_stats_bootstrap_median_ratio(a, N_OF(a), a, N_OF(a), 2000, 0.95, 42, &ci),
                     0);
    ck_assert_double_eq(ci.ratio, 1.0);
    ck_assert_msg(ci.lo < 1.0 && ci.hi > 1.0, "[%g, %g] should contain 1", ci.lo, ci.hi);
    /* 10% noise, 51 runs: the interval is a few percent wide, not wild. */
    ck_assert_msg(ci.lo > 0.9 && ci.hi < 1.1, "[%g, %g] too wide", ci.lo, ci.hi);
}
END_TEST

START_TEST(test_paired_bootstrap_of_identical_samples_is_exactly_1)
{
    double a[40];
    timings(2, a, N_OF(a));
    pf_ratio_ci ci;
    ck_assert_int_eq(pf_stats_bootstrap_paired_median_ratio(a, a, N_OF(a), 500, 0.95, 42, &ci), 0);
    ck_assert_double_eq(ci.ratio, 1.0);
    ck_assert_double_eq(ci.lo, 1.0);
    ck_assert_double_eq(ci.hi, 1.0);
}
END_TEST

START_TEST(test_bootstrap_of_a_30_percent_slower_sample_excludes_1)
{
    double a[40], b[40];
    timings(3, a, N_OF(a));
    for (size_t i = 0; i < N_OF(a); i++)
        b[i] = 1.3 * a[i];
    pf_ratio_ci ci;
    ck_assert_int_eq(pf_stats_bootstrap_median_ratio(a, 40, b, 40, 2000, 0.95, 7, &ci), 0);
    ck_assert_near(ci.ratio, 1.3, 1e-12);
    ck_assert_msg(ci.lo > 1.0, "lo %g should exclude 1", ci.lo);
    ck_assert_msg(ci.lo < 1.3 && ci.hi > 1.3, "[%g, %g] should contain 1.3", ci.lo, ci.hi);

    /* Paired: every resampled ratio is 1.3 up to rounding. */
    ck_assert_int_eq(pf_stats_bootstrap_paired_median_ratio(a, b, 40, 2000, 0.95, 7, &ci), 0);
    ck_assert_near(ci.ratio, 1.3, 1e-12);
    ck_assert_near(ci.lo, 1.3, 1e-12);
    ck_assert_near(ci.hi, 1.3, 1e-12);
}
END_TEST

START_TEST(test_bootstrap_is_deterministic_for_a_seed)
{
    double a[30], b[30];
    timings(4, a, 30);
    timings(5, b, 30);
    pf_ratio_ci x, y, z;
    ck_assert_int_eq(pf_stats_bootstrap_median_ratio(a, 30, b, 30, 1000, 0.9, 123, &x), 0);
    ck_assert_int_eq(pf_stats_bootstrap_median_ratio(a, 30, b, 30, 1000, 0.9, 123, &y), 0);
    ck_assert_int_eq(pf_stats_bootstrap_median_ratio(a, 30, b, 30, 1000, 0.9, 124, &z), 0);
    ck_assert_double_eq(x.lo, y.lo);
    ck_assert_double_eq(x.hi, y.hi);
    ck_assert_double_eq(x.ratio, z.ratio);
    ck_assert_msg(x.lo != z.lo || x.hi != z.hi, "seeds 123 and 124 gave the same interval");

    ck_assert_int_eq(pf_stats_bootstrap_paired_median_ratio(a, b, 30, 1000, 0.9, 123, &x), 0);
    ck_assert_int_eq(pf_stats_bootstrap_paired_median_ratio(a, b, 30, 1000, 0.9, 123, &y), 0);
    ck_assert_int_eq(pf_stats_bootstrap_paired_median_ratio(a, b, 30, 1000, 0.9, 124, &z), 0);
    ck_assert_double_eq(x.lo, y.lo);
    ck_assert_double_eq(x.hi, y.hi);
    ck_assert_msg(x.lo != z.lo || x.hi != z.hi, "seeds 123 and 124 gave the same interval");
}
END_TEST

START_TEST(test_bootstrap_interval_widens_with_confidence)
{
    double a[30], b[30];
    timings(6, a, 30);
    timings(7, b, 30);
    pf_ratio_ci c50, c95;
    ck_assert_int_eq(pf_stats_bootstrap_median_ratio(a, 30, b, 30, 2000, 0.5, 9, &c50), 0);
    ck_assert_int_eq(pf_stats_bootstrap_median_ratio(a, 30, b, 30, 2000, 0.95, 9, &c95), 0);
    /* Same seed, same resampled ratios: the 50% interval nests inside. */
    ck_assert(c95.lo < c50.lo);
    ck_assert(c50.hi < c95.hi);
}
END_TEST

/* Pairs share a run-to-run drift much larger than the noise: unpaired, the
 * drift swamps a 5% slowdown; resampling whole pairs cancels it, so the
 * paired interval must be much narrower and exclude 1. This fails if the
 * paired version draws a and b indices independently. */
START_TEST(test_paired_bootstrap_uses_the_pairing)
{
    double a[40], b[40];
    pf_rng r = pf_rng_stream(11, 0, 0, 0);
    for (int i = 0; i < 40; i++) {
        double drift = 50.0 + 150.0 * pf_rng_uniform(&r);
        a[i] = drift * (1.0 + 0.01 * pf_rng_normal(&r));
        b[i] = 1.05 * drift * (1.0 + 0.01 * pf_rng_normal(&r));
    }
    pf_ratio_ci un, pa;
    ck_assert_int_eq(pf_stats_bootstrap_median_ratio(a, 40, b, 40, 2000, 0.95, 1, &un), 0);
    ck_assert_int_eq(pf_stats_bootstrap_paired_median_ratio(a, b, 40, 2000, 0.95, 1, &pa), 0);
    ck_assert_msg(un.lo < 1.0, "unpaired [%g, %g] unexpectedly excludes 1", un.lo, un.hi);
    ck_assert_msg(pa.lo > 1.0 && pa.hi < 1.1, "paired [%g, %g]", pa.lo, pa.hi);
    ck_assert(pa.hi - pa.lo < (un.hi - un.lo) / 5);
}
END_TEST

/* P(Binomial(n, p) >= m), summed in log space (n is about a thousand). */
static double binomial_upper_tail(int n, double p, int m)
{
    if (p >= 1.0)
        return 1.0;
    double sum = 0.0;
    for (int k = m; k <= n; k++)
        sum += exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) + k * log(p) +
                   (n - k) * log1p(-p));
    return sum;
}

/* The interval must be the (1-c)/2 and (1+c)/2 points of the bootstrap
 * distribution, which is known exactly here. With a constant, the ratio is
 * median(b*)/100. b is the grid x_k = 100 + 0.02(k-1), k = 1..1001, and
 * the median of 1001 draws is <= x_k exactly when at least 501 draws fall
 * among the k smallest: P = P(Bin(1001, k/1001) >= 501). The 2.5% and
 * 97.5% points of that distribution are about 110 -+ 1.96*0.316 (the
 * median's standard error for a uniform on [100,120] is 10/sqrt(1001)).
 * 10000 resamples estimate each within ~0.01, so a tolerance of 0.03
 * (1.5 grid steps) is safe, while a 90% interval in place of a 95% one
 * would be off by 0.315 * 0.316 = 0.1. */
START_TEST(test_bootstrap_interval_matches_the_exact_bootstrap_distribution_of_a_median)
{
    enum { N = 1001 };
    static double a[N], b[N];
    for (int k = 1; k <= N; k++) {
        a[k - 1] = 100.0;
        b[k - 1] = 100.0 + 0.02 * (k - 1);
    }
    double want_lo = 0, want_hi = 0;
    for (int k = 1; k <= N; k++) {
        double cdf = binomial_upper_tail(N, (double)k / N, (N + 1) / 2);
        if (want_lo == 0 && cdf >= 0.025)
            want_lo = b[k - 1];
        if (want_hi == 0 && cdf >= 0.975)
            want_hi = b[k - 1];
    }
    ck_assert_near(want_lo, 110.0 - 1.96 * 10.0 / sqrt(N), 0.03 / 110);
    ck_assert_near(want_hi, 110.0 + 1.96 * 10.0 / sqrt(N), 0.03 / 110);

    pf_ratio_ci ci;
    ck_assert_int_eq(pf_stats_bootstrap_median_ratio(a, N, b, N, 10000, 0.95, 3, &ci), 0);
    ck_assert_near(ci.ratio, 1.10, 1e-12);
    ck_assert_msg(fabs(100 * ci.lo - want_lo) <= 0.03, "lo %.5f want %.5f", 100 * ci.lo, want_lo);
    ck_assert_msg(fabs(100 * ci.hi - want_hi) <= 0.03, "hi %.5f want %.5f", 100 * ci.hi, want_hi);
}
END_TEST

typedef struct bad_bootstrap {
    const char *name;
    size_t na, nb;
    int resamples;
    double confidence;
    int zero_in_a;
} bad_bootstrap;

static const bad_bootstrap k_bad_bootstrap[] = {
    {"empty a", 0, 5, 100, 0.95, 0},         {"empty b", 5, 0, 100, 0.95, 0},
    {"no resamples", 5, 5, 0, 0.95, 0},      {"negative resamples", 5, 5, -3, 0.95, 0},
    {"confidence 0", 5, 5, 100, 0.0, 0},     {"confidence 1", 5, 5, 100, 1.0, 0},
    {"confidence NaN", 5, 5, 100, NAN, 0},   {"a zero in a", 5, 5, 100, 0.95, 1},
};

START_TEST(test_bootstrap_rejects_bad_arguments)
{
    const bad_bootstrap *c = &k_bad_bootstrap[_i];
    double a[5] = {1, 2, 3, 4, 5}, b[5] = {1, 2, 3, 4, 5};
    if (c->zero_in_a)
        a[2] = 0.0;
    pf_ratio_ci ci = {-7, -7, -7};
    ck_assert_msg(pf_stats_bootstrap_median_ratio(a, c->na, b, c->nb, c->resamples, c->confidence,
                                                  1, &ci) == -1,
                  "%s: accepted", c->name);
    ck_assert_double_eq(ci.ratio, -7);
    if (c->na == c->nb)
        ck_assert_msg(pf_stats_bootstrap_paired_median_ratio(a, b, c->na, c->resamples,
                                                             c->confidence, 1, &ci) == -1,
                      "%s: paired accepted", c->name);
}
END_TEST

/* ---- normal distribution ------------------------------------------------------ */

typedef struct norm_point {
    double z, p;
} norm_point;

/* Phi(z) = erfc(-z/sqrt 2)/2, values from an independent erfc. */
static const norm_point k_cdf[] = {
    {0.0, 0.5},
    {1.96, 0.9750021048517795},
    {-1.96, 0.024997895148220435},
    {1.0, 0.8413447460685429},
    {-3.0, 0.0013498980316300957},
    {-8.0, 6.220960574271819e-16},
    {-20.0, 2.7536241186063314e-89},
};

START_TEST(test_norm_cdf_at_known_points)
{
    const norm_point *c = &k_cdf[_i];
    ck_assert_rel(pf_stats_norm_cdf(c->z), c->p, 1e-13);
}
END_TEST

/* Quantiles from R's qnorm / Python's NormalDist.inv_cdf. */
static const norm_point k_quantile[] = {
    {1.9599639845400536, 0.975}, {0.0, 0.5},
    {-1.6448536269514726, 0.05}, {-6.361340902404056, 1e-10},
    {3.090232306167813, 0.999},  {-37.0470962993612, 1e-300},
    {-0.5244005127080407, 0.3},  {0.5244005127080407, 0.7},
};

START_TEST(test_norm_quantile_at_known_points)
{
    const norm_point *c = &k_quantile[_i];
    ck_assert_near(pf_stats_norm_quantile(c->p), c->z, 1e-14);
}
END_TEST

START_TEST(test_norm_quantile_inverts_the_cdf)
{
    /* Up to z = 5: above that Phi(z) is within 3e-7 of 1 and the rounding
     * of p, not the inverse, dominates. */
    for (double z = -30.0; z <= 5.0; z += 0.125) {
        double back = pf_stats_norm_quantile(pf_stats_norm_cdf(z));
        ck_assert_msg(fabs(back - z) <= 1e-9 * fmax(1.0, fabs(z)), "z %g -> %.17g", z, back);
    }
    for (double p = 0.001; p < 1.0; p += 0.001) {
        double back = pf_stats_norm_cdf(pf_stats_norm_quantile(p));
        ck_assert_msg(fabs(back - p) <= 1e-14, "p %g -> %.17g", p, back);
    }
}
END_TEST

START_TEST(test_norm_quantile_of_0_and_1_is_infinite)
{
    ck_assert(isinf(pf_stats_norm_quantile(0.0)) && pf_stats_norm_quantile(0.0) < 0);
    ck_assert(isinf(pf_stats_norm_quantile(1.0)) && pf_stats_norm_quantile(1.0) > 0);
    ck_assert(isnan(pf_stats_norm_quantile(NAN)));
}
END_TEST

/* ---- Hodges-Lehmann ------------------------------------------------------------ */

/* a = 1 2 3, b = 2 4 6.
 * b - a over all 9 pairs: 1 3 5 / 0 2 4 / -1 1 3 -> sorted -1 0 1 1 2 3 3 4 5, median 2.
 * b / a: 2 4 6 / 1 2 3 / .667 1.333 2 -> sorted .667 1 1.333 2 2 2 3 4 6, median 2. */
START_TEST(test_hodges_lehmann_of_small_samples_worked_by_hand)
{
    const double a[] = {1, 2, 3};
    const double b[] = {2, 4, 6};
    ck_assert_near(pf_stats_hodges_lehmann_shift(a, 3, b, 3), 2.0, 1e-15);
    ck_assert_near(pf_stats_hodges_lehmann_ratio(a, 3, b, 3), 2.0, 1e-15);
    /* Even number of pairs (2 x 2): b/a = 3 1.5 / 5 2.5 -> median (2.5+3)/2. */
    const double a2[] = {2, 4};
    const double b2[] = {6, 10};
    ck_assert_near(pf_stats_hodges_lehmann_ratio(a2, 2, b2, 2), 2.75, 1e-15);
}
END_TEST

START_TEST(test_hodges_lehmann_ratio_of_a_scaled_sample_is_the_scale)
{
    double a[25], b[25];
    timings(8, a, 25);
    for (int i = 0; i < 25; i++)
        b[i] = 1.3 * a[i];
    ck_assert_near(pf_stats_hodges_lehmann_ratio(a, 25, b, 25), 1.3, 0.05);
    ck_assert_near(pf_stats_hodges_lehmann_ratio(a, 25, a, 25), 1.0, 1e-15);
    ck_assert_near(pf_stats_hodges_lehmann_shift(a, 25, a, 25), 0.0, 1e-15);
}
END_TEST

START_TEST(test_hodges_lehmann_of_an_empty_sample_is_nan)
{
    const double a[] = {1};
    ck_assert(isnan(pf_stats_hodges_lehmann_ratio(a, 1, a, 0)));
    ck_assert(isnan(pf_stats_hodges_lehmann_shift(a, 0, a, 1)));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stats");

    TCase *tc = tcase_create("summary");
    tcase_add_loop_test(tc, test_quantile_matches_r_type_7_on_known_vectors, 0,
                        (int)N_OF(k_quantiles));
    tcase_add_test(tc, test_quantile_of_an_empty_array_is_zero);
    tcase_add_test(tc, test_summary_of_a_known_vector_has_mean_5_and_sample_sd_sqrt_32_over_7);
    tcase_add_test(tc, test_summary_does_not_modify_its_input);
    tcase_add_test(tc, test_summary_of_empty_input_is_all_zero);
    tcase_add_test(tc, test_summary_of_one_value_has_zero_stddev);
    tcase_add_test(tc, test_summary_stddev_survives_a_large_common_offset);
    tcase_add_loop_test(tc, test_median_of_odd_and_even_lengths, 0, (int)N_OF(k_medians));
    tcase_add_test(tc, test_median_agrees_with_sorting_on_random_vectors_with_duplicates);
    suite_add_tcase(s, tc);

    tc = tcase_create("mann_whitney");
    tcase_add_test(tc, test_mann_whitney_hare_and_tortoise_from_wikipedia);
    tcase_add_test(tc, test_mann_whitney_hollander_wolfe_permeability_matches_r);
    tcase_add_loop_test(tc, test_mann_whitney_exact_p_matches_brute_force_enumeration, 0,
                        (int)N_OF(k_mw_sizes));
    tcase_add_test(tc, test_mann_whitney_exact_p_at_30_by_30_matches_the_textbook_recurrence);
    tcase_add_test(tc, test_mann_whitney_switches_to_the_normal_approximation_above_30);
    tcase_add_test(tc, test_mann_whitney_normal_approximation_for_two_samples_of_40);
    tcase_add_test(tc, test_mann_whitney_ties_use_midranks_and_a_corrected_variance);
    tcase_add_test(tc, test_mann_whitney_of_all_tied_values_gives_p_of_one);
    tcase_add_test(tc, test_mann_whitney_rejects_an_empty_sample);
    suite_add_tcase(s, tc);

    tc = tcase_create("wilcoxon");
    tcase_add_test(tc, test_wilcoxon_hollander_wolfe_depression_matches_r);
    tcase_add_loop_test(tc, test_wilcoxon_exact_p_matches_brute_force_over_all_sign_patterns, 1,
                        15);
    tcase_add_test(tc, test_wilcoxon_normal_approximation_for_40_differences);
    tcase_add_test(tc, test_wilcoxon_drops_zeros_and_corrects_for_ties);
    tcase_add_test(tc, test_wilcoxon_exact_limit_counts_non_zero_differences);
    tcase_add_test(tc, test_wilcoxon_of_all_zero_differences_gives_p_of_one);
    tcase_add_test(tc, test_wilcoxon_rejects_empty_input);
    suite_add_tcase(s, tc);

    tc = tcase_create("bootstrap");
    tcase_add_test(tc, test_bootstrap_of_identical_samples_has_ratio_1_and_covers_1);
    tcase_add_test(tc, test_paired_bootstrap_of_identical_samples_is_exactly_1);
    tcase_add_test(tc, test_bootstrap_of_a_30_percent_slower_sample_excludes_1);
    tcase_add_test(tc, test_bootstrap_is_deterministic_for_a_seed);
    tcase_add_test(tc, test_bootstrap_interval_widens_with_confidence);
    tcase_add_test(tc, test_paired_bootstrap_uses_the_pairing);
    tcase_add_test(tc, test_bootstrap_interval_matches_the_exact_bootstrap_distribution_of_a_median);
    tcase_add_loop_test(tc, test_bootstrap_rejects_bad_arguments, 0, (int)N_OF(k_bad_bootstrap));
    suite_add_tcase(s, tc);

    tc = tcase_create("normal");
    tcase_add_loop_test(tc, test_norm_cdf_at_known_points, 0, (int)N_OF(k_cdf));
    tcase_add_loop_test(tc, test_norm_quantile_at_known_points, 0, (int)N_OF(k_quantile));
    tcase_add_test(tc, test_norm_quantile_inverts_the_cdf);
    tcase_add_test(tc, test_norm_quantile_of_0_and_1_is_infinite);
    suite_add_tcase(s, tc);

    tc = tcase_create("hodges_lehmann");
    tcase_add_test(tc, test_hodges_lehmann_of_small_samples_worked_by_hand);
    tcase_add_test(tc, test_hodges_lehmann_ratio_of_a_scaled_sample_is_the_scale);
    tcase_add_test(tc, test_hodges_lehmann_of_an_empty_sample_is_nan);
    suite_add_tcase(s, tc);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
