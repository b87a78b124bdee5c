/* perfgate init, step one: what an applied schema holds, read from the
 * catalog into plain structs (tables, columns and their types, keys,
 * foreign keys, CHECK constraints, partitioning, RLS policies, the SQL
 * helper functions policies call). The drafting steps (init_spec,
 * init_rules, init_cases) read only these structs, so they are tested
 * without a server. */
#ifndef PF_INIT_CATALOG_H
#define PF_INIT_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"

/* The kind of a column's values (of its elements, for an array), domains
 * resolved to their base type. */
typedef enum pf_init_kind {
    PF_INIT_TEXT, /* text, varchar, char, citext, name */
    PF_INIT_INT,  /* int2, int4, int8 */
    PF_INIT_FLOAT, /* float4, float8 */
    PF_INIT_NUMERIC,
    PF_INIT_BOOL,
    PF_INIT_UUID,
    PF_INIT_DATE,
    PF_INIT_TIMESTAMP, /* with or without time zone */
    PF_INIT_TIME,
    PF_INIT_INTERVAL,
    PF_INIT_JSON, /* json, jsonb */
    PF_INIT_INET, /* inet, cidr */
    PF_INIT_BYTEA,
    PF_INIT_ENUM,
    PF_INIT_TSVECTOR,
    PF_INIT_OTHER,
} pf_init_kind;

/* Candidate values tried against a column's regular-expression CHECKs
 * (col ~ '...'): the reader evaluates each sample against every regex of
 * the column and keeps a bit per candidate that passes them all. */
typedef struct pf_init_candidate {
    const char *gen;    /* the generator, as compact JSON */
    const char *sample; /* a value it produces */
} pf_init_candidate;
extern const pf_init_candidate pf_init_text_candidates[];
extern const size_t pf_init_n_text_candidates;

typedef struct pf_init_column {
    char *name;
    char *ident; /* the name as SQL writes it (quote_ident) */
    char *type; /* format_type(): "character varying(40)", "public.channel_kind" */
    pf_init_kind kind;
    bool array;
    int int_bytes;   /* PF_INIT_INT: 2, 4 or 8 */
    int max_len;     /* varchar(n) / char(n): n; else 0 */
    int num_scale;   /* numeric(p,s): s, else -1 */
    int num_digits;  /* numeric(p,s): p - s, else 0 */
    bool not_null;
    char *default_expr; /* pg_get_expr of the default, or NULL */
    bool identity;      /* GENERATED ... AS IDENTITY */
    bool generated;     /* GENERATED ALWAYS AS (...) STORED */
    bool serial;        /* default nextval(...) */
    char **enum_values; /* the enum's labels (NULL-terminated), or NULL */
    /* From single-column CHECK constraints. */
    char **choices; /* col IN (...) / col = ANY (ARRAY[...]), NULL-terminated, or NULL */
    bool has_min, has_max;
    double min, max; /* inclusive after adjusting > / < by one unit for integers */
    int len_min, len_max; /* char_length/length bounds; len_max 0: none */
    char **regexes;       /* col ~ '...' patterns, NULL-terminated, or NULL */
    uint32_t regex_ok;    /* bit i: pf_init_text_candidates[i] passes every regex */
    bool check_other;     /* a single-column CHECK the reader did not understand */
    char *after;          /* CHECK (this >= other) or (this IS NULL OR this > other) */
    bool unique;          /* alone a primary key, unique constraint or unique index */
    bool pk;              /* part of the primary key */
} pf_init_column;

/* A foreign key of one table to another (or the same) table. */
typedef struct pf_init_fk {
    char *name;
    size_t n;
    int *cols;      /* column indexes in the table */
    int ref;        /* index of the referenced table in the schema */
    int *ref_cols;  /* column indexes in the referenced table */
    char **ref_values; /* referenced table holds rows (and is left out of the draft): up to
                        * 1,000 values of ref_cols[0] it holds, NULL-terminated; else NULL */
} pf_init_fk;

/* A unique index (primary keys and unique constraints included). */
typedef struct pf_init_key {
    char *name;
    size_t n;
    int *cols; /* column indexes; -1 for an expression */
    bool primary, partial;
} pf_init_key;

/* A plain (non-unique or unique) index's leading columns, for the cases. */
typedef struct pf_init_index {
    char *name;
    size_t n;
    int *cols; /* column indexes; -1 for an expression */
    bool partial;
    char *pred; /* the WHERE of a partial index (pg_get_expr), or NULL */
} pf_init_index;

/* A CHECK constraint as the server prints it. */
typedef struct pf_init_check {
    char *name;
    char *def;  /* pg_get_constraintdef: "CHECK ((qty > 0))" */
    size_t n;
    int *cols;
} pf_init_check;

typedef struct pf_init_policy {
    char *name;
    char cmd;         /* 'r' SELECT, 'a' INSERT, 'w' UPDATE, 'd' DELETE, '*' ALL */
    bool permissive;
    bool to_authenticated; /* TO authenticated or PUBLIC */
    bool to_anon;          /* TO anon or PUBLIC */
    char *roles;           /* as written: "authenticated", "public", "anon, authenticated" */
    char *using_expr;      /* pg_get_expr with an empty search_path (names qualified), or NULL */
    char *check_expr;
} pf_init_policy;

typedef struct pf_init_table {
    char *schema, *name;
    char *qname;     /* "public.messages" (quoted where SQL needs it) */
    char *spec_name; /* the dataset spec's name: "messages" in public, else "auth.users" */
    bool exposed;    /* in one of the exposed schemas */
    bool rls, force_rls;
    bool partitioned;
    char part_strategy; /* 'r', 'l', 'h' or 0 */
    int part_col;       /* the one partition key column, or -1 */
    bool part_default;  /* has a DEFAULT partition */
    char *part_from, *part_to; /* RANGE over time: the contiguous span the partitions cover
                                * that ends last ("2023-01-01T00:00:00Z"), or NULL */
    char **part_values; /* LIST: every listed value, NULL-terminated, or NULL */
    int64_t rows;       /* rows it holds now (exact below 100,000, else estimated) */
    pf_init_column *cols;
    size_t n_cols;
    pf_init_key *keys;
    size_t n_keys;
    pf_init_index *indexes;
    size_t n_indexes;
    pf_init_fk *fks;
    size_t n_fks;
    pf_init_check *checks;
    size_t n_checks;
    pf_init_policy *pols;
    size_t n_pols;
    char **triggers; /* user triggers: "on_auth_user_created: AFTER INSERT, public.handle_new_user()" */
    /* What role authenticated may do on the table (table privileges). */
    bool can_select, can_insert, can_update, can_delete;
    char *comment; /* COMMENT ON TABLE, or NULL */
} pf_init_table;

/* A function a policy calls (not in pg_catalog), as the server holds it. */
typedef struct pf_init_function {
    char *schema, *name;
    char *signature; /* "public.channel_ids_of(uuid)" */
    char *language;  /* "sql", "plpgsql", ... */
    char *def;       /* pg_get_functiondef() */
    char *args;      /* pg_get_function_arguments() */
    char *result;    /* pg_get_function_result() */
    char *body;      /* prosrc */
    char volatility; /* 'i', 's', 'v' */
    bool secdef;
    char *config;    /* "search_path=''" or NULL */
} pf_init_function;

typedef struct pf_init_schema {
    pf_init_table *tables; /* in (schema, name) order */
    size_t n;
    pf_init_function *funcs;
    size_t n_funcs;
    char **exposed;  /* the exposed schemas, NULL-terminated */
    int auth_users;  /* index of auth.users, or -1 */
    bool fresh;      /* read right after applying a schema (tables with rows hold
                      * rows the migrations inserted); false for --dsn */
} pf_init_schema;

/* Read the schema of the database db is connected to. exposed lists the
 * schemas whose tables are the app's (NULL: "public"). Tables of other
 * schemas are read too (auth.users, storage.objects); the drafting decides
 * which it needs. fresh says the schema was applied just now. The session's
 * search_path and TimeZone are changed (empty, UTC) so that expressions come
 * back schema-qualified. *out is the caller's (pf_init_schema_free). */
int pf_init_catalog_read(pf_db *db, const char *const *exposed, bool fresh,
                         pf_init_schema **out, pf_error *err);
void pf_init_schema_free(pf_init_schema *s);

/* Index of table schema.name, or -1. */
int pf_init_table_find(const pf_init_schema *s, const char *schema, const char *name);
/* Index of column name in t, or -1. */
int pf_init_column_find(const pf_init_table *t, const char *name);
/* The function whose qualified name ("public.channel_ids_of") is qname:
 * the first one of that name, or NULL. */
const pf_init_function *pf_init_function_find(const pf_init_schema *s, const char *qname);

/* ---- SQL text helpers (also used by init_rules) ------------------------ */

/* The qualified function calls in sql ("schema.name(" outside string
 * literals and quoted identifiers), as "schema.name", each once, in order
 * of appearance. NULL-terminated; caller frees (pf_strv_free). */
char **pf_init_qualified_calls(const char *sql);
/* s split at top-level (outside parentheses and quotes) occurrences of sep
 * (" AND ", " OR "); NULL-terminated, caller frees (pf_strv_free). */
char **pf_init_sql_split(const char *s, const char *sep);
/* s without blanks around it and without parentheses that enclose all of
 * it; caller frees. */
char *pf_init_sql_strip(const char *s);
/* s with every call "from(" (outside quotes; from a qualified name such as
 * "public.f") written "to("; caller frees. */
char *pf_init_sql_rename_call(const char *s, const char *from, const char *to);

/* ---- CHECK constraint parsing (exposed for the unit tests) ------------- */

/* Apply what a single-column CHECK definition says about column c (named
 * col): an IN list, bounds, length bounds, a regex. Returns true when it
 * understood the constraint. */
bool pf_init_check_apply(const char *def, pf_init_column *c);
/* A two-column CHECK "a >= b", "a > b" or "a IS NULL OR a > b" (over
 * columns of t): the later column's name into *later and the earlier's
 * into *earlier (caller frees both); false otherwise. */
bool pf_init_check_order(const char *def, char **later, char **earlier);
/* The literal of a partition bound's "FROM ('x')" / "TO ('x')" as an ISO
 * UTC time for the dataset spec ("2023-01-01T00:00:00Z", or the date for a
 * date column), NULL for MINVALUE/MAXVALUE or anything else. */
char *pf_init_bound_time(const char *literal);

#endif
