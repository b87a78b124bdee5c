/* The history store: migrations, batch writes (idempotent, one
 * transaction), state loading, baselines, roll-ups and retention. */
#include "store.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "db.h"
#include "store_int.h"


/* Forward migrations: migration i brings the schema to version i + 1. Never
 * edit one that has shipped; append a new one. */
static const struct migration {
    const char *description;
    const char *sql;
} k_migrations[] = {
    {"snapshots, deltas, hourly roll-ups, counters, statements, alert state and alerts",
     "CREATE TABLE " STORE_SCHEMA_DOT "sources ("
     " source_id serial PRIMARY KEY,"
     " name text NOT NULL UNIQUE,"
     " target text NOT NULL,"
     " identity text,"
     " created_at timestamptz NOT NULL DEFAULT now(),"
     " rolled_up_until timestamptz,"
     " maintained_at timestamptz);"
     "CREATE TABLE " STORE_SCHEMA_DOT "snapshots ("
     " source_id int NOT NULL REFERENCES " STORE_SCHEMA_DOT "sources ON DELETE CASCADE,"
     " taken_at timestamptz NOT NULL,"
     " prev_taken_at timestamptz,"
     " interval_s double precision,"
     " statements int NOT NULL,"
     " changed int NOT NULL,"
     " new_statements int NOT NULL DEFAULT 0,"
     " stats_reset timestamptz,"
     " dealloc bigint,"
     " server_started timestamptz,"
     " baseline boolean NOT NULL DEFAULT false,"
     " reset boolean NOT NULL DEFAULT false,"
     " server_restarted boolean NOT NULL DEFAULT false,"
     " evicted bigint NOT NULL DEFAULT 0,"
     " recreated int NOT NULL DEFAULT 0,"
     " gap boolean NOT NULL DEFAULT false,"
     " gap_reason text,"
     " collect_ms double precision,"
     " alerts int NOT NULL DEFAULT 0,"
     " stored_at timestamptz NOT NULL DEFAULT now(),"
     " PRIMARY KEY (source_id, taken_at));"
     "CREATE TABLE " STORE_SCHEMA_DOT "statements ("
     " source_id int NOT NULL REFERENCES " STORE_SCHEMA_DOT "sources ON DELETE CASCADE,"
     " dbid oid NOT NULL, userid oid NOT NULL, queryid bigint NOT NULL, toplevel boolean NOT NULL,"
     " dbname text, username text,"
     " category text NOT NULL,"
     " query text,"
     " first_seen timestamptz NOT NULL,"
     " PRIMARY KEY (source_id, dbid, userid, queryid, toplevel));"
     "CREATE TABLE " STORE_SCHEMA_DOT "deltas ("
     " source_id int NOT NULL, taken_at timestamptz NOT NULL,"
     " dbid oid NOT NULL, userid oid NOT NULL, queryid bigint NOT NULL, toplevel boolean NOT NULL,"
     " category text NOT NULL,"
     " calls bigint NOT NULL CHECK (calls >= 0),"
     " exec_ms double precision NOT NULL CHECK (exec_ms >= 0),"
     " plan_ms double precision NOT NULL CHECK (plan_ms >= 0),"
     " mean_ms double precision NOT NULL CHECK (mean_ms >= 0),"
     " stddev_ms double precision NOT NULL CHECK (stddev_ms >= 0),"
     " rows bigint NOT NULL CHECK (rows >= 0),"
     " shared_hit bigint NOT NULL CHECK (shared_hit >= 0),"
     " shared_read bigint NOT NULL CHECK (shared_read >= 0),"
     " temp_read bigint NOT NULL CHECK (temp_read >= 0),"
     " temp_written bigint NOT NULL CHECK (temp_written >= 0),"
     " recreated boolean NOT NULL DEFAULT false);"
     /* No primary key: a snapshot's deltas are written once, in the
      * transaction that inserts its snapshot row (whose key makes retries
      * idempotent); one B-tree less per row halves the write cost. */
     "CREATE INDEX deltas_query_idx ON " STORE_SCHEMA_DOT "deltas (source_id, queryid, taken_at);"
     "CREATE INDEX deltas_time_idx ON " STORE_SCHEMA_DOT "deltas USING brin (taken_at);"
     "CREATE TABLE " STORE_SCHEMA_DOT "deltas_hourly ("
     " source_id int NOT NULL, hour timestamptz NOT NULL,"
     " dbid oid NOT NULL, userid oid NOT NULL, queryid bigint NOT NULL, toplevel boolean NOT NULL,"
     " category text NOT NULL,"
     " intervals int NOT NULL,"
     " calls bigint NOT NULL, exec_ms double precision NOT NULL, plan_ms double precision NOT NULL,"
     " rows bigint NOT NULL, shared_hit bigint NOT NULL, shared_read bigint NOT NULL,"
     " temp_read bigint NOT NULL, temp_written bigint NOT NULL,"
     " max_mean_ms double precision NOT NULL,"
     " PRIMARY KEY (source_id, hour, dbid, userid, queryid, toplevel));"
     "CREATE INDEX deltas_hourly_query_idx ON " STORE_SCHEMA_DOT "deltas_hourly (source_id, queryid, hour);"
     "CREATE TABLE " STORE_SCHEMA_DOT "counters ("
     " source_id int NOT NULL, dbid oid NOT NULL, userid oid NOT NULL, queryid bigint NOT NULL,"
     " toplevel boolean NOT NULL,"
     " calls bigint NOT NULL, rows bigint NOT NULL, shared_hit bigint NOT NULL,"
     " shared_read bigint NOT NULL, temp_read bigint NOT NULL, temp_written bigint NOT NULL,"
     " exec_ms double precision NOT NULL, plan_ms double precision NOT NULL,"
     " sumsq double precision NOT NULL, stats_since_us bigint NOT NULL DEFAULT 0,"
     " PRIMARY KEY (source_id, dbid, userid, queryid, toplevel))"
     " WITH (fillfactor = 70);" /* room for HOT updates: rewritten every interval */
     "CREATE TABLE " STORE_SCHEMA_DOT "alert_state ("
     " source_id int NOT NULL, alert_key text NOT NULL,"
     " kind text NOT NULL, category text, dbid oid, queryid bigint, dbname text, query text,"
     " level text NOT NULL, notified_level text NOT NULL,"
     " since timestamptz NOT NULL, last_sent timestamptz NOT NULL, last_seen timestamptz NOT NULL,"
     " clear_count int NOT NULL,"
     " value_ms double precision, limit_ms double precision, baseline_ms double precision,"
     " calls bigint,"
     " PRIMARY KEY (source_id, alert_key));"
     "CREATE TABLE " STORE_SCHEMA_DOT "alerts ("
     " alert_id bigserial PRIMARY KEY,"
     " source_id int NOT NULL, taken_at timestamptz NOT NULL, at timestamptz NOT NULL,"
     " alert_key text NOT NULL, kind text NOT NULL, status text NOT NULL,"
     " level text NOT NULL, previous_level text NOT NULL,"
     " category text, dbid oid, dbname text, queryid bigint, query text,"
     " value_ms double precision, limit_ms double precision, baseline_ms double precision,"
     " calls bigint, interval_s double precision, since timestamptz,"
     " delivery text);"
     "CREATE INDEX alerts_source_at_idx ON " STORE_SCHEMA_DOT "alerts (source_id, at);"},
    /* Counters stop being rewritten every interval: an entry's row holds
     * pg_stat_statements' counters as of the snapshot as_of, and its deltas
     * taken after as_of add up to its counters now. A plain delta (now
     * minus the previous snapshot) is the only row a changed entry needs;
     * a new, recreated or reset entry gets its row rewritten; maintenance
     * folds the deltas in before retention may delete them. The view
     * counters keeps the old table's name, columns and meaning (current as
     * of the newest snapshot) for every reader. Version 1 kept each row
     * current as of its source's newest snapshot: that is its as_of. The
     * sum of squares of an interval comes back from its mean and standard
     * deviation (calls * (stddev^2 + mean^2), as pss.c computes them). */
    {"counter_base with as_of; counters a view adding the later deltas",
     "ALTER TABLE " STORE_SCHEMA_DOT "counters RENAME TO counter_base;"
     "ALTER INDEX " STORE_SCHEMA_DOT "counters_pkey RENAME TO counter_base_pkey;"
     "ALTER TABLE " STORE_SCHEMA_DOT "counter_base ADD COLUMN as_of timestamptz NOT NULL DEFAULT 'infinity';"
     "UPDATE " STORE_SCHEMA_DOT "counter_base b SET as_of = n.t FROM (SELECT source_id, max(taken_at) AS t"
     " FROM " STORE_SCHEMA_DOT "snapshots GROUP BY source_id) n WHERE b.source_id = n.source_id;"
     "ALTER TABLE " STORE_SCHEMA_DOT "counter_base ALTER COLUMN as_of DROP DEFAULT;"
     "CREATE VIEW " STORE_SCHEMA_DOT "counters AS SELECT b.source_id, b.dbid, b.userid, b.queryid, b.toplevel,"
     " b.calls + coalesce(d.calls, 0) AS calls, b.rows + coalesce(d.rows, 0) AS rows,"
     " b.shared_hit + coalesce(d.shared_hit, 0) AS shared_hit,"
     " b.shared_read + coalesce(d.shared_read, 0) AS shared_read,"
     " b.temp_read + coalesce(d.temp_read, 0) AS temp_read,"
     " b.temp_written + coalesce(d.temp_written, 0) AS temp_written,"
     " b.exec_ms + coalesce(d.exec_ms, 0) AS exec_ms,"
     " b.plan_ms + coalesce(d.plan_ms, 0) AS plan_ms,"
     " b.sumsq + coalesce(d.sumsq, 0) AS sumsq, b.stats_since_us"
     " FROM " STORE_SCHEMA_DOT "counter_base b LEFT JOIN LATERAL (SELECT sum(x.calls)::bigint AS calls,"
     " sum(x.rows)::bigint AS rows, sum(x.shared_hit)::bigint AS shared_hit,"
     " sum(x.shared_read)::bigint AS shared_read, sum(x.temp_read)::bigint AS temp_read,"
     " sum(x.temp_written)::bigint AS temp_written, sum(x.exec_ms) AS exec_ms,"
     " sum(x.plan_ms) AS plan_ms,"
     " sum(x.calls * (x.stddev_ms * x.stddev_ms + x.mean_ms * x.mean_ms)) AS sumsq"
     " FROM " STORE_SCHEMA_DOT "deltas x WHERE x.source_id = b.source_id AND x.queryid = b.queryid"
     " AND x.dbid = b.dbid AND x.userid = b.userid AND x.toplevel = b.toplevel"
     " AND x.taken_at > b.as_of) d ON true;"},
};
#define N_MIGRATIONS ((int)(sizeof k_migrations / sizeof k_migrations[0]))
_Static_assert(sizeof k_migrations / sizeof k_migrations[0] == PF_STORE_VERSION,
               "PF_STORE_VERSION is the number of migrations");

void pf_store_format_time(int64_t us, char *buf, size_t len)
{
    int64_t sec = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    int64_t frac = us - sec * 1000000;
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf, len, "%s.%06" PRId64 "+00", base, frac);
}

/* COPY text format: escape the characters COPY treats specially (runs of
 * ordinary ones are appended at once: query texts are most of a first
 * snapshot's bytes). */
static void copy_text(pf_buf *b, const char *s)
{
    if (s == NULL) {
        pf_buf_puts(b, "\\N");
        return;
    }
    for (const char *p = s; *p;) {
        size_t run = strcspn(p, "\\\n\r\t");
        pf_buf_append(b, p, run);
        p += run;
        if (*p == '\0')
            break;
        char esc[2] = {'\\', *p == '\n' ? 'n' : *p == '\r' ? 'r' : *p == '\t' ? 't' : '\\'};
        pf_buf_append(b, esc, 2);
        p++;
    }
}

/* Shortest exact form for whole numbers (counts in disguise, zeros),
 * 17 significant digits (exact round trip) for the rest. */
static void copy_double(pf_buf *b, double v)
{
    if (!isfinite(v))
        v = 0.0;
    char num[32];
    int n;
    if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v)
        n = snprintf(num, sizeof num, "%" PRId64, (int64_t)v);
    else
        n = snprintf(num, sizeof num, "%.17g", v);
    pf_buf_append(b, num, (size_t)n);
}

static void copy_time(pf_buf *b, int64_t us)
{
    if (us == 0) {
        pf_buf_puts(b, "\\N");
        return;
    }
    char t[48];
    pf_store_format_time(us, t, sizeof t);
    pf_buf_puts(b, t);
}

static void rollback(pf_db *db)
{
    if (!pf_db_broken(db))
        pf_db_exec(db, "ROLLBACK", NULL);
}

/* Bring the schema to version target (<= N_MIGRATIONS). */
static int migrate(pf_db *db, int target, int *before, int *after, pf_error *err)
{
    char *v = NULL;
    if (pf_db_exec(db, "BEGIN", err) < 0)
        return -1;
    /* One migrator at a time; the others wait, then find nothing to do. */
    if (pf_db_exec(db, "SELECT pg_advisory_xact_lock(hashtext('" PF_STORE_SCHEMA "'))", err) < 0)
        goto fail;
    if (pf_db_query_value(db, "SELECT to_regnamespace('" PF_STORE_SCHEMA "') IS NOT NULL", &v,
                          err) < 0)
        goto fail;
    /* CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the
     * schema exists (a DBA may have created it for a less privileged role). */
    if (strcmp(v, "t") != 0 && pf_db_exec(db, "CREATE SCHEMA " PF_STORE_SCHEMA, err) < 0)
        goto fail;
    free(v);
    v = NULL;
    if (pf_db_exec(db,
                   "CREATE TABLE IF NOT EXISTS " STORE_SCHEMA_DOT "schema_version ("
                   " version int PRIMARY KEY,"
                   " description text NOT NULL,"
                   " applied_at timestamptz NOT NULL DEFAULT now())",
                   err) < 0)
        goto fail;
    if (pf_db_query_value(db, "SELECT coalesce(max(version), 0) FROM " STORE_SCHEMA_DOT "schema_version", &v,
                          err) < 0)
        goto fail;
    int current = atoi(v);
    *before = current;
    if (current > N_MIGRATIONS) {
        pf_error_set(err, PF_EXIT_INFRA,
                     "the history store's schema is at version %d, newer than this perfgate "
                     "knows (%d): upgrade perfgate",
                     current, N_MIGRATIONS);
        goto fail;
    }
    for (int i = current; i < target; i++) {
        if (pf_db_exec(db, k_migrations[i].sql, err) < 0) {
            pf_error_prefix(err, "history store migration %d", i + 1);
            goto fail;
        }
        char num[16];
        snprintf(num, sizeof num, "%d", i + 1);
        const char *params[2] = {num, k_migrations[i].description};
        pf_result *r = NULL;
        if (pf_db_query(db,
                        "INSERT INTO " STORE_SCHEMA_DOT "schema_version (version, description)"
                        " VALUES ($1, $2)",
                        2, params, &r, err) < 0)
            goto fail;
        pf_result_free(r);
    }
    if (pf_db_exec(db, "COMMIT", err) < 0)
        goto fail;
    *after = current > target ? current : target;
    free(v);
    return 0;
fail:
    free(v);
    rollback(db);
    if (err->code != PF_EXIT_INFRA && err->sqlstate[0] == '4' && err->sqlstate[1] == '2')
        pf_error_prefix(err, "history store schema (grant the store role CREATE on its "
                             "database, or create schema " PF_STORE_SCHEMA " for it)");
    err->code = PF_EXIT_INFRA;
    return -1;
}

int pf_store_migrate_to(const char *dsn, int version, int *before, int *after, pf_error *err)
{
    if (version < 1 || version > N_MIGRATIONS)
        return pf_error_set(err, PF_EXIT_USAGE, "history store schema version %d: 1 to %d",
                            version, N_MIGRATIONS);
    pf_db *db = NULL;
    if (pf_db_connect(&db, dsn, err) < 0)
        return -1;
    int rc = migrate(db, version, before, after, err);
    pf_db_close(db);
    return rc;
}

static int register_source(pf_store *s, const char *name, const char *target,
                           const char *identity, pf_store_open_info *info, pf_error *err)
{
    pf_result *r = NULL;
    const char *p1[1] = {name};
    if (pf_db_query(s->db, "SELECT source_id, identity FROM " STORE_SCHEMA_DOT "sources WHERE name = $1", 1, p1,
                    &r, err) < 0)
        return -1;
    if (pf_result_nrows(r) == 0) {
        pf_result_free(r);
        const char *p3[3] = {name, target, identity};
        if (pf_db_query(s->db,
                        "INSERT INTO " STORE_SCHEMA_DOT "sources (name, target, identity) VALUES ($1, $2, $3)"
                        " ON CONFLICT (name) DO UPDATE SET target = EXCLUDED.target"
                        " RETURNING source_id, NULL::text",
                        3, p3, &r, err) < 0)
            return -1;
    } else {
        const char *old = pf_result_get(r, 0, 1);
        info->identity_changed = identity != NULL && old != NULL && strcmp(old, identity) != 0;
        const char *p3[3] = {pf_result_get(r, 0, 0), target, identity};
        pf_result *u = NULL;
        int rc = pf_db_query(s->db,
                             "UPDATE " STORE_SCHEMA_DOT "sources SET target = $2, identity = $3"
                             " WHERE source_id = $1",
                             3, p3, &u, err);
        pf_result_free(u);
        if (rc < 0) {
            pf_result_free(r);
            return -1;
        }
    }
    s->source_id = atoi(pf_result_get(r, 0, 0));
    snprintf(s->sid, sizeof s->sid, "%d", s->source_id);
    info->source_id = s->source_id;
    pf_result_free(r);
    /* One writer per source: a second monitor would interleave snapshots. */
    char *lock = pf_asprintf("SELECT pg_try_advisory_lock(hashtext('" PF_STORE_SCHEMA "'), %d)",
                             s->source_id);
    char *got = NULL;
    int rc = pf_db_query_value(s->db, lock, &got, err);
    free(lock);
    if (rc == 0 && (got == NULL || strcmp(got, "t") != 0))
        rc = pf_error_set(err, PF_EXIT_INFRA,
                          "another perfgate monitor is already writing source '%s' to this "
                          "store",
                          name);
    free(got);
    return rc;
}

int pf_store_open(pf_store **out, const char *dsn, const char *source, const char *target,
                  const char *identity, bool refuse_same, double statement_timeout_ms,
                  pf_store_open_info *info, pf_error *err)
{
    *out = NULL;
    memset(info, 0, sizeof *info);
    pf_db *db = NULL;
    if (pf_db_connect_session(&db, dsn, "perfgate monitor (store)", 10, err) < 0) {
        pf_error_prefix(err, "history store");
        return -1;
    }
    pf_store *s = pf_calloc(1, sizeof *s);
    s->db = db;
    long tmo = statement_timeout_ms > 0 ? (long)statement_timeout_ms : 10000;
    /* A snapshot acknowledged to the loop must survive a crash of the
     * store: commits wait for the WAL flush whatever the server default. */
    char *set = pf_asprintf("SET statement_timeout = %ld; SET lock_timeout = %ld;"
                            " SET synchronous_commit = on; SET TIME ZONE 'UTC'",
                            tmo, tmo);
    int rc = pf_db_exec(db, set, err);
    free(set);
    bool refused = false;
    if (rc == 0 && refuse_same && identity != NULL) {
        char *mine = NULL;
        rc = pf_store_identity(s, &mine, err);
        if (rc == 0 && mine != NULL && strcmp(mine, identity) == 0) {
            rc = pf_error_set(err, PF_EXIT_USAGE,
                              "the history store is the monitored database itself: give "
                              "--store-dsn a database of its own (or pass --allow-same-db)");
            refused = true;
        }
        free(mine);
    }
    if (rc == 0)
        rc = migrate(db, N_MIGRATIONS, &info->version_before, &info->version_after, err);
    if (rc == 0)
        rc = register_source(s, source, target, identity, info, err);
    if (rc == 0)
        rc = pf_db_exec(db,
                        "CREATE TEMP TABLE IF NOT EXISTS pf_counters_in"
                        " (LIKE " STORE_SCHEMA_DOT "counter_base) ON COMMIT DELETE ROWS;"
                        "CREATE TEMP TABLE IF NOT EXISTS pf_statements_in"
                        " (LIKE " STORE_SCHEMA_DOT "statements) ON COMMIT DELETE ROWS",
                        err);
    if (rc < 0) {
        if (!refused)
            err->code = PF_EXIT_INFRA;
        pf_store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void pf_store_close(pf_store *s)
{
    if (s == NULL)
        return;
    pf_db_close(s->db);
    free(s->name);
    free(s->target);
    free(s->states_written);
    free(s);
}

bool pf_store_broken(const pf_store *s)
{
    return s == NULL || pf_db_broken(s->db);
}

int pf_store_identity(pf_store *s, char **out, pf_error *err)
{
    return pf_db_query_value(s->db,
                             "SELECT (SELECT system_identifier::text FROM pg_control_system())"
                             " || '/' || current_database()",
                             out, err);
}

int pf_store_schema_version(pf_store *s, int *version, pf_error *err)
{
    char *v = NULL;
    if (pf_db_query_value(s->db, "SELECT coalesce(max(version), 0) FROM " STORE_SCHEMA_DOT "schema_version", &v,
                          err) < 0)
        return -1;
    *version = v ? atoi(v) : 0;
    free(v);
    return 0;
}

/* ---- loading --------------------------------------------------------- */

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

int pf_store_load_last(pf_store *s, pf_pss_snapshot **out, pf_error *err)
{
    *out = NULL;
    pf_result *meta = NULL, *rows = NULL;
    const char *p[1] = {s->sid};
    if (pf_db_query(s->db,
                    "SELECT (extract(epoch FROM taken_at) * 1000000)::bigint,"
                    " (extract(epoch FROM stats_reset) * 1000000)::bigint, dealloc,"
                    " (extract(epoch FROM server_started) * 1000000)::bigint"
                    " FROM " STORE_SCHEMA_DOT "snapshots WHERE source_id = $1 ORDER BY taken_at DESC LIMIT 1",
                    1, p, &meta, err) < 0)
        return -1;
    if (pf_result_nrows(meta) == 0) {
        pf_result_free(meta);
        return 0;
    }
    if (pf_db_query(s->db,
                    "SELECT dbid, userid, toplevel, queryid, calls, rows, shared_hit, shared_read,"
                    " temp_read, temp_written, exec_ms, plan_ms, sumsq, stats_since_us"
                    " FROM " STORE_SCHEMA_DOT "counters WHERE source_id = $1",
                    1, p, &rows, err) < 0) {
        pf_result_free(meta);
        return -1;
    }
    int n = pf_result_nrows(rows);
    pf_pss_snapshot *snap = pf_pss_snapshot_new((size_t)n);
    snap->taken_us = i64(pf_result_get(meta, 0, 0));
    snap->stats_reset_us = i64(pf_result_get(meta, 0, 1));
    snap->dealloc = pf_result_get(meta, 0, 2) ? i64(pf_result_get(meta, 0, 2)) : -1;
    snap->server_start_us = i64(pf_result_get(meta, 0, 3));
    for (int i = 0; i < n; i++) {
        pf_pss_entry *e = &snap->entries[i];
        e->key.dbid = (uint32_t)strtoul(pf_result_get(rows, i, 0), NULL, 10);
        e->key.userid = (uint32_t)strtoul(pf_result_get(rows, i, 1), NULL, 10);
        e->key.toplevel = strcmp(pf_result_get(rows, i, 2), "t") == 0;
        e->key.queryid = i64(pf_result_get(rows, i, 3));
        e->c.calls = i64(pf_result_get(rows, i, 4));
        e->c.rows = i64(pf_result_get(rows, i, 5));
        e->c.shared_hit = i64(pf_result_get(rows, i, 6));
        e->c.shared_read = i64(pf_result_get(rows, i, 7));
        e->c.temp_read = i64(pf_result_get(rows, i, 8));
        e->c.temp_written = i64(pf_result_get(rows, i, 9));
        e->c.exec_ms = dbl(pf_result_get(rows, i, 10));
        e->c.plan_ms = dbl(pf_result_get(rows, i, 11));
        e->c.sumsq = dbl(pf_result_get(rows, i, 12));
        e->c.stats_since_us = i64(pf_result_get(rows, i, 13));
    }
    pf_pss_snapshot_sort(snap);
    pf_result_free(meta);
    pf_result_free(rows);
    *out = snap;
    return 0;
}

void pf_store_stmts_free(pf_store_stmt *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++) {
        pf_stmt_info_dispose(&v[i].info);
        free(v[i].category);
    }
    free(v);
}

int pf_store_load_statements(pf_store *s, pf_store_stmt **out, size_t *n, pf_error *err)
{
    *out = NULL;
    *n = 0;
    pf_result *r = NULL;
    const char *p[1] = {s->sid};
    if (pf_db_query(s->db,
                    "SELECT dbid, userid, toplevel, queryid, query, dbname, username, category"
                    " FROM " STORE_SCHEMA_DOT "statements WHERE source_id = $1",
                    1, p, &r, err) < 0)
        return -1;
    size_t cnt = (size_t)pf_result_nrows(r);
    pf_store_stmt *v = pf_calloc(cnt ? cnt : 1, sizeof *v);
    for (size_t i = 0; i < cnt; i++) {
        int row = (int)i;
        pf_stmt_info *in = &v[i].info;
        in->key.dbid = (uint32_t)strtoul(pf_result_get(r, row, 0), NULL, 10);
        in->key.userid = (uint32_t)strtoul(pf_result_get(r, row, 1), NULL, 10);
        in->key.toplevel = strcmp(pf_result_get(r, row, 2), "t") == 0;
        in->key.queryid = i64(pf_result_get(r, row, 3));
        in->query = dup_or_null(pf_result_get(r, row, 4));
        in->dbname = dup_or_null(pf_result_get(r, row, 5));
        in->username = dup_or_null(pf_result_get(r, row, 6));
        v[i].category = dup_or_null(pf_result_get(r, row, 7));
    }
    pf_result_free(r);
    *out = v;
    *n = cnt;
    return 0;
}

void pf_alert_states_free(pf_alert_state *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        pf_alert_state_dispose(&v[i]);
    free(v);
}

int pf_store_load_alerts(pf_store *s, pf_alert_state **out, size_t *n, pf_error *err)
{
    *out = NULL;
    *n = 0;
    pf_result *r = NULL;
    const char *p[1] = {s->sid};
    if (pf_db_query(s->db,
                    "SELECT alert_key, kind, category, dbid, queryid, dbname, query, level,"
                    " notified_level,"
                    " (extract(epoch FROM since) * 1000000)::bigint,"
                    " (extract(epoch FROM last_sent) * 1000000)::bigint,"
                    " (extract(epoch FROM last_seen) * 1000000)::bigint,"
                    " clear_count, value_ms, limit_ms, baseline_ms, calls"
                    " FROM " STORE_SCHEMA_DOT "alert_state WHERE source_id = $1 ORDER BY since, alert_key",
                    1, p, &r, err) < 0)
        return -1;
    size_t cnt = (size_t)pf_result_nrows(r);
    pf_alert_state *v = pf_calloc(cnt ? cnt : 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < cnt; i++) {
        int row = (int)i;
        pf_alert_state *st = &v[k];
        if (pf_alert_kind_parse(pf_result_get(r, row, 1), &st->kind) < 0 ||
            pf_level_parse(pf_result_get(r, row, 7), &st->level) < 0 ||
            pf_level_parse(pf_result_get(r, row, 8), &st->notified_level) < 0)
            continue; /* written by a newer perfgate: not ours to judge */
        st->key = pf_strdup(pf_result_get(r, row, 0));
        st->category = dup_or_null(pf_result_get(r, row, 2));
        st->dbid = (uint32_t)strtoul(pf_result_get(r, row, 3) ? pf_result_get(r, row, 3) : "0",
                                     NULL, 10);
        st->queryid = i64(pf_result_get(r, row, 4));
        st->dbname = dup_or_null(pf_result_get(r, row, 5));
        st->query = dup_or_null(pf_result_get(r, row, 6));
        st->since_us = i64(pf_result_get(r, row, 9));
        st->last_sent_us = i64(pf_result_get(r, row, 10));
        st->last_seen_us = i64(pf_result_get(r, row, 11));
        st->clear_count = (int)i64(pf_result_get(r, row, 12));
        st->value_ms = dbl(pf_result_get(r, row, 13));
        st->limit_ms = dbl(pf_result_get(r, row, 14));
        st->baseline_ms = dbl(pf_result_get(r, row, 15));
        st->calls = i64(pf_result_get(r, row, 16));
        k++;
    }
    pf_result_free(r);
    *out = v;
    *n = k;
    return 0;
}

/* ---- writing --------------------------------------------------------- */

void pf_store_batch_free(pf_store_batch *b)
{
    if (b == NULL)
        return;
    pf_pss_snapshot_free(b->snap);
    free(b->gap_reason);
    free(b->deltas);
    for (size_t i = 0; i < b->n_stmts; i++)
        pf_stmt_info_dispose(&b->stmts[i].info);
    free(b->stmts);
    pf_alert_events_free(b->events, b->n_events);
    pf_alert_states_free(b->states, b->n_states);
    free(b);
}

static bool same_counters(const pf_pss_counters *a, const pf_pss_counters *b)
{
    return a->calls == b->calls && a->rows == b->rows && a->shared_hit == b->shared_hit &&
           a->shared_read == b->shared_read && a->temp_read == b->temp_read &&
           a->temp_written == b->temp_written && a->exec_ms == b->exec_ms &&
           a->plan_ms == b->plan_ms && a->sumsq == b->sumsq &&
           a->stats_since_us == b->stats_since_us;
}

/* A batch travels in as few round trips as its COPYs allow. One message is
 * one simple-query string: statements, at most one COPY ... FROM STDIN
 * (its rows stream when the server reaches it), and the statements after
 * it. The first message opens the transaction and inserts the snapshot
 * row, the last one commits: a busy snapshot (deltas, changed counters) is
 * two messages, four round trips, where it used to be eleven. */
#define MAX_MSGS 8 /* COPYs per batch: deltas, statements (2), counters, alert_state, alerts */

typedef struct wmsg {
    pf_buf sql;
    pf_buf rows; /* the COPY's data */
    bool copy;
} wmsg;

typedef struct wplan {
    wmsg m[MAX_MSGS];
    size_t n;
} wplan;

static void plan_init(wplan *p)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < MAX_MSGS; i++) {
        pf_buf_init(&p->m[i].sql);
        pf_buf_init(&p->m[i].rows);
    }
    p->n = 1;
}

static void plan_dispose(wplan *p)
{
    for (size_t i = 0; i < MAX_MSGS; i++) {
        pf_buf_dispose(&p->m[i].sql);
        pf_buf_dispose(&p->m[i].rows);
    }
}

/* Append a statement to the current message. */
static void plan_sql(wplan *p, const char *sql)
{
    pf_buf *b = &p->m[p->n - 1].sql;
    pf_buf_puts(b, sql);
    pf_buf_puts(b, ";\n");
}

/* A COPY ... FROM STDIN with its rows: into the current message, or a new
 * one when that has its COPY already. */
static void plan_copy(wplan *p, const char *copy_sql, const pf_buf *rows)
{
    if (p->m[p->n - 1].copy) {
        if (p->n == MAX_MSGS)
            abort(); /* more COPYs than a batch has kinds of rows */
        p->n++;
    }
    wmsg *m = &p->m[p->n - 1];
    plan_sql(p, copy_sql);
    pf_buf_append(&m->rows, rows->data, rows->len);
    m->copy = true;
}

/* Send the messages in order. On failure *failed is the message that
 * failed and *before_rows whether that happened before its COPY's rows
 * went (in the statements ahead of the COPY, or the COPY itself). */
static int plan_run(pf_db *db, const wplan *p, size_t *failed, bool *before_rows, pf_error *err)
{
    for (size_t i = 0; i < p->n; i++) {
        const wmsg *m = &p->m[i];
        *failed = i;
        *before_rows = true;
        if (!m->copy) {
            if (pf_db_exec(db, m->sql.data, err) < 0)
                return -1;
            continue;
        }
        if (pf_db_copy_begin(db, m->sql.data, err) < 0)
            return -1;
        *before_rows = false;
        if (m->rows.len > 0 && pf_db_copy_put(db, m->rows.data, m->rows.len, err) < 0) {
            pf_error keep = *err;
            pf_db_copy_end(db, NULL, NULL);
            *err = keep;
            return -1;
        }
        if (pf_db_copy_end(db, NULL, err) < 0)
            return -1;
    }
    return 0;
}

/* A timestamptz literal, or NULL for 0 (unknown). */
static void sql_time(pf_buf *b, int64_t us)
{
    if (us == 0) {
        pf_buf_puts(b, "NULL");
        return;
    }
    char t[48];
    pf_store_format_time(us, t, sizeof t);
    pf_buf_printf(b, "'%s'", t);
}

static const char *sql_bool(bool v)
{
    return v ? "true" : "false";
}

/* The snapshot row. A plain INSERT: when an earlier attempt stored it
 * already, its primary key stops the whole message (see pf_store_write). */
static void plan_snapshot(wplan *p, const pf_store *s, const pf_store_batch *b)
{
    pf_buf q = PF_BUF_INIT;
    pf_buf_printf(&q,
                  "INSERT INTO " STORE_SCHEMA_DOT "snapshots (source_id, taken_at, prev_taken_at, interval_s,"
                  " statements, changed, new_statements, stats_reset, dealloc, server_started,"
                  " baseline, reset, server_restarted, evicted, recreated, gap, gap_reason,"
                  " collect_ms, alerts) VALUES (%d, ",
                  s->source_id);
    sql_time(&q, b->snap->taken_us);
    pf_buf_puts(&q, ", ");
    sql_time(&q, b->prev_us);
    if (b->prev_us)
        pf_buf_printf(&q, ", %.6f", (double)(b->snap->taken_us - b->prev_us) / 1e6);
    else
        pf_buf_puts(&q, ", NULL");
    pf_buf_printf(&q, ", %zu, %zu, %zu, ", b->snap->n, b->n_deltas, b->n_stmts);
    sql_time(&q, b->snap->stats_reset_us);
    if (b->snap->dealloc >= 0)
        pf_buf_printf(&q, ", %" PRId64 ", ", b->snap->dealloc);
    else
        pf_buf_puts(&q, ", NULL, ");
    sql_time(&q, b->snap->server_start_us);
    pf_buf_printf(&q, ", %s, %s, %s, %" PRId64 ", %zu, %s, ", sql_bool(b->baseline),
                  sql_bool(b->reset), sql_bool(b->server_restarted), b->evicted, b->recreated,
                  sql_bool(b->gap));
    if (b->gap_reason != NULL) {
        char *lit = pf_db_literal(b->gap_reason);
        pf_buf_puts(&q, lit);
        free(lit);
    } else {
        pf_buf_puts(&q, "NULL");
    }
    pf_buf_printf(&q, ", %.3f, %zu)", isfinite(b->collect_ms) ? b->collect_ms : 0.0,
                  b->n_events);
    plan_sql(p, "BEGIN");
    plan_sql(p, q.data);
    pf_buf_dispose(&q);
}

static void plan_deltas(wplan *p, const pf_store *s, const pf_store_batch *b)
{
    if (b->n_deltas == 0)
        return;
    char taken[48];
    pf_store_format_time(b->snap->taken_us, taken, sizeof taken);
    pf_buf rows = PF_BUF_INIT;
    for (size_t i = 0; i < b->n_deltas; i++) {
        const pf_pss_delta *d = &b->deltas[i].d;
        pf_buf_printf(&rows, "%d\t%s\t%" PRIu32 "\t%" PRIu32 "\t%" PRId64 "\t%s\t", s->source_id,
                      taken, d->key.dbid, d->key.userid, d->key.queryid,
                      d->key.toplevel ? "t" : "f");
        copy_text(&rows, b->deltas[i].category);
        pf_buf_printf(&rows, "\t%" PRId64 "\t", d->calls);
        copy_double(&rows, d->exec_ms);
        pf_buf_putc(&rows, '\t');
        copy_double(&rows, d->plan_ms);
        pf_buf_putc(&rows, '\t');
        copy_double(&rows, d->mean_ms);
        pf_buf_putc(&rows, '\t');
        copy_double(&rows, d->stddev_ms);
        pf_buf_printf(&rows, "\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%" PRId64
                             "\t%s\n",
                      d->rows, d->shared_hit, d->shared_read, d->temp_read, d->temp_written,
                      d->recreated ? "t" : "f");
    }
    plan_copy(p,
              "COPY " STORE_SCHEMA_DOT "deltas (source_id, taken_at, dbid, userid, queryid, toplevel,"
              " category, calls, exec_ms, plan_ms, mean_ms, stddev_ms, rows, shared_hit,"
              " shared_read, temp_read, temp_written, recreated) FROM STDIN",
              &rows);
    pf_buf_dispose(&rows);
}

static void statement_row(pf_buf *rows, const pf_store *s, const pf_store_batch *b,
                          const pf_store_new_stmt *n)
{
    pf_buf_printf(rows, "%d\t%" PRIu32 "\t%" PRIu32 "\t%" PRId64 "\t%s\t", s->source_id,
                  n->info.key.dbid, n->info.key.userid, n->info.key.queryid,
                  n->info.key.toplevel ? "t" : "f");
    copy_text(rows, n->info.dbname);
    pf_buf_putc(rows, '\t');
    copy_text(rows, n->info.username);
    pf_buf_putc(rows, '\t');
    copy_text(rows, n->category);
    pf_buf_putc(rows, '\t');
    copy_text(rows, n->info.query);
    pf_buf_putc(rows, '\t');
    copy_time(rows, n->first_seen_us ? n->first_seen_us : b->snap->taken_us);
    pf_buf_putc(rows, '\n');
}

#define STATEMENT_COLS                                                                           \
    "source_id, dbid, userid, queryid, toplevel, dbname, username, category, query, first_seen"

/* Statements seen for the first time are copied straight into the table;
 * those the store has already (a category that changed) are merged through
 * pf_statements_in, as are all of them with merge_all (the retry after a
 * first-time statement turned out to be there). */
static void plan_statements(wplan *p, const pf_store *s, const pf_store_batch *b, bool merge_all)
{
    pf_buf fresh = PF_BUF_INIT, known = PF_BUF_INIT;
    for (size_t i = 0; i < b->n_stmts; i++) {
        const pf_store_new_stmt *n = &b->stmts[i];
        statement_row(n->known || merge_all ? &known : &fresh, s, b, n);
    }
    if (fresh.len > 0)
        plan_copy(p, "COPY " STORE_SCHEMA_DOT "statements (" STATEMENT_COLS ") FROM STDIN", &fresh);
    if (known.len > 0) {
        plan_copy(p, "COPY pf_statements_in (" STATEMENT_COLS ") FROM STDIN", &known);
        plan_sql(p, "INSERT INTO " STORE_SCHEMA_DOT "statements SELECT * FROM pf_statements_in"
                    " ON CONFLICT (source_id, dbid, userid, queryid, toplevel) DO UPDATE SET"
                    " category = EXCLUDED.category,"
                    " query = coalesce(EXCLUDED.query, " STORE_SCHEMA_DOT "statements.query),"
                    " dbname = coalesce(EXCLUDED.dbname, " STORE_SCHEMA_DOT "statements.dbname),"
                    " username = coalesce(EXCLUDED.username, " STORE_SCHEMA_DOT "statements.username)");
    }
    pf_buf_dispose(&fresh);
    pf_buf_dispose(&known);
}

/* A counter_base row: the entry's counters as of the snapshot as_of. */
static void counters_row(pf_buf *b, int source_id, const pf_pss_entry *e, const char *as_of)
{
    pf_buf_printf(b, "%d\t%" PRIu32 "\t%" PRIu32 "\t%" PRId64 "\t%s\t%" PRId64 "\t%" PRId64
                     "\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t",
                  source_id, e->key.dbid, e->key.userid, e->key.queryid,
                  e->key.toplevel ? "t" : "f", e->c.calls, e->c.rows, e->c.shared_hit,
                  e->c.shared_read, e->c.temp_read, e->c.temp_written);
    copy_double(b, e->c.exec_ms);
    pf_buf_putc(b, '\t');
    copy_double(b, e->c.plan_ms);
    pf_buf_putc(b, '\t');
    copy_double(b, e->c.sumsq);
    pf_buf_printf(b, "\t%" PRId64 "\t%s\n", e->c.stats_since_us, as_of);
}

#define COUNTER_COLS                                                                             \
    "source_id, dbid, userid, queryid, toplevel, calls, rows, shared_hit, shared_read,"         \
    " temp_read, temp_written, exec_ms, plan_ms, sumsq, stats_since_us, as_of"

/* Bring the counters (the view: counter_base plus later deltas) from
 * committed, what the store holds, to b->snap. An entry whose delta in this
 * batch is plain, now minus committed (the batch follows the stored
 * snapshot, no reset, not recreated), gets there through that delta row
 * alone, and one that did not move needs nothing: neither is touched. New,
 * recreated and reset entries, and counters that moved without calls (no
 * delta), get their row rewritten as of this snapshot; entries gone are
 * deleted; with no committed snapshot every row is rewritten. */
static void plan_counters(wplan *p, const pf_store *s, const pf_store_batch *b,
                          const pf_pss_snapshot *committed)
{
    const pf_pss_snapshot *snap = b->snap;
    char as_of[48], del[96];
    pf_store_format_time(snap->taken_us, as_of, sizeof as_of);
    pf_buf rows = PF_BUF_INIT;
    if (committed == NULL) {
        snprintf(del, sizeof del, "DELETE FROM " STORE_SCHEMA_DOT "counter_base WHERE source_id = %d",
                 s->source_id);
        plan_sql(p, del);
        for (size_t i = 0; i < snap->n; i++)
            counters_row(&rows, s->source_id, &snap->entries[i], as_of);
        if (rows.len > 0)
            plan_copy(p, "COPY " STORE_SCHEMA_DOT "counter_base (" COUNTER_COLS ") FROM STDIN", &rows);
        pf_buf_dispose(&rows);
        return;
    }
    bool follows = b->prev_us != 0 && b->prev_us == committed->taken_us && !b->reset;
    /* The snapshot, committed and the deltas are all sorted by key: one walk. */
    pf_buf dbs = PF_BUF_INIT, users = PF_BUF_INIT, qids = PF_BUF_INIT, tops = PF_BUF_INIT;
    size_t gone = 0, i = 0, j = 0, k = 0;
    while (i < snap->n || j < committed->n) {
        const pf_pss_entry *e = i < snap->n ? &snap->entries[i] : NULL;
        const pf_pss_entry *c = j < committed->n ? &committed->entries[j] : NULL;
        int cmp = e == NULL ? 1 : c == NULL ? -1 : pf_pss_key_cmp(&e->key, &c->key);
        if (cmp > 0) { /* in the store, gone from pg_stat_statements */
            pf_buf_printf(&dbs, "%s%" PRIu32, gone ? "," : "{", c->key.dbid);
            pf_buf_printf(&users, "%s%" PRIu32, gone ? "," : "{", c->key.userid);
            pf_buf_printf(&qids, "%s%" PRId64, gone ? "," : "{", c->key.queryid);
            pf_buf_printf(&tops, "%s%s", gone ? "," : "{", c->key.toplevel ? "t" : "f");
            gone++;
            j++;
            continue;
        }
        while (k < b->n_deltas && pf_pss_key_cmp(&b->deltas[k].d.key, &e->key) < 0)
            k++;
        const pf_pss_delta *d = NULL;
        if (k < b->n_deltas && pf_pss_key_cmp(&b->deltas[k].d.key, &e->key) == 0)
            d = &b->deltas[k].d;
        bool rewrite;
        if (cmp < 0)
            rewrite = true; /* new */
        else if (d != NULL)
            rewrite = !follows || d->recreated;
        else
            rewrite = !same_counters(&c->c, &e->c); /* moved without calls */
        if (rewrite)
            counters_row(&rows, s->source_id, e, as_of);
        i++;
        if (cmp == 0)
            j++;
    }
    if (gone > 0) {
        char *sql = pf_asprintf("DELETE FROM " STORE_SCHEMA_DOT "counter_base c USING unnest('%s}'::oid[],"
                                " '%s}'::oid[], '%s}'::bigint[], '%s}'::bool[])"
                                " AS g(dbid, userid, queryid, toplevel)"
                                " WHERE c.source_id = %d AND c.dbid = g.dbid"
                                " AND c.userid = g.userid AND c.queryid = g.queryid"
                                " AND c.toplevel = g.toplevel",
                                dbs.data, users.data, qids.data, tops.data, s->source_id);
        plan_sql(p, sql);
        free(sql);
    }
    pf_buf_dispose(&dbs);
    pf_buf_dispose(&users);
    pf_buf_dispose(&qids);
    pf_buf_dispose(&tops);
    if (rows.len > 0) {
        /* An upsert, which also repairs a row the store lost. */
        plan_copy(p, "COPY pf_counters_in (" COUNTER_COLS ") FROM STDIN", &rows);
        plan_sql(p, "INSERT INTO " STORE_SCHEMA_DOT "counter_base (" COUNTER_COLS ")"
                    " SELECT " COUNTER_COLS " FROM pf_counters_in"
                    " ON CONFLICT (source_id, dbid, userid, queryid, toplevel) DO UPDATE SET"
                    " calls = EXCLUDED.calls, rows = EXCLUDED.rows,"
                    " shared_hit = EXCLUDED.shared_hit, shared_read = EXCLUDED.shared_read,"
                    " temp_read = EXCLUDED.temp_read, temp_written = EXCLUDED.temp_written,"
                    " exec_ms = EXCLUDED.exec_ms, plan_ms = EXCLUDED.plan_ms,"
                    " sumsq = EXCLUDED.sumsq, stats_since_us = EXCLUDED.stats_since_us,"
                    " as_of = EXCLUDED.as_of");
    }
    pf_buf_dispose(&rows);
}

/* The full alert state replaces the stored one, unless it is the very
 * state this connection committed last (*states: its rows, for next time);
 * the interval's alert events are appended. */
static void plan_alerts(wplan *p, const pf_store *s, const pf_store_batch *b, char **states)
{
    pf_buf rows = PF_BUF_INIT;
    for (size_t i = 0; i < b->n_states; i++) {
        const pf_alert_state *st = &b->states[i];
        pf_buf_printf(&rows, "%d\t", s->source_id);
        copy_text(&rows, st->key);
        pf_buf_printf(&rows, "\t%s\t", pf_alert_kind_name(st->kind));
        copy_text(&rows, st->category);
        pf_buf_printf(&rows, "\t%" PRIu32 "\t%" PRId64 "\t", st->dbid, st->queryid);
        copy_text(&rows, st->dbname);
        pf_buf_putc(&rows, '\t');
        copy_text(&rows, st->query);
        pf_buf_printf(&rows, "\t%s\t%s\t", pf_level_name(st->level),
                      pf_level_name(st->notified_level));
        copy_time(&rows, st->since_us);
        pf_buf_putc(&rows, '\t');
        copy_time(&rows, st->last_sent_us ? st->last_sent_us : st->since_us);
        pf_buf_putc(&rows, '\t');
        copy_time(&rows, st->last_seen_us ? st->last_seen_us : st->since_us);
        pf_buf_printf(&rows, "\t%d\t", st->clear_count);
        copy_double(&rows, st->value_ms);
        pf_buf_putc(&rows, '\t');
        copy_double(&rows, st->limit_ms);
        pf_buf_putc(&rows, '\t');
        copy_double(&rows, st->baseline_ms);
        pf_buf_printf(&rows, "\t%" PRId64 "\n", st->calls);
    }
    const char *now = rows.len > 0 ? rows.data : "";
    if (s->states_written == NULL || strcmp(s->states_written, now) != 0) {
        char del[96];
        snprintf(del, sizeof del, "DELETE FROM " STORE_SCHEMA_DOT "alert_state WHERE source_id = %d",
                 s->source_id);
        plan_sql(p, del);
        if (rows.len > 0)
            plan_copy(p,
                      "COPY " STORE_SCHEMA_DOT "alert_state (source_id, alert_key, kind, category, dbid,"
                      " queryid, dbname, query, level, notified_level, since, last_sent,"
                      " last_seen, clear_count, value_ms, limit_ms, baseline_ms, calls)"
                      " FROM STDIN",
                      &rows);
    }
    *states = pf_strdup(now);
    pf_buf_reset(&rows);
    char taken[48];
    pf_store_format_time(b->snap->taken_us, taken, sizeof taken);
    for (size_t i = 0; i < b->n_events; i++) {
        const pf_alert_event *ev = &b->events[i];
        pf_buf_printf(&rows, "%d\t%s\t", s->source_id, taken);
        copy_time(&rows, ev->at_us ? ev->at_us : b->snap->taken_us);
        pf_buf_putc(&rows, '\t');
        copy_text(&rows, ev->key);
        pf_buf_printf(&rows, "\t%s\t%s\t%s\t%s\t", pf_alert_kind_name(ev->kind),
                      pf_alert_status_name(ev->status), pf_level_name(ev->level),
                      pf_level_name(ev->previous_level));
        copy_text(&rows, ev->category);
        pf_buf_printf(&rows, "\t%" PRIu32 "\t", ev->dbid);
        copy_text(&rows, ev->dbname);
        pf_buf_printf(&rows, "\t%" PRId64 "\t", ev->queryid);
        copy_text(&rows, ev->query);
        pf_buf_putc(&rows, '\t');
        copy_double(&rows, ev->value_ms);
        pf_buf_putc(&rows, '\t');
        copy_double(&rows, ev->limit_ms);
        pf_buf_putc(&rows, '\t');
        copy_double(&rows, ev->baseline_ms);
        pf_buf_printf(&rows, "\t%" PRId64 "\t", ev->calls);
        copy_double(&rows, ev->interval_s);
        pf_buf_putc(&rows, '\t');
        copy_time(&rows, ev->since_us);
        pf_buf_putc(&rows, '\t');
        copy_text(&rows, ev->delivery);
        pf_buf_putc(&rows, '\n');
    }
    if (b->n_events > 0)
        plan_copy(p,
                  "COPY " STORE_SCHEMA_DOT "alerts (source_id, taken_at, at, alert_key, kind, status, level,"
                  " previous_level, category, dbid, dbname, queryid, query, value_ms,"
                  " limit_ms, baseline_ms, calls, interval_s, since, delivery) FROM STDIN",
                  &rows);
    pf_buf_dispose(&rows);
}

static void forget_states(pf_store *s)
{
    free(s->states_written);
    s->states_written = NULL;
}

int pf_store_write(pf_store *s, const pf_store_batch *b, const pf_pss_snapshot *committed,
                   bool *duplicate, pf_error *err)
{
    *duplicate = false;
    bool merge_all = false;
    for (;;) {
        wplan p;
        plan_init(&p);
        char *states = NULL;
        plan_snapshot(&p, s, b);
        plan_deltas(&p, s, b);
        plan_statements(&p, s, b, merge_all);
        plan_counters(&p, s, b, committed);
        plan_alerts(&p, s, b, &states);
        plan_sql(&p, "COMMIT");
        size_t failed = 0;
        bool before_rows = false;
        int rc = plan_run(s->db, &p, &failed, &before_rows, err);
        plan_dispose(&p);
        if (rc == 0) {
            forget_states(s);
            s->states_written = states;
            return 0;
        }
        free(states);
        forget_states(s);
        rollback(s->db);
        bool unique = strcmp(err->sqlstate, "23505") == 0;
        /* Only the snapshot row can violate a key ahead of the first
         * COPY's rows: stored by an earlier attempt whose acknowledgement
         * was lost. */
        if (unique && failed == 0 && before_rows) {
            *duplicate = true;
            return 0;
        }
        /* A statement seen for the first time that the store has after all
         * (its batch was written by a run that never told us): merge. */
        if (unique && !merge_all && b->n_stmts > 0 && !pf_db_broken(s->db)) {
            merge_all = true;
            continue;
        }
        return -1;
    }
}

/* ---- reading history ------------------------------------------------- */

void pf_store_baselines_free(pf_store_baseline *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        free(v[i].category);
    free(v);
}

int pf_store_baselines(pf_store *s, const int64_t *queryids, size_t n, int64_t from_us,
                       int64_t to_us, pf_store_baseline **out, size_t *n_out, pf_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (n == 0)
        return 0;
    pf_buf ids = PF_BUF_INIT;
    pf_buf_putc(&ids, '{');
    for (size_t i = 0; i < n; i++)
        pf_buf_printf(&ids, "%s%" PRId64, i ? "," : "", queryids[i]);
    pf_buf_putc(&ids, '}');
    char from[48], to[48];
    pf_store_format_time(from_us, from, sizeof from);
    pf_store_format_time(to_us, to, sizeof to);
    const char *p[4] = {s->sid, from, to, ids.data};
    pf_result *r = NULL;
    /* Complete hours from the roll-ups, the rest from raw deltas: the raw
     * part stays within the last hour or so whatever the window. */
    int rc = pf_db_query(s->db,
                         "WITH cut AS (SELECT coalesce(rolled_up_until, '-infinity') AS t"
                         "  FROM " STORE_SCHEMA_DOT "sources WHERE source_id = $1)"
                         " SELECT dbid, queryid, category, sum(calls), sum(exec_ms) FROM ("
                         "  SELECT h.dbid, h.queryid, h.category, h.calls, h.exec_ms"
                         "  FROM " STORE_SCHEMA_DOT "deltas_hourly h, cut"
                         "  WHERE h.source_id = $1 AND h.queryid = ANY($4::bigint[])"
                         "  AND h.hour >= date_trunc('hour', $2::timestamptz) AND h.hour < cut.t"
                         "  UNION ALL"
                         "  SELECT d.dbid, d.queryid, d.category, d.calls, d.exec_ms"
                         "  FROM " STORE_SCHEMA_DOT "deltas d, cut"
                         "  WHERE d.source_id = $1 AND d.queryid = ANY($4::bigint[])"
                         "  AND d.taken_at > $2 AND d.taken_at >= cut.t AND d.taken_at < $3"
                         " ) x GROUP BY dbid, queryid, category",
                         4, p, &r, err);
    pf_buf_dispose(&ids);
    if (rc < 0)
        return -1;
    size_t cnt = (size_t)pf_result_nrows(r);
    pf_store_baseline *v = pf_calloc(cnt ? cnt : 1, sizeof *v);
    for (size_t i = 0; i < cnt; i++) {
        int row = (int)i;
        v[i].dbid = (uint32_t)strtoul(pf_result_get(r, row, 0), NULL, 10);
        v[i].queryid = i64(pf_result_get(r, row, 1));
        v[i].category = pf_strdup(pf_result_get(r, row, 2));
        v[i].calls = i64(pf_result_get(r, row, 3));
        v[i].exec_ms = dbl(pf_result_get(r, row, 4));
    }
    pf_result_free(r);
    *out = v;
    *n_out = cnt;
    return 0;
}

static long affected(pf_db *db, const char *sql, int np, const char *const *p, pf_error *err)
{
    pf_result *r = NULL;
    char *wrapped = pf_asprintf("WITH d AS (%s RETURNING 1) SELECT count(*) FROM d", sql);
    int rc = pf_db_query(db, wrapped, np, p, &r, err);
    free(wrapped);
    if (rc < 0)
        return -1;
    long n = atol(pf_result_get(r, 0, 0));
    pf_result_free(r);
    return n;
}

int pf_store_maintain(pf_store *s, const pf_retention *ret, int64_t now_us, pf_store_maint *st,
                      pf_error *err)
{
    memset(st, 0, sizeof *st);
    char now[48], raw_cut[48], hourly_cut[48], alerts_cut[48];
    pf_store_format_time(now_us, now, sizeof now);
    pf_store_format_time(now_us - (int64_t)(ret->raw_ms * 1000), raw_cut, sizeof raw_cut);
    pf_store_format_time(now_us - (int64_t)(ret->hourly_ms * 1000), hourly_cut, sizeof hourly_cut);
    pf_store_format_time(now_us - (int64_t)(ret->alerts_ms * 1000), alerts_cut, sizeof alerts_cut);
    if (pf_db_exec(s->db, "BEGIN", err) < 0)
        return -1;
    const char *p2[2] = {s->sid, now};
    /* Complete hours since the last roll-up; an hour is complete once a
     * snapshot of a later hour exists. */
    long n = affected(s->db,
                      "INSERT INTO " STORE_SCHEMA_DOT "deltas_hourly AS h SELECT d.source_id,"
                      " date_trunc('hour', d.taken_at), d.dbid, d.userid, d.queryid, d.toplevel,"
                      " max(d.category), count(*), sum(d.calls), sum(d.exec_ms), sum(d.plan_ms),"
                      " sum(d.rows), sum(d.shared_hit), sum(d.shared_read), sum(d.temp_read),"
                      " sum(d.temp_written), max(d.mean_ms)"
                      " FROM " STORE_SCHEMA_DOT "deltas d, " STORE_SCHEMA_DOT "sources src"
                      " WHERE src.source_id = $1 AND d.source_id = $1"
                      " AND d.taken_at >= coalesce(src.rolled_up_until, '-infinity')"
                      " AND d.taken_at < date_trunc('hour', $2::timestamptz)"
                      " GROUP BY 1, 2, 3, 4, 5, 6"
                      " ON CONFLICT (source_id, hour, dbid, userid, queryid, toplevel) DO UPDATE"
                      " SET intervals = h.intervals + EXCLUDED.intervals,"
                      " calls = h.calls + EXCLUDED.calls, exec_ms = h.exec_ms + EXCLUDED.exec_ms,"
                      " plan_ms = h.plan_ms + EXCLUDED.plan_ms, rows = h.rows + EXCLUDED.rows,"
                      " shared_hit = h.shared_hit + EXCLUDED.shared_hit,"
                      " shared_read = h.shared_read + EXCLUDED.shared_read,"
                      " temp_read = h.temp_read + EXCLUDED.temp_read,"
                      " temp_written = h.temp_written + EXCLUDED.temp_written,"
                      " max_mean_ms = greatest(h.max_mean_ms, EXCLUDED.max_mean_ms)",
                      2, p2, err);
    if (n < 0)
        goto fail;
    st->hourly_rows = n;
    pf_result *r = NULL;
    if (pf_db_query(s->db,
                    "UPDATE " STORE_SCHEMA_DOT "sources SET maintained_at = now(),"
                    " rolled_up_until = greatest(rolled_up_until,"
                    " date_trunc('hour', $2::timestamptz)) WHERE source_id = $1",
                    2, p2, &r, err) < 0)
        goto fail;
    pf_result_free(r);
    /* Fold the deltas into counter_base (rows with deltas after their as_of
     * move to the newest snapshot) before retention may delete them (as_of
     * before the raw cut), and once their as_of is older than one
     * maintenance period, which bounds the deltas the view counters adds
     * up without rewriting every changed row at every run (a cron run
     * maintains each time). */
    double fold_ms = ret->every_ms < ret->raw_ms ? ret->every_ms : ret->raw_ms;
    char fold_cut[48];
    pf_store_format_time(now_us - (int64_t)(fold_ms * 1000), fold_cut, sizeof fold_cut);
    const char *p1[2] = {s->sid, fold_cut};
    if ((st->folded =
             affected(s->db,
                      "UPDATE " STORE_SCHEMA_DOT "counter_base b SET calls = c.calls, rows = c.rows,"
                      " shared_hit = c.shared_hit, shared_read = c.shared_read,"
                      " temp_read = c.temp_read, temp_written = c.temp_written,"
                      " exec_ms = c.exec_ms, plan_ms = c.plan_ms, sumsq = c.sumsq, as_of = n.t"
                      " FROM " STORE_SCHEMA_DOT "counters c, (SELECT max(taken_at) AS t FROM " STORE_SCHEMA_DOT "snapshots"
                      " WHERE source_id = $1) n"
                      " WHERE b.source_id = $1 AND c.source_id = $1 AND c.dbid = b.dbid"
                      " AND c.userid = b.userid AND c.queryid = b.queryid"
                      " AND c.toplevel = b.toplevel AND b.as_of < n.t AND b.as_of < $2"
                      " AND EXISTS (SELECT 1 FROM " STORE_SCHEMA_DOT "deltas x WHERE x.source_id = $1"
                      " AND x.queryid = b.queryid AND x.dbid = b.dbid AND x.userid = b.userid"
                      " AND x.toplevel = b.toplevel AND x.taken_at > b.as_of)",
                      2, p1, err)) < 0)
        goto fail;
    /* Raw rows go only once rolled up. */
    const char *p3[3] = {s->sid, raw_cut, now};
    if ((st->deleted_raw = affected(s->db,
                                    "DELETE FROM " STORE_SCHEMA_DOT "deltas WHERE source_id = $1"
                                    " AND taken_at < least($2::timestamptz,"
                                    " date_trunc('hour', $3::timestamptz))",
                                    3, p3, err)) < 0)
        goto fail;
    const char *ph[2] = {s->sid, hourly_cut};
    if ((st->deleted_hourly = affected(s->db,
                                       "DELETE FROM " STORE_SCHEMA_DOT "deltas_hourly WHERE source_id = $1"
                                       " AND hour < $2",
                                       2, ph, err)) < 0)
        goto fail;
    /* Keep the newest snapshot whatever its age: it anchors the counters. */
    if ((st->deleted_snapshots =
             affected(s->db,
                      "DELETE FROM " STORE_SCHEMA_DOT "snapshots WHERE source_id = $1 AND taken_at < $2"
                      " AND taken_at < (SELECT max(taken_at) FROM " STORE_SCHEMA_DOT "snapshots"
                      " WHERE source_id = $1)",
                      2, ph, err)) < 0)
        goto fail;
    const char *pa[2] = {s->sid, alerts_cut};
    if ((st->deleted_alerts = affected(s->db,
                                       "DELETE FROM " STORE_SCHEMA_DOT "alerts WHERE source_id = $1 AND at < $2",
                                       2, pa, err)) < 0)
        goto fail;
    if (pf_db_exec(s->db, "COMMIT", err) < 0)
        goto fail;
    return 0;
fail:
    rollback(s->db);
    return -1;
}
