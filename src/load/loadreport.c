/* perfgate load reports: results JSON, verdicts, baselines, JUnit, table. */
#include "loadreport.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "baselines.h"
#include "fsutil.h"
#include "json.h"
#include "junit.h"
#include "verdict.h"

#define SIGNAL_RATIO 1.20
#define SIGNAL_MIN_N 100
#define SIGNAL_MIN_DELTA_MS 0.05

static const char *const k_status[] = {"pass", "new", "warn", "noisy", "skipped", "fail", "error"};

const char *pf_load_status_name(pf_load_status s)
{
    return (size_t)s < sizeof k_status / sizeof k_status[0] ? k_status[s] : "?";
}

static const char *mode_name(pf_load_mode m)
{
    return m == PF_LOAD_OPEN ? "open" : "closed";
}

static double ms_of(uint64_t ns)
{
    return (double)ns / 1e6;
}

double pf_load_window_ms(const pf_load_result *r)
{
    if (r->duration_ms > 0 && !r->interrupted && r->elapsed_ms >= r->duration_ms)
        return r->duration_ms;
    return r->elapsed_ms > 0 ? r->elapsed_ms : 1;
}

static double throughput(const pf_load_result *r, int64_t completed)
{
    return (double)completed / (pf_load_window_ms(r) / 1000.0);
}

/* "10" for 10, "2.5" for 2.5: a number fit for a file name. */
static void short_num(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.6g", v);
}

char *pf_load_point(const pf_load_result *r)
{
    char n[32];
    if (r->drain != NULL) {
        short_num(n, sizeof n, r->load_factor > 0 ? r->load_factor : 1);
        return pf_asprintf("x%s", n);
    }
    if (r->mode == PF_LOAD_CLOSED) {
        /* The whole run's clients: a shard only holds its share. */
        short_num(n, sizeof n, r->clients_total > 0 ? r->clients_total : r->clients);
        return pf_asprintf("c%s", n);
    }
    if (r->load_factor > 0) {
        short_num(n, sizeof n, r->load_factor);
        return pf_asprintf("x%s", n);
    }
    short_num(n, sizeof n, r->rate);
    return pf_asprintf("r%s", n);
}

char *pf_load_baseline_path(const char *dir, const pf_load_result *r)
{
    char *point = pf_load_point(r);
    char *path = pf_baselines_load_path(dir, r->scenario, point);
    free(point);
    return path;
}

/* ------------------------------------------------------------ baselines */

void pf_load_baseline_dispose(pf_load_baseline *b)
{
    free(b->scenario);
    free(b->hash);
    free(b->point);
    free(b->mode);
    for (size_t i = 0; i < b->n_flows; i++)
        free(b->flows[i].name);
    free(b->flows);
    memset(b, 0, sizeof *b);
}

int pf_load_baseline_write(const char *path, const pf_load_result *r, pf_error *err)
{
    char *point = pf_load_point(r);
    pf_json_writer *w = pf_json_writer_new(PF_JSON_TABS);
    pf_json_begin_object(w, NULL);
    pf_json_put_int(w, "format", 1);
    pf_json_put_string(w, "scenario", r->scenario);
    pf_json_put_string(w, "scenario_hash", r->hash);
    pf_json_put_string(w, "point", point);
    pf_json_put_string(w, "mode", mode_name(r->mode));
    pf_json_put_rounded(w, "rate", r->rate, 3);
    pf_json_put_int(w, "clients", r->clients);
    pf_json_put_rounded(w, "calibration_ms", r->calibration_ms, 3);
    pf_json_begin_object(w, "flows");
    for (size_t i = 0; i < r->n_flows; i++) {
        const pf_load_flow_result *f = &r->flows[i];
        pf_json_begin_object(w, f->name);
        pf_json_put_int(w, "n", f->completed);
        pf_json_put_rounded(w, "p50_ms", ms_of(pf_hist_quantile(f->latency, 0.5)), 3);
        pf_json_put_rounded(w, "p99_ms", ms_of(pf_hist_quantile(f->latency, 0.99)), 3);
        pf_json_put_rounded(w, "throughput", throughput(r, f->completed), 3);
        pf_json_end(w);
    }
    pf_json_end(w);
    pf_json_end(w);
    free(point);
    char *text = pf_json_writer_finish(w);
    int rc = pf_file_write_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}

int pf_load_baseline_read(const char *path, pf_load_baseline *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    if (!pf_path_exists(path))
        return 1;
    char *text = NULL;
    if (pf_file_read(path, &text, NULL, err) < 0)
        return -1;
    cJSON *root = cJSON_Parse(text);
    free(text);
    const char *why = NULL;
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(root, "scenario");
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(root, "scenario_hash");
    const cJSON *pt = cJSON_GetObjectItemCaseSensitive(root, "point");
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(root, "mode");
    const cJSON *cal = cJSON_GetObjectItemCaseSensitive(root, "calibration_ms");
    const cJSON *fl = cJSON_GetObjectItemCaseSensitive(root, "flows");
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (root == NULL) {
        why = "not JSON";
    } else if (!cJSON_IsNumber(fmt) || fmt->valuedouble != 1) {
        why = "format must be 1";
    } else if (!cJSON_IsString(sc) || !cJSON_IsString(h) || !cJSON_IsString(pt) ||
               !cJSON_IsString(md) || !cJSON_IsNumber(cal) || !cJSON_IsObject(fl)) {
        why = "scenario, scenario_hash, point, mode, calibration_ms and flows are required";
    }
    if (why == NULL) {
        out->scenario = pf_strdup(sc->valuestring);
        out->hash = pf_strdup(h->valuestring);
        out->point = pf_strdup(pt->valuestring);
        out->mode = pf_strdup(md->valuestring);
        out->calibration_ms = cal->valuedouble;
        out->flows = pf_calloc((size_t)cJSON_GetArraySize(fl) + 1, sizeof *out->flows);
        for (const cJSON *it = fl->child; it != NULL && why == NULL; it = it->next) {
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "n");
            const cJSON *p50 = cJSON_GetObjectItemCaseSensitive(it, "p50_ms");
            const cJSON *p99 = cJSON_GetObjectItemCaseSensitive(it, "p99_ms");
            const cJSON *tp = cJSON_GetObjectItemCaseSensitive(it, "throughput");
            if (!cJSON_IsNumber(n) || !cJSON_IsNumber(p50) || !cJSON_IsNumber(p99) ||
                !cJSON_IsNumber(tp)) {
                why = "every flow needs n, p50_ms, p99_ms and throughput";
                break;
            }
            pf_load_baseline_flow *bf = &out->flows[out->n_flows++];
            bf->name = pf_strdup(it->string);
            bf->n = (long)n->valuedouble;
            bf->p50_ms = p50->valuedouble;
            bf->p99_ms = p99->valuedouble;
            bf->throughput = tp->valuedouble;
        }
    }
    cJSON_Delete(root);
    if (why != NULL) {
        pf_load_baseline_dispose(out);
        return pf_error_set(err, PF_EXIT_USAGE, "%s: bad load baseline: %s", path, why);
    }
    return 0;
}

/* -------------------------------------------------------------- verdicts */

void pf_load_verdict_dispose(pf_load_verdict *v)
{
    free(v->message);
    free(v->details);
    memset(v, 0, sizeof *v);
}

int pf_load_exit_code(const pf_load_verdict *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].status == PF_LOAD_FAIL || v[i].status == PF_LOAD_ERROR)
            return PF_EXIT_FAIL;
    return PF_EXIT_OK;
}

static void judge_drain(const pf_load_result *r, pf_load_verdict *v)
{
    const pf_drain_result *d = r->drain;
    pf_rules rules = pf_rules_default();
    pf_buf det = PF_BUF_INIT;
    pf_buf_printf(&det,
                  "jobs %d, workers %d, processing %.1f ms, drain %.1f ms, %.0f jobs/s\n"
                  "claims %lld (p50 %.3f ms, p99 %.3f ms, max %.3f ms), completed %lld, "
                  "heartbeats %lld\n"
                  "exactly once: duplicates %lld, lost %lld, foreign %lld, completed in the "
                  "database %lld of %d\n",
                  d->jobs, d->workers, d->processing_ms, d->drain_ms, d->jobs_per_s,
                  (long long)d->claimed, ms_of(pf_hist_quantile(d->claim, 0.5)),
                  ms_of(pf_hist_quantile(d->claim, 0.99)), ms_of(pf_hist_max(d->claim)),
                  (long long)d->completed, (long long)d->heartbeats_ok, (long long)d->duplicates,
                  (long long)d->lost, (long long)d->foreign, (long long)d->db_completed, d->jobs);
    v->level = (int)pf_verdict_level(d->drain_ms, d->threshold_ms, &rules);
    if (!pf_drain_exactly_once(d)) {
        v->status = PF_LOAD_FAIL;
        v->message = pf_asprintf("not exactly once: %lld duplicates, %lld lost, %lld foreign, "
                                 "%lld of %d completed in the database%s",
                                 (long long)d->duplicates, (long long)d->lost,
                                 (long long)d->foreign, (long long)d->db_completed, d->jobs,
                                 d->interrupted ? " (interrupted)" : "");
    } else if (v->level >= PF_LEVEL_CRITICAL) {
        v->status = PF_LOAD_FAIL;
        v->message = pf_asprintf("drained %d jobs in %.2f s: %s, %.0f%% of the %.0f s threshold",
                                 d->jobs, d->drain_ms / 1000, pf_level_name((pf_level)v->level),
                                 100 * d->drain_ms / d->threshold_ms, d->threshold_ms / 1000);
    } else {
        v->status = v->level == PF_LEVEL_WARNING ? PF_LOAD_WARN : PF_LOAD_PASS;
        v->message = pf_asprintf("drained %d jobs in %.2f s with %d workers (%.0f jobs/s, claim "
                                 "p99 %.2f ms), each exactly once%s",
                                 d->jobs, d->drain_ms / 1000, d->workers, d->jobs_per_s,
                                 ms_of(pf_hist_quantile(d->claim, 0.99)),
                                 v->level == PF_LEVEL_WARNING ? "; above half the threshold" : "");
    }
    v->details = pf_buf_steal(&det);
}

static const pf_load_baseline_flow *baseline_flow(const pf_load_baseline *b, const char *name)
{
    for (size_t i = 0; b != NULL && i < b->n_flows; i++)
        if (strcmp(b->flows[i].name, name) == 0)
            return &b->flows[i];
    return NULL;
}

void pf_load_judge(const pf_load_result *r, size_t i, const pf_load_baseline *b, bool confirming,
                   pf_load_verdict *v)
{
    memset(v, 0, sizeof *v);
    if (i >= r->n_flows) {
        judge_drain(r, v);
        return;
    }
    const pf_load_flow_result *f = &r->flows[i];
    pf_rules rules = pf_rules_default();
    double p50 = ms_of(pf_hist_quantile(f->latency, 0.5));
    double p99 = ms_of(pf_hist_quantile(f->latency, 0.99));
    double tput = throughput(r, f->completed);
    int64_t ended = f->completed + f->errors;
    double err_rate = ended > 0 ? (double)f->errors / (double)ended : 0;
    pf_buf det = PF_BUF_INIT;
    pf_buf_printf(&det,
                  "executions %lld (completed %lld, errors %lld, retries %lld, late %lld, "
                  "incomplete %lld)\n"
                  "latency p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms; "
                  "throughput %.2f/s\n",
                  (long long)f->started, (long long)f->completed, (long long)f->errors,
                  (long long)f->retries, (long long)f->late, (long long)f->incomplete, p50,
                  ms_of(pf_hist_quantile(f->latency, 0.9)), p99,
                  ms_of(pf_hist_quantile(f->latency, 0.999)), ms_of(pf_hist_max(f->latency)),
                  tput);
    if (r->mode == PF_LOAD_OPEN)
        pf_buf_printf(&det, "schedule lag p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
                      ms_of(pf_hist_quantile(f->lag, 0.5)), ms_of(pf_hist_quantile(f->lag, 0.99)),
                      ms_of(pf_hist_max(f->lag)));
    for (size_t k = 0; k < f->n_errs; k++)
        pf_buf_printf(&det, "error %s x%lld: %s\n", f->errs[k].key, (long long)f->errs[k].count,
                      f->errs[k].example);
    v->level = (int)pf_verdict_level(p99, f->threshold_ms, &rules);
    if (f->threshold_ms > 0)
        pf_buf_printf(&det, "threshold: p99 %.3f ms of %.0f ms (%.0f%%): %s\n", p99,
                      f->threshold_ms, 100 * p99 / f->threshold_ms,
                      pf_level_name((pf_level)v->level));

    /* The baseline signal. */
    const pf_load_baseline_flow *bf = baseline_flow(b, f->name);
    if (b != NULL && strcmp(b->hash, r->hash) != 0) {
        v->stale = true;
        pf_buf_printf(&det, "baseline: recorded with another version of %s: not compared\n",
                      r->file);
    } else if (bf != NULL) {
        double cal_now = r->calibration_ms > 0 ? r->calibration_ms : 1;
        double cal_base = b->calibration_ms > 0 ? b->calibration_ms : cal_now;
        double norm = cal_base / cal_now;
        v->p50_ratio = bf->p50_ms > 0 ? p50 * norm / bf->p50_ms : 0;
        v->p99_ratio = bf->p99_ms > 0 ? p99 * norm / bf->p99_ms : 0;
        v->throughput_ratio = bf->throughput > 0 ? tput / bf->throughput : 0;
        bool enough = f->completed >= SIGNAL_MIN_N && bf->n >= SIGNAL_MIN_N;
        bool slower = v->p50_ratio > SIGNAL_RATIO && v->p99_ratio > SIGNAL_RATIO &&
                      p50 * norm - bf->p50_ms >= SIGNAL_MIN_DELTA_MS;
        bool tput_down = r->mode == PF_LOAD_OPEN || v->throughput_ratio < 1 / SIGNAL_RATIO;
        v->signal = enough && slower && tput_down;
        pf_buf_printf(&det,
                      "baseline %s: p50 %.3f ms, p99 %.3f ms, %.2f/s; now (normalised by "
                      "calibration %.3f/%.3f ms) p50 x%.2f, p99 x%.2f, throughput x%.2f%s%s\n",
                      b->point, bf->p50_ms, bf->p99_ms, bf->throughput, cal_now, cal_base,
                      v->p50_ratio, v->p99_ratio, v->throughput_ratio,
                      enough ? "" : " (fewer than 100 executions: not judged)",
                      v->signal ? (confirming ? ": slower, confirmed by a re-run"
                                              : ": slower, not confirmed")
                                : "");
    }

    if (f->started == 0 && ended == 0) {
        v->status = PF_LOAD_SKIPPED;
        v->message = pf_strdup("no execution of this flow in this run (weight too small for "
                               "its length?)");
    } else if (f->completed == 0 && f->errors > 0) {
        v->status = PF_LOAD_ERROR;
        v->message = pf_asprintf("every execution failed: %s %s", f->errs[0].key,
                                 f->errs[0].example);
    } else if (err_rate > f->max_error_rate) {
        v->status = PF_LOAD_FAIL;
        v->message = pf_asprintf("%lld errors in %lld executions (%.2f%%, at most %.2f%% "
                                 "allowed): %s %s",
                                 (long long)f->errors, (long long)ended, 100 * err_rate,
                                 100 * f->max_error_rate, f->errs[0].key, f->errs[0].example);
    } else if (v->level >= PF_LEVEL_CRITICAL) {
        v->status = PF_LOAD_FAIL;
        v->message = pf_asprintf("p99 %.1f ms is %s: %.0f%% of the %.0f ms threshold", p99,
                                 pf_level_name((pf_level)v->level), 100 * p99 / f->threshold_ms,
                                 f->threshold_ms);
    } else if (v->signal && confirming) {
        v->status = PF_LOAD_FAIL;
        v->message = pf_asprintf("slower than the baseline: p50 x%.2f, p99 x%.2f (normalised), "
                                 "confirmed by a re-run",
                                 v->p50_ratio, v->p99_ratio);
    } else if (v->signal) {
        v->status = PF_LOAD_NOISY;
        v->message = pf_asprintf("p50 x%.2f, p99 x%.2f of the baseline (normalised), not "
                                 "confirmed by a re-run",
                                 v->p50_ratio, v->p99_ratio);
    } else {
        bool warn = v->level == PF_LEVEL_WARNING || v->stale;
        v->status = warn ? PF_LOAD_WARN : (b == NULL || bf == NULL) ? PF_LOAD_NEW : PF_LOAD_PASS;
        v->message = pf_asprintf("p50 %.2f ms, p99 %.2f ms, %.1f/s%s%s%s", p50, p99, tput,
                                 v->level == PF_LEVEL_WARNING ? "; p99 above half the threshold"
                                                              : "",
                                 v->stale ? "; baseline of another scenario version" : "",
                                 f->errors > 0 ? "; some errors, within max_error_rate" : "");
    }
    v->details = pf_buf_steal(&det);
}

/* ------------------------------------------------------------ results JSON */

/* Quantiles of a histogram in milliseconds. */
static void put_quantiles(pf_json_writer *w, const char *key, const pf_hist *h)
{
    pf_json_begin_object(w, key);
    pf_json_put_rounded(w, "p50", ms_of(pf_hist_quantile(h, 0.5)), 3);
    pf_json_put_rounded(w, "p90", ms_of(pf_hist_quantile(h, 0.9)), 3);
    pf_json_put_rounded(w, "p99", ms_of(pf_hist_quantile(h, 0.99)), 3);
    pf_json_put_rounded(w, "p999", ms_of(pf_hist_quantile(h, 0.999)), 3);
    pf_json_put_rounded(w, "max", ms_of(pf_hist_max(h)), 3);
    pf_json_put_rounded(w, "mean", pf_hist_mean(h) / 1e6, 3);
    pf_json_end(w);
}

static void put_hist(pf_json_writer *w, const char *key, const pf_hist *h)
{
    pf_buf b = PF_BUF_INIT;
    pf_hist_to_json(h, &b);
    pf_json_put_raw(w, key, pf_buf_str(&b));
    pf_buf_dispose(&b);
}

static void put_verdict(pf_json_writer *w, const pf_load_verdict *v)
{
    if (v == NULL)
        return;
    pf_json_begin_object(w, "verdict");
    pf_json_put_string(w, "status", pf_load_status_name(v->status));
    pf_json_put_string(w, "level", pf_level_name((pf_level)v->level));
    pf_json_put_string(w, "message", v->message ? v->message : "");
    pf_json_put_bool(w, "baseline_signal", v->signal);
    pf_json_put_rounded(w, "p50_ratio", v->p50_ratio, 3);
    pf_json_put_rounded(w, "p99_ratio", v->p99_ratio, 3);
    pf_json_put_rounded(w, "throughput_ratio", v->throughput_ratio, 3);
    pf_json_end(w);
}

/* One flow; the totals go without histograms (they are the flows' sum). */
static void put_flow(pf_json_writer *w, const char *key, const pf_load_result *r,
                     const pf_load_flow_result *f, const pf_load_verdict *v, bool histograms)
{
    pf_json_begin_object(w, key);
    pf_json_put_string(w, "name", f->name);
    pf_json_put_number(w, "weight", f->weight);
    pf_json_put_number(w, "threshold_ms", f->threshold_ms);
    pf_json_put_number(w, "max_error_rate", f->max_error_rate);
    pf_json_put_int(w, "started", f->started);
    pf_json_put_int(w, "completed", f->completed);
    pf_json_put_int(w, "errors", f->errors);
    pf_json_put_int(w, "retries", f->retries);
    pf_json_put_int(w, "late", f->late);
    pf_json_put_int(w, "incomplete", f->incomplete);
    pf_json_put_rounded(w, "throughput", throughput(r, f->completed), 3);
    put_quantiles(w, "latency_ms", f->latency);
    put_quantiles(w, "lag_ms", f->lag);
    pf_json_begin_object(w, "errors_by_sqlstate");
    for (size_t k = 0; k < f->n_errs; k++) {
        pf_json_begin_object(w, f->errs[k].key);
        pf_json_put_int(w, "count", f->errs[k].count);
        pf_json_put_string(w, "example", f->errs[k].example ? f->errs[k].example : "");
        pf_json_end(w);
    }
    pf_json_end(w);
    put_verdict(w, v);
    if (histograms) {
        put_hist(w, "latency_histogram", f->latency);
        put_hist(w, "lag_histogram", f->lag);
    }
    pf_json_end(w);
}

static void put_drain(pf_json_writer *w, const pf_drain_result *d, const pf_load_verdict *v)
{
    pf_json_begin_object(w, "queue_drain");
    pf_json_put_string(w, "lane", d->lane ? d->lane : "");
    pf_json_put_string(w, "job_type", d->job_type ? d->job_type : "");
    pf_json_put_int(w, "jobs", d->jobs);
    pf_json_put_int(w, "workers", d->workers);
    pf_json_put_number(w, "processing_ms", d->processing_ms);
    pf_json_put_bool(w, "heartbeat", d->heartbeat);
    pf_json_put_number(w, "threshold_ms", d->threshold_ms);
    pf_json_put_rounded(w, "enqueue_ms", d->enqueue_ms, 3);
    pf_json_put_rounded(w, "drain_ms", d->drain_ms, 3);
    pf_json_put_rounded(w, "jobs_per_s", d->jobs_per_s, 3);
    pf_json_put_int(w, "claimed", d->claimed);
    pf_json_put_int(w, "completed", d->completed);
    pf_json_put_int(w, "heartbeats_ok", d->heartbeats_ok);
    pf_json_put_int(w, "duplicates", d->duplicates);
    pf_json_put_int(w, "lost", d->lost);
    pf_json_put_int(w, "foreign", d->foreign);
    pf_json_put_int(w, "db_completed", d->db_completed);
    pf_json_put_bool(w, "exactly_once", pf_drain_exactly_once(d));
    pf_json_put_bool(w, "interrupted", d->interrupted);
    put_quantiles(w, "claim_ms", d->claim);
    put_quantiles(w, "job_ms", d->job);
    put_verdict(w, v);
    put_hist(w, "claim_histogram", d->claim);
    put_hist(w, "job_histogram", d->job);
    pf_json_end(w);
}

static void put_scenario(pf_json_writer *w, const pf_load_result *r, const pf_load_verdict *vs)
{
    pf_json_begin_object(w, NULL);
    pf_json_put_string(w, "name", r->scenario);
    pf_json_put_string(w, "file", r->file);
    pf_json_put_string(w, "hash", r->hash);
    pf_json_put_string(w, "description", r->description ? r->description : "");
    pf_json_put_string(w, "kind", r->drain ? "queue_drain" : "flows");
    pf_json_put_string(w, "mode", mode_name(r->mode));
    char *point = pf_load_point(r);
    pf_json_put_string(w, "point", point);
    free(point);
    pf_json_put_number(w, "rate", r->rate);
    pf_json_put_number(w, "load_factor", r->load_factor);
    pf_json_put_number(w, "expected_rate", r->expected_rate);
    pf_json_put_int(w, "clients", r->clients);
    pf_json_put_int(w, "clients_total", r->clients_total);
    pf_json_put_int(w, "threads", r->threads);
    pf_json_begin_object(w, "shard");
    pf_json_put_int(w, "index", r->shard_index);
    pf_json_put_int(w, "count", r->shard_count);
    pf_json_end(w);
    pf_json_begin_array(w, "shards");
    for (int k = 0; k < r->shards; k++)
        pf_json_put_int(w, NULL, r->shard_ids[k]);
    pf_json_end(w);
    pf_json_put_number(w, "seed", (double)r->seed); /* read back as a double (up to 2^53) */
    pf_json_put_number(w, "duration_s", r->duration_ms / 1000);
    pf_json_put_int(w, "transactions", r->transactions);
    pf_json_put_number(w, "late_ms", r->late_ms);
    pf_json_put_rounded(w, "elapsed_s", r->elapsed_ms / 1000, 3);
    pf_json_put_rounded(w, "window_s", pf_load_window_ms(r) / 1000, 3);
    pf_json_put_bool(w, "interrupted", r->interrupted);
    pf_json_put_int(w, "unstarted", r->unstarted);
    pf_json_put_rounded(w, "calibration_ms", r->calibration_ms, 3);
    pf_json_put_int(w, "peak_rss_kb", r->peak_rss_kb);
    pf_json_put_rounded(w, "setup_s", r->setup_ms / 1000, 3);
    if (r->drain == NULL) {
        pf_load_flow_result tot;
        pf_load_result_totals(r, &tot);
        put_flow(w, "totals", r, &tot, NULL, false);
        pf_load_flow_result_dispose(&tot);
        pf_json_begin_array(w, "flows");
        for (size_t i = 0; i < r->n_flows; i++)
            put_flow(w, NULL, r, &r->flows[i], vs ? &vs[i] : NULL, true);
        pf_json_end(w);
    } else {
        put_drain(w, r->drain, vs ? &vs[r->n_flows] : NULL);
    }
    pf_json_end(w);
}

char *pf_load_results_json(const pf_load_meta *meta, const pf_load_result *results, size_t n,
                           pf_load_verdict *const *verdicts)
{
    pf_json_writer *w = pf_json_writer_new(PF_JSON_TABS);
    pf_json_begin_object(w, NULL);
    pf_json_put_int(w, "format", 1);
    pf_json_put_string(w, "tool", "perfgate load");
    pf_json_put_string(w, "version", meta && meta->version ? meta->version : "");
    pf_json_put_string(w, "target", meta && meta->target ? meta->target : "");
    pf_json_put_string(w, "started_at", meta && meta->started_at ? meta->started_at : "");
    pf_json_put_bool(w, "complete", meta ? meta->complete : false);
    pf_json_put_int(w, "exit_code", meta ? meta->exit_code : 0);
    pf_json_begin_array(w, "scenarios");
    for (size_t s = 0; s < n; s++)
        put_scenario(w, &results[s], verdicts ? verdicts[s] : NULL);
    pf_json_end(w);
    pf_json_end(w);
    return pf_json_writer_finish(w);
}

/* ---- reading results back ---- */

typedef struct reader {
    const char *path;
    const char *why;
    char where[160];
} reader;

static double get_num(reader *rd, const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(it)) {
        if (rd->why == NULL) {
            rd->why = "a number is missing";
            snprintf(rd->where, sizeof rd->where, "%s", key);
        }
        return 0;
    }
    /* Counts are converted to integers: keep them where a double is exact
     * (and the conversion defined). */
    if (!isfinite(it->valuedouble) || fabs(it->valuedouble) > 9007199254740992.0) {
        if (rd->why == NULL) {
            rd->why = "a number is out of range";
            snprintf(rd->where, sizeof rd->where, "%s", key);
        }
        return 0;
    }
    return it->valuedouble;
}

/* A small count (clients, threads, jobs, a shard index): 0 to INT_MAX. */
static int get_int(reader *rd, const cJSON *o, const char *key)
{
    double v = get_num(rd, o, key);
    if (v < 0 || v > INT_MAX) {
        if (rd->why == NULL) {
            rd->why = "a count is out of range";
            snprintf(rd->where, sizeof rd->where, "%s", key);
        }
        return 0;
    }
    return (int)v;
}

static char *get_str(reader *rd, const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(it)) {
        if (rd->why == NULL) {
            rd->why = "a string is missing";
            snprintf(rd->where, sizeof rd->where, "%s", key);
        }
        return pf_strdup("");
    }
    return pf_strdup(it->valuestring);
}

static pf_hist *get_hist(reader *rd, const cJSON *o, const char *key, pf_error *err)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    pf_hist *h = NULL;
    char *text = it ? cJSON_PrintUnformatted(it) : NULL;
    if (text == NULL || pf_hist_from_json(key, text, &h, err) < 0) {
        if (rd->why == NULL) {
            rd->why = text == NULL ? "a histogram is missing" : err->msg;
            snprintf(rd->where, sizeof rd->where, "%s", key);
        }
        h = pf_hist_new();
    }
    free(text);
    return h;
}

static void read_flow(reader *rd, const cJSON *o, pf_load_flow_result *f, pf_error *err)
{
    f->name = get_str(rd, o, "name");
    f->weight = get_num(rd, o, "weight");
    f->threshold_ms = get_num(rd, o, "threshold_ms");
    f->max_error_rate = get_num(rd, o, "max_error_rate");
    f->started = (int64_t)get_num(rd, o, "started");
    f->completed = (int64_t)get_num(rd, o, "completed");
    f->errors = (int64_t)get_num(rd, o, "errors");
    f->retries = (int64_t)get_num(rd, o, "retries");
    f->late = (int64_t)get_num(rd, o, "late");
    f->incomplete = (int64_t)get_num(rd, o, "incomplete");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "errors_by_sqlstate");
    for (const cJSON *it = e ? e->child : NULL; it != NULL; it = it->next) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(it, "count");
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(it, "example");
        pf_load_flow_add_error(f, it->string, cJSON_IsNumber(c) && isfinite(c->valuedouble) && fabs(c->valuedouble) <= 9007199254740992.0
                                         ? (int64_t)c->valuedouble
                                         : 0,
                               cJSON_IsString(x) ? x->valuestring : "");
    }
    f->latency = get_hist(rd, o, "latency_histogram", err);
    f->lag = get_hist(rd, o, "lag_histogram", err);
}

static void read_drain(reader *rd, const cJSON *o, pf_drain_result *d, pf_error *err)
{
    d->lane = get_str(rd, o, "lane");
    d->job_type = get_str(rd, o, "job_type");
    d->jobs = get_int(rd, o, "jobs");
    d->workers = get_int(rd, o, "workers");
    d->processing_ms = get_num(rd, o, "processing_ms");
    d->heartbeat = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "heartbeat"));
    d->threshold_ms = get_num(rd, o, "threshold_ms");
    d->enqueue_ms = get_num(rd, o, "enqueue_ms");
    d->drain_ms = get_num(rd, o, "drain_ms");
    d->jobs_per_s = get_num(rd, o, "jobs_per_s");
    d->claimed = (int64_t)get_num(rd, o, "claimed");
    d->completed = (int64_t)get_num(rd, o, "completed");
    d->heartbeats_ok = (int64_t)get_num(rd, o, "heartbeats_ok");
    d->duplicates = (int64_t)get_num(rd, o, "duplicates");
    d->lost = (int64_t)get_num(rd, o, "lost");
    d->foreign = (int64_t)get_num(rd, o, "foreign");
    d->db_completed = (int64_t)get_num(rd, o, "db_completed");
    d->interrupted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "interrupted"));
    d->claim = get_hist(rd, o, "claim_histogram", err);
    d->job = get_hist(rd, o, "job_histogram", err);
}

static void read_scenario(reader *rd, const cJSON *o, pf_load_result *r, pf_error *err)
{
    r->scenario = get_str(rd, o, "name");
    r->file = get_str(rd, o, "file");
    char *hash = get_str(rd, o, "hash");
    snprintf(r->hash, sizeof r->hash, "%s", hash);
    free(hash);
    r->description = get_str(rd, o, "description");
    char *mode = get_str(rd, o, "mode");
    r->mode = strcmp(mode, "open") == 0 ? PF_LOAD_OPEN : PF_LOAD_CLOSED;
    free(mode);
    r->rate = get_num(rd, o, "rate");
    r->load_factor = get_num(rd, o, "load_factor");
    r->expected_rate = get_num(rd, o, "expected_rate");
    r->clients = get_int(rd, o, "clients");
    r->clients_total = get_int(rd, o, "clients_total");
    r->threads = get_int(rd, o, "threads");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(o, "shard");
    r->shard_index = get_int(rd, sh, "index");
    r->shard_count = get_int(rd, sh, "count");
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(o, "shards");
    r->shards = cJSON_IsArray(ids) ? cJSON_GetArraySize(ids) : 0;
    r->shard_ids = pf_calloc((size_t)r->shards + 1, sizeof *r->shard_ids);
    for (int k = 0; k < r->shards; k++) {
        const cJSON *it = cJSON_GetArrayItem(ids, k);
        r->shard_ids[k] = cJSON_IsNumber(it) ? (int)it->valuedouble : 0;
    }
    if (r->shards == 0 && rd->why == NULL)
        rd->why = "the list of shards is missing";
    r->seed = (uint64_t)get_num(rd, o, "seed");
    r->duration_ms = get_num(rd, o, "duration_s") * 1000;
    r->transactions = (int64_t)get_num(rd, o, "transactions");
    r->late_ms = get_num(rd, o, "late_ms");
    r->elapsed_ms = get_num(rd, o, "elapsed_s") * 1000;
    r->interrupted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "interrupted"));
    r->unstarted = (int64_t)get_num(rd, o, "unstarted");
    r->calibration_ms = get_num(rd, o, "calibration_ms");
    r->peak_rss_kb = (long)get_num(rd, o, "peak_rss_kb");
    r->setup_ms = get_num(rd, o, "setup_s") * 1000;
    const cJSON *drain = cJSON_GetObjectItemCaseSensitive(o, "queue_drain");
    if (drain != NULL) {
        r->drain = pf_calloc(1, sizeof *r->drain);
        read_drain(rd, drain, r->drain, err);
        return;
    }
    const cJSON *flows = cJSON_GetObjectItemCaseSensitive(o, "flows");
    if (!cJSON_IsArray(flows)) {
        if (rd->why == NULL)
            rd->why = "flows are missing";
        return;
    }
    int n = cJSON_GetArraySize(flows);
    r->flows = pf_calloc((size_t)n + 1, sizeof *r->flows);
    for (int i = 0; i < n; i++) {
        read_flow(rd, cJSON_GetArrayItem(flows, i), &r->flows[i], err);
        r->n_flows++;
    }
}

int pf_load_results_read(const char *path, pf_load_result **out, size_t *n, pf_error *err)
{
    *out = NULL;
    *n = 0;
    char *text = NULL;
    if (pf_file_read(path, &text, NULL, err) < 0)
        return -1;
    /* A syntax error (a shard's file cut short) with its line and column. */
    pf_json *doc = NULL;
    if (pf_json_parse(path, text, &doc, err) < 0) {
        free(text);
        return -1;
    }
    pf_json_free(doc);
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *tool = cJSON_GetObjectItemCaseSensitive(root, "tool");
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "scenarios");
    if (root == NULL || !cJSON_IsNumber(fmt) || fmt->valuedouble != 1 || !cJSON_IsString(tool) ||
        strcmp(tool->valuestring, "perfgate load") != 0 || !cJSON_IsArray(arr)) {
        cJSON_Delete(root);
        return pf_error_set(err, PF_EXIT_USAGE,
                            "%s: not a perfgate load results file (format 1)", path);
    }
    size_t count = (size_t)cJSON_GetArraySize(arr);
    pf_load_result *rs = pf_calloc(count + 1, sizeof *rs);
    reader rd = {path, NULL, ""};
    pf_error herr;
    pf_error_clear(&herr);
    size_t i = 0;
    for (const cJSON *it = arr->child; it != NULL; it = it->next, i++) {
        read_scenario(&rd, it, &rs[i], &herr);
        if (rd.why != NULL)
            break;
    }
    cJSON_Delete(root);
    if (rd.why != NULL) {
        pf_error_set(err, PF_EXIT_USAGE, "%s: scenarios[%zu]: %s (%s)", path, i, rd.why,
                     rd.where);
        pf_load_results_free(rs, count);
        return -1;
    }
    *out = rs;
    *n = count;
    return 0;
}

void pf_load_results_free(pf_load_result *r, size_t n)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        pf_load_result_dispose(&r[i]);
    free(r);
}

/* ---------------------------------------------------------------- table */

char *pf_load_table(const pf_load_result *r, pf_load_verdict *const v)
{
    pf_buf b = PF_BUF_INIT;
    if (r->drain != NULL) {
        const pf_drain_result *d = r->drain;
        pf_buf_printf(&b, "%s: queue drain, %d jobs, %d workers\n", r->scenario, d->jobs,
                      d->workers);
        pf_buf_printf(&b,
                      "  drain %.2f s, %.0f jobs/s, enqueue %.1f ms; claim p50 %.2f ms, p99 %.2f "
                      "ms, max %.2f ms; job (enqueue to done) p50 %.0f ms, p99 %.0f ms\n",
                      d->drain_ms / 1000, d->jobs_per_s, d->enqueue_ms,
                      ms_of(pf_hist_quantile(d->claim, 0.5)),
                      ms_of(pf_hist_quantile(d->claim, 0.99)), ms_of(pf_hist_max(d->claim)),
                      ms_of(pf_hist_quantile(d->job, 0.5)), ms_of(pf_hist_quantile(d->job, 0.99)));
        pf_buf_printf(&b, "  exactly once: %s (claimed %lld, completed %lld, duplicates %lld, "
                          "lost %lld)\n",
                      pf_drain_exactly_once(d) ? "yes" : "NO", (long long)d->claimed,
                      (long long)d->completed, (long long)d->duplicates, (long long)d->lost);
        if (v != NULL)
            pf_buf_printf(&b, "  %-6s %s\n", pf_load_status_name(v[r->n_flows].status),
                          v[r->n_flows].message);
        return pf_buf_steal(&b);
    }
    if (r->mode == PF_LOAD_OPEN)
        pf_buf_printf(&b, "%s: open loop, %.2f flows/s", r->scenario, r->rate);
    else
        pf_buf_printf(&b, "%s: closed loop", r->scenario);
    if (r->load_factor > 0)
        pf_buf_printf(&b, " (%gx the expected %.2f/s)", r->load_factor, r->expected_rate);
    pf_buf_printf(&b, ", %d clients, %d threads, %.1f s%s", r->clients, r->threads,
                  r->elapsed_ms / 1000, r->interrupted ? ", INTERRUPTED: partial" : "");
    if (r->shards > 1 || r->shard_count > 1)
        pf_buf_printf(&b, ", %d of %d shards", r->shards, r->shard_count);
    pf_buf_putc(&b, '\n');
    pf_buf_printf(&b, "  %-20s %8s %6s %5s %5s %9s %8s %8s %8s %8s %8s %8s  %s\n", "flow", "done",
                  "errors", "retry", "late", "per s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms",
                  "max ms", "lag p99", "verdict");
    pf_load_flow_result tot;
    pf_load_result_totals(r, &tot);
    for (size_t i = 0; i <= r->n_flows; i++) {
        const pf_load_flow_result *f = i < r->n_flows ? &r->flows[i] : &tot;
        pf_buf_printf(&b, "  %-20s %8lld %6lld %5lld %5lld %9.1f %8.2f %8.2f %8.2f %8.2f %8.2f "
                          "%8.2f  %s\n",
                      f->name, (long long)f->completed, (long long)f->errors,
                      (long long)f->retries, (long long)f->late, throughput(r, f->completed),
                      ms_of(pf_hist_quantile(f->latency, 0.5)),
                      ms_of(pf_hist_quantile(f->latency, 0.9)),
                      ms_of(pf_hist_quantile(f->latency, 0.99)),
                      ms_of(pf_hist_quantile(f->latency, 0.999)), ms_of(pf_hist_max(f->latency)),
                      ms_of(pf_hist_quantile(f->lag, 0.99)),
                      i < r->n_flows && v ? pf_load_status_name(v[i].status) : "");
    }
    pf_load_flow_result_dispose(&tot);
    for (size_t i = 0; v != NULL && i < r->n_flows; i++)
        if (v[i].status != PF_LOAD_PASS && v[i].status != PF_LOAD_NEW)
            pf_buf_printf(&b, "  %s: %s: %s\n", r->flows[i].name, pf_load_status_name(v[i].status),
                          v[i].message);
    if (r->unstarted > 0)
        pf_buf_printf(&b, "  %lld scheduled flows never started (the server or the pool fell "
                          "behind)\n",
                      (long long)r->unstarted);
    return pf_buf_steal(&b);
}

/* ---------------------------------------------------------------- JUnit */

int pf_load_junit_write(const char *path, const pf_load_result *results, size_t n,
                        pf_load_verdict *const *verdicts, pf_error *err)
{
    pf_junit_suite *suites = pf_calloc(n + 1, sizeof *suites);
    char **owned = pf_calloc(n * 2 + 1, sizeof *owned);
    size_t n_owned = 0;
    for (size_t s = 0; s < n; s++) {
        const pf_load_result *r = &results[s];
        size_t nc = r->drain ? 1 : r->n_flows;
        pf_junit_case *cases = pf_calloc(nc + 1, sizeof *cases);
        char *cls = owned[n_owned++] = pf_asprintf("perfgate.load.%s", r->scenario);
        for (size_t i = 0; i < nc; i++) {
            size_t vi = r->drain ? r->n_flows : i;
            const pf_load_verdict *v = &verdicts[s][vi];
            pf_junit_case *c = &cases[i];
            c->classname = cls;
            c->name = r->drain ? "queue_drain" : r->flows[i].name;
            c->file = r->file;
            c->time_s = r->drain ? r->drain->drain_ms / 1000 : pf_load_window_ms(r) / 1000;
            c->message = v->message;
            c->system_out = v->details;
            switch (v->status) {
            case PF_LOAD_FAIL:
                c->status = PF_JUNIT_FAIL;
                c->type = v->signal ? "regression" : "threshold";
                break;
            case PF_LOAD_ERROR:
                c->status = PF_JUNIT_ERROR;
                c->type = "sql-error";
                break;
            case PF_LOAD_NOISY:
                c->status = PF_JUNIT_SKIPPED;
                c->type = "noisy";
                break;
            case PF_LOAD_SKIPPED:
                c->status = PF_JUNIT_SKIPPED;
                c->type = "no-executions";
                break;
            default:
                c->status = PF_JUNIT_PASS;
                break;
            }
        }
        suites[s].name = owned[n_owned++] = pf_asprintf("load.%s", r->scenario);
        suites[s].cases = cases;
        suites[s].n_cases = nc;
        suites[s].time_s = r->drain ? r->drain->drain_ms / 1000 : r->elapsed_ms / 1000;
    }
    /* Flows keep their scenario file on the suite (junit-10.xsd form). */
    int rc = pf_junit_write(path, "perfgate load", suites, n, PF_JUNIT_JUNIT10, err);
    for (size_t s = 0; s < n; s++)
        free((void *)suites[s].cases);
    free(suites);
    pf_strv_free(owned);
    return rc;
}
