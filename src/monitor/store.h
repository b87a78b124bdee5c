/* The monitor's history store: schema perfgate_monitor in a PostgreSQL
 * database of its own (never the monitored one unless asked), created and
 * migrated by perfgate (schema_version table; forward migrations applied in
 * one transaction under an advisory lock).
 *
 * One source (a monitored database) writes one batch per interval, in one
 * transaction: the snapshot row, its per-entry deltas, texts of new
 * statements, the cumulative counters (so the next run, even a cron one,
 * computes deltas from where this one stopped), the alerts that fired and
 * the full alert state. The snapshot row's key (source, taken_at) makes the
 * write idempotent: a batch retried after a lost acknowledgement is
 * recognised and not written twice. Commits are synchronous whatever the
 * server's default, so an acknowledged snapshot survives a crash.
 *
 * Tables (docs/monitoring.md has the columns): schema_version, sources,
 * snapshots, statements, deltas (raw, per interval), deltas_hourly
 * (roll-ups), counter_base (each entry's counters as of a snapshot, as_of)
 * with the view counters (counter_base plus the later deltas: current as of
 * the newest snapshot), alert_state, alerts. A changed entry costs its
 * delta row and nothing more; an entry that did not move costs nothing. */
#ifndef PF_STORE_H
#define PF_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "error.h"
#include "monconfig.h"
#include "pss.h"

#define PF_STORE_SCHEMA "perfgate_monitor"
#define PF_STORE_VERSION 2 /* the newest schema version this perfgate writes */

typedef struct pf_store pf_store;

typedef struct pf_store_open_info {
    int source_id;
    int version_before; /* schema version found (0: none) */
    int version_after;
    bool identity_changed; /* the source name now points at another server/database */
} pf_store_open_info;

/* Connect, migrate, register the source (name; target: the redacted DSN;
 * identity: pf_pss_source_identity) and take the source's advisory lock so
 * that two monitors never write one source. With refuse_same, a store whose
 * identity equals the monitored one's is refused before anything is
 * created (PF_EXIT_USAGE). PF_EXIT_INFRA on other failures. */
int pf_store_open(pf_store **out, const char *dsn, const char *source, const char *target,
                  const char *identity, bool refuse_same, double statement_timeout_ms,
                  pf_store_open_info *info, pf_error *err);
void pf_store_close(pf_store *s);
bool pf_store_broken(const pf_store *s);
/* "<system_identifier>/<datname>" of the store (to refuse the monitored one). */
int pf_store_identity(pf_store *s, char **out, pf_error *err);

/* The schema version of an open store. */
int pf_store_schema_version(pf_store *s, int *version, pf_error *err);
/* Create or migrate the schema of the database at dsn up to version (1 to
 * PF_STORE_VERSION) and do nothing else: a store as an older perfgate left
 * it, for tests of the migrations. */
int pf_store_migrate_to(const char *dsn, int version, int *before, int *after, pf_error *err);

/* The last stored snapshot with its counters, or *out NULL when there is none. */
int pf_store_load_last(pf_store *s, pf_pss_snapshot **out, pf_error *err);
/* Every statement known for the source (texts, names, stored category name). */
typedef struct pf_store_stmt {
    pf_stmt_info info; /* info.category unused */
    char *category;
} pf_store_stmt;
int pf_store_load_statements(pf_store *s, pf_store_stmt **out, size_t *n, pf_error *err);
void pf_store_stmts_free(pf_store_stmt *v, size_t n);
int pf_store_load_alerts(pf_store *s, pf_alert_state **out, size_t *n, pf_error *err);
void pf_alert_states_free(pf_alert_state *v, size_t n);

/* One delta as stored, with its category's name (borrowed). */
typedef struct pf_store_delta {
    pf_pss_delta d;
    const char *category;
} pf_store_delta;

/* A statement to insert or whose category changed. */
typedef struct pf_store_new_stmt {
    pf_stmt_info info; /* owned */
    const char *category;
    int64_t first_seen_us;
    bool known; /* the store has it already (a changed category): merged, not inserted */
} pf_store_new_stmt;

/* Everything one interval writes. Owns snap, deltas, stmts, events, states. */
typedef struct pf_store_batch {
    pf_pss_snapshot *snap;
    int64_t prev_us; /* 0: none */
    bool baseline, reset, server_restarted, gap;
    char *gap_reason;
    int64_t evicted;
    size_t recreated;
    double collect_ms;
    pf_store_delta *deltas;
    size_t n_deltas;
    pf_store_new_stmt *stmts;
    size_t n_stmts;
    pf_alert_event *events;
    size_t n_events;
    pf_alert_state *states;
    size_t n_states;
    int failures; /* write attempts that failed on SQL errors */
} pf_store_batch;

void pf_store_batch_free(pf_store_batch *b);

/* Write a batch in one transaction, in as few round trips as its COPYs
 * allow (two for deltas plus changed counters). Only what changed is
 * written: counters of entries that did not move and an alert state equal
 * to the one last committed on this connection are left alone. committed
 * is the snapshot whose counters the store holds (NULL: unknown, rewrite
 * them all). *duplicate is set when the snapshot was already stored (a
 * retry after a lost acknowledgement): nothing is written again. */
int pf_store_write(pf_store *s, const pf_store_batch *b, const pf_pss_snapshot *committed,
                   bool *duplicate, pf_error *err);

/* Trailing baselines: calls and execution time per (dbid, queryid,
 * category) between from_us and to_us (exclusive), for the given queryids:
 * complete hours from deltas_hourly (from_us rounded down to its hour), the
 * rest from raw deltas. */
typedef struct pf_store_baseline {
    uint32_t dbid;
    int64_t queryid;
    char *category;
    int64_t calls;
    double exec_ms;
} pf_store_baseline;
int pf_store_baselines(pf_store *s, const int64_t *queryids, size_t n, int64_t from_us,
                       int64_t to_us, pf_store_baseline **out, size_t *n_out, pf_error *err);
void pf_store_baselines_free(pf_store_baseline *v, size_t n);

/* Roll complete hours up into deltas_hourly, fold the deltas into
 * counter_base and apply retention, as of now_us (the newest snapshot's
 * time). */
typedef struct pf_store_maint {
    long hourly_rows, deleted_raw, deleted_hourly, deleted_snapshots, deleted_alerts;
    long folded; /* counter_base rows brought up to the newest snapshot */
} pf_store_maint;
int pf_store_maintain(pf_store *s, const pf_retention *r, int64_t now_us, pf_store_maint *st,
                      pf_error *err);

/* "2026-01-31 08:30:00.123456+00" for µs since the epoch, into buf (>= 40). */
void pf_store_format_time(int64_t us, char *buf, size_t len);

/* ---- Reading for the dashboard and /metrics (perfgate report, monitor
 * --listen; store_read.c) --------------------------------------------------
 * A reader connection never migrates, registers or locks anything: it can
 * run beside the monitor that writes the source, with read-only
 * transactions. */

/* Connect to a store for reading source (NULL: the source with the newest
 * snapshot). PF_EXIT_USAGE when the database holds no perfgate_monitor
 * schema or no such source (the message lists the sources there);
 * PF_EXIT_INFRA when the server cannot be used. */
int pf_store_open_reader(pf_store **out, const char *dsn, const char *source,
                         double statement_timeout_ms, pf_error *err);
/* The source's name and monitored target (borrowed; reader connections). */
const char *pf_store_source_name(const pf_store *s);
const char *pf_store_source_target(const pf_store *s);

/* One time bucket of a category: calls and execution time summed over its
 * queries, and the worst query's mean (what threshold alerts judge). */
typedef struct pf_store_cat_point {
    int64_t at_us; /* the bucket's start */
    int64_t calls;
    double exec_ms;
    double max_query_mean_ms;
} pf_store_cat_point;

typedef struct pf_store_cat_series {
    char *category;
    pf_store_cat_point *pts; /* oldest first; buckets without calls are absent */
    size_t n;
    int64_t calls; /* over the window */
    double exec_ms;
} pf_store_cat_series;

/* A query (dbid, queryid: roles and nesting levels summed) over a window. */
typedef struct pf_store_query {
    uint32_t dbid;
    int64_t queryid;
    char *category, *dbname, *query; /* query may be NULL (text never stored) */
    int64_t calls, rows, shared_hit, shared_read;
    double exec_ms;
    double mean_ms;     /* exec_ms / calls */
    double max_mean_ms; /* the worst interval's mean */
    long intervals;     /* intervals with calls */
    int level;          /* enum pf_level: its highest active alert, 0 none */
} pf_store_query;

/* An alert from firing to resolved (events of one alert key paired). */
typedef struct pf_store_alert_span {
    char *key, *kind, *category, *dbname, *query;
    int64_t queryid;
    int peak_level;          /* enum pf_level: the highest level it reached */
    int64_t start_us, end_us; /* end 0: still active */
    double peak_ms, limit_ms; /* the highest interval mean seen in its events */
    int events;              /* firing, repeat and resolved events */
} pf_store_alert_span;

typedef struct pf_store_dash {
    char *source, *target;
    int64_t first_us, last_us; /* the source's oldest and newest snapshot (0: none) */
    int64_t from_us, to_us;    /* the window shown: ends at the newest snapshot */
    double bucket_s;           /* width of a chart bucket */
    long snapshots, gaps;      /* in the window */
    int64_t *gap_us;           /* when each gap ended (at most 200) */
    size_t n_gap_us;
    pf_store_cat_series *cats; /* sorted by name */
    size_t n_cats;
    pf_store_query *top_total; /* by total execution time in the window */
    size_t n_top_total;
    pf_store_query *top_mean; /* by mean time (at least 2 calls) */
    size_t n_top_mean;
    pf_store_alert_span *alerts; /* that overlap the window, by start */
    size_t n_alerts;
} pf_store_dash;

/* The window ending at the source's newest snapshot: per-category series in
 * at most max_points buckets (raw deltas up to a 2-day window, hourly
 * roll-ups beyond), the top_n queries by total and by mean time, and the
 * alerts. out is the caller's to dispose in every case. */
int pf_store_dashboard(pf_store *s, double window_ms, size_t max_points, size_t top_n,
                       pf_store_dash *out, pf_error *err);
void pf_store_dash_dispose(pf_store_dash *d);

/* What /metrics exposes: cumulative counters (pg_stat_statements' own, as
 * of the newest snapshot) and the newest interval, per category and for the
 * top_n queries (active alerts first, then by execution time over the last
 * hour), with alert levels. */
typedef struct pf_store_metric {
    char *category;
    uint32_t dbid;     /* queries only */
    int64_t queryid;   /* queries only */
    char *dbname;      /* queries only; may be NULL */
    char *query;       /* queries only; may be NULL */
    int64_t calls, rows, shared_hit, shared_read; /* cumulative */
    double exec_ms;                               /* cumulative */
    int64_t last_calls;       /* in the newest interval */
    double last_mean_ms;      /* the newest interval's mean; 0 without calls */
    double last_max_mean_ms;  /* categories: the worst query's mean in it */
    int level;                /* enum pf_level: highest active alert */
} pf_store_metric;

typedef struct pf_store_metrics {
    int64_t last_us;      /* the newest snapshot (0: none) */
    double last_interval_s;
    bool last_gap;
    long gaps_24h;        /* snapshots with a gap over the last 24 h */
    long alerts_active;
    pf_store_metric *cats;
    size_t n_cats;
    pf_store_metric *queries;
    size_t n_queries;
} pf_store_metrics;

int pf_store_metrics_read(pf_store *s, size_t top_n, pf_store_metrics *out, pf_error *err);
void pf_store_metrics_dispose(pf_store_metrics *m);

#endif
