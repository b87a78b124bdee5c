/* The dashboard: one page from results and the store, and the live server. */
#include "dashboard.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pf_config.h"

#include "buf.h"
#include "fsutil.h"
#include "history.h"
#include "html.h"
#include "httpd.h"
#include "metrics.h"
#include "store.h"

#define STORE_TIMEOUT_MS 30000.0

void pf_dashboard_opts_init(pf_dashboard_opts *o)
{
    memset(o, 0, sizeof *o);
    o->window_ms = 24 * 3600e3;
    o->top_n = 10;
    o->metrics_top_n = 20;
}

static void now_iso(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* The configured categories (rules of one name count once), default last. */
static pf_html_category *categories(const pf_monconfig *cfg, size_t *n)
{
    pf_html_category *v = pf_calloc(cfg->n_categories + 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < cfg->n_categories; i++) {
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = strcmp(v[j].name, cfg->categories[i].name) == 0;
        if (dup)
            continue;
        v[k].name = cfg->categories[i].name;
        v[k].threshold_ms = cfg->categories[i].threshold_ms;
        k++;
    }
    v[k].name = cfg->fallback.name;
    v[k].threshold_ms = cfg->fallback.threshold_ms;
    *n = k + 1;
    return v;
}

static void add_note(char ***notes, size_t *n, const char *s)
{
    *notes = pf_realloc(*notes, (*n + 2) * sizeof **notes);
    (*notes)[(*n)++] = pf_strdup(s);
    (*notes)[*n] = NULL;
}

/* The page, from history h (may be NULL) and store dash d (may be NULL). */
static char *page(const pf_dashboard_opts *o, const pf_history *h, const pf_store_dash *d,
                  const char *prod_error)
{
    size_t n_cats = 0;
    pf_html_category *cats = categories(o->config, &n_cats);
    char when[48];
    now_iso(when, sizeof when);
    pf_html_input in;
    memset(&in, 0, sizeof in);
    in.title = o->title;
    in.generated_at = when;
    in.version = PF_VERSION;
    in.history = h;
    in.results_dir = o->results_dir;
    in.prod = d;
    in.prod_error = prod_error;
    in.cats = cats;
    in.n_cats = n_cats;
    in.levels[0] = o->config->alerts.warn_level;
    in.levels[1] = o->config->alerts.critical_level;
    in.levels[2] = o->config->alerts.emergency_level;
    in.refresh_s = o->refresh_s;
    char *html = pf_html_dashboard(&in);
    free(cats);
    return html;
}

static int read_history(const pf_dashboard_opts *o, pf_history *h, pf_error *err)
{
    if (pf_history_read_dir(o->results_dir, h, err) < 0)
        return -1;
    if (o->baselines_dir != NULL)
        pf_history_read_git(h, o->baselines_dir);
    return 0;
}

int pf_dashboard_render(const pf_dashboard_opts *o, char **html, char ***notes, pf_error *err)
{
    *html = NULL;
    *notes = NULL;
    size_t n_notes = 0;
    pf_history h;
    memset(&h, 0, sizeof h);
    pf_store *s = NULL;
    pf_store_dash d;
    memset(&d, 0, sizeof d);
    bool have_h = false, have_d = false;
    int rc = -1;
    if (o->results_dir != NULL) {
        if (read_history(o, &h, err) < 0)
            goto done;
        have_h = true;
        for (size_t i = 0; i < h.n_warnings; i++)
            add_note(notes, &n_notes, h.warnings[i]);
    }
    if (o->store_dsn != NULL) {
        if (pf_store_open_reader(&s, o->store_dsn, o->source, STORE_TIMEOUT_MS, err) < 0 ||
            pf_store_dashboard(s, o->window_ms, 288, o->top_n, &d, err) < 0)
            goto done;
        have_d = true;
    }
    *html = page(o, have_h ? &h : NULL, have_d ? &d : NULL, NULL);
    rc = 0;
done:
    pf_store_close(s);
    pf_store_dash_dispose(&d);
    pf_history_dispose(&h);
    if (rc < 0) {
        pf_strv_free(*notes);
        *notes = NULL;
    }
    return rc;
}

/* ---- live ---------------------------------------------------------------- */

struct pf_dashboard_live {
    const pf_dashboard_opts *o;
    const char *version;
    pf_httpd *httpd;
    pf_store *store; /* the server thread's reader connection */
    pthread_mutex_t mu; /* guards the health fields below */
    double started_s, last_snapshot_s;
    long snapshots, stored, problems, events, pending;
};

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The server thread's store connection, reconnected when broken. */
static pf_store *live_store(pf_dashboard_live *l, pf_error *err)
{
    if (l->store != NULL && !pf_store_broken(l->store))
        return l->store;
    pf_store_close(l->store);
    l->store = NULL;
    if (pf_store_open_reader(&l->store, l->o->store_dsn, l->o->source, STORE_TIMEOUT_MS, err) <
        0)
        return NULL;
    return l->store;
}

static char *live_metrics(pf_dashboard_live *l)
{
    pf_error err;
    pf_error_clear(&err);
    pf_store_metrics m;
    memset(&m, 0, sizeof m);
    pf_store *s = live_store(l, &err);
    bool have = s != NULL && pf_store_metrics_read(s, l->o->metrics_top_n, &m, &err) == 0;
    pf_metrics_health h;
    memset(&h, 0, sizeof h);
    pthread_mutex_lock(&l->mu);
    h.started_s = l->started_s;
    h.last_snapshot_s = l->last_snapshot_s;
    h.snapshots = l->snapshots;
    h.stored = l->stored;
    h.errors = l->problems;
    h.alert_events = l->events;
    h.pending = l->pending;
    pthread_mutex_unlock(&l->mu);
    h.version = l->version;
    h.source = s ? pf_store_source_name(s) : l->o->source;
    h.now_s = wall_s();
    size_t n_cats = 0;
    pf_html_category *hc = categories(l->o->config, &n_cats);
    pf_metrics_category *mc = pf_calloc(n_cats, sizeof *mc);
    for (size_t i = 0; i < n_cats; i++) {
        mc[i].name = hc[i].name;
        mc[i].threshold_ms = hc[i].threshold_ms;
    }
    pf_metrics_input in;
    memset(&in, 0, sizeof in);
    in.health = &h;
    in.store = have ? &m : NULL;
    in.cats = mc;
    in.n_cats = n_cats;
    in.top_n = l->o->metrics_top_n;
    char *text = pf_metrics_render(&in);
    free(mc);
    free(hc);
    pf_store_metrics_dispose(&m);
    return text;
}

static char *live_page(pf_dashboard_live *l)
{
    pf_error err;
    pf_error_clear(&err);
    pf_history h;
    memset(&h, 0, sizeof h);
    bool have_h = false;
    if (l->o->results_dir != NULL && read_history(l->o, &h, &err) == 0)
        have_h = true;
    pf_store_dash d;
    memset(&d, 0, sizeof d);
    pf_store *s = live_store(l, &err);
    bool have_d = s != NULL && pf_store_dashboard(s, l->o->window_ms, 288, l->o->top_n, &d,
                                                  &err) == 0;
    char *html = page(l->o, have_h ? &h : NULL, have_d ? &d : NULL, have_d ? NULL : err.msg);
    pf_store_dash_dispose(&d);
    pf_history_dispose(&h);
    return html;
}

static void live_handle(void *arg, const char *path, pf_httpd_reply *reply)
{
    pf_dashboard_live *l = arg;
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
        reply->content_type = "text/html; charset=utf-8";
        reply->body = live_page(l);
    } else if (strcmp(path, "/metrics") == 0) {
        reply->content_type = "text/plain; version=0.0.4; charset=utf-8";
        reply->body = live_metrics(l);
    } else if (strcmp(path, "/healthz") == 0) {
        pthread_mutex_lock(&l->mu);
        double last = l->last_snapshot_s, started = l->started_s;
        pthread_mutex_unlock(&l->mu);
        double now = wall_s(), limit = 3 * l->o->interval_ms / 1000 + 10;
        double age = now - (last > 0 ? last : started);
        if (age > limit) {
            reply->status = 503;
            reply->body = pf_asprintf("stale: %s %.0f s ago (limit %.0f s)\n",
                                      last > 0 ? "last snapshot" : "started, no snapshot yet,",
                                      age, limit);
        } else {
            reply->body = pf_asprintf("ok: %s %.0f s ago\n",
                                      last > 0 ? "last snapshot" : "started", age);
        }
    } else {
        reply->status = 404;
        reply->body = pf_strdup("not found: try /, /metrics or /healthz\n");
    }
}

int pf_dashboard_live_start(pf_dashboard_live **out, const char *listen,
                            const pf_dashboard_opts *o, const char *version, pf_error *err)
{
    *out = NULL;
    pf_dashboard_live *l = pf_calloc(1, sizeof *l);
    l->o = o;
    l->version = version;
    l->started_s = wall_s();
    pthread_mutex_init(&l->mu, NULL);
    if (pf_httpd_start(&l->httpd, listen, live_handle, l, err) < 0) {
        pthread_mutex_destroy(&l->mu);
        free(l);
        return -1;
    }
    *out = l;
    return 0;
}

int pf_dashboard_live_port(const pf_dashboard_live *l)
{
    return pf_httpd_port(l->httpd);
}

void pf_dashboard_live_tick(pf_dashboard_live *l, const pf_monitor_tick *t)
{
    if (l == NULL)
        return;
    pthread_mutex_lock(&l->mu);
    l->last_snapshot_s = wall_s();
    l->snapshots++;
    if (t->stored)
        l->stored++;
    l->events += (long)t->events;
    l->pending = (long)t->pending;
    pthread_mutex_unlock(&l->mu);
}

void pf_dashboard_live_problem(pf_dashboard_live *l)
{
    if (l == NULL)
        return;
    pthread_mutex_lock(&l->mu);
    l->problems++;
    pthread_mutex_unlock(&l->mu);
}

void pf_dashboard_live_stop(pf_dashboard_live *l)
{
    if (l == NULL)
        return;
    pf_httpd_stop(l->httpd); /* no request runs after this */
    pf_store_close(l->store);
    pthread_mutex_destroy(&l->mu);
    free(l);
}
