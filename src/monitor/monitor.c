/* The monitor loop: connections with backoff, one interval's pipeline
 * (collect, classify, diff, evaluate, deliver, store), the in-memory queue
 * of snapshots waiting for the store, and maintenance. */
#include "monitor.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "buf.h"
#include "classify.h"
#include "db.h"
#include "interrupt.h"
#include "notify.h"
#include "pss.h"
#include "store.h"
#include "timeutil.h"

#define BACKOFF_FIRST_MS 1000.0
#define BACKOFF_MAX_MS 60000.0
#define MAX_WRITE_FAILURES 3 /* SQL errors (not lost connections) before a batch is dropped */

/* Known statements: an open-addressing hash map keyed by entry. */
typedef struct stmt_map {
    pf_stmt_info *v;
    bool *used;
    size_t cap, n;
} stmt_map;

typedef struct mon {
    const pf_monitor_opts *o;
    const pf_monconfig *cfg;
    double interval_ms, timeout_ms;
    pf_classifier *cls;
    pf_notifier **notifiers;
    size_t n_notifiers;
    pf_notify_context ctx;
    char host[256];
    char *source_name;
    char *target; /* the monitored DSN, redacted */
    char *identity;
    pf_pss_source *src;
    pf_store *store;
    bool restored; /* state loaded from the store */
    pf_pss_snapshot *prev;      /* the last collected snapshot */
    pf_pss_snapshot *committed; /* the snapshot whose counters the store holds */
    stmt_map stmts;
    pf_store_new_stmt *pending_stmts; /* re-classified at startup, written with the next batch */
    size_t n_pending_stmts;
    pf_alerts *alerts;
    pf_store_batch **q;
    size_t qn, qcap;
    char *gap_reason;      /* why the next snapshot follows a gap */
    double src_backoff_ms, store_backoff_ms;
    uint64_t store_retry_ns;
    uint64_t last_maint_ns;
    bool maint_done;
    bool src_down_logged, store_down_logged;
    pf_monitor_result *res;
} mon;

/* ---- logging --------------------------------------------------------- */

static void say(mon *m, pf_monitor_log_level lv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(mon *m, pf_monitor_log_level lv, const char *fmt, ...)
{
    if (m->o->log == NULL)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    m->o->log(m->o->arg, lv, msg);
}

static void fmt_time(int64_t us, char *buf, size_t len)
{
    pf_store_format_time(us, buf, len);
}

/* ---- the statement map ----------------------------------------------- */

static uint64_t key_hash(const pf_pss_key *k)
{
    uint64_t x = (uint64_t)k->queryid ^ ((uint64_t)k->dbid << 32) ^
                 ((uint64_t)k->userid * 0x9E3779B97F4A7C15ull) ^ (k->toplevel ? 0x5555ull : 0);
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

static pf_stmt_info *map_find(stmt_map *mp, const pf_pss_key *k)
{
    if (mp->cap == 0)
        return NULL;
    size_t i = (size_t)(key_hash(k) & (mp->cap - 1));
    while (mp->used[i]) {
        if (pf_pss_key_cmp(&mp->v[i].key, k) == 0)
            return &mp->v[i];
        i = (i + 1) & (mp->cap - 1);
    }
    return NULL;
}

/* Insert (takes ownership of info's strings) or replace. */
static void map_put(stmt_map *mp, pf_stmt_info *info)
{
    if ((mp->n + 1) * 2 > mp->cap) {
        stmt_map bigger = {NULL, NULL, mp->cap ? mp->cap * 2 : 1024, 0};
        bigger.v = pf_calloc(bigger.cap, sizeof *bigger.v);
        bigger.used = pf_calloc(bigger.cap, sizeof *bigger.used);
        for (size_t i = 0; i < mp->cap; i++)
            if (mp->used[i])
                map_put(&bigger, &mp->v[i]);
        free(mp->v);
        free(mp->used);
        *mp = bigger;
    }
    size_t i = (size_t)(key_hash(&info->key) & (mp->cap - 1));
    while (mp->used[i]) {
        if (pf_pss_key_cmp(&mp->v[i].key, &info->key) == 0) {
            pf_stmt_info_dispose(&mp->v[i]);
            mp->v[i] = *info;
            return;
        }
        i = (i + 1) & (mp->cap - 1);
    }
    mp->used[i] = true;
    mp->v[i] = *info;
    mp->n++;
}

static void map_dispose(stmt_map *mp)
{
    for (size_t i = 0; i < mp->cap; i++)
        if (mp->used[i])
            pf_stmt_info_dispose(&mp->v[i]);
    free(mp->v);
    free(mp->used);
    memset(mp, 0, sizeof *mp);
}

static char *truncate_text(const char *q, size_t max)
{
    if (q == NULL)
        return NULL;
    size_t len = strlen(q);
    if (len <= max)
        return pf_strdup(q);
    size_t cut = max;
    while (cut > 0 && ((unsigned char)q[cut] & 0xC0) == 0x80)
        cut--;
    return pf_strndup(q, cut);
}

/* ---- connections ----------------------------------------------------- */

static double next_backoff(double cur, double cap)
{
    double n = cur <= 0 ? BACKOFF_FIRST_MS : cur * 2;
    if (n > cap)
        n = cap;
    return n < BACKOFF_FIRST_MS ? BACKOFF_FIRST_MS : n;
}

static int open_source(mon *m, pf_error *err)
{
    if (m->src != NULL && !pf_pss_source_broken(m->src))
        return 0;
    pf_pss_source_close(m->src);
    m->src = NULL;
    if (pf_pss_source_open(&m->src, m->o->dsn, m->timeout_ms, err) < 0)
        return -1;
    const char *id = pf_pss_source_identity(m->src);
    if (m->identity != NULL && strcmp(m->identity, id) != 0)
        say(m, PF_MONITOR_WARN, "the monitored DSN now reaches another server (%s, was %s)", id,
            m->identity);
    free(m->identity);
    m->identity = pf_strdup(id);
    if (m->source_name == NULL) {
        const char *n = m->o->source ? m->o->source
                        : m->cfg->source ? m->cfg->source
                                         : pf_pss_source_default_name(m->src);
        m->source_name = pf_strdup(n);
        m->ctx.source = m->source_name;
    }
    if (m->src_down_logged)
        say(m, PF_MONITOR_INFO, "monitored database reachable again");
    m->src_down_logged = false;
    m->src_backoff_ms = 0;
    return 0;
}

/* Load counters, statements and alert state after the first connection. */
static int restore(mon *m, const pf_store_open_info *oi, pf_error *err)
{
    /* A retry after a failed restore starts over. */
    pf_pss_snapshot_free(m->committed);
    pf_pss_snapshot_free(m->prev);
    m->committed = m->prev = NULL;
    for (size_t i = 0; i < m->n_pending_stmts; i++)
        pf_stmt_info_dispose(&m->pending_stmts[i].info);
    free(m->pending_stmts);
    m->pending_stmts = NULL;
    m->n_pending_stmts = 0;
    pf_pss_snapshot *last = NULL;
    if (pf_store_load_last(m->store, &last, err) < 0)
        return -1;
    if (oi->identity_changed && last != NULL) {
        say(m, PF_MONITOR_WARN,
            "source '%s' now points at another server or database: starting from a new "
            "baseline",
            m->source_name);
        pf_pss_snapshot_free(last);
        last = NULL;
    }
    m->committed = last;
    m->prev = pf_pss_snapshot_copy(last);
    pf_store_stmt *st = NULL;
    size_t n = 0;
    if (pf_store_load_statements(m->store, &st, &n, err) < 0)
        return -1;
    m->pending_stmts = pf_calloc(n ? n : 1, sizeof *m->pending_stmts);
    for (size_t i = 0; i < n; i++) {
        pf_stmt_info info = st[i].info;
        memset(&st[i].info, 0, sizeof st[i].info);
        info.category = pf_classify(m->cls, info.query, info.dbname, info.username);
        const char *cat = pf_classifier_category(m->cls, info.category)->name;
        if (st[i].category == NULL || strcmp(st[i].category, cat) != 0) {
            /* The config changed: store the new category with the next batch. */
            pf_store_new_stmt *ns = &m->pending_stmts[m->n_pending_stmts++];
            ns->info.key = info.key;
            ns->info.query = info.query ? pf_strdup(info.query) : NULL;
            ns->info.dbname = info.dbname ? pf_strdup(info.dbname) : NULL;
            ns->info.username = info.username ? pf_strdup(info.username) : NULL;
            ns->category = cat;
            ns->known = true;
        }
        map_put(&m->stmts, &info);
    }
    pf_store_stmts_free(st, n);
    pf_alert_state *states = NULL;
    size_t ns = 0;
    if (pf_store_load_alerts(m->store, &states, &ns, err) < 0)
        return -1;
    pf_alerts_restore(m->alerts, states, ns);
    pf_alert_states_free(states, ns);
    char t[48] = "none";
    if (last != NULL)
        fmt_time(last->taken_us, t, sizeof t);
    say(m, PF_MONITOR_INFO,
        "history store: source '%s' (id %d): last snapshot %s, %zu statements known, %zu active "
        "alert%s",
        m->source_name, oi->source_id, t, n, ns, ns == 1 ? "" : "s");
    m->restored = true;
    return 0;
}

static int open_store(mon *m, pf_error *err)
{
    if (m->store != NULL && !pf_store_broken(m->store))
        return 0;
    pf_store_close(m->store);
    m->store = NULL;
    pf_store_open_info info;
    if (pf_store_open(&m->store, m->o->store_dsn, m->source_name, m->target, m->identity,
                      !m->o->allow_same_db, m->timeout_ms, &info, err) < 0)
        return -1;
    if (info.version_before != info.version_after)
        say(m, PF_MONITOR_INFO, "history store: schema %s migrated from version %d to %d",
            PF_STORE_SCHEMA, info.version_before, info.version_after);
    if (!m->restored) {
        if (restore(m, &info, err) < 0) {
            pf_store_close(m->store);
            m->store = NULL;
            return -1;
        }
    } else if (m->store_down_logged) {
        say(m, PF_MONITOR_INFO, "history store reachable again; %zu snapshot%s to write", m->qn,
            m->qn == 1 ? "" : "s");
    }
    m->store_down_logged = false;
    m->store_backoff_ms = 0;
    m->store_retry_ns = 0;
    return 0;
}

/* ---- the queue ------------------------------------------------------- */

static void append_events(pf_store_batch *to, pf_store_batch *from)
{
    if (from->n_events == 0)
        return;
    to->events = pf_realloc(to->events, (to->n_events + from->n_events) * sizeof *to->events);
    memcpy(to->events + to->n_events, from->events, from->n_events * sizeof *from->events);
    to->n_events += from->n_events;
    free(from->events);
    from->events = NULL;
    from->n_events = 0;
}

/* Drop the oldest batch; its alerts ride with the next one, which follows a gap. */
static void drop_front(mon *m, const char *why)
{
    pf_store_batch *b = m->q[0];
    char t[48];
    fmt_time(b->snap->taken_us, t, sizeof t);
    say(m, PF_MONITOR_WARN, "dropping the snapshot of %s: %s", t, why);
    if (m->qn > 1) {
        pf_store_batch *next = m->q[1];
        append_events(next, b);
        /* Statements first seen in the dropped batch must still be stored. */
        if (b->n_stmts > 0) {
            next->stmts = pf_realloc(next->stmts, (next->n_stmts + b->n_stmts) * sizeof *b->stmts);
            memcpy(next->stmts + next->n_stmts, b->stmts, b->n_stmts * sizeof *b->stmts);
            next->n_stmts += b->n_stmts;
            free(b->stmts);
            b->stmts = NULL;
            b->n_stmts = 0;
        }
        next->gap = true;
        free(next->gap_reason);
        next->gap_reason = pf_asprintf("snapshot of %s dropped: %s", t, why);
    } else {
        free(m->gap_reason);
        m->gap_reason = pf_asprintf("snapshot of %s dropped: %s", t, why);
    }
    pf_store_batch_free(b);
    memmove(m->q, m->q + 1, (m->qn - 1) * sizeof *m->q);
    m->qn--;
    m->res->dropped++;
}

/* Write queued batches in order. Returns the number written. */
static size_t flush(mon *m, double *store_ms)
{
    size_t written = 0;
    while (m->qn > 0) {
        if (m->store == NULL || pf_store_broken(m->store)) {
            if (m->store_retry_ns != 0 && pf_now_ns() < m->store_retry_ns)
                return written;
            pf_error err;
            pf_error_clear(&err);
            if (open_store(m, &err) < 0) {
                m->store_backoff_ms = next_backoff(m->store_backoff_ms, m->interval_ms);
                m->store_retry_ns = pf_now_ns() + (uint64_t)(m->store_backoff_ms * 1e6);
                if (!m->store_down_logged)
                    say(m, PF_MONITOR_WARN,
                        "history store unavailable (%zu snapshot%s waiting): %s", m->qn,
                        m->qn == 1 ? "" : "s", err.msg);
                m->store_down_logged = true;
                return written;
            }
        }
        pf_store_batch *b = m->q[0];
        pf_error err;
        pf_error_clear(&err);
        bool dup = false;
        uint64_t t0 = pf_now_ns();
        int rc = pf_store_write(m->store, b, m->committed, &dup, &err);
        if (store_ms != NULL)
            *store_ms += pf_elapsed_ms(t0);
        if (rc < 0) {
            if (pf_store_broken(m->store)) {
                say(m, PF_MONITOR_WARN,
                    "history store connection lost (%zu snapshot%s waiting): %s", m->qn,
                    m->qn == 1 ? "" : "s", err.msg);
                m->store_down_logged = true;
                pf_store_close(m->store);
                m->store = NULL;
                m->store_backoff_ms = next_backoff(0, m->interval_ms);
                m->store_retry_ns = pf_now_ns() + (uint64_t)(m->store_backoff_ms * 1e6);
                return written;
            }
            b->failures++;
            say(m, PF_MONITOR_WARN, "history store rejected a snapshot (attempt %d of %d): %s",
                b->failures, MAX_WRITE_FAILURES, err.msg);
            if (b->failures < MAX_WRITE_FAILURES)
                return written;
            drop_front(m, "the store rejected it repeatedly");
            continue;
        }
        char t[48];
        fmt_time(b->snap->taken_us, t, sizeof t);
        if (dup) {
            m->res->duplicates++;
            say(m, PF_MONITOR_INFO, "snapshot %s was already stored (acknowledgement lost)", t);
        }
        say(m, PF_MONITOR_DEBUG, "stored snapshot %s (%zu deltas, %zu alert event%s)", t,
            b->n_deltas, b->n_events, b->n_events == 1 ? "" : "s");
        m->res->stored++;
        pf_pss_snapshot_free(m->committed);
        m->committed = b->snap;
        b->snap = NULL;
        pf_store_batch_free(b);
        memmove(m->q, m->q + 1, (m->qn - 1) * sizeof *m->q);
        m->qn--;
        written++;
    }
    return written;
}

static void enqueue(mon *m, pf_store_batch *b)
{
    int max = m->cfg->max_pending > 0 ? m->cfg->max_pending : 60;
    if (m->qn == m->qcap) {
        m->qcap = m->qcap ? m->qcap * 2 : 8;
        m->q = pf_realloc(m->q, m->qcap * sizeof *m->q);
    }
    m->q[m->qn++] = b;
    while (m->qn > (size_t)max)
        drop_front(m, "the history store was unavailable for too long (max_pending)");
}

/* ---- one interval ---------------------------------------------------- */

typedef struct obs_acc {
    size_t category;
    uint32_t dbid;
    int64_t queryid;
    int64_t calls;
    double exec_ms;
    const pf_stmt_info *info;
} obs_acc;

static int obs_cmp(const void *a, const void *b)
{
    const obs_acc *x = a, *y = b;
    if (x->category != y->category)
        return x->category < y->category ? -1 : 1;
    if (x->dbid != y->dbid)
        return x->dbid < y->dbid ? -1 : 1;
    if (x->queryid != y->queryid)
        return x->queryid < y->queryid ? -1 : 1;
    return 0;
}

/* Texts and categories of entries not seen before. all, when not NULL,
 * describes every entry of snap (read with it): the texts are taken from
 * there instead of fetched; it keeps what is not taken. */
static void learn_new(mon *m, const pf_pss_snapshot *snap, pf_stmt_info *all, pf_store_batch *b)
{
    pf_pss_key *keys = NULL;
    pf_stmt_info *info = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < snap->n; i++) {
        if (map_find(&m->stmts, &snap->entries[i].key) != NULL)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            keys = pf_realloc(keys, cap * sizeof *keys);
            if (all != NULL)
                info = pf_realloc(info, cap * sizeof *info);
        }
        if (all != NULL) {
            info[n] = all[i];
            memset(&all[i], 0, sizeof all[i]);
        }
        keys[n++] = snap->entries[i].key;
    }
    if (n > 0) {
        pf_error err;
        pf_error_clear(&err);
        if (all == NULL && pf_pss_fetch_info(m->src, keys, n, &info, &err) < 0) {
            say(m, PF_MONITOR_WARN, "cannot fetch query texts (retrying next interval): %s",
                err.msg);
        } else {
            b->stmts = pf_calloc(n + m->n_pending_stmts, sizeof *b->stmts);
            for (size_t i = 0; i < n; i++) {
                info[i].category =
                    pf_classify(m->cls, info[i].query, info[i].dbname, info[i].username);
                pf_store_new_stmt *ns = &b->stmts[b->n_stmts++];
                ns->info.key = info[i].key;
                ns->info.query = truncate_text(info[i].query, m->cfg->max_query_length);
                ns->info.dbname = info[i].dbname ? pf_strdup(info[i].dbname) : NULL;
                ns->info.username = info[i].username ? pf_strdup(info[i].username) : NULL;
                ns->category = pf_classifier_category(m->cls, info[i].category)->name;
                ns->first_seen_us = snap->taken_us;
                /* Keep a query text in memory only as long as messages show. */
                if (info[i].query && strlen(info[i].query) > 1000)
                    info[i].query[1000] = '\0';
                map_put(&m->stmts, &info[i]);
            }
            free(info);
        }
    }
    free(keys);
    if (m->n_pending_stmts > 0) {
        b->stmts = pf_realloc(b->stmts, (b->n_stmts + m->n_pending_stmts) * sizeof *b->stmts);
        memcpy(b->stmts + b->n_stmts, m->pending_stmts, m->n_pending_stmts * sizeof *b->stmts);
        b->n_stmts += m->n_pending_stmts;
        m->n_pending_stmts = 0;
    }
}

static size_t category_of(mon *m, const pf_pss_key *k)
{
    const pf_stmt_info *s = map_find(&m->stmts, k);
    return s ? s->category : pf_classifier_count(m->cls) - 1;
}

static int baseline_cmp(const void *a, const void *b)
{
    const pf_store_baseline *x = a, *y = b;
    if (x->dbid != y->dbid)
        return x->dbid < y->dbid ? -1 : 1;
    if (x->queryid != y->queryid)
        return x->queryid < y->queryid ? -1 : 1;
    return strcmp(x->category, y->category);
}

/* Deltas into per-(category, dbid, queryid) observations with baselines. */
static pf_alert_obs *observe(mon *m, const pf_pss_diff *d, size_t *n_obs)
{
    obs_acc *acc = pf_calloc(d->n ? d->n : 1, sizeof *acc);
    for (size_t i = 0; i < d->n; i++) {
        acc[i].category = category_of(m, &d->d[i].key);
        acc[i].dbid = d->d[i].key.dbid;
        acc[i].queryid = d->d[i].key.queryid;
        acc[i].calls = d->d[i].calls;
        acc[i].exec_ms = d->d[i].exec_ms;
        acc[i].info = map_find(&m->stmts, &d->d[i].key);
    }
    qsort(acc, d->n, sizeof *acc, obs_cmp);
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (k > 0 && obs_cmp(&acc[k - 1], &acc[i]) == 0) {
            acc[k - 1].calls += acc[i].calls;
            acc[k - 1].exec_ms += acc[i].exec_ms;
            if (acc[k - 1].info == NULL || acc[k - 1].info->query == NULL)
                acc[k - 1].info = acc[i].info;
            continue;
        }
        acc[k++] = acc[i];
    }
    pf_alert_obs *obs = pf_calloc(k ? k : 1, sizeof *obs);
    for (size_t i = 0; i < k; i++) {
        const pf_category_rule *cat = pf_classifier_category(m->cls, acc[i].category);
        obs[i].category = cat->name;
        obs[i].threshold_ms = cat->threshold_ms;
        obs[i].dbid = acc[i].dbid;
        obs[i].queryid = acc[i].queryid;
        obs[i].dbname = acc[i].info ? acc[i].info->dbname : NULL;
        obs[i].query = acc[i].info ? acc[i].info->query : NULL;
        obs[i].calls = acc[i].calls;
        obs[i].mean_ms = acc[i].calls > 0 ? acc[i].exec_ms / (double)acc[i].calls : 0;
    }
    free(acc);
    /* Trailing baselines from the store, for the queries that qualify. */
    const pf_alert_rules *r = &m->cfg->alerts;
    if (r->regression_enabled && k > 0 && m->store != NULL && !pf_store_broken(m->store) &&
        m->qn == 0) {
        int64_t *ids = pf_calloc(k, sizeof *ids);
        size_t nids = 0;
        for (size_t i = 0; i < k; i++)
            if (obs[i].calls >= r->regression_min_calls)
                ids[nids++] = obs[i].queryid;
        pf_store_baseline *bl = NULL;
        size_t nbl = 0;
        pf_error err;
        pf_error_clear(&err);
        if (nids > 0 &&
            pf_store_baselines(m->store, ids, nids,
                               d->to_us - (int64_t)(r->regression_window_ms * 1000), d->to_us,
                               &bl, &nbl, &err) < 0) {
            say(m, PF_MONITOR_WARN, "no regression check this interval: %s", err.msg);
        }
        if (nbl > 1)
            qsort(bl, nbl, sizeof *bl, baseline_cmp);
        for (size_t i = 0; i < k && nbl > 0; i++) {
            pf_store_baseline probe;
            memset(&probe, 0, sizeof probe);
            probe.dbid = obs[i].dbid;
            probe.queryid = obs[i].queryid;
            probe.category = (char *)obs[i].category;
            const pf_store_baseline *hit = bsearch(&probe, bl, nbl, sizeof *bl, baseline_cmp);
            if (hit != NULL && hit->calls > 0) {
                obs[i].baseline_calls = hit->calls;
                obs[i].baseline_mean_ms = hit->exec_ms / (double)hit->calls;
            }
        }
        pf_store_baselines_free(bl, nbl);
        free(ids);
    }
    *n_obs = k;
    return obs;
}

/* One notifier's delivery, run on a thread of its own. */
typedef struct delivery {
    pf_notifier *nt;
    const pf_alert_event *ev;
    size_t n;
    const pf_notify_context *ctx;
    pf_notify_result res;
    int rc;
    pthread_t thread;
    bool threaded;
} delivery;

static void *deliver_one(void *arg)
{
    delivery *d = arg;
    d->rc = pf_notify_send(d->nt, d->ev, d->n, d->ctx, &d->res);
    return NULL;
}

static void deliver(mon *m, pf_alert_event *ev, size_t n)
{
    pf_buf *per = pf_calloc(n, sizeof *per);
    for (size_t i = 0; i < n; i++) {
        char *h = pf_notify_headline(&ev[i]);
        say(m, PF_MONITOR_INFO, "alert %s: %s", pf_alert_status_name(ev[i].status), h);
        free(h);
    }
    /* In parallel: a dead webhook's retries do not delay the others; the
     * interval waits for the slowest one (bounded by its timeout x attempts). */
    delivery *dv = pf_calloc(m->n_notifiers ? m->n_notifiers : 1, sizeof *dv);
    for (size_t k = 0; k < m->n_notifiers; k++) {
        dv[k].nt = m->notifiers[k];
        dv[k].ev = ev;
        dv[k].n = n;
        dv[k].ctx = &m->ctx;
        dv[k].threaded = m->n_notifiers > 1 &&
                         pthread_create(&dv[k].thread, NULL, deliver_one, &dv[k]) == 0;
        if (!dv[k].threaded)
            deliver_one(&dv[k]);
    }
    for (size_t k = 0; k < m->n_notifiers; k++)
        if (dv[k].threaded)
            pthread_join(dv[k].thread, NULL);
    for (size_t k = 0; k < m->n_notifiers; k++) {
        pf_notifier *nt = dv[k].nt;
        const pf_notify_spec *sp = pf_notifier_spec(nt);
        pf_notify_result res = dv[k].res;
        int rc = dv[k].rc;
        if (res.sent == 0)
            continue;
        if (rc == 0) {
            say(m, PF_MONITOR_DEBUG, "notifier '%s': %zu event%s delivered (%s)", sp->name,
                res.sent, res.sent == 1 ? "" : "s", res.detail);
        } else {
            m->res->delivery_failures++;
            say(m, PF_MONITOR_WARN, "notifier '%s': delivery failed after %d attempt%s: %s",
                sp->name, res.attempts, res.attempts == 1 ? "" : "s", res.detail);
        }
        for (size_t i = 0; i < n; i++) {
            if (!pf_notifier_wants(nt, &ev[i]))
                continue;
            pf_buf_printf(&per[i], "%s%s: %s", per[i].len ? "; " : "", sp->name,
                          rc == 0 ? "ok" : "failed");
            if (rc != 0)
                pf_buf_printf(&per[i], " (%s)", res.detail);
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(ev[i].delivery);
        ev[i].delivery = per[i].len ? pf_buf_steal(&per[i]) : pf_strdup("no notifier");
        pf_buf_dispose(&per[i]);
    }
    free(per);
    free(dv);
}

static pf_alert_state *copy_states(const pf_alerts *a, size_t *n)
{
    *n = pf_alerts_count(a);
    pf_alert_state *v = pf_calloc(*n ? *n : 1, sizeof *v);
    for (size_t i = 0; i < *n; i++)
        pf_alert_state_copy(&v[i], pf_alerts_get(a, i));
    return v;
}

static void maintain(mon *m, int64_t now_us)
{
    if (m->store == NULL || pf_store_broken(m->store) || m->qn > 0)
        return;
    uint64_t every_ns = (uint64_t)(m->cfg->retention.every_ms * 1e6);
    if (m->maint_done && pf_now_ns() - m->last_maint_ns < every_ns)
        return;
    pf_store_maint st;
    pf_error err;
    pf_error_clear(&err);
    m->last_maint_ns = pf_now_ns();
    m->maint_done = true;
    if (pf_store_maintain(m->store, &m->cfg->retention, now_us, &st, &err) < 0) {
        say(m, PF_MONITOR_WARN, "history store maintenance failed: %s", err.msg);
        return;
    }
    say(m, PF_MONITOR_DEBUG,
        "maintenance: %ld hourly rows, %ld counters folded, deleted %ld raw, %ld hourly, %ld "
        "snapshots, %ld alerts",
        st.hourly_rows, st.folded, st.deleted_raw, st.deleted_hourly, st.deleted_snapshots,
        st.deleted_alerts);
}

/* Open the monitored server if needed and read pg_stat_statements into
 * *snap (on a first run with every statement's text, into *all). 0: read;
 * 1: the monitored server could not be used (retry after backoff); -1:
 * fatal (err). */
static int take_snapshot(mon *m, pf_pss_snapshot **snap, pf_stmt_info **all, pf_error *err)
{
    if (open_source(m, err) < 0) {
        if (m->o->once)
            return -1;
        if (!m->src_down_logged)
            say(m, PF_MONITOR_WARN, "monitored database unavailable: %s", err->msg);
        m->src_down_logged = true;
        if (m->gap_reason == NULL)
            m->gap_reason = pf_strdup("the monitored database was unavailable");
        return 1;
    }
    int crc;
    if (m->stmts.n == 0) {
        /* Nothing known yet (a first run): every text is needed, so read
         * them with the counters, one pass over pg_stat_statements instead
         * of two. Texts that cannot be read now are fetched next time. */
        crc = pf_pss_collect_info(m->src, snap, all, err);
        if (crc < 0 && !pf_pss_source_broken(m->src))
            crc = pf_pss_collect(m->src, snap, err);
    } else {
        crc = pf_pss_collect(m->src, snap, err);
    }
    if (crc < 0) {
        if (m->o->once)
            return -1;
        say(m, PF_MONITOR_WARN, "snapshot failed: %s", err->msg);
        if (m->gap_reason == NULL)
            m->gap_reason = pf_asprintf("a snapshot failed: %.200s", err->msg);
        if (pf_pss_source_broken(m->src)) {
            pf_pss_source_close(m->src);
            m->src = NULL;
            m->src_down_logged = true;
        }
        return 1;
    }
    return 0;
}

/* Put the interval's diff d into batch b: whether it follows a gap (and
 * why), and every delta with its category. */
static void batch_from_diff(mon *m, const pf_pss_diff *d, double interval_s, pf_store_batch *b)
{
    b->prev_us = m->prev ? m->prev->taken_us : 0;
    b->baseline = d->baseline;
    b->reset = d->reset;
    b->server_restarted = d->server_restarted;
    b->evicted = d->evicted;
    b->recreated = d->recreated;
    if (!d->baseline) {
        bool late = !m->o->once && interval_s * 1000 > 1.5 * m->interval_ms;
        if (d->server_restarted || late || m->gap_reason != NULL) {
            b->gap = true;
            if (m->gap_reason != NULL)
                b->gap_reason = pf_strdup(m->gap_reason);
            else if (d->server_restarted)
                b->gap_reason = pf_strdup("the monitored server restarted");
            else
                b->gap_reason = pf_asprintf("%.1f s since the previous snapshot (interval %.1f s)",
                                            interval_s, m->interval_ms / 1000);
        }
    }
    free(m->gap_reason);
    m->gap_reason = NULL;
    if (d->reset)
        say(m, PF_MONITOR_INFO, "pg_stat_statements was reset: deltas restart from zero");
    if (d->evicted > 0)
        say(m, PF_MONITOR_DEBUG, "%" PRId64 " entries evicted (pg_stat_statements.max)",
            d->evicted);
    b->deltas = pf_calloc(d->n ? d->n : 1, sizeof *b->deltas);
    b->n_deltas = d->n;
    for (size_t i = 0; i < d->n; i++) {
        b->deltas[i].d = d->d[i];
        b->deltas[i].category =
            pf_classifier_category(m->cls, category_of(m, &d->d[i].key))->name;
    }
}

/* One interval. 0: a snapshot was taken; 1: the monitored server could not
 * be used (retry after backoff); -1: fatal (err). */
static int tick(mon *m, pf_monitor_tick *t, pf_error *err)
{
    memset(t, 0, sizeof *t);
    uint64_t t0 = pf_now_ns();
    pf_pss_snapshot *snap = NULL;
    pf_stmt_info *all = NULL;
    int rc = take_snapshot(m, &snap, &all, err);
    if (rc != 0)
        return rc;
    t->collect_ms = pf_elapsed_ms(t0);
    t->taken_us = snap->taken_us;
    t->statements = snap->n;

    pf_store_batch *b = pf_calloc(1, sizeof *b);
    b->collect_ms = t->collect_ms;
    uint64_t t1 = pf_now_ns();
    learn_new(m, snap, all, b);
    for (size_t i = 0; all != NULL && i < snap->n; i++)
        pf_stmt_info_dispose(&all[i]);
    free(all);
    t->texts_ms = pf_elapsed_ms(t1);
    t->new_statements = b->n_stmts;

    pf_pss_diff d;
    pf_pss_diff_compute(m->prev, snap, &d);
    b->snap = snap;
    double interval_s = (double)(d.to_us - d.from_us) / 1e6;
    batch_from_diff(m, &d, interval_s, b);
    t->deltas = d.n;
    t->baseline = d.baseline;
    t->gap = b->gap;
    t->reset = d.reset;

    /* Older batches first: baselines read what they stored. */
    flush(m, NULL);

    uint64_t t2 = pf_now_ns();
    pf_alert_event *events = NULL;
    size_t n_events = 0;
    if (!d.baseline) {
        size_t n_obs = 0;
        pf_alert_obs *obs = observe(m, &d, &n_obs);
        pf_alerts_evaluate(m->alerts, &m->cfg->alerts, obs, n_obs, snap->taken_us, interval_s,
                           &events, &n_events);
        free(obs);
    }
    t->evaluate_ms = pf_elapsed_ms(t2);
    pf_pss_diff_dispose(&d);

    uint64_t t3 = pf_now_ns();
    if (n_events > 0)
        deliver(m, events, n_events);
    t->deliver_ms = pf_elapsed_ms(t3);
    t->events = n_events;
    m->res->events += (long)n_events;
    b->events = events;
    b->n_events = n_events;
    b->states = copy_states(m->alerts, &b->n_states);

    pf_pss_snapshot_free(m->prev);
    m->prev = pf_pss_snapshot_copy(snap);
    m->res->ticks++;
    size_t stored_before = (size_t)m->res->stored;
    enqueue(m, b);
    flush(m, &t->store_ms);
    t->stored = m->qn == 0 && (size_t)m->res->stored > stored_before;
    t->pending = m->qn;
    maintain(m, snap->taken_us);
    t->total_ms = pf_elapsed_ms(t0);
    return 0;
}

/* ---- setup and the loop ---------------------------------------------- */

static int open_notifiers(mon *m, pf_error *err)
{
    m->notifiers = pf_calloc(m->cfg->n_notify ? m->cfg->n_notify : 1, sizeof *m->notifiers);
    for (size_t i = 0; i < m->cfg->n_notify; i++) {
        pf_notifier *n = NULL;
        pf_error e;
        pf_error_clear(&e);
        if (pf_notifier_open(&n, &m->cfg->notify[i], &e) < 0) {
            *err = e;
            return -1;
        }
        if (n == NULL) {
            say(m, PF_MONITOR_WARN, "%s: notifier off", e.msg);
            continue;
        }
        m->notifiers[m->n_notifiers++] = n;
    }
    return 0;
}

static void cleanup(mon *m)
{
    for (size_t i = 0; i < m->qn; i++)
        pf_store_batch_free(m->q[i]);
    free(m->q);
    for (size_t i = 0; i < m->n_notifiers; i++)
        pf_notifier_free(m->notifiers[i]);
    free(m->notifiers);
    for (size_t i = 0; i < m->n_pending_stmts; i++)
        pf_stmt_info_dispose(&m->pending_stmts[i].info);
    free(m->pending_stmts);
    pf_classifier_free(m->cls);
    pf_pss_source_close(m->src);
    pf_store_close(m->store);
    pf_pss_snapshot_free(m->prev);
    pf_pss_snapshot_free(m->committed);
    map_dispose(&m->stmts);
    pf_alerts_free(m->alerts);
    free(m->source_name);
    free(m->target);
    free(m->identity);
    free(m->gap_reason);
}

/* Connect both ends and restore the state; retried in a loop. */
static int start(mon *m, pf_error *err)
{
    double backoff = 0;
    for (;;) {
        int rc = open_source(m, err);
        if (rc == 0)
            rc = open_store(m, err);
        if (rc == 0)
            return 0;
        if (m->o->once || err->code == PF_EXIT_USAGE || pf_interrupt_signal() != 0)
            return -1;
        backoff = next_backoff(backoff, m->interval_ms < BACKOFF_MAX_MS ? m->interval_ms
                                                                          : BACKOFF_MAX_MS);
        say(m, PF_MONITOR_WARN, "%s (retrying in %.0f s)", err->msg, backoff / 1000);
        pf_sleep_ms(backoff);
        if (pf_interrupt_signal() != 0)
            return -1;
    }
}

int pf_monitor_run(const pf_monitor_opts *o, pf_monitor_result *res, pf_error *err)
{
    memset(res, 0, sizeof *res);
    mon m;
    memset(&m, 0, sizeof m);
    m.o = o;
    m.cfg = o->config;
    m.res = res;
    m.interval_ms = o->interval_ms > 0 ? o->interval_ms : m.cfg->interval_ms;
    m.timeout_ms = o->statement_timeout_ms > 0 ? o->statement_timeout_ms
                                               : m.cfg->statement_timeout_ms;
    m.target = pf_db_dsn_redact(o->dsn);
    m.alerts = pf_alerts_new();
    if (gethostname(m.host, sizeof m.host) != 0)
        m.host[0] = '\0';
    m.host[sizeof m.host - 1] = '\0';
    m.ctx.host = m.host[0] ? m.host : NULL;
    int rc = -1;
    if (pf_classifier_new(&m.cls, m.cfg->categories, m.cfg->n_categories, &m.cfg->fallback, err) <
        0)
        goto done;
    if (open_notifiers(&m, err) < 0)
        goto done;
    if (start(&m, err) < 0) {
        if (pf_interrupt_signal() != 0 && err->code != PF_EXIT_USAGE && !o->once)
            rc = 0; /* stopped while waiting for the servers */
        goto done;
    }
    say(&m, PF_MONITOR_INFO,
        "monitoring %s as source '%s' (pg_stat_statements %s%s), every %.1f s%s",
        m.target, m.source_name, pf_pss_source_version(m.src),
        pf_pss_source_sees_all(m.src) ? "" : "; this role sees only its own statements: "
                                             "GRANT pg_read_all_stats",
        m.interval_ms / 1000, o->once ? " (once)" : "");
    double backoff = 0;
    for (int n = 0;; n++) {
        uint64_t started = pf_now_ns();
        pf_monitor_tick t;
        pf_error terr;
        pf_error_clear(&terr);
        int r = tick(&m, &t, &terr);
        if (r < 0) {
            *err = terr;
            goto done;
        }
        double wait = m.interval_ms - pf_elapsed_ms(started);
        if (r == 0) {
            backoff = 0;
            if (o->on_tick != NULL)
                o->on_tick(o->arg, &t);
        } else {
            flush(&m, NULL); /* the store may be back while the monitored server is not */
            backoff = next_backoff(backoff, m.interval_ms < BACKOFF_MAX_MS ? m.interval_ms
                                                                             : BACKOFF_MAX_MS);
            wait = backoff;
        }
        if (o->once) {
            if (m.qn > 0) {
                pf_error_set(err, PF_EXIT_INFRA, "the snapshot could not be stored");
                goto done;
            }
            break;
        }
        if (o->max_ticks > 0 && n + 1 >= o->max_ticks)
            break;
        if (pf_interrupt_signal() != 0)
            break;
        if (wait > 0)
            pf_sleep_ms(wait);
        if (pf_interrupt_signal() != 0)
            break;
    }
    /* Last chance for snapshots still waiting for the store. */
    if (m.qn > 0) {
        m.store_retry_ns = 0;
        flush(&m, NULL);
    }
    res->pending = (long)m.qn;
    if (m.qn > 0)
        say(&m, PF_MONITOR_WARN, "%zu snapshot%s could not be stored", m.qn,
            m.qn == 1 ? "" : "s");
    rc = 0;
done:
    res->max_level = pf_alerts_max_level(m.alerts);
    cleanup(&m);
    return rc;
}
