/* Counter-based random numbers: a value is a pure function of a key and a
 * counter, so any row of any table can be generated on its own, in any order
 * and on any thread, and always comes out the same.
 *
 *     pf_rng r = pf_rng_stream(seed, table_id, row, column_id);
 *     double u = pf_rng_uniform(&r);
 */
#ifndef PF_RNG_H
#define PF_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct pf_rng {
    uint64_t key;     /* mixes (seed, a, b, c) */
    uint64_t counter; /* draws taken from this stream */
} pf_rng;

/* The splitmix64 finaliser: a bijective 64-bit mixer. */
uint64_t pf_rng_mix(uint64_t x);
/* A 64-bit FNV-1a hash of a string (stable ids for table/column names). */
uint64_t pf_rng_hash_str(const char *s);
/* 64-bit FNV-1a of a byte range, continuing from h (start with
 * PF_RNG_HASH_INIT): checksums of generated data and spec files. */
#define PF_RNG_HASH_INIT 0xcbf29ce484222325ull
uint64_t pf_rng_hash_bytes(uint64_t h, const void *data, size_t len);
/* The stream for (seed, a, b, c); distinct tuples give independent streams. */
pf_rng pf_rng_stream(uint64_t seed, uint64_t a, uint64_t b, uint64_t c);

uint64_t pf_rng_next(pf_rng *r);
/* Uniform in [0, 1), 53 bits. */
double pf_rng_uniform(pf_rng *r);
/* Uniform integer in [0, n), unbiased; 0 when n == 0. */
uint64_t pf_rng_below(pf_rng *r, uint64_t n);
/* Standard normal (Box-Muller, one value per two draws). */
double pf_rng_normal(pf_rng *r);
/* Exponential with the given mean. */
double pf_rng_exponential(pf_rng *r, double mean);
/* Lognormal whose underlying normal has mu, sigma. */
double pf_rng_lognormal(pf_rng *r, double mu, double sigma);
/* Zipf on {1..n} with exponent s > 0 (rejection-inversion, Hörmann and
 * Derflinger 1996): O(1) per draw, no table. */
uint64_t pf_rng_zipf(pf_rng *r, uint64_t n, double s);
/* Poisson with the given mean (inversion for small means, PTRS-free normal
 * approximation with continuity correction above 500). */
uint64_t pf_rng_poisson(pf_rng *r, double mean);

#endif
