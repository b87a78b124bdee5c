/* Prometheus text exposition of the monitor's numbers. */
#include "metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_LABEL_MAX 80 /* characters of query text in perfgate_query_info */

static const char *const k_names[] = {
    "perfgate_build_info",
    "perfgate_store_up",
    "perfgate_process_start_time_seconds",
    "perfgate_snapshots_total",
    "perfgate_snapshots_stored_total",
    "perfgate_errors_total",
    "perfgate_alert_events_total",
    "perfgate_pending_snapshots",
    "perfgate_last_snapshot_timestamp_seconds",
    "perfgate_last_snapshot_age_seconds",
    "perfgate_snapshot_gaps_24h",
    "perfgate_alerts_active",
    "perfgate_metrics_top_queries",
    "perfgate_category_threshold_seconds",
    "perfgate_category_alert_level",
    "perfgate_category_interval_calls",
    "perfgate_category_interval_mean_seconds",
    "perfgate_category_interval_max_query_mean_seconds",
    "perfgate_category_calls_total",
    "perfgate_category_exec_seconds_total",
    "perfgate_category_rows_total",
    "perfgate_category_shared_blocks_hit_total",
    "perfgate_category_shared_blocks_read_total",
    "perfgate_query_info",
    "perfgate_query_alert_level",
    "perfgate_query_interval_calls",
    "perfgate_query_interval_mean_seconds",
    "perfgate_query_calls_total",
    "perfgate_query_exec_seconds_total",
    "perfgate_query_rows_total",
    "perfgate_query_shared_blocks_hit_total",
    "perfgate_query_shared_blocks_read_total",
    NULL,
};

const char *const *pf_metrics_names(void)
{
    return k_names;
}

/* Length of a valid UTF-8 sequence at s, 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || (n == 2 && s[0] < 0xC2))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* Escaped, at most max characters (0: no limit), whitespace runs folded
 * to one space when fold. */
static void label_text(pf_buf *b, const char *s, size_t max, bool fold)
{
    size_t chars = 0;
    bool space = false;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;) {
        if (max > 0 && chars >= max) {
            pf_buf_puts(b, "…");
            return;
        }
        if (fold && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) {
            if (!space && chars > 0) {
                pf_buf_putc(b, ' ');
                chars++;
            }
            space = true;
            p++;
            continue;
        }
        space = false;
        size_t n = utf8_len(p);
        if (n == 0) {
            pf_buf_puts(b, "\xEF\xBF\xBD"); /* U+FFFD */
            p++;
        } else if (*p == '\\') {
            pf_buf_puts(b, "\\\\");
            p++;
        } else if (*p == '"') {
            pf_buf_puts(b, "\\\"");
            p++;
        } else if (*p == '\n') {
            pf_buf_puts(b, "\\n");
            p++;
        } else {
            pf_buf_append(b, p, n);
            p += n;
        }
        chars++;
    }
}

void pf_metrics_label_value(pf_buf *b, const char *s)
{
    label_text(b, s, 0, false);
}

static void family(pf_buf *b, const char *name, const char *type, const char *help)
{
    pf_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void value(pf_buf *b, double v)
{
    if (isnan(v))
        pf_buf_puts(b, "NaN");
    else if (isinf(v))
        pf_buf_puts(b, v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 1e15)
        pf_buf_printf(b, "%.0f", v);
    else
        pf_buf_printf(b, "%.9g", v);
    pf_buf_putc(b, '\n');
}

static void sample(pf_buf *b, const char *name, double v)
{
    pf_buf_printf(b, "%s ", name);
    value(b, v);
}

static void cat_sample(pf_buf *b, const char *name, const char *cat, double v)
{
    pf_buf_printf(b, "%s{category=\"", name);
    pf_metrics_label_value(b, cat);
    pf_buf_puts(b, "\"} ");
    value(b, v);
}

static void query_labels(pf_buf *b, const pf_store_metric *q)
{
    pf_buf_puts(b, "{category=\"");
    pf_metrics_label_value(b, q->category);
    pf_buf_puts(b, "\",database=\"");
    if (q->dbname)
        pf_metrics_label_value(b, q->dbname);
    else
        pf_buf_printf(b, "%" PRIu32, q->dbid);
    pf_buf_printf(b, "\",queryid=\"%" PRId64 "\"", q->queryid);
}

static void query_sample(pf_buf *b, const char *name, const pf_store_metric *q, double v)
{
    pf_buf_puts(b, name);
    query_labels(b, q);
    pf_buf_puts(b, "} ");
    value(b, v);
}

/* The store's numbers for category name, or NULL. */
static const pf_store_metric *store_cat(const pf_store_metrics *m, const char *name)
{
    for (size_t i = 0; m != NULL && i < m->n_cats; i++)
        if (strcmp(m->cats[i].category, name) == 0)
            return &m->cats[i];
    return NULL;
}

/* Categories to render: the config's, then any the store knows besides
 * (statements classified by an older config). */
typedef struct cat_row {
    const char *name;
    double threshold_ms;
    const pf_store_metric *m;
} cat_row;

static cat_row *category_rows(const pf_metrics_input *in, size_t *n)
{
    size_t cap = in->n_cats + (in->store ? in->store->n_cats : 0) + 1;
    cat_row *rows = pf_calloc(cap, sizeof *rows);
    size_t k = 0;
    for (size_t i = 0; i < in->n_cats; i++) {
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = strcmp(rows[j].name, in->cats[i].name) == 0;
        if (dup)
            continue;
        rows[k].name = in->cats[i].name;
        rows[k].threshold_ms = in->cats[i].threshold_ms;
        rows[k].m = store_cat(in->store, in->cats[i].name);
        k++;
    }
    for (size_t i = 0; in->store && i < in->store->n_cats; i++) {
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = strcmp(rows[j].name, in->store->cats[i].category) == 0;
        if (dup)
            continue;
        rows[k].name = in->store->cats[i].category;
        rows[k].threshold_ms = 0;
        rows[k].m = &in->store->cats[i];
        k++;
    }
    *n = k;
    return rows;
}

/* perfgate's own state: version, store health, this process's counters,
 * the newest snapshot. */
static void render_process(pf_buf *b, const pf_metrics_input *in)
{
    const pf_metrics_health *h = in->health;
    const pf_store_metrics *st = in->store;

    family(b, "perfgate_build_info", "gauge",
           "perfgate's version and the monitored source's name (always 1).");
    pf_buf_puts(b, "perfgate_build_info{version=\"");
    pf_metrics_label_value(b, h && h->version ? h->version : "");
    pf_buf_puts(b, "\",source=\"");
    pf_metrics_label_value(b, h && h->source ? h->source : "");
    pf_buf_puts(b, "\"} 1\n");
    family(b, "perfgate_store_up", "gauge",
           "1 when the history store answered this scrape, 0 when it could not be read.");
    sample(b, "perfgate_store_up", st != NULL ? 1 : 0);
    if (h != NULL) {
        family(b, "perfgate_process_start_time_seconds", "gauge",
               "When the monitor process started (seconds since the epoch).");
        sample(b, "perfgate_process_start_time_seconds", h->started_s);
        family(b, "perfgate_snapshots_total", "counter",
               "pg_stat_statements snapshots taken by this process.");
        sample(b, "perfgate_snapshots_total", (double)h->snapshots);
        family(b, "perfgate_snapshots_stored_total", "counter",
               "Snapshots acknowledged by the history store.");
        sample(b, "perfgate_snapshots_stored_total", (double)h->stored);
        family(b, "perfgate_errors_total", "counter",
               "Problems the monitor logged: lost connections, failed snapshots or store "
               "writes, failed alert deliveries, dropped snapshots.");
        sample(b, "perfgate_errors_total", (double)h->errors);
        family(b, "perfgate_alert_events_total", "counter",
               "Alert transitions (firing, repeat, resolved) of this process.");
        sample(b, "perfgate_alert_events_total", (double)h->alert_events);
        family(b, "perfgate_pending_snapshots", "gauge",
               "Snapshots waiting in memory for the history store.");
        sample(b, "perfgate_pending_snapshots", (double)h->pending);
    }
    /* The newest snapshot: this process's, else the store's. */
    double last = h && h->last_snapshot_s > 0 ? h->last_snapshot_s : 0;
    if (last == 0 && st != NULL && st->last_us > 0)
        last = (double)st->last_us / 1e6;
    if (last > 0) {
        family(b, "perfgate_last_snapshot_timestamp_seconds", "gauge",
               "When the newest snapshot was taken (seconds since the epoch).");
        sample(b, "perfgate_last_snapshot_timestamp_seconds", last);
        if (h != NULL && h->now_s > 0) {
            family(b, "perfgate_last_snapshot_age_seconds", "gauge",
                   "Seconds since the newest snapshot: grows when the monitor is stuck.");
            sample(b, "perfgate_last_snapshot_age_seconds", fmax(0, h->now_s - last));
        }
    }
    family(b, "perfgate_metrics_top_queries", "gauge",
           "How many queries get per-query series (the top N; bounds label cardinality).");
    sample(b, "perfgate_metrics_top_queries", (double)in->top_n);
    if (st != NULL) {
        family(b, "perfgate_snapshot_gaps_24h", "gauge",
               "Snapshots stored with a gap (an outage, a restart) over the last 24 hours.");
        sample(b, "perfgate_snapshot_gaps_24h", (double)st->gaps_24h);
        family(b, "perfgate_alerts_active", "gauge", "Alerts currently active.");
        sample(b, "perfgate_alerts_active", (double)st->alerts_active);
    }
}

typedef struct family_info {
    const char *name, *type, *help;
} family_info;

/* The per-category families read from the store, in the order of
 * category_value's cases. */
static const family_info k_cat_families[] = {
    {"perfgate_category_alert_level", "gauge",
     "Highest active alert level of the category: 0 ok, 1 warning, 2 critical, 3 "
     "emergency."},
    {"perfgate_category_interval_calls", "gauge", "Calls in the newest interval."},
    {"perfgate_category_interval_mean_seconds", "gauge",
     "Mean execution time over the newest interval (all the category's queries)."},
    {"perfgate_category_interval_max_query_mean_seconds", "gauge",
     "The slowest query's mean execution time in the newest interval (what threshold "
     "alerts judge)."},
    {"perfgate_category_calls_total", "counter",
     "Calls (pg_stat_statements' counters; reset with them)."},
    {"perfgate_category_exec_seconds_total", "counter", "Execution time."},
    {"perfgate_category_rows_total", "counter", "Rows returned or affected."},
    {"perfgate_category_shared_blocks_hit_total", "counter", "Shared buffer hits (8 kB blocks)."},
    {"perfgate_category_shared_blocks_read_total", "counter",
     "Shared blocks read (8 kB blocks)."},
};

/* Value of k_cat_families[f] for a category's numbers (NULL: all zero). */
static double category_value(size_t f, const pf_store_metric *m)
{
    pf_store_metric zero;
    memset(&zero, 0, sizeof zero);
    if (m == NULL)
        m = &zero;
    switch (f) {
    case 0:
        return m->level;
    case 1:
        return (double)m->last_calls;
    case 2:
        return m->last_mean_ms / 1000;
    case 3:
        return m->last_max_mean_ms / 1000;
    case 4:
        return (double)m->calls;
    case 5:
        return m->exec_ms / 1000;
    case 6:
        return (double)m->rows;
    case 7:
        return (double)m->shared_hit;
    default:
        return (double)m->shared_read;
    }
}

/* Per-category families: the configured thresholds, then the store's
 * numbers when the store answered. */
static void render_categories(pf_buf *b, const pf_metrics_input *in)
{
    size_t n_rows = 0;
    cat_row *rows = category_rows(in, &n_rows);
    family(b, "perfgate_category_threshold_seconds", "gauge",
           "The category's threshold; alert levels are warning > 50 %, critical > 100 %, "
           "emergency > 200 % of it.");
    for (size_t i = 0; i < n_rows; i++)
        if (rows[i].threshold_ms > 0)
            cat_sample(b, "perfgate_category_threshold_seconds", rows[i].name,
                       rows[i].threshold_ms / 1000);
    size_t n_families = in->store != NULL ? sizeof k_cat_families / sizeof k_cat_families[0] : 0;
    for (size_t f = 0; f < n_families; f++) {
        family(b, k_cat_families[f].name, k_cat_families[f].type, k_cat_families[f].help);
        for (size_t i = 0; i < n_rows; i++)
            cat_sample(b, k_cat_families[f].name, rows[i].name, category_value(f, rows[i].m));
    }
    free(rows);
}

/* The per-query families, in the order of query_value's cases. */
static const family_info k_query_families[] = {
    {"perfgate_query_alert_level", "gauge",
     "Highest active alert level of the query: 0 ok, 1 warning, 2 critical, 3 emergency."},
    {"perfgate_query_interval_calls", "gauge", "Calls in the newest interval."},
    {"perfgate_query_interval_mean_seconds", "gauge",
     "Mean execution time in the newest interval (0 without calls)."},
    {"perfgate_query_calls_total", "counter",
     "Calls (pg_stat_statements' counters, roles and nesting levels summed)."},
    {"perfgate_query_exec_seconds_total", "counter", "Execution time."},
    {"perfgate_query_rows_total", "counter", "Rows returned or affected."},
    {"perfgate_query_shared_blocks_hit_total", "counter", "Shared buffer hits (8 kB blocks)."},
    {"perfgate_query_shared_blocks_read_total", "counter", "Shared blocks read (8 kB blocks)."},
};

/* Value of k_query_families[f] for a query. */
static double query_value(size_t f, const pf_store_metric *q)
{
    return f == 0   ? q->level
           : f == 1 ? (double)q->last_calls
           : f == 2 ? q->last_mean_ms / 1000
           : f == 3 ? (double)q->calls
           : f == 4 ? q->exec_ms / 1000
           : f == 5 ? (double)q->rows
           : f == 6 ? (double)q->shared_hit
                    : (double)q->shared_read;
}

/* Per-query families of the store's top-N queries: their text, then
 * their numbers. */
static void render_queries(pf_buf *b, const pf_metrics_input *in)
{
    const pf_store_metrics *st = in->store;
    if (st == NULL || st->n_queries == 0)
        return;
    size_t n = st->n_queries < in->top_n ? st->n_queries : in->top_n;
    family(b, "perfgate_query_info", "gauge",
           "A top-N query's text (first 80 characters; always 1).");
    for (size_t i = 0; i < n; i++) {
        const pf_store_metric *q = &st->queries[i];
        pf_buf_puts(b, "perfgate_query_info");
        query_labels(b, q);
        pf_buf_puts(b, ",query=\"");
        label_text(b, q->query, QUERY_LABEL_MAX, true);
        pf_buf_puts(b, "\"} 1\n");
    }
    for (size_t f = 0; f < sizeof k_query_families / sizeof k_query_families[0]; f++) {
        family(b, k_query_families[f].name, k_query_families[f].type, k_query_families[f].help);
        for (size_t i = 0; i < n; i++)
            query_sample(b, k_query_families[f].name, &st->queries[i],
                         query_value(f, &st->queries[i]));
    }
}

char *pf_metrics_render(const pf_metrics_input *in)
{
    pf_buf b = PF_BUF_INIT;
    render_process(&b, in);
    render_categories(&b, in);
    render_queries(&b, in);
    return pf_buf_steal(&b);
}
