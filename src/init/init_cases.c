/* perfgate init: starter cases for the large tables (init_cases.h). */
#include "init_cases.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A parameter name for a column: the name itself when it is a plain lower
 * case identifier, else k<n>. */
static char *param_name(const char *col, int n)
{
    bool plain = (islower((unsigned char)col[0]) || col[0] == '_');
    for (const char *p = col; *p && plain; p++)
        plain = islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_';
    if (plain && strcmp(col, "weight") != 0 && strcmp(col, "user_id") != 0)
        return pf_strdup(col);
    if (strcmp(col, "user_id") == 0)
        return pf_strdup("user_id");
    return pf_asprintf("k%d", n);
}

/* The group (directory) of a table: its spec name with '.' as '_'. */
static char *group_of(const pf_init_table *t)
{
    char *g = pf_strdup(t->spec_name);
    for (char *p = g; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_'))
            *p = '_';
        else
            *p = (char)tolower((unsigned char)*p);
    return g;
}

/* Would a comment line starting at p read as a header key ("word:")? */
static bool key_like(const char *p)
{
    const char *q = p;
    while (isalpha((unsigned char)*q) || *q == '_')
        q++;
    if (q == p)
        return false;
    while (*q == ' ' || *q == '\t')
        q++;
    return *q == ':';
}

/* Comment lines of a case header: "-- * text", wrapped. A wrapped line
 * never starts with "word:", which the registry would take for a key. */
static void note(pf_buf *b, const char *text)
{
    const char *p = text;
    bool first = true;
    while (*p) {
        size_t room = first ? 72 : 70;
        size_t len = strlen(p);
        size_t cut = len;
        if (len > room) {
            cut = room;
            while (cut > 20 && (p[cut] != ' ' || key_like(p + cut + 1)))
                cut--;
        }
        pf_buf_printf(b, "%s%.*s\n", first ? "-- * " : "--   ", (int)cut, p);
        p += cut;
        while (*p == ' ')
            p++;
        first = false;
    }
}

/* "-- key: value", continued on "--   " lines, wrapped. */
static void header(pf_buf *b, const char *key, const char *value)
{
    pf_buf_printf(b, "-- %s: ", key);
    size_t col = strlen(key) + 5;
    const char *p = value;
    while (*p) {
        size_t len = strcspn(p, " ");
        if (col + len > 95 && col > strlen(key) + 5) {
            pf_buf_puts(b, "\n--   ");
            col = 5;
        }
        pf_buf_printf(b, "%.*s", (int)len, p);
        col += len;
        p += len;
        if (*p == ' ') {
            pf_buf_putc(b, ' ');
            col++;
            p++;
        }
    }
    pf_buf_putc(b, '\n');
}

typedef struct who {
    bool user;        /* authenticated as the owning user */
    const char *owner; /* the owner column */
    char *why;
} who;

static void who_of(const pf_init_schema *s, const pf_init_rules *r, int ti, who *w)
{
    const pf_init_table *t = &s->tables[ti];
    const pf_init_table_rules *tr = r ? pf_init_rules_find(r, ti) : NULL;
    memset(w, 0, sizeof *w);
    if (tr != NULL && tr->owner_col != NULL && tr->read_kind != PF_INIT_RULE_TODO) {
        w->user = true;
        w->owner = tr->owner_col;
        w->why = pf_asprintf("identity authenticated, as the row's owner: the read rule drafted "
                             "from the policies has %s = :uid, so RLS is part of what is "
                             "measured",
                             tr->owner_col);
    } else if (tr != NULL) {
        w->why = pf_asprintf("identity owner (RLS bypassed): %s has RLS but its read rule is "
                             "not a plain ownership check, so perfgate cannot pick a user who "
                             "sees a given row; change the identity and add a user_id column "
                             "to params once you know who reads it",
                             t->spec_name);
    } else {
        w->why = pf_asprintf("identity owner: %s has no row level security", t->spec_name);
    }
}

static void add_case(pf_init_cases *c, const char *group, char *name, char *text)
{
    c->v = pf_realloc(c->v, (c->n + 1) * sizeof *c->v);
    c->v[c->n].group = pf_strdup(group);
    c->v[c->n].name = name;
    c->v[c->n].text = text;
    c->n++;
}

/* The primary-key lookup. */
static void pk_case(const pf_init_schema *s, const pf_init_spec *sp, size_t k, const who *w,
                    pf_init_cases *out)
{
    const pf_init_table_draft *td = &sp->tables[k];
    const pf_init_table *t = &s->tables[td->table];
    const pf_init_key *pk = NULL;
    for (size_t i = 0; i < t->n_keys; i++)
        if (t->keys[i].primary)
            pk = &t->keys[i];
    if (pk == NULL)
        for (size_t i = 0; i < t->n_keys; i++)
            if (!t->keys[i].partial)
                pk = &t->keys[i];
    if (pk == NULL || pk->n == 0 || pk->n > 4)
        return;
    for (size_t i = 0; i < pk->n; i++)
        if (pk->cols[i] < 0)
            return;
    char *group = group_of(t);
    pf_buf cols = PF_BUF_INIT, sel = PF_BUF_INIT, where = PF_BUF_INIT, names = PF_BUF_INIT;
    for (size_t i = 0; i < pk->n; i++) {
        const pf_init_column *c = &t->cols[pk->cols[i]];
        char *pn = param_name(c->name, (int)i + 1);
        pf_buf_printf(&cols, "%s%s", i ? ", " : "", c->ident);
        pf_buf_printf(&names, "%s%s", i ? "_" : "", pn);
        if (strcmp(pn, c->name) == 0)
            pf_buf_printf(&sel, "%s%s", i ? ", " : "", c->ident);
        else
            pf_buf_printf(&sel, "%s%s AS %s", i ? ", " : "", c->ident, pn);
        pf_buf_printf(&where, "%s%s = :%s", i ? " AND " : "", c->ident, pn);
        free(pn);
    }
    char *owner_ident = NULL;
    if (w->user) {
        int oc = pf_init_column_find(t, w->owner);
        owner_ident = pf_strdup(oc >= 0 ? t->cols[oc].ident : w->owner);
    }
    char *name = pf_asprintf("%s_by_%s", group, pf_buf_str(&names));
    for (char *p = name; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_'))
            *p = '_';
    pf_buf b = PF_BUF_INIT;
    pf_buf_printf(&b, "-- Drafted by perfgate init from %s: review it, then record its baseline\n"
                      "-- (perfgate run --only '%s' --update-baselines) and commit both.\n",
                  t->qname, name);
    note(&b, "what: the primary-key lookup, the cheapest read an app makes; more work here "
             "means the key index is gone or no longer used");
    note(&b, "params: every key of the table, drawn uniformly");
    note(&b, w->why);
    note(&b, "no threshold: add '-- threshold: 50ms' (your SLA) to judge its p95");
    char *desc = pf_asprintf("One %s row by its primary key (%s).", t->spec_name, pf_buf_str(&cols));
    header(&b, "description", desc);
    free(desc);
    header(&b, "identity", w->user ? "authenticated" : "owner");
    char *params;
    if (w->user)
        params = pf_asprintf("SELECT %s, %s AS user_id FROM %s WHERE %s IS NOT NULL ORDER BY %s",
                             pf_buf_str(&sel), owner_ident, t->qname, owner_ident,
                             pf_buf_str(&cols));
    else
        params = pf_asprintf("SELECT %s FROM %s ORDER BY %s", pf_buf_str(&sel), t->qname,
                             pf_buf_str(&cols));
    header(&b, "params", params);
    free(params);
    header(&b, "tags", "init lookup");
    pf_buf_printf(&b, "SELECT *\nFROM %s\nWHERE %s;\n", t->qname, pf_buf_str(&where));
    add_case(out, group, name, pf_buf_steal(&b));
    free(owner_ident);
    free(group);
    pf_buf_dispose(&cols);
    pf_buf_dispose(&sel);
    pf_buf_dispose(&where);
    pf_buf_dispose(&names);
}

static bool is_time(const pf_init_column *c)
{
    return (c->kind == PF_INIT_TIMESTAMP || c->kind == PF_INIT_DATE) && !c->array;
}

/* The newest-first order column for a page of rows of one fk value: the
 * second column of an index that starts with it (a plain index first,
 * else the partial one with the shortest predicate), else created_at,
 * else a NOT NULL time column, else any time column; -1 for none. *ix
 * gets the serving index (or NULL). */
static int order_column(const pf_init_table *t, const pf_init_spec *sp, size_t k, int fkcol,
                        const pf_init_index **ix)
{
    *ix = NULL;
    for (size_t i = 0; i < t->n_indexes; i++) {
        const pf_init_index *x = &t->indexes[i];
        if (x->n < 2 || x->cols[0] != fkcol || x->cols[1] < 0 || !is_time(&t->cols[x->cols[1]]))
            continue;
        if (x->partial && (x->pred == NULL || strstr(x->pred, "SELECT") != NULL))
            continue;
        if (*ix == NULL || ((*ix)->partial && !x->partial) ||
            ((*ix)->partial && x->partial && strlen(x->pred) < strlen((*ix)->pred)))
            *ix = x;
    }
    if (*ix != NULL)
        return (*ix)->cols[1];
    for (size_t i = 0; i < t->n_indexes; i++)
        if (t->indexes[i].n >= 1 && t->indexes[i].cols[0] == fkcol && !t->indexes[i].partial)
            *ix = &t->indexes[i];
    const pf_init_table_draft *td = &sp->tables[k];
    int best = -1;
    for (size_t c = 0; c < t->n_cols; c++) {
        if (!is_time(&t->cols[c]))
            continue;
        bool generated = false;
        for (size_t d = 0; d < td->n_cols; d++)
            if (td->cols[d].col == (int)c && td->cols[d].gen && strcmp(td->cols[d].gen, "null"))
                generated = true;
        if (!generated && t->cols[c].default_expr == NULL)
            continue;
        if (strcmp(t->cols[c].name, "created_at") == 0)
            return (int)c;
        if (best < 0 || (t->cols[c].not_null && !t->cols[best].not_null))
            best = (int)c;
    }
    return best;
}

/* The newest rows of one parent (or other reference), 50 per page. */
static void page_case(const pf_init_schema *s, const pf_init_spec *sp, size_t k, int f,
                      const who *w, pf_init_cases *out)
{
    const pf_init_table_draft *td = &sp->tables[k];
    const pf_init_table *t = &s->tables[td->table];
    const pf_init_fk *fk = &t->fks[f];
    const pf_init_column *fc = &t->cols[fk->cols[0]];
    const pf_init_table *rt = &s->tables[fk->ref];
    if (fc->unique)
        return; /* one row per reference: the lookup covers it */
    const pf_init_index *ix = NULL;
    int oc = order_column(t, sp, k, fk->cols[0], &ix);
    const pf_init_key *pk = NULL;
    for (size_t i = 0; i < t->n_keys; i++)
        if (t->keys[i].primary)
            pk = &t->keys[i];
    if (oc < 0 && (pk == NULL || pk->cols[0] < 0))
        return;
    const pf_init_column *order = oc >= 0 ? &t->cols[oc] : &t->cols[pk->cols[0]];
    bool filtered = ix != NULL && ix->partial && ix->n >= 2 && ix->cols[1] == oc;
    char *pred = filtered ? pf_init_sql_strip(ix->pred) : pf_strdup("");
    const char *and_pred = filtered ? " AND " : "";
    char *group = group_of(t);
    char *pn = param_name(fc->name, 1);
    char *name = pf_asprintf("%s_newest_by_%s", group, pn);
    bool user = w->user;
    int owner = user ? pf_init_column_find(t, w->owner) : -1;
    pf_buf b = PF_BUF_INIT;
    pf_buf_printf(&b, "-- Drafted by perfgate init from %s: review it, then record its baseline\n"
                      "-- (perfgate run --only '%s' --update-baselines) and commit both.\n",
                  t->qname, name);
    char *what = pf_asprintf("what: the newest 50 rows of one %s row (by %s), the list page "
                             "an app shows most",
                             rt->spec_name, fc->name);
    note(&b, what);
    free(what);
    char *why_order;
    if (oc < 0)
        why_order = pf_asprintf("order: by the primary key (%s has no time column)", t->spec_name);
    else if (ix != NULL && ix->n >= 2 && ix->cols[1] == oc && ix->partial)
        why_order = pf_asprintf("order: %s, the time column of index %s (%s, %s), which is "
                                "partial: the page repeats its WHERE (%s) so that the index "
                                "serves it, as the app's query presumably does; expect an index "
                                "scan that stops after 50 rows",
                                order->name, ix->name, fc->name, order->name, pred);
    else if (ix != NULL && ix->n >= 2 && ix->cols[1] == oc)
        why_order = pf_asprintf("order: %s, the time column of index %s (%s, %s): expect an "
                                "index scan that stops after 50 rows",
                                order->name, ix->name, fc->name, order->name);
    else
        why_order = pf_asprintf("order: %s (the %s time column)%s", order->name,
                                strcmp(order->name, "created_at") == 0 ? "creation" : "newest",
                                ix ? "; an index starts with the reference but does not "
                                     "cover the order: expect a sort of the parent's rows"
                                   : "; no index starts with the reference: expect a scan and a "
                                     "sort, or add an index on (reference, time DESC)");
    note(&b, why_order);
    free(why_order);
    note(&b, user ? "params: the references that have rows, with their owners, weighted by "
                    "how many rows each has (busy ones drawn more often)"
                  : "params: the references that have rows, weighted by how many rows each "
                    "has (busy ones drawn more often)");
    note(&b, w->why);
    char *desc = pf_asprintf("The newest 50 %s rows of one %s row (%s = :%s), newest %s "
                             "first.",
                             t->spec_name, rt->spec_name, fc->name, pn, order->name);
    header(&b, "description", desc);
    free(desc);
    header(&b, "identity", user ? "authenticated" : "owner");
    char *sel = strcmp(pn, fc->name) == 0 ? pf_strdup(fc->ident)
                                          : pf_asprintf("%s AS %s", fc->ident, pn);
    char *params;
    if (user && owner >= 0 && owner != fk->cols[0])
        params = pf_asprintf("SELECT %s, %s AS user_id, count(*) AS weight FROM %s WHERE %s IS "
                             "NOT NULL AND %s IS NOT NULL%s%s GROUP BY %s, %s ORDER BY %s, %s",
                             sel, t->cols[owner].ident, t->qname, fc->ident,
                             t->cols[owner].ident, and_pred, pred, fc->ident,
                             t->cols[owner].ident, fc->ident, t->cols[owner].ident);
    else if (user && owner >= 0)
        params = pf_asprintf("SELECT %s, %s AS user_id, count(*) AS weight FROM %s WHERE %s IS "
                             "NOT NULL%s%s GROUP BY %s ORDER BY %s",
                             sel, fc->ident, t->qname, fc->ident, and_pred, pred, fc->ident,
                             fc->ident);
    else
        params = pf_asprintf("SELECT %s, count(*) AS weight FROM %s WHERE %s IS NOT NULL%s%s "
                             "GROUP BY %s ORDER BY %s",
                             sel, t->qname, fc->ident, and_pred, pred, fc->ident, fc->ident);
    header(&b, "params", params);
    free(params);
    free(sel);
    header(&b, "tags", "init page");
    pf_buf_printf(&b, "SELECT *\nFROM %s\nWHERE %s = :%s%s%s\nORDER BY %s DESC\nLIMIT 50;\n",
                  t->qname, fc->ident, pn, and_pred, pred, order->ident);
    free(pred);
    add_case(out, group, name, pf_buf_steal(&b));
    free(pn);
    free(group);
}

void pf_init_cases_draft(const pf_init_schema *s, const pf_init_spec *sp, const pf_init_rules *r,
                         pf_init_cases **out)
{
    pf_init_cases *c = pf_calloc(1, sizeof *c);
    int64_t biggest = -1;
    size_t big = 0;
    for (size_t k = 0; k < sp->n; k++)
        if (sp->tables[k].table != s->auth_users && sp->tables[k].rows > biggest) {
            biggest = sp->tables[k].rows;
            big = k;
        }
    for (size_t k = 0; k < sp->n; k++) {
        const pf_init_table_draft *td = &sp->tables[k];
        if (td->table == s->auth_users)
            continue;
        if (td->rows < PF_INIT_LARGE_ROWS && k != big)
            continue;
        const pf_init_table *t = &s->tables[td->table];
        who w;
        who_of(s, r, td->table, &w);
        size_t before = c->n;
        pk_case(s, sp, k, &w, c);
        /* the parent's page first, then one other reference an index starts with */
        int pages = 0;
        if (td->parent_fk >= 0 && t->fks[td->parent_fk].n == 1) {
            page_case(s, sp, k, td->parent_fk, &w, c);
            pages++;
        }
        for (size_t f = 0; f < t->n_fks && pages < 2 && c->n - before < 3; f++) {
            const pf_init_fk *fk = &t->fks[f];
            if ((int)f == td->parent_fk || fk->n != 1 || fk->ref == td->table ||
                pf_init_spec_find(sp, fk->ref) < 0)
                continue;
            bool indexed = false;
            for (size_t i = 0; i < t->n_indexes; i++)
                if (t->indexes[i].n >= 1 && t->indexes[i].cols[0] == fk->cols[0])
                    indexed = true;
            if (!indexed && td->parent_fk >= 0)
                continue;
            page_case(s, sp, k, (int)f, &w, c);
            pages++;
        }
        free(w.why);
    }
    *out = c;
}

void pf_init_cases_free(pf_init_cases *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].group);
        free(c->v[i].name);
        free(c->v[i].text);
    }
    free(c->v);
    free(c);
}

void pf_init_cases_notes(const pf_init_cases *c, pf_buf *md)
{
    pf_buf_printf(md,
                  "\n## Cases: bench/\n\n"
                  "%zu starter case%s for the tables with at least %d rows (the biggest one "
                  "otherwise). Each header says why it looks the way it does; none has a "
                  "threshold or a baseline yet.\n\n",
                  c->n, c->n == 1 ? "" : "s", PF_INIT_LARGE_ROWS);
    for (size_t i = 0; i < c->n; i++)
        pf_buf_printf(md, "- `bench/%s/%s.sql`\n", c->v[i].group, c->v[i].name);
}
