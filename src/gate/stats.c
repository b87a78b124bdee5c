/* Statistics behind the gate's verdicts: quantiles, rank tests with exact
 * small-sample distributions, bootstrap intervals of a ratio of medians and
 * the normal distribution. Everything is a pure function of its inputs. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "rng.h"

/* Up to this many observations per sample (and no ties) the rank tests use
 * the exact null distribution. At 30 the Mann-Whitney table has at most
 * 901 entries with counts below C(60,30) ~ 1.2e17, which fit an int64
 * exactly; above it the normal approximation is already good to about
 * two decimal places of p, which is all a verdict needs. */
#define EXACT_MAX 30

/* ---- sorting and selection ---------------------------------------------- */

/* Ascending, with NaN last so that qsort always sees a total order (the
 * contract leaves NaN results unspecified, but qsort must not misbehave). */
static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    if (a < b)
        return -1;
    if (a > b)
        return 1;
    if (isnan(a))
        return isnan(b) ? 0 : 1;
    return isnan(b) ? -1 : 0;
}

static double *sorted_copy(const double *x, size_t n)
{
    double *s = pf_malloc(n * sizeof *s);
    if (n > 0)
        memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    return s;
}

/* Wirth's selection: reorders x so that x[k] is the k-th smallest,
 * everything before it is <= x[k] and everything after is >= x[k].
 * Expected O(n); the bootstrap takes a median per resample, where a full
 * sort would cost a log factor for nothing. */
static double select_kth(double *x, size_t n, size_t k)
{
    size_t l = 0, m = n - 1;
    while (l < m) {
        double pivot = x[k];
        size_t i = l, j = m;
        do {
            while (x[i] < pivot)
                i++;
            while (pivot < x[j])
                j--;
            if (i <= j) {
                double t = x[i];
                x[i] = x[j];
                x[j] = t;
                i++;
                /* j can only be 0 here when i was 0 too; stop instead of
                 * wrapping the unsigned index. */
                if (j == 0)
                    break;
                j--;
            }
        } while (i <= j);
        if (j < k)
            l = i;
        if (k < i)
            m = j;
    }
    return x[k];
}

/* Median of a scratch array, which is reordered. n > 0. */
static double median_inplace(double *x, size_t n)
{
    size_t k = n / 2;
    double hi = select_kth(x, n, k);
    if (n % 2 == 1)
        return hi;
    /* After the selection x[0..k) holds the k smallest values, so the lower
     * middle is their maximum. */
    double lo = x[0];
    for (size_t i = 1; i < k; i++)
        if (x[i] > lo)
            lo = x[i];
    return lo + (hi - lo) / 2;
}

/* ---- summaries ---------------------------------------------------------- */

double pf_stats_quantile_sorted(const double *sorted, size_t n, double q)
{
    if (n == 0)
        return 0.0;
    if (!(q > 0.0)) /* also catches NaN */
        return sorted[0];
    if (q >= 1.0)
        return sorted[n - 1];
    /* Type 7 (R's default, numpy's "linear"): the one most readers will
     * reproduce when they check a report by hand. */
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo >= n - 1)
        return sorted[n - 1];
    double frac = h - (double)lo;
    return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

double pf_stats_median(const double *x, size_t n)
{
    if (n == 0)
        return 0.0;
    double *s = pf_malloc(n * sizeof *s);
    memcpy(s, x, n * sizeof *s);
    double m = median_inplace(s, n);
    free(s);
    return m;
}

void pf_stats_summarize(const double *x, size_t n, pf_summary *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return;
    double *s = sorted_copy(x, n);

    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += s[i];
    double mean = sum / (double)n;

    /* Corrected two-pass variance (Chan, Golub and LeVeque): the second sum
     * removes the rounding error of the mean. Timings in nanoseconds carry
     * a large common offset, where the textbook sum-of-squares formula
     * cancels catastrophically. */
    double ss = 0.0, comp = 0.0;
    for (size_t i = 0; i < n; i++) {
        double dev = s[i] - mean;
        ss += dev * dev;
        comp += dev;
    }
    double var = n > 1 ? (ss - comp * comp / (double)n) / (double)(n - 1) : 0.0;

    out->n = n;
    out->min = s[0];
    out->max = s[n - 1];
    out->mean = mean;
    out->stddev = var > 0.0 ? sqrt(var) : 0.0;
    out->median = pf_stats_quantile_sorted(s, n, 0.5);
    out->p90 = pf_stats_quantile_sorted(s, n, 0.90);
    out->p95 = pf_stats_quantile_sorted(s, n, 0.95);
    out->p99 = pf_stats_quantile_sorted(s, n, 0.99);
    free(s);
}

/* ---- ranking ------------------------------------------------------------ */

typedef struct ranked {
    double v;
    size_t idx; /* position in the caller's order, for a deterministic sort */
} ranked;

static int cmp_ranked(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    int c = cmp_double(&a->v, &b->v);
    if (c != 0)
        return c;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Average (mid) ranks, 1-based, of v[0..n) into rank[0..n). Returns the tie
 * term sum(t^3 - t) over groups of t equal values, which is what both
 * variance corrections need (0 means no ties). */
static double average_ranks(const double *v, size_t n, double *rank)
{
    ranked *r = pf_malloc(n * sizeof *r);
    for (size_t i = 0; i < n; i++) {
        r[i].v = v[i];
        r[i].idx = i;
    }
    qsort(r, n, sizeof *r, cmp_ranked);
    double ties = 0.0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j + 1 < n && r[j + 1].v == r[i].v)
            j++;
        /* Positions i..j (0-based) share the mean of ranks i+1..j+1; this
         * is a multiple of 1/2, so sums of ranks stay exact in a double. */
        double avg = ((double)i + (double)j) / 2.0 + 1.0;
        for (size_t k = i; k <= j; k++)
            rank[r[k].idx] = avg;
        double t = (double)(j - i + 1);
        ties += t * t * t - t;
        i = j + 1;
    }
    free(r);
    return ties;
}

/* Tail probabilities of an integer statistic from its exact null counts
 * count[0..max]: P(S >= s) and P(S <= s). */
static void exact_tails(const int64_t *count, size_t max, size_t s, double *p_ge, double *p_le)
{
    /* Counts are exact integers; sum them before the single division so
     * the only rounding is the final one. */
    uint64_t total = 0, ge = 0, le = 0;
    for (size_t k = 0; k <= max; k++) {
        uint64_t c = (uint64_t)count[k];
        total += c;
        if (k >= s)
            ge += c;
        if (k <= s)
            le += c;
    }
    *p_ge = (double)ge / (double)total;
    *p_le = (double)le / (double)total;
}

/* Fill the normal-approximation fields from a statistic s with null mean mu
 * and variance var. The continuity correction moves s half a unit towards
 * the mean (both statistics step in halves or units, and the correction
 * of 1/2 is what R and scipy use, so their p values can be compared). */
static void normal_approx(double s, double mu, double var, pf_rank_test *out)
{
    out->exact = 0;
    if (!(var > 0.0)) {
        /* Every observation tied: the statistic carries no information. */
        out->z = 0.0;
        out->p_two_sided = 1.0;
        out->p_greater = 1.0;
        return;
    }
    double sd = sqrt(var);
    double dev = s - mu;
    if (dev > 0.5)
        out->z = (dev - 0.5) / sd;
    else if (dev < -0.5)
        out->z = (dev + 0.5) / sd;
    else
        out->z = 0.0;
    /* The one-sided test always corrects towards "less extreme in the
     * greater direction", whichever side of the mean s lies on. */
    out->p_greater = pf_stats_norm_cdf(-(dev - 0.5) / sd);
    double p2 = 2.0 * pf_stats_norm_cdf(-fabs(out->z));
    out->p_two_sided = p2 < 1.0 ? p2 : 1.0;
}

static void exact_fill(const int64_t *count, size_t max, size_t s, pf_rank_test *out)
{
    double p_ge, p_le;
    exact_tails(count, max, s, &p_ge, &p_le);
    out->exact = 1;
    out->z = 0.0;
    out->p_greater = p_ge;
    /* Both null distributions are symmetric, so doubling the smaller tail
     * is the same as summing both tails beyond |s - mean|. */
    double p2 = 2.0 * (p_ge < p_le ? p_ge : p_le);
    out->p_two_sided = p2 < 1.0 ? p2 : 1.0;
}

/* ---- Mann-Whitney U ----------------------------------------------------- */

/* Null counts of U for samples of m and n without ties: count[u] is the
 * number of the C(m+n, m) arrangements with U = u. These are the
 * coefficients of the Gaussian binomial [m+n choose m]_q =
 * prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i), built one factor at a time:
 * multiplying by (1 - q^(n+i)) is a shifted subtraction and dividing by
 * (1 - q^i) a strided running sum. After each step the polynomial is
 * [n+i choose i]_q again, so every intermediate is bounded by the final
 * C(m+n, m) and the counts stay exact in int64. O(m * m * n) time.
 * Returns an array of m*n+1 counts (the tail beyond is scratch); caller
 * frees. */
static int64_t *mw_null_counts(size_t m, size_t n)
{
    size_t cap = m * n + m + n + 1;
    int64_t *c = pf_calloc(cap, sizeof *c);
    c[0] = 1;
    size_t deg = 0;
    for (size_t i = 1; i <= m; i++) {
        size_t shift = n + i;
        size_t top = deg + shift;
        for (size_t k = top; k >= shift; k--)
            c[k] -= c[k - shift];
        for (size_t k = i; k <= top; k++)
            c[k] += c[k - i];
        deg += n;
    }
    return c;
}

int pf_stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
                          pf_rank_test *out)
{
    if (na == 0 || nb == 0)
        return -1;
    size_t n = na + nb;
    double *v = pf_malloc(n * sizeof *v);
    double *rank = pf_malloc(n * sizeof *rank);
    memcpy(v, a, na * sizeof *v);
    memcpy(v + na, b, nb * sizeof *v);
    double ties = average_ranks(v, n, rank);

    /* U of b from its rank sum: the rank of b_j counts the a's below it
     * (ties 1/2) plus b_j's own rank among the b's. */
    double rank_sum_b = 0.0;
    for (size_t j = 0; j < nb; j++)
        rank_sum_b += rank[na + j];
    double u = rank_sum_b - (double)nb * ((double)nb + 1.0) / 2.0;
    free(v);
    free(rank);

    pf_rank_test r;
    memset(&r, 0, sizeof r);
    r.u = u;
    if (ties == 0.0 && na <= EXACT_MAX && nb <= EXACT_MAX) {
        /* The distribution of U is the same for (na, nb) and (nb, na);
         * iterate over the smaller size. */
        size_t small = na < nb ? na : nb, large = na < nb ? nb : na;
        int64_t *count = mw_null_counts(small, large);
        exact_fill(count, na * nb, (size_t)u, &r);
        free(count);
    } else {
        double dn = (double)n, prod = (double)na * (double)nb;
        double mu = prod / 2.0;
        /* Tie-corrected variance: ties shrink the spread of the rank sums. */
        double var = prod / 12.0 * ((dn + 1.0) - ties / (dn * (dn - 1.0)));
        normal_approx(u, mu, var, &r);
    }
    *out = r;
    return 0;
}

/* ---- Wilcoxon signed-rank ----------------------------------------------- */

/* Null counts of W+ for n untied non-zero differences: count[w] is the
 * number of subsets of {1..n} summing to w (each rank is positive with
 * probability 1/2 independently). Classic subset-sum DP; counts are at
 * most 2^n. Returns n(n+1)/2 + 1 counts; caller frees. */
static int64_t *wsr_null_counts(size_t n)
{
    size_t max = n * (n + 1) / 2;
    int64_t *c = pf_calloc(max + 1, sizeof *c);
    c[0] = 1;
    for (size_t i = 1; i <= n; i++) {
        size_t reach = i * (i + 1) / 2;
        for (size_t w = reach; w >= i; w--)
            c[w] += c[w - i];
    }
    return c;
}

int pf_stats_wilcoxon_signed_rank(const double *d, size_t n, pf_rank_test *out)
{
    if (n == 0)
        return -1;
    double *mag = pf_malloc(n * sizeof *mag);
    double *rank = pf_malloc(n * sizeof *rank);
    unsigned char *pos = pf_malloc(n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        /* A zero difference says nothing about the direction; Wilcoxon's
         * original convention drops it. */
        if (d[i] == 0.0)
            continue;
        mag[m] = fabs(d[i]);
        pos[m] = d[i] > 0.0;
        m++;
    }
    double ties = m > 0 ? average_ranks(mag, m, rank) : 0.0;
    double w = 0.0;
    for (size_t i = 0; i < m; i++)
        if (pos[i])
            w += rank[i];
    free(mag);
    free(rank);
    free(pos);

    pf_rank_test r;
    memset(&r, 0, sizeof r);
    r.u = w;
    if (ties == 0.0 && m <= EXACT_MAX) {
        int64_t *count = wsr_null_counts(m);
        exact_fill(count, m * (m + 1) / 2, (size_t)w, &r);
        free(count);
    } else {
        double dm = (double)m;
        double mu = dm * (dm + 1.0) / 4.0;
        double var = dm * (dm + 1.0) * (2.0 * dm + 1.0) / 24.0 - ties / 48.0;
        normal_approx(w, mu, var, &r);
    }
    *out = r;
    return 0;
}

/* ---- bootstrap ---------------------------------------------------------- */

static int bootstrap_args_ok(const double *a, size_t na, size_t nb, int resamples,
                             double confidence)
{
    if (na == 0 || nb == 0 || resamples < 1)
        return 0;
    if (!(confidence > 0.0 && confidence < 1.0))
        return 0;
    /* A positive a makes every resampled median of a positive, so no ratio
     * divides by zero. (The test is written so that NaN fails it too.) */
    for (size_t i = 0; i < na; i++)
        if (!(a[i] > 0.0))
            return 0;
    return 1;
}

/* Sort the resampled ratios and read the percentile interval off them. */
static void percentile_interval(double *ratios, int resamples, double confidence,
                                pf_ratio_ci *out)
{
    size_t n = (size_t)resamples;
    qsort(ratios, n, sizeof *ratios, cmp_double);
    double tail = (1.0 - confidence) / 2.0;
    out->lo = pf_stats_quantile_sorted(ratios, n, tail);
    out->hi = pf_stats_quantile_sorted(ratios, n, 1.0 - tail);
}

int pf_stats_bootstrap_median_ratio(const double *a, size_t na, const double *b, size_t nb,
                                    int resamples, double confidence, uint64_t seed,
                                    pf_ratio_ci *out)
{
    if (!bootstrap_args_ok(a, na, nb, resamples, confidence))
        return -1;
    double *sa = pf_malloc(na * sizeof *sa);
    double *sb = pf_malloc(nb * sizeof *sb);
    double *ratios = pf_malloc((size_t)resamples * sizeof *ratios);
    /* One stream, drawn in a fixed order (a's indices, then b's, round by
     * round), so the interval is a function of (data, seed) only. */
    pf_rng rng = pf_rng_stream(seed, 0, 0, 0);
    for (int r = 0; r < resamples; r++) {
        for (size_t i = 0; i < na; i++)
            sa[i] = a[pf_rng_below(&rng, na)];
        for (size_t j = 0; j < nb; j++)
            sb[j] = b[pf_rng_below(&rng, nb)];
        ratios[r] = median_inplace(sb, nb) / median_inplace(sa, na);
    }
    pf_ratio_ci ci;
    ci.ratio = pf_stats_median(b, nb) / pf_stats_median(a, na);
    percentile_interval(ratios, resamples, confidence, &ci);
    *out = ci;
    free(sa);
    free(sb);
    free(ratios);
    return 0;
}

int pf_stats_bootstrap_paired_median_ratio(const double *a, const double *b, size_t n,
                                           int resamples, double confidence, uint64_t seed,
                                           pf_ratio_ci *out)
{
    if (!bootstrap_args_ok(a, n, n, resamples, confidence))
        return -1;
    double *sa = pf_malloc(n * sizeof *sa);
    double *sb = pf_malloc(n * sizeof *sb);
    double *ratios = pf_malloc((size_t)resamples * sizeof *ratios);
    pf_rng rng = pf_rng_stream(seed, 0, 0, 0);
    for (int r = 0; r < resamples; r++) {
        for (size_t i = 0; i < n; i++) {
            /* The same index for both: pair i shares its run conditions,
             * and resampling whole pairs keeps that correlation, which is
             * what makes the paired interval narrower. */
            size_t k = (size_t)pf_rng_below(&rng, n);
            sa[i] = a[k];
            sb[i] = b[k];
        }
        ratios[r] = median_inplace(sb, n) / median_inplace(sa, n);
    }
    pf_ratio_ci ci;
    ci.ratio = pf_stats_median(b, n) / pf_stats_median(a, n);
    percentile_interval(ratios, resamples, confidence, &ci);
    *out = ci;
    free(sa);
    free(sb);
    free(ratios);
    return 0;
}

/* ---- normal distribution ------------------------------------------------ */

double pf_stats_norm_cdf(double z)
{
    /* erfc rather than 1 + erf: for z far below 0 the result is tiny and
     * 1 + erf(z / sqrt 2) would cancel to 0, while erfc keeps full
     * relative precision in the lower tail. */
    return 0.5 * erfc(-z / M_SQRT2);
}

/* Wichura, "Algorithm AS 241: The percentage points of the normal
 * distribution", Applied Statistics 37 (1988), PPND16: rational
 * approximations in three regions with relative error about 1e-16, the
 * same algorithm R's qnorm and Python's NormalDist.inv_cdf use. */
double pf_stats_norm_quantile(double p)
{
    if (isnan(p))
        return NAN;
    if (p <= 0.0)
        return -INFINITY;
    if (p >= 1.0)
        return INFINITY;
    double q = p - 0.5;
    if (fabs(q) <= 0.425) {
        double r = 0.180625 - q * q;
        double num = (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r +
                           6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r +
                         1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r +
                       1.3314166789178437745e+2) * r + 3.3871328727963666080e+0);
        double den = (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r +
                           3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r +
                         5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r +
                       4.2313330701600911252e+1) * r + 1.0);
        return q * num / den;
    }
    double r = q < 0.0 ? p : 1.0 - p;
    r = sqrt(-log(r));
    double x;
    if (r <= 5.0) {
        r -= 1.6;
        double num = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r +
                           2.41780725177450611770e-1) * r + 1.27045825245236838258e+0) * r +
                         3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r +
                       4.63033784615654529590e+0) * r + 1.42343711074968357734e+0);
        double den = (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r +
                           1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r +
                         6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r +
                       2.05319162663775882187e+0) * r + 1.0);
        x = num / den;
    } else {
        r -= 5.0;
        double num = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
                           1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r +
                         2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r +
                       5.46378491116411436990e+0) * r + 6.65790464350110377720e+0);
        double den = (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r +
                           1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r +
                         1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r +
                       5.99832206555887937690e-1) * r + 1.0);
        x = num / den;
    }
    return q < 0.0 ? -x : x;
}

/* ---- Hodges-Lehmann ----------------------------------------------------- */

/* Both estimators materialise all na*nb pairwise values and take their
 * median. The samples the gate compares are tens to a few thousand runs,
 * so the simple O(na*nb) version is preferred to the Monahan
 * O(n log n) selection algorithm. */

double pf_stats_hodges_lehmann_shift(const double *a, size_t na, const double *b, size_t nb)
{
    if (na == 0 || nb == 0)
        return NAN;
    double *w = pf_malloc(na * nb * sizeof *w);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            w[i * nb + j] = b[j] - a[i];
    double m = median_inplace(w, na * nb);
    free(w);
    return m;
}

double pf_stats_hodges_lehmann_ratio(const double *a, size_t na, const double *b, size_t nb)
{
    if (na == 0 || nb == 0)
        return NAN;
    double *w = pf_malloc(na * nb * sizeof *w);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            w[i * nb + j] = b[j] / a[i];
    double m = median_inplace(w, na * nb);
    free(w);
    return m;
}
