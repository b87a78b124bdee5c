/* Committed baselines: one JSON file per case (its path: baselines.h), with
 * a stable key order and number format so a baseline-update PR shows a
 * readable diff, written atomically. Reading is strict: a malformed file is
 * bad input naming the file (and line for syntax errors). */
#ifndef PF_BASELINE_H
#define PF_BASELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "plan.h"

#define PF_BASELINE_FORMAT 1
#define PF_BASELINE_QUANTILES 101

/* What the numbers depend on besides the code under test. */
typedef struct pf_env {
    char *server_version; /* "15.20" */
    int server_major;
    char **setting_names; /* NULL-terminated, in a fixed order */
    char **setting_values;
    char *dataset_name;
    char *dataset_hash;
    double scale;
    uint64_t seed;
    /* Checksum of the generated data (perfgate seed --checksum): catches a
     * generator change the spec file's hash cannot see. NULL if unknown. */
    char *data_checksum;
} pf_env;

typedef struct pf_baseline {
    int format;
    char *case_name;
    char *group;
    char *file;
    char *sql_hash;
    pf_env env;
    /* latency */
    int n;
    double median_ms, p95_ms, p99_ms, mean_ms, stddev_ms;
    double calibration_ms;
    double normalized_median; /* median / calibration */
    double quantiles_ms[PF_BASELINE_QUANTILES];
    int n_quantiles;
    /* work */
    pf_work work;
    int64_t function_calls;
    /* instructions per execution (optional: counted under callgrind) */
    bool has_instructions;
    int64_t instructions;
    int instr_iterations;     /* over how many parameter draws (the same ones every run) */
    char *instr_method;       /* what was counted (PF_INSTR_METHOD when recorded) */
    char *instr_valgrind;     /* valgrind version */
    char *instr_arch;         /* CPU architecture */
    char *instr_server_build; /* SELECT version() of the server */
    /* plan */
    char *fingerprint;
    char *plan_summary;
    char **plan_nodes; /* NULL-terminated */
} pf_baseline;

/* Read a baseline. Returns 1 (and leaves *out empty) if the file does not
 * exist, 0 when read, -1 on a malformed file (PF_EXIT_USAGE, names it). */
int pf_baseline_read(const char *path, pf_baseline *out, pf_error *err);
/* The same from text already read; path only names it in messages. Returns
 * 0, or -1 on malformed text (PF_EXIT_USAGE; *out is then left empty). *out
 * is the caller's to dispose (pf_baseline_dispose). */
int pf_baseline_parse(const char *path, const char *text, pf_baseline *out, pf_error *err);
/* Render as the canonical text; caller frees. */
char *pf_baseline_render(const pf_baseline *b);
/* Write atomically (temp file + rename): never a half-written baseline. */
int pf_baseline_write(const char *path, const pf_baseline *b, pf_error *err);
void pf_baseline_dispose(pf_baseline *b);

/* Record the latency distribution of n samples (any order) as the
 * baseline keeps it: PF_BASELINE_QUANTILES quantiles, none without
 * samples. */
void pf_baseline_set_quantiles(pf_baseline *b, const double *samples_ms, size_t n);
/* Record a plan: copies of the fingerprint, the summary (NULL: "") and the
 * NULL-terminated node list (NULL: none). */
void pf_baseline_set_plan(pf_baseline *b, const char *fingerprint, const char *summary,
                          char *const *nodes);

void pf_env_dispose(pf_env *e);
/* Deep copy. */
void pf_env_copy(pf_env *dst, const pf_env *src);
/* Why two environments' work metrics are not comparable, or NULL if they
 * are (same server major, dataset, scale, seed, settings). Caller frees. */
char *pf_env_mismatch(const pf_env *baseline, const pf_env *current);

#endif
