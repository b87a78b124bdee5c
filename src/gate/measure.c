/* Case measurement. */
#include "measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fsutil.h"
#include "json.h"
#include "rng.h"
#include "timeutil.h"

#define STMT "pf_case"
#define CALIBRATION_REPS 5
/* Server-side CPU work of the kind queries do (expression evaluation,
 * aggregation), independent of the data set; about half a millisecond. */
#define CALIBRATION_SQL "SELECT sum(i % 7) FROM generate_series(1, 2000) AS s(i) WHERE i % 3 <> 0"
/* Safety cap for min_time: never more than this many times the iterations. */
#define MAX_ITERATION_FACTOR 20

int pf_params_load(pf_db *db, const pf_case *c, pf_params *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    out->user_col = -1;
    if (c->params_sql == NULL)
        return 0;
    pf_result *r = NULL;
    if (pf_db_query(db, c->params_sql, 0, NULL, &r, err) < 0) {
        pf_error_prefix(err, "%s: params query", c->file);
        if (err)
            err->code = pf_db_broken(db) ? PF_EXIT_INFRA : PF_EXIT_FAIL;
        return -1;
    }
    int rc = 0;
    out->n_columns = (size_t)pf_result_ncols(r);
    out->n_rows = (size_t)pf_result_nrows(r);
    out->columns = pf_calloc(out->n_columns + 1, sizeof *out->columns);
    for (size_t k = 0; k < out->n_columns; k++)
        out->columns[k] = pf_strdup(pf_result_colname(r, (int)k));
    out->values = pf_calloc(out->n_rows * out->n_columns + 1, sizeof *out->values);
    for (size_t i = 0; i < out->n_rows; i++)
        for (size_t k = 0; k < out->n_columns; k++) {
            const char *v = pf_result_get(r, (int)i, (int)k);
            out->values[i * out->n_columns + k] = v ? pf_strdup(v) : NULL;
        }
    int wcol = pf_result_col(r, "weight");
    out->user_col = pf_result_col(r, "user_id");
    pf_result_free(r);
    if (out->n_rows == 0) {
        rc = pf_error_set(err, PF_EXIT_FAIL,
                          "%s: the params query returned no rows: nothing to draw parameters from",
                          c->file);
        goto done;
    }
    out->cum = pf_calloc(out->n_rows, sizeof *out->cum);
    double total = 0;
    for (size_t i = 0; i < out->n_rows; i++) {
        double w = 1.0;
        if (wcol >= 0) {
            const char *v = out->values[i * out->n_columns + (size_t)wcol];
            w = v ? atof(v) : 0;
            if (w < 0)
                w = 0;
        }
        total += w;
        out->cum[i] = total;
    }
    if (total <= 0) {
        rc = pf_error_set(err, PF_EXIT_FAIL, "%s: every params row has weight 0", c->file);
        goto done;
    }
    for (size_t i = 0; i < out->n_rows; i++)
        out->cum[i] /= total;
    out->map = pf_calloc(c->n_params + 1, sizeof *out->map);
    for (size_t p = 0; p < c->n_params; p++) {
        out->map[p] = -1;
        for (size_t k = 0; k < out->n_columns; k++)
            if (strcmp(out->columns[k], c->param_names[p]) == 0)
                out->map[p] = (int)k;
        if (out->map[p] < 0) {
            rc = pf_error_set(err, PF_EXIT_USAGE,
                              "%s: the statement uses :%s but the params query has no column of "
                              "that name",
                              c->file, c->param_names[p]);
            goto done;
        }
    }
    if (c->identity == PF_IDENTITY_AUTHENTICATED && out->user_col < 0)
        rc = pf_error_set(err, PF_EXIT_USAGE,
                          "%s: identity '%s' needs a user_id column in the params query", c->file,
                          c->identity_label);
done:
    if (rc < 0)
        pf_params_dispose(out);
    return rc;
}

void pf_params_dispose(pf_params *p)
{
    pf_strv_free(p->columns);
    for (size_t i = 0; i < p->n_rows * p->n_columns; i++)
        free(p->values[i]);
    free(p->values);
    free(p->cum);
    free(p->map);
    memset(p, 0, sizeof *p);
    p->user_col = -1;
}

/* Row drawn for iteration i (UINT64_MAX: the fixed EXPLAIN draw). */
static size_t draw(const pf_params *p, uint64_t seed, const pf_case *c, uint64_t i)
{
    if (p->n_rows <= 1)
        return 0;
    pf_rng r = pf_rng_stream(seed, pf_rng_hash_str(c->draws), i, 0x70617261ull);
    double u = pf_rng_uniform(&r);
    size_t lo = 0, hi = p->n_rows - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

char *pf_measure_claims(const char *role, const char *user_id)
{
    char *r = pf_json_quote(role);
    char *claims;
    if (user_id != NULL) {
        char *sub = pf_json_quote(user_id);
        claims = pf_asprintf("{\"sub\":%s,\"role\":%s}", sub, r);
        free(sub);
    } else {
        claims = pf_asprintf("{\"role\":%s}", r);
    }
    free(r);
    return claims;
}

/* BEGIN and the identity's role and claims, as PostgREST does. */
static char *begin_sql(const pf_case *c, const pf_params *p, size_t row)
{
    const char *role = pf_registry_identity_role(c->identity);
    if (c->identity == PF_IDENTITY_OWNER)
        return pf_strdup("BEGIN");
    const char *uid = NULL;
    if (c->identity == PF_IDENTITY_AUTHENTICATED) {
        uid = p->values[row * p->n_columns + (size_t)p->user_col];
        if (uid == NULL)
            uid = "";
    }
    char *claims = pf_measure_claims(role, uid);
    char *lit = pf_db_literal(claims);
    char *sql = pf_asprintf("BEGIN; SET LOCAL ROLE %s; SELECT set_config('request.jwt.claims', %s, "
                            "true)",
                            role, lit);
    free(lit);
    free(claims);
    return sql;
}

static const char **param_values(const pf_case *c, const pf_params *p, size_t row)
{
    const char **v = pf_calloc(c->n_params + 1, sizeof *v);
    for (size_t k = 0; k < c->n_params; k++)
        v[k] = p->values[row * p->n_columns + (size_t)p->map[k]];
    return v;
}

/* A case-level SQL failure: PF_EXIT_FAIL unless the connection is gone. */
static int case_error(pf_db *db, const pf_case *c, const char *what, pf_error *err)
{
    pf_error_prefix(err, "%s (%s)", c->file, what);
    if (err)
        err->code = pf_db_broken(db) ? PF_EXIT_INFRA : PF_EXIT_FAIL;
    pf_db_exec(db, "ROLLBACK", NULL);
    return -1;
}

/* One iteration: untimed set-up, the timed statement, rollback. */
static int iterate(pf_db *db, const pf_case *c, const pf_params *p, size_t row, double *ms,
                   long *rows, pf_error *err)
{
    char *b = begin_sql(c, p, row);
    int rc = pf_db_exec(db, b, err);
    free(b);
    if (rc < 0)
        return case_error(db, c, "setting the identity", err);
    const char **vals = param_values(c, p, row);
    uint64_t t0 = pf_now_ns();
    rc = pf_db_exec_prepared(db, STMT, (int)c->n_params, vals, rows, err);
    *ms = pf_elapsed_ms(t0);
    free(vals);
    if (rc < 0)
        return case_error(db, c, "running the statement", err);
    if (pf_db_exec(db, "ROLLBACK", err) < 0)
        return case_error(db, c, "rolling back", err);
    return 0;
}

/* EXPLAIN (ANALYZE, BUFFERS) of the prepared statement with the fixed
 * draw, and the user-function calls it made, in one rolled-back transaction. */
static int explain(pf_db *db, const pf_case *c, const pf_params *p, size_t row,
                   pf_measurement *m, pf_error *err)
{
    char *b = begin_sql(c, p, row);
    int rc = pf_db_exec(db, b, err);
    free(b);
    if (rc < 0)
        return case_error(db, c, "setting the identity", err);
    /* Function statistics not yet flushed from earlier transactions are
     * included in the xact view: count the difference around the EXPLAIN
     * (nothing is flushed inside a transaction). */
    static const char k_calls[] =
        "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_xact_user_functions";
    char *before = NULL;
    if (pf_db_query_value(db, k_calls, &before, err) < 0)
        return case_error(db, c, "reading function calls", err);
    int64_t calls_before = before ? atoll(before) : 0;
    free(before);
    pf_buf sql = PF_BUF_INIT;
    pf_buf_puts(&sql, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE " STMT);
    if (c->n_params > 0) {
        pf_buf_putc(&sql, '(');
        for (size_t k = 0; k < c->n_params; k++) {
            const char *v = p->values[row * p->n_columns + (size_t)p->map[k]];
            char *lit = v ? pf_db_literal(v) : pf_strdup("NULL");
            pf_buf_printf(&sql, "%s%s", k ? ", " : "", lit);
            free(lit);
        }
        pf_buf_putc(&sql, ')');
    }
    char *json = NULL;
    rc = pf_db_query_value(db, pf_buf_str(&sql), &json, err);
    pf_buf_dispose(&sql);
    if (rc < 0)
        return case_error(db, c, "EXPLAIN ANALYZE", err);
    char *calls = NULL;
    rc = pf_db_query_value(db, k_calls, &calls, err);
    if (rc < 0) {
        free(json);
        return case_error(db, c, "reading function calls", err);
    }
    m->function_calls = (calls ? atoll(calls) : 0) - calls_before;
    free(calls);
    pf_db_exec(db, "ROLLBACK", NULL);
    pf_plan plan;
    rc = pf_plan_parse(json, &plan, err);
    free(json);
    if (rc < 0)
        return pf_error_prefix(err, "%s: EXPLAIN output", c->file);
    m->work = plan.work;
    memcpy(m->fingerprint, plan.fingerprint, sizeof m->fingerprint);
    m->plan_summary = plan.summary;
    m->plan_nodes = plan.nodes;
    m->explain_ms = plan.execution_ms;
    m->rows = plan.work.rows;
    plan.summary = NULL;
    plan.nodes = NULL;
    pf_plan_dispose(&plan);
    return 0;
}

/* One case being measured on one connection: the stages shared by single
 * and paired (base/head interleaved) measurement. */
typedef struct run {
    pf_db *db;
    const pf_case *c;
    pf_params p;
    pf_measurement *m;
    int iterations;
    int warmup;
    double min_time;
    size_t cap;
    size_t n_cal;
    uint64_t seed;
    bool prepared;
} run;

static int run_setup(run *r, pf_db *db, const pf_case *c, const pf_measure_opts *o,
                     pf_measurement *m, pf_error *err)
{
    memset(r, 0, sizeof *r);
    memset(m, 0, sizeof *m);
    r->db = db;
    r->c = c;
    r->m = m;
    r->seed = o->seed;
    if (pf_params_load(db, c, &r->p, err) < 0)
        return -1;
    if (pf_db_prepare(db, STMT, c->prepared_sql, err) < 0) {
        pf_error_prefix(err, "%s:%d: preparing the statement", c->file, c->sql_line);
        if (err)
            err->code = pf_db_broken(db) ? PF_EXIT_INFRA : PF_EXIT_FAIL;
        return -1;
    }
    r->prepared = true;
    r->iterations = o->iterations > 0 ? o->iterations : c->iterations;
    r->warmup = o->override_warmup ? o->warmup : c->warmup;
    r->min_time = (o->iterations > 0 || c->writes) ? 0 : c->min_time_ms;
    r->cap = (size_t)r->iterations * (r->min_time > 0 ? MAX_ITERATION_FACTOR : 1);
    m->samples_ms = pf_calloc(r->cap, sizeof *m->samples_ms);
    m->calibration_samples_ms = pf_calloc(2 * CALIBRATION_REPS, sizeof *m->calibration_samples_ms);
    return 0;
}

/* Warm-up first: caches, plan cache (custom vs generic plan choice after
 * five executions), then the plan and work metrics on a fixed draw. For
 * write cases this order is fixed, so the dead rows earlier iterations
 * leave behind are the same every run. */
static int run_prologue(run *r, pf_error *err)
{
    double ms;
    long rows;
    for (int i = 0; i < r->warmup; i++)
        if (iterate(r->db, r->c, &r->p, draw(&r->p, r->seed, r->c, (uint64_t)i + (1ull << 40)),
                    &ms, &rows, err) < 0)
            return -1;
    return explain(r->db, r->c, &r->p, draw(&r->p, r->seed, r->c, UINT64_MAX), r->m, err);
}

/* Timed iteration i. */
static int run_iteration(run *r, size_t i, pf_error *err)
{
    double ms;
    long rows;
    if (iterate(r->db, r->c, &r->p, draw(&r->p, r->seed, r->c, i), &ms, &rows, err) < 0)
        return -1;
    r->m->samples_ms[r->m->n_samples++] = ms;
    return 0;
}

/* The calibration statement, CALIBRATION_REPS times, just before and just
 * after the case's iterations: the case's local reference. (Timed right
 * after each iteration it was distorted by the heavy statement before it.) */
static int run_calibrate(run *r, pf_error *err)
{
    for (int k = 0; k < CALIBRATION_REPS; k++) {
        uint64_t tc = pf_now_ns();
        if (pf_db_exec(r->db, CALIBRATION_SQL, err) < 0)
            return -1;
        r->m->calibration_samples_ms[r->n_cal++] = pf_elapsed_ms(tc);
    }
    return 0;
}

static void run_finish(run *r, int rc, uint64_t t0)
{
    if (r->prepared)
        pf_db_exec(r->db, "DEALLOCATE " STMT, NULL);
    pf_params_dispose(&r->p);
    if (rc == 0) {
        pf_stats_summarize(r->m->samples_ms, r->m->n_samples, &r->m->latency);
        r->m->calibration_ms = pf_stats_median(r->m->calibration_samples_ms, r->n_cal);
    }
    r->m->wall_ms = pf_elapsed_ms(t0);
}

int pf_measure_case(pf_db *db, const pf_case *c, const pf_measure_opts *o, pf_measurement *m,
                    pf_error *err)
{
    uint64_t t0 = pf_now_ns();
    run r;
    int rc = run_setup(&r, db, c, o, m, err);
    if (rc == 0)
        rc = run_prologue(&r, err);
    if (rc == 0)
        rc = run_calibrate(&r, err);
    uint64_t t_iter = pf_now_ns();
    for (size_t i = 0; rc == 0 && i < r.cap; i++) {
        if ((int)i >= r.iterations && pf_elapsed_ms(t_iter) >= r.min_time)
            break;
        rc = run_iteration(&r, i, err);
    }
    if (rc == 0)
        rc = run_calibrate(&r, err);
    run_finish(&r, rc, t0);
    return rc;
}

int pf_measure_pair(pf_db *base_db, const pf_case *base_case, pf_db *head_db,
                    const pf_case *head_case, const pf_measure_opts *o, pf_measurement *base,
                    pf_measurement *head, pf_error *err)
{
    uint64_t t0 = pf_now_ns();
    run rb, rh;
    memset(&rh, 0, sizeof rh);
    int rc = run_setup(&rb, base_db, base_case, o, base, err);
    /* Both sides are set up (both must be disposable), but when both fail
     * the first failure is the one reported. */
    pf_error head_err;
    pf_error_clear(&head_err);
    int rch = run_setup(&rh, head_db, head_case, o, head, &head_err);
    if (rc == 0 && rch < 0) {
        rc = rch;
        if (err)
            *err = head_err;
    }
    if (rc == 0)
        rc = run_prologue(&rb, err);
    if (rc == 0)
        rc = run_prologue(&rh, err);
    if (rc == 0)
        rc = run_calibrate(&rh, err);
    /* The same number of iterations on both sides, interleaved in
     * randomised order within each pair (a seeded coin), so slow drift and
     * periodic noise hit base and head alike. */
    size_t n = (size_t)(rb.iterations > rh.iterations ? rb.iterations : rh.iterations);
    if (n > rb.cap)
        n = rb.cap;
    if (n > rh.cap)
        n = rh.cap;
    pf_rng coin = pf_rng_stream(o->seed, pf_rng_hash_str(head_case->draws), 0, 0x636f696eull);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        bool base_first = (pf_rng_next(&coin) & 1) != 0;
        rc = run_iteration(base_first ? &rb : &rh, i, err);
        if (rc == 0)
            rc = run_iteration(base_first ? &rh : &rb, i, err);
    }
    if (rc == 0)
        rc = run_calibrate(&rh, err);
    run_finish(&rb, rc, t0);
    run_finish(&rh, rc, t0);
    return rc;
}

void pf_measurement_dispose(pf_measurement *m)
{
    free(m->samples_ms);
    free(m->calibration_samples_ms);
    free(m->plan_summary);
    pf_strv_free(m->plan_nodes);
    memset(m, 0, sizeof *m);
}

int pf_measure_calibration(pf_db *db, int reps, double *median_ms, pf_error *err)
{
    static const char k_sql[] = CALIBRATION_SQL;
    double *t = pf_calloc((size_t)reps, sizeof *t);
    int rc = 0;
    for (int i = 0; i < reps && rc == 0; i++) {
        uint64_t t0 = pf_now_ns();
        rc = pf_db_exec(db, k_sql, err);
        t[i] = pf_elapsed_ms(t0);
    }
    if (rc == 0)
        *median_ms = pf_stats_median(t, (size_t)reps);
    free(t);
    return rc;
}

/* ------------------------------------------------------- instructions */

#define PROBE_EXECUTIONS 1

int pf_measure_instr_iterations(int64_t per_execution)
{
    /* About 25M counted instructions per case (a quarter to half a second
     * under callgrind for the counted pass; the warm-up pass costs as
     * much), never more than 20 draws, never fewer than one. */
    static const struct {
        int64_t below;
        int n;
    } k_ladder[] = {
        {1250000, 20}, {2500000, 10}, {5000000, 5}, {8333333, 3}, {12500000, 2},
    };
    for (size_t i = 0; i < sizeof k_ladder / sizeof k_ladder[0]; i++)
        if (per_execution < k_ladder[i].below)
            return k_ladder[i].n;
    return 1;
}

/* One execution as the timed iteration runs it, or (statement = false) the
 * same transaction without the statement. */
static int instr_iteration(pf_db *db, const pf_case *c, const pf_params *p, size_t row,
                           bool statement, pf_error *err)
{
    char *b = begin_sql(c, p, row);
    int rc = pf_db_exec(db, b, err);
    free(b);
    if (rc < 0)
        return case_error(db, c, "setting the identity", err);
    if (statement) {
        const char **vals = param_values(c, p, row);
        long rows = 0;
        rc = pf_db_exec_prepared(db, STMT, (int)c->n_params, vals, &rows, err);
        free(vals);
        if (rc < 0)
            return case_error(db, c, "running the statement", err);
    }
    if (pf_db_exec(db, "ROLLBACK", err) < 0)
        return case_error(db, c, "rolling back", err);
    return 0;
}

/* A pass over the draws 0..n-1, then a mark; *ir (may be NULL) its count. */
static int instr_pass(pf_db *db, const pf_case *c, const pf_params *p, const pf_instr_opts *o,
                      int n, bool statement, int64_t *ir, pf_error *err)
{
    for (int i = 0; i < n; i++)
        if (instr_iteration(db, c, p, draw(p, o->seed, c, (uint64_t)i), statement, err) < 0)
            return -1;
    int64_t count = 0;
    if (o->mark(o->mark_arg, db, &count, err) < 0)
        return -1;
    if (ir != NULL)
        *ir = count;
    return 0;
}

int pf_measure_instructions(pf_db *db, const pf_case *case_in, const pf_instr_opts *o,
                            pf_instructions *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    pf_case owner_view;
    const pf_case *c = case_in;
    if (o->as_owner && case_in->identity != PF_IDENTITY_OWNER) {
        owner_view = *case_in; /* shallow: only the identity differs */
        owner_view.identity = PF_IDENTITY_OWNER;
        c = &owner_view;
    }
    pf_params p;
    if (pf_params_load(db, c, &p, err) < 0)
        return -1;
    int rc = pf_db_prepare(db, STMT, c->prepared_sql, err);
    if (rc < 0) {
        pf_error_prefix(err, "%s:%d: preparing the statement", c->file, c->sql_line);
        if (err)
            err->code = pf_db_broken(db) ? PF_EXIT_INFRA : PF_EXIT_FAIL;
        pf_params_dispose(&p);
        return -1;
    }
    int64_t discard = 0, probe = 0;
    /* The probe: the first draw once cold (discarded with whatever this
     * connection did before: the params query, preparing), then once warm,
     * counted: what one execution costs, to choose n. */
    rc = instr_iteration(db, c, &p, draw(&p, o->seed, c, 0), true, err);
    if (rc == 0)
        rc = o->mark(o->mark_arg, db, &discard, err);
    if (rc == 0)
        rc = instr_pass(db, c, &p, o, PROBE_EXECUTIONS, true, &probe, err);
    int n = 0;
    if (rc == 0) {
        out->probe_per_execution = probe / PROBE_EXECUTIONS;
        n = o->iterations > 0 ? o->iterations : pf_measure_instr_iterations(out->probe_per_execution);
        /* Warm: every page and cache entry the counted pass touches. */
        rc = instr_pass(db, c, &p, o, n, true, NULL, err);
    }
    if (rc == 0)
        rc = instr_pass(db, c, &p, o, n, true, &out->with_statement, err);
    if (rc == 0)
        rc = instr_pass(db, c, &p, o, n, false, &out->without_statement, err);
    if (rc == 0) {
        int64_t d = out->with_statement - out->without_statement;
        out->iterations = n;
        out->per_execution = d > 0 ? (d + n / 2) / n : 0;
    }
    pf_error ignored;
    pf_db_exec(db, "DEALLOCATE " STMT, &ignored);
    pf_params_dispose(&p);
    return rc;
}
