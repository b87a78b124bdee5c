/* The statistics the gate's verdicts rest on: summaries and quantiles,
 * rank tests (Mann-Whitney U, Wilcoxon signed-rank), bootstrap confidence
 * intervals of a ratio of medians, and the normal distribution. Pure
 * functions of their inputs: no I/O, no global state, deterministic. */
#ifndef PF_STATS_H
#define PF_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Inputs throughout are finite doubles; NaN or infinities give unspecified
 * (but memory-safe) results. No function keeps or frees a caller's array.
 * Scratch memory comes from pf_malloc, which aborts on out-of-memory. */

typedef struct pf_summary {
    size_t n;
    double min, max, mean, stddev; /* stddev: sample (n-1), 0 when n < 2 */
    double median, p90, p95, p99;  /* quantiles: linear interpolation, type 7 (R default) */
} pf_summary;

/* Describe x[0..n): count, extremes, mean, sample standard deviation and
 * type-7 quantiles. x is read, not modified (a sorted copy is made).
 * n == 0 sets every field to zero. */
void pf_stats_summarize(const double *x, size_t n, pf_summary *out);

/* The q-quantile of an ascending array, R's type 7: with h = (n-1)q,
 * sorted[floor h] + (h - floor h)(sorted[floor h + 1] - sorted[floor h]).
 * q is clamped to [0, 1]. Returns 0 when n == 0. */
double pf_stats_quantile_sorted(const double *sorted, size_t n, double q);

/* The median of x[0..n) (mean of the two middle values when n is even).
 * x is not modified; works on a copy. Returns 0 when n == 0. */
double pf_stats_median(const double *x, size_t n);

/* Result of a rank test. */
typedef struct pf_rank_test {
    double u;           /* the statistic: U of b (Mann-Whitney) or W+ (signed-rank) */
    double z;           /* normal approximation z (tie-corrected, continuity-corrected,
                           signed: > 0 when the statistic is above its null mean);
                           0 when exact */
    double p_two_sided; /* min(1, 2 * smaller one-sided p) */
    double p_greater;   /* one-sided p for H1: b larger than a / differences positive */
    int exact;          /* 1 when the exact null distribution was used */
} pf_rank_test;

/* Mann-Whitney U (Wilcoxon rank-sum) test of sample b against sample a.
 * u is the number of pairs (a_i, b_j) with b_j > a_i, a tie counting 1/2;
 * it ranges over [0, na*nb] and is large when b tends to be larger.
 * The exact null distribution is used when there are no ties (within or
 * across the samples) and na, nb <= 30; otherwise the normal approximation
 * with tie correction of the variance and a continuity correction of 1/2
 * (the p values then match scipy.stats.mannwhitneyu(b, a,
 * method='asymptotic')). Returns 0, or -1 (out untouched) when na or nb
 * is 0. */
int pf_stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
                          pf_rank_test *out);

/* Wilcoxon signed-rank test of paired differences d[0..n) (d = b - a, so
 * p_greater is for H1: b larger). Zero differences are dropped (Wilcoxon's
 * convention, not Pratt's); the remaining |d| are ranked with average
 * ranks for ties and u is W+, the sum of the ranks of the positive
 * differences. Exact null distribution when at most 30 non-zero
 * differences remain and their |d| has no ties; otherwise the normal
 * approximation with tie and continuity corrections. When every difference
 * is zero the result is u = 0, every p = 1, exact = 1. Returns 0, or -1
 * (out untouched) when n is 0. */
int pf_stats_wilcoxon_signed_rank(const double *d, size_t n, pf_rank_test *out);

/* A ratio with its confidence interval. */
typedef struct pf_ratio_ci {
    double ratio; /* point estimate */
    double lo, hi; /* percentile bootstrap interval */
} pf_ratio_ci;

/* Percentile bootstrap confidence interval of median(b) / median(a).
 * Each of `resamples` rounds draws na values from a and nb values from b
 * with replacement; lo and hi are the type-7 (1-confidence)/2 and
 * (1+confidence)/2 quantiles of the resampled ratios; ratio is the ratio
 * of the observed medians. Deterministic given seed (the stream is
 * pf_rng_stream(seed, 0, 0, 0)). Every value of a must be positive
 * (timings), so no resampled denominator is zero. Returns 0, or -1 (out
 * untouched) when na or nb is 0, resamples < 1, confidence is not in
 * (0, 1), or a has a value <= 0. */
int pf_stats_bootstrap_median_ratio(const double *a, size_t na, const double *b, size_t nb,
                                    int resamples, double confidence, uint64_t seed,
                                    pf_ratio_ci *out);

/* The paired version: each round draws n pair indices with replacement and
 * takes the same indices from a and b, which keeps the pairing (run i of
 * a and run i of b saw the same conditions). Same contract and errors as
 * pf_stats_bootstrap_median_ratio, with na = nb = n. */
int pf_stats_bootstrap_paired_median_ratio(const double *a, const double *b, size_t n,
                                           int resamples, double confidence, uint64_t seed,
                                           pf_ratio_ci *out);

/* Standard normal CDF, Phi(z); accurate in both tails (via erfc). */
double pf_stats_norm_cdf(double z);

/* Inverse of Phi (Wichura's AS241, relative error about 1e-16).
 * Returns -INFINITY for p <= 0, +INFINITY for p >= 1, NaN for NaN. */
double pf_stats_norm_quantile(double p);

/* Hodges-Lehmann shift estimate: the median of b_j - a_i over all na*nb
 * pairs (O(na*nb) memory). Returns NaN when na or nb is 0. */
double pf_stats_hodges_lehmann_shift(const double *a, size_t na, const double *b, size_t nb);

/* Hodges-Lehmann ratio estimate: the median of b_j / a_i over all na*nb
 * pairs (O(na*nb) memory). The values of a must be non-zero (positive
 * timings). Returns NaN when na or nb is 0. */
double pf_stats_hodges_lehmann_ratio(const double *a, size_t na, const double *b, size_t nb);

#endif
