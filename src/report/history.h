/* Results over time, for the dashboard (perfgate report): a directory of
 * JSON results of past runs — gate (`perfgate run --json`), RLS
 * (`perfgate rls --json`) and load (`perfgate load --json`), e.g. CI
 * artifacts, searched three levels deep — ordered by the time each run
 * started, plus the history of the committed baselines from git.
 *
 * A file that is not valid JSON, or not a perfgate result, is skipped with
 * a warning naming it; reading never fails because of one bad file.
 *
 * Typical use:
 *     pf_history h;
 *     if (pf_history_read_dir("artifacts/", &h, &err) < 0) ... (directory unreadable)
 *     pf_history_read_git(&h, "baselines/");   (optional; no git: a note)
 *     ... h.cases[i].points[r] is case i in gate run r (oldest first) ...
 *     pf_history_dispose(&h);
 */
#ifndef PF_HISTORY_H
#define PF_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* One run: a results file (or, for RLS, the "rls" part of a gate file). */
typedef struct pf_history_run {
    char *file;         /* path relative to the directory read */
    int64_t started_us; /* µs since the epoch */
    bool time_from_mtime; /* the file had no started_at: its modification time */
    int exit_code;
} pf_history_run;

/* A gate case in one run. */
typedef struct pf_history_point {
    bool present;      /* the case ran and was measured in this run */
    double median_ms, p95_ms;
    double baseline_ms; /* the baseline's median the run compared with; 0: none */
    double threshold_ms; /* 0: none */
    double buffers;
    double instructions;          /* per execution; 0: not counted */
    double baseline_instructions; /* the count it was judged against; 0: none */
    char status[12];   /* pass, new, warn, noisy, stale, fail, error */
    char level[12];    /* ok, warning, critical, emergency */
    char headline[160]; /* the verdict's one line (cut), "" for a pass */
} pf_history_point;

typedef struct pf_history_case {
    char *name;  /* "group/name" */
    char *group;
    pf_history_point *points; /* one per gate run */
} pf_history_case;

/* An RLS overhead pair (identity vs owner) in one RLS run. */
typedef struct pf_history_rls_point {
    bool present;
    double ratio, ratio_lo, ratio_hi; /* identity / owner medians, with its CI */
    double baseline_ratio;            /* 0: none */
    double identity_median_ms;
    double policy_calls;
    double instr_ratio, baseline_instr_ratio; /* in instructions; 0: not counted / none */
} pf_history_rls_point;

typedef struct pf_history_pair {
    char *name;
    char *identity;
    pf_history_rls_point *points; /* one per RLS run */
} pf_history_pair;

/* A load flow (or a queue drain) in one load run. */
typedef struct pf_history_flow_point {
    bool present;
    double p50, p90, p99, p999, max; /* latency quantiles, ms (drain: job time) */
    double threshold_ms;             /* judged on the p99 (drain: the drain time) */
    double throughput;               /* completions/s (drain: jobs/s) */
    double drain_ms;                 /* queue drains only */
    char status[12];
} pf_history_flow_point;

typedef struct pf_history_flow {
    char *name; /* "scenario/flow@point", e.g. "healthcare_mix/patient_timeline@x1" */
    bool drain;
    pf_history_flow_point *points; /* one per load run */
} pf_history_flow;

/* A commit that changed baselines (git log of the baselines directory). */
typedef struct pf_history_change {
    char *commit;  /* abbreviated hash */
    int64_t at_us; /* committer date */
    char *subject;
    char **cases;  /* "group/name" of the baselines it touched, NULL-terminated */
} pf_history_change;

typedef struct pf_history {
    pf_history_run *runs; /* gate runs, oldest first */
    size_t n_runs;
    pf_history_case *cases; /* sorted by name */
    size_t n_cases;
    pf_history_run *rls_runs;
    size_t n_rls_runs;
    pf_history_pair *pairs;
    size_t n_pairs;
    pf_history_run *load_runs;
    size_t n_load_runs;
    pf_history_flow *flows;
    size_t n_flows;
    pf_history_change *changes; /* oldest first */
    size_t n_changes;
    char **warnings; /* one line each: skipped files, missing timestamps, no git */
    size_t n_warnings;
} pf_history;

/* Read every *.json under dir (three levels deep). Returns -1 only when dir
 * cannot be read (PF_EXIT_USAGE); bad files become warnings. out is the
 * caller's to dispose in every case. */
int pf_history_read_dir(const char *dir, pf_history *out, pf_error *err);

/* The history of one results document, as if read from a file called
 * name (for tests and the fuzz target); problems become warnings. out is
 * the caller's to dispose. */
void pf_history_read_text(pf_history *out, const char *name, const char *text);

/* Add the baseline history: `git log` of baselines_dir (at most 500
 * commits). Not a git checkout, or no git: a warning, and 1 is returned;
 * 0 when read. */
int pf_history_read_git(pf_history *h, const char *baselines_dir);

/* Parse an ISO-8601 UTC time ("2026-01-31T08:30:00Z", fractions and
 * "+00:00" accepted) into µs since the epoch. -1 if it does not parse. */
int pf_history_parse_time(const char *text, int64_t *us);

void pf_history_dispose(pf_history *h);

/* The last run in which case c is present, or -1. */
long pf_history_case_last(const pf_history *h, size_t c);

#endif
