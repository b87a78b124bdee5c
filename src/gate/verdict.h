/* Verdicts: a case's measurement against its reference and its absolute
 * threshold, by the rules of DESIGN.md and docs/verdicts.md. The reference
 * is the committed baseline, or with --base the base revision measured in
 * the same run. Pure (no I/O): every rule is unit-tested. The defaults
 * (pf_rules_default):
 *
 *  - work metrics are the primary signal: buffers, temp blocks and rows
 *    processed fail above +20% and at least 5 more, user-function calls
 *    above +20% and at least 2 more;
 *  - instructions per execution (counted under callgrind, judged when this
 *    run counted them and the reference has a comparable count) fail above
 *    +10% and at least 5,000 more;
 *  - a changed plan is a warning, and fails when a work metric or the
 *    instructions also grew by more than 5%;
 *  - latency against a committed baseline: a signal when the ratio of
 *    calibration-normalised medians is above 2.0, a rank test says the
 *    samples exceed 2.0x the baseline's (p < 0.01) and the difference is at
 *    least 0.05 ms; it fails only when a re-run confirms it, else the case
 *    is noisy (never a pass or fail it did not earn);
 *  - latency with --base: the ratio of medians over interleaved pairs above
 *    1.20, a signed-rank test (p < 0.01), 0.05 ms and at least 20 pairs fail
 *    at once (drift hits both sides);
 *  - the p95 against the case's threshold: warning above 50%, critical
 *    above 100%, emergency above 200%; critical and above fail, after a
 *    confirming re-run unless work or instructions regressed too;
 *  - a timing-only failure is withheld as noisy when the run's calibration
 *    spread exceeds 50% (a --base latency verdict stands), or, against a
 *    committed baseline, when this run's calibration is more than 3x off the
 *    baseline's.
 *
 * No baseline is "new", a baseline recorded under other conditions
 * "stale", a case that could not be measured "error". */
#ifndef PF_VERDICT_H
#define PF_VERDICT_H

#include <stdbool.h>

#include "baseline.h"
#include "level.h"
#include "measure.h"

typedef enum pf_status {
    PF_STATUS_PASS,
    PF_STATUS_NEW,   /* no baseline: passes, reported */
    PF_STATUS_WARN,  /* passes with something to look at (plan changed, warning level) */
    PF_STATUS_STALE, /* baseline not comparable (dataset, server, settings changed) */
    PF_STATUS_NOISY, /* a latency signal that a re-run did not confirm */
    PF_STATUS_FAIL,
    PF_STATUS_ERROR, /* the case could not be measured */
} pf_status;

typedef struct pf_rules {
    double work_limit;      /* 0.20: fail above +20% */
    int64_t work_min_delta; /* and at least this many units more (buffers, blocks, rows) */
    int64_t calls_min_delta;
    double plan_work_limit; /* 0.05: a changed plan fails when work grew this much */
    double latency_limit;   /* 1.20: same-run comparison (--base) */
    /* 2.0: against a committed baseline. Between separate runs a case's
     * normalised median drifts by up to ~65% on a shared machine (measured
     * A/A, docs/verdicts.md), so only a larger change is evidence there. */
    double committed_latency_limit;
    double alpha;           /* 0.01: one-sided rank-test significance */
    double latency_min_delta_ms; /* ignore normalised differences below this */
    size_t paired_min_samples;   /* 20: fewer pairs are inconclusive */
    /* 0.5: when the run's calibration varied more than this ((max - min) /
     * median), a timing-only failure is withheld as noisy. */
    double max_calibration_spread;
    /* 3.0: normalising by the calibration workload held (A/A normalised
     * ratios <= 1.55) while this run's calibration stayed within 1/3..3x of
     * the baseline's; beyond that the machine differs too much for a
     * committed-baseline timing failure to be trusted (docs/verdicts.md). */
    double max_calibration_ratio;
    double warn_level, critical_level, emergency_level; /* 0.5, 1.0, 2.0 of threshold */
    /* Instructions per execution (deterministic CPU work): fail above this
     * growth, and by at least instr_min_delta instructions. */
    double instr_limit;
    int64_t instr_min_delta;
} pf_rules;

/* The defaults described above. */
pf_rules pf_rules_default(void);

typedef struct pf_verdict {
    pf_status status;
    pf_level level;             /* absolute threshold level of the p95 */
    bool work_regressed;
    bool plan_changed;
    bool latency_signal;        /* ratio and significance say slower (needs confirming) */
    bool latency_confirmed;
    bool threshold_signal;      /* p95 critical or worse on a first measurement (needs confirming) */
    double latency_ratio;       /* median ratio now/reference (normalised by calibration against
                                   a committed baseline), 0 if not compared */
    double latency_p;           /* one-sided rank-test p value */
    double calibration_ratio;   /* committed: this run's calibration / the baseline's, 0 if unknown */
    bool paired;                /* judged against a base measured in the same run */
    double ratio_lo, ratio_hi;  /* paired: bootstrap 95% interval of the median ratio */
    size_t pairs;               /* paired: number of interleaved pairs */
    double buffers_delta_pct, rows_delta_pct, temp_delta_pct, calls_delta_pct;
    bool instr_judged;          /* instructions were compared with a reference */
    bool instr_regressed;
    double instr_delta_pct;
    char *headline;             /* one line: what the reviewer reads first */
    char *details;              /* the full reasoning, multi-line */
} pf_verdict;

typedef struct pf_verdict_input {
    const pf_case *c;
    const pf_measurement *m;      /* NULL with error set */
    const char *error;            /* the measurement failed: this message */
    double calibration_ms;        /* this run's */
    const pf_baseline *baseline;  /* NULL: new case */
    const char *mismatch;         /* non-NULL: baseline not comparable, why */
    bool confirming;              /* this is the re-run of a latency or threshold signal */
    /* Same-run comparison (--base): the base revision's measurement of this
     * case, interleaved with m. Replaces baseline; latency is judged on the
     * pairs (no re-run needed: drift hits both sides). */
    const pf_measurement *base;
    /* How much the machine's speed varied during the run (calibration
     * spread, 0 if not known yet). */
    double calibration_spread;
    /* Instructions per execution of this run, NULL when not counted. The
     * reference is base_instr with --base, else the baseline's count. */
    const pf_instructions *instr;
    const pf_instructions *base_instr;
    /* Why instructions are not judged (not counted in this run, or the
     * baseline's were counted with another build); NULL: judge them. */
    const char *instr_note;
} pf_verdict_input;

/* Judge. out is the caller's to dispose. */
void pf_verdict_judge(const pf_verdict_input *in, const pf_rules *rules, pf_verdict *out);
void pf_verdict_dispose(pf_verdict *v);

const char *pf_status_name(pf_status s);
/* A count in short units for reports: "812", "45.3k", "2.09M", "34.5M",
 * "1.20G" ("–" when negative). Returns buf. */
const char *pf_verdict_fmt_count(int64_t n, char *buf, size_t len);

/* The level of a p95 against a threshold by the rules' warning, critical
 * and emergency fractions (pf_level_of). */
pf_level pf_verdict_level(double p95_ms, double threshold_ms, const pf_rules *rules);

#endif
