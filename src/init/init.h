/* perfgate init: a runnable first draft of a project's perfgate files from
 * its own schema. With a schema directory, a disposable server applies it
 * (the Supabase shim first if asked); with a DSN, an existing database is
 * read. From the catalog (init_catalog) it drafts a dataset spec
 * (init_spec), an RLS rules skeleton (init_rules) and starter cases
 * (init_cases), then, on its own server, seeds the draft once into a copy
 * of the schema and repairs what the server refuses, so that the files run
 * at once:
 *
 *     OUT/dataset.json        the dataset spec
 *     OUT/rls.json, rls.sql   the RLS rules and their definitions
 *     OUT/bench/<table>/NAME.sql the cases
 *     OUT/perfgate-init.md    every guess and its reason, and what to do next
 *
 * With a pg_stat_statements source (pss_dsn, beside the schema or the
 * database read), the top statements by total time become cases too
 * (OUT/bench/top/, init_pss), checked on the trial data like the others.
 *
 *     pf_init_opts o;
 *     pf_init_opts_init(&o);
 *     o.schema_dir = "supabase/migrations";
 *     o.auth_shim = true;
 *     o.out_dir = "perfgate";
 *     pf_init_result r;
 *     if (pf_init_run(&o, &r, &err) < 0) ... err.code is PF_EXIT_*
 *     pf_init_result_dispose(&r);
 */
#ifndef PF_INIT_H
#define PF_INIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A phase ended ("server", "schema", "catalog", "draft", "trial seed",
 * "write"), with its wall time. */
typedef void (*pf_init_phase_fn)(void *arg, const char *phase, double ms);

typedef struct pf_init_opts {
    const char *schema_dir;     /* apply it in a disposable server ... */
    bool auth_shim;             /* ... after the built-in Supabase shim */
    const char *dsn;            /* or read this database (schema_dir NULL) */
    const char *out_dir;        /* where the files go */
    bool force;                 /* overwrite files a previous init wrote */
    int64_t rows;               /* rows of the biggest table; 0: guesses */
    const char *const *exposed; /* the app's schemas (NULL: public) */
    const char *reference_date; /* the data's "now" (NULL: today, UTC) */
    bool trial;                 /* seed the draft once and repair it (schema_dir only) */
    const char *pss_dsn;        /* also cases from this database's top statements ... */
    int pss_top;                /* ... this many (0: 10) */
    pf_init_phase_fn on_phase;
    void *phase_arg;
} pf_init_opts;

/* Defaults: trial seeding on, nothing else. */
void pf_init_opts_init(pf_init_opts *o);

typedef struct pf_init_result {
    char **files;      /* written, under out_dir, NULL-terminated */
    size_t n_tables;   /* in the spec */
    int64_t rows;      /* at scale 1 */
    size_t n_rules;    /* tables with rules */
    size_t n_todo;     /* rules left TODO */
    size_t n_cases;
    size_t n_top;      /* of them, from pg_stat_statements */
    char **top_skipped; /* top statements not drafted, and why, NULL-terminated */
    char **repairs;    /* what the trial seeding changed, NULL-terminated */
    bool trial_ok;     /* the trial seeding loaded the final draft */
    char *trial_error; /* else why (NULL when there was no trial) */
    double seed_ms;    /* the last trial seeding's time */
    double total_ms;
} pf_init_result;

/* Draft and write the files. On failure nothing is left running; files
 * already written stay (their names are in out->files). Errors:
 * PF_EXIT_USAGE (bad input: a schema error with file and line, an out
 * directory holding files without force), PF_EXIT_INFRA (server). A draft
 * that still does not seed after the repairs is not an error: out->trial_ok
 * is false and out->trial_error says why. */
int pf_init_run(const pf_init_opts *o, pf_init_result *out, pf_error *err);
void pf_init_result_dispose(pf_init_result *r);

#endif
