/* A disposable PostgreSQL cluster: initdb into a private temp directory,
 * a server on a private Unix socket plus a random loopback TCP port, tuned
 * for benchmarking (see docs/cluster.md), and removed on every exit path.
 *
 * Typical use:
 *     pf_cluster *c = NULL;
 *     if (pf_cluster_start(&c, NULL, &err) < 0) ...
 *     connect to pf_cluster_dsn(c) ...
 *     pf_cluster_free(c);          // stops the server, removes the directory
 */
#ifndef PF_CLUSTER_H
#define PF_CLUSTER_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

struct pf_cache;

typedef struct pf_cluster pf_cluster;

typedef struct pf_cluster_opts {
    const char *bindir;   /* NULL: discover (see pf_cluster_bindir_find) */
    const char *base_dir; /* NULL: pf_cluster_base_dir() */
    /* Detached: the server outlives this process (perfgate pg start); no
     * watchdog, and pf_cluster_free leaves it running. */
    bool detached;
    int start_timeout_ms; /* 0: 30000 */
    /* Extra "name=value" settings appended after perfgate's own, NULL-terminated. */
    const char *const *settings;
    /* A cache (cache.h; borrowed, may be NULL): initdb's output is kept
     * there and copied instead of running initdb again (a spare
     * pre-initialised cluster: ~0.1 s instead of ~1 s). */
    struct pf_cache *cache;
    /* Start from a copy of this data directory (a seeded cluster from the
     * cache, pf_cluster_snapshot) instead of initdb. */
    const char *from_datadir;
} pf_cluster_opts;

/* Environment variables read by this module. */
#define PF_BINDIR_ENV "PG_BINDIR"
#define PF_RUNTIME_DIR_ENV "PERFGATE_RUNTIME_DIR"
#define PF_CLUSTER_ENV "PERFGATE_CLUSTER"

/* Where clusters live: $PERFGATE_RUNTIME_DIR, else $TMPDIR, else /tmp.
 * Borrowed static string. */
const char *pf_cluster_base_dir(void);

/* Find a directory holding initdb and postgres: $PG_BINDIR, then
 * `pg_config --bindir`, then the highest /usr/lib/postgresql/<major>/bin.
 * *out is the caller's. The error lists what was tried. */
int pf_cluster_bindir_find(char **out, pf_error *err);

/* Lower-level check used by pf_cluster_bindir_find and its tests: true if dir holds
 * executable initdb and postgres. */
bool pf_cluster_bindir_usable(const char *dir);

/* Start a cluster. Reaps stale clusters first. On failure nothing is left
 * behind and err carries the tail of the server log. *out is the caller's. */
int pf_cluster_start(pf_cluster **out, const pf_cluster_opts *opts, pf_error *err);

/* The key of initdb's output for this server build and perfgate's initdb
 * options (what a data directory made now depends on; into out). */
int pf_cluster_initdb_key(const char *bindir, char out[17], pf_error *err);

/* Keep a copy of the running cluster's data directory in cache as entry
 * (kind, key): a checkpoint first, then the files (not the pid file); the
 * server keeps running and nothing may write meanwhile. A cluster started
 * from it (opts.from_datadir) recovers from that checkpoint in a moment. */
int pf_cluster_snapshot(pf_cluster *c, struct pf_cache *cache, const char *kind, const char *key,
                        pf_error *err);
/* How the data directory was made: "initdb", "initdb (cached)" or "copy". */
const char *pf_cluster_origin(const pf_cluster *c);

/* Connection string for database "postgres" as the superuser; borrowed. */
const char *pf_cluster_dsn(const pf_cluster *c);
const char *pf_cluster_dir(const pf_cluster *c);
const char *pf_cluster_socket_dir(const pf_cluster *c);
const char *pf_cluster_bindir(const pf_cluster *c);
int pf_cluster_port(const pf_cluster *c);
pid_t pf_cluster_pid(const pf_cluster *c);
/* The OS user the server runs as ("" when it is ourselves). */
const char *pf_cluster_os_user(const pf_cluster *c);
/* Milliseconds spent in initdb, and from server launch to first successful connection. */
double pf_cluster_initdb_ms(const pf_cluster *c);
double pf_cluster_ready_ms(const pf_cluster *c);

/* Let the server outlive this process, as if started by `pg start`: the
 * watchdog is dismissed and `perfgate pg stop` will remove it. */
int pf_cluster_detach(pf_cluster *c, pf_error *err);

/* Stop the server and remove the directory (unless detached). NULL is fine. */
void pf_cluster_free(pf_cluster *c);

/* Stop the server of the cluster in dir and remove dir (perfgate pg stop).
 * Refuses a directory that is not a perfgate cluster. */
int pf_cluster_stop_dir(const char *dir, pf_error *err);

/* Cluster directories of this user under base_dir (NULL: default), NULL-
 * terminated, caller frees with pf_strv_free. With detached_only, only
 * clusters started by `pg start`. */
int pf_cluster_list(const char *base_dir, bool detached_only, char ***dirs, pf_error *err);

/* Remove clusters whose owning perfgate process is gone (a SIGKILLed run)
 * or whose detached server died. *reaped (may be NULL) counts them. */
int pf_cluster_reap_stale(const char *base_dir, int *reaped, pf_error *err);

/* ---- Crash and restart (tests of clients that must survive a server
 * restart, e.g. perfgate monitor) ---------------------------------------- */

/* Crash the server: SIGKILL the postmaster and every process it started, as
 * a power cut would for the processes (no shutdown checkpoint), and wait
 * until all are gone. The data directory stays; pf_cluster_restart brings
 * the server back (with crash recovery). */
int pf_cluster_kill(pf_cluster *c, pf_error *err);
/* Start the server again on the same data directory and port; a running
 * server is stopped first (fast shutdown). pf_cluster_pid changes. */
int pf_cluster_restart(pf_cluster *c, pf_error *err);
/* The same, with the server's command line prefixed by wrapper (a NULL-
 * terminated argv, e.g. valgrind and its options; copied), or native again
 * when wrapper is NULL. timeout_ms (0: 30 s) bounds the wait for the first
 * connection: a server under valgrind starts slower. */
int pf_cluster_restart_wrapped(pf_cluster *c, const char *const *wrapper, int timeout_ms,
                               pf_error *err);
/* A directory `name` inside the cluster's private directory that the server
 * user may write (for files the server writes and perfgate reads, such as
 * callgrind's dumps); removed with the cluster. *out is the caller's. */
int pf_cluster_server_dir(pf_cluster *c, const char *name, char **out, pf_error *err);

#endif
