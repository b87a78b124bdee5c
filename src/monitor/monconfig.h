/* The monitor's configuration file (JSON): collection interval and
 * timeouts, retention of the history store, query categories with their
 * thresholds, alert rules and delivery targets. The format is in
 * docs/monitoring.md; fixtures/monitoring/healthcare.json is the shipped
 * example. Errors name the file and the JSON path ("$.categories[2].threshold"),
 * syntax errors the line and column. */
#ifndef PF_MONCONFIG_H
#define PF_MONCONFIG_H

#include <stddef.h>

#include "alert.h"
#include "classify.h"
#include "error.h"
#include "notify.h"

#define PF_MONCONFIG_FORMAT 1

typedef struct pf_retention {
    double raw_ms;    /* per-interval deltas: 7 days */
    double hourly_ms; /* hourly roll-ups and snapshot rows: 90 days */
    double alerts_ms; /* fired alerts: 90 days */
    double every_ms;  /* how often roll-up and retention run: 10 min */
} pf_retention;

typedef struct pf_monconfig {
    char *origin;             /* the file, for messages */
    char *source;             /* the source's name in the store; NULL: derived from the server */
    double interval_ms;       /* 60 s */
    double statement_timeout_ms; /* 10 s, both connections */
    int max_pending;          /* snapshots kept in memory while the store is down: 60 */
    size_t max_query_length;  /* characters of query text stored: 8192 */
    pf_retention retention;
    pf_category_rule *categories;
    size_t n_categories;
    pf_category_rule fallback; /* the default category: name and threshold */
    pf_alert_rules alerts;
    pf_notify_spec *notify;
    size_t n_notify;
} pf_monconfig;

/* Built-in defaults: no categories (everything is "default", 1 s), both
 * alert rules on, no notifiers. Caller frees. */
pf_monconfig *pf_monconfig_default(void);

/* Parse text (origin names it in errors) / read and parse a file. *out is
 * the caller's (pf_monconfig_free). PF_EXIT_USAGE on bad input. */
int pf_monconfig_parse(const char *origin, const char *text, pf_monconfig **out, pf_error *err);
int pf_monconfig_load(const char *path, pf_monconfig **out, pf_error *err);
void pf_monconfig_free(pf_monconfig *c);

/* Parse "250ms", "30s", "5m", "2h", "7d" or a bare number of seconds. */
int pf_monconfig_duration(const char *text, double *ms, pf_error *err);

#endif
