/* One `perfgate load` run, as gate.h is for `perfgate run`: the scenarios
 * read first (bad input fails before a server starts), then the target (a
 * disposable cluster, or --dsn), seeded through prepare.h when it is
 * perfgate's own or --init asks; every scenario run (load.h), judged
 * against its thresholds, error budget and load baseline (loadreport.h),
 * a baseline signal re-run to confirm it; baselines recorded on request.
 * And `perfgate load merge`: the shards' results combined and judged.
 *
 * Nothing here prints or writes reports: hooks tell the caller what
 * happens while the run goes on (progress lines, partial results saved
 * after every scenario), and the result holds every verdict. */
#ifndef PF_LOADGATE_H
#define PF_LOADGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "load.h"
#include "loadreport.h"
#include "prepare.h"
#include "scenario.h"

typedef struct pf_loadgate_result {
    char *target;               /* where it ran, password masked (NULL for a merge) */
    int64_t seed_rows;          /* rows loaded before the run; 0 when not seeded */
    double seed_ms;
    pf_load_result *results;    /* one per scenario reported, in order */
    pf_load_verdict **verdicts; /* verdicts[i]: pf_loadgate_n_verdicts(&results[i]) of
                                   them; NULL for a result not judged */
    size_t n;
    size_t n_scenarios;         /* scenarios selected */
    bool failed;      /* a scenario could not run or be judged, or a hook stopped the run */
    bool interrupted; /* SIGINT/SIGTERM: the results are partial */
    bool complete;    /* the results are the whole run: every scenario ran, nothing failed */
    int exit_code;    /* PF_EXIT_OK every flow passed, PF_EXIT_FAIL one did not; else
                         the failure's status (PF_EXIT_INFRA when interrupted) */
    bool baselines_updated;     /* update_baselines was carried out */
    int baselines_written;
    pf_error *baseline_errors;  /* baseline files that could not be written */
    size_t n_baseline_errors;
} pf_loadgate_result;

typedef enum pf_loadgate_phase {
    PF_LOADGATE_TARGET,   /* the target is open: result->target says where */
    PF_LOADGATE_SEEDED,   /* schema and data are in: result->seed_rows, seed_ms */
    PF_LOADGATE_LOAD,     /* the scenarios start */
    PF_LOADGATE_LOAD_END, /* the last scenario has ended */
} pf_loadgate_phase;

/* What happens during a run, for the caller to show. Every hook may be
 * NULL; each gets hooks.arg first. */
typedef struct pf_loadgate_hooks {
    void (*phase)(void *arg, pf_loadgate_phase phase, const pf_loadgate_result *res);
    /* Once per progress second of a flow scenario's run; p is NULL when
     * that run has ended. */
    void (*progress)(void *arg, const pf_scenario *s, const pf_load_progress *p);
    /* A baseline signal: s runs again to confirm it. */
    void (*confirming)(void *arg, const pf_scenario *s);
    /* Something stops the run after the current scenario: the scenario
     * could not run (e names it), its baseline could not be read, or
     * scenario_done failed. */
    void (*error)(void *arg, const pf_error *e);
    /* Scenario res->n - 1 is judged and part of the results
     * (res->complete: the last one, nothing failed): a moment to save the
     * partial results. Return -1 with err to stop the run; err->code
     * becomes its exit status. */
    int (*scenario_done)(void *arg, const pf_loadgate_result *res, pf_error *err);
    void *arg;
} pf_loadgate_hooks;

struct pf_loadgate_opts;

/* Runs scenario s at dsn with the load options lo (see
 * pf_loadgate_load_opts); fills out as pf_load_run does. */
typedef int (*pf_loadgate_runner)(void *arg, const pf_scenario *s, const char *dsn,
                                  const struct pf_loadgate_opts *o, const pf_load_opts *lo,
                                  pf_load_result *out, pf_error *err);

typedef struct pf_loadgate_opts {
    const char *scenario_path;  /* a scenario file or a directory of them */
    const char *baselines_dir;  /* load baselines live in <dir>/load; NULL: none */
    const char *dsn;            /* NULL: $PERFGATE_DSN, else a disposable cluster */
    bool init;                  /* with a dsn: prepare its database as a disposable one */
    pf_prepare_opts prepare;    /* the schema and data of a disposable cluster (or init) */
    pf_load_opts load;          /* as given; the mode is decided per scenario */
    bool clients_given, rate_given, factor_given;
    bool keep_jobs;             /* queue drains leave their jobs in job_queue */
    bool no_confirm;            /* a baseline signal is reported noisy without a re-run */
    bool update_baselines;      /* record every flow scenario's result as its baseline */
    pf_loadgate_hooks hooks;
    pf_loadgate_runner runner;  /* NULL: pf_load_run / pf_load_run_drain (tests fake it) */
    void *runner_arg;
} pf_loadgate_opts;

/* Defaults: pf_load_opts_init's load options, pf_prepare_opts_init's data
 * (no dataset: set prepare.dataset_path), confirmation on. */
void pf_loadgate_opts_init(pf_loadgate_opts *o);

/* The whole run. -1 when it could not start (bad scenario or dataset:
 * PF_EXIT_USAGE; server, schema, seeding: their status): nothing ran.
 * Otherwise 0 and out->exit_code; out is the caller's to dispose in every
 * case. */
int pf_loadgate_run(const pf_loadgate_opts *o, pf_loadgate_result *out, pf_error *err);

/* The load phase alone, against a database ready at dsn (pf_loadgate_run
 * calls it after the target and the seed): every scenario of sc in turn,
 * until one fails or the run is interrupted. Judges, confirms, records
 * baselines; out is the caller's to dispose. */
void pf_loadgate_run_scenarios(const pf_scenario *sc, size_t n, const char *dsn,
                               const pf_loadgate_opts *o, pf_loadgate_result *out);

/* The load options scenario s runs with: a queue drain at the load factor;
 * --rate: open loop at that rate; --load-factor X or nothing: open loop at
 * X (1) times the scenario's expected rate with its connection pool unless
 * --clients; --clients alone: closed loop. */
void pf_loadgate_load_opts(const pf_loadgate_opts *o, const pf_scenario *s, pf_load_opts *lo);

/* Verdicts for r: one per flow, plus one for a queue drain. */
size_t pf_loadgate_n_verdicts(const pf_load_result *r);

/* Judge every flow of r against its load baseline in baselines_dir (NULL:
 * none); confirming: r is the re-run of a baseline signal. *out is an
 * array of pf_loadgate_n_verdicts(r) verdicts, the caller's
 * (pf_loadgate_verdicts_free). -1 when the baseline file is bad
 * (PF_EXIT_USAGE, naming it). */
int pf_loadgate_judge(const pf_load_result *r, const char *baselines_dir, bool confirming,
                      pf_load_verdict **out, pf_error *err);
void pf_loadgate_verdicts_free(pf_load_verdict *v, const pf_load_result *r);

/* perfgate load merge: the results files of the shards of one run,
 * combined per scenario (pf_load_result_merge) and judged against
 * baselines_dir (a signal cannot be re-run here: it stays noisy). A
 * missing or interrupted shard is an error (PF_EXIT_USAGE) unless
 * allow_partial (out->complete is then false). -1 on a bad file or
 * baseline: out then holds what was merged, and the verdicts judged before
 * the failure (the rest NULL); dispose it in every case. */
int pf_loadgate_merge(const char *const *files, size_t n_files, const char *baselines_dir,
                      bool allow_partial, pf_loadgate_result *out, pf_error *err);

void pf_loadgate_result_dispose(pf_loadgate_result *r);

#endif
