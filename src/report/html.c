/* The dashboard page: HTML, inline CSS and SVG. Every string from data goes
 * through pf_html_escape. */
#include "html.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"
#include "verdict.h"

#define QUERY_CELL_MAX 180   /* characters of query text in a table cell */
#define QUERY_TITLE_MAX 2000 /* ... in its hover title */

/* ---- escaping and formatting ------------------------------------------- */

void pf_html_escape(pf_buf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        switch (*p) {
        case '&':
            pf_buf_puts(b, "&amp;");
            break;
        case '<':
            pf_buf_puts(b, "&lt;");
            break;
        case '>':
            pf_buf_puts(b, "&gt;");
            break;
        case '"':
            pf_buf_puts(b, "&quot;");
            break;
        case '\'':
            pf_buf_puts(b, "&#39;");
            break;
        default:
            /* Control characters have no business in a page. */
            if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
                pf_buf_putc(b, ' ');
            else
                pf_buf_putc(b, *p);
        }
    }
}

/* At most max characters (UTF-8 aware) of s, whitespace folded, escaped. */
static void escape_short(pf_buf *b, const char *s, size_t max)
{
    size_t chars = 0;
    bool space = false;
    pf_buf tmp = PF_BUF_INIT;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        bool ws = *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';
        if (ws) {
            if (!space && chars > 0)
                pf_buf_putc(&tmp, ' ');
            space = true;
            continue;
        }
        if ((*p & 0xC0) != 0x80) {
            if (chars >= max) {
                pf_buf_puts(&tmp, "…");
                break;
            }
            chars++;
        }
        space = false;
        pf_buf_putc(&tmp, (char)*p);
    }
    pf_html_escape(b, pf_buf_str(&tmp));
    pf_buf_dispose(&tmp);
}

static void fmt_ms(char *buf, size_t len, double ms)
{
    if (!isfinite(ms))
        snprintf(buf, len, "–");
    else if (ms >= 10000)
        snprintf(buf, len, "%.1f s", ms / 1000);
    else if (ms >= 100)
        snprintf(buf, len, "%.0f ms", ms);
    else if (ms >= 10)
        snprintf(buf, len, "%.1f ms", ms);
    else if (ms >= 1)
        snprintf(buf, len, "%.2f ms", ms);
    else
        snprintf(buf, len, "%.3f ms", ms);
}

static void fmt_duration(char *buf, size_t len, double s)
{
    if (s < 90)
        snprintf(buf, len, "%.0f s", s);
    else if (s < 5400)
        snprintf(buf, len, "%.0f min", s / 60);
    else if (s < 2 * 86400)
        snprintf(buf, len, "%.0f h %02.0f min", floor(s / 3600), fmod(floor(s / 60), 60));
    else
        snprintf(buf, len, "%.1f d", s / 86400);
}

static void fmt_count(char *buf, size_t len, double v)
{
    if (v >= 1e9)
        snprintf(buf, len, "%.1fG", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, len, "%.1fM", v / 1e6);
    else if (v >= 1e4)
        snprintf(buf, len, "%.1fk", v / 1e3);
    else
        snprintf(buf, len, "%.0f", v);
}

static const char *level_name(int l)
{
    return pf_level_name((pf_level)l);
}

/* ---- SVG ----------------------------------------------------------------- */

static void coord(pf_buf *b, double v)
{
    pf_buf_printf(b, "%.1f", v);
}

/* "M x y L x y ..." with a new M after every gap. */
static void line_path(pf_buf *b, const pf_chart_point *pts, size_t n)
{
    bool pen = false;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(pts[i].py)) {
            pen = false;
            continue;
        }
        pf_buf_puts(b, pen ? " L" : " M");
        coord(b, pts[i].px);
        pf_buf_putc(b, ' ');
        coord(b, pts[i].py);
        pen = true;
    }
}

static void band_path(pf_buf *b, const pf_chart_band *bd)
{
    size_t i = 0;
    while (i < bd->n) {
        while (i < bd->n && !(isfinite(bd->lo[i].py) && isfinite(bd->hi[i].py)))
            i++;
        size_t j = i;
        while (j < bd->n && isfinite(bd->lo[j].py) && isfinite(bd->hi[j].py))
            j++;
        if (j > i) {
            for (size_t k = i; k < j; k++) {
                pf_buf_puts(b, k == i ? " M" : " L");
                coord(b, bd->hi[k].px);
                pf_buf_putc(b, ' ');
                coord(b, bd->hi[k].py);
            }
            for (size_t k = j; k-- > i;) {
                pf_buf_puts(b, " L");
                coord(b, bd->lo[k].px);
                pf_buf_putc(b, ' ');
                coord(b, bd->lo[k].py);
            }
            pf_buf_puts(b, " Z");
        }
        i = j;
    }
}

void pf_html_svg(pf_buf *b, const pf_chart *c)
{
    double x0 = c->left, x1 = c->width - c->right, y0 = c->top, y1 = c->height - c->bottom;
    pf_buf_printf(b,
                  "<svg class=\"chart\" viewBox=\"0 0 %.0f "
                  "%.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"",
                  c->width, c->height, c->width, c->height);
    pf_html_escape(b, c->title);
    pf_buf_puts(b, "\">");
    /* grid and y labels */
    pf_buf_puts(b, "<g class=\"grid\">");
    for (size_t i = 0; i < c->y.n_ticks; i++) {
        const pf_chart_tick *t = &c->y.ticks[i];
        pf_buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", x0, x1, t->px,
                      t->px);
        pf_buf_printf(b, "<text class=\"ylab\" x=\"%.1f\" y=\"%.1f\">", x0 - 6, t->px + 4);
        pf_html_escape(b, t->label);
        pf_buf_puts(b, "</text>");
    }
    for (size_t i = 0; i < c->x.n_ticks; i++) {
        const pf_chart_tick *t = &c->x.ticks[i];
        pf_buf_printf(b, "<line class=\"xt\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
                      t->px, t->px, y1, y1 + 4);
        pf_buf_printf(b, "<text class=\"xlab\" x=\"%.1f\" y=\"%.1f\">", t->px, y1 + 17);
        pf_html_escape(b, t->label);
        pf_buf_puts(b, "</text>");
    }
    pf_buf_puts(b, "</g>");
    /* alert spans and baseline changes */
    for (size_t i = 0; i < c->n_vspans; i++) {
        const pf_chart_vspan *v = &c->vspans[i];
        if (v->x0 == v->x1)
            pf_buf_printf(b,
                          "<line class=\"vline %s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                          "y2=\"%.1f\"><title>",
                          v->cls, v->px0, v->px0, y0, y1);
        else
            pf_buf_printf(b,
                          "<rect class=\"span %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                          "height=\"%.1f\"><title>",
                          v->cls, v->px0, y0, fmax(1, v->px1 - v->px0), y1 - y0);
        pf_html_escape(b, v->label);
        pf_buf_puts(b, v->x0 == v->x1 ? "</title></line>" : "</title></rect>");
    }
    for (size_t i = 0; i < c->n_bands; i++) {
        pf_buf_printf(b, "<path class=\"band %s\" data-band=\"", c->bands[i].cls);
        pf_html_escape(b, c->bands[i].name);
        pf_buf_puts(b, "\" d=\"");
        band_path(b, &c->bands[i]);
        pf_buf_puts(b, "\"><title>");
        pf_html_escape(b, c->bands[i].name);
        pf_buf_puts(b, "</title></path>");
    }
    for (size_t i = 0; i < c->n_hlines; i++) {
        const pf_chart_hline *h = &c->hlines[i];
        if (!h->visible)
            continue;
        /* Levels lie close together on a log axis: warning's label goes
         * below its line, emergency's to the left, the rest above right. */
        bool below = strcmp(h->cls, "warning") == 0, left = strcmp(h->cls, "emergency") == 0;
        pf_buf_printf(b,
                      "<line class=\"hline %s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                      "<text class=\"hlab %s\"%s x=\"%.1f\" y=\"%.1f\">",
                      h->cls, x0, x1, h->py, h->py, h->cls,
                      left ? " style=\"text-anchor:start\"" : "", left ? x0 + 4 : x1 - 4,
                      below ? h->py + 11 : h->py - 3);
        pf_html_escape(b, h->label);
        pf_buf_puts(b, "</text>");
    }
    for (size_t i = 0; i < c->n_series; i++) {
        const pf_chart_series *s = &c->series[i];
        pf_buf_printf(b, "<path class=\"series %s\" data-series=\"", s->cls);
        pf_html_escape(b, s->name);
        pf_buf_puts(b, "\" d=\"");
        line_path(b, s->pts, s->n);
        pf_buf_puts(b, "\"/>");
        if (!s->dots)
            continue;
        pf_buf_printf(b, "<g class=\"dots %s\">", s->cls);
        for (size_t k = 0; k < s->n; k++) {
            const pf_chart_point *p = &s->pts[k];
            if (!isfinite(p->py))
                continue;
            pf_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\"><title>", p->px, p->py);
            pf_html_escape(b, s->name);
            char v[32];
            snprintf(v, sizeof v, " %.4g %s", p->y, c->unit);
            pf_html_escape(b, v);
            if (c->xkind == PF_CHART_X_INDEX && p->x >= 0 && (size_t)p->x < c->n_x) {
                pf_buf_puts(b, " (run ");
                pf_html_escape(b, c->xlabels[(size_t)p->x]);
                pf_buf_puts(b, ")");
            }
            pf_buf_puts(b, "</title></circle>");
        }
        pf_buf_puts(b, "</g>");
    }
    for (size_t i = 0; i < c->n_markers; i++) {
        const pf_chart_marker *m = &c->markers[i];
        pf_buf_printf(b, "<circle class=\"marker %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"5.5\"><title>",
                      m->cls, m->px, m->py);
        pf_html_escape(b, m->label);
        pf_buf_puts(b, "</title></circle>");
    }
    pf_buf_printf(b, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                  x0, y0, x1 - x0, y1 - y0);
    pf_buf_puts(b, "</svg>");
}

/* ---- page parts ------------------------------------------------------------ */

static const char k_css[] =
    ":root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f8fafc;--card:#fff;"
    "--med:#2563eb;--p95:#f59e0b;--base:#6b7280;--ok:#16a34a;--warn:#d97706;--crit:#dc2626;"
    "--emerg:#7f1d1d;--noisy:#a16207;--new:#0891b2}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',"
    "sans-serif;color:var(--fg);background:var(--bg)}"
    "header{background:#111827;color:#f9fafb;padding:14px 24px}"
    "header h1{margin:0;font-size:20px}header p{margin:2px 0 0;color:#cbd5e1;font-size:13px}"
    "nav{display:flex;gap:16px;margin-top:8px}nav a{color:#93c5fd;text-decoration:none}"
    "main{max-width:1240px;margin:0 auto;padding:8px 20px 40px}"
    "h2{font-size:18px;margin:28px 0 6px;padding-bottom:4px;border-bottom:2px solid var(--line)}"
    "h3{font-size:15px;margin:18px 0 6px}"
    ".lead{color:var(--muted);margin:4px 0 12px}"
    ".kpis{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}"
    ".kpi{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px;"
    "min-width:170px}.kpi b{display:block;font-size:22px}.kpi span{color:var(--muted);"
    "font-size:12px}"
    ".kpi.bad b{color:var(--crit)}.kpi.good b{color:var(--ok)}.kpi.warn b{color:var(--warn)}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(580px,1fr));gap:14px}"
    ".card{background:var(--card);border:1px solid var(--line);border-radius:8px;"
    "padding:10px 12px}"
    ".card h4{margin:0;font-size:14px;font-family:ui-monospace,'DejaVu Sans Mono',monospace}"
    ".card .sub{color:var(--muted);font-size:12px;margin:2px 0 4px}"
    ".card.regressed{border-color:var(--crit);box-shadow:0 0 0 1px var(--crit) inset}"
    ".wide{grid-column:1/-1}"
    "svg.chart{display:block;max-width:100%;height:auto;overflow:visible}"
    "svg .grid line{stroke:var(--line);stroke-width:1}svg .grid .xt{stroke:#9ca3af}"
    "svg text{font-size:11px;fill:var(--muted)}svg .ylab{text-anchor:end}"
    "svg .xlab{text-anchor:middle}svg .hlab{text-anchor:end;font-size:10.5px}"
    "svg .frame{fill:none;stroke:#d1d5db}"
    "svg .series{fill:none;stroke-width:2;stroke-linejoin:round}"
    "svg .series.median{stroke:var(--med)}svg .series.p95{stroke:var(--p95);stroke-width:1.5}"
    "svg .series.p99{stroke:#db2777;stroke-width:1.5}"
    "svg .series.baseline{stroke:var(--base);stroke-dasharray:5 3;stroke-width:1.5}"
    "svg .series.worst{stroke:#9333ea;stroke-width:1.2;opacity:.8}"
    "svg .dots.median circle{fill:var(--med)}svg .dots.p95 circle{fill:var(--p95)}"
    "svg .dots.p99 circle{fill:#db2777}"
    "svg .band{fill:rgba(22,163,74,.13);stroke:none}"
    "svg .marker.regression{fill:none;stroke:var(--crit);stroke-width:2.5}"
    "svg .marker.noisy{fill:none;stroke:var(--noisy);stroke-width:2;stroke-dasharray:2 2}"
    "svg .hline{stroke-width:1.3;stroke-dasharray:6 4}"
    "svg .hline.threshold,svg .hline.critical{stroke:var(--crit)}svg .hlab.threshold,"
    "svg .hlab.critical{fill:var(--crit)}"
    "svg .hline.warning{stroke:var(--warn)}svg .hlab.warning{fill:var(--warn)}"
    "svg .hline.emergency{stroke:var(--emerg)}svg .hlab.emergency{fill:var(--emerg)}"
    "svg .hline.unity{stroke:#9ca3af}"
    "svg .vline.change{stroke:#6366f1;stroke-width:2;stroke-dasharray:2 3}"
    "svg .span{stroke:none}svg .span.alert-warning{fill:rgba(217,119,6,.16)}"
    "svg .span.alert-critical{fill:rgba(220,38,38,.18)}"
    "svg .span.alert-emergency{fill:rgba(127,29,29,.28)}"
    ".legend{display:flex;flex-wrap:wrap;gap:14px;font-size:12px;color:var(--muted);"
    "margin:4px 0 10px}"
    ".legend i{display:inline-block;width:18px;height:3px;vertical-align:middle;margin-right:5px}"
    ".legend i.dot{width:10px;height:10px;border-radius:50%;border:2.5px solid var(--crit);"
    "background:none}"
    ".legend i.box{height:10px}"
    "table{border-collapse:collapse;width:100%;background:var(--card);font-size:13px}"
    "th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;"
    "vertical-align:top}th{background:#f1f5f9;font-weight:600}td.n,th.n{text-align:right;"
    "font-variant-numeric:tabular-nums;white-space:nowrap}"
    "td.q{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:12px;"
    "word-break:break-word}"
    ".badge{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;"
    "font-weight:600;color:#fff;background:var(--muted)}"
    ".s-pass,.lv-ok{background:var(--ok)}.s-fail,.s-error,.s-stale,.lv-critical{"
    "background:var(--crit)}.s-warn,.lv-warning{background:var(--warn)}"
    ".s-noisy{background:var(--noisy)}.s-new{background:var(--new)}"
    ".lv-emergency{background:var(--emerg)}"
    "svg.strip rect{stroke:#fff;stroke-width:1}"
    ".strip .pass{fill:var(--ok)}.strip .fail,.strip .error,.strip .stale{fill:var(--crit)}"
    ".strip .warn{fill:var(--warn)}.strip .noisy{fill:#eab308}.strip .new{fill:var(--new)}"
    ".strip .none{fill:#e5e7eb}"
    ".filter{margin:6px 0 10px}.filter input{font:inherit;padding:4px 8px;width:280px;"
    "border:1px solid #cbd5e1;border-radius:6px}"
    ".note{background:#fffbeb;border:1px solid #fde68a;border-radius:6px;padding:8px 12px;"
    "margin:10px 0;font-size:13px}.note.err{background:#fef2f2;border-color:#fecaca}"
    ".note ul{margin:4px 0 0;padding-left:20px}"
    "footer{color:var(--muted);font-size:12px;margin-top:30px}";

/* Filters the gate's case cards by name; reads only textContent/dataset. */
static const char k_js[] =
    "(function(){var f=document.getElementById('case-filter');if(!f)return;"
    "f.addEventListener('input',function(){var q=f.value.toLowerCase();"
    "document.querySelectorAll('[data-case]').forEach(function(e){"
    "e.style.display=e.getAttribute('data-case').toLowerCase().indexOf(q)<0?'none':'';});});"
    "})();";

static void badge(pf_buf *b, const char *prefix, const char *word)
{
    pf_buf_printf(b, "<span class=\"badge %s", prefix);
    pf_html_escape(b, word);
    pf_buf_puts(b, "\">");
    pf_html_escape(b, word);
    pf_buf_puts(b, "</span>");
}

static void kpi(pf_buf *b, const char *cls, const char *big, const char *small)
{
    pf_buf_printf(b, "<div class=\"kpi %s\"><b>", cls);
    pf_html_escape(b, big);
    pf_buf_puts(b, "</b><span>");
    pf_html_escape(b, small);
    pf_buf_puts(b, "</span></div>");
}

static void card(pf_buf *b, const pf_chart *c, const char *data_attr, bool regressed, bool wide)
{
    pf_buf_printf(b, "<div class=\"card%s%s\"", regressed ? " regressed" : "",
                  wide ? " wide" : "");
    if (data_attr != NULL) {
        pf_buf_puts(b, " data-case=\"");
        pf_html_escape(b, c->title);
        pf_buf_puts(b, "\"");
    }
    pf_buf_puts(b, "><h4>");
    pf_html_escape(b, c->title);
    pf_buf_puts(b, "</h4><div class=\"sub\">");
    pf_html_escape(b, c->subtitle);
    pf_buf_puts(b, "</div>");
    pf_html_svg(b, c);
    pf_buf_puts(b, "</div>");
}

/* A row of small squares: the case's status in every run. */
static void status_strip(pf_buf *b, const pf_history *h, const pf_history_case *hc)
{
    double w = 9, gap = 1;
    size_t n = h->n_runs;
    pf_buf_printf(b, "<svg class=\"strip\" width=\"%.0f\" height=\"14\" viewBox=\"0 0 %.0f 14\">",
                  (double)n * (w + gap), (double)n * (w + gap));
    for (size_t r = 0; r < n; r++) {
        const pf_history_point *p = &hc->points[r];
        const char *st = p->status[0] ? p->status : "none";
        pf_buf_printf(b, "<rect class=\"");
        pf_html_escape(b, st);
        pf_buf_printf(b, "\" x=\"%.0f\" y=\"1\" width=\"%.0f\" height=\"12\"><title>",
                      (double)r * (w + gap), w);
        char when[32];
        pf_time_format(when, sizeof when, h->runs[r].started_us, "%Y-%m-%d %H:%M");
        pf_html_escape(b, when);
        pf_buf_puts(b, ": ");
        pf_html_escape(b, st);
        pf_buf_puts(b, "</title></rect>");
    }
    pf_buf_puts(b, "</svg>");
}

static bool ever_regressed(const pf_history *h, const pf_history_case *hc, size_t *fails)
{
    *fails = 0;
    for (size_t r = 0; r < h->n_runs; r++) {
        const char *s = hc->points[r].status;
        if (strcmp(s, "fail") == 0 || strcmp(s, "error") == 0 || strcmp(s, "stale") == 0)
            (*fails)++;
    }
    return *fails > 0;
}

static void gate_section(pf_buf *b, const pf_html_input *in)
{
    const pf_history *h = in->history;
    pf_buf_puts(b, "<section id=\"gate\"><h2>Gate: benchmark cases over time</h2>");
    if (h->n_runs == 0) {
        pf_buf_puts(b, "<p class=\"lead\">No gate results (<code>perfgate run --json</code>) "
                       "found under ");
        pf_html_escape(b, in->results_dir ? in->results_dir : "the results directory");
        pf_buf_puts(b, ".</p></section>");
        return;
    }
    char from[32], to[32];
    pf_time_format(from, sizeof from, h->runs[0].started_us, "%Y-%m-%d");
    pf_time_format(to, sizeof to, h->runs[h->n_runs - 1].started_us, "%Y-%m-%d");
    pf_buf_printf(b, "<p class=\"lead\">%zu runs from %s to %s, %zu cases. Latency as measured "
                     "(ms); the verdict itself compares calibration-normalised medians and work "
                     "metrics (docs/verdicts.md).</p>",
                  h->n_runs, from, to, h->n_cases);
    /* The latest run at a glance. */
    const pf_history_run *last = &h->runs[h->n_runs - 1];
    size_t bad = 0, noisy = 0, pass = 0;
    for (size_t i = 0; i < h->n_cases; i++) {
        const char *s = h->cases[i].points[h->n_runs - 1].status;
        if (strcmp(s, "fail") == 0 || strcmp(s, "error") == 0 || strcmp(s, "stale") == 0)
            bad++;
        else if (strcmp(s, "noisy") == 0)
            noisy++;
        else if (s[0])
            pass++;
    }
    pf_buf_puts(b, "<div class=\"kpis\">");
    char big[64], small[160];
    snprintf(big, sizeof big, "%s", last->exit_code == 0 ? "pass" : "FAIL");
    pf_time_format(small, sizeof small, last->started_us, "latest run, %Y-%m-%d %H:%M UTC");
    kpi(b, last->exit_code == 0 ? "good" : "bad", big, small);
    snprintf(big, sizeof big, "%zu", bad);
    kpi(b, bad ? "bad" : "good", big, "cases failing in the latest run");
    snprintf(big, sizeof big, "%zu", noisy);
    kpi(b, noisy ? "warn" : "", big, "noisy (unconfirmed) in the latest run");
    snprintf(big, sizeof big, "%zu", pass);
    kpi(b, "", big, "passing in the latest run");
    pf_buf_puts(b, "</div>");
    /* Every case's status over the runs. */
    pf_buf_puts(b, "<h3>Status per run</h3><table><tr><th>case</th><th>runs (oldest → "
                   "newest)</th><th class=\"n\">last median</th><th class=\"n\">last "
                   "p95</th><th class=\"n\">vs baseline</th><th>last</th></tr>");
    for (size_t i = 0; i < h->n_cases; i++) {
        const pf_history_case *hc = &h->cases[i];
        long l = pf_history_case_last(h, i);
        pf_buf_puts(b, "<tr data-case=\"");
        pf_html_escape(b, hc->name);
        pf_buf_puts(b, "\"><td><code>");
        pf_html_escape(b, hc->name);
        pf_buf_puts(b, "</code></td><td>");
        status_strip(b, h, hc);
        char med[32] = "–", p95[32] = "–", vs[32] = "–";
        if (l >= 0) {
            const pf_history_point *p = &hc->points[l];
            fmt_ms(med, sizeof med, p->median_ms);
            fmt_ms(p95, sizeof p95, p->p95_ms);
            if (p->baseline_ms > 0)
                snprintf(vs, sizeof vs, "%+.0f %%", 100 * (p->median_ms / p->baseline_ms - 1));
        }
        pf_buf_printf(b, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s"
                         "</td><td>",
                      med, p95, vs);
        const char *s = hc->points[h->n_runs - 1].status;
        badge(b, "s-", s[0] ? s : "absent");
        pf_buf_puts(b, "</td></tr>");
    }
    pf_buf_puts(b, "</table>");
    pf_buf_puts(b,
                "<h3>Trends</h3><div class=\"legend\"><span><i style=\"background:var(--med)\">"
                "</i>median</span><span><i style=\"background:var(--p95)\"></i>p95</span>"
                "<span><i style=\"background:var(--base)\"></i>baseline median (dashed)</span>"
                "<span><i class=\"box\" style=\"background:rgba(22,163,74,.25)\"></i>baseline "
                "±20 %</span><span><i class=\"dot\"></i>regression (fail)</span>"
                "<span><i class=\"dot\" style=\"border-color:var(--noisy)\"></i>noisy</span>"
                "<span><i style=\"background:#6366f1\"></i>baseline re-recorded (git)</span>"
                "</div>");
    pf_buf_puts(b, "<div class=\"filter\"><input id=\"case-filter\" type=\"search\" "
                   "placeholder=\"filter cases, e.g. timeline\" aria-label=\"filter cases\">"
                   "</div><div class=\"grid\">");
    for (size_t i = 0; i < h->n_cases; i++) {
        pf_chart *c = pf_chart_case(h, i);
        size_t fails = 0;
        card(b, c, "case", ever_regressed(h, &h->cases[i], &fails), false);
        pf_chart_free(c);
        /* Instructions per execution next to the timings, when counted. */
        pf_chart *ci = pf_chart_case_instructions(h, i);
        if (ci != NULL) {
            card(b, ci, "case", false, false);
            pf_chart_free(ci);
        }
    }
    pf_buf_puts(b, "</div></section>");
}

static void rls_section(pf_buf *b, const pf_history *h)
{
    pf_buf_puts(b, "<section id=\"rls\"><h2>RLS overhead</h2>");
    if (h->n_pairs == 0) {
        pf_buf_puts(b, "<p class=\"lead\">No RLS overhead results (<code>perfgate rls "
                       "--json</code>, or the <code>rls</code> part of the gate's JSON).</p>"
                       "</section>");
        return;
    }
    pf_buf_printf(b, "<p class=\"lead\">Median time as the identity divided by the median as "
                     "the table owner (no RLS), interleaved in the same run; %zu runs. The "
                     "shaded band is the ratio's 98 %% interval.</p>",
                  h->n_rls_runs);
    pf_buf_puts(b, "<table><tr><th>pair</th><th>identity</th><th class=\"n\">last ratio</th>"
                   "<th class=\"n\">baseline</th><th class=\"n\">policy calls</th>"
                   "<th class=\"n\">identity median</th></tr>");
    for (size_t i = 0; i < h->n_pairs; i++) {
        const pf_history_pair *p = &h->pairs[i];
        const pf_history_rls_point *pt = NULL;
        for (size_t r = h->n_rls_runs; r-- > 0 && pt == NULL;)
            if (p->points[r].present)
                pt = &p->points[r];
        if (pt == NULL)
            continue;
        char med[32];
        fmt_ms(med, sizeof med, pt->identity_median_ms);
        pf_buf_puts(b, "<tr><td><code>");
        pf_html_escape(b, p->name);
        pf_buf_puts(b, "</code></td><td>");
        pf_html_escape(b, p->identity);
        pf_buf_printf(b, "</td><td class=\"n\">%.2f×</td><td class=\"n\">", pt->ratio);
        if (pt->baseline_ratio > 0)
            pf_buf_printf(b, "%.2f×", pt->baseline_ratio);
        else
            pf_buf_puts(b, "–");
        pf_buf_printf(b, "</td><td class=\"n\">%g</td><td class=\"n\">%s</td></tr>",
                      pt->policy_calls, med);
    }
    pf_buf_puts(b, "</table><div class=\"grid\" style=\"margin-top:12px\">");
    for (size_t i = 0; i < h->n_pairs; i++) {
        pf_chart *c = pf_chart_pair(h, i);
        card(b, c, NULL, false, false);
        pf_chart_free(c);
    }
    pf_buf_puts(b, "</div></section>");
}

static void load_section(pf_buf *b, const pf_history *h)
{
    pf_buf_puts(b, "<section id=\"load\"><h2>Load tests: latency percentiles per flow</h2>");
    if (h->n_flows == 0) {
        pf_buf_puts(b, "<p class=\"lead\">No load results (<code>perfgate load --json</code>)."
                       "</p></section>");
        return;
    }
    pf_buf_printf(b, "<p class=\"lead\">%zu load runs. Latency from the scheduled start "
                     "(no coordinated omission), in ms; the flow's threshold is judged on its "
                     "p99.</p>",
                  h->n_load_runs);
    pf_buf_puts(b, "<table><tr><th>flow @ load point</th><th class=\"n\">p50</th>"
                   "<th class=\"n\">p90</th><th class=\"n\">p99</th><th class=\"n\">p99.9</th>"
                   "<th class=\"n\">max</th><th class=\"n\">threshold</th>"
                   "<th class=\"n\">throughput</th><th>last</th></tr>");
    for (size_t i = 0; i < h->n_flows; i++) {
        const pf_history_flow *f = &h->flows[i];
        const pf_history_flow_point *p = NULL;
        for (size_t r = h->n_load_runs; r-- > 0 && p == NULL;)
            if (f->points[r].present)
                p = &f->points[r];
        if (p == NULL)
            continue;
        char q[5][32], thr[32] = "–";
        fmt_ms(q[0], sizeof q[0], p->p50);
        fmt_ms(q[1], sizeof q[1], p->p90);
        fmt_ms(q[2], sizeof q[2], p->p99);
        fmt_ms(q[3], sizeof q[3], p->p999);
        fmt_ms(q[4], sizeof q[4], p->max);
        if (p->threshold_ms > 0)
            fmt_ms(thr, sizeof thr, p->threshold_ms);
        pf_buf_puts(b, "<tr><td><code>");
        pf_html_escape(b, f->name);
        pf_buf_printf(b, "</code></td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                         "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                         "<td class=\"n\">%s</td><td class=\"n\">%.1f/s</td><td>",
                      q[0], q[1], q[2], q[3], q[4], thr, p->throughput);
        badge(b, "s-", p->status[0] ? p->status : "?");
        pf_buf_puts(b, "</td></tr>");
    }
    pf_buf_puts(b, "</table><div class=\"legend\"><span><i style=\"background:var(--med)\">"
                   "</i>p50</span><span><i style=\"background:var(--p95)\"></i>p90</span>"
                   "<span><i style=\"background:#db2777\"></i>p99</span></div>"
                   "<div class=\"grid\">");
    for (size_t i = 0; i < h->n_flows; i++) {
        pf_chart *c = pf_chart_flow(h, i);
        card(b, c, NULL, false, false);
        pf_chart_free(c);
    }
    pf_buf_puts(b, "</div></section>");
}

static void query_cell(pf_buf *b, const char *query)
{
    pf_buf_puts(b, "<td class=\"q\" title=\"");
    escape_short(b, query ? query : "(text not stored)", QUERY_TITLE_MAX);
    pf_buf_puts(b, "\">");
    escape_short(b, query ? query : "(text not stored)", QUERY_CELL_MAX);
    pf_buf_puts(b, "</td>");
}

static void top_table(pf_buf *b, const pf_store_query *v, size_t n, const char *caption)
{
    pf_buf_printf(b, "<h3>%s</h3>", caption);
    if (n == 0) {
        pf_buf_puts(b, "<p class=\"lead\">No calls in the window.</p>");
        return;
    }
    pf_buf_puts(b, "<table><tr><th>category</th><th>query</th><th class=\"n\">calls</th>"
                   "<th class=\"n\">total</th><th class=\"n\">mean</th>"
                   "<th class=\"n\">worst interval</th><th class=\"n\">rows</th>"
                   "<th class=\"n\">hit / read</th><th>alert</th></tr>");
    for (size_t i = 0; i < n; i++) {
        const pf_store_query *q = &v[i];
        char calls[16], total[32], mean[32], worst[32], rows[16], hit[16], rd[16];
        fmt_count(calls, sizeof calls, (double)q->calls);
        fmt_ms(total, sizeof total, q->exec_ms);
        fmt_ms(mean, sizeof mean, q->mean_ms);
        fmt_ms(worst, sizeof worst, q->max_mean_ms);
        fmt_count(rows, sizeof rows, (double)q->rows);
        fmt_count(hit, sizeof hit, (double)q->shared_hit);
        fmt_count(rd, sizeof rd, (double)q->shared_read);
        pf_buf_puts(b, "<tr><td>");
        pf_html_escape(b, q->category ? q->category : "?");
        pf_buf_puts(b, "</td>");
        query_cell(b, q->query);
        pf_buf_printf(b, "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                         "<td class=\"n\">%s</td><td class=\"n\">%s</td>"
                         "<td class=\"n\">%s / %s</td><td>",
                      calls, total, mean, worst, rows, hit, rd);
        if (q->level > 0)
            badge(b, "lv-", level_name(q->level));
        pf_buf_puts(b, "</td></tr>");
    }
    pf_buf_puts(b, "</table>");
}

static void alerts_table(pf_buf *b, const pf_store_dash *d)
{
    pf_buf_puts(b, "<h3>Alerts that fired</h3>");
    if (d->n_alerts == 0) {
        pf_buf_puts(b, "<p class=\"lead\">No alert in the window.</p>");
        return;
    }
    pf_buf_puts(b, "<table><tr><th>fired (UTC)</th><th>resolved</th><th class=\"n\">"
                   "duration</th><th>peak level</th><th>rule</th><th>category</th>"
                   "<th>query</th><th class=\"n\">peak mean</th><th class=\"n\">limit</th>"
                   "</tr>");
    for (size_t i = 0; i < d->n_alerts; i++) {
        const pf_store_alert_span *a = &d->alerts[i];
        char start[32], end[32], dur[32], peak[32], lim[32];
        pf_time_format(start, sizeof start, a->start_us, "%m-%d %H:%M");
        if (a->end_us)
            pf_time_format(end, sizeof end, a->end_us, "%m-%d %H:%M");
        else
            snprintf(end, sizeof end, "active");
        fmt_duration(dur, sizeof dur,
                     (double)((a->end_us ? a->end_us : d->to_us) - a->start_us) / 1e6);
        fmt_ms(peak, sizeof peak, a->peak_ms);
        fmt_ms(lim, sizeof lim, a->limit_ms);
        pf_buf_printf(b, "<tr><td>%s</td><td>%s</td><td class=\"n\">%s%s</td><td>", start, end,
                      dur, a->end_us ? "" : "+");
        badge(b, "lv-", level_name(a->peak_level));
        pf_buf_puts(b, "</td><td>");
        pf_html_escape(b, a->kind ? a->kind : "");
        pf_buf_puts(b, "</td><td>");
        pf_html_escape(b, a->category ? a->category : "");
        pf_buf_puts(b, "</td>");
        query_cell(b, a->query);
        pf_buf_printf(b, "<td class=\"n\">%s</td><td class=\"n\">%s</td></tr>", peak, lim);
    }
    pf_buf_puts(b, "</table>");
}

static void prod_section(pf_buf *b, const pf_html_input *in)
{
    const pf_store_dash *d = in->prod;
    pf_buf_puts(b, "<section id=\"production\"><h2>Production: perfgate monitor</h2>");
    if (in->prod_error != NULL) {
        pf_buf_puts(b, "<div class=\"note err\">History store: ");
        pf_html_escape(b, in->prod_error);
        pf_buf_puts(b, "</div>");
    }
    if (d == NULL || d->last_us == 0) {
        if (d != NULL)
            pf_buf_puts(b, "<p class=\"lead\">No snapshot stored yet.</p>");
        pf_buf_puts(b, "</section>");
        return;
    }
    char from[32], to[32], bucket[32], span[32];
    pf_time_format(from, sizeof from, d->from_us, "%Y-%m-%d %H:%M");
    pf_time_format(to, sizeof to, d->to_us, "%Y-%m-%d %H:%M");
    fmt_duration(bucket, sizeof bucket, d->bucket_s);
    fmt_duration(span, sizeof span, (double)(d->to_us - d->from_us) / 1e6);
    pf_buf_puts(b, "<p class=\"lead\">Source <b>");
    pf_html_escape(b, d->source);
    pf_buf_puts(b, "</b> (");
    pf_html_escape(b, d->target);
    pf_buf_printf(b, "): %s to %s UTC (%s), %ld snapshots, %ld with a gap; points are %s "
                     "buckets.</p>",
                  from, to, span, d->snapshots, d->gaps, bucket);
    long active = 0;
    int worst = 0;
    for (size_t i = 0; i < d->n_alerts; i++)
        if (d->alerts[i].end_us == 0) {
            active++;
            if (d->alerts[i].peak_level > worst)
                worst = d->alerts[i].peak_level;
        }
    pf_buf_puts(b, "<div class=\"kpis\">");
    char big[32], small[96];
    snprintf(big, sizeof big, "%ld", active);
    snprintf(small, sizeof small, "active alerts%s%s", worst ? ", highest " : "",
             worst ? level_name(worst) : "");
    kpi(b, active ? "bad" : "good", big, small);
    snprintf(big, sizeof big, "%zu", d->n_alerts);
    kpi(b, "", big, "alerts in the window");
    int64_t calls = 0;
    for (size_t i = 0; i < d->n_cats; i++)
        calls += d->cats[i].calls;
    fmt_count(big, sizeof big, (double)calls);
    kpi(b, "", big, "calls in the window");
    snprintf(big, sizeof big, "%ld", d->gaps);
    kpi(b, d->gaps ? "warn" : "", big, "gaps (outages, restarts)");
    pf_buf_puts(b, "</div>");
    pf_buf_puts(b, "<h3>Per category: interval means against the threshold (log scale)</h3>"
                   "<div class=\"legend\"><span><i style=\"background:var(--med)\"></i>"
                   "category mean</span><span><i style=\"background:#9333ea\"></i>slowest "
                   "query's interval mean (what threshold alerts judge)</span><span><i "
                   "style=\"background:var(--warn)\"></i>warning &gt; 50 %</span><span><i "
                   "style=\"background:var(--crit)\"></i>critical &gt; 100 %</span><span><i "
                   "style=\"background:var(--emerg)\"></i>emergency &gt; 200 %</span><span><i class=\"box\" style=\"background:rgba(220,38,38,"
                   ".3)\"></i>alert active</span></div><div class=\"grid\">");
    /* The configured categories, then any other the store knows. */
    for (size_t i = 0; i < in->n_cats; i++) {
        pf_chart *c = pf_chart_category(d, in->cats[i].name, in->cats[i].threshold_ms,
                                        in->levels);
        bool alerted = false;
        for (size_t k = 0; k < d->n_alerts && !alerted; k++)
            alerted = d->alerts[k].category && strcmp(d->alerts[k].category, in->cats[i].name) == 0;
        card(b, c, NULL, alerted, true);
        pf_chart_free(c);
    }
    for (size_t i = 0; i < d->n_cats; i++) {
        bool known = false;
        for (size_t k = 0; k < in->n_cats && !known; k++)
            known = strcmp(in->cats[k].name, d->cats[i].category) == 0;
        if (known)
            continue;
        pf_chart *c = pf_chart_category(d, d->cats[i].category, 0, in->levels);
        card(b, c, NULL, false, true);
        pf_chart_free(c);
    }
    pf_buf_puts(b, "</div>");
    alerts_table(b, d);
    top_table(b, d->top_total, d->n_top_total, "Top queries by total time");
    top_table(b, d->top_mean, d->n_top_mean, "Top queries by mean time (at least 2 calls)");
    pf_buf_puts(b, "</section>");
}

char *pf_html_dashboard(const pf_html_input *in)
{
    pf_buf b = PF_BUF_INIT;
    const char *title = in->title ? in->title : "perfgate dashboard";
    pf_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                    "'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src "
                    "data:\">");
    if (in->refresh_s > 0)
        pf_buf_printf(&b, "<meta http-equiv=\"refresh\" content=\"%d\">", in->refresh_s);
    pf_buf_puts(&b, "<title>");
    pf_html_escape(&b, title);
    pf_buf_printf(&b, "</title><style>%s</style></head><body><header><h1>", k_css);
    pf_html_escape(&b, title);
    pf_buf_puts(&b, "</h1><p>generated ");
    pf_html_escape(&b, in->generated_at ? in->generated_at : "");
    pf_buf_puts(&b, " by perfgate ");
    pf_html_escape(&b, in->version ? in->version : "");
    if (in->refresh_s > 0)
        pf_buf_printf(&b, " · live, refreshes every %d s", in->refresh_s);
    pf_buf_puts(&b, "</p><nav>");
    if (in->history != NULL)
        pf_buf_puts(&b, "<a href=\"#gate\">Gate</a><a href=\"#rls\">RLS</a>"
                        "<a href=\"#load\">Load</a>");
    if (in->prod != NULL || in->prod_error != NULL)
        pf_buf_puts(&b, "<a href=\"#production\">Production</a>");
    pf_buf_puts(&b, "</nav></header><main>");
    if (in->history != NULL) {
        gate_section(&b, in);
        rls_section(&b, in->history);
        load_section(&b, in->history);
        if (in->history->n_warnings > 0) {
            pf_buf_puts(&b, "<div class=\"note\">Notes on the results read:<ul>");
            for (size_t i = 0; i < in->history->n_warnings; i++) {
                pf_buf_puts(&b, "<li>");
                pf_html_escape(&b, in->history->warnings[i]);
                pf_buf_puts(&b, "</li>");
            }
            pf_buf_puts(&b, "</ul></div>");
        }
    }
    if (in->prod != NULL || in->prod_error != NULL)
        prod_section(&b, in);
    pf_buf_puts(&b, "<footer>perfgate — regression gate and production monitor for "
                    "PostgreSQL. Thresholds: warning &gt; 50 %, critical &gt; 100 %, "
                    "emergency &gt; 200 % of a category's threshold.</footer></main>");
    pf_buf_printf(&b, "<script>%s</script></body></html>\n", k_js);
    return pf_buf_steal(&b);
}
