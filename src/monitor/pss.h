/* pg_stat_statements as a source: cheap snapshots of the cumulative
 * counters (pg_stat_statements(false): no query texts), texts fetched only
 * for entries not seen before (or read with the counters when every text is
 * needed), and per-interval deltas that survive resets and evictions and
 * are never negative.
 *
 * Deltas between two snapshots, per entry (dbid, userid, queryid, toplevel):
 *  - a full reset (pg_stat_statements_info.stats_reset moved, or dealloc
 *    went down) means every current entry was created since: delta = now;
 *  - an entry absent from the previous snapshot is new: delta = now;
 *  - an entry whose counters went down, or whose stats_since moved
 *    (pg_stat_statements 1.11+), was evicted (or reset alone) and created
 *    again: delta = now, flagged "recreated";
 *  - otherwise delta = now - before; every field is clamped at 0 anyway.
 * Entries without calls in the interval produce no delta. Evictions are
 * counted from pg_stat_statements_info.dealloc.
 *
 *     pf_pss_source *src = NULL;
 *     pf_pss_source_open(&src, dsn, 10000, &err);
 *     pf_pss_snapshot *now = NULL;
 *     pf_pss_collect(src, &now, &err);
 *     pf_pss_diff d;
 *     pf_pss_diff_compute(prev, now, &d);   ... pf_pss_diff_dispose(&d);
 */
#ifndef PF_PSS_H
#define PF_PSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct pf_pss_key {
    uint32_t dbid;
    uint32_t userid;
    int64_t queryid;
    bool toplevel;
} pf_pss_key;

/* Cumulative counters of one entry. Times in milliseconds. */
typedef struct pf_pss_counters {
    int64_t calls, rows, shared_hit, shared_read, temp_read, temp_written;
    double exec_ms, plan_ms;
    double sumsq; /* sum of squared execution times: calls * (stddev^2 + mean^2) */
    int64_t stats_since_us; /* 0: unknown (before pg_stat_statements 1.11) */
} pf_pss_counters;

typedef struct pf_pss_entry {
    pf_pss_key key;
    pf_pss_counters c;
} pf_pss_entry;

typedef struct pf_pss_snapshot {
    int64_t taken_us;        /* the monitored server's clock, µs since the epoch */
    int64_t stats_reset_us;  /* pg_stat_statements_info.stats_reset; 0 unknown */
    int64_t dealloc;         /* pg_stat_statements_info.dealloc; -1 unknown */
    int64_t server_start_us; /* pg_postmaster_start_time(); 0 unknown */
    size_t n;
    pf_pss_entry *entries; /* sorted by key (pf_pss_key_cmp) */
} pf_pss_snapshot;

/* One entry's interval. */
typedef struct pf_pss_delta {
    pf_pss_key key;
    int64_t calls, rows, shared_hit, shared_read, temp_read, temp_written;
    double exec_ms, plan_ms;
    double mean_ms, stddev_ms; /* of the interval's executions */
    bool recreated;
} pf_pss_delta;

typedef struct pf_pss_diff {
    int64_t from_us, to_us;
    bool baseline;  /* no previous snapshot: nothing to compare, no deltas */
    bool reset;     /* a full reset happened in the interval */
    bool server_restarted;
    int64_t evicted;  /* entries deallocated in the interval */
    size_t recreated; /* entries evicted (or reset alone) and created again */
    size_t n;
    pf_pss_delta *d; /* sorted by key; only entries with calls */
} pf_pss_diff;

/* What perfgate knows about one entry beyond its counters. */
typedef struct pf_stmt_info {
    pf_pss_key key;
    char *query;    /* the normalised text; may be NULL (not visible to us) */
    char *dbname;   /* may be NULL */
    char *username; /* may be NULL */
    size_t category; /* index into the monitor's classifier */
} pf_stmt_info;

int pf_pss_key_cmp(const pf_pss_key *a, const pf_pss_key *b);

pf_pss_snapshot *pf_pss_snapshot_new(size_t n);
void pf_pss_snapshot_sort(pf_pss_snapshot *s);
/* The entry with key, or NULL (binary search; s must be sorted). */
const pf_pss_entry *pf_pss_snapshot_find(const pf_pss_snapshot *s, const pf_pss_key *key);
pf_pss_snapshot *pf_pss_snapshot_copy(const pf_pss_snapshot *s);
void pf_pss_snapshot_free(pf_pss_snapshot *s);

/* prev may be NULL (baseline). out is the caller's (pf_pss_diff_dispose). */
void pf_pss_diff_compute(const pf_pss_snapshot *prev, const pf_pss_snapshot *cur, pf_pss_diff *out);
void pf_pss_diff_dispose(pf_pss_diff *d);

void pf_stmt_info_dispose(pf_stmt_info *s);

/* ---- the monitored server ------------------------------------------- */

typedef struct pf_pss_source pf_pss_source;

/* Connect (application_name "perfgate monitor", statement_timeout and
 * lock_timeout set to statement_timeout_ms) and find pg_stat_statements
 * (1.8 or newer) in the connected database. Fails with PF_EXIT_INFRA when
 * the server is unreachable or the extension is missing (the message says
 * what to run). */
int pf_pss_source_open(pf_pss_source **out, const char *dsn, double statement_timeout_ms,
                       pf_error *err);
void pf_pss_source_close(pf_pss_source *s);
/* true once the connection is unusable (reconnect). */
bool pf_pss_source_broken(const pf_pss_source *s);
/* The extension's version ("1.10"), and whether this role sees every
 * role's statements (superuser or pg_read_all_stats). */
const char *pf_pss_source_version(const pf_pss_source *s);
bool pf_pss_source_sees_all(const pf_pss_source *s);
/* Identity of the server and database: "<system_identifier>/<datname>",
 * and a default source name "<datname>@<host>:<port>". Borrowed. */
const char *pf_pss_source_identity(const pf_pss_source *s);
const char *pf_pss_source_default_name(const pf_pss_source *s);

/* One snapshot of every entry's counters, without texts. */
int pf_pss_collect(pf_pss_source *s, pf_pss_snapshot **out, pf_error *err);
/* The same snapshot read together with every entry's text, database and
 * role names: (*info)[i] describes (*out)->entries[i] (category 0). One
 * read of pg_stat_statements where a first snapshot, which needs every
 * text, would take two. *info is the caller's: dispose each, then free. */
int pf_pss_collect_info(pf_pss_source *s, pf_pss_snapshot **out, pf_stmt_info **info,
                        pf_error *err);

/* Texts, database and role names of the given entries: out[i] describes
 * keys[i] (query NULL when the entry is gone or hidden). category is 0.
 * *out is the caller's: dispose each, then free. */
int pf_pss_fetch_info(pf_pss_source *s, const pf_pss_key *keys, size_t n, pf_stmt_info **out,
                      pf_error *err);

#endif
