/* Scenario files: JSON parsing and validation (json.h names file, line and path). */
#include "scenario.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "json.h"
#include "rng.h"
#include "sql.h"
#include "timeutil.h"

/* A duration string ("250ms", "30s"). */
static int parse_duration(const pf_json_val *v, double *ms)
{
    const char *text = pf_json_string(v);
    if (text == NULL)
        return pf_json_fail(v, NULL, "must be a duration string such as \"500ms\" or \"30s\"");
    pf_error e;
    if (pf_duration_parse(text, ms, &e) < 0)
        return pf_json_fail(v, NULL, "%s", e.msg);
    return 0;
}

/* An optional duration member; *ms untouched when absent. */
static int get_duration(const pf_json_val *o, const char *key, double *ms)
{
    pf_json_val v;
    if (pf_json_member(o, key, &v) != 0)
        return 0;
    return parse_duration(&v, ms);
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

/* "think" of a step: a duration, {"exponential": mean} or {"uniform": [min, max]}. */
static int parse_think(const pf_json_val *step, pf_think *t)
{
    static const char *const keys[] = {"exponential", "uniform", NULL};
    pf_json_val it, e, u, lo, hi;
    memset(t, 0, sizeof *t);
    if (pf_json_member(step, "think", &it) != 0)
        return 0;
    if (pf_json_is(&it, PF_JSON_STRING)) {
        if (parse_duration(&it, &t->a_ms) < 0)
            return -1;
        t->kind = t->a_ms > 0 ? PF_THINK_FIXED : PF_THINK_NONE;
        return 0;
    }
    if (!pf_json_is(&it, PF_JSON_OBJECT) || pf_json_count(&it) != 1)
        return pf_json_fail(&it, NULL,
                            "must be a duration (\"2s\"), {\"exponential\": \"2s\"} (the mean) or "
                            "{\"uniform\": [\"1s\", \"3s\"]}");
    if (pf_json_check_keys(&it, keys) < 0)
        return -1;
    if (pf_json_member(&it, "exponential", &e) == 0) {
        t->kind = PF_THINK_EXPONENTIAL;
        return parse_duration(&e, &t->a_ms);
    }
    t->kind = PF_THINK_UNIFORM;
    pf_json_member(&it, "uniform", &u);
    if (!pf_json_is(&u, PF_JSON_ARRAY) || pf_json_count(&u) != 2)
        return pf_json_fail(&u, NULL, "must be [min, max], two durations");
    pf_json_item(&u, 0, &lo);
    pf_json_item(&u, 1, &hi);
    if (parse_duration(&lo, &t->a_ms) < 0 || parse_duration(&hi, &t->b_ms) < 0)
        return -1;
    if (t->b_ms < t->a_ms)
        return pf_json_fail(&u, NULL, "max is below min");
    return 0;
}

/* Names a statement may use that the flow itself defines. */
typedef struct scope {
    const pf_flow *f;
    char **captured; /* so far, NULL-terminated */
    size_t n_captured, cap;
    pf_error *err;   /* the document's, for the SQL splitter */
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

/* "capture" and "on_empty" of a statement (opts: the step, or the
 * statement's own object in a list). */
static int parse_capture(const pf_json_val *opts, pf_stmt *st, scope *sc)
{
    pf_json_val c, it;
    if (pf_json_member(opts, "capture", &c) != 0) {
        if (pf_json_has(opts, "on_empty"))
            return pf_json_fail(opts, NULL,
                                "on_empty needs a capture (it says what an empty result does)");
        return 0;
    }
    if (!pf_json_is(&c, PF_JSON_ARRAY) || pf_json_count(&c) == 0)
        return pf_json_fail(&c, NULL, "must be a non-empty array of column names");
    st->capture = pf_calloc(pf_json_count(&c) + 1, sizeof *st->capture);
    for (bool more = pf_json_first(&c, &it); more; more = pf_json_next(&it)) {
        const char *name = pf_json_string(&it);
        if (!valid_ident(name))
            return pf_json_fail(&it, NULL, "must be a column name (letters, digits, _)");
        bool reserved = strcmp(name, PF_SCENARIO_VAR_CLIENT) == 0 ||
                        strcmp(name, PF_SCENARIO_VAR_ITERATION) == 0;
        for (size_t r = 0; r < sc->f->n_random && !reserved; r++)
            reserved = strcmp(sc->f->random[r].name, name) == 0;
        if (reserved)
            return pf_json_fail(&it, NULL,
                                "'%s' is a built-in or random variable; capture it under another "
                                "name (SELECT ... AS other)",
                                name);
        st->capture[st->n_capture++] = pf_strdup(name);
    }
    const char *on_empty = NULL;
    if (pf_json_get_string(opts, "on_empty", PF_JSON_OPTIONAL, &on_empty) < 0)
        return -1;
    if (on_empty != NULL && strcmp(on_empty, "end") == 0)
        st->end_if_empty = true;
    else if (on_empty != NULL && strcmp(on_empty, "error") != 0)
        return pf_json_fail(opts, "on_empty",
                            "must be \"error\" (the default) or \"end\" (end the flow)");
    return 0;
}

/* One statement: its SQL text (exactly one statement) and named
 * parameters; opts (NULL: none) holds its capture. */
static int parse_stmt(const pf_json_val *sql_item, const pf_json_val *opts, pf_stmt *st,
                      scope *sc)
{
    pf_error *err = sc->err;
    st->path = pf_json_path(sql_item);
    const char *sql = pf_json_string(sql_item);
    if (sql == NULL || sql[0] == '\0')
        return pf_json_fail(sql_item, NULL, "must be a SQL statement (a non-empty string)");
    pf_sql_stmt *stmts = NULL;
    size_t n = 0;
    char *origin = pf_json_where(sql_item);
    int rc = pf_sql_split(origin, sql, &stmts, &n, err);
    if (rc == 0 && n != 1)
        rc = pf_json_fail(sql_item, NULL,
                          n == 0 ? "holds no SQL statement"
                                 : "holds %zu statements; give one per string (an array of "
                                   "strings runs them in one transaction)",
                          n);
    if (rc == 0) {
        st->sql = pf_strndup(sql + stmts[0].offset, stmts[0].len);
        rc = pf_sql_bind_named(origin, st->sql, &st->prepared_sql, &st->names, &st->n_names, err);
    }
    free(stmts);
    free(origin);
    if (rc < 0)
        return -1;
    for (size_t i = 0; i < st->n_names; i++)
        if (!scope_has(sc, st->names[i]) && sc->f->params_sql == NULL)
            return pf_json_fail(sql_item, NULL,
                                ":%s is not provided: no params query, random variable or earlier "
                                "capture has that name",
                                st->names[i]);
    if (opts != NULL && parse_capture(opts, st, sc) < 0)
        return -1;
    for (size_t i = 0; i < st->n_capture; i++)
        scope_add(sc, st->capture[i]);
    return 0;
}

/* "sql": one statement, or a list of statements and {"sql", "capture",
 * "on_empty"} objects. */
static int parse_step_sql(const pf_json_val *step, pf_step *st, scope *sc)
{
    static const char *const skeys[] = {"sql", "capture", "on_empty", NULL};
    pf_json_val sql, it, inner;
    if (pf_json_member(step, "sql", &sql) != 0)
        return pf_json_fail(step, NULL, "missing 'sql'");
    if (!pf_json_is(&sql, PF_JSON_ARRAY)) {
        st->stmts = pf_calloc(1, sizeof *st->stmts);
        st->n_stmts = 1;
        return parse_stmt(&sql, step, &st->stmts[0], sc);
    }
    if (pf_json_has(step, "capture") || pf_json_has(step, "on_empty"))
        return pf_json_fail(step, NULL,
                            "with several statements, put capture/on_empty on the statement: "
                            "\"sql\": [{\"sql\": \"...\", \"capture\": [\"id\"]}, \"...\"]");
    if (pf_json_count(&sql) == 0)
        return pf_json_fail(&sql, NULL, "must hold at least one statement");
    st->stmts = pf_calloc(pf_json_count(&sql), sizeof *st->stmts);
    for (bool more = pf_json_first(&sql, &it); more; more = pf_json_next(&it)) {
        pf_stmt *stmt = &st->stmts[st->n_stmts++];
        if (!pf_json_is(&it, PF_JSON_OBJECT)) {
            if (parse_stmt(&it, NULL, stmt, sc) < 0)
                return -1;
            continue;
        }
        if (pf_json_check_keys(&it, skeys) < 0)
            return -1;
        if (pf_json_member(&it, "sql", &inner) != 0)
            return pf_json_fail(&it, NULL, "missing 'sql'");
        if (parse_stmt(&inner, &it, stmt, sc) < 0)
            return -1;
    }
    return 0;
}

static int parse_step(const pf_json_val *o, pf_step *st, scope *sc)
{
    static const char *const keys[] = {"name",   "sql",   "capture",     "on_empty",
                                       "repeat", "think", "transaction", NULL};
    if (!pf_json_is(o, PF_JSON_OBJECT))
        return pf_json_fail(o, NULL, "a step must be an object with at least \"sql\"");
    const char *name = NULL;
    if (pf_json_check_keys(o, keys) < 0 ||
        pf_json_get_string(o, "name", PF_JSON_OPTIONAL, &name) < 0)
        return -1;
    if (name != NULL && !valid_name(name))
        return pf_json_fail(o, "name", "'%s' is not a name (letters, digits, _ and -)", name);
    st->name = name ? pf_strdup(name) : pf_asprintf("step%zu", o->index + 1);
    st->repeat = 1;
    if (pf_json_get_int(o, "repeat", PF_JSON_OPTIONAL, 1, 1000000, &st->repeat) < 0 ||
        parse_think(o, &st->think) < 0 || parse_step_sql(o, st, sc) < 0)
        return -1;
    st->transaction = sc->f->identity != PF_IDENTITY_OWNER || st->n_stmts > 1;
    bool tx = st->transaction;
    if (pf_json_get_bool(o, "transaction", PF_JSON_OPTIONAL, &tx) < 0)
        return -1;
    if (!tx && st->transaction)
        return pf_json_fail(o, "transaction",
                            "can only be false for a single statement run as the owner (an "
                            "identity is set per transaction)");
    st->transaction = tx;
    return 0;
}

/* "random": {"name": [low, high], ...}, integers drawn per execution. */
static int parse_random(const pf_json_val *o, pf_flow *f)
{
    pf_json_val r, it, lo_v, hi_v;
    if (pf_json_member(o, "random", &r) != 0)
        return 0;
    if (!pf_json_is(&r, PF_JSON_OBJECT))
        return pf_json_fail(&r, NULL, "must be an object: {\"name\": [low, high], ...}");
    f->random = pf_calloc(pf_json_count(&r) + 1, sizeof *f->random);
    for (bool more = pf_json_first(&r, &it); more; more = pf_json_next(&it)) {
        double lo, hi;
        if (!valid_ident(it.key) || strcmp(it.key, PF_SCENARIO_VAR_CLIENT) == 0 ||
            strcmp(it.key, PF_SCENARIO_VAR_ITERATION) == 0)
            return pf_json_fail(&it, NULL, "'%s' is not a usable variable name", it.key);
        if (!pf_json_is(&it, PF_JSON_ARRAY) || pf_json_count(&it) != 2 ||
            !pf_json_item(&it, 0, &lo_v) || !pf_json_number(&lo_v, &lo) ||
            !pf_json_item(&it, 1, &hi_v) || !pf_json_number(&hi_v, &hi))
            return pf_json_fail(&it, NULL, "must be [low, high], two integers");
        if (lo != floor(lo) || hi != floor(hi) || fabs(lo) > 9e15 || fabs(hi) > 9e15)
            return pf_json_fail(&it, NULL, "bounds must be integers");
        if (hi < lo)
            return pf_json_fail(&it, NULL, "high is below low");
        pf_random_var *v = &f->random[f->n_random++];
        v->name = pf_strdup(it.key);
        v->lo = (int64_t)lo;
        v->hi = (int64_t)hi;
    }
    return 0;
}

/* The identity a flow runs as, by its label (bench/README.md). */
static int parse_identity(const pf_json_val *o, pf_flow *f)
{
    if (pf_registry_identity_parse(f->identity_label, &f->identity) == 0)
        return 0;
    return pf_json_fail(o, "identity", "unknown identity '%s' (%s)", f->identity_label,
                        pf_registry_identity_labels());
}

static int parse_flow(const pf_json_val *o, pf_flow *f, pf_error *err)
{
    static const char *const keys[] = {"name",   "description", "weight",    "identity",
                                       "params", "random",      "threshold", "max_error_rate",
                                       "steps",  NULL};
    f->path = pf_json_path(o);
    f->weight = 1;
    if (!pf_json_is(o, PF_JSON_OBJECT))
        return pf_json_fail(o, NULL, "a flow must be an object");
    const char *name = NULL, *desc = NULL, *ident = NULL, *params = NULL;
    if (pf_json_check_keys(o, keys) < 0 ||
        pf_json_get_string(o, "name", PF_JSON_REQUIRED, &name) < 0 ||
        pf_json_get_string(o, "description", PF_JSON_OPTIONAL, &desc) < 0 ||
        pf_json_get_string(o, "identity", PF_JSON_OPTIONAL, &ident) < 0 ||
        pf_json_get_string(o, "params", PF_JSON_OPTIONAL, &params) < 0)
        return -1;
    if (!valid_name(name))
        return pf_json_fail(o, "name", "'%s' is not a name (letters, digits, _ and -, at most 63)",
                            name);
    f->name = pf_strdup(name);
    f->description = pf_strdup(desc ? desc : "");
    if (pf_json_get_number(o, "weight", PF_JSON_OPTIONAL, &f->weight) < 0)
        return -1;
    if (!(f->weight > 0))
        return pf_json_fail(o, "weight", "must be above 0");
    f->identity_label = pf_strdup(ident ? ident : "owner");
    if (parse_identity(o, f) < 0)
        return -1;
    if (params != NULL)
        f->params_sql = pf_strdup(params);
    if (f->identity == PF_IDENTITY_AUTHENTICATED && f->params_sql == NULL)
        return pf_json_fail(o, NULL,
                            "identity '%s' needs a \"params\" query returning a user_id column",
                            f->identity_label);
    if (get_duration(o, "threshold", &f->threshold_ms) < 0 ||
        pf_json_get_number(o, "max_error_rate", PF_JSON_OPTIONAL, &f->max_error_rate) < 0)
        return -1;
    if (f->max_error_rate < 0 || f->max_error_rate > 1)
        return pf_json_fail(o, "max_error_rate",
                            "must be between 0 and 1 (a fraction of executions)");
    pf_json_val steps, it;
    if (parse_random(o, f) < 0)
        return -1;
    if (pf_json_member(o, "steps", &steps) != 0)
        return pf_json_fail(o, NULL, "missing 'steps'");
    if (!pf_json_is(&steps, PF_JSON_ARRAY) || pf_json_count(&steps) == 0)
        return pf_json_fail(&steps, NULL, "must be a non-empty array of steps");
    f->steps = pf_calloc(pf_json_count(&steps), sizeof *f->steps);
    scope sc = {f, NULL, 0, 0, err};
    int rc = 0;
    for (bool more = pf_json_first(&steps, &it); more && rc == 0; more = pf_json_next(&it))
        rc = parse_step(&it, &f->steps[f->n_steps++], &sc);
    pf_strv_free(sc.captured);
    return rc;
}

static int parse_drain(const pf_json_val *o, pf_scenario *s)
{
    static const char *const keys[] = {"jobs",      "workers",   "job_type", "processing_time",
                                       "heartbeat", "threshold", NULL};
    pf_drain_spec *d = s->drain = pf_calloc(1, sizeof *d);
    d->jobs = 1000;
    d->workers = 4;
    d->heartbeat = true;
    d->threshold_ms = 10000;
    const char *jt = NULL;
    if (pf_json_check_keys(o, keys) < 0 ||
        pf_json_get_int(o, "jobs", PF_JSON_OPTIONAL, 1, 10000000, &d->jobs) < 0 ||
        pf_json_get_int(o, "workers", PF_JSON_OPTIONAL, 1, 1000, &d->workers) < 0 ||
        pf_json_get_string(o, "job_type", PF_JSON_OPTIONAL, &jt) < 0 ||
        get_duration(o, "processing_time", &d->processing_ms) < 0 ||
        pf_json_get_bool(o, "heartbeat", PF_JSON_OPTIONAL, &d->heartbeat) < 0 ||
        get_duration(o, "threshold", &d->threshold_ms) < 0)
        return -1;
    d->job_type = pf_strdup(jt ? jt : "document_processing");
    return 0;
}

/* "expected_load": how many users start a flow how often, and the pool. */
static int parse_expected_load(const pf_json_val *root, pf_scenario *out)
{
    static const char *const keys[] = {"users", "every", "connections", NULL};
    pf_json_val load, every;
    if (pf_json_member(root, "expected_load", &load) != 0)
        return pf_json_fail(root, NULL,
                            "missing 'expected_load' (e.g. {\"users\": 100, \"every\": \"30s\"})");
    if (pf_json_check_keys(&load, keys) < 0 ||
        pf_json_get_number_in(&load, "users", PF_JSON_REQUIRED, 0, PF_SCENARIO_MAX_USERS,
                              &out->users) < 0)
        return -1;
    if (!(out->users > 0))
        return pf_json_fail(&load, "users", "must be above 0");
    if (pf_json_member(&load, "every", &every) != 0)
        return pf_json_fail(&load, NULL,
                            "missing 'every' (how often one user starts a flow, e.g. \"30s\")");
    if (parse_duration(&every, &out->every_ms) < 0)
        return -1;
    if (!(out->every_ms > 0))
        return pf_json_fail(&every, NULL, "must be above 0");
    out->connections = 10;
    return pf_json_get_int(&load, "connections", PF_JSON_OPTIONAL, 1, 10000, &out->connections);
}

static int parse_flows(const pf_json_val *root, pf_scenario *out, pf_error *err)
{
    pf_json_val flows, it;
    pf_json_member(root, "flows", &flows); /* present: parse_root checked */
    if (!pf_json_is(&flows, PF_JSON_ARRAY) || pf_json_count(&flows) == 0)
        return pf_json_fail(&flows, NULL, "must be a non-empty array of flows");
    out->flows = pf_calloc(pf_json_count(&flows), sizeof *out->flows);
    for (bool more = pf_json_first(&flows, &it); more; more = pf_json_next(&it)) {
        pf_flow *f = &out->flows[out->n_flows++];
        if (parse_flow(&it, f, err) < 0)
            return -1;
        for (size_t k = 0; k + 1 < out->n_flows; k++)
            if (strcmp(out->flows[k].name, f->name) == 0)
                return pf_json_fail(&it, NULL, "flow name '%s' is used twice", f->name);
    }
    return 0;
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

static int parse_root(const char *origin, const pf_json_val *root, pf_scenario *out,
                      pf_error *err)
{
    static const char *const keys[] = {"format", "name",  "description", "expected_load",
                                       "flows",  "queue_drain", NULL};
    if (!pf_json_is(root, PF_JSON_OBJECT))
        return pf_json_fail(root, NULL, "a scenario must be a JSON object");
    double format = 1;
    const char *name = NULL, *desc = NULL;
    if (pf_json_check_keys(root, keys) < 0 ||
        pf_json_get_number(root, "format", PF_JSON_OPTIONAL, &format) < 0)
        return -1;
    if (format != 1)
        return pf_json_fail(root, "format", "unsupported format %g (this perfgate reads format 1)",
                            format);
    if (pf_json_get_string(root, "name", PF_JSON_OPTIONAL, &name) < 0 ||
        pf_json_get_string(root, "description", PF_JSON_OPTIONAL, &desc) < 0)
        return -1;
    out->name = name ? pf_strdup(name) : base_name(origin);
    if (!valid_name(out->name))
        return pf_json_fail(root, name ? "name" : NULL,
                            "'%s' is not a scenario name (letters, digits, _ and -)", out->name);
    out->description = pf_strdup(desc ? desc : "");
    pf_json_val drain;
    bool flows = pf_json_has(root, "flows");
    bool is_drain = pf_json_member(root, "queue_drain", &drain) == 0;
    if (flows == is_drain)
        return pf_json_fail(root, NULL,
                            "a scenario has either \"flows\" (a load test) or \"queue_drain\" (the "
                            "queue-drain benchmark)");
    if (is_drain && pf_json_has(root, "expected_load"))
        return pf_json_fail(root, "expected_load",
                            "a queue-drain scenario has no expected load (its burst is "
                            "queue_drain.jobs)");
    if (is_drain)
        return parse_drain(&drain, out);
    if (parse_expected_load(root, out) < 0)
        return -1;
    return parse_flows(root, out, err);
}

int pf_scenario_parse(const char *origin, const char *text, pf_scenario *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    out->file = pf_strdup(origin);
    snprintf(out->hash, sizeof out->hash, "%016llx",
             (unsigned long long)pf_rng_hash_bytes(PF_RNG_HASH_INIT, text, strlen(text)));
    pf_json *doc = NULL;
    if (pf_json_parse(origin, text, &doc, err) < 0)
        return -1;
    pf_json_val root;
    pf_json_root(doc, &root);
    int rc = parse_root(origin, &root, out, err);
    pf_json_free(doc);
    return rc;
}

int pf_scenario_load(const char *path, pf_scenario *out, pf_error *err)
{
    char *text = NULL;
    memset(out, 0, sizeof *out);
    if (pf_file_read(path, &text, NULL, err) < 0)
        return -1;
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
        return -1;
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

char **pf_scenario_flow_param_names(const pf_flow *f)
{
    size_t n = 0, cap = 8;
    char **v = pf_calloc(cap, sizeof *v);
    scope sc = {f, NULL, 0, 0, NULL};
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
