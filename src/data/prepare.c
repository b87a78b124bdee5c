/* Preparing a database: schema (with the auth shim), then the seeded data
 * through the loader of seed.c. */
#include "prepare.h"

#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "datagen.h"
#include "db.h"
#include "fsutil.h"
#include "schema.h"
#include "timeutil.h"

struct pf_prepare {
    pf_prepare_opts o;
    pf_dataset *owned; /* read here from o.dataset_path */
    const pf_dataset *ds;
    pf_datagen *gen;
    uint64_t seed;
    char *seed_sql; /* o.seed_sql's text */
};

void pf_prepare_opts_init(pf_prepare_opts *o)
{
    memset(o, 0, sizeof *o);
    o->load = true;
    o->scale = 1.0;
    o->jobs = 2;
}

int pf_prepare_new(pf_prepare **out, const pf_prepare_opts *o, pf_error *err)
{
    *out = NULL;
    if (o->dataset == NULL && o->dataset_path == NULL)
        return pf_error_set(err, PF_EXIT_USAGE, "no dataset spec given");
    /* A schema directory that is not there is bad input, even when it
     * would not be applied (generate-only runs check their inputs too). */
    if (o->schema_dir != NULL && !pf_path_is_dir(o->schema_dir))
        return pf_error_set(err, PF_EXIT_USAGE, "%s: no such schema directory", o->schema_dir);
    pf_prepare *p = pf_calloc(1, sizeof *p);
    p->o = *o;
    p->ds = o->dataset;
    if (p->ds == NULL) {
        if (pf_dataset_load(o->dataset_path, &p->owned, err) < 0) {
            pf_prepare_free(p);
            return -1;
        }
        p->ds = p->owned;
    }
    if (o->seed_sql != NULL) {
        if (pf_path_is_dir(o->seed_sql)) {
            pf_prepare_free(p);
            return pf_error_set(err, PF_EXIT_USAGE, "%s: a directory, not a seed SQL file",
                                o->seed_sql);
        }
        if (pf_file_read(o->seed_sql, &p->seed_sql, NULL, err) < 0) {
            pf_prepare_free(p);
            return -1;
        }
    }
    p->seed = o->seed_given ? o->seed : p->ds->default_seed;
    if (pf_datagen_new(&p->gen, p->ds, p->seed, o->scale == 0 ? 1.0 : o->scale, err) < 0) {
        pf_prepare_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

const pf_dataset *pf_prepare_dataset(const pf_prepare *p)
{
    return p->ds;
}

uint64_t pf_prepare_seed(const pf_prepare *p)
{
    return p->seed;
}

static void phase(const pf_prepare_opts *o, const char *name, double ms)
{
    if (o->on_phase != NULL)
        o->on_phase(o->phase_arg, name, ms);
}

/* The shim (when asked) and every file of the schema directory, over one
 * connection, each statement in autocommit. */
static int apply_schema(const pf_prepare_opts *o, const char *dsn, pf_schema_stats *st,
                        pf_error *err)
{
    pf_db *db = NULL;
    int rc = pf_db_connect(&db, dsn, err);
    if (rc == 0 && o->auth_shim)
        rc = pf_schema_apply_auth_shim(db, st, err);
    if (rc == 0)
        rc = pf_schema_apply_dir(db, o->schema_dir, st, err);
    pf_db_close(db);
    return rc;
}

/* The loader's per-table progress summed for o->on_progress (and passed
 * on to o->progress). The loader serialises calls, so no lock. */
typedef struct progress_sum {
    const pf_prepare_opts *o;
    const pf_dataset *ds;
    int64_t *done;
    pf_prepare_progress p;
} progress_sum;

static void sum_progress(void *arg, const char *table, int64_t done, int64_t total, double ms)
{
    progress_sum *s = arg;
    if (s->o->progress != NULL)
        s->o->progress(s->o->progress_arg, table, done, total, ms);
    if (s->o->on_progress == NULL)
        return;
    for (size_t t = 0; t < s->ds->n_tables; t++) {
        if (strcmp(s->ds->tables[t].name, table) != 0)
            continue;
        s->p.rows_done += done - s->done[t];
        if (done >= total && s->done[t] < total)
            s->p.tables_done++;
        s->done[t] = done;
        break;
    }
    s->p.ms = ms;
    s->o->on_progress(s->o->phase_arg, &s->p);
}

/* The seed SQL file, applied by the loader between the rebuild and ANALYZE
 * (pf_seed_opts.after_load). */
typedef struct seed_sql_step {
    const pf_prepare *p;
    pf_schema_stats *stats;
} seed_sql_step;

static int apply_seed_sql(void *arg, pf_db *db, pf_error *err)
{
    const seed_sql_step *s = arg;
    return pf_schema_apply_text(db, s->p->o.seed_sql, s->p->seed_sql, s->stats, err);
}

int pf_prepare_apply(pf_prepare *p, const char *dsn, pf_prepare_result *out, pf_error *err)
{
    const pf_prepare_opts *o = &p->o;
    memset(out, 0, sizeof *out);
    out->data_seed = p->seed;
    uint64_t t0 = pf_now_ns();
    if (o->load && o->schema_dir != NULL) {
        if (apply_schema(o, dsn, &out->schema, err) < 0) {
            out->total_ms = pf_elapsed_ms(t0);
            return -1;
        }
        phase(o, "schema", out->schema.ms);
    }
    pf_seed_opts so = {0};
    so.jobs = o->jobs > 0 ? o->jobs : 2;
    so.load = o->load;
    so.replace = o->replace;
    so.progress = o->progress;
    so.progress_arg = o->progress_arg;
    progress_sum sum = {o, p->ds, NULL, {0, p->ds->n_tables, 0, 0, 0}};
    if (o->on_progress != NULL) {
        sum.done = pf_calloc(p->ds->n_tables + 1, sizeof *sum.done);
        for (size_t t = 0; t < p->ds->n_tables; t++)
            sum.p.rows_total += pf_datagen_rows(p->gen, t);
        so.progress = sum_progress;
        so.progress_arg = &sum;
    }
    seed_sql_step step = {p, &out->seed_sql};
    if (p->seed_sql != NULL) {
        so.after_load = apply_seed_sql;
        so.after_load_arg = &step;
    }
    uint64_t t1 = pf_now_ns();
    int rc = pf_seed_run(o->load ? dsn : NULL, p->gen, &so, &out->seed, err);
    free(sum.done);
    out->seed_ms = pf_elapsed_ms(t1);
    out->total_ms = pf_elapsed_ms(t0);
    if (rc < 0)
        return -1;
    pf_seed_checksum_hex(out->seed.checksum, out->checksum);
    phase(o, "seed", out->seed_ms);
    return 0;
}

void pf_prepare_free(pf_prepare *p)
{
    if (p == NULL)
        return;
    pf_datagen_free(p->gen);
    pf_dataset_free(p->owned);
    free(p->seed_sql);
    free(p);
}

int pf_prepare_run(const char *dsn, const pf_prepare_opts *o, pf_prepare_result *out,
                   pf_error *err)
{
    pf_prepare *p = NULL;
    if (pf_prepare_new(&p, o, err) < 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    int rc = pf_prepare_apply(p, dsn, out, err);
    pf_prepare_free(p);
    return rc;
}

void pf_prepare_result_dispose(pf_prepare_result *r)
{
    pf_seed_result_dispose(&r->seed);
    memset(r, 0, sizeof *r);
}

const char *pf_prepare_key_part_name(int part)
{
    static const char *const k_names[PF_PREPARE_KEY_PARTS] = {
        "the schema", "the dataset spec", "the seed or scale", "the server build",
        "the perfgate binary", "the database name"};
    return part >= 0 && part < PF_PREPARE_KEY_PARTS ? k_names[part] : "?";
}

int pf_prepare_key_make(const pf_prepare *p, const char *server_key, const char *dbname,
                        pf_prepare_key *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    pf_cache_key k[PF_PREPARE_KEY_PARTS];
    for (int i = 0; i < PF_PREPARE_KEY_PARTS; i++)
        pf_cache_key_init(&k[i], pf_prepare_key_part_name(i));
    if (p->o.schema_dir != NULL &&
        pf_cache_key_dir(&k[PF_PREPARE_KEY_SCHEMA], "files", p->o.schema_dir, ".sql", err) < 0)
        return -1;
    pf_cache_key_num(&k[PF_PREPARE_KEY_SCHEMA], "shim", p->o.auth_shim);
    for (size_t i = 0; p->o.auth_shim && pf_schema_shim_text(i) != NULL; i++)
        pf_cache_key_str(&k[PF_PREPARE_KEY_SCHEMA], "shim text", pf_schema_shim_text(i));
    pf_cache_key_str(&k[PF_PREPARE_KEY_DATASET], "spec", p->ds->hash);
    if (p->seed_sql != NULL)
        pf_cache_key_str(&k[PF_PREPARE_KEY_DATASET], "seed sql", p->seed_sql);
    pf_cache_key_num(&k[PF_PREPARE_KEY_SEED_SCALE], "seed", (double)p->seed);
    pf_cache_key_num(&k[PF_PREPARE_KEY_SEED_SCALE], "scale", p->o.scale == 0 ? 1.0 : p->o.scale);
    pf_cache_key_str(&k[PF_PREPARE_KEY_SERVER], "initdb", server_key);
    /* The binary itself: generator, loader and cluster settings live in it. */
    char *exe = NULL;
    size_t len = 0;
    if (pf_file_read("/proc/self/exe", &exe, &len, err) < 0)
        return -1;
    pf_cache_key_bytes(&k[PF_PREPARE_KEY_PERFGATE], "exe", exe, len);
    free(exe);
    pf_cache_key_str(&k[PF_PREPARE_KEY_DATABASE], "name", dbname);
    pf_cache_key all;
    pf_cache_key_init(&all, "seeded");
    for (int i = 0; i < PF_PREPARE_KEY_PARTS; i++) {
        pf_cache_key_hex(&k[i], out->parts[i]);
        pf_cache_key_str(&all, pf_prepare_key_part_name(i), out->parts[i]);
    }
    pf_cache_key_hex(&all, out->key);
    return 0;
}
