/* Reading the history store for the dashboard (perfgate report, monitor
 * --listen) and /metrics: read-only connections that never migrate,
 * register or lock, so they run beside the monitor writing the source. */
#include "store.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "store_int.h"


static int64_t i64(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

static double dbl(const char *s)
{
    return s ? strtod(s, NULL) : 0;
}

static char *dup_or_null(const char *s)
{
    return s ? pf_strdup(s) : NULL;
}


const char *pf_store_source_name(const pf_store *s)
{
    return s->name;
}

const char *pf_store_source_target(const pf_store *s)
{
    return s->target;
}

int pf_store_open_reader(pf_store **out, const char *dsn, const char *source,
                         double statement_timeout_ms, pf_error *err)
{
    *out = NULL;
    pf_db *db = NULL;
    if (pf_db_connect_session(&db, dsn, "perfgate report", 10, err) < 0) {
        pf_error_prefix(err, "history store");
        return -1;
    }
    pf_store *s = pf_calloc(1, sizeof *s);
    s->db = db;
    pf_result *r = NULL;
    pf_buf names = PF_BUF_INIT;
    long tmo = statement_timeout_ms > 0 ? (long)statement_timeout_ms : 30000;
    char *set = pf_asprintf("SET statement_timeout = %ld; SET lock_timeout = %ld;"
                            " SET default_transaction_read_only = on; SET TIME ZONE 'UTC'",
                            tmo, tmo);
    int rc = pf_db_exec(db, set, err);
    free(set);
    if (rc < 0)
        goto fail;
    char *v = NULL;
    if (pf_db_query_value(db, "SELECT to_regclass('" STORE_SCHEMA_DOT "snapshots') IS NOT NULL", &v, err) < 0)
        goto fail;
    bool has = v != NULL && strcmp(v, "t") == 0;
    free(v);
    if (!has) {
        pf_error_set(err, PF_EXIT_USAGE,
                     "history store: this database holds no " PF_STORE_SCHEMA " schema (point "
                     "--store-dsn at the database perfgate monitor writes)");
        goto fail;
    }
    /* Every source, the one with the newest snapshot first. */
    if (pf_db_query(db,
                    "SELECT s.source_id, s.name, s.target FROM " STORE_SCHEMA_DOT "sources s"
                    " ORDER BY (SELECT max(taken_at) FROM " STORE_SCHEMA_DOT "snapshots n"
                    "  WHERE n.source_id = s.source_id) DESC NULLS LAST, s.name",
                    0, NULL, &r, err) < 0)
        goto fail;
    int pick = -1;
    for (int i = 0; i < pf_result_nrows(r); i++) {
        const char *name = pf_result_get(r, i, 1);
        pf_buf_printf(&names, "%s'%s'", i ? ", " : "", name);
        if (pick < 0 && (source == NULL || strcmp(source, name) == 0))
            pick = i;
    }
    if (pick < 0) {
        if (pf_result_nrows(r) == 0)
            pf_error_set(err, PF_EXIT_USAGE, "history store: no source has been monitored yet");
        else
            pf_error_set(err, PF_EXIT_USAGE, "history store: no source '%s' (there: %s)", source,
                         pf_buf_str(&names));
        goto fail;
    }
    s->source_id = atoi(pf_result_get(r, pick, 0));
    snprintf(s->sid, sizeof s->sid, "%d", s->source_id);
    s->name = pf_strdup(pf_result_get(r, pick, 1));
    s->target = dup_or_null(pf_result_get(r, pick, 2));
    pf_result_free(r);
    pf_buf_dispose(&names);
    *out = s;
    return 0;
fail:
    pf_result_free(r);
    pf_buf_dispose(&names);
    pf_store_close(s);
    return -1;
}

static int64_t us_of(const char *s)
{
    return s ? (int64_t)llround(strtod(s, NULL)) : 0;
}

/* A bucket width of 1, 2, 5, 10, 15 or 30 s/min, 1, 2, 3, 6, 12 h, 1 d or
 * more, at least want_s. */
static double nice_bucket(double want_s)
{
    static const double steps[] = {1,    2,    5,    10,   15,    30,    60,    120,   300,
                                   600,  900,  1800, 3600, 7200,  10800, 21600, 43200, 86400};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i] >= want_s)
            return steps[i];
    return 86400 * ceil(want_s / 86400);
}

void pf_store_dash_dispose(pf_store_dash *d)
{
    if (d == NULL)
        return;
    free(d->source);
    free(d->target);
    free(d->gap_us);
    for (size_t i = 0; i < d->n_cats; i++) {
        free(d->cats[i].category);
        free(d->cats[i].pts);
    }
    free(d->cats);
    pf_store_query *lists[2] = {d->top_total, d->top_mean};
    size_t ns[2] = {d->n_top_total, d->n_top_mean};
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < ns[k]; i++) {
            free(lists[k][i].category);
            free(lists[k][i].dbname);
            free(lists[k][i].query);
        }
        free(lists[k]);
    }
    for (size_t i = 0; i < d->n_alerts; i++) {
        pf_store_alert_span *a = &d->alerts[i];
        free(a->key);
        free(a->kind);
        free(a->category);
        free(a->dbname);
        free(a->query);
    }
    free(d->alerts);
    memset(d, 0, sizeof *d);
}

/* The highest active alert level of (dbid, queryid); 0 when none. */
static int level_of_query(const pf_alert_state *st, size_t n, uint32_t dbid, int64_t queryid)
{
    int lv = 0;
    for (size_t i = 0; i < n; i++)
        if (st[i].dbid == dbid && st[i].queryid == queryid && (int)st[i].level > lv)
            lv = (int)st[i].level;
    return lv;
}

/* Top queries of the window: ORDER BY order_by, LIMIT top_n. */
static int read_top(pf_store *s, bool hourly, const char *from, const char *to, size_t top_n,
                    const char *where, const char *order_by, const pf_alert_state *st,
                    size_t n_st, pf_store_query **out, size_t *n_out, pf_error *err)
{
    /* Per interval (or hour) first, so the worst interval's mean is the
     * query's, roles and nesting levels summed. */
    char *sql = pf_asprintf(
        "WITH q AS (SELECT dbid, queryid, %s AS t, max(category) AS category,"
        "  sum(calls) AS calls, sum(exec_ms) AS exec_ms, sum(rows) AS rows,"
        "  sum(shared_hit) AS hit, sum(shared_read) AS rd%s"
        "  FROM " STORE_SCHEMA_DOT "%s WHERE source_id = $1 AND %s > $2 AND %s <= $3 GROUP BY 1, 2, 3),"
        " a AS (SELECT dbid, queryid, max(category) AS category, sum(calls) AS calls,"
        "  sum(exec_ms) AS exec_ms, sum(rows) AS rows, sum(hit) AS hit, sum(rd) AS rd,"
        "  max(%s) AS max_mean, count(*) AS intervals FROM q GROUP BY 1, 2)"
        " SELECT a.dbid, a.queryid, a.category, a.calls, a.exec_ms, a.rows, a.hit, a.rd,"
        "  a.max_mean, a.intervals,"
        "  (SELECT st.dbname FROM " STORE_SCHEMA_DOT "statements st WHERE st.source_id = $1"
        "   AND st.dbid = a.dbid AND st.queryid = a.queryid LIMIT 1),"
        "  (SELECT st.query FROM " STORE_SCHEMA_DOT "statements st WHERE st.source_id = $1"
        "   AND st.dbid = a.dbid AND st.queryid = a.queryid"
        "   ORDER BY st.toplevel DESC, st.userid LIMIT 1)"
        " FROM a WHERE a.calls > 0 %s ORDER BY %s, a.queryid LIMIT %zu",
        hourly ? "hour" : "taken_at", hourly ? ", max(max_mean_ms) AS mx" : "",
        hourly ? "deltas_hourly" : "deltas", hourly ? "hour" : "taken_at",
        hourly ? "hour" : "taken_at", hourly ? "mx" : "exec_ms / nullif(calls, 0)", where,
        order_by, top_n);
    const char *p[3] = {s->sid, from, to};
    pf_result *r = NULL;
    int rc = pf_db_query(s->db, sql, 3, p, &r, err);
    free(sql);
    if (rc < 0)
        return -1;
    size_t n = (size_t)pf_result_nrows(r);
    pf_store_query *v = pf_calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        int row = (int)i;
        pf_store_query *q = &v[i];
        q->dbid = (uint32_t)strtoul(pf_result_get(r, row, 0), NULL, 10);
        q->queryid = i64(pf_result_get(r, row, 1));
        q->category = dup_or_null(pf_result_get(r, row, 2));
        q->calls = i64(pf_result_get(r, row, 3));
        q->exec_ms = dbl(pf_result_get(r, row, 4));
        q->rows = i64(pf_result_get(r, row, 5));
        q->shared_hit = i64(pf_result_get(r, row, 6));
        q->shared_read = i64(pf_result_get(r, row, 7));
        q->max_mean_ms = dbl(pf_result_get(r, row, 8));
        q->intervals = (long)i64(pf_result_get(r, row, 9));
        q->dbname = dup_or_null(pf_result_get(r, row, 10));
        q->query = dup_or_null(pf_result_get(r, row, 11));
        q->mean_ms = q->calls > 0 ? q->exec_ms / (double)q->calls : 0;
        q->level = level_of_query(st, n_st, q->dbid, q->queryid);
    }
    pf_result_free(r);
    *out = v;
    *n_out = n;
    return 0;
}

static int read_cat_series(pf_store *s, bool hourly, const char *from, const char *to,
                           double bucket_s, pf_store_dash *d, pf_error *err)
{
    char bucket[32], use_hourly[2] = {hourly ? 't' : 'f', '\0'};
    snprintf(bucket, sizeof bucket, "%.0f", bucket_s);
    const char *p[5] = {s->sid, from, to, bucket, use_hourly};
    pf_result *r = NULL;
    /* Complete hours from the roll-ups (long windows), the rest from raw
     * deltas; per interval and query first, so a bucket's worst query mean
     * is the worst interval's. */
    if (pf_db_query(s->db,
                    "WITH cut AS (SELECT CASE WHEN $5::boolean"
                    "  THEN coalesce(rolled_up_until, '-infinity') ELSE '-infinity' END AS t"
                    "  FROM " STORE_SCHEMA_DOT "sources WHERE source_id = $1),"
                    " q AS ("
                    "  SELECT h.hour AS t, h.category, h.dbid, h.queryid, sum(h.calls) AS calls,"
                    "  sum(h.exec_ms) AS exec_ms, max(h.max_mean_ms) AS mx"
                    "  FROM " STORE_SCHEMA_DOT "deltas_hourly h, cut WHERE h.source_id = $1"
                    "  AND h.hour > $2::timestamptz - interval '1 hour' AND h.hour <= $3"
                    "  AND h.hour < cut.t GROUP BY 1, 2, 3, 4"
                    "  UNION ALL"
                    "  SELECT d.taken_at, d.category, d.dbid, d.queryid, sum(d.calls),"
                    "  sum(d.exec_ms), sum(d.exec_ms) / nullif(sum(d.calls), 0)"
                    "  FROM " STORE_SCHEMA_DOT "deltas d, cut WHERE d.source_id = $1"
                    "  AND d.taken_at > $2 AND d.taken_at <= $3 AND d.taken_at >= cut.t"
                    "  GROUP BY 1, 2, 3, 4)"
                    " SELECT category,"
                    "  (floor(extract(epoch FROM t) / $4::float8) * $4::float8 * 1000000)::bigint"
                    "  AS b, sum(calls), sum(exec_ms), max(mx)"
                    " FROM q WHERE calls > 0 GROUP BY 1, 2 ORDER BY 1, 2",
                    5, p, &r, err) < 0)
        return -1;
    int n = pf_result_nrows(r);
    for (int i = 0; i < n; i++) {
        const char *cat = pf_result_get(r, i, 0);
        if (d->n_cats == 0 || strcmp(d->cats[d->n_cats - 1].category, cat) != 0) {
            d->cats = pf_realloc(d->cats, (d->n_cats + 1) * sizeof *d->cats);
            pf_store_cat_series *c = &d->cats[d->n_cats++];
            memset(c, 0, sizeof *c);
            c->category = pf_strdup(cat);
            c->pts = pf_calloc((size_t)(n - i), sizeof *c->pts);
        }
        pf_store_cat_series *c = &d->cats[d->n_cats - 1];
        pf_store_cat_point *pt = &c->pts[c->n++];
        pt->at_us = i64(pf_result_get(r, i, 1));
        pt->calls = i64(pf_result_get(r, i, 2));
        pt->exec_ms = dbl(pf_result_get(r, i, 3));
        pt->max_query_mean_ms = dbl(pf_result_get(r, i, 4));
        c->calls += pt->calls;
        c->exec_ms += pt->exec_ms;
    }
    pf_result_free(r);
    return 0;
}

static pf_level level_or_ok(const char *s)
{
    pf_level l = PF_LEVEL_OK;
    if (s == NULL || pf_level_parse(s, &l) < 0)
        return PF_LEVEL_OK;
    return l;
}

/* Pair the alert events (oldest first) of the window into spans. */
static int read_alert_spans(pf_store *s, const char *from, const char *to, pf_store_dash *d,
                            pf_error *err)
{
    const char *p[3] = {s->sid, from, to};
    pf_result *r = NULL;
    /* A week before the window too: an alert that fired before the window
     * and is still on (or resolves inside it) belongs to the picture. */
    if (pf_db_query(s->db,
                    "SELECT alert_key, kind, status, level, previous_level, category, dbname,"
                    " queryid, query, value_ms, limit_ms,"
                    " extract(epoch FROM at) * 1000000, extract(epoch FROM since) * 1000000"
                    " FROM " STORE_SCHEMA_DOT "alerts WHERE source_id = $1"
                    " AND at > $2::timestamptz - interval '7 days' AND at <= $3"
                    " ORDER BY at, alert_id",
                    3, p, &r, err) < 0)
        return -1;
    int n = pf_result_nrows(r);
    pf_store_alert_span *v = pf_calloc(n ? (size_t)n : 1, sizeof *v);
    size_t nv = 0;
    for (int i = 0; i < n; i++) {
        const char *key = pf_result_get(r, i, 0);
        const char *status = pf_result_get(r, i, 2);
        int64_t at = us_of(pf_result_get(r, i, 11));
        int64_t since = us_of(pf_result_get(r, i, 12));
        pf_store_alert_span *sp = NULL;
        for (size_t k = nv; k-- > 0;)
            if (v[k].end_us == 0 && strcmp(v[k].key, key) == 0) {
                sp = &v[k];
                break;
            }
        if (sp == NULL) {
            sp = &v[nv++];
            sp->key = pf_strdup(key);
            sp->kind = dup_or_null(pf_result_get(r, i, 1));
            sp->category = dup_or_null(pf_result_get(r, i, 5));
            sp->dbname = dup_or_null(pf_result_get(r, i, 6));
            sp->queryid = i64(pf_result_get(r, i, 7));
            sp->query = dup_or_null(pf_result_get(r, i, 8));
            sp->start_us = since ? since : at;
            sp->limit_ms = dbl(pf_result_get(r, i, 10));
        }
        sp->events++;
        bool resolved = strcmp(status, "resolved") == 0;
        int lv = (int)level_or_ok(pf_result_get(r, i, resolved ? 4 : 3));
        if (lv > sp->peak_level)
            sp->peak_level = lv;
        double val = dbl(pf_result_get(r, i, 9));
        if (!resolved && val > sp->peak_ms)
            sp->peak_ms = val;
        if (resolved)
            sp->end_us = at;
    }
    pf_result_free(r);
    /* Keep the spans that overlap the window. */
    size_t k = 0;
    for (size_t i = 0; i < nv; i++) {
        if (v[i].end_us != 0 && v[i].end_us < d->from_us) {
            free(v[i].key);
            free(v[i].kind);
            free(v[i].category);
            free(v[i].dbname);
            free(v[i].query);
            continue;
        }
        v[k++] = v[i];
    }
    d->alerts = v;
    d->n_alerts = k;
    return 0;
}

int pf_store_dashboard(pf_store *s, double window_ms, size_t max_points, size_t top_n,
                       pf_store_dash *d, pf_error *err)
{
    memset(d, 0, sizeof *d);
    d->source = pf_strdup(s->name ? s->name : "");
    d->target = pf_strdup(s->target ? s->target : "");
    pf_result *r = NULL;
    pf_alert_state *st = NULL;
    size_t n_st = 0;
    const char *p1[1] = {s->sid};
    if (pf_db_query(s->db,
                    "SELECT extract(epoch FROM min(taken_at)) * 1000000,"
                    " extract(epoch FROM max(taken_at)) * 1000000"
                    " FROM " STORE_SCHEMA_DOT "snapshots WHERE source_id = $1",
                    1, p1, &r, err) < 0)
        goto fail;
    d->first_us = us_of(pf_result_get(r, 0, 0));
    d->last_us = us_of(pf_result_get(r, 0, 1));
    pf_result_free(r);
    r = NULL;
    if (d->last_us == 0)
        return 0; /* nothing monitored yet */
    d->to_us = d->last_us;
    d->from_us = d->last_us - (int64_t)(window_ms * 1000);
    if (d->from_us < d->first_us)
        d->from_us = d->first_us; /* the window holds only what there is */
    double span_s = (double)(d->to_us - d->from_us) / 1e6;
    bool hourly = window_ms > 2 * 86400e3;
    d->bucket_s = nice_bucket(span_s / (double)(max_points ? max_points : 288));
    if (hourly && d->bucket_s < 3600)
        d->bucket_s = 3600;
    char from[48], to[48];
    /* The window's first snapshot belongs to it: start just before. */
    pf_store_format_time(d->from_us - 1, from, sizeof from);
    pf_store_format_time(d->to_us, to, sizeof to);
    const char *p3[3] = {s->sid, from, to};
    if (pf_db_query(s->db,
                    "SELECT count(*), count(*) FILTER (WHERE gap) FROM " STORE_SCHEMA_DOT "snapshots"
                    " WHERE source_id = $1 AND taken_at > $2 AND taken_at <= $3",
                    3, p3, &r, err) < 0)
        goto fail;
    d->snapshots = (long)i64(pf_result_get(r, 0, 0));
    d->gaps = (long)i64(pf_result_get(r, 0, 1));
    pf_result_free(r);
    r = NULL;
    if (pf_db_query(s->db,
                    "SELECT extract(epoch FROM taken_at) * 1000000 FROM " STORE_SCHEMA_DOT "snapshots"
                    " WHERE source_id = $1 AND taken_at > $2 AND taken_at <= $3 AND gap"
                    " ORDER BY taken_at LIMIT 200",
                    3, p3, &r, err) < 0)
        goto fail;
    d->n_gap_us = (size_t)pf_result_nrows(r);
    d->gap_us = pf_calloc(d->n_gap_us ? d->n_gap_us : 1, sizeof *d->gap_us);
    for (size_t i = 0; i < d->n_gap_us; i++)
        d->gap_us[i] = us_of(pf_result_get(r, (int)i, 0));
    pf_result_free(r);
    r = NULL;
    if (read_cat_series(s, hourly, from, to, d->bucket_s, d, err) < 0)
        goto fail;
    if (pf_store_load_alerts(s, &st, &n_st, err) < 0)
        goto fail;
    if (read_top(s, hourly, from, to, top_n, "", "a.exec_ms DESC", st, n_st, &d->top_total,
                 &d->n_top_total, err) < 0 ||
        read_top(s, hourly, from, to, top_n, "AND a.calls >= 2",
                 "a.exec_ms / a.calls DESC", st, n_st, &d->top_mean, &d->n_top_mean, err) < 0)
        goto fail;
    if (read_alert_spans(s, from, to, d, err) < 0)
        goto fail;
    pf_alert_states_free(st, n_st);
    return 0;
fail:
    pf_result_free(r);
    pf_alert_states_free(st, n_st);
    return -1;
}

/* ---- /metrics ---------------------------------------------------------- */

static void metric_dispose(pf_store_metric *m)
{
    free(m->category);
    free(m->dbname);
    free(m->query);
}

void pf_store_metrics_dispose(pf_store_metrics *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n_cats; i++)
        metric_dispose(&m->cats[i]);
    free(m->cats);
    for (size_t i = 0; i < m->n_queries; i++)
        metric_dispose(&m->queries[i]);
    free(m->queries);
    memset(m, 0, sizeof *m);
}

static pf_store_metric *cat_metric(pf_store_metrics *m, const char *category)
{
    const char *name = category ? category : "default";
    for (size_t i = 0; i < m->n_cats; i++)
        if (strcmp(m->cats[i].category, name) == 0)
            return &m->cats[i];
    m->cats = pf_realloc(m->cats, (m->n_cats + 1) * sizeof *m->cats);
    pf_store_metric *c = &m->cats[m->n_cats++];
    memset(c, 0, sizeof *c);
    c->category = pf_strdup(name);
    return c;
}

static int metric_cmp(const void *a, const void *b)
{
    return strcmp(((const pf_store_metric *)a)->category, ((const pf_store_metric *)b)->category);
}

/* The top_n queries of /metrics: active alerts (highest level first), then
 * by execution time over the hour before last. */
static void pick_queries(pf_store_metrics *m, const pf_alert_state *st, size_t n_st,
                         const pf_result *recent, size_t top_n)
{
    m->queries = pf_calloc(top_n ? top_n : 1, sizeof *m->queries);
    for (int lv = PF_LEVEL_EMERGENCY; lv > PF_LEVEL_OK; lv--)
        for (size_t i = 0; i < n_st && m->n_queries < top_n; i++) {
            if ((int)st[i].level != lv)
                continue;
            bool dup = false;
            for (size_t k = 0; k < m->n_queries && !dup; k++)
                dup = m->queries[k].dbid == st[i].dbid && m->queries[k].queryid == st[i].queryid;
            if (dup)
                continue;
            pf_store_metric *q = &m->queries[m->n_queries++];
            q->dbid = st[i].dbid;
            q->queryid = st[i].queryid;
            q->category = dup_or_null(st[i].category);
            q->dbname = dup_or_null(st[i].dbname);
        }
    for (int i = 0; i < pf_result_nrows(recent) && m->n_queries < top_n; i++) {
        uint32_t dbid = (uint32_t)strtoul(pf_result_get(recent, i, 0), NULL, 10);
        int64_t qid = i64(pf_result_get(recent, i, 1));
        bool dup = false;
        for (size_t k = 0; k < m->n_queries && !dup; k++)
            dup = m->queries[k].dbid == dbid && m->queries[k].queryid == qid;
        if (dup)
            continue;
        pf_store_metric *q = &m->queries[m->n_queries++];
        q->dbid = dbid;
        q->queryid = qid;
    }
}

/* The newest snapshot: when, its interval, whether it followed a gap, and
 * the gaps of the 24 hours before it. */
static int read_last_snapshot(pf_store *s, pf_store_metrics *m, pf_error *err)
{
    pf_result *r = NULL;
    const char *p1[1] = {s->sid};
    if (pf_db_query(s->db,
                    "SELECT extract(epoch FROM taken_at) * 1000000, interval_s, gap,"
                    " (SELECT count(*) FROM " STORE_SCHEMA_DOT "snapshots g WHERE g.source_id = $1 AND g.gap"
                    "  AND g.taken_at > n.taken_at - interval '24 hours')"
                    " FROM " STORE_SCHEMA_DOT "snapshots n WHERE source_id = $1 ORDER BY taken_at DESC LIMIT 1",
                    1, p1, &r, err) < 0)
        return -1;
    if (pf_result_nrows(r) == 1) {
        m->last_us = us_of(pf_result_get(r, 0, 0));
        m->last_interval_s = dbl(pf_result_get(r, 0, 1));
        m->last_gap = pf_result_get(r, 0, 2) && strcmp(pf_result_get(r, 0, 2), "t") == 0;
        m->gaps_24h = (long)i64(pf_result_get(r, 0, 3));
    }
    pf_result_free(r);
    return 0;
}

/* Per category: pg_stat_statements' cumulative counters as of the last
 * snapshot. */
static int read_category_counters(pf_store *s, pf_store_metrics *m, pf_error *err)
{
    pf_result *r = NULL;
    const char *p1[1] = {s->sid};
    if (pf_db_query(s->db,
                    "SELECT coalesce(st.category, 'default'), sum(c.calls), sum(c.exec_ms),"
                    " sum(c.rows), sum(c.shared_hit), sum(c.shared_read)"
                    " FROM " STORE_SCHEMA_DOT "counters c LEFT JOIN " STORE_SCHEMA_DOT "statements st"
                    " USING (source_id, dbid, userid, queryid, toplevel)"
                    " WHERE c.source_id = $1 GROUP BY 1",
                    1, p1, &r, err) < 0)
        return -1;
    for (int i = 0; i < pf_result_nrows(r); i++) {
        pf_store_metric *c = cat_metric(m, pf_result_get(r, i, 0));
        c->calls = i64(pf_result_get(r, i, 1));
        c->exec_ms = dbl(pf_result_get(r, i, 2));
        c->rows = i64(pf_result_get(r, i, 3));
        c->shared_hit = i64(pf_result_get(r, i, 4));
        c->shared_read = i64(pf_result_get(r, i, 5));
    }
    pf_result_free(r);
    return 0;
}

/* Per category: the interval of the snapshot taken at `last`. */
static int read_category_interval(pf_store *s, const char *last, pf_store_metrics *m,
                                  pf_error *err)
{
    pf_result *r = NULL;
    const char *p2[2] = {s->sid, last};
    if (pf_db_query(s->db,
                    "WITH q AS (SELECT category, dbid, queryid, sum(calls) AS calls,"
                    "  sum(exec_ms) AS e FROM " STORE_SCHEMA_DOT "deltas WHERE source_id = $1 AND taken_at = $2"
                    "  GROUP BY 1, 2, 3)"
                    " SELECT category, sum(calls), sum(e), max(e / nullif(calls, 0)) FROM q"
                    " GROUP BY 1",
                    2, p2, &r, err) < 0)
        return -1;
    for (int i = 0; i < pf_result_nrows(r); i++) {
        pf_store_metric *c = cat_metric(m, pf_result_get(r, i, 0));
        c->last_calls = i64(pf_result_get(r, i, 1));
        c->last_mean_ms = c->last_calls > 0 ? dbl(pf_result_get(r, i, 2)) / (double)c->last_calls
                                            : 0;
        c->last_max_mean_ms = dbl(pf_result_get(r, i, 3));
    }
    pf_result_free(r);
    return 0;
}

/* Choose the top_n queries (pick_queries) by execution time over the hour
 * up to `last`. */
static int read_top_queries(pf_store *s, const char *last, const pf_alert_state *st,
                            size_t n_st, size_t top_n, pf_store_metrics *m, pf_error *err)
{
    pf_result *r = NULL;
    const char *p2[2] = {s->sid, last};
    if (pf_db_query(s->db,
                    "SELECT dbid, queryid, sum(exec_ms) FROM " STORE_SCHEMA_DOT "deltas WHERE source_id = $1"
                    " AND taken_at > $2::timestamptz - interval '1 hour' AND taken_at <= $2"
                    " GROUP BY 1, 2 ORDER BY 3 DESC, 2 LIMIT " "1000",
                    2, p2, &r, err) < 0)
        return -1;
    pick_queries(m, st, n_st, r, top_n);
    pf_result_free(r);
    return 0;
}

/* Copy row i of the per-query numbers (read_query_numbers' columns) into q. */
static void fill_query(pf_store_metric *q, const pf_result *r, int i, const pf_alert_state *st,
                       size_t n_st)
{
    if (q->category == NULL)
        q->category = dup_or_null(pf_result_get(r, i, 2));
    if (q->dbname == NULL)
        q->dbname = dup_or_null(pf_result_get(r, i, 3));
    q->query = dup_or_null(pf_result_get(r, i, 4));
    q->calls = i64(pf_result_get(r, i, 5));
    q->exec_ms = dbl(pf_result_get(r, i, 6));
    q->rows = i64(pf_result_get(r, i, 7));
    q->shared_hit = i64(pf_result_get(r, i, 8));
    q->shared_read = i64(pf_result_get(r, i, 9));
    q->last_calls = i64(pf_result_get(r, i, 10));
    q->last_mean_ms =
        q->last_calls > 0 ? dbl(pf_result_get(r, i, 11)) / (double)q->last_calls : 0;
    q->level = level_of_query(st, n_st, q->dbid, q->queryid);
    if (q->category == NULL)
        q->category = pf_strdup("default");
}

/* The chosen queries' text, cumulative counters and last interval. */
static int read_query_numbers(pf_store *s, const char *last, const pf_alert_state *st,
                              size_t n_st, pf_store_metrics *m, pf_error *err)
{
    pf_result *r = NULL;
    pf_buf dbs = PF_BUF_INIT, qids = PF_BUF_INIT;
    for (size_t i = 0; i < m->n_queries; i++) {
        pf_buf_printf(&dbs, "%s%" PRIu32, i ? "," : "{", m->queries[i].dbid);
        pf_buf_printf(&qids, "%s%" PRId64, i ? "," : "{", m->queries[i].queryid);
    }
    pf_buf_putc(&dbs, '}');
    pf_buf_putc(&qids, '}');
    const char *p4[4] = {s->sid, last, dbs.data, qids.data};
    int rc = pf_db_query(s->db,
                         "WITH want AS (SELECT * FROM unnest($3::oid[], $4::bigint[])"
                         "  AS w(dbid, queryid)),"
                         " cum AS (SELECT c.dbid, c.queryid, max(st.category) AS category,"
                         "  max(st.dbname) AS dbname,"
                         "  (array_agg(st.query ORDER BY c.toplevel DESC, c.userid))[1] AS query,"
                         "  sum(c.calls) AS calls, sum(c.exec_ms) AS exec_ms, sum(c.rows) AS rows,"
                         "  sum(c.shared_hit) AS hit, sum(c.shared_read) AS rd"
                         "  FROM " STORE_SCHEMA_DOT "counters c JOIN want USING (dbid, queryid)"
                         "  LEFT JOIN " STORE_SCHEMA_DOT "statements st"
                         "  USING (source_id, dbid, userid, queryid, toplevel)"
                         "  WHERE c.source_id = $1 GROUP BY 1, 2),"
                         " last AS (SELECT d.dbid, d.queryid, sum(d.calls) AS calls,"
                         "  sum(d.exec_ms) AS exec_ms FROM " STORE_SCHEMA_DOT "deltas d JOIN want"
                         "  USING (dbid, queryid) WHERE d.source_id = $1 AND d.taken_at = $2"
                         "  GROUP BY 1, 2)"
                         " SELECT w.dbid, w.queryid, cum.category, cum.dbname, cum.query,"
                         "  cum.calls, cum.exec_ms, cum.rows, cum.hit, cum.rd, last.calls,"
                         "  last.exec_ms"
                         " FROM want w LEFT JOIN cum USING (dbid, queryid)"
                         " LEFT JOIN last USING (dbid, queryid)",
                         4, p4, &r, err);
    pf_buf_dispose(&dbs);
    pf_buf_dispose(&qids);
    if (rc < 0)
        return -1;
    for (int i = 0; i < pf_result_nrows(r); i++) {
        uint32_t dbid = (uint32_t)strtoul(pf_result_get(r, i, 0), NULL, 10);
        int64_t qid = i64(pf_result_get(r, i, 1));
        for (size_t k = 0; k < m->n_queries; k++)
            if (m->queries[k].dbid == dbid && m->queries[k].queryid == qid)
                fill_query(&m->queries[k], r, i, st, n_st);
    }
    pf_result_free(r);
    for (size_t k = 0; k < m->n_queries; k++)
        if (m->queries[k].category == NULL)
            m->queries[k].category = pf_strdup("default");
    return 0;
}

int pf_store_metrics_read(pf_store *s, size_t top_n, pf_store_metrics *m, pf_error *err)
{
    memset(m, 0, sizeof *m);
    pf_alert_state *st = NULL;
    size_t n_st = 0;
    if (read_last_snapshot(s, m, err) < 0)
        goto fail;
    char last[48];
    pf_store_format_time(m->last_us, last, sizeof last);
    if (read_category_counters(s, m, err) < 0 || read_category_interval(s, last, m, err) < 0)
        goto fail;
    if (pf_store_load_alerts(s, &st, &n_st, err) < 0)
        goto fail;
    m->alerts_active = (long)n_st;
    for (size_t i = 0; i < n_st; i++) {
        pf_store_metric *c = cat_metric(m, st[i].category);
        if ((int)st[i].level > c->level)
            c->level = (int)st[i].level;
    }
    if (m->n_cats > 1)
        qsort(m->cats, m->n_cats, sizeof *m->cats, metric_cmp);
    if (read_top_queries(s, last, st, n_st, top_n, m, err) < 0)
        goto fail;
    if (m->n_queries > 0 && read_query_numbers(s, last, st, n_st, m, err) < 0)
        goto fail;
    pf_alert_states_free(st, n_st);
    return 0;
fail:
    pf_alert_states_free(st, n_st);
    pf_store_metrics_dispose(m);
    return -1;
}
