/* Alert rules and the alert state machine of `perfgate monitor`.
 *
 * Every interval the monitor hands in one observation per (category,
 * database, queryid): the interval's calls and mean time, the category's
 * threshold and the query's trailing baseline. Two rules turn observations
 * into levels (pf_level of level.h, the gate's levels):
 *
 *  - threshold: the interval mean against the category threshold: warning
 *    above 50 %, critical above 100 %, emergency above 200 % (configurable),
 *    when the interval had at least threshold_min_calls calls;
 *  - regression: the interval mean more than `ratio` (1.20) times the
 *    query's trailing baseline mean, by at least min_delta_ms, when the
 *    interval had at least min_calls calls and the baseline at least
 *    min_baseline_calls (so rare queries page nobody).
 *
 * Storm control, per alert (kind + category + database + queryid):
 *
 *   ok ──level>ok──▶ FIRING ──same level, repeat_every elapsed──▶ REPEAT
 *                      │  ▲ level above anything notified: FIRING again
 *                      │  └ lower level: silent (the next REPEAT says so)
 *                      └──ok for resolve_after intervals──▶ RESOLVED ──▶ ok
 *
 * An interval without calls of a query counts as ok for its alerts. The
 * machine is pure: time is the caller's (the snapshot's server time), so
 * tests inject clocks, and the state can be stored and restored (it lives
 * in the history store and survives restarts). */
#ifndef PF_ALERT_H
#define PF_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "level.h"

typedef enum pf_alert_kind {
    PF_ALERT_THRESHOLD,
    PF_ALERT_REGRESSION,
} pf_alert_kind;

typedef enum pf_alert_status {
    PF_ALERT_FIRING,   /* a level was entered (from ok, or above what was notified) */
    PF_ALERT_REPEAT,   /* still there after repeat_every */
    PF_ALERT_RESOLVED, /* cleared */
} pf_alert_status;

typedef struct pf_alert_rules {
    bool threshold_enabled;
    int64_t threshold_min_calls; /* 1 */
    double warn_level, critical_level, emergency_level; /* 0.5, 1.0, 2.0 of the threshold */
    bool regression_enabled;
    double regression_ratio;          /* 1.20 */
    int64_t regression_min_calls;     /* 20 */
    int64_t regression_min_baseline_calls; /* 100 */
    double regression_min_delta_ms;   /* 1.0 */
    double regression_window_ms;      /* the trailing baseline: 24 h */
    pf_level regression_level;        /* warning */
    double regression_critical_ratio; /* 0: regressions never go above regression_level */
    double repeat_every_ms;           /* 30 min */
    int resolve_after;                /* ok intervals before RESOLVED: 2 */
} pf_alert_rules;

/* The defaults above. */
void pf_alert_rules_default(pf_alert_rules *r);

/* One query's interval (all strings borrowed). */
typedef struct pf_alert_obs {
    const char *category;
    double threshold_ms; /* 0: no threshold */
    uint32_t dbid;
    int64_t queryid;
    const char *dbname; /* may be NULL */
    const char *query;  /* may be NULL */
    int64_t calls;
    double mean_ms;
    int64_t baseline_calls; /* 0: no baseline */
    double baseline_mean_ms;
} pf_alert_obs;

/* One active alert. */
typedef struct pf_alert_state {
    char *key; /* "<kind>/<category>/<dbid>/<queryid>" */
    pf_alert_kind kind;
    char *category;
    uint32_t dbid;
    int64_t queryid;
    char *dbname; /* may be NULL */
    char *query;  /* may be NULL; truncated */
    pf_level level;          /* the latest evaluated level (> ok) */
    pf_level notified_level; /* the highest level notified since it fired */
    int64_t since_us;        /* when it fired */
    int64_t last_sent_us;    /* the last FIRING or REPEAT */
    int64_t last_seen_us;    /* the last interval above ok */
    int clear_count;         /* consecutive ok intervals */
    double value_ms, limit_ms, baseline_ms;
    int64_t calls;
} pf_alert_state;

/* One message-worthy transition. */
typedef struct pf_alert_event {
    pf_alert_kind kind;
    pf_alert_status status;
    pf_level level;          /* PF_LEVEL_OK for RESOLVED */
    pf_level previous_level; /* FIRING: what was notified before; RESOLVED: the highest notified */
    char *key, *category, *dbname, *query;
    uint32_t dbid;
    int64_t queryid;
    double value_ms;    /* the interval mean */
    double limit_ms;    /* threshold: the category threshold; regression: baseline x ratio */
    double baseline_ms; /* regression: the trailing baseline mean, else 0 */
    int64_t calls;
    int64_t since_us, at_us;
    double interval_s;
    char *delivery; /* filled by the monitor after delivery, may be NULL */
} pf_alert_event;

typedef struct pf_alerts pf_alerts;

pf_alerts *pf_alerts_new(void);
void pf_alerts_free(pf_alerts *a);

/* Replace the state with a copy of states (from the store, after a restart). */
void pf_alerts_restore(pf_alerts *a, const pf_alert_state *states, size_t n);
size_t pf_alerts_count(const pf_alerts *a);
/* Active alert i, borrowed until the next evaluate/restore. */
const pf_alert_state *pf_alerts_get(const pf_alerts *a, size_t i);
/* The highest level among active alerts (PF_LEVEL_OK when none). */
pf_level pf_alerts_max_level(const pf_alerts *a);

/* Evaluate one interval ending at now_us that lasted interval_s. Appends the
 * transitions to *events / *n_events (the caller's: pf_alert_events_free). */
void pf_alerts_evaluate(pf_alerts *a, const pf_alert_rules *r, const pf_alert_obs *obs, size_t n,
                        int64_t now_us, double interval_s, pf_alert_event **events,
                        size_t *n_events);

void pf_alert_events_free(pf_alert_event *ev, size_t n);
void pf_alert_state_dispose(pf_alert_state *s);
void pf_alert_state_copy(pf_alert_state *dst, const pf_alert_state *src);

const char *pf_alert_kind_name(pf_alert_kind k);
const char *pf_alert_status_name(pf_alert_status s);
int pf_alert_kind_parse(const char *s, pf_alert_kind *out);

#endif
