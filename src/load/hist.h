/* Latency histograms with bounded memory and bounded relative error, in the
 * style of HdrHistogram: a fixed log-linear bucket layout (exact below 256,
 * then 128 buckets per power of two), so histograms recorded by different
 * threads, processes or machines merge exactly by adding counts.
 *
 *     pf_hist *h = pf_hist_new();
 *     pf_hist_record(h, elapsed_ns);
 *     uint64_t p99 = pf_hist_quantile(h, 0.99);
 *     pf_hist_free(h);
 *
 * Values are nanoseconds (any unsigned integer unit works; the JSON form
 * says "ns"). Every value from 0 to 2^43 - 1 (about 2.4 hours) is kept to
 * within 1/256 (0.39 %) of itself: a quantile is reported as the middle of
 * the bucket holding the exact nearest-rank sample, clamped to the exact
 * min and max. Larger values are counted in the top bucket (min, max and
 * sum stay exact). Memory is fixed: PF_HIST_BUCKETS counters (37 KiB).
 * A histogram is not thread-safe: one writer, or a lock around it. */
#ifndef PF_HIST_H
#define PF_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

#define PF_HIST_SUB_BITS 7                    /* 128 buckets per power of two */
#define PF_HIST_MAX_BITS 43                   /* values below 2^43 are resolved */
#define PF_HIST_BUCKETS ((PF_HIST_MAX_BITS - PF_HIST_SUB_BITS + 1) << PF_HIST_SUB_BITS) /* 4736 */
/* The layout name written into JSON; a histogram with another layout is
 * refused by pf_hist_from_json rather than merged wrongly. */
#define PF_HIST_LAYOUT "log-linear-7-43"

typedef struct pf_hist pf_hist;

/* A new, empty histogram; the caller frees it with pf_hist_free. */
pf_hist *pf_hist_new(void);
/* NULL is fine. */
void pf_hist_free(pf_hist *h);
/* Forget every recorded value. */
void pf_hist_reset(pf_hist *h);
/* A new histogram equal to h; caller frees. */
pf_hist *pf_hist_clone(const pf_hist *h);

/* Record one value, or n copies of it. */
void pf_hist_record(pf_hist *h, uint64_t v);
void pf_hist_record_n(pf_hist *h, uint64_t v, uint64_t n);
/* Add every count of src to dst (exact: the result is the histogram of
 * both sets of values). */
void pf_hist_merge(pf_hist *dst, const pf_hist *src);
/* true when both hold the same counts, min, max and sum. */
bool pf_hist_equal(const pf_hist *a, const pf_hist *b);

uint64_t pf_hist_count(const pf_hist *h);
uint64_t pf_hist_min(const pf_hist *h); /* 0 when empty */
uint64_t pf_hist_max(const pf_hist *h); /* 0 when empty */
double pf_hist_mean(const pf_hist *h);  /* 0 when empty */
/* The value at quantile q in [0, 1] (nearest rank: the ceil(q n)-th
 * smallest, at least the first), as the middle of its bucket clamped to
 * [min, max]; q = 0 gives the min, q = 1 the max. 0 when empty. */
uint64_t pf_hist_quantile(const pf_hist *h, double q);
/* How many recorded values are certainly above v (whole buckets above v's
 * bucket), so the count is exact when v is a bucket boundary and never an
 * over-count. */
uint64_t pf_hist_count_above(const pf_hist *h, uint64_t v);

/* Bucket layout, exposed for tests and serialisation: the bucket index of
 * a value, and the lowest value and width of a bucket. */
size_t pf_hist_index(uint64_t v);
uint64_t pf_hist_bucket_low(size_t index);
uint64_t pf_hist_bucket_width(size_t index);

/* Append a compact JSON object to out:
 *   {"unit":"ns","layout":"log-linear-7-43","n":N,"min":..,"max":..,"sum":..,
 *    "buckets":[index,count,index,count,...]}
 * listing only non-empty buckets, in index order. */
void pf_hist_to_json(const pf_hist *h, pf_buf *out);
/* Parse what pf_hist_to_json wrote. *out is the caller's. Errors (bad
 * JSON, another layout, counts that do not add up to n) are PF_EXIT_USAGE
 * and name origin. */
int pf_hist_from_json(const char *origin, const char *json, pf_hist **out, pf_error *err);

/* Bytes one histogram occupies (for the memory figures in reports). */
size_t pf_hist_memory(void);

#endif
