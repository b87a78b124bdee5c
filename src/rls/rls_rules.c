/* The entitlement rules file of perfgate rls (format in docs/rls.md) and the
 * table of check ids with their severities and fix hints. Reading is strict:
 * unknown keys and wrong types are errors naming the file, the line and the
 * JSON path (json.h). */
#include "rls_rules.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "json.h"

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

int pf_rls_severity_override_parse(const char *text, int *idx, pf_rls_severity *sev,
                                   pf_error *err)
{
    const char *eq = strchr(text, '=');
    char *id = eq ? pf_strndup(text, (size_t)(eq - text)) : pf_strdup(text);
    *idx = pf_rls_rule_index(id);
    free(id);
    if (eq == NULL || *idx < 0 || pf_rls_severity_parse(eq + 1, sev) < 0)
        return pf_error_set(err, PF_EXIT_USAGE,
                            "--severity '%s': expected RULE=error|warning|off with a rule id "
                            "from docs/rls.md",
                            text);
    return 0;
}

/* --------------------------------------------------------------- reader */

/* An optional string that is not blank; *out NULL when absent. */
static int opt_str(const pf_json_val *obj, const char *key, char **out)
{
    const char *s = NULL;
    *out = NULL;
    if (pf_json_get_string(obj, key, PF_JSON_NONEMPTY, &s) < 0)
        return -1;
    if (s != NULL)
        *out = pf_strdup(s);
    return 0;
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

static int read_identity(const pf_json_val *e, pf_rls_rules *out)
{
    static const char *const keys[] = {"name", "about", "role", "sql", NULL};
    if (pf_json_check_keys(e, keys) < 0)
        return -1;
    pf_rls_identity_spec *s = &out->identities[out->n_identities++];
    if (opt_str(e, "name", &s->name) < 0 || opt_str(e, "about", &s->about) < 0 ||
        opt_str(e, "role", &s->role) < 0 || opt_str(e, "sql", &s->sql) < 0)
        return -1;
    if (s->name == NULL)
        return pf_json_fail(e, NULL, "needs a \"name\"");
    if (!valid_name(s->name))
        return pf_json_fail(e, NULL, "name '%s' must be letters, digits and _", s->name);
    for (size_t k = 0; k + 1 < out->n_identities; k++)
        if (strcmp(out->identities[k].name, s->name) == 0)
            return pf_json_fail(e, NULL, "identity '%s' is declared twice", s->name);
    if (s->role == NULL)
        s->role = pf_strdup("authenticated");
    if (strcmp(s->role, "authenticated") != 0 && strcmp(s->role, "anon") != 0 &&
        strcmp(s->role, "service_role") != 0)
        return pf_json_fail(e, NULL, "role '%s' is not one of authenticated, anon, service_role",
                            s->role);
    bool needs_sql = strcmp(s->role, "authenticated") == 0;
    if (needs_sql && s->sql == NULL)
        return pf_json_fail(e, NULL,
                            "an authenticated identity needs \"sql\": a query returning its auth "
                            "user id");
    if (!needs_sql && s->sql != NULL)
        return pf_json_fail(e, NULL, "role %s has no user: drop \"sql\"", s->role);
    if (s->about == NULL)
        s->about = pf_strdup("");
    return 0;
}

static int read_identities(const pf_json_val *arr, pf_rls_rules *out)
{
    if (!pf_json_is(arr, PF_JSON_ARRAY))
        return pf_json_fail(arr, NULL, "must be an array of objects");
    out->identities = pf_calloc(pf_json_count(arr) + 1, sizeof *out->identities);
    pf_json_val e;
    for (bool more = pf_json_first(arr, &e); more; more = pf_json_next(&e))
        if (read_identity(&e, out) < 0)
            return -1;
    return 0;
}

static int read_table(const pf_json_val *e, pf_rls_rules *out)
{
    static const char *const keys[] = {"read", "update", "insert", "delete", "key", "force", NULL};
    if (!valid_name(e->key))
        return pf_json_fail(e, NULL, "'%s' is not a table name ([schema.]table)", e->key);
    if (!pf_json_is(e, PF_JSON_OBJECT))
        return pf_json_fail(e, NULL, "must be an object with at least \"read\"");
    if (pf_json_check_keys(e, keys) < 0)
        return -1;
    pf_rls_table_rule *t = &out->tables[out->n_tables++];
    t->table = qualify(e->key);
    t->line = pf_json_line(e);
    t->force = -1;
    for (size_t k = 0; k + 1 < out->n_tables; k++)
        if (strcmp(out->tables[k].table, t->table) == 0)
            return pf_json_fail(e, NULL, "table %s is declared twice", t->table);
    if (opt_str(e, "read", &t->read) < 0 || opt_str(e, "update", &t->update) < 0 ||
        opt_str(e, "insert", &t->insert) < 0 || opt_str(e, "delete", &t->del) < 0 ||
        opt_str(e, "key", &t->key) < 0)
        return -1;
    if (t->read == NULL)
        return pf_json_fail(e, NULL,
                            "needs \"read\": the SQL condition (over the table's columns, :uid = "
                            "the user) for the rows a user may read");
    bool force = false;
    int rc = pf_json_get_bool(e, "force", PF_JSON_OPTIONAL, &force);
    if (rc < 0)
        return -1;
    if (rc == 0)
        t->force = force ? 1 : 0;
    return 0;
}

static int read_tables(const pf_json_val *obj, pf_rls_rules *out)
{
    if (!pf_json_is(obj, PF_JSON_OBJECT))
        return pf_json_fail(obj, NULL, "must be an object: table name → rule");
    out->tables = pf_calloc(pf_json_count(obj) + 1, sizeof *out->tables);
    pf_json_val e;
    for (bool more = pf_json_first(obj, &e); more; more = pf_json_next(&e))
        if (read_table(&e, out) < 0)
            return -1;
    return 0;
}

static int read_severities(const pf_json_val *obj, pf_rls_rules *out)
{
    if (!pf_json_is(obj, PF_JSON_OBJECT))
        return pf_json_fail(obj, NULL,
                            "must be an object: rule id → \"error\" | \"warning\" | \"off\"");
    pf_json_val e;
    for (bool more = pf_json_first(obj, &e); more; more = pf_json_next(&e)) {
        int idx = pf_rls_rule_index(e.key);
        const char *v = pf_json_string(&e);
        if (idx < 0)
            return pf_json_fail(&e, NULL, "unknown rule id (see docs/rls.md for the list)");
        if (v == NULL || pf_rls_severity_parse(v, &out->severity[idx]) < 0)
            return pf_json_fail(&e, NULL, "must be \"error\", \"warning\" or \"off\"");
    }
    return 0;
}

/* "definitions": SQL read relative to the rules file at path. */
static int read_definitions(const char *path, const pf_json_val *root, pf_rls_rules *out)
{
    char *defs = NULL;
    if (opt_str(root, "definitions", &defs) < 0)
        return -1;
    if (defs == NULL)
        return 0;
    if (defs[0] == '/') {
        out->definitions_path = defs;
    } else {
        const char *slash = strrchr(path, '/');
        out->definitions_path =
            slash ? pf_asprintf("%.*s/%s", (int)(slash - path), path, defs) : pf_strdup(defs);
        free(defs);
    }
    pf_error e;
    if (pf_file_read(out->definitions_path, &out->definitions_sql, NULL, &e) < 0)
        return pf_json_fail(root, "definitions", "cannot read %s: %s", out->definitions_path,
                            e.msg);
    return 0;
}

static int read_exposed_schemas(const pf_json_val *root, pf_rls_rules *out)
{
    pf_json_val xs, e;
    if (pf_json_member(root, "exposed_schemas", &xs) != 0) {
        out->exposed_schemas = pf_calloc(2, sizeof *out->exposed_schemas);
        out->exposed_schemas[0] = pf_strdup("public");
        return 0;
    }
    if (!pf_json_is(&xs, PF_JSON_ARRAY))
        return pf_json_fail(&xs, NULL, "must be an array of schema names");
    out->exposed_schemas = pf_calloc(pf_json_count(&xs) + 1, sizeof *out->exposed_schemas);
    for (bool more = pf_json_first(&xs, &e); more; more = pf_json_next(&e)) {
        const char *name = pf_json_string(&e);
        if (name == NULL || !valid_name(name))
            return pf_json_fail(&e, NULL, "must be a schema name");
        out->exposed_schemas[e.index] = pf_strdup(name);
    }
    return 0;
}

static int read_doc(const char *path, const pf_json_val *root, pf_rls_rules *out)
{
    static const char *const keys[] = {"format",         "description", "definitions",
                                       "exposed_schemas", "force_rls",   "threshold_ms",
                                       "severities",      "identities",  "tables",
                                       NULL};
    if (!pf_json_is(root, PF_JSON_OBJECT))
        return pf_json_fail(root, NULL, "the rules file must be a JSON object");
    if (pf_json_check_keys(root, keys) < 0)
        return -1;
    pf_json_val fmt;
    double format = 0;
    if (pf_json_member(root, "format", &fmt) != 0 || !pf_json_number(&fmt, &format) || format != 1)
        return pf_json_fail(root, "format", "must be 1");
    const char *desc = NULL;
    bool force = true;
    out->threshold_ms = 50.0;
    if (pf_json_get_string(root, "description", PF_JSON_OPTIONAL, &desc) < 0 ||
        read_definitions(path, root, out) < 0 || read_exposed_schemas(root, out) < 0 ||
        pf_json_get_bool(root, "force_rls", PF_JSON_OPTIONAL, &force) < 0 ||
        pf_json_get_number(root, "threshold_ms", PF_JSON_OPTIONAL, &out->threshold_ms) < 0)
        return -1;
    out->force_default = force;
    if (!(out->threshold_ms > 0))
        return pf_json_fail(root, "threshold_ms", "must be a number > 0 (milliseconds)");

    pf_json_val v;
    if (pf_json_member(root, "severities", &v) == 0 && read_severities(&v, out) < 0)
        return -1;
    if (pf_json_member(root, "identities", &v) != 0)
        return pf_json_fail(root, "identities",
                            "missing: the identities to sample (see docs/rls.md)");
    if (read_identities(&v, out) < 0)
        return -1;
    if (pf_json_member(root, "tables", &v) != 0)
        return pf_json_fail(root, "tables", "missing: an entitlement rule per table");
    return read_tables(&v, out);
}

int pf_rls_rules_parse(const char *path, const char *text, pf_rls_rules *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    out->path = pf_strdup(path);
    for (int i = 0; i < PF_RLS_N_RULE_IDS; i++)
        out->severity[i] = k_rules[i].default_severity;
    pf_json *doc = NULL;
    int rc = pf_json_parse(path, text, &doc, err);
    if (rc == 0) {
        pf_json_val root;
        pf_json_root(doc, &root);
        rc = read_doc(path, &root, out);
    }
    pf_json_free(doc);
    if (rc < 0)
        pf_rls_rules_dispose(out);
    return rc;
}

int pf_rls_rules_load(const char *path, pf_rls_rules *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    if (pf_file_read(path, &text, NULL, err) < 0)
        return -1;
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
