/* Alert delivery: payload rendering (generic JSON, Slack, e-mail), HTTP
 * POST through libcurl with retries, and child processes fed on stdin for
 * the command hook and sendmail. */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "pf_config.h"

#include "buf.h"
#include "fsutil.h"
#include "interrupt.h"
#include "timeutil.h"

#define MAX_EVENTS_SHOWN 20 /* per chat message / e-mail; the rest are counted */
#define QUERY_SHOWN 300     /* characters of query text in chat and mail */

struct pf_notifier {
    pf_notify_spec spec;
    char *url; /* the secret: never printed */
};

const char *pf_notify_kind_name(pf_notify_kind k)
{
    switch (k) {
    case PF_NOTIFY_SLACK:
        return "slack";
    case PF_NOTIFY_WEBHOOK:
        return "webhook";
    case PF_NOTIFY_COMMAND:
        return "command";
    case PF_NOTIFY_EMAIL:
        return "email";
    }
    return "webhook";
}

void pf_notify_spec_default(pf_notify_spec *s, pf_notify_kind kind)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->min_level = PF_LEVEL_WARNING;
    s->required = true;
    s->timeout_ms = 10000;
    s->retries = 3;
    s->backoff_ms = 1000;
}

static char **strv_dup(char *const *v, size_t n)
{
    if (v == NULL)
        return NULL;
    char **c = pf_calloc(n + 1, sizeof *c);
    for (size_t i = 0; i < n; i++)
        c[i] = pf_strdup(v[i]);
    return c;
}

static void strv_free_n(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static char *dup_or_null(const char *s)
{
    return s ? pf_strdup(s) : NULL;
}

void pf_notify_spec_copy(pf_notify_spec *dst, const pf_notify_spec *src)
{
    *dst = *src;
    dst->name = dup_or_null(src->name);
    dst->url_env = dup_or_null(src->url_env);
    dst->url_file = dup_or_null(src->url_file);
    dst->argv = strv_dup(src->argv, src->argc);
    dst->to = strv_dup(src->to, src->n_to);
    dst->from = dup_or_null(src->from);
    dst->sendmail = dup_or_null(src->sendmail);
}

void pf_notify_spec_dispose(pf_notify_spec *s)
{
    if (s == NULL)
        return;
    free(s->name);
    free(s->url_env);
    free(s->url_file);
    strv_free_n(s->argv, s->argc);
    strv_free_n(s->to, s->n_to);
    free(s->from);
    free(s->sendmail);
    memset(s, 0, sizeof *s);
}

void pf_notify_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void pf_notify_global_cleanup(void)
{
    curl_global_cleanup();
}

/* ---- secrets --------------------------------------------------------- */

static char *trim_copy(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    return pf_strndup(s, n);
}

/* The URL of a webhook spec, or NULL with err saying why. */
static char *resolve_url(const pf_notify_spec *s, pf_error *err)
{
    char *url = NULL;
    if (s->url_env != NULL) {
        const char *v = getenv(s->url_env);
        if (v == NULL || *v == '\0') {
            pf_error_set(err, PF_EXIT_USAGE, "notifier '%s': $%s is not set", s->name, s->url_env);
            return NULL;
        }
        url = trim_copy(v);
    } else if (s->url_file != NULL) {
        char *text = NULL;
        pf_error ferr;
        if (pf_file_read(s->url_file, &text, NULL, &ferr) < 0) {
            pf_error_set(err, PF_EXIT_USAGE, "notifier '%s': cannot read the URL file %s",
                         s->name, s->url_file);
            return NULL;
        }
        url = trim_copy(text);
        free(text);
    } else {
        pf_error_set(err, PF_EXIT_USAGE, "notifier '%s': no url_env or url_file", s->name);
        return NULL;
    }
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
        /* Say where it came from, not what it is. */
        pf_error_set(err, PF_EXIT_USAGE, "notifier '%s': the URL in %s%s is not http(s)",
                     s->name, s->url_env ? "$" : "", s->url_env ? s->url_env : s->url_file);
        free(url);
        return NULL;
    }
    return url;
}

int pf_notifier_open(pf_notifier **out, const pf_notify_spec *spec, pf_error *err)
{
    *out = NULL;
    char *url = NULL;
    if (spec->kind == PF_NOTIFY_SLACK || spec->kind == PF_NOTIFY_WEBHOOK) {
        url = resolve_url(spec, err);
        if (url == NULL)
            return spec->required ? -1 : 0;
    } else if (spec->kind == PF_NOTIFY_COMMAND && (spec->argv == NULL || spec->argc == 0)) {
        return pf_error_set(err, PF_EXIT_USAGE, "notifier '%s': empty command", spec->name);
    } else if (spec->kind == PF_NOTIFY_EMAIL) {
        const char *sm = spec->sendmail ? spec->sendmail : "/usr/sbin/sendmail";
        if (access(sm, X_OK) != 0) {
            pf_error_set(err, PF_EXIT_USAGE, "notifier '%s': %s is not an executable sendmail",
                         spec->name, sm);
            return spec->required ? -1 : 0;
        }
    }
    pf_notifier *n = pf_calloc(1, sizeof *n);
    pf_notify_spec_copy(&n->spec, spec);
    n->url = url;
    *out = n;
    return 0;
}

void pf_notifier_free(pf_notifier *n)
{
    if (n == NULL)
        return;
    if (n->url != NULL) {
        memset(n->url, 0, strlen(n->url));
        free(n->url);
    }
    pf_notify_spec_dispose(&n->spec);
    free(n);
}

const pf_notify_spec *pf_notifier_spec(const pf_notifier *n)
{
    return &n->spec;
}

bool pf_notifier_wants(const pf_notifier *n, const pf_alert_event *ev)
{
    pf_level lv = ev->status == PF_ALERT_RESOLVED ? ev->previous_level : ev->level;
    return lv >= n->spec.min_level;
}

static void replace_all(pf_buf *out, const char *text, const char *needle)
{
    size_t nl = strlen(needle);
    const char *p = text;
    const char *hit;
    while (nl > 0 && (hit = strstr(p, needle)) != NULL) {
        pf_buf_append(out, p, (size_t)(hit - p));
        pf_buf_puts(out, "<redacted>");
        p = hit + nl;
    }
    pf_buf_puts(out, p);
}

char *pf_notify_scrub(const char *text, const char *secret)
{
    if (text == NULL)
        return pf_strdup("");
    if (secret == NULL || *secret == '\0')
        return pf_strdup(text);
    pf_buf a = PF_BUF_INIT, b = PF_BUF_INIT;
    replace_all(&a, text, secret);
    /* The path and query (https://hooks.example/services/T0/B0/token) is
     * what makes the URL a secret; scrub it on its own too, as libcurl may
     * quote parts of the URL. */
    const char *scheme = strstr(secret, "://");
    const char *path = scheme ? strchr(scheme + 3, '/') : NULL;
    if (path != NULL && strlen(path) > 1)
        replace_all(&b, pf_buf_str(&a), path);
    else
        pf_buf_puts(&b, pf_buf_str(&a));
    pf_buf_dispose(&a);
    return pf_buf_steal(&b);
}

/* ---- rendering ------------------------------------------------------- */

static void fmt_time(int64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03dZ", base, (int)((us % 1000000) / 1000));
}

static double round3(double x)
{
    if (!isfinite(x))
        return 0;
    return round(x * 1000.0) / 1000.0;
}

static void upper(const char *s, char *buf, size_t len)
{
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++)
        buf[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
    buf[i] = '\0';
}

/* One line: control characters (a newline in a database name) become spaces. */
static char *one_line(pf_buf *b)
{
    char *s = pf_buf_steal(b);
    for (char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    return s;
}

char *pf_notify_headline(const pf_alert_event *ev)
{
    char lv[16], prev[16];
    upper(pf_level_name(ev->level), lv, sizeof lv);
    upper(pf_level_name(ev->previous_level), prev, sizeof prev);
    const char *cat = ev->category ? ev->category : "default";
    char where[160] = "";
    if (ev->dbname)
        snprintf(where, sizeof where, " in %s", ev->dbname);
    pf_buf b = PF_BUF_INIT;
    if (ev->status == PF_ALERT_RESOLVED) {
        pf_buf_printf(&b, "RESOLVED (was %s): %s %s of %s query %" PRId64 "%s", prev,
                      pf_alert_kind_name(ev->kind),
                      ev->kind == PF_ALERT_THRESHOLD ? "breach" : "alert", cat, ev->queryid,
                      where);
        return one_line(&b);
    }
    if (ev->status == PF_ALERT_REPEAT)
        pf_buf_printf(&b, "still %s: ", lv);
    else
        pf_buf_printf(&b, "%s: ", lv);
    if (ev->kind == PF_ALERT_THRESHOLD)
        pf_buf_printf(&b,
                      "%s query %" PRId64 "%s: mean %.1f ms over %" PRId64
                      " calls, %.0f%% of its %.0f ms threshold",
                      cat, ev->queryid, where, ev->value_ms, ev->calls,
                      ev->limit_ms > 0 ? 100.0 * ev->value_ms / ev->limit_ms : 0, ev->limit_ms);
    else
        pf_buf_printf(&b,
                      "%s query %" PRId64 "%s regressed: mean %.1f ms over %" PRId64
                      " calls vs a trailing baseline of %.1f ms (%+.0f%%)",
                      cat, ev->queryid, where, ev->value_ms, ev->calls, ev->baseline_ms,
                      ev->baseline_ms > 0 ? 100.0 * (ev->value_ms / ev->baseline_ms - 1) : 0);
    return one_line(&b);
}

static cJSON *event_json(const pf_alert_event *ev)
{
    cJSON *o = cJSON_CreateObject();
    char t[40], qid[32];
    cJSON_AddStringToObject(o, "key", ev->key ? ev->key : "");
    cJSON_AddStringToObject(o, "kind", pf_alert_kind_name(ev->kind));
    cJSON_AddStringToObject(o, "status", pf_alert_status_name(ev->status));
    cJSON_AddStringToObject(o, "level", pf_level_name(ev->level));
    cJSON_AddStringToObject(o, "previous_level", pf_level_name(ev->previous_level));
    cJSON_AddStringToObject(o, "category", ev->category ? ev->category : "default");
    cJSON_AddNumberToObject(o, "dbid", (double)ev->dbid);
    if (ev->dbname)
        cJSON_AddStringToObject(o, "database", ev->dbname);
    else
        cJSON_AddNullToObject(o, "database");
    /* A string: queryids use all 64 bits, more than a JSON number keeps. */
    snprintf(qid, sizeof qid, "%" PRId64, ev->queryid);
    cJSON_AddStringToObject(o, "queryid", qid);
    if (ev->query)
        cJSON_AddStringToObject(o, "query", ev->query);
    else
        cJSON_AddNullToObject(o, "query");
    cJSON_AddNumberToObject(o, "mean_ms", round3(ev->value_ms));
    cJSON_AddNumberToObject(o, "calls", (double)ev->calls);
    if (ev->kind == PF_ALERT_THRESHOLD) {
        cJSON_AddNumberToObject(o, "threshold_ms", round3(ev->limit_ms));
        cJSON_AddNumberToObject(o, "threshold_ratio",
                                round3(ev->limit_ms > 0 ? ev->value_ms / ev->limit_ms : 0));
    } else {
        cJSON_AddNumberToObject(o, "baseline_ms", round3(ev->baseline_ms));
        cJSON_AddNumberToObject(o, "limit_ms", round3(ev->limit_ms));
        cJSON_AddNumberToObject(o, "baseline_ratio",
                                round3(ev->baseline_ms > 0 ? ev->value_ms / ev->baseline_ms : 0));
    }
    cJSON_AddNumberToObject(o, "interval_s", round3(ev->interval_s));
    fmt_time(ev->since_us, t, sizeof t);
    cJSON_AddStringToObject(o, "since", t);
    fmt_time(ev->at_us, t, sizeof t);
    cJSON_AddStringToObject(o, "at", t);
    char *head = pf_notify_headline(ev);
    cJSON_AddStringToObject(o, "summary", head);
    free(head);
    return o;
}

static const char *host_or_empty(const pf_notify_context *ctx)
{
    return ctx && ctx->host ? ctx->host : "";
}

char *pf_notify_render_json(const pf_alert_event *events, size_t n, const pf_notify_context *ctx)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON_AddStringToObject(root, "generator", "perfgate " PF_VERSION);
    cJSON_AddStringToObject(root, "source", ctx && ctx->source ? ctx->source : "");
    cJSON_AddStringToObject(root, "host", host_or_empty(ctx));
    cJSON *arr = cJSON_AddArrayToObject(root, "events");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, event_json(&events[i]));
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    char *out = pf_strdup(s);
    cJSON_free(s);
    return out;
}

/* Slack's three control characters in mrkdwn text. */
static void slack_escape(pf_buf *b, const char *s, size_t max)
{
    size_t shown = 0;
    for (const char *p = s; *p; p++) {
        if (max > 0 && shown >= max && ((unsigned char)*p & 0xC0) != 0x80) {
            pf_buf_puts(b, "...");
            return;
        }
        shown++;
        if (*p == '&')
            pf_buf_puts(b, "&amp;");
        else if (*p == '<')
            pf_buf_puts(b, "&lt;");
        else if (*p == '>')
            pf_buf_puts(b, "&gt;");
        else if (*p == '`')
            pf_buf_putc(b, '\''); /* keeps the code block closed */
        else
            pf_buf_putc(b, *p);
    }
}

static const char *level_color(const pf_alert_event *ev)
{
    if (ev->status == PF_ALERT_RESOLVED)
        return "#2eb886";
    switch (ev->level) {
    case PF_LEVEL_EMERGENCY:
        return "#7b0000";
    case PF_LEVEL_CRITICAL:
        return "#d50200";
    case PF_LEVEL_WARNING:
        return "#f2c744";
    case PF_LEVEL_OK:
        break;
    }
    return "#2eb886";
}

static void count_statuses(const pf_alert_event *events, size_t n, size_t c[3])
{
    c[0] = c[1] = c[2] = 0;
    for (size_t i = 0; i < n; i++)
        c[events[i].status]++;
}

char *pf_notify_render_slack(const pf_alert_event *events, size_t n, const pf_notify_context *ctx)
{
    size_t c[3];
    count_statuses(events, n, c);
    pf_buf text = PF_BUF_INIT;
    pf_buf_puts(&text, "perfgate monitor");
    if (ctx && ctx->source) {
        pf_buf_puts(&text, " *");
        slack_escape(&text, ctx->source, 0);
        pf_buf_puts(&text, "*");
    }
    pf_buf_printf(&text, ": %zu firing, %zu still firing, %zu resolved", c[PF_ALERT_FIRING],
                  c[PF_ALERT_REPEAT], c[PF_ALERT_RESOLVED]);
    if (n == 1) {
        char *h = pf_notify_headline(&events[0]);
        pf_buf_puts(&text, " — ");
        slack_escape(&text, h, 0);
        free(h);
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "text", pf_buf_str(&text));
    cJSON *atts = cJSON_AddArrayToObject(root, "attachments");
    for (size_t i = 0; i < n && i < MAX_EVENTS_SHOWN; i++) {
        const pf_alert_event *ev = &events[i];
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "color", level_color(ev));
        char *h = pf_notify_headline(ev);
        pf_buf t = PF_BUF_INIT;
        slack_escape(&t, h, 0);
        free(h);
        cJSON_AddStringToObject(a, "fallback", pf_buf_str(&t));
        pf_buf_reset(&t);
        pf_buf_puts(&t, "*");
        char *hh = pf_notify_headline(ev);
        slack_escape(&t, hh, 0);
        free(hh);
        pf_buf_puts(&t, "*");
        if (ev->query != NULL) {
            pf_buf_puts(&t, "\n```");
            slack_escape(&t, ev->query, QUERY_SHOWN);
            pf_buf_puts(&t, "```");
        }
        char since[40];
        fmt_time(ev->since_us, since, sizeof since);
        pf_buf_printf(&t, "\nsince %s", since);
        cJSON_AddStringToObject(a, "text", pf_buf_str(&t));
        pf_buf_dispose(&t);
        cJSON *mrk = cJSON_AddArrayToObject(a, "mrkdwn_in");
        cJSON_AddItemToArray(mrk, cJSON_CreateString("text"));
        cJSON_AddNumberToObject(a, "ts", (double)(ev->at_us / 1000000));
        cJSON_AddItemToArray(atts, a);
    }
    if (n > MAX_EVENTS_SHOWN) {
        cJSON *a = cJSON_CreateObject();
        char more[64];
        snprintf(more, sizeof more, "and %zu more", n - MAX_EVENTS_SHOWN);
        cJSON_AddStringToObject(a, "text", more);
        cJSON_AddItemToArray(atts, a);
    }
    pf_buf_dispose(&text);
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    char *out = pf_strdup(s);
    cJSON_free(s);
    return out;
}

/* A header value on one line: CR and LF would start new headers. */
static void header_value(pf_buf *b, const char *s, size_t max)
{
    size_t n = 0;
    for (const char *p = s; *p && (max == 0 || n < max); p++, n++)
        pf_buf_putc(b, (*p == '\r' || *p == '\n') ? ' ' : *p);
}

char *pf_notify_render_email(const pf_alert_event *events, size_t n, const pf_notify_context *ctx,
                             const char *from, char *const *to, size_t n_to)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b, "From: ");
    header_value(&b, from ? from : "perfgate", 0);
    pf_buf_puts(&b, "\nTo: ");
    for (size_t i = 0; i < n_to; i++) {
        if (i > 0)
            pf_buf_puts(&b, ", ");
        header_value(&b, to[i], 0);
    }
    size_t c[3];
    count_statuses(events, n, c);
    pf_buf_puts(&b, "\nSubject: [perfgate] ");
    if (n == 1) {
        char *h = pf_notify_headline(&events[0]);
        header_value(&b, h, 200);
        free(h);
    } else {
        pf_buf_printf(&b, "%zu firing, %zu still firing, %zu resolved", c[0], c[1], c[2]);
    }
    if (ctx && ctx->source) {
        pf_buf_puts(&b, " (");
        header_value(&b, ctx->source, 100);
        pf_buf_puts(&b, ")");
    }
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    pf_buf_printf(&b, "\nDate: %s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
                      "Content-Transfer-Encoding: 8bit\nAuto-Submitted: auto-generated\n\n",
                  date);
    pf_buf_printf(&b, "perfgate monitor%s%s%s%s\n\n", ctx && ctx->source ? " " : "",
                  ctx && ctx->source ? ctx->source : "", ctx && ctx->host ? " on " : "",
                  ctx && ctx->host ? ctx->host : "");
    for (size_t i = 0; i < n && i < MAX_EVENTS_SHOWN; i++) {
        const pf_alert_event *ev = &events[i];
        char *h = pf_notify_headline(ev);
        char since[40];
        fmt_time(ev->since_us, since, sizeof since);
        pf_buf_printf(&b, "* %s\n  since %s\n", h, since);
        free(h);
        if (ev->query) {
            pf_buf_puts(&b, "  ");
            size_t len = strlen(ev->query);
            /* Dot-stuffing is sendmail -oi's job; a bare "." line is harmless then. */
            pf_buf_append(&b, ev->query, len > QUERY_SHOWN ? QUERY_SHOWN : len);
            pf_buf_puts(&b, len > QUERY_SHOWN ? "...\n" : "\n");
        }
        pf_buf_putc(&b, '\n');
    }
    if (n > MAX_EVENTS_SHOWN)
        pf_buf_printf(&b, "and %zu more.\n", n - MAX_EVENTS_SHOWN);
    return pf_buf_steal(&b);
}

/* ---- delivery -------------------------------------------------------- */

typedef struct http_body {
    pf_buf b;
} http_body;

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    http_body *hb = arg;
    size_t n = size * nmemb;
    if (hb->b.len < 300) /* a short reply is enough for a message */
        pf_buf_append(&hb->b, data, n > 300 - hb->b.len ? 300 - hb->b.len : n);
    return n;
}

/* One POST. 0: delivered; 1: failed, worth retrying; -1: failed for good. */
static int http_post_once(const pf_notifier *n, const char *body, char *detail, size_t len)
{
    CURL *h = curl_easy_init();
    if (h == NULL) {
        snprintf(detail, len, "cannot initialise libcurl");
        return 1;
    }
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    http_body hb = {PF_BUF_INIT};
    struct curl_slist *hdrs = NULL;
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json; charset=utf-8");
    hdrs = curl_slist_append(hdrs, "User-Agent: perfgate/" PF_VERSION);
    long timeout = n->spec.timeout_ms > 0 ? (long)n->spec.timeout_ms : 10000;
    curl_easy_setopt(h, CURLOPT_URL, n->url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout < 5000 ? timeout : 5000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &hb);
    CURLcode rc = curl_easy_perform(h);
    int result;
    char raw[512];
    if (rc != CURLE_OK) {
        snprintf(raw, sizeof raw, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        /* Certificate problems and unsupported URLs do not get better. */
        result = (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
                  rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT)
                     ? -1
                     : 1;
    } else {
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 200 && code < 300) {
            snprintf(raw, sizeof raw, "HTTP %ld", code);
            result = 0;
        } else {
            snprintf(raw, sizeof raw, "HTTP %ld%s%.200s", code, hb.b.len ? ": " : "",
                     pf_buf_str(&hb.b));
            result = (code >= 500 || code == 429 || code == 408) ? 1 : -1;
        }
    }
    char *clean = pf_notify_scrub(raw, n->url);
    for (char *c = clean; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    snprintf(detail, len, "%s", clean);
    free(clean);
    pf_buf_dispose(&hb.b);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    return result;
}

/* argv0 as an executable path: itself when it has a '/', else the first
 * match on $PATH; NULL if there is none. Caller frees. Done before fork:
 * execvp's search may allocate, which a forked child of a threaded process
 * must not do. */
static char *resolve_command(const char *argv0)
{
    if (strchr(argv0, '/') != NULL)
        return access(argv0, X_OK) == 0 ? pf_strdup(argv0) : NULL;
    const char *path = getenv("PATH");
    if (path == NULL || *path == '\0')
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        char *cand = pf_asprintf("%.*s/%s", (int)(n ? n : 1), n ? path : ".", argv0);
        if (access(cand, X_OK) == 0)
            return cand;
        free(cand);
        path += n;
        if (*path == ':')
            path++;
    }
    return NULL;
}

/* write() to a pipe whose reader may be gone, without SIGPIPE ending the
 * process: the signal is blocked in this thread for the call and a pending
 * one it raised is consumed (EPIPE says enough). Threads of the monitor
 * deliver at once, so the disposition is not changed process-wide. */
static ssize_t write_no_sigpipe(int fd, const void *buf, size_t n)
{
    sigset_t pipe_only, old, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    ssize_t w = write(fd, buf, n);
    int saved = errno;
    if (w < 0 && errno == EPIPE && !was_pending) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_only, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return w;
}

/* The child's side of run_with_stdin, after fork: stdin from in_fd, stdout
 * and stderr to out_fd, then exe. Only async-signal-safe calls here (the
 * monitor delivers from several threads; another may hold a lock malloc or
 * stdio needs): dup2, close, the close_range system call, signal,
 * sigprocmask, execve, write, _exit. Everything else was prepared before
 * fork (exe resolved, max_fd found). */
static _Noreturn void exec_child(const char *exe, char *const argv[], int in_fd, int out_fd,
                                 long max_fd)
{
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(out_fd, 2);
    /* No database or HTTP sockets for the hook. */
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
        for (long fd = 3; fd < max_fd; fd++)
            close((int)fd);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(exe, argv, environ);
    static const char msg[] = "cannot run the notifier's command\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(127);
}

/* Start argv with pipes on its stdin (*to_child) and its stdout and stderr
 * (*from_child). 0 when started; 1 with a message in detail when not. */
static int start_child(char *const argv[], pid_t *pid, int *to_child, int *from_child,
                       char *detail, size_t len)
{
    char *exe = resolve_command(argv[0]);
    if (exe == NULL)
        return snprintf(detail, len, "%s: command not found", argv[0]), 1;
    /* Descriptors to close in the child, found now (the close_range system
     * call needs no bound; the loop is its fallback). */
    long max_fd = sysconf(_SC_OPEN_MAX);
    if (max_fd < 0 || max_fd > 65536)
        max_fd = 65536;
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0) {
        free(exe);
        return snprintf(detail, len, "pipe: %s", strerror(errno)), 1;
    }
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]);
        close(in[1]);
        free(exe);
        return snprintf(detail, len, "pipe: %s", strerror(errno)), 1;
    }
    *pid = fork();
    if (*pid < 0) {
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        free(exe);
        return snprintf(detail, len, "fork: %s", strerror(errno)), 1;
    }
    if (*pid == 0)
        exec_child(exe, argv, in[0], out[1], max_fd);
    free(exe);
    close(in[0]);
    close(out[1]);
    *to_child = in[1];
    *from_child = out[0];
    return 0;
}

/* Write input to to_fd and read from_fd into output (its first ~400 bytes
 * kept) until both are closed or timeout_ms since t0 has passed; closes
 * both. True when the time ran out. */
static bool feed_and_collect(int to_fd, int from_fd, const char *input, uint64_t t0,
                             double timeout_ms, pf_buf *output)
{
    fcntl(to_fd, F_SETFL, O_NONBLOCK);
    size_t left = strlen(input);
    const char *p = input;
    if (left == 0) {
        close(to_fd);
        to_fd = -1;
    }
    bool timed_out = false;
    while (from_fd >= 0 || to_fd >= 0) {
        double remain = timeout_ms - pf_elapsed_ms(t0);
        if (remain <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd fds[2];
        int nf = 0;
        int ii = -1, oi = -1;
        if (to_fd >= 0) {
            fds[nf].fd = to_fd;
            fds[nf].events = POLLOUT;
            ii = nf++;
        }
        if (from_fd >= 0) {
            fds[nf].fd = from_fd;
            fds[nf].events = POLLIN;
            oi = nf++;
        }
        int r = poll(fds, (nfds_t)nf, (int)(remain > 100 ? 100 : remain) + 1);
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0)
            continue;
        if (ii >= 0 && fds[ii].revents) {
            ssize_t w = write_no_sigpipe(to_fd, p, left);
            if (w > 0) {
                p += w;
                left -= (size_t)w;
            }
            if (left == 0 || (w < 0 && errno != EAGAIN && errno != EINTR)) {
                close(to_fd);
                to_fd = -1;
            }
        }
        if (oi >= 0 && fds[oi].revents) {
            char chunk[512];
            ssize_t rd = read(from_fd, chunk, sizeof chunk);
            if (rd > 0) {
                if (output->len < 400)
                    pf_buf_append(output, chunk, (size_t)rd);
            } else if (rd == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(from_fd);
                from_fd = -1;
            }
        }
    }
    if (to_fd >= 0)
        close(to_fd);
    if (from_fd >= 0)
        close(from_fd);
    return timed_out;
}

static void kill_and_reap(pid_t pid)
{
    int status;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
}

/* Wait for pid's exit until timeout_ms since t0; kill it when the exit does
 * not come. False when killed. */
static bool wait_exit(pid_t pid, uint64_t t0, double timeout_ms, int *status)
{
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid)
            return true;
        if (w < 0 && errno != EINTR)
            return true;
        if (pf_elapsed_ms(t0) > timeout_ms) {
            kill_and_reap(pid);
            return false;
        }
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
}

/* The exit status as run_with_stdin's result and detail. */
static int exit_detail(const char *argv0, int status, const pf_buf *output, char *detail,
                       size_t len)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        snprintf(detail, len, "exit 0");
        return 0;
    }
    char first[200];
    snprintf(first, sizeof first, "%s", pf_buf_str(output));
    first[strcspn(first, "\r\n")] = '\0';
    if (WIFEXITED(status))
        snprintf(detail, len, "%s exited with %d%s%s", argv0, WEXITSTATUS(status),
                 first[0] ? ": " : "", first);
    else
        snprintf(detail, len, "%s killed by signal %d", argv0,
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 1;
}

/* Run argv with input on stdin, within timeout_ms. 0: exit status 0;
 * 1: failed (retry); the first output line goes into detail. */
static int run_with_stdin(char *const argv[], const char *input, double timeout_ms, char *detail,
                          size_t len)
{
    pid_t pid;
    int to_child, from_child;
    if (start_child(argv, &pid, &to_child, &from_child, detail, len) != 0)
        return 1;
    pf_buf output = PF_BUF_INIT;
    uint64_t t0 = pf_now_ns();
    int status = 0;
    bool timed_out = feed_and_collect(to_child, from_child, input, t0, timeout_ms, &output);
    if (timed_out)
        kill_and_reap(pid);
    /* Output closed; the exit follows (give it the rest of the timeout). */
    if (timed_out || !wait_exit(pid, t0, timeout_ms, &status)) {
        snprintf(detail, len, "%s: no exit within %.0f ms (killed)", argv[0], timeout_ms);
        pf_buf_dispose(&output);
        return 1;
    }
    int rc = exit_detail(argv[0], status, &output, detail, len);
    pf_buf_dispose(&output);
    return rc;
}

int pf_notify_send(pf_notifier *n, const pf_alert_event *events, size_t n_events,
                   const pf_notify_context *ctx, pf_notify_result *res)
{
    memset(res, 0, sizeof *res);
    /* The events this notifier takes, as one message. */
    pf_alert_event *mine = pf_calloc(n_events ? n_events : 1, sizeof *mine);
    size_t k = 0;
    for (size_t i = 0; i < n_events; i++)
        if (pf_notifier_wants(n, &events[i]))
            mine[k++] = events[i]; /* shallow: borrowed strings */
    res->sent = k;
    if (k == 0) {
        free(mine);
        res->ok = true;
        snprintf(res->detail, sizeof res->detail, "nothing to send");
        return 0;
    }
    char *payload = NULL;
    char *sm_argv[4] = {NULL, "-t", "-oi", NULL};
    switch (n->spec.kind) {
    case PF_NOTIFY_SLACK:
        payload = pf_notify_render_slack(mine, k, ctx);
        break;
    case PF_NOTIFY_WEBHOOK:
    case PF_NOTIFY_COMMAND:
        payload = pf_notify_render_json(mine, k, ctx);
        break;
    case PF_NOTIFY_EMAIL:
        payload = pf_notify_render_email(mine, k, ctx, n->spec.from, n->spec.to, n->spec.n_to);
        sm_argv[0] = n->spec.sendmail ? n->spec.sendmail : "/usr/sbin/sendmail";
        break;
    }
    free(mine);
    double backoff = n->spec.backoff_ms > 0 ? n->spec.backoff_ms : 1000;
    int attempts = 1 + (n->spec.retries > 0 ? n->spec.retries : 0);
    int rc = -1;
    for (int a = 0; a < attempts; a++) {
        if (a > 0) {
            if (pf_interrupt_signal() != 0)
                break; /* shutting down: no more waiting */
            pf_sleep_ms(backoff);
            backoff *= 2;
        }
        res->attempts++;
        int r;
        if (n->spec.kind == PF_NOTIFY_SLACK || n->spec.kind == PF_NOTIFY_WEBHOOK)
            r = http_post_once(n, payload, res->detail, sizeof res->detail);
        else
            r = run_with_stdin(n->spec.kind == PF_NOTIFY_EMAIL ? sm_argv : n->spec.argv, payload,
                               n->spec.timeout_ms > 0 ? n->spec.timeout_ms : 10000, res->detail,
                               sizeof res->detail);
        if (r == 0) {
            rc = 0;
            break;
        }
        if (r < 0)
            break;
    }
    res->ok = rc == 0;
    free(payload);
    return rc;
}
