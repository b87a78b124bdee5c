/* Applying a schema: a directory of *.sql files in lexical order, like a
 * migrations folder, each statement in autocommit as `psql -f` would. An
 * error names the file and the line of the failing statement (the exact
 * line when the server reports a position) with the server's message; an
 * extension the server does not have is one line saying what to do.
 *
 * Stubbed extensions: a file applied earlier in the same session may run
 *   SET perfgate.stub_extensions = 'pg_net, pgsodium';
 * (and create stand-ins for what the migrations use of them). From then on
 * CREATE / ALTER / DROP / COMMENT ON EXTENSION statements naming one of
 * those extensions are skipped instead of run (docs/supabase.md). */
#ifndef PF_SCHEMA_H
#define PF_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "error.h"

typedef struct pf_schema_stats {
    int files;
    int statements;
    int stubbed; /* extension statements skipped: the extension is stubbed */
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
/* The text of the shim's file i (0, 1, ...), NULL past the last: what a
 * cache key of a database built with the shim must include. Borrowed. */
const char *pf_schema_shim_text(size_t i);

/* The extension a statement is about when it is CREATE EXTENSION [IF NOT
 * EXISTS] x, ALTER EXTENSION x, COMMENT ON EXTENSION x or DROP EXTENSION
 * [IF EXISTS] x (one name only), as the server reads the name (unquoted:
 * lower case). NULL for any other statement. Caller frees. */
char *pf_schema_extension_stmt(const char *sql, size_t len);

/* true when name is an element of list (names separated by commas and/or
 * blanks, compared case-insensitively). NULL list: false. */
bool pf_schema_extension_listed(const char *list, const char *name);

/* The extension err (as pf_db_exec filled it) says the server does not
 * have: no control file, by either wording PostgreSQL has used. NULL when
 * err is about something else. Caller frees. */
char *pf_schema_missing_extension(const pf_error *err);

#endif
