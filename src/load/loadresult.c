/* Load results: options defaults, the result structure's life cycle,
 * totals, merging shards, and running a queue-drain scenario into one. */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "timeutil.h"

void pf_load_opts_init(pf_load_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mode = PF_LOAD_CLOSED;
    o->clients = 10;
    o->duration_ms = 30000;
    o->shard_index = 1;
    o->shard_count = 1;
    o->seed = 1;
}

long pf_load_peak_rss_kb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return ru.ru_maxrss;
}

void pf_load_flow_add_error(pf_load_flow_result *f, const char *key, int64_t n,
                            const char *example)
{
    for (size_t i = 0; i < f->n_errs; i++)
        if (strcmp(f->errs[i].key, key) == 0) {
            f->errs[i].count += n;
            return;
        }
    f->errs = pf_realloc(f->errs, (f->n_errs + 1) * sizeof *f->errs);
    pf_load_errcount *e = &f->errs[f->n_errs++];
    memset(e, 0, sizeof *e);
    snprintf(e->key, sizeof e->key, "%s", key);
    e->count = n;
    e->example = pf_strdup(example ? example : "");
}

void pf_load_flow_result_dispose(pf_load_flow_result *f)
{
    free(f->name);
    pf_hist_free(f->latency);
    pf_hist_free(f->lag);
    for (size_t i = 0; i < f->n_errs; i++)
        free(f->errs[i].example);
    free(f->errs);
    memset(f, 0, sizeof *f);
}

void pf_load_result_dispose(pf_load_result *r)
{
    free(r->scenario);
    free(r->file);
    free(r->description);
    free(r->shard_ids);
    for (size_t i = 0; i < r->n_flows; i++)
        pf_load_flow_result_dispose(&r->flows[i]);
    free(r->flows);
    if (r->drain) {
        pf_drain_result_dispose(r->drain);
        free(r->drain);
    }
    memset(r, 0, sizeof *r);
}

void pf_load_result_totals(const pf_load_result *r, pf_load_flow_result *t)
{
    memset(t, 0, sizeof *t);
    t->name = pf_strdup("total");
    t->latency = pf_hist_new();
    t->lag = pf_hist_new();
    for (size_t i = 0; i < r->n_flows; i++) {
        const pf_load_flow_result *f = &r->flows[i];
        t->started += f->started;
        t->completed += f->completed;
        t->errors += f->errors;
        t->retries += f->retries;
        t->late += f->late;
        t->incomplete += f->incomplete;
        pf_hist_merge(t->latency, f->latency);
        pf_hist_merge(t->lag, f->lag);
        for (size_t k = 0; k < f->n_errs; k++)
            pf_load_flow_add_error(t, f->errs[k].key, f->errs[k].count, f->errs[k].example);
    }
}

void pf_load_result_init(pf_load_result *out, const pf_scenario *s, const pf_load_opts *o)
{
    memset(out, 0, sizeof *out);
    out->scenario = pf_strdup(s->name);
    out->file = pf_strdup(s->file);
    out->description = pf_strdup(s->description ? s->description : "");
    memcpy(out->hash, s->hash, sizeof out->hash);
    out->mode = o->mode;
    out->rate = o->mode == PF_LOAD_OPEN ? o->rate : 0;
    out->load_factor = o->load_factor;
    out->expected_rate = pf_scenario_expected_rate(s);
    out->shard_index = o->shard_index > 0 ? o->shard_index : 1;
    out->shard_count = o->shard_count > 0 ? o->shard_count : 1;
    out->shards = 1;
    out->shard_ids = pf_calloc(2, sizeof *out->shard_ids);
    out->shard_ids[0] = out->shard_index;
    out->seed = o->seed;
    out->duration_ms = o->duration_ms;
    out->transactions = o->transactions;
    out->late_ms = o->late_ms > 0 ? o->late_ms : 100;
    out->n_flows = s->n_flows;
    out->flows = pf_calloc(s->n_flows + 1, sizeof *out->flows);
    for (size_t i = 0; i < s->n_flows; i++) {
        pf_load_flow_result *f = &out->flows[i];
        f->name = pf_strdup(s->flows[i].name);
        f->weight = s->flows[i].weight;
        f->threshold_ms = s->flows[i].threshold_ms;
        f->max_error_rate = s->flows[i].max_error_rate;
        f->latency = pf_hist_new();
        f->lag = pf_hist_new();
    }
}

int pf_load_run_drain(const pf_scenario *s, const char *dsn, const pf_load_opts *o,
                      bool clients_given, bool keep_jobs, pf_load_result *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    if (s->drain == NULL)
        return pf_error_set(err, PF_EXIT_USAGE, "%s: not a queue-drain scenario", s->file);
    if (o->shard_count < 1 || o->shard_index < 1 || o->shard_index > o->shard_count)
        return pf_error_set(err, PF_EXIT_USAGE, "shard %d/%d: want I/N with 1 <= I <= N",
                            o->shard_index, o->shard_count);
    pf_load_result_init(out, s, o);
    out->mode = PF_LOAD_CLOSED;
    out->rate = 0;
    out->duration_ms = 0;
    out->drain = pf_calloc(1, sizeof *out->drain);
    pf_drain_opts d;
    memset(&d, 0, sizeof d);
    d.load_factor = o->load_factor;
    d.workers = clients_given ? o->clients : 0;
    d.shard_index = o->shard_index;
    d.shard_count = o->shard_count;
    d.keep_jobs = keep_jobs;
    uint64_t t0 = pf_now_ns();
    int rc = pf_queue_drain(s->drain, dsn, &d, out->drain, err);
    out->elapsed_ms = pf_elapsed_ms(t0);
    out->clients = out->drain->workers;
    out->clients_total = clients_given ? o->clients : s->drain->workers;
    out->threads = out->drain->workers;
    out->interrupted = out->drain->interrupted;
    out->peak_rss_kb = pf_load_peak_rss_kb();
    return rc;
}

int pf_load_result_merge(pf_load_result *dst, const pf_load_result *src, pf_error *err)
{
    if (strcmp(dst->scenario, src->scenario) != 0 || strcmp(dst->hash, src->hash) != 0)
        return pf_error_set(err, PF_EXIT_USAGE,
                            "scenario %s (%s) and %s (%s) are not the same scenario file",
                            dst->scenario, dst->hash, src->scenario, src->hash);
    if (dst->mode != src->mode || dst->seed != src->seed || dst->shard_count != src->shard_count ||
        (dst->drain == NULL) != (src->drain == NULL))
        return pf_error_set(err, PF_EXIT_USAGE,
                            "scenario %s: shards differ in mode, seed or shard count (each "
                            "shard must run the same command line but --shard)",
                            dst->scenario);
    if (dst->n_flows != src->n_flows)
        return pf_error_set(err, PF_EXIT_USAGE, "scenario %s: shards have different flows",
                            dst->scenario);
    for (size_t i = 0; i < dst->n_flows; i++) {
        if (strcmp(dst->flows[i].name, src->flows[i].name) != 0)
            return pf_error_set(err, PF_EXIT_USAGE, "scenario %s: shards have different flows",
                                dst->scenario);
    }
    for (int i = 0; i < dst->shards; i++)
        for (int k = 0; k < src->shards; k++)
            if (dst->shard_ids[i] == src->shard_ids[k])
                return pf_error_set(err, PF_EXIT_USAGE,
                                    "scenario %s: shard %d/%d is in the input twice",
                                    dst->scenario, src->shard_ids[k], dst->shard_count);
    dst->shard_ids = pf_realloc(dst->shard_ids,
                                (size_t)(dst->shards + src->shards + 1) * sizeof *dst->shard_ids);
    for (int k = 0; k < src->shards; k++)
        dst->shard_ids[dst->shards + k] = src->shard_ids[k];
    for (size_t i = 0; i < dst->n_flows; i++) {
        pf_load_flow_result *d = &dst->flows[i];
        const pf_load_flow_result *s = &src->flows[i];
        pf_hist_merge(d->latency, s->latency);
        pf_hist_merge(d->lag, s->lag);
        d->started += s->started;
        d->completed += s->completed;
        d->errors += s->errors;
        d->retries += s->retries;
        d->late += s->late;
        d->incomplete += s->incomplete;
        for (size_t k = 0; k < s->n_errs; k++)
            pf_load_flow_add_error(d, s->errs[k].key, s->errs[k].count, s->errs[k].example);
    }
    if (dst->drain != NULL)
        pf_drain_result_merge(dst->drain, src->drain);
    dst->clients += src->clients;
    dst->threads += src->threads;
    dst->shards += src->shards;
    dst->unstarted += src->unstarted;
    dst->interrupted = dst->interrupted || src->interrupted;
    if (src->elapsed_ms > dst->elapsed_ms)
        dst->elapsed_ms = src->elapsed_ms;
    if (src->peak_rss_kb > dst->peak_rss_kb)
        dst->peak_rss_kb = src->peak_rss_kb;
    if (src->setup_ms > dst->setup_ms)
        dst->setup_ms = src->setup_ms;
    /* Calibration: the mean of the shards' (they ran on different machines). */
    dst->calibration_ms = (dst->calibration_ms * (dst->shards - src->shards) +
                           src->calibration_ms * src->shards) /
                          dst->shards;
    return 0;
}
