/* perfgate init: the applied schema read from the catalog into the plain
 * structs of init_catalog.h, and the small parsers of what the server
 * prints (CHECK constraints, partition bounds, qualified calls). */
#include "init_catalog.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "fsutil.h"

/* Candidates for text columns with a regex CHECK, in order of preference;
 * each with the shortest and a long value it produces (both must pass). */
typedef struct candidate_samples {
    const char *lo, *hi;
} candidate_samples;

const pf_init_candidate pf_init_text_candidates[] = {
    {"{\"gen\": \"template\", \"template\": \"{first_name}_{$row}\"}", "Olivia_1"},
    {"{\"gen\": \"template\", \"template\": \"{first_name}{$row}\"}", "Olivia1"},
    {"{\"gen\": \"template\", \"template\": \"item-{$row}\"}", "item-1"},
    {"{\"gen\": \"template\", \"template\": \"item_{$row}\"}", "item_1"},
    {"{\"gen\": \"template\", \"template\": \"item{$row}\"}", "item1"},
    {"{\"gen\": \"template\", \"template\": \"ITEM{$row}\"}", "ITEM1"},
    {"{\"gen\": \"sequence\", \"start\": 1000000001}", "1000000001"},
    {"{\"gen\": \"template\", \"template\": \"{$row}\"}", "1"},
    {"{\"gen\": \"template\", \"template\": \"{word}\"}", "follow-up"},
    {"{\"gen\": \"template\", \"template\": \"{first_name} {last_name}\"}", "Olivia Smith"},
};
const size_t pf_init_n_text_candidates =
    sizeof pf_init_text_candidates / sizeof pf_init_text_candidates[0];

/* The long value of each candidate (same order). */
static const char *const k_candidate_hi[] = {
    "Mohammed_999999", "Mohammed999999", "item-999999", "item_999999", "item999999",
    "ITEM999999",      "1000999999",     "999999",      "neurological", "Mohammed Rodriguez",
};

/* ------------------------------------------------------------ helpers */

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* The position after a '...' literal or "..." identifier starting at p. */
static const char *skip_quoted(const char *p)
{
    char q = *p++;
    while (*p) {
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

/* Append a name to a NULL-terminated vector unless it is there. */
static void strv_add_unique(char ***v, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], s) == 0)
            return;
    *v = pf_realloc(*v, (*n + 2) * sizeof **v);
    (*v)[(*n)++] = pf_strdup(s);
    (*v)[*n] = NULL;
}

static void strv_add(char ***v, size_t *n, const char *s)
{
    *v = pf_realloc(*v, (*n + 2) * sizeof **v);
    (*v)[(*n)++] = pf_strdup(s);
    (*v)[*n] = NULL;
}

/* An identifier at p (plain or "quoted"), its text into buf; returns the
 * position after it, or NULL when there is none. */
static const char *read_ident(const char *p, char *buf, size_t len)
{
    size_t n = 0;
    if (*p == '"') {
        p++;
        while (*p && !(*p == '"' && p[1] != '"')) {
            if (*p == '"')
                p++;
            if (n + 1 < len)
                buf[n++] = *p;
            p++;
        }
        if (*p != '"')
            return NULL;
        buf[n] = '\0';
        return p + 1;
    }
    if (!(isalpha((unsigned char)*p) || *p == '_'))
        return NULL;
    while (ident_char(*p)) {
        if (n + 1 < len)
            buf[n++] = *p;
        p++;
    }
    buf[n] = '\0';
    return p;
}

char **pf_init_qualified_calls(const char *sql)
{
    char **out = pf_calloc(1, sizeof *out);
    size_t n = 0;
    const char *p = sql;
    while (*p) {
        if (*p == '\'' ) {
            p = skip_quoted(p);
            continue;
        }
        bool start = (isalpha((unsigned char)*p) || *p == '_' || *p == '"') &&
                     (p == sql || (!ident_char(p[-1]) && p[-1] != '.' && p[-1] != '"'));
        if (!start) {
            p++;
            continue;
        }
        char a[128], b[128];
        const char *q = read_ident(p, a, sizeof a);
        if (q == NULL) {
            p++;
            continue;
        }
        if (*q == '.') {
            const char *r = read_ident(q + 1, b, sizeof b);
            if (r != NULL && *r == '(') {
                char *name = pf_asprintf("%s.%s", a, b);
                strv_add_unique(&out, &n, name);
                free(name);
            }
            p = r ? r : q + 1;
            continue;
        }
        p = q;
    }
    return out;
}

/* s without its outermost parentheses when one pair encloses all of it
 * (repeatedly); a new string. */
static char *strip_parens(const char *s)
{
    size_t len = strlen(s);
    while (len > 0 && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    for (;;) {
        if (len < 2 || s[0] != '(' || s[len - 1] != ')')
            break;
        int depth = 0;
        bool encloses = true;
        for (size_t i = 0; i < len; i++) {
            if (s[i] == '\'' || s[i] == '"') {
                const char *e = skip_quoted(s + i);
                i = (size_t)(e - s) - 1;
                continue;
            }
            if (s[i] == '(')
                depth++;
            else if (s[i] == ')' && --depth == 0 && i != len - 1) {
                encloses = false;
                break;
            }
        }
        if (!encloses)
            break;
        s++;
        len -= 2;
    }
    return pf_strndup(s, len);
}

/* Split s at top-level occurrences of the keyword sep (" AND ", " OR ").
 * NULL-terminated; caller frees. */
static char **split_top(const char *s, const char *sep)
{
    char **out = pf_calloc(1, sizeof *out);
    size_t n = 0, seplen = strlen(sep);
    int depth = 0;
    const char *from = s;
    for (const char *p = s; *p;) {
        if (*p == '\'' || *p == '"') {
            p = skip_quoted(p);
            continue;
        }
        if (*p == '(')
            depth++;
        else if (*p == ')')
            depth--;
        else if (depth == 0 && strncmp(p, sep, seplen) == 0) {
            char *part = pf_strndup(from, (size_t)(p - from));
            strv_add(&out, &n, part);
            free(part);
            p += seplen;
            from = p;
            continue;
        }
        p++;
    }
    strv_add(&out, &n, from);
    return out;
}

/* The top-level binary operator of an expression: its position and text. */
static const char *find_op(const char *s, const char **op)
{
    static const char *const ops[] = {" >= ", " <= ", " <> ", " != ", " ~* ", " > ",
                                      " < ",  " = ",  " ~ ",  NULL};
    int depth = 0;
    for (const char *p = s; *p;) {
        if (*p == '\'' || *p == '"') {
            p = skip_quoted(p);
            continue;
        }
        if (*p == '(')
            depth++;
        else if (*p == ')')
            depth--;
        else if (depth == 0 && *p == ' ')
            for (const char *const *o = ops; *o; o++)
                if (strncmp(p, *o, strlen(*o)) == 0) {
                    *op = *o;
                    return p;
                }
        p++;
    }
    return NULL;
}

/* The quoted literals in s ('a'::text, 'b'), NULL-terminated. */
static char **literals(const char *s)
{
    char **out = pf_calloc(1, sizeof *out);
    size_t n = 0;
    for (const char *p = s; *p;) {
        if (*p == '"') {
            p = skip_quoted(p);
            continue;
        }
        if (*p != '\'') {
            p++;
            continue;
        }
        pf_buf b = PF_BUF_INIT;
        p++;
        while (*p) {
            if (*p == '\'' && p[1] == '\'') {
                pf_buf_putc(&b, '\'');
                p += 2;
                continue;
            }
            if (*p == '\'')
                break;
            pf_buf_putc(&b, *p++);
        }
        if (*p == '\'')
            p++;
        char *v = pf_buf_steal(&b);
        strv_add(&out, &n, v);
        free(v);
    }
    return out;
}

/* A number at the start of s, skipping '(' and a quote: 0, '0'::numeric,
 * (0)::numeric, -1.5. */
static bool leading_number(const char *s, double *out)
{
    while (*s == ' ' || *s == '(' || *s == '\'')
        s++;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v))
        return false;
    if (*end != '\0' && *end != ')' && *end != '\'' && *end != ':' && *end != ' ')
        return false;
    *out = v;
    return true;
}

static bool starts_with_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Of the disjuncts ors (nor of them, nor > 1), the one that is not
 * "x IS NULL" when there is exactly one such; else NULL. */
static const char *non_null_disjunct(char **ors, size_t nor)
{
    const char *rest = NULL;
    size_t others = 0;
    for (size_t i = 0; i < nor; i++) {
        char *d = strip_parens(ors[i]);
        size_t dl = strlen(d);
        if (dl > 8 && strcmp(d + dl - 8, " IS NULL") == 0) {
            free(d);
            continue;
        }
        free(d);
        rest = ors[i];
        others++;
    }
    return others == 1 ? rest : NULL;
}

/* The values of "= ANY (...)": its literals or, failing those, its
 * numbers; an empty list (vals[0] == NULL) when neither. */
static char **any_values(const char *rhs)
{
    char **vals = literals(rhs);
    if (vals[0] == NULL) {
        /* numbers: ANY (ARRAY[1, 2, 3]) */
        const char *b = strchr(rhs, '[');
        size_t n = 0;
        for (const char *p = b ? b + 1 : ""; *p && *p != ']';) {
            double v;
            char *end = NULL;
            while (*p == ' ' || *p == ',' || *p == '(')
                p++;
            v = strtod(p, &end);
            if (end == p)
                break;
            char num[64];
            snprintf(num, sizeof num, "%.17g", v);
            strv_add(&vals, &n, num);
            p = end;
            while (*p && *p != ',' && *p != ']')
                p++;
        }
    }
    return vals;
}

/* A comparison "lhs op rhs" other than =, ~ and <>: a bound on the value
 * or, when length, on its length. */
static bool apply_bound(const char *op, const char *rhs, bool length, pf_init_column *c)
{
    bool ok = false;
    double v;
    bool ge = strcmp(op, " >= ") == 0, gt = strcmp(op, " > ") == 0;
    bool le = strcmp(op, " <= ") == 0, lt = strcmp(op, " < ") == 0;
    if ((ge || gt || le || lt) && leading_number(rhs, &v)) {
        double unit = 0.01;
        if (c->kind == PF_INIT_INT || length)
            unit = 1;
        else if (c->kind == PF_INIT_NUMERIC && c->num_scale >= 0)
            unit = pow(10, -c->num_scale);
        if (length) {
            if (ge || gt)
                c->len_min = (int)(gt ? v + 1 : v);
            else
                c->len_max = (int)(lt ? v - 1 : v);
        } else if (ge || gt) {
            c->has_min = true;
            c->min = gt ? v + unit : v;
        } else {
            c->has_max = true;
            c->max = lt ? v - unit : v;
        }
        ok = true;
    } else if (ge || gt || le || lt) {
        /* a date or time bound ('1900-01-01'::date): the drafted
         * windows lie well inside any sensible one */
        ok = rhs[0] == '\'' || rhs[0] == '(';
    }
    return ok;
}

/* One conjunct of a single-column CHECK. */
static bool apply_conjunct(const char *text, pf_init_column *c)
{
    char *s = strip_parens(text);
    bool ok = false;
    /* "(x IS NULL) OR (p)": p constrains the non-null values. */
    char **ors = split_top(s, " OR ");
    size_t nor = 0;
    while (ors[nor])
        nor++;
    if (nor > 1) {
        const char *rest = non_null_disjunct(ors, nor);
        ok = rest != NULL && apply_conjunct(rest, c);
        pf_strv_free(ors);
        free(s);
        return ok;
    }
    pf_strv_free(ors);
    size_t sl = strlen(s);
    if (sl > 12 && strcmp(s + sl - 12, " IS NOT NULL") == 0) {
        free(s);
        return true;
    }
    const char *op = NULL;
    const char *at = find_op(s, &op);
    if (at == NULL) {
        free(s);
        return false;
    }
    char *lhs = pf_strndup(s, (size_t)(at - s));
    const char *rhs = at + strlen(op);
    char *l = strip_parens(lhs);
    bool length = starts_with_ci(l, "length(") || starts_with_ci(l, "char_length(") ||
                  starts_with_ci(l, "character_length(");
    if (strcmp(op, " = ") == 0 && strncmp(rhs, "ANY ", 4) == 0 && !length) {
        char **vals = any_values(rhs);
        if (vals[0] != NULL) {
            pf_strv_free(c->choices);
            c->choices = vals;
            ok = true;
        } else {
            pf_strv_free(vals);
        }
    } else if (strcmp(op, " = ") == 0 && !length && rhs[0] == '\'') {
        char **vals = literals(rhs);
        if (vals[0] != NULL && vals[1] == NULL) {
            pf_strv_free(c->choices);
            c->choices = vals;
            ok = true;
        } else {
            pf_strv_free(vals);
        }
    } else if (strcmp(op, " ~ ") == 0 || strcmp(op, " ~* ") == 0) {
        char **vals = literals(rhs);
        if (vals[0] != NULL) {
            size_t n = 0;
            while (c->regexes && c->regexes[n])
                n++;
            strv_add(&c->regexes, &n, vals[0]);
            ok = true;
        }
        pf_strv_free(vals);
    } else if (strcmp(op, " <> ") == 0 || strcmp(op, " != ") == 0) {
        ok = true; /* x <> '': generated values are not empty */
    } else {
        ok = apply_bound(op, rhs, length, c);
    }
    free(l);
    free(lhs);
    free(s);
    return ok;
}

char **pf_init_sql_split(const char *s, const char *sep)
{
    return split_top(s, sep);
}

char *pf_init_sql_strip(const char *s)
{
    return strip_parens(s);
}

char *pf_init_sql_rename_call(const char *s, const char *from, const char *to)
{
    pf_buf b = PF_BUF_INIT;
    size_t fl = strlen(from);
    for (const char *p = s; *p;) {
        if (*p == '\'' || *p == '"') {
            const char *e = skip_quoted(p);
            pf_buf_append(&b, p, (size_t)(e - p));
            p = e;
            continue;
        }
        bool start = p == s || (!ident_char(p[-1]) && p[-1] != '.');
        if (start && strncmp(p, from, fl) == 0 && p[fl] == '(') {
            pf_buf_puts(&b, to);
            p += fl;
            continue;
        }
        pf_buf_putc(&b, *p++);
    }
    return pf_buf_steal(&b);
}

/* "CHECK (expr)" or "CHECK (expr) NOT VALID" → expr, parentheses stripped. */
static char *check_body(const char *def)
{
    const char *p = def;
    if (strncmp(p, "CHECK ", 6) == 0)
        p += 6;
    char *s = pf_strdup(p);
    size_t len = strlen(s);
    if (len > 10 && strcmp(s + len - 10, " NOT VALID") == 0)
        s[len - 10] = '\0';
    char *body = strip_parens(s);
    free(s);
    return body;
}

bool pf_init_check_apply(const char *def, pf_init_column *c)
{
    char *body = check_body(def);
    char **ands = split_top(body, " AND ");
    bool all = true;
    for (size_t i = 0; ands[i]; i++)
        if (!apply_conjunct(ands[i], c))
            all = false;
    pf_strv_free(ands);
    free(body);
    return all;
}

/* A plain column name (possibly quoted), whole: its text, else NULL. */
static char *plain_ident(const char *s)
{
    char buf[128];
    char *t = strip_parens(s);
    const char *e = read_ident(t, buf, sizeof buf);
    char *out = e != NULL && *e == '\0' ? pf_strdup(buf) : NULL;
    free(t);
    return out;
}

bool pf_init_check_order(const char *def, char **later, char **earlier)
{
    *later = *earlier = NULL;
    char *body = check_body(def);
    char **ors = split_top(body, " OR ");
    const char *cmp = NULL;
    size_t n = 0;
    for (size_t i = 0; ors[i]; i++) {
        char *d = strip_parens(ors[i]);
        size_t dl = strlen(d);
        bool isnull = dl > 8 && strcmp(d + dl - 8, " IS NULL") == 0;
        free(d);
        if (!isnull) {
            cmp = ors[i];
            n++;
        }
    }
    bool ok = false;
    if (n == 1) {
        char *s = strip_parens(cmp);
        const char *op = NULL;
        const char *at = find_op(s, &op);
        if (at != NULL) {
            char *l = pf_strndup(s, (size_t)(at - s));
            char *a = plain_ident(l), *b = plain_ident(at + strlen(op));
            bool gt = strcmp(op, " > ") == 0 || strcmp(op, " >= ") == 0;
            bool lt = strcmp(op, " < ") == 0 || strcmp(op, " <= ") == 0;
            if (a != NULL && b != NULL && (gt || lt)) {
                *later = gt ? a : b;
                *earlier = gt ? b : a;
                ok = true;
            } else {
                free(a);
                free(b);
            }
            free(l);
        }
        free(s);
    }
    pf_strv_free(ors);
    free(body);
    return ok;
}

char *pf_init_bound_time(const char *literal)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    char rest[32] = "";
    int n = sscanf(literal, "%4d-%2d-%2d %2d:%2d:%2d%31s", &y, &mo, &d, &h, &mi, &sec, rest);
    if (n < 3)
        return NULL;
    if (n == 3)
        return pf_asprintf("%04d-%02d-%02d", y, mo, d);
    if (n < 6)
        return NULL;
    /* Fractions are cut; the session runs in UTC, so the offset is +00. */
    const char *off = rest;
    if (*off == '.')
        while (*off == '.' || isdigit((unsigned char)*off))
            off++;
    if (*off != '\0' && strcmp(off, "+00") != 0)
        return NULL;
    return pf_asprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, sec);
}

/* ------------------------------------------------------------ reading */

static void column_dispose(pf_init_column *c)
{
    free(c->name);
    free(c->ident);
    free(c->type);
    free(c->default_expr);
    pf_strv_free(c->enum_values);
    pf_strv_free(c->choices);
    pf_strv_free(c->regexes);
    free(c->after);
}

static void table_dispose(pf_init_table *t)
{
    free(t->schema);
    free(t->name);
    free(t->qname);
    free(t->spec_name);
    free(t->part_from);
    free(t->part_to);
    pf_strv_free(t->part_values);
    for (size_t i = 0; i < t->n_cols; i++)
        column_dispose(&t->cols[i]);
    free(t->cols);
    for (size_t i = 0; i < t->n_keys; i++) {
        free(t->keys[i].name);
        free(t->keys[i].cols);
    }
    free(t->keys);
    for (size_t i = 0; i < t->n_indexes; i++) {
        free(t->indexes[i].name);
        free(t->indexes[i].cols);
        free(t->indexes[i].pred);
    }
    free(t->indexes);
    for (size_t i = 0; i < t->n_fks; i++) {
        free(t->fks[i].name);
        free(t->fks[i].cols);
        free(t->fks[i].ref_cols);
        pf_strv_free(t->fks[i].ref_values);
    }
    free(t->fks);
    for (size_t i = 0; i < t->n_checks; i++) {
        free(t->checks[i].name);
        free(t->checks[i].def);
        free(t->checks[i].cols);
    }
    free(t->checks);
    for (size_t i = 0; i < t->n_pols; i++) {
        free(t->pols[i].name);
        free(t->pols[i].roles);
        free(t->pols[i].using_expr);
        free(t->pols[i].check_expr);
    }
    free(t->pols);
    pf_strv_free(t->triggers);
    free(t->comment);
}

void pf_init_schema_free(pf_init_schema *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        table_dispose(&s->tables[i]);
    free(s->tables);
    for (size_t i = 0; i < s->n_funcs; i++) {
        pf_init_function *f = &s->funcs[i];
        free(f->schema);
        free(f->name);
        free(f->signature);
        free(f->language);
        free(f->def);
        free(f->args);
        free(f->result);
        free(f->body);
        free(f->config);
    }
    free(s->funcs);
    pf_strv_free(s->exposed);
    free(s);
}

int pf_init_table_find(const pf_init_schema *s, const char *schema, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->tables[i].schema, schema) == 0 && strcmp(s->tables[i].name, name) == 0)
            return (int)i;
    return -1;
}

int pf_init_column_find(const pf_init_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_cols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

const pf_init_function *pf_init_function_find(const pf_init_schema *s, const char *qname)
{
    for (size_t i = 0; i < s->n_funcs; i++) {
        char *q = pf_asprintf("%s.%s", s->funcs[i].schema, s->funcs[i].name);
        bool eq = strcmp(q, qname) == 0;
        free(q);
        if (eq)
            return &s->funcs[i];
    }
    return NULL;
}

/* The table with this oid (the reader keeps oids beside the tables). */
typedef struct reader {
    pf_db *db;
    pf_init_schema *s;
    char **oids; /* per table */
    pf_error *err;
} reader;

static int table_by_oid(const reader *r, const char *oid)
{
    for (size_t i = 0; i < r->s->n; i++)
        if (strcmp(r->oids[i], oid) == 0)
            return (int)i;
    return -1;
}

static const char *val(const pf_result *res, int row, int col)
{
    const char *v = pf_result_get(res, row, col);
    return v ? v : "";
}

static bool truthy(const char *v)
{
    return v != NULL && v[0] == 't';
}

/* "1,2,3" → ints; *n their count. */
static int *int_list(const char *s, size_t *n)
{
    *n = 0;
    int *out = NULL;
    for (const char *p = s; *p;) {
        char *end = NULL;
        long v = strtol(p, &end, 10);
        if (end == p) {
            p++;
            continue;
        }
        out = pf_realloc(out, (*n + 1) * sizeof *out);
        out[(*n)++] = (int)v;
        p = end;
    }
    return out;
}

/* attnums → column indexes (-1 for 0, an expression). Columns are read in
 * attnum order, but dropped ones leave gaps: map through the names. */
typedef struct attmap {
    int *attnum; /* per column */
} attmap;

static int col_of_attnum(const pf_init_table *t, const int *attnums, int attnum)
{
    if (attnum <= 0)
        return -1;
    for (size_t i = 0; i < t->n_cols; i++)
        if (attnums[i] == attnum)
            return (int)i;
    return -1;
}

/* A catalog list of attnums ("2,5") as column indexes of t, in order
 * (NULL-safe, *n entries, one spare slot). */
static int *cols_of_attnums(const pf_init_table *t, const int *attnums, const char *list,
                            size_t *n)
{
    int *nums = int_list(list, n);
    int *cols = pf_calloc(*n + 1, sizeof *cols);
    for (size_t k = 0; k < *n; k++)
        cols[k] = col_of_attnum(t, attnums, nums[k]);
    free(nums);
    return cols;
}

/* Split a string on the unit separator (0x1f); NULL for "". */
static char **split_us(const char *s)
{
    if (s == NULL || *s == '\0')
        return NULL;
    char **out = pf_calloc(1, sizeof *out);
    size_t n = 0;
    const char *from = s;
    for (const char *p = s;; p++) {
        if (*p == '\x1f' || *p == '\0') {
            char *part = pf_strndup(from, (size_t)(p - from));
            strv_add(&out, &n, part);
            free(part);
            if (*p == '\0')
                break;
            from = p + 1;
        }
    }
    return out;
}

static pf_init_kind kind_of(const char *typname, const char *typtype, int *int_bytes)
{
    static const struct {
        const char *name;
        pf_init_kind kind;
        int bytes;
    } k[] = {
        {"text", PF_INIT_TEXT, 0},         {"varchar", PF_INIT_TEXT, 0},
        {"bpchar", PF_INIT_TEXT, 0},       {"citext", PF_INIT_TEXT, 0},
        {"name", PF_INIT_TEXT, 0},         {"int2", PF_INIT_INT, 2},
        {"int4", PF_INIT_INT, 4},          {"int8", PF_INIT_INT, 8},
        {"float4", PF_INIT_FLOAT, 0},      {"float8", PF_INIT_FLOAT, 0},
        {"numeric", PF_INIT_NUMERIC, 0},   {"money", PF_INIT_NUMERIC, 0},
        {"bool", PF_INIT_BOOL, 0},         {"uuid", PF_INIT_UUID, 0},
        {"date", PF_INIT_DATE, 0},         {"timestamp", PF_INIT_TIMESTAMP, 0},
        {"timestamptz", PF_INIT_TIMESTAMP, 0}, {"time", PF_INIT_TIME, 0},
        {"timetz", PF_INIT_TIME, 0},       {"interval", PF_INIT_INTERVAL, 0},
        {"json", PF_INIT_JSON, 0},         {"jsonb", PF_INIT_JSON, 0},
        {"inet", PF_INIT_INET, 0},         {"cidr", PF_INIT_INET, 0},
        {"bytea", PF_INIT_BYTEA, 0},       {"tsvector", PF_INIT_TSVECTOR, 0},
    };
    *int_bytes = 0;
    if (strcmp(typtype, "e") == 0)
        return PF_INIT_ENUM;
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strcmp(typname, k[i].name) == 0) {
            *int_bytes = k[i].bytes;
            return k[i].kind;
        }
    return PF_INIT_OTHER;
}

/* The tables of every user schema, in (schema, name) order. */
#define TABLES_WHERE                                                                           \
    "c.relkind IN ('r', 'p') AND NOT c.relispartition "                                        \
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "                              \
    "AND n.nspname !~ '^pg_(toast|temp)' "                                                     \
    "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "       \
    "AND d.objid = c.oid AND d.deptype = 'e')"

static int read_tables(reader *r, bool has_auth_role)
{
    char *sql = pf_asprintf(
        "SELECT c.oid, n.nspname, c.relname, c.relkind = 'p', c.relrowsecurity, "
        "c.relforcerowsecurity, c.reltuples::bigint, obj_description(c.oid, 'pg_class'), "
        "format('%%I.%%I', n.nspname, c.relname), pt.partstrat, pt.partnatts, "
        "pt.partattrs[0], %s "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid "
        "WHERE " TABLES_WHERE " ORDER BY n.nspname, c.relname",
        has_auth_role
            ? "has_table_privilege('authenticated', c.oid, 'SELECT'), "
              "has_table_privilege('authenticated', c.oid, 'INSERT'), "
              "has_table_privilege('authenticated', c.oid, 'UPDATE'), "
              "has_table_privilege('authenticated', c.oid, 'DELETE')"
            : "false, false, false, false");
    pf_result *res = NULL;
    int rc = pf_db_query(r->db, sql, 0, NULL, &res, r->err);
    free(sql);
    if (rc < 0)
        return -1;
    int n = pf_result_nrows(res);
    r->s->tables = pf_calloc((size_t)n + 1, sizeof *r->s->tables);
    r->oids = pf_calloc((size_t)n + 1, sizeof *r->oids);
    r->s->n = (size_t)n;
    for (int i = 0; i < n; i++) {
        pf_init_table *t = &r->s->tables[i];
        r->oids[i] = pf_strdup(val(res, i, 0));
        t->schema = pf_strdup(val(res, i, 1));
        t->name = pf_strdup(val(res, i, 2));
        t->partitioned = truthy(val(res, i, 3));
        t->rls = truthy(val(res, i, 4));
        t->force_rls = truthy(val(res, i, 5));
        t->rows = atoll(val(res, i, 6));
        t->comment = pf_result_get(res, i, 7) ? pf_strdup(val(res, i, 7)) : NULL;
        t->qname = pf_strdup(val(res, i, 8));
        t->spec_name = strcmp(t->schema, "public") == 0 ? pf_strdup(t->name)
                                                        : pf_asprintf("%s.%s", t->schema, t->name);
        t->part_strategy = pf_result_get(res, i, 9) ? val(res, i, 9)[0] : 0;
        t->part_col = -1;
        if (t->part_strategy != 0 && atoi(val(res, i, 10)) == 1)
            t->part_col = atoi(val(res, i, 11)); /* an attnum for now, mapped below */
        t->can_select = truthy(val(res, i, 12));
        t->can_insert = truthy(val(res, i, 13));
        t->can_update = truthy(val(res, i, 14));
        t->can_delete = truthy(val(res, i, 15));
        for (char **x = r->s->exposed; *x; x++)
            if (strcmp(*x, t->schema) == 0)
                t->exposed = true;
    }
    pf_result_free(res);
    return 0;
}

static int read_columns(reader *r, int **attnums)
{
    static const char sql[] =
        "SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), "
        "a.attnotnull, a.attidentity <> '', a.attgenerated <> '', "
        "pg_get_expr(d.adbin, d.adrelid), t3.typname, t3.typtype, t1.typcategory = 'A', "
        "CASE WHEN t0.typtype = 'd' THEN t0.typtypmod ELSE a.atttypmod END, "
        "(SELECT string_agg(e.enumlabel, E'\\x1f' ORDER BY e.enumsortorder) FROM pg_enum e "
        " WHERE e.enumtypid = t3.oid), quote_ident(a.attname), "
        "(SELECT string_agg(pg_get_constraintdef(k.oid), E'\\x1f' ORDER BY k.conname) "
        " FROM pg_constraint k WHERE k.contype = 'c' AND k.contypid IN (t0.oid, t2.oid) "
        " AND (t0.typtype = 'd' OR t2.typtype = 'd')) "
        "FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_type t0 ON t0.oid = a.atttypid "
        "JOIN pg_type t1 ON t1.oid = CASE WHEN t0.typtype = 'd' THEN t0.typbasetype ELSE t0.oid END "
        "JOIN pg_type t2 ON t2.oid = CASE WHEN t1.typcategory = 'A' AND t1.typelem <> 0 "
        "  THEN t1.typelem ELSE t1.oid END "
        "JOIN pg_type t3 ON t3.oid = CASE WHEN t2.typtype = 'd' THEN t2.typbasetype ELSE t2.oid END "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attnum > 0 AND NOT a.attisdropped AND " TABLES_WHERE
        " ORDER BY a.attrelid, a.attnum";
    pf_result *res = NULL;
    if (pf_db_query(r->db, sql, 0, NULL, &res, r->err) < 0)
        return -1;
    int n = pf_result_nrows(res);
    for (int i = 0; i < n; i++) {
        int ti = table_by_oid(r, val(res, i, 0));
        if (ti < 0)
            continue;
        pf_init_table *t = &r->s->tables[ti];
        t->cols = pf_realloc(t->cols, (t->n_cols + 1) * sizeof *t->cols);
        attnums[ti] = pf_realloc(attnums[ti], (t->n_cols + 1) * sizeof *attnums[ti]);
        attnums[ti][t->n_cols] = atoi(val(res, i, 1));
        pf_init_column *c = &t->cols[t->n_cols++];
        memset(c, 0, sizeof *c);
        c->name = pf_strdup(val(res, i, 2));
        c->type = pf_strdup(val(res, i, 3));
        c->not_null = truthy(val(res, i, 4));
        c->identity = truthy(val(res, i, 5));
        c->generated = truthy(val(res, i, 6));
        c->default_expr = pf_result_get(res, i, 7) ? pf_strdup(val(res, i, 7)) : NULL;
        if (c->generated) {
            free(c->default_expr); /* the generation expression, not a default */
            c->default_expr = NULL;
        }
        c->serial = c->default_expr && strstr(c->default_expr, "nextval(") != NULL;
        c->kind = kind_of(val(res, i, 8), val(res, i, 9), &c->int_bytes);
        c->array = truthy(val(res, i, 10));
        int mod = atoi(val(res, i, 11));
        c->num_scale = -1;
        if (c->kind == PF_INIT_TEXT && mod > 4 && strcmp(val(res, i, 8), "citext") != 0)
            c->max_len = mod - 4;
        if (c->kind == PF_INIT_NUMERIC && mod > 4 && strcmp(val(res, i, 8), "numeric") == 0) {
            int prec = ((mod - 4) >> 16) & 0xffff, scale = (mod - 4) & 0xffff;
            c->num_scale = scale;
            c->num_digits = prec - scale;
        }
        c->enum_values = split_us(pf_result_get(res, i, 12));
        c->ident = pf_strdup(val(res, i, 13));
        /* a domain's CHECKs constrain the column like its own (VALUE > 0) */
        char **dom = split_us(pf_result_get(res, i, 14));
        for (size_t k = 0; dom && dom[k]; k++)
            if (!pf_init_check_apply(dom[k], c))
                c->check_other = true;
        pf_strv_free(dom);
    }
    pf_result_free(res);
    /* The partition key column: attnum → index. */
    for (size_t ti = 0; ti < r->s->n; ti++) {
        pf_init_table *t = &r->s->tables[ti];
        if (t->part_col > 0)
            t->part_col = col_of_attnum(t, attnums[ti], t->part_col);
    }
    return 0;
}

static int read_keys(reader *r, int **attnums)
{
    static const char sql[] =
        "SELECT i.indrelid, ic.relname, i.indisunique, i.indisprimary, i.indpred IS NOT NULL, "
        "array_to_string((i.indkey::int2[])[0:i.indnkeyatts - 1], ','), "
        "pg_get_expr(i.indpred, i.indrelid) "
        "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
        "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE " TABLES_WHERE " ORDER BY i.indrelid, i.indisprimary DESC, ic.relname";
    pf_result *res = NULL;
    if (pf_db_query(r->db, sql, 0, NULL, &res, r->err) < 0)
        return -1;
    for (int i = 0; i < pf_result_nrows(res); i++) {
        int ti = table_by_oid(r, val(res, i, 0));
        if (ti < 0)
            continue;
        pf_init_table *t = &r->s->tables[ti];
        size_t n = 0;
        int *cols = cols_of_attnums(t, attnums[ti], val(res, i, 5), &n);
        bool unique = truthy(val(res, i, 2)), primary = truthy(val(res, i, 3));
        bool partial = truthy(val(res, i, 4));
        t->indexes = pf_realloc(t->indexes, (t->n_indexes + 1) * sizeof *t->indexes);
        pf_init_index *ix = &t->indexes[t->n_indexes++];
        ix->name = pf_strdup(val(res, i, 1));
        ix->n = n;
        ix->cols = pf_calloc(n + 1, sizeof *ix->cols);
        memcpy(ix->cols, cols, n * sizeof *cols);
        ix->partial = partial;
        ix->pred = pf_result_get(res, i, 6) ? pf_strdup(val(res, i, 6)) : NULL;
        if (!unique) {
            free(cols);
            continue;
        }
        t->keys = pf_realloc(t->keys, (t->n_keys + 1) * sizeof *t->keys);
        pf_init_key *k = &t->keys[t->n_keys++];
        k->name = pf_strdup(val(res, i, 1));
        k->n = n;
        k->cols = cols;
        k->primary = primary;
        k->partial = partial;
        if (n == 1 && cols[0] >= 0)
            t->cols[cols[0]].unique = true;
        if (primary)
            for (size_t c = 0; c < n; c++)
                if (cols[c] >= 0)
                    t->cols[cols[c]].pk = true;
    }
    pf_result_free(res);
    return 0;
}

static int read_constraints(reader *r, int **attnums)
{
    static const char sql[] =
        "SELECT k.conrelid, k.conname, k.contype, array_to_string(k.conkey, ','), k.confrelid, "
        "array_to_string(k.confkey, ','), pg_get_constraintdef(k.oid) "
        "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE k.contype IN ('c', 'f') AND k.conparentid = 0 AND " TABLES_WHERE
        " ORDER BY k.conrelid, k.conname";
    pf_result *res = NULL;
    if (pf_db_query(r->db, sql, 0, NULL, &res, r->err) < 0)
        return -1;
    for (int i = 0; i < pf_result_nrows(res); i++) {
        int ti = table_by_oid(r, val(res, i, 0));
        if (ti < 0)
            continue;
        pf_init_table *t = &r->s->tables[ti];
        size_t n = 0;
        int *cols = cols_of_attnums(t, attnums[ti], val(res, i, 3), &n);
        if (val(res, i, 2)[0] == 'f') {
            int ri = table_by_oid(r, val(res, i, 4));
            size_t rn = 0;
            int *rcols =
                ri < 0 ? NULL : cols_of_attnums(&r->s->tables[ri], attnums[ri], val(res, i, 5), &rn);
            if (ri < 0 || rn != n) {
                free(rcols);
                free(cols);
                continue; /* a table outside what was read (a partition, an extension's) */
            }
            t->fks = pf_realloc(t->fks, (t->n_fks + 1) * sizeof *t->fks);
            pf_init_fk *fk = &t->fks[t->n_fks++];
            memset(fk, 0, sizeof *fk);
            fk->name = pf_strdup(val(res, i, 1));
            fk->n = n;
            fk->cols = cols;
            fk->ref = ri;
            fk->ref_cols = rcols;
            continue;
        }
        t->checks = pf_realloc(t->checks, (t->n_checks + 1) * sizeof *t->checks);
        pf_init_check *ck = &t->checks[t->n_checks++];
        ck->name = pf_strdup(val(res, i, 1));
        ck->def = pf_strdup(val(res, i, 6));
        ck->n = n;
        ck->cols = cols;
        if (n == 1 && cols[0] >= 0) {
            pf_init_column *c = &t->cols[cols[0]];
            if (!pf_init_check_apply(ck->def, c))
                c->check_other = true;
        } else if (n == 2) {
            char *later = NULL, *earlier = NULL;
            if (pf_init_check_order(ck->def, &later, &earlier)) {
                int lc = pf_init_column_find(t, later);
                if (lc >= 0 && pf_init_column_find(t, earlier) >= 0) {
                    free(t->cols[lc].after);
                    t->cols[lc].after = pf_strdup(earlier);
                }
            }
            free(later);
            free(earlier);
        }
    }
    pf_result_free(res);
    return 0;
}

/* Time-range partitions: the contiguous span that ends last; list
 * partitions: every value. */
typedef struct span {
    char *from, *to;
} span;

static int cmp_span(const void *a, const void *b)
{
    return strcmp(((const span *)a)->from, ((const span *)b)->from);
}

/* The literal inside "KEYWORD ('...')" of a bound; NULL for MINVALUE etc. */
static char *bound_literal(const char *bound, const char *kw)
{
    const char *p = strstr(bound, kw);
    if (p == NULL)
        return NULL;
    p += strlen(kw);
    while (*p == ' ' || *p == '(')
        p++;
    if (*p != '\'')
        return NULL;
    char **lits = literals(p);
    char *v = lits[0] ? pf_strdup(lits[0]) : NULL;
    pf_strv_free(lits);
    return v;
}

static int read_partitions(reader *r)
{
    static const char sql[] =
        "SELECT i.inhparent, pg_get_expr(k.relpartbound, k.oid) FROM pg_inherits i "
        "JOIN pg_class k ON k.oid = i.inhrelid WHERE k.relispartition "
        "ORDER BY i.inhparent, k.relname";
    pf_result *res = NULL;
    if (pf_db_query(r->db, sql, 0, NULL, &res, r->err) < 0)
        return -1;
    for (size_t ti = 0; ti < r->s->n; ti++) {
        pf_init_table *t = &r->s->tables[ti];
        if (!t->partitioned || t->part_col < 0)
            continue;
        span *spans = NULL;
        size_t ns = 0, nv = 0;
        for (int i = 0; i < pf_result_nrows(res); i++) {
            if (strcmp(val(res, i, 0), r->oids[ti]) != 0)
                continue;
            const char *b = val(res, i, 1);
            if (strcmp(b, "DEFAULT") == 0) {
                t->part_default = true;
                continue;
            }
            if (t->part_strategy == 'l') {
                const char *in = strstr(b, "IN (");
                char **lits = in ? literals(in) : NULL;
                for (size_t k = 0; lits && lits[k]; k++)
                    strv_add(&t->part_values, &nv, lits[k]);
                pf_strv_free(lits);
                continue;
            }
            char *f = bound_literal(b, "FROM ("), *to = bound_literal(b, " TO (");
            char *fi = f ? pf_init_bound_time(f) : NULL, *toi = to ? pf_init_bound_time(to) : NULL;
            free(f);
            free(to);
            if (fi && toi) {
                spans = pf_realloc(spans, (ns + 1) * sizeof *spans);
                spans[ns].from = fi;
                spans[ns++].to = toi;
            } else {
                free(fi);
                free(toi);
            }
        }
        if (ns > 0) {
            qsort(spans, ns, sizeof *spans, cmp_span);
            size_t best_from = 0, cur_from = 0;
            const char *best_to = spans[0].to;
            for (size_t k = 1; k <= ns; k++) {
                if (k < ns && strcmp(spans[k].from, spans[k - 1].to) == 0)
                    continue;
                /* a run spans [cur_from, k - 1] */
                if (strcmp(spans[k - 1].to, best_to) >= 0) {
                    best_from = cur_from;
                    best_to = spans[k - 1].to;
                }
                cur_from = k;
            }
            t->part_from = pf_strdup(spans[best_from].from);
            t->part_to = pf_strdup(best_to);
            for (size_t k = 0; k < ns; k++) {
                free(spans[k].from);
                free(spans[k].to);
            }
            free(spans);
        }
    }
    pf_result_free(res);
    return 0;
}

static int read_policies(reader *r)
{
    static const char sql[] =
        "SELECT p.polrelid, p.polname, p.polcmd, p.polpermissive, "
        "0 = ANY (p.polroles) OR EXISTS (SELECT 1 FROM pg_roles x WHERE x.oid = ANY (p.polroles) "
        "  AND x.rolname = 'authenticated'), "
        "0 = ANY (p.polroles) OR EXISTS (SELECT 1 FROM pg_roles x WHERE x.oid = ANY (p.polroles) "
        "  AND x.rolname = 'anon'), "
        "array_to_string(ARRAY(SELECT CASE WHEN o = 0 THEN 'public' ELSE pg_get_userbyid(o)::text "
        "  END FROM unnest(p.polroles) o), ', '), "
        "pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid) "
        "FROM pg_policy p ORDER BY p.polrelid, p.polname";
    pf_result *res = NULL;
    if (pf_db_query(r->db, sql, 0, NULL, &res, r->err) < 0)
        return -1;
    for (int i = 0; i < pf_result_nrows(res); i++) {
        int ti = table_by_oid(r, val(res, i, 0));
        if (ti < 0)
            continue;
        pf_init_table *t = &r->s->tables[ti];
        t->pols = pf_realloc(t->pols, (t->n_pols + 1) * sizeof *t->pols);
        pf_init_policy *p = &t->pols[t->n_pols++];
        memset(p, 0, sizeof *p);
        p->name = pf_strdup(val(res, i, 1));
        p->cmd = val(res, i, 2)[0];
        p->permissive = truthy(val(res, i, 3));
        p->to_authenticated = truthy(val(res, i, 4));
        p->to_anon = truthy(val(res, i, 5));
        p->roles = pf_strdup(val(res, i, 6));
        p->using_expr = pf_result_get(res, i, 7) ? pf_strdup(val(res, i, 7)) : NULL;
        p->check_expr = pf_result_get(res, i, 8) ? pf_strdup(val(res, i, 8)) : NULL;
    }
    pf_result_free(res);
    return 0;
}

static int read_triggers(reader *r)
{
    static const char sql[] =
        "SELECT tg.tgrelid, pg_get_triggerdef(tg.oid) FROM pg_trigger tg "
        "WHERE NOT tg.tgisinternal AND tg.tgparentid = 0 ORDER BY tg.tgrelid, tg.tgname";
    pf_result *res = NULL;
    if (pf_db_query(r->db, sql, 0, NULL, &res, r->err) < 0)
        return -1;
    for (int i = 0; i < pf_result_nrows(res); i++) {
        int ti = table_by_oid(r, val(res, i, 0));
        if (ti < 0)
            continue;
        pf_init_table *t = &r->s->tables[ti];
        size_t n = 0;
        while (t->triggers && t->triggers[n])
            n++;
        const char *def = val(res, i, 1);
        strv_add(&t->triggers, &n, strncmp(def, "CREATE TRIGGER ", 15) == 0 ? def + 15 : def);
    }
    pf_result_free(res);
    return 0;
}

/* Row counts: exact up to 100,000 rows, else the planner's estimate. */
static int read_counts(reader *r)
{
    for (size_t i = 0; i < r->s->n; i++) {
        pf_init_table *t = &r->s->tables[i];
        if (t->rows >= 100000)
            continue;
        char *sql = pf_asprintf("SELECT count(*) FROM (SELECT 1 FROM %s LIMIT 100000) s",
                                t->qname);
        char *v = NULL;
        int rc = pf_db_query_value(r->db, sql, &v, r->err);
        free(sql);
        if (rc < 0)
            return -1;
        t->rows = v ? atoll(v) : 0;
        free(v);
    }
    return 0;
}

/* Values of referenced columns of tables that already hold rows. */
static int read_ref_values(reader *r)
{
    for (size_t i = 0; i < r->s->n; i++) {
        pf_init_table *t = &r->s->tables[i];
        for (size_t f = 0; f < t->n_fks; f++) {
            pf_init_fk *fk = &t->fks[f];
            const pf_init_table *rt = &r->s->tables[fk->ref];
            if (rt->rows == 0 || (rt->exposed && !r->s->fresh) || fk->ref_cols[0] < 0)
                continue;
            char *col = pf_db_ident(rt->cols[fk->ref_cols[0]].name);
            char *sql = pf_asprintf("SELECT DISTINCT %s::text FROM %s WHERE %s IS NOT NULL "
                                    "ORDER BY 1 LIMIT 1000",
                                    col, rt->qname, col);
            free(col);
            pf_result *res = NULL;
            int rc = pf_db_query(r->db, sql, 0, NULL, &res, r->err);
            free(sql);
            if (rc < 0)
                return -1;
            size_t n = 0;
            fk->ref_values = pf_calloc(1, sizeof *fk->ref_values);
            for (int k = 0; k < pf_result_nrows(res); k++)
                strv_add(&fk->ref_values, &n, val(res, k, 0));
            pf_result_free(res);
        }
    }
    return 0;
}

/* Which text candidates pass each column's regex CHECKs. */
static int test_regexes(reader *r)
{
    for (size_t i = 0; i < r->s->n; i++) {
        pf_init_table *t = &r->s->tables[i];
        for (size_t c = 0; c < t->n_cols; c++) {
            pf_init_column *col = &t->cols[c];
            if (col->regexes == NULL)
                continue;
            for (size_t k = 0; k < pf_init_n_text_candidates && k < 32; k++) {
                bool all = true;
                for (size_t x = 0; col->regexes[x] && all; x++)
                    for (int s = 0; s < 2 && all; s++) {
                        const char *params[2] = {
                            s == 0 ? pf_init_text_candidates[k].sample : k_candidate_hi[k],
                            col->regexes[x]};
                        pf_result *res = NULL;
                        pf_error e;
                        if (pf_db_query(r->db, "SELECT $1::text ~ $2::text", 2, params, &res,
                                        &e) < 0) {
                            if (pf_db_broken(r->db)) {
                                *r->err = e;
                                return -1;
                            }
                            all = false; /* an invalid regex: no candidate passes */
                        } else {
                            all = truthy(pf_result_get(res, 0, 0));
                        }
                        pf_result_free(res);
                    }
                if (all)
                    col->regex_ok |= (uint32_t)1 << k;
            }
        }
    }
    return 0;
}

/* The functions policies call, and those they call in turn. */
static int read_functions(reader *r)
{
    char **todo = pf_calloc(1, sizeof *todo);
    size_t nt = 0;
    for (size_t i = 0; i < r->s->n; i++)
        for (size_t p = 0; p < r->s->tables[i].n_pols; p++) {
            const pf_init_policy *pol = &r->s->tables[i].pols[p];
            for (int w = 0; w < 2; w++) {
                const char *e = w == 0 ? pol->using_expr : pol->check_expr;
                if (e == NULL)
                    continue;
                char **calls = pf_init_qualified_calls(e);
                for (size_t k = 0; calls[k]; k++)
                    strv_add_unique(&todo, &nt, calls[k]);
                pf_strv_free(calls);
            }
        }
    static const char sql[] =
        "SELECT n.nspname, p.proname, p.oid::regprocedure::text, l.lanname, "
        "pg_get_functiondef(p.oid), pg_get_function_arguments(p.oid), "
        "pg_get_function_result(p.oid), p.prosrc, p.provolatile, p.prosecdef, "
        "array_to_string(p.proconfig, ', ') "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "JOIN pg_language l ON l.oid = p.prolang "
        "WHERE n.nspname = $1 AND p.proname = $2 AND p.prokind = 'f' ORDER BY p.oid";
    for (size_t k = 0; k < nt && k < 200; k++) {
        const char *dot = strchr(todo[k], '.');
        char *schema = pf_strndup(todo[k], (size_t)(dot - todo[k]));
        const char *params[2] = {schema, dot + 1};
        pf_result *res = NULL;
        int rc = strcmp(schema, "pg_catalog") == 0
                     ? 0
                     : pf_db_query(r->db, sql, 2, params, &res, r->err);
        free(schema);
        if (rc < 0) {
            pf_strv_free(todo);
            return -1;
        }
        for (int i = 0; res && i < pf_result_nrows(res); i++) {
            r->s->funcs = pf_realloc(r->s->funcs, (r->s->n_funcs + 1) * sizeof *r->s->funcs);
            pf_init_function *f = &r->s->funcs[r->s->n_funcs++];
            memset(f, 0, sizeof *f);
            f->schema = pf_strdup(val(res, i, 0));
            f->name = pf_strdup(val(res, i, 1));
            f->signature = pf_strdup(val(res, i, 2));
            f->language = pf_strdup(val(res, i, 3));
            f->def = pf_strdup(val(res, i, 4));
            f->args = pf_strdup(val(res, i, 5));
            f->result = pf_strdup(val(res, i, 6));
            f->body = pf_strdup(val(res, i, 7));
            f->volatility = val(res, i, 8)[0];
            f->secdef = truthy(val(res, i, 9));
            f->config = pf_result_get(res, i, 10) ? pf_strdup(val(res, i, 10)) : NULL;
            if (strcmp(f->language, "sql") == 0) {
                char **calls = pf_init_qualified_calls(f->body);
                for (size_t c = 0; calls[c]; c++)
                    strv_add_unique(&todo, &nt, calls[c]);
                pf_strv_free(calls);
            }
        }
        pf_result_free(res);
    }
    pf_strv_free(todo);
    return 0;
}

int pf_init_catalog_read(pf_db *db, const char *const *exposed, bool fresh,
                         pf_init_schema **out, pf_error *err)
{
    *out = NULL;
    if (pf_db_exec(db, "SET search_path = ''; SET TimeZone = 'UTC'; SET DateStyle = 'ISO'",
                   err) < 0)
        return -1;
    pf_init_schema *s = pf_calloc(1, sizeof *s);
    s->fresh = fresh;
    s->auth_users = -1;
    size_t ne = 0;
    s->exposed = pf_calloc(1, sizeof *s->exposed);
    for (const char *const *x = exposed; x && *x; x++)
        strv_add_unique(&s->exposed, &ne, *x);
    if (ne == 0)
        strv_add(&s->exposed, &ne, "public");
    reader r = {db, s, NULL, err};
    int **attnums = NULL;
    int rc = -1;
    char *has_role = NULL;
    if (pf_db_query_value(db, "SELECT count(*) FROM pg_roles WHERE rolname = 'authenticated'",
                          &has_role, err) < 0)
        goto done;
    if (read_tables(&r, has_role && atoi(has_role) > 0) < 0)
        goto done;
    attnums = pf_calloc(s->n + 1, sizeof *attnums);
    if (read_columns(&r, attnums) < 0 || read_keys(&r, attnums) < 0 ||
        read_constraints(&r, attnums) < 0 || read_partitions(&r) < 0 ||
        read_policies(&r) < 0 || read_triggers(&r) < 0 || read_counts(&r) < 0 ||
        read_ref_values(&r) < 0 || test_regexes(&r) < 0 || read_functions(&r) < 0)
        goto done;
    s->auth_users = pf_init_table_find(s, "auth", "users");
    rc = 0;
done:
    free(has_role);
    for (size_t i = 0; attnums && i < s->n; i++)
        free(attnums[i]);
    free(attnums);
    pf_strv_free(r.oids);
    if (rc < 0) {
        pf_error_prefix(err, "reading the schema from the catalog");
        pf_init_schema_free(s);
        return -1;
    }
    *out = s;
    return 0;
}
