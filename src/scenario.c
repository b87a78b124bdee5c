/* Scenario files: JSON parsing and validation. */
#include "scenario.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fsutil.h"
#include "rng.h"
#include "sqlsplit.h"
#include "timeutil.h"

/* An input file that cannot be read is bad input, with the reader's message. */
static int usage_error(pf_error *err)
{
    if (err)
        err->code = PF_EXIT_USAGE;
    return -1;
}

/* The identities of bench/README.md. */
static const struct {
    const char *label;
    pf_identity id;
} k_identities[] = {
    {"owner", PF_IDENTITY_OWNER},
    {"anon", PF_IDENTITY_ANON},
    {"patient", PF_IDENTITY_AUTHENTICATED},
    {"provider", PF_IDENTITY_AUTHENTICATED},
    {"delegate", PF_IDENTITY_AUTHENTICATED},
    {"authenticated", PF_IDENTITY_AUTHENTICATED},
    {"service_role", PF_IDENTITY_SERVICE_ROLE},
};

typedef struct parser {
    const char *origin;
    pf_error *err;
} parser;

static int fail(parser *p, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(parser *p, const char *path, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pf_error_set(p->err, PF_EXIT_USAGE, "%s: %s: %s", p->origin, path, msg);
}

/* Every member of o must be one of keys (a typo must not silently change a
 * scenario). */
static int check_keys(parser *p, const char *path, const cJSON *o, const char *const *keys)
{
    for (const cJSON *it = o->child; it != NULL; it = it->next) {
        bool known = false;
        for (size_t k = 0; keys[k] && !known; k++)
            known = strcmp(it->string, keys[k]) == 0;
        if (!known) {
            pf_buf list = PF_BUF_INIT;
            for (size_t k = 0; keys[k]; k++)
                pf_buf_printf(&list, "%s%s", k ? ", " : "", keys[k]);
            int rc = fail(p, path, "unknown key '%s' (expected one of: %s)", it->string,
                          pf_buf_str(&list));
            pf_buf_dispose(&list);
            return rc;
        }
        for (const cJSON *dup = it->next; dup != NULL; dup = dup->next)
            if (strcmp(dup->string, it->string) == 0)
                return fail(p, path, "key '%s' appears twice", it->string);
    }
    return 0;
}

static char *sub(const char *path, const char *key)
{
    return pf_asprintf("%s.%s", path, key);
}

static char *idx(const char *path, int i)
{
    return pf_asprintf("%s[%d]", path, i);
}

/* A string member; *out borrowed from the tree. */
static int get_string(parser *p, const char *path, const cJSON *o, const char *key,
                      const char **out, bool required)
{
    *out = NULL;
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (it == NULL) {
        if (!required)
            return 0;
        return fail(p, path, "missing '%s'", key);
    }
    if (!cJSON_IsString(it)) {
        char *s = sub(path, key);
        int rc = fail(p, s, "must be a string");
        free(s);
        return rc;
    }
    *out = it->valuestring;
    return 0;
}

static int get_number(parser *p, const char *path, const cJSON *o, const char *key, double *out,
                      bool required)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (it == NULL) {
        if (!required)
            return 0;
        return fail(p, path, "missing '%s'", key);
    }
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble)) {
        char *s = sub(path, key);
        int rc = fail(p, s, "must be a number");
        free(s);
        return rc;
    }
    *out = it->valuedouble;
    return 0;
}

static int get_int(parser *p, const char *path, const cJSON *o, const char *key, int min, int max,
                   int *out, bool required)
{
    double v = *out;
    if (get_number(p, path, o, key, &v, required) < 0)
        return -1;
    if (v != floor(v) || v < min || v > max) {
        char *s = sub(path, key);
        int rc = fail(p, s, "must be an integer in [%d, %d]", min, max);
        free(s);
        return rc;
    }
    *out = (int)v;
    return 0;
}

static int get_bool(parser *p, const char *path, const cJSON *o, const char *key, bool *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (it == NULL)
        return 0;
    if (!cJSON_IsBool(it)) {
        char *s = sub(path, key);
        int rc = fail(p, s, "must be true or false");
        free(s);
        return rc;
    }
    *out = cJSON_IsTrue(it);
    return 0;
}

/* A duration string ("250ms", "30s") at path. */
static int parse_duration(parser *p, const char *path, const cJSON *it, double *ms)
{
    if (!cJSON_IsString(it))
        return fail(p, path, "must be a duration string such as \"500ms\" or \"30s\"");
    pf_error e;
    if (pf_duration_parse(it->valuestring, ms, &e) < 0)
        return fail(p, path, "%s", e.msg);
    return 0;
}

static int get_duration(parser *p, const char *path, const cJSON *o, const char *key, double *ms)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (it == NULL)
        return 0;
    char *s = sub(path, key);
    int rc = parse_duration(p, s, it, ms);
    free(s);
    return rc;
}

static bool valid_name(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 63)
        return false;
    for (const char *c = s; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
            return false;
    return true;
}

static bool valid_ident(const char *s)
{
    if (s == NULL || !(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (const char *c = s; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_')
            return false;
    return true;
}

static int parse_think(parser *p, const char *path, const cJSON *it, pf_think *t)
{
    memset(t, 0, sizeof *t);
    if (it == NULL)
        return 0;
    if (cJSON_IsString(it)) {
        if (parse_duration(p, path, it, &t->a_ms) < 0)
            return -1;
        t->kind = t->a_ms > 0 ? PF_THINK_FIXED : PF_THINK_NONE;
        return 0;
    }
    static const char *const keys[] = {"exponential", "uniform", NULL};
    if (!cJSON_IsObject(it) || cJSON_GetArraySize(it) != 1)
        return fail(p, path,
                    "must be a duration (\"2s\"), {\"exponential\": \"2s\"} (the mean) or "
                    "{\"uniform\": [\"1s\", \"3s\"]}");
    if (check_keys(p, path, it, keys) < 0)
        return -1;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(it, "exponential");
    if (e != NULL) {
        char *s = sub(path, "exponential");
        int rc = parse_duration(p, s, e, &t->a_ms);
        free(s);
        t->kind = PF_THINK_EXPONENTIAL;
        return rc;
    }
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(it, "uniform");
    char *s = sub(path, "uniform");
    int rc = 0;
    if (!cJSON_IsArray(u) || cJSON_GetArraySize(u) != 2) {
        rc = fail(p, s, "must be [min, max], two durations");
    } else {
        char *s0 = idx(s, 0), *s1 = idx(s, 1);
        rc = parse_duration(p, s0, cJSON_GetArrayItem(u, 0), &t->a_ms);
        if (rc == 0)
            rc = parse_duration(p, s1, cJSON_GetArrayItem(u, 1), &t->b_ms);
        if (rc == 0 && t->b_ms < t->a_ms)
            rc = fail(p, s, "max is below min");
        free(s0);
        free(s1);
    }
    free(s);
    t->kind = PF_THINK_UNIFORM;
    return rc;
}

/* Names a statement may use that the flow itself defines. */
typedef struct scope {
    const pf_flow *f;
    char **captured; /* so far, NULL-terminated */
    size_t n_captured, cap;
} scope;

static bool scope_has(const scope *sc, const char *name)
{
    if (strcmp(name, PF_SCENARIO_VAR_CLIENT) == 0 || strcmp(name, PF_SCENARIO_VAR_ITERATION) == 0)
        return true;
    for (size_t i = 0; i < sc->f->n_random; i++)
        if (strcmp(sc->f->random[i].name, name) == 0)
            return true;
    for (size_t i = 0; i < sc->n_captured; i++)
        if (strcmp(sc->captured[i], name) == 0)
            return true;
    return false;
}

static void scope_add(scope *sc, const char *name)
{
    for (size_t i = 0; i < sc->n_captured; i++)
        if (strcmp(sc->captured[i], name) == 0)
            return;
    if (sc->n_captured + 1 >= sc->cap) {
        sc->cap = sc->cap ? sc->cap * 2 : 8;
        sc->captured = pf_realloc(sc->captured, sc->cap * sizeof *sc->captured);
    }
    sc->captured[sc->n_captured++] = pf_strdup(name);
    sc->captured[sc->n_captured] = NULL;
}

static int parse_capture(parser *p, const char *path, const cJSON *o, pf_stmt *st, scope *sc)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "capture");
    if (c == NULL) {
        if (cJSON_GetObjectItemCaseSensitive(o, "on_empty") != NULL)
            return fail(p, path, "on_empty needs a capture (it says what an empty result does)");
        return 0;
    }
    char *s = sub(path, "capture");
    int rc = 0;
    if (!cJSON_IsArray(c) || cJSON_GetArraySize(c) == 0) {
        rc = fail(p, s, "must be a non-empty array of column names");
        goto done;
    }
    int n = cJSON_GetArraySize(c);
    st->capture = pf_calloc((size_t)n + 1, sizeof *st->capture);
    for (int i = 0; i < n; i++) {
        const cJSON *it = cJSON_GetArrayItem(c, i);
        if (!cJSON_IsString(it) || !valid_ident(it->valuestring)) {
            char *si = idx(s, i);
            rc = fail(p, si, "must be a column name (letters, digits, _)");
            free(si);
            goto done;
        }
        const char *name = it->valuestring;
        bool reserved = strcmp(name, PF_SCENARIO_VAR_CLIENT) == 0 ||
                        strcmp(name, PF_SCENARIO_VAR_ITERATION) == 0;
        for (size_t r = 0; r < sc->f->n_random && !reserved; r++)
            reserved = strcmp(sc->f->random[r].name, name) == 0;
        if (reserved) {
            char *si = idx(s, i);
            rc = fail(p, si, "'%s' is a built-in or random variable; capture it under another "
                             "name (SELECT ... AS other)",
                      name);
            free(si);
            goto done;
        }
        st->capture[st->n_capture++] = pf_strdup(name);
    }
    const char *on_empty = NULL;
    if ((rc = get_string(p, path, o, "on_empty", &on_empty, false)) < 0)
        goto done;
    if (on_empty != NULL) {
        if (strcmp(on_empty, "end") == 0) {
            st->end_if_empty = true;
        } else if (strcmp(on_empty, "error") != 0) {
            char *so = sub(path, "on_empty");
            rc = fail(p, so, "must be \"error\" (the default) or \"end\" (end the flow)");
            free(so);
            goto done;
        }
    }
done:
    free(s);
    return rc;
}

/* One statement: its SQL text (exactly one statement) and named parameters. */
static int parse_stmt(parser *p, const char *path, const char *opts_path, const cJSON *sql_item,
                      const cJSON *opts, pf_stmt *st, scope *sc)
{
    st->path = pf_strdup(path);
    if (!cJSON_IsString(sql_item) || sql_item->valuestring[0] == '\0')
        return fail(p, path, "must be a SQL statement (a non-empty string)");
    const char *sql = sql_item->valuestring;
    pf_sql_stmt *stmts = NULL;
    size_t n = 0;
    char *origin = pf_asprintf("%s: %s", p->origin, path);
    int rc = pf_sql_split(origin, sql, &stmts, &n, p->err);
    if (rc == 0 && n != 1)
        rc = fail(p, path, n == 0 ? "holds no SQL statement"
                                  : "holds %zu statements; give one per string (an array of "
                                    "strings runs them in one transaction)",
                  n);
    if (rc == 0) {
        st->sql = pf_strndup(sql + stmts[0].offset, stmts[0].len);
        rc = pf_sql_bind_named(origin, st->sql, &st->prepared_sql, &st->names, &st->n_names,
                               p->err);
    }
    free(stmts);
    free(origin);
    if (rc < 0)
        return -1;
    for (size_t i = 0; i < st->n_names; i++)
        if (!scope_has(sc, st->names[i]) && sc->f->params_sql == NULL)
            return fail(p, path,
                        ":%s is not provided: no params query, random variable or earlier "
                        "capture has that name",
                        st->names[i]);
    if (opts != NULL && parse_capture(p, opts_path, opts, st, sc) < 0)
        return -1;
    for (size_t i = 0; i < st->n_capture; i++)
        scope_add(sc, st->capture[i]);
    return 0;
}

static int parse_step(parser *p, const char *path, const cJSON *o, int index, pf_step *st,
                      scope *sc)
{
    static const char *const keys[] = {"name",   "sql",   "capture",     "on_empty",
                                       "repeat", "think", "transaction", NULL};
    if (!cJSON_IsObject(o))
        return fail(p, path, "a step must be an object with at least \"sql\"");
    if (check_keys(p, path, o, keys) < 0)
        return -1;
    const char *name = NULL;
    if (get_string(p, path, o, "name", &name, false) < 0)
        return -1;
    if (name != NULL && !valid_name(name)) {
        char *s = sub(path, "name");
        int rc = fail(p, s, "'%s' is not a name (letters, digits, _ and -)", name);
        free(s);
        return rc;
    }
    st->name = name ? pf_strdup(name) : pf_asprintf("step%d", index + 1);
    st->repeat = 1;
    if (get_int(p, path, o, "repeat", 1, 1000000, &st->repeat, false) < 0)
        return -1;
    char *tp = sub(path, "think");
    int rc = parse_think(p, tp, cJSON_GetObjectItemCaseSensitive(o, "think"), &st->think);
    free(tp);
    if (rc < 0)
        return -1;
    const cJSON *sql = cJSON_GetObjectItemCaseSensitive(o, "sql");
    char *sp = sub(path, "sql");
    if (sql == NULL) {
        rc = fail(p, path, "missing 'sql'");
    } else if (cJSON_IsArray(sql)) {
        if (cJSON_GetObjectItemCaseSensitive(o, "capture") != NULL ||
            cJSON_GetObjectItemCaseSensitive(o, "on_empty") != NULL) {
            rc = fail(p, path,
                      "with several statements, put capture/on_empty on the statement: "
                      "\"sql\": [{\"sql\": \"...\", \"capture\": [\"id\"]}, \"...\"]");
        } else if (cJSON_GetArraySize(sql) == 0) {
            rc = fail(p, sp, "must hold at least one statement");
        } else {
            int n = cJSON_GetArraySize(sql);
            st->stmts = pf_calloc((size_t)n, sizeof *st->stmts);
            for (int i = 0; i < n && rc == 0; i++) {
                const cJSON *it = cJSON_GetArrayItem(sql, i);
                char *ip = idx(sp, i);
                st->n_stmts++;
                if (cJSON_IsObject(it)) {
                    static const char *const skeys[] = {"sql", "capture", "on_empty", NULL};
                    rc = check_keys(p, ip, it, skeys);
                    if (rc == 0) {
                        const cJSON *s2 = cJSON_GetObjectItemCaseSensitive(it, "sql");
                        char *ip2 = sub(ip, "sql");
                        rc = s2 ? parse_stmt(p, ip2, ip, s2, it, &st->stmts[i], sc)
                                : fail(p, ip, "missing 'sql'");
                        free(ip2);
                    }
                } else {
                    rc = parse_stmt(p, ip, ip, it, NULL, &st->stmts[i], sc);
                }
                free(ip);
            }
        }
    } else {
        st->stmts = pf_calloc(1, sizeof *st->stmts);
        st->n_stmts = 1;
        rc = parse_stmt(p, sp, path, sql, o, &st->stmts[0], sc);
    }
    free(sp);
    if (rc < 0)
        return -1;
    st->transaction = sc->f->identity != PF_IDENTITY_OWNER || st->n_stmts > 1;
    bool tx = st->transaction;
    if (get_bool(p, path, o, "transaction", &tx) < 0)
        return -1;
    if (!tx && st->transaction) {
        char *s = sub(path, "transaction");
        rc = fail(p, s, "can only be false for a single statement run as the owner (an "
                        "identity is set per transaction)");
        free(s);
        return rc;
    }
    st->transaction = tx;
    return 0;
}

static int parse_random(parser *p, const char *path, const cJSON *o, pf_flow *f)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "random");
    if (r == NULL)
        return 0;
    char *rp = sub(path, "random");
    int rc = 0;
    if (!cJSON_IsObject(r)) {
        rc = fail(p, rp, "must be an object: {\"name\": [low, high], ...}");
        goto done;
    }
    int n = cJSON_GetArraySize(r);
    f->random = pf_calloc((size_t)n + 1, sizeof *f->random);
    for (const cJSON *it = r->child; it != NULL; it = it->next) {
        char *ip = sub(rp, it->string);
        if (!valid_ident(it->string) || strcmp(it->string, PF_SCENARIO_VAR_CLIENT) == 0 ||
            strcmp(it->string, PF_SCENARIO_VAR_ITERATION) == 0) {
            rc = fail(p, ip, "'%s' is not a usable variable name", it->string);
        } else if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 ||
                   !cJSON_IsNumber(cJSON_GetArrayItem(it, 0)) ||
                   !cJSON_IsNumber(cJSON_GetArrayItem(it, 1))) {
            rc = fail(p, ip, "must be [low, high], two integers");
        } else {
            double lo = cJSON_GetArrayItem(it, 0)->valuedouble;
            double hi = cJSON_GetArrayItem(it, 1)->valuedouble;
            if (lo != floor(lo) || hi != floor(hi) || fabs(lo) > 9e15 || fabs(hi) > 9e15)
                rc = fail(p, ip, "bounds must be integers");
            else if (hi < lo)
                rc = fail(p, ip, "high is below low");
            else {
                pf_random_var *v = &f->random[f->n_random++];
                v->name = pf_strdup(it->string);
                v->lo = (int64_t)lo;
                v->hi = (int64_t)hi;
            }
        }
        free(ip);
        if (rc < 0)
            break;
    }
done:
    free(rp);
    return rc;
}

static int parse_flow(parser *p, const char *path, const cJSON *o, pf_flow *f)
{
    static const char *const keys[] = {"name",   "description", "weight",    "identity",
                                       "params", "random",      "threshold", "max_error_rate",
                                       "steps",  NULL};
    f->path = pf_strdup(path);
    f->weight = 1;
    if (!cJSON_IsObject(o))
        return fail(p, path, "a flow must be an object");
    if (check_keys(p, path, o, keys) < 0)
        return -1;
    const char *name = NULL, *desc = NULL, *ident = NULL, *params = NULL;
    if (get_string(p, path, o, "name", &name, true) < 0 ||
        get_string(p, path, o, "description", &desc, false) < 0 ||
        get_string(p, path, o, "identity", &ident, false) < 0 ||
        get_string(p, path, o, "params", &params, false) < 0)
        return -1;
    if (!valid_name(name)) {
        char *s = sub(path, "name");
        int rc = fail(p, s, "'%s' is not a name (letters, digits, _ and -, at most 63)", name);
        free(s);
        return rc;
    }
    f->name = pf_strdup(name);
    f->description = pf_strdup(desc ? desc : "");
    if (get_number(p, path, o, "weight", &f->weight, false) < 0)
        return -1;
    if (!(f->weight > 0)) {
        char *s = sub(path, "weight");
        int rc = fail(p, s, "must be above 0");
        free(s);
        return rc;
    }
    f->identity_label = pf_strdup(ident ? ident : "owner");
    bool found = false;
    for (size_t k = 0; k < sizeof k_identities / sizeof k_identities[0] && !found; k++)
        if (strcmp(k_identities[k].label, f->identity_label) == 0) {
            f->identity = k_identities[k].id;
            found = true;
        }
    if (!found) {
        char *s = sub(path, "identity");
        int rc = fail(p, s,
                      "unknown identity '%s' (owner, anon, patient, provider, delegate, "
                      "authenticated, service_role)",
                      f->identity_label);
        free(s);
        return rc;
    }
    if (params != NULL)
        f->params_sql = pf_strdup(params);
    if (f->identity == PF_IDENTITY_AUTHENTICATED && f->params_sql == NULL)
        return fail(p, path, "identity '%s' needs a \"params\" query returning a user_id column",
                    f->identity_label);
    if (get_duration(p, path, o, "threshold", &f->threshold_ms) < 0 ||
        get_number(p, path, o, "max_error_rate", &f->max_error_rate, false) < 0)
        return -1;
    if (f->max_error_rate < 0 || f->max_error_rate > 1) {
        char *s = sub(path, "max_error_rate");
        int rc = fail(p, s, "must be between 0 and 1 (a fraction of executions)");
        free(s);
        return rc;
    }
    if (parse_random(p, path, o, f) < 0)
        return -1;
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(o, "steps");
    if (steps == NULL)
        return fail(p, path, "missing 'steps'");
    char *sp = sub(path, "steps");
    int rc = 0;
    if (!cJSON_IsArray(steps) || cJSON_GetArraySize(steps) == 0) {
        rc = fail(p, sp, "must be a non-empty array of steps");
    } else {
        int n = cJSON_GetArraySize(steps);
        f->steps = pf_calloc((size_t)n, sizeof *f->steps);
        scope sc = {f, NULL, 0, 0};
        for (int i = 0; i < n && rc == 0; i++) {
            char *ip = idx(sp, i);
            f->n_steps++;
            rc = parse_step(p, ip, cJSON_GetArrayItem(steps, i), i, &f->steps[i], &sc);
            free(ip);
        }
        pf_strv_free(sc.captured);
    }
    free(sp);
    return rc;
}

static int parse_drain(parser *p, const cJSON *o, pf_scenario *s)
{
    static const char *const keys[] = {"jobs",      "workers",   "job_type", "processing_time",
                                       "heartbeat", "threshold", NULL};
    const char *path = "$.queue_drain";
    if (!cJSON_IsObject(o))
        return fail(p, path, "must be an object");
    if (check_keys(p, path, o, keys) < 0)
        return -1;
    pf_drain_spec *d = s->drain = pf_calloc(1, sizeof *d);
    d->jobs = 1000;
    d->workers = 4;
    d->heartbeat = true;
    d->threshold_ms = 10000;
    const char *jt = NULL;
    if (get_int(p, path, o, "jobs", 1, 10000000, &d->jobs, false) < 0 ||
        get_int(p, path, o, "workers", 1, 1000, &d->workers, false) < 0 ||
        get_string(p, path, o, "job_type", &jt, false) < 0 ||
        get_duration(p, path, o, "processing_time", &d->processing_ms) < 0 ||
        get_bool(p, path, o, "heartbeat", &d->heartbeat) < 0 ||
        get_duration(p, path, o, "threshold", &d->threshold_ms) < 0)
        return -1;
    d->job_type = pf_strdup(jt ? jt : "document_processing");
    return 0;
}

static void line_col(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static char *base_name(const char *origin)
{
    const char *b = strrchr(origin, '/');
    b = b ? b + 1 : origin;
    size_t n = strlen(b);
    if (n > 5 && strcmp(b + n - 5, ".json") == 0)
        n -= 5;
    return pf_strndup(b, n);
}

int pf_scenario_parse(const char *origin, const char *text, pf_scenario *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    out->file = pf_strdup(origin);
    snprintf(out->hash, sizeof out->hash, "%016llx",
             (unsigned long long)pf_rng_hash_bytes(PF_RNG_HASH_INIT, text, strlen(text)));
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, true);
    if (root == NULL) {
        size_t off = end ? (size_t)(end - text) : 0;
        int line, col;
        line_col(text, off, &line, &col);
        char near[24];
        snprintf(near, sizeof near, "%.20s", text + off);
        for (char *c = near; *c; c++)
            if (*c == '\n' || *c == '\r' || *c == '\t')
                *c = ' ';
        return pf_error_set(err, PF_EXIT_USAGE, "%s:%d:%d: JSON syntax error near '%s'", origin,
                            line, col, near);
    }
    parser p = {origin, err};
    int rc = -1;
    static const char *const keys[] = {"format", "name",  "description", "expected_load",
                                       "flows",  "queue_drain", NULL};
    if (!cJSON_IsObject(root)) {
        fail(&p, "$", "a scenario must be a JSON object");
        goto done;
    }
    if (check_keys(&p, "$", root, keys) < 0)
        goto done;
    double format = 1;
    if (get_number(&p, "$", root, "format", &format, false) < 0)
        goto done;
    if (format != 1) {
        fail(&p, "$.format", "unsupported format %g (this perfgate reads format 1)", format);
        goto done;
    }
    const char *name = NULL, *desc = NULL;
    if (get_string(&p, "$", root, "name", &name, false) < 0 ||
        get_string(&p, "$", root, "description", &desc, false) < 0)
        goto done;
    out->name = name ? pf_strdup(name) : base_name(origin);
    if (!valid_name(out->name)) {
        fail(&p, name ? "$.name" : "$", "'%s' is not a scenario name (letters, digits, _ and -)",
             out->name);
        goto done;
    }
    out->description = pf_strdup(desc ? desc : "");
    const cJSON *flows = cJSON_GetObjectItemCaseSensitive(root, "flows");
    const cJSON *drain = cJSON_GetObjectItemCaseSensitive(root, "queue_drain");
    const cJSON *load = cJSON_GetObjectItemCaseSensitive(root, "expected_load");
    if ((flows == NULL) == (drain == NULL)) {
        fail(&p, "$", "a scenario has either \"flows\" (a load test) or \"queue_drain\" (the "
                      "queue-drain benchmark)");
        goto done;
    }
    if (drain != NULL) {
        if (load != NULL) {
            fail(&p, "$.expected_load", "a queue-drain scenario has no expected load (its burst "
                                        "is queue_drain.jobs)");
            goto done;
        }
        rc = parse_drain(&p, drain, out);
        goto done;
    }
    if (load == NULL) {
        fail(&p, "$", "missing 'expected_load' (e.g. {\"users\": 100, \"every\": \"30s\"})");
        goto done;
    }
    static const char *const lkeys[] = {"users", "every", "connections", NULL};
    if (!cJSON_IsObject(load)) {
        fail(&p, "$.expected_load", "must be an object");
        goto done;
    }
    if (check_keys(&p, "$.expected_load", load, lkeys) < 0 ||
        get_number(&p, "$.expected_load", load, "users", &out->users, true) < 0)
        goto done;
    if (!(out->users > 0)) {
        fail(&p, "$.expected_load.users", "must be above 0");
        goto done;
    }
    const cJSON *every = cJSON_GetObjectItemCaseSensitive(load, "every");
    if (every == NULL) {
        fail(&p, "$.expected_load", "missing 'every' (how often one user starts a flow, e.g. "
                                    "\"30s\")");
        goto done;
    }
    if (parse_duration(&p, "$.expected_load.every", every, &out->every_ms) < 0)
        goto done;
    if (!(out->every_ms > 0)) {
        fail(&p, "$.expected_load.every", "must be above 0");
        goto done;
    }
    out->connections = 10;
    if (get_int(&p, "$.expected_load", load, "connections", 1, 10000, &out->connections, false) <
        0)
        goto done;
    if (!cJSON_IsArray(flows) || cJSON_GetArraySize(flows) == 0) {
        fail(&p, "$.flows", "must be a non-empty array of flows");
        goto done;
    }
    int n = cJSON_GetArraySize(flows);
    out->flows = pf_calloc((size_t)n, sizeof *out->flows);
    for (int i = 0; i < n; i++) {
        char *fp = pf_asprintf("$.flows[%d]", i);
        out->n_flows++;
        int frc = parse_flow(&p, fp, cJSON_GetArrayItem(flows, i), &out->flows[i]);
        for (int k = 0; frc == 0 && k < i; k++)
            if (strcmp(out->flows[k].name, out->flows[i].name) == 0)
                frc = fail(&p, fp, "flow name '%s' is used twice", out->flows[i].name);
        free(fp);
        if (frc < 0)
            goto done;
    }
    rc = 0;
done:
    cJSON_Delete(root);
    return rc;
}

int pf_scenario_load(const char *path, pf_scenario *out, pf_error *err)
{
    char *text = NULL;
    memset(out, 0, sizeof *out);
    if (pf_file_read(path, &text, NULL, err) < 0)
        return usage_error(err);
    int rc = pf_scenario_parse(path, text, out, err);
    free(text);
    return rc;
}

int pf_scenario_load_all(const char *path, pf_scenario **out, size_t *n, pf_error *err)
{
    *out = NULL;
    *n = 0;
    char **names = NULL;
    size_t count = 0;
    if (!pf_path_is_dir(path)) {
        if (!pf_path_exists(path))
            return pf_error_set(err, PF_EXIT_USAGE, "%s: no such scenario file or directory",
                                path);
        pf_scenario *s = pf_calloc(1, sizeof *s);
        if (pf_scenario_load(path, s, err) < 0) {
            pf_scenarios_free(s, 1);
            return -1;
        }
        *out = s;
        *n = 1;
        return 0;
    }
    if (pf_dir_list(path, ".json", &names, &count, err) < 0)
        return usage_error(err);
    if (count == 0) {
        pf_strv_free(names);
        return pf_error_set(err, PF_EXIT_USAGE, "%s: no *.json scenario files", path);
    }
    pf_scenario *s = pf_calloc(count, sizeof *s);
    int rc = 0;
    size_t done = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        char *file = pf_path_join(path, names[i]);
        rc = pf_scenario_load(file, &s[i], err);
        done = i + 1;
        for (size_t k = 0; rc == 0 && k < i; k++)
            if (strcmp(s[k].name, s[i].name) == 0)
                rc = pf_error_set(err, PF_EXIT_USAGE, "%s: scenario name '%s' is also used by %s",
                                  file, s[i].name, s[k].file);
        free(file);
    }
    pf_strv_free(names);
    if (rc < 0) {
        pf_scenarios_free(s, done);
        return -1;
    }
    *out = s;
    *n = count;
    return 0;
}

static void stmt_dispose(pf_stmt *st)
{
    free(st->sql);
    free(st->prepared_sql);
    pf_strv_free(st->names);
    pf_strv_free(st->capture);
    free(st->path);
}

static void flow_dispose(pf_flow *f)
{
    free(f->name);
    free(f->description);
    free(f->identity_label);
    free(f->params_sql);
    for (size_t i = 0; i < f->n_random; i++)
        free(f->random[i].name);
    free(f->random);
    for (size_t i = 0; i < f->n_steps; i++) {
        for (size_t k = 0; k < f->steps[i].n_stmts; k++)
            stmt_dispose(&f->steps[i].stmts[k]);
        free(f->steps[i].stmts);
        free(f->steps[i].name);
    }
    free(f->steps);
    free(f->path);
}

void pf_scenario_dispose(pf_scenario *s)
{
    if (s == NULL)
        return;
    free(s->name);
    free(s->description);
    free(s->file);
    for (size_t i = 0; i < s->n_flows; i++)
        flow_dispose(&s->flows[i]);
    free(s->flows);
    if (s->drain) {
        free(s->drain->job_type);
        free(s->drain);
    }
    memset(s, 0, sizeof *s);
}

void pf_scenarios_free(pf_scenario *s, size_t n)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        pf_scenario_dispose(&s[i]);
    free(s);
}

double pf_scenario_expected_rate(const pf_scenario *s)
{
    if (s->drain != NULL || s->every_ms <= 0)
        return 0;
    return s->users / (s->every_ms / 1000.0);
}

char **pf_flow_param_names(const pf_flow *f)
{
    size_t n = 0, cap = 8;
    char **v = pf_calloc(cap, sizeof *v);
    scope sc = {f, NULL, 0, 0};
    for (size_t s = 0; s < f->n_steps; s++)
        for (size_t k = 0; k < f->steps[s].n_stmts; k++) {
            const pf_stmt *st = &f->steps[s].stmts[k];
            for (size_t i = 0; i < st->n_names; i++) {
                if (scope_has(&sc, st->names[i]))
                    continue;
                bool dup = false;
                for (size_t j = 0; j < n && !dup; j++)
                    dup = strcmp(v[j], st->names[i]) == 0;
                if (dup)
                    continue;
                if (n + 1 >= cap) {
                    cap *= 2;
                    v = pf_realloc(v, cap * sizeof *v);
                }
                v[n++] = pf_strdup(st->names[i]);
                v[n] = NULL;
            }
            for (size_t i = 0; i < st->n_capture; i++)
                scope_add(&sc, st->capture[i]);
        }
    pf_strv_free(sc.captured);
    return v;
}
