/* perfgate report: the dashboard as one self-contained HTML file. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../dashboard.h"
#include "../fsutil.h"
#include "../monconfig.h"
#include "../timeutil.h"
#include "cli.h"


static const char k_usage[] =
    "Usage: perfgate report --out FILE [--results DIR] [--store-dsn DSN] [--source NAME]\n"
    "                       [--config FILE] [--baselines DIR | --no-git] [--window 24h]\n"
    "                       [--top N] [--title TEXT]\n";

static const char k_help[] =
    "\n"
    "Write the dashboard: one HTML file (inline CSS and SVG, no external URL) with\n"
    "the gate's cases over time (median and p95 per run, the baseline and its\n"
    "±20 % band, regressions marked), RLS overhead ratios and load-test\n"
    "percentiles from a directory of JSON results, and production from the\n"
    "monitor's history store: per-category trends against the thresholds with the\n"
    "alerts drawn, top queries by total and by mean time, the alerts that fired.\n"
    "Details: docs/dashboard.md.\n"
    "\n"
    "  --out FILE        the HTML file to write ('-': stdout)\n"
    "  --results DIR     JSON results of past runs (perfgate run/rls/load --json,\n"
    "                    e.g. CI artifacts; searched three levels deep)\n"
    "  --store-dsn DSN   the monitor's history store (also $" PF_STORE_DSN_ENV ")\n"
    "  --source NAME     the monitored source in the store (default: the newest)\n"
    "  --config FILE     the monitor's config: categories and thresholds\n"
    "                    (default fixtures/monitoring/healthcare.json)\n"
    "  --baselines DIR   mark baseline re-recordings from its git log (default\n"
    "                    baselines/ when --results is given)\n"
    "  --no-git          do not read the baselines' git history\n"
    "  --window D        production window, ending at the newest snapshot (24h)\n"
    "  --top N           rows of the top-query tables (10)\n"
    "  --title TEXT      the page's title\n"
    "\n"
    "Exit status: 0 written, 2 bad options or input, 3 the store could not be used.\n";

typedef struct report_cli {
    const char *out, *results, *store_dsn, *source, *config, *baselines, *title;
    bool no_git;
    double window_ms;
    int top;
} report_cli;

static int parse(int argc, char **argv, report_cli *o)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"results", required_argument, NULL, 'r'},
        {"store-dsn", required_argument, NULL, 'S'},
        {"source", required_argument, NULL, 'n'},
        {"config", required_argument, NULL, 'c'},
        {"baselines", required_argument, NULL, 'b'},
        {"no-git", no_argument, NULL, 'G'},
        {"window", required_argument, NULL, 'w'},
        {"top", required_argument, NULL, 't'},
        {"title", required_argument, NULL, 'T'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    pf_error e;
    while ((c = getopt_long(argc, argv, ":o:r:S:n:c:b:w:t:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o->out = optarg;
            break;
        case 'r':
            o->results = optarg;
            break;
        case 'S':
            o->store_dsn = optarg;
            break;
        case 'n':
            o->source = optarg;
            break;
        case 'c':
            o->config = optarg;
            break;
        case 'b':
            o->baselines = optarg;
            break;
        case 'G':
            o->no_git = true;
            break;
        case 'w':
            if (pf_duration_parse(optarg, &o->window_ms, &e) < 0 || o->window_ms < 60000)
                return pf_cli_usage_error(k_usage, "report: --window: '%s' is not a duration "
                                                   "of at least 1m (examples: 6h, 24h, 7d)",
                                          optarg);
            break;
        case 't':
            if (pf_cli_parse_int(k_usage, "--top", optarg, 1, 1000, &o->top) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'T':
            o->title = optarg;
            break;
        case 'v':
            pf_cli_verbose = true;
            break;
        case 'h':
            fputs(k_usage, stdout);
            fputs(k_help, stdout);
            return PF_EXIT_OK;
        default:
            return pf_cli_bad_option("report", k_usage, c, argv);
        }
    }
    if (optind < argc)
        return pf_cli_usage_error(k_usage, "report: unexpected argument '%s'", argv[optind]);
    if (o->out == NULL)
        return pf_cli_usage_error(k_usage, "report: --out FILE is required");
    if (o->store_dsn == NULL)
        o->store_dsn = pf_cli_env(PF_STORE_DSN_ENV);
    if (o->results == NULL && o->store_dsn == NULL)
        return pf_cli_usage_error(k_usage, "report: nothing to show: give --results DIR (JSON "
                                           "results of past runs) and/or --store-dsn DSN (the "
                                           "monitor's history store)");
    if (o->no_git && o->baselines != NULL)
        return pf_cli_usage_error(k_usage, "report: --baselines and --no-git exclude each other");
    return -1;
}

int pf_cmd_report(int argc, char **argv)
{
    report_cli o;
    memset(&o, 0, sizeof o);
    int prc = parse(argc, argv, &o);
    if (prc >= 0)
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
