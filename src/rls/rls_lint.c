/* The static RLS checks of perfgate rls: table settings (RLS disabled or not
 * forced, tables without an entitlement rule, security-definer views) and
 * the policy linter over pg_policy / pg_proc, in the spirit of Supabase's
 * database linter. The SQL-text heuristics at the top are pure functions
 * (unit-tested); the rest reads the catalog. */
#include "rls_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fsutil.h"

/* --------------------------------------------------- text heuristics */

static bool ident_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* Skip a '...' literal (with '' and, for E'', backslash escapes) or a
 * "..." identifier starting at p; returns the position after it. */
static const char *skip_quoted(const char *start, const char *p)
{
    char q = *p;
    bool backslash = q == '\'' && p > start && (p[-1] == 'E' || p[-1] == 'e');
    p++;
    while (*p) {
        if (backslash && *p == '\\' && p[1]) {
            p += 2;
            continue;
        }
        if (*p == q) {
            if (p[1] == q) {
                p += 2;
                continue;
            }
            return p + 1;
        }
        p++;
    }
    return p;
}

static bool keyword_at(const char *p, const char *kw)
{
    size_t n = strlen(kw);
    return strncasecmp(p, kw, n) == 0 && !ident_char(p[n]);
}

static const char *skip_space(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    return p;
}

typedef struct frame {
    bool select;   /* the parenthesis opens a sub-select */
    bool has_from; /* FROM at this frame's own level */
    int parent;
} frame;

/* The per-statement functions the check looks for, longest first. */
static const char *const k_calls[] = {
    "pg_catalog.current_setting", "current_setting", "auth.email", "auth.role",
    "auth.uid",                   "auth.jwt",        NULL,
};
static const char *const k_call_names[] = {
    "current_setting()", "current_setting()", "auth.email()", "auth.role()",
    "auth.uid()",        "auth.jwt()",        NULL,
};

int pf_rls_lint_unwrapped_calls(const char *expr, const char **first)
{
    if (first)
        *first = NULL;
    if (expr == NULL)
        return 0;
    size_t cap = 16, nf = 0, ncalls = 0, ccap = 8;
    frame *frames = pf_calloc(cap, sizeof *frames);
    int *call_frame = pf_calloc(ccap, sizeof *call_frame);
    int *call_kind = pf_calloc(ccap, sizeof *call_kind);
    int cur = -1;
    const char *p = expr;
    while (*p) {
        if (*p == '\'' || *p == '"') {
            p = skip_quoted(expr, p);
            continue;
        }
        if (*p == '(') {
            if (nf == cap) {
                cap *= 2;
                frames = pf_realloc(frames, cap * sizeof *frames);
            }
            frames[nf].select = keyword_at(skip_space(p + 1), "select");
            frames[nf].has_from = false;
            frames[nf].parent = cur;
            cur = (int)nf++;
            p++;
            continue;
        }
        if (*p == ')') {
            if (cur >= 0)
                cur = frames[cur].parent;
            p++;
            continue;
        }
        if (ident_start(*p) && (p == expr || (!ident_char(p[-1]) && p[-1] != '.'))) {
            if (cur >= 0 && keyword_at(p, "from")) {
                /* FROM belongs to the innermost enclosing sub-select's level
                 * only when no plain parenthesis is in between. */
                if (frames[cur].select)
                    frames[cur].has_from = true;
            }
            int kind = -1;
            for (int k = 0; k_calls[k] && kind < 0; k++) {
                size_t n = strlen(k_calls[k]);
                if (strncasecmp(p, k_calls[k], n) == 0 && !ident_char(p[n]) && p[n] != '.' &&
                    *skip_space(p + n) == '(')
                    kind = k;
            }
            if (kind >= 0) {
                if (ncalls == ccap) {
                    ccap *= 2;
                    call_frame = pf_realloc(call_frame, ccap * sizeof *call_frame);
                    call_kind = pf_realloc(call_kind, ccap * sizeof *call_kind);
                }
                call_frame[ncalls] = cur;
                call_kind[ncalls++] = kind;
            }
            while (ident_char(*p) || *p == '.')
                p++;
            continue;
        }
        p++;
    }
    /* A call is evaluated once per statement when the nearest enclosing
     * sub-select has no FROM: (select auth.uid()) is an InitPlan. Inside a
     * sub-select with FROM it runs per row of that sub-query (and per outer
     * row when correlated); outside any sub-select, per row. */
    int unwrapped = 0;
    for (size_t i = 0; i < ncalls; i++) {
        int f = call_frame[i];
        while (f >= 0 && !frames[f].select)
            f = frames[f].parent;
        bool wrapped = f >= 0 && !frames[f].has_from;
        if (!wrapped) {
            if (unwrapped == 0 && first)
                *first = k_call_names[call_kind[i]];
            unwrapped++;
        }
    }
    free(frames);
    free(call_frame);
    free(call_kind);
    return unwrapped;
}

char **pf_rls_lint_columns(const char *expr, const char *relname, char *const *columns)
{
    size_t ncol = 0;
    while (columns && columns[ncol])
        ncol++;
    bool *hit = pf_calloc(ncol + 1, sizeof *hit);
    const char *p = expr ? expr : "";
    bool after_as = false;
    while (*p) {
        if (*p == '\'') {
            p = skip_quoted(expr, p);
            continue;
        }
        bool quoted = *p == '"';
        if (!quoted && !ident_start(*p)) {
            if (!isspace((unsigned char)*p))
                after_as = false;
            p++;
            continue;
        }
        if (!quoted && p > expr && ident_char(p[-1])) {
            p++;
            continue;
        }
        /* One identifier: [a-z_][a-z0-9_$]* or "..." */
        const char *start = p;
        char name[256];
        size_t len = 0;
        if (quoted) {
            const char *end = skip_quoted(expr, p);
            for (const char *c = p + 1; c < end - 1 && len + 1 < sizeof name; c++) {
                if (*c == '"' && c[1] == '"')
                    c++;
                name[len++] = *c;
            }
            p = end;
        } else {
            while (ident_char(*p)) {
                if (len + 1 < sizeof name)
                    name[len++] = *p;
                p++;
            }
        }
        name[len] = '\0';
        if (!quoted && strcasecmp(name, "as") == 0) {
            after_as = true;
            continue;
        }
        bool was_alias = after_as;
        after_as = false;
        const char *next = skip_space(p);
        if (was_alias || *next == '(' || *next == '.')
            continue; /* an alias, a function, or a qualifier */
        /* What precedes: "x." (qualified) or "::" (a type). */
        const char *b = start;
        while (b > expr && isspace((unsigned char)b[-1]))
            b--;
        if (b > expr && b[-1] == ':')
            continue;
        if (b > expr && b[-1] == '.') {
            const char *qe = b - 1, *qs = qe;
            while (qs > expr && (ident_char(qs[-1]) || qs[-1] == '"'))
                qs--;
            size_t ql = (size_t)(qe - qs);
            bool self = relname && ql == strlen(relname) && strncmp(qs, relname, ql) == 0;
            if (!self)
                continue;
        }
        for (size_t i = 0; i < ncol; i++)
            if (strcmp(columns[i], name) == 0)
                hit[i] = true;
    }
    size_t n = 0;
    for (size_t i = 0; i < ncol; i++)
        n += hit[i];
    char **out = pf_calloc(n + 1, sizeof *out);
    n = 0;
    for (size_t i = 0; i < ncol; i++)
        if (hit[i])
            out[n++] = pf_strdup(columns[i]);
    free(hit);
    return out;
}

/* ------------------------------------------------------ catalog checks */

/* Add a finding of rule idx (severity decides fail vs. warn). */
static pf_rls_outcome *finding(pf_rls_result *out, const pf_rls_rules *rules, int idx,
                             const char *object, const char *table, const char *message)
{
    const pf_rls_rule_info *info = &pf_rls_rule_ids(NULL)[idx];
    char *name = pf_asprintf("%s: %s", info->id, object);
    pf_rls_status st = rules->severity[idx] == PF_RLS_SEV_ERROR ? PF_RLS_FAIL : PF_RLS_WARN;
    char *msg = pf_asprintf("%s: %s", info->id, message);
    pf_rls_outcome *c = pf_rls_result_add(out, info->family, info->id, name, st, msg);
    free(name);
    free(msg);
    c->hint = pf_strdup(info->hint);
    c->table = table ? pf_strdup(table) : NULL;
    c->details = pf_asprintf("%s\n(severity %s; fix: %s)\n", info->title,
                             pf_rls_severity_name(rules->severity[idx]), info->hint);
    return c;
}

/* A passing testcase for a rule without findings, so every rule shows. */
static void rule_passed(pf_rls_result *out, int idx, size_t before)
{
    const pf_rls_rule_info *info = &pf_rls_rule_ids(NULL)[idx];
    for (size_t i = before; i < out->n_checks; i++)
        if (strcmp(out->checks[i].id, info->id) == 0)
            return;
    char *msg = pf_asprintf("%s: no findings", info->id);
    pf_rls_outcome *c = pf_rls_result_add(out, info->family, info->id, info->id, PF_RLS_PASS, msg);
    c->details = pf_asprintf("%s: none found.\n", info->title);
    free(msg);
}

static bool on(const pf_rls_rules *rules, const char *id)
{
    return rules->severity[pf_rls_rule_index(id)] != PF_RLS_SEV_OFF;
}

static bool exposed(const pf_rls_rules *rules, const char *qualified)
{
    size_t dot = strcspn(qualified, ".");
    for (size_t i = 0; rules->exposed_schemas && rules->exposed_schemas[i]; i++)
        if (strlen(rules->exposed_schemas[i]) == dot &&
            strncmp(rules->exposed_schemas[i], qualified, dot) == 0)
            return true;
    return false;
}

/* Run a catalog query; on error the message is prefixed with what. */
static int query(pf_db *db, const char *what, const char *sql, pf_result **res, pf_error *err)
{
    if (pf_db_query(db, sql, 0, NULL, res, err) < 0) {
        pf_error_prefix(err, "reading the catalog (%s)", what);
        if (err)
            err->code = pf_db_broken(db) ? PF_EXIT_INFRA : PF_EXIT_FAIL;
        return -1;
    }
    return 0;
}

/* Tables in exposed schemas the API roles can read, with RLS off. */
static const char k_open_tables[] =
    "SELECT n.nspname || '.' || c.relname, c.relispartition "
    "  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    " WHERE c.relkind IN ('r', 'p') AND NOT c.relrowsecurity "
    "   AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "   AND n.nspname NOT LIKE 'pg\\_%' "
    "   AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles ro WHERE ro.rolname IN ('anon', "
    "'authenticated') AND pg_catalog.has_table_privilege(ro.oid, c.oid, 'SELECT')) "
    " ORDER BY 1";

/* Views over RLS tables that run with their owner's rights. */
static const char k_definer_views[] =
    "SELECT DISTINCT vn.nspname || '.' || v.relname, tn.nspname || '.' || t.relname "
    "  FROM pg_catalog.pg_class v "
    "  JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace "
    "  JOIN pg_catalog.pg_rewrite rw ON rw.ev_class = v.oid "
    "  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass "
    "       AND d.objid = rw.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass "
    "  JOIN pg_catalog.pg_class t ON t.oid = d.refobjid AND t.oid <> v.oid AND t.relrowsecurity "
    "  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace "
    " WHERE v.relkind IN ('v', 'm') "
    "   AND NOT coalesce(v.reloptions @> ARRAY['security_invoker=true'] "
    "                 OR v.reloptions @> ARRAY['security_invoker=on'], false) "
    "   AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles ro WHERE ro.rolname IN ('anon', "
    "'authenticated') AND pg_catalog.has_table_privilege(ro.oid, v.oid, 'SELECT')) "
    " ORDER BY 1, 2";

/* The settings of the tables under check: RLS off on a table the rules
 * cover, RLS not forced, an RLS table without a rule. */
static void table_settings(const pf_rls_rules *rules, pf_rls_result *out)
{
    for (size_t i = 0; i < out->n_tables; i++) {
        const pf_rls_table *t = &out->tables[i];
        const pf_rls_table_rule *rule = pf_rls_rules_find(rules, t->name);
        if (!t->rls && rule != NULL && on(rules, "rls_disabled")) {
            char *m = pf_asprintf("%s: row level security is disabled, but %s (line %d) declares "
                                  "who may read it: every role with table privileges reads every "
                                  "row",
                                  t->name, rules->path, rule->line);
            finding(out, rules, pf_rls_rule_index("rls_disabled"), t->name, t->name, m);
            free(m);
        }
        int force = rule && rule->force >= 0 ? rule->force : rules->force_default;
        if (t->rls && !t->forced && force && on(rules, "rls_not_forced")) {
            char *m = pf_asprintf("%s: row level security is enabled but not forced: the table "
                                  "owner (and SECURITY DEFINER functions it owns) bypass the "
                                  "policies",
                                  t->name);
            finding(out, rules, pf_rls_rule_index("rls_not_forced"), t->name, t->name, m);
            free(m);
        }
        bool parent_ruled = t->parent && pf_rls_rules_find(rules, t->parent) != NULL;
        if (t->rls && rule == NULL && !parent_ruled && on(rules, "rls_table_without_rule")) {
            char *m = pf_asprintf("%s: RLS table without entitlement rule (%d polic%s): add it to "
                                  "%s so its isolation is checked",
                                  t->name, t->n_policies, t->n_policies == 1 ? "y" : "ies",
                                  rules->path);
            finding(out, rules, pf_rls_rule_index("rls_table_without_rule"), t->name, t->name, m);
            free(m);
        }
    }
}

/* rls_disabled for the rows of k_open_tables the rules do not cover. */
static void open_tables(const pf_result *r, const pf_rls_rules *rules, pf_rls_result *out)
{
    for (int i = 0; i < pf_result_nrows(r) && on(rules, "rls_disabled"); i++) {
        const char *name = pf_result_get(r, i, 0);
        if (pf_rls_rules_find(rules, name) != NULL || !exposed(rules, name))
            continue; /* reported by table_settings */
        char *m = pf_asprintf("%s: row level security is disabled and anon/authenticated may "
                              "SELECT from it: every signed-in (or anonymous) user reads every "
                              "row",
                              name);
        finding(out, rules, pf_rls_rule_index("rls_disabled"), name, name, m);
        free(m);
    }
}

/* rule_without_table: rules for tables that do not exist. */
static void stale_rules(const pf_rls_rules *rules, pf_rls_result *out)
{
    for (size_t k = 0; k < rules->n_tables && on(rules, "rule_without_table"); k++) {
        bool found = false;
        for (size_t i = 0; i < out->n_tables && !found; i++)
            found = strcmp(out->tables[i].name, rules->tables[k].table) == 0;
        if (!found) {
            char *m = pf_asprintf("%s:%d: table %s does not exist", rules->path,
                                  rules->tables[k].line, rules->tables[k].table);
            finding(out, rules, pf_rls_rule_index("rule_without_table"), rules->tables[k].table,
                    rules->tables[k].table, m);
            free(m);
        }
    }
}

static int definer_views(pf_db *db, const pf_rls_rules *rules, pf_rls_result *out,
                         pf_error *err)
{
    pf_result *r = NULL;
    if (query(db, "views", k_definer_views, &r, err) < 0)
        return -1;
    for (int i = 0; i < pf_result_nrows(r); i++) {
        const char *v = pf_result_get(r, i, 0);
        if (!exposed(rules, v))
            continue;
        char *m = pf_asprintf("%s: the view reads %s with its owner's rights (no "
                              "security_invoker), so the caller's RLS does not apply",
                              v, pf_result_get(r, i, 1));
        finding(out, rules, pf_rls_rule_index("security_definer_view"), v, v, m);
        free(m);
    }
    pf_result_free(r);
    return 0;
}

/* The table checks, then a passing testcase for each of their rules that
 * found nothing. */
static int table_checks(pf_db *db, const pf_rls_rules *rules, pf_rls_result *out, pf_error *err)
{
    size_t before = out->n_checks;
    pf_result *r = NULL;
    if (query(db, "tables without RLS", k_open_tables, &r, err) < 0)
        return -1;
    table_settings(rules, out);
    open_tables(r, rules, out);
    pf_result_free(r);
    stale_rules(rules, out);
    if (on(rules, "security_definer_view") && definer_views(db, rules, out, err) < 0)
        return -1;
    static const char *const ids[] = {"rls_disabled", "rls_not_forced", "rls_table_without_rule",
                                      "rule_without_table", "security_definer_view", NULL};
    for (size_t i = 0; ids[i]; i++)
        if (on(rules, ids[i]))
            rule_passed(out, pf_rls_rule_index(ids[i]), before);
    return 0;
}

static const char k_policies[] =
    "SELECT n.nspname || '.' || c.relname AS tbl, p.polname, p.polpermissive, p.polcmd, "
    "       p.polroles = '{0}'::oid[] AS to_public, "
    "       array_to_string(ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE "
    "pg_catalog.pg_get_userbyid(r) END FROM unnest(p.polroles) r ORDER BY 1), ','), "
    "       pg_catalog.pg_get_expr(p.polqual, p.polrelid), "
    "       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), c.relname, c.oid "
    "  FROM pg_catalog.pg_policy p "
    "  JOIN pg_catalog.pg_class c ON c.oid = p.polrelid "
    "  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    " ORDER BY 1, 2";

/* The columns of k_policies. */
enum {
    P_TABLE,      /* schema.table */
    P_NAME,       /* the policy's name */
    P_PERMISSIVE, /* "t" or "f" */
    P_CMD,        /* r a w d, or * for ALL */
    P_PUBLIC,     /* "t": no TO role */
    P_ROLES,      /* role names, comma-separated */
    P_USING,      /* the USING expression, or NULL */
    P_CHECK,      /* the WITH CHECK expression, or NULL */
    P_RELNAME,    /* the table without its schema */
    P_OID,        /* the table's oid */
};

static const char *cmd_name(char c)
{
    switch (c) {
    case 'r':
        return "SELECT";
    case 'a':
        return "INSERT";
    case 'w':
        return "UPDATE";
    case 'd':
        return "DELETE";
    default:
        return "ALL";
    }
}

/* policy_no_role and rls_auth_per_row: each policy on its own. */
static void lint_each_policy(const pf_result *r, const pf_rls_rules *rules, pf_rls_result *out)
{
    for (int i = 0; i < pf_result_nrows(r); i++) {
        const char *tbl = pf_result_get(r, i, P_TABLE), *pol = pf_result_get(r, i, P_NAME);
        char *object = pf_asprintf("%s.%s", tbl, pol);
        if (strcmp(pf_result_get(r, i, P_PUBLIC), "t") == 0 && on(rules, "policy_no_role")) {
            char *m = pf_asprintf("policy %s on %s (%s) has no TO role: it applies to PUBLIC, "
                                  "anon included",
                                  pol, tbl, cmd_name(pf_result_get(r, i, P_CMD)[0]));
            finding(out, rules, pf_rls_rule_index("policy_no_role"), object, tbl, m);
            free(m);
        }
        if (on(rules, "rls_auth_per_row")) {
            const char *which[2] = {pf_result_get(r, i, P_USING), pf_result_get(r, i, P_CHECK)};
            const char *label[2] = {"USING", "WITH CHECK"};
            for (int k = 0; k < 2; k++) {
                const char *call = NULL;
                int cnt = pf_rls_lint_unwrapped_calls(which[k], &call);
                if (cnt == 0)
                    continue;
                char *m = pf_asprintf("policy %s on %s calls %s in its %s clause per row (%d "
                                      "call%s not wrapped in (select ...))",
                                      pol, tbl, call, label[k], cnt, cnt == 1 ? "" : "s");
                pf_rls_outcome *c =
                    finding(out, rules, pf_rls_rule_index("rls_auth_per_row"), object, tbl, m);
                free(m);
                char *d = pf_asprintf("%s%s: %s\n", c->details, label[k], which[k]);
                free(c->details);
                c->details = d;
                break;
            }
        }
        free(object);
    }
}

/* How many permissive policies among rows [first, end) of k_policies apply
 * to role for command cmd ('r', 'a', 'w' or 'd'; ALL counts for each);
 * their names go to *names. */
static int permissive_for(const pf_result *r, int first, int end, char cmd, const char *role,
                          pf_buf *names)
{
    char *needle = pf_asprintf(",%s,", role);
    int count = 0;
    for (int b = first; b < end; b++) {
        char c = pf_result_get(r, b, P_CMD)[0];
        if (strcmp(pf_result_get(r, b, P_PERMISSIVE), "t") != 0 || (c != '*' && c != cmd))
            continue;
        char *roles = pf_asprintf(",%s,", pf_result_get(r, b, P_ROLES));
        if (strstr(roles, needle) != NULL) {
            pf_buf_printf(names, "%s%s", count ? ", " : "", pf_result_get(r, b, P_NAME));
            count++;
        }
        free(roles);
    }
    free(needle);
    return count;
}

/* multiple_permissive_policies for one table, rows [first, end): per
 * command, every role named by one of its policies, in order, once. */
static void permissive_table(const pf_result *r, int first, int end, const pf_rls_rules *rules,
                             pf_rls_result *out)
{
    static const char cmds[] = {'r', 'a', 'w', 'd'};
    const char *tbl = pf_result_get(r, first, P_TABLE);
    for (int k = 0; k < 4; k++) {
        pf_buf seen = PF_BUF_INIT;
        for (int a = first; a < end; a++) {
            char *roles = pf_strdup(pf_result_get(r, a, P_ROLES));
            char *save = NULL;
            for (char *role = strtok_r(roles, ",", &save); role;
                 role = strtok_r(NULL, ",", &save)) {
                char *key = pf_asprintf("|%s|", role);
                bool again = strstr(pf_buf_str(&seen), key) != NULL;
                if (!again)
                    pf_buf_puts(&seen, key);
                free(key);
                if (again)
                    continue;
                pf_buf names = PF_BUF_INIT;
                int count = permissive_for(r, first, end, cmds[k], role, &names);
                if (count > 1) {
                    char *object = pf_asprintf("%s %s %s", tbl, role, cmd_name(cmds[k]));
                    char *m = pf_asprintf("%s has %d permissive %s policies for role %s: %s", tbl,
                                          count, cmd_name(cmds[k]), role, pf_buf_str(&names));
                    finding(out, rules, pf_rls_rule_index("multiple_permissive_policies"),
                            object, tbl, m);
                    free(object);
                    free(m);
                }
                pf_buf_dispose(&names);
            }
            free(roles);
        }
        pf_buf_dispose(&seen);
    }
}

/* Several permissive policies for one (table, role, command): each is
 * evaluated for every row. k_policies is ordered by table. */
static void lint_permissive(const pf_result *r, const pf_rls_rules *rules, pf_rls_result *out)
{
    int n = pf_result_nrows(r);
    for (int first = 0, end; first < n; first = end) {
        const char *tbl = pf_result_get(r, first, P_TABLE);
        end = first + 1;
        while (end < n && strcmp(pf_result_get(r, end, P_TABLE), tbl) == 0)
            end++;
        permissive_table(r, first, end, rules, out);
    }
}

/* policy_column_unindexed for row i of k_policies: the columns its USING
 * clause filters on that no index starts with, one finding per column
 * (naming the first policy). */
static int unindexed_columns(pf_db *db, const pf_result *r, int i, const pf_rls_rules *rules,
                             pf_rls_result *out, pf_error *err)
{
    const char *tbl = pf_result_get(r, i, P_TABLE);
    const char *params[1] = {pf_result_get(r, i, P_OID)};
    pf_result *cols = NULL;
    if (pf_db_query(db,
                    "SELECT a.attname, EXISTS (SELECT 1 FROM pg_catalog.pg_index x "
                    "WHERE x.indrelid = a.attrelid AND x.indkey[0] = a.attnum) "
                    "FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1::oid "
                    "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                    1, params, &cols, err) < 0)
        return pf_error_prefix(err, "reading the catalog (columns of %s)", tbl);
    int nc = pf_result_nrows(cols);
    char **names = pf_calloc((size_t)nc + 1, sizeof *names);
    for (int c = 0; c < nc; c++)
        names[c] = pf_strdup(pf_result_get(cols, c, 0));
    char **used = pf_rls_lint_columns(pf_result_get(r, i, P_USING),
                                      pf_result_get(r, i, P_RELNAME), names);
    for (size_t u = 0; used[u]; u++) {
        int c = 0;
        while (c < nc && strcmp(names[c], used[u]) != 0)
            c++;
        if (c == nc || strcmp(pf_result_get(cols, c, 1), "t") == 0)
            continue;
        char *object = pf_asprintf("%s.%s", tbl, used[u]);
        bool dup = false;
        for (size_t k = 0; k < out->n_checks && !dup; k++)
            dup = strcmp(out->checks[k].id, "policy_column_unindexed") == 0 &&
                  strstr(out->checks[k].name, object) != NULL;
        if (!dup) {
            char *m = pf_asprintf("column %s of %s is filtered on by policy %s but no index "
                                  "starts with it: the policy cannot use an index",
                                  used[u], tbl, pf_result_get(r, i, P_NAME));
            finding(out, rules, pf_rls_rule_index("policy_column_unindexed"), object, tbl, m);
            free(m);
        }
        free(object);
    }
    pf_strv_free(used);
    pf_strv_free(names);
    pf_result_free(cols);
    return 0;
}

/* Policy columns without a leading index (USING clauses only: WITH CHECK
 * tests the new row, it does not filter a scan). */
static int lint_unindexed(pf_db *db, const pf_result *r, const pf_rls_rules *rules,
                          pf_rls_result *out, pf_error *err)
{
    for (int i = 0; i < pf_result_nrows(r); i++)
        if (pf_result_get(r, i, P_USING) != NULL &&
            unindexed_columns(db, r, i, rules, out, err) < 0)
            return -1;
    return 0;
}

/* Policies that call a VOLATILE function. */
static int lint_volatile(pf_db *db, const pf_rls_rules *rules, pf_rls_result *out,
                         pf_error *err)
{
    static const char k_volatile[] =
        "SELECT DISTINCT n.nspname || '.' || c.relname, pol.polname, "
        "       pn.nspname || '.' || pr.proname || '(' || "
        "pg_catalog.pg_get_function_identity_arguments(pr.oid) || ')', l.lanname "
        "  FROM pg_catalog.pg_policy pol "
        "  JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid "
        "  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_policy'::regclass "
        "       AND d.objid = pol.oid AND d.refclassid = 'pg_catalog.pg_proc'::regclass "
        "  JOIN pg_catalog.pg_proc pr ON pr.oid = d.refobjid "
        "  JOIN pg_catalog.pg_namespace pn ON pn.oid = pr.pronamespace "
        "  JOIN pg_catalog.pg_language l ON l.oid = pr.prolang "
        " WHERE pr.provolatile = 'v' ORDER BY 1, 2, 3";
    pf_result *r = NULL;
    if (query(db, "policy functions", k_volatile, &r, err) < 0)
        return -1;
    for (int i = 0; i < pf_result_nrows(r); i++) {
        const char *tbl = pf_result_get(r, i, 0);
        char *object =
            pf_asprintf("%s.%s → %s", tbl, pf_result_get(r, i, 1), pf_result_get(r, i, 2));
        char *m = pf_asprintf("policy %s on %s calls %s, declared VOLATILE (LANGUAGE %s): it "
                              "runs once per row and is never folded or cached",
                              pf_result_get(r, i, 1), tbl, pf_result_get(r, i, 2),
                              pf_result_get(r, i, 3));
        finding(out, rules, pf_rls_rule_index("policy_function_volatile"), object, tbl, m);
        free(object);
        free(m);
    }
    pf_result_free(r);
    return 0;
}

/* SECURITY DEFINER functions without a fixed search_path (those of
 * extensions excepted). */
static int lint_secdef(pf_db *db, const pf_rls_rules *rules, pf_rls_result *out, pf_error *err)
{
    static const char k_secdef[] =
        "SELECT n.nspname || '.' || p.proname || '(' || "
        "pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' "
        "  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
        " WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "   AND n.nspname NOT LIKE 'pg\\_%' "
        "   AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}'::text[])) s "
        "                    WHERE s LIKE 'search\\_path=%') "
        "   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = "
        "'pg_catalog.pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e') "
        " ORDER BY 1";
    pf_result *r = NULL;
    if (query(db, "SECURITY DEFINER functions", k_secdef, &r, err) < 0)
        return -1;
    for (int i = 0; i < pf_result_nrows(r); i++) {
        const char *f = pf_result_get(r, i, 0);
        char *m = pf_asprintf("%s is SECURITY DEFINER without SET search_path: a caller can "
                              "shadow the objects it uses and run code with its owner's rights",
                              f);
        finding(out, rules, pf_rls_rule_index("secdef_no_search_path"), f, NULL, m);
        free(m);
    }
    pf_result_free(r);
    return 0;
}

/* The policy linter: one pass per rule that is on, in the order of the
 * findings. */
static int lint_policies(pf_db *db, const pf_rls_rules *rules, pf_rls_result *out, pf_error *err)
{
    pf_result *r = NULL;
    if (query(db, "policies", k_policies, &r, err) < 0)
        return -1;
    lint_each_policy(r, rules, out);
    if (on(rules, "multiple_permissive_policies"))
        lint_permissive(r, rules, out);
    int rc = on(rules, "policy_column_unindexed") ? lint_unindexed(db, r, rules, out, err) : 0;
    pf_result_free(r);
    if (rc == 0 && on(rules, "policy_function_volatile"))
        rc = lint_volatile(db, rules, out, err);
    if (rc == 0 && on(rules, "secdef_no_search_path"))
        rc = lint_secdef(db, rules, out, err);
    return rc;
}

int pf_rls_lint(pf_db *db, const pf_rls_rules *rules, pf_rls_result *out, pf_error *err)
{
    if (table_checks(db, rules, out, err) < 0)
        return -1;
    size_t before = out->n_checks;
    if (lint_policies(db, rules, out, err) < 0)
        return -1;
    size_t n = 0;
    const pf_rls_rule_info *ids = pf_rls_rule_ids(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i].family, "lint") == 0 && rules->severity[i] != PF_RLS_SEV_OFF)
            rule_passed(out, (int)i, before);
    return 0;
}
