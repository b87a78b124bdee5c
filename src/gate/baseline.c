/* Baseline files: written through the stable printer (json.h), read with
 * cJSON, which stays inside this file. */
#include "baseline.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fsutil.h"
#include "json.h"
#include "stats.h"

/* The largest seed a JSON number (a double) holds exactly: 2^53. */
#define PF_SEED_EXACT 9007199254740992ULL

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* ------------------------------------------------------------------ write */

/* Milliseconds and the normalised median: fixed decimals, never an
 * exponent, so a changed value is a changed line and nothing else. */
#define MS_DECIMALS 4
#define NORM_DECIMALS 6

static void put_env(pf_json_writer *w, const pf_env *env)
{
    pf_json_begin_object(w, "environment");
    pf_json_put_string(w, "server_version", or_empty(env->server_version));
    pf_json_put_int(w, "server_major", env->server_major);
    pf_json_begin_object(w, "settings");
    for (size_t i = 0; env->setting_names && env->setting_names[i]; i++)
        pf_json_put_string(w, env->setting_names[i], or_empty(env->setting_values[i]));
    pf_json_end(w);
    pf_json_end(w);

    pf_json_begin_object(w, "dataset");
    pf_json_put_string(w, "name", or_empty(env->dataset_name));
    pf_json_put_string(w, "hash", or_empty(env->dataset_hash));
    if (env->data_checksum != NULL)
        pf_json_put_string(w, "checksum", env->data_checksum);
    /* Scale and seed must read back exactly (pf_env_mismatch compares them
     * exactly): the shortest decimal that round-trips, and a seed beyond
     * 2^53 (not exact as a JSON number, i.e. a double) as a string. */
    char num[32];
    double scale = isfinite(env->scale) ? env->scale : 0.0;
    snprintf(num, sizeof num, "%.15g", scale);
    if (strtod(num, NULL) != scale)
        snprintf(num, sizeof num, "%.17g", scale);
    pf_json_put_raw(w, "scale", num);
    snprintf(num, sizeof num, "%llu", (unsigned long long)env->seed);
    if (env->seed <= PF_SEED_EXACT)
        pf_json_put_raw(w, "seed", num);
    else
        pf_json_put_string(w, "seed", num);
    pf_json_end(w);
}

static void put_latency(pf_json_writer *w, const pf_baseline *b)
{
    pf_json_begin_object(w, "latency");
    pf_json_put_int(w, "n", b->n);
    pf_json_put_fixed(w, "median_ms", b->median_ms, MS_DECIMALS);
    pf_json_put_fixed(w, "p95_ms", b->p95_ms, MS_DECIMALS);
    pf_json_put_fixed(w, "p99_ms", b->p99_ms, MS_DECIMALS);
    pf_json_put_fixed(w, "mean_ms", b->mean_ms, MS_DECIMALS);
    pf_json_put_fixed(w, "stddev_ms", b->stddev_ms, MS_DECIMALS);
    pf_json_put_fixed(w, "calibration_ms", b->calibration_ms, MS_DECIMALS);
    pf_json_put_fixed(w, "normalized_median", b->normalized_median, NORM_DECIMALS);
    /* The latency distribution as 101 quantiles (0%, 1%, ..., 100%) in
     * microseconds on one line: what the rank test compares against. */
    pf_json_begin_array(w, "quantiles_us");
    for (int i = 0; i < b->n_quantiles; i++)
        pf_json_put_int(w, NULL, llround(b->quantiles_ms[i] * 1000.0));
    pf_json_end(w);
    pf_json_end(w);
}

static void put_work(pf_json_writer *w, const pf_baseline *b)
{
    pf_json_begin_object(w, "work");
    pf_json_put_int(w, "buffers", b->work.shared_hit + b->work.shared_read);
    pf_json_put_int(w, "shared_hit", b->work.shared_hit);
    pf_json_put_int(w, "shared_read", b->work.shared_read);
    pf_json_put_int(w, "temp_read", b->work.temp_read);
    pf_json_put_int(w, "temp_written", b->work.temp_written);
    pf_json_put_int(w, "rows", b->work.rows);
    pf_json_put_int(w, "rows_processed", b->work.rows_processed);
    pf_json_put_int(w, "function_calls", b->function_calls);
    pf_json_end(w);
    if (b->has_instructions) {
        pf_json_begin_object(w, "instructions");
        pf_json_put_int(w, "per_execution", b->instructions);
        pf_json_put_int(w, "iterations", b->instr_iterations);
        pf_json_put_string(w, "method", or_empty(b->instr_method));
        pf_json_put_string(w, "valgrind", or_empty(b->instr_valgrind));
        pf_json_put_string(w, "arch", or_empty(b->instr_arch));
        pf_json_put_string(w, "server_build", or_empty(b->instr_server_build));
        pf_json_end(w);
    }
}

char *pf_baseline_render(const pf_baseline *b)
{
    pf_json_writer *w = pf_json_writer_new(PF_JSON_SPACES);
    pf_json_begin_object(w, NULL);
    pf_json_put_int(w, "format", PF_BASELINE_FORMAT);
    pf_json_put_string(w, "case", or_empty(b->case_name));
    pf_json_put_string(w, "group", or_empty(b->group));
    pf_json_put_string(w, "file", or_empty(b->file));
    pf_json_put_string(w, "sql_hash", or_empty(b->sql_hash));
    put_env(w, &b->env);
    put_latency(w, b);
    put_work(w, b);
    pf_json_begin_object(w, "plan");
    pf_json_put_string(w, "fingerprint", or_empty(b->fingerprint));
    pf_json_put_string(w, "summary", or_empty(b->plan_summary));
    pf_json_begin_array(w, "nodes");
    for (size_t i = 0; b->plan_nodes && b->plan_nodes[i]; i++)
        pf_json_put_string(w, NULL, b->plan_nodes[i]);
    pf_json_end(w);
    pf_json_end(w);
    pf_json_end(w);
    return pf_json_writer_finish(w);
}

int pf_baseline_write(const char *path, const pf_baseline *b, pf_error *err)
{
    char *text = pf_baseline_render(b);
    int rc = pf_file_write_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}

/* ------------------------------------------------------------------- read */

typedef struct reader {
    const char *path;
    pf_error *err;
} reader;

static int bad(reader *r, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(reader *r, const char *field, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return pf_error_set(r->err, PF_EXIT_USAGE,
                        "%s: %s: %s (a malformed baseline; re-create it with "
                        "--update-baselines)",
                        r->path, field, what);
}

static const cJSON *need_obj(reader *r, const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsObject(v)) {
        bad(r, key, "missing object");
        return NULL;
    }
    return v;
}

/* The largest time a baseline may hold: a day, in milliseconds. */
#define PF_BASELINE_MAX_MS 86400000.0

static int need_num(reader *r, const cJSON *o, const char *section, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        char field[128];
        snprintf(field, sizeof field, "%s%s%s", section, *section ? "." : "", key);
        return bad(r, field, v == NULL ? "missing number" : "must be a number");
    }
    *out = v->valuedouble;
    return 0;
}

/* A whole number from 0 to max (converting a double out of range is
 * undefined behaviour, so the range is checked first). */
static int need_whole(reader *r, const cJSON *o, const char *section, const char *key, double max,
                      double *out)
{
    if (need_num(r, o, section, key, out) < 0)
        return -1;
    if (*out < 0 || *out != floor(*out) || *out > max) {
        char field[128];
        snprintf(field, sizeof field, "%s.%s", section, key);
        if (*out > max)
            return bad(r, field, "must be a whole number >= 0 and at most %.0f", max);
        return bad(r, field, "must be a whole number >= 0");
    }
    return 0;
}

static int need_i64(reader *r, const cJSON *o, const char *section, const char *key, int64_t *out)
{
    double d;
    /* 2^53: the largest whole number a double holds exactly. */
    if (need_whole(r, o, section, key, 9007199254740992.0, &d) < 0)
        return -1;
    *out = (int64_t)d;
    return 0;
}

static int need_int(reader *r, const cJSON *o, const char *section, const char *key, int *out)
{
    double d;
    if (need_whole(r, o, section, key, INT_MAX, &d) < 0)
        return -1;
    *out = (int)d;
    return 0;
}

static int need_str(reader *r, const cJSON *o, const char *section, const char *key, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v)) {
        char field[128];
        snprintf(field, sizeof field, "%s%s%s", section, *section ? "." : "", key);
        return bad(r, field, v == NULL ? "missing string" : "must be a string");
    }
    *out = pf_strdup(v->valuestring);
    return 0;
}

/* dataset.seed: a whole number up to 2^53, or a string of digits (how
 * larger seeds are written). */
static int read_seed(reader *r, const cJSON *ds, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ds, "seed");
    if (cJSON_IsString(v)) {
        char *end = NULL;
        errno = 0;
        unsigned long long x = strtoull(v->valuestring, &end, 10);
        if (v->valuestring[0] < '0' || v->valuestring[0] > '9' || *end != '\0' || errno != 0)
            return bad(r, "dataset.seed", "'%s' is not a whole number >= 0", v->valuestring);
        *out = x;
        return 0;
    }
    double d;
    if (need_num(r, ds, "dataset", "seed", &d) < 0)
        return -1;
    if (d < 0 || d != floor(d) || d > (double)PF_SEED_EXACT)
        return bad(r, "dataset.seed", "must be a whole number from 0 to 2^53 (larger seeds are "
                   "written as strings)");
    *out = (uint64_t)d;
    return 0;
}

/* environment and dataset: what the numbers depend on. */
static int read_env(reader *r, const cJSON *root, pf_env *out)
{
    const cJSON *env = need_obj(r, root, "environment");
    if (env == NULL || need_str(r, env, "environment", "server_version", &out->server_version) < 0)
        return -1;
    if (need_int(r, env, "environment", "server_major", &out->server_major) < 0)
        return -1;
    const cJSON *settings = cJSON_GetObjectItemCaseSensitive(env, "settings");
    if (!cJSON_IsObject(settings))
        return bad(r, "environment.settings", "missing object");
    size_t ns = (size_t)cJSON_GetArraySize(settings);
    out->setting_names = pf_calloc(ns + 1, sizeof *out->setting_names);
    out->setting_values = pf_calloc(ns + 1, sizeof *out->setting_values);
    size_t i = 0;
    for (const cJSON *s = settings->child; s; s = s->next, i++) {
        if (!cJSON_IsString(s))
            return bad(r, "environment.settings", "'%s' must be a string", s->string);
        out->setting_names[i] = pf_strdup(s->string);
        out->setting_values[i] = pf_strdup(s->valuestring);
    }

    const cJSON *ds = need_obj(r, root, "dataset");
    double scale;
    if (ds == NULL || need_str(r, ds, "dataset", "name", &out->dataset_name) < 0 ||
        need_str(r, ds, "dataset", "hash", &out->dataset_hash) < 0 ||
        need_num(r, ds, "dataset", "scale", &scale) < 0 || read_seed(r, ds, &out->seed) < 0)
        return -1;
    if (!(scale > 0))
        return bad(r, "dataset.scale", "must be a number > 0");
    out->scale = scale;
    /* Optional (baselines before it have none): the generated data's
     * checksum, which pf_env_mismatch compares. */
    const cJSON *checksum = cJSON_GetObjectItemCaseSensitive(ds, "checksum");
    if (checksum != NULL && !cJSON_IsString(checksum))
        return bad(r, "dataset.checksum", "must be a string");
    if (checksum != NULL)
        out->data_checksum = pf_strdup(checksum->valuestring);
    return 0;
}

static int read_latency(reader *r, const cJSON *root, pf_baseline *b)
{
    const cJSON *lat = need_obj(r, root, "latency");
    if (lat == NULL || need_int(r, lat, "latency", "n", &b->n) < 0 ||
        need_num(r, lat, "latency", "median_ms", &b->median_ms) < 0 ||
        need_num(r, lat, "latency", "p95_ms", &b->p95_ms) < 0 ||
        need_num(r, lat, "latency", "p99_ms", &b->p99_ms) < 0 ||
        need_num(r, lat, "latency", "mean_ms", &b->mean_ms) < 0 ||
        need_num(r, lat, "latency", "stddev_ms", &b->stddev_ms) < 0 ||
        need_num(r, lat, "latency", "calibration_ms", &b->calibration_ms) < 0 ||
        need_num(r, lat, "latency", "normalized_median", &b->normalized_median) < 0)
        return -1;
    if (b->median_ms < 0 || b->calibration_ms <= 0)
        return bad(r, "latency", "median_ms must be >= 0 and calibration_ms > 0");
    /* No measured statement takes a day: a larger time is a broken file, and
     * nothing can be compared with it. */
    const struct {
        const char *field;
        double v;
    } times[] = {{"latency.median_ms", b->median_ms},     {"latency.p95_ms", b->p95_ms},
                 {"latency.p99_ms", b->p99_ms},           {"latency.mean_ms", b->mean_ms},
                 {"latency.stddev_ms", b->stddev_ms},     {"latency.calibration_ms", b->calibration_ms}};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
        if (!(times[i].v >= 0 && times[i].v <= PF_BASELINE_MAX_MS))
            return bad(r, times[i].field, "must be from 0 to %.0f ms (a day), not %g",
                       PF_BASELINE_MAX_MS, times[i].v);
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(lat, "quantiles_us");
    if (!cJSON_IsArray(q) || cJSON_GetArraySize(q) > PF_BASELINE_QUANTILES)
        return bad(r, "latency.quantiles_us", "must be an array of at most %d numbers",
                   PF_BASELINE_QUANTILES);
    b->n_quantiles = 0;
    for (const cJSON *e = q->child; e; e = e->next) {
        /* They are written back as whole microseconds (pf_baseline_render):
         * an infinite or huge value would come back as a negative one. */
        if (!cJSON_IsNumber(e) || !(e->valuedouble >= 0 && e->valuedouble <= 9007199254740992.0))
            return bad(r, "latency.quantiles_us",
                       "holds something that is not a number from 0 to 2^53");
        b->quantiles_ms[b->n_quantiles++] = e->valuedouble / 1000.0;
    }
    return 0;
}

/* work, and instructions when recorded. */
static int read_work(reader *r, const cJSON *root, pf_baseline *b)
{
    const cJSON *work = need_obj(r, root, "work");
    int64_t buffers;
    if (work == NULL || need_i64(r, work, "work", "buffers", &buffers) < 0 ||
        need_i64(r, work, "work", "shared_hit", &b->work.shared_hit) < 0 ||
        need_i64(r, work, "work", "shared_read", &b->work.shared_read) < 0 ||
        need_i64(r, work, "work", "temp_read", &b->work.temp_read) < 0 ||
        need_i64(r, work, "work", "temp_written", &b->work.temp_written) < 0 ||
        need_i64(r, work, "work", "rows", &b->work.rows) < 0 ||
        need_i64(r, work, "work", "rows_processed", &b->work.rows_processed) < 0 ||
        need_i64(r, work, "work", "function_calls", &b->function_calls) < 0)
        return -1;
    if (buffers != b->work.shared_hit + b->work.shared_read)
        return bad(r, "work.buffers", "is not shared_hit + shared_read");

    const cJSON *ins = cJSON_GetObjectItemCaseSensitive(root, "instructions");
    if (ins != NULL) {
        if (!cJSON_IsObject(ins))
            return bad(r, "instructions", "must be an object");
        if (need_i64(r, ins, "instructions", "per_execution", &b->instructions) < 0 ||
            need_int(r, ins, "instructions", "iterations", &b->instr_iterations) < 0 ||
            need_str(r, ins, "instructions", "method", &b->instr_method) < 0 ||
            need_str(r, ins, "instructions", "valgrind", &b->instr_valgrind) < 0 ||
            need_str(r, ins, "instructions", "arch", &b->instr_arch) < 0 ||
            need_str(r, ins, "instructions", "server_build", &b->instr_server_build) < 0)
            return -1;
        if (b->instr_iterations < 1 || b->instr_iterations > 1000)
            return bad(r, "instructions.iterations", "must be a whole number from 1 to 1000");
        b->has_instructions = true;
    }
    return 0;
}

static int read_plan(reader *r, const cJSON *root, pf_baseline *b)
{
    const cJSON *plan = need_obj(r, root, "plan");
    if (plan == NULL || need_str(r, plan, "plan", "fingerprint", &b->fingerprint) < 0 ||
        need_str(r, plan, "plan", "summary", &b->plan_summary) < 0)
        return -1;
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(plan, "nodes");
    if (!cJSON_IsArray(nodes))
        return bad(r, "plan.nodes", "missing array");
    size_t nn = (size_t)cJSON_GetArraySize(nodes);
    b->plan_nodes = pf_calloc(nn + 1, sizeof *b->plan_nodes);
    size_t i = 0;
    for (const cJSON *e = nodes->child; e; e = e->next, i++) {
        if (!cJSON_IsString(e))
            return bad(r, "plan.nodes", "holds something that is not a string");
        b->plan_nodes[i] = pf_strdup(e->valuestring);
    }
    return 0;
}

static int read_doc(reader *r, const cJSON *root, pf_baseline *b)
{
    double fmt;
    if (!cJSON_IsObject(root))
        return bad(r, "$", "not a JSON object");
    if (need_num(r, root, "", "format", &fmt) < 0)
        return -1;
    if (fmt != PF_BASELINE_FORMAT)
        return bad(r, "format", "unsupported format %g (this perfgate reads %d)", fmt,
                   PF_BASELINE_FORMAT);
    b->format = (int)fmt;
    if (need_str(r, root, "", "case", &b->case_name) < 0 ||
        need_str(r, root, "", "group", &b->group) < 0 ||
        need_str(r, root, "", "sql_hash", &b->sql_hash) < 0)
        return -1;
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(root, "file");
    b->file = pf_strdup(cJSON_IsString(file) ? file->valuestring : "");

    if (read_env(r, root, &b->env) < 0 || read_latency(r, root, b) < 0 ||
        read_work(r, root, b) < 0 || read_plan(r, root, b) < 0)
        return -1;
    return 0;
}

int pf_baseline_parse(const char *path, const char *text, pf_baseline *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, true);
    int rc;
    if (root == NULL) {
        size_t off = end ? (size_t)(end - text) : 0;
        int line = pf_line_of_offset(text, off);
        rc = pf_error_set(err, PF_EXIT_USAGE,
                          "%s:%d: not valid JSON (a corrupt baseline; restore it from git or "
                          "re-create it with --update-baselines)",
                          path, line);
    } else {
        reader r = {path, err};
        rc = read_doc(&r, root, out);
    }
    cJSON_Delete(root);
    if (rc < 0)
        pf_baseline_dispose(out);
    return rc;
}

int pf_baseline_read(const char *path, pf_baseline *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    if (!pf_path_exists(path))
        return 1;
    char *text = NULL;
    if (pf_file_read(path, &text, NULL, err) < 0)
        return -1;
    int rc = pf_baseline_parse(path, text, out, err);
    free(text);
    return rc;
}

void pf_env_dispose(pf_env *e)
{
    free(e->server_version);
    pf_strv_free(e->setting_names);
    pf_strv_free(e->setting_values);
    free(e->dataset_name);
    free(e->dataset_hash);
    free(e->data_checksum);
    memset(e, 0, sizeof *e);
}

static char **strv_copy(char *const *v)
{
    if (v == NULL)
        return NULL;
    size_t n = 0;
    while (v[n])
        n++;
    char **c = pf_calloc(n + 1, sizeof *c);
    for (size_t i = 0; i < n; i++)
        c[i] = pf_strdup(v[i]);
    return c;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void pf_baseline_set_quantiles(pf_baseline *b, const double *samples_ms, size_t n)
{
    double *sorted = pf_calloc(n + 1, sizeof *sorted);
    if (n > 0)
        memcpy(sorted, samples_ms, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_double);
    b->n_quantiles = n > 0 ? PF_BASELINE_QUANTILES : 0;
    for (int q = 0; q < b->n_quantiles; q++)
        b->quantiles_ms[q] = pf_stats_quantile_sorted(sorted, n, q / 100.0);
    free(sorted);
}

void pf_baseline_set_plan(pf_baseline *b, const char *fingerprint, const char *summary,
                          char *const *nodes)
{
    b->fingerprint = pf_strdup(fingerprint);
    b->plan_summary = pf_strdup(summary ? summary : "");
    b->plan_nodes = nodes ? strv_copy(nodes) : pf_calloc(1, sizeof *b->plan_nodes);
}

void pf_env_copy(pf_env *dst, const pf_env *src)
{
    dst->server_version = src->server_version ? pf_strdup(src->server_version) : NULL;
    dst->server_major = src->server_major;
    dst->setting_names = strv_copy(src->setting_names);
    dst->setting_values = strv_copy(src->setting_values);
    dst->dataset_name = src->dataset_name ? pf_strdup(src->dataset_name) : NULL;
    dst->dataset_hash = src->dataset_hash ? pf_strdup(src->dataset_hash) : NULL;
    dst->scale = src->scale;
    dst->seed = src->seed;
    dst->data_checksum = src->data_checksum ? pf_strdup(src->data_checksum) : NULL;
}

char *pf_env_mismatch(const pf_env *b, const pf_env *c)
{
    if (b->server_major != c->server_major)
        return pf_asprintf("recorded on PostgreSQL %d, this server is %d", b->server_major,
                           c->server_major);
    if (strcmp(b->dataset_hash ? b->dataset_hash : "", c->dataset_hash ? c->dataset_hash : "") != 0)
        return pf_asprintf("recorded with dataset spec %s, this run uses %s", b->dataset_hash,
                           c->dataset_hash);
    if (b->scale != c->scale || b->seed != c->seed)
        return pf_asprintf("recorded at scale %g seed %llu, this run is scale %g seed %llu",
                           b->scale, (unsigned long long)b->seed, c->scale,
                           (unsigned long long)c->seed);
    if (b->data_checksum && c->data_checksum && strcmp(b->data_checksum, c->data_checksum) != 0)
        return pf_asprintf("recorded with generated data %s, this run generated %s (the data "
                           "generator changed)",
                           b->data_checksum, c->data_checksum);
    for (size_t i = 0; c->setting_names && c->setting_names[i]; i++)
        for (size_t j = 0; b->setting_names && b->setting_names[j]; j++)
            if (strcmp(c->setting_names[i], b->setting_names[j]) == 0 &&
                strcmp(c->setting_values[i], b->setting_values[j]) != 0)
                return pf_asprintf("recorded with %s=%s, this server has %s", b->setting_names[j],
                                   b->setting_values[j], c->setting_values[i]);
    return NULL;
}

void pf_baseline_dispose(pf_baseline *b)
{
    free(b->case_name);
    free(b->group);
    free(b->file);
    free(b->sql_hash);
    pf_env_dispose(&b->env);
    free(b->fingerprint);
    free(b->plan_summary);
    pf_strv_free(b->plan_nodes);
    free(b->instr_method);
    free(b->instr_valgrind);
    free(b->instr_arch);
    free(b->instr_server_build);
    memset(b, 0, sizeof *b);
}
