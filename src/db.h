/* The database layer: the only module that includes libpq. Connections,
 * queries whose results are copied into perfgate's own structures, COPY
 * streaming, and connection-string helpers that never leak a password. */
#ifndef PF_DB_H
#define PF_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef struct pf_db pf_db;         /* one connection; opaque */
typedef struct pf_result pf_result; /* an owned copy of a query result */

/* Connect with a libpq connection string or URI. On failure err names the
 * target with the password removed. PF_EXIT_INFRA. */
int pf_db_connect(pf_db **out, const char *conninfo, pf_error *err);
/* true when a server at conninfo accepts connections (PQping). */
bool pf_db_ping(const char *conninfo);
/* Close and free. NULL is fine. */
void pf_db_close(pf_db *db);

/* Run one or more statements, discarding any rows. SQL errors fill err with
 * the server's message, SQLSTATE and error position (PF_EXIT_USAGE); a lost
 * connection is PF_EXIT_INFRA. */
int pf_db_exec(pf_db *db, const char *sql, pf_error *err);

/* Run one statement with optional text parameters ($1..$n) and copy the
 * rows. *out is the caller's (pf_result_free). */
int pf_db_query(pf_db *db, const char *sql, int nparams, const char *const *params,
                pf_result **out, pf_error *err);

/* Prepare a named statement and run it; rows are counted, not copied. */
int pf_db_prepare(pf_db *db, const char *name, const char *sql, pf_error *err);
int pf_db_exec_prepared(pf_db *db, const char *name, int nparams, const char *const *params,
                        long *rows, pf_error *err);

/* COPY ... FROM STDIN: begin, put any number of chunks, end. *rows (may be
 * NULL) receives the count the server reports. */
int pf_db_copy_begin(pf_db *db, const char *copy_sql, pf_error *err);
int pf_db_copy_put(pf_db *db, const char *data, size_t len, pf_error *err);
int pf_db_copy_end(pf_db *db, long *rows, pf_error *err);

/* server_version_num, e.g. 150004. */
int pf_db_server_version(const pf_db *db);
/* true once the connection is unusable. */
bool pf_db_broken(const pf_db *db);

/* Accessors of a copied result. Values are borrowed from r; NULL means SQL NULL. */
int pf_result_nrows(const pf_result *r);
int pf_result_ncols(const pf_result *r);
const char *pf_result_get(const pf_result *r, int row, int col);
const char *pf_result_colname(const pf_result *r, int col);
/* Column index by name, -1 if absent. */
int pf_result_col(const pf_result *r, const char *name);
void pf_result_free(pf_result *r);

/* Convenience: the first column of the first row as a new string (caller
 * frees), NULL when there is no row or the value is NULL. */
int pf_db_query_value(pf_db *db, const char *sql, char **out, pf_error *err);

/* A copy of conninfo (keyword=value or URI) fit for printing: the password
 * is replaced by "***". Caller frees. */
char *pf_dsn_redact(const char *conninfo);
/* conninfo with dbname replaced; NULL if conninfo does not parse. Caller frees. */
char *pf_dsn_with_dbname(const char *conninfo, const char *dbname);
/* SQL-quote a literal / identifier into a new string (caller frees). */
char *pf_sql_literal(const char *s);
char *pf_sql_ident(const char *s);

#endif
