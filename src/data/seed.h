/* Loading generated data into a database the way pg_restore does: foreign
 * keys and indexes are set aside, every table is streamed with one COPY
 * (FREEZE where allowed) over several connections, then constraints and
 * indexes are rebuilt in parallel, sequences moved past the loaded ids, and
 * VACUUM (FREEZE, ANALYZE) run with a statistics target that samples every
 * row at scale 1 (deterministic planner statistics).
 *
 * Also used without a server to print checksums of the generated data. */
#ifndef PF_SEED_H
#define PF_SEED_H

#include <stdbool.h>
#include <stdint.h>

#include "datagen.h"
#include "db.h"
#include "error.h"

/* Progress of one table; called from worker threads, serialised by the
 * loader (never two calls at once). */
typedef void (*pf_seed_progress_fn)(void *arg, const char *table, int64_t rows_done,
                                    int64_t rows_total, double elapsed_ms);

typedef struct pf_seed_opts {
    int jobs;          /* parallel connections / threads; 0 = 2 */
    bool load;         /* false: generate and checksum only, no server */
    bool replace;      /* load into tables that already hold rows (truncating them) */
    int stats_target;  /* lowest default_statistics_target for ANALYZE; 0 = 100 (raised per
                          table so that the sample covers every row) */
    pf_seed_progress_fn progress;
    void *progress_arg;
    /* Called once every table is loaded and its keys, indexes and foreign
     * keys are back, before ANALYZE, on a connection of its own where
     * triggers fire (supabase/seed.sql, through prepare.c). NULL: none.
     * Tables outside the spec it may fill are then analysed like trigger
     * tables' (settled). */
    int (*after_load)(void *arg, pf_db *db, pf_error *err);
    void *after_load_arg;
} pf_seed_opts;

typedef struct pf_seed_table {
    char *name;
    int64_t rows;
    int64_t bytes;     /* COPY text bytes generated */
    uint64_t checksum; /* FNV-1a 64 of the table's COPY text, in row order */
    double ms;         /* generation + COPY */
} pf_seed_table;

typedef struct pf_seed_result {
    pf_seed_table *tables;
    size_t n_tables;
    uint64_t checksum; /* over (name, checksum, rows) of every table, in spec order */
    int64_t rows;
    int64_t bytes;
    int64_t table_bytes; /* pg_table_size of the loaded tables after VACUUM (0 without load) */
    int n_indexes, n_constraints, n_foreign_keys;
    double prepare_ms, load_ms, index_ms, fk_ms, vacuum_ms, total_ms;
} pf_seed_result;

/* Generate (and with opts->load, load into dsn) every table of g.
 * On a load failure the set-aside indexes and constraints are restored as
 * far as possible. out is filled in any case; dispose it. */
int pf_seed_run(const char *dsn, const pf_datagen *g, const pf_seed_opts *opts,
                pf_seed_result *out, pf_error *err);
void pf_seed_result_dispose(pf_seed_result *r);

/* The overall checksum as 16 hex digits into buf[17]. */
void pf_seed_checksum_hex(uint64_t checksum, char buf[17]);

#endif
