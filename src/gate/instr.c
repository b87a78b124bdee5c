/* The instruction phase: jobs, the server under callgrind, one connection
 * per database for the read cases, a throw-away copy per write case. */
#include "instr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "fsutil.h"
#include "db.h"
#include "interrupt.h"
#include "json.h"
#include "timeutil.h"

void pf_instr_phase_init(pf_instr_phase *ph)
{
    memset(ph, 0, sizeof *ph);
}

void pf_instr_set_db_key(pf_instr_phase *ph, const char *dbname, const char *key)
{
    size_t n = 0;
    while (ph->db_names != NULL && ph->db_names[n] != NULL)
        n++;
    ph->db_names = pf_realloc(ph->db_names, (n + 2) * sizeof *ph->db_names);
    ph->db_keys = pf_realloc(ph->db_keys, (n + 2) * sizeof *ph->db_keys);
    ph->db_names[n] = pf_strdup(dbname);
    ph->db_keys[n] = pf_strdup(key);
    ph->db_names[n + 1] = ph->db_keys[n + 1] = NULL;
}

void pf_instr_phase_dispose(pf_instr_phase *ph)
{
    pf_strv_free(ph->db_names);
    pf_strv_free(ph->db_keys);
    for (size_t i = 0; i < ph->n; i++) {
        free(ph->jobs[i].dbname);
        free(ph->jobs[i].error);
    }
    free(ph->jobs);
    free(ph->unavailable);
    free(ph->server_build);
    pf_callgrind_info_dispose(&ph->info);
    memset(ph, 0, sizeof *ph);
}

long pf_instr_find(const pf_instr_phase *ph, const pf_case *c, const char *dbname, bool as_owner)
{
    as_owner = as_owner && c->identity != PF_IDENTITY_OWNER;
    for (size_t i = 0; i < ph->n; i++)
        if (ph->jobs[i].c == c && ph->jobs[i].as_owner == as_owner &&
            strcmp(ph->jobs[i].dbname, dbname) == 0)
            return (long)i;
    return -1;
}

size_t pf_instr_add(pf_instr_phase *ph, const pf_case *c, const char *dbname, bool as_owner,
                    int iterations, int iterations_from)
{
    as_owner = as_owner && c->identity != PF_IDENTITY_OWNER;
    for (size_t i = 0; i < ph->n; i++) {
        const pf_instr_job *j = &ph->jobs[i];
        if (j->c == c && j->as_owner == as_owner && strcmp(j->dbname, dbname) == 0 &&
            j->iterations == iterations && j->iterations_from == iterations_from)
            return i;
    }
    if (ph->n == ph->cap) {
        ph->cap = ph->cap ? 2 * ph->cap : 16;
        ph->jobs = pf_realloc(ph->jobs, ph->cap * sizeof *ph->jobs);
    }
    pf_instr_job *j = &ph->jobs[ph->n];
    memset(j, 0, sizeof *j);
    j->c = c;
    j->dbname = pf_strdup(dbname);
    j->as_owner = as_owner;
    j->iterations = iterations;
    j->iterations_from = iterations_from;
    return ph->n++;
}

static void set_unavailable(pf_instr_phase *ph, const char *msg)
{
    free(ph->unavailable);
    const char *nl = strchr(msg, '\n');
    ph->unavailable = nl ? pf_strndup(msg, (size_t)(nl - msg)) : pf_strdup(msg);
    ph->available = false;
}

/* A connection to one database of the cluster, attached to callgrind. */
typedef struct conn {
    char *dbname;
    pf_db *db;
    pf_callgrind_counter k;
} conn;

static int mark(void *arg, pf_db *db, int64_t *count, pf_error *err)
{
    return pf_callgrind_mark(arg, db, count, err);
}

static int open_conn(const pf_instr_phase *ph, const pf_target *t, pf_callgrind *cg,
                     const char *dbname, conn *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    char *dsn = pf_db_dsn_with_dbname(t->admin_dsn, dbname);
    int rc = pf_db_connect(&out->db, dsn, err);
    free(dsn);
    if (rc == 0 && ph->statement_timeout_ms > 0) {
        char *sql = pf_asprintf("SET statement_timeout = %.0f", ph->statement_timeout_ms);
        rc = pf_db_exec(out->db, sql, err);
        free(sql);
    }
    if (rc == 0)
        rc = pf_callgrind_attach(cg, out->db, &out->k, err);
    if (rc < 0) {
        pf_db_close(out->db);
        out->db = NULL;
        if (err)
            err->code = PF_EXIT_INFRA;
        return -1;
    }
    out->dbname = pf_strdup(dbname);
    return 0;
}

static void close_conn(conn *c)
{
    pf_db_close(c->db);
    free(c->dbname);
    memset(c, 0, sizeof *c);
}

/* Count one job on conn. -1 only for infrastructure (the connection or
 * the server is gone); a case error is kept in the job. */
static int count_job(pf_instr_phase *ph, size_t i, conn *cn, uint64_t seed, pf_error *err)
{
    pf_instr_job *j = &ph->jobs[i];
    pf_instr_opts io = {0};
    io.seed = seed;
    io.iterations = j->iterations;
    if (io.iterations <= 0 && j->iterations_from >= 0 && (size_t)j->iterations_from < ph->n &&
        ph->jobs[j->iterations_from].done)
        io.iterations = ph->jobs[j->iterations_from].result.iterations;
    io.as_owner = j->as_owner;
    io.mark = mark;
    io.mark_arg = &cn->k;
    pf_error e;
    pf_error_clear(&e);
    uint64_t t0 = pf_now_ns();
    int mrc = pf_measure_instructions(cn->db, j->c, &io, &j->result, &e);
    j->ms += pf_elapsed_ms(t0);
    if (mrc == 0) {
        j->done = true;
    } else {
        if (e.code == PF_EXIT_INFRA || pf_db_broken(cn->db)) {
            *err = e;
            err->code = PF_EXIT_INFRA;
            return -1;
        }
        j->error = pf_strdup(e.msg);
    }
    if (ph->on_job)
        ph->on_job(ph->arg, j, i, ph->n);
    return 0;
}

/* The read cases, in request order, one connection per database. */
static int run_reads(pf_instr_phase *ph, const pf_target *t, pf_callgrind *cg, uint64_t seed,
                     pf_error *err)
{
    conn *conns = pf_calloc(ph->n + 1, sizeof *conns);
    size_t nconn = 0;
    int rc = 0;
    for (size_t i = 0; i < ph->n && rc == 0; i++) {
        pf_instr_job *j = &ph->jobs[i];
        if (j->c->writes || j->done)
            continue;
        if (pf_interrupt_signal() != 0) {
            rc = pf_error_set(err, PF_EXIT_INFRA, "interrupted");
            break;
        }
        conn *cn = NULL;
        for (size_t k = 0; k < nconn && cn == NULL; k++)
            if (strcmp(conns[k].dbname, j->dbname) == 0)
                cn = &conns[k];
        if (cn == NULL) {
            rc = open_conn(ph, t, cg, j->dbname, &conns[nconn], err);
            if (rc < 0)
                break;
            cn = &conns[nconn++];
        }
        rc = count_job(ph, i, cn, seed, err);
    }
    for (size_t k = 0; k < nconn; k++)
        close_conn(&conns[k]);
    free(conns);
    return rc;
}

/* Name of the throw-away copy for write job i. */
static char *copy_name(const pf_instr_job *j, size_t i)
{
    return pf_asprintf("%s_instr_%zu", j->dbname, i);
}

/* Copy the database of every write job natively, before the restart under
 * callgrind: a copy made under valgrind costs seconds (a backend copying
 * files and two checkpoints, all instrumented). */
static int make_copies(pf_instr_phase *ph, const pf_target *t, pf_error *err)
{
    for (size_t i = 0; i < ph->n; i++) {
        pf_instr_job *j = &ph->jobs[i];
        if (!j->c->writes || j->done)
            continue;
        char *name = copy_name(j, i);
        uint64_t t0 = pf_now_ns();
        int rc = pf_target_clone_db(t, j->dbname, name, err);
        j->ms = pf_elapsed_ms(t0);
        free(name);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static void drop_copies(const pf_instr_phase *ph, const pf_target *t)
{
    for (size_t i = 0; i < ph->n; i++)
        if (ph->jobs[i].c->writes && !ph->jobs[i].cached) {
            char *name = copy_name(&ph->jobs[i], i);
            pf_target_drop_db(t, name);
            free(name);
        }
}

/* The write cases, each in its fresh copy of its database. */
static int run_writes(pf_instr_phase *ph, const pf_target *t, pf_callgrind *cg, uint64_t seed,
                      pf_error *err)
{
    for (size_t i = 0; i < ph->n; i++) {
        pf_instr_job *j = &ph->jobs[i];
        if (!j->c->writes || j->done)
            continue;
        if (pf_interrupt_signal() != 0)
            return pf_error_set(err, PF_EXIT_INFRA, "interrupted");
        char *name = copy_name(j, i);
        conn cn;
        memset(&cn, 0, sizeof cn);
        int rc = open_conn(ph, t, cg, name, &cn, err);
        if (rc == 0)
            rc = count_job(ph, i, &cn, seed, err);
        close_conn(&cn);
        free(name);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static void read_server_build(pf_instr_phase *ph, const pf_target *t)
{
    pf_db *db = NULL;
    pf_error e;
    if (pf_db_connect(&db, t->admin_dsn, &e) == 0)
        pf_db_query_value(db, "SELECT version()", &ph->server_build, &e);
    pf_db_close(db);
    if (ph->server_build == NULL)
        ph->server_build = pf_strdup("");
}

/* Every job that ran counted nothing at all: the server binary lacks the
 * functions' symbols (or callgrind could not see them). */
static bool counted_nothing(const pf_instr_phase *ph)
{
    bool any = false;
    for (size_t i = 0; i < ph->n; i++) {
        const pf_instr_job *j = &ph->jobs[i];
        if (!j->done)
            continue;
        any = true;
        if (j->result.with_statement > 0 || j->result.probe_per_execution > 0)
            return false;
    }
    return any;
}

/* ---- the count cache ----------------------------------------------- */

static const char *db_key_of(const pf_instr_phase *ph, const char *dbname)
{
    for (size_t i = 0; ph->db_names != NULL && ph->db_names[i] != NULL; i++)
        if (strcmp(ph->db_names[i], dbname) == 0)
            return ph->db_keys[i];
    return NULL;
}

/* The cache key of job i counted over n draws; false when it has none. */
static bool job_key(const pf_instr_phase *ph, size_t i, uint64_t seed, int n, char out[17])
{
    const pf_instr_job *j = &ph->jobs[i];
    const char *db = db_key_of(ph, j->dbname);
    if (db == NULL || n < 0)
        return false;
    pf_cache_key k;
    pf_cache_key_init(&k, "instr");
    pf_cache_key_str(&k, "database", db);
    pf_cache_key_str(&k, "method", PF_INSTR_METHOD);
    pf_cache_key_str(&k, "valgrind", ph->info.version);
    pf_cache_key_str(&k, "arch", ph->info.arch);
    pf_cache_key_str(&k, "server", ph->server_build);
    pf_cache_key_str(&k, "group", j->c->group);
    pf_cache_key_str(&k, "name", j->c->name);
    pf_cache_key_str(&k, "sql", j->c->prepared_sql);
    pf_cache_key_str(&k, "params", j->c->params_sql);
    pf_cache_key_str(&k, "draws", j->c->draws);
    pf_cache_key_num(&k, "identity", j->c->identity);
    pf_cache_key_num(&k, "writes", j->c->writes);
    pf_cache_key_num(&k, "owner", j->as_owner);
    pf_cache_key_num(&k, "seed", (double)seed);
    pf_cache_key_num(&k, "iterations", n);
    pf_cache_key_hex(&k, out);
    return true;
}

/* The draws a job was asked to count over: its own, its source's once
 * that is known (-1 before), or 0 for "chosen from the cost". A count is
 * cached under what was asked. */
static int asked_draws(const pf_instr_phase *ph, size_t i)
{
    const pf_instr_job *j = &ph->jobs[i];
    if (j->iterations > 0)
        return j->iterations;
    if (j->iterations_from < 0)
        return 0;
    if ((size_t)j->iterations_from < ph->n && ph->jobs[j->iterations_from].done)
        return ph->jobs[j->iterations_from].result.iterations;
    return -1;
}

static bool read_count(const char *text, pf_instructions *out)
{
    pf_json *doc = NULL;
    pf_error e;
    if (pf_json_parse("instruction cache", text, &doc, &e) < 0)
        return false;
    pf_json_val root;
    pf_json_root(doc, &root);
    int64_t pe = 0, with = 0, without = 0, probe = 0;
    int n = 0;
    bool ok = pf_json_get_int64(&root, "per_execution", PF_JSON_REQUIRED, 0, INT64_MAX, &pe) == 0 &&
              pf_json_get_int(&root, "iterations", PF_JSON_REQUIRED, 1, 1000, &n) == 0 &&
              pf_json_get_int64(&root, "with_statement", PF_JSON_REQUIRED, 0, INT64_MAX, &with) ==
                  0 &&
              pf_json_get_int64(&root, "without_statement", PF_JSON_REQUIRED, 0, INT64_MAX,
                                &without) == 0 &&
              pf_json_get_int64(&root, "probe_per_execution", PF_JSON_REQUIRED, 0, INT64_MAX,
                                &probe) == 0;
    pf_json_free(doc);
    if (ok) {
        out->per_execution = pe;
        out->iterations = n;
        out->with_statement = with;
        out->without_statement = without;
        out->probe_per_execution = probe;
    }
    return ok;
}

/* Take every count the cache has, in request order (a job that takes its
 * draws from another can only be looked up once that one is known). */
static void take_cached(pf_instr_phase *ph, uint64_t seed)
{
    for (size_t i = 0; ph->cache != NULL && i < ph->n; i++) {
        pf_instr_job *j = &ph->jobs[i];
        char key[17];
        if (!job_key(ph, i, seed, asked_draws(ph, i), key))
            continue;
        char *text = NULL;
        pf_error e;
        if (pf_cache_get_text(ph->cache, "instr", key, &text, &e) == 0 &&
            read_count(text, &j->result)) {
            j->done = j->cached = true;
            ph->n_cached++;
            if (ph->on_job)
                ph->on_job(ph->arg, j, i, ph->n);
        }
        free(text);
    }
}

/* Keep what this run counted, under what was asked. */
static void store_counts(pf_instr_phase *ph, uint64_t seed)
{
    for (size_t i = 0; ph->cache != NULL && i < ph->n; i++) {
        pf_instr_job *j = &ph->jobs[i];
        char key[17];
        if (!j->done || j->cached || !job_key(ph, i, seed, asked_draws(ph, i), key))
            continue;
        char *text = pf_asprintf("{\"per_execution\": %lld, \"iterations\": %d, "
                                 "\"with_statement\": %lld, \"without_statement\": %lld, "
                                 "\"probe_per_execution\": %lld}\n",
                                 (long long)j->result.per_execution, j->result.iterations,
                                 (long long)j->result.with_statement,
                                 (long long)j->result.without_statement,
                                 (long long)j->result.probe_per_execution);
        pf_error e;
        pf_cache_put_text(ph->cache, "instr", key, text, &e);
        free(text);
    }
    if (ph->cache != NULL)
        pf_cache_trim(ph->cache, "instr", (uint64_t)64 << 20);
}

static bool all_done(const pf_instr_phase *ph)
{
    for (size_t i = 0; i < ph->n; i++)
        if (!ph->jobs[i].done)
            return false;
    return true;
}

int pf_instr_run(pf_instr_phase *ph, pf_target *t, uint64_t seed, pf_error *err)
{
    uint64_t t0 = pf_now_ns();
    ph->ran = true;
    ph->available = false;
    if (!pf_target_owned(t)) {
        set_unavailable(ph, "instructions not counted: they need a server perfgate starts itself "
                            "(not --dsn)");
        return 0;
    }
    if (ph->n == 0) {
        ph->available = true;
        return 0;
    }
    pf_error pe;
    pf_error_clear(&pe);
    if (pf_callgrind_probe(&ph->info, &pe) < 0) {
        set_unavailable(ph, pe.msg);
        return 0;
    }
    /* The build counted on: the native server is the same binary. */
    read_server_build(ph, t);
    take_cached(ph, seed);
    if (all_done(ph)) {
        ph->available = true;
        ph->ms = pf_elapsed_ms(t0);
        return 0;
    }
    if (make_copies(ph, t, err) < 0) {
        drop_copies(ph, t);
        return -1;
    }
    pf_callgrind *cg = NULL;
    uint64_t ts = pf_now_ns();
    int started = pf_callgrind_start(t->cluster, &ph->info, &cg, &pe);
    ph->start_ms = pf_elapsed_ms(ts);
    if (started < 0) {
        drop_copies(ph, t);
        if (!pf_db_ping(t->admin_dsn)) {
            *err = pe;
            err->code = PF_EXIT_INFRA;
            return -1;
        }
        char *msg = pf_asprintf("instructions not counted: %s", pe.msg);
        set_unavailable(ph, msg);
        free(msg);
        return 0;
    }
    int rc = run_reads(ph, t, cg, seed, err);
    if (rc == 0)
        rc = run_writes(ph, t, cg, seed, err);
    pf_error se;
    pf_error_clear(&se);
    uint64_t tq = pf_now_ns();
    int stopped = pf_callgrind_stop(cg, &se);
    ph->stop_ms = pf_elapsed_ms(tq);
    if (stopped < 0 && rc == 0) {
        *err = se;
        rc = -1;
    }
    if (stopped == 0)
        drop_copies(ph, t);
    ph->available = rc == 0;
    if (rc == 0 && counted_nothing(ph))
        set_unavailable(ph, "instructions not counted: callgrind saw no instruction in "
                            "PortalRun (does this server binary export its symbols?)");
    else if (rc == 0)
        store_counts(ph, seed);
    ph->ms = pf_elapsed_ms(t0);
    return rc;
}

char *pf_instr_mismatch(const pf_instr_phase *ph, const char *method, const char *valgrind,
                        const char *arch, const char *server_build)
{
    if (method == NULL || strcmp(method, PF_INSTR_METHOD) != 0)
        return pf_asprintf("counted another way (%s)", method ? method : "unknown");
    if (arch == NULL || strcmp(arch, ph->info.arch ? ph->info.arch : "") != 0)
        return pf_asprintf("counted on %s, this machine is %s", arch ? arch : "?",
                           ph->info.arch ? ph->info.arch : "?");
    if (server_build == NULL ||
        strcmp(server_build, ph->server_build ? ph->server_build : "") != 0)
        return pf_asprintf("counted on another server build (%s), this one is %s",
                           server_build ? server_build : "?",
                           ph->server_build ? ph->server_build : "?");
    if (valgrind == NULL || strcmp(valgrind, ph->info.version ? ph->info.version : "") != 0)
        return pf_asprintf("counted with valgrind %s, this machine has %s",
                           valgrind ? valgrind : "?", ph->info.version ? ph->info.version : "?");
    return NULL;
}
