/* perfgate init, step three: a skeleton of the RLS entitlement rules file
 * (docs/rls.md) drafted from the policies: identities to sample, and per
 * RLS table who may read and write which rows. A rule is derived where the
 * policies reduce to ownership (user_id = auth.uid()) or to membership
 * (sub-selects over tables, also through SQL helper functions, which the
 * definitions file copies into pg_temp as they are today); anything else
 * (plpgsql helpers, JWT claims, settings) becomes a TODO that fails the
 * RLS checks with a message naming the rule to write. Pure: no server. */
#ifndef PF_INIT_RULES_H
#define PF_INIT_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "init_catalog.h"
#include "init_spec.h"

typedef enum pf_init_rule_kind {
    PF_INIT_RULE_NOBODY,     /* no policy lets authenticated in */
    PF_INIT_RULE_EVERYBODY,  /* USING (true) */
    PF_INIT_RULE_OWNERSHIP,  /* only column = auth.uid() comparisons and constants */
    PF_INIT_RULE_MEMBERSHIP, /* sub-selects, possibly through copied SQL helpers */
    PF_INIT_RULE_TODO,       /* could not be derived */
} pf_init_rule_kind;

typedef struct pf_init_table_rules {
    int table;        /* index in the schema */
    char *read, *update, *insert, *del; /* predicates; NULL: nobody */
    pf_init_rule_kind read_kind;
    char *owner_col;  /* "col" when the read rule has a "col = :uid" term, else NULL */
    bool no_force;    /* write "force": false */
    char *why;        /* the reasons, one per line */
} pf_init_table_rules;

typedef struct pf_init_identity {
    char *name, *role, *about, *sql; /* sql NULL for anon and service_role */
} pf_init_identity;

typedef struct pf_init_rules {
    pf_init_table_rules *tables; /* every table with RLS enabled, in schema order */
    size_t n;
    pf_init_identity *ids;
    size_t n_ids;
    char **helpers;  /* CREATE FUNCTION pg_temp.... statements for the definitions file */
    bool force_rls;
    size_t n_todo;   /* rules left TODO */
    char **todo;     /* "tables.x.read: why", one per TODO rule */
    char *users_from; /* "public.messages.user_id": where the user identities come from */
} pf_init_rules;

/* Draft the rules for the tables of s (sp says which tables hold data and
 * how many rows). *out is the caller's (pf_init_rules_free). */
void pf_init_rules_draft(const pf_init_schema *s, const pf_init_spec *sp, pf_init_rules **out);
void pf_init_rules_free(pf_init_rules *r);

/* The rules file (definitions names the SQL file beside it); caller frees. */
char *pf_init_rules_json(const pf_init_rules *r, const pf_init_schema *s,
                         const char *definitions);
/* The definitions file: the TODO marker function and the helper copies;
 * caller frees. */
char *pf_init_rules_sql(const pf_init_rules *r);
/* The reasons, as Markdown for perfgate-init.md. */
void pf_init_rules_notes(const pf_init_rules *r, const pf_init_schema *s, pf_buf *md);

/* Turn rule `which` ("read", "update", "insert", "delete") of r->tables[i]
 * into a TODO saying why (a derived rule the server refused). */
void pf_init_rules_set_todo(pf_init_rules *r, size_t i, const char *which,
                            const pf_init_schema *s, const char *why);

/* The rules of schema table `table`, or NULL. */
const pf_init_table_rules *pf_init_rules_find(const pf_init_rules *r, int table);

/* A policy expression (pg_get_expr with qualified names) as a rule
 * predicate: auth.uid() becomes :uid, calls of SQL helpers become calls of
 * their pg_temp copies (their CREATE statements are added to *helpers,
 * once). Returns the predicate, or NULL with *why_not saying what stops it
 * (caller frees both). *membership is set when it reads other tables. */
char *pf_init_rule_translate(const pf_init_schema *s, const char *expr, char ***helpers,
                             bool *membership, char **why_not);

#endif
