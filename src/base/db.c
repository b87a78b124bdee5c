/* libpq wrapper. Every PGresult is cleared in the function that received it;
 * nothing of libpq crosses this module's boundary. */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "buf.h"

struct pf_db {
    PGconn *conn;
};

struct pf_result {
    int nrows;
    int ncols;
    char **names;  /* ncols */
    char **values; /* nrows * ncols, NULL for SQL NULL */
};

/* Notices (e.g. "relation already exists, skipping") are not errors and must
 * not land on stdout: the engine never prints. */
static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

int pf_db_dsn_check(const char *conninfo, pf_error *err)
{
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &errmsg);
    if (opts != NULL) {
        PQconninfoFree(opts);
        return 0;
    }
    /* libpq quotes the offending token, which may be a password typed
     * without its key: keep only the option names it complains about. */
    pf_buf why = PF_BUF_INIT;
    const char *m = errmsg ? errmsg : "";
    bool keep = strncmp(m, "invalid connection option", 25) == 0;
    for (const char *c = m; *c && *c != '\n';) {
        if (*c == '"' && !keep) {
            const char *end = strchr(c + 1, '"');
            if (end == NULL)
                break;
            bool syntax = end - c == 2 && strchr("=&?/@:", c[1]) != NULL;
            if (syntax)
                pf_buf_append(&why, c, (size_t)(end - c + 1));
            else
                pf_buf_puts(&why, "\"...\"");
            c = end + 1;
        } else {
            pf_buf_putc(&why, *c++);
        }
    }
    pf_error_set(err, PF_EXIT_USAGE,
                 "not a PostgreSQL connection string (key=value pairs or a postgresql:// URI): %s",
                 why.len ? pf_buf_str(&why) : "it does not parse");
    pf_buf_dispose(&why);
    PQfreemem(errmsg);
    return -1;
}

/* The exit status of a failed connection: libpq checks option values
 * ("invalid sslmode value", "invalid port number", "invalid integer value
 * ... for connection option") before it contacts a server; those are the
 * user's input (2), anything else the infrastructure (3). */
static int connect_failure_code(PGconn *conn)
{
    return strncmp(PQerrorMessage(conn), "invalid ", 8) == 0 ? PF_EXIT_USAGE : PF_EXIT_INFRA;
}

int pf_db_connect(pf_db **out, const char *conninfo, pf_error *err)
{
    *out = NULL;
    if (pf_db_dsn_check(conninfo, err) < 0)
        return -1;
    PGconn *conn = PQconnectdb(conninfo);
    if (conn == NULL)
        return pf_error_set(err, PF_EXIT_INFRA, "cannot allocate a connection");
    if (PQstatus(conn) != CONNECTION_OK) {
        char *shown = pf_db_dsn_redact(conninfo);
        pf_error_set(err, connect_failure_code(conn), "cannot connect to %s: %s",
                     *shown ? shown : "the default server (PGHOST, PGPORT, the local socket)",
                     PQerrorMessage(conn));
        free(shown);
        PQfinish(conn);
        return -1;
    }
    PQsetNoticeProcessor(conn, quiet_notice, NULL);
    pf_db *db = pf_calloc(1, sizeof *db);
    db->conn = conn;
    *out = db;
    return 0;
}

bool pf_db_ping(const char *conninfo)
{
    return PQping(conninfo) == PQPING_OK;
}

void pf_db_close(pf_db *db)
{
    if (db == NULL)
        return;
    PQfinish(db->conn);
    free(db);
}

/* Fill err from a failed result (or the connection when res is NULL). */
static int set_result_error(pf_db *db, const PGresult *res, pf_error *err)
{
    if (err == NULL)
        return -1;
    bool lost = PQstatus(db->conn) != CONNECTION_OK;
    if (res == NULL) {
        return pf_error_set(err, lost ? PF_EXIT_INFRA : PF_EXIT_USAGE, "%s%s",
                            lost ? "connection lost: " : "", PQerrorMessage(db->conn));
    }
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY);
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
    const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
    pf_buf b = PF_BUF_INIT;
    if (primary != NULL) {
        pf_buf_printf(&b, "%s: %s", severity ? severity : "ERROR", primary);
        if (detail)
            pf_buf_printf(&b, "\nDETAIL: %s", detail);
        if (hint)
            pf_buf_printf(&b, "\nHINT: %s", hint);
        if (context)
            pf_buf_printf(&b, "\nCONTEXT: %s", context);
    } else {
        pf_buf_puts(&b, lost ? "connection lost: " : "");
        pf_buf_puts(&b, PQerrorMessage(db->conn));
    }
    pf_error_set(err, lost ? PF_EXIT_INFRA : PF_EXIT_USAGE, "%s", pf_buf_str(&b));
    pf_buf_dispose(&b);
    if (state != NULL)
        snprintf(err->sqlstate, sizeof err->sqlstate, "%s", state);
    err->position = pos ? atoi(pos) : 0;
    return -1;
}

int pf_db_exec(pf_db *db, const char *sql, pf_error *err)
{
    /* PQexec returns the last result of a multi-statement string; errors stop
     * the string, so checking the last one is enough. */
    PGresult *res = PQexec(db->conn, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        rc = set_result_error(db, res, err);
    PQclear(res);
    return rc;
}

static pf_result *copy_result(const PGresult *res)
{
    pf_result *r = pf_calloc(1, sizeof *r);
    r->nrows = PQntuples(res);
    r->ncols = PQnfields(res);
    r->names = pf_calloc((size_t)r->ncols, sizeof *r->names);
    for (int c = 0; c < r->ncols; c++)
        r->names[c] = pf_strdup(PQfname(res, c));
    r->values = pf_calloc((size_t)r->nrows * (size_t)r->ncols, sizeof *r->values);
    for (int i = 0; i < r->nrows; i++)
        for (int c = 0; c < r->ncols; c++)
            if (!PQgetisnull(res, i, c))
                r->values[(size_t)i * (size_t)r->ncols + (size_t)c] =
                    pf_strndup(PQgetvalue(res, i, c), (size_t)PQgetlength(res, i, c));
    return r;
}

int pf_db_query(pf_db *db, const char *sql, int nparams, const char *const *params,
                pf_result **out, pf_error *err)
{
    *out = NULL;
    PGresult *res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = 0;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        *out = copy_result(res);
    else
        rc = set_result_error(db, res, err);
    PQclear(res);
    return rc;
}

int pf_db_query_value(pf_db *db, const char *sql, char **out, pf_error *err)
{
    *out = NULL;
    pf_result *r = NULL;
    if (pf_db_query(db, sql, 0, NULL, &r, err) < 0)
        return -1;
    if (r->nrows > 0 && r->ncols > 0 && r->values[0] != NULL)
        *out = pf_strdup(r->values[0]);
    pf_result_free(r);
    return 0;
}

int pf_db_prepare(pf_db *db, const char *name, const char *sql, pf_error *err)
{
    PGresult *res = PQprepare(db->conn, name, sql, 0, NULL);
    int rc = 0;
    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = set_result_error(db, res, err);
    PQclear(res);
    return rc;
}

int pf_db_exec_prepared(pf_db *db, const char *name, int nparams, const char *const *params,
                        long *rows, pf_error *err)
{
    PGresult *res = PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = 0;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        if (rows != NULL) {
            const char *tuples = PQcmdTuples(res);
            *rows = (st == PGRES_TUPLES_OK) ? PQntuples(res) : (*tuples ? atol(tuples) : 0);
        }
    } else {
        rc = set_result_error(db, res, err);
    }
    PQclear(res);
    return rc;
}

int pf_db_copy_begin(pf_db *db, const char *copy_sql, pf_error *err)
{
    PGresult *res = PQexec(db->conn, copy_sql);
    int rc = 0;
    if (res == NULL || PQresultStatus(res) != PGRES_COPY_IN)
        rc = set_result_error(db, res, err);
    PQclear(res);
    return rc;
}

int pf_db_copy_put(pf_db *db, const char *data, size_t len, pf_error *err)
{
    while (len > 0) {
        /* PQputCopyData takes an int length. */
        int chunk = len > (1u << 30) ? (1 << 30) : (int)len;
        if (PQputCopyData(db->conn, data, chunk) != 1)
            return set_result_error(db, NULL, err);
        data += chunk;
        len -= (size_t)chunk;
    }
    return 0;
}

int pf_db_copy_end(pf_db *db, long *rows, pf_error *err)
{
    if (PQputCopyEnd(db->conn, NULL) != 1)
        return set_result_error(db, NULL, err);
    int rc = 0;
    PGresult *res;
    /* Drain every result, keeping the first error. */
    while ((res = PQgetResult(db->conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            if (rc == 0)
                rc = set_result_error(db, res, err);
        } else if (rows != NULL) {
            *rows = atol(PQcmdTuples(res));
        }
        PQclear(res);
    }
    return rc;
}

int pf_db_server_version(const pf_db *db)
{
    return PQserverVersion(db->conn);
}

bool pf_db_broken(const pf_db *db)
{
    return PQstatus(db->conn) != CONNECTION_OK;
}

int pf_result_nrows(const pf_result *r)
{
    return r ? r->nrows : 0;
}

int pf_result_ncols(const pf_result *r)
{
    return r ? r->ncols : 0;
}

const char *pf_result_get(const pf_result *r, int row, int col)
{
    if (r == NULL || row < 0 || row >= r->nrows || col < 0 || col >= r->ncols)
        return NULL;
    return r->values[(size_t)row * (size_t)r->ncols + (size_t)col];
}

const char *pf_result_colname(const pf_result *r, int col)
{
    if (r == NULL || col < 0 || col >= r->ncols)
        return NULL;
    return r->names[col];
}

int pf_result_col(const pf_result *r, const char *name)
{
    for (int c = 0; r != NULL && c < r->ncols; c++)
        if (strcmp(r->names[c], name) == 0)
            return c;
    return -1;
}

void pf_result_free(pf_result *r)
{
    if (r == NULL)
        return;
    for (int c = 0; c < r->ncols; c++)
        free(r->names[c]);
    size_t n = (size_t)r->nrows * (size_t)r->ncols;
    for (size_t i = 0; i < n; i++)
        free(r->values[i]);
    free(r->names);
    free(r->values);
    free(r);
}

/* Append keyword='value' with libpq's quoting rules. */
static void put_kv(pf_buf *b, const char *key, const char *val)
{
    if (b->len > 0)
        pf_buf_putc(b, ' ');
    pf_buf_printf(b, "%s=", key);
    bool plain = *val != '\0';
    for (const char *p = val; *p; p++)
        if (*p == ' ' || *p == '\'' || *p == '\\' || *p == '=')
            plain = false;
    if (plain) {
        pf_buf_puts(b, val);
        return;
    }
    pf_buf_putc(b, '\'');
    for (const char *p = val; *p; p++) {
        if (*p == '\'' || *p == '\\')
            pf_buf_putc(b, '\\');
        pf_buf_putc(b, *p);
    }
    pf_buf_putc(b, '\'');
}

/* Rebuild conninfo as keyword=value pairs, optionally masking the password
 * and overriding dbname. NULL if it does not parse. */
static char *rebuild_conninfo(const char *conninfo, bool redact, const char *dbname)
{
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &errmsg);
    if (opts == NULL) {
        PQfreemem(errmsg);
        return NULL;
    }
    pf_buf b = PF_BUF_INIT;
    bool have_db = false;
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        const char *val = o->val;
        if (strcmp(o->keyword, "dbname") == 0 && dbname != NULL) {
            val = dbname;
            have_db = true;
        }
        if (val == NULL)
            continue;
        if (redact && strcmp(o->keyword, "password") == 0)
            val = "***";
        char *nested = NULL;
        /* A dbname libpq expands (one with '=' or a URI, where perfgate
         * connects with expand_dbname) may hold a password of its own. */
        if (redact && strcmp(o->keyword, "dbname") == 0 &&
            (strchr(val, '=') != NULL || strncmp(val, "postgresql://", 13) == 0 ||
             strncmp(val, "postgres://", 11) == 0)) {
            nested = rebuild_conninfo(val, true, NULL);
            val = nested ? nested : "***";
        }
        put_kv(&b, o->keyword, val);
        free(nested);
    }
    if (dbname != NULL && !have_db)
        put_kv(&b, "dbname", dbname);
    PQconninfoFree(opts);
    return pf_buf_steal(&b);
}

char *pf_db_dsn_redact(const char *conninfo)
{
    char *s = rebuild_conninfo(conninfo, true, NULL);
    return s ? s : pf_strdup("<connection string that does not parse>");
}

char *pf_db_dsn_with_dbname(const char *conninfo, const char *dbname)
{
    return rebuild_conninfo(conninfo, false, dbname);
}

char *pf_db_literal(const char *s)
{
    pf_buf b = PF_BUF_INIT;
    bool backslash = strchr(s, '\\') != NULL;
    if (backslash)
        pf_buf_puts(&b, " E");
    pf_buf_putc(&b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '\'' || (backslash && *p == '\\'))
            pf_buf_putc(&b, *p);
        pf_buf_putc(&b, *p);
    }
    pf_buf_putc(&b, '\'');
    return pf_buf_steal(&b);
}

char *pf_db_ident(const char *s)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_putc(&b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            pf_buf_putc(&b, '"');
        pf_buf_putc(&b, *p);
    }
    pf_buf_putc(&b, '"');
    return pf_buf_steal(&b);
}

/* ---- Long-running sessions (perfgate monitor) ------------------------- */

int pf_db_connect_session(pf_db **out, const char *conninfo, const char *application_name,
                          int connect_timeout_s, pf_error *err)
{
    *out = NULL;
    /* The same rule as pf_db_connect: libpq would take a word that is not a
     * connection string for a database name on the local socket. */
    if (pf_db_dsn_check(conninfo, err) < 0)
        return -1;
    char timeout[16];
    snprintf(timeout, sizeof timeout, "%d", connect_timeout_s > 0 ? connect_timeout_s : 0);
    /* Defaults first, then dbname expanded from conninfo: libpq lets the
     * later (the user's) settings override the earlier ones. */
    const char *keys[] = {"application_name", "connect_timeout", "keepalives",
                          "keepalives_idle", "keepalives_interval", "keepalives_count",
                          "dbname", NULL};
    const char *vals[] = {application_name ? application_name : "perfgate",
                          timeout, "1", "30", "10", "3", conninfo, NULL};
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (conn == NULL)
        return pf_error_set(err, PF_EXIT_INFRA, "cannot allocate a connection");
    if (PQstatus(conn) != CONNECTION_OK) {
        char *shown = pf_db_dsn_redact(conninfo);
        pf_error_set(err, connect_failure_code(conn), "cannot connect to %s: %s", shown,
                     PQerrorMessage(conn));
        free(shown);
        PQfinish(conn);
        return -1;
    }
    PQsetNoticeProcessor(conn, quiet_notice, NULL);
    pf_db *db = pf_calloc(1, sizeof *db);
    db->conn = conn;
    *out = db;
    return 0;
}

/* ---- asynchronous, pipelined use ---- */

int pf_db_pipeline_start(pf_db *db, pf_error *err)
{
    if (PQsetnonblocking(db->conn, 1) != 0 || PQenterPipelineMode(db->conn) != 1)
        return pf_error_set(err, PF_EXIT_INFRA, "cannot enter pipeline mode: %s",
                            PQerrorMessage(db->conn));
    return 0;
}

int pf_db_socket(const pf_db *db)
{
    return PQsocket(db->conn);
}

static int send_failed(pf_db *db, pf_error *err)
{
    return pf_error_set(err, PF_EXIT_INFRA, "connection lost: %s", PQerrorMessage(db->conn));
}

int pf_db_send_prepared(pf_db *db, const char *name, int nparams, const char *const *params,
                        pf_error *err)
{
    if (PQsendQueryPrepared(db->conn, name, nparams, params, NULL, NULL, 0) != 1)
        return send_failed(db, err);
    return 0;
}

int pf_db_send_params(pf_db *db, const char *sql, int nparams, const char *const *params,
                      pf_error *err)
{
    if (PQsendQueryParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0) != 1)
        return send_failed(db, err);
    return 0;
}

int pf_db_send_sync(pf_db *db, pf_error *err)
{
    if (PQpipelineSync(db->conn) != 1)
        return send_failed(db, err);
    return 0;
}

int pf_db_flush(pf_db *db, pf_error *err)
{
    int r = PQflush(db->conn);
    if (r < 0)
        return send_failed(db, err);
    return r;
}

int pf_db_consume_input(pf_db *db, pf_error *err)
{
    if (PQconsumeInput(db->conn) != 1)
        return send_failed(db, err);
    return 0;
}

bool pf_db_is_busy(pf_db *db)
{
    return PQisBusy(db->conn) != 0;
}

int pf_db_next_event(pf_db *db, bool want_row, pf_db_event *ev, pf_error *err)
{
    memset(ev, 0, sizeof *ev);
    PGresult *res = PQgetResult(db->conn);
    if (res == NULL) {
        ev->kind = PF_DB_EVENT_END;
        if (PQstatus(db->conn) != CONNECTION_OK)
            return send_failed(db, err);
        return 0;
    }
    int rc = 0;
    switch (PQresultStatus(res)) {
    case PGRES_PIPELINE_SYNC:
        ev->kind = PF_DB_EVENT_SYNC;
        break;
    case PGRES_PIPELINE_ABORTED:
        ev->kind = PF_DB_EVENT_ABORTED;
        break;
    case PGRES_TUPLES_OK:
    case PGRES_COMMAND_OK:
    case PGRES_EMPTY_QUERY: {
        ev->kind = PF_DB_EVENT_OK;
        const char *tuples = PQcmdTuples(res);
        ev->rows = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res)
                                                           : (*tuples ? atol(tuples) : 0);
        if (want_row && PQntuples(res) > 0) {
            ev->ncols = PQnfields(res);
            ev->names = pf_calloc((size_t)ev->ncols + 1, sizeof *ev->names);
            ev->values = pf_calloc((size_t)ev->ncols + 1, sizeof *ev->values);
            for (int c = 0; c < ev->ncols; c++) {
                ev->names[c] = pf_strdup(PQfname(res, c));
                if (!PQgetisnull(res, 0, c))
                    ev->values[c] = pf_strndup(PQgetvalue(res, 0, c), (size_t)PQgetlength(res, 0, c));
            }
        }
        break;
    }
    default: {
        ev->kind = PF_DB_EVENT_ERROR;
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        snprintf(ev->sqlstate, sizeof ev->sqlstate, "%s", state ? state : "");
        ev->message = pf_strdup(primary ? primary : PQerrorMessage(db->conn));
        size_t n = strlen(ev->message);
        while (n > 0 && (ev->message[n - 1] == '\n' || ev->message[n - 1] == ' '))
            ev->message[--n] = '\0';
        if (state == NULL && PQstatus(db->conn) != CONNECTION_OK)
            rc = send_failed(db, err);
        break;
    }
    }
    PQclear(res);
    return rc;
}

void pf_db_event_dispose(pf_db_event *ev)
{
    free(ev->message);
    for (int c = 0; c < ev->ncols; c++) {
        free(ev->names[c]);
        free(ev->values[c]);
    }
    free(ev->names);
    free(ev->values);
    memset(ev, 0, sizeof *ev);
}

pf_db_txn pf_db_transaction_state(const pf_db *db)
{
    switch (PQtransactionStatus(db->conn)) {
    case PQTRANS_IDLE:
        return PF_DB_TXN_IDLE;
    case PQTRANS_INTRANS:
        return PF_DB_TXN_BLOCK;
    case PQTRANS_INERROR:
        return PF_DB_TXN_FAILED;
    default:
        return PF_DB_TXN_UNKNOWN;
    }
}

int pf_db_cancel(pf_db *db, pf_error *err)
{
    PGcancel *c = PQgetCancel(db->conn);
    if (c == NULL)
        return pf_error_set(err, PF_EXIT_INFRA, "cannot cancel: no connection");
    char buf[256];
    int ok = PQcancel(c, buf, sizeof buf);
    PQfreeCancel(c);
    if (!ok)
        return pf_error_set(err, PF_EXIT_INFRA, "cancel failed: %s", buf);
    return 0;
}
