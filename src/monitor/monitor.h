/* `perfgate monitor`: the collection loop. Every interval (or once, for
 * cron) it snapshots pg_stat_statements on the monitored server, computes
 * per-entry deltas (pss.h), classifies new statements (classify.h),
 * evaluates the alert rules (alert.h), delivers what fired (notify.h) and
 * writes everything to the history store (store.h) in one idempotent
 * transaction.
 *
 * Robustness:
 *  - either server may restart: the loop reconnects with exponential backoff
 *    (1 s doubling up to the interval); an interval that spans an outage is
 *    stored with gap = true and the reason;
 *  - while the store is down, snapshots (with their deltas and alerts) wait
 *    in memory, in order, up to max_pending; alerts are still evaluated and
 *    delivered; a retried write never duplicates a snapshot;
 *  - every statement runs under statement_timeout, so a slow server never
 *    holds the loop longer than that;
 *  - an interruption (SIGTERM, SIGINT) ends the loop after the current
 *    snapshot is stored (pf_interrupt_install(false)).
 * The engine never prints: progress and problems go to the log callback. */
#ifndef PF_MONITOR_H
#define PF_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "monconfig.h"
#include "verdict.h"

typedef enum pf_monitor_log_level {
    PF_MONITOR_DEBUG, /* every snapshot, every delivery */
    PF_MONITOR_INFO,  /* alerts, reconnections, migrations */
    PF_MONITOR_WARN,  /* lost connections, failed deliveries, dropped snapshots */
} pf_monitor_log_level;

/* What one interval did, for progress output and the cost benchmark. */
typedef struct pf_monitor_tick {
    int64_t taken_us;
    size_t statements;     /* entries in pg_stat_statements */
    size_t deltas;         /* entries with calls in the interval */
    size_t new_statements; /* texts fetched */
    size_t events;         /* alert transitions */
    size_t pending;        /* snapshots waiting for the store after this interval */
    bool baseline, gap, reset, stored;
    double collect_ms;  /* counters snapshot */
    double texts_ms;    /* texts of new statements + classification */
    double evaluate_ms; /* baselines + rules */
    double deliver_ms;
    double store_ms;    /* writing this interval's batch (0 when it is pending) */
    double total_ms;
} pf_monitor_tick;

typedef struct pf_monitor_opts {
    const char *dsn;       /* the monitored database */
    const char *store_dsn; /* the history store */
    const pf_monconfig *config;
    const char *source;  /* the source's name in the store; NULL: config's, else derived */
    bool once;           /* one snapshot, then return (cron) */
    double interval_ms;  /* 0: the config's */
    double statement_timeout_ms; /* 0: the config's */
    bool allow_same_db;  /* let the store live in the monitored database */
    int max_ticks;       /* stop after this many intervals; 0: until interrupted */
    void (*log)(void *arg, pf_monitor_log_level level, const char *msg);
    void (*on_tick)(void *arg, const pf_monitor_tick *t);
    void *arg;
} pf_monitor_opts;

typedef struct pf_monitor_result {
    long ticks;          /* intervals with a snapshot */
    long stored;         /* snapshots acknowledged by the store */
    long duplicates;     /* retried writes found already stored */
    long dropped;        /* snapshots dropped (store down too long, or rejected) */
    long events;         /* alert transitions */
    long delivery_failures;
    long pending;        /* snapshots never stored (store down at exit) */
    pf_level max_level;  /* the highest active alert level at the end */
} pf_monitor_result;

/* Run until interrupted, max_ticks, or after one snapshot with once.
 * Returns 0 (also after SIGTERM), or -1 with err: PF_EXIT_USAGE for
 * configuration problems (a required notifier without its URL, the store in
 * the monitored database), PF_EXIT_INFRA when a server cannot be used. With
 * once every failure ends the run; in a loop, server problems (also at
 * startup: unreachable, extension missing) are logged and retried. */
int pf_monitor_run(const pf_monitor_opts *o, pf_monitor_result *res, pf_error *err);

#endif
