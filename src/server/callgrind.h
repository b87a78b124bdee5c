/* Counting the instructions PostgreSQL backends execute: the disposable
 * cluster's server restarted under valgrind's callgrind tool, collecting
 * only inside the functions that plan and run a statement, and a marker
 * statement whose call dumps the calling backend's count so far.
 *
 * What is counted (docs/verdicts.md, "Instructions"): the instructions a
 * backend executes inside GetCachedPlan (choosing or building the plan of a
 * prepared statement), PortalStart (executor start-up: permission and RLS
 * checks, opening relations and indexes) and PortalRun (execution). Parse
 * and plan of simple-protocol statements, the client protocol, and waiting
 * are not. A GetCachedPlan call nested inside a running portal (a
 * PL/pgSQL function's SPI plan lookup) toggles collection off for its
 * duration, so SPI planning inside functions is excluded while their
 * execution is counted.
 *
 * Typical use (the server is perfgate's own disposable cluster):
 *     pf_callgrind_info info;
 *     if (pf_callgrind_probe(&info, &err) < 0) ... err.msg says why not
 *     pf_callgrind *cg = NULL;
 *     pf_callgrind_start(cluster, &info, &cg, &err);   // server now under callgrind
 *     connect db ...; pf_callgrind_counter k; pf_callgrind_attach(cg, db, &k, &err);
 *     pf_callgrind_mark(&k, db, &ir, &err);             // count since the previous mark
 *     pf_callgrind_stop(cg, &err);                       // native server again
 */
#ifndef PF_CALLGRIND_H
#define PF_CALLGRIND_H

#include <stdint.h>

#include "cluster.h"
#include "db.h"
#include "error.h"

/* What a count means, recorded with it: counts taken another way are not
 * compared. Change it whenever what is counted changes. */
#define PF_INSTR_METHOD "callgrind GetCachedPlan+PortalStart+PortalRun, statement minus set-up"

/* Environment variable naming the valgrind executable (default: PATH). */
#define PF_VALGRIND_ENV "PERFGATE_VALGRIND"

/* What makes counts comparable across runs, besides the server build. */
typedef struct pf_callgrind_info {
    char *valgrind; /* absolute path of the executable */
    char *version;  /* "3.19.0" */
    char *arch;     /* "x86_64", "aarch64" */
} pf_callgrind_info;

/* Can instructions be counted here? Needs Linux on x86-64 or arm64 and a
 * working valgrind ($PERFGATE_VALGRIND, else the PATH). 0 with *out filled
 * (dispose it); -1 with a one-line reason in err (PF_EXIT_INFRA) that says
 * what to install: the caller reports it and skips the metric. */
int pf_callgrind_probe(pf_callgrind_info *out, pf_error *err);
void pf_callgrind_info_dispose(pf_callgrind_info *i);

typedef struct pf_callgrind pf_callgrind;

/* Restart the cluster's server under callgrind (fast shutdown first; the
 * shared buffers start cold). Existing connections are lost. *out is the
 * caller's: pf_callgrind_stop it. */
int pf_callgrind_start(pf_cluster *c, const pf_callgrind_info *info, pf_callgrind **out,
                       pf_error *err);
/* Restart the server natively and free s (NULL is fine). Returns -1 when
 * the native server would not start again (PF_EXIT_INFRA); s is freed
 * either way. */
int pf_callgrind_stop(pf_callgrind *s, pf_error *err);

/* Counting on one connection. */
typedef struct pf_callgrind_counter {
    const pf_callgrind *s;
    long backend_pid;
    int part; /* dumps taken so far by this backend */
} pf_callgrind_counter;

/* Attach a fresh connection (before its first mark). */
int pf_callgrind_attach(pf_callgrind *s, pf_db *db, pf_callgrind_counter *out, pf_error *err);
/* Run the marker statement on db: callgrind dumps the backend's count since
 * the previous mark (or its start) and zeroes it; *ir gets that count. The
 * marker's own cost is split around the dump (a small constant that a
 * difference of two marked regions cancels). */
int pf_callgrind_mark(pf_callgrind_counter *k, pf_db *db, int64_t *ir, pf_error *err);

/* The instruction total of a callgrind dump's text ("totals:" or
 * "summary:" line); -1 if there is none. */
int pf_callgrind_parse_totals(const char *text, int64_t *ir);

#endif
