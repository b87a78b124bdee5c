/* The dashboard as one self-contained HTML page: inline CSS, inline SVG
 * charts (chart.h), a few lines of optional JavaScript (a filter for the
 * gate's cases); no external URL of any kind. Everything that comes from
 * data — case names, query texts, file names, commit subjects — is escaped,
 * so a query text holding "<script>" shows as text and never runs.
 *
 * Sections: the gate's cases over time (median and p95 per run, the
 * baseline and its ±20 % band, regressions marked), RLS overhead ratios,
 * load-test percentiles per flow, and production from the monitor's store
 * (per-category trends with thresholds, levels and alerts, top queries by
 * total and by mean time, the alerts with their durations). */
#ifndef PF_HTML_H
#define PF_HTML_H

#include <stddef.h>

#include "buf.h"
#include "chart.h"
#include "history.h"
#include "store.h"

/* A monitored category and its threshold (0: none). */
typedef struct pf_html_category {
    const char *name;
    double threshold_ms;
} pf_html_category;

typedef struct pf_html_input {
    const char *title;          /* NULL: "perfgate dashboard" */
    const char *generated_at;   /* shown in the header */
    const char *version;
    const pf_history *history;  /* NULL: no gate/RLS/load sections */
    const char *results_dir;
    const pf_store_dash *prod;  /* NULL: no production data */
    const char *prod_error;     /* why production data is missing (shown), may be NULL */
    const pf_html_category *cats; /* the configured categories, default last */
    size_t n_cats;
    double levels[3];           /* warning, critical, emergency: fractions of a threshold */
    int refresh_s;              /* > 0: the page reloads itself (the live dashboard) */
} pf_html_input;

/* The page. Caller frees. */
char *pf_html_dashboard(const pf_html_input *in);

/* Append s with &, <, >, " and ' escaped (text and attribute values). */
void pf_html_escape(pf_buf *b, const char *s);
/* Append a chart as an inline <svg>. */
void pf_html_svg(pf_buf *b, const pf_chart *c);

#endif
