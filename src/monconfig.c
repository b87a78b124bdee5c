/* The monitor configuration file: JSON into pf_monconfig. Every error names
 * the file and the JSON path; unknown keys are errors (a typo must not
 * silently turn an alert off). cJSON stays inside this file. */
#include "monconfig.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fsutil.h"
#include "timeutil.h"

typedef struct parser {
    const char *origin;
    pf_error *err;
} parser;

static int fail(parser *p, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(parser *p, const char *path, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return pf_error_set(p->err, PF_EXIT_USAGE, "%s: %s: %s", p->origin, path, what);
}

static char *child_path(const char *path, const char *key)
{
    return pf_asprintf("%s.%s", path, key);
}

static char *index_path(const char *path, size_t i)
{
    return pf_asprintf("%s[%zu]", path, i);
}

static int check_keys(parser *p, const char *path, const cJSON *obj, const char *const *allowed)
{
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(it->string, *a) == 0)
                ok = true;
        if (ok)
            continue;
        if (strcmp(it->string, "url") == 0)
            return fail(p, path,
                        "'url': webhook URLs are secrets and do not belong in the config; "
                        "name an environment variable (url_env) or a file (url_file) holding it");
        pf_buf list = PF_BUF_INIT;
        for (const char *const *a = allowed; *a; a++)
            pf_buf_printf(&list, "%s%s", a == allowed ? "" : ", ", *a);
        fail(p, path, "unknown key '%s' (allowed: %s)", it->string, pf_buf_str(&list));
        pf_buf_dispose(&list);
        return -1;
    }
    return 0;
}

int pf_monconfig_duration(const char *text, double *ms, pf_error *err)
{
    if (text != NULL) {
        size_t n = strlen(text);
        if (n > 1 && text[n - 1] == 'd') {
            char *end = NULL;
            double v = strtod(text, &end);
            if (end == text + n - 1 && v >= 0 && isfinite(v)) {
                *ms = v * 86400000.0;
                return 0;
            }
        }
    }
    if (pf_duration_parse(text, ms, err) < 0)
        return pf_error_set(err, PF_EXIT_USAGE,
                            "'%s' is not a duration (examples: 500ms, 30s, 5m, 1h, 7d)",
                            text ? text : "");
    return 0;
}

/* A duration member: "30s" or a number of milliseconds. 1: absent. */
static int get_duration(parser *p, const char *path, const cJSON *obj, const char *key,
                        double *out, double min_ms)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return 1;
    char *kp = child_path(path, key);
    int rc = 0;
    double ms = 0;
    if (cJSON_IsNumber(v)) {
        ms = v->valuedouble;
    } else if (cJSON_IsString(v)) {
        pf_error e;
        if (pf_monconfig_duration(v->valuestring, &ms, &e) < 0)
            rc = fail(p, kp, "%s", e.msg);
    } else {
        rc = fail(p, kp, "expected a duration such as \"100ms\", \"10s\", \"7d\" "
                         "(or a number of milliseconds)");
    }
    if (rc == 0 && (!isfinite(ms) || ms < min_ms))
        rc = fail(p, kp, "must be at least %g ms", min_ms);
    if (rc == 0)
        *out = ms;
    free(kp);
    return rc;
}

static int get_number(parser *p, const char *path, const cJSON *obj, const char *key,
                      double *out, double min, double max)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return 1;
    char *kp = child_path(path, key);
    int rc = 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        rc = fail(p, kp, "expected a number");
    else if (v->valuedouble < min || v->valuedouble > max)
        rc = fail(p, kp, "%g is out of range [%g, %g]", v->valuedouble, min, max);
    else
        *out = v->valuedouble;
    free(kp);
    return rc;
}

static int get_int64(parser *p, const char *path, const cJSON *obj, const char *key,
                     int64_t *out, int64_t min, int64_t max)
{
    double d = 0;
    int rc = get_number(p, path, obj, key, &d, (double)min, (double)max);
    if (rc != 0)
        return rc;
    if (d != floor(d)) {
        char *kp = child_path(path, key);
        fail(p, kp, "expected an integer");
        free(kp);
        return -1;
    }
    *out = (int64_t)d;
    return 0;
}

static int get_bool(parser *p, const char *path, const cJSON *obj, const char *key, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return 1;
    if (!cJSON_IsBool(v)) {
        char *kp = child_path(path, key);
        fail(p, kp, "expected true or false");
        free(kp);
        return -1;
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

static int get_string(parser *p, const char *path, const cJSON *obj, const char *key,
                      char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return 1;
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0') {
        char *kp = child_path(path, key);
        fail(p, kp, "expected a non-empty string");
        free(kp);
        return -1;
    }
    free(*out);
    *out = pf_strdup(v->valuestring);
    return 0;
}

/* A string or an array of strings. */
static int get_strv(parser *p, const char *path, const cJSON *obj, const char *key, char ***out,
                    size_t *n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return 1;
    char *kp = child_path(path, key);
    int rc = 0;
    if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
        *out = pf_calloc(2, sizeof **out);
        (*out)[0] = pf_strdup(v->valuestring);
        *n = 1;
    } else if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0) {
        size_t cnt = (size_t)cJSON_GetArraySize(v);
        *out = pf_calloc(cnt + 1, sizeof **out);
        *n = 0;
        size_t i = 0;
        for (const cJSON *it = v->child; it; it = it->next, i++) {
            if (!cJSON_IsString(it) || it->valuestring[0] == '\0') {
                char *ip = index_path(kp, i);
                rc = fail(p, ip, "expected a non-empty string");
                free(ip);
                break;
            }
            (*out)[(*n)++] = pf_strdup(it->valuestring);
        }
    } else {
        rc = fail(p, kp, "expected a string or a non-empty array of strings");
    }
    free(kp);
    return rc;
}

static int get_level(parser *p, const char *path, const cJSON *obj, const char *key,
                     pf_level *out)
{
    char *s = NULL;
    int rc = get_string(p, path, obj, key, &s);
    if (rc != 0)
        return rc;
    if (pf_level_parse(s, out) < 0 || *out == PF_LEVEL_OK) {
        char *kp = child_path(path, key);
        rc = fail(p, kp, "'%s' is not a level (warning, critical, emergency)", s);
        free(kp);
    }
    free(s);
    return rc;
}

static bool name_ok(const char *s)
{
    if (*s == '\0' || strlen(s) > 63)
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '-' || *c == '.'))
            return false;
    return true;
}

static int need_object(parser *p, const char *path, const cJSON *v)
{
    return cJSON_IsObject(v) ? 0 : fail(p, path, "expected an object");
}

/* "threshold": a duration, or null / 0 for none. */
static int get_threshold(parser *p, const char *path, const cJSON *obj, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "threshold");
    if (v != NULL && cJSON_IsNull(v)) {
        *out = 0;
        return 0;
    }
    return get_duration(p, path, obj, "threshold", out, 0);
}

static int parse_category(parser *p, const char *path, const cJSON *obj, pf_category_rule *r,
                          bool is_default)
{
    static const char *const keys[] = {"name",  "description", "threshold", "touches",
                                       "calls", "roles",       "databases", "pattern",
                                       NULL};
    static const char *const default_keys[] = {"name", "description", "threshold", NULL};
    if (need_object(p, path, obj) < 0 ||
        check_keys(p, path, obj, is_default ? default_keys : keys) < 0)
        return -1;
    int rc = get_string(p, path, obj, "name", &r->name);
    if (rc < 0)
        return -1;
    if (rc == 1 && !is_default)
        return fail(p, path, "missing 'name'");
    if (r->name != NULL && !name_ok(r->name)) {
        char *kp = child_path(path, "name");
        fail(p, kp, "'%s': use letters, digits, '_', '-' and '.' (at most 63)", r->name);
        free(kp);
        return -1;
    }
    rc = get_threshold(p, path, obj, &r->threshold_ms);
    if (rc < 0)
        return -1;
    if (rc == 1 && !is_default)
        return fail(p, path, "missing 'threshold' (a duration, or null for none)");
    if (is_default)
        return 0;
    if (get_strv(p, path, obj, "touches", &r->touches, &r->n_touches) < 0 ||
        get_strv(p, path, obj, "calls", &r->calls, &r->n_calls) < 0 ||
        get_strv(p, path, obj, "roles", &r->roles, &r->n_roles) < 0 ||
        get_strv(p, path, obj, "databases", &r->databases, &r->n_databases) < 0 ||
        get_string(p, path, obj, "pattern", &r->pattern) < 0)
        return -1;
    if (r->pattern != NULL) {
        char msg[256];
        if (!pf_classify_pattern_ok(r->pattern, msg, sizeof msg)) {
            char *kp = child_path(path, "pattern");
            fail(p, kp, "invalid regular expression: %s", msg);
            free(kp);
            return -1;
        }
    }
    if (r->n_touches + r->n_calls + r->n_roles + r->n_databases == 0 && r->pattern == NULL)
        return fail(p, path,
                    "category '%s' has no condition (touches, calls, roles, databases, pattern)",
                    r->name);
    return 0;
}

static int parse_categories(parser *p, const cJSON *root, pf_monconfig *c)
{
    const cJSON *cats = cJSON_GetObjectItemCaseSensitive(root, "categories");
    if (cats != NULL) {
        if (!cJSON_IsArray(cats))
            return fail(p, "$.categories", "expected an array of categories");
        size_t n = (size_t)cJSON_GetArraySize(cats);
        c->categories = pf_calloc(n ? n : 1, sizeof *c->categories);
        size_t i = 0;
        for (const cJSON *it = cats->child; it; it = it->next, i++) {
            char *ip = index_path("$.categories", i);
            int rc = parse_category(p, ip, it, &c->categories[i], false);
            c->n_categories = i + 1;
            if (rc == 0)
                for (size_t j = 0; j < i; j++)
                    if (strcmp(c->categories[j].name, c->categories[i].name) == 0 &&
                        c->categories[j].threshold_ms != c->categories[i].threshold_ms) {
                        /* Several rules of one category are alternatives; one threshold. */
                        rc = fail(p, ip,
                                  "category '%s' has another threshold in $.categories[%zu]",
                                  c->categories[i].name, j);
                        break;
                    }
            free(ip);
            if (rc < 0)
                return -1;
        }
    }
    const cJSON *def = cJSON_GetObjectItemCaseSensitive(root, "default");
    if (def != NULL && parse_category(p, "$.default", def, &c->fallback, true) < 0)
        return -1;
    for (size_t i = 0; i < c->n_categories; i++)
        if (strcmp(c->categories[i].name, c->fallback.name) == 0) {
            char *ip = index_path("$.categories", i);
            fail(p, ip, "'%s' is the default category's name", c->fallback.name);
            free(ip);
            return -1;
        }
    return 0;
}

static int parse_alerts(parser *p, const cJSON *root, pf_monconfig *c)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "alerts");
    if (a == NULL)
        return 0;
    static const char *const keys[] = {"threshold", "regression", "repeat_every", "resolve_after",
                                       NULL};
    if (need_object(p, "$.alerts", a) < 0 || check_keys(p, "$.alerts", a, keys) < 0)
        return -1;
    pf_alert_rules *r = &c->alerts;
    if (get_duration(p, "$.alerts", a, "repeat_every", &r->repeat_every_ms, 1000) < 0)
        return -1;
    double ra = r->resolve_after;
    if (get_number(p, "$.alerts", a, "resolve_after", &ra, 1, 1000) < 0)
        return -1;
    r->resolve_after = (int)ra;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(a, "threshold");
    if (t != NULL) {
        static const char *const tkeys[] = {"enabled", "min_calls", NULL};
        if (need_object(p, "$.alerts.threshold", t) < 0 ||
            check_keys(p, "$.alerts.threshold", t, tkeys) < 0 ||
            get_bool(p, "$.alerts.threshold", t, "enabled", &r->threshold_enabled) < 0 ||
            get_int64(p, "$.alerts.threshold", t, "min_calls", &r->threshold_min_calls, 1,
                      1000000000) < 0)
            return -1;
    }
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(a, "regression");
    if (g != NULL) {
        static const char *const gkeys[] = {"enabled",  "ratio", "min_calls", "min_baseline_calls",
                                            "min_delta", "window", "level",   "critical_ratio",
                                            NULL};
        const char *gp = "$.alerts.regression";
        if (need_object(p, gp, g) < 0 || check_keys(p, gp, g, gkeys) < 0 ||
            get_bool(p, gp, g, "enabled", &r->regression_enabled) < 0 ||
            get_number(p, gp, g, "ratio", &r->regression_ratio, 1.0, 1000) < 0 ||
            get_int64(p, gp, g, "min_calls", &r->regression_min_calls, 1, 1000000000) < 0 ||
            get_int64(p, gp, g, "min_baseline_calls", &r->regression_min_baseline_calls, 1,
                      1000000000) < 0 ||
            get_duration(p, gp, g, "min_delta", &r->regression_min_delta_ms, 0) < 0 ||
            get_duration(p, gp, g, "window", &r->regression_window_ms, 60000) < 0 ||
            get_level(p, gp, g, "level", &r->regression_level) < 0 ||
            get_number(p, gp, g, "critical_ratio", &r->regression_critical_ratio, 0, 1000) < 0)
            return -1;
        if (r->regression_critical_ratio > 0 && r->regression_critical_ratio <= r->regression_ratio)
            return fail(p, "$.alerts.regression.critical_ratio", "must be above ratio (%g)",
                        r->regression_ratio);
    }
    return 0;
}

static int parse_notifier(parser *p, const char *path, const cJSON *obj, pf_notify_spec *s,
                          size_t index)
{
    static const char *const keys[] = {"name",    "type",    "description", "min_level",
                                       "required", "url_env", "url_file",   "command",
                                       "to",      "from",    "sendmail",    "timeout",
                                       "retries", "backoff", NULL};
    if (need_object(p, path, obj) < 0 || check_keys(p, path, obj, keys) < 0)
        return -1;
    char *type = NULL;
    int rc = get_string(p, path, obj, "type", &type);
    if (rc != 0) {
        free(type);
        return rc < 0 ? -1 : fail(p, path, "missing 'type' (slack, webhook, command, email)");
    }
    static const pf_notify_kind kinds[] = {PF_NOTIFY_SLACK, PF_NOTIFY_WEBHOOK, PF_NOTIFY_COMMAND,
                                           PF_NOTIFY_EMAIL};
    bool found = false;
    for (size_t i = 0; i < 4; i++)
        if (strcmp(type, pf_notify_kind_name(kinds[i])) == 0) {
            pf_notify_spec_default(s, kinds[i]);
            found = true;
        }
    if (!found) {
        char *kp = child_path(path, "type");
        fail(p, kp, "'%s' is not a notifier type (slack, webhook, command, email)", type);
        free(kp);
        free(type);
        return -1;
    }
    free(type);
    if (get_string(p, path, obj, "name", &s->name) < 0)
        return -1;
    if (s->name == NULL)
        s->name = pf_asprintf("%s-%zu", pf_notify_kind_name(s->kind), index + 1);
    double retries = s->retries;
    if (get_level(p, path, obj, "min_level", &s->min_level) < 0 ||
        get_bool(p, path, obj, "required", &s->required) < 0 ||
        get_string(p, path, obj, "url_env", &s->url_env) < 0 ||
        get_string(p, path, obj, "url_file", &s->url_file) < 0 ||
        get_strv(p, path, obj, "command", &s->argv, &s->argc) < 0 ||
        get_strv(p, path, obj, "to", &s->to, &s->n_to) < 0 ||
        get_string(p, path, obj, "from", &s->from) < 0 ||
        get_string(p, path, obj, "sendmail", &s->sendmail) < 0 ||
        get_duration(p, path, obj, "timeout", &s->timeout_ms, 100) < 0 ||
        get_number(p, path, obj, "retries", &retries, 0, 20) < 0 ||
        get_duration(p, path, obj, "backoff", &s->backoff_ms, 1) < 0)
        return -1;
    s->retries = (int)retries;
    bool web = s->kind == PF_NOTIFY_SLACK || s->kind == PF_NOTIFY_WEBHOOK;
    if (web && (s->url_env == NULL) == (s->url_file == NULL))
        return fail(p, path, "a %s notifier needs exactly one of url_env and url_file",
                    pf_notify_kind_name(s->kind));
    if (!web && (s->url_env || s->url_file))
        return fail(p, path, "url_env/url_file are for slack and webhook notifiers");
    if (s->kind == PF_NOTIFY_COMMAND && s->argc == 0)
        return fail(p, path, "a command notifier needs 'command' (program and arguments)");
    if (s->kind != PF_NOTIFY_COMMAND && s->argc > 0)
        return fail(p, path, "'command' is for command notifiers");
    if (s->kind == PF_NOTIFY_EMAIL && s->n_to == 0)
        return fail(p, path, "an email notifier needs 'to'");
    if (s->kind != PF_NOTIFY_EMAIL && (s->n_to > 0 || s->from || s->sendmail))
        return fail(p, path, "'to', 'from' and 'sendmail' are for email notifiers");
    return 0;
}

static int parse_notify(parser *p, const cJSON *root, pf_monconfig *c)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "notify");
    if (n == NULL)
        return 0;
    if (!cJSON_IsArray(n))
        return fail(p, "$.notify", "expected an array of notifiers");
    size_t cnt = (size_t)cJSON_GetArraySize(n);
    c->notify = pf_calloc(cnt ? cnt : 1, sizeof *c->notify);
    size_t i = 0;
    for (const cJSON *it = n->child; it; it = it->next, i++) {
        char *ip = index_path("$.notify", i);
        int rc = parse_notifier(p, ip, it, &c->notify[i], i);
        c->n_notify = i + 1;
        for (size_t j = 0; rc == 0 && j < i; j++)
            if (strcmp(c->notify[j].name, c->notify[i].name) == 0)
                rc = fail(p, ip, "notifier name '%s' is used twice", c->notify[i].name);
        free(ip);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int parse_root(parser *p, const cJSON *root, pf_monconfig *c)
{
    static const char *const keys[] = {"version",    "description", "source",
                                       "interval",   "statement_timeout", "max_pending",
                                       "max_query_length", "retention", "levels",
                                       "categories", "default",     "alerts",
                                       "notify",     NULL};
    if (need_object(p, "$", root) < 0 || check_keys(p, "$", root, keys) < 0)
        return -1;
    double version = PF_MONCONFIG_FORMAT;
    if (get_number(p, "$", root, "version", &version, 1, 1e9) < 0)
        return -1;
    if (version != PF_MONCONFIG_FORMAT)
        return fail(p, "$.version", "format version %g is not supported (this perfgate reads %d)",
                    version, PF_MONCONFIG_FORMAT);
    if (get_string(p, "$", root, "source", &c->source) < 0)
        return -1;
    if (get_duration(p, "$", root, "interval", &c->interval_ms, 100) < 0 ||
        get_duration(p, "$", root, "statement_timeout", &c->statement_timeout_ms, 100) < 0)
        return -1;
    double mp = c->max_pending, mq = (double)c->max_query_length;
    if (get_number(p, "$", root, "max_pending", &mp, 1, 100000) < 0 ||
        get_number(p, "$", root, "max_query_length", &mq, 64, 1048576) < 0)
        return -1;
    c->max_pending = (int)mp;
    c->max_query_length = (size_t)mq;
    const cJSON *ret = cJSON_GetObjectItemCaseSensitive(root, "retention");
    if (ret != NULL) {
        static const char *const rkeys[] = {"raw", "hourly", "alerts", "every", NULL};
        if (need_object(p, "$.retention", ret) < 0 ||
            check_keys(p, "$.retention", ret, rkeys) < 0 ||
            get_duration(p, "$.retention", ret, "raw", &c->retention.raw_ms, 3600000) < 0 ||
            get_duration(p, "$.retention", ret, "hourly", &c->retention.hourly_ms, 3600000) < 0 ||
            get_duration(p, "$.retention", ret, "alerts", &c->retention.alerts_ms, 3600000) < 0 ||
            get_duration(p, "$.retention", ret, "every", &c->retention.every_ms, 1000) < 0)
            return -1;
        if (c->retention.hourly_ms < c->retention.raw_ms)
            return fail(p, "$.retention.hourly", "must be at least as long as raw");
    }
    const cJSON *lv = cJSON_GetObjectItemCaseSensitive(root, "levels");
    if (lv != NULL) {
        static const char *const lkeys[] = {"warning", "critical", "emergency", NULL};
        pf_alert_rules *r = &c->alerts;
        if (need_object(p, "$.levels", lv) < 0 || check_keys(p, "$.levels", lv, lkeys) < 0 ||
            get_number(p, "$.levels", lv, "warning", &r->warn_level, 0, 100) < 0 ||
            get_number(p, "$.levels", lv, "critical", &r->critical_level, 0, 100) < 0 ||
            get_number(p, "$.levels", lv, "emergency", &r->emergency_level, 0, 100) < 0)
            return -1;
        if (!(r->warn_level < r->critical_level && r->critical_level < r->emergency_level))
            return fail(p, "$.levels", "need warning < critical < emergency");
    }
    if (parse_categories(p, root, c) < 0 || parse_alerts(p, root, c) < 0 ||
        parse_notify(p, root, c) < 0)
        return -1;
    if (c->alerts.regression_enabled && c->alerts.regression_window_ms > c->retention.hourly_ms)
        return fail(p, "$.alerts.regression.window",
                    "the baseline window is longer than the history kept ($.retention.hourly)");
    return 0;
}

pf_monconfig *pf_monconfig_default(void)
{
    pf_monconfig *c = pf_calloc(1, sizeof *c);
    c->origin = pf_strdup("(built-in defaults)");
    c->interval_ms = 60000;
    c->statement_timeout_ms = 10000;
    c->max_pending = 60;
    c->max_query_length = 8192;
    c->retention.raw_ms = 7 * 86400000.0;
    c->retention.hourly_ms = 90 * 86400000.0;
    c->retention.alerts_ms = 90 * 86400000.0;
    c->retention.every_ms = 600000;
    c->fallback.name = pf_strdup("default");
    c->fallback.threshold_ms = 1000;
    pf_alert_rules_default(&c->alerts);
    return c;
}

int pf_monconfig_parse(const char *origin, const char *text, pf_monconfig **out, pf_error *err)
{
    *out = NULL;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, true);
    if (root == NULL) {
        size_t off = end ? (size_t)(end - text) : 0;
        int line = 1, col = 1;
        for (size_t i = 0; i < off && text[i]; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        char near[24];
        snprintf(near, sizeof near, "%.20s", text + off);
        for (char *ch = near; *ch; ch++)
            if (*ch == '\n' || *ch == '\r')
                *ch = ' ';
        return pf_error_set(err, PF_EXIT_USAGE, "%s:%d:%d: JSON syntax error near '%s'", origin,
                            line, col, near);
    }
    pf_monconfig *c = pf_monconfig_default();
    free(c->origin);
    c->origin = pf_strdup(origin);
    parser p = {origin, err};
    int rc = parse_root(&p, root, c);
    cJSON_Delete(root);
    if (rc < 0) {
        pf_monconfig_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

int pf_monconfig_load(const char *path, pf_monconfig **out, pf_error *err)
{
    *out = NULL;
    char *text = NULL;
    if (pf_file_read(path, &text, NULL, err) < 0) {
        err->code = PF_EXIT_USAGE;
        return -1;
    }
    int rc = pf_monconfig_parse(path, text, out, err);
    free(text);
    return rc;
}

void pf_monconfig_free(pf_monconfig *c)
{
    if (c == NULL)
        return;
    free(c->origin);
    free(c->source);
    for (size_t i = 0; i < c->n_categories; i++)
        pf_category_rule_dispose(&c->categories[i]);
    free(c->categories);
    pf_category_rule_dispose(&c->fallback);
    for (size_t i = 0; i < c->n_notify; i++)
        pf_notify_spec_dispose(&c->notify[i]);
    free(c->notify);
    free(c);
}
