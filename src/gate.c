/* The gate run. */
#include "gate.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baselines.h"
#include "buf.h"
#include "dataset.h"
#include "db.h"
#include "fsutil.h"
#include "gitbase.h"
#include "prepare.h"
#include "interrupt.h"
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

/* A throw-away copy of the seeded database for a write case. */
static int clone_db(const pf_target *t, const char *name, pf_error *err)
{
    pf_db *admin = NULL;
    if (pf_db_connect(&admin, t->admin_dsn, err) < 0)
        return -1;
    char *src = pf_sql_ident(t->dbname), *dst = pf_sql_ident(name);
    char *drop = pf_asprintf("DROP DATABASE IF EXISTS %s", dst);
    /* FILE_COPY: copies the files (fsync is off here), much faster than
     * WAL-logging every block of a big template. */
    char *create = pf_asprintf("CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY", dst, src);
    int rc = pf_db_exec(admin, drop, err);
    if (rc == 0)
        rc = pf_db_exec(admin, create, err);
    free(drop);
    free(create);
    free(src);
    free(dst);
    pf_db_close(admin);
    return rc;
}

static void drop_db(const pf_target *t, const char *name)
{
    pf_db *admin = NULL;
    pf_error e;
    if (pf_db_connect(&admin, t->admin_dsn, &e) < 0)
        return;
    char *id = pf_sql_ident(name);
    char *sql = pf_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", id);
    pf_db_exec(admin, sql, &e);
    free(sql);
    free(id);
    pf_db_close(admin);
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
    char *dsn = pf_dsn_with_dbname(t->admin_dsn, name);
    pf_db *db = NULL;
    int rc = clone_db(t, name, err);
    if (rc == 0) {
        prewarm(t, dsn);
        rc = connect_work(o, dsn, &db, err);
    }
    if (rc == 0) {
        rc = pf_measure_case(db, r->c, &mo, m, err);
        m->in_clone = true;
    } else if (err) {
        err->code = PF_EXIT_INFRA;
    }
    pf_db_close(db);
    drop_db(t, name);
    free(dsn);
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

/* The base revision's database in the same cluster: a TEMPLATE copy of the
 * head database when schema and data are the same, else built from the
 * base schema and dataset. The head connection is closed meanwhile. */
static int prepare_base_db(const pf_gate_opts *o, const pf_target *t, const pf_gitbase *gb,
                           const pf_dataset *base_ds, uint64_t seed, bool same, pf_db **main_db,
                           pf_error *err)
{
    pf_db_close(*main_db);
    *main_db = NULL;
    pf_db *admin = NULL;
    int rc = pf_db_connect(&admin, t->admin_dsn ? t->admin_dsn : t->dsn, err);
    char *id = pf_sql_ident(BASE_DB), *src = pf_sql_ident(t->dbname ? t->dbname : "perfgate");
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
    char *dsn = pf_dsn_with_dbname(t->admin_dsn ? t->admin_dsn : t->dsn, BASE_DB);
    if (rc == 0 && !same) {
        pf_prepare_opts po;
        pf_prepare_opts_init(&po);
        po.schema_dir = gb->schema_dir;
        po.auth_shim = o->auth_shim;
        po.dataset = base_ds;
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

/* Measure a case and its base version, interleaved; write cases in fresh
 * copies of both databases. */
static int measure_paired(const pf_gate_opts *o, const pf_target *t, pf_db **main_db,
                          pf_case_result *r, uint64_t seed, pf_error *err)
{
    pf_measure_opts mo = {0};
    mo.seed = seed;
    mo.iterations = o->iterations;
    char *base_dsn = pf_dsn_with_dbname(t->admin_dsn ? t->admin_dsn : t->dsn, BASE_DB);
    bool clones = r->c->writes || r->base_case->writes;
    int rc = 0;
    pf_db *hdb = *main_db, *bdb = NULL;
    char *hname = NULL, *bname = NULL;
    if (clones) {
        pf_db_close(*main_db);
        *main_db = NULL;
        hname = pf_asprintf("%s_case", t->dbname);
        bname = pf_strdup(BASE_DB "_case");
        pf_target bt = *t;
        bt.dbname = (char *)BASE_DB;
        rc = clone_db(t, hname, err);
        if (rc == 0)
            rc = clone_db(&bt, bname, err);
        char *hdsn = pf_dsn_with_dbname(t->admin_dsn, hname);
        free(base_dsn);
        base_dsn = pf_dsn_with_dbname(t->admin_dsn, bname);
        hdb = NULL;
        if (rc == 0) {
            prewarm(t, hdsn);
            prewarm(t, base_dsn);
            rc = connect_work(o, hdsn, &hdb, err);
        }
        free(hdsn);
    }
    if (rc == 0)
        rc = connect_work(o, base_dsn, &bdb, err);
    if (rc == 0 && pf_target_owned(t))
        pin_backends(bdb, hdb);
    if (rc == 0)
        rc = pf_measure_pair(bdb, r->base_case, hdb, r->c, &mo, &r->base_m, &r->m, err);
    r->has_base = rc == 0;
    pf_db_close(bdb);
    if (clones) {
        pf_db_close(hdb);
        drop_db(t, hname);
        drop_db(t, bname);
        int rc2 = connect_work(o, t->dsn, main_db, rc == 0 ? err : NULL);
        if (rc == 0)
            rc = rc2;
    }
    free(hname);
    free(bname);
    free(base_dsn);
    return rc;
}

const pf_instructions *pf_gate_instr(const pf_gate_result *g, const pf_case_result *r)
{
    if (r->instr_job < 0 || !g->instr.available || (size_t)r->instr_job >= g->instr.n)
        return NULL;
    const pf_instr_job *j = &g->instr.jobs[r->instr_job];
    return j->done ? &j->result : NULL;
}

const pf_instructions *pf_gate_base_instr(const pf_gate_result *g, const pf_case_result *r)
{
    if (r->base_instr_job < 0 || !g->instr.available || (size_t)r->base_instr_job >= g->instr.n)
        return NULL;
    const pf_instr_job *j = &g->instr.jobs[r->base_instr_job];
    return j->done ? &j->result : NULL;
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
    double *sorted = pf_calloc(m->n_samples + 1, sizeof *sorted);
    memcpy(sorted, m->samples_ms, m->n_samples * sizeof *sorted);
    for (size_t i = 1; i < m->n_samples; i++) { /* insertion sort: n is small */
        double x = sorted[i];
        size_t j = i;
        while (j > 0 && sorted[j - 1] > x) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = x;
    }
    b->n_quantiles = m->n_samples > 0 ? PF_BASELINE_QUANTILES : 0;
    for (int q = 0; q < b->n_quantiles; q++)
        b->quantiles_ms[q] = pf_stats_quantile_sorted(sorted, m->n_samples, q / 100.0);
    free(sorted);
    b->work = m->work;
    b->function_calls = m->function_calls;
    b->fingerprint = pf_strdup(m->fingerprint);
    b->plan_summary = pf_strdup(m->plan_summary ? m->plan_summary : "");
    size_t nn = 0;
    while (m->plan_nodes && m->plan_nodes[nn])
        nn++;
    b->plan_nodes = pf_calloc(nn + 1, sizeof *b->plan_nodes);
    for (size_t i = 0; i < nn; i++)
        b->plan_nodes[i] = pf_strdup(m->plan_nodes[i]);
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
        pf_rls_instr_plan_make(&out->instr, out->registry, t->dbname, o->baselines_dir,
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
                              uint64_t seed, pf_error *err)
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
    if (pf_instr_run(&out->instr, t, seed, err) < 0)
        return -1;
    for (size_t i = 0; i < out->n_cases; i++)
        out->cases[i].instr_note = instr_note_of(out, &out->cases[i]);
    if (o->on_phase != NULL && out->instr.available && out->instr.n > 0) {
        char name[160];
        snprintf(name, sizeof name,
                 "instructions (%zu counts under callgrind; restart under callgrind %.1f s, "
                 "back %.1f s)",
                 out->instr.n, out->instr.start_ms / 1000, out->instr.stop_ms / 1000);
        phase(o, name, out->instr.ms);
    }
    return 0;
}

int pf_gate_run(const pf_gate_opts *o, pf_gate_result *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    uint64_t t0 = pf_now_ns();
    pf_dataset *ds = NULL;
    pf_prepare *prep = NULL;
    pf_target t;
    memset(&t, 0, sizeof t);
    pf_db *db = NULL;
    pf_gitbase gb;
    memset(&gb, 0, sizeof gb);
    pf_dataset *base_ds = NULL;
    char *data_checksum = NULL;
    bool same_base = false;
    int rc = -1;

    /* Bad input first, before any server starts. */
    if (pf_registry_load(o->bench_dir, &out->registry, err) < 0)
        goto cleanup;
    if (pf_dataset_load(o->dataset_path, &ds, err) < 0)
        goto cleanup;
    if (o->rls_rules != NULL) {
        /* A malformed rules file is bad input: fail before any server starts. */
        pf_rls_rules rules;
        if (pf_rls_rules_load(o->rls_rules, &rules, err) < 0)
            goto cleanup;
        pf_rls_rules_dispose(&rules);
    }
    if (o->base_ref != NULL) {
        if (o->update_baselines) {
            pf_error_set(err, PF_EXIT_USAGE,
                         "--base compares with a revision measured in the same run; it does not "
                         "go with --update-baselines");
            goto cleanup;
        }
        if (pf_gitbase_checkout(o->base_ref, o->schema_dir, o->dataset_path, o->bench_dir, &gb,
                                err) < 0 ||
            pf_registry_load(gb.bench_dir, &out->base_registry, err) < 0 ||
            pf_dataset_load(gb.dataset_path, &base_ds, err) < 0) {
            pf_error_prefix(err, "base revision %s", o->base_ref);
            goto cleanup;
        }
        out->base_commit = pf_strdup(gb.commit);
        same_base = strcmp(ds->hash, base_ds->hash) == 0 &&
                    dir_hash(o->schema_dir) == dir_hash(gb.schema_dir);
    }
    uint64_t seed = o->seed_given ? o->seed : ds->default_seed;
    size_t n_sel = 0;
    for (size_t i = 0; i < out->registry->n; i++)
        n_sel += pf_registry_match(&out->registry->cases[i], o->only);
    if (n_sel == 0) {
        pf_error_set(err, PF_EXIT_USAGE, "no benchmark case in %s matches --only '%s'",
                     o->bench_dir, o->only ? o->only : "");
        goto cleanup;
    }
    /* Read-only cases first, then the write cases (which need the main
     * connection closed while their database is copied). */
    out->cases = pf_calloc(n_sel, sizeof *out->cases);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < out->registry->n; i++) {
            const pf_case *c = &out->registry->cases[i];
            if (!pf_registry_match(c, o->only) || c->writes != (pass == 1))
                continue;
            pf_case_result *r = &out->cases[out->n_cases++];
            r->c = c;
            r->instr_job = r->base_instr_job = -1;
            r->baseline_path = pf_baselines_case_path(o->baselines_dir, c->group, c->name);
            int br = pf_baseline_read(r->baseline_path, &r->baseline, err);
            if (br < 0)
                goto cleanup;
            r->has_baseline = br == 0;
            if (out->base_registry != NULL) {
                /* Same-run comparison: the base version of the case, or "new". */
                for (size_t k = 0; k < out->base_registry->n; k++) {
                    const pf_case *bc = &out->base_registry->cases[k];
                    if (strcmp(bc->group, c->group) == 0 && strcmp(bc->name, c->name) == 0)
                        r->base_case = bc;
                }
                pf_baseline_dispose(&r->baseline);
                r->has_baseline = false;
            }
        }
    if (out->base_registry != NULL) {
        size_t n = 0;
        out->base_only = pf_calloc(out->base_registry->n + 1, sizeof *out->base_only);
        for (size_t k = 0; k < out->base_registry->n; k++) {
            const pf_case *bc = &out->base_registry->cases[k];
            bool found = false;
            for (size_t i = 0; i < out->registry->n && !found; i++)
                found = strcmp(out->registry->cases[i].group, bc->group) == 0 &&
                        strcmp(out->registry->cases[i].name, bc->name) == 0;
            if (!found && pf_registry_match(bc, o->only))
                out->base_only[n++] = pf_asprintf("%s/%s", bc->group, bc->name);
        }
    }
    if ((o->only == NULL || *o->only == '\0') && o->base_ref == NULL)
        out->removed = pf_baselines_removed(o->baselines_dir, out->registry);
    /* The data generator planned (a dataset that cannot be generated is
     * bad input) before a server starts. */
    pf_prepare_opts po;
    pf_prepare_opts_init(&po);
    po.schema_dir = o->schema_dir;
    po.auth_shim = o->auth_shim;
    po.dataset = ds;
    po.seed = seed;
    po.seed_given = true;
    po.scale = o->scale;
    po.jobs = o->jobs;
    po.on_phase = o->on_phase;
    po.phase_arg = o->arg;
    if (pf_prepare_new(&prep, &po, err) < 0)
        goto cleanup;

    /* Target, schema, data. */
    uint64_t t1 = pf_now_ns();
    if (pf_target_open(&t, o->dsn, "perfgate", err) < 0)
        goto cleanup;
    out->target = pf_target_describe(&t);
    out->start_ms = pf_elapsed_ms(t1);
    phase(o, "server", out->start_ms);
    if (pf_db_connect(&db, t.dsn, err) < 0)
        goto cleanup;
    if (!o->no_seed) {
        pf_prepare_result pr;
        int s = pf_prepare_apply(prep, t.dsn, &pr, err);
        out->schema_ms = pr.schema.ms;
        out->seed_ms = pr.seed_ms;
        if (s == 0)
            data_checksum = pf_strdup(pr.checksum);
        pf_prepare_result_dispose(&pr);
        if (s < 0)
            goto cleanup;
    }
    if (capture_env(db, ds, o, seed, &out->env, err) < 0)
        goto cleanup;
    out->env.data_checksum = data_checksum;
    data_checksum = NULL;
    pf_db_close(db);
    db = NULL;
    if (o->base_ref != NULL) {
        uint64_t tb = pf_now_ns();
        uint64_t base_seed = o->seed_given ? o->seed : base_ds->default_seed;
        if (prepare_base_db(o, &t, &gb, base_ds, base_seed, same_base, &db, err) < 0)
            goto cleanup;
        pf_db_close(db);
        db = NULL;
        out->base_cloned = same_base;
        phase(o, same_base ? "base database (cloned)" : "base database (built)", pf_elapsed_ms(tb));
    }
    /* Instructions first, on the freshly seeded databases: nothing has run
     * in them yet, so every run counts from the same state. */
    if (count_instructions(o, &t, out, seed, err) < 0)
        goto cleanup;
    /* From here on the connection measures: bound every statement. */
    prewarm(&t, t.dsn);
    if (o->base_ref != NULL) {
        char *bdsn = pf_dsn_with_dbname(t.admin_dsn ? t.admin_dsn : t.dsn, BASE_DB);
        prewarm(&t, bdsn);
        free(bdsn);
    }
    if (connect_work(o, t.dsn, &db, err) < 0)
        goto cleanup;
    for (size_t i = 0; i < out->n_cases; i++) {
        pf_case_result *r = &out->cases[i];
        if (r->has_baseline)
            r->mismatch = pf_env_mismatch(&r->baseline.env, &out->env);
    }

    /* Calibration at the start, the middle and the end of the measurements. */
    uint64_t t3 = pf_now_ns();
    double cal[3] = {0, 0, 0};
    if (pf_measure_calibration(db, 9, &cal[0], err) < 0)
        goto cleanup;
    for (size_t i = 0; i < out->n_cases; i++) {
        pf_case_result *r = &out->cases[i];
        if (pf_interrupt_signal() != 0) {
            pf_error_set(err, PF_EXIT_INFRA, "interrupted");
            goto cleanup;
        }
        if (i == out->n_cases / 2 && db != NULL &&
            pf_measure_calibration(db, 9, &cal[1], err) < 0)
            goto cleanup;
        pf_error e;
        pf_error_clear(&e);
        int mr = r->base_case != NULL ? measure_paired(o, &t, &db, r, seed, &e)
                                      : measure_one(o, &t, &db, r, seed, &r->m, &e);
        if (mr < 0) {
            if (e.code == PF_EXIT_INFRA || db == NULL || pf_db_broken(db)) {
                *err = e;
                goto cleanup;
            }
            r->error = pf_strdup(e.msg);
            r->error_code = e.code ? e.code : PF_EXIT_FAIL;
            pf_measurement_dispose(&r->m);
            pf_measurement_dispose(&r->base_m);
            r->has_base = false;
        } else {
            r->measured = true;
        }
        /* Judge against the calibration known so far; re-judged at the end. */
        judge(o, out, r, cal[0], 0, false);
        if (o->on_case)
            o->on_case(o->arg, r, i, out->n_cases);
    }
    if (pf_measure_calibration(db, 9, &cal[2], err) < 0)
        goto cleanup;
    if (cal[1] == 0)
        cal[1] = cal[0];
    out->calibration_ms = pf_stats_median(cal, 3);
    double lo = cal[0], hi = cal[0];
    for (int k = 1; k < 3; k++) {
        lo = cal[k] < lo ? cal[k] : lo;
        hi = cal[k] > hi ? cal[k] : hi;
    }
    out->calibration_spread = out->calibration_ms > 0 ? (hi - lo) / out->calibration_ms : 0;

    /* Final verdicts with the run's calibration; latency signals re-run. */
    for (size_t i = 0; i < out->n_cases; i++) {
        pf_case_result *r = &out->cases[i];
        judge(o, out, r, out->calibration_ms, out->calibration_spread, false);
        if (r->v.status != PF_STATUS_NOISY || !(r->v.latency_signal || r->v.threshold_signal))
            continue;
        r->first_ratio = r->v.latency_ratio;
        pf_measurement again;
        pf_error e;
        pf_error_clear(&e);
        pf_measurement again_base;
        memset(&again_base, 0, sizeof again_base);
        int mr;
        if (r->has_base) {
            /* Re-measure the pair: measure_paired fills r->m / r->base_m. */
            pf_measurement keep = r->m, keep_base = r->base_m;
            memset(&r->m, 0, sizeof r->m);
            memset(&r->base_m, 0, sizeof r->base_m);
            mr = measure_paired(o, &t, &db, r, seed, &e);
            again = r->m;
            again_base = r->base_m;
            r->m = keep;
            r->base_m = keep_base;
            r->has_base = true;
        } else {
            mr = measure_one(o, &t, &db, r, seed, &again, &e);
        }
        if (mr < 0) {
            pf_measurement_dispose(&again);
            pf_measurement_dispose(&again_base);
            if (e.code == PF_EXIT_INFRA) {
                *err = e;
                goto cleanup;
            }
            continue; /* stays noisy */
        }
        pf_measurement_dispose(&r->m);
        r->m = again;
        if (r->has_base) {
            pf_measurement_dispose(&r->base_m);
            r->base_m = again_base;
        }
        r->reran = true;
        judge(o, out, r, out->calibration_ms, out->calibration_spread, true);
    }
    out->measure_ms = pf_elapsed_ms(t3);
    phase(o, "measure", out->measure_ms);

    /* RLS checks last: their write checks roll back but leave dead rows. */
    if (o->rls_rules != NULL) {
        uint64_t t4 = pf_now_ns();
        pf_rls_opts ro;
        pf_rls_opts_init(&ro);
        ro.rules_path = o->rls_rules;
        ro.registry = out->registry;
        ro.baselines_dir = o->baselines_dir;
        ro.update_baselines = o->update_baselines;
        ro.dataset_name = ds->name;
        ro.dataset_hash = ds->hash;
        ro.scale = o->scale;
        ro.seed = seed;
        ro.severity_overrides = o->rls_severities;
        if (out->instr.ran || out->instr.unavailable != NULL) {
            ro.instr = &out->instr;
            ro.instr_plan = &out->rls_instr;
        }
        ro.on_phase = o->on_phase;
        ro.arg = o->arg;
        if (pf_rls_check(t.dsn, &ro, &out->rls, err) < 0)
            goto cleanup;
        out->has_rls = true;
        out->rls_ms = pf_elapsed_ms(t4);
        phase(o, "rls", out->rls_ms);
    }

    if (o->update_baselines) {
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
                goto cleanup;
            r->baseline_written = true;
        }
    }

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
     * --update-baselines the run records, it does not judge. */
    out->exit_code = (failed || errored) && !o->update_baselines ? PF_EXIT_FAIL : PF_EXIT_OK;
    if (errored && o->update_baselines)
        out->exit_code = PF_EXIT_FAIL;
    rc = 0;
cleanup:
    pf_db_close(db);
    pf_target_close(&t);
    pf_gitbase_dispose(&gb);
    pf_dataset_free(base_ds);
    free(data_checksum);
    pf_prepare_free(prep);
    pf_dataset_free(ds);
    out->total_ms = pf_elapsed_ms(t0);
    return rc;
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
    pf_instr_phase_dispose(&r->instr);
    pf_rls_instr_plan_dispose(&r->rls_instr);
    memset(r, 0, sizeof *r);
}
