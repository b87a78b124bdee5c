/* perfgate report: the dashboard as one self-contained HTML file. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "fsutil.h"
#include "monconfig.h"
#include "timeutil.h"
#include "cli.h"

typedef struct report_cli {
    const char *out, *results, *store_dsn, *source, *config, *baselines, *title;
    bool no_git;
    double window_ms;
    int top;
} report_cli;

static int parse_window(void *base, const char *arg, const char *usage)
{
    report_cli *o = base;
    pf_error e;
    if (pf_duration_parse(arg, &o->window_ms, &e) < 0 || o->window_ms < 60000)
        return pf_cli_usage_error(usage, "report: --window: '%s' is not a duration of at least "
                                         "1m (examples: 6h, 24h, 7d)",
                                  arg);
    return 0;
}

#define AT(field) offsetof(report_cli, field)

static const pf_cli_opt k_opts[] = {
    {.name = "out", .kind = PF_CLI_STRING, .at = AT(out), .meta = "FILE",
     .synopsis = "--out FILE", .help = "the HTML file to write ('-': stdout)"},
    {.name = "results", .kind = PF_CLI_STRING, .at = AT(results), .meta = "DIR",
     .help = "JSON results of past runs (perfgate run/rls/load --json,\n"
             "e.g. CI artifacts; searched three levels deep)"},
    {.name = "store-dsn", .kind = PF_CLI_STRING, .at = AT(store_dsn), .meta = "DSN",
     .help = "the monitor's history store (also $" PF_STORE_DSN_ENV ")"},
    {.name = "source", .kind = PF_CLI_STRING, .at = AT(source), .meta = "NAME",
     .help = "the monitored source in the store (default: the newest)"},
    {.name = "config", .kind = PF_CLI_STRING, .at = AT(config), .meta = "FILE",
     .help = "the monitor's config: categories and thresholds\n"
             "(default fixtures/monitoring/healthcare.json)"},
    {.name = "baselines", .kind = PF_CLI_STRING, .at = AT(baselines), .meta = "DIR",
     .synopsis = "[--baselines DIR | --no-git]",
     .help = "mark baseline re-recordings from its git log (default\n"
             "baselines/ when --results is given)"},
    {.name = "no-git", .kind = PF_CLI_FLAG, .at = AT(no_git), .synopsis = "",
     .help = "do not read the baselines' git history"},
    {.name = "window", .kind = PF_CLI_CUSTOM, .parse = parse_window, .meta = "D",
     .synopsis = "[--window 24h]",
     .help = "production window, ending at the newest snapshot (24h)"},
    {.name = "top", .kind = PF_CLI_INT, .at = AT(top), .min = 1, .max = 1000, .meta = "N",
     .help = "rows of the top-query tables (10)"},
    {.name = "title", .kind = PF_CLI_STRING, .at = AT(title), .meta = "TEXT",
     .help = "the page's title"},
    /* Accepted, not documented: the report says little beyond its notes. */
    {.name = "verbose", .short_name = 'v', .kind = PF_CLI_VERBOSE},
    {0},
};

static const pf_cli_spec k_spec = {
    .cmd = "report",
    .opts = k_opts,
    .about = "\n"
             "Write the dashboard: one HTML file (inline CSS and SVG, no external URL) with\n"
             "the gate's cases over time (median and p95 per run, the baseline and its\n"
             "±20 % band, regressions marked), RLS overhead ratios and load-test\n"
             "percentiles from a directory of JSON results, and production from the\n"
             "monitor's history store: per-category trends against the thresholds with the\n"
             "alerts drawn, top queries by total and by mean time, the alerts that fired.\n"
             "Details: docs/dashboard.md.\n"
             "\n",
    .epilog = "\n"
              "Exit status: 0 written, 2 bad options or input, 3 the store could not be used.\n",
    .col = 20,
};

static int parse(int argc, char **argv, report_cli *o)
{
    int rc = pf_cli_parse(&k_spec, o, argc, argv);
    if (rc != PF_CLI_CONTINUE)
        return rc;
    if (o->out == NULL)
        return pf_cli_spec_error(&k_spec, "report: --out FILE is required");
    if (o->store_dsn == NULL)
        o->store_dsn = pf_cli_env(PF_STORE_DSN_ENV);
    if (o->results == NULL && o->store_dsn == NULL)
        return pf_cli_spec_error(&k_spec, "report: nothing to show: give --results DIR (JSON "
                                          "results of past runs) and/or --store-dsn DSN (the "
                                          "monitor's history store)");
    if (o->no_git && o->baselines != NULL)
        return pf_cli_spec_error(&k_spec, "report: --baselines and --no-git exclude each other");
    return PF_CLI_CONTINUE;
}

int pf_cmd_report(int argc, char **argv)
{
    report_cli o;
    memset(&o, 0, sizeof o);
    int prc = parse(argc, argv, &o);
    if (prc != PF_CLI_CONTINUE)
        return prc;
    char *default_cfg = NULL, *default_base = NULL, *html = NULL;
    char **notes = NULL;
    pf_monconfig *cfg = NULL;
    pf_error err;
    pf_error_clear(&err);
    int rc;
    if (o.config == NULL) {
        default_cfg = pf_cli_default_path(PF_DEFAULT_MONITOR_CONFIG);
        if (pf_path_exists(default_cfg))
            o.config = default_cfg;
    }
    if (o.config != NULL) {
        if (pf_monconfig_load(o.config, &cfg, &err) < 0) {
            rc = pf_cli_fail(&err);
            goto done;
        }
    } else {
        cfg = pf_monconfig_default();
    }
    if (o.results != NULL && o.baselines == NULL && !o.no_git) {
        default_base = pf_cli_default_path(PF_DEFAULT_BASELINES);
        o.baselines = default_base;
    }
    pf_dashboard_opts d;
    pf_dashboard_opts_init(&d);
    d.results_dir = o.results;
    d.baselines_dir = o.no_git ? NULL : o.baselines;
    d.store_dsn = o.store_dsn;
    d.source = o.source;
    d.config = cfg;
    d.title = o.title;
    if (o.window_ms > 0)
        d.window_ms = o.window_ms;
    if (o.top > 0)
        d.top_n = (size_t)o.top;
    if (pf_dashboard_render(&d, &html, &notes, &err) < 0) {
        rc = pf_cli_fail(&err);
        goto done;
    }
    for (size_t i = 0; notes && notes[i]; i++)
        pf_cli_msg("report: note: %s", notes[i]);
    if (strcmp(o.out, "-") == 0) {
        fputs(html, stdout);
    } else if (pf_file_write_atomic(o.out, html, strlen(html), &err) < 0) {
        rc = pf_cli_fail(&err);
        goto done;
    } else if (pf_cli_verbose) {
        pf_cli_msg("report: wrote %s (%zu kB)", o.out, (strlen(html) + 1023) / 1024);
    }
    rc = PF_EXIT_OK;
done:
    pf_strv_free(notes);
    free(html);
    pf_monconfig_free(cfg);
    free(default_cfg);
    free(default_base);
    return rc;
}
