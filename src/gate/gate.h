/* One gate run (perfgate run), phase by phase:
 *
 *  1. inputs, before any server starts, so bad input fails fast: the
 *     registry, the dataset, the RLS rules file, with --base the base
 *     revision's registry and dataset (git archive); the cases --only
 *     selects and their baselines; the case baselines without a case
 *     (baselines.h: never a load or RLS overhead baseline); the data
 *     generator planned;
 *  2. the target (a disposable cluster or --dsn), schema and data
 *     (prepare.h), and the environment the numbers depend on;
 *  3. with --base, the base revision's database beside the head's (a copy
 *     when schema and data are the same, else built);
 *  4. instructions per execution of every case, of its base version and of
 *     the RLS overhead pairs, counted with the server under callgrind on
 *     the freshly seeded databases (instr.h; skipped with a reason under
 *     --no-instructions, on a server not perfgate's own, without valgrind);
 *  5. calibration at the start, middle and end, and every selected case
 *     measured and judged (read-only cases first; a write case in a
 *     throw-away copy of the database);
 *  6. final verdicts with the run's calibration (verdict.h); a latency or
 *     threshold signal is re-measured, and the re-run judged, to confirm;
 *  7. the RLS checks (rls.h), when a rules file is given;
 *  8. with --update-baselines, every measured case's baseline written;
 *  9. the counts per status and the exit code.
 *
 * Reports are rendered by summary.c. */
#ifndef PF_GATE_H
#define PF_GATE_H

#include <stdbool.h>
#include <stdint.h>

#include "baseline.h"
#include "error.h"
#include "instr.h"
#include "measure.h"
#include "prepare.h"
#include "registry.h"
#include "rls.h"
#include "verdict.h"

typedef struct pf_case_result {
    const pf_case *c;       /* borrowed from the registry */
    pf_measurement m;       /* the measurement the verdict is based on (the re-run's, if any) */
    bool measured;
    bool reran;             /* a latency or threshold signal was re-measured */
    double first_ratio;     /* the first run's latency ratio when re-run */
    pf_baseline baseline;
    bool has_baseline;
    char *baseline_path;
    char *mismatch;         /* baseline not comparable: why */
    char *error;            /* measurement failed: the message */
    int error_code;         /* PF_EXIT_* of the failure */
    bool ran_in_place;      /* a write case that could not get its own database */
    bool baseline_written;
    /* --base: the base revision's version of the case, measured with it */
    const pf_case *base_case;
    pf_measurement base_m;
    bool has_base;
    /* Instructions per execution: jobs of the run's instruction phase (-1:
     * none), and why they are not judged (NULL: judged when counted). */
    long instr_job, base_instr_job;
    char *instr_note;
    pf_verdict v;
} pf_case_result;

typedef void (*pf_gate_case_fn)(void *arg, const pf_case_result *r, size_t index, size_t total);
typedef void (*pf_gate_phase_fn)(void *arg, const char *phase, double ms);

typedef struct pf_gate_opts {
    const char *schema_dir;
    const char *dataset_path;
    const char *seed_sql;   /* applied after the data, before ANALYZE (prepare.h); NULL: none */
    const char *bench_dir;
    const char *baselines_dir;
    double scale;
    uint64_t seed;
    bool seed_given;
    const char *dsn;        /* NULL: a disposable cluster */
    const char *only;       /* --only patterns */
    bool update_baselines;
    bool auth_shim;
    bool no_seed;           /* the database at dsn is already seeded */
    const char *base_ref;   /* same-run comparison with this git revision */
    const char *rls_rules;  /* RLS checks (isolation, tables, linter, overhead); NULL: none */
    const char *identity_rules; /* the rules file whose identities cases may name (default:
                                   rls_rules; given even when the RLS checks do not run) */
    const char *const *rls_severities; /* "rule=level" overrides, NULL-terminated */
    int jobs;
    int iterations;         /* > 0: override every case (quick runs) */
    double statement_timeout_ms; /* per statement while measuring; 0 = none */
    bool no_instructions;   /* do not count instructions under callgrind */
    /* The cache (cache.h) of seeded databases and instruction counts: NULL
     * for the default directory; off with no_cache (and always with a dsn). */
    const char *cache_dir;
    bool no_cache;
    pf_rules rules;
    pf_gate_case_fn on_case;
    pf_gate_phase_fn on_phase;
    /* One call per finished instruction count (may be NULL). */
    void (*on_instr_job)(void *arg, const pf_instr_job *job, size_t index, size_t total);
    /* Progress of seeding the head database (may be NULL; prepare.h). */
    pf_prepare_progress_fn on_seed_progress;
    /* Progress within the RLS checks (may be NULL; pf_rls_opts.on_progress). */
    void (*on_rls_progress)(void *arg, const char *phase, size_t done, size_t total);
    void *arg;
} pf_gate_opts;

typedef struct pf_gate_result {
    pf_registry *registry;
    pf_case_result *cases; /* the selected cases, in run order */
    size_t n_cases;
    char **removed;        /* case baselines without a case (runs without --only and
                              --base only; pf_baselines_removed), NULL-terminated */
    pf_env env;
    double calibration_ms;     /* median of the three calibration points */
    double calibration_spread; /* (max - min) / median of the three calibration points */
    double start_ms, schema_ms, seed_ms, measure_ms, total_ms;
    int counts[PF_STATUS_ERROR + 1];
    int exit_code;          /* enum pf_exit for the whole run */
    char *target;           /* where it ran, password masked */
    /* --base */
    char *base_commit;      /* the full hash compared with, NULL without --base */
    bool base_cloned;       /* base database cloned from head (same schema and data) */
    char **base_only;       /* cases only in the base revision, NULL-terminated */
    pf_registry *base_registry;
    /* RLS checks (docs/rls.md), when opts.rls_rules was given */
    pf_rls_result rls;
    bool has_rls;
    double rls_ms;
    /* The instruction phase (counted before the timed measurements, on the
     * freshly seeded databases) and the RLS pairs' jobs in it. */
    pf_instr_phase instr;
    pf_rls_instr_plan rls_instr;
    /* The cache: one line on what it did (NULL when off), and whether the
     * seeded database came from it. */
    char *cache_note;
    bool seeded_from_cache;
    double cache_ms;        /* storing the seeded database (a miss) */
} pf_gate_result;

/* The instruction count of a case result (and of its base revision), NULL
 * when none was taken. */
const pf_instructions *pf_gate_instr(const pf_gate_result *g, const pf_case_result *r);
const pf_instructions *pf_gate_base_instr(const pf_gate_result *g, const pf_case_result *r);

/* Defaults: scale 1, 2 loader jobs, a 60 s statement timeout, the default
 * rules (pf_rules_default); everything else zero, the paths included (the
 * CLI fills them in). */
void pf_gate_opts_init(pf_gate_opts *o);

/* Run the gate. Returns -1 when the run could not go on (bad input:
 * PF_EXIT_USAGE; infrastructure, an interrupt included: PF_EXIT_INFRA);
 * 0 otherwise, with every case's verdict and out->exit_code saying pass
 * (0) or fail (1: a failed, stale or errored case, or failed RLS checks;
 * with --update-baselines, which records rather than judges, an errored
 * case only). A case that cannot be measured is an error verdict, not a
 * failed run. out is filled as far as the run got; dispose it in every
 * case. */
int pf_gate_run(const pf_gate_opts *o, pf_gate_result *out, pf_error *err);
void pf_gate_result_dispose(pf_gate_result *r);

#endif
