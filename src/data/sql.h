/* Splitting a SQL script into statements the way psql does: semicolons end
 * statements except inside quotes, identifiers, comments, dollar-quoted
 * bodies and BEGIN ATOMIC ... END blocks. Used by the schema applier so an
 * error can name the exact file and line. */
#ifndef PF_SQLSPLIT_H
#define PF_SQLSPLIT_H

#include <stddef.h>

#include "error.h"

typedef struct pf_sql_stmt {
    size_t offset; /* byte offset of the statement's first significant character */
    size_t len;    /* bytes up to, not including, the terminating ';' */
    int line;      /* 1-based line of offset */
} pf_sql_stmt;

/* Split text. origin (a file name) prefixes error messages:
 * "schema/010_x.sql:12: unterminated dollar-quoted string". Statements that
 * are only comments or blanks are skipped. psql meta-commands (a line
 * starting with a backslash) are rejected. *stmts is the caller's (free()). */
int pf_sql_split(const char *origin, const char *text, pf_sql_stmt **stmts, size_t *count,
                 pf_error *err);

/* Rewrite named parameters `:name` into `$1, $2, ...` (the same name gets
 * the same number), leaving `::casts`, quoted strings, identifiers, comments
 * and dollar-quoted bodies alone. *out is the new SQL and *names the names
 * in $n order (NULL-terminated); both the caller's (free / pf_strv_free). */
int pf_sql_bind_named(const char *origin, const char *sql, char **out, char ***names,
                      size_t *count, pf_error *err);

/* Byte offset within a statement of the 1-based character position the
 * server reports (PG_DIAG_STATEMENT_POSITION counts UTF-8 characters). */
size_t pf_sql_char_to_byte(const char *stmt, size_t len, int position);

#endif
