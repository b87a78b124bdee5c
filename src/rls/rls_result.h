/* The result of perfgate rls: one outcome per check (a JUnit testcase), the
 * sampled identities, the tables under check and the overhead pairs. The
 * check families append to it (pf_rls_result_add); the reports read it. */
#ifndef PF_RLS_RESULT_H
#define PF_RLS_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum pf_rls_status {
    PF_RLS_PASS,
    PF_RLS_WARN,  /* a warning-severity finding, or a threshold warning: passes */
    PF_RLS_NEW,   /* overhead without a baseline: passes */
    PF_RLS_SKIP,  /* could not apply (no identity of that kind, no target row) */
    PF_RLS_NOISY, /* an unconfirmed timing signal */
    PF_RLS_FAIL,
    PF_RLS_ERROR, /* the check could not run (SQL error) */
} pf_rls_status;

/* "pass", "warn", ...: a static string. */
const char *pf_rls_status_name(pf_rls_status s);

/* One check outcome: a JUnit testcase. */
typedef struct pf_rls_outcome {
    const char *family; /* "isolation", "tables", "lint", "overhead" (static) */
    char *id;           /* rule id or, for isolation, "read"/"write" */
    char *name;         /* the testcase name */
    char *table;        /* may be NULL */
    char *identity;     /* may be NULL */
    char *operation;    /* SELECT / INSERT / UPDATE / DELETE, may be NULL */
    pf_rls_status status;
    char *message;      /* one line */
    char *details;      /* multi-line, may be NULL */
    char *hint;         /* may be NULL */
    char *example;      /* an example row key (never content), may be NULL */
    double ms;
} pf_rls_outcome;

typedef struct pf_rls_identity {
    char *name, *about, *role;
    char *user_id; /* NULL for anon / service_role, or when not found */
    bool found;
} pf_rls_identity;

typedef struct pf_rls_table {
    char *name; /* schema.table */
    bool rls, forced, partition, has_rule;
    int n_policies;
    char *parent; /* partition's parent, or NULL */
    int64_t rows;
} pf_rls_table;

/* The overhead of one RLS case: the same statement as owner and identity. */
typedef struct pf_rls_pair {
    char *name;             /* the identity case's name */
    char *identity_case;    /* group/name */
    char *owner_case;       /* group/name of the owner half, or "(same statement as owner)" */
    char *identity;         /* identity label */
    size_t n;
    double owner_median_ms, identity_median_ms, identity_p95_ms;
    double ratio, ratio_lo, ratio_hi; /* identity / owner medians; paired bootstrap 98% CI */
    /* The verdict's ratio: 10th percentiles of both halves on one fixed
     * parameter draw (the fast path, free of preemption and row mix). */
    double fixed_owner_ms, fixed_identity_ms, fixed_ratio;
    int64_t owner_calls, identity_calls; /* user-function calls of one execution */
    int64_t policy_calls;   /* identity - owner */
    double threshold_ms;
    bool has_baseline, reran, baseline_written;
    double base_ratio, base_fixed_ratio;
    int64_t base_policy_calls;
    /* Instructions per execution of both halves over the same draws: the
     * deterministic overhead (identity / owner). */
    bool has_instr;
    int64_t owner_instr, identity_instr;
    int instr_iterations;
    double instr_ratio;
    bool has_base_instr;    /* the baseline has a comparable ratio */
    double base_instr_ratio;
    char *instr_note;       /* why not counted or not compared, NULL if it was */
} pf_rls_pair;

/* Everything a run found. Zero-initialise it (or let pf_rls_check do it);
 * every string in it is owned by it: pf_rls_result_dispose frees them. */
typedef struct pf_rls_result {
    pf_rls_identity *identities;
    size_t n_identities;
    pf_rls_table *tables;
    size_t n_tables;
    pf_rls_outcome *checks;
    size_t n_checks, cap_checks;
    pf_rls_pair *pairs;
    size_t n_pairs;
    int counts[PF_RLS_ERROR + 1];
    int exit_code;   /* PF_EXIT_OK or PF_EXIT_FAIL */
    char *target;    /* where it ran (pf_rls_run only), password masked */
    char *instr_unavailable; /* pf_rls_run: why instructions were not counted, or NULL */
    char *server_version;
    /* The rules file and the line of each table's entry, for reports that
     * point at it (JUnit testcase@file/@line); rule_tables[i] is on
     * rule_lines[i]. Set by pf_rls_result_set_rules. */
    char *rules_path;
    char **rule_tables;
    int *rule_lines;
    size_t n_rules;
    double seed_ms, isolation_ms, lint_ms, overhead_ms, total_ms;
} pf_rls_result;

/* Append a check; strings are copied (id and message may be NULL: ""). The
 * returned outcome is r's, valid until the next add: set its optional
 * fields (table, details, ...) to strings r then owns. */
pf_rls_outcome *pf_rls_result_add(pf_rls_result *r, const char *family, const char *id,
                                  const char *name, pf_rls_status status, const char *message);
/* Free the strings of one outcome (not the outcome itself). */
void pf_rls_outcome_dispose(pf_rls_outcome *c);
struct pf_rls_rules;
/* Record the rules file's path and its tables' lines (copies). */
void pf_rls_result_set_rules(pf_rls_result *r, const struct pf_rls_rules *rules);
/* The line of table's entry in the rules file (a partition: its parent's,
 * when the result lists the table with a parent), or 0. */
int pf_rls_result_rule_line(const pf_rls_result *r, const char *table);
/* Counts and exit_code from the checks. */
void pf_rls_result_finish(pf_rls_result *r);
/* Free everything r holds and zero it; a second call is harmless. */
void pf_rls_result_dispose(pf_rls_result *r);

#endif
