/* Chart data for the dashboard: pure functions that turn series into what
 * an SVG chart draws — axes with "nice" ticks, points in pixels, bands,
 * reference lines, spans and markers — and the builders of the
 * dashboard's charts from results over time (history.h) and the monitor's
 * store (store.h). Nothing here draws: html.c renders a pf_chart as SVG;
 * pf_chart_dump prints one as text for golden-file tests.
 *
 * Typical use:
 *     pf_chart *c = pf_chart_new("timeline/recent_page", "ms", PF_CHART_X_INDEX, 640, 220);
 *     pf_chart_set_xlabels(c, labels, n_runs);
 *     pf_chart_add_series(c, "median", "median", xs, ys, n_runs, true);
 *     pf_chart_layout(c);
 *     ... c->series[0].pts[i].px / .py ...
 *     pf_chart_free(c);
 */
#ifndef PF_CHART_H
#define PF_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history.h"
#include "store.h"

#define PF_CHART_MAX_TICKS 16

typedef enum pf_chart_xkind {
    PF_CHART_X_INDEX, /* x = 0..n-1 (runs), labelled by the caller */
    PF_CHART_X_TIME,  /* x = seconds since the epoch (UTC) */
} pf_chart_xkind;

typedef struct pf_chart_tick {
    double v, px; /* value, and its pixel along the axis */
    char label[32];
} pf_chart_tick;

typedef struct pf_chart_axis {
    double min, max, step;
    pf_chart_tick ticks[PF_CHART_MAX_TICKS];
    size_t n_ticks;
} pf_chart_axis;

/* A point; y NaN is a gap (a run without the case). */
typedef struct pf_chart_point {
    double x, y;
    double px, py;
} pf_chart_point;

typedef struct pf_chart_series {
    char *name, *cls; /* cls: the CSS class of the line */
    pf_chart_point *pts;
    size_t n;
    bool dots; /* a dot per point (with its value as tooltip) */
} pf_chart_series;

/* A shaded band between lo and hi along x (NaN in either breaks it). */
typedef struct pf_chart_band {
    char *name, *cls;
    pf_chart_point *lo, *hi;
    size_t n;
} pf_chart_band;

/* A horizontal reference line (a threshold, a level). fit: the y axis
 * stretches to show it; otherwise it is drawn only when in range. */
typedef struct pf_chart_hline {
    double y, py;
    char *label, *cls;
    bool fit, visible;
} pf_chart_hline;

/* A vertical span (an alert) or line (x0 == x1: a baseline change). */
typedef struct pf_chart_vspan {
    double x0, x1, px0, px1;
    char *label, *cls;
} pf_chart_vspan;

/* A point marked with a label (a regression). */
typedef struct pf_chart_marker {
    double x, y, px, py;
    char *label, *cls;
} pf_chart_marker;

typedef struct pf_chart {
    char *title, *subtitle, *unit;
    pf_chart_xkind xkind;
    char **xlabels; /* PF_CHART_X_INDEX: one per index */
    size_t n_x;
    double xmin, xmax; /* PF_CHART_X_TIME: the range shown (0, 0: the data's) */
    bool ylog;         /* a logarithmic y axis (decades; values <= 0 are not drawn) */
    double width, height;
    double left, right, top, bottom; /* the plot box: margins in pixels */
    pf_chart_axis x, y;
    pf_chart_series *series;
    size_t n_series;
    pf_chart_band *bands;
    size_t n_bands;
    pf_chart_hline *hlines;
    size_t n_hlines;
    pf_chart_vspan *vspans;
    size_t n_vspans;
    pf_chart_marker *markers;
    size_t n_markers;
} pf_chart;

/* A chart of width x height pixels. Strings are copied. */
pf_chart *pf_chart_new(const char *title, const char *unit, pf_chart_xkind xkind, double width,
                       double height);
void pf_chart_free(pf_chart *c);
void pf_chart_set_subtitle(pf_chart *c, const char *subtitle);
/* Labels of x = 0..n-1 (copied); also sets the x range. */
void pf_chart_set_xlabels(pf_chart *c, char *const *labels, size_t n);
void pf_chart_set_xrange(pf_chart *c, double xmin, double xmax);
void pf_chart_add_series(pf_chart *c, const char *name, const char *cls, const double *x,
                         const double *y, size_t n, bool dots);
void pf_chart_add_band(pf_chart *c, const char *name, const char *cls, const double *x,
                       const double *lo, const double *hi, size_t n);
void pf_chart_add_hline(pf_chart *c, double y, const char *label, const char *cls, bool fit);
void pf_chart_add_vspan(pf_chart *c, double x0, double x1, const char *label, const char *cls);
void pf_chart_add_marker(pf_chart *c, double x, double y, const char *label, const char *cls);

/* Axes (y from 0 to a nice maximum over everything that must fit; with
 * ylog, whole decades around it) and every pixel coordinate. Call after
 * adding, before reading px/py. */
void pf_chart_layout(pf_chart *c);

/* Ticks at 1-2-5 steps covering [lo, hi] with about target ticks; labels
 * formatted for the step ("0.25", "1.5k"). */
void pf_chart_nice_axis(double lo, double hi, int target, pf_chart_axis *out);
/* Ticks at 1, 2 and 5 of every decade over [lo, hi] (both > 0; only the
 * decades themselves beyond three decades), for a logarithmic axis. */
void pf_chart_log_axis(double lo, double hi, pf_chart_axis *out);
/* Ticks at whole minutes/hours/days over [from_s, to_s] (UTC), labelled
 * "HH:MM", or "MM-DD" for spans of several days. */
void pf_chart_time_axis(double from_s, double to_s, int target, pf_chart_axis *out);

/* Everything computed, as text (stable formatting, for golden files).
 * Caller frees. */
char *pf_chart_dump(const pf_chart *c);

/* ---- the dashboard's charts ------------------------------------------- */

/* "MM-DD" of a run (UTC), into buf (>= 8). */
void pf_chart_run_label(int64_t us, char *buf, size_t len);

/* Gate case i over the runs: median and p95 per run, the baseline's median
 * (a step line, re-recordings visible) with the ±20 % band around it,
 * regressions (fail/error) and noisy runs marked, baseline commits from git
 * as vertical lines, the threshold when in range. */
pf_chart *pf_chart_case(const pf_history *h, size_t i);
/* Gate case i's instructions per execution over the runs (millions), the
 * count it was judged against (a step line) with a ±10 % band (the default
 * limit), regressions marked. NULL when no run counted instructions. */
pf_chart *pf_chart_case_instructions(const pf_history *h, size_t i);
/* RLS pair i: the identity/owner ratio per run with its CI band and the
 * baseline ratio, and the ratio in instructions when counted. */
pf_chart *pf_chart_pair(const pf_history *h, size_t i);
/* Load flow i: p50, p90 and p99 per run and its threshold. */
pf_chart *pf_chart_flow(const pf_history *h, size_t i);
/* Monitored category cat of d: the category mean and the worst query's
 * mean per bucket, the warning / critical / emergency lines of threshold_ms
 * (levels: fractions of it, e.g. 0.5, 1, 2; threshold 0: none) and the
 * alerts of the category as spans coloured by their peak level. */
pf_chart *pf_chart_category(const pf_store_dash *d, const char *cat, double threshold_ms,
                            const double levels[3]);

#endif
