/* perfgate run: the regression gate. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "gate.h"
#include "target.h"
#include "timeutil.h"
#include "summary.h"
#include "cli.h"

typedef struct run_cli {
    pf_gate_opts g;
    pf_cli_target t;
    const char *junit, *summary, *json;
    pf_junit_format junit_format;
    char *owned[3];
    bool no_rls;
    const char *severities[32];
    size_t n_severities;
} run_cli;

static void on_case(void *arg, const pf_case_result *r, size_t index, size_t total)
{
    (void)arg;
    if (!pf_cli_verbose && !pf_cli_tty())
        return;
    pf_cli_progress_clear();
    char *line = pf_summary_case_line(r);
    fprintf(stderr, "[%zu/%zu] %s\n", index + 1, total, line);
    free(line);
}

static void on_instr_job(void *arg, const pf_instr_job *j, size_t index, size_t total)
{
    (void)arg;
    if (!pf_cli_verbose)
        return;
    pf_cli_progress_clear();
    char cnt[24];
    if (j->done)
        fprintf(stderr, "[%zu/%zu] instructions %s/%s%s: %s per execution (%d draws) in %.1f s\n",
                index + 1, total, j->c->group, j->c->name, j->as_owner ? " as owner" : "",
                pf_verdict_fmt_count(j->result.per_execution, cnt, sizeof cnt),
                j->result.iterations, j->ms / 1000);
    else
        fprintf(stderr, "[%zu/%zu] instructions %s/%s: not counted: %s\n", index + 1, total,
                j->c->group, j->c->name, j->error ? j->error : "?");
}

static void on_phase(void *arg, const char *phase, double ms)
{
    (void)arg;
    pf_cli_progress_clear();
    if (pf_cli_verbose)
        fprintf(stderr, "perfgate: %s: %.2f s\n", phase, ms / 1000);
}

/* --junit-format FORMAT. */
static int parse_junit_format(void *base, const char *arg, const char *usage)
{
    run_cli *o = base;
    return pf_cli_parse_junit_format(usage, arg, &o->junit_format) < 0 ? PF_EXIT_USAGE : 0;
}

/* --instructions-limit PCT: a percentage, kept as a fraction. */
static int parse_instr_limit(void *base, const char *arg, const char *usage)
{
    run_cli *o = base;
    double pct = 0;
    if (pf_cli_parse_double(usage, "--instructions-limit", arg, 0.1, &pct) < 0)
        return PF_EXIT_USAGE;
    if (pct > 1000)
        return pf_cli_usage_error(usage, "run: --instructions-limit %s: a percentage from 0.1 "
                                         "to 1000",
                                  arg);
    o->g.rules.instr_limit = pct / 100.0;
    return 0;
}

/* --severity RULE=LEVEL, repeatable. */
static int parse_severity(void *base, const char *arg, const char *usage)
{
    run_cli *o = base;
    if (strchr(arg, '=') == NULL)
        return pf_cli_usage_error(usage, "run: --severity takes RULE=LEVEL, not '%s'", arg);
    if (o->n_severities + 1 >= sizeof o->severities / sizeof o->severities[0])
        return pf_cli_usage_error(usage, "run: too many --severity options");
    o->severities[o->n_severities++] = arg;
    return 0;
}

#define AT(field) offsetof(run_cli, field)

static const pf_cli_opt k_opts[] = {
    {.kind = PF_CLI_GROUP, .group = &pf_cli_target_group, .at = AT(t)},
    {.name = "bench", .kind = PF_CLI_STRING, .at = AT(g.bench_dir), .meta = "DIR",
     .help = "benchmark registry (default bench)"},
    {.name = "baselines", .kind = PF_CLI_STRING, .at = AT(g.baselines_dir), .meta = "DIR",
     .help = "committed baselines (default baselines); they only compare\n"
             "at the scale and seed they record"},
    {.name = "only", .kind = PF_CLI_STRING, .at = AT(g.only), .meta = "GLOB",
     .help = "comma-separated globs over group/name, name or group"},
    {.name = "junit", .kind = PF_CLI_STRING, .at = AT(junit), .meta = "FILE",
     .help = "JUnit XML report (default junit.xml; '-' for none)"},
    {.name = "junit-format", .kind = PF_CLI_CUSTOM, .parse = parse_junit_format, .meta = "F",
     .help = "reporters (default): each testcase names its file and\n"
             "line (testcase@file/@line, read by GitHub and GitLab\n"
             "reporters); junit10: strictly junit-10.xsd\n"
             "(docs/junit.md)"},
    {.name = "summary", .kind = PF_CLI_STRING, .at = AT(summary), .meta = "FILE",
     .help = "Markdown summary (also appended to $GITHUB_STEP_SUMMARY\n"
             "when that is set)"},
    {.name = "json", .kind = PF_CLI_STRING, .at = AT(json), .meta = "FILE",
     .help = "everything measured and judged, as JSON"},
    {.name = "update-baselines", .kind = PF_CLI_FLAG, .at = AT(g.update_baselines),
     .help = "rewrite the baselines of the cases that ran"},
    {.name = "base", .kind = PF_CLI_STRING, .at = AT(g.base_ref), .meta = "REF",
     .synopsis = "[--base REF [--latency-limit X]]",
     .help = "same-run comparison instead of committed baselines: build\n"
             "the git revision REF's schema, dataset and registry as a\n"
             "second database of the same server and measure base and\n"
             "head interleaved; fail on more work, or a median ratio\n"
             "above 1.20 that a signed-rank test finds significant\n"
             "(e.g. --base origin/main, or $(git merge-base origin/main\n"
             "HEAD); a shallow clone must contain REF)"},
    {.name = "rls-rules", .kind = PF_CLI_STRING, .at = AT(g.rls_rules), .meta = "FILE",
     .synopsis = "[--rls-rules FILE | --no-rls]",
     .help = "RLS checks after the cases (isolation, table settings,\n"
             "policy linter, overhead pairs; docs/rls.md): default\n"
             "fixtures/rls/healthcare.json; skipped with --only unless\n"
             "given explicitly"},
    {.name = "no-rls", .kind = PF_CLI_FLAG, .at = AT(no_rls), .synopsis = "",
     .help = "no RLS checks"},
    {.name = "severity", .kind = PF_CLI_CUSTOM, .parse = parse_severity, .meta = "RULE=LEVEL",
     .help = "override an RLS rule's severity (error, warning, off)"},
    {.name = "iterations", .kind = PF_CLI_INT, .at = AT(g.iterations), .min = 1, .max = 1000000,
     .meta = "N", .help = "timed iterations per case (default: each case's own)"},
    {.name = "latency-limit", .kind = PF_CLI_DOUBLE, .at = AT(g.rules.latency_limit), .min = 1.0,
     .meta = "X", .synopsis = "",
     .help = "with --base: the median ratio above which a significant\n"
             "slowdown fails (default 1.20; measured trade-off in\n"
             "docs/verdicts.md: 1.15 catches a true +20% far more often\n"
             "and still raised no false alarm in 400 A/A case-runs)"},
    {.name = "no-instructions", .kind = PF_CLI_FLAG, .at = AT(g.no_instructions),
     .help = "do not count instructions per execution (the server\n"
             "restarted under valgrind's callgrind after seeding,\n"
             "about 1 s per case; needs valgrind and a server\n"
             "perfgate starts itself: not with --dsn)"},
    {.name = "instructions-limit", .kind = PF_CLI_CUSTOM, .parse = parse_instr_limit,
     .meta = "PCT",
     .help = "growth in instructions per execution above which\n"
             "a case fails (default 10; counts repeat to within\n"
             "0.1%, docs/verdicts.md)"},
    {.name = "cache-dir", .kind = PF_CLI_STRING, .at = AT(g.cache_dir), .meta = "DIR",
     .help = "where seeded databases and instruction counts are kept\n"
             "for the next run (default $PERFGATE_CACHE_DIR, else\n"
             "~/.cache/perfgate; a CI cache can restore it): a run\n"
             "whose schema, dataset, seed, scale, server and perfgate\n"
             "are unchanged starts from the seeded copy and reuses the\n"
             "counts; anything changed gives another key (never stale)"},
    {.name = "no-cache", .kind = PF_CLI_FLAG, .at = AT(g.no_cache),
     .help = "neither use nor fill the cache"},
    {.name = "statement-timeout", .kind = PF_CLI_DURATION, .at = AT(g.statement_timeout_ms),
     .meta = "D",
     .help = "longest a measured statement may run (default 60s;\n"
             "0 for none): a case that exceeds it is an error"},
    {.name = "verbose", .short_name = 'v', .kind = PF_CLI_VERBOSE,
     .help = "phase timings and one line per case as it finishes"},
    {0},
};

static const pf_cli_spec k_spec = {
    .cmd = "run",
    .opts = k_opts,
    .about =
        "\n"
        "Start a disposable PostgreSQL (or use --dsn), apply the schema, seed the\n"
        "dataset, measure every benchmark case of the registry and compare each with\n"
        "its committed baseline. Fails (exit 1) when a case does more work than its\n"
        "baseline (+20% buffers, temp blocks, rows, policy-function calls; +10%\n"
        "instructions per execution, counted under valgrind), changes plan and costs\n"
        "more, breaks its absolute threshold (p95 above 100% of it),\n"
        "or is confirmed much slower (normalised median above 2x the baseline,\n"
        "significant, re-measured; with --base: median ratio above 1.20 against the\n"
        "base revision measured in the same run, significant). Unconfirmed timing\n"
        "signals, and slowdowns against a baseline whose machine ran the calibration\n"
        "query more than 3x faster or slower, are reported as noisy, not as a pass\n"
        "or a fail: record baselines on the runner that compares against them.\n"
        "Rules: docs/verdicts.md. Case format: bench/README.md.\n"
        "\n",
    .epilog = "\n"
              "Exit status: 0 pass, 1 regression or failed case, 2 bad input (spec, case\n"
              "file, baseline), 3 infrastructure (server, connection).\n",
};

/* The target options into the gate's options: what was given replaces the
 * defaults of pf_gate_opts_init. */
static void target_to_gate(const pf_cli_target *t, pf_gate_opts *g)
{
    g->schema_dir = t->schema;
    g->dataset_path = t->dataset;
    g->seed_sql = t->seed_sql;
    g->dsn = t->dsn;
    if (t->scale > 0)
        g->scale = t->scale;
    g->seed = t->seed;
    g->seed_given = t->seed_given;
    if (t->jobs > 0)
        g->jobs = t->jobs;
    g->auth_shim = t->auth_shim;
    g->no_seed = t->no_seed;
}

/* Whether dir is the default schema directory (the same directory), or
 * does not exist (which the run reports in its own words). */
static bool same_as_default_schema(const char *dir)
{
    char *def = pf_cli_default_path(PF_DEFAULT_SCHEMA);
    char *a = realpath(dir, NULL), *b = realpath(def, NULL);
    bool same = a == NULL || (b != NULL && strcmp(a, b) == 0);
    free(a);
    free(b);
    free(def);
    return same;
}

int pf_cmd_run(int argc, char **argv)
{
    run_cli o;
    memset(&o, 0, sizeof o);
    pf_gate_opts_init(&o.g);
    o.junit = "junit.xml";
    int prc = pf_cli_parse(&k_spec, &o, argc, argv);
    if (prc != PF_CLI_CONTINUE)
        return prc;
    if (o.no_rls && o.g.rls_rules != NULL)
        return pf_cli_spec_error(&k_spec, "run: --no-rls and --rls-rules contradict");
    /* The default rules are the default schema's: with a schema of the
     * user's own they fail after seeding, on a table the schema lacks. */
    if (!o.no_rls && o.g.rls_rules == NULL && (o.g.only == NULL || *o.g.only == '\0') &&
        o.t.schema != NULL && !same_as_default_schema(o.t.schema))
        return pf_cli_spec_error(&k_spec,
                                 "run: --schema %s is not the default schema: give its RLS rules "
                                 "(--rls-rules FILE) or --no-rls",
                                 o.t.schema);
    pf_cli_target_defaults(&o.t);
    target_to_gate(&o.t, &o.g);
    o.g.bench_dir = pf_cli_path_or_default(o.g.bench_dir, &o.owned[0], PF_DEFAULT_BENCH);
    o.g.baselines_dir =
        pf_cli_path_or_default(o.g.baselines_dir, &o.owned[1], PF_DEFAULT_BASELINES);
    /* The rules file: the RLS checks' (not with --only or --no-rls), and the
     * identities cases may name (always, when there is one). */
    char *rules = o.g.rls_rules == NULL ? pf_cli_default_path(PF_DEFAULT_RLS_RULES) : NULL;
    if (rules != NULL && !pf_path_exists(rules)) {
        free(rules);
        rules = NULL;
    }
    o.owned[2] = rules;
    o.g.identity_rules = o.g.rls_rules != NULL ? o.g.rls_rules : rules;
    if (!o.no_rls && o.g.rls_rules == NULL && (o.g.only == NULL || *o.g.only == '\0'))
        o.g.rls_rules = rules;
    o.g.rls_severities = o.severities;
    o.g.on_case = on_case;
    o.g.on_phase = on_phase;
    o.g.on_instr_job = on_instr_job;
    if (pf_cli_tty()) {
        o.g.on_seed_progress = pf_cli_progress_seed;
        o.g.on_rls_progress = pf_cli_progress_rls;
    }

    pf_error err;
    pf_error_clear(&err);
    pf_gate_result res;
    int rc;
    int grc = pf_gate_run(&o.g, &res, &err);
    pf_cli_progress_clear();
    if (grc < 0) {
        rc = pf_cli_fail(&err);
        goto done;
    }
    rc = res.exit_code;
    if (res.cache_note != NULL)
        pf_cli_msg("%s", res.cache_note);
    if (res.instr.unavailable != NULL)
        pf_cli_msg("%s", res.instr.unavailable);
    char *table = pf_summary_table(&res);
    fputs(table, stdout);
    free(table);
    if (strcmp(o.junit, "-") != 0 && pf_summary_write_junit(&res, o.junit, o.junit_format, &err) < 0)
        rc = pf_cli_fail(&err);
    char *md = pf_summary_markdown(&res);
    if (o.summary && pf_cli_write_output(o.summary, md, false, &err) < 0)
        rc = pf_cli_fail(&err);
    const char *gh = getenv("GITHUB_STEP_SUMMARY");
    if (gh && *gh && pf_cli_write_output(gh, md, true, &err) < 0)
        rc = pf_cli_fail(&err);
    free(md);
    if (o.json) {
        char *js = pf_summary_json(&res);
        if (pf_cli_write_output(o.json, js, false, &err) < 0)
            rc = pf_cli_fail(&err);
        free(js);
    }
    if (o.g.update_baselines) {
        int written = 0;
        for (size_t i = 0; i < res.n_cases; i++)
            written += res.cases[i].baseline_written;
        pf_cli_msg("wrote %d baseline%s under %s", written, written == 1 ? "" : "s",
                   o.g.baselines_dir);
        if (written > 0 && !(res.instr.available && res.instr.n > 0))
            pf_cli_msg("note: these baselines carry no instruction counts (%s); record them "
                       "where valgrind runs so CPU-only regressions are caught",
                       res.instr.unavailable ? res.instr.unavailable : "not counted");
        if (res.exit_code == PF_EXIT_FAIL)
            pf_cli_msg("the run fails all the same: recording baselines never excuses a case "
                       "that errored or a failed RLS isolation, table or lint check");
    }
    if (pf_cli_verbose)
        pf_cli_msg("total %.1f s (server %.1f s, schema %.1f s, seed %.1f s, measure %.1f s); %s",
                   res.total_ms / 1000, res.start_ms / 1000, res.schema_ms / 1000,
                   res.seed_ms / 1000, res.measure_ms / 1000, res.target ? res.target : "");
done:
    pf_gate_result_dispose(&res);
    for (int i = 0; i < 3; i++)
        free(o.owned[i]);
    pf_cli_target_dispose(&o.t);
    return rc;
}
