/* The declarative dataset spec (JSON): tables in dependency order, row
 * counts per scale unit, per-column generators, and foreign keys with a
 * per-parent count distribution. This module parses and validates a spec
 * into the model below; datagen.c turns the model into rows.
 *
 * The format is documented in docs/dataset-spec.md. */
#ifndef PF_DATASET_H
#define PF_DATASET_H

/* The most rows a table may declare per scale unit (the spec's "rows" or a
 * segment's), and the most any table may have once scaled (the generator's
 * plans are in memory: a table hanging off a parent costs about 25 bytes per
 * parent row while it is planned). Both are checked before anything is
 * generated, with a message saying the limit and what was asked. */
#define PF_DATASET_MAX_ROWS_PER_UNIT 1000000000.0
#define PF_DATAGEN_MAX_ROWS 2000000000LL

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct pf_gen pf_gen;
typedef struct pf_dataset pf_dataset;

typedef enum pf_gen_kind {
    PF_GEN_CONST,     /* a literal value (text form), or NULL */
    PF_GEN_SEQUENCE,  /* start + row * step */
    PF_GEN_UUID,      /* derived from (seed, table, row, column) */
    PF_GEN_INT,       /* integer from a distribution, clamped to [min, max] */
    PF_GEN_FLOAT,     /* real from a distribution, clamped, rounded to decimals */
    PF_GEN_BOOL,      /* true with probability p */
    PF_GEN_CHOICE,    /* weighted choice among literal values */
    PF_GEN_TIMESTAMP, /* timestamptz in a range relative to the reference date */
    PF_GEN_DATE,      /* date in a range relative to the reference date */
    PF_GEN_TEMPLATE,  /* text with {placeholders} */
    PF_GEN_TEXT,      /* a paragraph of sentences from templates */
    PF_GEN_ARRAY,     /* a PostgreSQL array of generated elements */
    PF_GEN_JSON,      /* a jsonb document from a template tree */
    PF_GEN_SWITCH,    /* choose a generator by the value of another column */
    PF_GEN_PARENT,    /* a column of the parent row (nested tables) */
    PF_GEN_REF,       /* a column of a row of another table (foreign key) */
    PF_GEN_SIBLING,   /* a column of a row of another table nested under the same parent */
} pf_gen_kind;

typedef enum pf_dist {
    PF_DIST_UNIFORM,
    PF_DIST_NORMAL,
    PF_DIST_LOGNORMAL,
    PF_DIST_EXPONENTIAL,
    PF_DIST_ZIPF,
    PF_DIST_CONSTANT,
    PF_DIST_CHOICE,
    PF_DIST_PARETO,
} pf_dist;

/* Parameters of a numeric distribution. Which fields matter depends on kind. */
typedef struct pf_distspec {
    pf_dist kind;
    double mean, stddev; /* normal; exponential (mean); lognormal (mean of the variable) */
    double sigma;        /* lognormal shape */
    double s;            /* zipf exponent */
    double alpha;        /* pareto shape */
    double value;        /* constant */
    double *values;      /* choice */
    double *weights;     /* choice (cumulative, normalised to 1) */
    size_t n_values;
} pf_distspec;

/* One piece of a compiled template. */
typedef enum pf_tpl_kind {
    PF_TPL_LITERAL,
    PF_TPL_VOCAB,  /* {first_name}: a word of a built-in vocabulary */
    PF_TPL_COLUMN, /* {col:title}: another column of this row */
    PF_TPL_ROW,    /* {$row}: the row number, from 1 */
    PF_TPL_CHILD,  /* {$child}: index among the parent's children, from 0 */
    PF_TPL_NUM,    /* {num:10-99}: a uniform integer */
} pf_tpl_kind;

typedef struct pf_tpl_part {
    pf_tpl_kind kind;
    char *text;     /* literal text, or the column name */
    int vocab;      /* vocabulary id */
    int column;     /* resolved column index */
    int64_t lo, hi; /* num range */
} pf_tpl_part;

typedef struct pf_template {
    pf_tpl_part *parts;
    size_t n_parts;
} pf_template;

/* A node of a JSON template: an object, an array, a literal, or a generator. */
typedef struct pf_jnode {
    enum { PF_JNODE_OBJECT, PF_JNODE_ARRAY, PF_JNODE_LITERAL, PF_JNODE_GEN } kind;
    char **keys;              /* object keys (already JSON-escaped, quoted) */
    struct pf_jnode **items;  /* object values / array items */
    size_t n_items;
    char *literal;            /* JSON text of a literal */
    pf_gen *gen;              /* generator; strings are quoted, numbers raw */
} pf_jnode;

struct pf_gen {
    pf_gen_kind kind;
    double null_fraction;
    char *path;  /* JSON path of this generator in the spec ("$.tables[0].columns.x") */
    uint64_t id; /* hash of the path without "$.": this generator's random stream */

    /* CONST / CHOICE: literal values in COPY text form (NULL = SQL NULL). */
    char **values;
    double *cum_weights; /* CHOICE: cumulative, normalised */
    size_t n_values;
    bool const_null;

    /* SEQUENCE */
    int64_t start, step;
    /* INT / FLOAT */
    pf_distspec dist;
    double min, max;
    int decimals;
    bool has_min, has_max;
    /* BOOL */
    double p;
    /* TIMESTAMP / DATE: microseconds relative to the reference date. */
    int64_t from_us, to_us;
    bool recent;          /* more mass near `to` */
    double half_life_us;  /* for recent */
    int after_column;     /* -1, or: value = that column + offset in [from, to] */
    /* TEMPLATE */
    pf_template tpl;
    /* TEXT: sentences drawn from templates */
    pf_template *sentences;
    size_t n_sentences;
    int min_count, max_count; /* TEXT sentences / ARRAY elements */
    /* ARRAY */
    pf_gen *element;
    bool unique;
    /* JSON */
    pf_jnode *json;
    /* SWITCH: `on` is a column of this row (on_column >= 0) or a generator. */
    int on_column;
    pf_gen *on_gen;
    bool on_child;   /* "$child" */
    bool on_segment; /* "$segment": the row's segment name */
    char **case_keys;
    pf_gen **case_gens;
    size_t n_cases;
    pf_gen *default_gen;
    /* PARENT / REF / SIBLING */
    int table;  /* target table index */
    int column; /* target column index */
    int segment; /* REF: -1 for all rows */
    pf_distspec pick; /* REF: how rows are picked (uniform, zipf) */
    bool distinct_per_parent; /* REF: siblings pick distinct rows */
};

typedef struct pf_column {
    char *name;
    pf_gen *gen;
    uint64_t id; /* hash of the name: the column's RNG stream */
    bool emit;   /* false for virtual columns ("_name"): computed, not loaded */
} pf_column;

typedef struct pf_segment {
    char *name;
    double rows; /* per scale unit */
} pf_segment;

/* How a nested table's rows are spread over its parent's rows. */
typedef struct pf_parentspec {
    int table;          /* parent table index */
    int segment;        /* parent segment, -1 for all */
    pf_distspec weight; /* per-parent weight distribution */
    char *weight_key;   /* parents' weights are shared by tables with the same key */
    int64_t min;        /* each eligible parent gets at least this many */
    int where_column;   /* -1, or only parents whose column equals where_value */
    char *where_value;
} pf_parentspec;

typedef struct pf_table {
    char *name; /* possibly schema-qualified */
    uint64_t id;
    pf_segment *segments;
    size_t n_segments;
    bool nested;
    pf_parentspec parent;
    pf_column *columns;
    size_t n_columns;
    /* Load with the table's user triggers firing ("triggers": true), so
     * triggers that fill other tables (Supabase's handle_new_user on
     * auth.users) run: loaded last, after the other tables and their keys. */
    bool triggers;
} pf_table;

struct pf_dataset {
    char *path;
    char *name;
    char *description;
    int64_t reference_us; /* the reference date, microseconds since the Unix epoch */
    uint64_t default_seed;
    pf_table *tables;
    size_t n_tables;
    char hash[17]; /* 64-bit hash of the spec file's bytes (hex), for baselines */
};

/* Parse and validate a spec. Errors name the file, the line and the JSON
 * path ("my.json:48: $.tables[3].columns.title: unknown generator
 * 'tempate'"), syntax errors the line and column. PF_EXIT_USAGE. *out is
 * the caller's (pf_dataset_free). */
int pf_dataset_load(const char *path, pf_dataset **out, pf_error *err);
/* Same from text; origin names it in messages. */
int pf_dataset_parse(const char *origin, const char *text, pf_dataset **out, pf_error *err);
void pf_dataset_free(pf_dataset *ds);

/* Index of a table by name, -1 if absent. */
int pf_dataset_table(const pf_dataset *ds, const char *name);
/* Index of a column of table t by name, -1 if absent. */
int pf_dataset_column(const pf_table *t, const char *name);

#endif
