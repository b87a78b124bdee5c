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
/* Does conninfo parse (libpq's rules)? -1 with PF_EXIT_USAGE and a message
 * that never repeats the string's values (it may hold a password).
 * pf_db_connect checks it first: a garbage DSN is bad input, not a
 * connection failure. */
int pf_db_dsn_check(const char *conninfo, pf_error *err);
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
char *pf_db_dsn_redact(const char *conninfo);
/* conninfo with dbname replaced; NULL if conninfo does not parse. Caller frees. */
char *pf_db_dsn_with_dbname(const char *conninfo, const char *dbname);
/* SQL-quote a literal / identifier into a new string (caller frees). */
char *pf_db_literal(const char *s);
char *pf_db_ident(const char *s);

/* ---- Long-running sessions (perfgate monitor) ------------------------- */

/* Connect like pf_db_connect, with defaults the conninfo may override:
 * application_name, connect_timeout (seconds, 0: libpq's default) and TCP
 * keepalives, so that a server that vanishes from the network is noticed
 * instead of blocking a read forever. */
int pf_db_connect_session(pf_db **out, const char *conninfo, const char *application_name,
                          int connect_timeout_s, pf_error *err);

/* ---- Asynchronous, pipelined use (perfgate load) --------------------------
 * One connection driven by the caller's poll() loop, in libpq pipeline mode:
 * queue any number of commands, end the batch with a sync, flush, then read
 * one event per command result, an END after each command, and a SYNC event
 * when the whole batch is in. Commands after a failed one in the same batch
 * are not run (ABORTED); an explicit transaction block the batch opened is
 * then left failed (pf_db_transaction_state) and needs a ROLLBACK. */

/* Enter non-blocking pipeline mode (after any blocking set-up such as
 * pf_db_prepare). PF_EXIT_INFRA on failure. */
int pf_db_pipeline_start(pf_db *db, pf_error *err);
/* The socket to poll; -1 if none. */
int pf_db_socket(const pf_db *db);
/* Queue a prepared statement, or a statement with text parameters. */
int pf_db_send_prepared(pf_db *db, const char *name, int nparams, const char *const *params,
                        pf_error *err);
int pf_db_send_params(pf_db *db, const char *sql, int nparams, const char *const *params,
                      pf_error *err);
/* End the batch (a Sync message). */
int pf_db_send_sync(pf_db *db, pf_error *err);
/* Send queued output: 0 everything went, 1 some is left (poll for
 * writability and call again), -1 the connection failed. */
int pf_db_flush(pf_db *db, pf_error *err);
/* Read what the socket holds (after poll said readable). -1: connection lost. */
int pf_db_consume_input(pf_db *db, pf_error *err);
/* true when the next event is not fully received yet. */
bool pf_db_is_busy(pf_db *db);

typedef enum pf_db_event_kind {
    PF_DB_EVENT_END,     /* the end of one command's results */
    PF_DB_EVENT_OK,      /* a command succeeded */
    PF_DB_EVENT_ERROR,   /* a command failed: sqlstate and message */
    PF_DB_EVENT_ABORTED, /* not run: an earlier command of the batch failed */
    PF_DB_EVENT_SYNC,    /* the batch is complete */
} pf_db_event_kind;

typedef struct pf_db_event {
    pf_db_event_kind kind;
    char sqlstate[6]; /* ERROR */
    long rows;        /* OK: rows returned, or affected by INSERT/UPDATE/DELETE */
    char *message;    /* ERROR: the server's primary message (owned) */
    /* OK with want_row and at least one row: the first row (owned; a NULL
     * value is SQL NULL). */
    int ncols;
    char **names;
    char **values;
} pf_db_event;

/* Take the next event; call only when pf_db_is_busy is false. With
 * want_row the first row is copied into ev. Dispose ev in every case.
 * Returns 0, or -1 with err (PF_EXIT_INFRA) when the connection is lost. */
int pf_db_next_event(pf_db *db, bool want_row, pf_db_event *ev, pf_error *err);
void pf_db_event_dispose(pf_db_event *ev);

typedef enum pf_db_txn {
    PF_DB_TXN_IDLE,    /* not in a transaction block */
    PF_DB_TXN_BLOCK,   /* in a block (BEGIN without COMMIT yet) */
    PF_DB_TXN_FAILED,  /* in a failed block: only ROLLBACK helps */
    PF_DB_TXN_UNKNOWN, /* a command is in flight, or the connection is bad */
} pf_db_txn;
pf_db_txn pf_db_transaction_state(const pf_db *db);

/* Ask the server to cancel what this connection runs (a short blocking
 * exchange on a separate connection). */
int pf_db_cancel(pf_db *db, pf_error *err);

#endif
