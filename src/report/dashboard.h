/* The dashboard, put together: `perfgate report` renders it once into a
 * file from a results directory (history.h), the baselines' git history and
 * the monitor's store (store.h); `perfgate monitor --listen` serves it live
 * (httpd.h) with /metrics (metrics.h) and /healthz, beside the monitor
 * loop, which reports its progress through pf_dashboard_live_tick. */
#ifndef PF_DASHBOARD_H
#define PF_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "monconfig.h"
#include "monitor.h"

typedef struct pf_dashboard_opts {
    const char *results_dir;   /* gate/RLS/load JSON results; NULL: those sections left out */
    const char *baselines_dir; /* its git log marks re-recorded baselines; NULL: none */
    const char *store_dsn;     /* the monitor's history store; NULL: no production section */
    const char *source;        /* the source in the store; NULL: the newest */
    const pf_monconfig *config; /* categories, thresholds, levels (required) */
    double window_ms;          /* production window, ending at the newest snapshot: 24 h */
    size_t top_n;              /* rows of the top-query tables: 10 */
    size_t metrics_top_n;      /* queries with their own /metrics series: 20 */
    int refresh_s;             /* live page reload; 0: none */
    double interval_ms;        /* the monitor's interval (live: /healthz staleness) */
    const char *title;         /* NULL: "perfgate dashboard" */
} pf_dashboard_opts;

/* Defaults above; config stays NULL. */
void pf_dashboard_opts_init(pf_dashboard_opts *o);

/* Render the page once. Files skipped in the results directory, a missing
 * git history and the like are returned as *notes (NULL-terminated, caller
 * frees with pf_strv_free) and shown on the page. A results directory that
 * cannot be read or a store that cannot be used is an error
 * (PF_EXIT_USAGE / PF_EXIT_INFRA). */
int pf_dashboard_render(const pf_dashboard_opts *o, char **html, char ***notes, pf_error *err);

typedef struct pf_dashboard_live pf_dashboard_live;

/* Serve / (the page, reloading itself), /metrics and /healthz on listen.
 * o and the strings and config it points to must outlive the server;
 * version is shown in the page and perfgate_build_info. PF_EXIT_USAGE for
 * a bad address, PF_EXIT_INFRA when it cannot be bound. */
int pf_dashboard_live_start(pf_dashboard_live **out, const char *listen,
                            const pf_dashboard_opts *o, const char *version,
                            pf_error *err);
int pf_dashboard_live_port(const pf_dashboard_live *l);
/* Progress of the monitor loop (any thread). */
void pf_dashboard_live_tick(pf_dashboard_live *l, const pf_monitor_tick *t);
void pf_dashboard_live_problem(pf_dashboard_live *l);
/* Stop serving (waits for a request in progress) and free. NULL is fine. */
void pf_dashboard_live_stop(pf_dashboard_live *l);

#endif
