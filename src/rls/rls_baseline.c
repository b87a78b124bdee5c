/* The RLS overhead baseline files (rls_baseline.h): the stable printer's
 * two-space layout out, json.h's typed getters in. */
#include "rls_baseline.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "json.h"

/* Whole numbers a JSON number holds exactly; a larger seed is written as a
 * string of digits (as the gate's baselines do). */
#define EXACT_MAX ((int64_t)1 << 53)

char *pf_rls_baseline_path(const char *baselines_dir, const char *pair)
{
    return pf_asprintf("%s/rls/overhead/%s.json", baselines_dir, pair);
}

void pf_rls_baseline_dispose(pf_rls_baseline *b)
{
    free(b->pair);
    free(b->identity_case);
    free(b->owner_case);
    free(b->identity);
    free(b->dataset_name);
    free(b->dataset_hash);
    free(b->instr_method);
    free(b->instr_valgrind);
    free(b->instr_arch);
    free(b->instr_server_build);
    memset(b, 0, sizeof *b);
}

/* ----------------------------------------------------------------- write */

static void put_str(pf_json_writer *w, const char *key, const char *s)
{
    pf_json_put_string(w, key, s ? s : "");
}

static void put_seed(pf_json_writer *w, uint64_t seed)
{
    if (seed <= (uint64_t)EXACT_MAX) {
        pf_json_put_int(w, "seed", (int64_t)seed);
    } else {
        char digits[24];
        snprintf(digits, sizeof digits, "%llu", (unsigned long long)seed);
        pf_json_put_string(w, "seed", digits);
    }
}

char *pf_rls_baseline_render(const pf_rls_baseline *b)
{
    pf_json_writer *w = pf_json_writer_new(PF_JSON_SPACES);
    pf_json_begin_object(w, NULL);
    pf_json_put_int(w, "format", PF_RLS_BASELINE_FORMAT);
    put_str(w, "pair", b->pair);
    put_str(w, "identity_case", b->identity_case);
    put_str(w, "owner_case", b->owner_case);
    put_str(w, "identity", b->identity);
    pf_json_begin_object(w, "dataset");
    put_str(w, "name", b->dataset_name);
    put_str(w, "hash", b->dataset_hash);
    pf_json_put_number(w, "scale", b->scale);
    put_seed(w, b->seed);
    pf_json_end(w);
    pf_json_put_int(w, "server_major", b->server_major);
    pf_json_put_int(w, "n", b->n);
    pf_json_put_fixed(w, "owner_median_ms", b->owner_median_ms, 4);
    pf_json_put_fixed(w, "identity_median_ms", b->identity_median_ms, 4);
    pf_json_put_fixed(w, "identity_p95_ms", b->identity_p95_ms, 4);
    pf_json_put_fixed(w, "ratio", b->ratio, 4);
    pf_json_put_fixed(w, "ratio_lo", b->ratio_lo, 4);
    pf_json_put_fixed(w, "ratio_hi", b->ratio_hi, 4);
    pf_json_put_fixed(w, "fixed_owner_q10_ms", b->fixed_owner_ms, 4);
    pf_json_put_fixed(w, "fixed_identity_q10_ms", b->fixed_identity_ms, 4);
    pf_json_put_fixed(w, "fixed_ratio", b->fixed_ratio, 4);
    pf_json_put_int(w, "owner_calls", b->owner_calls);
    pf_json_put_int(w, "identity_calls", b->identity_calls);
    pf_json_put_int(w, "policy_calls", b->policy_calls);
    if (b->has_instr) {
        pf_json_begin_object(w, "instructions");
        pf_json_put_fixed(w, "ratio", b->instr_ratio, 4);
        pf_json_put_int(w, "owner_per_execution", b->owner_instr);
        pf_json_put_int(w, "identity_per_execution", b->identity_instr);
        pf_json_put_int(w, "iterations", b->instr_iterations);
        put_str(w, "method", b->instr_method);
        put_str(w, "valgrind", b->instr_valgrind);
        put_str(w, "arch", b->instr_arch);
        put_str(w, "server_build", b->instr_server_build);
        pf_json_end(w);
    }
    pf_json_end(w);
    return pf_json_writer_finish(w);
}

/* ------------------------------------------------------------------ read */

/* A string member, copied into *out when present. */
static int get_str(const pf_json_val *obj, const char *key, int flags, char **out)
{
    const char *s = NULL;
    int rc = pf_json_get_string(obj, key, flags, &s);
    if (rc == 0)
        *out = pf_strdup(s);
    return rc;
}

/* A ratio: at least 0.0001 and below max (INFINITY: no bound) as the file
 * holds it, with four decimals, so that what is read can be written and
 * read again (1e-9 would be written as 0.0000). */
static int get_ratio(const pf_json_val *obj, const char *key, double max, double *out)
{
    if (pf_json_get_number(obj, key, PF_JSON_REQUIRED, out) < 0)
        return -1;
    char text[400]; /* %.4f of any finite double */
    snprintf(text, sizeof text, "%.4f", *out);
    double written = strtod(text, NULL);
    if (!(written > 0))
        return pf_json_fail(obj, key, "must be at least 0.0001, not %.15g", *out);
    if (!(written < max))
        return pf_json_fail(obj, key, "must be below %g, not %.15g", max, *out);
    return 0;
}

/* dataset.seed: a whole number up to 2^53, or a string of digits. */
static int get_seed(const pf_json_val *ds, uint64_t *out)
{
    pf_json_val v;
    if (pf_json_member(ds, "seed", &v) == 0 && pf_json_is(&v, PF_JSON_STRING)) {
        const char *s = pf_json_string(&v);
        char *end = NULL;
        errno = 0;
        unsigned long long x = strtoull(s, &end, 10);
        if (*s < '0' || *s > '9' || *end != '\0' || errno != 0)
            return pf_json_fail(&v, NULL, "'%s' is not a whole number >= 0", s);
        *out = x;
        return 0;
    }
    int64_t seed = 0;
    if (pf_json_get_int64(ds, "seed", PF_JSON_REQUIRED, 0, EXACT_MAX, &seed) < 0)
        return -1;
    *out = (uint64_t)seed;
    return 0;
}

static int read_dataset(const pf_json_val *root, pf_rls_baseline *b)
{
    pf_json_val ds;
    if (pf_json_get_object(root, "dataset", PF_JSON_REQUIRED, &ds) < 0 ||
        get_str(&ds, "name", PF_JSON_OPTIONAL, &b->dataset_name) < 0 ||
        get_str(&ds, "hash", PF_JSON_REQUIRED, &b->dataset_hash) < 0 ||
        pf_json_get_number(&ds, "scale", PF_JSON_REQUIRED, &b->scale) < 0 ||
        get_seed(&ds, &b->seed) < 0)
        return -1;
    return 0;
}

/* What was measured: the judged ratios and calls, and the numbers kept for
 * a reader of the file. */
static int read_measurement(const pf_json_val *root, pf_rls_baseline *b)
{
    if (pf_json_get_int64(root, "n", PF_JSON_OPTIONAL, 0, INT64_MAX, &b->n) < 0 ||
        pf_json_get_number(root, "owner_median_ms", PF_JSON_OPTIONAL, &b->owner_median_ms) < 0 ||
        pf_json_get_number(root, "identity_median_ms", PF_JSON_OPTIONAL,
                           &b->identity_median_ms) < 0 ||
        pf_json_get_number(root, "identity_p95_ms", PF_JSON_OPTIONAL, &b->identity_p95_ms) < 0 ||
        get_ratio(root, "ratio", INFINITY, &b->ratio) < 0 ||
        pf_json_get_number(root, "ratio_lo", PF_JSON_OPTIONAL, &b->ratio_lo) < 0 ||
        pf_json_get_number(root, "ratio_hi", PF_JSON_OPTIONAL, &b->ratio_hi) < 0 ||
        pf_json_get_number(root, "fixed_owner_q10_ms", PF_JSON_OPTIONAL, &b->fixed_owner_ms) < 0 ||
        pf_json_get_number(root, "fixed_identity_q10_ms", PF_JSON_OPTIONAL,
                           &b->fixed_identity_ms) < 0 ||
        get_ratio(root, "fixed_ratio", INFINITY, &b->fixed_ratio) < 0 ||
        pf_json_get_int64(root, "owner_calls", PF_JSON_OPTIONAL, INT64_MIN, INT64_MAX,
                          &b->owner_calls) < 0 ||
        pf_json_get_int64(root, "identity_calls", PF_JSON_REQUIRED, 0, EXACT_MAX,
                          &b->identity_calls) < 0 ||
        pf_json_get_int64(root, "policy_calls", PF_JSON_REQUIRED, 0, EXACT_MAX,
                          &b->policy_calls) < 0)
        return -1;
    return 0;
}

/* The optional instructions object. */
static int read_instructions(const pf_json_val *root, pf_rls_baseline *b)
{
    pf_json_val ins;
    int rc = pf_json_get_object(root, "instructions", PF_JSON_OPTIONAL, &ins);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (get_ratio(&ins, "ratio", 1e6, &b->instr_ratio) < 0 ||
        pf_json_get_int(&ins, "iterations", PF_JSON_REQUIRED, 1, 1000, &b->instr_iterations) < 0 ||
        pf_json_get_int64(&ins, "owner_per_execution", PF_JSON_OPTIONAL, INT64_MIN, INT64_MAX,
                          &b->owner_instr) < 0 ||
        pf_json_get_int64(&ins, "identity_per_execution", PF_JSON_OPTIONAL, INT64_MIN, INT64_MAX,
                          &b->identity_instr) < 0 ||
        get_str(&ins, "method", PF_JSON_REQUIRED, &b->instr_method) < 0 ||
        get_str(&ins, "valgrind", PF_JSON_REQUIRED, &b->instr_valgrind) < 0 ||
        get_str(&ins, "arch", PF_JSON_REQUIRED, &b->instr_arch) < 0 ||
        get_str(&ins, "server_build", PF_JSON_REQUIRED, &b->instr_server_build) < 0)
        return -1;
    b->has_instr = true;
    return 0;
}

static int read_root(const pf_json_val *root, pf_rls_baseline *b)
{
    int format = 0;
    if (pf_json_get_int(root, "format", PF_JSON_REQUIRED, INT_MIN, INT_MAX, &format) < 0)
        return -1;
    if (format != PF_RLS_BASELINE_FORMAT)
        return pf_json_fail(root, "format", "format %d is not supported (this perfgate reads %d)",
                            format, PF_RLS_BASELINE_FORMAT);
    if (get_str(root, "pair", PF_JSON_OPTIONAL, &b->pair) < 0 ||
        get_str(root, "identity_case", PF_JSON_OPTIONAL, &b->identity_case) < 0 ||
        get_str(root, "owner_case", PF_JSON_OPTIONAL, &b->owner_case) < 0 ||
        get_str(root, "identity", PF_JSON_OPTIONAL, &b->identity) < 0 ||
        read_dataset(root, b) < 0 ||
        pf_json_get_int(root, "server_major", PF_JSON_REQUIRED, 0, 1000, &b->server_major) < 0 ||
        read_measurement(root, b) < 0 || read_instructions(root, b) < 0)
        return -1;
    return 0;
}

/* Say what to do about a bad file after what is wrong with it. */
static int advise(pf_error *err, const char *advice)
{
    if (err != NULL) {
        size_t len = strlen(err->msg);
        snprintf(err->msg + len, sizeof err->msg - len, " (%s)", advice);
    }
    return -1;
}

int pf_rls_baseline_parse(const char *path, const char *text, pf_rls_baseline *out,
                          pf_error *err)
{
    memset(out, 0, sizeof *out);
    pf_json *doc = NULL;
    if (pf_json_parse(path, text, &doc, err) < 0)
        return advise(err, "a corrupt RLS overhead baseline; restore it from git or re-create it "
                           "with --update-baselines");
    pf_json_val root;
    pf_json_root(doc, &root);
    int rc = 0;
    if (!pf_json_is(&root, PF_JSON_OBJECT))
        rc = pf_json_fail(&root, NULL, "must be an object");
    else
        rc = read_root(&root, out);
    pf_json_free(doc);
    if (rc < 0) {
        pf_rls_baseline_dispose(out);
        return advise(err, "a malformed RLS overhead baseline; re-create it with "
                           "--update-baselines");
    }
    return 0;
}

int pf_rls_baseline_read(const char *path, pf_rls_baseline *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    if (!pf_path_exists(path))
        return 1;
    char *text = NULL;
    if (pf_file_read(path, &text, NULL, err) < 0)
        return -1;
    int rc = pf_rls_baseline_parse(path, text, out, err);
    free(text);
    return rc;
}
