/* pg_stat_statements snapshots, texts and deltas. */
#include "pss.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"

struct pf_pss_source {
    pf_db *db;
    char *schema;  /* quoted schema of the extension */
    char *version; /* "1.10" */
    int version_num; /* 110 */
    bool sees_all;
    char *identity;
    char *default_name;
};

int pf_pss_key_cmp(const pf_pss_key *a, const pf_pss_key *b)
{
    if (a->dbid != b->dbid)
        return a->dbid < b->dbid ? -1 : 1;
    if (a->userid != b->userid)
        return a->userid < b->userid ? -1 : 1;
    if (a->queryid != b->queryid)
        return a->queryid < b->queryid ? -1 : 1;
    if (a->toplevel != b->toplevel)
        return a->toplevel ? 1 : -1;
    return 0;
}

static int entry_cmp(const void *a, const void *b)
{
    return pf_pss_key_cmp(&((const pf_pss_entry *)a)->key, &((const pf_pss_entry *)b)->key);
}

pf_pss_snapshot *pf_pss_snapshot_new(size_t n)
{
    pf_pss_snapshot *s = pf_calloc(1, sizeof *s);
    s->dealloc = -1;
    s->n = n;
    s->entries = pf_calloc(n ? n : 1, sizeof *s->entries);
    return s;
}

void pf_pss_snapshot_sort(pf_pss_snapshot *s)
{
    if (s->n > 1)
        qsort(s->entries, s->n, sizeof *s->entries, entry_cmp);
}

const pf_pss_entry *pf_pss_snapshot_find(const pf_pss_snapshot *s, const pf_pss_key *key)
{
    if (s == NULL)
        return NULL;
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = pf_pss_key_cmp(&s->entries[mid].key, key);
        if (c == 0)
            return &s->entries[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

pf_pss_snapshot *pf_pss_snapshot_copy(const pf_pss_snapshot *s)
{
    if (s == NULL)
        return NULL;
    pf_pss_snapshot *c = pf_pss_snapshot_new(s->n);
    pf_pss_entry *keep = c->entries;
    *c = *s;
    c->entries = keep;
    if (s->n > 0)
        memcpy(c->entries, s->entries, s->n * sizeof *s->entries);
    return c;
}

void pf_pss_snapshot_free(pf_pss_snapshot *s)
{
    if (s == NULL)
        return;
    free(s->entries);
    free(s);
}

void pf_stmt_info_dispose(pf_stmt_info *s)
{
    if (s == NULL)
        return;
    free(s->query);
    free(s->dbname);
    free(s->username);
    memset(s, 0, sizeof *s);
}

/* ---- deltas ---------------------------------------------------------- */

static int64_t pos_i(int64_t v)
{
    return v > 0 ? v : 0;
}

static double pos_d(double v)
{
    return (isfinite(v) && v > 0) ? v : 0;
}

/* Did any counter go down (the entry was dropped and created again)? */
static bool went_down(const pf_pss_counters *b, const pf_pss_counters *a)
{
    /* Float sums can wobble in the last bits; a real decrease is large. */
    double eps = 1e-6 * (fabs(b->exec_ms) + 1);
    return a->calls < b->calls || a->rows < b->rows || a->shared_hit < b->shared_hit ||
           a->shared_read < b->shared_read || a->temp_read < b->temp_read ||
           a->temp_written < b->temp_written || a->exec_ms < b->exec_ms - eps ||
           a->plan_ms < b->plan_ms - 1e-6 * (fabs(b->plan_ms) + 1);
}

static void fill_delta(pf_pss_delta *d, const pf_pss_counters *c, const pf_pss_counters *b)
{
    pf_pss_counters z;
    memset(&z, 0, sizeof z);
    if (b == NULL)
        b = &z;
    d->calls = pos_i(c->calls - b->calls);
    d->rows = pos_i(c->rows - b->rows);
    d->shared_hit = pos_i(c->shared_hit - b->shared_hit);
    d->shared_read = pos_i(c->shared_read - b->shared_read);
    d->temp_read = pos_i(c->temp_read - b->temp_read);
    d->temp_written = pos_i(c->temp_written - b->temp_written);
    d->exec_ms = pos_d(c->exec_ms - b->exec_ms);
    d->plan_ms = pos_d(c->plan_ms - b->plan_ms);
    d->mean_ms = d->calls > 0 ? d->exec_ms / (double)d->calls : 0;
    double sumsq = pos_d(c->sumsq - b->sumsq);
    double var = d->calls > 0 ? sumsq / (double)d->calls - d->mean_ms * d->mean_ms : 0;
    d->stddev_ms = pos_d(var) > 0 ? sqrt(var) : 0;
}

void pf_pss_diff_compute(const pf_pss_snapshot *prev, const pf_pss_snapshot *cur, pf_pss_diff *out)
{
    memset(out, 0, sizeof *out);
    out->to_us = cur->taken_us;
    if (prev == NULL) {
        out->baseline = true;
        out->from_us = cur->taken_us;
        return;
    }
    out->from_us = prev->taken_us;
    out->server_restarted = prev->server_start_us != 0 && cur->server_start_us != 0 &&
                            prev->server_start_us != cur->server_start_us;
    out->reset = (prev->stats_reset_us != 0 && cur->stats_reset_us != 0 &&
                  prev->stats_reset_us != cur->stats_reset_us) ||
                 (prev->dealloc >= 0 && cur->dealloc >= 0 && cur->dealloc < prev->dealloc);
    if (prev->dealloc >= 0 && cur->dealloc >= 0)
        out->evicted = out->reset ? cur->dealloc : pos_i(cur->dealloc - prev->dealloc);
    out->d = pf_calloc(cur->n ? cur->n : 1, sizeof *out->d);
    for (size_t i = 0; i < cur->n; i++) {
        const pf_pss_entry *e = &cur->entries[i];
        const pf_pss_entry *b = out->reset ? NULL : pf_pss_snapshot_find(prev, &e->key);
        bool recreated = false;
        if (b != NULL && ((e->c.stats_since_us != 0 && b->c.stats_since_us != 0 &&
                           e->c.stats_since_us != b->c.stats_since_us) ||
                          went_down(&b->c, &e->c))) {
            recreated = true;
            b = NULL;
        }
        pf_pss_delta d;
        memset(&d, 0, sizeof d);
        d.key = e->key;
        d.recreated = recreated;
        fill_delta(&d, &e->c, b ? &b->c : NULL);
        if (d.calls == 0)
            continue;
        if (recreated)
            out->recreated++;
        out->d[out->n++] = d;
    }
}

void pf_pss_diff_dispose(pf_pss_diff *d)
{
    free(d->d);
    memset(d, 0, sizeof *d);
}

/* ---- the monitored server ------------------------------------------- */

static int64_t to_i64(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

static double to_d(const char *s)
{
    if (s == NULL)
        return 0;
    double v = strtod(s, NULL);
    return isfinite(v) ? v : 0;
}

int pf_pss_source_open(pf_pss_source **out, const char *dsn, double statement_timeout_ms,
                       pf_error *err)
{
    *out = NULL;
    pf_db *db = NULL;
    if (pf_db_connect_session(&db, dsn, "perfgate monitor", 10, err) < 0)
        return -1;
    pf_pss_source *s = pf_calloc(1, sizeof *s);
    s->db = db;
    pf_result *r = NULL;
    int rc = -1;
    long tmo = statement_timeout_ms > 0 ? (long)statement_timeout_ms : 10000;
    char *set = pf_asprintf("SET statement_timeout = %ld; SET lock_timeout = %ld", tmo, tmo);
    if (pf_db_exec(db, set, err) < 0)
        goto done;
    if (pf_db_query(db,
                    "SELECT e.extversion, quote_ident(n.nspname), current_database(),"
                    " (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
                    "   OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER'),"
                    " (SELECT system_identifier::text FROM pg_control_system())"
                    "   || '/' || current_database(),"
                    " current_database() || '@' || coalesce(host(inet_server_addr()), 'local')"
                    "   || ':' || current_setting('port')"
                    " FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
                    " RIGHT JOIN (VALUES (1)) one(x) ON e.extname = 'pg_stat_statements'",
                    0, NULL, &r, err) < 0)
        goto done;
    const char *ver = pf_result_get(r, 0, 0);
    const char *dbname = pf_result_get(r, 0, 2);
    if (ver == NULL) {
        pf_error_set(err, PF_EXIT_INFRA,
                     "pg_stat_statements is not installed in database \"%s\": run CREATE "
                     "EXTENSION pg_stat_statements there (with pg_stat_statements in "
                     "shared_preload_libraries)",
                     dbname ? dbname : "?");
        goto done;
    }
    int major = 0, minor = 0;
    sscanf(ver, "%d.%d", &major, &minor);
    s->version = pf_strdup(ver);
    s->version_num = major * 100 + minor;
    s->schema = pf_strdup(pf_result_get(r, 0, 1));
    s->sees_all = pf_result_get(r, 0, 3) && strcmp(pf_result_get(r, 0, 3), "t") == 0;
    s->identity = pf_strdup(pf_result_get(r, 0, 4) ? pf_result_get(r, 0, 4) : "?");
    s->default_name = pf_strdup(pf_result_get(r, 0, 5) ? pf_result_get(r, 0, 5) : "?");
    if (s->version_num < 108) {
        pf_error_set(err, PF_EXIT_INFRA,
                     "pg_stat_statements %s is too old (1.8, PostgreSQL 13, or newer needed): "
                     "ALTER EXTENSION pg_stat_statements UPDATE",
                     ver);
        goto done;
    }
    /* Loaded, not only created? */
    char *probe = pf_asprintf("SELECT count(*) FROM %s.pg_stat_statements(false) WHERE false",
                              s->schema);
    char *ignored = NULL;
    int prc = pf_db_query_value(db, probe, &ignored, err);
    free(probe);
    free(ignored);
    if (prc < 0) {
        pf_error_prefix(err, "pg_stat_statements");
        err->code = PF_EXIT_INFRA;
        goto done;
    }
    rc = 0;
done:
    free(set);
    pf_result_free(r);
    if (rc < 0) {
        pf_pss_source_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void pf_pss_source_close(pf_pss_source *s)
{
    if (s == NULL)
        return;
    pf_db_close(s->db);
    free(s->schema);
    free(s->version);
    free(s->identity);
    free(s->default_name);
    free(s);
}

bool pf_pss_source_broken(const pf_pss_source *s)
{
    return s == NULL || pf_db_broken(s->db);
}

const char *pf_pss_source_version(const pf_pss_source *s)
{
    return s->version;
}

bool pf_pss_source_sees_all(const pf_pss_source *s)
{
    return s->sees_all;
}

const char *pf_pss_source_identity(const pf_pss_source *s)
{
    return s->identity;
}

const char *pf_pss_source_default_name(const pf_pss_source *s)
{
    return s->default_name;
}

/* An entry and, when texts were read with it, what describes it. */
typedef struct collected {
    pf_pss_entry e;
    pf_stmt_info info;
} collected;

static int collected_cmp(const void *a, const void *b)
{
    return pf_pss_key_cmp(&((const collected *)a)->e.key, &((const collected *)b)->e.key);
}

static int fill_names(pf_pss_source *s, pf_stmt_info *info, size_t n, pf_error *err);

/* The counters of every entry, with their texts when info is not NULL. */
static int collect(pf_pss_source *s, pf_pss_snapshot **out, pf_stmt_info **info, pf_error *err)
{
    *out = NULL;
    if (info != NULL)
        *info = NULL;
    pf_result *meta = NULL, *rows = NULL;
    char *q_info = NULL, *q_rows = NULL;
    collected *v = NULL;
    int n = 0, rc = -1;
    bool has_info = s->version_num >= 109;
    bool has_toplevel = s->version_num >= 109;
    bool has_since = s->version_num >= 111;
    if (has_info)
        q_info = pf_asprintf(
            "SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint,"
            " (extract(epoch FROM i.stats_reset) * 1000000)::bigint, i.dealloc,"
            " (extract(epoch FROM pg_postmaster_start_time()) * 1000000)::bigint"
            " FROM %s.pg_stat_statements_info() i",
            s->schema);
    else
        q_info = pf_strdup("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint,"
                           " NULL, NULL,"
                           " (extract(epoch FROM pg_postmaster_start_time()) * 1000000)::bigint");
    q_rows = pf_asprintf(
        "SELECT dbid, userid, %s, queryid, calls, rows, shared_blks_hit, shared_blks_read,"
        " temp_blks_read, temp_blks_written, total_exec_time, total_plan_time,"
        " stddev_exec_time, mean_exec_time, %s%s"
        " FROM %s.pg_stat_statements(%s) WHERE queryid IS NOT NULL",
        has_toplevel ? "toplevel" : "true",
        has_since ? "(extract(epoch FROM stats_since) * 1000000)::bigint" : "0",
        info ? ", query" : "", s->schema, info ? "true" : "false");
    if (pf_db_query(s->db, q_info, 0, NULL, &meta, err) < 0)
        goto done;
    if (pf_db_query(s->db, q_rows, 0, NULL, &rows, err) < 0)
        goto done;
    n = pf_result_nrows(rows);
    v = pf_calloc(n ? (size_t)n : 1, sizeof *v);
    for (int i = 0; i < n; i++) {
        pf_pss_entry *e = &v[i].e;
        e->key.dbid = (uint32_t)strtoul(pf_result_get(rows, i, 0), NULL, 10);
        e->key.userid = (uint32_t)strtoul(pf_result_get(rows, i, 1), NULL, 10);
        const char *tl = pf_result_get(rows, i, 2);
        e->key.toplevel = tl == NULL || strcmp(tl, "t") == 0;
        e->key.queryid = to_i64(pf_result_get(rows, i, 3));
        e->c.calls = to_i64(pf_result_get(rows, i, 4));
        e->c.rows = to_i64(pf_result_get(rows, i, 5));
        e->c.shared_hit = to_i64(pf_result_get(rows, i, 6));
        e->c.shared_read = to_i64(pf_result_get(rows, i, 7));
        e->c.temp_read = to_i64(pf_result_get(rows, i, 8));
        e->c.temp_written = to_i64(pf_result_get(rows, i, 9));
        e->c.exec_ms = to_d(pf_result_get(rows, i, 10));
        e->c.plan_ms = to_d(pf_result_get(rows, i, 11));
        double sd = to_d(pf_result_get(rows, i, 12));
        double mean = to_d(pf_result_get(rows, i, 13));
        e->c.sumsq = (double)e->c.calls * (sd * sd + mean * mean);
        e->c.stats_since_us = to_i64(pf_result_get(rows, i, 14));
        if (info != NULL) {
            const char *q = pf_result_get(rows, i, 15);
            v[i].info.key = e->key;
            v[i].info.query = q ? pf_strdup(q) : NULL;
        }
    }
    if (n > 1)
        qsort(v, (size_t)n, sizeof *v, collected_cmp);
    pf_pss_snapshot *snap = pf_pss_snapshot_new((size_t)n);
    snap->taken_us = to_i64(pf_result_get(meta, 0, 0));
    snap->stats_reset_us = to_i64(pf_result_get(meta, 0, 1));
    snap->dealloc = pf_result_get(meta, 0, 2) ? to_i64(pf_result_get(meta, 0, 2)) : -1;
    snap->server_start_us = to_i64(pf_result_get(meta, 0, 3));
    for (int i = 0; i < n; i++)
        snap->entries[i] = v[i].e;
    if (info != NULL) {
        pf_stmt_info *in = pf_calloc(n ? (size_t)n : 1, sizeof *in);
        for (int i = 0; i < n; i++)
            in[i] = v[i].info;
        free(v);
        v = NULL;
        if (fill_names(s, in, (size_t)n, err) < 0) {
            for (int i = 0; i < n; i++)
                pf_stmt_info_dispose(&in[i]);
            free(in);
            pf_pss_snapshot_free(snap);
            goto done;
        }
        *info = in;
    }
    *out = snap;
    rc = 0;
done:
    if (v != NULL)
        for (int i = 0; i < n; i++)
            pf_stmt_info_dispose(&v[i].info);
    free(v);
    pf_result_free(meta);
    pf_result_free(rows);
    free(q_info);
    free(q_rows);
    return rc;
}

int pf_pss_collect(pf_pss_source *s, pf_pss_snapshot **out, pf_error *err)
{
    return collect(s, out, NULL, err);
}

int pf_pss_collect_info(pf_pss_source *s, pf_pss_snapshot **out, pf_stmt_info **info,
                        pf_error *err)
{
    return collect(s, out, info, err);
}

/* "{a,b,c}" of the keys' queryids. */
static char *array_literal(const pf_pss_key *keys, size_t n)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_putc(&b, '{');
    for (size_t i = 0; i < n; i++)
        pf_buf_printf(&b, "%s%" PRId64, i ? "," : "", keys[i].queryid);
    pf_buf_putc(&b, '}');
    return pf_buf_steal(&b);
}

typedef struct oid_name {
    uint32_t oid;
    char *name;
} oid_name;

static int oid_name_cmp(const void *a, const void *b)
{
    uint32_t x = ((const oid_name *)a)->oid, y = ((const oid_name *)b)->oid;
    return x < y ? -1 : x > y;
}

static int fetch_names(pf_db *db, const char *sql, const char *arr, oid_name **out, size_t *n,
                       pf_error *err)
{
    pf_result *r = NULL;
    const char *params[1] = {arr};
    if (pf_db_query(db, sql, 1, params, &r, err) < 0)
        return -1;
    *n = (size_t)pf_result_nrows(r);
    *out = pf_calloc(*n ? *n : 1, sizeof **out);
    for (size_t i = 0; i < *n; i++) {
        (*out)[i].oid = (uint32_t)strtoul(pf_result_get(r, (int)i, 0), NULL, 10);
        (*out)[i].name = pf_strdup(pf_result_get(r, (int)i, 1));
    }
    qsort(*out, *n, sizeof **out, oid_name_cmp);
    pf_result_free(r);
    return 0;
}

static const char *name_of(const oid_name *v, size_t n, uint32_t oid)
{
    oid_name k = {oid, NULL};
    const oid_name *f = bsearch(&k, v, n, sizeof *v, oid_name_cmp);
    return f ? f->name : NULL;
}

static void free_names(oid_name *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}

typedef struct key_index {
    pf_pss_key key;
    size_t pos;
} key_index;

static int key_index_cmp(const void *a, const void *b)
{
    return pf_pss_key_cmp(&((const key_index *)a)->key, &((const key_index *)b)->key);
}

static int oid_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* "{a,b,c}" of the distinct database (roles false) or role oids. */
static char *oid_literal(const pf_stmt_info *info, size_t n, bool roles)
{
    uint32_t *v = pf_calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = roles ? info[i].key.userid : info[i].key.dbid;
    qsort(v, n, sizeof *v, oid_cmp);
    pf_buf b = PF_BUF_INIT;
    pf_buf_putc(&b, '{');
    for (size_t i = 0; i < n; i++)
        if (i == 0 || v[i] != v[i - 1])
            pf_buf_printf(&b, "%s%" PRIu32, b.len > 1 ? "," : "", v[i]);
    pf_buf_putc(&b, '}');
    free(v);
    return pf_buf_steal(&b);
}

/* Database and role names of the described entries. */
static int fill_names(pf_pss_source *s, pf_stmt_info *info, size_t n, pf_error *err)
{
    if (n == 0)
        return 0;
    char *dbs = oid_literal(info, n, false);
    char *users = oid_literal(info, n, true);
    oid_name *dbn = NULL, *usern = NULL;
    size_t ndb = 0, nuser = 0;
    int rc = -1;
    if (fetch_names(s->db, "SELECT oid, datname FROM pg_database WHERE oid = ANY($1::oid[])",
                    dbs, &dbn, &ndb, err) < 0)
        goto done;
    if (fetch_names(s->db, "SELECT oid, rolname FROM pg_roles WHERE oid = ANY($1::oid[])", users,
                    &usern, &nuser, err) < 0)
        goto done;
    for (size_t j = 0; j < n; j++) {
        const char *d = name_of(dbn, ndb, info[j].key.dbid);
        const char *u = name_of(usern, nuser, info[j].key.userid);
        info[j].dbname = d ? pf_strdup(d) : NULL;
        info[j].username = u ? pf_strdup(u) : NULL;
    }
    rc = 0;
done:
    free(dbs);
    free(users);
    free_names(dbn, ndb);
    free_names(usern, nuser);
    return rc;
}

int pf_pss_fetch_info(pf_pss_source *s, const pf_pss_key *keys, size_t n, pf_stmt_info **out,
                      pf_error *err)
{
    *out = NULL;
    pf_stmt_info *info = pf_calloc(n ? n : 1, sizeof *info);
    for (size_t i = 0; i < n; i++)
        info[i].key = keys[i];
    if (n == 0) {
        *out = info;
        return 0;
    }
    char *qids = array_literal(keys, n);
    pf_result *r = NULL;
    int rc = -1;
    char *sql = pf_asprintf("SELECT dbid, userid, %s, queryid, query"
                            " FROM %s.pg_stat_statements(true)"
                            " WHERE queryid = ANY($1::bigint[])",
                            s->version_num >= 109 ? "toplevel" : "true", s->schema);
    const char *params[1] = {qids};
    if (pf_db_query(s->db, sql, 1, params, &r, err) < 0)
        goto done;
    /* Match rows to keys through a sorted index (keys come in any order). */
    key_index *idx = pf_calloc(n, sizeof *idx);
    for (size_t j = 0; j < n; j++) {
        idx[j].key = keys[j];
        idx[j].pos = j;
    }
    qsort(idx, n, sizeof *idx, key_index_cmp);
    for (int i = 0; i < pf_result_nrows(r); i++) {
        pf_pss_key k;
        k.dbid = (uint32_t)strtoul(pf_result_get(r, i, 0), NULL, 10);
        k.userid = (uint32_t)strtoul(pf_result_get(r, i, 1), NULL, 10);
        k.toplevel = strcmp(pf_result_get(r, i, 2), "t") == 0;
        k.queryid = to_i64(pf_result_get(r, i, 3));
        const char *q = pf_result_get(r, i, 4);
        if (q == NULL)
            continue;
        key_index probe = {k, 0};
        const key_index *hit = bsearch(&probe, idx, n, sizeof *idx, key_index_cmp);
        if (hit != NULL && info[hit->pos].query == NULL)
            info[hit->pos].query = pf_strdup(q);
    }
    free(idx);
    rc = fill_names(s, info, n, err);
done:
    free(sql);
    free(qids);
    pf_result_free(r);
    if (rc < 0) {
        for (size_t j = 0; j < n; j++)
            pf_stmt_info_dispose(&info[j]);
        free(info);
        return -1;
    }
    *out = info;
    return 0;
}
