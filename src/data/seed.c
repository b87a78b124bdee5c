/* The loader: set aside indexes and foreign keys, COPY every table over a
 * pool of connections, rebuild, VACUUM (FREEZE, ANALYZE). */
#include "seed.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "interrupt.h"
#include "rng.h"
#include "timeutil.h"

#define CHUNK_BYTES (1u << 20)

/* One unit of work of the load pipeline. Tasks become ready when every
 * task they depend on is done; workers take the ready task of the heaviest
 * table first, so the longest chain (the biggest table) starts early. */
typedef enum task_kind {
    TASK_LOAD, TASK_KEY, TASK_INDEX, TASK_FK, TASK_ANALYZE,
    TASK_AFTER_LOAD, /* opts->after_load, between the rebuild and ANALYZE */
    TASK_KINDS
} task_kind;

typedef struct task {
    task_kind kind;
    size_t table;   /* spec table index (TASK_FK: the referencing table if loaded) */
    char *pre_sql;  /* run first, separately (SET ...), may be NULL */
    char *sql;      /* the statement; NULL for TASK_LOAD */
    double weight;  /* scheduling priority */
    int pending;    /* unfinished dependencies */
    size_t *next;   /* tasks that depend on this one */
    size_t n_next, cap_next;
    bool taken;
} task;

typedef struct pool {
    const pf_datagen *g;
    const pf_seed_opts *opts;
    pf_seed_result *res;
    const char *dsn;
    const char *session_sql;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    task *tasks;
    size_t n_tasks, cap_tasks;
    size_t n_done;
    bool failed;
    pf_error err;
    uint64_t t0;
    double ms[TASK_KINDS]; /* wall time per task kind, summed over tasks */
} pool;

static size_t add_task(pool *p, task_kind kind, size_t table, char *pre_sql, char *sql,
                       double weight)
{
    if (p->n_tasks == p->cap_tasks) {
        p->cap_tasks = p->cap_tasks ? 2 * p->cap_tasks : 32;
        p->tasks = pf_realloc(p->tasks, p->cap_tasks * sizeof *p->tasks);
    }
    task *t = &p->tasks[p->n_tasks];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->table = table;
    t->pre_sql = pre_sql;
    t->sql = sql;
    t->weight = weight;
    return p->n_tasks++;
}

/* `after` runs only once `before` is done. */
static void depend(pool *p, size_t after, size_t before)
{
    task *b = &p->tasks[before];
    for (size_t i = 0; i < b->n_next; i++)
        if (b->next[i] == after)
            return;
    if (b->n_next == b->cap_next) {
        b->cap_next = b->cap_next ? 2 * b->cap_next : 4;
        b->next = pf_realloc(b->next, b->cap_next * sizeof *b->next);
    }
    b->next[b->n_next++] = after;
    p->tasks[after].pending++;
}

static void pool_dispose(pool *p)
{
    for (size_t i = 0; i < p->n_tasks; i++) {
        free(p->tasks[i].pre_sql);
        free(p->tasks[i].sql);
        free(p->tasks[i].next);
    }
    free(p->tasks);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
}

static void pool_fail(pool *p, const pf_error *e)
{
    pthread_mutex_lock(&p->lock);
    if (!p->failed) {
        p->failed = true;
        p->err = *e;
    }
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

/* Wait for a ready task; false when everything is done or the run failed. */
static bool pool_take(pool *p, size_t *job)
{
    pthread_mutex_lock(&p->lock);
    for (;;) {
        if (p->failed || p->n_done == p->n_tasks || pf_interrupt_signal() != 0) {
            pthread_mutex_unlock(&p->lock);
            return false;
        }
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < p->n_tasks; i++) {
            const task *t = &p->tasks[i];
            if (t->taken || t->pending > 0)
                continue;
            if (best == SIZE_MAX || t->weight > p->tasks[best].weight ||
                (t->weight == p->tasks[best].weight && t->kind < p->tasks[best].kind))
                best = i;
        }
        if (best != SIZE_MAX) {
            p->tasks[best].taken = true;
            *job = best;
            pthread_mutex_unlock(&p->lock);
            return true;
        }
        pthread_cond_wait(&p->cond, &p->lock);
    }
}

static void pool_finish(pool *p, size_t job, double ms)
{
    pthread_mutex_lock(&p->lock);
    task *t = &p->tasks[job];
    for (size_t i = 0; i < t->n_next; i++)
        p->tasks[t->next[i]].pending--;
    p->n_done++;
    p->ms[t->kind] += ms;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

static void report(pool *p, const char *table, int64_t done, int64_t total)
{
    if (p->opts->progress == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->opts->progress(p->opts->progress_arg, table, done, total, pf_elapsed_ms(p->t0));
    pthread_mutex_unlock(&p->lock);
}
/* Generate table t, streaming into COPY when db != NULL. */
static int load_table(pool *p, pf_db *db, size_t t, bool partitioned, pf_error *err)
{
    const pf_dataset *ds = pf_datagen_dataset(p->g);
    const char *name = ds->tables[t].name;
    pf_seed_table *st = &p->res->tables[t];
    int64_t total = pf_datagen_rows(p->g, t);
    uint64_t t0 = pf_now_ns();
    uint64_t h = PF_RNG_HASH_INIT;
    pf_buf chunk = PF_BUF_INIT;
    int rc = 0;
    bool triggers = ds->tables[t].triggers;
    if (db != NULL) {
        char *cols = pf_datagen_copy_columns(p->g, t);
        /* RESTART IDENTITY: identity columns the spec leaves to the server
         * count from 1 again, so a reload gives the same ids. With its
         * triggers firing the table is loaded in the origin role (the
         * loader's sessions replicate: triggers off). */
        char *sql = pf_asprintf("%sBEGIN; TRUNCATE %s RESTART IDENTITY",
                                triggers ? "SET session_replication_role = origin; " : "",
                                name);
        rc = pf_db_exec(db, sql, err);
        free(sql);
        if (rc == 0) {
            /* FREEZE: rows are born frozen and the visibility map set, so no
             * VACUUM is needed; not allowed on a partitioned table. */
            sql = pf_asprintf("COPY %s %s FROM STDIN%s", name, cols,
                              partitioned ? "" : " WITH (FREEZE)");
            rc = pf_db_copy_begin(db, sql, err);
            free(sql);
        }
        free(cols);
        if (rc < 0) {
            pf_error_prefix(err, "loading %s", name);
            return -1;
        }
    }
    pf_buf_reserve(&chunk, CHUNK_BYTES + 65536);
    int64_t row = 0;
    while (row < total && rc == 0) {
        pf_buf_reset(&chunk);
        while (row < total && chunk.len < CHUNK_BYTES) {
            int64_t end = row + 256 < total ? row + 256 : total;
            pf_datagen_copy_rows(p->g, t, row, end, &chunk);
            row = end;
        }
        h = pf_rng_hash_bytes(h, chunk.data, chunk.len);
        st->bytes += (int64_t)chunk.len;
        if (db != NULL)
            rc = pf_db_copy_put(db, chunk.data, chunk.len, err);
        if (pf_interrupt_signal() != 0 && rc == 0)
            rc = pf_error_set(err, PF_EXIT_INFRA, "interrupted");
        report(p, name, row, total);
    }
    pf_buf_dispose(&chunk);
    if (db != NULL && rc == 0) {
        long copied = 0;
        rc = pf_db_copy_end(db, &copied, err);
        if (rc == 0)
            rc = pf_db_exec(db, "COMMIT", err);
        if (rc == 0 && triggers)
            rc = pf_db_exec(db, "SET session_replication_role = replica", err);
        if (rc == 0 && copied != total)
            rc = pf_error_set(err, PF_EXIT_INFRA, "COPY into %s took %ld rows, expected %lld",
                              name, copied, (long long)total);
        if (rc < 0)
            pf_error_prefix(err, "loading %s", name);
    }
    st->rows = total;
    st->checksum = h;
    st->ms = pf_elapsed_ms(t0);
    return rc;
}

/* Per-table facts looked up once. */
typedef struct table_info {
    char *canonical; /* regclass::text: how the catalog names it */
    bool partitioned;
} table_info;

static int move_sequences(pf_db *db, const pf_dataset *ds, pf_error *err);

static void *worker(void *arg)
{
    pool *p = arg;
    pf_db *db = NULL;
    pf_error e;
    pf_error_clear(&e);
    if (p->dsn != NULL && (pf_db_connect(&db, p->dsn, &e) < 0 ||
                           (p->session_sql && pf_db_exec(db, p->session_sql, &e) < 0))) {
        pool_fail(p, &e);
        pf_db_close(db);
        return NULL;
    }
    size_t job;
    while (pool_take(p, &job)) {
        task *t = &p->tasks[job];
        uint64_t t0 = pf_now_ns();
        int rc = 0;
        if (t->kind == TASK_LOAD) {
            rc = load_table(p, db, t->table, t->pre_sql != NULL, &e);
        } else if (t->kind == TASK_AFTER_LOAD) {
            /* its own session: triggers fire, and what it SETs (a dump's
             * empty search_path) stays out of the loader's sessions */
            pf_db *own = NULL;
            rc = pf_db_connect(&own, p->dsn, &e);
            /* its inserts take ids from sequences: past the loaded ones first */
            if (rc == 0)
                rc = move_sequences(own, pf_datagen_dataset(p->g), &e);
            if (rc == 0)
                rc = p->opts->after_load(p->opts->after_load_arg, own, &e);
            pf_db_close(own);
        } else {
            if (t->pre_sql != NULL)
                rc = pf_db_exec(db, t->pre_sql, &e);
            if (rc == 0)
                rc = pf_db_exec(db, t->sql, &e);
            if (rc < 0)
                pf_error_prefix(&e, "%s", t->sql);
        }
        if (rc < 0) {
            pool_fail(p, &e);
            break;
        }
        pool_finish(p, job, pf_elapsed_ms(t0));
    }
    pf_db_close(db);
    return NULL;
}

/* Run every task on n threads; -1 with err from the first failure. */
static int run_pool(pool *p, int threads, pf_error *err)
{
    if (threads < 1)
        threads = 1;
    pthread_t *tids = pf_calloc((size_t)threads, sizeof *tids);
    int started = 0;
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&tids[i], NULL, worker, p) != 0)
            break;
        started++;
    }
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    free(tids);
    if (started == 0)
        return pf_error_set(err, PF_EXIT_INFRA, "cannot start loader threads");
    if (p->failed) {
        if (err != NULL)
            *err = p->err;
        return -1;
    }
    if (pf_interrupt_signal() != 0)
        return pf_error_set(err, PF_EXIT_INFRA, "interrupted");
    return 0;
}

/* The loaded tables as a text[] literal for $1::regclass[] queries. */
/* The spec's tables as a text[] literal for $n::regclass[]; with
 * triggers_only, the tables loaded with their triggers firing. */
static char *tables_literal(const pf_dataset *ds, bool triggers_only)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_putc(&b, '{');
    bool first = true;
    for (size_t i = 0; i < ds->n_tables; i++) {
        if (triggers_only && !ds->tables[i].triggers)
            continue;
        if (!first)
            pf_buf_putc(&b, ',');
        first = false;
        pf_buf_putc(&b, '"');
        for (const char *c = ds->tables[i].name; *c; c++) {
            if (*c == '"' || *c == '\\')
                pf_buf_putc(&b, '\\');
            pf_buf_putc(&b, *c);
        }
        pf_buf_putc(&b, '"');
    }
    pf_buf_putc(&b, '}');
    return pf_buf_steal(&b);
}

static char *table_array(const pf_dataset *ds)
{
    return tables_literal(ds, false);
}

static bool any_triggers(const pf_dataset *ds)
{
    for (size_t i = 0; i < ds->n_tables; i++)
        if (ds->tables[i].triggers)
            return true;
    return false;
}

/* A key, index or foreign key set aside during the load. */
typedef struct aside_item {
    task_kind kind;
    char *table;      /* canonical name of the table it is on */
    char *ref_table;  /* foreign keys: the referenced table */
    char *create_sql; /* how to put it back */
    char *drop_sql;
} aside_item;

typedef struct aside_list {
    aside_item *items;
    size_t n, cap;
} aside_list;

static void aside_add(aside_list *l, task_kind kind, const char *table, const char *ref,
                      char *create_sql, char *drop_sql)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 32;
        l->items = pf_realloc(l->items, l->cap * sizeof *l->items);
    }
    aside_item *a = &l->items[l->n++];
    a->kind = kind;
    a->table = pf_strdup(table);
    a->ref_table = ref ? pf_strdup(ref) : NULL;
    a->create_sql = create_sql;
    a->drop_sql = drop_sql;
}

static void aside_dispose(aside_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].table);
        free(l->items[i].ref_table);
        free(l->items[i].create_sql);
        free(l->items[i].drop_sql);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* Look up what to set aside, in drop order (foreign keys, keys, indexes).
 * Nothing is dropped here. */
static int collect(pf_db *db, const pf_dataset *ds, aside_list *out, pf_error *err)
{
    char *arr = table_array(ds), *trig = tables_literal(ds, true);
    /* $2: tables loaded with their triggers firing keep their keys, indexes
     * and outgoing foreign keys: they are loaded last, into a database
     * whose other tables are complete, like rows an application inserts. */
    const char *params[] = {arr, trig};
    pf_result *r = NULL;
    int rc = -1;
    /* Foreign keys from or to any loaded table (not their clones on partitions). */
    if (pf_db_query(db,
                    "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text, "
                    "quote_ident(c.conname), pg_get_constraintdef(c.oid) "
                    "FROM pg_constraint c WHERE c.contype = 'f' AND c.conparentid = 0 "
                    "AND (c.conrelid = ANY($1::regclass[]) OR c.confrelid = ANY($1::regclass[])) "
                    "AND c.conrelid <> ALL($2::regclass[]) "
                    "ORDER BY c.conrelid, c.oid",
                    2, params, &r, err) < 0)
        goto cleanup;
    for (int i = 0; i < pf_result_nrows(r); i++) {
        const char *tbl = pf_result_get(r, i, 0), *name = pf_result_get(r, i, 2);
        aside_add(out, TASK_FK, tbl, pf_result_get(r, i, 1),
                  pf_asprintf("ALTER TABLE %s ADD CONSTRAINT %s %s", tbl, name,
                              pf_result_get(r, i, 3)),
                  pf_asprintf("ALTER TABLE %s DROP CONSTRAINT %s", tbl, name));
    }
    pf_result_free(r);
    r = NULL;
    if (pf_db_query(db,
                    "SELECT c.conrelid::regclass::text, quote_ident(c.conname), "
                    "pg_get_constraintdef(c.oid) FROM pg_constraint c "
                    "WHERE c.contype IN ('p', 'u', 'x') AND c.conparentid = 0 "
                    "AND c.conrelid = ANY($1::regclass[]) AND c.conrelid <> ALL($2::regclass[]) "
                    "ORDER BY c.conrelid, c.conindid",
                    2, params, &r, err) < 0)
        goto cleanup;
    for (int i = 0; i < pf_result_nrows(r); i++) {
        const char *tbl = pf_result_get(r, i, 0), *name = pf_result_get(r, i, 1);
        aside_add(out, TASK_KEY, tbl, NULL,
                  pf_asprintf("ALTER TABLE %s ADD CONSTRAINT %s %s", tbl, name,
                              pf_result_get(r, i, 2)),
                  pf_asprintf("ALTER TABLE %s DROP CONSTRAINT %s", tbl, name));
    }
    pf_result_free(r);
    r = NULL;
    /* Plain indexes: not backing a constraint, not a partition's copy of a
     * partitioned index. */
    if (pf_db_query(db,
                    "SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, "
                    /* pg_get_indexdef says ON ONLY for a partitioned table's
                     * index, which would create it invalid and without the
                     * partitions' indexes. */
                    "regexp_replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ') "
                    "FROM pg_index i "
                    "WHERE i.indrelid = ANY($1::regclass[]) AND i.indrelid <> ALL($2::regclass[]) "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = "
                    "i.indexrelid AND c.contype IN ('p', 'u', 'x')) "
                    "AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid) "
                    "ORDER BY i.indrelid, i.indexrelid",
                    2, params, &r, err) < 0)
        goto cleanup;
    for (int i = 0; i < pf_result_nrows(r); i++)
        aside_add(out, TASK_INDEX, pf_result_get(r, i, 0), NULL,
                  pf_strdup(pf_result_get(r, i, 2)),
                  pf_asprintf("DROP INDEX %s", pf_result_get(r, i, 1)));
    rc = 0;
cleanup:
    pf_result_free(r);
    free(arr);
    free(trig);
    return rc;
}

/* Every table exists; its canonical name and kind; empty unless replacing. */
static int inspect_targets(pf_db *db, const pf_dataset *ds, bool replace, table_info *info,
                           pf_error *err)
{
    for (size_t i = 0; i < ds->n_tables; i++) {
        const char *params[] = {ds->tables[i].name};
        pf_result *r = NULL;
        if (pf_db_query(db,
                        "SELECT to_regclass($1)::text, (SELECT relkind = 'p' FROM pg_class "
                        "WHERE oid = to_regclass($1))",
                        1, params, &r, err) < 0)
            return -1;
        const char *canon = pf_result_get(r, 0, 0);
        if (canon == NULL) {
            pf_result_free(r);
            return pf_error_set(err, PF_EXIT_USAGE,
                                "%s: table %s does not exist in the database (is the schema "
                                "applied?)",
                                ds->path, ds->tables[i].name);
        }
        info[i].canonical = pf_strdup(canon);
        info[i].partitioned = pf_result_get(r, 0, 1)[0] == 't';
        pf_result_free(r);
        if (replace)
            continue;
        char *sql = pf_asprintf("SELECT EXISTS (SELECT 1 FROM %s)", ds->tables[i].name);
        char *v = NULL;
        int rc = pf_db_query_value(db, sql, &v, err);
        free(sql);
        bool nonempty = v && v[0] == 't';
        free(v);
        if (rc < 0)
            return -1;
        if (nonempty)
            return pf_error_set(err, PF_EXIT_USAGE,
                                "table %s already holds rows; perfgate seed loads into empty "
                                "tables (use --replace to truncate and reload)",
                                ds->tables[i].name);
    }
    return 0;
}

/* Best effort after a failure: put back what was set aside (keys first). */
static void restore(const char *dsn, const aside_list *l)
{
    pf_db *db = NULL;
    pf_error e;
    if (pf_db_connect(&db, dsn, &e) < 0)
        return;
    const task_kind order[] = {TASK_KEY, TASK_INDEX, TASK_FK};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < l->n; i++)
            if (l->items[i].kind == order[k])
                pf_db_exec(db, l->items[i].create_sql, &e);
    pf_db_close(db);
}

static long table_of(const table_info *info, size_t n, const char *canonical)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(info[i].canonical, canonical) == 0)
            return (long)i;
    return -1;
}

/* The statistics target that makes ANALYZE read every row of a table
 * (it samples 300 x target rows): deterministic planner statistics. */
static int stats_target_for(int64_t rows, int floor_target)
{
    int64_t t = rows / 300 + 1;
    if (t < floor_target)
        t = floor_target;
    if (t > 10000)
        t = 10000;
    return (int)t;
}

/* The task graph: per table LOAD -> KEYs -> INDEXes; a FOREIGN KEY after
 * the keys and indexes of both its tables (it locks both); ANALYZE last
 * for each table, after everything touching it. */
static void build_tasks(pool *p, const pf_dataset *ds, const table_info *info,
                        const aside_list *aside, int floor_target)
{
    size_t n = ds->n_tables;
    size_t *load = pf_calloc(n, sizeof *load);
    double *weight = pf_calloc(n, sizeof *weight);
    for (size_t t = 0; t < n; t++) {
        weight[t] = (double)pf_datagen_rows(p->g, t) * (double)ds->tables[t].n_columns;
        load[t] = add_task(p, TASK_LOAD, t, info[t].partitioned ? pf_strdup("partitioned") : NULL,
                           NULL, weight[t]);
    }
    /* A table's keys and indexes are rebuilt one after another in their
     * original creation (OID) order: the planner breaks cost ties between
     * indexes by OID, so a different order could change plans. Different
     * tables still build in parallel. */
    size_t *last = pf_calloc(n, sizeof *last);
    for (size_t t = 0; t < n; t++)
        last[t] = load[t];
    const task_kind kinds[] = {TASK_KEY, TASK_INDEX};
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < aside->n; i++) {
            const aside_item *a = &aside->items[i];
            if (a->kind != kinds[k])
                continue;
            long t = table_of(info, n, a->table);
            size_t id = add_task(p, kinds[k], (size_t)t, NULL, pf_strdup(a->create_sql), weight[t]);
            depend(p, id, last[t]);
            last[t] = id;
        }
    free(last);
    /* A table loaded with its triggers firing goes last: after every other
     * table is loaded and keyed, as a running application inserts. */
    for (size_t t = 0; t < n; t++) {
        if (!ds->tables[t].triggers)
            continue;
        for (size_t j = 0; j < p->n_tasks; j++)
            if (j != load[t] && !(p->tasks[j].kind == TASK_LOAD &&
                                  ds->tables[p->tasks[j].table].triggers))
                depend(p, load[t], j);
    }
    size_t first_fk = p->n_tasks;
    for (size_t i = 0; i < aside->n; i++) {
        const aside_item *a = &aside->items[i];
        if (a->kind != TASK_FK)
            continue;
        long ta = table_of(info, n, a->table), tb = table_of(info, n, a->ref_table);
        size_t k = add_task(p, TASK_FK, ta >= 0 ? (size_t)ta : (size_t)tb, NULL,
                            pf_strdup(a->create_sql), ta >= 0 ? weight[ta] : weight[tb]);
        for (size_t j = 0; j < first_fk; j++) {
            const task *d = &p->tasks[j];
            if ((long)d->table == ta || (long)d->table == tb)
                depend(p, k, j);
        }
    }
    /* The caller's step after the load (seed.sql) waits for everything
     * above; every ANALYZE waits for it, so statistics include its rows. */
    size_t after = SIZE_MAX;
    if (p->opts->after_load != NULL) {
        after = add_task(p, TASK_AFTER_LOAD, SIZE_MAX, NULL, NULL, 0);
        for (size_t j = 0; j < after; j++)
            depend(p, after, j);
    }
    size_t first_analyze = p->n_tasks;
    for (size_t t = 0; t < n; t++) {
        /* A partitioned table was not loaded with FREEZE: VACUUM sets the
         * visibility map and hint bits so buffer counts are stable. */
        char *pre = pf_asprintf("SET default_statistics_target = %d",
                                stats_target_for(pf_datagen_rows(p->g, t), floor_target));
        char *sql = pf_asprintf("%s %s", info[t].partitioned ? "VACUUM (FREEZE, ANALYZE)" : "ANALYZE",
                                ds->tables[t].name);
        size_t k = add_task(p, TASK_ANALYZE, t, pre, sql, weight[t]);
        if (after != SIZE_MAX)
            depend(p, k, after);
        for (size_t j = 0; j < first_analyze; j++) {
            const task *d = &p->tasks[j];
            bool touches = d->table == t;
            if (d->kind == TASK_FK) {
                /* Recover both ends of the foreign key from its DDL owner. */
                touches = touches || strstr(d->sql, info[t].canonical) != NULL;
            }
            if (touches)
                depend(p, k, j);
        }
    }
    free(load);
    free(weight);
}

/* Check the target tables, then drop their foreign keys, keys and indexes
 * (recorded in aside, counted in out): the load rebuilds them. *dropped
 * tells the caller there is something to restore on failure. */
static int set_aside(pf_db *db, const pf_dataset *ds, bool replace, table_info *info,
                     aside_list *aside, bool *dropped, pf_seed_result *out, pf_error *err)
{
    if (inspect_targets(db, ds, replace, info, err) < 0 || collect(db, ds, aside, err) < 0)
        return -1;
    *dropped = true;
    for (size_t i = 0; i < aside->n; i++)
        if (pf_db_exec(db, aside->items[i].drop_sql, err) < 0)
            return pf_error_prefix(err, "%s", aside->items[i].drop_sql);
    for (size_t i = 0; i < aside->n; i++) {
        out->n_foreign_keys += aside->items[i].kind == TASK_FK;
        out->n_constraints += aside->items[i].kind == TASK_KEY;
        out->n_indexes += aside->items[i].kind == TASK_INDEX;
    }
    return 0;
}

/* Tables outside the spec that triggers may have filled (a profiles table
 * behind auth.users): frozen and analysed like the spec's own, with a
 * statistics target that samples every row of any table below 3M rows, so
 * plans over them are as reproducible as the rest. Only when the spec has
 * trigger tables, or an after-load step (seed.sql) that may have filled
 * them too. */
static int settle_trigger_tables(pf_db *db, const pf_dataset *ds, bool after_load, pf_error *err)
{
    if (!any_triggers(ds) && !after_load)
        return 0;
    char *arr = table_array(ds);
    const char *params[] = {arr};
    pf_result *r = NULL;
    int rc = pf_db_query(db,
                         "SELECT c.oid::regclass::text FROM pg_catalog.pg_class c "
                         "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                         "WHERE c.relkind = 'r' AND c.relpersistence = 'p' "
                         "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                         "AND n.nspname !~ '^pg_toast' AND c.oid <> ALL($1::regclass[]) "
                         "ORDER BY c.oid",
                         1, params, &r, err);
    if (rc == 0)
        rc = pf_db_exec(db, "SET default_statistics_target = 10000", err);
    for (int i = 0; rc == 0 && i < pf_result_nrows(r); i++) {
        char *sql = pf_asprintf("VACUUM (FREEZE, ANALYZE) %s", pf_result_get(r, i, 0));
        rc = pf_db_exec(db, sql, err);
        free(sql);
    }
    if (rc == 0)
        rc = pf_db_exec(db, "RESET default_statistics_target", err);
    pf_result_free(r);
    free(arr);
    return rc < 0 ? pf_error_prefix(err, "settling the tables triggers filled") : 0;
}

/* Identity and serial columns loaded with explicit values get their
 * sequences moved past the loaded ids (idempotent). */
static int move_sequences(pf_db *db, const pf_dataset *ds, pf_error *err)
{
    char *arr = table_array(ds);
    const char *params[] = {arr};
    pf_result *r = NULL;
    int q = pf_db_query(
        db,
        "SELECT format('SELECT setval(%L, coalesce((SELECT max(%I) FROM %s), 0) + 1, false)', "
        "pg_get_serial_sequence(a.attrelid::regclass::text, a.attname), a.attname, "
        "a.attrelid::regclass) FROM pg_attribute a WHERE a.attrelid = ANY($1::regclass[]) "
        "AND a.attnum > 0 AND NOT a.attisdropped "
        "AND pg_get_serial_sequence(a.attrelid::regclass::text, a.attname) IS NOT NULL",
        1, params, &r, err);
    for (int i = 0; q == 0 && i < pf_result_nrows(r); i++)
        q = pf_db_exec(db, pf_result_get(r, i, 0), err);
    pf_result_free(r);
    free(arr);
    return q;
}

/* After the load: the tables triggers (or the after-load step) filled
 * settled, sequences moved past the loaded ids; the tables' size. */
static int after_load(pf_db *db, const pf_dataset *ds, const pf_seed_opts *opts,
                      pf_seed_result *out, pf_error *err)
{
    if (settle_trigger_tables(db, ds, opts->after_load != NULL, err) < 0 ||
        move_sequences(db, ds, err) < 0)
        return -1;
    char *arr = table_array(ds);
    const char *params[] = {arr};
    pf_result *r = NULL;
    int q = pf_db_query(db,
                        "SELECT coalesce(sum(pg_table_size(x.rel)), 0) FROM ("
                        "SELECT t.rel FROM unnest($1::regclass[]) AS t(rel) UNION "
                        "SELECT p.relid FROM unnest($1::regclass[]) AS t(rel), "
                        "LATERAL pg_partition_tree(t.rel) p WHERE p.isleaf) x",
                        1, params, &r, err);
    if (q == 0)
        out->table_bytes = atoll(pf_result_get(r, 0, 0));
    pf_result_free(r);
    free(arr);
    return q;
}

/* The overall checksum over (name, checksum, rows) of every table in spec
 * order, and the totals. */
static void sum_tables(pf_seed_result *out)
{
    uint64_t h = PF_RNG_HASH_INIT;
    for (size_t i = 0; i < out->n_tables; i++) {
        const pf_seed_table *st = &out->tables[i];
        unsigned char le[16];
        for (int b = 0; b < 8; b++) {
            le[b] = (unsigned char)(st->checksum >> (8 * b));
            le[8 + b] = (unsigned char)((uint64_t)st->rows >> (8 * b));
        }
        h = pf_rng_hash_bytes(h, st->name, strlen(st->name) + 1);
        h = pf_rng_hash_bytes(h, le, sizeof le);
        out->rows += st->rows;
        out->bytes += st->bytes;
    }
    out->checksum = h;
}

int pf_seed_run(const char *dsn, const pf_datagen *g, const pf_seed_opts *opts,
                pf_seed_result *out, pf_error *err)
{
    const pf_dataset *ds = pf_datagen_dataset(g);
    memset(out, 0, sizeof *out);
    out->n_tables = ds->n_tables;
    out->tables = pf_calloc(ds->n_tables, sizeof *out->tables);
    for (size_t i = 0; i < ds->n_tables; i++)
        out->tables[i].name = pf_strdup(ds->tables[i].name);
    int jobs = opts->jobs > 0 ? opts->jobs : 2;
    int floor_target = opts->stats_target > 0 ? opts->stats_target : 100;
    uint64_t t0 = pf_now_ns();
    aside_list aside;
    memset(&aside, 0, sizeof aside);
    table_info *info = pf_calloc(ds->n_tables, sizeof *info);
    pf_db *db = NULL;
    bool dropped = false;
    int rc = -1;

    pool p;
    memset(&p, 0, sizeof p);
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.cond, NULL);
    p.g = g;
    p.opts = opts;
    p.res = out;
    p.t0 = t0;

    if (opts->load) {
        if (pf_db_connect(&db, dsn, err) < 0 ||
            set_aside(db, ds, opts->replace, info, &aside, &dropped, out, err) < 0)
            goto cleanup;
        build_tasks(&p, ds, info, &aside, floor_target);
        p.dsn = dsn;
        /* Triggers off (session_replication_role) as pg_dump does; no
         * parallel maintenance workers: the pool already uses every core. */
        p.session_sql = "SET session_replication_role = replica; SET synchronous_commit = off; "
                        "SET maintenance_work_mem = '256MB'; "
                        "SET max_parallel_maintenance_workers = 0";
    } else {
        for (size_t t = 0; t < ds->n_tables; t++)
            add_task(&p, TASK_LOAD, t, NULL, NULL,
                     (double)pf_datagen_rows(g, t) * (double)ds->tables[t].n_columns);
    }
    out->prepare_ms = pf_elapsed_ms(t0);
    if (run_pool(&p, jobs, err) < 0)
        goto cleanup;
    dropped = false;
    out->load_ms = p.ms[TASK_LOAD];
    out->index_ms = p.ms[TASK_KEY] + p.ms[TASK_INDEX];
    out->fk_ms = p.ms[TASK_FK];
    out->vacuum_ms = p.ms[TASK_ANALYZE];
    if (opts->load && after_load(db, ds, opts, out, err) < 0)
        goto cleanup;
    sum_tables(out);
    rc = 0;
cleanup:
    out->total_ms = pf_elapsed_ms(t0);
    if (rc < 0 && dropped)
        restore(dsn, &aside);
    pf_db_close(db);
    aside_dispose(&aside);
    for (size_t i = 0; i < ds->n_tables; i++)
        free(info[i].canonical);
    free(info);
    pool_dispose(&p);
    return rc;
}

void pf_seed_result_dispose(pf_seed_result *r)
{
    for (size_t i = 0; i < r->n_tables; i++)
        free(r->tables[i].name);
    free(r->tables);
    memset(r, 0, sizeof *r);
}

void pf_seed_checksum_hex(uint64_t checksum, char buf[17])
{
    snprintf(buf, 17, "%016llx", (unsigned long long)checksum);
}
