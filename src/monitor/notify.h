/* Alert delivery: a Slack-compatible incoming webhook, a generic JSON
 * webhook (both over libcurl: per-attempt timeout, retries with exponential
 * backoff, TLS verification on, no redirects), a command hook that gets the
 * generic JSON on stdin, and e-mail through the local sendmail. The only
 * libcurl includer.
 *
 * Secrets: a webhook URL is read from an environment variable or a file
 * named in the config, never from the config itself, and never appears in a
 * message: errors name the notifier, and anything libcurl says is scrubbed
 * of the URL.
 *
 *     pf_notify_global_init();                // once, before threads
 *     pf_notifier *n = NULL;
 *     if (pf_notifier_open(&n, &spec, &err) < 0) ...
 *     pf_notify_send(n, events, n_events, &ctx, &res);
 *     pf_notifier_free(n);
 *     pf_notify_global_cleanup();
 */
#ifndef PF_NOTIFY_H
#define PF_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "alert.h"
#include "error.h"

typedef enum pf_notify_kind {
    PF_NOTIFY_SLACK,
    PF_NOTIFY_WEBHOOK,
    PF_NOTIFY_COMMAND,
    PF_NOTIFY_EMAIL,
} pf_notify_kind;

/* One delivery target as configured. */
typedef struct pf_notify_spec {
    char *name; /* shown in logs and in the store */
    pf_notify_kind kind;
    pf_level min_level; /* events below are not sent (a RESOLVED counts at the level it had) */
    bool required;      /* false: a missing URL turns the notifier off (with a warning) */
    char *url_env;      /* slack, webhook: the variable holding the URL ... */
    char *url_file;     /* ... or a file holding it */
    char **argv;        /* command: the program and its arguments (no shell) */
    size_t argc;
    char **to;          /* email */
    size_t n_to;
    char *from;
    char *sendmail;       /* default /usr/sbin/sendmail */
    double timeout_ms;    /* per attempt: 10 s */
    int retries;          /* after the first attempt: 3 */
    double backoff_ms;    /* first retry after this, doubling: 1 s */
} pf_notify_spec;

void pf_notify_spec_default(pf_notify_spec *s, pf_notify_kind kind);
void pf_notify_spec_dispose(pf_notify_spec *s);
void pf_notify_spec_copy(pf_notify_spec *dst, const pf_notify_spec *src);
const char *pf_notify_kind_name(pf_notify_kind k);

/* What a message says about where it comes from. */
typedef struct pf_notify_context {
    const char *source; /* the monitored source's name */
    const char *host;   /* where perfgate runs; may be NULL */
} pf_notify_context;

typedef struct pf_notifier pf_notifier;

/* Resolve the spec's secrets. A missing URL is an error when the spec is
 * required (PF_EXIT_USAGE); otherwise *out is NULL and err holds the reason
 * (a warning to print). */
int pf_notifier_open(pf_notifier **out, const pf_notify_spec *spec, pf_error *err);
void pf_notifier_free(pf_notifier *n);
const pf_notify_spec *pf_notifier_spec(const pf_notifier *n);

/* Which of the events this notifier takes (by min_level). */
bool pf_notifier_wants(const pf_notifier *n, const pf_alert_event *ev);

typedef struct pf_notify_result {
    int attempts;
    bool ok;
    size_t sent; /* events in the message */
    char detail[512]; /* "HTTP 200", "timeout after 10 s", ... (never the URL) */
} pf_notify_result;

/* Send the events this notifier wants, as one message. Nothing to send is
 * ok with sent = 0. Retries per the spec; stops retrying once an
 * interruption (SIGTERM) is pending. Returns 0 when delivered. */
int pf_notify_send(pf_notifier *n, const pf_alert_event *events, size_t n_events,
                   const pf_notify_context *ctx, pf_notify_result *res);

/* Payloads, exposed for tests. Caller frees. */
char *pf_notify_render_json(const pf_alert_event *events, size_t n, const pf_notify_context *ctx);
char *pf_notify_render_slack(const pf_alert_event *events, size_t n, const pf_notify_context *ctx);
char *pf_notify_render_email(const pf_alert_event *events, size_t n, const pf_notify_context *ctx,
                             const char *from, char *const *to, size_t n_to);
/* One line for logs and subjects: "CRITICAL timeline query 123 mean 250.0 ms > 100 ms". */
char *pf_notify_headline(const pf_alert_event *ev);

/* Replace every occurrence of secret (and of its path-and-query part, which
 * carries the token of most webhook URLs) in text by "<redacted>". Caller
 * frees. */
char *pf_notify_scrub(const char *text, const char *secret);

/* libcurl's process-wide setup; call once before any notifier is used. */
void pf_notify_global_init(void);
void pf_notify_global_cleanup(void);

#endif
