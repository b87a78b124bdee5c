/* Category rules over normalised SQL: a small tokenizer that yields the
 * qualified names of a statement (and whether each is called), and the
 * first-match rule evaluation on top of it. */
#include "classify.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

#define MAX_PARTS 8

/* One qualified name of the statement: a.b.c, and whether '(' follows. */
typedef struct sql_name {
    char *part[MAX_PARTS];
    int n;
    bool call;
} sql_name;

typedef struct name_list {
    sql_name *v;
    size_t n, cap;
} name_list;

struct pf_classifier {
    pf_category_rule *cats; /* n_rules + 1, the last is the default */
    size_t n_rules;
    regex_t *re;   /* n_rules; valid where has_re */
    bool *has_re;
    size_t *canon; /* n_rules + 1: the first rule of the same category name */
};

static bool ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
    return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/* Skip whitespace and comments. */
static const char *skip_space(const char *p)
{
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
            continue;
        }
        if (p[0] == '/' && p[1] == '*') {
            int depth = 0;
            while (*p) {
                if (p[0] == '/' && p[1] == '*') {
                    depth++;
                    p += 2;
                } else if (p[0] == '*' && p[1] == '/') {
                    p += 2;
                    if (--depth == 0)
                        break;
                } else {
                    p++;
                }
            }
            continue;
        }
        return p;
    }
}

/* Past a '...' literal starting at p (at the quote). */
static const char *skip_string(const char *p, bool backslash)
{
    p++;
    while (*p) {
        if (backslash && *p == '\\' && p[1] != '\0') {
            p += 2;
        } else if (*p == '\'') {
            if (p[1] == '\'') {
                p += 2;
            } else {
                return p + 1;
            }
        } else {
            p++;
        }
    }
    return p;
}

/* Past a $tag$...$tag$ body starting at p (at the '$'), or NULL if p does
 * not open one. */
static const char *skip_dollar(const char *p)
{
    const char *q = p + 1;
    while (ident_char((unsigned char)*q) && *q != '$')
        q++;
    if (*q != '$')
        return NULL;
    size_t taglen = (size_t)(q - p) + 1;
    const char *body = q + 1;
    for (const char *s = body; *s; s++)
        if (*s == '$' && strncmp(s, p, taglen) == 0)
            return s + taglen;
    return body + strlen(body);
}

/* Read one identifier part at p: a quoted "X" (verbatim) or a bare word
 * (lower-cased). Returns the position after it, or NULL if none starts here. */
static const char *read_part(const char *p, char **out)
{
    if (*p == '"') {
        pf_buf b = PF_BUF_INIT;
        p++;
        while (*p) {
            if (*p == '"') {
                if (p[1] == '"') {
                    pf_buf_putc(&b, '"');
                    p += 2;
                    continue;
                }
                p++;
                break;
            }
            pf_buf_putc(&b, *p++);
        }
        *out = pf_buf_steal(&b);
        return p;
    }
    if (!ident_start((unsigned char)*p))
        return NULL;
    const char *s = p;
    while (ident_char((unsigned char)*p))
        p++;
    char *w = pf_strndup(s, (size_t)(p - s));
    for (char *c = w; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    *out = w;
    return p;
}

static void names_dispose(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        for (int k = 0; k < l->v[i].n; k++)
            free(l->v[i].part[k]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* Every qualified name of sql, in order. */
static void tokenize(const char *sql, name_list *out)
{
    const char *p = sql ? sql : "";
    for (;;) {
        p = skip_space(p);
        if (*p == '\0')
            return;
        unsigned char c = (unsigned char)*p;
        if (c == '\'') {
            p = skip_string(p, false);
            continue;
        }
        if (c == '$') {
            if (p[1] >= '0' && p[1] <= '9') { /* $1: a normalised constant */
                p++;
                while (*p >= '0' && *p <= '9')
                    p++;
                continue;
            }
            const char *end = skip_dollar(p);
            p = end ? end : p + 1;
            continue;
        }
        if (c != '"' && !ident_start(c)) {
            p++;
            continue;
        }
        /* E'...' (and U&'...', B'...', X'...'): a literal, not a name. */
        if ((c == 'e' || c == 'E' || c == 'b' || c == 'B' || c == 'x' || c == 'X') &&
            p[1] == '\'') {
            p = skip_string(p + 1, c == 'e' || c == 'E');
            continue;
        }
        if ((c == 'u' || c == 'U') && p[1] == '&' && p[2] == '\'') {
            p = skip_string(p + 2, false);
            continue;
        }
        sql_name name;
        memset(&name, 0, sizeof name);
        for (;;) {
            char *part = NULL;
            const char *next = read_part(p, &part);
            if (next == NULL)
                break;
            if (name.n < MAX_PARTS)
                name.part[name.n++] = part;
            else
                free(part);
            p = next;
            const char *q = skip_space(p);
            if (*q != '.')
                break;
            q = skip_space(q + 1);
            if (*q != '"' && !ident_start((unsigned char)*q))
                break; /* t.* */
            p = q;
        }
        if (name.n == 0) {
            p++;
            continue;
        }
        name.call = *skip_space(p) == '(';
        if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 32;
            out->v = pf_realloc(out->v, out->cap * sizeof *out->v);
        }
        out->v[out->n++] = name;
    }
}

/* Split "a.b" into lower-case parts (a rule's name, never quoted). */
static int split_rule_name(const char *s, char parts[MAX_PARTS][128])
{
    int n = 0;
    while (*s && n < MAX_PARTS) {
        size_t len = strcspn(s, ".");
        if (len >= 128)
            len = 127;
        memcpy(parts[n], s, len);
        parts[n][len] = '\0';
        n++;
        s += strcspn(s, ".");
        if (*s == '.')
            s++;
    }
    return n;
}

/* Does the rule name occur in the name? For calls only at its end (the
 * function itself), for mentions anywhere (a.b.c mentions b). */
static bool name_matches(const sql_name *nm, const char *rule, bool at_end)
{
    char parts[MAX_PARTS][128];
    int k = split_rule_name(rule, parts);
    if (k == 0 || k > nm->n)
        return false;
    for (int start = at_end ? nm->n - k : 0; start + k <= nm->n; start++) {
        bool ok = true;
        for (int j = 0; j < k && ok; j++)
            ok = strcasecmp(nm->part[start + j], parts[j]) == 0;
        if (ok)
            return true;
    }
    return false;
}

static bool list_mentions(const name_list *l, const char *ident)
{
    for (size_t i = 0; i < l->n; i++)
        if (name_matches(&l->v[i], ident, false))
            return true;
    return false;
}

static bool list_calls(const name_list *l, const char *func)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].call && name_matches(&l->v[i], func, true))
            return true;
    return false;
}

bool pf_classify_mentions(const char *sql, const char *ident)
{
    name_list l = {NULL, 0, 0};
    tokenize(sql, &l);
    bool r = list_mentions(&l, ident);
    names_dispose(&l);
    return r;
}

bool pf_classify_calls(const char *sql, const char *func)
{
    name_list l = {NULL, 0, 0};
    tokenize(sql, &l);
    bool r = list_calls(&l, func);
    names_dispose(&l);
    return r;
}

bool pf_classify_pattern_ok(const char *pattern, char *msg, size_t len)
{
    regex_t re;
    int rc = regcomp(&re, pattern, REG_EXTENDED | REG_ICASE | REG_NOSUB);
    if (rc != 0) {
        regerror(rc, &re, msg, len);
        regfree(&re);
        return false;
    }
    regfree(&re);
    return true;
}

static char **strv_copy(char *const *v, size_t n)
{
    if (n == 0)
        return NULL;
    char **c = pf_calloc(n, sizeof *c);
    for (size_t i = 0; i < n; i++)
        c[i] = pf_strdup(v[i]);
    return c;
}

static void strv_dispose(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void pf_category_rule_copy(pf_category_rule *dst, const pf_category_rule *src)
{
    memset(dst, 0, sizeof *dst);
    dst->name = pf_strdup(src->name ? src->name : "default");
    dst->threshold_ms = src->threshold_ms;
    dst->touches = strv_copy(src->touches, src->n_touches);
    dst->n_touches = src->n_touches;
    dst->calls = strv_copy(src->calls, src->n_calls);
    dst->n_calls = src->n_calls;
    dst->roles = strv_copy(src->roles, src->n_roles);
    dst->n_roles = src->n_roles;
    dst->databases = strv_copy(src->databases, src->n_databases);
    dst->n_databases = src->n_databases;
    dst->pattern = src->pattern ? pf_strdup(src->pattern) : NULL;
}

void pf_category_rule_dispose(pf_category_rule *r)
{
    if (r == NULL)
        return;
    free(r->name);
    strv_dispose(r->touches, r->n_touches);
    strv_dispose(r->calls, r->n_calls);
    strv_dispose(r->roles, r->n_roles);
    strv_dispose(r->databases, r->n_databases);
    free(r->pattern);
    memset(r, 0, sizeof *r);
}

int pf_classifier_new(pf_classifier **out, const pf_category_rule *rules, size_t n,
                      const pf_category_rule *fallback, pf_error *err)
{
    *out = NULL;
    pf_classifier *c = pf_calloc(1, sizeof *c);
    c->n_rules = n;
    c->cats = pf_calloc(n + 1, sizeof *c->cats);
    c->re = pf_calloc(n + 1, sizeof *c->re);
    c->has_re = pf_calloc(n + 1, sizeof *c->has_re);
    c->canon = pf_calloc(n + 1, sizeof *c->canon);
    for (size_t i = 0; i <= n; i++) {
        c->canon[i] = i;
        for (size_t j = 0; i < n && j < i; j++)
            if (strcmp(rules[j].name, rules[i].name) == 0) {
                c->canon[i] = j;
                break;
            }
    }
    for (size_t i = 0; i < n; i++) {
        pf_category_rule_copy(&c->cats[i], &rules[i]);
        if (rules[i].pattern == NULL)
            continue;
        int rc = regcomp(&c->re[i], rules[i].pattern, REG_EXTENDED | REG_ICASE | REG_NOSUB);
        if (rc != 0) {
            char msg[256];
            regerror(rc, &c->re[i], msg, sizeof msg);
            regfree(&c->re[i]);
            pf_error_set(err, PF_EXIT_USAGE, "category '%s': pattern '%s': %s", rules[i].name,
                         rules[i].pattern, msg);
            pf_classifier_free(c);
            return -1;
        }
        c->has_re[i] = true;
    }
    pf_category_rule def;
    memset(&def, 0, sizeof def);
    def.name = fallback && fallback->name ? fallback->name : "default";
    def.threshold_ms = fallback ? fallback->threshold_ms : 0;
    pf_category_rule_copy(&c->cats[n], &def);
    *out = c;
    return 0;
}

void pf_classifier_free(pf_classifier *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i <= c->n_rules; i++) {
        if (c->has_re[i])
            regfree(&c->re[i]);
        pf_category_rule_dispose(&c->cats[i]);
    }
    free(c->cats);
    free(c->re);
    free(c->has_re);
    free(c->canon);
    free(c);
}

size_t pf_classifier_count(const pf_classifier *c)
{
    return c->n_rules + 1;
}

const pf_category_rule *pf_classifier_category(const pf_classifier *c, size_t i)
{
    return i <= c->n_rules ? &c->cats[i] : &c->cats[c->n_rules];
}

int pf_classifier_find(const pf_classifier *c, const char *name)
{
    for (size_t i = 0; i <= c->n_rules; i++)
        if (strcmp(c->cats[i].name, name) == 0)
            return (int)i;
    return -1;
}

static bool in_list(char *const *v, size_t n, const char *s)
{
    if (s == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

size_t pf_classify(const pf_classifier *c, const char *query, const char *dbname,
                   const char *role)
{
    name_list names = {NULL, 0, 0};
    bool tokenized = false;
    size_t found = c->n_rules;
    for (size_t i = 0; i < c->n_rules && found == c->n_rules; i++) {
        const pf_category_rule *r = &c->cats[i];
        if (r->n_databases > 0 && !in_list(r->databases, r->n_databases, dbname))
            continue;
        if (r->n_roles > 0 && !in_list(r->roles, r->n_roles, role))
            continue;
        if ((r->n_touches > 0 || r->n_calls > 0 || c->has_re[i]) && query == NULL)
            continue;
        if (c->has_re[i] && regexec(&c->re[i], query, 0, NULL, 0) != 0)
            continue;
        if ((r->n_touches > 0 || r->n_calls > 0) && !tokenized) {
            tokenize(query, &names);
            tokenized = true;
        }
        bool ok = true;
        if (r->n_touches > 0) {
            ok = false;
            for (size_t k = 0; k < r->n_touches && !ok; k++)
                ok = list_mentions(&names, r->touches[k]);
        }
        if (ok && r->n_calls > 0) {
            ok = false;
            for (size_t k = 0; k < r->n_calls && !ok; k++)
                ok = list_calls(&names, r->calls[k]);
        }
        if (ok)
            found = i;
    }
    names_dispose(&names);
    return c->canon[found];
}
