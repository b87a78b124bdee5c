/* Reports of perfgate load: the JSON results file (written after every run,
 * partial ones included, and read back by `perfgate load merge`), the
 * per-flow verdicts (thresholds, error rates, load baselines), JUnit, the
 * text table, and baselines/load/<scenario>-<point>.json.
 *
 * Verdict rules (bench/load/README.md says the same for users):
 *  - a flow whose every execution failed: error;
 *  - errors / executions above the flow's max_error_rate (default 0): fail;
 *  - the flow's p99 latency against its threshold: warning above 50 %,
 *    critical above 100 %, emergency above 200 %; critical and above fail;
 *  - against a load baseline of the same scenario at the same load point:
 *    a signal when the calibration-normalised p50 and p99 are both more
 *    than 1.20x the baseline's (and p50 at least 0.05 ms more), both runs
 *    have at least 100 completed executions, and in a closed loop the
 *    throughput fell below 1/1.20 of the baseline's. A signal fails only
 *    when a re-run of the scenario confirms it; otherwise it is "noisy";
 *  - a queue drain fails when a job was not processed exactly once, and
 *    by its drain time against its threshold (levels as above). */
#ifndef PF_LOADREPORT_H
#define PF_LOADREPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "load.h"

typedef enum pf_load_status {
    PF_LOAD_PASS,
    PF_LOAD_NEW,     /* passes; no baseline at this load point */
    PF_LOAD_WARN,    /* passes with something to look at (warning level, stale baseline) */
    PF_LOAD_NOISY,   /* a baseline signal a re-run did not confirm (or none was made) */
    PF_LOAD_SKIPPED, /* no execution of the flow in this run */
    PF_LOAD_FAIL,
    PF_LOAD_ERROR,   /* every execution failed */
} pf_load_status;

const char *pf_load_status_name(pf_load_status s);

/* One flow of a load baseline. */
typedef struct pf_load_baseline_flow {
    char *name;
    long n;
    double p50_ms, p99_ms, throughput;
} pf_load_baseline_flow;

typedef struct pf_load_baseline {
    char *scenario;
    char *hash;   /* of the scenario file it was recorded with */
    char *point;  /* "x10", "c20", "r500" */
    char *mode;
    double calibration_ms;
    pf_load_baseline_flow *flows;
    size_t n_flows;
} pf_load_baseline;

typedef struct pf_load_verdict {
    pf_load_status status;
    int level;             /* enum pf_level of verdict.h: 0 ok .. 3 emergency */
    bool signal;           /* a baseline regression signal (needs confirming) */
    bool stale;            /* a baseline of another scenario file */
    double p50_ratio, p99_ratio, throughput_ratio; /* against the baseline, 0 if none */
    char *message;         /* one line */
    char *details;         /* several lines: every number the verdict used */
} pf_load_verdict;

/* The load point of a result: "x<load factor>" (open loop from the
 * scenario's expected load), "r<rate>" (open loop, --rate), "c<clients>"
 * (closed loop; clients of the whole run). Caller frees. */
char *pf_load_point(const pf_load_result *r);
/* <dir>/load/<scenario>-<point>.json; caller frees. */
char *pf_load_baseline_path(const char *dir, const pf_load_result *r);
/* Read a baseline: 0 found, 1 no such file, -1 bad file (PF_EXIT_USAGE). */
int pf_load_baseline_read(const char *path, pf_load_baseline *out, pf_error *err);
/* Record r as the baseline at path (atomically, stable key order). */
int pf_load_baseline_write(const char *path, const pf_load_result *r, pf_error *err);
void pf_load_baseline_dispose(pf_load_baseline *b);

/* The measured window throughput is computed over: the duration when the
 * run went the whole duration, else the elapsed time. */
double pf_load_window_ms(const pf_load_result *r);

/* Judge flow i of r (i == n_flows: the queue drain). baseline may be NULL.
 * confirming: this result is the re-run of a baseline signal. */
void pf_load_judge(const pf_load_result *r, size_t i, const pf_load_baseline *baseline,
                   bool confirming, pf_load_verdict *out);
void pf_load_verdict_dispose(pf_load_verdict *v);

/* Exit status of a set of verdicts: PF_EXIT_FAIL when one failed or
 * errored, else PF_EXIT_OK. */
int pf_load_exit_code(const pf_load_verdict *v, size_t n);

/* ---- the results file ---- */

/* Run-wide facts written at the top of the results file. */
typedef struct pf_load_meta {
    const char *version;
    const char *target;   /* where it ran, password masked */
    const char *started_at; /* ISO 8601 UTC */
    bool complete;        /* every scenario ran to its end */
    int exit_code;
} pf_load_meta;

/* The whole results document. verdicts[s] holds one verdict per flow of
 * results[s] (plus one for a queue drain); verdicts may be NULL. Caller
 * frees the string. */
char *pf_load_results_json(const pf_load_meta *meta, const pf_load_result *results, size_t n,
                           pf_load_verdict *const *verdicts);
/* Read a results file back (histograms included). *out is an array of *n
 * results (pf_load_results_free). Errors name the file (PF_EXIT_USAGE). */
int pf_load_results_read(const char *path, pf_load_result **out, size_t *n, pf_error *err);
void pf_load_results_free(pf_load_result *r, size_t n);

/* ---- for people ---- */

/* The table printed after a run: one line per flow. Caller frees. */
char *pf_load_table(const pf_load_result *r, pf_load_verdict *const v);

/* JUnit: one suite per scenario, one testcase per flow (and the drain). */
int pf_load_junit_write(const char *path, const pf_load_result *results, size_t n,
                        pf_load_verdict *const *verdicts, pf_error *err);

#endif
