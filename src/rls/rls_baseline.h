/* The RLS overhead baseline of one pair, baselines/rls/overhead/<pair>.json:
 * what the overhead checks measured when it was recorded and what that
 * depended on (data set, server, instruction counter). Written by json.h's
 * stable printer in its two-space layout; read strictly, every error naming
 * the file, the line and the JSON path. Private to the rls files (the
 * overhead checks write and read it; the unit tests check the bytes). */
#ifndef PF_RLS_BASELINE_H
#define PF_RLS_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define PF_RLS_BASELINE_FORMAT 1

/* Every member of the file. The overhead checks judge against the members
 * marked "judged" (required when reading); the others record the
 * measurement for a reader of the file (optional when reading: left 0 or
 * NULL when absent). Strings are owned: pf_rls_baseline_dispose. */
typedef struct pf_rls_baseline {
    char *pair, *identity_case, *owner_case, *identity;
    char *dataset_name;
    char *dataset_hash;   /* judged: the run must match */
    double scale;         /* judged */
    uint64_t seed;        /* judged */
    int server_major;     /* judged */
    int64_t n;
    double owner_median_ms, identity_median_ms, identity_p95_ms;
    double ratio;         /* judged, >= 0.0001 */
    double ratio_lo, ratio_hi;
    double fixed_owner_ms, fixed_identity_ms;
    double fixed_ratio;   /* judged, >= 0.0001 */
    int64_t owner_calls;
    int64_t identity_calls, policy_calls; /* judged */
    /* The optional "instructions" object: ratio and iterations judged, the
     * four strings say whether counts are comparable (pf_instr_mismatch). */
    bool has_instr;
    double instr_ratio;
    int64_t owner_instr, identity_instr;
    int instr_iterations;
    char *instr_method, *instr_valgrind, *instr_arch, *instr_server_build;
} pf_rls_baseline;

/* "<baselines_dir>/rls/overhead/<pair>.json"; caller frees. */
char *pf_rls_baseline_path(const char *baselines_dir, const char *pair);

/* The file's text: fixed member order, ratios and times with four
 * decimals, so that a re-recording is a diff of the numbers that moved.
 * NaN and infinities are written as 0. Caller frees. */
char *pf_rls_baseline_render(const pf_rls_baseline *b);

/* Parse text (path names it in errors) into *out (dispose it; on error it
 * is left empty). -1 with PF_EXIT_USAGE: "FILE:LINE: $.ratio: must be at
 * least 0.0001, not 0 (a malformed RLS overhead baseline; re-create it with
 * --update-baselines)". Members the format does not know are ignored, so
 * that an older perfgate reads a newer file (the instructions object came
 * later, within format 1). */
int pf_rls_baseline_parse(const char *path, const char *text, pf_rls_baseline *out,
                          pf_error *err);

/* pf_rls_baseline_parse of the file at path: 1 when there is no file (*out
 * empty), 0 read, -1 unreadable or malformed. */
int pf_rls_baseline_read(const char *path, pf_rls_baseline *out, pf_error *err);

void pf_rls_baseline_dispose(pf_rls_baseline *b);

#endif
