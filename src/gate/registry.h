/* The benchmark registry: bench/<group>/<name>.sql files, each a header of
 * `-- key: value` lines and one SQL statement (format in bench/README.md). */
#ifndef PF_REGISTRY_H
#define PF_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef enum pf_identity {
    PF_IDENTITY_OWNER,         /* the connecting superuser: no RLS */
    PF_IDENTITY_ANON,          /* role anon */
    PF_IDENTITY_AUTHENTICATED, /* role authenticated, sub = params' user_id */
    PF_IDENTITY_SERVICE_ROLE,  /* role service_role (bypasses RLS) */
} pf_identity;

typedef struct pf_case {
    char *name;
    char *group;
    char *description;
    char *file;           /* path as found */
    int sql_line;         /* line of the statement's first line */
    int header_line;      /* line of the header's first key (1 when it has none) */
    char *identity_label; /* as written: "patient", "provider", ... */
    pf_identity identity;
    int identity_line;      /* line of the identity header (0: none) */
    bool identity_declared; /* not a built-in label: an identity of the RLS rules file, its
                               role set by pf_registry_resolve_identity (authenticated until) */
    char *params_sql;     /* candidate parameter rows, or NULL */
    char *sql;            /* the statement as written */
    char *prepared_sql;   /* with $1..$n */
    char **param_names;   /* in $n order, NULL-terminated */
    size_t n_params;
    int iterations;
    int warmup;
    double min_time_ms;
    double threshold_ms;  /* 0: none */
    bool writes;
    char *tags;           /* space-separated, may be "" */
    char *draws;          /* key of the parameter draw sequence: cases with the same key
                             draw the same rows (an RLS owner/patient pair); default: name */
    char sql_hash[17];    /* FNV-1a 64 of the statement text */
} pf_case;

typedef struct pf_registry {
    pf_case *cases; /* sorted by group, then name */
    size_t n;
} pf_registry;

/* Load every case under dir (bench/<group>/<name>.sql; load/ and seed/ are
 * skipped). Errors name the file and line (PF_EXIT_USAGE). */
int pf_registry_load(const char *dir, pf_registry **out, pf_error *err);
/* Parse one case from text; default_group is used when the header has none. */
int pf_registry_parse_case(const char *path, const char *text, const char *default_group,
                           pf_case *out, pf_error *err);
void pf_case_dispose(pf_case *c);
void pf_registry_free(pf_registry *r);

/* Does the case match a --only pattern? Comma-separated shell globs, each
 * matched against "group/name", "name" and "group"; NULL or "" matches all. */
bool pf_registry_match(const pf_case *c, const char *patterns);

/* The identity keyword of an enum value ("owner", ...). */
const char *pf_registry_identity_role(pf_identity id);

/* The identity a label stands for ("patient": PF_IDENTITY_AUTHENTICATED):
 * 0 and *out set, or -1 for an unknown label. Case files and load flows
 * take the same labels. */
int pf_registry_identity_parse(const char *label, pf_identity *out);
/* Every label, for messages: "owner, anon, patient, ...". */
const char *pf_registry_identity_labels(void);
/* A declared identity (c->identity_declared) found in a rules file: role is
 * the rules file's ("anon", "service_role", else authenticated). */
void pf_registry_resolve_identity(pf_case *c, const char *role);

#endif
