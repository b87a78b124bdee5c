/* Row Level Security checks (perfgate rls): isolation, table settings, a
 * policy linter and the RLS overhead of the critical read paths.
 *
 *  - isolation: for identities sampled from the seeded data and every table
 *    with RLS enabled (found in the catalog) or named in the entitlement
 *    rules, what the identity reads equals what the rules entitle it to,
 *    and writes to rows it is not entitled to write are refused (each in a
 *    rolled-back transaction); failures name the table, the identity, the
 *    operation and one example row key, never row content;
 *  - tables: RLS disabled or not forced where it must be, a table without an
 *    entitlement rule;
 *  - lint: static checks over pg_policy / pg_proc with stable ids;
 *  - overhead: each RLS case of the registry timed as the table owner and as
 *    its identity, interleaved; the ratio and the policy-function calls per
 *    query are baselined (baselines/rls/overhead/<pair>.json).
 *
 * The entitlement rules file (fixtures/rls/healthcare.json, format in
 * docs/rls.md) declares the identities to sample and, once per table, the
 * SQL predicates saying which rows a user may read and write.
 *
 * Typical use (a database already seeded, e.g. by the gate):
 *     pf_rls_opts o;
 *     pf_rls_opts_init(&o);
 *     o.rules_path = "fixtures/rls/healthcare.json";
 *     pf_rls_result r;
 *     if (pf_rls_check(dsn, &o, &r, &err) < 0) ... err.code is PF_EXIT_*
 *     else r.exit_code is PF_EXIT_OK or PF_EXIT_FAIL
 *     pf_rls_result_dispose(&r);
 */
#ifndef PF_RLS_H
#define PF_RLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"
#include "instr.h"
#include "junit.h"
#include "registry.h"

/* ------------------------------------------------------------ rules file */

typedef enum pf_rls_severity {
    PF_RLS_SEV_OFF,     /* the rule is not checked */
    PF_RLS_SEV_WARNING, /* reported, passes */
    PF_RLS_SEV_ERROR,   /* fails the run */
} pf_rls_severity;

/* One identity to sample: a role, and for `authenticated` a query returning
 * the auth user id (first column of the first row; ORDER BY for determinism). */
typedef struct pf_rls_identity_spec {
    char *name;  /* "patient", "provider_no_grant", ... */
    char *about; /* one line for reports */
    char *role;  /* "authenticated" (default), "anon", "service_role" */
    char *sql;   /* NULL for anon / service_role */
} pf_rls_identity_spec;

/* Entitlement rule of one table. Predicates are SQL boolean expressions over
 * the table's columns, evaluated as the owner, where :uid is the identity's
 * auth user id (uuid). NULL means "nobody" (false). */
typedef struct pf_rls_table_rule {
    char *table;  /* schema-qualified: "public.shell_files" */
    char *read;   /* required */
    char *update; /* default: nobody */
    char *insert; /* default: the update predicate */
    char *del;    /* default: nobody */
    char *key;    /* row key expression; default: the primary key */
    int force;    /* -1: the file's default; 0/1 */
    int line;     /* line of the table's entry in the file */
} pf_rls_table_rule;

#define PF_RLS_N_RULE_IDS 12

typedef struct pf_rls_rules {
    char *path;
    char *definitions_path; /* SQL run once per session before evaluating (may be NULL) */
    char *definitions_sql;  /* its text */
    pf_rls_identity_spec *identities;
    size_t n_identities;
    pf_rls_table_rule *tables;
    size_t n_tables;
    char **exposed_schemas; /* NULL-terminated; default {"public"} */
    bool force_default;     /* tables must FORCE ROW LEVEL SECURITY (default true) */
    double threshold_ms;    /* absolute threshold of an RLS check (default 50) */
    pf_rls_severity severity[PF_RLS_N_RULE_IDS]; /* by rule index, see pf_rls_rule_ids */
} pf_rls_rules;

/* Parse a rules file. Errors (PF_EXIT_USAGE) name the file, the JSON path
 * and its line: "fixtures/rls/x.json:12: tables.shell_files.read: ...". */
int pf_rls_rules_load(const char *path, pf_rls_rules *out, pf_error *err);
/* Parse rules from text; path names it in errors and anchors relative
 * paths (definitions). */
int pf_rls_rules_parse(const char *path, const char *text, pf_rls_rules *out, pf_error *err);
void pf_rls_rules_dispose(pf_rls_rules *r);
/* The rule for schema.table, or NULL. */
const pf_rls_table_rule *pf_rls_rules_find(const pf_rls_rules *r, const char *qualified);

/* The stable ids of the table checks and the linter, with their default
 * severity and fix hint, in a fixed order (index = pf_rls_rules.severity). */
typedef struct pf_rls_rule_info {
    const char *id;
    const char *family; /* "tables", "lint" or "overhead" */
    pf_rls_severity default_severity;
    const char *title;
    const char *hint;
} pf_rls_rule_info;
const pf_rls_rule_info *pf_rls_rule_ids(size_t *n);
/* Index of a rule id, or -1. */
int pf_rls_rule_index(const char *id);
const char *pf_rls_severity_name(pf_rls_severity s);
/* "error" | "warning" | "off"; -1 for anything else. */
int pf_rls_severity_parse(const char *text, pf_rls_severity *out);

/* ---------------------------------------------------- linter heuristics */

/* Calls of auth.uid(), auth.jwt(), auth.role(), auth.email() or
 * current_setting() in a policy expression (as pg_get_expr prints it) that
 * are not wrapped as `(SELECT <call> ...)`, so they are evaluated once per
 * row instead of once per statement. String literals and quoted
 * identifiers are skipped. Returns how many; *first (may be NULL) gets the
 * first one's name ("auth.uid()"), a borrowed static string, or NULL. */
int pf_rls_lint_unwrapped_calls(const char *expr, const char **first);

/* Columns of the policy's own table that an expression filters on: the
 * identifiers that are neither qualified by another alias, nor function
 * names, nor AS aliases, nor inside literals, matched against columns[]
 * (NULL-terminated). relname qualifies the table itself ("t.col").
 * Returns a NULL-terminated vector of the matches in columns[] order
 * (caller frees with pf_strv_free). */
char **pf_rls_lint_columns(const char *expr, const char *relname, char *const *columns);

/* -------------------------------------------------------------- running */

/* The overhead pairs' instruction counts: for each pair, the jobs of an
 * instruction phase that counted its identity half and its owner half over
 * the same draws (pf_rls_instr_plan). */
typedef struct pf_rls_instr_pair {
    const pf_case *identity_case;
    size_t identity_job, owner_job;
} pf_rls_instr_pair;

typedef struct pf_rls_instr_plan {
    pf_rls_instr_pair *pairs;
    size_t n;
} pf_rls_instr_plan;

typedef struct pf_rls_opts {
    const char *rules_path;     /* required */
    /* Overhead pairs: a registry (borrowed) or a directory to load one
     * from; neither: no overhead checks. */
    const pf_registry *registry;
    const char *bench_dir;
    const char *baselines_dir;  /* overhead baselines under <dir>/rls/overhead/ */
    bool update_baselines;
    bool no_overhead;
    bool no_writes;             /* skip the write checks */
    int iterations;             /* interleaved owner/identity pairs per case (default 40) */
    int warmup;                 /* per half (default 5) */
    /* What the overhead numbers depend on, recorded in their baselines. */
    const char *dataset_name, *dataset_hash;
    double scale;
    uint64_t seed;
    /* Severity overrides after the file's: "rule_id=level", NULL-terminated. */
    const char *const *severity_overrides;
    /* Progress: one line per finished check family (may be NULL). */
    void (*on_phase)(void *arg, const char *phase, double ms);
    void *arg;
    /* Instructions of the overhead pairs, counted beforehand by the caller
     * (pf_rls_instr_plan, then pf_instr_run): the phase and its plan. NULL:
     * not counted; the reports then say instr->unavailable when set. */
    const pf_instr_phase *instr;
    const pf_rls_instr_plan *instr_plan;
} pf_rls_opts;

void pf_rls_opts_init(pf_rls_opts *o);

typedef enum pf_rls_status {
    PF_RLS_PASS,
    PF_RLS_WARN,  /* a warning-severity finding, or a threshold warning: passes */
    PF_RLS_NEW,   /* overhead without a baseline: passes */
    PF_RLS_SKIP,  /* could not apply (no identity of that kind, no target row) */
    PF_RLS_NOISY, /* an unconfirmed timing signal */
    PF_RLS_FAIL,
    PF_RLS_ERROR, /* the check could not run (SQL error) */
} pf_rls_status;

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
    double seed_ms, isolation_ms, lint_ms, overhead_ms, total_ms;
} pf_rls_result;

/* Run every check against a seeded database at dsn (connecting as a role
 * that bypasses RLS: superuser or BYPASSRLS). Returns -1 when the checks
 * could not run at all (bad rules file or case: PF_EXIT_USAGE; server:
 * PF_EXIT_INFRA); 0 otherwise, with out->exit_code. out is filled as far as
 * it got; dispose it in every case. */
int pf_rls_check(const char *dsn, const pf_rls_opts *o, pf_rls_result *out, pf_error *err);

/* perfgate rls without --dsn database of its own: target (disposable
 * cluster, or dsn / $PERFGATE_DSN), schema, seed, then pf_rls_outcome. */
typedef struct pf_rls_run_opts {
    pf_rls_opts rls;
    const char *dsn;
    const char *schema_dir;
    const char *dataset_path;
    double scale;
    uint64_t seed;
    bool seed_given;
    bool no_seed;   /* the database at dsn already holds schema and data */
    bool auth_shim;
    int jobs;
    bool no_instructions; /* do not count the overhead pairs' instructions */
} pf_rls_run_opts;

void pf_rls_run_opts_init(pf_rls_run_opts *o);
int pf_rls_run(const pf_rls_run_opts *o, pf_rls_result *out, pf_error *err);

void pf_rls_result_dispose(pf_rls_result *r);

/* ------------------------------------------------------------- reports */

/* JUnit suites of a result: rls-isolation, rls-tables, rls-lint,
 * rls-overhead (each present only when it has cases). Every pointer in
 * suites borrows from r and from this struct: keep r alive, then dispose. */
typedef struct pf_rls_junit {
    pf_junit_suite suites[4];
    size_t n_suites;
    pf_junit_case *cases;
    char **owned;
    size_t n_owned;
} pf_rls_junit;

void pf_rls_junit_build(const pf_rls_result *r, pf_rls_junit *out);
void pf_rls_junit_dispose(pf_rls_junit *j);
/* pf_rls_junit_build + pf_junit_write. */
int pf_rls_write_junit(const pf_rls_result *r, const char *path, pf_error *err);

/* The Markdown report; heading_level 2 for a page of its own ("## "), 3 for
 * a section of the gate's summary. Caller frees. */
char *pf_rls_markdown(const pf_rls_result *r, int heading_level);
/* Plain text for the terminal: failures, then a count line. Caller frees. */
char *pf_rls_text(const pf_rls_result *r);
/* Everything as a JSON document. Caller frees. */
char *pf_rls_json(const pf_rls_result *r);

/* ----------------------------------------------- internals, for tests */

/* Append a check; strings are copied. Returns it. */
pf_rls_outcome *pf_rls_result_add(pf_rls_result *r, const char *family, const char *id,
                                const char *name, pf_rls_status status, const char *message);
/* Counts and exit_code from the checks. */
void pf_rls_result_finish(pf_rls_result *r);

/* Linter and table checks over the catalog of db (appends checks). */
int pf_rls_lint(pf_db *db, const pf_rls_rules *rules, pf_rls_result *out, pf_error *err);
/* Request the instruction counts of every overhead pair of reg (as
 * pf_rls_overhead pairs them) in database dbname: jobs added to ph, their
 * map in *out (dispose with pf_rls_instr_plan_dispose). The identity half
 * counts over as many draws as the pair's baseline recorded (else chosen
 * from its cost), the owner half over the same. A malformed overhead
 * baseline is bad input. */
int pf_rls_instr_plan_make(pf_instr_phase *ph, const pf_registry *reg, const char *dbname,
                           const char *baselines_dir, pf_rls_instr_plan *out, pf_error *err);
void pf_rls_instr_plan_dispose(pf_rls_instr_plan *p);

/* The overhead pairs (appends checks and pairs). */
int pf_rls_overhead(pf_db *db, const pf_rls_opts *o, const pf_rls_rules *rules,
                    pf_rls_result *out, pf_error *err);

#endif
