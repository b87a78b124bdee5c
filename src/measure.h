/* Measuring one benchmark case: draw parameters, warm up, time iterations on
 * the monotonic clock (each one a Supabase-style transaction, rolled back),
 * and take the plan and deterministic work metrics from EXPLAIN (ANALYZE,
 * BUFFERS) on a fixed parameter draw. Plus the calibration workload that
 * normalises latency across machines. */
#ifndef PF_MEASURE_H
#define PF_MEASURE_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "error.h"
#include "plan.h"
#include "registry.h"
#include "stats.h"

/* Candidate parameter rows of a case (the result of its params query). */
typedef struct pf_params {
    char **columns;
    size_t n_columns;
    char **values; /* n_rows x n_columns, NULL = SQL NULL */
    size_t n_rows;
    double *cum;   /* cumulative weights, normalised */
    int user_col;  /* index of user_id, -1 */
    int *map;      /* for each case parameter, its column */
} pf_params;

typedef struct pf_measurement {
    double *samples_ms; /* per timed iteration, in order */
    size_t n_samples;
    /* The calibration statement timed just before and just after the
     * iterations: the case's own reference for the machine's speed. */
    double *calibration_samples_ms;
    double calibration_ms; /* their median */
    pf_summary latency;
    pf_work work;
    int64_t function_calls; /* user-function calls in the EXPLAIN run (pg_stat_xact_user_functions) */
    char fingerprint[17];
    char *plan_summary;
    char **plan_nodes; /* NULL-terminated */
    double explain_ms; /* execution time EXPLAIN ANALYZE reported */
    int64_t rows;      /* rows the statement returned or affected (explain draw) */
    bool in_clone;     /* ran in a throw-away copy of the database */
    double wall_ms;    /* whole measurement, set-up included */
} pf_measurement;

typedef struct pf_measure_opts {
    uint64_t seed;  /* parameter draws: the run's seed, mixed with the case name */
    int iterations; /* > 0: override every case's iterations (quick runs) */
    int warmup;     /* >= 0 with override_warmup */
    bool override_warmup;
} pf_measure_opts;

/* Run the case's params query and check it provides every parameter (and
 * user_id for RLS identities). Errors name the case file. */
int pf_params_load(pf_db *db, const pf_case *c, pf_params *out, pf_error *err);
void pf_params_dispose(pf_params *p);

/* Measure a case on db (already the right database). A SQL error in the
 * case is PF_EXIT_FAIL with the server's message; a lost connection
 * PF_EXIT_INFRA. out must be disposed in every case. */
int pf_measure_case(pf_db *db, const pf_case *c, const pf_measure_opts *o, pf_measurement *out,
                    pf_error *err);
void pf_measurement_dispose(pf_measurement *m);

/* Measure the base and head versions of a case together (perfgate run
 * --base): both warmed up and explained, then the same number of timed
 * iterations, interleaved base/head in a seeded random order within each
 * pair, with the same parameter draws. samples_ms[i] of base and head form
 * pair i. Both measurements must be disposed. */
int pf_measure_pair(pf_db *base_db, const pf_case *base_case, pf_db *head_db,
                    const pf_case *head_case, const pf_measure_opts *o, pf_measurement *base,
                    pf_measurement *head, pf_error *err);

/* The calibration workload: a fixed CPU-bound query run `reps` times;
 * *median_ms is its median. The same statement runs after every timed
 * iteration of every case. */
int pf_measure_calibration(pf_db *db, int reps, double *median_ms, pf_error *err);

#endif
