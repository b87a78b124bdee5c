/* Load scenarios: JSON files (bench/load/NAME.json, format in
 * bench/load/README.md) describing a weighted mix of flows, each a short
 * sequence of SQL steps run as an identity with think time between them,
 * plus the load the app expects; or a queue-drain benchmark. Parsing only:
 * nothing here talks to a server. Errors name the file, the line and the
 * JSON path ("bench/load/mix.json:14: $.flows[1].steps[0].think: ..."),
 * and the line and column for JSON syntax errors. */
#ifndef PF_SCENARIO_H
#define PF_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most users an expected load may declare. */
#define PF_SCENARIO_MAX_USERS 100000000.0

#include "error.h"
#include "registry.h"

/* Variables every statement may use besides its flow's parameters. */
#define PF_SCENARIO_VAR_CLIENT "client_id"    /* the virtual client, e.g. "s1-t0-c3" */
#define PF_SCENARIO_VAR_ITERATION "iteration" /* the flow execution's global index */

typedef enum pf_think_kind {
    PF_THINK_NONE,
    PF_THINK_FIXED,       /* a_ms exactly */
    PF_THINK_EXPONENTIAL, /* mean a_ms, capped at 10 x the mean */
    PF_THINK_UNIFORM,     /* between a_ms and b_ms */
} pf_think_kind;

typedef struct pf_think {
    pf_think_kind kind;
    double a_ms, b_ms;
} pf_think;

/* One SQL statement of a step. */
typedef struct pf_stmt {
    char *sql;          /* as written */
    char *prepared_sql; /* :name replaced by $1..$n */
    char **names;       /* the :names in $n order, NULL-terminated */
    size_t n_names;
    char **capture;     /* columns of the first row kept as variables, NULL-terminated */
    size_t n_capture;
    bool end_if_empty;  /* no row: commit and end the flow (else: an error) */
    char *path;         /* JSON path, for messages */
} pf_stmt;

/* One step: a transaction (BEGIN, the identity, the statements, COMMIT),
 * run `repeat` times, each followed by its think time (not after the
 * flow's last step). A single statement run as the owner needs no
 * transaction block and is sent alone (as pgbench does). */
typedef struct pf_step {
    char *name;
    pf_stmt *stmts;
    size_t n_stmts;
    int repeat;
    pf_think think;
    bool transaction;
} pf_step;

/* A random integer variable drawn per flow execution: uniform in [lo, hi]. */
typedef struct pf_random_var {
    char *name;
    int64_t lo, hi;
} pf_random_var;

typedef struct pf_flow {
    char *name;
    char *description;
    double weight;
    pf_identity identity;
    char *identity_label;   /* as written: "patient", ... */
    char *params_sql;       /* candidate parameter rows (as in bench/README.md), or NULL */
    pf_random_var *random;
    size_t n_random;
    pf_step *steps;
    size_t n_steps;
    double threshold_ms;    /* 0: none; judged on the flow's p99 */
    double max_error_rate;  /* errors / executions above this fail the flow; default 0 */
    char *path;             /* "$.flows[i]" */
} pf_flow;

/* The queue-drain benchmark: a burst of jobs enqueued at once, drained by
 * K workers (claim, simulated processing, heartbeat, complete). */
typedef struct pf_drain_spec {
    int jobs;              /* the burst at load factor 1 */
    int workers;           /* K */
    char *job_type;        /* default document_processing */
    double processing_ms;  /* simulated work per job, outside any transaction */
    bool heartbeat;        /* one heartbeat_job() halfway through the processing */
    double threshold_ms;   /* the job-processing SLA, judged on the drain time; default 10 s */
} pf_drain_spec;

typedef struct pf_scenario {
    char *name;
    char *description;
    char *file;
    char hash[17];          /* FNV-1a 64 of the file text */
    /* Expected load: `users` active users each starting one flow (drawn by
     * weight) every `every_ms`: users / every flows per second. */
    double users;
    double every_ms;
    int connections;        /* open-loop connection pool by default; 0: 10 */
    pf_flow *flows;
    size_t n_flows;
    pf_drain_spec *drain;   /* non-NULL: a queue-drain scenario (no flows) */
} pf_scenario;

/* Parse one scenario from text; origin names it in errors (PF_EXIT_USAGE).
 * out is the caller's to dispose, also on failure. */
int pf_scenario_parse(const char *origin, const char *text, pf_scenario *out, pf_error *err);
/* Read and parse a file. */
int pf_scenario_load(const char *path, pf_scenario *out, pf_error *err);
/* A file, or every *.json of a directory (lexical order, not recursive).
 * *out is an array of *n scenarios; free with pf_scenarios_free. Scenario
 * names must be unique. */
int pf_scenario_load_all(const char *path, pf_scenario **out, size_t *n, pf_error *err);
void pf_scenario_dispose(pf_scenario *s);
void pf_scenarios_free(pf_scenario *s, size_t n);

/* Flows per second at load factor 1: users / every. 0 for a drain. */
double pf_scenario_expected_rate(const pf_scenario *s);

/* Statements of a flow that use a variable nothing provides: the parser
 * has resolved built-ins, random variables and earlier captures; what is
 * left must come from the params query. Returns the names (NULL-terminated,
 * each once; the caller frees with pf_strv_free). */
char **pf_scenario_flow_param_names(const pf_flow *f);

#endif
