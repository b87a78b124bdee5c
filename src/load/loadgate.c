/* perfgate load as an engine call: target, seed, every scenario run and
 * judged, baseline signals confirmed by a re-run, baselines recorded; and
 * the merge of sharded runs. */
#include "loadgate.h"

#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "target.h"

void pf_loadgate_opts_init(pf_loadgate_opts *o)
{
    memset(o, 0, sizeof *o);
    pf_prepare_opts_init(&o->prepare);
    pf_load_opts_init(&o->load);
}

/* ------------------------------------------------------------- judging */

size_t pf_loadgate_n_verdicts(const pf_load_result *r)
{
    return r->n_flows + (r->drain != NULL ? 1 : 0);
}

int pf_loadgate_judge(const pf_load_result *r, const char *baselines_dir, bool confirming,
                      pf_load_verdict **out, pf_error *err)
{
    *out = NULL;
    pf_load_baseline b;
    memset(&b, 0, sizeof b);
    int found = 1;
    /* A queue drain is judged on its own threshold and exactly-once check. */
    if (baselines_dir != NULL && r->drain == NULL) {
        char *path = pf_load_baseline_path(baselines_dir, r);
        found = pf_load_baseline_read(path, &b, err);
        free(path);
        if (found < 0)
            return -1;
    }
    pf_load_verdict *v = pf_calloc(pf_loadgate_n_verdicts(r) + 1, sizeof *v);
    if (r->drain != NULL)
        pf_load_judge(r, r->n_flows, NULL, confirming, &v[r->n_flows]);
    for (size_t i = 0; i < r->n_flows; i++)
        pf_load_judge(r, i, found == 0 ? &b : NULL, confirming, &v[i]);
    pf_load_baseline_dispose(&b);
    *out = v;
    return 0;
}

void pf_loadgate_verdicts_free(pf_load_verdict *v, const pf_load_result *r)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < pf_loadgate_n_verdicts(r); i++)
        pf_load_verdict_dispose(&v[i]);
    free(v);
}

static bool any_signal(const pf_load_verdict *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].status == PF_LOAD_NOISY)
            return true;
    return false;
}

/* PF_EXIT_FAIL when a flow of a judged result failed, else PF_EXIT_OK. */
static int verdicts_exit_code(const pf_loadgate_result *res)
{
    for (size_t i = 0; i < res->n; i++)
        if (res->verdicts[i] != NULL &&
            pf_load_exit_code(res->verdicts[i], pf_loadgate_n_verdicts(&res->results[i])) !=
                PF_EXIT_OK)
            return PF_EXIT_FAIL;
    return PF_EXIT_OK;
}

/* ------------------------------------------------------------- running */

void pf_loadgate_load_opts(const pf_loadgate_opts *o, const pf_scenario *s, pf_load_opts *lo)
{
    *lo = o->load;
    lo->on_progress = NULL;
    lo->arg = NULL;
    lo->progress_ms = 0;
    if (s->drain != NULL) {
        lo->load_factor = o->factor_given ? o->load.load_factor : 1;
        return;
    }
    if (o->rate_given) {
        lo->mode = PF_LOAD_OPEN;
        lo->load_factor = 0;
    } else if (o->factor_given || !o->clients_given) {
        lo->mode = PF_LOAD_OPEN;
        lo->load_factor = o->factor_given ? o->load.load_factor : 1;
        lo->rate = pf_scenario_expected_rate(s) * lo->load_factor;
    } else {
        lo->mode = PF_LOAD_CLOSED;
        lo->load_factor = 0;
    }
    if (lo->mode == PF_LOAD_OPEN && !o->clients_given)
        lo->clients = s->connections;
}

static int run_real(void *arg, const pf_scenario *s, const char *dsn, const pf_loadgate_opts *o,
                    const pf_load_opts *lo, pf_load_result *out, pf_error *err)
{
    (void)arg;
    if (s->drain != NULL)
        return pf_load_run_drain(s, dsn, lo, o->clients_given, o->keep_jobs, out, err);
    return pf_load_run(s, dsn, lo, out, err);
}

/* pf_load_run's progress callback, passed on with the scenario. */
typedef struct progress_ctx {
    const pf_loadgate_opts *o;
    const pf_scenario *s;
} progress_ctx;

static void on_progress(void *arg, const pf_load_progress *p)
{
    const progress_ctx *x = arg;
    x->o->hooks.progress(x->o->hooks.arg, x->s, p);
}

/* Run scenario s once into r. */
static int run_one(const pf_loadgate_opts *o, const pf_scenario *s, const char *dsn,
                   pf_load_result *r, pf_error *err)
{
    pf_load_opts lo;
    pf_loadgate_load_opts(o, s, &lo);
    progress_ctx x = {o, s};
    bool progress = s->drain == NULL && o->hooks.progress != NULL;
    if (progress) {
        lo.progress_ms = 1000;
        lo.on_progress = on_progress;
        lo.arg = &x;
    }
    memset(r, 0, sizeof *r);
    pf_loadgate_runner run = o->runner != NULL ? o->runner : run_real;
    int rc = run(o->runner_arg, s, dsn, o, &lo, r, err);
    if (progress)
        o->hooks.progress(o->hooks.arg, s, NULL);
    return rc;
}

/* Something stops the run: tell the caller, keep the status. */
static void fail(const pf_loadgate_opts *o, pf_loadgate_result *out, const pf_error *e)
{
    if (o->hooks.error != NULL)
        o->hooks.error(o->hooks.arg, e);
    out->failed = true;
    out->exit_code = e->code ? e->code : PF_EXIT_INFRA;
}

/* The same conservatism as the gate: a slowdown against the baseline fails
 * only when a second run shows it too. The re-run's result and verdicts
 * replace the first run's when it ran to its end; otherwise the first
 * run's signal stands, reported as noisy. */
static void confirm(const pf_loadgate_opts *o, const pf_scenario *s, const char *dsn,
                    pf_loadgate_result *out, size_t i)
{
    if (o->hooks.confirming != NULL)
        o->hooks.confirming(o->hooks.arg, s);
    pf_load_result again;
    pf_error e;
    pf_error_clear(&e);
    pf_load_verdict *v2 = NULL;
    if (run_one(o, s, dsn, &again, &e) == 0 && !again.interrupted) {
        if (pf_loadgate_judge(&again, o->baselines_dir, true, &v2, &e) == 0) {
            pf_loadgate_verdicts_free(out->verdicts[i], &out->results[i]);
            out->verdicts[i] = v2;
            pf_load_result_dispose(&out->results[i]);
            out->results[i] = again;
            return;
        }
    } else {
        out->interrupted = again.interrupted || pf_interrupt_signal() != 0;
    }
    pf_load_result_dispose(&again);
}

/* Scenario s as the next result: run, judge, confirm; then scenario_done. */
static void run_scenario(const pf_loadgate_opts *o, const pf_scenario *s, const char *dsn,
                         bool last, pf_loadgate_result *out)
{
    size_t i = out->n;
    pf_load_result *r = &out->results[i];
    pf_error e;
    pf_error_clear(&e);
    if (run_one(o, s, dsn, r, &e) < 0) {
        pf_error_prefix(&e, "%s", s->name);
        fail(o, out, &e);
    }
    out->n = i + 1;
    out->interrupted = r->interrupted || pf_interrupt_signal() != 0;
    pf_error_clear(&e);
    if (pf_loadgate_judge(r, o->baselines_dir, false, &out->verdicts[i], &e) < 0) {
        /* Not reported: a result that cannot be judged is no result. */
        fail(o, out, &e);
        pf_load_result_dispose(r);
        out->n = i;
        return;
    }
    if (!out->failed && !out->interrupted && !o->no_confirm && !o->update_baselines &&
        any_signal(out->verdicts[i], pf_loadgate_n_verdicts(r)))
        confirm(o, s, dsn, out, i);
    out->complete = !out->failed && !out->interrupted && last;
    pf_error_clear(&e);
    if (o->hooks.scenario_done != NULL && o->hooks.scenario_done(o->hooks.arg, out, &e) < 0)
        fail(o, out, &e);
}

/* Record every flow scenario's result as its baseline. */
static void write_baselines(const pf_loadgate_opts *o, pf_loadgate_result *out)
{
    out->baselines_updated = true;
    for (size_t i = 0; i < out->n; i++) {
        if (out->results[i].drain != NULL)
            continue;
        char *path = pf_load_baseline_path(o->baselines_dir, &out->results[i]);
        pf_error e;
        pf_error_clear(&e);
        if (pf_load_baseline_write(path, &out->results[i], &e) < 0) {
            out->baseline_errors = pf_realloc(
                out->baseline_errors, (out->n_baseline_errors + 1) * sizeof *out->baseline_errors);
            out->baseline_errors[out->n_baseline_errors++] = e;
        } else {
            out->baselines_written++;
        }
        free(path);
    }
}

static void phase(const pf_loadgate_opts *o, pf_loadgate_phase ph, const pf_loadgate_result *r)
{
    if (o->hooks.phase != NULL)
        o->hooks.phase(o->hooks.arg, ph, r);
}

void pf_loadgate_run_scenarios(const pf_scenario *sc, size_t n, const char *dsn,
                               const pf_loadgate_opts *o, pf_loadgate_result *out)
{
    out->n_scenarios = n;
    out->results = pf_calloc(n + 1, sizeof *out->results);
    out->verdicts = pf_calloc(n + 1, sizeof *out->verdicts);
    phase(o, PF_LOADGATE_LOAD, out);
    for (size_t i = 0; i < n && !out->failed && !out->interrupted; i++)
        run_scenario(o, &sc[i], dsn, i + 1 == n, out);
    phase(o, PF_LOADGATE_LOAD_END, out);
    out->complete = !out->failed && !out->interrupted;
    if (!out->failed)
        out->exit_code = out->interrupted ? PF_EXIT_INFRA : verdicts_exit_code(out);
    if (o->update_baselines && out->complete && o->baselines_dir != NULL)
        write_baselines(o, out);
}

int pf_loadgate_run(const pf_loadgate_opts *o, pf_loadgate_result *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    pf_scenario *sc = NULL;
    size_t n_sc = 0;
    pf_prepare *prep = NULL;
    pf_target t;
    memset(&t, 0, sizeof t);
    int rc = -1;

    /* Bad input first, before any server starts. */
    if (pf_scenario_load_all(o->scenario_path, &sc, &n_sc, err) < 0)
        goto cleanup;
    for (size_t i = 0; i < n_sc; i++) {
        if (sc[i].drain != NULL)
            continue;
        pf_load_opts lo;
        pf_loadgate_load_opts(o, &sc[i], &lo);
        if (pf_load_check_opts(&sc[i], &lo, err) < 0) {
            pf_error_prefix(err, "%s", sc[i].file);
            goto cleanup;
        }
    }
    bool seed = pf_target_dsn(o->dsn) == NULL || o->init;
    if (seed && pf_prepare_new(&prep, &o->prepare, err) < 0)
        goto cleanup;
    if (pf_target_open(&t, o->dsn, "perfgate", err) < 0)
        goto cleanup;
    out->target = pf_target_describe(&t);
    phase(o, PF_LOADGATE_TARGET, out);
    if (seed) {
        pf_prepare_result pr;
        int s = pf_prepare_apply(prep, t.dsn, &pr, err);
        out->seed_rows = pr.seed.rows;
        out->seed_ms = pr.seed_ms;
        pf_prepare_result_dispose(&pr);
        if (s < 0)
            goto cleanup;
        phase(o, PF_LOADGATE_SEEDED, out);
    }
    pf_loadgate_run_scenarios(sc, n_sc, t.dsn, o, out);
    rc = 0;
cleanup:
    pf_target_close(&t);
    pf_prepare_free(prep);
    pf_scenarios_free(sc, n_sc);
    return rc;
}

/* --------------------------------------------------------------- merge */

/* Every result of every file into out->results, one per scenario. */
static int merge_files(const char *const *files, size_t n_files, pf_loadgate_result *out,
                       pf_error *err)
{
    for (size_t a = 0; a < n_files; a++) {
        pf_load_result *rs = NULL;
        size_t n = 0;
        if (pf_load_results_read(files[a], &rs, &n, err) < 0)
            return -1;
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
            size_t k = 0;
            while (k < out->n && strcmp(out->results[k].scenario, rs[i].scenario) != 0)
                k++;
            if (k == out->n) {
                out->results = pf_realloc(out->results, (out->n + 1) * sizeof *out->results);
                out->results[out->n++] = rs[i];
                memset(&rs[i], 0, sizeof rs[i]);
            } else if (pf_load_result_merge(&out->results[k], &rs[i], err) < 0) {
                rc = pf_error_prefix(err, "%s", files[a]);
            }
        }
        pf_load_results_free(rs, n);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Every shard there and none interrupted, or allow_partial. */
static int check_shards(pf_loadgate_result *out, bool allow_partial, pf_error *err)
{
    out->complete = true;
    for (size_t k = 0; k < out->n; k++) {
        const pf_load_result *r = &out->results[k];
        if (r->shards >= r->shard_count && !r->interrupted)
            continue;
        out->complete = false;
        if (!allow_partial)
            return pf_error_set(err, PF_EXIT_USAGE,
                                "%s: %d of %d shards%s (use --allow-partial to merge anyway)",
                                r->scenario, r->shards, r->shard_count,
                                r->interrupted ? ", one of them interrupted" : "");
    }
    return 0;
}

int pf_loadgate_merge(const char *const *files, size_t n_files, const char *baselines_dir,
                      bool allow_partial, pf_loadgate_result *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    if (merge_files(files, n_files, out, err) < 0 || check_shards(out, allow_partial, err) < 0)
        return -1;
    out->n_scenarios = out->n;
    out->verdicts = pf_calloc(out->n + 1, sizeof *out->verdicts);
    for (size_t k = 0; k < out->n; k++)
        if (pf_loadgate_judge(&out->results[k], baselines_dir, false, &out->verdicts[k], err) < 0)
            return -1;
    out->exit_code = verdicts_exit_code(out);
    return 0;
}

void pf_loadgate_result_dispose(pf_loadgate_result *r)
{
    for (size_t i = 0; r->verdicts != NULL && i < r->n; i++)
        pf_loadgate_verdicts_free(r->verdicts[i], &r->results[i]);
    free(r->verdicts);
    pf_load_results_free(r->results, r->n);
    free(r->target);
    free(r->baseline_errors);
    memset(r, 0, sizeof *r);
}
