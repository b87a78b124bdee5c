/* Alert rule evaluation and the fire / repeat / resolve state machine. */
#include "alert.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define QUERY_KEEP 1000 /* characters of query text kept in states and events */

struct pf_alerts {
    pf_alert_state *v;
    size_t n, cap;
};

void pf_alert_rules_default(pf_alert_rules *r)
{
    memset(r, 0, sizeof *r);
    r->threshold_enabled = true;
    r->threshold_min_calls = 1;
    r->warn_level = PF_LEVEL_WARNING_AT;
    r->critical_level = PF_LEVEL_CRITICAL_AT;
    r->emergency_level = PF_LEVEL_EMERGENCY_AT;
    r->regression_enabled = true;
    r->regression_ratio = 1.20;
    r->regression_min_calls = 20;
    r->regression_min_baseline_calls = 100;
    r->regression_min_delta_ms = 1.0;
    r->regression_window_ms = 24.0 * 3600 * 1000;
    r->regression_level = PF_LEVEL_WARNING;
    r->regression_critical_ratio = 0;
    r->repeat_every_ms = 30.0 * 60 * 1000;
    r->resolve_after = 2;
}

const char *pf_alert_kind_name(pf_alert_kind k)
{
    return k == PF_ALERT_REGRESSION ? "regression" : "threshold";
}

const char *pf_alert_status_name(pf_alert_status s)
{
    switch (s) {
    case PF_ALERT_FIRING:
        return "firing";
    case PF_ALERT_REPEAT:
        return "repeat";
    case PF_ALERT_RESOLVED:
        return "resolved";
    }
    return "firing";
}

int pf_alert_kind_parse(const char *s, pf_alert_kind *out)
{
    if (s != NULL && strcmp(s, "threshold") == 0) {
        *out = PF_ALERT_THRESHOLD;
        return 0;
    }
    if (s != NULL && strcmp(s, "regression") == 0) {
        *out = PF_ALERT_REGRESSION;
        return 0;
    }
    return -1;
}

pf_alerts *pf_alerts_new(void)
{
    return pf_calloc(1, sizeof(pf_alerts));
}

static char *dup_or_null(const char *s)
{
    return s ? pf_strdup(s) : NULL;
}

static char *dup_query(const char *q)
{
    if (q == NULL)
        return NULL;
    size_t len = strlen(q);
    if (len <= QUERY_KEEP)
        return pf_strdup(q);
    /* Cut on a UTF-8 character boundary. */
    size_t cut = QUERY_KEEP;
    while (cut > 0 && ((unsigned char)q[cut] & 0xC0) == 0x80)
        cut--;
    char *s = pf_malloc(cut + 4);
    memcpy(s, q, cut);
    memcpy(s + cut, "...", 4);
    return s;
}

void pf_alert_state_dispose(pf_alert_state *s)
{
    if (s == NULL)
        return;
    free(s->key);
    free(s->category);
    free(s->dbname);
    free(s->query);
    memset(s, 0, sizeof *s);
}

void pf_alert_state_copy(pf_alert_state *dst, const pf_alert_state *src)
{
    *dst = *src;
    dst->key = dup_or_null(src->key);
    dst->category = dup_or_null(src->category);
    dst->dbname = dup_or_null(src->dbname);
    dst->query = dup_or_null(src->query);
}

void pf_alerts_free(pf_alerts *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->n; i++)
        pf_alert_state_dispose(&a->v[i]);
    free(a->v);
    free(a);
}

void pf_alerts_restore(pf_alerts *a, const pf_alert_state *states, size_t n)
{
    for (size_t i = 0; i < a->n; i++)
        pf_alert_state_dispose(&a->v[i]);
    a->n = 0;
    for (size_t i = 0; i < n; i++) {
        if (a->n == a->cap) {
            a->cap = a->cap ? a->cap * 2 : 16;
            a->v = pf_realloc(a->v, a->cap * sizeof *a->v);
        }
        pf_alert_state_copy(&a->v[a->n++], &states[i]);
    }
}

size_t pf_alerts_count(const pf_alerts *a)
{
    return a->n;
}

const pf_alert_state *pf_alerts_get(const pf_alerts *a, size_t i)
{
    return i < a->n ? &a->v[i] : NULL;
}

pf_level pf_alerts_max_level(const pf_alerts *a)
{
    pf_level m = PF_LEVEL_OK;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].level > m)
            m = a->v[i].level;
    return m;
}

void pf_alert_events_free(pf_alert_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(ev[i].key);
        free(ev[i].category);
        free(ev[i].dbname);
        free(ev[i].query);
        free(ev[i].delivery);
    }
    free(ev);
}

/* The evaluation of one rule for one observation. */
typedef struct verdict {
    pf_alert_kind kind;
    const pf_alert_obs *obs;
    pf_level level;
    double limit_ms, baseline_ms;
} verdict;

typedef struct evaluation {
    pf_alerts *a;
    const pf_alert_rules *r;
    int64_t now_us;
    double interval_s;
    bool *touched; /* per state, grown with a->v */
    size_t touched_cap;
    pf_alert_event **events;
    size_t *n_events;
    size_t events_cap;
} evaluation;

static char *make_key(pf_alert_kind kind, const char *category, uint32_t dbid, int64_t queryid)
{
    return pf_asprintf("%s/%s/%" PRIu32 "/%" PRId64, pf_alert_kind_name(kind),
                       category ? category : "", dbid, queryid);
}

static pf_alert_event *emit(evaluation *e, const pf_alert_state *s, pf_alert_status status,
                            pf_level level, pf_level previous)
{
    if (*e->n_events == e->events_cap) {
        e->events_cap = e->events_cap ? e->events_cap * 2 : 8;
        *e->events = pf_realloc(*e->events, e->events_cap * sizeof **e->events);
    }
    pf_alert_event *ev = &(*e->events)[(*e->n_events)++];
    memset(ev, 0, sizeof *ev);
    ev->kind = s->kind;
    ev->status = status;
    ev->level = level;
    ev->previous_level = previous;
    ev->key = pf_strdup(s->key);
    ev->category = dup_or_null(s->category);
    ev->dbname = dup_or_null(s->dbname);
    ev->query = dup_or_null(s->query);
    ev->dbid = s->dbid;
    ev->queryid = s->queryid;
    ev->value_ms = s->value_ms;
    ev->limit_ms = s->limit_ms;
    ev->baseline_ms = s->baseline_ms;
    ev->calls = s->calls;
    ev->since_us = s->since_us;
    ev->at_us = e->now_us;
    ev->interval_s = e->interval_s;
    return ev;
}

static ssize_t find_state(const pf_alerts *a, const char *key)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i].key, key) == 0)
            return (ssize_t)i;
    return -1;
}

static void ensure_touched(evaluation *e)
{
    if (e->a->n <= e->touched_cap)
        return;
    size_t cap = e->a->cap > e->a->n ? e->a->cap : e->a->n;
    e->touched = pf_realloc(e->touched, cap * sizeof *e->touched);
    memset(e->touched + e->touched_cap, 0, (cap - e->touched_cap) * sizeof *e->touched);
    e->touched_cap = cap;
}

/* A state seen at a level above ok this interval. */
static void apply_active(evaluation *e, const verdict *v)
{
    const pf_alert_obs *o = v->obs;
    char *key = make_key(v->kind, o->category, o->dbid, o->queryid);
    ssize_t idx = find_state(e->a, key);
    pf_alert_state *s;
    if (idx < 0) {
        pf_alerts *a = e->a;
        if (a->n == a->cap) {
            a->cap = a->cap ? a->cap * 2 : 16;
            a->v = pf_realloc(a->v, a->cap * sizeof *a->v);
        }
        s = &a->v[a->n++];
        memset(s, 0, sizeof *s);
        s->key = key;
        key = NULL;
        s->kind = v->kind;
        s->category = dup_or_null(o->category);
        s->dbid = o->dbid;
        s->queryid = o->queryid;
        s->since_us = e->now_us;
        s->notified_level = PF_LEVEL_OK;
        idx = (ssize_t)(a->n - 1);
    } else {
        s = &e->a->v[idx];
    }
    free(key);
    ensure_touched(e);
    e->touched[idx] = true;
    /* Refresh what the messages show. */
    free(s->dbname);
    s->dbname = dup_or_null(o->dbname);
    if (o->query != NULL) {
        free(s->query);
        s->query = dup_query(o->query);
    }
    s->level = v->level;
    s->value_ms = o->mean_ms;
    s->limit_ms = v->limit_ms;
    s->baseline_ms = v->baseline_ms;
    s->calls = o->calls;
    s->last_seen_us = e->now_us;
    s->clear_count = 0;
    if (v->level > s->notified_level) {
        pf_level before = s->notified_level;
        s->notified_level = v->level;
        s->last_sent_us = e->now_us;
        emit(e, s, PF_ALERT_FIRING, v->level, before);
    } else if ((double)(e->now_us - s->last_sent_us) >= e->r->repeat_every_ms * 1000.0) {
        s->last_sent_us = e->now_us;
        emit(e, s, PF_ALERT_REPEAT, v->level, s->notified_level);
    }
}

static verdict judge_threshold(const pf_alert_rules *r, const pf_alert_obs *o)
{
    verdict v = {PF_ALERT_THRESHOLD, o, PF_LEVEL_OK, o->threshold_ms, 0};
    if (!r->threshold_enabled || o->threshold_ms <= 0 || o->calls < r->threshold_min_calls ||
        o->calls <= 0)
        return v;
    v.level = pf_level_of(o->mean_ms, o->threshold_ms, r->warn_level, r->critical_level,
                          r->emergency_level);
    return v;
}

static verdict judge_regression(const pf_alert_rules *r, const pf_alert_obs *o)
{
    verdict v = {PF_ALERT_REGRESSION, o, PF_LEVEL_OK, 0, o->baseline_mean_ms};
    v.limit_ms = o->baseline_mean_ms * r->regression_ratio;
    if (!r->regression_enabled || o->calls < r->regression_min_calls || o->calls <= 0 ||
        o->baseline_calls < r->regression_min_baseline_calls || o->baseline_calls <= 0 ||
        o->baseline_mean_ms <= 0)
        return v;
    if (o->mean_ms > v.limit_ms && o->mean_ms - o->baseline_mean_ms >= r->regression_min_delta_ms) {
        v.level = r->regression_level;
        if (r->regression_critical_ratio > 0 &&
            o->mean_ms > o->baseline_mean_ms * r->regression_critical_ratio &&
            v.level < PF_LEVEL_CRITICAL)
            v.level = PF_LEVEL_CRITICAL;
    }
    return v;
}

void pf_alerts_evaluate(pf_alerts *a, const pf_alert_rules *r, const pf_alert_obs *obs, size_t n,
                        int64_t now_us, double interval_s, pf_alert_event **events,
                        size_t *n_events)
{
    evaluation e;
    memset(&e, 0, sizeof e);
    e.a = a;
    e.r = r;
    e.now_us = now_us;
    e.interval_s = interval_s;
    e.events = events;
    e.n_events = n_events;
    e.events_cap = *n_events; /* grow from what the caller holds */
    ensure_touched(&e);
    for (size_t i = 0; i < n; i++) {
        verdict t = judge_threshold(r, &obs[i]);
        if (t.level > PF_LEVEL_OK)
            apply_active(&e, &t);
        verdict g = judge_regression(r, &obs[i]);
        if (g.level > PF_LEVEL_OK)
            apply_active(&e, &g);
    }
    /* Everything not above ok this interval moves towards resolution. */
    int need = r->resolve_after > 0 ? r->resolve_after : 1;
    size_t keep = 0;
    for (size_t i = 0; i < a->n; i++) {
        pf_alert_state *s = &a->v[i];
        bool active = i < e.touched_cap && e.touched[i];
        if (!active && ++s->clear_count >= need) {
            emit(&e, s, PF_ALERT_RESOLVED, PF_LEVEL_OK, s->notified_level);
            pf_alert_state_dispose(s);
            continue;
        }
        if (keep != i)
            a->v[keep] = *s;
        keep++;
    }
    a->n = keep;
    free(e.touched);
}
