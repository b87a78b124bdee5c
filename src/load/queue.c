/* The queue-drain benchmark: burst, K blocking workers, exactly-once check. */
#include "queue.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "barrier.h"
#include "db.h"
#include "fsutil.h"
#include "interrupt.h"
#include "scenario.h"
#include "timeutil.h"

#define SQL_CLAIM "SELECT id FROM claim_next_job($1, $2)"
#define SQL_HEARTBEAT "SELECT heartbeat_job(CAST($1 AS uuid), $2)"
#define SQL_COMPLETE "SELECT complete_job(CAST($1 AS uuid), $2, '{\"pages\": 1}'::jsonb)"
/* Workers are service_role, as Supabase runs them: the queue functions are
 * granted to nobody else, and job_queue has RLS with no policies. */
#define SQL_ROLE                                                                                   \
    "SET ROLE service_role; "                                                                      \
    "SELECT set_config('request.jwt.claims', '{\"role\":\"service_role\"}', false)"

typedef struct worker {
    pthread_t tid;
    int index;
    char id[64];
    const char *dsn;
    const char *lane;
    double processing_ms;
    bool heartbeat;
    pf_barrier *ready;
    atomic_int *stop;
    uint64_t *burst_ns;       /* set by the main thread before the barrier releases */
    char **claimed;           /* ids this worker claimed, in order */
    size_t n_claimed, cap;
    int64_t completed, heartbeats_ok, refused;
    uint64_t last_done_ns;
    pf_hist *claim, *job;
    int rc;
    pf_error err;
} worker;

static int worker_connect(worker *w, pf_db **db)
{
    if (pf_db_connect(db, w->dsn, &w->err) < 0)
        return -1;
    if (pf_db_exec(*db, SQL_ROLE, &w->err) < 0) {
        pf_error_prefix(&w->err, "queue worker set-up");
        w->err.code = pf_db_broken(*db) ? PF_EXIT_INFRA : PF_EXIT_FAIL;
        return -1;
    }
    return 0;
}

/* Run a queue function returning one boolean. */
static int call_bool(worker *w, pf_db *db, const char *sql, const char *job, bool *out)
{
    const char *params[2] = {job, w->id};
    pf_result *r = NULL;
    int rc = pf_db_query(db, sql, 2, params, &r, &w->err);
    if (rc == 0) {
        const char *v = pf_result_get(r, 0, 0);
        *out = v != NULL && strcmp(v, "t") == 0;
    }
    pf_result_free(r);
    return rc;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    pf_db *db = NULL;
    w->rc = worker_connect(w, &db);
    /* Everyone meets here, set up or not; the main thread then decides. */
    pf_barrier_wait(w->ready);
    pf_barrier_wait(w->ready);
    if (w->rc < 0 || atomic_load(w->stop)) {
        pf_db_close(db);
        return NULL;
    }
    uint64_t burst = *w->burst_ns;
    const char *claim_params[2] = {w->id, w->lane};
    while (!atomic_load(w->stop) && pf_interrupt_signal() == 0) {
        uint64_t t0 = pf_now_ns();
        pf_result *r = NULL;
        if (pf_db_query(db, SQL_CLAIM, 2, claim_params, &r, &w->err) < 0) {
            w->rc = -1;
            break;
        }
        uint64_t t1 = pf_now_ns();
        if (pf_result_nrows(r) == 0) {
            /* Everything was enqueued before the workers started: an empty
             * claim means no job of the burst is left pending. */
            pf_result_free(r);
            break;
        }
        pf_hist_record(w->claim, t1 - t0);
        if (w->n_claimed == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 256;
            w->claimed = pf_realloc(w->claimed, w->cap * sizeof *w->claimed);
        }
        char *id = pf_strdup(pf_result_get(r, 0, 0));
        w->claimed[w->n_claimed++] = id;
        pf_result_free(r);
        bool ok = false;
        if (w->heartbeat) {
            pf_sleep_ms(w->processing_ms / 2);
            if (call_bool(w, db, SQL_HEARTBEAT, id, &ok) < 0) {
                w->rc = -1;
                break;
            }
            w->heartbeats_ok += ok;
            pf_sleep_ms(w->processing_ms / 2);
        } else {
            pf_sleep_ms(w->processing_ms);
        }
        if (call_bool(w, db, SQL_COMPLETE, id, &ok) < 0) {
            w->rc = -1;
            break;
        }
        uint64_t done = pf_now_ns();
        if (ok) {
            w->completed++;
            pf_hist_record(w->job, done - burst);
            w->last_done_ns = done;
        } else {
            w->refused++;
        }
    }
    if (w->rc < 0) {
        pf_error_prefix(&w->err, "queue worker %s", w->id);
        w->err.code = pf_db_broken(db) ? PF_EXIT_INFRA : PF_EXIT_FAIL;
        atomic_store(w->stop, 1);
    }
    pf_db_close(db);
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Compare the sorted enqueued ids with every claimed id. */
static void verify(pf_drain_result *out, char **enq, size_t n_enq, char **claimed, size_t n_cl)
{
    qsort(enq, n_enq, sizeof *enq, cmp_str);
    qsort(claimed, n_cl, sizeof *claimed, cmp_str);
    size_t i = 0, j = 0;
    while (i < n_enq || j < n_cl) {
        int c = i >= n_enq ? 1 : j >= n_cl ? -1 : strcmp(enq[i], claimed[j]);
        if (c < 0) {
            out->lost++;
            i++;
        } else if (c > 0) {
            out->foreign++;
            j++;
        } else {
            size_t k = j + 1;
            while (k < n_cl && strcmp(claimed[k], claimed[j]) == 0)
                k++;
            out->duplicates += (int64_t)(k - j - 1);
            i++;
            j = k;
        }
    }
}

/* The workers of one drain and what they share. */
typedef struct crew {
    worker *ws;
    int n;            /* workers running (fewer than asked if one could not start) */
    pf_barrier ready;
    atomic_int stop;
    bool spawn_failed;
    pf_error spawn_err;
    uint64_t burst_ns;
} crew;

/* This shard's share of the whole run's burst and workers, into the
 * result's header; *jobs is the burst. */
static void drain_init(const pf_drain_spec *spec, const pf_drain_opts *o, pf_drain_result *out,
                       long *jobs)
{
    memset(out, 0, sizeof *out);
    out->claim = pf_hist_new();
    out->job = pf_hist_new();
    double factor = o->load_factor > 0 ? o->load_factor : 1;
    int shards = o->shard_count > 0 ? o->shard_count : 1;
    int shard = o->shard_index > 0 ? o->shard_index : 1;
    long total_jobs = (long)(spec->jobs * factor + 0.5);
    *jobs = total_jobs / shards + ((shard - 1) < total_jobs % shards);
    int total_workers = o->workers > 0 ? o->workers : spec->workers;
    int nw = total_workers / shards + ((shard - 1) < total_workers % shards);
    out->jobs = (int)*jobs;
    out->workers = nw < 1 ? 1 : nw;
    out->job_type = pf_strdup(spec->job_type);
    out->processing_ms = spec->processing_ms;
    out->heartbeat = spec->heartbeat;
    out->threshold_ms = spec->threshold_ms;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    out->lane = pf_asprintf("perfgate-drain-%d-of-%d-%ld-%lld", shard, shards, (long)getpid(),
                            (long long)now.tv_sec);
}

/* Start out->workers workers; they connect, become service_role and wait
 * at the barrier, so that the drain measures draining. */
static void crew_start(crew *c, const pf_drain_spec *spec, const char *dsn, int shard,
                       const pf_drain_result *out)
{
    c->n = out->workers;
    c->ws = pf_calloc((size_t)c->n, sizeof *c->ws);
    pf_barrier_init(&c->ready, (unsigned)c->n + 1);
    for (int i = 0; i < c->n; i++) {
        worker *w = &c->ws[i];
        w->index = i;
        snprintf(w->id, sizeof w->id, "drain-s%d-w%d", shard, i);
        w->dsn = dsn;
        w->lane = out->lane;
        w->processing_ms = spec->processing_ms;
        w->heartbeat = spec->heartbeat;
        w->ready = &c->ready;
        w->stop = &c->stop;
        w->burst_ns = &c->burst_ns;
        w->claim = pf_hist_new();
        w->job = pf_hist_new();
        pf_error_clear(&w->err);
        int e = pthread_create(&w->tid, NULL, worker_main, w);
        if (e != 0) {
            /* The workers already started meet a smaller barrier, are told
             * to stop, and the drain fails as infrastructure. */
            pf_hist_free(w->claim);
            pf_hist_free(w->job);
            w->claim = w->job = NULL;
            c->spawn_failed = true;
            pf_error_set(&c->spawn_err, PF_EXIT_INFRA, "cannot create drain worker %d of %d: %s",
                         i + 1, c->n, strerror(e));
            c->n = i;
            pf_barrier_shrink(&c->ready, (unsigned)i + 1);
            return;
        }
    }
}

/* The burst, in one statement; *ids are the enqueued jobs' ids. */
static int enqueue(pf_db *db, const pf_drain_spec *spec, long jobs, pf_drain_result *out,
                   pf_result **ids, pf_error *err)
{
    char njobs[32];
    snprintf(njobs, sizeof njobs, "%ld", jobs);
    const char *params[3] = {spec->job_type, out->lane, njobs};
    int rc = pf_db_query(db,
                         "SELECT enqueue_job($1, jsonb_build_object('burst', $2::text, 'n', i), "
                         "0, now(), $2) FROM generate_series(1, $3::int) AS s(i)",
                         3, params, ids, err);
    if (rc < 0) {
        pf_error_prefix(err, "queue drain: enqueueing %ld jobs", jobs);
        if (err)
            err->code = pf_db_broken(db) ? PF_EXIT_INFRA : PF_EXIT_FAIL;
    }
    return rc;
}

/* The workers' counts and histograms into out; *all (owned by the
 * workers, the array the caller's) every claimed id. -1 with the first
 * worker failure. */
static int crew_collect(const crew *c, pf_drain_result *out, char ***all, size_t *n_all,
                        pf_error *err)
{
    uint64_t last = c->burst_ns;
    bool failed = false;
    size_t n = 0;
    for (int i = 0; i < c->n; i++) {
        const worker *w = &c->ws[i];
        if (w->rc < 0 && !failed) {
            *err = w->err;
            failed = true;
        }
        pf_hist_merge(out->claim, w->claim);
        pf_hist_merge(out->job, w->job);
        out->completed += w->completed;
        out->heartbeats_ok += w->heartbeats_ok;
        out->foreign += w->refused;
        if (w->last_done_ns > last)
            last = w->last_done_ns;
        n += w->n_claimed;
    }
    out->claimed = (int64_t)n;
    out->drain_ms = (double)(last - c->burst_ns) / 1e6;
    out->jobs_per_s = out->drain_ms > 0 ? (double)out->completed / (out->drain_ms / 1000) : 0;
    out->interrupted = pf_interrupt_signal() != 0;
    *all = pf_calloc(n + 1, sizeof **all);
    *n_all = 0;
    for (int i = 0; i < c->n; i++)
        for (size_t k = 0; k < c->ws[i].n_claimed; k++)
            (*all)[(*n_all)++] = c->ws[i].claimed[k];
    return failed ? -1 : 0;
}

static void crew_dispose(crew *c)
{
    for (int i = 0; c->ws != NULL && i < c->n; i++) {
        for (size_t k = 0; k < c->ws[i].n_claimed; k++)
            free(c->ws[i].claimed[k]);
        free(c->ws[i].claimed);
        pf_hist_free(c->ws[i].claim);
        pf_hist_free(c->ws[i].job);
    }
    free(c->ws);
}

/* What the database says: the lane's completed rows; then the lane is
 * deleted unless keep_jobs. */
static int check_lane(pf_db *db, bool keep_jobs, pf_drain_result *out, pf_error *err)
{
    const char *lp[1] = {out->lane};
    pf_result *r = NULL;
    if (pf_db_query(db,
                    "SELECT count(*) FILTER (WHERE status = 'completed') FROM job_queue "
                    "WHERE lane = $1",
                    1, lp, &r, err) < 0)
        return -1;
    out->db_completed = atoll(pf_result_get(r, 0, 0));
    pf_result_free(r);
    r = NULL;
    int rc = 0;
    if (!keep_jobs)
        rc = pf_db_query(db, "DELETE FROM job_queue WHERE lane = $1", 1, lp, &r, err);
    pf_result_free(r);
    return rc;
}

int pf_queue_drain(const pf_drain_spec *spec, const char *dsn, const pf_drain_opts *o,
                   pf_drain_result *out, pf_error *err)
{
    long jobs = 0;
    drain_init(spec, o, out, &jobs);
    pf_db *db = NULL;
    crew c;
    memset(&c, 0, sizeof c);
    char **enq = NULL, **all = NULL;
    size_t n_all = 0;
    int rc = -1;
    if (pf_db_connect(&db, dsn, err) < 0)
        goto cleanup;
    if (pf_db_exec(db, SQL_ROLE, err) < 0) {
        pf_error_prefix(err, "queue drain: becoming service_role");
        goto cleanup;
    }
    crew_start(&c, spec, dsn, o->shard_index > 0 ? o->shard_index : 1, out);
    pf_barrier_wait(&c.ready);
    /* Every worker set up (or failed): enqueue, then release them. */
    bool setup_ok = !c.spawn_failed;
    if (c.spawn_failed)
        *err = c.spawn_err;
    for (int i = 0; i < c.n && setup_ok; i++)
        if (c.ws[i].rc < 0) {
            *err = c.ws[i].err;
            setup_ok = false;
        }
    pf_result *ids = NULL;
    if (setup_ok) {
        uint64_t t0 = pf_now_ns();
        setup_ok = enqueue(db, spec, jobs, out, &ids, err) == 0;
        c.burst_ns = pf_now_ns();
        out->enqueue_ms = (double)(c.burst_ns - t0) / 1e6;
    }
    if (!setup_ok)
        atomic_store(&c.stop, 1);
    pf_barrier_wait(&c.ready);
    for (int i = 0; i < c.n; i++)
        pthread_join(c.ws[i].tid, NULL);
    pf_barrier_dispose(&c.ready);
    if (!setup_ok) {
        pf_result_free(ids);
        goto cleanup;
    }
    size_t n_enq = (size_t)pf_result_nrows(ids);
    enq = pf_calloc(n_enq + 1, sizeof *enq);
    for (size_t i = 0; i < n_enq; i++)
        enq[i] = pf_strdup(pf_result_get(ids, (int)i, 0));
    pf_result_free(ids);
    if (crew_collect(&c, out, &all, &n_all, err) < 0)
        goto cleanup;
    verify(out, enq, n_enq, all, n_all);
    rc = check_lane(db, o->keep_jobs, out, err);
cleanup:
    crew_dispose(&c);
    free(all);
    pf_strv_free(enq);
    pf_db_close(db);
    return rc;
}

bool pf_drain_exactly_once(const pf_drain_result *r)
{
    return r->duplicates == 0 && r->lost == 0 && r->foreign == 0 && r->completed == r->jobs &&
           r->db_completed == r->jobs;
}

void pf_drain_result_merge(pf_drain_result *dst, const pf_drain_result *src)
{
    dst->jobs += src->jobs;
    dst->workers += src->workers;
    if (src->drain_ms > dst->drain_ms)
        dst->drain_ms = src->drain_ms;
    if (src->enqueue_ms > dst->enqueue_ms)
        dst->enqueue_ms = src->enqueue_ms;
    dst->claimed += src->claimed;
    dst->completed += src->completed;
    dst->heartbeats_ok += src->heartbeats_ok;
    dst->duplicates += src->duplicates;
    dst->lost += src->lost;
    dst->foreign += src->foreign;
    dst->db_completed += src->db_completed;
    dst->interrupted = dst->interrupted || src->interrupted;
    pf_hist_merge(dst->claim, src->claim);
    pf_hist_merge(dst->job, src->job);
    dst->jobs_per_s = dst->drain_ms > 0 ? (double)dst->completed / (dst->drain_ms / 1000) : 0;
}

void pf_drain_result_dispose(pf_drain_result *r)
{
    if (r == NULL)
        return;
    free(r->lane);
    free(r->job_type);
    pf_hist_free(r->claim);
    pf_hist_free(r->job);
    memset(r, 0, sizeof *r);
}
