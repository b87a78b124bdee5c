/* perfgate monitor: production query monitoring and alerts. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pf_config.h"

#include "dashboard.h"
#include "db.h"
#include "fsutil.h"
#include "httpd.h"
#include "monconfig.h"
#include "monitor.h"
#include "store.h"
#include "notify.h"
#include "timeutil.h"
#include "cli.h"

#define MONITOR_DSN_ENV "PERFGATE_MONITOR_DSN"

typedef struct monitor_cli {
    const char *dsn, *store_dsn, *config, *source, *listen, *results;
    int metrics_top;
    bool once, interval_given, allow_same_db, check_config;
    double interval_ms, timeout_ms;
} monitor_cli;

/* A duration of at least 100 ms, into *ms. */
static int parse_min_duration(const char *opt, const char *arg, const char *usage,
                              const char *examples, double *ms)
{
    pf_error e;
    if (pf_duration_parse(arg, ms, &e) < 0 || *ms < 100)
        return pf_cli_usage_error(usage, "monitor: %s: '%s' is not a duration of at least "
                                         "100ms%s",
                                  opt, arg, examples);
    return 0;
}

static int parse_interval(void *base, const char *arg, const char *usage)
{
    monitor_cli *o = base;
    o->interval_given = true;
    return parse_min_duration("--interval", arg, usage, " (examples: 30s, 5m)", &o->interval_ms);
}

static int parse_timeout(void *base, const char *arg, const char *usage)
{
    monitor_cli *o = base;
    return parse_min_duration("--statement-timeout", arg, usage, "", &o->timeout_ms);
}

#define AT(field) offsetof(monitor_cli, field)

static const pf_cli_opt k_opts[] = {
    {.name = "dsn", .kind = PF_CLI_STRING, .at = AT(dsn), .meta = "DSN", .synopsis = "--dsn DSN",
     .help = "the monitored database (also $" MONITOR_DSN_ENV "); a role\n"
             "with pg_read_all_stats is enough"},
    {.name = "store-dsn", .kind = PF_CLI_STRING, .at = AT(store_dsn), .meta = "DSN",
     .synopsis = "--store-dsn DSN",
     .help = "the history store (also $" PF_STORE_DSN_ENV "), a database of\n"
             "its own"},
    {.name = "once", .kind = PF_CLI_FLAG, .at = AT(once), .synopsis = "[--once | --interval 60s]",
     .help = "take one snapshot, store it, alert, exit (cron); exit\n"
             "status 1 when an alert at critical or above is active"},
    {.name = "interval", .kind = PF_CLI_CUSTOM, .parse = parse_interval, .meta = "D",
     .synopsis = "", .help = "time between snapshots (default: the config's, 60s)"},
    {.name = "config", .kind = PF_CLI_STRING, .at = AT(config), .meta = "FILE",
     .help = "categories, thresholds, alert rules, notifiers, retention\n"
             "(default fixtures/monitoring/healthcare.json)"},
    {.name = "source", .kind = PF_CLI_STRING, .at = AT(source), .meta = "NAME",
     .help = "this database's name in the store (default: the config's,\n"
             "else <database>@<host>:<port>)"},
    {.name = "statement-timeout", .kind = PF_CLI_CUSTOM, .parse = parse_timeout, .meta = "D",
     .synopsis = "[--statement-timeout 10s]",
     .help = "limit for every statement on both servers (default 10s)"},
    {.name = "allow-same-db", .kind = PF_CLI_FLAG, .at = AT(allow_same_db),
     .help = "let the store live in the monitored database"},
    {.name = "check-config", .kind = PF_CLI_FLAG, .at = AT(check_config),
     .help = "validate the config and the notifiers' secrets, then exit"},
    {.name = "listen", .kind = PF_CLI_STRING, .at = AT(listen), .meta = "ADDR:PORT",
     .synopsis = "[--listen ADDR:PORT [--metrics-top N] [--results DIR]]",
     .help = "serve the dashboard (/, reloading itself), Prometheus\n"
             "metrics (/metrics) and /healthz, e.g. 127.0.0.1:9187\n"
             "(port 0: any free port, printed at startup)"},
    {.name = "metrics-top", .kind = PF_CLI_INT, .at = AT(metrics_top), .min = 1, .max = 1000,
     .meta = "N", .synopsis = "",
     .help = "queries with series of their own in /metrics (default 20)"},
    {.name = "results", .kind = PF_CLI_STRING, .at = AT(results), .meta = "DIR", .synopsis = "",
     .help = "also show gate/RLS/load results from DIR on the dashboard"},
    {.name = "verbose", .short_name = 'v', .kind = PF_CLI_VERBOSE,
     .help = "one line per snapshot and per delivery"},
    {0},
};

static const pf_cli_spec k_spec = {
    .cmd = "monitor",
    .opts = k_opts,
    .about = "\n"
             "Read pg_stat_statements of the monitored database every interval (or once,\n"
             "for cron), store per-interval deltas in a history store (schema\n"
             "perfgate_monitor, created and migrated by perfgate), classify queries into\n"
             "categories with thresholds, and alert on threshold breaches and on\n"
             "regressions against each query's own history: Slack-compatible and JSON\n"
             "webhooks, a command hook, e-mail. Details: docs/monitoring.md.\n"
             "\n",
    .epilog = "\n"
              "SIGTERM or SIGINT: the current snapshot is finished and stored, then exit 0.\n"
              "Exit status: 0 ok, 1 (--once) a critical alert is active, 2 bad options or\n"
              "config, 3 a server could not be used.\n",
    .col = 23,
};

static int parse(int argc, char **argv, monitor_cli *o)
{
    int rc = pf_cli_parse(&k_spec, o, argc, argv);
    if (rc != PF_CLI_CONTINUE)
        return rc;
    if (o->once && o->interval_given)
        return pf_cli_spec_error(&k_spec, "monitor: --once and --interval exclude each other");
    if (o->once && o->listen != NULL)
        return pf_cli_spec_error(&k_spec, "monitor: --listen serves while the monitor loops; "
                                          "it has nothing to serve with --once");
    if (o->listen == NULL && (o->metrics_top > 0 || o->results != NULL))
        return pf_cli_spec_error(&k_spec, "monitor: --metrics-top and --results go with "
                                          "--listen");
    if (o->dsn == NULL)
        o->dsn = pf_cli_env(MONITOR_DSN_ENV);
    if (o->store_dsn == NULL)
        o->store_dsn = pf_cli_env(PF_STORE_DSN_ENV);
    if (!o->check_config && (o->dsn == NULL || *o->dsn == '\0'))
        return pf_cli_spec_error(&k_spec, "monitor: --dsn (or $%s) is required: the database "
                                          "to monitor",
                                 MONITOR_DSN_ENV);
    if (!o->check_config && (o->store_dsn == NULL || *o->store_dsn == '\0'))
        return pf_cli_spec_error(&k_spec, "monitor: --store-dsn (or $%s) is required: where "
                                          "the history goes",
                                 PF_STORE_DSN_ENV);
    return PF_CLI_CONTINUE;
}

static void on_log(void *arg, pf_monitor_log_level level, const char *msg)
{
    if (level == PF_MONITOR_WARN)
        pf_dashboard_live_problem(arg);
    if (level == PF_MONITOR_DEBUG && !pf_cli_verbose)
        return;
    /* One line per message (journald, grep): libpq's multi-line errors folded. */
    char line[2048];
    size_t o = 0;
    for (const char *p = msg; *p && o + 1 < sizeof line; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            if (o > 0 && line[o - 1] != ' ')
                line[o++] = ' ';
            continue;
        }
        line[o++] = *p;
    }
    line[o] = '\0';
    pf_cli_msg("monitor: %s%s", level == PF_MONITOR_WARN ? "warning: " : "", line);
    fflush(stderr);
}

static void on_tick(void *arg, const pf_monitor_tick *t)
{
    pf_dashboard_live_tick(arg, t);
    if (!pf_cli_verbose)
        return;
    char when[48];
    pf_store_format_time(t->taken_us, when, sizeof when);
    pf_cli_msg("monitor: snapshot %s: %zu statements, %zu with calls, %zu new%s%s%s; collect "
               "%.1f ms, texts %.1f ms, evaluate %.1f ms, deliver %.1f ms, store %.1f ms%s",
               when, t->statements, t->deltas, t->new_statements,
               t->baseline ? ", baseline" : "", t->gap ? ", after a gap" : "",
               t->reset ? ", after a reset" : "", t->collect_ms, t->texts_ms, t->evaluate_ms,
               t->deliver_ms, t->store_ms, t->pending ? " (pending)" : "");
    fflush(stderr);
}

/* Validate: the config parses and every required notifier has its secret. */
static int check_config(const pf_monconfig *cfg)
{
    int rc = PF_EXIT_OK;
    for (size_t i = 0; i < cfg->n_notify; i++) {
        pf_notifier *n = NULL;
        pf_error e;
        pf_error_clear(&e);
        if (pf_notifier_open(&n, &cfg->notify[i], &e) < 0) {
            rc = pf_cli_fail(&e);
            continue;
        }
        if (n == NULL)
            pf_cli_msg("monitor: warning: %s: notifier off", e.msg);
        pf_notifier_free(n);
    }
    size_t distinct = 0;
    for (size_t i = 0; i < cfg->n_categories; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(cfg->categories[j].name, cfg->categories[i].name) == 0;
        distinct += !seen;
    }
    if (rc == PF_EXIT_OK)
        printf("%s: ok: %zu categories (%zu rules) and %s, %zu notifier%s\n", cfg->origin,
               distinct, cfg->n_categories, cfg->fallback.name, cfg->n_notify,
               cfg->n_notify == 1 ? "" : "s");
    return rc;
}

int pf_cmd_monitor(int argc, char **argv)
{
    monitor_cli o;
    memset(&o, 0, sizeof o);
    int prc = parse(argc, argv, &o);
    if (prc != PF_CLI_CONTINUE)
        return prc;
    char *default_cfg = NULL;
    if (o.config == NULL) {
        default_cfg = pf_cli_default_path(PF_DEFAULT_MONITOR_CONFIG);
        if (pf_path_exists(default_cfg))
            o.config = default_cfg;
    }
    pf_error err;
    pf_error_clear(&err);
    pf_monconfig *cfg = NULL;
    int rc;
    if (o.config != NULL) {
        if (pf_monconfig_load(o.config, &cfg, &err) < 0) {
            rc = pf_cli_fail(&err);
            goto done;
        }
    } else {
        cfg = pf_monconfig_default();
    }
    pf_notify_global_init();
    if (o.check_config) {
        rc = check_config(cfg);
        pf_notify_global_cleanup();
        goto done;
    }
    pf_monitor_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.dsn = o.dsn;
    mo.store_dsn = o.store_dsn;
    mo.config = cfg;
    mo.source = o.source;
    mo.once = o.once;
    mo.interval_ms = o.interval_ms;
    mo.statement_timeout_ms = o.timeout_ms;
    mo.allow_same_db = o.allow_same_db;
    mo.log = on_log;
    mo.on_tick = on_tick;
    /* The dashboard and /metrics, served beside the loop, reading the store
     * on a connection of their own. */
    pf_dashboard_opts dopts;
    pf_dashboard_opts_init(&dopts);
    pf_dashboard_live *live = NULL;
    if (o.listen != NULL) {
        dopts.results_dir = o.results;
        dopts.store_dsn = o.store_dsn;
        dopts.source = o.source ? o.source : cfg->source;
        dopts.config = cfg;
        dopts.interval_ms = o.interval_ms > 0 ? o.interval_ms : cfg->interval_ms;
        dopts.refresh_s = (int)(dopts.interval_ms / 1000) > 10 ? (int)(dopts.interval_ms / 1000)
                                                                : 10;
        if (o.metrics_top > 0)
            dopts.metrics_top_n = (size_t)o.metrics_top;
        if (pf_dashboard_live_start(&live, o.listen, &dopts, PF_VERSION, &err) < 0) {
            rc = pf_cli_fail(&err);
            pf_notify_global_cleanup();
            goto done;
        }
        char *host = NULL;
        int port = 0;
        pf_httpd_parse_listen(o.listen, &host, &port, &err);
        bool v6 = host != NULL && strchr(host, ':') != NULL;
        pf_cli_msg("monitor: dashboard on http://%s%s%s:%d/ (also /metrics and /healthz)",
                   v6 ? "[" : "", host ? host : "0.0.0.0", v6 ? "]" : "",
                   pf_dashboard_live_port(live));
        free(host);
        fflush(stderr);
        mo.arg = live;
    }
    pf_monitor_result res;
    if (pf_monitor_run(&mo, &res, &err) < 0) {
        rc = pf_cli_fail(&err);
    } else {
        rc = PF_EXIT_OK;
        if (o.once && res.max_level >= PF_LEVEL_CRITICAL)
            rc = PF_EXIT_FAIL;
        if (!o.once)
            pf_cli_msg("monitor: stopped after %ld snapshot%s (%ld stored, %ld alert event%s)",
                       res.ticks, res.ticks == 1 ? "" : "s", res.stored, res.events,
                       res.events == 1 ? "" : "s");
    }
    pf_dashboard_live_stop(live);
    pf_notify_global_cleanup();
done:
    pf_monconfig_free(cfg);
    free(default_cfg);
    return rc;
}
