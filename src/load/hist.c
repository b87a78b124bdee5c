/* Log-linear latency histograms. */
#include "hist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define SUB_COUNT (1u << PF_HIST_SUB_BITS) /* 128 */
#define TOP_INDEX (PF_HIST_BUCKETS - 1)

struct pf_hist {
    uint64_t n;
    uint64_t min, max;
    uint64_t sum; /* wraps after 584 years of nanoseconds: not a concern */
    uint64_t counts[PF_HIST_BUCKETS];
};

pf_hist *pf_hist_new(void)
{
    pf_hist *h = pf_calloc(1, sizeof *h);
    return h;
}

void pf_hist_free(pf_hist *h)
{
    free(h);
}

void pf_hist_reset(pf_hist *h)
{
    memset(h, 0, sizeof *h);
}

pf_hist *pf_hist_clone(const pf_hist *h)
{
    pf_hist *c = pf_malloc(sizeof *c);
    memcpy(c, h, sizeof *c);
    return c;
}

size_t pf_hist_memory(void)
{
    return sizeof(pf_hist);
}

size_t pf_hist_index(uint64_t v)
{
    if (v < 2 * SUB_COUNT)
        return (size_t)v;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - PF_HIST_SUB_BITS;
    size_t idx = ((size_t)shift << PF_HIST_SUB_BITS) + (size_t)(v >> shift);
    return idx > TOP_INDEX ? TOP_INDEX : idx;
}

uint64_t pf_hist_bucket_low(size_t index)
{
    if (index < 2 * SUB_COUNT)
        return index;
    int shift = (int)(index >> PF_HIST_SUB_BITS) - 1;
    uint64_t sub = (index & (SUB_COUNT - 1)) + SUB_COUNT;
    return sub << shift;
}

uint64_t pf_hist_bucket_width(size_t index)
{
    if (index < 2 * SUB_COUNT)
        return 1;
    return 1ull << ((index >> PF_HIST_SUB_BITS) - 1);
}

void pf_hist_record_n(pf_hist *h, uint64_t v, uint64_t n)
{
    if (n == 0)
        return;
    if (h->n == 0 || v < h->min)
        h->min = v;
    if (h->n == 0 || v > h->max)
        h->max = v;
    h->n += n;
    h->sum += v * n;
    h->counts[pf_hist_index(v)] += n;
}

void pf_hist_record(pf_hist *h, uint64_t v)
{
    pf_hist_record_n(h, v, 1);
}

void pf_hist_merge(pf_hist *dst, const pf_hist *src)
{
    if (src->n == 0)
        return;
    if (dst->n == 0 || src->min < dst->min)
        dst->min = src->min;
    if (dst->n == 0 || src->max > dst->max)
        dst->max = src->max;
    dst->n += src->n;
    dst->sum += src->sum;
    for (size_t i = 0; i < PF_HIST_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
}

bool pf_hist_equal(const pf_hist *a, const pf_hist *b)
{
    return a->n == b->n && a->min == b->min && a->max == b->max && a->sum == b->sum &&
           memcmp(a->counts, b->counts, sizeof a->counts) == 0;
}

uint64_t pf_hist_count(const pf_hist *h)
{
    return h->n;
}

uint64_t pf_hist_min(const pf_hist *h)
{
    return h->min;
}

uint64_t pf_hist_max(const pf_hist *h)
{
    return h->max;
}

double pf_hist_mean(const pf_hist *h)
{
    return h->n ? (double)h->sum / (double)h->n : 0;
}

uint64_t pf_hist_quantile(const pf_hist *h, double q)
{
    if (h->n == 0)
        return 0;
    if (!(q > 0))
        return h->min;
    if (q >= 1)
        return h->max;
    /* Nearest rank; the epsilon keeps 0.99 * 100 from becoming rank 100
     * through rounding of the product. */
    double r = ceil(q * (double)h->n - 1e-9);
    uint64_t rank = r < 1 ? 1 : (uint64_t)r;
    if (rank > h->n)
        rank = h->n;
    uint64_t seen = 0;
    for (size_t i = 0; i < PF_HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t v = pf_hist_bucket_low(i) + pf_hist_bucket_width(i) / 2;
            if (v < h->min)
                v = h->min;
            if (v > h->max)
                v = h->max;
            return v;
        }
    }
    return h->max;
}

uint64_t pf_hist_count_above(const pf_hist *h, uint64_t v)
{
    uint64_t n = 0;
    for (size_t i = pf_hist_index(v) + 1; i < PF_HIST_BUCKETS; i++)
        n += h->counts[i];
    return n;
}

void pf_hist_to_json(const pf_hist *h, pf_buf *out)
{
    pf_buf_printf(out,
                  "{\"unit\":\"ns\",\"layout\":\"" PF_HIST_LAYOUT
                  "\",\"n\":%llu,\"min\":%llu,\"max\":%llu,\"sum\":%llu,\"buckets\":[",
                  (unsigned long long)h->n, (unsigned long long)h->min,
                  (unsigned long long)h->max, (unsigned long long)h->sum);
    bool first = true;
    for (size_t i = 0; i < PF_HIST_BUCKETS; i++) {
        if (h->counts[i] == 0)
            continue;
        pf_buf_printf(out, "%s%zu,%llu", first ? "" : ",", i, (unsigned long long)h->counts[i]);
        first = false;
    }
    pf_buf_puts(out, "]}");
}

/* A non-negative integer member (JSON numbers are doubles: exact to 2^53). */
static int get_u64(const cJSON *o, const char *key, uint64_t *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 9007199254740992.0 ||
        it->valuedouble != floor(it->valuedouble))
        return -1;
    *out = (uint64_t)it->valuedouble;
    return 0;
}

int pf_hist_from_json(const char *origin, const char *json, pf_hist **out, pf_error *err)
{
    *out = NULL;
    cJSON *root = cJSON_Parse(json);
    pf_hist *h = pf_hist_new();
    const char *why = NULL;
    if (root == NULL || !cJSON_IsObject(root)) {
        why = "not a JSON object";
        goto bad;
    }
    const cJSON *layout = cJSON_GetObjectItemCaseSensitive(root, "layout");
    if (!cJSON_IsString(layout) || strcmp(layout->valuestring, PF_HIST_LAYOUT) != 0) {
        why = "histogram layout is not " PF_HIST_LAYOUT " (written by another perfgate version?)";
        goto bad;
    }
    const cJSON *unit = cJSON_GetObjectItemCaseSensitive(root, "unit");
    if (!cJSON_IsString(unit) || strcmp(unit->valuestring, "ns") != 0) {
        why = "histogram unit is not \"ns\"";
        goto bad;
    }
    if (get_u64(root, "n", &h->n) < 0 || get_u64(root, "min", &h->min) < 0 ||
        get_u64(root, "max", &h->max) < 0 || get_u64(root, "sum", &h->sum) < 0) {
        why = "n, min, max and sum must be non-negative integers";
        goto bad;
    }
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "buckets");
    int nb = cJSON_GetArraySize(b);
    if (!cJSON_IsArray(b) || nb % 2 != 0) {
        why = "buckets must be an array of index, count pairs";
        goto bad;
    }
    uint64_t total = 0;
    for (int i = 0; i < nb; i += 2) {
        const cJSON *ix = cJSON_GetArrayItem(b, i), *ct = cJSON_GetArrayItem(b, i + 1);
        if (!cJSON_IsNumber(ix) || !cJSON_IsNumber(ct) || ix->valuedouble < 0 ||
            ix->valuedouble >= PF_HIST_BUCKETS || ix->valuedouble != floor(ix->valuedouble) ||
            ct->valuedouble < 0 || ct->valuedouble > 9007199254740992.0 ||
            ct->valuedouble != floor(ct->valuedouble)) {
            why = "a bucket index or count is out of range";
            goto bad;
        }
        h->counts[(size_t)ix->valuedouble] += (uint64_t)ct->valuedouble;
        total += (uint64_t)ct->valuedouble;
    }
    if (total != h->n || (h->n > 0 && h->min > h->max)) {
        why = "bucket counts do not add up to n";
        goto bad;
    }
    cJSON_Delete(root);
    *out = h;
    return 0;
bad:
    cJSON_Delete(root);
    pf_hist_free(h);
    return pf_error_set(err, PF_EXIT_USAGE, "%s: %s", origin, why);
}
