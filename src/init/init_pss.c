/* perfgate init --from-pg-stat-statements: cases from the top statements
 * (init_pss.h). A small lexer finds the tables of FROM/JOIN and what each
 * $n is compared with; the params query draws those columns' values. */
#include "init_pss.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fsutil.h"

/* ------------------------------------------------------------ lexer */

typedef enum tkind { T_IDENT, T_QIDENT, T_PARAM, T_STRING, T_NUMBER, T_OP, T_PUNCT } tkind;

typedef struct tok {
    tkind k;
    const char *s;
    size_t len;
} tok;

typedef struct toks {
    tok *v;
    size_t n;
} toks;

static void push(toks *t, tkind k, const char *s, size_t len)
{
    t->v = pf_realloc(t->v, (t->n + 1) * sizeof *t->v);
    t->v[t->n++] = (tok){k, s, len};
}

static void lex(const char *q, toks *out)
{
    memset(out, 0, sizeof *out);
    const char *p = q;
    while (*p) {
        if (isspace((unsigned char)*p)) {
            p++;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
        } else if (*p == '\'') {
            const char *s = p++;
            while (*p && !(*p == '\'' && p[1] != '\''))
                p += (*p == '\'' ? 2 : 1);
            if (*p)
                p++;
            push(out, T_STRING, s, (size_t)(p - s));
        } else if (*p == '"') {
            const char *s = p++;
            while (*p && !(*p == '"' && p[1] != '"'))
                p += (*p == '"' ? 2 : 1);
            if (*p)
                p++;
            push(out, T_QIDENT, s, (size_t)(p - s));
        } else if (*p == '$' && isdigit((unsigned char)p[1])) {
            const char *s = p++;
            while (isdigit((unsigned char)*p))
                p++;
            push(out, T_PARAM, s, (size_t)(p - s));
        } else if (*p == '$') {
            /* a dollar-quoted string: $tag$ ... $tag$ */
            const char *s = p;
            const char *e = strchr(p + 1, '$');
            if (e == NULL) {
                p++;
                continue;
            }
            size_t tl = (size_t)(e - p) + 1;
            const char *close = e + 1;
            while ((close = strstr(close, "$")) != NULL && strncmp(close, s, tl) != 0)
                close++;
            p = close ? close + tl : p + strlen(p);
            push(out, T_STRING, s, (size_t)(p - s));
        } else if (isalpha((unsigned char)*p) || *p == '_') {
            const char *s = p;
            while (isalnum((unsigned char)*p) || *p == '_' || *p == '$')
                p++;
            push(out, T_IDENT, s, (size_t)(p - s));
        } else if (isdigit((unsigned char)*p)) {
            const char *s = p;
            while (isalnum((unsigned char)*p) || *p == '.')
                p++;
            push(out, T_NUMBER, s, (size_t)(p - s));
        } else if (strchr("(),.;[]", *p)) {
            push(out, T_PUNCT, p, 1);
            p++;
        } else {
            const char *s = p;
            while (*p && strchr("+-*/<>=~!@#%^&|`?:", *p)) {
                if ((p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*'))
                    break;
                p++;
            }
            if (p == s)
                p++;
            push(out, T_OP, s, (size_t)(p - s));
        }
    }
}

static bool is(const toks *t, size_t i, const char *text)
{
    if (i >= t->n)
        return false;
    size_t n = strlen(text);
    return t->v[i].len == n && strncasecmp(t->v[i].s, text, n) == 0 &&
           (t->v[i].k == T_IDENT || t->v[i].k == T_OP || t->v[i].k == T_PUNCT);
}

static bool ident(const toks *t, size_t i)
{
    return i < t->n && (t->v[i].k == T_IDENT || t->v[i].k == T_QIDENT);
}

static char *text_of(const tok *k)
{
    return pf_strndup(k->s, k->len);
}

/* An identifier's name: unquoted as written, quoted ones without quotes. */
static char *name_of(const tok *k)
{
    if (k->k == T_QIDENT && k->len >= 2)
        return pf_strndup(k->s + 1, k->len - 2);
    char *n = text_of(k);
    for (char *c = n; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return n;
}

static const char *const k_reserved[] = {
    "where",  "join",   "inner",  "left",  "right",  "full",    "cross", "natural",
    "on",     "using",  "group",  "order", "limit",  "offset",  "union", "except",
    "intersect", "window", "having", "for", "fetch", "returning", "set", "tablesample",
    "and",    "or",     "lateral", "as",   "outer",  NULL};

static bool reserved(const toks *t, size_t i)
{
    for (const char *const *r = k_reserved; *r; r++)
        if (is(t, i, *r))
            return true;
    return false;
}

/* ------------------------------------------------------------ tables */

typedef struct tref {
    char *table; /* as written: "public.messages" or "messages" */
    char *bare;  /* its last part, unquoted: "messages" */
    char *alias; /* the name columns are qualified with */
} tref;

typedef struct trefs {
    tref *v;
    size_t n;
} trefs;

static void find_tables(const toks *t, trefs *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < t->n; i++) {
        if (!is(t, i, "from") && !is(t, i, "join"))
            continue;
        size_t j = i + 1;
        for (;;) {
            if (is(t, j, "lateral") || is(t, j, "only"))
                j++;
            if (!ident(t, j) || reserved(t, j))
                break;
            size_t first = j;
            if (is(t, j + 1, ".") && ident(t, j + 2))
                j += 2;
            if (is(t, j + 1, "("))
                break; /* a function in FROM */
            pf_buf b = PF_BUF_INIT;
            pf_buf_append(&b, t->v[first].s, (size_t)(t->v[j].s + t->v[j].len - t->v[first].s));
            char *table = pf_buf_steal(&b);
            char *bare = name_of(&t->v[j]);
            j++;
            if (is(t, j, "as"))
                j++;
            char *alias = NULL;
            if (ident(t, j) && !reserved(t, j)) {
                alias = name_of(&t->v[j]);
                j++;
            }
            out->v = pf_realloc(out->v, (out->n + 1) * sizeof *out->v);
            out->v[out->n++] = (tref){table, bare, alias ? alias : pf_strdup(bare)};
            if (!is(t, j, ",") || !is(t, i, "from"))
                break;
            j++;
        }
    }
}

static void trefs_dispose(trefs *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].table);
        free(r->v[i].bare);
        free(r->v[i].alias);
    }
    free(r->v);
}

/* The table a column reference belongs to: by its qualifier, else the only
 * table, else the one table of s that has the column. */
static const tref *table_of(const trefs *r, const char *qual, const char *col,
                            const pf_init_schema *s)
{
    if (qual != NULL) {
        for (size_t i = 0; i < r->n; i++)
            if (strcmp(r->v[i].alias, qual) == 0)
                return &r->v[i];
        return NULL;
    }
    if (r->n == 1)
        return &r->v[0];
    const tref *hit = NULL;
    for (size_t i = 0; s != NULL && i < r->n; i++)
        for (size_t k = 0; k < s->n; k++)
            if (strcmp(s->tables[k].name, r->v[i].bare) == 0 &&
                pf_init_column_find(&s->tables[k], col) >= 0) {
                if (hit != NULL && hit != &r->v[i])
                    return NULL; /* ambiguous */
                hit = &r->v[i];
            }
    return hit;
}

/* ------------------------------------------------------------ params */

typedef enum pkind { P_COL, P_ARRAY, P_CONST } pkind;

typedef struct param {
    size_t tok;       /* its token */
    char *name;
    pkind kind;
    const tref *table; /* P_COL, P_ARRAY */
    char *col;        /* the column as SQL writes it */
    const char *value; /* P_CONST: a literal */
    char *why;
} param;

static bool comparison(const toks *t, size_t i)
{
    static const char *const ops[] = {"=", "<", ">", "<=", ">=", "<>", "!=", "~~", "~~*",
                                      "like", "ilike", NULL};
    for (const char *const *o = ops; *o; o++)
        if (is(t, i, *o))
            return true;
    return false;
}

/* A column reference ending at token i ("col" or "alias.col"): its name,
 * qualifier and SQL text; false when token i is no column. */
static bool column_at(const toks *t, size_t i, char **col, char **qual, char **sql)
{
    if (i >= t->n || !ident(t, i) || reserved(t, i))
        return false;
    *col = name_of(&t->v[i]);
    *sql = text_of(&t->v[i]);
    *qual = NULL;
    if (i >= 2 && is(t, i - 1, ".") && ident(t, i - 2))
        *qual = name_of(&t->v[i - 2]);
    return true;
}

static char *param_label(const char *col)
{
    char *n = pf_strdup(col);
    for (char *c = n; *c; c++)
        *c = isalnum((unsigned char)*c) ? (char)tolower((unsigned char)*c) : '_';
    if (!(isalpha((unsigned char)n[0]) || n[0] == '_')) {
        char *x = pf_asprintf("p_%s", n);
        free(n);
        n = x;
    }
    if (strcmp(n, "weight") == 0) {
        free(n);
        n = pf_strdup("weight_value");
    }
    return n;
}

/* Name every $n of the statement. */
static void name_params(const toks *t, const trefs *r, const pf_init_schema *s, param **out,
                        size_t *n)
{
    *out = NULL;
    *n = 0;
    char *in_col = NULL, *in_qual = NULL, *in_sql = NULL; /* inside col IN ($1, $2, ...) */
    for (size_t i = 0; i < t->n; i++) {
        if (is(t, i, ")")) {
            free(in_col);
            free(in_qual);
            free(in_sql);
            in_col = in_qual = in_sql = NULL;
        }
        if (t->v[i].k != T_PARAM)
            continue;
        param p;
        memset(&p, 0, sizeof p);
        p.tok = i;
        p.kind = P_CONST;
        p.value = "NULL";
        char *col = NULL, *qual = NULL, *sql = NULL, *label = NULL;
        const char *suffix = "";
        if (i >= 1 && (is(t, i - 1, "limit") || is(t, i - 1, "offset"))) {
            label = pf_strdup(is(t, i - 1, "limit") ? "limit" : "offset");
            p.value = is(t, i - 1, "limit") ? "50" : "0";
            p.why = pf_strdup(is(t, i - 1, "limit") ? "a page of 50" : "the first page");
        } else if (i >= 2 && comparison(t, i - 1) &&
                   (is(t, i - 1, "like") || is(t, i - 1, "ilike") || is(t, i - 1, "~~") ||
                    is(t, i - 1, "~~*"))) {
            if (column_at(t, i - 2, &col, &qual, &sql))
                label = param_label(col);
            p.value = "'%'";
            p.why = pf_strdup("a pattern: '%' matches everything (set a realistic one)");
        } else if (i >= 2 && comparison(t, i - 1) && column_at(t, i - 2, &col, &qual, &sql)) {
            p.kind = P_COL;
        } else if (i >= 3 && is(t, i - 1, "(") && is(t, i - 2, "any") && comparison(t, i - 3) &&
                   column_at(t, i - 4, &col, &qual, &sql)) {
            p.kind = P_ARRAY;
        } else if (i >= 3 && is(t, i - 1, "(") && is(t, i - 2, "in") &&
                   column_at(t, i - 3, &col, &qual, &sql)) {
            p.kind = P_COL;
            free(in_col);
            free(in_qual);
            free(in_sql);
            in_col = pf_strdup(col);
            in_qual = qual ? pf_strdup(qual) : NULL;
            in_sql = pf_strdup(sql);
        } else if (i >= 1 && is(t, i - 1, ",") && in_col != NULL) {
            col = pf_strdup(in_col);
            qual = in_qual ? pf_strdup(in_qual) : NULL;
            sql = pf_strdup(in_sql);
            p.kind = P_COL;
        } else if (i >= 2 && is(t, i - 1, "between") && column_at(t, i - 2, &col, &qual, &sql)) {
            p.kind = P_COL;
            suffix = "_from";
        } else if (i >= 4 && is(t, i - 1, "and") && t->v[i - 2].k == T_PARAM &&
                   is(t, i - 3, "between") && column_at(t, i - 4, &col, &qual, &sql)) {
            p.kind = P_COL;
            suffix = "_to";
        } else if (comparison(t, i + 1) && column_at(t, i + 2, &col, &qual, &sql) &&
                   !is(t, i + 3, ".")) {
            p.kind = P_COL;
        } else if (comparison(t, i + 1) && ident(t, i + 2) && is(t, i + 3, ".") &&
                   column_at(t, i + 4, &col, &qual, &sql)) {
            p.kind = P_COL;
        }
        if (p.kind != P_CONST) {
            p.table = table_of(r, qual, col, s);
            if (p.table == NULL) {
                p.kind = P_CONST;
                p.why = pf_asprintf("compared with %s, whose table perfgate could not tell: "
                                    "NULL (set a real value)",
                                    col);
            } else {
                p.col = pf_strdup(sql);
                p.why = pf_asprintf("%s of %s%s", col, p.table->table,
                                    p.kind == P_ARRAY ? " (an array of up to 10)" : "");
            }
            if (label == NULL) {
                char *l = param_label(col);
                label = pf_asprintf("%s%s", l, suffix);
                free(l);
            }
        }
        if (label == NULL) {
            label = pf_asprintf("p%.*s", (int)t->v[i].len - 1, t->v[i].s + 1);
            if (p.why == NULL)
                p.why = pf_strdup("its use is not a plain comparison: NULL (set a real value)");
        }
        /* one name per $n: the same $n twice keeps its name; a taken name gets _2 */
        for (size_t k = 0; k < *n; k++)
            if ((*out)[k].tok != i && strcmp((*out)[k].name, label) == 0 &&
                (t->v[(*out)[k].tok].len != t->v[i].len ||
                 strncmp(t->v[(*out)[k].tok].s, t->v[i].s, t->v[i].len) != 0)) {
                char *x = pf_asprintf("%s_%zu", label, *n + 1);
                free(label);
                label = x;
                k = (size_t)-1;
            }
        p.name = label;
        free(col);
        free(qual);
        free(sql);
        *out = pf_realloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = p;
    }
    free(in_col);
    free(in_qual);
    free(in_sql);
}

static void params_free(param *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].name);
        free(p[i].col);
        free(p[i].why);
    }
    free(p);
}

/* The params query: one group per table (a single table's rows weighted
 * by how often each value combination occurs; several tables cross-joined,
 * a few values each), arrays and constants beside. NULL without params. */
static char *params_query(const param *p, size_t n)
{
    if (n == 0)
        return NULL;
    /* distinct names in order: the same $n used twice appears once */
    const tref *groups[16];
    size_t ng = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].kind == P_COL) {
            bool seen = false;
            for (size_t g = 0; g < ng; g++)
                seen = seen || groups[g] == p[i].table;
            if (!seen && ng < 16)
                groups[ng++] = p[i].table;
        }
    pf_buf sel = PF_BUF_INIT, from = PF_BUF_INIT;
    bool first = true;
    char *done = pf_calloc(n + 1, 1);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < i; k++)
            if (strcmp(p[k].name, p[i].name) == 0)
                done[i] = 1;
    }
    if (ng == 1) {
        pf_buf cols = PF_BUF_INIT, where = PF_BUF_INIT;
        for (size_t i = 0; i < n; i++) {
            if (done[i] || p[i].kind != P_COL)
                continue;
            pf_buf_printf(&sel, "%s%s AS %s", first ? "" : ", ", p[i].col, p[i].name);
            bool listed = false; /* the same column for several names: grouped once */
            for (size_t k = 0; k < i; k++)
                listed = listed || (p[k].kind == P_COL && !done[k] && strcmp(p[k].col, p[i].col) == 0);
            if (!listed) {
                pf_buf_printf(&cols, "%s%s", cols.len ? ", " : "", p[i].col);
                pf_buf_printf(&where, "%s%s IS NOT NULL", where.len ? " AND " : "", p[i].col);
            }
            first = false;
        }
        for (size_t i = 0; i < n; i++) {
            if (done[i] || p[i].kind == P_COL)
                continue;
            if (p[i].kind == P_ARRAY)
                pf_buf_printf(&sel, ", (SELECT array_agg(v) FROM (SELECT DISTINCT %s AS v FROM %s "
                                    "WHERE %s IS NOT NULL ORDER BY 1 LIMIT 10) x) AS %s",
                              p[i].col, p[i].table->table, p[i].col, p[i].name);
            else
                pf_buf_printf(&sel, ", %s AS %s", p[i].value, p[i].name);
        }
        pf_buf_printf(&sel, ", count(*) AS weight FROM %s WHERE %s GROUP BY %s ORDER BY %s LIMIT "
                            "1000",
                      groups[0]->table, pf_buf_str(&where), pf_buf_str(&cols), pf_buf_str(&cols));
        pf_buf_dispose(&cols);
        pf_buf_dispose(&where);
        char *q = pf_asprintf("SELECT %s", pf_buf_str(&sel));
        pf_buf_dispose(&sel);
        pf_buf_dispose(&from);
        free(done);
        return q;
    }
    int per = ng <= 1 ? 1000 : ng == 2 ? 30 : ng == 3 ? 10 : 5;
    for (size_t g = 0; g < ng; g++) {
        pf_buf inner = PF_BUF_INIT, where = PF_BUF_INIT;
        for (size_t i = 0; i < n; i++) {
            if (done[i] || p[i].kind != P_COL || p[i].table != groups[g])
                continue;
            pf_buf_printf(&inner, "%s%s AS %s", inner.len ? ", " : "", p[i].col, p[i].name);
            pf_buf_printf(&where, "%s%s IS NOT NULL", where.len ? " AND " : "", p[i].col);
            pf_buf_printf(&sel, "%sg%zu.%s", first ? "" : ", ", g, p[i].name);
            first = false;
        }
        pf_buf_printf(&from, "%s(SELECT DISTINCT %s FROM %s WHERE %s ORDER BY 1 LIMIT %d) g%zu",
                      g ? " CROSS JOIN " : "", pf_buf_str(&inner), groups[g]->table,
                      pf_buf_str(&where), per, g);
        pf_buf_dispose(&inner);
        pf_buf_dispose(&where);
    }
    for (size_t i = 0; i < n; i++) {
        if (done[i] || p[i].kind == P_COL)
            continue;
        if (p[i].kind == P_ARRAY)
            pf_buf_printf(&sel, "%s(SELECT array_agg(v) FROM (SELECT DISTINCT %s AS v FROM %s "
                                "WHERE %s IS NOT NULL ORDER BY 1 LIMIT 10) x) AS %s",
                          first ? "" : ", ", p[i].col, p[i].table->table, p[i].col, p[i].name);
        else
            pf_buf_printf(&sel, "%s%s AS %s", first ? "" : ", ", p[i].value, p[i].name);
        first = false;
    }
    char *q = from.len ? pf_asprintf("SELECT %s FROM %s", pf_buf_str(&sel), pf_buf_str(&from))
                       : pf_asprintf("SELECT %s", pf_buf_str(&sel));
    pf_buf_dispose(&sel);
    pf_buf_dispose(&from);
    free(done);
    return q;
}

/* ------------------------------------------------------------ the case */

static void note(pf_buf *b, const char *text)
{
    /* one line per note: wrapping could start a line with "word:" */
    pf_buf_puts(b, "-- * ");
    for (const char *p = text; *p; p++)
        pf_buf_putc(b, *p == '\n' ? ' ' : *p);
    pf_buf_putc(b, '\n');
}

/* The statement on one line, shortened to about max characters. */
static char *one_line(const char *q, size_t max)
{
    pf_buf b = PF_BUF_INIT;
    bool space = false;
    for (const char *p = q; *p && b.len < max; p++) {
        if (isspace((unsigned char)*p)) {
            space = b.len > 0;
            continue;
        }
        if (space)
            pf_buf_putc(&b, ' ');
        space = false;
        pf_buf_putc(&b, *p);
    }
    if (strlen(q) > max)
        pf_buf_puts(&b, " ...");
    return pf_buf_steal(&b);
}

int pf_init_pss_case(const pf_init_stmt *st, int rank, const pf_init_schema *s,
                     pf_init_case *out, char **why)
{
    memset(out, 0, sizeof *out);
    *why = NULL;
    toks t;
    lex(st->query, &t);
    if (t.n == 0 || !(is(&t, 0, "select") || is(&t, 0, "with"))) {
        *why = pf_strdup("not a SELECT");
        free(t.v);
        return -1;
    }
    for (size_t i = 0; i < t.n; i++)
        if (is(&t, i, "insert") || is(&t, i, "update") || is(&t, i, "delete")) {
            *why = pf_strdup("it writes (a data-modifying WITH)");
            free(t.v);
            return -1;
        }
    trefs r;
    find_tables(&t, &r);
    param *p = NULL;
    size_t np = 0;
    name_params(&t, &r, s, &p, &np);
    /* the statement with :names */
    pf_buf sql = PF_BUF_INIT;
    const char *at = st->query;
    for (size_t i = 0; i < np; i++) {
        const tok *k = &t.v[p[i].tok];
        pf_buf_append(&sql, at, (size_t)(k->s - at));
        pf_buf_printf(&sql, ":%s", p[i].name);
        at = k->s + k->len;
    }
    pf_buf_puts(&sql, at);
    while (sql.len > 0 && (isspace((unsigned char)sql.data[sql.len - 1]) ||
                           sql.data[sql.len - 1] == ';'))
        sql.data[--sql.len] = '\0';
    char *table = r.n ? pf_strdup(r.v[0].bare) : pf_strdup("query");
    for (char *c = table; *c; c++)
        if (!isalnum((unsigned char)*c))
            *c = '_';
    out->group = pf_strdup("top");
    out->name = pf_asprintf("top%02d_%s", rank, table);
    free(table);
    pf_buf b = PF_BUF_INIT;
    pf_buf_printf(&b, "-- Drafted by perfgate init from pg_stat_statements: statement #%d by "
                      "total time.\n",
                  rank);
    char *seen = pf_asprintf("seen there: %lld calls, %.1f ms in total, %.3f ms each, %.1f rows "
                             "each",
                             (long long)st->calls, st->total_ms, st->mean_ms,
                             st->calls ? (double)st->rows / (double)st->calls : 0.0);
    note(&b, seen);
    free(seen);
    for (size_t i = 0; i < np; i++) {
        bool dup = false;
        for (size_t k = 0; k < i; k++)
            dup = dup || strcmp(p[k].name, p[i].name) == 0;
        if (dup)
            continue;
        char *w = pf_asprintf("%.*s is :%s: %s", (int)t.v[p[i].tok].len, t.v[p[i].tok].s,
                              p[i].name,
                              p[i].why ? p[i].why
                                       : p[i].kind == P_CONST ? "a constant" : "a column value");
        note(&b, w);
        free(w);
    }
    note(&b, "identity owner: pg_stat_statements does not say who ran it");
    char *short_q = one_line(st->query, 90);
    char *desc = pf_asprintf("Statement #%d by total time in pg_stat_statements: %s", rank,
                             short_q);
    free(short_q);
    pf_buf_printf(&b, "-- description: %s\n", desc);
    free(desc);
    char *pq = params_query(p, np);
    if (pq != NULL)
        pf_buf_printf(&b, "-- params: %s\n", pq);
    free(pq);
    pf_buf_puts(&b, "-- tags: init top\n");
    pf_buf_printf(&b, "%s;\n", pf_buf_str(&sql));
    out->text = pf_buf_steal(&b);
    pf_buf_dispose(&sql);
    params_free(p, np);
    trefs_dispose(&r);
    free(t.v);
    return 0;
}

/* ------------------------------------------------------------ reading */

int pf_init_pss_read(pf_db *db, int top, pf_init_stmt **out, size_t *n, size_t *skipped,
                     pf_error *err)
{
    *out = NULL;
    *n = 0;
    *skipped = 0;
    char *view = NULL;
    /* through pg_catalog, so that this query is never one of the top ones */
    if (pf_db_query_value(db,
                          "SELECT quote_ident(n.nspname) || '.pg_stat_statements' "
                          "FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n "
                          "ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'",
                          &view, err) < 0)
        return -1;
    if (view == NULL)
        return pf_error_set(err, PF_EXIT_USAGE,
                            "pg_stat_statements is not installed in that database (CREATE "
                            "EXTENSION pg_stat_statements; it must be in "
                            "shared_preload_libraries)");
    char *sql = pf_asprintf("SELECT query, calls, total_exec_time, mean_exec_time, rows FROM %s "
                            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = "
                            "current_database()) AND calls > 0 "
                            "ORDER BY total_exec_time DESC, queryid LIMIT %d",
                            view, top * 4 + 20);
    free(view);
    pf_result *r = NULL;
    int rc = pf_db_query(db, sql, 0, NULL, &r, err);
    free(sql);
    if (rc < 0)
        return -1;
    for (int i = 0; i < pf_result_nrows(r) && (int)*n < top; i++) {
        const char *q = pf_result_get(r, i, 0);
        if (q == NULL)
            continue;
        toks t;
        lex(q, &t);
        bool read_only = t.n > 0 && (is(&t, 0, "select") || is(&t, 0, "with"));
        for (size_t k = 0; k < t.n && read_only; k++)
            if (is(&t, k, "insert") || is(&t, k, "update") || is(&t, k, "delete"))
                read_only = false;
        free(t.v);
        bool catalog = strstr(q, "pg_catalog") || strstr(q, "pg_stat") ||
                       strstr(q, "information_schema") || strstr(q, "pg_temp") ||
                       strstr(q, "pg_class") || strstr(q, "pg_namespace");
        if (!read_only || catalog) {
            (*skipped)++;
            continue;
        }
        *out = pf_realloc(*out, (*n + 1) * sizeof **out);
        pf_init_stmt *s = &(*out)[(*n)++];
        s->query = pf_strdup(q);
        s->calls = atoll(pf_result_get(r, i, 1));
        s->total_ms = atof(pf_result_get(r, i, 2));
        s->mean_ms = atof(pf_result_get(r, i, 3));
        s->rows = atoll(pf_result_get(r, i, 4));
    }
    pf_result_free(r);
    return 0;
}

void pf_init_stmts_free(pf_init_stmt *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].query);
    free(v);
}
