/* Chart data: axes, ticks, pixel coordinates, and the dashboard's charts
 * built from history and store series. Pure: no I/O, no clock. */
#include "chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "verdict.h"

/* Margins of the plot box inside the SVG (room for tick labels). */
#define MARGIN_LEFT 60.0
#define MARGIN_RIGHT 14.0
#define MARGIN_TOP 10.0
#define MARGIN_BOTTOM 26.0

static char *dup_or_empty(const char *s)
{
    return pf_strdup(s ? s : "");
}

pf_chart *pf_chart_new(const char *title, const char *unit, pf_chart_xkind xkind, double width,
                       double height)
{
    pf_chart *c = pf_calloc(1, sizeof *c);
    c->title = dup_or_empty(title);
    c->subtitle = pf_strdup("");
    c->unit = dup_or_empty(unit);
    c->xkind = xkind;
    c->width = width;
    c->height = height;
    c->left = MARGIN_LEFT;
    c->right = MARGIN_RIGHT;
    c->top = MARGIN_TOP;
    c->bottom = MARGIN_BOTTOM;
    return c;
}

void pf_chart_free(pf_chart *c)
{
    if (c == NULL)
        return;
    free(c->title);
    free(c->subtitle);
    free(c->unit);
    for (size_t i = 0; i < c->n_x; i++)
        free(c->xlabels[i]);
    free(c->xlabels);
    for (size_t i = 0; i < c->n_series; i++) {
        free(c->series[i].name);
        free(c->series[i].cls);
        free(c->series[i].pts);
    }
    free(c->series);
    for (size_t i = 0; i < c->n_bands; i++) {
        free(c->bands[i].name);
        free(c->bands[i].cls);
        free(c->bands[i].lo);
        free(c->bands[i].hi);
    }
    free(c->bands);
    for (size_t i = 0; i < c->n_hlines; i++) {
        free(c->hlines[i].label);
        free(c->hlines[i].cls);
    }
    free(c->hlines);
    for (size_t i = 0; i < c->n_vspans; i++) {
        free(c->vspans[i].label);
        free(c->vspans[i].cls);
    }
    free(c->vspans);
    for (size_t i = 0; i < c->n_markers; i++) {
        free(c->markers[i].label);
        free(c->markers[i].cls);
    }
    free(c->markers);
    free(c);
}

void pf_chart_set_subtitle(pf_chart *c, const char *subtitle)
{
    free(c->subtitle);
    c->subtitle = dup_or_empty(subtitle);
}

void pf_chart_set_xlabels(pf_chart *c, char *const *labels, size_t n)
{
    for (size_t i = 0; i < c->n_x; i++)
        free(c->xlabels[i]);
    free(c->xlabels);
    c->xlabels = pf_calloc(n ? n : 1, sizeof *c->xlabels);
    for (size_t i = 0; i < n; i++)
        c->xlabels[i] = dup_or_empty(labels[i]);
    c->n_x = n;
}

void pf_chart_set_xrange(pf_chart *c, double xmin, double xmax)
{
    c->xmin = xmin;
    c->xmax = xmax;
}

void pf_chart_add_series(pf_chart *c, const char *name, const char *cls, const double *x,
                         const double *y, size_t n, bool dots)
{
    c->series = pf_realloc(c->series, (c->n_series + 1) * sizeof *c->series);
    pf_chart_series *s = &c->series[c->n_series++];
    s->name = dup_or_empty(name);
    s->cls = dup_or_empty(cls);
    s->pts = pf_calloc(n ? n : 1, sizeof *s->pts);
    s->n = n;
    s->dots = dots;
    for (size_t i = 0; i < n; i++) {
        s->pts[i].x = x[i];
        s->pts[i].y = y[i];
    }
}

void pf_chart_add_band(pf_chart *c, const char *name, const char *cls, const double *x,
                       const double *lo, const double *hi, size_t n)
{
    c->bands = pf_realloc(c->bands, (c->n_bands + 1) * sizeof *c->bands);
    pf_chart_band *b = &c->bands[c->n_bands++];
    b->name = dup_or_empty(name);
    b->cls = dup_or_empty(cls);
    b->lo = pf_calloc(n ? n : 1, sizeof *b->lo);
    b->hi = pf_calloc(n ? n : 1, sizeof *b->hi);
    b->n = n;
    for (size_t i = 0; i < n; i++) {
        b->lo[i].x = b->hi[i].x = x[i];
        b->lo[i].y = lo[i];
        b->hi[i].y = hi[i];
    }
}

void pf_chart_add_hline(pf_chart *c, double y, const char *label, const char *cls, bool fit)
{
    c->hlines = pf_realloc(c->hlines, (c->n_hlines + 1) * sizeof *c->hlines);
    pf_chart_hline *h = &c->hlines[c->n_hlines++];
    memset(h, 0, sizeof *h);
    h->y = y;
    h->label = dup_or_empty(label);
    h->cls = dup_or_empty(cls);
    h->fit = fit;
}

void pf_chart_add_vspan(pf_chart *c, double x0, double x1, const char *label, const char *cls)
{
    c->vspans = pf_realloc(c->vspans, (c->n_vspans + 1) * sizeof *c->vspans);
    pf_chart_vspan *v = &c->vspans[c->n_vspans++];
    memset(v, 0, sizeof *v);
    v->x0 = x0;
    v->x1 = x1;
    v->label = dup_or_empty(label);
    v->cls = dup_or_empty(cls);
}

void pf_chart_add_marker(pf_chart *c, double x, double y, const char *label, const char *cls)
{
    c->markers = pf_realloc(c->markers, (c->n_markers + 1) * sizeof *c->markers);
    pf_chart_marker *m = &c->markers[c->n_markers++];
    memset(m, 0, sizeof *m);
    m->x = x;
    m->y = y;
    m->label = dup_or_empty(label);
    m->cls = dup_or_empty(cls);
}

/* ---- axes -------------------------------------------------------------- */

static double nice_step(double raw)
{
    if (!(raw > 0) || !isfinite(raw))
        return 1;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double n = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
    return n * mag;
}

static void format_value(double v, double step, char *buf, size_t len)
{
    if (fabs(v) < step * 1e-9)
        v = 0;
    if (fabs(v) >= 10000) {
        snprintf(buf, len, "%gk", v / 1000);
        return;
    }
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (step < 1 && fabs(step * pow(10, dec) - round(step * pow(10, dec))) > 1e-6)
        dec++;
    if (dec > 6)
        dec = 6;
    snprintf(buf, len, "%.*f", dec, v);
}

void pf_chart_nice_axis(double lo, double hi, int target, pf_chart_axis *out)
{
    memset(out, 0, sizeof *out);
    if (!isfinite(lo) || !isfinite(hi) || hi <= lo) {
        hi = lo + 1;
        if (!isfinite(hi))
            lo = 0, hi = 1;
    }
    if (target < 2)
        target = 2;
    double step = nice_step((hi - lo) / target);
    double min = floor(lo / step + 1e-9) * step;
    double max = ceil(hi / step - 1e-9) * step;
    while ((max - min) / step + 1 > PF_CHART_MAX_TICKS) {
        step = nice_step(step * 1.5);
        min = floor(lo / step + 1e-9) * step;
        max = ceil(hi / step - 1e-9) * step;
    }
    out->min = min;
    out->max = max;
    out->step = step;
    for (double v = min; v <= max + step * 1e-6 && out->n_ticks < PF_CHART_MAX_TICKS; v += step) {
        pf_chart_tick *t = &out->ticks[out->n_ticks++];
        t->v = fabs(v) < step * 1e-9 ? 0 : v;
        format_value(t->v, step, t->label, sizeof t->label);
    }
}

static void log_label(double v, char *buf, size_t len)
{
    if (v >= 1000)
        snprintf(buf, len, "%g s", v / 1000);
    else
        snprintf(buf, len, "%g", v);
}

void pf_chart_log_axis(double lo, double hi, pf_chart_axis *out)
{
    memset(out, 0, sizeof *out);
    if (!(lo > 0) || !isfinite(lo))
        lo = 0.1;
    if (!(hi > lo) || !isfinite(hi))
        hi = lo * 10;
    int d0 = (int)floor(log10(lo) + 1e-9), d1 = (int)ceil(log10(hi) - 1e-9);
    if (d1 <= d0)
        d1 = d0 + 1;
    out->min = pow(10, d0);
    out->max = pow(10, d1);
    out->step = 10; /* a factor */
    static const double minor[] = {1, 2, 5};
    bool dense = d1 - d0 <= 3;
    for (int d = d0; d <= d1 && out->n_ticks < PF_CHART_MAX_TICKS; d++)
        for (size_t m = 0; m < (dense ? 3u : 1u); m++) {
            double v = minor[m] * pow(10, d);
            if (v > out->max * (1 + 1e-9) || out->n_ticks >= PF_CHART_MAX_TICKS)
                break;
            pf_chart_tick *t = &out->ticks[out->n_ticks++];
            t->v = v;
            log_label(v, t->label, sizeof t->label);
        }
}

void pf_chart_time_axis(double from_s, double to_s, int target, pf_chart_axis *out)
{
    static const double steps[] = {60,    120,   300,   600,    900,    1800,   3600,
                                   7200,  10800, 21600, 43200,  86400,  172800, 604800};
    memset(out, 0, sizeof *out);
    if (!(to_s > from_s))
        to_s = from_s + 60;
    if (target < 2)
        target = 2;
    double step = steps[sizeof steps / sizeof steps[0] - 1];
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if ((to_s - from_s) / steps[i] <= target) {
            step = steps[i];
            break;
        }
    out->min = from_s;
    out->max = to_s;
    out->step = step;
    for (double v = ceil(from_s / step) * step; v <= to_s && out->n_ticks < PF_CHART_MAX_TICKS;
         v += step) {
        pf_chart_tick *t = &out->ticks[out->n_ticks++];
        t->v = v;
        time_t tt = (time_t)v;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(t->label, sizeof t->label, step >= 86400 ? "%m-%d" : "%H:%M", &tm);
    }
}

/* ---- layout ------------------------------------------------------------ */

static double px_of(const pf_chart *c, double x)
{
    double w = c->width - c->left - c->right;
    double span = c->x.max - c->x.min;
    return c->left + (span > 0 ? (x - c->x.min) / span : 0.5) * w;
}

static double py_of(const pf_chart *c, double y)
{
    double h = c->height - c->top - c->bottom;
    if (c->ylog) {
        if (!(y > 0))
            return NAN;
        double a = log10(c->y.min), b = log10(c->y.max);
        return c->top + (1 - (log10(y) - a) / (b - a)) * h;
    }
    double span = c->y.max - c->y.min;
    return c->top + (1 - (span > 0 ? (y - c->y.min) / span : 0)) * h;
}

static void grow_lo(double *lo, double y)
{
    if (isfinite(y) && y > 0 && y < *lo)
        *lo = y;
}

static void grow(double *hi, double y)
{
    if (isfinite(y) && y > *hi)
        *hi = y;
}

static void grow_x(double *lo, double *hi, double x)
{
    if (!isfinite(x))
        return;
    if (x < *lo)
        *lo = x;
    if (x > *hi)
        *hi = x;
}

void pf_chart_layout(pf_chart *c)
{
    /* x */
    if (c->xkind == PF_CHART_X_INDEX) {
        size_t n = c->n_x ? c->n_x : 1;
        c->x.min = -0.5;
        c->x.max = (double)n - 0.5;
        c->x.step = ceil((double)n / 10.0);
        if (c->x.step < 1)
            c->x.step = 1;
        c->x.n_ticks = 0;
        for (size_t i = 0; i < c->n_x && c->x.n_ticks < PF_CHART_MAX_TICKS;
             i += (size_t)c->x.step) {
            pf_chart_tick *t = &c->x.ticks[c->x.n_ticks++];
            t->v = (double)i;
            snprintf(t->label, sizeof t->label, "%s", c->xlabels[i]);
        }
    } else {
        double lo = c->xmin, hi = c->xmax;
        if (!(hi > lo)) {
            lo = INFINITY, hi = -INFINITY;
            for (size_t s = 0; s < c->n_series; s++)
                for (size_t i = 0; i < c->series[s].n; i++)
                    grow_x(&lo, &hi, c->series[s].pts[i].x);
            if (!(hi > lo)) {
                lo = isfinite(lo) ? lo - 30 : 0;
                hi = lo + 60;
            }
        }
        pf_chart_time_axis(lo, hi, 8, &c->x);
    }
    /* y: from 0 to the highest value that must be seen */
    double hi = 0;
    for (size_t s = 0; s < c->n_series; s++)
        for (size_t i = 0; i < c->series[s].n; i++)
            grow(&hi, c->series[s].pts[i].y);
    for (size_t b = 0; b < c->n_bands; b++)
        for (size_t i = 0; i < c->bands[b].n; i++)
            grow(&hi, c->bands[b].hi[i].y);
    for (size_t m = 0; m < c->n_markers; m++)
        grow(&hi, c->markers[m].y);
    for (size_t l = 0; l < c->n_hlines; l++)
        if (c->hlines[l].fit)
            grow(&hi, c->hlines[l].y);
    if (!(hi > 0))
        hi = 1;
    if (c->ylog) {
        double lo = INFINITY;
        for (size_t s = 0; s < c->n_series; s++)
            for (size_t i = 0; i < c->series[s].n; i++)
                grow_lo(&lo, c->series[s].pts[i].y);
        for (size_t l = 0; l < c->n_hlines; l++)
            if (c->hlines[l].fit)
                grow_lo(&lo, c->hlines[l].y);
        pf_chart_log_axis(isfinite(lo) ? lo : hi / 10, hi * 1.05, &c->y);
    } else {
        pf_chart_nice_axis(0, hi * 1.05, 5, &c->y);
    }
    /* pixels */
    for (size_t i = 0; i < c->x.n_ticks; i++)
        c->x.ticks[i].px = px_of(c, c->x.ticks[i].v);
    for (size_t i = 0; i < c->y.n_ticks; i++)
        c->y.ticks[i].px = py_of(c, c->y.ticks[i].v);
    for (size_t s = 0; s < c->n_series; s++)
        for (size_t i = 0; i < c->series[s].n; i++) {
            pf_chart_point *p = &c->series[s].pts[i];
            p->px = px_of(c, p->x);
            p->py = isfinite(p->y) ? py_of(c, p->y) : NAN;
        }
    for (size_t b = 0; b < c->n_bands; b++)
        for (size_t i = 0; i < c->bands[b].n; i++) {
            pf_chart_point *lo = &c->bands[b].lo[i], *up = &c->bands[b].hi[i];
            lo->px = up->px = px_of(c, lo->x);
            lo->py = isfinite(lo->y) ? py_of(c, lo->y) : NAN;
            up->py = isfinite(up->y) ? py_of(c, up->y) : NAN;
        }
    for (size_t l = 0; l < c->n_hlines; l++) {
        pf_chart_hline *h = &c->hlines[l];
        h->visible = isfinite(h->y) && h->y >= c->y.min && h->y <= c->y.max &&
                     (!c->ylog || h->y > 0);
        h->py = h->visible ? py_of(c, h->y) : NAN;
    }
    double x0 = c->left, x1 = c->width - c->right;
    for (size_t v = 0; v < c->n_vspans; v++) {
        pf_chart_vspan *s = &c->vspans[v];
        s->px0 = fmax(x0, fmin(x1, px_of(c, s->x0)));
        s->px1 = fmax(x0, fmin(x1, px_of(c, s->x1)));
    }
    for (size_t m = 0; m < c->n_markers; m++) {
        c->markers[m].px = px_of(c, c->markers[m].x);
        c->markers[m].py = py_of(c, c->markers[m].y);
    }
}

/* ---- the text dump (golden files) -------------------------------------- */

static void num(pf_buf *b, double v)
{
    if (!isfinite(v))
        pf_buf_puts(b, "-");
    else
        pf_buf_printf(b, "%.10g", v);
}

static void pix(pf_buf *b, double v)
{
    if (!isfinite(v))
        pf_buf_puts(b, "-");
    else
        pf_buf_printf(b, "%.1f", v);
}

static void dump_axis(pf_buf *b, const char *name, const pf_chart_axis *a)
{
    pf_buf_printf(b, "%s: ", name);
    num(b, a->min);
    pf_buf_puts(b, " .. ");
    num(b, a->max);
    pf_buf_puts(b, " step ");
    num(b, a->step);
    pf_buf_puts(b, "\n");
    for (size_t i = 0; i < a->n_ticks; i++) {
        pf_buf_puts(b, "  tick ");
        num(b, a->ticks[i].v);
        pf_buf_printf(b, " \"%s\" @", a->ticks[i].label);
        pix(b, a->ticks[i].px);
        pf_buf_putc(b, '\n');
    }
}

static void dump_point(pf_buf *b, const pf_chart_point *p)
{
    pf_buf_puts(b, "  ");
    num(b, p->x);
    pf_buf_putc(b, ',');
    num(b, p->y);
    pf_buf_puts(b, " @");
    pix(b, p->px);
    pf_buf_putc(b, ',');
    pix(b, p->py);
    pf_buf_putc(b, '\n');
}

char *pf_chart_dump(const pf_chart *c)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_printf(&b, "chart \"%s\" unit \"%s\" x %s size %.0fx%.0f\n", c->title, c->unit,
                  c->xkind == PF_CHART_X_INDEX ? "index" : "time", c->width, c->height);
    if (c->subtitle[0])
        pf_buf_printf(&b, "subtitle \"%s\"\n", c->subtitle);
    dump_axis(&b, "x", &c->x);
    dump_axis(&b, c->ylog ? "y (log)" : "y", &c->y);
    for (size_t i = 0; i < c->n_bands; i++) {
        const pf_chart_band *bd = &c->bands[i];
        pf_buf_printf(&b, "band \"%s\" .%s (%zu)\n", bd->name, bd->cls, bd->n);
        for (size_t k = 0; k < bd->n; k++) {
            pf_buf_puts(&b, "  ");
            num(&b, bd->lo[k].x);
            pf_buf_puts(&b, ": ");
            num(&b, bd->lo[k].y);
            pf_buf_puts(&b, "..");
            num(&b, bd->hi[k].y);
            pf_buf_puts(&b, " @");
            pix(&b, bd->lo[k].px);
            pf_buf_putc(&b, ',');
            pix(&b, bd->lo[k].py);
            pf_buf_puts(&b, "..");
            pix(&b, bd->hi[k].py);
            pf_buf_putc(&b, '\n');
        }
    }
    for (size_t i = 0; i < c->n_series; i++) {
        const pf_chart_series *s = &c->series[i];
        pf_buf_printf(&b, "series \"%s\" .%s%s (%zu)\n", s->name, s->cls, s->dots ? " dots" : "",
                      s->n);
        for (size_t k = 0; k < s->n; k++)
            dump_point(&b, &s->pts[k]);
    }
    for (size_t i = 0; i < c->n_hlines; i++) {
        const pf_chart_hline *h = &c->hlines[i];
        pf_buf_printf(&b, "hline \"%s\" .%s ", h->label, h->cls);
        num(&b, h->y);
        pf_buf_printf(&b, "%s%s @", h->fit ? " fit" : "", h->visible ? "" : " hidden");
        pix(&b, h->py);
        pf_buf_putc(&b, '\n');
    }
    for (size_t i = 0; i < c->n_vspans; i++) {
        const pf_chart_vspan *v = &c->vspans[i];
        pf_buf_printf(&b, "vspan \"%s\" .%s ", v->label, v->cls);
        num(&b, v->x0);
        pf_buf_puts(&b, "..");
        num(&b, v->x1);
        pf_buf_puts(&b, " @");
        pix(&b, v->px0);
        pf_buf_puts(&b, "..");
        pix(&b, v->px1);
        pf_buf_putc(&b, '\n');
    }
    for (size_t i = 0; i < c->n_markers; i++) {
        const pf_chart_marker *m = &c->markers[i];
        pf_buf_printf(&b, "marker \"%s\" .%s", m->label, m->cls);
        pf_chart_point p = {m->x, m->y, m->px, m->py};
        dump_point(&b, &p);
    }
    return pf_buf_steal(&b);
}

/* ---- the dashboard's charts -------------------------------------------- */

#define CHART_W 560.0
#define CHART_H 200.0
#define WIDE_W 1180.0
#define WIDE_H 240.0

void pf_chart_run_label(int64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%m-%d", &tm);
}

static void run_labels(pf_chart *c, const pf_history_run *runs, size_t n)
{
    char **labels = pf_calloc(n ? n : 1, sizeof *labels);
    for (size_t r = 0; r < n; r++) {
        char buf[16];
        pf_chart_run_label(runs[r].started_us, buf, sizeof buf);
        labels[r] = pf_strdup(buf);
    }
    pf_chart_set_xlabels(c, labels, n);
    for (size_t r = 0; r < n; r++)
        free(labels[r]);
    free(labels);
}

static double *nan_array(size_t n)
{
    double *v = pf_calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = NAN;
    return v;
}

static double *index_array(size_t n)
{
    double *v = pf_calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (double)i;
    return v;
}

/* A step line (and band factor lo..hi around it) from per-run values; 0 or
 * NaN values break it. */
static void add_steps(pf_chart *c, const double *val, size_t n, const char *line_name,
                      const char *line_cls, const char *band_name, double lo_f, double hi_f)
{
    size_t cap = 3 * n + 1, k = 0;
    double *x = pf_calloc(cap, sizeof *x), *y = pf_calloc(cap, sizeof *y);
    double *lo = pf_calloc(cap, sizeof *lo), *hi = pf_calloc(cap, sizeof *hi);
    for (size_t r = 0; r < n; r++) {
        if (!(val[r] > 0)) {
            if (k > 0 && isfinite(y[k - 1])) {
                x[k] = (double)r;
                y[k] = lo[k] = hi[k] = NAN;
                k++;
            }
            continue;
        }
        /* The same value as the run before: extend its step. */
        if (k >= 2 && y[k - 1] == val[r] && x[k - 1] == (double)r - 0.5) {
            x[k - 1] = (double)r + 0.5;
            continue;
        }
        for (int side = 0; side < 2; side++) {
            x[k] = (double)r + (side ? 0.5 : -0.5);
            y[k] = val[r];
            lo[k] = val[r] * lo_f;
            hi[k] = val[r] * hi_f;
            k++;
        }
    }
    if (k > 0) {
        if (band_name != NULL)
            pf_chart_add_band(c, band_name, "band", x, lo, hi, k);
        pf_chart_add_series(c, line_name, line_cls, x, y, k, false);
    }
    free(x);
    free(y);
    free(lo);
    free(hi);
}

static bool is_regression(const char *status)
{
    return strcmp(status, "fail") == 0 || strcmp(status, "error") == 0 ||
           strcmp(status, "stale") == 0;
}

pf_chart *pf_chart_case(const pf_history *h, size_t i)
{
    const pf_history_case *hc = &h->cases[i];
    size_t n = h->n_runs;
    pf_chart *c = pf_chart_new(hc->name, "ms", PF_CHART_X_INDEX, CHART_W, CHART_H);
    run_labels(c, h->runs, n);
    double *x = index_array(n), *med = nan_array(n), *p95 = nan_array(n);
    double *base = pf_calloc(n ? n : 1, sizeof *base);
    double threshold = 0;
    for (size_t r = 0; r < n; r++) {
        const pf_history_point *p = &hc->points[r];
        if (p->present) {
            med[r] = p->median_ms;
            p95[r] = p->p95_ms;
        }
        base[r] = p->baseline_ms;
        if (p->threshold_ms > 0)
            threshold = p->threshold_ms;
    }
    add_steps(c, base, n, "baseline median", "baseline", "baseline ±20 %", 0.8, 1.2);
    pf_chart_add_series(c, "p95", "p95", x, p95, n, true);
    pf_chart_add_series(c, "median", "median", x, med, n, true);
    for (size_t r = 0; r < n; r++) {
        const pf_history_point *p = &hc->points[r];
        char label[240];
        if (is_regression(p->status)) {
            snprintf(label, sizeof label, "%s: %s%s%s", h->runs[r].file, p->status,
                     p->headline[0] ? ": " : "", p->headline);
            pf_chart_add_marker(c, (double)r, p->present ? p->median_ms : 0, label, "regression");
        } else if (strcmp(p->status, "noisy") == 0) {
            snprintf(label, sizeof label, "%s: noisy (unconfirmed timing signal)",
                     h->runs[r].file);
            pf_chart_add_marker(c, (double)r, p->present ? p->median_ms : 0, label, "noisy");
        }
    }
    if (threshold > 0) {
        char label[64];
        snprintf(label, sizeof label, "threshold %g ms (p95)", threshold);
        pf_chart_add_hline(c, threshold, label, "threshold", false);
    }
    /* Commits that re-recorded this case's baseline. */
    for (size_t k = 0; k < h->n_changes; k++) {
        const pf_history_change *ch = &h->changes[k];
        bool touches = false;
        for (size_t j = 0; ch->cases && ch->cases[j] && !touches; j++)
            touches = strcmp(ch->cases[j], hc->name) == 0;
        if (!touches || n == 0 || ch->at_us <= h->runs[0].started_us)
            continue;
        size_t r = 0;
        while (r < n && h->runs[r].started_us < ch->at_us)
            r++;
        char label[160];
        snprintf(label, sizeof label, "baseline re-recorded: %s %.100s", ch->commit, ch->subject);
        pf_chart_add_vspan(c, (double)r - 0.5, (double)r - 0.5, label, "change");
    }
    long last = pf_history_case_last(h, i);
    if (last >= 0) {
        const pf_history_point *p = &hc->points[last];
        char sub[200];
        if (p->baseline_ms > 0)
            snprintf(sub, sizeof sub, "last: median %.3g ms, p95 %.3g ms, %s; baseline %.3g ms",
                     p->median_ms, p->p95_ms, p->status, p->baseline_ms);
        else
            snprintf(sub, sizeof sub, "last: median %.3g ms, p95 %.3g ms, %s; no baseline",
                     p->median_ms, p->p95_ms, p->status);
        pf_chart_set_subtitle(c, sub);
    }
    pf_chart_layout(c);
    free(x);
    free(med);
    free(p95);
    free(base);
    return c;
}

pf_chart *pf_chart_case_instructions(const pf_history *h, size_t i)
{
    const pf_history_case *hc = &h->cases[i];
    size_t n = h->n_runs;
    bool any = false;
    for (size_t r = 0; r < n && !any; r++)
        any = hc->points[r].instructions > 0;
    if (!any)
        return NULL;
    char *title = pf_asprintf("%s · instructions", hc->name);
    pf_chart *c = pf_chart_new(title, "M instr", PF_CHART_X_INDEX, CHART_W, CHART_H);
    free(title);
    run_labels(c, h->runs, n);
    double *x = index_array(n), *ins = nan_array(n);
    double *base = pf_calloc(n ? n : 1, sizeof *base);
    for (size_t r = 0; r < n; r++) {
        const pf_history_point *p = &hc->points[r];
        if (p->instructions > 0)
            ins[r] = p->instructions / 1e6;
        base[r] = p->baseline_instructions / 1e6;
    }
    add_steps(c, base, n, "reference count", "baseline", "reference ±10 %", 0.9, 1.1);
    pf_chart_add_series(c, "instructions per execution", "median", x, ins, n, true);
    for (size_t r = 0; r < n; r++) {
        const pf_history_point *p = &hc->points[r];
        if (is_regression(p->status) && p->instructions > 0 && p->baseline_instructions > 0 &&
            p->instructions > 1.1 * p->baseline_instructions) {
            char label[240];
            snprintf(label, sizeof label, "%s: %s%s%s", h->runs[r].file, p->status,
                     p->headline[0] ? ": " : "", p->headline);
            pf_chart_add_marker(c, (double)r, p->instructions / 1e6, label, "regression");
        }
    }
    for (size_t r = n; r-- > 0;)
        if (hc->points[r].instructions > 0) {
            char sub[160];
            const pf_history_point *p = &hc->points[r];
            if (p->baseline_instructions > 0)
                snprintf(sub, sizeof sub, "last: %.3gM per execution, reference %.3gM (%+.1f%%)",
                         p->instructions / 1e6, p->baseline_instructions / 1e6,
                         100.0 * (p->instructions / p->baseline_instructions - 1));
            else
                snprintf(sub, sizeof sub, "last: %.3gM per execution; no reference count",
                         p->instructions / 1e6);
            pf_chart_set_subtitle(c, sub);
            break;
        }
    pf_chart_layout(c);
    free(x);
    free(ins);
    free(base);
    return c;
}

pf_chart *pf_chart_pair(const pf_history *h, size_t i)
{
    const pf_history_pair *hp = &h->pairs[i];
    size_t n = h->n_rls_runs;
    char *title = pf_asprintf("%s (%s)", hp->name, hp->identity);
    pf_chart *c = pf_chart_new(title, "×", PF_CHART_X_INDEX, CHART_W, CHART_H);
    free(title);
    run_labels(c, h->rls_runs, n);
    double *x = index_array(n), *ratio = nan_array(n), *lo = nan_array(n), *hi = nan_array(n);
    double *base = pf_calloc(n ? n : 1, sizeof *base);
    for (size_t r = 0; r < n; r++) {
        const pf_history_rls_point *p = &hp->points[r];
        if (!p->present)
            continue;
        ratio[r] = p->ratio;
        if (p->ratio_hi > 0) {
            lo[r] = p->ratio_lo;
            hi[r] = p->ratio_hi;
        }
        base[r] = p->baseline_ratio;
    }
    pf_chart_add_band(c, "98 % interval", "band", x, lo, hi, n);
    add_steps(c, base, n, "baseline ratio", "baseline", NULL, 1, 1);
    pf_chart_add_series(c, "identity / owner", "median", x, ratio, n, true);
    /* The deterministic ratio, when instructions were counted. */
    double *iratio = nan_array(n);
    bool counted = false;
    for (size_t r = 0; r < n; r++)
        if (hp->points[r].present && hp->points[r].instr_ratio > 0) {
            iratio[r] = hp->points[r].instr_ratio;
            counted = true;
        }
    if (counted)
        pf_chart_add_series(c, "in instructions", "p95", x, iratio, n, true);
    free(iratio);
    pf_chart_add_hline(c, 1.0, "1.0 = no RLS overhead", "unity", true);
    for (size_t r = n; r-- > 0;)
        if (hp->points[r].present) {
            char sub[160];
            snprintf(sub, sizeof sub, "last: %.2f× (owner → %s), %g policy calls per query",
                     hp->points[r].ratio, hp->identity, hp->points[r].policy_calls);
            pf_chart_set_subtitle(c, sub);
            break;
        }
    pf_chart_layout(c);
    free(x);
    free(ratio);
    free(lo);
    free(hi);
    free(base);
    return c;
}

pf_chart *pf_chart_flow(const pf_history *h, size_t i)
{
    const pf_history_flow *hf = &h->flows[i];
    size_t n = h->n_load_runs;
    pf_chart *c = pf_chart_new(hf->name, "ms", PF_CHART_X_INDEX, CHART_W, CHART_H);
    run_labels(c, h->load_runs, n);
    double *x = index_array(n), *a = nan_array(n), *b = nan_array(n), *d = nan_array(n);
    double threshold = 0;
    for (size_t r = 0; r < n; r++) {
        const pf_history_flow_point *p = &hf->points[r];
        if (!p->present)
            continue;
        if (hf->drain) {
            a[r] = p->drain_ms;
        } else {
            a[r] = p->p50;
            b[r] = p->p90;
            d[r] = p->p99;
        }
        if (p->threshold_ms > 0)
            threshold = p->threshold_ms;
    }
    if (hf->drain) {
        pf_chart_add_series(c, "drain time", "median", x, a, n, true);
    } else {
        pf_chart_add_series(c, "p99", "p99", x, d, n, true);
        pf_chart_add_series(c, "p90", "p95", x, b, n, true);
        pf_chart_add_series(c, "p50", "median", x, a, n, true);
    }
    for (size_t r = 0; r < n; r++) {
        const pf_history_flow_point *p = &hf->points[r];
        if (p->present && is_regression(p->status)) {
            char label[96];
            snprintf(label, sizeof label, "%s: %s", h->load_runs[r].file, p->status);
            pf_chart_add_marker(c, (double)r, hf->drain ? p->drain_ms : p->p99, label,
                                "regression");
        }
    }
    if (threshold > 0) {
        char label[64];
        snprintf(label, sizeof label, "threshold %g ms (%s)", threshold,
                 hf->drain ? "drain time" : "p99");
        pf_chart_add_hline(c, threshold, label, "threshold", false);
    }
    for (size_t r = n; r-- > 0;)
        if (hf->points[r].present) {
            const pf_history_flow_point *p = &hf->points[r];
            char sub[160];
            if (hf->drain)
                snprintf(sub, sizeof sub, "last: drained in %.0f ms, %.0f jobs/s, %s",
                         p->drain_ms, p->throughput, p->status);
            else
                snprintf(sub, sizeof sub, "last: p50 %.3g ms, p99 %.3g ms, %.1f/s, %s", p->p50,
                         p->p99, p->throughput, p->status);
            pf_chart_set_subtitle(c, sub);
            break;
        }
    pf_chart_layout(c);
    free(x);
    free(a);
    free(b);
    free(d);
    return c;
}

pf_chart *pf_chart_category(const pf_store_dash *d, const char *cat, double threshold_ms,
                            const double levels[3])
{
    char *title = pf_asprintf("%s", cat);
    pf_chart *c = pf_chart_new(title, "ms", PF_CHART_X_TIME, WIDE_W, WIDE_H);
    free(title);
    /* Logarithmic: a 2 ms mean and a 10 s threshold on one readable chart. */
    c->ylog = true;
    pf_chart_set_xrange(c, (double)d->from_us / 1e6, (double)d->to_us / 1e6);
    const pf_store_cat_series *s = NULL;
    for (size_t i = 0; i < d->n_cats; i++)
        if (strcmp(d->cats[i].category, cat) == 0)
            s = &d->cats[i];
    size_t n = s ? s->n : 0, k = 0;
    /* Room for a NaN between points a bucket or more apart (no calls). */
    double *x = pf_calloc(2 * n + 1, sizeof *x), *mean = pf_calloc(2 * n + 1, sizeof *mean);
    double *worst = pf_calloc(2 * n + 1, sizeof *worst);
    for (size_t i = 0; i < n; i++) {
        const pf_store_cat_point *p = &s->pts[i];
        double t = (double)p->at_us / 1e6 + d->bucket_s / 2;
        if (k > 0 && t - x[k - 1] > 1.5 * d->bucket_s) {
            x[k] = x[k - 1] + d->bucket_s;
            mean[k] = worst[k] = NAN;
            k++;
        }
        x[k] = t;
        mean[k] = p->calls > 0 ? p->exec_ms / (double)p->calls : NAN;
        worst[k] = p->max_query_mean_ms;
        k++;
    }
    static const char *const names[3] = {"warning", "critical", "emergency"};
    if (threshold_ms > 0)
        for (int l = 2; l >= 0; l--) {
            char label[96], v[32];
            log_label(threshold_ms * levels[l], v, sizeof v);
            snprintf(label, sizeof label, "%s > %s%s (%g %%)", names[l], v,
                     threshold_ms * levels[l] >= 1000 ? "" : " ms", levels[l] * 100);
            pf_chart_add_hline(c, threshold_ms * levels[l], label, names[l], true);
        }
    pf_chart_add_series(c, "slowest query (interval mean)", "worst", x, worst, k, false);
    pf_chart_add_series(c, "category mean", "median", x, mean, k, false);
    for (size_t i = 0; i < d->n_alerts; i++) {
        const pf_store_alert_span *a = &d->alerts[i];
        if (a->category == NULL || strcmp(a->category, cat) != 0)
            continue;
        double x0 = (double)(a->start_us > d->from_us ? a->start_us : d->from_us) / 1e6;
        double x1 = (double)(a->end_us ? a->end_us : d->to_us) / 1e6;
        char label[200];
        snprintf(label, sizeof label, "%s %s alert, query %lld: peak %.1f ms%s",
                 pf_level_name((pf_level)a->peak_level), a->kind ? a->kind : "",
                 (long long)a->queryid, a->peak_ms, a->end_us ? "" : " (active)");
        char cls[32];
        snprintf(cls, sizeof cls, "alert-%s", pf_level_name((pf_level)a->peak_level));
        pf_chart_add_vspan(c, x0, x1, label, cls);
    }
    char sub[200];
    char thr[48] = "no threshold";
    if (threshold_ms > 0) {
        char v[32];
        log_label(threshold_ms, v, sizeof v);
        snprintf(thr, sizeof thr, "threshold %s%s", v, threshold_ms >= 1000 ? "" : " ms");
    }
    if (s != NULL && s->calls > 0)
        snprintf(sub, sizeof sub, "%lld calls, mean %.3g ms over the window; %s (log scale)",
                 (long long)s->calls, s->exec_ms / (double)s->calls, thr);
    else
        snprintf(sub, sizeof sub, "no calls in the window; %s", thr);
    pf_chart_set_subtitle(c, sub);
    pf_chart_layout(c);
    free(x);
    free(mean);
    free(worst);
    return c;
}
