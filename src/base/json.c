/* JSON files in and out (json.h): typed getters whose errors name the file,
 * line and JSON path, and the stable printer. cJSON stays inside this file. */
#include "json.h"

#include <assert.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fsutil.h"

struct pf_json {
    char *origin;
    char *text; /* a copy: lines are found in it when an error is reported */
    cJSON *root;
    pf_error *err;
};

static const cJSON *node_of(const pf_json_val *v)
{
    return (const cJSON *)v->node;
}

/* ---------------------------------------------------------------- parsing */

static int syntax_error(const char *origin, const char *text, const char *end, pf_error *err)
{
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
    for (char *c = near; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t')
            *c = ' ';
    return pf_error_set(err, PF_EXIT_USAGE, "%s:%d:%d: JSON syntax error near '%s'", origin, line,
                        col, near);
}

int pf_json_parse(const char *origin, const char *text, pf_json **out, pf_error *err)
{
    *out = NULL;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, true);
    if (root == NULL)
        return syntax_error(origin, text, end, err);
    pf_json *doc = pf_calloc(1, sizeof *doc);
    doc->origin = pf_strdup(origin);
    doc->text = pf_strdup(text);
    doc->root = root;
    doc->err = err;
    *out = doc;
    return 0;
}

void pf_json_free(pf_json *doc)
{
    if (doc == NULL)
        return;
    cJSON_Delete(doc->root);
    free(doc->origin);
    free(doc->text);
    free(doc);
}

void pf_json_root(const pf_json *doc, pf_json_val *out)
{
    memset(out, 0, sizeof *out);
    out->doc = doc;
    out->node = doc->root;
}

/* ------------------------------------------------------- lines and paths */

/* cJSON keeps no positions. The line of a node is found when a message
 * needs it, by walking the text (which cJSON accepted, so it is valid
 * JSON) in step with the tree. Whitespace is what cJSON skips: every byte
 * up to the space. */
static const char *skip_ws(const char *p)
{
    while (*p != '\0' && (unsigned char)*p <= ' ')
        p++;
    return p;
}

static const char *skip_string(const char *p)
{
    p++; /* the opening quote */
    while (*p != '\0' && *p != '"') {
        if (*p == '\\' && p[1] != '\0')
            p++;
        p++;
    }
    return *p ? p + 1 : p;
}

/* Scan the value v whose text starts at p; returns where it ends. When
 * target is v or lies in it, *at is set to where target starts (for an
 * object member: its key) and the scan stops. */
static const char *scan(const char *p, const cJSON *v, const cJSON *target, const char **at)
{
    p = skip_ws(p);
    if (v == target) {
        *at = p;
        return p;
    }
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v)) {
        if (*p == '"')
            return skip_string(p);
        while (*p != '\0' && *p != ',' && *p != '}' && *p != ']' && (unsigned char)*p > ' ')
            p++;
        return p;
    }
    bool object = cJSON_IsObject(v);
    if (*p != '\0')
        p++; /* { or [ */
    for (const cJSON *c = v->child; c != NULL; c = c->next) {
        p = skip_ws(p);
        if (object) {
            if (c == target) {
                *at = p;
                return p;
            }
            p = skip_ws(skip_string(p));
            if (*p == ':')
                p++;
        }
        p = scan(p, c, target, at);
        if (*at != NULL)
            return p;
        p = skip_ws(p);
        if (*p == ',')
            p++;
    }
    p = skip_ws(p);
    return *p ? p + 1 : p;
}

int pf_json_line(const pf_json_val *v)
{
    const char *text = v->doc->text;
    const char *p = text;
    if (strncmp(p, "\xEF\xBB\xBF", 3) == 0) /* cJSON skips a UTF-8 byte order mark */
        p += 3;
    const char *at = NULL;
    scan(p, v->doc->root, node_of(v), &at);
    return at ? pf_line_of_offset(text, (size_t)(at - text)) : 1;
}

static void put_path(pf_buf *b, const pf_json_val *v)
{
    if (v->up == NULL) {
        pf_buf_putc(b, '$');
        return;
    }
    put_path(b, v->up);
    if (v->key != NULL)
        pf_buf_printf(b, ".%s", v->key);
    else
        pf_buf_printf(b, "[%zu]", v->index);
}

char *pf_json_path(const pf_json_val *v)
{
    pf_buf b = PF_BUF_INIT;
    put_path(&b, v);
    return pf_buf_steal(&b);
}

char *pf_json_where(const pf_json_val *v)
{
    char *path = pf_json_path(v);
    char *where = pf_asprintf("%s:%d: %s", v->doc->origin, pf_json_line(v), path);
    free(path);
    return where;
}

/* The message about v (or its member key) at the line of line_of. */
static int vfail(const pf_json_val *v, const char *key, const pf_json_val *line_of,
                 const char *fmt, va_list ap)
{
    char what[PF_ERROR_MSG_MAX];
    vsnprintf(what, sizeof what, fmt, ap);
    pf_buf path = PF_BUF_INIT;
    put_path(&path, v);
    if (key != NULL)
        pf_buf_printf(&path, ".%s", key);
    pf_error_set(v->doc->err, PF_EXIT_USAGE, "%s:%d: %s: %s", v->doc->origin,
                 pf_json_line(line_of), pf_buf_str(&path), what);
    pf_buf_dispose(&path);
    return -1;
}

static int fail_at(const pf_json_val *v, const pf_json_val *line_of, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(const pf_json_val *v, const pf_json_val *line_of, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(v, NULL, line_of, fmt, ap);
    va_end(ap);
    return -1;
}

int pf_json_fail(const pf_json_val *v, const char *key, const char *fmt, ...)
{
    pf_json_val m;
    bool member = key != NULL && pf_json_member(v, key, &m) == 0;
    va_list ap;
    va_start(ap, fmt);
    vfail(v, key, member ? &m : v, fmt, ap);
    va_end(ap);
    return -1;
}

/* ------------------------------------------------------------------ values */

pf_json_kind pf_json_kind_of(const pf_json_val *v)
{
    const cJSON *n = node_of(v);
    if (cJSON_IsBool(n))
        return PF_JSON_BOOL;
    if (cJSON_IsNumber(n))
        return PF_JSON_NUMBER;
    if (cJSON_IsString(n))
        return PF_JSON_STRING;
    if (cJSON_IsArray(n))
        return PF_JSON_ARRAY;
    if (cJSON_IsObject(n))
        return PF_JSON_OBJECT;
    return PF_JSON_NULL;
}

bool pf_json_is(const pf_json_val *v, pf_json_kind kind)
{
    return pf_json_kind_of(v) == kind;
}

size_t pf_json_count(const pf_json_val *v)
{
    const cJSON *n = node_of(v);
    if (!cJSON_IsArray(n) && !cJSON_IsObject(n))
        return 0;
    return (size_t)cJSON_GetArraySize(n);
}

const char *pf_json_string(const pf_json_val *v)
{
    const cJSON *n = node_of(v);
    return cJSON_IsString(n) ? n->valuestring : NULL;
}

bool pf_json_number(const pf_json_val *v, double *out)
{
    const cJSON *n = node_of(v);
    if (!cJSON_IsNumber(n))
        return false;
    *out = n->valuedouble;
    return true;
}

bool pf_json_true(const pf_json_val *v)
{
    return cJSON_IsTrue(node_of(v));
}

char *pf_json_text(const pf_json_val *v)
{
    char *text = cJSON_PrintUnformatted(node_of(v));
    if (text == NULL) /* cJSON fails only out of memory: end the one way (error.h) */
        return pf_malloc(SIZE_MAX);
    char *copy = pf_strdup(text);
    cJSON_free(text);
    return copy;
}

static void put_quoted(pf_buf *b, const char *s);

char *pf_json_quote(const char *s)
{
    pf_buf b = PF_BUF_INIT;
    put_quoted(&b, s);
    return pf_buf_steal(&b);
}

static void child_val(const pf_json_val *up, const cJSON *c, size_t i, pf_json_val *out)
{
    out->doc = up->doc;
    out->up = up;
    out->key = cJSON_IsObject(node_of(up)) ? c->string : NULL;
    out->index = i;
    out->node = c;
}

int pf_json_member(const pf_json_val *obj, const char *key, pf_json_val *out)
{
    const cJSON *o = node_of(obj);
    if (!cJSON_IsObject(o))
        return 1;
    size_t i = 0;
    for (const cJSON *c = o->child; c != NULL; c = c->next, i++)
        if (strcmp(c->string, key) == 0) {
            child_val(obj, c, i, out);
            return 0;
        }
    return 1;
}

bool pf_json_has(const pf_json_val *obj, const char *key)
{
    pf_json_val m;
    return pf_json_member(obj, key, &m) == 0;
}

bool pf_json_item(const pf_json_val *container, size_t i, pf_json_val *out)
{
    if (!pf_json_first(container, out))
        return false;
    while (out->index < i)
        if (!pf_json_next(out))
            return false;
    return true;
}

bool pf_json_first(const pf_json_val *container, pf_json_val *out)
{
    const cJSON *n = node_of(container);
    if ((!cJSON_IsArray(n) && !cJSON_IsObject(n)) || n->child == NULL)
        return false;
    child_val(container, n->child, 0, out);
    return true;
}

bool pf_json_next(pf_json_val *it)
{
    const cJSON *n = node_of(it)->next;
    if (n == NULL)
        return false;
    child_val(it->up, n, it->index + 1, it);
    return true;
}

int pf_json_check_keys(const pf_json_val *obj, const char *const *allowed)
{
    if (!pf_json_is(obj, PF_JSON_OBJECT))
        return pf_json_fail(obj, NULL, "must be an object");
    pf_json_val m;
    for (bool more = pf_json_first(obj, &m); more; more = pf_json_next(&m)) {
        bool known = false;
        for (size_t k = 0; allowed[k] != NULL && !known; k++)
            known = strcmp(m.key, allowed[k]) == 0;
        if (!known) {
            pf_buf list = PF_BUF_INIT;
            for (size_t k = 0; allowed[k] != NULL; k++)
                pf_buf_printf(&list, "%s%s", k ? ", " : "", allowed[k]);
            fail_at(obj, &m, "unknown key '%s' (expected one of: %s)", m.key, pf_buf_str(&list));
            pf_buf_dispose(&list);
            return -1;
        }
        pf_json_val dup = m;
        while (pf_json_next(&dup))
            if (strcmp(dup.key, m.key) == 0)
                return fail_at(obj, &dup, "key '%s' appears twice", m.key);
    }
    return 0;
}

/* --------------------------------------------------------------- getters */

/* "1..1000"; the ends of int64 as powers of two. */
static void format_bound(char *buf, size_t len, int64_t v)
{
    if (v == INT64_MAX)
        snprintf(buf, len, "2^63-1");
    else if (v == INT64_MIN)
        snprintf(buf, len, "-2^63");
    else
        snprintf(buf, len, "%" PRId64, v);
}

/* Member key of obj for a getter: 0 present (*m set), 1 absent and
 * optional, -1 absent and required. what says what was expected. */
static int lookup(const pf_json_val *obj, const char *key, int flags, const char *what,
                  pf_json_val *m)
{
    if (pf_json_member(obj, key, m) == 0)
        return 0;
    if (flags & PF_JSON_REQUIRED)
        return pf_json_fail(obj, NULL, "missing '%s' (%s)", key, what);
    return 1;
}

int pf_json_get_string(const pf_json_val *obj, const char *key, int flags, const char **out)
{
    bool nonempty = (flags & PF_JSON_NONEMPTY) != 0;
    pf_json_val m;
    int rc = lookup(obj, key, flags, nonempty ? "a non-empty string" : "a string", &m);
    if (rc != 0)
        return rc;
    const char *s = pf_json_string(&m);
    if (s == NULL)
        return pf_json_fail(&m, NULL, "must be a string");
    if (nonempty && s[strspn(s, " \t\r\n")] == '\0')
        return pf_json_fail(&m, NULL, "must not be empty");
    *out = s;
    return 0;
}

/* A number member for a getter: 0 and *d set, 1 absent and optional, -1
 * missing or not a number ("must be <what>"). */
static int lookup_number(const pf_json_val *obj, const char *key, int flags, const char *what,
                         pf_json_val *m, double *d)
{
    int rc = lookup(obj, key, flags, what, m);
    if (rc == 0 && !pf_json_number(m, d))
        return pf_json_fail(m, NULL, "must be %s", what);
    return rc;
}

int pf_json_get_number(const pf_json_val *obj, const char *key, int flags, double *out)
{
    pf_json_val m;
    double d;
    int rc = lookup_number(obj, key, flags, "a number", &m, &d);
    if (rc != 0)
        return rc;
    if (!isfinite(d))
        return pf_json_fail(&m, NULL, "must be a finite number");
    *out = d;
    return 0;
}

int pf_json_get_number_in(const pf_json_val *obj, const char *key, int flags, double min,
                          double max, double *out)
{
    char range[96];
    snprintf(range, sizeof range, "a number in [%.15g, %.15g]", min, max);
    pf_json_val m;
    double d;
    int rc = lookup_number(obj, key, flags, range, &m, &d);
    if (rc != 0)
        return rc;
    if (!(d >= min && d <= max)) /* NaN and infinities fail too */
        return pf_json_fail(&m, NULL, "must be %s, not %.15g", range, d);
    *out = d;
    return 0;
}

static int get_whole(const pf_json_val *obj, const char *key, int flags, int64_t min, int64_t max,
                     int64_t *out)
{
    char lo[24], hi[24], range[64];
    format_bound(lo, sizeof lo, min);
    format_bound(hi, sizeof hi, max);
    snprintf(range, sizeof range, "an integer in %s..%s", lo, hi);
    pf_json_val m;
    double d;
    int rc = lookup_number(obj, key, flags, range, &m, &d);
    if (rc != 0)
        return rc;
    /* Converting is defined only below 2^63 (C11 6.3.1.4); (double)max may
     * round up, so the integer is compared again. */
    bool ok = d == floor(d) && d >= (double)min && d <= (double)max && d < 9223372036854775808.0;
    int64_t v = ok ? (int64_t)d : 0;
    if (!ok || v < min || v > max)
        return pf_json_fail(&m, NULL, "must be %s, not %.15g", range, d);
    *out = v;
    return 0;
}

int pf_json_get_int(const pf_json_val *obj, const char *key, int flags, int min, int max,
                    int *out)
{
    int64_t v;
    int rc = get_whole(obj, key, flags, min, max, &v);
    if (rc == 0)
        *out = (int)v;
    return rc;
}

int pf_json_get_int64(const pf_json_val *obj, const char *key, int flags, int64_t min,
                      int64_t max, int64_t *out)
{
    return get_whole(obj, key, flags, min, max, out);
}

int pf_json_get_bool(const pf_json_val *obj, const char *key, int flags, bool *out)
{
    pf_json_val m;
    int rc = lookup(obj, key, flags, "true or false", &m);
    if (rc != 0)
        return rc;
    if (!pf_json_is(&m, PF_JSON_BOOL))
        return pf_json_fail(&m, NULL, "must be true or false");
    *out = pf_json_true(&m);
    return 0;
}

static int get_container(const pf_json_val *obj, const char *key, int flags, pf_json_kind kind,
                         pf_json_val *out)
{
    bool nonempty = (flags & PF_JSON_NONEMPTY) != 0;
    const char *what = kind == PF_JSON_OBJECT ? (nonempty ? "a non-empty object" : "an object")
                                              : (nonempty ? "a non-empty array" : "an array");
    pf_json_val m;
    int rc = lookup(obj, key, flags, what, &m);
    if (rc != 0)
        return rc;
    if (!pf_json_is(&m, kind) || (nonempty && pf_json_count(&m) == 0))
        return pf_json_fail(obj, key, "must be %s", what);
    *out = m;
    return 0;
}

int pf_json_get_object(const pf_json_val *obj, const char *key, int flags, pf_json_val *out)
{
    return get_container(obj, key, flags, PF_JSON_OBJECT, out);
}

int pf_json_get_array(const pf_json_val *obj, const char *key, int flags, pf_json_val *out)
{
    return get_container(obj, key, flags, PF_JSON_ARRAY, out);
}

/* ---------------------------------------------------------------- writing */

typedef struct level {
    bool object;
    size_t count; /* members or items written so far */
} level;

struct pf_json_writer {
    pf_buf out;
    pf_json_style style;
    level *levels;
    size_t depth, cap;
    bool done; /* the top value is complete */
};

pf_json_writer *pf_json_writer_new(pf_json_style style)
{
    pf_json_writer *w = pf_calloc(1, sizeof *w);
    w->style = style;
    return w;
}

void pf_json_writer_free(pf_json_writer *w)
{
    if (w == NULL)
        return;
    pf_buf_dispose(&w->out);
    free(w->levels);
    free(w);
}

char *pf_json_writer_finish(pf_json_writer *w)
{
    assert(w->depth == 0 && w->done);
    pf_buf_putc(&w->out, '\n');
    char *text = pf_buf_steal(&w->out);
    pf_json_writer_free(w);
    return text;
}

static void indent(pf_json_writer *w, size_t depth)
{
    for (size_t i = 0; i < depth; i++)
        pf_buf_puts(&w->out, w->style == PF_JSON_TABS ? "\t" : "  ");
}

/* A string literal as cJSON writes it: the two-character escapes, \u00XX
 * for other control characters, every other byte as it is. */
static void put_quoted(pf_buf *b, const char *s)
{
    pf_buf_putc(b, '"');
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"':
            pf_buf_puts(b, "\\\"");
            break;
        case '\\':
            pf_buf_puts(b, "\\\\");
            break;
        case '\b':
            pf_buf_puts(b, "\\b");
            break;
        case '\f':
            pf_buf_puts(b, "\\f");
            break;
        case '\n':
            pf_buf_puts(b, "\\n");
            break;
        case '\r':
            pf_buf_puts(b, "\\r");
            break;
        case '\t':
            pf_buf_puts(b, "\\t");
            break;
        default:
            if (*c < 0x20)
                pf_buf_printf(b, "\\u%04x", *c);
            else
                pf_buf_putc(b, (char)*c);
        }
    }
    pf_buf_putc(b, '"');
}

/* What goes before a value: the separator from the previous one and, in
 * an object, the indented key. */
static void before_value(pf_json_writer *w, const char *key)
{
    if (w->depth == 0) {
        assert(key == NULL && !w->done);
        return;
    }
    level *l = &w->levels[w->depth - 1];
    if (l->object) {
        assert(key != NULL);
        if (l->count > 0)
            pf_buf_putc(&w->out, ',');
        pf_buf_putc(&w->out, '\n');
        indent(w, w->depth);
        put_quoted(&w->out, key);
        pf_buf_puts(&w->out, w->style == PF_JSON_TABS ? ":\t" : ": ");
    } else {
        assert(key == NULL);
        if (l->count > 0)
            pf_buf_puts(&w->out, ", ");
    }
    l->count++;
}

static void after_value(pf_json_writer *w)
{
    if (w->depth == 0)
        w->done = true;
}

static void begin(pf_json_writer *w, const char *key, bool object)
{
    before_value(w, key);
    pf_buf_putc(&w->out, object ? '{' : '[');
    if (w->depth == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 8;
        w->levels = pf_realloc(w->levels, w->cap * sizeof *w->levels);
    }
    w->levels[w->depth].object = object;
    w->levels[w->depth].count = 0;
    w->depth++;
}

void pf_json_begin_object(pf_json_writer *w, const char *key)
{
    begin(w, key, true);
}

void pf_json_begin_array(pf_json_writer *w, const char *key)
{
    begin(w, key, false);
}

void pf_json_end(pf_json_writer *w)
{
    assert(w->depth > 0);
    bool object = w->levels[--w->depth].object;
    if (object) {
        /* cJSON's layout, an empty object included: "{\n" ... "}". */
        pf_buf_putc(&w->out, '\n');
        indent(w, w->depth);
        pf_buf_putc(&w->out, '}');
    } else {
        pf_buf_putc(&w->out, ']');
    }
    after_value(w);
}

static void put_text(pf_json_writer *w, const char *key, const char *text)
{
    before_value(w, key);
    pf_buf_puts(&w->out, text);
    after_value(w);
}

void pf_json_put_string(pf_json_writer *w, const char *key, const char *s)
{
    if (s == NULL) {
        put_text(w, key, "null");
        return;
    }
    before_value(w, key);
    put_quoted(&w->out, s);
    after_value(w);
}

void pf_json_put_int(pf_json_writer *w, const char *key, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    put_text(w, key, buf);
}

void pf_json_put_number(pf_json_writer *w, const char *key, double v)
{
    char buf[32];
    if (!isfinite(v))
        v = 0;
    /* cJSON's print_number (1.7.15), so that files written before this
     * printer keep their bytes: %.15g unless that reads back more than an
     * epsilon away, then %.17g. */
    snprintf(buf, sizeof buf, "%1.15g", v);
    double back = strtod(buf, NULL);
    double larger = fabs(back) > fabs(v) ? fabs(back) : fabs(v);
    if (!(fabs(back - v) <= larger * DBL_EPSILON))
        snprintf(buf, sizeof buf, "%1.17g", v);
    put_text(w, key, buf);
}

void pf_json_put_rounded(pf_json_writer *w, const char *key, double v, int decimals)
{
    double scale = pow(10.0, decimals);
    pf_json_put_number(w, key, isfinite(v) ? round(v * scale) / scale : 0);
}

void pf_json_put_fixed(pf_json_writer *w, const char *key, double v, int decimals)
{
    /* Room for any finite double in fixed notation (DBL_MAX has 309
     * digits): a shorter buffer would silently write another number. */
    char buf[400];
    snprintf(buf, sizeof buf, "%.*f", decimals, isfinite(v) ? v : 0.0);
    put_text(w, key, buf);
}

void pf_json_put_bool(pf_json_writer *w, const char *key, bool v)
{
    put_text(w, key, v ? "true" : "false");
}

void pf_json_put_null(pf_json_writer *w, const char *key)
{
    put_text(w, key, "null");
}

void pf_json_put_raw(pf_json_writer *w, const char *key, const char *json)
{
    put_text(w, key, json);
}
