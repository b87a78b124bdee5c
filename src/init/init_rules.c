/* perfgate init: the RLS rules skeleton drafted from the policies
 * (init_rules.h): policy expressions translated into rule predicates,
 * combined per command the way PostgreSQL combines policies, identities
 * chosen from where the data says users own rows. */
#include "init_rules.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "json.h"

/* ------------------------------------------------------------ helpers */

static void strv_push(char ***v, size_t *n, char *owned)
{
    *v = pf_realloc(*v, (*n + 2) * sizeof **v);
    (*v)[(*n)++] = owned;
    (*v)[*n] = NULL;
}

static size_t strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

static bool strv_has(char *const *v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

/* s with every occurrence of from replaced by to; frees s. */
static char *replace_all(char *s, const char *from, const char *to)
{
    if (strstr(s, from) == NULL)
        return s;
    pf_buf b = PF_BUF_INIT;
    size_t fl = strlen(from);
    for (const char *p = s; *p;) {
        if (strncmp(p, from, fl) == 0) {
            pf_buf_puts(&b, to);
            p += fl;
        } else {
            pf_buf_putc(&b, *p++);
        }
    }
    free(s);
    return pf_buf_steal(&b);
}

/* A SQL string literal of s. */
static char *sql_lit(const char *s)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_putc(&b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            pf_buf_putc(&b, '\'');
        pf_buf_putc(&b, *p);
    }
    pf_buf_putc(&b, '\'');
    return pf_buf_steal(&b);
}

/* Functions a rule may call as they are: built-ins and Supabase's own
 * storage helpers. */
static bool builtin_call(const char *q)
{
    static const char *const ok[] = {"storage.foldername", "storage.filename",
                                     "storage.extension", NULL};
    if (strncmp(q, "pg_catalog.", 11) == 0 || strncmp(q, "extensions.", 11) == 0)
        return true;
    for (const char *const *o = ok; *o; o++)
        if (strcmp(q, *o) == 0)
            return true;
    return false;
}

/* What in a text stops a rule from being evaluated as the owner, without
 * a request: the user's session, claims or settings. */
static const char *session_dependent(const char *text)
{
    static const char *const bad[] = {"auth.jwt()", "auth.email()", "auth.uid()", "auth.role()",
                                      "current_setting(", "current_user", "session_user",
                                      "current_role", "request.jwt", NULL};
    for (const char *const *b = bad; *b; b++)
        if (strstr(text, *b) != NULL)
            return *b;
    return NULL;
}

/* The pg_temp name of a copied helper. */
static char *temp_name(const pf_init_function *f)
{
    return strcmp(f->schema, "public") == 0 ? pf_asprintf("pg_temp.%s", f->name)
                                            : pf_asprintf("pg_temp.%s_%s", f->schema, f->name);
}

/* Can helper q ("public.f") be copied? Every overload must be LANGUAGE
 * sql, free of the session, and call only built-ins or such helpers.
 * Appends the CREATE statements (once each). */
static bool copy_helper(const pf_init_schema *s, const char *q, char ***helpers, int depth,
                        char **why_not)
{
    const char *dot = strchr(q, '.');
    size_t sl = dot ? (size_t)(dot - q) : 0;
    bool found = false;
    for (size_t i = 0; i < s->n_funcs; i++) {
        const pf_init_function *f = &s->funcs[i];
        if (dot == NULL || strlen(f->schema) != sl || strncmp(f->schema, q, sl) != 0 ||
            strcmp(f->name, dot + 1) != 0)
            continue;
        found = true;
        if (strcmp(f->language, "sql") != 0) {
            *why_not = pf_asprintf("calls %s, LANGUAGE %s: only SQL helpers are copied", f->signature,
                                   f->language);
            return false;
        }
        const char *bad = session_dependent(f->body);
        if (bad != NULL) {
            *why_not = pf_asprintf("calls %s, which reads %s: the rules are evaluated without "
                                   "a request",
                                   f->signature, bad);
            return false;
        }
        if (depth > 3) {
            *why_not = pf_asprintf("calls %s through too many helpers", f->signature);
            return false;
        }
        char *body = pf_strdup(f->body);
        char **calls = pf_init_qualified_calls(f->body);
        for (size_t c = 0; calls[c]; c++) {
            if (builtin_call(calls[c]))
                continue;
            if (strncmp(calls[c], "auth.", 5) == 0) {
                *why_not = pf_asprintf("calls %s, which calls %s()", f->signature, calls[c]);
                pf_strv_free(calls);
                free(body);
                return false;
            }
            if (!copy_helper(s, calls[c], helpers, depth + 1, why_not)) {
                pf_strv_free(calls);
                free(body);
                return false;
            }
            const pf_init_function *g = pf_init_function_find(s, calls[c]);
            char *tn = temp_name(g);
            char *nb = pf_init_sql_rename_call(body, calls[c], tn);
            free(body);
            body = nb;
            free(tn);
        }
        pf_strv_free(calls);
        char *tn = temp_name(f);
        char *stmt = pf_asprintf("-- a copy of %s as it is at init\n"
                                 "CREATE FUNCTION %s(%s)\nRETURNS %s\nLANGUAGE sql STABLE\n"
                                 "AS $perfgate$%s$perfgate$;\n",
                                 f->signature, tn, f->args, f->result, body);
        free(tn);
        free(body);
        if (!strv_has(*helpers, stmt)) {
            size_t n = strv_len(*helpers);
            strv_push(helpers, &n, stmt);
        } else {
            free(stmt);
        }
    }
    if (!found) {
        *why_not = pf_asprintf("calls %s(), which the catalog does not show", q);
        return false;
    }
    return true;
}

char *pf_init_rule_translate(const pf_init_schema *s, const char *expr, char ***helpers,
                             bool *membership, char **why_not)
{
    *why_not = NULL;
    *membership = false;
    char *e = pf_strdup(expr);
    e = replace_all(e, "( SELECT auth.uid() AS uid)", ":uid");
    e = replace_all(e, "auth.uid()", ":uid");
    e = replace_all(e, "( SELECT auth.role() AS role)", "'authenticated'::text");
    e = replace_all(e, "auth.role()", "'authenticated'::text");
    const char *bad = session_dependent(e);
    if (bad != NULL) {
        *why_not = pf_asprintf("reads %s, which the rules cannot know", bad);
        free(e);
        return NULL;
    }
    char **calls = pf_init_qualified_calls(e);
    for (size_t c = 0; calls[c]; c++) {
        if (builtin_call(calls[c]))
            continue;
        if (strncmp(calls[c], "auth.", 5) == 0) {
            *why_not = pf_asprintf("calls %s()", calls[c]);
            break;
        }
        if (!copy_helper(s, calls[c], helpers, 0, why_not))
            break;
        const pf_init_function *f = pf_init_function_find(s, calls[c]);
        char *tn = temp_name(f);
        char *ne = pf_init_sql_rename_call(e, calls[c], tn);
        free(tn);
        free(e);
        e = ne;
        *membership = true;
    }
    pf_strv_free(calls);
    if (*why_not != NULL) {
        free(e);
        return NULL;
    }
    if (strstr(e, "SELECT ") != NULL)
        *membership = true;
    return e;
}

/* ------------------------------------------------------------ combining */

/* Parts joined by op (" OR " / " AND "), each parenthesised when there is
 * more than one, duplicates and neutral parts ("false" for OR, "true" for
 * AND) dropped. An empty list gives the neutral value. */
static char *join(char *const *parts, size_t n, const char *op)
{
    bool or = strcmp(op, " OR ") == 0;
    const char *neutral = or ? "false" : "true", *absorbing = or ? "true" : "false";
    /* flatten: (a AND b) AND c is a, b and c, so repeats can go */
    char **flat = pf_calloc(1, sizeof *flat);
    size_t nf = 0;
    for (size_t i = 0; i < n; i++) {
        char *p = pf_init_sql_strip(parts[i]);
        char **sub = pf_init_sql_split(p, op);
        for (size_t j = 0; sub[j]; j++)
            strv_push(&flat, &nf, pf_init_sql_strip(sub[j]));
        pf_strv_free(sub);
        free(p);
    }
    char **kept = pf_calloc(nf + 1, sizeof *kept);
    size_t k = 0;
    for (size_t i = 0; i < nf; i++) {
        char *p = pf_strdup(flat[i]);
        if (strcmp(p, absorbing) == 0) {
            for (size_t j = 0; j < k; j++)
                free(kept[j]);
            free(kept);
            free(p);
            pf_strv_free(flat);
            return pf_strdup(absorbing);
        }
        if (strcmp(p, neutral) == 0 || strv_has(kept, p)) {
            free(p);
            continue;
        }
        kept[k++] = p;
    }
    char *out;
    if (k == 0) {
        out = pf_strdup(neutral);
    } else if (k == 1) {
        out = pf_strdup(kept[0]);
    } else {
        pf_buf b = PF_BUF_INIT;
        for (size_t i = 0; i < k; i++)
            pf_buf_printf(&b, "%s(%s)", i ? op : "", kept[i]);
        out = pf_buf_steal(&b);
    }
    for (size_t i = 0; i < k; i++)
        free(kept[i]);
    free(kept);
    pf_strv_free(flat);
    return out;
}

/* The policies of one command, translated. */
typedef struct polset {
    char **perm, **restr;
    size_t n_perm, n_restr;
    char *why_not; /* the first translation failure */
    const char *failed_policy;
    bool membership, uid;
} polset;

static void polset_add(polset *ps, const pf_init_schema *s, const pf_init_policy *p,
                       const char *expr, char ***helpers)
{
    if (ps->why_not != NULL)
        return;
    if (expr == NULL)
        expr = "true";
    bool m = false;
    char *why = NULL;
    char *t = pf_init_rule_translate(s, expr, helpers, &m, &why);
    if (t == NULL) {
        ps->why_not = why;
        ps->failed_policy = p->name;
        return;
    }
    ps->membership = ps->membership || m;
    ps->uid = ps->uid || strstr(t, ":uid") != NULL;
    if (p->permissive)
        strv_push(&ps->perm, &ps->n_perm, t);
    else
        strv_push(&ps->restr, &ps->n_restr, t);
}

/* OR of the permissive ones AND each restrictive one; "false" without a
 * permissive policy. */
static char *polset_pred(const polset *ps)
{
    if (ps->n_perm == 0)
        return pf_strdup("false");
    char *any = join(ps->perm, ps->n_perm, " OR ");
    if (ps->n_restr == 0)
        return any;
    char **all = pf_calloc(ps->n_restr + 2, sizeof *all);
    all[0] = any;
    for (size_t i = 0; i < ps->n_restr; i++)
        all[i + 1] = ps->restr[i];
    char *out = join(all, ps->n_restr + 1, " AND ");
    free(all);
    free(any);
    return out;
}

static void polset_dispose(polset *ps)
{
    pf_strv_free(ps->perm);
    pf_strv_free(ps->restr);
    free(ps->why_not);
}

enum { C_SELECT, C_UPDATE_USING, C_UPDATE_CHECK, C_INSERT, C_DELETE, C_N };

static bool applies(char cmd, int which)
{
    switch (which) {
    case C_SELECT:
        return cmd == 'r' || cmd == '*';
    case C_UPDATE_USING:
    case C_UPDATE_CHECK:
        return cmd == 'w' || cmd == '*';
    case C_INSERT:
        return cmd == 'a' || cmd == '*';
    default:
        return cmd == 'd' || cmd == '*';
    }
}

/* The TODO marker: a call that fails at plan time with the message. */
static char *todo_marker(const char *what)
{
    char *lit = sql_lit(what);
    char *m = pf_asprintf("pg_temp.perfgate_todo(%s)", lit);
    free(lit);
    return m;
}

/* "col = :uid" as a term of the top-level OR (possibly AND-ed): col. */
static char *owner_column(const pf_init_table *t, const char *pred)
{
    char *out = NULL;
    char **ors = pf_init_sql_split(pred, " OR ");
    for (size_t i = 0; ors[i] && out == NULL; i++) {
        char *o = pf_init_sql_strip(ors[i]);
        char **ands = pf_init_sql_split(o, " AND ");
        for (size_t j = 0; ands[j] && out == NULL; j++) {
            char *a = pf_init_sql_strip(ands[j]);
            size_t al = strlen(a);
            const char *col = NULL;
            char *lhs = NULL;
            if (al > 7 && strcmp(a + al - 7, " = :uid") == 0)
                col = lhs = pf_strndup(a, al - 7);
            else if (strncmp(a, ":uid = ", 7) == 0)
                col = a + 7;
            if (col != NULL) {
                char *c = pf_init_sql_strip(col);
                size_t cl = strlen(c);
                if (cl > 2 && c[0] == '"' && c[cl - 1] == '"') {
                    memmove(c, c + 1, cl - 2);
                    c[cl - 2] = '\0';
                }
                if (pf_init_column_find(t, c) >= 0)
                    out = pf_strdup(c);
                free(c);
            }
            free(lhs);
            free(a);
        }
        pf_strv_free(ands);
        free(o);
    }
    pf_strv_free(ors);
    return out;
}

static void table_rules(const pf_init_schema *s, int ti, pf_init_rules *r, pf_init_table_rules *tr)
{
    const pf_init_table *t = &s->tables[ti];
    polset ps[C_N];
    memset(ps, 0, sizeof ps);
    for (size_t p = 0; p < t->n_pols; p++) {
        const pf_init_policy *pol = &t->pols[p];
        if (!pol->to_authenticated)
            continue;
        for (int w = 0; w < C_N; w++) {
            if (!applies(pol->cmd, w))
                continue;
            const char *e = w == C_INSERT ? pol->check_expr
                            : w == C_UPDATE_CHECK ? (pol->check_expr ? pol->check_expr
                                                                     : pol->using_expr)
                                                  : pol->using_expr;
            polset_add(&ps[w], s, pol, e, &r->helpers);
        }
    }
    tr->table = ti;
    pf_buf why = PF_BUF_INIT;
    const char *rname = t->spec_name;
    /* read */
    char *sel = NULL;
    if (ps[C_SELECT].why_not) {
        char *what = pf_asprintf("tables.%s.read: policy \"%s\" %s: write which rows a user may "
                                 "read (docs/rls.md)",
                                 rname, ps[C_SELECT].failed_policy, ps[C_SELECT].why_not);
        tr->read = todo_marker(what);
        tr->read_kind = PF_INIT_RULE_TODO;
        size_t n = strv_len(r->todo);
        strv_push(&r->todo, &n, what);
        r->n_todo++;
        pf_buf_printf(&why, "read: TODO: policy \"%s\" %s\n", ps[C_SELECT].failed_policy,
                      ps[C_SELECT].why_not);
    } else {
        sel = polset_pred(&ps[C_SELECT]);
        if (!t->can_select) {
            free(sel);
            sel = pf_strdup("false");
        }
        tr->read = pf_strdup(sel);
        tr->read_kind = strcmp(sel, "false") == 0  ? PF_INIT_RULE_NOBODY
                        : strcmp(sel, "true") == 0 ? PF_INIT_RULE_EVERYBODY
                        : ps[C_SELECT].membership  ? PF_INIT_RULE_MEMBERSHIP
                        : ps[C_SELECT].uid         ? PF_INIT_RULE_OWNERSHIP
                                                   : PF_INIT_RULE_EVERYBODY;
        tr->owner_col = owner_column(t, sel);
        static const char *const kinds[] = {
            "nobody: no policy lets role authenticated read",
            "every row: the policy says USING (true)",
            "ownership, derived from the policies",
            "membership, derived from the policies (SQL helpers copied as they are today)",
            "TODO"};
        pf_buf_printf(&why, "read: %s%s\n", kinds[tr->read_kind],
                      t->can_select ? "" : " (authenticated has no SELECT privilege)");
    }
    /* writes: each needs its policies and, to touch a row, the read policies */
    struct {
        const char *name;
        int a, b;
        bool priv;
        char **out;
    } w[] = {
        {"update", C_UPDATE_USING, C_UPDATE_CHECK, t->can_update && t->can_select, &tr->update},
        {"insert", C_INSERT, -1, t->can_insert, &tr->insert},
        {"delete", C_DELETE, -1, t->can_delete && t->can_select, &tr->del},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        polset *pa = &ps[w[i].a], *pb = w[i].b >= 0 ? &ps[w[i].b] : NULL;
        bool needs_sel = strcmp(w[i].name, "insert") != 0;
        if (!w[i].priv || pa->n_perm == 0) {
            *w[i].out = NULL;
            continue;
        }
        const polset *bad = pa->why_not ? pa : (pb && pb->why_not) ? pb : NULL;
        if (bad == NULL && needs_sel && sel == NULL)
            bad = &ps[C_SELECT];
        if (bad != NULL) {
            char *what = pf_asprintf("tables.%s.%s: policy \"%s\" %s: write which rows a user "
                                     "may %s",
                                     rname, w[i].name, bad->failed_policy, bad->why_not,
                                     w[i].name);
            *w[i].out = todo_marker(what);
            size_t n = strv_len(r->todo);
            strv_push(&r->todo, &n, what);
            r->n_todo++;
            pf_buf_printf(&why, "%s: TODO: policy \"%s\" %s\n", w[i].name, bad->failed_policy,
                          bad->why_not);
            continue;
        }
        char *parts[3];
        size_t np = 0;
        parts[np++] = polset_pred(pa);
        if (needs_sel)
            parts[np++] = pf_strdup(sel);
        if (pb)
            parts[np++] = polset_pred(pb);
        char *pred = join(parts, np, " AND ");
        for (size_t k = 0; k < np; k++)
            free(parts[k]);
        if (strcmp(pred, "false") == 0) {
            free(pred);
            pred = NULL;
        }
        *w[i].out = pred;
        if (pred)
            pf_buf_printf(&why, "%s: derived from the %s policies%s\n", w[i].name, w[i].name,
                          needs_sel ? " and, since the row must be found first, the read ones"
                                    : "");
    }
    /* insert defaults to update in the rules file: say "false" */
    if (tr->update != NULL && tr->insert == NULL)
        tr->insert = pf_strdup("false");
    free(sel);
    for (int i = 0; i < C_N; i++)
        polset_dispose(&ps[i]);
    tr->why = pf_buf_steal(&why);
}

/* Where users own rows: a table column holding auth user ids, with the
 * most rows (ownership in a read rule first). */
static void choose_users(const pf_init_schema *s, const pf_init_spec *sp, pf_init_rules *r,
                         int *table, char **col)
{
    *table = -1;
    *col = NULL;
    int64_t best = -1;
    for (size_t i = 0; i < r->n; i++) {
        const pf_init_table_rules *tr = &r->tables[i];
        int k = pf_init_spec_find(sp, tr->table);
        if (tr->owner_col == NULL || k < 0 || tr->table == s->auth_users)
            continue;
        /* a table that hangs off the users by its owner column comes first
         * (user_profiles by account_owner_id, not a grants table by grantee) */
        const pf_init_table *t = &s->tables[tr->table];
        const pf_init_table_draft *td = &sp->tables[k];
        bool by_parent = td->parent_fk >= 0 && t->fks[td->parent_fk].ref == s->auth_users &&
                         strcmp(t->cols[t->fks[td->parent_fk].cols[0]].name, tr->owner_col) == 0;
        int64_t score = td->rows + (by_parent ? (int64_t)1 << 40 : 0);
        if (score > best) {
            best = score;
            *table = tr->table;
            free(*col);
            *col = pf_strdup(tr->owner_col);
        }
    }
    if (*table >= 0)
        return;
    for (size_t k = 0; k < sp->n; k++) {
        const pf_init_table *t = &s->tables[sp->tables[k].table];
        if (sp->tables[k].table == s->auth_users)
            continue;
        for (size_t f = 0; f < t->n_fks; f++) {
            const pf_init_fk *fk = &t->fks[f];
            if (fk->n != 1 || fk->ref != s->auth_users || !t->cols[fk->cols[0]].not_null)
                continue;
            if (sp->tables[k].rows > best) {
                best = sp->tables[k].rows;
                *table = sp->tables[k].table;
                free(*col);
                *col = pf_strdup(t->cols[fk->cols[0]].name);
            }
        }
    }
}

static void add_identity(pf_init_rules *r, const char *name, const char *role, char *about,
                         char *sql)
{
    r->ids = pf_realloc(r->ids, (r->n_ids + 1) * sizeof *r->ids);
    pf_init_identity *id = &r->ids[r->n_ids++];
    id->name = pf_strdup(name);
    id->role = pf_strdup(role);
    id->about = about;
    id->sql = sql;
}

void pf_init_rules_draft(const pf_init_schema *s, const pf_init_spec *sp, pf_init_rules **out)
{
    pf_init_rules *r = pf_calloc(1, sizeof *r);
    r->helpers = pf_calloc(1, sizeof *r->helpers);
    r->todo = pf_calloc(1, sizeof *r->todo);
    size_t n_rls = 0, n_forced = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->tables[i].rls) {
            n_rls++;
            if (s->tables[i].exposed && s->tables[i].force_rls)
                n_forced++;
        }
    r->tables = pf_calloc(n_rls + 1, sizeof *r->tables);
    r->force_rls = n_forced > 0;
    for (size_t i = 0; i < s->n; i++) {
        const pf_init_table *t = &s->tables[i];
        if (!t->rls)
            continue;
        pf_init_table_rules *tr = &r->tables[r->n++];
        table_rules(s, (int)i, r, tr);
        tr->no_force = !t->force_rls && (!t->exposed || !r->force_rls);
    }
    bool anon_policies = false;
    for (size_t i = 0; i < s->n; i++)
        for (size_t p = 0; p < s->tables[i].n_pols; p++)
            if (strstr(s->tables[i].pols[p].roles, "anon") != NULL)
                anon_policies = true;
    if (s->auth_users >= 0 && pf_init_spec_find(sp, s->auth_users) >= 0) {
        int ut = -1;
        char *uc = NULL;
        choose_users(s, sp, r, &ut, &uc);
        if (ut >= 0) {
            const pf_init_table *t = &s->tables[ut];
            int uci = pf_init_column_find(t, uc);
            char *c = pf_strdup(uci >= 0 ? t->cols[uci].ident : uc);
            r->users_from = pf_asprintf("%s.%s", t->qname, uc);
            add_identity(r, "user", "authenticated",
                         pf_asprintf("the user with the most %s rows (by %s)", t->spec_name, uc),
                         pf_asprintf("SELECT %s FROM %s WHERE %s IS NOT NULL GROUP BY %s ORDER BY "
                                     "count(*) DESC, %s LIMIT 1",
                                     c, t->qname, c, c, c));
            add_identity(r, "other_user", "authenticated",
                         pf_asprintf("the user with the second most %s rows", t->spec_name),
                         pf_asprintf("SELECT %s FROM %s WHERE %s IS NOT NULL GROUP BY %s ORDER BY "
                                     "count(*) DESC, %s OFFSET 1 LIMIT 1",
                                     c, t->qname, c, c, c));
            add_identity(r, "user_without_rows", "authenticated",
                         pf_asprintf("a signed-up user without %s rows", t->spec_name),
                         pf_asprintf("SELECT u.id FROM auth.users u WHERE NOT EXISTS (SELECT 1 "
                                     "FROM %s x WHERE x.%s = u.id) ORDER BY u.id LIMIT 1",
                                     t->qname, c));
            free(c);
        } else {
            r->users_from = pf_strdup("auth.users.id");
            add_identity(r, "user", "authenticated", pf_strdup("the first user by id"),
                         pf_strdup("SELECT id FROM auth.users ORDER BY id LIMIT 1"));
            add_identity(r, "other_user", "authenticated", pf_strdup("the second user by id"),
                         pf_strdup("SELECT id FROM auth.users ORDER BY id OFFSET 1 LIMIT 1"));
        }
        free(uc);
    }
    if (!anon_policies)
        add_identity(r, "anon", "anon", pf_strdup("a request without a signed-in user"), NULL);
    add_identity(r, "service_role", "service_role",
                 pf_strdup("the back office (bypasses RLS): sees every row"), NULL);
    *out = r;
}

void pf_init_rules_free(pf_init_rules *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++) {
        pf_init_table_rules *t = &r->tables[i];
        free(t->read);
        free(t->update);
        free(t->insert);
        free(t->del);
        free(t->owner_col);
        free(t->why);
    }
    free(r->tables);
    for (size_t i = 0; i < r->n_ids; i++) {
        free(r->ids[i].name);
        free(r->ids[i].role);
        free(r->ids[i].about);
        free(r->ids[i].sql);
    }
    free(r->ids);
    pf_strv_free(r->helpers);
    pf_strv_free(r->todo);
    free(r->users_from);
    free(r);
}

void pf_init_rules_set_todo(pf_init_rules *r, size_t i, const char *which,
                            const pf_init_schema *s, const char *why)
{
    pf_init_table_rules *tr = &r->tables[i];
    char **slot = strcmp(which, "read") == 0     ? &tr->read
                  : strcmp(which, "update") == 0 ? &tr->update
                  : strcmp(which, "insert") == 0 ? &tr->insert
                                                 : &tr->del;
    char *what = pf_asprintf("tables.%s.%s: %s: write which rows a user may %s",
                             s->tables[tr->table].spec_name, which, why, which);
    free(*slot);
    *slot = todo_marker(what);
    if (strcmp(which, "read") == 0) {
        tr->read_kind = PF_INIT_RULE_TODO;
        free(tr->owner_col);
        tr->owner_col = NULL;
    }
    size_t n = strv_len(r->todo);
    strv_push(&r->todo, &n, what);
    r->n_todo++;
    char *w = pf_asprintf("%s%s: TODO: %s\n", tr->why, which, why);
    free(tr->why);
    tr->why = w;
}

const pf_init_table_rules *pf_init_rules_find(const pf_init_rules *r, int table)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->tables[i].table == table)
            return &r->tables[i];
    return NULL;
}

/* ------------------------------------------------------------ writing */

char *pf_init_rules_json(const pf_init_rules *r, const pf_init_schema *s,
                         const char *definitions)
{
    pf_json_writer *w = pf_json_writer_new(PF_JSON_SPACES);
    pf_json_begin_object(w, NULL);
    pf_json_put_int(w, "format", 1);
    char *desc = pf_asprintf(
        "Drafted by perfgate init from the policies: who may read and write which rows, per "
        "table (:uid is the identity's auth user id). Derived rules pin what the policies do "
        "today; they do not prove it right: read each one. %zu rule%s TODO: they fail the RLS "
        "checks, naming the rule, until you write them (or run with --no-rls meanwhile). "
        "Reasons in perfgate-init.md; format in docs/rls.md.",
        r->n_todo, r->n_todo == 1 ? " is" : "s are");
    pf_json_put_string(w, "description", desc);
    free(desc);
    pf_json_put_string(w, "definitions", definitions);
    pf_json_begin_array(w, "exposed_schemas");
    for (char **x = s->exposed; *x; x++)
        pf_json_put_string(w, NULL, *x);
    pf_json_end(w);
    pf_json_put_bool(w, "force_rls", r->force_rls);
    pf_json_begin_array(w, "identities");
    for (size_t i = 0; i < r->n_ids; i++) {
        pf_json_begin_object(w, NULL);
        pf_json_put_string(w, "name", r->ids[i].name);
        if (strcmp(r->ids[i].role, "authenticated") != 0)
            pf_json_put_string(w, "role", r->ids[i].role);
        pf_json_put_string(w, "about", r->ids[i].about);
        if (r->ids[i].sql)
            pf_json_put_string(w, "sql", r->ids[i].sql);
        pf_json_end(w);
    }
    pf_json_end(w);
    pf_json_begin_object(w, "tables");
    for (size_t i = 0; i < r->n; i++) {
        const pf_init_table_rules *tr = &r->tables[i];
        pf_json_begin_object(w, s->tables[tr->table].spec_name);
        pf_json_put_string(w, "read", tr->read);
        if (tr->update)
            pf_json_put_string(w, "update", tr->update);
        if (tr->insert)
            pf_json_put_string(w, "insert", tr->insert);
        if (tr->del)
            pf_json_put_string(w, "delete", tr->del);
        if (tr->no_force)
            pf_json_put_bool(w, "force", false);
        pf_json_end(w);
    }
    pf_json_end(w);
    pf_json_end(w);
    return pf_json_writer_finish(w);
}

char *pf_init_rules_sql(const pf_init_rules *r)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b,
                "-- Definitions of the RLS rules file drafted by perfgate init: run once per\n"
                "-- session before the rules are evaluated (as the owner). Everything lives in\n"
                "-- pg_temp, so nothing is left in the database.\n\n"
                "-- A rule still to write: fails (while planning) with the rule's name.\n"
                "CREATE FUNCTION pg_temp.perfgate_todo(what text) RETURNS boolean\n"
                "LANGUAGE plpgsql IMMUTABLE AS $perfgate$\n"
                "BEGIN\n"
                "    RAISE EXCEPTION 'TODO in the drafted RLS rules: %', what;\n"
                "END\n"
                "$perfgate$;\n");
    for (char **h = r->helpers; h && *h; h++)
        pf_buf_printf(&b, "\n%s", *h);
    return pf_buf_steal(&b);
}

void pf_init_rules_notes(const pf_init_rules *r, const pf_init_schema *s, pf_buf *md)
{
    pf_buf_printf(md,
                  "\n## RLS rules: rls.json (definitions: rls.sql)\n\n"
                  "%zu table%s with row level security. Derived rules translate the policies "
                  "(auth.uid() becomes :uid; SQL helper functions are copied into pg_temp by "
                  "rls.sql as they are today): they catch a later change of what the policies "
                  "let through, not a policy that is wrong today. Read each.\n\n",
                  r->n, r->n == 1 ? "" : "s");
    if (r->n_todo > 0) {
        pf_buf_printf(md, "**%zu rule%s to write** (each fails the RLS checks with its name "
                          "until written; `perfgate run --no-rls` meanwhile):\n\n",
                      r->n_todo, r->n_todo == 1 ? "" : "s");
        for (char **t = r->todo; *t; t++)
            pf_buf_printf(md, "- %s\n", *t);
        pf_buf_puts(md, "\n");
    }
    pf_buf_puts(md, "Identities:\n\n");
    for (size_t i = 0; i < r->n_ids; i++)
        pf_buf_printf(md, "- `%s` (%s): %s\n", r->ids[i].name, r->ids[i].role, r->ids[i].about);
    if (r->users_from)
        pf_buf_printf(md, "\nUsers are sampled by %s: the column holding auth user ids %s.\n",
                      r->users_from,
                      "in the biggest table whose read rule is ownership (else the biggest "
                      "table referencing auth.users)");
    pf_buf_printf(md, "\nforce_rls: %s (%s).\n", r->force_rls ? "true" : "false",
                  r->force_rls ? "your tables FORCE row level security"
                               : "none of your tables FORCEs row level security, as is usual on "
                                 "Supabase; set it to true to require it");
    for (size_t i = 0; i < r->n; i++) {
        const pf_init_table_rules *tr = &r->tables[i];
        pf_buf_printf(md, "\n### %s\n\n", s->tables[tr->table].spec_name);
        const char *why = tr->why;
        while (*why) {
            const char *nl = strchr(why, '\n');
            size_t len = nl ? (size_t)(nl - why) : strlen(why);
            pf_buf_printf(md, "- %.*s\n", (int)len, why);
            why += len + (nl ? 1 : 0);
        }
        if (tr->owner_col)
            pf_buf_printf(md, "- owner column: %s (cases run as the owning user)\n",
                          tr->owner_col);
    }
}
