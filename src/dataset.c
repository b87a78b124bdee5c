/* Dataset spec parser: JSON (cJSON) into the pf_dataset model, with every
 * error naming the file and the JSON path. cJSON stays inside this file. */
#include "dataset.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fsutil.h"
#include "rng.h"
#include "vocab.h"

#define US_PER_S 1000000LL
#define US_PER_DAY (86400LL * US_PER_S)
/* The most sentences of a text, elements of an array: the generator
 * counts them (and 4 x as many draws) in an int. */
#define PF_MAX_COUNT 1000000
/* The largest offset from the reference date: 10,000 years. */
#define PF_OFFSET_MAX_US (10000.0 * 365.0 * US_PER_DAY)
/* Whether converting v to an integer type with the range [lo, hi] is
 * defined (C11 6.3.1.4: the truncated value must be representable). */
#define CONVERTS(v, lo, hi) ((v) > (double)(lo) - 1.0 && (v) < (double)(hi) + 1.0)

typedef struct parser {
    const char *origin;
    pf_dataset *ds;
    pf_error *err;
    int table; /* index of the table being parsed */
} parser;

static int fail(parser *p, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(parser *p, const char *path, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return pf_error_set(p->err, PF_EXIT_USAGE, "%s: %s: %s", p->origin, path, what);
}

/* ---------------------------------------------------------------- helpers */

static const cJSON *member(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Reject keys that are not in `allowed` (NULL-terminated): a typo in a spec
 * must not be silently ignored. */
static int check_keys(parser *p, const char *path, const cJSON *obj, const char *const *allowed)
{
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(it->string, *a) == 0)
                ok = true;
        if (!ok) {
            pf_buf list = PF_BUF_INIT;
            for (const char *const *a = allowed; *a; a++)
                pf_buf_printf(&list, "%s%s", a == allowed ? "" : ", ", *a);
            fail(p, path, "unknown key '%s' (allowed: %s)", it->string, pf_buf_str(&list));
            pf_buf_dispose(&list);
            return -1;
        }
    }
    return 0;
}

static int get_number(parser *p, const char *path, const cJSON *obj, const char *key, double *out,
                      bool required)
{
    const cJSON *v = member(obj, key);
    if (v == NULL) {
        if (required)
            return fail(p, path, "missing number '%s'", key);
        return 1;
    }
    if (!cJSON_IsNumber(v))
        return fail(p, path, "'%s' must be a number", key);
    *out = v->valuedouble;
    return 0;
}

/* A required number that must be > 0; `dist` names the distribution in
 * the message ("zipf needs s > 0"). */
static int get_positive(parser *p, const char *path, const cJSON *obj, const char *key,
                        const char *dist, double *out)
{
    if (get_number(p, path, obj, key, out, true) < 0)
        return -1;
    if (!(*out > 0))
        return fail(p, path, "%s needs %s > 0", dist, key);
    return 0;
}

static int get_string(parser *p, const char *path, const cJSON *obj, const char *key,
                      const char **out, bool required)
{
    const cJSON *v = member(obj, key);
    if (v == NULL) {
        if (required)
            return fail(p, path, "missing string '%s'", key);
        return 1;
    }
    if (!cJSON_IsString(v))
        return fail(p, path, "'%s' must be a string", key);
    *out = v->valuestring;
    return 0;
}

/* Text form of a JSON scalar as it goes into COPY (NULL for JSON null). */
static int scalar_text(parser *p, const char *path, const cJSON *v, char **out)
{
    *out = NULL;
    if (cJSON_IsNull(v))
        return 0;
    if (cJSON_IsString(v)) {
        *out = pf_strdup(v->valuestring);
        return 0;
    }
    if (cJSON_IsBool(v)) {
        *out = pf_strdup(cJSON_IsTrue(v) ? "t" : "f");
        return 0;
    }
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 9e15)
            *out = pf_asprintf("%lld", (long long)d);
        else
            *out = pf_asprintf("%.17g", d);
        return 0;
    }
    return fail(p, path, "expected a string, number, boolean or null");
}

/* "2026-01-01" or "2026-01-01T08:30:00Z" -> microseconds since the epoch. */
static int parse_instant(const char *s, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3 || n != 10)
        return -1;
    const char *rest = s + 10;
    if (*rest == 'T' || *rest == ' ') {
        int m = 0;
        if (sscanf(rest + 1, "%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &m) != 3 ||
            m != 8)
            return -1;
        rest += 1 + m;
        if (*rest == 'Z')
            rest++;
    }
    if (*rest != '\0')
        return -1;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (int64_t)timegm(&tm) * US_PER_S;
    return 0;
}

/* An offset from the reference date: "-5y", "+30d", "0d", "-90min", "12h",
 * "-18mo", "2w", "45s"; or an absolute date/time. */
static int parse_when(parser *p, const char *path, const char *s, int64_t *out)
{
    int64_t abs_us;
    if (parse_instant(s, &abs_us) == 0) {
        *out = abs_us - p->ds->reference_us;
        return 0;
    }
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s)
        return fail(p, path, "'%s' is neither a date nor an offset like -5y, +30d, 12h, -90min", s);
    static const struct {
        const char *unit;
        double us;
    } k_units[] = {
        {"y", 365.0 * US_PER_DAY}, {"mo", 30.0 * US_PER_DAY}, {"w", 7.0 * US_PER_DAY},
        {"d", (double)US_PER_DAY}, {"h", 3600.0 * US_PER_S},  {"min", 60.0 * US_PER_S},
        {"s", (double)US_PER_S},
    };
    for (size_t i = 0; i < sizeof k_units / sizeof k_units[0]; i++)
        if (strcmp(end, k_units[i].unit) == 0) {
            /* Bounded so that the generator's sums of offsets and dates
             * stay far from int64 overflow (and "inf", "nan" are refused). */
            double us = v * k_units[i].us;
            if (!(fabs(us) <= PF_OFFSET_MAX_US))
                return fail(p, path, "'%s' is out of range (at most 10000 years)", s);
            *out = (int64_t)llround(us);
            return 0;
        }
    return fail(p, path, "'%s': unknown unit '%s' (use y, mo, w, d, h, min, s)", s, end);
}

/* ---------------------------------------------------------- distributions */

static const char *const k_dist_names[] = {"uniform", "normal",   "lognormal", "exponential",
                                           "zipf",    "constant", "choice",    "pareto", NULL};

static int parse_dist(parser *p, const char *path, const cJSON *obj, pf_distspec *d,
                      const char *default_kind)
{
    memset(d, 0, sizeof *d);
    const char *kind = default_kind;
    if (get_string(p, path, obj, "dist", &kind, false) < 0)
        return -1;
    int k = -1;
    for (int i = 0; k_dist_names[i]; i++)
        if (strcmp(kind, k_dist_names[i]) == 0)
            k = i;
    if (k < 0)
        return fail(p, path,
                    "unknown dist '%s' (uniform, normal, lognormal, exponential, zipf, constant, "
                    "choice, pareto)",
                    kind);
    d->kind = (pf_dist)k;
    switch (d->kind) {
    case PF_DIST_NORMAL:
        if (get_number(p, path, obj, "mean", &d->mean, true) < 0 ||
            get_number(p, path, obj, "stddev", &d->stddev, true) < 0)
            return -1;
        break;
    case PF_DIST_LOGNORMAL:
        d->mean = 1.0;
        if (get_number(p, path, obj, "mean", &d->mean, false) < 0 ||
            get_number(p, path, obj, "sigma", &d->sigma, true) < 0)
            return -1;
        if (d->sigma < 0 || d->mean <= 0)
            return fail(p, path, "lognormal needs mean > 0 and sigma >= 0");
        break;
    case PF_DIST_EXPONENTIAL:
        if (get_positive(p, path, obj, "mean", "exponential", &d->mean) < 0)
            return -1;
        break;
    case PF_DIST_ZIPF:
        if (get_positive(p, path, obj, "s", "zipf", &d->s) < 0)
            return -1;
        break;
    case PF_DIST_PARETO:
        if (get_positive(p, path, obj, "alpha", "pareto", &d->alpha) < 0)
            return -1;
        break;
    case PF_DIST_CONSTANT:
        d->value = 1.0;
        if (get_number(p, path, obj, "value", &d->value, false) < 0)
            return -1;
        break;
    case PF_DIST_CHOICE: {
        const cJSON *vals = member(obj, "values");
        const cJSON *ws = member(obj, "weights");
        if (!cJSON_IsArray(vals) || cJSON_GetArraySize(vals) == 0)
            return fail(p, path, "choice needs a non-empty 'values' array of numbers");
        size_t n = (size_t)cJSON_GetArraySize(vals);
        if (ws != NULL && (!cJSON_IsArray(ws) || (size_t)cJSON_GetArraySize(ws) != n))
            return fail(p, path, "'weights' must be an array as long as 'values'");
        d->values = pf_calloc(n, sizeof *d->values);
        d->weights = pf_calloc(n, sizeof *d->weights);
        d->n_values = n;
        double total = 0;
        for (size_t i = 0; i < n; i++) {
            const cJSON *v = cJSON_GetArrayItem(vals, (int)i);
            const cJSON *w = ws ? cJSON_GetArrayItem(ws, (int)i) : NULL;
            if (!cJSON_IsNumber(v) || (w && (!cJSON_IsNumber(w) || w->valuedouble < 0)))
                return fail(p, path, "choice values and weights must be numbers (weights >= 0)");
            d->values[i] = v->valuedouble;
            total += w ? w->valuedouble : 1.0;
            d->weights[i] = total;
        }
        if (total <= 0)
            return fail(p, path, "choice weights sum to zero");
        for (size_t i = 0; i < n; i++)
            d->weights[i] /= total;
        break;
    }
    case PF_DIST_UNIFORM:
        break;
    }
    return 0;
}

/* -------------------------------------------------------------- templates */

static int parse_template(parser *p, const char *path, const char *text, pf_template *t)
{
    const pf_table *tab = &p->ds->tables[p->table];
    size_t cap = 8;
    t->parts = pf_calloc(cap, sizeof *t->parts);
    t->n_parts = 0;
    const char *s = text;
    while (*s) {
        if (t->n_parts + 1 >= cap) {
            cap *= 2;
            t->parts = pf_realloc(t->parts, cap * sizeof *t->parts);
        }
        pf_tpl_part *part = &t->parts[t->n_parts];
        memset(part, 0, sizeof *part);
        part->column = -1;
        part->vocab = -1;
        if (*s != '{') {
            const char *e = strchr(s, '{');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            part->kind = PF_TPL_LITERAL;
            part->text = pf_strndup(s, len);
            t->n_parts++;
            s += len;
            continue;
        }
        const char *close = strchr(s, '}');
        if (close == NULL)
            return fail(p, path, "template '%s': '{' without '}'", text);
        char *name = pf_strndup(s + 1, (size_t)(close - s - 1));
        s = close + 1;
        t->n_parts++;
        long long lo, hi;
        int consumed = 0;
        if (strcmp(name, "$row") == 0) {
            part->kind = PF_TPL_ROW;
        } else if (strcmp(name, "$child") == 0) {
            part->kind = PF_TPL_CHILD;
        } else if (strncmp(name, "col:", 4) == 0) {
            part->kind = PF_TPL_COLUMN;
            part->text = pf_strdup(name + 4);
            part->column = pf_dataset_column(tab, name + 4);
            if (part->column < 0) {
                fail(p, path, "template '%s': no column '%s' in table %s", text, name + 4,
                     tab->name);
                free(name);
                return -1;
            }
        } else if (sscanf(name, "num:%lld-%lld%n", &lo, &hi, &consumed) == 2 &&
                   name[consumed] == '\0') {
            if (hi < lo) {
                fail(p, path, "template '%s': empty range {%s}", text, name);
                free(name);
                return -1;
            }
            part->kind = PF_TPL_NUM;
            part->lo = lo;
            part->hi = hi;
        } else {
            part->kind = PF_TPL_VOCAB;
            part->vocab = pf_vocab_find(name);
            if (part->vocab < 0) {
                fail(p, path,
                     "template '%s': unknown placeholder {%s} (vocabularies: %s; or {col:NAME}, "
                     "{$row}, {$child}, {num:LO-HI})",
                     text, name, pf_vocab_names());
                free(name);
                return -1;
            }
        }
        free(name);
    }
    return 0;
}

static void template_dispose(pf_template *t)
{
    for (size_t i = 0; i < t->n_parts; i++)
        free(t->parts[i].text);
    free(t->parts);
    t->parts = NULL;
    t->n_parts = 0;
}

/* ------------------------------------------------------------- generators */

static int parse_gen(parser *p, const char *path, const cJSON *spec, pf_gen **out);

static pf_gen *new_gen(pf_gen_kind kind, const char *path)
{
    pf_gen *g = pf_calloc(1, sizeof *g);
    g->kind = kind;
    g->path = pf_strdup(path);
    g->id = pf_rng_hash_str(path);
    g->after_column = -1;
    g->on_column = -1;
    g->table = -1;
    g->column = -1;
    g->segment = -1;
    return g;
}

static void gen_free(pf_gen *g);

static void jnode_free(pf_jnode *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->n_items; i++) {
        if (n->keys)
            free(n->keys[i]);
        jnode_free(n->items[i]);
    }
    free(n->keys);
    free(n->items);
    free(n->literal);
    gen_free(n->gen);
    free(n);
}

static void dist_dispose(pf_distspec *d)
{
    free(d->values);
    free(d->weights);
    d->values = d->weights = NULL;
}

static void gen_free(pf_gen *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->n_values; i++)
        free(g->values[i]);
    free(g->values);
    free(g->cum_weights);
    dist_dispose(&g->dist);
    dist_dispose(&g->pick);
    template_dispose(&g->tpl);
    for (size_t i = 0; i < g->n_sentences; i++)
        template_dispose(&g->sentences[i]);
    free(g->sentences);
    gen_free(g->element);
    jnode_free(g->json);
    gen_free(g->on_gen);
    for (size_t i = 0; i < g->n_cases; i++) {
        free(g->case_keys[i]);
        gen_free(g->case_gens[i]);
    }
    free(g->case_keys);
    free(g->case_gens);
    gen_free(g->default_gen);
    free(g->path);
    free(g);
}

/* Resolve "table" + "column" (+ optional "segment") of a reference. */
static int resolve_target(parser *p, const char *path, const cJSON *spec, pf_gen *g,
                          const char *default_table)
{
    const char *tname = default_table, *cname = NULL, *seg = NULL;
    if (get_string(p, path, spec, "table", &tname, default_table == NULL) < 0 ||
        get_string(p, path, spec, "column", &cname, true) < 0 ||
        get_string(p, path, spec, "segment", &seg, false) < 0)
        return -1;
    g->table = pf_dataset_table(p->ds, tname);
    if (g->table < 0 || g->table >= p->table)
        return fail(p, path, "table '%s' is not defined before this table (tables are listed in "
                             "dependency order)",
                    tname);
    const pf_table *t = &p->ds->tables[g->table];
    g->column = pf_dataset_column(t, cname);
    if (g->column < 0)
        return fail(p, path, "table %s has no column '%s'", t->name, cname);
    if (seg != NULL) {
        for (size_t i = 0; i < t->n_segments; i++)
            if (strcmp(t->segments[i].name, seg) == 0)
                g->segment = (int)i;
        if (g->segment < 0)
            return fail(p, path, "table %s has no segment '%s'", t->name, seg);
    }
    return 0;
}

static int parse_json_node(parser *p, const char *path, const cJSON *v, pf_jnode **out)
{
    pf_jnode *n = pf_calloc(1, sizeof *n);
    *out = n;
    if (cJSON_IsObject(v) && member(v, "gen") != NULL) {
        n->kind = PF_JNODE_GEN;
        return parse_gen(p, path, v, &n->gen);
    }
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        bool obj = cJSON_IsObject(v);
        n->kind = obj ? PF_JNODE_OBJECT : PF_JNODE_ARRAY;
        size_t cnt = (size_t)cJSON_GetArraySize(v);
        n->items = pf_calloc(cnt, sizeof *n->items);
        if (obj)
            n->keys = pf_calloc(cnt, sizeof *n->keys);
        size_t i = 0;
        for (const cJSON *it = v->child; it; it = it->next, i++) {
            char *sub = obj ? pf_asprintf("%s.%s", path, it->string)
                            : pf_asprintf("%s[%zu]", path, i);
            if (obj) {
                cJSON *key = cJSON_CreateString(it->string);
                n->keys[i] = cJSON_PrintUnformatted(key);
                cJSON_Delete(key);
            }
            n->n_items = i + 1;
            int rc = parse_json_node(p, sub, it, &n->items[i]);
            free(sub);
            if (rc < 0)
                return -1;
        }
        return 0;
    }
    n->kind = PF_JNODE_LITERAL;
    n->literal = cJSON_PrintUnformatted(v);
    return 0;
}

static const char *const k_gen_names[] = {
    "constant", "sequence", "uuid",     "int",    "float",  "bool",    "choice", "timestamp",
    "date",     "template", "text",     "array",  "json",   "switch",  "parent", "ref",
    "sibling",  NULL,
};

static int parse_gen(parser *p, const char *path, const cJSON *spec, pf_gen **out)
{
    *out = NULL;
    /* A bare scalar is a constant. */
    if (!cJSON_IsObject(spec)) {
        if (cJSON_IsArray(spec))
            return fail(p, path, "expected a generator object or a constant");
        pf_gen *g = new_gen(PF_GEN_CONST, path);
        *out = g;
        g->values = pf_calloc(1, sizeof *g->values);
        g->n_values = 1;
        return scalar_text(p, path, spec, &g->values[0]);
    }
    const char *gname = NULL;
    if (get_string(p, path, spec, "gen", &gname, true) < 0)
        return -1;
    int kind = -1;
    for (int i = 0; k_gen_names[i]; i++)
        if (strcmp(gname, k_gen_names[i]) == 0)
            kind = i;
    if (kind < 0) {
        pf_buf list = PF_BUF_INIT;
        for (int i = 0; k_gen_names[i]; i++)
            pf_buf_printf(&list, "%s%s", i ? ", " : "", k_gen_names[i]);
        fail(p, path, "unknown generator '%s' (expected one of: %s)", gname, pf_buf_str(&list));
        pf_buf_dispose(&list);
        return -1;
    }
    pf_gen *g = new_gen((pf_gen_kind)kind, path);
    *out = g;
    double nf = 0;
    if (get_number(p, path, spec, "null_fraction", &nf, false) < 0)
        return -1;
    if (nf < 0 || nf > 1)
        return fail(p, path, "null_fraction must be within [0, 1]");
    g->null_fraction = nf;

    switch (g->kind) {
    case PF_GEN_CONST: {
        static const char *const keys[] = {"gen", "value", "null_fraction", NULL};
        if (check_keys(p, path, spec, keys) < 0)
            return -1;
        const cJSON *v = member(spec, "value");
        if (v == NULL)
            return fail(p, path, "constant needs 'value'");
        g->values = pf_calloc(1, sizeof *g->values);
        g->n_values = 1;
        return scalar_text(p, path, v, &g->values[0]);
    }
    case PF_GEN_SEQUENCE: {
        static const char *const keys[] = {"gen", "start", "step", "null_fraction", NULL};
        if (check_keys(p, path, spec, keys) < 0)
            return -1;
        double start = 1, step = 1;
        if (get_number(p, path, spec, "start", &start, false) < 0 ||
            get_number(p, path, spec, "step", &step, false) < 0)
            return -1;
        if (!CONVERTS(start, INT64_MIN, INT64_MAX) || !CONVERTS(step, INT64_MIN, INT64_MAX))
            return fail(p, path, "'start' and 'step' must be integers within +-2^63");
        g->start = (int64_t)start;
        g->step = (int64_t)step;
        return 0;
    }
    case PF_GEN_UUID: {
        static const char *const keys[] = {"gen", "null_fraction", NULL};
        return check_keys(p, path, spec, keys);
    }
    case PF_GEN_INT:
    case PF_GEN_FLOAT: {
        static const char *const keys[] = {"gen",   "dist",   "min",      "max",
                                           "mean",  "stddev", "sigma",    "s",
                                           "alpha", "values", "weights",  "value",
                                           "decimals", "null_fraction", NULL};
        if (check_keys(p, path, spec, keys) < 0)
            return -1;
        if (parse_dist(p, path, spec, &g->dist, "uniform") < 0)
            return -1;
        int r1 = get_number(p, path, spec, "min", &g->min, false);
        int r2 = get_number(p, path, spec, "max", &g->max, false);
        if (r1 < 0 || r2 < 0)
            return -1;
        g->has_min = r1 == 0;
        g->has_max = r2 == 0;
        if ((g->dist.kind == PF_DIST_UNIFORM || g->dist.kind == PF_DIST_ZIPF) &&
            (!g->has_min || !g->has_max))
            return fail(p, path, "%s distribution needs 'min' and 'max'",
                        k_dist_names[g->dist.kind]);
        if (g->has_min && g->has_max && g->max < g->min)
            return fail(p, path, "max < min");
        double dec = 2;
        if (get_number(p, path, spec, "decimals", &dec, false) < 0)
            return -1;
        if (!CONVERTS(dec, INT_MIN, INT_MAX))
            return fail(p, path, "decimals must be within [0, 12]");
        g->decimals = (int)dec;
        if (g->decimals < 0 || g->decimals > 12)
            return fail(p, path, "decimals must be within [0, 12]");
        return 0;
    }
    case PF_GEN_BOOL: {
        static const char *const keys[] = {"gen", "p", "null_fraction", NULL};
        if (check_keys(p, path, spec, keys) < 0)
            return -1;
        g->p = 0.5;
        if (get_number(p, path, spec, "p", &g->p, false) < 0)
            return -1;
        if (g->p < 0 || g->p > 1)
            return fail(p, path, "p must be within [0, 1]");
        return 0;
    }
    case PF_GEN_CHOICE: {
        static const char *const keys[] = {"gen", "values", "weights", "null_fraction", NULL};
        if (check_keys(p, path, spec, keys) < 0)
            return -1;
        const cJSON *vals = member(spec, "values");
        const cJSON *ws = member(spec, "weights");
        if (!cJSON_IsArray(vals) || cJSON_GetArraySize(vals) == 0)
            return fail(p, path, "choice needs a non-empty 'values' array");
        size_t n = (size_t)cJSON_GetArraySize(vals);
        if (ws != NULL && (!cJSON_IsArray(ws) || (size_t)cJSON_GetArraySize(ws) != n))
            return fail(p, path, "'weights' must be an array as long as 'values' (%zu)", n);
        g->values = pf_calloc(n, sizeof *g->values);
        g->cum_weights = pf_calloc(n, sizeof *g->cum_weights);
        g->n_values = n;
        double total = 0;
        for (size_t i = 0; i < n; i++) {
            char *sub = pf_asprintf("%s.values[%zu]", path, i);
            int rc = scalar_text(p, sub, cJSON_GetArrayItem(vals, (int)i), &g->values[i]);
            free(sub);
            if (rc < 0)
                return -1;
            const cJSON *w = ws ? cJSON_GetArrayItem(ws, (int)i) : NULL;
            if (w != NULL && (!cJSON_IsNumber(w) || w->valuedouble < 0))
                return fail(p, path, "weights[%zu] must be a number >= 0", i);
            total += w ? w->valuedouble : 1.0;
            g->cum_weights[i] = total;
        }
        if (total <= 0)
            return fail(p, path, "weights sum to zero");
        for (size_t i = 0; i < n; i++)
            g->cum_weights[i] /= total;
        return 0;
    }
    case PF_GEN_TIMESTAMP:
    case PF_GEN_DATE: {
        static const char *const keys[] = {"gen",       "from",  "to", "after", "dist",
                                           "half_life", "null_fraction", NULL};
        if (check_keys(p, path, spec, keys) < 0)
            return -1;
        const char *from = NULL, *to = NULL, *after = NULL, *dist = "uniform", *hl = NULL;
        if (get_string(p, path, spec, "from", &from, true) < 0 ||
            get_string(p, path, spec, "to", &to, true) < 0 ||
            get_string(p, path, spec, "after", &after, false) < 0 ||
            get_string(p, path, spec, "dist", &dist, false) < 0 ||
            get_string(p, path, spec, "half_life", &hl, false) < 0)
            return -1;
        if (parse_when(p, path, from, &g->from_us) < 0 || parse_when(p, path, to, &g->to_us) < 0)
            return -1;
        if (g->to_us < g->from_us)
            return fail(p, path, "'to' (%s) is before 'from' (%s)", to, from);
        if (strcmp(dist, "recent") == 0) {
            int64_t h = 0;
            g->recent = true;
            if (hl == NULL)
                return fail(p, path, "dist 'recent' needs 'half_life' (e.g. \"1y\")");
            if (parse_when(p, path, hl, &h) < 0)
                return -1;
            if (h <= 0)
                return fail(p, path, "half_life must be positive");
            g->half_life_us = (double)h;
        } else if (strcmp(dist, "uniform") != 0) {
            return fail(p, path, "dist must be 'uniform' or 'recent'");
        }
        if (after != NULL) {
            g->after_column = pf_dataset_column(&p->ds->tables[p->table], after);
            if (g->after_column < 0)
                return fail(p, path, "'after': no column '%s' in this table", after);
        }
        return 0;
    }
    case PF_GEN_TEMPLATE: {
        static const char *const keys[] = {"gen", "template", "null_fraction", NULL};
        const char *tpl = NULL;
        if (check_keys(p, path, spec, keys) < 0 ||
            get_string(p, path, spec, "template", &tpl, true) < 0)
            return -1;
        return parse_template(p, path, tpl, &g->tpl);
    }
    case PF_GEN_TEXT: {
        static const char *const keys[] = {"gen", "sentences", "min", "max", "null_fraction", NULL};
        if (check_keys(p, path, spec, keys) < 0)
            return -1;
        const cJSON *sent = member(spec, "sentences");
        if (!cJSON_IsArray(sent) || cJSON_GetArraySize(sent) == 0)
            return fail(p, path, "text needs a non-empty 'sentences' array of templates");
        double mn = 1, mx = 1;
        if (get_number(p, path, spec, "min", &mn, false) < 0 ||
            get_number(p, path, spec, "max", &mx, false) < 0)
            return -1;
        if (mn < 0 || mx < mn)
            return fail(p, path, "need 0 <= min <= max");
        if (mx > PF_MAX_COUNT)
            return fail(p, path, "max must be at most %d", PF_MAX_COUNT);
        g->min_count = (int)mn;
        g->max_count = (int)mx;
        g->n_sentences = (size_t)cJSON_GetArraySize(sent);
        g->sentences = pf_calloc(g->n_sentences, sizeof *g->sentences);
        for (size_t i = 0; i < g->n_sentences; i++) {
            const cJSON *s = cJSON_GetArrayItem(sent, (int)i);
            char *sub = pf_asprintf("%s.sentences[%zu]", path, i);
            int rc = cJSON_IsString(s) ? parse_template(p, sub, s->valuestring, &g->sentences[i])
                                       : fail(p, sub, "must be a string template");
            free(sub);
            if (rc < 0)
                return -1;
        }
        return 0;
    }
    case PF_GEN_ARRAY: {
        static const char *const keys[] = {"gen", "of", "min", "max", "unique", "null_fraction",
                                           NULL};
        if (check_keys(p, path, spec, keys) < 0)
            return -1;
        const cJSON *of = member(spec, "of");
        if (of == NULL)
            return fail(p, path, "array needs 'of' (the element generator)");
        double mn = 0, mx = 3;
        if (get_number(p, path, spec, "min", &mn, false) < 0 ||
            get_number(p, path, spec, "max", &mx, false) < 0)
            return -1;
        if (mn < 0 || mx < mn)
            return fail(p, path, "need 0 <= min <= max");
        if (mx > PF_MAX_COUNT)
            return fail(p, path, "max must be at most %d", PF_MAX_COUNT);
        g->min_count = (int)mn;
        g->max_count = (int)mx;
        g->unique = cJSON_IsTrue(member(spec, "unique"));
        char *sub = pf_asprintf("%s.of", path);
        int rc = parse_gen(p, sub, of, &g->element);
        free(sub);
        return rc;
    }
    case PF_GEN_JSON: {
        static const char *const keys[] = {"gen", "template", "null_fraction", NULL};
        if (check_keys(p, path, spec, keys) < 0)
            return -1;
        const cJSON *t = member(spec, "template");
        if (t == NULL)
            return fail(p, path, "json needs 'template'");
        char *sub = pf_asprintf("%s.template", path);
        int rc = parse_json_node(p, sub, t, &g->json);
        free(sub);
        return rc;
    }
    case PF_GEN_SWITCH: {
        static const char *const keys[] = {"gen", "on", "cases", "default", "null_fraction", NULL};
        if (check_keys(p, path, spec, keys) < 0)
            return -1;
        const cJSON *on = member(spec, "on");
        const cJSON *cases = member(spec, "cases");
        if (on == NULL || !cJSON_IsObject(cases))
            return fail(p, path, "switch needs 'on' (a column, \"$child\" or a generator) and a "
                                 "'cases' object");
        if (cJSON_IsString(on)) {
            if (strcmp(on->valuestring, "$child") == 0) {
                g->on_child = true;
            } else if (strcmp(on->valuestring, "$segment") == 0) {
                g->on_segment = true;
            } else {
                g->on_column = pf_dataset_column(&p->ds->tables[p->table], on->valuestring);
                if (g->on_column < 0)
                    return fail(p, path, "'on': no column '%s' in this table", on->valuestring);
            }
        } else {
            char *sub = pf_asprintf("%s.on", path);
            int rc = parse_gen(p, sub, on, &g->on_gen);
            free(sub);
            if (rc < 0)
                return -1;
        }
        g->n_cases = (size_t)cJSON_GetArraySize(cases);
        g->case_keys = pf_calloc(g->n_cases, sizeof *g->case_keys);
        g->case_gens = pf_calloc(g->n_cases, sizeof *g->case_gens);
        size_t i = 0;
        for (const cJSON *c = cases->child; c; c = c->next, i++) {
            g->case_keys[i] = pf_strdup(c->string);
            char *sub = pf_asprintf("%s.cases.%s", path, c->string);
            int rc = parse_gen(p, sub, c, &g->case_gens[i]);
            free(sub);
            if (rc < 0)
                return -1;
        }
        const cJSON *def = member(spec, "default");
        if (def != NULL) {
            char *sub = pf_asprintf("%s.default", path);
            int rc = parse_gen(p, sub, def, &g->default_gen);
            free(sub);
            if (rc < 0)
                return -1;
        }
        return 0;
    }
    case PF_GEN_PARENT: {
        static const char *const keys[] = {"gen", "column", "null_fraction", NULL};
        if (check_keys(p, path, spec, keys) < 0)
            return -1;
        const pf_table *t = &p->ds->tables[p->table];
        if (!t->nested)
            return fail(p, path, "'parent' generator in table %s, which has no 'parent'",
                        t->name);
        return resolve_target(p, path, spec, g, p->ds->tables[t->parent.table].name);
    }
    case PF_GEN_REF: {
        static const char *const keys[] = {"gen",  "table",  "column",  "segment",
                                           "dist", "s",      "distinct_per_parent",
                                           "null_fraction", NULL};
        if (check_keys(p, path, spec, keys) < 0 || resolve_target(p, path, spec, g, NULL) < 0)
            return -1;
        if (parse_dist(p, path, spec, &g->pick, "uniform") < 0)
            return -1;
        if (g->pick.kind != PF_DIST_UNIFORM && g->pick.kind != PF_DIST_ZIPF)
            return fail(p, path, "ref picks rows 'uniform' or 'zipf'");
        g->distinct_per_parent = cJSON_IsTrue(member(spec, "distinct_per_parent"));
        if (g->distinct_per_parent && !p->ds->tables[p->table].nested)
            return fail(p, path, "distinct_per_parent needs a nested table");
        return 0;
    }
    case PF_GEN_SIBLING: {
        static const char *const keys[] = {"gen", "table", "column", "null_fraction", NULL};
        if (check_keys(p, path, spec, keys) < 0 || resolve_target(p, path, spec, g, NULL) < 0)
            return -1;
        const pf_table *self = &p->ds->tables[p->table];
        const pf_table *sib = &p->ds->tables[g->table];
        if (!self->nested || !sib->nested || sib->parent.table != self->parent.table)
            return fail(p, path, "sibling table %s must be nested under the same parent as %s",
                        sib->name, self->name);
        return 0;
    }
    }
    return 0;
}

/* --------------------------------------------------- column dependencies */

/* Same-row column references of a generator (switch on, template columns,
 * timestamp after), for cycle detection. */
static void gen_deps(const pf_gen *g, bool *deps)
{
    if (g == NULL)
        return;
    if (g->on_column >= 0)
        deps[g->on_column] = true;
    if (g->after_column >= 0)
        deps[g->after_column] = true;
    for (size_t i = 0; i < g->tpl.n_parts; i++)
        if (g->tpl.parts[i].kind == PF_TPL_COLUMN)
            deps[g->tpl.parts[i].column] = true;
    for (size_t s = 0; s < g->n_sentences; s++)
        for (size_t i = 0; i < g->sentences[s].n_parts; i++)
            if (g->sentences[s].parts[i].kind == PF_TPL_COLUMN)
                deps[g->sentences[s].parts[i].column] = true;
    gen_deps(g->element, deps);
    gen_deps(g->on_gen, deps);
    for (size_t i = 0; i < g->n_cases; i++)
        gen_deps(g->case_gens[i], deps);
    gen_deps(g->default_gen, deps);
    if (g->json != NULL) {
        /* Walk the JSON tree. */
        pf_jnode *stack[256];
        size_t top = 0;
        stack[top++] = g->json;
        while (top > 0) {
            pf_jnode *n = stack[--top];
            gen_deps(n->gen, deps);
            for (size_t i = 0; i < n->n_items && top < 256; i++)
                stack[top++] = n->items[i];
        }
    }
}

static int visit(parser *p, const pf_table *t, size_t c, int *state, bool *scratch)
{
    if (state[c] == 2)
        return 0;
    if (state[c] == 1)
        return fail(p, t->columns[c].gen->path, "column '%s' depends on itself (a cycle of "
                                                "column references)",
                    t->columns[c].name);
    state[c] = 1;
    bool *deps = scratch + c * t->n_columns;
    gen_deps(t->columns[c].gen, deps);
    for (size_t d = 0; d < t->n_columns; d++)
        if (deps[d] && visit(p, t, d, state, scratch) < 0)
            return -1;
    state[c] = 2;
    return 0;
}

static int check_cycles(parser *p, const pf_table *t)
{
    int *state = pf_calloc(t->n_columns, sizeof *state);
    bool *scratch = pf_calloc(t->n_columns * t->n_columns, sizeof *scratch);
    int rc = 0;
    for (size_t c = 0; c < t->n_columns && rc == 0; c++)
        rc = visit(p, t, c, state, scratch);
    free(state);
    free(scratch);
    return rc;
}

/* ------------------------------------------------------------------ tables */

static int parse_parent(parser *p, const char *path, const cJSON *spec, pf_table *t)
{
    static const char *const keys[] = {"table",  "segment", "weight", "weight_key",
                                       "min",    "where",   NULL};
    pf_parentspec *ps = &t->parent;
    ps->segment = -1;
    ps->where_column = -1;
    if (!cJSON_IsObject(spec))
        return fail(p, path, "must be an object");
    if (check_keys(p, path, spec, keys) < 0)
        return -1;
    const char *tname = NULL, *seg = NULL, *wkey = NULL;
    if (get_string(p, path, spec, "table", &tname, true) < 0 ||
        get_string(p, path, spec, "segment", &seg, false) < 0 ||
        get_string(p, path, spec, "weight_key", &wkey, false) < 0)
        return -1;
    ps->table = pf_dataset_table(p->ds, tname);
    if (ps->table < 0 || ps->table >= p->table)
        return fail(p, path, "parent table '%s' is not defined before %s", tname, t->name);
    const pf_table *pt = &p->ds->tables[ps->table];
    if (seg != NULL) {
        for (size_t i = 0; i < pt->n_segments; i++)
            if (strcmp(pt->segments[i].name, seg) == 0)
                ps->segment = (int)i;
        if (ps->segment < 0)
            return fail(p, path, "table %s has no segment '%s'", pt->name, seg);
    }
    ps->weight_key = pf_strdup(wkey ? wkey : t->name);
    const cJSON *w = member(spec, "weight");
    char *sub = pf_asprintf("%s.weight", path);
    int rc;
    if (w == NULL) {
        memset(&ps->weight, 0, sizeof ps->weight);
        ps->weight.kind = PF_DIST_CONSTANT;
        ps->weight.value = 1;
        rc = 0;
    } else if (!cJSON_IsObject(w)) {
        rc = fail(p, sub, "must be an object like {\"dist\": \"lognormal\", \"sigma\": 1.4}");
    } else {
        static const char *const wkeys[] = {"dist",  "mean",  "stddev", "sigma",   "s",
                                            "alpha", "value", "values", "weights", NULL};
        rc = check_keys(p, sub, w, wkeys);
        if (rc == 0)
            rc = parse_dist(p, sub, w, &ps->weight, "constant");
    }
    free(sub);
    if (rc < 0)
        return -1;
    double mn = 0;
    if (get_number(p, path, spec, "min", &mn, false) < 0)
        return -1;
    if (mn < 0)
        return fail(p, path, "min must be >= 0");
    if (!CONVERTS(mn, INT64_MIN, INT64_MAX))
        return fail(p, path, "min must be below 2^63");
    ps->min = (int64_t)mn;
    const cJSON *where = member(spec, "where");
    if (where != NULL) {
        char *wpath = pf_asprintf("%s.where", path);
        const cJSON *col = cJSON_IsObject(where) ? member(where, "column") : NULL;
        const cJSON *eq = cJSON_IsObject(where) ? member(where, "equals") : NULL;
        static const char *const where_keys[] = {"column", "equals", NULL};
        if (!cJSON_IsString(col) || eq == NULL) {
            rc = fail(p, wpath, "needs {\"column\": NAME, \"equals\": VALUE}");
        } else if (check_keys(p, wpath, where, where_keys) < 0) {
            rc = -1;
        } else {
            ps->where_column = pf_dataset_column(pt, col->valuestring);
            rc = ps->where_column < 0
                     ? fail(p, wpath, "table %s has no column '%s'", pt->name, col->valuestring)
                     : scalar_text(p, wpath, eq, &ps->where_value);
        }
        free(wpath);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int parse_table(parser *p, const char *path, const cJSON *spec)
{
    static const char *const keys[] = {"table", "rows", "segments", "parent", "columns",
                                       "comment", NULL};
    pf_table *t = &p->ds->tables[p->table];
    if (!cJSON_IsObject(spec))
        return fail(p, path, "must be an object");
    if (check_keys(p, path, spec, keys) < 0)
        return -1;
    const char *name = NULL;
    if (get_string(p, path, spec, "table", &name, true) < 0)
        return -1;
    if (pf_dataset_table(p->ds, name) >= 0)
        return fail(p, path, "table '%s' is listed twice", name);
    t->name = pf_strdup(name);
    t->id = pf_rng_hash_str(name);

    const cJSON *segs = member(spec, "segments");
    double rows = -1;
    if (get_number(p, path, spec, "rows", &rows, false) < 0)
        return -1;
    if ((segs != NULL) == (rows >= 0))
        return fail(p, path, "give either 'rows' (per scale unit) or 'segments'");
    if (segs != NULL) {
        if (!cJSON_IsArray(segs) || cJSON_GetArraySize(segs) == 0)
            return fail(p, path, "'segments' must be a non-empty array");
        t->n_segments = (size_t)cJSON_GetArraySize(segs);
        t->segments = pf_calloc(t->n_segments, sizeof *t->segments);
        for (size_t i = 0; i < t->n_segments; i++) {
            const cJSON *s = cJSON_GetArrayItem(segs, (int)i);
            char *sub = pf_asprintf("%s.segments[%zu]", path, i);
            const char *sname = NULL;
            static const char *const seg_keys[] = {"name", "rows", "comment", NULL};
            int rc = cJSON_IsObject(s) ? check_keys(p, sub, s, seg_keys)
                                       : fail(p, sub, "must be an object");
            if (rc == 0)
                rc = get_string(p, sub, s, "name", &sname, true);
            if (rc == 0)
                rc = get_number(p, sub, s, "rows", &t->segments[i].rows, true);
            if (rc == 0 && t->segments[i].rows < 0)
                rc = fail(p, sub, "rows must be >= 0");
            if (rc == 0)
                t->segments[i].name = pf_strdup(sname);
            free(sub);
            if (rc < 0)
                return -1;
        }
    } else {
        t->n_segments = 1;
        t->segments = pf_calloc(1, sizeof *t->segments);
        t->segments[0].name = pf_strdup("all");
        t->segments[0].rows = rows;
    }
    const cJSON *parent = member(spec, "parent");
    if (parent != NULL) {
        if (t->n_segments != 1)
            return fail(p, path, "a nested table (with 'parent') cannot have segments");
        t->nested = true;
        char *sub = pf_asprintf("%s.parent", path);
        int rc = parse_parent(p, sub, parent, t);
        free(sub);
        if (rc < 0)
            return -1;
    }
    const cJSON *cols = member(spec, "columns");
    if (!cJSON_IsObject(cols) || cJSON_GetArraySize(cols) == 0)
        return fail(p, path, "'columns' must be a non-empty object of column: generator");
    t->n_columns = (size_t)cJSON_GetArraySize(cols);
    t->columns = pf_calloc(t->n_columns, sizeof *t->columns);
    size_t i = 0;
    for (const cJSON *c = cols->child; c; c = c->next, i++) {
        for (size_t k = 0; k < i; k++)
            if (strcmp(t->columns[k].name, c->string) == 0)
                return fail(p, path, "column '%s' is listed twice", c->string);
        t->columns[i].name = pf_strdup(c->string);
        t->columns[i].id = pf_rng_hash_str(c->string);
        t->columns[i].emit = c->string[0] != '_';
    }
    i = 0;
    for (const cJSON *c = cols->child; c; c = c->next, i++) {
        char *sub = pf_asprintf("%s.columns.%s", path, c->string);
        int rc = parse_gen(p, sub, c, &t->columns[i].gen);
        free(sub);
        if (rc < 0)
            return -1;
    }
    bool any = false;
    for (size_t c = 0; c < t->n_columns; c++)
        any = any || t->columns[c].emit;
    if (!any)
        return fail(p, path, "every column is virtual ('_' prefix): nothing to load");
    return check_cycles(p, t);
}

/* ------------------------------------------------------------------ public */

int pf_dataset_table(const pf_dataset *ds, const char *name)
{
    for (size_t i = 0; i < ds->n_tables; i++)
        if (ds->tables[i].name != NULL && strcmp(ds->tables[i].name, name) == 0)
            return (int)i;
    return -1;
}

int pf_dataset_column(const pf_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_columns; i++)
        if (t->columns[i].name != NULL && strcmp(t->columns[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Line and column of a byte offset, for JSON syntax errors. */
static void line_col(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

int pf_dataset_parse(const char *origin, const char *text, pf_dataset **out, pf_error *err)
{
    *out = NULL;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, true);
    if (root == NULL) {
        size_t off = end ? (size_t)(end - text) : 0;
        int line, col;
        line_col(text, off, &line, &col);
        char near[24];
        snprintf(near, sizeof near, "%.20s", text + off);
        for (char *c = near; *c; c++)
            if (*c == '\n' || *c == '\r')
                *c = ' ';
        return pf_error_set(err, PF_EXIT_USAGE, "%s:%d:%d: JSON syntax error near '%s'", origin,
                            line, col, near);
    }
    pf_dataset *ds = pf_calloc(1, sizeof *ds);
    ds->path = pf_strdup(origin);
    snprintf(ds->hash, sizeof ds->hash, "%016llx",
             (unsigned long long)pf_rng_hash_bytes(PF_RNG_HASH_INIT, text, strlen(text)));
    parser p = {origin, ds, err, 0};
    int rc = -1;
    static const char *const keys[] = {"format",      "name",   "description",
                                       "reference_date", "seed", "tables", NULL};
    if (!cJSON_IsObject(root)) {
        fail(&p, "$", "the spec must be a JSON object");
        goto cleanup;
    }
    if (check_keys(&p, "$", root, keys) < 0)
        goto cleanup;
    double format = 0;
    if (get_number(&p, "$", root, "format", &format, true) < 0)
        goto cleanup;
    if (format != 1) {
        fail(&p, "$.format", "unsupported format %g (this perfgate reads format 1)", format);
        goto cleanup;
    }
    const char *name = NULL, *desc = NULL, *ref = NULL;
    if (get_string(&p, "$", root, "name", &name, true) < 0 ||
        get_string(&p, "$", root, "description", &desc, false) < 0 ||
        get_string(&p, "$", root, "reference_date", &ref, true) < 0)
        goto cleanup;
    ds->name = pf_strdup(name);
    ds->description = pf_strdup(desc ? desc : "");
    if (parse_instant(ref, &ds->reference_us) < 0) {
        fail(&p, "$.reference_date", "'%s' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)",
             ref);
        goto cleanup;
    }
    double seed = 1;
    if (get_number(&p, "$", root, "seed", &seed, false) < 0)
        goto cleanup;
    if (!CONVERTS(seed, 0, UINT64_MAX)) {
        fail(&p, "$.seed", "must be a non-negative integer below 2^64");
        goto cleanup;
    }
    ds->default_seed = (uint64_t)seed;
    const cJSON *tables = member(root, "tables");
    if (!cJSON_IsArray(tables) || cJSON_GetArraySize(tables) == 0) {
        fail(&p, "$", "'tables' must be a non-empty array");
        goto cleanup;
    }
    size_t n = (size_t)cJSON_GetArraySize(tables);
    ds->tables = pf_calloc(n, sizeof *ds->tables);
    for (size_t i = 0; i < n; i++) {
        ds->n_tables = i + 1;
        p.table = (int)i;
        char *path = pf_asprintf("tables[%zu]", i);
        int r = parse_table(&p, path, cJSON_GetArrayItem(tables, (int)i));
        free(path);
        if (r < 0)
            goto cleanup;
    }
    rc = 0;
cleanup:
    cJSON_Delete(root);
    if (rc < 0) {
        pf_dataset_free(ds);
        return -1;
    }
    *out = ds;
    return 0;
}

int pf_dataset_load(const char *path, pf_dataset **out, pf_error *err)
{
    char *text = NULL;
    *out = NULL;
    if (pf_file_read(path, &text, NULL, err) < 0)
        return -1;
    int rc = pf_dataset_parse(path, text, out, err);
    free(text);
    return rc;
}

void pf_dataset_free(pf_dataset *ds)
{
    if (ds == NULL)
        return;
    for (size_t i = 0; i < ds->n_tables; i++) {
        pf_table *t = &ds->tables[i];
        free(t->name);
        for (size_t s = 0; s < t->n_segments; s++)
            free(t->segments[s].name);
        free(t->segments);
        dist_dispose(&t->parent.weight);
        free(t->parent.weight_key);
        free(t->parent.where_value);
        for (size_t c = 0; c < t->n_columns; c++) {
            free(t->columns[c].name);
            gen_free(t->columns[c].gen);
        }
        free(t->columns);
    }
    free(ds->tables);
    free(ds->path);
    free(ds->name);
    free(ds->description);
    free(ds);
}
