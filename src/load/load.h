/* The load engine (perfgate load): many virtual clients, one connection
 * each, driven by a few threads through libpq's non-blocking pipeline API,
 * running a scenario's weighted flows.
 *
 *  - Closed loop: `clients` virtual users each run flows back to back,
 *    holding their connection through the flow's think times.
 *  - Open loop: flows arrive as a Poisson process at `rate` per second, on
 *    a schedule fixed in advance (a pure function of the seed). Each step of
 *    a flow takes a free connection of the pool; think time releases it.
 *    Latency runs from the scheduled start, so time spent waiting for a
 *    stalled server or a busy pool is counted (no coordinated omission);
 *    the waiting alone is reported as schedule lag, and flows whose lag
 *    exceeds late_ms are counted late.
 *
 * What runs is deterministic: flow execution k (k = 0, 1, 2, ...) draws its
 * flow, parameters, random variables, think times, arrival time and shard
 * from counter-based streams keyed by (seed, k). `--shard I/N` runs the
 * executions whose shard is I, so N shards run exactly the executions of
 * one big run, and their histograms merge exactly.
 *
 * Results are in pf_load_result (per-flow latency and lag histograms,
 * counts, errors by SQLSTATE, retries); loadreport.h turns them into JSON,
 * JUnit and verdicts, and merges shards. */
#ifndef PF_LOAD_H
#define PF_LOAD_H

#include <stdbool.h>
#include <stdint.h>

/* The fastest open-loop rate one load generator drives (flows per second); a
 * faster load is split over shards. */
#define PF_LOAD_MAX_RATE 1000000.0

#include "error.h"
#include "hist.h"
#include "queue.h"
#include "scenario.h"

typedef enum pf_load_mode {
    PF_LOAD_CLOSED, /* --clients: virtual users back to back */
    PF_LOAD_OPEN,   /* --rate / --load-factor: Poisson arrivals */
} pf_load_mode;

/* What the progress callback sees, once per progress interval. */
typedef struct pf_load_progress {
    double elapsed_s;
    double tps;           /* flows completed per second in the last interval */
    double p99_ms;        /* of the flows completed in the last interval */
    int64_t completed;    /* totals so far */
    int64_t errors;
    int64_t late;
    double lag_ms;        /* how far behind schedule the oldest waiting flow is (open loop) */
} pf_load_progress;

typedef void (*pf_load_progress_fn)(void *arg, const pf_load_progress *p);

typedef struct pf_load_opts {
    pf_load_mode mode;
    int clients;          /* connections: closed loop users, or the open loop pool */
    int threads;          /* 0: min(clients, online CPUs) */
    double rate;          /* open loop: flows per second, all shards together */
    double load_factor;   /* recorded only: rate / the scenario's expected rate */
    double duration_ms;   /* no flow starts after this; 0: only transactions bound the run */
    int64_t transactions; /* flow executions of the whole run (all shards); 0: no bound */
    int shard_index;      /* 1-based; 1 of 1 unless sharded */
    int shard_count;
    uint64_t seed;
    int max_tries;        /* tries of a step failing with 40001 or 40P01; 0: 3 */
    double late_ms;       /* lag above this makes a flow late; 0: 100 ms */
    double grace_ms;      /* after the duration, time for started flows to end; 0: 10 s */
    double progress_ms;   /* 0: no progress callbacks */
    pf_load_progress_fn on_progress;
    void *arg;
} pf_load_opts;

/* Defaults: closed loop, 10 clients, 30 s, shard 1/1, seed 1. */
void pf_load_opts_init(pf_load_opts *o);

/* Errors of one kind: a SQLSTATE, or "no_row" (a capture found no row). */
typedef struct pf_load_errcount {
    char key[8];
    int64_t count;
    char *example; /* the first message of that kind */
} pf_load_errcount;

typedef struct pf_load_flow_result {
    char *name;
    double weight;
    double threshold_ms;
    double max_error_rate;
    int64_t started;    /* executions begun */
    int64_t completed;  /* ended without error */
    int64_t errors;     /* ended with an error (after retries) */
    int64_t retries;    /* step re-runs after a serialization failure or deadlock */
    int64_t late;       /* schedule lag above late_ms */
    int64_t incomplete; /* still running (or thinking) when the run stopped */
    pf_hist *latency;   /* completed executions: scheduled start to end, think time excluded */
    pf_hist *lag;       /* every started execution: time waiting for the schedule to be met */
    pf_load_errcount *errs;
    size_t n_errs;
} pf_load_flow_result;

typedef struct pf_load_result {
    char *scenario;
    char *file;
    char hash[17];
    char *description;
    pf_load_mode mode;
    double rate;         /* open loop: requested flows per second (all shards) */
    double load_factor;  /* 0 when not given */
    double expected_rate;
    int clients;         /* this shard's connections (merged: the sum) */
    int clients_total;   /* the whole run's (--clients), all shards */
    int threads;
    int shard_index, shard_count;
    int shards;          /* how many shard results are combined in this one (1 unless merged) */
    int *shard_ids;      /* their shard indices (1-based), shards of them */
    uint64_t seed;
    double duration_ms;  /* requested */
    int64_t transactions;/* requested, 0 = unbounded */
    double late_ms;
    double elapsed_ms;   /* from the start until the last flow ended (merged: the longest) */
    bool interrupted;    /* stopped by SIGINT/SIGTERM: partial */
    int64_t unstarted;   /* open loop: arrivals due before the end that never started */
    double calibration_ms; /* the calibration statement's median on this server, before the run */
    long peak_rss_kb;    /* of the perfgate process at the end (merged: the largest) */
    double setup_ms;     /* connecting the clients and preparing statements */
    pf_load_flow_result *flows;
    size_t n_flows;
    pf_drain_result *drain; /* a queue-drain scenario */
} pf_load_result;

/* Would pf_load_run accept these options for scenario s (shards, clients,
 * the open-loop rate within PF_LOAD_MAX_RATE)? PF_EXIT_USAGE otherwise: a
 * caller checks before starting a server. */
int pf_load_check_opts(const pf_scenario *s, const pf_load_opts *o, pf_error *err);

/* Run scenario s (a flow scenario; see pf_queue_drain for the other kind)
 * against dsn. The database must hold the data the params queries read.
 * out is filled as far as the run got, also on failure and on interruption
 * (out->interrupted; the return value is then 0): dispose it in every case.
 * Errors: a params query or statement that fails against this schema is
 * PF_EXIT_FAIL (as a gate case that cannot run), bad options PF_EXIT_USAGE,
 * connections PF_EXIT_INFRA. */
int pf_load_run(const pf_scenario *s, const char *dsn, const pf_load_opts *o, pf_load_result *out,
                pf_error *err);
void pf_load_result_dispose(pf_load_result *r);
/* Fill the header of a result for scenario s run with o: names, the
 * options, one flow result per flow with empty histograms. */
void pf_load_result_init(pf_load_result *out, const pf_scenario *s, const pf_load_opts *o);

/* Run a queue-drain scenario (pf_queue_drain) into a result of the same
 * shape: the options' load factor scales the burst, clients (when given:
 * clients_given) replace the scenario's workers, shards split both. */
int pf_load_run_drain(const pf_scenario *s, const char *dsn, const pf_load_opts *o,
                      bool clients_given, bool keep_jobs, pf_load_result *out, pf_error *err);

/* Totals over the flows: started, completed, errors, retries, late,
 * incomplete; *latency (may be NULL) receives the merged histogram (caller
 * frees). */
void pf_load_result_totals(const pf_load_result *r, pf_load_flow_result *totals);
void pf_load_flow_result_dispose(pf_load_flow_result *f);

/* Count err (a SQLSTATE or "no_row") with an example message into f. */
void pf_load_flow_add_error(pf_load_flow_result *f, const char *key, int64_t n,
                            const char *example);

/* Combine src into dst: the same scenario run as another shard (or the
 * same one, for tests). Histograms and counts add, elapsed and RSS take
 * the maximum. Fails (PF_EXIT_USAGE) when they are not the same scenario
 * file, mode, seed and shard count, or the same shard twice. */
int pf_load_result_merge(pf_load_result *dst, const pf_load_result *src, pf_error *err);

/* Which shard (0-based, of n) runs flow execution k, and which of `threads`
 * threads; exposed for tests. */
void pf_load_assign(uint64_t seed, uint64_t k, int shards, int threads, int *shard, int *thread);

/* The peak resident set size of this process, in KiB. */
long pf_load_peak_rss_kb(void);

#endif
