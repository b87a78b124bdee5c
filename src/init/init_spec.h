/* perfgate init, step two: a dataset spec (docs/dataset-spec.md) drafted
 * from a schema read by init_catalog: which tables, in dependency order,
 * how many rows, which hang off a parent (nested, heavy-tailed), and a
 * generator per column chosen from its type, name and constraints, each
 * with the reason. Pure: no server. */
#ifndef PF_INIT_SPEC_H
#define PF_INIT_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "init_catalog.h"

typedef struct pf_init_spec_opts {
    const char *reference_date; /* "2026-12-07": the data's "now" */
    int64_t rows;               /* rows of the biggest table; 0: guesses (at most 50,000) */
    uint64_t seed;              /* the spec's seed (default 1) */
} pf_init_spec_opts;

/* One column of a drafted table (or a virtual helper column). */
typedef struct pf_init_col_draft {
    int col;    /* index in the schema table, -1 for a virtual column */
    char *name; /* as in the spec */
    char *gen;  /* the generator as compact JSON, or NULL: left to the database */
    char *why;
} pf_init_col_draft;

typedef enum pf_init_shape {
    PF_INIT_ROOT,      /* no parent */
    PF_INIT_ONE_TO_ONE, /* one row per parent row (its key is the foreign key) */
    PF_INIT_JUNCTION,  /* a membership: parent and another reference in one key */
    PF_INIT_EVENTS,    /* many rows per parent over time (messages, events, logs) */
    PF_INIT_CHILDREN,  /* a few rows per parent */
} pf_init_shape;

typedef struct pf_init_table_draft {
    int table;      /* index in the schema */
    int64_t rows;
    pf_init_shape shape;
    int parent;     /* index in the spec's tables, or -1 */
    int parent_fk;  /* the foreign key (index in the schema table) it hangs by, or -1 */
    char *weight;   /* the parent weight distribution as JSON, or NULL (equal) */
    int64_t min;    /* parent "min" */
    bool one_each;  /* PF_INIT_ONE_TO_ONE by the primary key: exactly one per parent row */
    char *why_rows, *why_parent;
    pf_init_col_draft *cols;
    size_t n_cols;
} pf_init_table_draft;

typedef struct pf_init_spec {
    const pf_init_schema *s; /* borrowed */
    char *reference_date;
    uint64_t seed;
    pf_init_table_draft *tables; /* in dependency order */
    size_t n;
    char **left_out; /* "storage.buckets: ..." tables the draft does not fill, and why */
    char **todo;     /* columns the draft could not make valid, for the notes */
} pf_init_spec;

/* Draft the spec. s must outlive *out (caller frees with pf_init_spec_free).
 * Fails (PF_EXIT_USAGE) only when the schema has no table to fill. */
int pf_init_spec_draft(const pf_init_schema *s, const pf_init_spec_opts *o, pf_init_spec **out,
                       pf_error *err);
void pf_init_spec_free(pf_init_spec *sp);

/* The spec as JSON (a dataset spec file), named name; caller frees. */
char *pf_init_spec_json(const pf_init_spec *sp, const char *name);
/* The reasons, as Markdown sections for perfgate-init.md. */
void pf_init_spec_notes(const pf_init_spec *sp, pf_buf *md);

/* Index in sp->tables of schema table `table`, or -1 (not in the spec). */
int pf_init_spec_find(const pf_init_spec *sp, int table);
/* The draft of column `name` of spec table ti, or NULL. */
pf_init_col_draft *pf_init_spec_column(pf_init_spec *sp, size_t ti, const char *name);
/* Replace a column's generator (NULL: leave it to the database) and say
 * why (a repair after a failed trial seeding). */
void pf_init_spec_set(pf_init_col_draft *c, const char *gen, const char *why);

/* The generator a column would get by its type and nullability alone,
 * ignoring its name (the fallback of a repair); caller frees. NULL when
 * the column is best left to the database. */
char *pf_init_spec_plain_gen(const pf_init_column *c);

#endif
