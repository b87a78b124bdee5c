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
 * (roll-ups), counters, alert_state, alerts. */
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
#define PF_STORE_VERSION 1 /* the newest schema version this perfgate writes */

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

/* Migrate the schema of an open connection's database (used by open). */
int pf_store_schema_version(pf_store *s, int *version, pf_error *err);

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

/* Write a batch in one transaction. committed is the snapshot whose
 * counters the store holds (NULL: unknown, rewrite them all). *duplicate is
 * set when the snapshot was already stored (a retry after a lost
 * acknowledgement): nothing is written again. */
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

/* Roll complete hours up into deltas_hourly and apply retention, as of
 * now_us (the newest snapshot's time). */
typedef struct pf_store_maint {
    long hourly_rows, deleted_raw, deleted_hourly, deleted_snapshots, deleted_alerts;
} pf_store_maint;
int pf_store_maintain(pf_store *s, const pf_retention *r, int64_t now_us, pf_store_maint *st,
                      pf_error *err);

/* "2026-01-31 08:30:00.123456+00" for µs since the epoch, into buf (>= 40). */
void pf_store_format_time(int64_t us, char *buf, size_t len);

#endif
