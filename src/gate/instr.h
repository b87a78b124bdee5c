/* The instruction phase of a run (perfgate run, perfgate rls): the
 * disposable cluster's server restarted under callgrind, each requested
 * case's instructions per execution counted in the database it belongs to
 * (write cases in a throw-away copy, as the timed measurement runs them),
 * then the server restarted natively. Seeding and timing never run under
 * valgrind. docs/verdicts.md ("Instructions") says what is counted.
 *
 * Typical use:
 *     pf_instr_phase ph;
 *     pf_instr_phase_init(&ph);
 *     size_t k = pf_instr_add(&ph, c, "perfgate", false, baseline_n, -1);
 *     if (pf_instr_run(&ph, &target, seed, &err) < 0) ... infrastructure
 *     if (!ph.available) report ph.unavailable (one line), metric skipped
 *     else ph.jobs[k].done ? ph.jobs[k].result.per_execution : ph.jobs[k].error
 *     pf_instr_phase_dispose(&ph);
 */
#ifndef PF_INSTR_H
#define PF_INSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "callgrind.h"
#include "error.h"
#include "measure.h"
#include "registry.h"
#include "target.h"

typedef struct pf_instr_job {
    const pf_case *c;    /* borrowed */
    char *dbname;        /* a database of the target's cluster */
    bool as_owner;       /* the statement as the owner (an RLS pair's owner half) */
    int iterations;      /* > 0: exactly this many; 0: chosen from the cost */
    int iterations_from; /* >= 0: the iterations that job chose (same draws); -1: none */
    /* result */
    bool done;
    pf_instructions result;
    char *error;         /* the case failed under callgrind: the message */
    bool cached;         /* the result came from the cache (not counted in this run) */
    double ms;           /* wall time of the count (a copy of the database included) */
} pf_instr_job;

typedef struct pf_instr_phase {
    pf_instr_job *jobs;
    size_t n, cap;
    bool ran;           /* pf_instr_run was called */
    bool available;     /* counts were taken */
    char *unavailable;  /* why not, one line (NULL when available) */
    pf_callgrind_info info;
    char *server_build; /* SELECT version() of the counting server */
    double ms;          /* the whole phase, restarts included */
    double start_ms, stop_ms; /* of which: restarting under callgrind, and back */
    double statement_timeout_ms; /* per statement under callgrind (0: none) */
    void (*on_job)(void *arg, const pf_instr_job *job, size_t index, size_t total);
    void *arg;
    /* Counts are a pure function of their inputs: with a cache (cache.h,
     * borrowed), a job whose database key (pf_instr_set_db_key: what the
     * database holds, e.g. a seeded-database key), case, draws, server
     * build and valgrind were counted before takes that count; when every
     * job does, the server is not restarted at all. NULL: always count. */
    struct pf_cache *cache;
    char **db_names, **db_keys; /* parallel, NULL-terminated */
    size_t n_cached;            /* jobs taken from the cache */
} pf_instr_phase;

void pf_instr_phase_init(pf_instr_phase *ph);
void pf_instr_phase_dispose(pf_instr_phase *ph);

/* Request a count (as_owner is ignored for owner cases). Returns the job's
 * index; an identical request (same case, database, owner flag and
 * iterations) returns the existing index. */
size_t pf_instr_add(pf_instr_phase *ph, const pf_case *c, const char *dbname, bool as_owner,
                    int iterations, int iterations_from);
/* What database dbname holds, as a key for the count cache (copied). A job
 * in a database without a key is always counted. */
void pf_instr_set_db_key(pf_instr_phase *ph, const char *dbname, const char *key);

/* Index of the first job for (c, dbname, as_owner), or -1. */
long pf_instr_find(const pf_instr_phase *ph, const pf_case *c, const char *dbname,
                   bool as_owner);

/* Why a count recorded with (method, valgrind version, arch, server build)
 * cannot be compared with this phase's counts, or NULL when it can. Any
 * NULL recorded field is taken as unknown (not comparable). Caller frees. */
char *pf_instr_mismatch(const pf_instr_phase *ph, const char *method, const char *valgrind,
                        const char *arch, const char *server_build);

/* Run every job. Not perfgate's own server, or no usable valgrind: returns
 * 0 with available = false and the reason in unavailable. A case that
 * fails under callgrind gets its error; the others go on. Returns -1 only
 * when the server could not be brought back (PF_EXIT_INFRA) or on an
 * interrupt. Open connections to the cluster are lost (server restarts). */
int pf_instr_run(pf_instr_phase *ph, pf_target *t, uint64_t seed, pf_error *err);

#endif
