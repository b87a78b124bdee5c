/* The gate run: one static function per phase, in the order pf_gate_run
 * calls them (gate.h lists the phases). */
#include "gate.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baselines.h"
#include "cache.h"
#include "dataset.h"
#include "db.h"
#include "fsutil.h"
#include "gitbase.h"
#include "prepare.h"
#include "interrupt.h"
#include "json.h"
#include "rng.h"
#include "stats.h"
#include "target.h"
#include "timeutil.h"

/* Settings recorded in baselines: the ones that change plans or costs. */
static const char *const k_settings[] = {
    "jit",          "max_parallel_workers_per_gather", "plan_cache_mode", "random_page_cost",
    "seq_page_cost", "effective_cache_size",           "work_mem",        "shared_buffers",
    "enable_seqscan", "enable_indexscan",              "enable_bitmapscan", "enable_hashjoin",
    "enable_mergejoin", "enable_nestloop",             "from_collapse_limit", "join_collapse_limit",
    NULL,
};

void pf_gate_opts_init(pf_gate_opts *o)
{
    memset(o, 0, sizeof *o);
    o->scale = 1.0;
    o->jobs = 2;
    o->statement_timeout_ms = 60000;
    o->rules = pf_rules_default();
}

static int capture_env(pf_db *db, const pf_dataset *ds, const pf_gate_opts *o, uint64_t seed,
                       pf_env *env, pf_error *err)
{
    memset(env, 0, sizeof *env);
    char *v = NULL;
    if (pf_db_query_value(db, "SHOW server_version", &v, err) < 0)
        return -1;
    /* "15.20 (Debian 15.20-0+deb12u1)": keep the number. */
    if (v != NULL)
        v[strcspn(v, " ")] = '\0';
    env->server_version = v ? v : pf_strdup("");
    env->server_major = pf_db_server_version(db) / 10000;
    size_t n = 0;
    while (k_settings[n])
        n++;
    env->setting_names = pf_calloc(n + 1, sizeof *env->setting_names);
    env->setting_values = pf_calloc(n + 1, sizeof *env->setting_values);
    for (size_t i = 0; i < n; i++) {
        char *sql = pf_asprintf("SHOW %s", k_settings[i]);
        char *val = NULL;
        int rc = pf_db_query_value(db, sql, &val, err);
        free(sql);
        if (rc < 0)
            return -1;
        env->setting_names[i] = pf_strdup(k_settings[i]);
        env->setting_values[i] = val ? val : pf_strdup("");
    }
    env->dataset_name = pf_strdup(ds->name);
    env->dataset_hash = pf_strdup(ds->hash);
    env->scale = o->scale;
    env->seed = seed;
    return 0;
}

/* A measurement connection: no statement may run longer than the timeout,
 * so a pathological case fails with an error instead of hanging the job. */
static int connect_work(const pf_gate_opts *o, const char *dsn, pf_db **db, pf_error *err)
{
    if (pf_db_connect(db, dsn, err) < 0)
        return -1;
    if (o->statement_timeout_ms <= 0)
        return 0;
    char *sql = pf_asprintf("SET statement_timeout = %.0f", o->statement_timeout_ms);
    int rc = pf_db_exec(*db, sql, err);
    free(sql);
    return rc;
}

static void phase(const pf_gate_opts *o, const char *name, double ms)
{
    if (o->on_phase)
        o->on_phase(o->arg, name, ms);
}

/* Load every relation of a database into shared_buffers (pg_prewarm), so
 * all databases a measurement compares start equally warm: a fresh copy
 * (the base revision's database, a write case's copy) otherwise reads its
 * pages from the OS cache while the seeded one hits shared_buffers, and a
 * cheap query pays visibly for each cold page. Best effort: only on
 * perfgate's own server (it creates an extension), errors ignored. */
static void prewarm(const pf_target *t, const char *dsn)
{
    if (!pf_target_owned(t))
        return;
    pf_db *db = NULL;
    pf_error e;
    if (pf_db_connect(&db, dsn, &e) < 0)
        return;
    if (pf_db_exec(db, "CREATE EXTENSION IF NOT EXISTS pg_prewarm", &e) == 0)
        pf_db_exec(db,
                   "SELECT count(pg_prewarm(c.oid)) FROM pg_class c "
                   "JOIN pg_namespace n ON n.oid = c.relnamespace "
                   "WHERE c.relkind IN ('r', 'i', 't', 'm') AND c.relpersistence = 'p' "
                   "AND n.nspname NOT IN ('pg_catalog', 'information_schema')",
                   &e);
    pf_db_close(db);
}

/* A throw-away copy `name` of database src on perfgate's own server,
 * warmed and connected into *db. The one rule for a copy that fails, on
 * the single and the paired path alike: the server's fault, not the
 * case's (PF_EXIT_INFRA, the run stops). The caller drops `name`. */
static int open_copy(const pf_gate_opts *o, const pf_target *t, const char *src, const char *name,
                     pf_db **db, pf_error *err)
{
    char *dsn = pf_db_dsn_with_dbname(t->admin_dsn, name);
    int rc = pf_target_clone_db(t, src, name, err);
    if (rc == 0) {
        prewarm(t, dsn);
        rc = connect_work(o, dsn, db, err);
    }
    if (rc < 0 && err)
        err->code = PF_EXIT_INFRA;
    free(dsn);
    return rc;
}

/* Measure case r->c, on the main database or in a fresh clone. */
static int measure_one(const pf_gate_opts *o, const pf_target *t, pf_db **main_db,
                       pf_case_result *r, uint64_t seed, pf_measurement *m, pf_error *err)
{
    pf_measure_opts mo = {0};
    mo.seed = seed;
    mo.iterations = o->iterations;
    if (!r->c->writes || !pf_target_owned(t)) {
        if (r->c->writes)
            r->ran_in_place = true;
        return pf_measure_case(*main_db, r->c, &mo, m, err);
    }
    /* The template must have no other connections. */
    pf_db_close(*main_db);
    *main_db = NULL;
    char *name = pf_asprintf("%s_case", t->dbname);
    pf_db *db = NULL;
    int rc = open_copy(o, t, t->dbname, name, &db, err);
    if (rc == 0) {
        rc = pf_measure_case(db, r->c, &mo, m, err);
        m->in_clone = true;
    }
    pf_db_close(db);
    pf_target_drop_db(t, name);
    free(name);
    int rc2 = connect_work(o, t->dsn, main_db, rc == 0 ? err : NULL);
    return rc < 0 ? rc : rc2;
}

/* Hash of every *.sql file (name and content) of a schema directory. */
static uint64_t dir_hash(const char *dir)
{
    char **names = NULL;
    size_t n = 0;
    pf_error ignored;
    uint64_t h = PF_RNG_HASH_INIT;
    if (pf_dir_list(dir, ".sql", &names, &n, &ignored) < 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char *path = pf_path_join(dir, names[i]), *text = NULL;
        size_t len = 0;
        h = pf_rng_hash_bytes(h, names[i], strlen(names[i]) + 1);
        if (pf_file_read(path, &text, &len, &ignored) == 0)
            h = pf_rng_hash_bytes(h, text, len);
        free(text);
        free(path);
    }
    pf_strv_free(names);
    return h;
}

#define BASE_DB "perfgate_base"

/* The base revision's database, on the same server as the head's; caller
 * frees. */
static char *base_dsn(const pf_target *t)
{
    return pf_db_dsn_with_dbname(t->admin_dsn ? t->admin_dsn : t->dsn, BASE_DB);
}

/* The head database's name and where to create the base database from.
 * On a server given by --dsn the head database is the one the DSN names,
 * and a TEMPLATE copy of it must be made from another database (the
 * copy needs its source without sessions). Caller frees both. */
static int base_admin(const pf_target *t, bool same, char **head, char **admin_dsn,
                      pf_error *err)
{
    *head = NULL;
    *admin_dsn = NULL;
    if (t->dbname != NULL) {
        *head = pf_strdup(t->dbname);
        *admin_dsn = pf_strdup(t->admin_dsn ? t->admin_dsn : t->dsn);
        return 0;
    }
    pf_db *db = NULL;
    int rc = pf_db_connect(&db, t->dsn, err);
    if (rc == 0)
        rc = pf_db_query_value(db, "SELECT current_database()", head, err);
    pf_db_close(db);
    if (rc < 0 || *head == NULL) {
        free(*head);
        *head = NULL;
        return rc < 0 ? -1 : pf_error_set(err, PF_EXIT_INFRA, "no current database on --dsn");
    }
    if (!same)
        *admin_dsn = pf_strdup(t->dsn);
    else
        *admin_dsn = pf_db_dsn_with_dbname(t->dsn, strcmp(*head, "postgres") == 0 ? "template1"
                                                                                   : "postgres");
    return 0;
}

/* The base revision's database in the same cluster: a TEMPLATE copy of the
 * head database when schema and data are the same, else built from the
 * base schema and dataset. The head connection is closed meanwhile. */
static int prepare_base_db(const pf_gate_opts *o, const pf_target *t, const pf_gitbase *gb,
                           const pf_dataset *base_ds, uint64_t seed, bool same, pf_db **main_db,
                           pf_error *err)
{
    pf_db_close(*main_db);
    *main_db = NULL;
    char *head = NULL, *admin_dsn = NULL;
    int rc = base_admin(t, same, &head, &admin_dsn, err);
    pf_db *admin = NULL;
    if (rc == 0)
        rc = pf_db_connect(&admin, admin_dsn, err);
    char *id = pf_db_ident(BASE_DB), *src = pf_db_ident(head ? head : "");
    free(head);
    free(admin_dsn);
    char *drop = pf_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", id);
    char *create = same ? pf_asprintf("CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY", id, src)
                        : pf_asprintf("CREATE DATABASE %s", id);
    if (rc == 0)
        rc = pf_db_exec(admin, drop, err);
    if (rc == 0)
        rc = pf_db_exec(admin, create, err);
    if (rc < 0)
        pf_error_prefix(err, "--base needs a server where perfgate may create a database");
    free(drop);
    free(create);
    free(id);
    free(src);
    pf_db_close(admin);
    char *dsn = base_dsn(t);
    if (rc == 0 && !same) {
        pf_prepare_opts po;
        pf_prepare_opts_init(&po);
        po.schema_dir = gb->schema_dir;
        po.auth_shim = o->auth_shim;
        po.dataset = base_ds;
        po.seed_sql = o->seed_sql;
        po.seed = seed;
        po.seed_given = true;
        po.scale = o->scale;
        po.jobs = o->jobs;
        pf_prepare_result pr;
        rc = pf_prepare_run(dsn, &po, &pr, err);
        pf_prepare_result_dispose(&pr);
        if (rc < 0)
            pf_error_prefix(err, "building the base revision's database");
    }
    free(dsn);
    int rc2 = connect_work(o, t->dsn, main_db, rc == 0 ? err : NULL);
    return rc < 0 ? rc : rc2;
}

/* Put both sides' server processes on the same CPU. Base and head never run
 * at the same time (the iterations alternate), so this costs nothing, and a
 * vCPU that is contended or loses time to the host for a while slows both
 * sides alike instead of one. Measured: without it, 1 in 20 same-run A/A
 * runs had every case 1.3-1.6x slower on one side. Best effort: needs
 * permission to set another process's affinity (root, or the server's
 * own user: perfgate's disposable clusters). */
static void pin_backends(pf_db *a, pf_db *b)
{
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return;
    int cpu = -1;
    for (int i = CPU_SETSIZE - 1; i >= 0 && cpu < 0; i--)
        if (CPU_ISSET(i, &allowed))
            cpu = i;
    if (cpu < 0 || CPU_COUNT(&allowed) < 2)
        return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pf_db *dbs[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        char *pid = NULL;
        pf_error e;
        if (pf_db_query_value(dbs[k], "SELECT pg_backend_pid()", &pid, &e) == 0 && pid != NULL)
            sched_setaffinity((pid_t)atol(pid), sizeof one, &one);
        free(pid);
    }
}

/* Measure a case and its base version, interleaved, into head and base;
 * write cases in fresh copies of both databases on perfgate's own server,
 * in place on a server given by --dsn (as measure_one: every iteration is
 * rolled back). */
static int measure_paired(const pf_gate_opts *o, const pf_target *t, pf_db **main_db,
                          pf_case_result *r, uint64_t seed, pf_measurement *base,
                          pf_measurement *head, pf_error *err)
{
    pf_measure_opts mo = {0};
    mo.seed = seed;
    mo.iterations = o->iterations;
    bool writes = r->c->writes || r->base_case->writes;
    bool clones = writes && pf_target_owned(t);
    if (writes && !clones)
        r->ran_in_place = true;
    int rc = 0;
    pf_db *hdb = *main_db, *bdb = NULL;
    char *hname = NULL, *bname = NULL;
    if (clones) {
        /* The templates must have no other connections. */
        pf_db_close(*main_db);
        *main_db = NULL;
        hdb = NULL;
        hname = pf_asprintf("%s_case", t->dbname);
        bname = pf_strdup(BASE_DB "_case");
        rc = open_copy(o, t, t->dbname, hname, &hdb, err);
        if (rc == 0)
            rc = open_copy(o, t, BASE_DB, bname, &bdb, err);
    } else {
        char *bdsn = base_dsn(t);
        rc = connect_work(o, bdsn, &bdb, err);
        free(bdsn);
    }
    if (rc == 0 && pf_target_owned(t))
        pin_backends(bdb, hdb);
    if (rc == 0)
        rc = pf_measure_pair(bdb, r->base_case, hdb, r->c, &mo, base, head, err);
    pf_db_close(bdb);
    if (clones) {
        pf_db_close(hdb);
        pf_target_drop_db(t, hname);
        pf_target_drop_db(t, bname);
        int rc2 = connect_work(o, t->dsn, main_db, rc == 0 ? err : NULL);
        if (rc == 0)
            rc = rc2;
    }
    free(hname);
    free(bname);
    return rc;
}

/* The count of instruction job `job`, NULL when there is none. */
static const pf_instructions *job_result(const pf_gate_result *g, long job)
{
    if (job < 0 || !g->instr.available || (size_t)job >= g->instr.n)
        return NULL;
    const pf_instr_job *j = &g->instr.jobs[job];
    return j->done ? &j->result : NULL;
}

const pf_instructions *pf_gate_instr(const pf_gate_result *g, const pf_case_result *r)
{
    return job_result(g, r->instr_job);
}

const pf_instructions *pf_gate_base_instr(const pf_gate_result *g, const pf_case_result *r)
{
    return job_result(g, r->base_instr_job);
}

static void fill_instructions(pf_baseline *b, const pf_gate_result *g, const pf_case_result *r)
{
    const pf_instructions *in = pf_gate_instr(g, r);
    if (in == NULL)
        return;
    b->has_instructions = true;
    b->instructions = in->per_execution;
    b->instr_iterations = in->iterations;
    b->instr_method = pf_strdup(PF_INSTR_METHOD);
    b->instr_valgrind = pf_strdup(g->instr.info.version ? g->instr.info.version : "");
    b->instr_arch = pf_strdup(g->instr.info.arch ? g->instr.info.arch : "");
    b->instr_server_build = pf_strdup(g->instr.server_build ? g->instr.server_build : "");
}

static void fill_baseline(pf_baseline *b, const pf_case_result *r, const pf_env *env,
                          double calibration_ms)
{
    memset(b, 0, sizeof *b);
    const pf_measurement *m = &r->m;
    b->format = PF_BASELINE_FORMAT;
    b->case_name = pf_strdup(r->c->name);
    b->group = pf_strdup(r->c->group);
    b->file = pf_strdup(r->c->file);
    b->sql_hash = pf_strdup(r->c->sql_hash);
    pf_env_copy(&b->env, env);
    b->n = (int)m->n_samples;
    b->median_ms = m->latency.median;
    b->p95_ms = m->latency.p95;
    b->p99_ms = m->latency.p99;
    b->mean_ms = m->latency.mean;
    b->stddev_ms = m->latency.stddev;
    /* The case's own calibration: what its median is normalised by. */
    b->calibration_ms = m->calibration_ms > 0 ? m->calibration_ms : calibration_ms;
    b->normalized_median = b->calibration_ms > 0 ? m->latency.median / b->calibration_ms : 0;
    pf_baseline_set_quantiles(b, m->samples_ms, m->n_samples);
    b->work = m->work;
    b->function_calls = m->function_calls;
    pf_baseline_set_plan(b, m->fingerprint, m->plan_summary, m->plan_nodes);
}

static void judge(const pf_gate_opts *o, const pf_gate_result *g, pf_case_result *r,
                  double calibration_ms, double spread, bool confirming)
{
    pf_verdict_input in = {0};
    in.instr = pf_gate_instr(g, r);
    in.base_instr = pf_gate_base_instr(g, r);
    in.instr_note = r->instr_note;
    in.c = r->c;
    in.m = r->error ? NULL : &r->m;
    in.error = r->error;
    in.calibration_ms = calibration_ms;
    in.baseline = r->has_baseline ? &r->baseline : NULL;
    in.mismatch = r->mismatch;
    in.confirming = confirming;
    in.base = r->has_base ? &r->base_m : NULL;
    in.calibration_spread = spread;
    pf_verdict_dispose(&r->v);
    pf_verdict_judge(&in, &o->rules, &r->v);
    if (r->ran_in_place) {
        char *d = pf_asprintf("%s  note            a write case run in place (no throw-away "
                              "database on this server): its work metrics depend on the cases "
                              "before it\n",
                              r->v.details);
        free(r->v.details);
        r->v.details = d;
    }
}

/* Request the instruction counts: every case (over its baseline's draws,
 * else as many as its cost allows), its base revision's version over the
 * same draws, and the RLS overhead pairs. */
static int plan_instructions(const pf_gate_opts *o, const pf_target *t, pf_gate_result *out,
                             pf_error *err)
{
    for (size_t i = 0; i < out->n_cases; i++) {
        pf_case_result *r = &out->cases[i];
        int n = r->has_baseline && r->baseline.has_instructions ? r->baseline.instr_iterations : 0;
        r->instr_job = (long)pf_instr_add(&out->instr, r->c, t->dbname, false, n, -1);
        if (r->base_case != NULL)
            r->base_instr_job = (long)pf_instr_add(&out->instr, r->base_case, BASE_DB, false, 0,
                                                   (int)r->instr_job);
    }
    if (o->rls_rules != NULL &&
        pf_rls_overhead_plan_instr(&out->instr, out->registry, t->dbname, o->baselines_dir,
                               &out->rls_instr, err) < 0)
        return -1;
    return 0;
}

/* Why a case's instructions are not judged, or NULL. */
static char *instr_note_of(const pf_gate_result *g, const pf_case_result *r)
{
    if (!g->instr.available)
        return g->instr.unavailable ? pf_strdup(g->instr.unavailable) : NULL;
    const pf_instr_job *j = r->instr_job >= 0 ? &g->instr.jobs[r->instr_job] : NULL;
    if (j != NULL && !j->done && j->error != NULL) {
        const char *nl = strchr(j->error, '\n');
        return pf_asprintf("not counted: %.*s", nl ? (int)(nl - j->error) : (int)strlen(j->error),
                           j->error);
    }
    if (r->base_case != NULL) {
        const pf_instr_job *bj = r->base_instr_job >= 0 ? &g->instr.jobs[r->base_instr_job] : NULL;
        if (bj != NULL && !bj->done)
            return pf_strdup("the base revision's count failed");
        return NULL;
    }
    if (!r->has_baseline || !r->baseline.has_instructions || j == NULL || !j->done)
        return NULL;
    const pf_baseline *b = &r->baseline;
    char *mm = pf_instr_mismatch(&g->instr, b->instr_method, b->instr_valgrind, b->instr_arch,
                                 b->instr_server_build);
    if (mm == NULL && b->instr_iterations != j->result.iterations)
        mm = pf_asprintf("counted over %d draws, the baseline over %d", j->result.iterations,
                         b->instr_iterations);
    if (mm != NULL) {
        char *note = pf_asprintf("baseline not comparable: %s; re-record with --update-baselines",
                                 mm);
        free(mm);
        return note;
    }
    return NULL;
}

/* The instruction phase: the server under callgrind for every requested
 * count, then native again. Without a server of our own or valgrind, one
 * line says why and the metric is skipped. */
static int count_instructions(const pf_gate_opts *o, pf_target *t, pf_gate_result *out,
                              uint64_t seed, pf_cache *cache, const char *const db_keys[2],
                              pf_error *err)
{
    if (o->no_instructions) {
        out->instr.unavailable = pf_strdup("instructions not counted (--no-instructions)");
        return 0;
    }
    if (pf_target_owned(t) && plan_instructions(o, t, out, err) < 0)
        return -1;
    /* Five times the native statement timeout: callgrind runs a backend
     * 20-50x slower, and the timed phase has not yet shown how slow a case
     * is; a pathological case is cut off rather than stalling the run. */
    out->instr.statement_timeout_ms = 5 * o->statement_timeout_ms;
    out->instr.on_job = o->on_instr_job;
    out->instr.arg = o->arg;
    /* Counts are kept per database content: the head database's seeded key,
     * and the base's (a copy of the head, or built from the base files). */
    out->instr.cache = cache;
    if (cache != NULL && db_keys[0] != NULL)
        pf_instr_set_db_key(&out->instr, t->dbname, db_keys[0]);
    if (cache != NULL && db_keys[1] != NULL)
        pf_instr_set_db_key(&out->instr, BASE_DB, db_keys[1]);
    if (pf_instr_run(&out->instr, t, seed, err) < 0)
        return -1;
    for (size_t i = 0; i < out->n_cases; i++)
        out->cases[i].instr_note = instr_note_of(out, &out->cases[i]);
    if (o->on_phase != NULL && out->instr.available && out->instr.n > 0) {
        char name[160];
        if (out->instr.n_cached == out->instr.n)
            snprintf(name, sizeof name, "instructions (%zu counts, all from the cache)",
                     out->instr.n);
        else
            snprintf(name, sizeof name,
                     "instructions (%zu counts under callgrind, %zu from the cache; restart "
                     "under callgrind %.1f s, back %.1f s)",
                     out->instr.n - out->instr.n_cached, out->instr.n_cached,
                     out->instr.start_ms / 1000, out->instr.stop_ms / 1000);
        phase(o, name, out->instr.ms);
    }
    return 0;
}

/* One gate run between its phases: what pf_gate_run holds besides the
 * result, each phase below taking it a step further. */
typedef struct gate_run {
    const pf_gate_opts *o;
    pf_gate_result *out;
    pf_dataset *ds;
    uint64_t seed;        /* the data's seed: --seed, else the dataset's */
    pf_prepare *prep;     /* the head database's preparation, planned before a server */
    pf_target t;
    pf_db *db;            /* the measuring connection (statement timeout set) */
    pf_gitbase gb;        /* --base: the base revision's files */
    pf_dataset *base_ds;
    bool same_base;       /* base schema and data equal the head's: clone the database */
    double cal[3];        /* calibration at the start, middle and end of the measurements */
    uint64_t measure_start;
    pf_cache *cache;      /* NULL: no caching */
    pf_prepare_key key;   /* the head database's seeded-cache key */
    char *entry;          /* its cached data directory (a hit), else NULL */
    char *cached_checksum; /* the hit's data checksum */
} gate_run;

/* ---- the seeded-database cache ------------------------------------------
 * A database prepared from the same schema, dataset, seed, scale, server
 * build and perfgate binary is the same database: its data directory is
 * kept (pf_cluster_snapshot) and a later run starts from a copy instead of
 * initdb + schema + seed. The key says everything an entry depends on; a
 * miss says in one line what changed since the last entry. */

#define SEEDED_BUDGET_MB 2048

/* The budget of the seeded entries: $PERFGATE_CACHE_MAX_MB, else 2 GiB. */
static uint64_t seeded_budget(void)
{
    const char *v = getenv("PERFGATE_CACHE_MAX_MB");
    long long mb = v && *v ? atoll(v) : SEEDED_BUDGET_MB;
    return (uint64_t)(mb > 0 ? mb : SEEDED_BUDGET_MB) << 20;
}

/* What differs from the last entry stored for this database name. */
static char *miss_reason(gate_run *g)
{
    char *text = NULL;
    pf_error e;
    if (pf_cache_get_text(g->cache, "seeded-last", g->key.parts[PF_PREPARE_KEY_DATABASE], &text,
                          &e) != 0)
        return pf_strdup("no cached database yet");
    pf_buf why = PF_BUF_INIT;
    for (int i = 0; i < PF_PREPARE_KEY_PARTS; i++)
        if (strstr(text, g->key.parts[i]) == NULL)
            pf_buf_printf(&why, "%s%s", why.len ? ", " : "", pf_prepare_key_part_name(i));
    free(text);
    if (why.len == 0) {
        pf_buf_dispose(&why);
        return pf_strdup("the cached database was trimmed");
    }
    char *out = pf_asprintf("%s changed since the cached database", pf_buf_str(&why));
    pf_buf_dispose(&why);
    return out;
}

/* Open the cache and look the head database up (a disposable server that
 * perfgate seeds only). Trouble with the cache is a note, never a failure. */
static void cache_lookup(gate_run *g)
{
    const pf_gate_opts *o = g->o;
    if (o->no_cache || o->no_seed || pf_target_dsn(o->dsn) != NULL)
        return;
    pf_error e;
    pf_error_clear(&e);
    char *bindir = NULL;
    char server[17];
    if (pf_cache_open(&g->cache, o->cache_dir, &e) < 0 || pf_cluster_bindir_find(&bindir, &e) < 0 ||
        pf_cluster_initdb_key(bindir, server, &e) < 0 ||
        pf_prepare_key_make(g->prep, server, "perfgate", &g->key, &e) < 0) {
        g->out->cache_note = pf_asprintf("cache off: %s", e.msg);
        pf_cache_free(g->cache);
        g->cache = NULL;
        free(bindir);
        return;
    }
    free(bindir);
    g->entry = pf_cache_lookup(g->cache, "seeded", g->key.key);
    char *meta = NULL;
    if (g->entry != NULL && pf_cache_get_text(g->cache, "seeded-meta", g->key.key, &meta, &e) == 0) {
        pf_json *doc = NULL;
        if (pf_json_parse("seeded-meta", meta, &doc, &e) == 0) {
            pf_json_val root;
            pf_json_root(doc, &root);
            const char *sum = NULL;
            if (pf_json_get_string(&root, "checksum", PF_JSON_REQUIRED, &sum) == 0 &&
                strlen(sum) == 16)
                g->cached_checksum = pf_strdup(sum);
            pf_json_free(doc);
        }
    }
    free(meta);
    if (g->entry != NULL && g->cached_checksum == NULL) {
        free(g->entry); /* no description: treat as a miss */
        g->entry = NULL;
    }
}

/* After seeding (a miss): keep the data directory for the next run. */
static void cache_store(gate_run *g, const char *checksum)
{
    uint64_t t0 = pf_now_ns();
    pf_error e;
    pf_error_clear(&e);
    char *why = miss_reason(g);
    if (pf_cluster_snapshot(g->t.cluster, g->cache, "seeded", g->key.key, &e) == 0) {
        char *meta = pf_asprintf("{\"checksum\": \"%s\"}\n", checksum);
        pf_cache_put_text(g->cache, "seeded-meta", g->key.key, meta, &e);
        free(meta);
        pf_buf last = PF_BUF_INIT;
        pf_buf_printf(&last, "{\"key\": \"%s\", \"parts\": [", g->key.key);
        for (int i = 0; i < PF_PREPARE_KEY_PARTS; i++)
            pf_buf_printf(&last, "%s\"%s\"", i ? ", " : "", g->key.parts[i]);
        pf_buf_puts(&last, "]}\n");
        pf_cache_put_text(g->cache, "seeded-last", g->key.parts[PF_PREPARE_KEY_DATABASE],
                          pf_buf_str(&last), &e);
        pf_buf_dispose(&last);
        pf_cache_trim(g->cache, "seeded", seeded_budget());
        g->out->cache_note = pf_asprintf("seeded-database cache: %s; seeded and kept as %s in %s",
                                         why, g->key.key, pf_cache_root(g->cache));
    } else {
        g->out->cache_note = pf_asprintf("seeded-database cache: %s; seeded, but not kept: %s",
                                         why, e.msg);
    }
    free(why);
    g->out->cache_ms = pf_elapsed_ms(t0);
}

/* The rules file of a run's inputs, read at most once: for the RLS checks
 * (validated before any server starts) and for the identities cases name. */
typedef struct rules_file {
    const char *path; /* identity_rules, else rls_rules; NULL: none */
    bool loaded;
    pf_rls_rules rules;
} rules_file;

static int rules_get(rules_file *f, pf_error *err)
{
    if (!f->loaded) {
        if (pf_rls_rules_load(f->path, &f->rules, err) < 0)
            return -1;
        f->loaded = true;
    }
    return 0;
}

/* Cases may name any identity the RLS rules file declares (as well as the
 * built-in labels): each such case is checked against the file and gets the
 * role the file gives it. */
static int resolve_identities(rules_file *f, pf_registry *reg, pf_error *err)
{
    for (size_t i = 0; i < reg->n; i++) {
        pf_case *c = &reg->cases[i];
        if (!c->identity_declared)
            continue;
        if (f->path == NULL)
            return pf_error_set(err, PF_EXIT_USAGE,
                                "%s:%d: identity '%s' is not built in (%s) and no RLS rules file "
                                "declares it: give --rls-rules FILE",
                                c->file, c->identity_line, c->identity_label,
                                pf_registry_identity_labels());
        if (rules_get(f, err) < 0)
            return -1;
        const pf_rls_identity_spec *who = NULL;
        for (size_t k = 0; k < f->rules.n_identities && who == NULL; k++)
            if (strcmp(f->rules.identities[k].name, c->identity_label) == 0)
                who = &f->rules.identities[k];
        if (who == NULL)
            return pf_error_set(err, PF_EXIT_USAGE,
                                "%s:%d: identity '%s' is neither built in (%s) nor declared in %s",
                                c->file, c->identity_line, c->identity_label,
                                pf_registry_identity_labels(), f->path);
        pf_registry_resolve_identity(c, who->role);
        if (c->identity == PF_IDENTITY_AUTHENTICATED && c->params_sql == NULL)
            return pf_error_set(err, PF_EXIT_USAGE,
                                "%s:%d: identity '%s' needs a '-- params:' query returning a "
                                "user_id column",
                                c->file, c->identity_line, c->identity_label);
    }
    return 0;
}

static int read_inputs_with(gate_run *g, rules_file *f, pf_error *err)
{
    const pf_gate_opts *o = g->o;
    pf_gate_result *out = g->out;
    if (pf_registry_load(o->bench_dir, &out->registry, err) < 0 ||
        pf_dataset_load(o->dataset_path, &g->ds, err) < 0)
        return -1;
    if (o->rls_rules != NULL) {
        if (strcmp(o->rls_rules, f->path) == 0) {
            if (rules_get(f, err) < 0)
                return -1;
        } else {
            pf_rls_rules rules;
            if (pf_rls_rules_load(o->rls_rules, &rules, err) < 0)
                return -1;
            pf_rls_rules_dispose(&rules);
        }
    }
    if (resolve_identities(f, out->registry, err) < 0)
        return -1;
    for (size_t i = 0; o->rls_severities != NULL && o->rls_severities[i] != NULL; i++) {
        int idx;
        pf_rls_severity sev;
        if (pf_rls_severity_override_parse(o->rls_severities[i], &idx, &sev, err) < 0)
            return -1;
    }
    g->seed = o->seed_given ? o->seed : g->ds->default_seed;
    if (o->base_ref == NULL)
        return 0;
    if (o->update_baselines)
        return pf_error_set(err, PF_EXIT_USAGE,
                            "--base compares with a revision measured in the same run; it does not "
                            "go with --update-baselines");
    if (pf_gitbase_checkout(o->base_ref, o->schema_dir, o->dataset_path, o->bench_dir, &g->gb,
                            err) < 0 ||
        pf_registry_load(g->gb.bench_dir, &out->base_registry, err) < 0 ||
        resolve_identities(f, out->base_registry, err) < 0 ||
        pf_dataset_load(g->gb.dataset_path, &g->base_ds, err) < 0)
        return pf_error_prefix(err, "base revision %s", o->base_ref);
    out->base_commit = pf_strdup(g->gb.commit);
    g->same_base = strcmp(g->ds->hash, g->base_ds->hash) == 0 &&
                   dir_hash(o->schema_dir) == dir_hash(g->gb.schema_dir);
    return 0;
}

/* Bad input first, before any server starts: the registry, the dataset,
 * the RLS rules, and with --base the base revision's registry and dataset. */
static int read_inputs(gate_run *g, pf_error *err)
{
    rules_file f = {g->o->identity_rules != NULL ? g->o->identity_rules : g->o->rls_rules, false,
                    {0}};
    int rc = read_inputs_with(g, &f, err);
    if (f.loaded)
        pf_rls_rules_dispose(&f.rules);
    return rc;
}

static bool same_case(const pf_case *a, const pf_case *b)
{
    return strcmp(a->group, b->group) == 0 && strcmp(a->name, b->name) == 0;
}

/* A selected case's result: its baseline read, or with --base its base
 * revision's version found (the baseline is not used then). */
static int add_case(gate_run *g, const pf_case *c, pf_error *err)
{
    pf_gate_result *out = g->out;
    pf_case_result *r = &out->cases[out->n_cases++];
    r->c = c;
    r->instr_job = r->base_instr_job = -1;
    r->baseline_path = pf_baselines_case_path(g->o->baselines_dir, c->group, c->name);
    int br = pf_baseline_read(r->baseline_path, &r->baseline, err);
    if (br < 0)
        return -1;
    r->has_baseline = br == 0;
    if (out->base_registry != NULL) {
        for (size_t k = 0; k < out->base_registry->n; k++)
            if (same_case(&out->base_registry->cases[k], c))
                r->base_case = &out->base_registry->cases[k];
        pf_baseline_dispose(&r->baseline);
        r->has_baseline = false;
    }
    return 0;
}

/* The cases --only selects, read-only ones first, then the write cases
 * (which need the main connection closed while their database is copied);
 * the cases only the base revision has; the baselines without a case. */
static int select_cases(gate_run *g, pf_error *err)
{
    const pf_gate_opts *o = g->o;
    pf_gate_result *out = g->out;
    const pf_registry *reg = out->registry, *base = out->base_registry;
    size_t n_sel = 0;
    for (size_t i = 0; i < reg->n; i++)
        n_sel += pf_registry_match(&reg->cases[i], o->only);
    if (reg->n == 0)
        return pf_error_set(err, PF_EXIT_USAGE,
                            "no benchmark case in %s (cases are <group>/<name>.sql files there)",
                            o->bench_dir);
    if (n_sel == 0)
        return pf_error_set(err, PF_EXIT_USAGE, "no benchmark case in %s matches --only '%s'",
                            o->bench_dir, o->only ? o->only : "");
    out->cases = pf_calloc(n_sel, sizeof *out->cases);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < reg->n; i++) {
            const pf_case *c = &reg->cases[i];
            if (pf_registry_match(c, o->only) && c->writes == (pass == 1) &&
                add_case(g, c, err) < 0)
                return -1;
        }
    if (base != NULL) {
        size_t n = 0;
        out->base_only = pf_calloc(base->n + 1, sizeof *out->base_only);
        for (size_t k = 0; k < base->n; k++) {
            const pf_case *bc = &base->cases[k];
            bool found = false;
            for (size_t i = 0; i < reg->n && !found; i++)
                found = same_case(&reg->cases[i], bc);
            if (!found && pf_registry_match(bc, o->only))
                out->base_only[n++] = pf_asprintf("%s/%s", bc->group, bc->name);
        }
    }
    if ((o->only == NULL || *o->only == '\0') && o->base_ref == NULL)
        out->removed = pf_baselines_removed(o->baselines_dir, reg);
    return 0;
}

/* The data generator planned (a dataset that cannot be generated is bad
 * input) before a server starts. */
static int plan_data(gate_run *g, pf_error *err)
{
    const pf_gate_opts *o = g->o;
    pf_prepare_opts po;
    pf_prepare_opts_init(&po);
    po.schema_dir = o->schema_dir;
    po.auth_shim = o->auth_shim;
    po.dataset = g->ds;
    po.seed_sql = o->seed_sql;
    po.seed = g->seed;
    po.seed_given = true;
    po.scale = o->scale;
    po.jobs = o->jobs;
    po.on_phase = o->on_phase;
    po.on_progress = o->on_seed_progress;
    po.phase_arg = o->arg;
    if (pf_prepare_new(&g->prep, &po, err) < 0)
        return -1;
    cache_lookup(g);
    return 0;
}

/* Target, schema, data; then the environment the numbers depend on. */
static int open_target(gate_run *g, pf_error *err)
{
    const pf_gate_opts *o = g->o;
    pf_gate_result *out = g->out;
    uint64_t t1 = pf_now_ns();
    pf_target_opts to = {g->cache, g->entry};
    if (pf_target_open_with(&g->t, o->dsn, "perfgate", &to, err) < 0)
        return -1;
    out->target = pf_target_describe(&g->t);
    out->start_ms = pf_elapsed_ms(t1);
    phase(o, g->entry ? "server (seeded, from the cache)" : "server", out->start_ms);
    pf_db *db = NULL;
    if (pf_db_connect(&db, g->t.dsn, err) < 0)
        return -1;
    char *data_checksum = NULL;
    int rc = 0;
    if (g->entry != NULL) {
        data_checksum = pf_strdup(g->cached_checksum);
        out->seeded_from_cache = true;
        out->cache_note = pf_asprintf("seeded database from the cache (%s): schema, data, "
                                      "server and perfgate unchanged",
                                      g->key.key);
    } else if (!o->no_seed) {
        pf_prepare_result pr;
        rc = pf_prepare_apply(g->prep, g->t.dsn, &pr, err);
        out->schema_ms = pr.schema.ms;
        out->seed_ms = pr.seed_ms;
        if (rc == 0)
            data_checksum = pf_strdup(pr.checksum);
        pf_prepare_result_dispose(&pr);
        if (rc == 0 && g->cache != NULL)
            cache_store(g, data_checksum);
    }
    if (rc == 0)
        rc = capture_env(db, g->ds, o, g->seed, &out->env, err);
    if (rc == 0) {
        out->env.data_checksum = data_checksum;
        data_checksum = NULL;
    }
    free(data_checksum);
    pf_db_close(db);
    return rc;
}

/* --base: the base revision's database beside the head's. */
static int build_base_db(gate_run *g, pf_error *err)
{
    const pf_gate_opts *o = g->o;
    uint64_t tb = pf_now_ns();
    uint64_t base_seed = o->seed_given ? o->seed : g->base_ds->default_seed;
    if (prepare_base_db(o, &g->t, &g->gb, g->base_ds, base_seed, g->same_base, &g->db, err) < 0)
        return -1;
    pf_db_close(g->db);
    g->db = NULL;
    g->out->base_cloned = g->same_base;
    phase(o, g->same_base ? "base database (cloned)" : "base database (built)", pf_elapsed_ms(tb));
    return 0;
}

/* From here on the connection measures: every database warm, every
 * statement bounded, every baseline checked for comparability. */
static int start_measuring(gate_run *g, pf_error *err)
{
    prewarm(&g->t, g->t.dsn);
    if (g->o->base_ref != NULL) {
        char *bdsn = base_dsn(&g->t);
        prewarm(&g->t, bdsn);
        free(bdsn);
    }
    if (connect_work(g->o, g->t.dsn, &g->db, err) < 0)
        return -1;
    for (size_t i = 0; i < g->out->n_cases; i++) {
        pf_case_result *r = &g->out->cases[i];
        if (r->has_baseline)
            r->mismatch = pf_env_mismatch(&r->baseline.env, &g->out->env);
    }
    return 0;
}

/* Measure one case (with its base revision's version under --base) into
 * m and base_m. A failure the run cannot go on after is returned (-1 with
 * err set); one of the case alone is kept in the result. */
static int measure_case(gate_run *g, pf_case_result *r, pf_error *err)
{
    pf_error e;
    pf_error_clear(&e);
    int mr = r->base_case != NULL
                 ? measure_paired(g->o, &g->t, &g->db, r, g->seed, &r->base_m, &r->m, &e)
                 : measure_one(g->o, &g->t, &g->db, r, g->seed, &r->m, &e);
    if (mr == 0) {
        r->measured = true;
        r->has_base = r->base_case != NULL;
        return 0;
    }
    if (e.code == PF_EXIT_INFRA || g->db == NULL || pf_db_broken(g->db)) {
        *err = e;
        return -1;
    }
    r->error = pf_strdup(e.msg);
    r->error_code = e.code ? e.code : PF_EXIT_FAIL;
    pf_measurement_dispose(&r->m);
    pf_measurement_dispose(&r->base_m);
    r->has_base = false;
    return 0;
}

/* Every case measured and judged against the calibration known so far
 * (re-judged at the end), between calibrations at the start, the middle
 * and the end. */
static int measure_cases(gate_run *g, pf_error *err)
{
    pf_gate_result *out = g->out;
    g->measure_start = pf_now_ns();
    if (pf_measure_calibration(g->db, 9, &g->cal[0], err) < 0)
        return -1;
    for (size_t i = 0; i < out->n_cases; i++) {
        pf_case_result *r = &out->cases[i];
        if (pf_interrupt_signal() != 0)
            return pf_error_set(err, PF_EXIT_INFRA, "interrupted");
        if (i == out->n_cases / 2 && g->db != NULL &&
            pf_measure_calibration(g->db, 9, &g->cal[1], err) < 0)
            return -1;
        if (measure_case(g, r, err) < 0)
            return -1;
        judge(g->o, out, r, g->cal[0], 0, false);
        if (g->o->on_case)
            g->o->on_case(g->o->arg, r, i, out->n_cases);
    }
    if (pf_measure_calibration(g->db, 9, &g->cal[2], err) < 0)
        return -1;
    if (g->cal[1] == 0)
        g->cal[1] = g->cal[0];
    out->calibration_ms = pf_stats_median(g->cal, 3);
    double lo = g->cal[0], hi = g->cal[0];
    for (int k = 1; k < 3; k++) {
        lo = g->cal[k] < lo ? g->cal[k] : lo;
        hi = g->cal[k] > hi ? g->cal[k] : hi;
    }
    out->calibration_spread = out->calibration_ms > 0 ? (hi - lo) / out->calibration_ms : 0;
    return 0;
}

/* Re-measure a case whose latency (or threshold) signal needs confirming,
 * and judge the re-run. A re-run that fails leaves the case noisy; only an
 * infrastructure failure stops the run. */
static int confirm_case(gate_run *g, pf_case_result *r, pf_error *err)
{
    pf_gate_result *out = g->out;
    r->first_ratio = r->v.latency_ratio;
    pf_measurement again, again_base;
    memset(&again, 0, sizeof again);
    memset(&again_base, 0, sizeof again_base);
    pf_error e;
    pf_error_clear(&e);
    int mr = r->has_base
                 ? measure_paired(g->o, &g->t, &g->db, r, g->seed, &again_base, &again, &e)
                 : measure_one(g->o, &g->t, &g->db, r, g->seed, &again, &e);
    if (mr < 0) {
        pf_measurement_dispose(&again);
        pf_measurement_dispose(&again_base);
        if (e.code == PF_EXIT_INFRA) {
            *err = e;
            return -1;
        }
        return 0; /* stays noisy */
    }
    pf_measurement_dispose(&r->m);
    r->m = again;
    if (r->has_base) {
        pf_measurement_dispose(&r->base_m);
        r->base_m = again_base;
    }
    r->reran = true;
    judge(g->o, out, r, out->calibration_ms, out->calibration_spread, true);
    return 0;
}

/* Final verdicts with the run's calibration; latency signals re-run. */
static int final_verdicts(gate_run *g, pf_error *err)
{
    pf_gate_result *out = g->out;
    for (size_t i = 0; i < out->n_cases; i++) {
        pf_case_result *r = &out->cases[i];
        judge(g->o, out, r, out->calibration_ms, out->calibration_spread, false);
        if (r->v.status == PF_STATUS_NOISY && (r->v.latency_signal || r->v.threshold_signal) &&
            confirm_case(g, r, err) < 0)
            return -1;
    }
    out->measure_ms = pf_elapsed_ms(g->measure_start);
    phase(g->o, "measure", out->measure_ms);
    return 0;
}

/* RLS checks last: their write checks roll back but leave dead rows. */
static int rls_checks(gate_run *g, pf_error *err)
{
    const pf_gate_opts *o = g->o;
    pf_gate_result *out = g->out;
    uint64_t t4 = pf_now_ns();
    pf_rls_opts ro;
    pf_rls_opts_init(&ro);
    ro.rules_path = o->rls_rules;
    ro.registry = out->registry;
    ro.baselines_dir = o->baselines_dir;
    ro.update_baselines = o->update_baselines;
    ro.dataset_name = g->ds->name;
    ro.dataset_hash = g->ds->hash;
    ro.scale = o->scale;
    ro.seed = g->seed;
    ro.severity_overrides = o->rls_severities;
    if (out->instr.ran || out->instr.unavailable != NULL) {
        ro.instr = &out->instr;
        ro.instr_plan = &out->rls_instr;
    }
    ro.on_phase = o->on_phase;
    ro.on_progress = o->on_rls_progress;
    ro.arg = o->arg;
    if (pf_rls_check(g->t.dsn, &ro, &out->rls, err) < 0)
        return -1;
    out->has_rls = true;
    out->rls_ms = pf_elapsed_ms(t4);
    phase(o, "rls", out->rls_ms);
    return 0;
}

/* --update-baselines: every measured case's baseline written. */
static int write_baselines(pf_gate_result *out, pf_error *err)
{
    for (size_t i = 0; i < out->n_cases; i++) {
        pf_case_result *r = &out->cases[i];
        if (!r->measured)
            continue;
        pf_baseline b;
        fill_baseline(&b, r, &out->env, out->calibration_ms);
        fill_instructions(&b, out, r);
        int w = pf_baseline_write(r->baseline_path, &b, err);
        pf_baseline_dispose(&b);
        if (w < 0)
            return -1;
        r->baseline_written = true;
    }
    return 0;
}

/* A failed RLS check that re-recording baselines does not excuse: every
 * isolation, table and lint failure, and any check that could not run.
 * Only an overhead ratio's failure is what --update-baselines re-records. */
static bool rls_check_failed(const pf_gate_result *out)
{
    if (!out->has_rls)
        return false;
    for (size_t i = 0; i < out->rls.n_checks; i++) {
        const pf_rls_outcome *c = &out->rls.checks[i];
        if (c->status == PF_RLS_ERROR ||
            (c->status == PF_RLS_FAIL && strcmp(c->family, "overhead") != 0))
            return true;
    }
    return false;
}

/* The counts per status and the run's exit code. */
static void set_exit_code(const pf_gate_opts *o, pf_gate_result *out)
{
    bool failed = out->has_rls && out->rls.exit_code != PF_EXIT_OK, errored = false;
    for (size_t i = 0; i < out->n_cases; i++) {
        pf_case_result *r = &out->cases[i];
        out->counts[r->v.status]++;
        /* A stale baseline means the gate cannot vouch for the case: that is
         * not a pass (re-record with --update-baselines). */
        failed = failed || r->v.status == PF_STATUS_FAIL || r->v.status == PF_STATUS_STALE;
        errored = errored || r->v.status == PF_STATUS_ERROR;
    }
    /* A case that cannot run against this schema is a failed check. With
     * --update-baselines the run records, it does not judge latency or
     * work; it still fails on an errored case and on a failed isolation,
     * table or lint check (a leak is never re-recorded away). */
    out->exit_code = (failed || errored) && !o->update_baselines ? PF_EXIT_FAIL : PF_EXIT_OK;
    if (o->update_baselines && (errored || rls_check_failed(out)))
        out->exit_code = PF_EXIT_FAIL;
}

int pf_gate_run(const pf_gate_opts *o, pf_gate_result *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    uint64_t t0 = pf_now_ns();
    gate_run g;
    memset(&g, 0, sizeof g);
    g.o = o;
    g.out = out;
    int rc = read_inputs(&g, err);
    if (rc == 0)
        rc = select_cases(&g, err);
    if (rc == 0)
        rc = plan_data(&g, err);
    if (rc == 0)
        rc = open_target(&g, err);
    if (rc == 0 && o->base_ref != NULL)
        rc = build_base_db(&g, err);
    /* Instructions first, on the freshly seeded databases: nothing has run
     * in them yet, so every run counts from the same state. */
    if (rc == 0) {
        /* The base database's content key: the head's when it is a copy,
         * else the head's with the base revision's files. */
        char base_key[17] = "";
        if (g.cache != NULL && o->base_ref != NULL) {
            pf_cache_key k;
            pf_cache_key_init(&k, "base database");
            pf_cache_key_str(&k, "head", g.key.key);
            if (!g.same_base) {
                pf_cache_key_num(&k, "schema", (double)dir_hash(g.gb.schema_dir));
                pf_cache_key_str(&k, "dataset", g.base_ds->hash);
            }
            pf_cache_key_hex(&k, base_key);
        }
        const char *keys[2] = {g.cache ? g.key.key : NULL, base_key[0] ? base_key : NULL};
        rc = count_instructions(o, &g.t, out, g.seed, g.cache, keys, err);
    }
    if (rc == 0)
        rc = start_measuring(&g, err);
    if (rc == 0)
        rc = measure_cases(&g, err);
    if (rc == 0)
        rc = final_verdicts(&g, err);
    if (rc == 0 && o->rls_rules != NULL)
        rc = rls_checks(&g, err);
    if (rc == 0 && o->update_baselines)
        rc = write_baselines(out, err);
    if (rc == 0)
        set_exit_code(o, out);
    pf_db_close(g.db);
    pf_target_close(&g.t);
    pf_gitbase_dispose(&g.gb);
    pf_dataset_free(g.base_ds);
    pf_prepare_free(g.prep);
    pf_dataset_free(g.ds);
    pf_cache_free(g.cache);
    free(g.entry);
    free(g.cached_checksum);
    out->total_ms = pf_elapsed_ms(t0);
    return rc < 0 ? -1 : 0;
}

void pf_gate_result_dispose(pf_gate_result *r)
{
    for (size_t i = 0; i < r->n_cases; i++) {
        pf_case_result *c = &r->cases[i];
        pf_measurement_dispose(&c->m);
        pf_measurement_dispose(&c->base_m);
        pf_baseline_dispose(&c->baseline);
        free(c->baseline_path);
        free(c->mismatch);
        free(c->error);
        free(c->instr_note);
        pf_verdict_dispose(&c->v);
    }
    free(r->cases);
    pf_strv_free(r->removed);
    pf_env_dispose(&r->env);
    pf_registry_free(r->registry);
    pf_registry_free(r->base_registry);
    pf_strv_free(r->base_only);
    free(r->base_commit);
    if (r->has_rls)
        pf_rls_result_dispose(&r->rls);
    free(r->target);
    free(r->cache_note);
    pf_instr_phase_dispose(&r->instr);
    pf_rls_overhead_plan_dispose(&r->rls_instr);
    memset(r, 0, sizeof *r);
}
