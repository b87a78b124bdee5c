/* Row generation. A row is evaluated column by column into a per-row arena;
 * cells that reference other cells (same row, the parent row, a referenced
 * row of another table) are evaluated on demand and memoised for the row. */
#include "datagen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rng.h"
#include "vocab.h"

#define US_PER_S 1000000LL
#define US_PER_DAY (86400LL * US_PER_S)
/* Generated times saturate here (year ~146,000; put_time prints 0000). */
#define TIME_MAX_US (INT64_C(1) << 62)

/* What a cell holds, so JSON rendering can quote strings and not numbers. */
typedef enum cell_kind {
    CK_TEXT,
    CK_NUMBER,
    CK_BOOL,
    CK_TIME, /* ival = microseconds since the epoch */
    CK_JSON,
    CK_ARRAY,
} cell_kind;

typedef struct cell {
    unsigned char state; /* 0 = not computed, 1 = computing, 2 = done */
    bool null;
    cell_kind kind;
    int64_t ival;
    size_t off, len; /* text in the arena */
} cell;

/* Per-table plan. */
typedef struct table_plan {
    int64_t rows;
    double expected;
    int64_t *seg_start; /* n_segments + 1 */
    /* nested tables: children per parent row over [parent_first, parent_first + n_parents) */
    int64_t parent_first;
    int64_t n_parents;
    int64_t *offsets; /* n_parents + 1, prefix sums of children */
} table_plan;

struct pf_datagen {
    const pf_dataset *ds;
    uint64_t seed;
    double scale;
    table_plan *plans;
};

/* Evaluation context of one row. */
typedef struct rowctx {
    const pf_datagen *g;
    size_t table;
    int64_t row;
    int64_t parent_row; /* absolute row in the parent table, -1 if not nested */
    int64_t child;      /* index among the parent's children */
    cell *cells;
    pf_buf *arena;
} rowctx;

/* ------------------------------------------------------------ plan access */

/* Parent row and child index of row `row` of nested table t (binary search). */
static void locate_parent(const pf_datagen *g, size_t t, int64_t row, int64_t *parent,
                          int64_t *child)
{
    const table_plan *tp = &g->plans[t];
    int64_t lo = 0, hi = tp->n_parents; /* find last i with offsets[i] <= row */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (tp->offsets[mid] <= row)
            lo = mid;
        else
            hi = mid;
    }
    /* Skip parents without children (equal offsets). */
    while (lo + 1 < tp->n_parents && tp->offsets[lo + 1] <= row)
        lo++;
    *parent = tp->parent_first + lo;
    *child = row - tp->offsets[lo];
}

static uint64_t gen_id(const pf_gen *gen)
{
    return gen->id;
}

static pf_rng stream_for(const rowctx *c, const pf_gen *gen, uint64_t salt)
{
    return pf_rng_stream(c->g->seed, c->g->ds->tables[c->table].id, (uint64_t)c->row,
                         gen_id(gen) + salt * 0x9E3779B97F4A7C15ull);
}

/* ------------------------------------------------------------- formatting */

/* Decimal integer without printf (the hot path of COPY text). */
static void put_int(pf_buf *b, long long v)
{
    char tmp[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        tmp[n++] = '-';
    pf_buf_reserve(b, (size_t)n);
    while (n > 0)
        b->data[b->len++] = tmp[--n];
    b->data[b->len] = '\0';
}

static void put_2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm):
 * no gmtime, no time zone lookups. */
static void civil(int64_t days, int *y, int *m, int *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

static void put_time(pf_buf *b, int64_t us, bool date_only)
{
    int64_t secs = us >= 0 ? us / US_PER_S : -((-us + US_PER_S - 1) / US_PER_S);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t sod = secs - days * 86400;
    int y, m, d;
    civil(days, &y, &m, &d);
    char out[32];
    if (y < 0 || y > 9999)
        y = 0;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + (y / 100) % 10);
    put_2(out + 2, y % 100);
    out[4] = '-';
    put_2(out + 5, m);
    out[7] = '-';
    put_2(out + 8, d);
    size_t n = 10;
    if (!date_only) {
        out[10] = ' ';
        put_2(out + 11, (int)(sod / 3600));
        out[13] = ':';
        put_2(out + 14, (int)(sod / 60 % 60));
        out[16] = ':';
        put_2(out + 17, (int)(sod % 60));
        memcpy(out + 19, "+00", 3);
        n = 22;
    }
    pf_buf_append(b, out, n);
}

static void put_uuid(pf_buf *b, pf_rng *r)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t hi = pf_rng_next(r), lo = pf_rng_next(r);
    hi = (hi & ~0xF000ull) | 0x4000ull;                          /* version 4 */
    lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull; /* RFC 4122 variant */
    char out[36];
    int o = 0;
    for (int i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            out[o++] = '-';
        uint64_t w = i < 16 ? hi : lo;
        int shift = 60 - 4 * (i % 16);
        out[o++] = hex[(w >> shift) & 0xF];
    }
    pf_buf_append(b, out, sizeof out);
}

static void put_json_string(pf_buf *b, const char *s, size_t len)
{
    pf_buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            pf_buf_putc(b, '\\');
            pf_buf_putc(b, (char)ch);
        } else if (ch == '\n') {
            pf_buf_puts(b, "\\n");
        } else if (ch == '\t') {
            pf_buf_puts(b, "\\t");
        } else if (ch < 0x20) {
            pf_buf_printf(b, "\\u%04x", ch);
        } else {
            pf_buf_putc(b, (char)ch);
        }
    }
    pf_buf_putc(b, '"');
}

/* An element of a PostgreSQL array literal, always quoted. */
static void put_array_elem(pf_buf *b, const char *s, size_t len)
{
    pf_buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"' || s[i] == '\\')
            pf_buf_putc(b, '\\');
        pf_buf_putc(b, s[i]);
    }
    pf_buf_putc(b, '"');
}

/* ------------------------------------------------------------- evaluation */

static cell *eval_column(rowctx *c, size_t col);
static void eval_gen(rowctx *c, const pf_gen *gen, uint64_t salt, cell *out);

static const char *cell_text(const rowctx *c, const cell *x)
{
    return c->arena->data + x->off;
}

/* Evaluate column `col` of row `row` of table t in a fresh context sharing
 * the arena; the result is copied into out (text stays in the arena). */
static void eval_foreign(rowctx *c, size_t t, int64_t row, size_t col, cell *out)
{
    const pf_table *tab = &c->g->ds->tables[t];
    cell small[32];
    cell *cells = tab->n_columns <= 32 ? small : pf_calloc(tab->n_columns, sizeof *cells);
    memset(cells, 0, (tab->n_columns <= 32 ? 32 : tab->n_columns) * sizeof *cells);
    rowctx f = {c->g, t, row, -1, 0, cells, c->arena};
    if (tab->nested)
        locate_parent(c->g, t, row, &f.parent_row, &f.child);
    *out = *eval_column(&f, col);
    if (cells != small)
        free(cells);
}

/* Draw a value from a numeric distribution. */
static double draw(pf_rng *r, const pf_distspec *d, double lo, double hi)
{
    switch (d->kind) {
    case PF_DIST_UNIFORM:
        return lo + (hi - lo) * pf_rng_uniform(r);
    case PF_DIST_NORMAL:
        return d->mean + d->stddev * pf_rng_normal(r);
    case PF_DIST_LOGNORMAL: {
        double mu = log(d->mean) - d->sigma * d->sigma / 2.0;
        return pf_rng_lognormal(r, mu, d->sigma);
    }
    case PF_DIST_EXPONENTIAL:
        return pf_rng_exponential(r, d->mean);
    case PF_DIST_ZIPF: {
        uint64_t n = (uint64_t)(hi - lo) + 1;
        return lo + (double)(pf_rng_zipf(r, n, d->s) - 1);
    }
    case PF_DIST_PARETO:
        return pow(1.0 - pf_rng_uniform(r), -1.0 / d->alpha);
    case PF_DIST_CONSTANT:
        return d->value;
    case PF_DIST_CHOICE: {
        double u = pf_rng_uniform(r);
        for (size_t i = 0; i < d->n_values; i++)
            if (u < d->weights[i])
                return d->values[i];
        return d->values[d->n_values - 1];
    }
    }
    return 0;
}

/* Render a template into dst (not the arena: referenced cells are
 * evaluated into the arena on the way). */
static void render_template(rowctx *c, const pf_template *t, pf_rng *r, pf_buf *dst)
{
    for (size_t i = 0; i < t->n_parts; i++) {
        const pf_tpl_part *p = &t->parts[i];
        switch (p->kind) {
        case PF_TPL_LITERAL:
            pf_buf_puts(dst, p->text);
            break;
        case PF_TPL_VOCAB:
            pf_buf_puts(dst, pf_vocab_word(p->vocab, pf_rng_below(r, pf_vocab_size(p->vocab))));
            break;
        case PF_TPL_ROW:
            put_int(dst, (long long)(c->row + 1));
            break;
        case PF_TPL_CHILD:
            put_int(dst, (long long)c->child);
            break;
        case PF_TPL_NUM:
            put_int(dst, (long long)(p->lo + (int64_t)pf_rng_below(r, (uint64_t)(p->hi - p->lo + 1))));
            break;
        case PF_TPL_COLUMN: {
            cell *x = eval_column(c, (size_t)p->column);
            if (!x->null)
                pf_buf_append(dst, c->arena->data + x->off, x->len);
            break;
        }
        }
    }
}

/* Start a text cell at the end of the arena. */
static void begin_text(rowctx *c, cell *out, cell_kind kind)
{
    out->null = false;
    out->kind = kind;
    out->off = c->arena->len;
}

static void end_text(rowctx *c, cell *out)
{
    out->len = c->arena->len - out->off;
}

static void put_cell_as_json(const rowctx *c, const cell *x, pf_buf *dst)
{
    if (x->null) {
        pf_buf_puts(dst, "null");
        return;
    }
    const char *text = cell_text(c, x);
    switch (x->kind) {
    case CK_NUMBER:
    case CK_JSON:
        pf_buf_append(dst, text, x->len);
        break;
    case CK_BOOL:
        pf_buf_puts(dst, text[0] == 't' ? "true" : "false");
        break;
    default:
        put_json_string(dst, text, x->len);
        break;
    }
}

/* Render a JSON template into dst; generator nodes are evaluated into the
 * arena and copied. */
static void render_json(rowctx *c, const pf_jnode *n, uint64_t salt, pf_buf *dst)
{
    switch (n->kind) {
    case PF_JNODE_LITERAL:
        pf_buf_puts(dst, n->literal);
        break;
    case PF_JNODE_GEN: {
        cell x;
        eval_gen(c, n->gen, salt, &x);
        put_cell_as_json(c, &x, dst);
        break;
    }
    case PF_JNODE_OBJECT:
    case PF_JNODE_ARRAY:
        pf_buf_putc(dst, n->kind == PF_JNODE_OBJECT ? '{' : '[');
        for (size_t i = 0; i < n->n_items; i++) {
            if (i > 0)
                pf_buf_putc(dst, ',');
            if (n->kind == PF_JNODE_OBJECT) {
                pf_buf_puts(dst, n->keys[i]);
                pf_buf_putc(dst, ':');
            }
            render_json(c, n->items[i], salt, dst);
        }
        pf_buf_putc(dst, n->kind == PF_JNODE_OBJECT ? '}' : ']');
        break;
    }
}

/* Store dst's text as the cell's value. */
static void finish_text(rowctx *c, cell *out, cell_kind kind, pf_buf *dst)
{
    begin_text(c, out, kind);
    pf_buf_append(c->arena, pf_buf_str(dst), dst->len);
    end_text(c, out);
    pf_buf_dispose(dst);
}

/* Row index in [start, start+n) of a referenced table. */
static int64_t pick_row(rowctx *c, const pf_gen *gen, pf_rng *r, int64_t start, int64_t n)
{
    if (n <= 0)
        return -1;
    if (gen->distinct_per_parent) {
        uint64_t base =
            pf_rng_mix((uint64_t)c->parent_row ^ gen_id(gen) ^ pf_rng_mix(c->g->seed)) % (uint64_t)n;
        return start + (int64_t)((base + (uint64_t)c->child) % (uint64_t)n);
    }
    if (gen->pick.kind == PF_DIST_ZIPF)
        return start + (int64_t)pf_rng_zipf(r, (uint64_t)n, gen->pick.s) - 1;
    return start + (int64_t)pf_rng_below(r, (uint64_t)n);
}

/* ------------------------------------------------ one evaluator per kind */

/* A literal (constant or chosen value): NULL is SQL NULL. */
static void put_literal(rowctx *c, const char *value, cell *out)
{
    if (value == NULL) {
        out->null = true;
        return;
    }
    begin_text(c, out, CK_TEXT);
    pf_buf_puts(c->arena, value);
    end_text(c, out);
}

static void eval_sequence(rowctx *c, const pf_gen *gen, cell *out)
{
    begin_text(c, out, CK_NUMBER);
    /* Wraps (in unsigned arithmetic, where overflow is defined) rather
     * than overflow for a start or step near 2^63. */
    put_int(c->arena,
            (long long)(int64_t)((uint64_t)gen->start + (uint64_t)c->row * (uint64_t)gen->step));
    end_text(c, out);
}

static void eval_uuid(rowctx *c, pf_rng *r, cell *out)
{
    begin_text(c, out, CK_TEXT);
    put_uuid(c->arena, r);
    end_text(c, out);
}

/* int and float. */
static void eval_number(rowctx *c, const pf_gen *gen, pf_rng *r, cell *out)
{
    /* A uniform integer covers [min, max] inclusive: draw over
     * [min, max + 1) and floor. */
    bool int_uniform = gen->kind == PF_GEN_INT && gen->dist.kind == PF_DIST_UNIFORM;
    double v = draw(r, &gen->dist, gen->min, int_uniform ? gen->max + 1 : gen->max);
    if (int_uniform)
        v = floor(v);
    if (gen->has_min && v < gen->min)
        v = gen->min;
    if (gen->has_max && v > gen->max)
        v = gen->max;
    begin_text(c, out, CK_NUMBER);
    if (gen->kind == PF_GEN_INT)
        put_int(c->arena, (long long)llround(v));
    else
        pf_buf_printf(c->arena, "%.*f", gen->decimals, v);
    end_text(c, out);
}

static void eval_bool(rowctx *c, const pf_gen *gen, pf_rng *r, cell *out)
{
    begin_text(c, out, CK_BOOL);
    pf_buf_putc(c->arena, pf_rng_uniform(r) < gen->p ? 't' : 'f');
    end_text(c, out);
}

static void eval_choice(rowctx *c, const pf_gen *gen, pf_rng *r, cell *out)
{
    double u = pf_rng_uniform(r);
    size_t i = 0;
    while (i + 1 < gen->n_values && u >= gen->cum_weights[i])
        i++;
    put_literal(c, gen->values[i], out);
}

/* timestamp and date. */
static void eval_time(rowctx *c, const pf_gen *gen, pf_rng *r, cell *out)
{
    int64_t base = c->g->ds->reference_us;
    if (gen->after_column >= 0) {
        cell *a = eval_column(c, (size_t)gen->after_column);
        if (a->null) {
            out->null = true;
            return;
        }
        base = a->ival;
    }
    double range = (double)(gen->to_us - gen->from_us);
    double u = pf_rng_uniform(r);
    double off;
    if (gen->recent && range > 0) {
        /* Truncated exponential measured back from `to`. */
        double lambda = log(2.0) / gen->half_life_us;
        double x = -log(1.0 - u * (1.0 - exp(-lambda * range))) / lambda;
        off = (double)gen->to_us - x;
    } else {
        off = (double)gen->from_us + range * u;
    }
    int64_t us = base + (int64_t)off;
    /* Offsets are bounded (10,000 years), but `after` chains add them
     * up: saturate at +-2^62 so that the next link cannot overflow. */
    if (us > TIME_MAX_US)
        us = TIME_MAX_US;
    else if (us < -TIME_MAX_US)
        us = -TIME_MAX_US;
    us -= us % US_PER_S; /* whole seconds: compact and exact in text */
    if (gen->kind == PF_GEN_DATE)
        us -= ((us % US_PER_DAY) + US_PER_DAY) % US_PER_DAY;
    begin_text(c, out, CK_TIME);
    out->ival = us;
    put_time(c->arena, us, gen->kind == PF_GEN_DATE);
    end_text(c, out);
}

static void eval_template(rowctx *c, const pf_gen *gen, pf_rng *r, cell *out)
{
    pf_buf dst = PF_BUF_INIT;
    render_template(c, &gen->tpl, r, &dst);
    finish_text(c, out, CK_TEXT, &dst);
}

static void eval_text(rowctx *c, const pf_gen *gen, pf_rng *r, cell *out)
{
    int n = gen->min_count + (int)pf_rng_below(r, (uint64_t)(gen->max_count - gen->min_count + 1));
    pf_buf dst = PF_BUF_INIT;
    for (int i = 0; i < n; i++) {
        if (i > 0)
            pf_buf_putc(&dst, ' ');
        render_template(c, &gen->sentences[pf_rng_below(r, gen->n_sentences)], r, &dst);
    }
    finish_text(c, out, CK_TEXT, &dst);
}

static void eval_array(rowctx *c, const pf_gen *gen, pf_rng *r, cell *out)
{
    int n = gen->min_count + (int)pf_rng_below(r, (uint64_t)(gen->max_count - gen->min_count + 1));
    /* Elements first (they use the arena), then the literal. */
    size_t *offs = pf_calloc((size_t)n + 1, sizeof *offs);
    size_t *lens = pf_calloc((size_t)n + 1, sizeof *lens);
    int kept = 0;
    for (int i = 0, attempt = 0; i < n && attempt < n * 4; attempt++) {
        cell e;
        eval_gen(c, gen->element, (uint64_t)attempt + 1, &e);
        if (e.null)
            continue;
        bool dup = false;
        for (int k = 0; gen->unique && k < kept; k++)
            if (lens[k] == e.len &&
                memcmp(c->arena->data + offs[k], c->arena->data + e.off, e.len) == 0)
                dup = true;
        if (dup)
            continue;
        offs[kept] = e.off;
        lens[kept] = e.len;
        kept++;
        i++;
    }
    pf_buf lit = PF_BUF_INIT;
    pf_buf_putc(&lit, '{');
    for (int k = 0; k < kept; k++) {
        if (k > 0)
            pf_buf_putc(&lit, ',');
        put_array_elem(&lit, c->arena->data + offs[k], lens[k]);
    }
    pf_buf_putc(&lit, '}');
    begin_text(c, out, CK_ARRAY);
    pf_buf_append(c->arena, lit.data, lit.len);
    end_text(c, out);
    pf_buf_dispose(&lit);
    free(offs);
    free(lens);
}

static void eval_json(rowctx *c, const pf_gen *gen, uint64_t salt, cell *out)
{
    pf_buf dst = PF_BUF_INIT;
    render_json(c, gen->json, salt, &dst);
    finish_text(c, out, CK_JSON, &dst);
}

/* The key a switch chooses its case by (the caller frees; NULL when the
 * key is NULL). */
static char *switch_key(rowctx *c, const pf_gen *gen, uint64_t salt)
{
    if (gen->on_child)
        return pf_asprintf("%lld", (long long)c->child);
    if (gen->on_segment) {
        const pf_table *tab = &c->g->ds->tables[c->table];
        const table_plan *tp = &c->g->plans[c->table];
        size_t seg = 0;
        while (seg + 1 < tab->n_segments && c->row >= tp->seg_start[seg + 1])
            seg++;
        return pf_strdup(tab->segments[seg].name);
    }
    cell k;
    if (gen->on_column >= 0)
        k = *eval_column(c, (size_t)gen->on_column);
    else
        eval_gen(c, gen->on_gen, salt, &k);
    return k.null ? NULL : pf_strndup(cell_text(c, &k), k.len);
}

static void eval_switch(rowctx *c, const pf_gen *gen, uint64_t salt, cell *out)
{
    char *key = switch_key(c, gen, salt);
    const pf_gen *pick = gen->default_gen;
    for (size_t i = 0; key != NULL && i < gen->n_cases; i++)
        if (strcmp(gen->case_keys[i], key) == 0)
            pick = gen->case_gens[i];
    free(key);
    if (pick == NULL) {
        out->null = true;
        return;
    }
    eval_gen(c, pick, salt, out);
}

static void eval_ref(rowctx *c, const pf_gen *gen, pf_rng *r, cell *out)
{
    const table_plan *tp = &c->g->plans[gen->table];
    int64_t start = 0, n = tp->rows;
    if (gen->segment >= 0) {
        start = tp->seg_start[gen->segment];
        n = tp->seg_start[gen->segment + 1] - start;
    }
    int64_t row = pick_row(c, gen, r, start, n);
    if (row < 0) {
        out->null = true;
        return;
    }
    eval_foreign(c, (size_t)gen->table, row, (size_t)gen->column, out);
}

static void eval_sibling(rowctx *c, const pf_gen *gen, pf_rng *r, cell *out)
{
    const table_plan *sp = &c->g->plans[gen->table];
    int64_t idx = c->parent_row - sp->parent_first;
    int64_t cnt = (idx >= 0 && idx < sp->n_parents) ? sp->offsets[idx + 1] - sp->offsets[idx] : 0;
    if (cnt <= 0) {
        out->null = true;
        return;
    }
    int64_t row = sp->offsets[idx] + (int64_t)pf_rng_below(r, (uint64_t)cnt);
    eval_foreign(c, (size_t)gen->table, row, (size_t)gen->column, out);
}

/* Evaluate a generator into out. The dispatch is a switch rather than a
 * table (as in dataset.c) so that -Wswitch names a new kind left without
 * an evaluator, and each evaluator takes only what it uses. */
static void eval_gen(rowctx *c, const pf_gen *gen, uint64_t salt, cell *out)
{
    memset(out, 0, sizeof *out);
    pf_rng r = stream_for(c, gen, salt);
    if (gen->null_fraction > 0 && pf_rng_uniform(&r) < gen->null_fraction) {
        out->null = true;
        return;
    }
    switch (gen->kind) {
    case PF_GEN_CONST:
        put_literal(c, gen->values[0], out);
        return;
    case PF_GEN_SEQUENCE:
        eval_sequence(c, gen, out);
        return;
    case PF_GEN_UUID:
        eval_uuid(c, &r, out);
        return;
    case PF_GEN_INT:
    case PF_GEN_FLOAT:
        eval_number(c, gen, &r, out);
        return;
    case PF_GEN_BOOL:
        eval_bool(c, gen, &r, out);
        return;
    case PF_GEN_CHOICE:
        eval_choice(c, gen, &r, out);
        return;
    case PF_GEN_TIMESTAMP:
    case PF_GEN_DATE:
        eval_time(c, gen, &r, out);
        return;
    case PF_GEN_TEMPLATE:
        eval_template(c, gen, &r, out);
        return;
    case PF_GEN_TEXT:
        eval_text(c, gen, &r, out);
        return;
    case PF_GEN_ARRAY:
        eval_array(c, gen, &r, out);
        return;
    case PF_GEN_JSON:
        eval_json(c, gen, salt, out);
        return;
    case PF_GEN_SWITCH:
        eval_switch(c, gen, salt, out);
        return;
    case PF_GEN_PARENT:
        eval_foreign(c, (size_t)gen->table, c->parent_row, (size_t)gen->column, out);
        return;
    case PF_GEN_REF:
        eval_ref(c, gen, &r, out);
        return;
    case PF_GEN_SIBLING:
        eval_sibling(c, gen, &r, out);
        return;
    }
}

static cell *eval_column(rowctx *c, size_t col)
{
    cell *x = &c->cells[col];
    if (x->state == 2)
        return x;
    /* The spec parser rejects same-row cycles, so state 1 cannot recur. */
    x->state = 1;
    cell v;
    eval_gen(c, c->g->ds->tables[c->table].columns[col].gen, 0, &v);
    v.state = 2;
    *x = v;
    return x;
}

/* --------------------------------------------------------------- planning */

/* qsort has no context argument in C11: the remainders being sorted by. */
static _Thread_local const double *g_rem;

static int cmp_remainder(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    if (g_rem[x] != g_rem[y])
        return g_rem[x] > g_rem[y] ? -1 : 1;
    return (x > y) - (x < y);
}

/* Add `rest` rows to the counts of the open parents in proportion to their
 * weights (evenly when those sum to zero): whole shares first, then one more
 * row each for the largest remainders (ties: lower parent index first), so
 * exactly `rest` rows are handed out and the result is deterministic. */
static void spread(int64_t rest, const double *w, const bool *open, int64_t n, int64_t *counts)
{
    int64_t n_open = 0;
    double sum = 0;
    for (int64_t i = 0; i < n; i++) {
        if (open[i]) {
            n_open++;
            sum += w[i];
        }
    }
    if (n_open == 0 || rest <= 0)
        return;
    double *rem = pf_calloc((size_t)n, sizeof *rem);
    int64_t given = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!open[i])
            continue;
        double share = sum > 0 ? (double)rest * w[i] / sum : (double)rest / (double)n_open;
        int64_t whole = (int64_t)floor(share);
        counts[i] += whole;
        rem[i] = share - (double)whole;
        given += whole;
    }
    int64_t left = rest - given;
    if (left > 0) {
        int64_t *idx = pf_calloc((size_t)n, sizeof *idx);
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++)
            if (open[i])
                idx[m++] = i;
        g_rem = rem;
        qsort(idx, (size_t)m, sizeof *idx, cmp_remainder);
        for (int64_t k = 0; k < m && k < left; k++)
            counts[idx[k]]++;
        free(idx);
    }
    free(rem);
}

/* Split `total` rows over the eligible parents in proportion to weights,
 * each getting at least `min` and at most `cap` rows (INT64_MAX: no cap).
 * Rows above a parent's cap are spread again over the parents still below
 * theirs, until none is over; when every parent is full, fewer than `total`
 * rows are allocated. Exact and deterministic (see spread). */
static void allocate(int64_t total, const double *w, const bool *eligible, int64_t n,
                     int64_t min, int64_t cap, int64_t *counts)
{
    int64_t n_elig = 0;
    for (int64_t i = 0; i < n; i++) {
        counts[i] = 0;
        n_elig += eligible[i];
    }
    if (n_elig == 0 || total <= 0)
        return;
    if (min > cap)
        min = cap;
    if (min > total / n_elig) /* min * n_elig > total, without overflow */
        min = total / n_elig;
    for (int64_t i = 0; i < n; i++)
        if (eligible[i])
            counts[i] = min;
    spread(total - min * n_elig, w, eligible, n, counts);
    if (cap == INT64_MAX)
        return;
    /* Each round closes at least one parent, so this ends. */
    bool *open = pf_calloc((size_t)n, sizeof *open);
    memcpy(open, eligible, (size_t)n * sizeof *open);
    for (;;) {
        int64_t excess = 0, n_open = 0;
        for (int64_t i = 0; i < n; i++) {
            if (!open[i])
                continue;
            if (counts[i] >= cap) {
                excess += counts[i] - cap;
                counts[i] = cap;
                open[i] = false;
            } else {
                n_open++;
            }
        }
        if (excess == 0 || n_open == 0)
            break;
        spread(excess, w, open, n, counts);
    }
    free(open);
}

/* The most children one parent row may have in a table whose generators
 * include a `ref` with distinct_per_parent: that ref picks each row of its
 * target at most once per parent, so a parent can have no more children
 * than the target has rows. INT64_MAX when nothing limits it (a target
 * without rows yields NULLs and limits nothing either). */
static int64_t jnode_cap(const pf_datagen *g, const pf_jnode *j);

static int64_t gen_cap(const pf_datagen *g, const pf_gen *gen)
{
    if (gen == NULL)
        return INT64_MAX;
    int64_t cap = INT64_MAX, c;
    if (gen->kind == PF_GEN_REF && gen->distinct_per_parent) {
        const table_plan *tp = &g->plans[gen->table];
        int64_t n = gen->segment >= 0
                        ? tp->seg_start[gen->segment + 1] - tp->seg_start[gen->segment]
                        : tp->rows;
        if (n > 0)
            cap = n;
    }
    if ((c = gen_cap(g, gen->element)) < cap)
        cap = c;
    if ((c = gen_cap(g, gen->on_gen)) < cap)
        cap = c;
    if ((c = gen_cap(g, gen->default_gen)) < cap)
        cap = c;
    for (size_t i = 0; i < gen->n_cases; i++)
        if ((c = gen_cap(g, gen->case_gens[i])) < cap)
            cap = c;
    if ((c = jnode_cap(g, gen->json)) < cap)
        cap = c;
    return cap;
}

static int64_t jnode_cap(const pf_datagen *g, const pf_jnode *j)
{
    if (j == NULL)
        return INT64_MAX;
    int64_t cap = gen_cap(g, j->gen), c;
    for (size_t i = 0; i < j->n_items; i++)
        if ((c = jnode_cap(g, j->items[i])) < cap)
            cap = c;
    return cap;
}

static int64_t scaled(double rows, double scale)
{
    if (rows <= 0)
        return 0;
    int64_t n = llround(rows * scale);
    return n < 1 ? 1 : n;
}

/* A table's size at this scale, before anything is allocated for it. */
static int check_size(const pf_datagen *g, const pf_table *tab, pf_error *err)
{
    double total = 0, per_unit = 0;
    for (size_t s = 0; s < tab->n_segments; s++) {
        per_unit += tab->segments[s].rows;
        total += tab->segments[s].rows > 0 ? fmax(1.0, round(tab->segments[s].rows * g->scale))
                                           : 0;
    }
    if (total <= (double)PF_DATAGEN_MAX_ROWS)
        return 0;
    return pf_error_set(err, PF_EXIT_USAGE,
                        "%s: table %s: %.6g rows at scale %g (%.6g per scale unit); perfgate "
                        "generates at most %lld rows per table: lower --scale or the table's rows",
                        g->ds->path, tab->name, total, g->scale, per_unit,
                        (long long)PF_DATAGEN_MAX_ROWS);
}

static int plan_table(pf_datagen *g, size_t t, pf_error *err)
{
    const pf_table *tab = &g->ds->tables[t];
    table_plan *tp = &g->plans[t];
    if (check_size(g, tab, err) < 0)
        return -1;
    tp->seg_start = pf_calloc(tab->n_segments + 1, sizeof *tp->seg_start);
    tp->expected = 0;
    for (size_t s = 0; s < tab->n_segments; s++) {
        tp->seg_start[s + 1] = tp->seg_start[s] + scaled(tab->segments[s].rows, g->scale);
        tp->expected += tab->segments[s].rows * g->scale;
    }
    tp->rows = tp->seg_start[tab->n_segments];
    if (!tab->nested)
        return 0;

    const pf_parentspec *ps = &tab->parent;
    const table_plan *pp = &g->plans[ps->table];
    tp->parent_first = ps->segment >= 0 ? pp->seg_start[ps->segment] : 0;
    tp->n_parents = (ps->segment >= 0 ? pp->seg_start[ps->segment + 1] : pp->rows) -
                    tp->parent_first;
    int64_t n = tp->n_parents;
    double *w = pf_calloc((size_t)n + 1, sizeof *w);
    bool *elig = pf_calloc((size_t)n + 1, sizeof *elig);
    int64_t *counts = pf_calloc((size_t)n + 1, sizeof *counts);
    pf_buf arena = PF_BUF_INIT;
    const pf_table *ptab = &g->ds->tables[ps->table];
    uint64_t wkey = pf_rng_hash_str(ps->weight_key);
    for (int64_t i = 0; i < n; i++) {
        int64_t prow = tp->parent_first + i;
        elig[i] = true;
        if (ps->where_column >= 0) {
            pf_buf_reset(&arena);
            cell *cells = pf_calloc(ptab->n_columns, sizeof *cells);
            rowctx pc = {g, (size_t)ps->table, prow, -1, 0, cells, &arena};
            if (ptab->nested)
                locate_parent(g, (size_t)ps->table, prow, &pc.parent_row, &pc.child);
            cell *x = eval_column(&pc, (size_t)ps->where_column);
            elig[i] = !x->null && ps->where_value != NULL &&
                      strcmp(arena.data + x->off, ps->where_value) == 0 &&
                      strlen(ps->where_value) == x->len;
            free(cells);
        }
        pf_rng r = pf_rng_stream(g->seed, ptab->id, (uint64_t)prow, wkey);
        double v = draw(&r, &ps->weight, 0, 1000);
        w[i] = v > 0 ? v : 0;
    }
    pf_buf_dispose(&arena);
    int64_t cap = INT64_MAX;
    for (size_t c = 0; c < tab->n_columns; c++) {
        int64_t cc = gen_cap(g, tab->columns[c].gen);
        if (cc < cap)
            cap = cc;
    }
    allocate(tp->rows, w, elig, n, ps->min, cap, counts);
    tp->offsets = pf_calloc((size_t)n + 1, sizeof *tp->offsets);
    for (int64_t i = 0; i < n; i++)
        tp->offsets[i + 1] = tp->offsets[i] + counts[i];
    int64_t got = tp->offsets[n];
    free(w);
    free(elig);
    free(counts);
    if (got != tp->rows) {
        if (got == 0 && tp->rows > 0)
            return pf_error_set(err, PF_EXIT_USAGE,
                                "%s: table %s: no parent row in %s qualifies (check 'where' and "
                                "'segment')",
                                g->ds->path, tab->name, ptab->name);
        tp->rows = got;
    }
    return 0;
}

int pf_datagen_new(pf_datagen **out, const pf_dataset *ds, uint64_t seed, double scale,
                   pf_error *err)
{
    *out = NULL;
    if (!(scale > 0) || !isfinite(scale))
        return pf_error_set(err, PF_EXIT_USAGE, "scale must be a finite number > 0 (got %g)",
                            scale);
    pf_datagen *g = pf_calloc(1, sizeof *g);
    g->ds = ds;
    g->seed = seed;
    g->scale = scale;
    g->plans = pf_calloc(ds->n_tables, sizeof *g->plans);
    for (size_t t = 0; t < ds->n_tables; t++) {
        if (plan_table(g, t, err) < 0) {
            pf_datagen_free(g);
            return -1;
        }
    }
    *out = g;
    return 0;
}

void pf_datagen_free(pf_datagen *g)
{
    if (g == NULL)
        return;
    for (size_t t = 0; t < g->ds->n_tables; t++) {
        free(g->plans[t].seg_start);
        free(g->plans[t].offsets);
    }
    free(g->plans);
    free(g);
}

const pf_dataset *pf_datagen_dataset(const pf_datagen *g)
{
    return g->ds;
}

uint64_t pf_datagen_seed(const pf_datagen *g)
{
    return g->seed;
}

double pf_datagen_scale(const pf_datagen *g)
{
    return g->scale;
}

int64_t pf_datagen_rows(const pf_datagen *g, size_t t)
{
    return g->plans[t].rows;
}

double pf_datagen_expected_rows(const pf_datagen *g, size_t t)
{
    return g->plans[t].expected;
}

int64_t pf_datagen_children(const pf_datagen *g, size_t t, int64_t p)
{
    const table_plan *tp = &g->plans[t];
    int64_t i = p - tp->parent_first;
    if (tp->offsets == NULL || i < 0 || i >= tp->n_parents)
        return 0;
    return tp->offsets[i + 1] - tp->offsets[i];
}

/* ------------------------------------------------------------------ output */

static void put_copy_escaped(pf_buf *b, const char *s, size_t len)
{
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        const char *esc = NULL;
        switch (ch) {
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        default:
            break;
        }
        if (esc == NULL)
            continue;
        pf_buf_append(b, s + run, i - run);
        pf_buf_puts(b, esc);
        run = i + 1;
    }
    pf_buf_append(b, s + run, len - run);
}

void pf_datagen_copy_rows(const pf_datagen *g, size_t t, int64_t begin, int64_t end, pf_buf *out)
{
    const pf_table *tab = &g->ds->tables[t];
    if (end > g->plans[t].rows)
        end = g->plans[t].rows;
    pf_buf arena = PF_BUF_INIT;
    pf_buf_reserve(&arena, 4096);
    cell *cells = pf_calloc(tab->n_columns, sizeof *cells);
    /* Walk parents alongside rows instead of a binary search per row. */
    int64_t parent = -1, child = 0, pidx = 0;
    const table_plan *tp = &g->plans[t];
    if (tab->nested && begin < end) {
        locate_parent(g, t, begin, &parent, &child);
        pidx = parent - tp->parent_first;
    }
    for (int64_t row = begin; row < end; row++) {
        if (tab->nested && row > begin) {
            child++;
            while (pidx < tp->n_parents && row >= tp->offsets[pidx + 1]) {
                pidx++;
                child = 0;
            }
            parent = tp->parent_first + pidx;
        }
        pf_buf_reset(&arena);
        memset(cells, 0, tab->n_columns * sizeof *cells);
        rowctx c = {g, t, row, parent, child, cells, &arena};
        bool first = true;
        for (size_t col = 0; col < tab->n_columns; col++) {
            if (!tab->columns[col].emit)
                continue;
            cell *x = eval_column(&c, col);
            if (!first)
                pf_buf_putc(out, '\t');
            first = false;
            if (x->null)
                pf_buf_puts(out, "\\N");
            else
                put_copy_escaped(out, arena.data + x->off, x->len);
        }
        pf_buf_putc(out, '\n');
    }
    free(cells);
    pf_buf_dispose(&arena);
}

char *pf_datagen_copy_columns(const pf_datagen *g, size_t t)
{
    const pf_table *tab = &g->ds->tables[t];
    pf_buf b = PF_BUF_INIT;
    pf_buf_putc(&b, '(');
    bool first = true;
    for (size_t c = 0; c < tab->n_columns; c++) {
        if (!tab->columns[c].emit)
            continue;
        if (!first)
            pf_buf_puts(&b, ", ");
        first = false;
        pf_buf_putc(&b, '"');
        for (const char *p = tab->columns[c].name; *p; p++) {
            if (*p == '"')
                pf_buf_putc(&b, '"');
            pf_buf_putc(&b, *p);
        }
        pf_buf_putc(&b, '"');
    }
    pf_buf_putc(&b, ')');
    return pf_buf_steal(&b);
}

char *pf_datagen_cell(const pf_datagen *g, size_t t, int64_t row, size_t column)
{
    const pf_table *tab = &g->ds->tables[t];
    pf_buf arena = PF_BUF_INIT;
    cell *cells = pf_calloc(tab->n_columns, sizeof *cells);
    rowctx c = {g, t, row, -1, 0, cells, &arena};
    if (tab->nested)
        locate_parent(g, t, row, &c.parent_row, &c.child);
    cell *x = eval_column(&c, column);
    char *v = x->null ? NULL : pf_strndup(arena.data + x->off, x->len);
    free(cells);
    pf_buf_dispose(&arena);
    return v;
}
