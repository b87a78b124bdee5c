/* Dataset spec parser: JSON into the pf_dataset model, with every error
 * naming the file, the line and the JSON path (json.h). */
#include "dataset.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "fsutil.h"
#include "json.h"
#include "rng.h"
#include "vocab.h"

#define US_PER_S 1000000LL
#define US_PER_DAY (86400LL * US_PER_S)
/* The most sentences of a text, elements of an array: the generator
 * counts them (and 4 x as many draws) in an int. */
#define PF_MAX_COUNT 1000000
/* The largest offset from the reference date: 10,000 years. */
#define PF_OFFSET_MAX_US (10000.0 * 365.0 * US_PER_DAY)

typedef struct parser {
    pf_dataset *ds;
    int table; /* index of the table being parsed */
} parser;

/* ---------------------------------------------------------------- helpers */

/* A required number that must be > 0; dist names the distribution in the
 * message ("zipf needs s > 0"). */
static int get_positive(const pf_json_val *obj, const char *key, const char *dist, double *out)
{
    if (pf_json_get_number(obj, key, PF_JSON_REQUIRED, out) < 0)
        return -1;
    if (!(*out > 0))
        return pf_json_fail(obj, NULL, "%s needs %s > 0", dist, key);
    return 0;
}

/* Text form of a JSON scalar as it goes into COPY (NULL for JSON null). */
static int scalar_text(const pf_json_val *v, char **out)
{
    *out = NULL;
    double d;
    switch (pf_json_kind_of(v)) {
    case PF_JSON_NULL:
        return 0;
    case PF_JSON_STRING:
        *out = pf_strdup(pf_json_string(v));
        return 0;
    case PF_JSON_BOOL:
        *out = pf_strdup(pf_json_true(v) ? "t" : "f");
        return 0;
    case PF_JSON_NUMBER:
        pf_json_number(v, &d);
        if (d == floor(d) && fabs(d) < 9e15)
            *out = pf_asprintf("%lld", (long long)d);
        else
            *out = pf_asprintf("%.17g", d);
        return 0;
    default:
        return pf_json_fail(v, NULL, "expected a string, number, boolean or null");
    }
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
 * "-18mo", "2w", "45s"; or an absolute date/time. Messages about the
 * generator spec. */
static int parse_when(parser *p, const pf_json_val *spec, const char *s, int64_t *out)
{
    int64_t abs_us;
    if (parse_instant(s, &abs_us) == 0) {
        *out = abs_us - p->ds->reference_us;
        return 0;
    }
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s)
        return pf_json_fail(spec, NULL,
                            "'%s' is neither a date nor an offset like -5y, +30d, 12h, -90min", s);
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
                return pf_json_fail(spec, NULL, "'%s' is out of range (at most 10000 years)", s);
            *out = (int64_t)llround(us);
            return 0;
        }
    return pf_json_fail(spec, NULL, "'%s': unknown unit '%s' (use y, mo, w, d, h, min, s)", s,
                        end);
}

/* ---------------------------------------------------------- distributions */

static const char *const k_dist_names[] = {"uniform", "normal",   "lognormal", "exponential",
                                           "zipf",    "constant", "choice",    "pareto", NULL};

/* The optional "weights" beside n values, cumulative and normalised to 1
 * into cum (equal weights when absent): choice distributions and choice
 * generators. */
static int parse_weights(const pf_json_val *spec, size_t n, double *cum)
{
    pf_json_val ws, w;
    bool has = pf_json_member(spec, "weights", &ws) == 0;
    if (has && (!pf_json_is(&ws, PF_JSON_ARRAY) || pf_json_count(&ws) != n))
        return pf_json_fail(spec, NULL, "'weights' must be an array as long as 'values' (%zu)", n);
    double total = 0;
    bool more = has && pf_json_first(&ws, &w);
    for (size_t i = 0; i < n; i++) {
        double weight = 1.0;
        if (more && (!pf_json_number(&w, &weight) || !(weight >= 0) || !isfinite(weight)))
            return pf_json_fail(&w, NULL, "must be a number >= 0");
        total += weight;
        cum[i] = total;
        more = more && pf_json_next(&w);
    }
    if (!(total > 0))
        return pf_json_fail(spec, NULL, "weights sum to zero");
    for (size_t i = 0; i < n; i++)
        cum[i] /= total;
    return 0;
}

/* "values" (numbers) and "weights" of a choice distribution. */
static int parse_dist_choice(const pf_json_val *obj, pf_distspec *d)
{
    pf_json_val vals, v;
    if (pf_json_member(obj, "values", &vals) != 0 || !pf_json_is(&vals, PF_JSON_ARRAY) ||
        pf_json_count(&vals) == 0)
        return pf_json_fail(obj, NULL, "choice needs a non-empty 'values' array of numbers");
    d->n_values = pf_json_count(&vals);
    d->values = pf_calloc(d->n_values, sizeof *d->values);
    d->weights = pf_calloc(d->n_values, sizeof *d->weights);
    for (bool more = pf_json_first(&vals, &v); more; more = pf_json_next(&v))
        if (!pf_json_number(&v, &d->values[v.index]))
            return pf_json_fail(&v, NULL, "must be a number");
    return parse_weights(obj, d->n_values, d->weights);
}

static int parse_dist(const pf_json_val *obj, pf_distspec *d, const char *default_kind)
{
    memset(d, 0, sizeof *d);
    const char *kind = default_kind;
    if (pf_json_get_string(obj, "dist", PF_JSON_OPTIONAL, &kind) < 0)
        return -1;
    int k = -1;
    for (int i = 0; k_dist_names[i]; i++)
        if (strcmp(kind, k_dist_names[i]) == 0)
            k = i;
    if (k < 0)
        return pf_json_fail(obj, NULL,
                            "unknown dist '%s' (uniform, normal, lognormal, exponential, zipf, "
                            "constant, choice, pareto)",
                            kind);
    d->kind = (pf_dist)k;
    switch (d->kind) {
    case PF_DIST_NORMAL:
        if (pf_json_get_number(obj, "mean", PF_JSON_REQUIRED, &d->mean) < 0 ||
            pf_json_get_number(obj, "stddev", PF_JSON_REQUIRED, &d->stddev) < 0)
            return -1;
        break;
    case PF_DIST_LOGNORMAL:
        d->mean = 1.0;
        if (pf_json_get_number(obj, "mean", PF_JSON_OPTIONAL, &d->mean) < 0 ||
            pf_json_get_number(obj, "sigma", PF_JSON_REQUIRED, &d->sigma) < 0)
            return -1;
        if (d->sigma < 0 || d->mean <= 0)
            return pf_json_fail(obj, NULL, "lognormal needs mean > 0 and sigma >= 0");
        break;
    case PF_DIST_EXPONENTIAL:
        return get_positive(obj, "mean", "exponential", &d->mean);
    case PF_DIST_ZIPF:
        return get_positive(obj, "s", "zipf", &d->s);
    case PF_DIST_PARETO:
        return get_positive(obj, "alpha", "pareto", &d->alpha);
    case PF_DIST_CONSTANT:
        d->value = 1.0;
        return pf_json_get_number(obj, "value", PF_JSON_OPTIONAL, &d->value) < 0 ? -1 : 0;
    case PF_DIST_CHOICE:
        return parse_dist_choice(obj, d);
    case PF_DIST_UNIFORM:
        break;
    }
    return 0;
}

/* -------------------------------------------------------------- templates */

/* One {placeholder} of a template; name is what the braces hold. */
static int parse_placeholder(parser *p, const pf_json_val *spec, const char *text,
                             const char *name, pf_tpl_part *part)
{
    const pf_table *tab = &p->ds->tables[p->table];
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
        if (part->column < 0)
            return pf_json_fail(spec, NULL, "template '%s': no column '%s' in table %s", text,
                                name + 4, tab->name);
    } else if (sscanf(name, "num:%lld-%lld%n", &lo, &hi, &consumed) == 2 &&
               name[consumed] == '\0') {
        if (hi < lo)
            return pf_json_fail(spec, NULL, "template '%s': empty range {%s}", text, name);
        part->kind = PF_TPL_NUM;
        part->lo = lo;
        part->hi = hi;
    } else {
        part->kind = PF_TPL_VOCAB;
        part->vocab = pf_vocab_find(name);
        if (part->vocab < 0)
            return pf_json_fail(spec, NULL,
                                "template '%s': unknown placeholder {%s} (vocabularies: %s; or "
                                "{col:NAME}, {$row}, {$child}, {num:LO-HI})",
                                text, name, pf_vocab_names());
    }
    return 0;
}

static int parse_template(parser *p, const pf_json_val *spec, const char *text, pf_template *t)
{
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
            return pf_json_fail(spec, NULL, "template '%s': '{' without '}'", text);
        char *name = pf_strndup(s + 1, (size_t)(close - s - 1));
        s = close + 1;
        t->n_parts++;
        int rc = parse_placeholder(p, spec, text, name, part);
        free(name);
        if (rc < 0)
            return -1;
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

static int parse_gen(parser *p, const pf_json_val *spec, pf_gen **out);

/* The generator's random stream is keyed by its path as it was written
 * before paths gained their "$." root ("tables[4].columns.title", see
 * docs/dataset-spec.md#determinism): the same spec and seed keep giving
 * the same data. */
static uint64_t stream_id(const char *path)
{
    return pf_rng_hash_str(strncmp(path, "$.", 2) == 0 ? path + 2 : path);
}

static pf_gen *new_gen(pf_gen_kind kind, const pf_json_val *spec)
{
    pf_gen *g = pf_calloc(1, sizeof *g);
    g->kind = kind;
    g->path = pf_json_path(spec);
    g->id = stream_id(g->path);
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
static int resolve_target(parser *p, const pf_json_val *spec, pf_gen *g, const char *default_table)
{
    const char *tname = default_table, *cname = NULL, *seg = NULL;
    if (pf_json_get_string(spec, "table", default_table ? PF_JSON_OPTIONAL : PF_JSON_REQUIRED,
                           &tname) < 0 ||
        pf_json_get_string(spec, "column", PF_JSON_REQUIRED, &cname) < 0 ||
        pf_json_get_string(spec, "segment", PF_JSON_OPTIONAL, &seg) < 0)
        return -1;
    g->table = pf_dataset_table(p->ds, tname);
    if (g->table < 0 || g->table >= p->table)
        return pf_json_fail(spec, NULL,
                            "table '%s' is not defined before this table (tables are listed in "
                            "dependency order)",
                            tname);
    const pf_table *t = &p->ds->tables[g->table];
    g->column = pf_dataset_column(t, cname);
    if (g->column < 0)
        return pf_json_fail(spec, NULL, "table %s has no column '%s'", t->name, cname);
    if (seg != NULL) {
        for (size_t i = 0; i < t->n_segments; i++)
            if (strcmp(t->segments[i].name, seg) == 0)
                g->segment = (int)i;
        if (g->segment < 0)
            return pf_json_fail(spec, NULL, "table %s has no segment '%s'", t->name, seg);
    }
    return 0;
}

/* A JSON template: objects and arrays are walked, {"gen": ...} objects are
 * generators, anything else a literal written as it is. */
static int parse_json_node(parser *p, const pf_json_val *v, pf_jnode **out)
{
    pf_jnode *n = pf_calloc(1, sizeof *n);
    *out = n;
    if (pf_json_is(v, PF_JSON_OBJECT) && pf_json_has(v, "gen")) {
        n->kind = PF_JNODE_GEN;
        return parse_gen(p, v, &n->gen);
    }
    if (!pf_json_is(v, PF_JSON_OBJECT) && !pf_json_is(v, PF_JSON_ARRAY)) {
        n->kind = PF_JNODE_LITERAL;
        n->literal = pf_json_text(v);
        return 0;
    }
    bool obj = pf_json_is(v, PF_JSON_OBJECT);
    n->kind = obj ? PF_JNODE_OBJECT : PF_JNODE_ARRAY;
    n->items = pf_calloc(pf_json_count(v), sizeof *n->items);
    if (obj)
        n->keys = pf_calloc(pf_json_count(v), sizeof *n->keys);
    pf_json_val it;
    for (bool more = pf_json_first(v, &it); more; more = pf_json_next(&it)) {
        if (obj)
            n->keys[it.index] = pf_json_quote(it.key);
        n->n_items = it.index + 1;
        if (parse_json_node(p, &it, &n->items[it.index]) < 0)
            return -1;
    }
    return 0;
}

/* ---- one parser per generator kind (k_gens below), after "gen",
 * "null_fraction" and the allowed keys are checked ---- */

static int gen_constant(parser *p, const pf_json_val *spec, pf_gen *g)
{
    (void)p;
    pf_json_val v;
    if (pf_json_member(spec, "value", &v) != 0)
        return pf_json_fail(spec, NULL, "constant needs 'value'");
    g->values = pf_calloc(1, sizeof *g->values);
    g->n_values = 1;
    return scalar_text(&v, &g->values[0]);
}

static int gen_sequence(parser *p, const pf_json_val *spec, pf_gen *g)
{
    (void)p;
    g->start = 1;
    g->step = 1;
    if (pf_json_get_int64(spec, "start", PF_JSON_OPTIONAL, INT64_MIN, INT64_MAX, &g->start) < 0 ||
        pf_json_get_int64(spec, "step", PF_JSON_OPTIONAL, INT64_MIN, INT64_MAX, &g->step) < 0)
        return -1;
    return 0;
}

static int gen_uuid(parser *p, const pf_json_val *spec, pf_gen *g)
{
    (void)p;
    (void)spec;
    (void)g;
    return 0;
}

/* int and float: a distribution clamped to [min, max], rounded to decimals. */
static int gen_number(parser *p, const pf_json_val *spec, pf_gen *g)
{
    (void)p;
    if (parse_dist(spec, &g->dist, "uniform") < 0)
        return -1;
    int r1 = pf_json_get_number(spec, "min", PF_JSON_OPTIONAL, &g->min);
    int r2 = pf_json_get_number(spec, "max", PF_JSON_OPTIONAL, &g->max);
    if (r1 < 0 || r2 < 0)
        return -1;
    g->has_min = r1 == 0;
    g->has_max = r2 == 0;
    if ((g->dist.kind == PF_DIST_UNIFORM || g->dist.kind == PF_DIST_ZIPF) &&
        (!g->has_min || !g->has_max))
        return pf_json_fail(spec, NULL, "%s distribution needs 'min' and 'max'",
                            k_dist_names[g->dist.kind]);
    if (g->has_min && g->has_max && g->max < g->min)
        return pf_json_fail(spec, NULL, "max < min");
    g->decimals = 2;
    return pf_json_get_int(spec, "decimals", PF_JSON_OPTIONAL, 0, 12, &g->decimals) < 0 ? -1 : 0;
}

static int gen_bool(parser *p, const pf_json_val *spec, pf_gen *g)
{
    (void)p;
    g->p = 0.5;
    return pf_json_get_number_in(spec, "p", PF_JSON_OPTIONAL, 0, 1, &g->p) < 0 ? -1 : 0;
}

static int gen_choice(parser *p, const pf_json_val *spec, pf_gen *g)
{
    (void)p;
    pf_json_val vals, v;
    if (pf_json_member(spec, "values", &vals) != 0 || !pf_json_is(&vals, PF_JSON_ARRAY) ||
        pf_json_count(&vals) == 0)
        return pf_json_fail(spec, NULL, "choice needs a non-empty 'values' array");
    g->n_values = pf_json_count(&vals);
    g->values = pf_calloc(g->n_values, sizeof *g->values);
    g->cum_weights = pf_calloc(g->n_values, sizeof *g->cum_weights);
    if (parse_weights(spec, g->n_values, g->cum_weights) < 0)
        return -1;
    for (bool more = pf_json_first(&vals, &v); more; more = pf_json_next(&v))
        if (scalar_text(&v, &g->values[v.index]) < 0)
            return -1;
    return 0;
}

/* timestamp and date: a range of offsets, uniform or "recent". */
static int gen_time(parser *p, const pf_json_val *spec, pf_gen *g)
{
    const char *from = NULL, *to = NULL, *after = NULL, *dist = "uniform", *hl = NULL;
    if (pf_json_get_string(spec, "from", PF_JSON_REQUIRED, &from) < 0 ||
        pf_json_get_string(spec, "to", PF_JSON_REQUIRED, &to) < 0 ||
        pf_json_get_string(spec, "after", PF_JSON_OPTIONAL, &after) < 0 ||
        pf_json_get_string(spec, "dist", PF_JSON_OPTIONAL, &dist) < 0 ||
        pf_json_get_string(spec, "half_life", PF_JSON_OPTIONAL, &hl) < 0)
        return -1;
    if (parse_when(p, spec, from, &g->from_us) < 0 || parse_when(p, spec, to, &g->to_us) < 0)
        return -1;
    if (g->to_us < g->from_us)
        return pf_json_fail(spec, NULL, "'to' (%s) is before 'from' (%s)", to, from);
    if (strcmp(dist, "recent") == 0) {
        int64_t h = 0;
        g->recent = true;
        if (hl == NULL)
            return pf_json_fail(spec, NULL, "dist 'recent' needs 'half_life' (e.g. \"1y\")");
        if (parse_when(p, spec, hl, &h) < 0)
            return -1;
        if (h <= 0)
            return pf_json_fail(spec, NULL, "half_life must be positive");
        g->half_life_us = (double)h;
    } else if (strcmp(dist, "uniform") != 0) {
        return pf_json_fail(spec, NULL, "dist must be 'uniform' or 'recent'");
    }
    if (after != NULL) {
        g->after_column = pf_dataset_column(&p->ds->tables[p->table], after);
        if (g->after_column < 0)
            return pf_json_fail(spec, NULL, "'after': no column '%s' in this table", after);
    }
    return 0;
}

static int gen_template(parser *p, const pf_json_val *spec, pf_gen *g)
{
    const char *tpl = NULL;
    if (pf_json_get_string(spec, "template", PF_JSON_REQUIRED, &tpl) < 0)
        return -1;
    return parse_template(p, spec, tpl, &g->tpl);
}

/* "min" and "max" counts of a text's sentences or an array's elements. */
static int get_counts(const pf_json_val *spec, pf_gen *g, int min, int max)
{
    g->min_count = min;
    g->max_count = max;
    if (pf_json_get_int(spec, "min", PF_JSON_OPTIONAL, 0, PF_MAX_COUNT, &g->min_count) < 0 ||
        pf_json_get_int(spec, "max", PF_JSON_OPTIONAL, 0, PF_MAX_COUNT, &g->max_count) < 0)
        return -1;
    if (g->max_count < g->min_count)
        return pf_json_fail(spec, NULL, "need 0 <= min <= max");
    return 0;
}

static int gen_text(parser *p, const pf_json_val *spec, pf_gen *g)
{
    pf_json_val sent, s;
    if (pf_json_member(spec, "sentences", &sent) != 0 || !pf_json_is(&sent, PF_JSON_ARRAY) ||
        pf_json_count(&sent) == 0)
        return pf_json_fail(spec, NULL, "text needs a non-empty 'sentences' array of templates");
    if (get_counts(spec, g, 1, 1) < 0)
        return -1;
    g->sentences = pf_calloc(pf_json_count(&sent), sizeof *g->sentences);
    for (bool more = pf_json_first(&sent, &s); more; more = pf_json_next(&s)) {
        g->n_sentences = s.index + 1;
        const char *text = pf_json_string(&s);
        if (text == NULL)
            return pf_json_fail(&s, NULL, "must be a string template");
        if (parse_template(p, &s, text, &g->sentences[s.index]) < 0)
            return -1;
    }
    return 0;
}

static int gen_array(parser *p, const pf_json_val *spec, pf_gen *g)
{
    pf_json_val of;
    if (pf_json_member(spec, "of", &of) != 0)
        return pf_json_fail(spec, NULL, "array needs 'of' (the element generator)");
    if (get_counts(spec, g, 0, 3) < 0 ||
        pf_json_get_bool(spec, "unique", PF_JSON_OPTIONAL, &g->unique) < 0)
        return -1;
    return parse_gen(p, &of, &g->element);
}

static int gen_json(parser *p, const pf_json_val *spec, pf_gen *g)
{
    pf_json_val t;
    if (pf_json_member(spec, "template", &t) != 0)
        return pf_json_fail(spec, NULL, "json needs 'template'");
    return parse_json_node(p, &t, &g->json);
}

static int gen_switch(parser *p, const pf_json_val *spec, pf_gen *g)
{
    pf_json_val on, cases, c, def;
    if (pf_json_member(spec, "on", &on) != 0 || pf_json_member(spec, "cases", &cases) != 0 ||
        !pf_json_is(&cases, PF_JSON_OBJECT))
        return pf_json_fail(spec, NULL, "switch needs 'on' (a column, \"$child\" or a generator) "
                                        "and a 'cases' object");
    const char *column = pf_json_string(&on);
    if (column == NULL) {
        if (parse_gen(p, &on, &g->on_gen) < 0)
            return -1;
    } else if (strcmp(column, "$child") == 0) {
        g->on_child = true;
    } else if (strcmp(column, "$segment") == 0) {
        g->on_segment = true;
    } else {
        g->on_column = pf_dataset_column(&p->ds->tables[p->table], column);
        if (g->on_column < 0)
            return pf_json_fail(spec, NULL, "'on': no column '%s' in this table", column);
    }
    g->case_keys = pf_calloc(pf_json_count(&cases), sizeof *g->case_keys);
    g->case_gens = pf_calloc(pf_json_count(&cases), sizeof *g->case_gens);
    for (bool more = pf_json_first(&cases, &c); more; more = pf_json_next(&c)) {
        g->n_cases = c.index + 1;
        g->case_keys[c.index] = pf_strdup(c.key);
        if (parse_gen(p, &c, &g->case_gens[c.index]) < 0)
            return -1;
    }
    if (pf_json_member(spec, "default", &def) == 0)
        return parse_gen(p, &def, &g->default_gen);
    return 0;
}

static int gen_parent(parser *p, const pf_json_val *spec, pf_gen *g)
{
    const pf_table *t = &p->ds->tables[p->table];
    if (!t->nested)
        return pf_json_fail(spec, NULL, "'parent' generator in table %s, which has no 'parent'",
                            t->name);
    return resolve_target(p, spec, g, p->ds->tables[t->parent.table].name);
}

static int gen_ref(parser *p, const pf_json_val *spec, pf_gen *g)
{
    if (resolve_target(p, spec, g, NULL) < 0 || parse_dist(spec, &g->pick, "uniform") < 0)
        return -1;
    if (g->pick.kind != PF_DIST_UNIFORM && g->pick.kind != PF_DIST_ZIPF)
        return pf_json_fail(spec, NULL, "ref picks rows 'uniform' or 'zipf'");
    if (pf_json_get_bool(spec, "distinct_per_parent", PF_JSON_OPTIONAL,
                         &g->distinct_per_parent) < 0)
        return -1;
    if (g->distinct_per_parent && !p->ds->tables[p->table].nested)
        return pf_json_fail(spec, NULL, "distinct_per_parent needs a nested table");
    return 0;
}

static int gen_sibling(parser *p, const pf_json_val *spec, pf_gen *g)
{
    if (resolve_target(p, spec, g, NULL) < 0)
        return -1;
    const pf_table *self = &p->ds->tables[p->table];
    const pf_table *sib = &p->ds->tables[g->table];
    if (!self->nested || !sib->nested || sib->parent.table != self->parent.table)
        return pf_json_fail(spec, NULL,
                            "sibling table %s must be nested under the same parent as %s",
                            sib->name, self->name);
    return 0;
}

#define GEN_KEYS(...) ((const char *const[]){"gen", "null_fraction", __VA_ARGS__, NULL})

/* Every generator kind, in pf_gen_kind order: its name in a spec, the keys
 * it allows besides "gen" and "null_fraction", and its parser. */
static const struct {
    const char *name;
    const char *const *keys;
    int (*parse)(parser *p, const pf_json_val *spec, pf_gen *g);
} k_gens[] = {
    [PF_GEN_CONST] = {"constant", GEN_KEYS("value"), gen_constant},
    [PF_GEN_SEQUENCE] = {"sequence", GEN_KEYS("start", "step"), gen_sequence},
    [PF_GEN_UUID] = {"uuid", GEN_KEYS(NULL), gen_uuid},
    [PF_GEN_INT] = {"int",
                    GEN_KEYS("dist", "min", "max", "mean", "stddev", "sigma", "s", "alpha",
                             "values", "weights", "value", "decimals"),
                    gen_number},
    [PF_GEN_FLOAT] = {"float",
                      GEN_KEYS("dist", "min", "max", "mean", "stddev", "sigma", "s", "alpha",
                               "values", "weights", "value", "decimals"),
                      gen_number},
    [PF_GEN_BOOL] = {"bool", GEN_KEYS("p"), gen_bool},
    [PF_GEN_CHOICE] = {"choice", GEN_KEYS("values", "weights"), gen_choice},
    [PF_GEN_TIMESTAMP] = {"timestamp", GEN_KEYS("from", "to", "after", "dist", "half_life"),
                          gen_time},
    [PF_GEN_DATE] = {"date", GEN_KEYS("from", "to", "after", "dist", "half_life"), gen_time},
    [PF_GEN_TEMPLATE] = {"template", GEN_KEYS("template"), gen_template},
    [PF_GEN_TEXT] = {"text", GEN_KEYS("sentences", "min", "max"), gen_text},
    [PF_GEN_ARRAY] = {"array", GEN_KEYS("of", "min", "max", "unique"), gen_array},
    [PF_GEN_JSON] = {"json", GEN_KEYS("template"), gen_json},
    [PF_GEN_SWITCH] = {"switch", GEN_KEYS("on", "cases", "default"), gen_switch},
    [PF_GEN_PARENT] = {"parent", GEN_KEYS("column"), gen_parent},
    [PF_GEN_REF] = {"ref", GEN_KEYS("table", "column", "segment", "dist", "s",
                                    "distinct_per_parent"),
                    gen_ref},
    [PF_GEN_SIBLING] = {"sibling", GEN_KEYS("table", "column"), gen_sibling},
};

#define N_GENS (sizeof k_gens / sizeof k_gens[0])

/* A column's (or a nested) generator: an object {"gen": KIND, ...}, or a
 * bare scalar, which is a constant. */
static int parse_gen(parser *p, const pf_json_val *spec, pf_gen **out)
{
    *out = NULL;
    if (!pf_json_is(spec, PF_JSON_OBJECT)) {
        if (pf_json_is(spec, PF_JSON_ARRAY))
            return pf_json_fail(spec, NULL, "expected a generator object or a constant");
        pf_gen *g = *out = new_gen(PF_GEN_CONST, spec);
        g->values = pf_calloc(1, sizeof *g->values);
        g->n_values = 1;
        return scalar_text(spec, &g->values[0]);
    }
    const char *name = NULL;
    if (pf_json_get_string(spec, "gen", PF_JSON_REQUIRED, &name) < 0)
        return -1;
    size_t kind = 0;
    while (kind < N_GENS && strcmp(name, k_gens[kind].name) != 0)
        kind++;
    if (kind == N_GENS) {
        pf_buf list = PF_BUF_INIT;
        for (size_t i = 0; i < N_GENS; i++)
            pf_buf_printf(&list, "%s%s", i ? ", " : "", k_gens[i].name);
        pf_json_fail(spec, NULL, "unknown generator '%s' (expected one of: %s)", name,
                     pf_buf_str(&list));
        pf_buf_dispose(&list);
        return -1;
    }
    pf_gen *g = *out = new_gen((pf_gen_kind)kind, spec);
    if (pf_json_get_number_in(spec, "null_fraction", PF_JSON_OPTIONAL, 0, 1, &g->null_fraction) <
            0 ||
        pf_json_check_keys(spec, k_gens[kind].keys) < 0)
        return -1;
    return k_gens[kind].parse(p, spec, g);
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

/* Depth-first over the same-row references; cols is the table's "columns"
 * object, for the message. */
static int visit(const pf_json_val *cols, const pf_table *t, size_t c, int *state, bool *scratch)
{
    if (state[c] == 2)
        return 0;
    if (state[c] == 1) {
        pf_json_val col;
        pf_json_member(cols, t->columns[c].name, &col);
        return pf_json_fail(&col, NULL,
                            "column '%s' depends on itself (a cycle of column references)",
                            t->columns[c].name);
    }
    state[c] = 1;
    bool *deps = scratch + c * t->n_columns;
    gen_deps(t->columns[c].gen, deps);
    for (size_t d = 0; d < t->n_columns; d++)
        if (deps[d] && visit(cols, t, d, state, scratch) < 0)
            return -1;
    state[c] = 2;
    return 0;
}

static int check_cycles(const pf_json_val *cols, const pf_table *t)
{
    int *state = pf_calloc(t->n_columns, sizeof *state);
    bool *scratch = pf_calloc(t->n_columns * t->n_columns, sizeof *scratch);
    int rc = 0;
    for (size_t c = 0; c < t->n_columns && rc == 0; c++)
        rc = visit(cols, t, c, state, scratch);
    free(state);
    free(scratch);
    return rc;
}

/* ------------------------------------------------------------------ tables */

/* "weight" of a parent spec: a distribution, constant 1 when absent. */
static int parse_weight(const pf_json_val *spec, pf_parentspec *ps)
{
    static const char *const keys[] = {"dist",  "mean",  "stddev", "sigma",   "s",
                                       "alpha", "value", "values", "weights", NULL};
    pf_json_val w;
    if (pf_json_member(spec, "weight", &w) != 0) {
        memset(&ps->weight, 0, sizeof ps->weight);
        ps->weight.kind = PF_DIST_CONSTANT;
        ps->weight.value = 1;
        return 0;
    }
    if (!pf_json_is(&w, PF_JSON_OBJECT))
        return pf_json_fail(&w, NULL,
                            "must be an object like {\"dist\": \"lognormal\", \"sigma\": 1.4}");
    if (pf_json_check_keys(&w, keys) < 0)
        return -1;
    return parse_dist(&w, &ps->weight, "constant");
}

/* "where": only parents whose column equals a value. */
static int parse_where(const pf_json_val *spec, const pf_table *pt, pf_parentspec *ps)
{
    static const char *const keys[] = {"column", "equals", NULL};
    pf_json_val where, eq;
    if (pf_json_member(spec, "where", &where) != 0)
        return 0;
    const char *col = NULL;
    pf_json_val colv;
    if (pf_json_member(&where, "column", &colv) == 0)
        col = pf_json_string(&colv);
    if (col == NULL || pf_json_member(&where, "equals", &eq) != 0)
        return pf_json_fail(&where, NULL, "needs {\"column\": NAME, \"equals\": VALUE}");
    if (pf_json_check_keys(&where, keys) < 0)
        return -1;
    ps->where_column = pf_dataset_column(pt, col);
    if (ps->where_column < 0)
        return pf_json_fail(&where, NULL, "table %s has no column '%s'", pt->name, col);
    return scalar_text(&eq, &ps->where_value);
}

static int parse_parent(parser *p, const pf_json_val *spec, pf_table *t)
{
    static const char *const keys[] = {"table",  "segment", "weight", "weight_key",
                                       "min",    "where",   NULL};
    pf_parentspec *ps = &t->parent;
    ps->segment = -1;
    ps->where_column = -1;
    const char *tname = NULL, *seg = NULL, *wkey = NULL;
    if (pf_json_check_keys(spec, keys) < 0 ||
        pf_json_get_string(spec, "table", PF_JSON_REQUIRED, &tname) < 0 ||
        pf_json_get_string(spec, "segment", PF_JSON_OPTIONAL, &seg) < 0 ||
        pf_json_get_string(spec, "weight_key", PF_JSON_OPTIONAL, &wkey) < 0)
        return -1;
    ps->table = pf_dataset_table(p->ds, tname);
    if (ps->table < 0 || ps->table >= p->table)
        return pf_json_fail(spec, NULL, "parent table '%s' is not defined before %s", tname,
                            t->name);
    const pf_table *pt = &p->ds->tables[ps->table];
    if (seg != NULL) {
        for (size_t i = 0; i < pt->n_segments; i++)
            if (strcmp(pt->segments[i].name, seg) == 0)
                ps->segment = (int)i;
        if (ps->segment < 0)
            return pf_json_fail(spec, NULL, "table %s has no segment '%s'", pt->name, seg);
    }
    ps->weight_key = pf_strdup(wkey ? wkey : t->name);
    if (parse_weight(spec, ps) < 0 ||
        pf_json_get_int64(spec, "min", PF_JSON_OPTIONAL, 0, INT64_MAX, &ps->min) < 0)
        return -1;
    return parse_where(spec, pt, ps);
}

/* "rows" (per scale unit) or "segments" (named parts with their rows). */
static int parse_segments(const pf_json_val *spec, pf_table *t)
{
    static const char *const keys[] = {"name", "rows", "comment", NULL};
    pf_json_val segs, s;
    double rows = -1;
    bool has_segs = pf_json_member(spec, "segments", &segs) == 0;
    bool has_rows = pf_json_has(spec, "rows");
    if (has_segs == has_rows)
        return pf_json_fail(spec, NULL, "give either 'rows' (per scale unit) or 'segments'");
    if (has_rows && pf_json_get_number_in(spec, "rows", PF_JSON_REQUIRED, 0,
                                          PF_DATASET_MAX_ROWS_PER_UNIT, &rows) < 0)
        return -1;
    if (!has_segs) {
        t->n_segments = 1;
        t->segments = pf_calloc(1, sizeof *t->segments);
        t->segments[0].name = pf_strdup("all");
        t->segments[0].rows = rows;
        return 0;
    }
    if (!pf_json_is(&segs, PF_JSON_ARRAY) || pf_json_count(&segs) == 0)
        return pf_json_fail(spec, NULL, "'segments' must be a non-empty array");
    t->n_segments = pf_json_count(&segs);
    t->segments = pf_calloc(t->n_segments, sizeof *t->segments);
    for (bool more = pf_json_first(&segs, &s); more; more = pf_json_next(&s)) {
        pf_segment *seg = &t->segments[s.index];
        const char *name = NULL;
        if (pf_json_check_keys(&s, keys) < 0 ||
            pf_json_get_string(&s, "name", PF_JSON_REQUIRED, &name) < 0 ||
            pf_json_get_number_in(&s, "rows", PF_JSON_REQUIRED, 0, PF_DATASET_MAX_ROWS_PER_UNIT,
                                  &seg->rows) < 0)
            return -1;
        /* A 'ref' or a parent's 'segment' names a segment: one per name. */
        for (size_t k = 0; k < s.index; k++)
            if (strcmp(t->segments[k].name, name) == 0)
                return pf_json_fail(&s, "name", "segment '%s' is listed twice", name);
        seg->name = pf_strdup(name);
    }
    return 0;
}

/* "columns": names first (generators may refer to any column of the
 * row), then each generator, then the same-row references for cycles. */
static int parse_columns(parser *p, const pf_json_val *spec, pf_table *t)
{
    pf_json_val cols, c;
    if (pf_json_member(spec, "columns", &cols) != 0 || !pf_json_is(&cols, PF_JSON_OBJECT) ||
        pf_json_count(&cols) == 0)
        return pf_json_fail(spec, NULL,
                            "'columns' must be a non-empty object of column: generator");
    t->n_columns = pf_json_count(&cols);
    t->columns = pf_calloc(t->n_columns, sizeof *t->columns);
    for (bool more = pf_json_first(&cols, &c); more; more = pf_json_next(&c)) {
        for (size_t k = 0; k < c.index; k++)
            if (strcmp(t->columns[k].name, c.key) == 0)
                return pf_json_fail(spec, NULL, "column '%s' is listed twice", c.key);
        pf_column *col = &t->columns[c.index];
        col->name = pf_strdup(c.key);
        col->id = pf_rng_hash_str(c.key);
        col->emit = c.key[0] != '_';
    }
    bool any = false;
    for (bool more = pf_json_first(&cols, &c); more; more = pf_json_next(&c)) {
        if (parse_gen(p, &c, &t->columns[c.index].gen) < 0)
            return -1;
        any = any || t->columns[c.index].emit;
    }
    if (!any)
        return pf_json_fail(spec, NULL, "every column is virtual ('_' prefix): nothing to load");
    return check_cycles(&cols, t);
}

static int parse_table(parser *p, const pf_json_val *spec)
{
    static const char *const keys[] = {"table", "rows",     "segments", "parent", "columns",
                                       "comment", "triggers", NULL};
    pf_table *t = &p->ds->tables[p->table];
    const char *name = NULL;
    if (pf_json_check_keys(spec, keys) < 0 ||
        pf_json_get_string(spec, "table", PF_JSON_REQUIRED, &name) < 0 ||
        pf_json_get_bool(spec, "triggers", PF_JSON_OPTIONAL, &t->triggers) < 0)
        return -1;
    if (pf_dataset_table(p->ds, name) >= 0)
        return pf_json_fail(spec, NULL, "table '%s' is listed twice", name);
    t->name = pf_strdup(name);
    t->id = pf_rng_hash_str(name);
    if (parse_segments(spec, t) < 0)
        return -1;
    pf_json_val parent;
    if (pf_json_member(spec, "parent", &parent) == 0) {
        if (t->n_segments != 1)
            return pf_json_fail(spec, NULL, "a nested table (with 'parent') cannot have segments");
        t->nested = true;
        if (parse_parent(p, &parent, t) < 0)
            return -1;
    }
    return parse_columns(p, spec, t);
}

/* The top level: format, name, reference date, seed, then the tables in
 * order (a table may refer only to the tables before it). */
static int parse_spec(parser *p, const pf_json_val *root)
{
    static const char *const keys[] = {"format",      "name",   "description",
                                       "reference_date", "seed", "tables", NULL};
    pf_dataset *ds = p->ds;
    if (!pf_json_is(root, PF_JSON_OBJECT))
        return pf_json_fail(root, NULL, "the spec must be a JSON object");
    double format = 0;
    if (pf_json_check_keys(root, keys) < 0 ||
        pf_json_get_number(root, "format", PF_JSON_REQUIRED, &format) < 0)
        return -1;
    if (format != 1)
        return pf_json_fail(root, "format", "unsupported format %g (this perfgate reads format 1)",
                            format);
    const char *name = NULL, *desc = NULL, *ref = NULL;
    if (pf_json_get_string(root, "name", PF_JSON_REQUIRED, &name) < 0 ||
        pf_json_get_string(root, "description", PF_JSON_OPTIONAL, &desc) < 0 ||
        pf_json_get_string(root, "reference_date", PF_JSON_REQUIRED, &ref) < 0)
        return -1;
    ds->name = pf_strdup(name);
    ds->description = pf_strdup(desc ? desc : "");
    if (parse_instant(ref, &ds->reference_us) < 0)
        return pf_json_fail(root, "reference_date",
                            "'%s' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)", ref);
    /* Whole-number seeds up to 2^64 convert exactly enough; a fraction is
     * truncated, as it always was. */
    double seed = 1;
    if (pf_json_get_number(root, "seed", PF_JSON_OPTIONAL, &seed) < 0)
        return -1;
    if (!(seed > -1.0 && seed < 18446744073709551616.0))
        return pf_json_fail(root, "seed", "must be a non-negative integer below 2^64");
    ds->default_seed = (uint64_t)seed;
    pf_json_val tables, t;
    if (pf_json_member(root, "tables", &tables) != 0 || !pf_json_is(&tables, PF_JSON_ARRAY) ||
        pf_json_count(&tables) == 0)
        return pf_json_fail(root, NULL, "'tables' must be a non-empty array");
    ds->tables = pf_calloc(pf_json_count(&tables), sizeof *ds->tables);
    for (bool more = pf_json_first(&tables, &t); more; more = pf_json_next(&t)) {
        ds->n_tables = t.index + 1;
        p->table = (int)t.index;
        if (parse_table(p, &t) < 0)
            return -1;
    }
    return 0;
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

int pf_dataset_parse(const char *origin, const char *text, pf_dataset **out, pf_error *err)
{
    *out = NULL;
    pf_json *doc = NULL;
    if (pf_json_parse(origin, text, &doc, err) < 0)
        return -1;
    pf_dataset *ds = pf_calloc(1, sizeof *ds);
    ds->path = pf_strdup(origin);
    snprintf(ds->hash, sizeof ds->hash, "%016llx",
             (unsigned long long)pf_rng_hash_bytes(PF_RNG_HASH_INIT, text, strlen(text)));
    parser p = {ds, 0};
    pf_json_val root;
    pf_json_root(doc, &root);
    int rc = parse_spec(&p, &root);
    pf_json_free(doc);
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
