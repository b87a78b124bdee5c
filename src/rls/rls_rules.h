/* The entitlement rules file of perfgate rls (format in docs/rls.md): the
 * identities to sample, once per table the SQL predicates saying which rows
 * a user may read and write; and the table of check ids with their default
 * severities and fix hints. */
#ifndef PF_RLS_RULES_H
#define PF_RLS_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

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
/* The rule for schema.table, or NULL (borrowed from r). */
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
/* The table (static); *n (may be NULL) gets its length. */
const pf_rls_rule_info *pf_rls_rule_ids(size_t *n);
/* Index of a rule id, or -1. */
int pf_rls_rule_index(const char *id);
const char *pf_rls_severity_name(pf_rls_severity s);
/* "error" | "warning" | "off"; -1 for anything else. */
int pf_rls_severity_parse(const char *text, pf_rls_severity *out);
/* One "RULE=error|warning|off" override (--severity): the rule's index and
 * level, or -1 with a usage error naming the text. Checked before any server
 * starts by every command that takes --severity. */
int pf_rls_severity_override_parse(const char *text, int *idx, pf_rls_severity *sev,
                                   pf_error *err);

#endif
