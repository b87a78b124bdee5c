/* Preparing a database: the built-in auth shim (optional) and a schema
 * directory applied, the dataset generated and loaded with COPY, ANALYZE.
 * The one way `seed`, `run` (head and --base databases), `rls` and `load`
 * set up their data.
 *
 * With seed_sql (supabase/seed.sql), that file runs after the generated
 * data is loaded and its keys, indexes and foreign keys are back, before
 * ANALYZE, with triggers firing; its errors name file and line like a
 * schema file's.
 *
 * Two steps, so that bad input fails before a server starts:
 *
 *     pf_prepare *p;
 *     pf_prepare_new(&p, &opts, &err);          // dataset read, generator planned
 *     ... start a server or open --dsn ...
 *     pf_prepare_apply(p, dsn, &res, &err);     // schema, data, ANALYZE
 *     pf_prepare_result_dispose(&res);
 *     pf_prepare_free(p);
 *
 * pf_prepare_run does both at once. */
#ifndef PF_PREPARE_H
#define PF_PREPARE_H

#include <stdbool.h>
#include <stdint.h>

#include "dataset.h"
#include "error.h"
#include "schema.h"
#include "seed.h"

/* Called after a phase ended: "schema" (shim and schema applied), "seed"
 * (data generated, loaded and analysed); ms is its wall time. */
typedef void (*pf_prepare_phase_fn)(void *arg, const char *phase, double ms);

/* Loading as a whole: tables finished of all, rows loaded of all. */
typedef struct pf_prepare_progress {
    size_t tables_done, n_tables;
    int64_t rows_done, rows_total;
    double ms; /* since loading started */
} pf_prepare_progress;

/* Called as the loader advances (serialised: never two calls at once). */
typedef void (*pf_prepare_progress_fn)(void *arg, const pf_prepare_progress *p);

typedef struct pf_prepare_opts {
    const char *schema_dir;     /* *.sql applied in lexical order; NULL: none (already there) */
    bool auth_shim;             /* with schema_dir: the built-in Supabase auth shim first */
    const pf_dataset *dataset;  /* the spec, borrowed; NULL: read dataset_path */
    const char *dataset_path;
    const char *seed_sql;       /* SQL applied after the data, before ANALYZE; NULL: none */
    uint64_t seed;              /* the data's seed when seed_given, else the spec's */
    bool seed_given;
    double scale;               /* 0: 1 */
    int jobs;                   /* loader connections; 0: 2 */
    bool load;                  /* false: generate and checksum only; no server, no schema */
    bool replace;               /* truncate tables that already hold rows instead of refusing */
    pf_seed_progress_fn progress; /* rows per table while loading (from loader threads) */
    void *progress_arg;
    pf_prepare_progress_fn on_progress; /* the same summed over tables; arg: phase_arg */
    pf_prepare_phase_fn on_phase;
    void *phase_arg;
} pf_prepare_opts;

/* Defaults: load, scale 1, 2 jobs, nothing else. */
void pf_prepare_opts_init(pf_prepare_opts *o);

typedef struct pf_prepare_result {
    pf_schema_stats schema; /* files, statements, ms; zero when no schema was applied */
    pf_schema_stats seed_sql; /* the seed_sql file's statements and ms (zero without it) */
    pf_seed_result seed;    /* per table rows and checksums, totals, the loader's phase times */
    char checksum[17];      /* seed.checksum in hex: the identity of the data ("" on failure) */
    uint64_t data_seed;     /* the seed the data was generated with */
    double seed_ms;         /* generating, loading, indexes and ANALYZE */
    double total_ms;        /* the whole of pf_prepare_apply, connections included */
} pf_prepare_result;

typedef struct pf_prepare pf_prepare;

/* Check the inputs without a server: read the dataset (unless o->dataset
 * is given) and plan the generator for o's seed and scale. o is copied; its
 * strings and dataset are borrowed and must outlive *out, which the caller
 * frees. The seed_sql file is read here. Errors: PF_EXIT_USAGE, naming the
 * dataset or seed_sql file. */
int pf_prepare_new(pf_prepare **out, const pf_prepare_opts *o, pf_error *err);
/* The dataset in use (borrowed) and the data's seed. */
const pf_dataset *pf_prepare_dataset(const pf_prepare *p);
uint64_t pf_prepare_seed(const pf_prepare *p);

/* Apply the schema to the database at dsn, then generate, load and
 * analyse the data (with opts.load false: generate only, dsn unused). out
 * is filled as far as it got, also on failure: dispose it in every case.
 * Errors name the schema file and line, or the table. */
int pf_prepare_apply(pf_prepare *p, const char *dsn, pf_prepare_result *out, pf_error *err);
void pf_prepare_free(pf_prepare *p);

/* pf_prepare_new, pf_prepare_apply and pf_prepare_free at once, for a
 * caller that has no server to keep from starting. */
int pf_prepare_run(const char *dsn, const pf_prepare_opts *o, pf_prepare_result *out,
                   pf_error *err);

void pf_prepare_result_dispose(pf_prepare_result *r);

/* What a prepared database depends on, as a cache key (cache.h) and per
 * part, so a miss can say what changed: the schema files (and the built-in
 * shim when applied), the dataset spec (and the seed_sql file's text, in
 * the same part), seed and scale, the server build
 * (server_key: pf_cluster_initdb_key), the perfgate binary (its generator,
 * loader and cluster settings), and the database's name. */
enum { PF_PREPARE_KEY_SCHEMA, PF_PREPARE_KEY_DATASET, PF_PREPARE_KEY_SEED_SCALE,
       PF_PREPARE_KEY_SERVER, PF_PREPARE_KEY_PERFGATE, PF_PREPARE_KEY_DATABASE,
       PF_PREPARE_KEY_PARTS };

typedef struct pf_prepare_key {
    char key[17];
    char parts[PF_PREPARE_KEY_PARTS][17];
} pf_prepare_key;

/* The part's name ("schema", "dataset spec", ...). */
const char *pf_prepare_key_part_name(int part);
int pf_prepare_key_make(const pf_prepare *p, const char *server_key, const char *dbname,
                        pf_prepare_key *out, pf_error *err);

#endif
