/* The entitlement rules file of perfgate rls (format in docs/rls.md) and the
 * table of check ids with their severities and fix hints. Reading is strict:
 * unknown keys and wrong types are errors naming the file, the JSON path and
 * its line. cJSON stays inside this file. */
#include "rls.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fsutil.h"

/* ------------------------------------------------------------ rule ids */

static const pf_rls_rule_info k_rules[PF_RLS_N_RULE_IDS] = {
    {"rls_disabled", "tables", PF_RLS_SEV_ERROR,
     "RLS disabled on a table the rules cover, or on a table the API roles can read in an "
     "exposed schema",
     "ALTER TABLE <table> ENABLE ROW LEVEL SECURITY (and FORCE ROW LEVEL SECURITY), then add "
     "policies"},
    {"rls_not_forced", "tables", PF_RLS_SEV_ERROR,
     "RLS enabled but not forced: the table owner bypasses the policies",
     "ALTER TABLE <table> FORCE ROW LEVEL SECURITY (or set \"force\": false for the table in the "
     "rules file if the owner must bypass RLS)"},
    {"rls_table_without_rule", "tables", PF_RLS_SEV_ERROR,
     "a table with RLS has no entitlement rule, so nobody checks who can read it",
     "declare the table in the rules file: who may read (and update, insert, delete) which rows"},
    {"rule_without_table", "tables", PF_RLS_SEV_WARNING,
     "the rules file declares a table that does not exist",
     "remove the stale entry from the rules file, or fix its name"},
    {"security_definer_view", "tables", PF_RLS_SEV_ERROR,
     "a view in an exposed schema reads RLS tables with its owner's rights",
     "CREATE VIEW ... WITH (security_invoker = true), or ALTER VIEW <view> SET "
     "(security_invoker = true)"},
    {"policy_no_role", "lint", PF_RLS_SEV_ERROR,
     "a policy without TO <role> applies to PUBLIC, anon included",
     "recreate the policy with TO authenticated (or the roles it is meant for)"},
    {"rls_auth_per_row", "lint", PF_RLS_SEV_ERROR,
     "auth.uid()/auth.jwt()/current_setting() called per row instead of once per statement",
     "wrap the call as (select auth.uid()) so the planner evaluates it once (an InitPlan)"},
    {"policy_function_volatile", "lint", PF_RLS_SEV_ERROR,
     "a policy calls a VOLATILE function: evaluated per row, never cached, blocks optimisations",
     "declare the function STABLE (it only reads) and LANGUAGE sql where possible"},
    {"secdef_no_search_path", "lint", PF_RLS_SEV_ERROR,
     "a SECURITY DEFINER function without a fixed search_path can be hijacked through the "
     "caller's search_path",
     "ALTER FUNCTION <f> SET search_path = '' and schema-qualify every name inside"},
    {"policy_column_unindexed", "lint", PF_RLS_SEV_WARNING,
     "a column a policy filters on has no index with it as the leading column",
     "CREATE INDEX ON <table> (<column>) (or put the column first in an existing index)"},
    {"multiple_permissive_policies", "lint", PF_RLS_SEV_WARNING,
     "several permissive policies for the same role and command: each is evaluated for every "
     "row",
     "merge them into one policy whose USING ORs the conditions"},
    {"rls_overhead_ratio", "overhead", PF_RLS_SEV_ERROR,
     "the RLS overhead ratio (user vs. owner time) rose more than 20% over its baseline, "
     "confirmed on a re-run",
     "look at the policy's plan (EXPLAIN as the user): a per-row function, a lost index "
     "condition; or set this rule to warning on a machine whose timing is not stable"},
};

const pf_rls_rule_info *pf_rls_rule_ids(size_t *n)
{
    if (n)
        *n = PF_RLS_N_RULE_IDS;
    return k_rules;
}

int pf_rls_rule_index(const char *id)
{
    for (int i = 0; i < PF_RLS_N_RULE_IDS; i++)
        if (strcmp(k_rules[i].id, id) == 0)
            return i;
    return -1;
}

const char *pf_rls_severity_name(pf_rls_severity s)
{
    static const char *const names[] = {"off", "warning", "error"};
    return names[s];
}

int pf_rls_severity_parse(const char *text, pf_rls_severity *out)
{
    if (strcmp(text, "error") == 0)
        *out = PF_RLS_SEV_ERROR;
    else if (strcmp(text, "warning") == 0)
        *out = PF_RLS_SEV_WARNING;
    else if (strcmp(text, "off") == 0)
        *out = PF_RLS_SEV_OFF;
    else
        return -1;
    return 0;
}

/* ------------------------------------------------- JSON path → line */

/* A minimal walk over already-valid JSON text to find where a path
 * ("tables.shell_files.read", "identities[3].sql") starts, so errors can
 * name a line (cJSON keeps none). */
static const char *skip_ws(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    return p;
}

static const char *skip_string(const char *p)
{
    p++; /* opening quote */
    while (*p && *p != '"') {
        if (*p == '\\' && p[1])
            p++;
        p++;
    }
    return *p ? p + 1 : p;
}

static const char *skip_value(const char *p)
{
    p = skip_ws(p);
    if (*p == '"')
        return skip_string(p);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (*p) {
            if (*p == '"') {
                p = skip_string(p);
                continue;
            }
            if (*p == '{' || *p == '[')
                depth++;
            else if (*p == '}' || *p == ']') {
                depth--;
                if (depth == 0)
                    return p + 1;
            }
            p++;
        }
        return p;
    }
    while (*p && *p != ',' && *p != '}' && *p != ']' && !isspace((unsigned char)*p))
        p++;
    return p;
}

/* Position of the value at path inside the value at p, or NULL. */
static const char *find_path(const char *p, const char *path)
{
    p = skip_ws(p);
    if (*path == '\0')
        return p;
    if (*path == '.')
        path++;
    if (*path == '[') {
        if (*p != '[')
            return NULL;
        long idx = strtol(path + 1, NULL, 10);
        const char *rest = strchr(path, ']');
        if (rest == NULL)
            return NULL;
        p = skip_ws(p + 1);
        for (long i = 0; i < idx; i++) {
            p = skip_ws(skip_value(p));
            if (*p != ',')
                return NULL;
            p = skip_ws(p + 1);
        }
        return find_path(p, rest + 1);
    }
    if (*p != '{')
        return NULL;
    size_t klen = strcspn(path, ".[");
    p = skip_ws(p + 1);
    while (*p == '"') {
        const char *kstart = p + 1;
        const char *kend = skip_string(p) - 1;
        p = skip_ws(kend + 1);
        if (*p != ':')
            return NULL;
        p = skip_ws(p + 1);
        if ((size_t)(kend - kstart) == klen && strncmp(kstart, path, klen) == 0)
            return path[klen] ? find_path(p, path + klen) : kstart - 1;
        p = skip_ws(skip_value(p));
        if (*p == ',')
            p = skip_ws(p + 1);
    }
    return NULL;
}

static int line_of_path(const char *text, const char *path)
{
    const char *at = find_path(text, path);
    return at ? pf_line_of_offset(text, (size_t)(at - text)) : 1;
}

/* --------------------------------------------------------------- reader */

typedef struct reader {
    const char *path;
    const char *text;
    pf_error *err;
} reader;

static int bad(reader *r, const char *jpath, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(reader *r, const char *jpath, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return pf_error_set(r->err, PF_EXIT_USAGE, "%s:%d: %s: %s", r->path,
                        line_of_path(r->text, jpath), jpath, what);
}

/* Only these keys; anything else is a typo the user must hear about. */
static int check_keys(reader *r, const cJSON *obj, const char *jpath, const char *const *allowed)
{
    for (const cJSON *e = obj->child; e; e = e->next) {
        bool ok = false;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(e->string, allowed[i]) == 0;
        if (!ok) {
            char *p = pf_asprintf("%s%s%s", jpath, *jpath ? "." : "", e->string);
            pf_buf list = PF_BUF_INIT;
            for (size_t i = 0; allowed[i]; i++)
                pf_buf_printf(&list, "%s%s", i ? ", " : "", allowed[i]);
            bad(r, p, "unknown key (expected one of: %s)", pf_buf_str(&list));
            pf_buf_dispose(&list);
            free(p);
            return -1;
        }
    }
    return 0;
}

/* An optional string member: 0 (and *out NULL when absent), -1 on a type error. */
static int opt_str(reader *r, const cJSON *obj, const char *jpath, const char *key, char **out)
{
    *out = NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return 0;
    char *p = pf_asprintf("%s%s%s", jpath, *jpath ? "." : "", key);
    int rc = 0;
    if (!cJSON_IsString(v) || v->valuestring == NULL)
        rc = bad(r, p, "must be a string");
    else if (v->valuestring[strspn(v->valuestring, " \t\r\n")] == '\0')
        rc = bad(r, p, "must not be empty");
    else
        *out = pf_strdup(v->valuestring);
    free(p);
    return rc;
}

static char *qualify(const char *name)
{
    return strchr(name, '.') ? pf_strdup(name) : pf_asprintf("public.%s", name);
}

static bool valid_name(const char *s)
{
    if (*s == '\0')
        return false;
    for (const char *c = s; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '_' || *c == '.' || *c == '$'))
            return false;
    return true;
}

static int read_identities(reader *r, const cJSON *arr, pf_rls_rules *out)
{
    static const char *const keys[] = {"name", "about", "role", "sql", NULL};
    if (!cJSON_IsArray(arr))
        return bad(r, "identities", "must be an array of objects");
    size_t n = (size_t)cJSON_GetArraySize(arr);
    out->identities = pf_calloc(n + 1, sizeof *out->identities);
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        char jp[64];
        snprintf(jp, sizeof jp, "identities[%zu]", i);
        if (!cJSON_IsObject(e))
            return bad(r, jp, "must be an object");
        if (check_keys(r, e, jp, keys) < 0)
            return -1;
        pf_rls_identity_spec *s = &out->identities[out->n_identities++];
        if (opt_str(r, e, jp, "name", &s->name) < 0 || opt_str(r, e, jp, "about", &s->about) < 0 ||
            opt_str(r, e, jp, "role", &s->role) < 0 || opt_str(r, e, jp, "sql", &s->sql) < 0)
            return -1;
        if (s->name == NULL)
            return bad(r, jp, "needs a \"name\"");
        if (!valid_name(s->name))
            return bad(r, jp, "name '%s' must be letters, digits and _", s->name);
        for (size_t k = 0; k + 1 < out->n_identities; k++)
            if (strcmp(out->identities[k].name, s->name) == 0)
                return bad(r, jp, "identity '%s' is declared twice", s->name);
        if (s->role == NULL)
            s->role = pf_strdup("authenticated");
        if (strcmp(s->role, "authenticated") != 0 && strcmp(s->role, "anon") != 0 &&
            strcmp(s->role, "service_role") != 0)
            return bad(r, jp, "role '%s' is not one of authenticated, anon, service_role",
                       s->role);
        bool needs_sql = strcmp(s->role, "authenticated") == 0;
        if (needs_sql && s->sql == NULL)
            return bad(r, jp,
                       "an authenticated identity needs \"sql\": a query returning its auth "
                       "user id");
        if (!needs_sql && s->sql != NULL)
            return bad(r, jp, "role %s has no user: drop \"sql\"", s->role);
        if (s->about == NULL)
            s->about = pf_strdup("");
    }
    return 0;
}

static int read_tables(reader *r, const cJSON *obj, pf_rls_rules *out)
{
    static const char *const keys[] = {"read", "update", "insert", "delete", "key", "force", NULL};
    if (!cJSON_IsObject(obj))
        return bad(r, "tables", "must be an object: table name → rule");
    size_t n = (size_t)cJSON_GetArraySize(obj);
    out->tables = pf_calloc(n + 1, sizeof *out->tables);
    for (const cJSON *e = obj->child; e; e = e->next) {
        char *jp = pf_asprintf("tables.%s", e->string);
        int rc = 0;
        pf_rls_table_rule *t = &out->tables[out->n_tables];
        if (!valid_name(e->string))
            rc = bad(r, jp, "'%s' is not a table name ([schema.]table)", e->string);
        else if (!cJSON_IsObject(e))
            rc = bad(r, jp, "must be an object with at least \"read\"");
        else if (check_keys(r, e, jp, keys) < 0)
            rc = -1;
        if (rc == 0) {
            out->n_tables++;
            t->table = qualify(e->string);
            t->line = line_of_path(r->text, jp);
            t->force = -1;
            for (size_t k = 0; k + 1 < out->n_tables && rc == 0; k++)
                if (strcmp(out->tables[k].table, t->table) == 0)
                    rc = bad(r, jp, "table %s is declared twice", t->table);
        }
        if (rc == 0 &&
            (opt_str(r, e, jp, "read", &t->read) < 0 || opt_str(r, e, jp, "update", &t->update) < 0 ||
             opt_str(r, e, jp, "insert", &t->insert) < 0 ||
             opt_str(r, e, jp, "delete", &t->del) < 0 || opt_str(r, e, jp, "key", &t->key) < 0))
            rc = -1;
        if (rc == 0 && t->read == NULL)
            rc = bad(r, jp, "needs \"read\": the SQL condition (over the table's columns, :uid = "
                            "the user) for the rows a user may read");
        const cJSON *f = rc == 0 ? cJSON_GetObjectItemCaseSensitive(e, "force") : NULL;
        if (f != NULL) {
            if (!cJSON_IsBool(f)) {
                char *fp = pf_asprintf("%s.force", jp);
                rc = bad(r, fp, "must be true or false");
                free(fp);
            } else {
                t->force = cJSON_IsTrue(f) ? 1 : 0;
            }
        }
        free(jp);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int read_severities(reader *r, const cJSON *obj, pf_rls_rules *out)
{
    if (!cJSON_IsObject(obj))
        return bad(r, "severities", "must be an object: rule id → \"error\" | \"warning\" | \"off\"");
    for (const cJSON *e = obj->child; e; e = e->next) {
        char *jp = pf_asprintf("severities.%s", e->string);
        int idx = pf_rls_rule_index(e->string);
        int rc = 0;
        if (idx < 0)
            rc = bad(r, jp, "unknown rule id (see docs/rls.md for the list)");
        else if (!cJSON_IsString(e) ||
                 pf_rls_severity_parse(e->valuestring, &out->severity[idx]) < 0)
            rc = bad(r, jp, "must be \"error\", \"warning\" or \"off\"");
        free(jp);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int read_doc(reader *r, const cJSON *root, pf_rls_rules *out)
{
    static const char *const keys[] = {"format",         "description", "definitions",
                                       "exposed_schemas", "force_rls",   "threshold_ms",
                                       "severities",      "identities",  "tables",
                                       NULL};
    if (!cJSON_IsObject(root))
        return bad(r, "", "the rules file must be a JSON object");
    if (check_keys(r, root, "", keys) < 0)
        return -1;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsNumber(fmt) || fmt->valuedouble != 1)
        return bad(r, "format", "must be 1");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "description");
    if (d != NULL && !cJSON_IsString(d))
        return bad(r, "description", "must be a string");

    char *defs = NULL;
    if (opt_str(r, root, "", "definitions", &defs) < 0)
        return -1;
    if (defs != NULL) {
        if (defs[0] == '/') {
            out->definitions_path = defs;
        } else {
            /* Relative to the rules file. */
            const char *slash = strrchr(r->path, '/');
            out->definitions_path =
                slash ? pf_asprintf("%.*s/%s", (int)(slash - r->path), r->path, defs)
                      : pf_strdup(defs);
            free(defs);
        }
        pf_error e;
        if (pf_file_read(out->definitions_path, &out->definitions_sql, NULL, &e) < 0)
            return bad(r, "definitions", "cannot read %s: %s", out->definitions_path, e.msg);
    }

    const cJSON *xs = cJSON_GetObjectItemCaseSensitive(root, "exposed_schemas");
    if (xs != NULL) {
        if (!cJSON_IsArray(xs))
            return bad(r, "exposed_schemas", "must be an array of schema names");
        size_t n = (size_t)cJSON_GetArraySize(xs), i = 0;
        out->exposed_schemas = pf_calloc(n + 1, sizeof *out->exposed_schemas);
        for (const cJSON *e = xs->child; e; e = e->next, i++) {
            if (!cJSON_IsString(e) || !valid_name(e->valuestring)) {
                char jp[64];
                snprintf(jp, sizeof jp, "exposed_schemas[%zu]", i);
                return bad(r, jp, "must be a schema name");
            }
            out->exposed_schemas[i] = pf_strdup(e->valuestring);
        }
    } else {
        out->exposed_schemas = pf_calloc(2, sizeof *out->exposed_schemas);
        out->exposed_schemas[0] = pf_strdup("public");
    }
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "force_rls");
    if (f != NULL && !cJSON_IsBool(f))
        return bad(r, "force_rls", "must be true or false");
    out->force_default = f == NULL || cJSON_IsTrue(f);
    const cJSON *th = cJSON_GetObjectItemCaseSensitive(root, "threshold_ms");
    if (th != NULL && (!cJSON_IsNumber(th) || !(th->valuedouble > 0)))
        return bad(r, "threshold_ms", "must be a number > 0 (milliseconds)");
    out->threshold_ms = th ? th->valuedouble : 50.0;

    const cJSON *sev = cJSON_GetObjectItemCaseSensitive(root, "severities");
    if (sev != NULL && read_severities(r, sev, out) < 0)
        return -1;
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(root, "identities");
    if (ids == NULL)
        return bad(r, "identities", "missing: the identities to sample (see docs/rls.md)");
    if (read_identities(r, ids, out) < 0)
        return -1;
    const cJSON *tables = cJSON_GetObjectItemCaseSensitive(root, "tables");
    if (tables == NULL)
        return bad(r, "tables", "missing: an entitlement rule per table");
    return read_tables(r, tables, out);
}

int pf_rls_rules_parse(const char *path, const char *text, pf_rls_rules *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    out->path = pf_strdup(path);
    for (int i = 0; i < PF_RLS_N_RULE_IDS; i++)
        out->severity[i] = k_rules[i].default_severity;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, true);
    int rc;
    if (root == NULL) {
        size_t off = end ? (size_t)(end - text) : 0;
        rc = pf_error_set(err, PF_EXIT_USAGE, "%s:%d: not valid JSON", path,
                          pf_line_of_offset(text, off));
    } else {
        reader r = {path, text, err};
        rc = read_doc(&r, root, out);
    }
    cJSON_Delete(root);
    if (rc < 0)
        pf_rls_rules_dispose(out);
    return rc;
}

int pf_rls_rules_load(const char *path, pf_rls_rules *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    if (pf_file_read(path, &text, NULL, err) < 0) {
        if (err)
            err->code = PF_EXIT_USAGE;
        return -1;
    }
    int rc = pf_rls_rules_parse(path, text, out, err);
    free(text);
    return rc;
}

void pf_rls_rules_dispose(pf_rls_rules *r)
{
    free(r->path);
    free(r->definitions_path);
    free(r->definitions_sql);
    for (size_t i = 0; i < r->n_identities; i++) {
        free(r->identities[i].name);
        free(r->identities[i].about);
        free(r->identities[i].role);
        free(r->identities[i].sql);
    }
    free(r->identities);
    for (size_t i = 0; i < r->n_tables; i++) {
        pf_rls_table_rule *t = &r->tables[i];
        free(t->table);
        free(t->read);
        free(t->update);
        free(t->insert);
        free(t->del);
        free(t->key);
    }
    free(r->tables);
    pf_strv_free(r->exposed_schemas);
    memset(r, 0, sizeof *r);
}

const pf_rls_table_rule *pf_rls_rules_find(const pf_rls_rules *r, const char *qualified)
{
    for (size_t i = 0; i < r->n_tables; i++)
        if (strcmp(r->tables[i].table, qualified) == 0)
            return &r->tables[i];
    return NULL;
}
