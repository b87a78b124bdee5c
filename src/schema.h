/* Applying a schema: a directory of *.sql files in lexical order, like a
 * migrations folder, each statement in autocommit as `psql -f` would. An
 * error names the file and the line of the failing statement (the exact
 * line when the server reports a position) with the server's message. */
#ifndef PF_SCHEMA_H
#define PF_SCHEMA_H

#include "db.h"
#include "error.h"

typedef struct pf_schema_stats {
    int files;
    int statements;
    double ms;
} pf_schema_stats;

/* Apply SQL text; origin names it in errors. stats may be NULL (it is
 * accumulated into, not reset). Errors are PF_EXIT_USAGE (bad input) unless
 * the connection broke (PF_EXIT_INFRA). */
int pf_schema_apply_text(pf_db *db, const char *origin, const char *text, pf_schema_stats *stats,
                         pf_error *err);
int pf_schema_apply_file(pf_db *db, const char *path, pf_schema_stats *stats, pf_error *err);
/* Every *.sql file of dir, in lexical order. An empty directory is an error. */
int pf_schema_apply_dir(pf_db *db, const char *dir, pf_schema_stats *stats, pf_error *err);

/* The Supabase-compatible shim built into the binary, i.e.
 * fixtures/schema/000_supabase_auth.sql then 001_supabase_storage.sql:
 * Supabase's roles and grants, schema extensions (pgcrypto, uuid-ossp,
 * pg_stat_statements) on the search_path, schema auth (auth.users, ...,
 * auth.uid()/jwt()/role()/email()), schema storage, realtime and the
 * supabase_realtime publication. Idempotent; needs a superuser. */
int pf_schema_apply_auth_shim(pf_db *db, pf_schema_stats *stats, pf_error *err);

#endif
