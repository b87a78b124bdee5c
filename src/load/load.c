/* The load engine: plans, sessions, the per-thread event loop, results.
 *
 * A client is one connection in libpq pipeline mode. Its state machine:
 *
 *   IDLE  --a session is ready-->  BUSY (a batch is in flight)
 *   BUSY  --results + SYNC-->      next batch of the same step (BUSY),
 *                                  ROLLBACK after an error (BUSY),
 *                                  think: closed loop THINK / open loop IDLE,
 *                                  flow done: next flow (BUSY) or IDLE / DONE
 *   THINK --wake time-->           BUSY (closed loop only)
 *
 * A batch is one round trip: [BEGIN, identity] statements... [COMMIT],
 * Sync. It ends early after a statement whose row is captured, because the
 * statements after it need the values. */
#include "load.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "fsutil.h"
#include "barrier.h"
#include "interrupt.h"
#include "measure.h"
#include "rng.h"
#include "timeutil.h"

/* Stream tags: each kind of draw has its own counter-based stream. */
#define TAG_ASSIGN 0x61737369676eull
#define TAG_FLOW 0x666c6f77ull
#define TAG_ARRIVAL 0x617272697665ull
#define TAG_PARAM 0x70617261ull /* as measure.c's parameter draws */
#define TAG_RANDOM 0x72616e646f6dull
#define TAG_THINK 0x7468696e6bull

#define IDENT_STMT "pfl_ident"
/* How PostgREST sets the identity: role and claims local to the transaction. */
#define IDENT_SQL "SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true)"
#define POLL_CAP_NS 50000000ull  /* wake at least every 50 ms (stop flag, progress) */
#define STOP_GRACE_NS 1000000000ull /* after SIGINT, in-flight batches get 1 s */

/* ------------------------------------------------------------------ plan */

typedef enum var_kind { VAR_PARAM, VAR_RANDOM, VAR_CAPTURE, VAR_CLIENT, VAR_ITERATION } var_kind;

typedef struct var_ref {
    var_kind kind;
    int index; /* params column, random variable or capture slot */
} var_ref;

typedef struct stmt_plan {
    const pf_stmt *st;
    char name[80];
    var_ref *refs;      /* one per $n */
    int *capture_slots; /* one per captured column */
} stmt_plan;

typedef struct flow_plan {
    const pf_flow *f;
    uint64_t name_hash;
    pf_params params;
    stmt_plan **steps;  /* [step][stmt] */
    char **slots;       /* capture slot names, NULL-terminated */
    size_t n_slots;
    char *const_claims; /* anon / service_role */
    const char *role;
} flow_plan;

typedef struct plan {
    const pf_scenario *s;
    flow_plan *flows;
    size_t n_flows;
    double *cum; /* cumulative flow weights, normalised */
    size_t max_slots, max_random, max_cmds, max_names;
} plan;

static void plan_dispose(plan *p)
{
    for (size_t i = 0; i < p->n_flows; i++) {
        flow_plan *fp = &p->flows[i];
        pf_params_dispose(&fp->params);
        for (size_t s = 0; fp->steps && s < fp->f->n_steps; s++) {
            for (size_t k = 0; fp->steps[s] && k < fp->f->steps[s].n_stmts; k++) {
                free(fp->steps[s][k].refs);
                free(fp->steps[s][k].capture_slots);
            }
            free(fp->steps[s]);
        }
        free(fp->steps);
        pf_strv_free(fp->slots);
        free(fp->const_claims);
    }
    free(p->flows);
    free(p->cum);
    memset(p, 0, sizeof *p);
}

static int slot_of(flow_plan *fp, const char *name, bool add)
{
    for (size_t i = 0; i < fp->n_slots; i++)
        if (strcmp(fp->slots[i], name) == 0)
            return (int)i;
    if (!add)
        return -1;
    fp->slots = pf_realloc(fp->slots, (fp->n_slots + 2) * sizeof *fp->slots);
    fp->slots[fp->n_slots] = pf_strdup(name);
    fp->slots[++fp->n_slots] = NULL;
    return (int)fp->n_slots - 1;
}

/* Resolve every :name of every statement to where its value comes from,
 * in the order the statements run (a capture serves later statements). */
static int plan_flow(flow_plan *fp, size_t fi, pf_error *err)
{
    const pf_flow *f = fp->f;
    fp->steps = pf_calloc(f->n_steps, sizeof *fp->steps);
    fp->slots = pf_calloc(1, sizeof *fp->slots);
    for (size_t s = 0; s < f->n_steps; s++) {
        const pf_step *st = &f->steps[s];
        fp->steps[s] = pf_calloc(st->n_stmts, sizeof *fp->steps[s]);
        for (size_t k = 0; k < st->n_stmts; k++) {
            stmt_plan *sp = &fp->steps[s][k];
            sp->st = &st->stmts[k];
            snprintf(sp->name, sizeof sp->name, "pfl_%zu_%zu_%zu", fi, s, k);
            sp->refs = pf_calloc(sp->st->n_names + 1, sizeof *sp->refs);
            for (size_t i = 0; i < sp->st->n_names; i++) {
                const char *n = sp->st->names[i];
                var_ref *r = &sp->refs[i];
                int slot = slot_of(fp, n, false);
                if (strcmp(n, PF_SCENARIO_VAR_CLIENT) == 0) {
                    r->kind = VAR_CLIENT;
                } else if (strcmp(n, PF_SCENARIO_VAR_ITERATION) == 0) {
                    r->kind = VAR_ITERATION;
                } else if (slot >= 0) {
                    r->kind = VAR_CAPTURE;
                    r->index = slot;
                } else {
                    r->kind = VAR_PARAM;
                    r->index = -1;
                    for (size_t v = 0; v < f->n_random; v++)
                        if (strcmp(f->random[v].name, n) == 0) {
                            r->kind = VAR_RANDOM;
                            r->index = (int)v;
                        }
                    for (size_t c = 0; r->kind == VAR_PARAM && c < fp->params.n_columns; c++)
                        if (strcmp(fp->params.columns[c], n) == 0)
                            r->index = (int)c;
                    if (r->kind == VAR_PARAM && r->index < 0)
                        return pf_error_set(err, PF_EXIT_USAGE,
                                            "%s: :%s is not a column of the params query",
                                            sp->st->path, n);
                }
            }
            sp->capture_slots = pf_calloc(sp->st->n_capture + 1, sizeof *sp->capture_slots);
            for (size_t c = 0; c < sp->st->n_capture; c++)
                sp->capture_slots[c] = slot_of(fp, sp->st->capture[c], true);
        }
    }
    return 0;
}

/* Parameters, weights and variable sources for every flow. */
static int plan_build(plan *p, const pf_scenario *s, pf_db *db, pf_error *err)
{
    memset(p, 0, sizeof *p);
    p->s = s;
    p->n_flows = s->n_flows;
    p->flows = pf_calloc(s->n_flows, sizeof *p->flows);
    p->cum = pf_calloc(s->n_flows, sizeof *p->cum);
    double total = 0;
    for (size_t i = 0; i < s->n_flows; i++) {
        total += s->flows[i].weight;
        p->cum[i] = total;
    }
    for (size_t i = 0; i < s->n_flows; i++)
        p->cum[i] /= total;
    for (size_t i = 0; i < s->n_flows; i++) {
        const pf_flow *f = &s->flows[i];
        flow_plan *fp = &p->flows[i];
        fp->f = f;
        fp->name_hash = pf_rng_hash_str(f->name);
        fp->role = pf_registry_identity_role(f->identity);
        if (f->identity == PF_IDENTITY_ANON || f->identity == PF_IDENTITY_SERVICE_ROLE)
            fp->const_claims = pf_asprintf("{\"role\":\"%s\"}", fp->role);
        /* measure.c's params loader, through a case that carries the flow's
         * params query and the names only it can provide. */
        char **need = pf_scenario_flow_param_names(f);
        size_t n_need = 0;
        while (need[n_need])
            n_need++;
        char *origin = pf_asprintf("%s: flow %s", s->file, f->name);
        pf_case c;
        memset(&c, 0, sizeof c);
        c.name = f->name;
        c.file = origin;
        c.params_sql = f->params_sql;
        c.param_names = need;
        c.n_params = n_need;
        c.identity = f->identity;
        c.identity_label = f->identity_label;
        int rc = pf_params_load(db, &c, &fp->params, err);
        if (rc == 0 && f->params_sql == NULL && n_need > 0)
            rc = pf_error_set(err, PF_EXIT_USAGE, "%s: :%s has no source", origin, need[0]);
        pf_strv_free(need);
        free(origin);
        if (rc < 0)
            return -1;
        if (plan_flow(fp, i, err) < 0)
            return pf_error_prefix(err, "%s", s->file);
        size_t cmds = 3, names = 0;
        for (size_t k = 0; k < f->n_steps; k++) {
            size_t c2 = f->steps[k].n_stmts + 3;
            cmds = c2 > cmds ? c2 : cmds;
            for (size_t m = 0; m < f->steps[k].n_stmts; m++)
                names = f->steps[k].stmts[m].n_names > names ? f->steps[k].stmts[m].n_names : names;
        }
        p->max_cmds = cmds > p->max_cmds ? cmds : p->max_cmds;
        p->max_names = names > p->max_names ? names : p->max_names;
        p->max_slots = fp->n_slots > p->max_slots ? fp->n_slots : p->max_slots;
        p->max_random = f->n_random > p->max_random ? f->n_random : p->max_random;
    }
    return 0;
}

/* Prepare every statement (and the identity statement) on a connection. */
static int plan_prepare(const plan *p, pf_db *db, pf_error *err)
{
    if (pf_db_prepare(db, IDENT_STMT, IDENT_SQL, err) < 0)
        return pf_error_prefix(err, "preparing the identity statement");
    for (size_t i = 0; i < p->n_flows; i++) {
        const flow_plan *fp = &p->flows[i];
        for (size_t s = 0; s < fp->f->n_steps; s++)
            for (size_t k = 0; k < fp->f->steps[s].n_stmts; k++) {
                const stmt_plan *sp = &fp->steps[s][k];
                if (pf_db_prepare(db, sp->name, sp->st->prepared_sql, err) < 0) {
                    pf_error_prefix(err, "%s: %s: preparing the statement", p->s->file,
                                    sp->st->path);
                    if (err)
                        err->code = pf_db_broken(db) ? PF_EXIT_INFRA : PF_EXIT_FAIL;
                    return -1;
                }
            }
    }
    return 0;
}

/* ------------------------------------------------------------- sessions */

/* One flow execution in progress. */
typedef struct session {
    uint64_t k;
    int flow;
    size_t row;
    char iter[24];
    char (*rnd)[24]; /* plan.max_random values */
    char **slots;    /* plan.max_slots captured values, owned */
    char *claims;    /* owned: authenticated identities */
    size_t step;
    int rep;
    size_t stmt;     /* next statement of the step */
    size_t batch_end;/* statement after the batch in flight */
    int tries;
    uint64_t start_ns, ready_ns, think_ns, lag_ns;
    bool end_now;       /* a capture found no row and said "end" */
    bool retry_pending; /* a retryable error: run the step again after the ROLLBACK */
    bool failed;
    char errkey[8];
    char *errmsg;
    struct session *next_free;
} session;

static session *session_new(const plan *p)
{
    session *s = pf_calloc(1, sizeof *s);
    s->rnd = pf_calloc(p->max_random + 1, sizeof *s->rnd);
    s->slots = pf_calloc(p->max_slots + 1, sizeof *s->slots);
    return s;
}

static void session_clear(const plan *p, session *s)
{
    for (size_t i = 0; i < p->max_slots; i++) {
        free(s->slots[i]);
        s->slots[i] = NULL;
    }
    free(s->claims);
    s->claims = NULL;
    free(s->errmsg);
    s->errmsg = NULL;
}

static void session_free(const plan *p, session *s)
{
    if (s == NULL)
        return;
    session_clear(p, s);
    free(s->rnd);
    free(s->slots);
    free(s);
}

static size_t draw_cum(const double *cum, size_t n, double u)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Everything flow execution k needs, drawn from (seed, k). */
static void session_init(const plan *p, uint64_t seed, session *s, uint64_t k, uint64_t start_ns)
{
    session_clear(p, s);
    s->k = k;
    pf_rng r = pf_rng_stream(seed, k, TAG_FLOW, 0);
    s->flow = (int)draw_cum(p->cum, p->n_flows, pf_rng_uniform(&r));
    const flow_plan *fp = &p->flows[s->flow];
    s->row = 0;
    if (fp->params.n_rows > 1) {
        pf_rng pr = pf_rng_stream(seed, fp->name_hash, k, TAG_PARAM);
        s->row = draw_cum(fp->params.cum, fp->params.n_rows, pf_rng_uniform(&pr));
    }
    snprintf(s->iter, sizeof s->iter, "%llu", (unsigned long long)k);
    for (size_t v = 0; v < fp->f->n_random; v++) {
        const pf_random_var *rv = &fp->f->random[v];
        pf_rng rr = pf_rng_stream(seed, k, TAG_RANDOM, v);
        uint64_t span = (uint64_t)(rv->hi - rv->lo) + 1;
        snprintf(s->rnd[v], sizeof s->rnd[v], "%lld",
                 (long long)(rv->lo + (int64_t)pf_rng_below(&rr, span)));
    }
    if (fp->f->identity == PF_IDENTITY_AUTHENTICATED) {
        const char *uid = fp->params.values[s->row * fp->params.n_columns +
                                            (size_t)fp->params.user_col];
        s->claims = pf_asprintf("{\"sub\":\"%s\",\"role\":\"authenticated\"}", uid ? uid : "");
    }
    s->step = 0;
    s->rep = 0;
    s->stmt = 0;
    s->tries = 1;
    s->start_ns = s->ready_ns = start_ns;
    s->think_ns = s->lag_ns = 0;
    s->end_now = s->retry_pending = s->failed = false;
    s->errkey[0] = '\0';
}

/* Think time after repetition `rep` of step `step`. */
static uint64_t think_ns(uint64_t seed, const session *s, const pf_think *t, size_t step, int rep)
{
    if (t->kind == PF_THINK_NONE)
        return 0;
    pf_rng r = pf_rng_stream(seed, s->k, TAG_THINK, (uint64_t)step * 1000003u + (uint64_t)rep);
    double ms = t->a_ms;
    if (t->kind == PF_THINK_EXPONENTIAL) {
        ms = pf_rng_exponential(&r, t->a_ms);
        if (ms > 10 * t->a_ms)
            ms = 10 * t->a_ms;
    } else if (t->kind == PF_THINK_UNIFORM) {
        ms = t->a_ms + pf_rng_uniform(&r) * (t->b_ms - t->a_ms);
    }
    return (uint64_t)(ms * 1e6);
}

/* --------------------------------------------------------------- threads */

typedef enum cmd_kind { CMD_BEGIN, CMD_IDENT, CMD_STMT, CMD_COMMIT, CMD_ROLLBACK } cmd_kind;

typedef struct cmd {
    cmd_kind kind;
    size_t stmt;
} cmd;

typedef enum client_state { CL_IDLE, CL_BUSY, CL_THINK, CL_DONE } client_state;

typedef enum batch_kind { BATCH_STEP, BATCH_ROLLBACK, BATCH_COMMIT } batch_kind;

typedef struct client {
    pf_db *db;
    int fd;
    char id[32];
    client_state state;
    session *s;
    session *own;  /* closed loop: the client's session */
    bool want_write;
    batch_kind batch;
    cmd *cmds;
    int n_cmds, cur;
    bool batch_error;
    char err_state[8];
    char *err_msg;
    uint64_t wake_ns;
    const char **vals; /* scratch: parameter values of one statement */
} client;

typedef struct flow_stats {
    pf_hist *latency, *lag;
    int64_t started, completed, errors, retries, late, incomplete;
    pf_load_flow_result errs; /* only its errs / n_errs are used */
} flow_stats;

struct run;

typedef struct lthread {
    struct run *run;
    int index;
    pthread_t tid;
    client *clients;
    int n_clients;
    int *idle; /* open loop: indices of idle clients */
    int n_idle;
    session **heap; /* open loop: sessions waiting for a connection, by ready_ns */
    size_t n_heap, cap_heap;
    session *free_sessions;
    /* The schedule walk: the next execution this thread runs. */
    uint64_t gen_k;
    double gen_t_s;
    bool gen_have;
    uint64_t next_k, next_ns;
    /* Stats, read by the main thread for progress. */
    pthread_mutex_t mu;
    flow_stats *fs;
    pf_hist *interval;
    int64_t iv_done, iv_err;
    _Atomic uint64_t lag_now_ns;
    uint64_t last_end_ns;
    int64_t unstarted;
    int n_busy, n_think;
    int rc;
    pf_error err;
} lthread;

typedef struct run {
    const pf_load_opts *o;
    const plan *p;
    const char *dsn;
    lthread *ts;
    int n_threads;
    int clients;       /* this shard's connections */
    int shard, shards; /* shard 0-based */
    uint64_t seed;
    pf_barrier go;
    int n_started;        /* threads created (all, unless creating one failed) */
    bool spawn_failed;
    pf_error spawn_err;
    uint64_t start_ns, end_ns; /* end: UINT64_MAX without a duration */
    uint64_t late_ns, grace_ns;
    atomic_int stop;      /* 1: interrupted */
    atomic_int fatal;     /* a thread failed: everyone stops */
    atomic_int finished;  /* threads done */
    _Atomic uint64_t stop_ns;
} run;

void pf_load_assign(uint64_t seed, uint64_t k, int shards, int threads, int *shard, int *thread)
{
    pf_rng r = pf_rng_stream(seed, k, TAG_ASSIGN, 0);
    *shard = (int)pf_rng_below(&r, (uint64_t)(shards > 0 ? shards : 1));
    *thread = (int)pf_rng_below(&r, (uint64_t)(threads > 0 ? threads : 1));
}

static bool interrupted(const lthread *t)
{
    return atomic_load(&t->run->stop) || atomic_load(&t->run->fatal);
}

/* Walk the run's executions to the next one of this shard and thread. */
static void gen_advance(lthread *t)
{
    run *r = t->run;
    bool open = r->o->mode == PF_LOAD_OPEN;
    t->gen_have = false;
    for (unsigned spins = 0;; spins++) {
        if (r->o->transactions > 0 && t->gen_k >= (uint64_t)r->o->transactions)
            return;
        /* Executions of other shards and threads are skipped here; an
         * interrupt must still be seen however many there are. */
        if ((spins & 4095) == 4095 && interrupted(t))
            return;
        uint64_t k = t->gen_k++;
        if (open) {
            pf_rng g = pf_rng_stream(r->seed, k, TAG_ARRIVAL, 0);
            t->gen_t_s += pf_rng_exponential(&g, 1.0 / r->o->rate);
            if (r->o->duration_ms > 0 && t->gen_t_s * 1000.0 >= r->o->duration_ms)
                return;
        }
        int sh, th;
        pf_load_assign(r->seed, k, r->shards, r->n_threads, &sh, &th);
        if (sh == r->shard && th == t->index) {
            t->next_k = k;
            t->next_ns = r->start_ns + (uint64_t)(t->gen_t_s * 1e9);
            t->gen_have = true;
            return;
        }
    }
}

static void heap_push(lthread *t, session *s)
{
    if (t->n_heap == t->cap_heap) {
        t->cap_heap = t->cap_heap ? t->cap_heap * 2 : 64;
        t->heap = pf_realloc(t->heap, t->cap_heap * sizeof *t->heap);
    }
    size_t i = t->n_heap++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (t->heap[up]->ready_ns <= s->ready_ns)
            break;
        t->heap[i] = t->heap[up];
        i = up;
    }
    t->heap[i] = s;
}

static session *heap_pop(lthread *t)
{
    session *top = t->heap[0];
    session *last = t->heap[--t->n_heap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= t->n_heap)
            break;
        if (c + 1 < t->n_heap && t->heap[c + 1]->ready_ns < t->heap[c]->ready_ns)
            c++;
        if (last->ready_ns <= t->heap[c]->ready_ns)
            break;
        t->heap[i] = t->heap[c];
        i = c;
    }
    if (t->n_heap > 0)
        t->heap[i] = last;
    return top;
}

static session *session_get(lthread *t)
{
    session *s = t->free_sessions;
    if (s != NULL) {
        t->free_sessions = s->next_free;
        return s;
    }
    return session_new(t->run->p);
}

static void session_put(lthread *t, session *s)
{
    session_clear(t->run->p, s);
    s->next_free = t->free_sessions;
    t->free_sessions = s;
}

static void fatal(lthread *t, const pf_error *e)
{
    if (t->rc == 0) {
        t->rc = -1;
        t->err = *e;
    }
    atomic_store(&t->run->fatal, 1);
}

static void add_error(pf_load_flow_result *f, const char *key, int64_t n, const char *example)
{
    pf_load_flow_add_error(f, key, n, example);
}

/* A flow execution ended (ok or with an error): record it. */
static void finish(lthread *t, client *c, uint64_t now)
{
    run *r = t->run;
    session *s = c->s;
    flow_stats *fs = &t->fs[s->flow];
    pthread_mutex_lock(&t->mu);
    if (!s->failed) {
        uint64_t lat = now - s->start_ns;
        lat = lat > s->think_ns ? lat - s->think_ns : 0;
        pf_hist_record(fs->latency, lat);
        pf_hist_record(t->interval, lat);
        fs->completed++;
        t->iv_done++;
    } else {
        fs->errors++;
        t->iv_err++;
        add_error(&fs->errs, s->errkey, 1, s->errmsg);
    }
    pf_hist_record(fs->lag, s->lag_ns);
    if (s->lag_ns > r->late_ns)
        fs->late++;
    t->last_end_ns = now;
    pthread_mutex_unlock(&t->mu);
    if (r->o->mode == PF_LOAD_OPEN)
        session_put(t, s);
    c->s = NULL;
    c->state = CL_IDLE;
}


/* No new flow starts: the duration is over, or the run was interrupted.
 * (Open-loop arrivals scheduled before the end still start, late.) */
static bool stopping(const lthread *t, uint64_t now)
{
    return now >= t->run->end_ns || interrupted(t);
}

static void session_started(lthread *t, const session *s)
{
    pthread_mutex_lock(&t->mu);
    t->fs[s->flow].started++;
    pthread_mutex_unlock(&t->mu);
}

/* Queue the next batch of c's session and send it. */
static int send_batch(lthread *t, client *c, batch_kind kind)
{
    const plan *p = t->run->p;
    session *s = c->s;
    const flow_plan *fp = &p->flows[s->flow];
    const pf_step *st = &fp->f->steps[s->step];
    c->n_cmds = 0;
    c->cur = 0;
    c->batch = kind;
    c->batch_error = false;
    c->err_state[0] = '\0';
    free(c->err_msg);
    c->err_msg = NULL;
    if (kind == BATCH_ROLLBACK) {
        c->cmds[c->n_cmds++] = (cmd){CMD_ROLLBACK, 0};
    } else if (kind == BATCH_COMMIT) {
        c->cmds[c->n_cmds++] = (cmd){CMD_COMMIT, 0};
    } else {
        if (s->stmt == 0 && st->transaction) {
            c->cmds[c->n_cmds++] = (cmd){CMD_BEGIN, 0};
            if (fp->f->identity != PF_IDENTITY_OWNER)
                c->cmds[c->n_cmds++] = (cmd){CMD_IDENT, 0};
        }
        size_t j = s->stmt;
        while (j < st->n_stmts) {
            c->cmds[c->n_cmds++] = (cmd){CMD_STMT, j};
            if (st->stmts[j++].n_capture > 0)
                break;
        }
        s->batch_end = j;
        if (j == st->n_stmts && st->transaction)
            c->cmds[c->n_cmds++] = (cmd){CMD_COMMIT, 0};
    }
    pf_error e;
    pf_error_clear(&e);
    int rc = 0;
    for (int i = 0; i < c->n_cmds && rc == 0; i++) {
        const cmd *m = &c->cmds[i];
        switch (m->kind) {
        case CMD_BEGIN:
            rc = pf_db_send_params(c->db, "BEGIN", 0, NULL, &e);
            break;
        case CMD_COMMIT:
            rc = pf_db_send_params(c->db, "COMMIT", 0, NULL, &e);
            break;
        case CMD_ROLLBACK:
            rc = pf_db_send_params(c->db, "ROLLBACK", 0, NULL, &e);
            break;
        case CMD_IDENT: {
            const char *v[2] = {fp->role, s->claims ? s->claims : fp->const_claims};
            rc = pf_db_send_prepared(c->db, IDENT_STMT, 2, v, &e);
            break;
        }
        case CMD_STMT: {
            const stmt_plan *sp = &fp->steps[s->step][m->stmt];
            for (size_t n = 0; n < sp->st->n_names; n++) {
                const var_ref *ref = &sp->refs[n];
                switch (ref->kind) {
                case VAR_PARAM:
                    c->vals[n] =
                        fp->params.values[s->row * fp->params.n_columns + (size_t)ref->index];
                    break;
                case VAR_RANDOM:
                    c->vals[n] = s->rnd[ref->index];
                    break;
                case VAR_CAPTURE:
                    c->vals[n] = s->slots[ref->index];
                    break;
                case VAR_CLIENT:
                    c->vals[n] = c->id;
                    break;
                case VAR_ITERATION:
                    c->vals[n] = s->iter;
                    break;
                }
            }
            rc = pf_db_send_prepared(c->db, sp->name, (int)sp->st->n_names, c->vals, &e);
            break;
        }
        }
    }
    if (rc == 0)
        rc = pf_db_send_sync(c->db, &e);
    int fl = rc == 0 ? pf_db_flush(c->db, &e) : -1;
    if (fl < 0) {
        fatal(t, &e);
        return -1;
    }
    c->want_write = fl == 1;
    if (c->state != CL_BUSY)
        t->n_busy++;
    c->state = CL_BUSY;
    return 0;
}

/* Closed loop: start the client's next flow, if the run still starts flows. */
static void closed_next(lthread *t, client *c, uint64_t now)
{
    if (stopping(t, now) || !t->gen_have) {
        c->state = CL_DONE;
        return;
    }
    c->s = c->own;
    /* The flow starts when it is sent, not when this loop iteration began
     * (other clients' results may have been handled in between). */
    session_init(t->run->p, t->run->seed, c->s, t->next_k, pf_now_ns());
    gen_advance(t);
    session_started(t, c->s);
    send_batch(t, c, BATCH_STEP);
}

/* The step (or flow) of c's session moves on after a successful batch. */
static void advance(lthread *t, client *c, uint64_t now)
{
    run *r = t->run;
    session *s = c->s;
    const pf_flow *f = r->p->flows[s->flow].f;
    const pf_step *st = &f->steps[s->step];
    if (s->batch_end < st->n_stmts) {
        s->stmt = s->batch_end;
        send_batch(t, c, BATCH_STEP);
        return;
    }
    size_t done_step = s->step;
    int done_rep = s->rep;
    s->stmt = 0;
    s->tries = 1;
    if (++s->rep >= st->repeat) {
        s->rep = 0;
        s->step++;
    }
    if (s->step >= f->n_steps) {
        finish(t, c, now);
        if (r->o->mode == PF_LOAD_CLOSED)
            closed_next(t, c, now);
        return;
    }
    uint64_t think = think_ns(r->seed, s, &st->think, done_step, done_rep);
    if (think == 0) {
        send_batch(t, c, BATCH_STEP);
        return;
    }
    s->think_ns += think;
    if (r->o->mode == PF_LOAD_CLOSED) {
        c->state = CL_THINK;
        c->wake_ns = now + think;
        t->n_think++;
        return;
    }
    s->ready_ns = now + think;
    heap_push(t, s);
    c->s = NULL;
    c->state = CL_IDLE;
}

/* Everything of c's batch arrived. */
static void batch_done(lthread *t, client *c, uint64_t now)
{
    run *r = t->run;
    session *s = c->s;
    t->n_busy--;
    c->state = CL_IDLE; /* until something below sends again */
    if (c->batch == BATCH_ROLLBACK || (c->batch == BATCH_COMMIT && !c->batch_error)) {
        if (c->batch == BATCH_ROLLBACK && s->retry_pending) {
            s->retry_pending = false;
            s->stmt = 0;
            send_batch(t, c, BATCH_STEP);
            return;
        }
        finish(t, c, now);
        if (r->o->mode == PF_LOAD_CLOSED)
            closed_next(t, c, now);
        return;
    }
    if (c->batch_error) {
        pf_db_txn txn = pf_db_transaction_state(c->db);
        bool open_txn = txn == PF_DB_TXN_BLOCK || txn == PF_DB_TXN_FAILED;
        int max_tries = r->o->max_tries > 0 ? r->o->max_tries : 3;
        bool retryable = strcmp(c->err_state, "40001") == 0 || strcmp(c->err_state, "40P01") == 0;
        if (retryable && s->tries < max_tries && !interrupted(t)) {
            s->tries++;
            pthread_mutex_lock(&t->mu);
            t->fs[s->flow].retries++;
            pthread_mutex_unlock(&t->mu);
            s->retry_pending = true;
        } else {
            s->failed = true;
            snprintf(s->errkey, sizeof s->errkey, "%s", c->err_state);
            free(s->errmsg);
            s->errmsg = pf_strdup(c->err_msg ? c->err_msg : "");
        }
        if (open_txn) {
            send_batch(t, c, BATCH_ROLLBACK);
            return;
        }
        if (s->retry_pending) {
            s->retry_pending = false;
            s->stmt = 0;
            send_batch(t, c, BATCH_STEP);
            return;
        }
        finish(t, c, now);
        if (r->o->mode == PF_LOAD_CLOSED)
            closed_next(t, c, now);
        return;
    }
    if (s->end_now) {
        if (pf_db_transaction_state(c->db) == PF_DB_TXN_BLOCK) {
            send_batch(t, c, BATCH_COMMIT);
            return;
        }
        finish(t, c, now);
        if (r->o->mode == PF_LOAD_CLOSED)
            closed_next(t, c, now);
        return;
    }
    advance(t, c, now);
}

static void batch_fail(client *c, const char *state, const char *msg)
{
    if (c->batch_error)
        return;
    c->batch_error = true;
    snprintf(c->err_state, sizeof c->err_state, "%s", state && *state ? state : "XX000");
    c->err_msg = pf_strdup(msg ? msg : "");
}

/* Keep the captured columns of a statement's first row. */
static void capture(lthread *t, client *c, const stmt_plan *sp, const pf_db_event *ev)
{
    session *s = c->s;
    (void)t;
    if (ev->ncols == 0) {
        if (sp->st->end_if_empty)
            s->end_now = true;
        else
            batch_fail(c, "no_row", "a statement whose row is captured returned no row");
        return;
    }
    for (size_t i = 0; i < sp->st->n_capture; i++) {
        int col = -1;
        for (int k = 0; k < ev->ncols && col < 0; k++)
            if (strcmp(ev->names[k], sp->st->capture[i]) == 0)
                col = k;
        if (col < 0) {
            char *m = pf_asprintf("the result has no column '%s' to capture", sp->st->capture[i]);
            batch_fail(c, "no_col", m);
            free(m);
            return;
        }
        int slot = sp->capture_slots[i];
        free(s->slots[slot]);
        s->slots[slot] = ev->values[col] ? pf_strdup(ev->values[col]) : NULL;
    }
}

/* Read what arrived for c and act on complete batches. */
static void client_input(lthread *t, client *c, uint64_t now)
{
    pf_error e;
    pf_error_clear(&e);
    if (pf_db_consume_input(c->db, &e) < 0) {
        fatal(t, &e);
        return;
    }
    /* The results arrived now, not when poll() returned: earlier clients of
     * this iteration took time to handle. */
    (void)now;
    now = pf_now_ns();
    while (c->state == CL_BUSY && !pf_db_is_busy(c->db)) {
        const cmd *m = c->cur < c->n_cmds ? &c->cmds[c->cur] : NULL;
        const stmt_plan *sp = NULL;
        if (m != NULL && m->kind == CMD_STMT)
            sp = &t->run->p->flows[c->s->flow].steps[c->s->step][m->stmt];
        bool want_row = sp != NULL && sp->st->n_capture > 0;
        pf_db_event ev;
        if (pf_db_next_event(c->db, want_row, &ev, &e) < 0) {
            pf_db_event_dispose(&ev);
            fatal(t, &e);
            return;
        }
        switch (ev.kind) {
        case PF_DB_EVENT_OK:
            if (want_row && !c->batch_error)
                capture(t, c, sp, &ev);
            break;
        case PF_DB_EVENT_ERROR:
            batch_fail(c, ev.sqlstate, ev.message);
            break;
        case PF_DB_EVENT_ABORTED:
            break;
        case PF_DB_EVENT_END:
            c->cur++;
            break;
        case PF_DB_EVENT_SYNC:
            pf_db_event_dispose(&ev);
            batch_done(t, c, now);
            return;
        }
        pf_db_event_dispose(&ev);
    }
}

/* Open loop: give idle connections the sessions whose time has come, the
 * oldest first (woken sessions and new arrivals alike). */
static void open_dispatch(lthread *t, uint64_t now)
{
    run *r = t->run;
    while (t->n_idle > 0 && t->rc == 0) {
        bool arrival = t->gen_have && t->next_ns <= now && !interrupted(t);
        bool woken = t->n_heap > 0 && t->heap[0]->ready_ns <= now;
        if (!arrival && !woken)
            break;
        session *s;
        if (woken && (!arrival || t->heap[0]->ready_ns <= t->next_ns)) {
            s = heap_pop(t);
        } else {
            s = session_get(t);
            session_init(r->p, r->seed, s, t->next_k, t->next_ns);
            gen_advance(t);
            session_started(t, s);
        }
        s->lag_ns += now - s->ready_ns;
        client *c = &t->clients[t->idle[--t->n_idle]];
        c->s = s;
        send_batch(t, c, BATCH_STEP);
    }
}

/* Give up on whatever has not ended: counted as incomplete. */
static void abandon(lthread *t)
{
    run *r = t->run;
    pthread_mutex_lock(&t->mu);
    for (int i = 0; i < t->n_clients; i++) {
        client *c = &t->clients[i];
        if (c->s != NULL && (c->state == CL_BUSY || c->state == CL_THINK))
            t->fs[c->s->flow].incomplete++;
    }
    for (size_t i = 0; i < t->n_heap; i++)
        t->fs[t->heap[i]->flow].incomplete++;
    pthread_mutex_unlock(&t->mu);
    for (int i = 0; i < t->n_clients; i++) {
        client *c = &t->clients[i];
        if (c->state == CL_BUSY) {
            pf_error e;
            pf_db_cancel(c->db, &e);
        }
        if (c->s != NULL && r->o->mode == PF_LOAD_OPEN)
            session_put(t, c->s);
        c->s = NULL;
        c->state = CL_DONE;
    }
    while (t->n_heap > 0)
        session_put(t, heap_pop(t));
    t->n_busy = t->n_think = 0;
}

static int thread_setup(lthread *t)
{
    run *r = t->run;
    for (int i = 0; i < t->n_clients; i++) {
        client *c = &t->clients[i];
        snprintf(c->id, sizeof c->id, "s%d-t%d-c%d", r->shard + 1, t->index, i);
        c->cmds = pf_calloc(r->p->max_cmds + 1, sizeof *c->cmds);
        c->vals = pf_calloc(r->p->max_names + 1, sizeof *c->vals);
        if (r->o->mode == PF_LOAD_CLOSED)
            c->own = session_new(r->p);
        if (atomic_load(&r->fatal))
            return -1;
        if (pf_db_connect(&c->db, r->dsn, &t->err) < 0 || plan_prepare(r->p, c->db, &t->err) < 0 ||
            pf_db_pipeline_start(c->db, &t->err) < 0) {
            t->rc = -1;
            atomic_store(&r->fatal, 1);
            return -1;
        }
        c->fd = pf_db_socket(c->db);
        c->state = CL_IDLE;
    }
    t->fs = pf_calloc(r->p->n_flows, sizeof *t->fs);
    for (size_t f = 0; f < r->p->n_flows; f++) {
        t->fs[f].latency = pf_hist_new();
        t->fs[f].lag = pf_hist_new();
    }
    t->interval = pf_hist_new();
    t->idle = pf_calloc((size_t)t->n_clients + 1, sizeof *t->idle);
    return 0;
}

/* The first flows: every client idle (open loop) or running (closed). */
static void thread_start_flows(lthread *t)
{
    gen_advance(t);
    uint64_t now = pf_now_ns();
    if (t->run->o->mode == PF_LOAD_OPEN) {
        for (int i = t->n_clients - 1; i >= 0; i--)
            t->idle[t->n_idle++] = i;
    } else {
        for (int i = 0; i < t->n_clients; i++)
            closed_next(t, &t->clients[i], now);
    }
}

/* Interrupted: nobody waits for think times or for a connection; those
 * flows are incomplete. Batches in flight get a moment to end cleanly. */
static void drop_waiting(lthread *t)
{
    if (t->n_heap == 0 && t->n_think == 0)
        return;
    pthread_mutex_lock(&t->mu);
    for (int i = 0; i < t->n_clients; i++) {
        client *c = &t->clients[i];
        if (c->state == CL_THINK) {
            t->fs[c->s->flow].incomplete++;
            c->s = NULL;
            c->state = CL_DONE;
            t->n_think--;
        }
    }
    for (size_t i = 0; i < t->n_heap; i++)
        t->fs[t->heap[i]->flow].incomplete++;
    pthread_mutex_unlock(&t->mu);
    while (t->n_heap > 0)
        session_put(t, heap_pop(t));
}

/* Wake thinking clients (closed loop) or give idle connections their
 * sessions (open loop); returns when the loop must wake next at the
 * latest. */
static uint64_t schedule(lthread *t, uint64_t now)
{
    uint64_t next = now + POLL_CAP_NS;
    if (t->run->o->mode == PF_LOAD_CLOSED) {
        for (int i = 0; i < t->n_clients; i++) {
            client *c = &t->clients[i];
            if (c->state != CL_THINK)
                continue;
            if (c->wake_ns <= now) {
                t->n_think--;
                c->state = CL_IDLE;
                send_batch(t, c, BATCH_STEP);
            } else if (c->wake_ns < next) {
                next = c->wake_ns;
            }
        }
        return next;
    }
    open_dispatch(t, now);
    uint64_t oldest = UINT64_MAX;
    if (t->n_heap > 0 && t->heap[0]->ready_ns <= now)
        oldest = t->heap[0]->ready_ns;
    if (t->gen_have && t->next_ns <= now && !interrupted(t) && t->next_ns < oldest)
        oldest = t->next_ns;
    atomic_store(&t->lag_now_ns, oldest == UINT64_MAX ? 0 : now - oldest);
    if (t->n_idle > 0) {
        if (t->n_heap > 0 && t->heap[0]->ready_ns < next)
            next = t->heap[0]->ready_ns;
        if (t->gen_have && !interrupted(t) && t->next_ns < next)
            next = t->next_ns;
    }
    return next;
}

/* Nothing in flight, thinking or waiting, and no flow left to start. */
static bool thread_done(const lthread *t, uint64_t now)
{
    const run *r = t->run;
    bool more_arrivals = r->o->mode == PF_LOAD_OPEN
                             ? t->gen_have && !interrupted(t) && t->next_ns < r->end_ns
                             : t->gen_have && !stopping(t, now);
    return t->n_busy == 0 && t->n_think == 0 && t->n_heap == 0 && !more_arrivals;
}

/* Wait (from now) until a busy client's connection is ready or `next`,
 * then move the ready clients on. fds and fd_client have room for every
 * client. -1 when the thread failed. */
static int poll_clients(lthread *t, uint64_t now, uint64_t next, struct pollfd *fds,
                        int *fd_client)
{
    nfds_t n = 0;
    for (int i = 0; i < t->n_clients; i++) {
        client *c = &t->clients[i];
        if (c->state != CL_BUSY)
            continue;
        fds[n].fd = c->fd;
        fds[n].events = (short)(POLLIN | (c->want_write ? POLLOUT : 0));
        fds[n].revents = 0;
        fd_client[n++] = i;
    }
    uint64_t wait = next > now ? next - now : 0;
    struct timespec ts = {(time_t)(wait / 1000000000u), (long)(wait % 1000000000u)};
    int ready = ppoll(fds, n, &ts, NULL);
    if (ready < 0) {
        if (errno == EINTR)
            return 0;
        pf_error e;
        pf_error_set(&e, PF_EXIT_INFRA, "poll: %s", strerror(errno));
        fatal(t, &e);
        return -1;
    }
    now = pf_now_ns();
    bool open = t->run->o->mode == PF_LOAD_OPEN;
    for (nfds_t i = 0; i < n && ready > 0; i++) {
        if (fds[i].revents == 0)
            continue;
        client *c = &t->clients[fd_client[i]];
        if ((fds[i].revents & POLLOUT) && c->want_write) {
            pf_error e;
            int fl = pf_db_flush(c->db, &e);
            if (fl < 0) {
                fatal(t, &e);
                return -1;
            }
            c->want_write = fl == 1;
        }
        if (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) {
            client_input(t, c, now);
            if (open && c->state == CL_IDLE && c->s == NULL)
                t->idle[t->n_idle++] = fd_client[i];
        }
    }
    return 0;
}

/* Open loop: arrivals due before the end (or the interruption) that never
 * started. */
static void count_unstarted(lthread *t)
{
    run *r = t->run;
    uint64_t cutoff = r->end_ns;
    if (atomic_load(&r->stop)) {
        uint64_t s = atomic_load(&r->stop_ns);
        cutoff = s < cutoff ? s : cutoff;
    }
    while (t->gen_have && t->next_ns < cutoff) {
        t->unstarted++;
        gen_advance(t);
    }
}

/* One thread: set up its clients, meet the others twice at the barrier
 * (set up; start time set), then the event loop until its share of the
 * run is done, the duration and grace are over, or it was stopped. */
static void *thread_main(void *arg)
{
    lthread *t = arg;
    run *r = t->run;
    thread_setup(t);
    pf_barrier_wait(&r->go); /* set up */
    pf_barrier_wait(&r->go); /* start_ns is set */
    if (atomic_load(&r->fatal)) {
        atomic_fetch_add(&r->finished, 1);
        return NULL;
    }
    thread_start_flows(t);
    struct pollfd *fds = pf_calloc((size_t)t->n_clients + 1, sizeof *fds);
    int *fd_client = pf_calloc((size_t)t->n_clients + 1, sizeof *fd_client);
    while (t->rc == 0) {
        uint64_t now = pf_now_ns();
        if (atomic_load(&r->fatal))
            break;
        if (atomic_load(&r->stop)) {
            drop_waiting(t);
            if (now >= atomic_load(&r->stop_ns) + STOP_GRACE_NS) {
                abandon(t);
                break;
            }
        }
        if (r->end_ns != UINT64_MAX && now >= r->end_ns + r->grace_ns) {
            abandon(t);
            break;
        }
        uint64_t next = schedule(t, now);
        if (t->rc != 0 || thread_done(t, now))
            break;
        if (r->end_ns != UINT64_MAX && now < r->end_ns && r->end_ns < next)
            next = r->end_ns;
        if (poll_clients(t, now, next, fds, fd_client) < 0)
            break;
    }
    if (t->rc != 0 || atomic_load(&r->fatal))
        abandon(t);
    if (r->o->mode == PF_LOAD_OPEN)
        count_unstarted(t);
    free(fds);
    free(fd_client);
    atomic_fetch_add(&r->finished, 1);
    return NULL;
}

/* ---------------------------------------------------------------- public */

int pf_load_check_opts(const pf_scenario *s, const pf_load_opts *o, pf_error *err)
{
    if (s->drain != NULL)
        return pf_error_set(err, PF_EXIT_USAGE, "%s: a queue-drain scenario has no flows to run",
                            s->file);
    if (o->shard_count < 1 || o->shard_index < 1 || o->shard_index > o->shard_count)
        return pf_error_set(err, PF_EXIT_USAGE, "shard %d/%d: want I/N with 1 <= I <= N",
                            o->shard_index, o->shard_count);
    if (o->clients < 1)
        return pf_error_set(err, PF_EXIT_USAGE, "at least one client is needed");
    if (o->mode == PF_LOAD_OPEN && !(o->rate > 0))
        return pf_error_set(err, PF_EXIT_USAGE, "an open-loop run needs a rate above 0");
    if (o->mode == PF_LOAD_OPEN && !(o->rate / o->shard_count <= PF_LOAD_MAX_RATE))
        return pf_error_set(err, PF_EXIT_USAGE,
                            "an open-loop run at %.6g flows/s (the expected load x the load "
                            "factor, or --rate; %d shard%s) is beyond what one load generator "
                            "drives: at most %.0f flows/s each (split it with --shard I/N)",
                            o->rate, o->shard_count, o->shard_count == 1 ? "" : "s",
                            PF_LOAD_MAX_RATE);
    if (o->duration_ms <= 0 && o->transactions <= 0)
        return pf_error_set(err, PF_EXIT_USAGE, "a run needs a duration or a transaction count");
    return 0;
}

/* Plan the flows (their params queries) and measure the calibration
 * statement, over one connection closed before the run. */
static int plan_and_calibrate(const pf_scenario *s, const char *dsn, plan *p, pf_load_result *out,
                              pf_error *err)
{
    pf_db *db = NULL;
    int rc = pf_db_connect(&db, dsn, err);
    if (rc == 0)
        rc = plan_build(p, s, db, err);
    if (rc == 0)
        rc = pf_measure_calibration(db, 9, &out->calibration_ms, err);
    pf_db_close(db);
    return rc;
}

/* This shard's share of the run's connections, and the threads driving
 * them (one per CPU unless told, never more than the connections). */
static void run_init(run *r, const pf_load_opts *o, const plan *p, const char *dsn,
                     pf_load_result *out)
{
    int shard = o->shard_index - 1;
    int clients = o->clients / o->shard_count + (shard < o->clients % o->shard_count);
    if (clients < 1)
        clients = 1;
    int n_threads = o->threads;
    if (n_threads <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n_threads = cpus > 0 ? (int)cpus : 1;
    }
    if (n_threads > clients)
        n_threads = clients;
    out->clients = clients;
    out->clients_total = o->clients;
    out->threads = n_threads;
    r->o = o;
    r->p = p;
    r->dsn = dsn;
    r->clients = clients;
    r->n_threads = n_threads;
    r->shard = shard;
    r->shards = o->shard_count;
    r->seed = o->seed;
    r->late_ns = (uint64_t)(out->late_ms * 1e6);
    r->grace_ns = (uint64_t)((o->grace_ms > 0 ? o->grace_ms : 10000) * 1e6);
}

/* Start the threads: they connect and prepare, then wait at the barrier
 * for the start time. A thread that cannot be created stops the run: the
 * barrier shrinks to the threads that exist, which see the fatal flag and
 * end; collect() reports it. */
static void start_threads(run *r)
{
    pf_barrier_init(&r->go, (unsigned)r->n_threads + 1);
    r->ts = pf_calloc((size_t)r->n_threads, sizeof *r->ts);
    for (int i = 0; i < r->n_threads; i++) {
        lthread *t = &r->ts[i];
        t->run = r;
        t->index = i;
        t->n_clients = r->clients / r->n_threads + (i < r->clients % r->n_threads);
        t->clients = pf_calloc((size_t)t->n_clients, sizeof *t->clients);
        pthread_mutex_init(&t->mu, NULL);
        pf_error_clear(&t->err);
        int e = pthread_create(&t->tid, NULL, thread_main, t);
        if (e != 0) {
            free(t->clients);
            t->clients = NULL;
            t->n_clients = 0;
            pthread_mutex_destroy(&t->mu);
            r->spawn_failed = true;
            pf_error_set(&r->spawn_err, PF_EXIT_INFRA,
                         "cannot create load thread %d of %d: %s", i + 1, r->n_threads,
                         strerror(e));
            atomic_store(&r->fatal, 1);
            pf_barrier_shrink(&r->go, (unsigned)i + 1);
            return;
        }
        r->n_started = i + 1;
    }
}

/* One progress report: the flows completed since the last one (their
 * p99 and rate), totals, and the oldest schedule lag now. */
static void report_progress(run *r, pf_hist *iv, uint64_t now, uint64_t last)
{
    pf_load_progress pr;
    memset(&pr, 0, sizeof pr);
    pf_hist_reset(iv);
    int64_t done = 0;
    uint64_t lag = 0;
    for (int i = 0; i < r->n_started; i++) {
        lthread *t = &r->ts[i];
        pthread_mutex_lock(&t->mu);
        if (t->fs != NULL) {
            pf_hist_merge(iv, t->interval);
            pf_hist_reset(t->interval);
            done += t->iv_done;
            for (size_t f = 0; f < r->p->n_flows; f++) {
                pr.completed += t->fs[f].completed;
                pr.errors += t->fs[f].errors;
                pr.late += t->fs[f].late;
            }
        }
        t->iv_done = t->iv_err = 0;
        pthread_mutex_unlock(&t->mu);
        uint64_t l = atomic_load(&t->lag_now_ns);
        lag = l > lag ? l : lag;
    }
    double secs = (double)(now - last) / 1e9;
    pr.elapsed_s = (double)(now - r->start_ns) / 1e9;
    pr.tps = (double)done / secs;
    pr.p99_ms = (double)pf_hist_quantile(iv, 0.99) / 1e6;
    pr.lag_ms = (double)lag / 1e6;
    r->o->on_progress(r->o->arg, &pr);
}

/* Until every thread is done: turn a signal into the stop flag, report
 * progress; then join the threads. */
static void watch(run *r)
{
    const pf_load_opts *o = r->o;
    uint64_t last_progress = r->start_ns;
    pf_hist *iv = pf_hist_new();
    while (atomic_load(&r->finished) < r->n_started) {
        pf_sleep_ms(20);
        uint64_t now = pf_now_ns();
        if (pf_interrupt_signal() != 0 && !atomic_load(&r->stop)) {
            atomic_store(&r->stop_ns, now);
            atomic_store(&r->stop, 1);
        }
        if (o->on_progress && o->progress_ms > 0 &&
            now - last_progress >= (uint64_t)(o->progress_ms * 1e6)) {
            report_progress(r, iv, now, last_progress);
            last_progress = now;
        }
    }
    pf_hist_free(iv);
    for (int i = 0; i < r->n_started; i++)
        pthread_join(r->ts[i].tid, NULL);
    pf_barrier_dispose(&r->go);
}

/* Add every thread's counts and histograms into out; the first thread
 * failure into err (-1). */
static int collect(const run *r, pf_load_result *out, pf_error *err)
{
    if (r->spawn_failed) {
        if (err)
            *err = r->spawn_err;
        return -1;
    }
    uint64_t last_end = r->start_ns;
    for (int i = 0; i < r->n_started; i++) {
        const lthread *t = &r->ts[i];
        if (t->last_end_ns > last_end)
            last_end = t->last_end_ns;
        out->unstarted += t->unstarted;
        for (size_t f = 0; t->fs != NULL && f < r->p->n_flows; f++) {
            const flow_stats *fs = &t->fs[f];
            pf_load_flow_result *fr = &out->flows[f];
            pf_hist_merge(fr->latency, fs->latency);
            pf_hist_merge(fr->lag, fs->lag);
            fr->started += fs->started;
            fr->completed += fs->completed;
            fr->errors += fs->errors;
            fr->retries += fs->retries;
            fr->late += fs->late;
            fr->incomplete += fs->incomplete;
            for (size_t k = 0; k < fs->errs.n_errs; k++)
                pf_load_flow_add_error(fr, fs->errs.errs[k].key, fs->errs.errs[k].count,
                                       fs->errs.errs[k].example);
        }
    }
    out->interrupted = atomic_load(&r->stop) != 0;
    uint64_t stop_at = out->interrupted ? atomic_load(&r->stop_ns) : 0;
    if (out->interrupted && stop_at > last_end)
        last_end = stop_at;
    if (last_end == r->start_ns)
        last_end = pf_now_ns();
    out->elapsed_ms = (double)(last_end - r->start_ns) / 1e6;
    out->peak_rss_kb = pf_load_peak_rss_kb();
    for (int i = 0; i < r->n_started; i++)
        if (r->ts[i].rc != 0) {
            if (err)
                *err = r->ts[i].err;
            return -1;
        }
    return 0;
}

/* Free what the threads held: connections, sessions, statistics. */
static void threads_dispose(run *r)
{
    const plan *p = r->p;
    for (int i = 0; r->ts != NULL && i < r->n_started; i++) {
        lthread *t = &r->ts[i];
        for (int c = 0; c < t->n_clients; c++) {
            client *cl = &t->clients[c];
            pf_db_close(cl->db);
            free(cl->cmds);
            free(cl->vals);
            free(cl->err_msg);
            session_free(p, cl->own);
            if (r->o->mode == PF_LOAD_OPEN && cl->s != NULL)
                session_free(p, cl->s);
        }
        free(t->clients);
        for (size_t f = 0; t->fs != NULL && f < p->n_flows; f++) {
            pf_hist_free(t->fs[f].latency);
            pf_hist_free(t->fs[f].lag);
            for (size_t k = 0; k < t->fs[f].errs.n_errs; k++)
                free(t->fs[f].errs.errs[k].example);
            free(t->fs[f].errs.errs);
        }
        free(t->fs);
        pf_hist_free(t->interval);
        free(t->idle);
        for (size_t h = 0; h < t->n_heap; h++)
            session_free(p, t->heap[h]);
        free(t->heap);
        while (t->free_sessions != NULL) {
            session *nx = t->free_sessions->next_free;
            session_free(p, t->free_sessions);
            t->free_sessions = nx;
        }
        pthread_mutex_destroy(&t->mu);
    }
    free(r->ts);
    r->ts = NULL;
}

int pf_load_run(const pf_scenario *s, const char *dsn, const pf_load_opts *o, pf_load_result *out,
                pf_error *err)
{
    memset(out, 0, sizeof *out);
    if (pf_load_check_opts(s, o, err) < 0)
        return -1;
    pf_load_result_init(out, s, o);
    plan p;
    memset(&p, 0, sizeof p);
    run r;
    memset(&r, 0, sizeof r);
    int rc = -1;
    uint64_t t_setup = pf_now_ns();
    if (plan_and_calibrate(s, dsn, &p, out, err) < 0)
        goto cleanup;
    run_init(&r, o, &p, dsn, out);
    start_threads(&r);
    pf_barrier_wait(&r.go); /* every client connected and prepared (or failed) */
    out->setup_ms = pf_elapsed_ms(t_setup);
    r.start_ns = pf_now_ns();
    r.end_ns = o->duration_ms > 0 ? r.start_ns + (uint64_t)(o->duration_ms * 1e6) : UINT64_MAX;
    pf_barrier_wait(&r.go);
    watch(&r);
    rc = collect(&r, out, err);
cleanup:
    threads_dispose(&r);
    plan_dispose(&p);
    return rc;
}
