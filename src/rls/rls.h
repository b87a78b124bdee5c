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
 * This header is what a caller (the gate, the CLI) uses: running the
 * checks, and through the headers it includes the rules file
 * (rls_rules.h), the result (rls_result.h) and its reports (rls_report.h).
 * The check families behind pf_rls_check are private (rls_int.h).
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

#include "error.h"
#include "instr.h"
#include "prepare.h"
#include "registry.h"
#include "rls_report.h"
#include "rls_result.h"
#include "rls_rules.h"

/* The overhead pairs' instruction counts: for each pair, the jobs of an
 * instruction phase that counted its identity half and its owner half over
 * the same draws (pf_rls_overhead_plan_instr). */
typedef struct pf_rls_instr_pair {
    const pf_case *identity_case;
    size_t identity_job, owner_job;
} pf_rls_instr_pair;

typedef struct pf_rls_instr_plan {
    pf_rls_instr_pair *pairs;
    size_t n;
} pf_rls_instr_plan;

/* Request the instruction counts of every overhead pair of reg (as the
 * overhead checks pair them) in database dbname: jobs added to ph, their
 * map in *out (dispose with pf_rls_overhead_plan_dispose). The identity half
 * counts over as many draws as the pair's baseline recorded (else chosen
 * from its cost), the owner half over the same. A malformed overhead
 * baseline is bad input. */
int pf_rls_overhead_plan_instr(pf_instr_phase *ph, const pf_registry *reg, const char *dbname,
                           const char *baselines_dir, pf_rls_instr_plan *out, pf_error *err);
void pf_rls_overhead_plan_dispose(pf_rls_instr_plan *p);

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
    /* Progress within a family (may be NULL; arg as on_phase): "isolation"
     * after each table under check (done of total tables), "overhead" after
     * each pair (done of total pairs). */
    void (*on_progress)(void *arg, const char *phase, size_t done, size_t total);
    void *arg;
    /* Instructions of the overhead pairs, counted beforehand by the caller
     * (pf_rls_overhead_plan_instr, then pf_instr_run): the phase and its plan. NULL:
     * not counted; the reports then say instr->unavailable when set. */
    const pf_instr_phase *instr;
    const pf_rls_instr_plan *instr_plan;
} pf_rls_opts;

void pf_rls_opts_init(pf_rls_opts *o);

/* Run every check against a seeded database at dsn (connecting as a role
 * that bypasses RLS: superuser or BYPASSRLS). Returns -1 when the checks
 * could not run at all (bad rules file or case: PF_EXIT_USAGE; server:
 * PF_EXIT_INFRA); 0 otherwise, with out->exit_code. out is filled as far as
 * it got; dispose it in every case. */
int pf_rls_check(const char *dsn, const pf_rls_opts *o, pf_rls_result *out, pf_error *err);

/* perfgate rls as the command runs it: the target (a disposable cluster, or
 * dsn / $PERFGATE_DSN), schema and seed (unless no_seed), the overhead
 * pairs' instructions, then pf_rls_check. */
typedef struct pf_rls_run_opts {
    pf_rls_opts rls;
    const char *dsn;
    const char *schema_dir;
    const char *dataset_path;
    const char *seed_sql; /* applied after the data, before ANALYZE (prepare.h); NULL: none */
    double scale;
    uint64_t seed;
    bool seed_given;
    bool no_seed;   /* the database at dsn already holds schema and data */
    bool auth_shim;
    int jobs;
    bool no_instructions; /* do not count the overhead pairs' instructions */
    pf_prepare_progress_fn on_seed_progress; /* seeding progress (may be NULL; arg: rls.arg) */
} pf_rls_run_opts;

void pf_rls_run_opts_init(pf_rls_run_opts *o);
/* Returns as pf_rls_check; bad input (rules, dataset, overrides) is found
 * before a server starts. out is filled as far as it got: dispose it. */
int pf_rls_run(const pf_rls_run_opts *o, pf_rls_result *out, pf_error *err);

#endif
