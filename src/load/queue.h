/* The queue-drain benchmark: a burst of jobs enqueued at once (what a
 * document-upload spike does to job_queue), then K workers, each on its own
 * connection as service_role, loop claim_next_job() (FOR UPDATE SKIP
 * LOCKED) -> simulated processing -> heartbeat_job() -> complete_job()
 * until nothing is left to claim. Measured: time to drain (burst committed
 * to the last job completed), claim latency, jobs per second, each job's
 * time in the system. Checked: every job of the burst was claimed exactly
 * once (every claimed id is recorded and compared with the enqueued ids)
 * and the database agrees (every row of the burst's lane completed).
 *
 * The burst goes into a lane of its own (perfgate-drain-...), so jobs
 * already in the database are not touched and concurrent runs do not mix;
 * its rows are deleted afterwards unless asked to keep them. */
#ifndef PF_QUEUE_H
#define PF_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "hist.h"

struct pf_drain_spec;

typedef struct pf_drain_opts {
    double load_factor; /* the burst is spec->jobs x this (0: 1) */
    int workers;        /* 0: the spec's */
    int shard_index;    /* 1-based: this shard enqueues and drains its share */
    int shard_count;
    bool keep_jobs;     /* leave the burst's rows in job_queue */
} pf_drain_opts;

typedef struct pf_drain_result {
    char *lane;
    char *job_type;
    int jobs;              /* enqueued by this run (merged: all shards) */
    int workers;           /* merged: all shards */
    double processing_ms;
    bool heartbeat;
    double threshold_ms;
    double enqueue_ms;     /* enqueueing the burst, one statement */
    double drain_ms;       /* burst committed -> last job completed (merged: the longest) */
    double jobs_per_s;     /* jobs / drain time */
    int64_t claimed;       /* successful claims */
    int64_t completed;     /* complete_job() returned true */
    int64_t heartbeats_ok; /* heartbeat_job() returned true */
    int64_t duplicates;    /* jobs claimed more than once: must be 0 */
    int64_t lost;          /* jobs of the burst never claimed: must be 0 */
    int64_t foreign;       /* claimed ids not in the burst, or completions refused: must be 0 */
    int64_t db_completed;  /* rows of the lane the database says are completed */
    bool interrupted;
    pf_hist *claim;        /* claim_next_job() round trips that returned a job */
    pf_hist *job;          /* per job: burst committed -> its completion acknowledged */
} pf_drain_result;

/* Run the benchmark against dsn (a database with the job queue schema of
 * fixtures/schema, and a role service_role the connecting user may SET ROLE
 * to). out is filled as far as it got: dispose it in every case. An
 * exactly-once violation is not an error here: it is in the counts (the
 * report fails the run). */
int pf_queue_drain(const struct pf_drain_spec *spec, const char *dsn, const pf_drain_opts *o,
                   pf_drain_result *out, pf_error *err);
void pf_drain_result_dispose(pf_drain_result *r);

/* true when every job was processed exactly once (duplicates, lost and
 * foreign are 0, and the database agrees). */
bool pf_drain_exactly_once(const pf_drain_result *r);

/* Add src (another shard) into dst: counts and histograms add, drain time
 * is the longest, jobs per second is recomputed over it. */
void pf_drain_result_merge(pf_drain_result *dst, const pf_drain_result *src);

#endif
