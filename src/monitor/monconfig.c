/* The monitor configuration file: JSON into pf_monconfig. Every error names
 * the file, the line and the JSON path (json.h); unknown keys are errors (a
 * typo must not silently turn an alert off). */
#include "monconfig.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "json.h"
#include "timeutil.h"

#define PF_MONCONFIG_MAX_DURATION_MS (3650.0 * 86400000.0)

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

/* Webhook URLs are secrets: a config that holds one is refused with a hint,
 * before the generic unknown-key message. */
static int check_keys(const pf_json_val *obj, const char *const *allowed)
{
    if (pf_json_is(obj, PF_JSON_OBJECT) && pf_json_has(obj, "url"))
        return pf_json_fail(obj, "url",
                            "webhook URLs are secrets and do not belong in the config; name an "
                            "environment variable (url_env) or a file (url_file) holding it");
    return pf_json_check_keys(obj, allowed);
}

/* A duration member: "30s" or a number of milliseconds, at least min_ms.
 * 1: absent. */
static int get_duration(const pf_json_val *obj, const char *key, double *out, double min_ms)
{
    pf_json_val v;
    if (pf_json_member(obj, key, &v) != 0)
        return 1;
    double ms = 0;
    const char *text = pf_json_string(&v);
    if (text != NULL) {
        pf_error e;
        if (pf_monconfig_duration(text, &ms, &e) < 0)
            return pf_json_fail(&v, NULL, "%s", e.msg);
    } else if (!pf_json_number(&v, &ms)) {
        return pf_json_fail(&v, NULL, "must be a duration such as \"100ms\", \"10s\", \"7d\" (or "
                                      "a number of milliseconds)");
    }
    if (!isfinite(ms) || ms < min_ms)
        return pf_json_fail(&v, NULL, "must be at least %g ms", min_ms);
    /* Ten years bounds every interval, timeout and retention, and keeps
     * microsecond clocks (int64) far from overflowing. */
    if (ms > PF_MONCONFIG_MAX_DURATION_MS)
        return pf_json_fail(&v, NULL, "must be at most 3650d (%.0f ms), not %g ms",
                            PF_MONCONFIG_MAX_DURATION_MS, ms);
    *out = ms;
    return 0;
}

/* A non-empty string member, copied over *out. 1: absent. */
static int get_text(const pf_json_val *obj, const char *key, char **out)
{
    const char *s = NULL;
    int rc = pf_json_get_string(obj, key, PF_JSON_NONEMPTY, &s);
    if (rc != 0)
        return rc;
    free(*out);
    *out = pf_strdup(s);
    return 0;
}

/* A string or a non-empty array of strings (NULL-terminated copy). */
static int get_strv(const pf_json_val *obj, const char *key, char ***out, size_t *n)
{
    pf_json_val v, it;
    if (pf_json_member(obj, key, &v) != 0)
        return 1;
    const char *one = pf_json_string(&v);
    if (one != NULL && one[0] != '\0') {
        *out = pf_calloc(2, sizeof **out);
        (*out)[0] = pf_strdup(one);
        *n = 1;
        return 0;
    }
    if (!pf_json_is(&v, PF_JSON_ARRAY) || pf_json_count(&v) == 0)
        return pf_json_fail(&v, NULL, "must be a string or a non-empty array of strings");
    *out = pf_calloc(pf_json_count(&v) + 1, sizeof **out);
    *n = 0;
    for (bool more = pf_json_first(&v, &it); more; more = pf_json_next(&it)) {
        const char *s = pf_json_string(&it);
        if (s == NULL || s[0] == '\0')
            return pf_json_fail(&it, NULL, "must be a non-empty string");
        (*out)[(*n)++] = pf_strdup(s);
    }
    return 0;
}

static int get_level(const pf_json_val *obj, const char *key, pf_level *out)
{
    char *s = NULL;
    int rc = get_text(obj, key, &s);
    if (rc == 0 && (pf_level_parse(s, out) < 0 || *out == PF_LEVEL_OK))
        rc = pf_json_fail(obj, key, "'%s' is not a level (warning, critical, emergency)", s);
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

/* "threshold": a duration, or null / 0 for none. */
static int get_threshold(const pf_json_val *obj, double *out)
{
    pf_json_val v;
    if (pf_json_member(obj, "threshold", &v) == 0 && pf_json_is(&v, PF_JSON_NULL)) {
        *out = 0;
        return 0;
    }
    return get_duration(obj, "threshold", out, 0);
}

static int parse_category(const pf_json_val *obj, pf_category_rule *r, bool is_default)
{
    static const char *const keys[] = {"name",  "description", "threshold", "touches",
                                       "calls", "roles",       "databases", "pattern",
                                       NULL};
    static const char *const default_keys[] = {"name", "description", "threshold", NULL};
    if (check_keys(obj, is_default ? default_keys : keys) < 0)
        return -1;
    int rc = get_text(obj, "name", &r->name);
    if (rc < 0)
        return -1;
    if (rc == 1 && !is_default)
        return pf_json_fail(obj, NULL, "missing 'name'");
    if (r->name != NULL && !name_ok(r->name))
        return pf_json_fail(obj, "name", "'%s': use letters, digits, '_', '-' and '.' (at most 63)",
                            r->name);
    rc = get_threshold(obj, &r->threshold_ms);
    if (rc < 0)
        return -1;
    if (rc == 1 && !is_default)
        return pf_json_fail(obj, NULL, "missing 'threshold' (a duration, or null for none)");
    if (is_default)
        return 0;
    if (get_strv(obj, "touches", &r->touches, &r->n_touches) < 0 ||
        get_strv(obj, "calls", &r->calls, &r->n_calls) < 0 ||
        get_strv(obj, "roles", &r->roles, &r->n_roles) < 0 ||
        get_strv(obj, "databases", &r->databases, &r->n_databases) < 0 ||
        get_text(obj, "pattern", &r->pattern) < 0)
        return -1;
    char msg[256];
    if (r->pattern != NULL && !pf_classify_pattern_ok(r->pattern, msg, sizeof msg))
        return pf_json_fail(obj, "pattern", "invalid regular expression: %s", msg);
    if (r->n_touches + r->n_calls + r->n_roles + r->n_databases == 0 && r->pattern == NULL)
        return pf_json_fail(obj, NULL,
                            "category '%s' has no condition (touches, calls, roles, databases, "
                            "pattern)",
                            r->name);
    return 0;
}

static int parse_categories(const pf_json_val *root, pf_monconfig *c)
{
    pf_json_val cats, it, def;
    bool have = pf_json_member(root, "categories", &cats) == 0;
    if (have && !pf_json_is(&cats, PF_JSON_ARRAY))
        return pf_json_fail(&cats, NULL, "must be an array of categories");
    if (have)
        c->categories = pf_calloc(pf_json_count(&cats) + 1, sizeof *c->categories);
    for (bool more = have && pf_json_first(&cats, &it); more; more = pf_json_next(&it)) {
        size_t i = it.index;
        c->n_categories = i + 1;
        if (parse_category(&it, &c->categories[i], false) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->categories[j].name, c->categories[i].name) == 0 &&
                c->categories[j].threshold_ms != c->categories[i].threshold_ms)
                /* Several rules of one category are alternatives; one threshold. */
                return pf_json_fail(&it, NULL,
                                    "category '%s' has another threshold in $.categories[%zu]",
                                    c->categories[i].name, j);
    }
    if (pf_json_member(root, "default", &def) == 0 && parse_category(&def, &c->fallback, true) < 0)
        return -1;
    for (bool more = have && pf_json_first(&cats, &it); more; more = pf_json_next(&it))
        if (strcmp(c->categories[it.index].name, c->fallback.name) == 0)
            return pf_json_fail(&it, NULL, "'%s' is the default category's name",
                                c->fallback.name);
    return 0;
}

static int parse_regression(const pf_json_val *g, pf_alert_rules *r)
{
    static const char *const keys[] = {"enabled",  "ratio", "min_calls", "min_baseline_calls",
                                       "min_delta", "window", "level",   "critical_ratio",
                                       NULL};
    if (check_keys(g, keys) < 0 ||
        pf_json_get_bool(g, "enabled", PF_JSON_OPTIONAL, &r->regression_enabled) < 0 ||
        pf_json_get_number_in(g, "ratio", PF_JSON_OPTIONAL, 1.0, 1000, &r->regression_ratio) < 0 ||
        pf_json_get_int64(g, "min_calls", PF_JSON_OPTIONAL, 1, 1000000000,
                          &r->regression_min_calls) < 0 ||
        pf_json_get_int64(g, "min_baseline_calls", PF_JSON_OPTIONAL, 1, 1000000000,
                          &r->regression_min_baseline_calls) < 0 ||
        get_duration(g, "min_delta", &r->regression_min_delta_ms, 0) < 0 ||
        get_duration(g, "window", &r->regression_window_ms, 60000) < 0 ||
        get_level(g, "level", &r->regression_level) < 0 ||
        pf_json_get_number_in(g, "critical_ratio", PF_JSON_OPTIONAL, 0, 1000,
                              &r->regression_critical_ratio) < 0)
        return -1;
    if (r->regression_critical_ratio > 0 && r->regression_critical_ratio <= r->regression_ratio)
        return pf_json_fail(g, "critical_ratio", "must be above ratio (%g)", r->regression_ratio);
    return 0;
}

static int parse_alerts(const pf_json_val *root, pf_monconfig *c)
{
    static const char *const keys[] = {"threshold", "regression", "repeat_every", "resolve_after",
                                       NULL};
    static const char *const tkeys[] = {"enabled", "min_calls", NULL};
    pf_json_val a, t, g;
    if (pf_json_member(root, "alerts", &a) != 0)
        return 0;
    pf_alert_rules *r = &c->alerts;
    if (check_keys(&a, keys) < 0 ||
        get_duration(&a, "repeat_every", &r->repeat_every_ms, 1000) < 0 ||
        pf_json_get_int(&a, "resolve_after", PF_JSON_OPTIONAL, 1, 1000, &r->resolve_after) < 0)
        return -1;
    if (pf_json_member(&a, "threshold", &t) == 0 &&
        (check_keys(&t, tkeys) < 0 ||
         pf_json_get_bool(&t, "enabled", PF_JSON_OPTIONAL, &r->threshold_enabled) < 0 ||
         pf_json_get_int64(&t, "min_calls", PF_JSON_OPTIONAL, 1, 1000000000,
                           &r->threshold_min_calls) < 0))
        return -1;
    if (pf_json_member(&a, "regression", &g) == 0 && parse_regression(&g, r) < 0)
        return -1;
    return 0;
}

/* What a notifier of each kind needs and must not have. */
static int check_notifier(const pf_json_val *obj, const pf_notify_spec *s)
{
    bool web = s->kind == PF_NOTIFY_SLACK || s->kind == PF_NOTIFY_WEBHOOK;
    if (web && (s->url_env == NULL) == (s->url_file == NULL))
        return pf_json_fail(obj, NULL, "a %s notifier needs exactly one of url_env and url_file",
                            pf_notify_kind_name(s->kind));
    if (!web && (s->url_env || s->url_file))
        return pf_json_fail(obj, NULL, "url_env/url_file are for slack and webhook notifiers");
    if (s->kind == PF_NOTIFY_COMMAND && s->argc == 0)
        return pf_json_fail(obj, NULL,
                            "a command notifier needs 'command' (program and arguments)");
    if (s->kind != PF_NOTIFY_COMMAND && s->argc > 0)
        return pf_json_fail(obj, NULL, "'command' is for command notifiers");
    if (s->kind == PF_NOTIFY_EMAIL && s->n_to == 0)
        return pf_json_fail(obj, NULL, "an email notifier needs 'to'");
    if (s->kind != PF_NOTIFY_EMAIL && (s->n_to > 0 || s->from || s->sendmail))
        return pf_json_fail(obj, NULL, "'to', 'from' and 'sendmail' are for email notifiers");
    return 0;
}

static int parse_notifier(const pf_json_val *obj, pf_notify_spec *s)
{
    static const char *const keys[] = {"name",    "type",    "description", "min_level",
                                       "required", "url_env", "url_file",   "command",
                                       "to",      "from",    "sendmail",    "timeout",
                                       "retries", "backoff", NULL};
    static const pf_notify_kind kinds[] = {PF_NOTIFY_SLACK, PF_NOTIFY_WEBHOOK, PF_NOTIFY_COMMAND,
                                           PF_NOTIFY_EMAIL};
    const char *type = NULL;
    if (check_keys(obj, keys) < 0)
        return -1;
    int rc = pf_json_get_string(obj, "type", PF_JSON_NONEMPTY, &type);
    if (rc != 0)
        return rc < 0 ? -1
                      : pf_json_fail(obj, NULL, "missing 'type' (slack, webhook, command, email)");
    bool found = false;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && !found; i++)
        if (strcmp(type, pf_notify_kind_name(kinds[i])) == 0) {
            pf_notify_spec_default(s, kinds[i]);
            found = true;
        }
    if (!found)
        return pf_json_fail(obj, "type",
                            "'%s' is not a notifier type (slack, webhook, command, email)", type);
    if (get_text(obj, "name", &s->name) < 0)
        return -1;
    if (s->name == NULL)
        s->name = pf_asprintf("%s-%zu", pf_notify_kind_name(s->kind), obj->index + 1);
    if (get_level(obj, "min_level", &s->min_level) < 0 ||
        pf_json_get_bool(obj, "required", PF_JSON_OPTIONAL, &s->required) < 0 ||
        get_text(obj, "url_env", &s->url_env) < 0 || get_text(obj, "url_file", &s->url_file) < 0 ||
        get_strv(obj, "command", &s->argv, &s->argc) < 0 ||
        get_strv(obj, "to", &s->to, &s->n_to) < 0 || get_text(obj, "from", &s->from) < 0 ||
        get_text(obj, "sendmail", &s->sendmail) < 0 ||
        get_duration(obj, "timeout", &s->timeout_ms, 100) < 0 ||
        pf_json_get_int(obj, "retries", PF_JSON_OPTIONAL, 0, 20, &s->retries) < 0 ||
        get_duration(obj, "backoff", &s->backoff_ms, 1) < 0)
        return -1;
    return check_notifier(obj, s);
}

static int parse_notify(const pf_json_val *root, pf_monconfig *c)
{
    pf_json_val n, it;
    if (pf_json_member(root, "notify", &n) != 0)
        return 0;
    if (!pf_json_is(&n, PF_JSON_ARRAY))
        return pf_json_fail(&n, NULL, "must be an array of notifiers");
    c->notify = pf_calloc(pf_json_count(&n) + 1, sizeof *c->notify);
    for (bool more = pf_json_first(&n, &it); more; more = pf_json_next(&it)) {
        size_t i = it.index;
        c->n_notify = i + 1;
        if (parse_notifier(&it, &c->notify[i]) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->notify[j].name, c->notify[i].name) == 0)
                return pf_json_fail(&it, NULL, "notifier name '%s' is used twice",
                                    c->notify[i].name);
    }
    return 0;
}

static int parse_retention_and_levels(const pf_json_val *root, pf_monconfig *c)
{
    static const char *const rkeys[] = {"raw", "hourly", "alerts", "every", NULL};
    static const char *const lkeys[] = {"warning", "critical", "emergency", NULL};
    pf_json_val ret, lv;
    if (pf_json_member(root, "retention", &ret) == 0) {
        if (check_keys(&ret, rkeys) < 0 ||
            get_duration(&ret, "raw", &c->retention.raw_ms, 3600000) < 0 ||
            get_duration(&ret, "hourly", &c->retention.hourly_ms, 3600000) < 0 ||
            get_duration(&ret, "alerts", &c->retention.alerts_ms, 3600000) < 0 ||
            get_duration(&ret, "every", &c->retention.every_ms, 1000) < 0)
            return -1;
        if (c->retention.hourly_ms < c->retention.raw_ms)
            return pf_json_fail(&ret, "hourly", "must be at least as long as raw");
    }
    if (pf_json_member(root, "levels", &lv) == 0) {
        pf_alert_rules *r = &c->alerts;
        if (check_keys(&lv, lkeys) < 0 ||
            pf_json_get_number_in(&lv, "warning", PF_JSON_OPTIONAL, 0, 100, &r->warn_level) < 0 ||
            pf_json_get_number_in(&lv, "critical", PF_JSON_OPTIONAL, 0, 100,
                                  &r->critical_level) < 0 ||
            pf_json_get_number_in(&lv, "emergency", PF_JSON_OPTIONAL, 0, 100,
                                  &r->emergency_level) < 0)
            return -1;
        if (!(r->warn_level < r->critical_level && r->critical_level < r->emergency_level))
            return pf_json_fail(&lv, NULL, "need warning < critical < emergency");
    }
    return 0;
}

static int parse_root(const pf_json_val *root, pf_monconfig *c)
{
    static const char *const keys[] = {"version",    "description", "source",
                                       "interval",   "statement_timeout", "max_pending",
                                       "max_query_length", "retention", "levels",
                                       "categories", "default",     "alerts",
                                       "notify",     NULL};
    if (check_keys(root, keys) < 0)
        return -1;
    double version = PF_MONCONFIG_FORMAT;
    if (pf_json_get_number_in(root, "version", PF_JSON_OPTIONAL, 1, 1e9, &version) < 0)
        return -1;
    if (version != PF_MONCONFIG_FORMAT)
        return pf_json_fail(root, "version",
                            "format version %g is not supported (this perfgate reads %d)", version,
                            PF_MONCONFIG_FORMAT);
    int64_t query_length = (int64_t)c->max_query_length;
    if (get_text(root, "source", &c->source) < 0 ||
        get_duration(root, "interval", &c->interval_ms, 100) < 0 ||
        get_duration(root, "statement_timeout", &c->statement_timeout_ms, 100) < 0 ||
        pf_json_get_int(root, "max_pending", PF_JSON_OPTIONAL, 1, 100000, &c->max_pending) < 0 ||
        pf_json_get_int64(root, "max_query_length", PF_JSON_OPTIONAL, 64, 1048576,
                          &query_length) < 0)
        return -1;
    c->max_query_length = (size_t)query_length;
    if (parse_retention_and_levels(root, c) < 0 || parse_categories(root, c) < 0 ||
        parse_alerts(root, c) < 0 || parse_notify(root, c) < 0)
        return -1;
    if (c->alerts.regression_enabled && c->alerts.regression_window_ms > c->retention.hourly_ms) {
        /* At the window when the file sets it, else at the top. */
        pf_json_val a, g;
        const char *what = "the baseline window is longer than the history kept "
                           "($.retention.hourly)";
        if (pf_json_member(root, "alerts", &a) == 0 && pf_json_member(&a, "regression", &g) == 0 &&
            pf_json_has(&g, "window"))
            return pf_json_fail(&g, "window", "%s", what);
        return pf_json_fail(root, "alerts.regression.window", "%s", what);
    }
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
    pf_json *doc = NULL;
    if (pf_json_parse(origin, text, &doc, err) < 0)
        return -1;
    pf_monconfig *c = pf_monconfig_default();
    free(c->origin);
    c->origin = pf_strdup(origin);
    pf_json_val root;
    pf_json_root(doc, &root);
    int rc = parse_root(&root, c);
    pf_json_free(doc);
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
    if (pf_file_read(path, &text, NULL, err) < 0)
        return -1;
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
