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

/* Instructions one execution of a case's statement costs the backend,
 * counted under callgrind (callgrind.h): the mean over `iterations`
 * parameter draws (the first draws of the timed iterations), as the
 * difference of two marked passes over the same draws, one with the
 * statement and one without (the transaction, role and claims set-up
 * alone). */
typedef struct pf_instructions {
    int64_t per_execution;
    int iterations;
    int64_t probe_per_execution; /* the first executions, cold and with set-up: chose iterations */
    int64_t with_statement;      /* the two passes' totals */
    int64_t without_statement;
} pf_instructions;

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
    bool has_instructions; /* instr was counted (pf_measure_instructions) */
    pf_instructions instr;
    double wall_ms;    /* whole measurement, set-up included */
} pf_measurement;

typedef struct pf_measure_opts {
    uint64_t seed;  /* parameter draws: the run's seed, mixed with the case name */
    int iterations; /* > 0: override every case's iterations (quick runs) */
    int warmup;     /* >= 0 with override_warmup */
    bool override_warmup;
} pf_measure_opts;

/* The request.jwt.claims document PostgREST sets for a request: role, and
 * the user id as "sub" when user_id is not NULL; every string JSON-quoted
 * (a '"' or '\\' in an id cannot break the document). Caller frees. */
char *pf_measure_claims(const char *role, const char *user_id);

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

/* Counting instructions: mark(arg, db, &count, err) must return the
 * instructions db's backend executed since the previous call (see
 * pf_callgrind_mark). */
typedef int (*pf_mark_fn)(void *arg, pf_db *db, int64_t *count, pf_error *err);

typedef struct pf_instr_opts {
    uint64_t seed;   /* as for the timed iterations: the same draws */
    int iterations;  /* > 0: exactly this many (a baseline's count, the other half of a
                        pair); 0: chosen from the cost (pf_measure_instr_iterations) */
    bool as_owner;   /* run the statement as the owner whatever the case's identity
                        (an RLS pair's owner half) */
    pf_mark_fn mark;
    void *mark_arg;
} pf_instr_opts;

/* Count the instructions of one execution of case c on db (a connection to
 * a server under callgrind): the first draw twice (the second, warm, count
 * chooses n unless o->iterations says), a warm-up pass over the draws 0..n-1, then a
 * marked pass over the same draws with the statement and one without it.
 * Every execution is the timed iteration's transaction (identity, claims,
 * rollback). Errors as pf_measure_case. */
int pf_measure_instructions(pf_db *db, const pf_case *c, const pf_instr_opts *o,
                            pf_instructions *out, pf_error *err);

/* Iterations for a statement that costs about `per_execution` instructions
 * (about 25M counted per case): 20 below 1.25M, 10 below 2.5M, 5 below 5M,
 * 3 below 8.3M, 2 below 12.5M, else 1. */
int pf_measure_instr_iterations(int64_t per_execution);

/* The calibration workload: a fixed CPU-bound query run `reps` times;
 * *median_ms is its median. The same statement runs after every timed
 * iteration of every case. */
int pf_measure_calibration(pf_db *db, int reps, double *median_ms, pf_error *err);

#endif
