/* Where the work runs: an existing server (--dsn / $PERFGATE_DSN, nothing
 * started and nothing dropped) or a disposable cluster with a fresh
 * database, removed when the target is closed. */
#ifndef PF_TARGET_H
#define PF_TARGET_H

#include <stdbool.h>

#include "cluster.h"
#include "error.h"

#define PF_DSN_ENV "PERFGATE_DSN"

typedef struct pf_target {
    pf_cluster *cluster; /* NULL when using an existing server */
    char *dsn;           /* the work database */
    char *admin_dsn;     /* a database to run CREATE DATABASE from (cluster only) */
    char *dbname;
    double start_ms;     /* cluster start to first query, 0 for --dsn */
} pf_target;

/* The server to use: given when non-empty, else $PERFGATE_DSN when
 * non-empty, else NULL (a disposable cluster). */
const char *pf_target_dsn(const char *given);
/* Open: pf_target_dsn(dsn) when it is not NULL, else a disposable cluster in
 * which database dbname is created. On failure nothing is left running. */
int pf_target_open(pf_target *t, const char *dsn, const char *dbname, pf_error *err);

/* How a disposable cluster is made (ignored with a dsn). */
typedef struct pf_target_opts {
    struct pf_cache *cache;   /* initdb's output kept and reused (cache.h); NULL: none */
    const char *from_datadir; /* start from this seeded data directory, which holds
                                 dbname already (nothing is created) */
} pf_target_opts;

int pf_target_open_with(pf_target *t, const char *dsn, const char *dbname,
                        const pf_target_opts *o, pf_error *err);
/* true when perfgate owns the server (and may create databases freely). */
bool pf_target_owned(const pf_target *t);
/* The dsn, password masked, for messages; caller frees. */
char *pf_target_describe(const pf_target *t);
/* A throw-away copy `name` of database `src` on perfgate's own server
 * (CREATE DATABASE ... TEMPLATE, file copy; an existing `name` is dropped
 * first), with src's database-level settings (ALTER DATABASE src SET, ALTER
 * ROLE ... IN DATABASE src SET), which the template copy leaves behind.
 * `src` must have no other connections. PF_EXIT_INFRA on failure. */
int pf_target_clone_db(const pf_target *t, const char *src, const char *name, pf_error *err);
/* Drop database `name` (forcing its connections off); errors ignored. */
void pf_target_drop_db(const pf_target *t, const char *name);

/* Stop and remove a disposable cluster; NULL-safe, idempotent. */
void pf_target_close(pf_target *t);

#endif
