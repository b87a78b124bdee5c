/* Prometheus text exposition (format 0.0.4) of perfgate monitor's view of
 * production, for `perfgate monitor --listen ADDR:PORT` at /metrics. Pure:
 * the caller gathers the numbers (store_read.c, the monitor's own
 * counters) and this renders them.
 *
 * Label cardinality is bounded: one series per category of the config,
 * and per query only for the top-N queries (active alerts first, then by
 * execution time over the last hour; N is --metrics-top, default 20). The
 * names, types and labels are listed in docs/dashboard.md; the shipped
 * alert rules (fixtures/monitoring/prometheus-rules.yml) and Grafana
 * dashboard use them. */
#ifndef PF_METRICS_H
#define PF_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "store.h"

/* perfgate's own health, from the monitor process. */
typedef struct pf_metrics_health {
    const char *version;
    const char *source;       /* the monitored source's name in the store */
    double now_s;             /* wall clock (s since the epoch) */
    double started_s;         /* when the monitor process started */
    double last_snapshot_s;   /* the last snapshot this process took (0: none yet) */
    long snapshots;           /* snapshots taken by this process */
    long stored;              /* snapshots acknowledged by the store */
    long errors;              /* problems logged: lost connections, failed snapshots, deliveries */
    long alert_events;        /* alert transitions (firing, repeat, resolved) */
    long pending;             /* snapshots waiting for the store */
} pf_metrics_health;

/* A category of the config and its threshold (0: none). */
typedef struct pf_metrics_category {
    const char *name;
    double threshold_ms;
} pf_metrics_category;

typedef struct pf_metrics_input {
    const pf_metrics_health *health;   /* may be NULL (no monitor process) */
    const pf_store_metrics *store;     /* NULL: the store could not be read */
    const pf_metrics_category *cats;   /* every configured category, default included */
    size_t n_cats;
    size_t top_n;
} pf_metrics_input;

/* The whole exposition. Caller frees. */
char *pf_metrics_render(const pf_metrics_input *in);

/* A label value escaped for the exposition format (\\, \", \n), and
 * invalid UTF-8 replaced, appended to b. */
void pf_metrics_label_value(pf_buf *b, const char *s);

/* The metric families rendered (NULL-terminated), for the consistency tests
 * of the rules file and the Grafana dashboard. */
const char *const *pf_metrics_names(void);

#endif
