/* Counter-based RNG: output = mix(key + counter * golden), i.e. splitmix64
 * addressed by (key, counter). splitmix64 passes BigCrush and is the usual
 * seeding generator for xoshiro; addressing it by counter makes it
 * splittable. */
#include "rng.h"

#include <math.h>

#define GOLDEN 0x9E3779B97F4A7C15ull

uint64_t pf_rng_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 31;
    return x;
}

uint64_t pf_rng_hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

uint64_t pf_rng_hash_bytes(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

pf_rng pf_rng_stream(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    /* Chain the mixer so that (a, b, c) are not interchangeable. */
    uint64_t k = pf_rng_mix(seed + GOLDEN);
    k = pf_rng_mix(k ^ (a + 0x632BE59BD9B4E019ull));
    k = pf_rng_mix(k ^ (b + 0x8CB92BA72F3D8DD7ull));
    k = pf_rng_mix(k ^ (c + 0xD6E8FEB86659FD93ull));
    pf_rng r = {k, 0};
    return r;
}

uint64_t pf_rng_next(pf_rng *r)
{
    r->counter++;
    return pf_rng_mix(r->key + r->counter * GOLDEN);
}

double pf_rng_uniform(pf_rng *r)
{
    return (double)(pf_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t pf_rng_below(pf_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Lemire's multiply-shift with rejection of the biased low zone. */
    uint64_t x = pf_rng_next(r);
    __uint128_t m = (__uint128_t)x * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t t = -n % n;
        while (low < t) {
            x = pf_rng_next(r);
            m = (__uint128_t)x * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double pf_rng_normal(pf_rng *r)
{
    double u1 = pf_rng_uniform(r);
    double u2 = pf_rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double pf_rng_exponential(pf_rng *r, double mean)
{
    return -mean * log(1.0 - pf_rng_uniform(r));
}

double pf_rng_lognormal(pf_rng *r, double mu, double sigma)
{
    return exp(mu + sigma * pf_rng_normal(r));
}

/* Helpers of the rejection-inversion Zipf sampler. */
static double zipf_h(double x, double s)
{
    /* H(x) = ((x)^(1-s) - 1) / (1 - s), or log(x) when s == 1. */
    double e = 1.0 - s;
    if (fabs(e) < 1e-9)
        return log(x);
    return (exp(e * log(x)) - 1.0) / e;
}

static double zipf_h_inv(double x, double s)
{
    double e = 1.0 - s;
    if (fabs(e) < 1e-9)
        return exp(x);
    double t = x * e + 1.0;
    if (t <= 0)
        t = 1e-300;
    return exp(log(t) / e);
}

uint64_t pf_rng_zipf(pf_rng *r, uint64_t n, double s)
{
    /* As in Apache Commons RNG's RejectionInversionZipfSampler. */
    if (n <= 1)
        return 1;
    double h_x1 = zipf_h(1.5, s) - 1.0;
    double h_n = zipf_h((double)n + 0.5, s);
    double squeeze = 2.0 - zipf_h_inv(zipf_h(2.5, s) - exp(-s * log(2.0)), s);
    for (;;) {
        double u = h_n + pf_rng_uniform(r) * (h_x1 - h_n);
        double x = zipf_h_inv(u, s);
        double k = floor(x + 0.5);
        if (k < 1)
            k = 1;
        if (k > (double)n)
            k = (double)n;
        if (k - x <= squeeze || u >= zipf_h(k + 0.5, s) - exp(-s * log(k)))
            return (uint64_t)k;
    }
}

uint64_t pf_rng_poisson(pf_rng *r, double mean)
{
    if (mean <= 0)
        return 0;
    if (mean > 500) {
        double v = floor(mean + sqrt(mean) * pf_rng_normal(r) + 0.5);
        return v < 0 ? 0 : (uint64_t)v;
    }
    /* Knuth's multiplication method in log space to avoid underflow. */
    double limit = -mean, sum = 0.0;
    uint64_t k = 0;
    for (;;) {
        sum += log(1.0 - pf_rng_uniform(r));
        if (sum < limit)
            return k;
        k++;
    }
}
