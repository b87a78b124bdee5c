/* perfgate rls: Row Level Security checks (isolation, table settings, the
 * policy linter, RLS overhead) against a disposable seeded server or --dsn. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "rls.h"
#include "target.h"
#include "cli.h"

#define MAX_SEVERITIES 64

typedef struct rls_cli {
    pf_rls_run_opts r;
    pf_cli_target t;
    const char *junit, *summary, *json;
    pf_junit_format junit_format;
    const char *severities[MAX_SEVERITIES + 1];
    int n_severities;
    char *owned[3];
} rls_cli;

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
    rls_cli *o = base;
    return pf_cli_parse_junit_format(usage, arg, &o->junit_format) < 0 ? PF_EXIT_USAGE : 0;
}

/* --severity RULE=LEVEL, repeatable. */
static int parse_severity(void *base, const char *arg, const char *usage)
{
    rls_cli *o = base;
    if (o->n_severities == MAX_SEVERITIES)
        return pf_cli_usage_error(usage, "rls: too many --severity options");
    if (strchr(arg, '=') == NULL)
        return pf_cli_usage_error(usage, "rls: --severity '%s': expected RULE=error|warning|off",
                                  arg);
    o->severities[o->n_severities++] = arg;
    return 0;
}

#define AT(field) offsetof(rls_cli, field)

static const pf_cli_opt k_opts[] = {
    {.kind = PF_CLI_GROUP, .group = &pf_cli_target_group, .at = AT(t)},
    {.name = "rules", .kind = PF_CLI_STRING, .at = AT(r.rls.rules_path), .meta = "FILE",
     .help = "entitlement rules (default fixtures/rls/healthcare.json)"},
    {.name = "bench", .kind = PF_CLI_STRING, .at = AT(r.rls.bench_dir), .meta = "DIR",
     .help = "registry whose rls cases are the overhead pairs (default bench)"},
    {.name = "baselines", .kind = PF_CLI_STRING, .at = AT(r.rls.baselines_dir), .meta = "DIR",
     .help = "overhead baselines under DIR/rls/overhead (default baselines)"},
    {.name = "junit", .kind = PF_CLI_STRING, .at = AT(junit), .meta = "FILE",
     .help = "JUnit XML report (default junit.xml; '-' for none)"},
    {.name = "junit-format", .kind = PF_CLI_CUSTOM, .parse = parse_junit_format, .meta = "F",
     .help = "reporters (default: testcase@file/@line) or junit10\n"
             "(strictly junit-10.xsd; docs/junit.md)"},
    {.name = "summary", .kind = PF_CLI_STRING, .at = AT(summary), .meta = "FILE",
     .help = "Markdown summary (also appended to $GITHUB_STEP_SUMMARY)"},
    {.name = "json", .kind = PF_CLI_STRING, .at = AT(json), .meta = "FILE",
     .help = "every check and measurement as JSON"},
    {.name = "update-baselines", .kind = PF_CLI_FLAG, .at = AT(r.rls.update_baselines),
     .help = "rewrite the overhead baselines"},
    {.name = "severity", .kind = PF_CLI_CUSTOM, .parse = parse_severity, .meta = "R=L",
     .synopsis = "[--severity RULE=LEVEL]...",
     .help = "set rule R to error, warning or off (repeatable)"},
    {.name = "iterations", .kind = PF_CLI_INT, .at = AT(r.rls.iterations), .min = 2,
     .max = 1000000, .meta = "N",
     .help = "interleaved owner/user iterations per overhead case (default 40)"},
    {.name = "no-overhead", .kind = PF_CLI_FLAG, .at = AT(r.rls.no_overhead),
     .help = "skip the overhead measurements"},
    {.name = "no-writes", .kind = PF_CLI_FLAG, .at = AT(r.rls.no_writes),
     .help = "skip the write checks"},
    {.name = "no-instructions", .kind = PF_CLI_FLAG, .at = AT(r.no_instructions),
     .help = "do not count the overhead pairs' instructions (valgrind;\n"
             "only on a server perfgate starts itself)"},
    {.name = "verbose", .short_name = 'v', .kind = PF_CLI_VERBOSE, .help = "phase timings"},
    {0},
};

static const pf_cli_spec k_spec = {
    .cmd = "rls",
    .opts = k_opts,
    .about =
        "\n"
        "Check Row Level Security the way a leak or an outage would show: for\n"
        "identities sampled from the seeded data (patients, a parent, delegates,\n"
        "providers with and without a grant, anon, service_role) and every table with\n"
        "RLS, what each one reads equals what the entitlement rules allow, and writes\n"
        "to rows it may not write are refused (each in a rolled-back transaction).\n"
        "Also: tables with RLS disabled or not forced, a policy linter, and the RLS\n"
        "overhead of the registry's rls cases (owner vs. user, interleaved), whose\n"
        "ratio, policy-function calls per query and ratio of instructions per\n"
        "execution (counted under valgrind, deterministic: +20% fails) are baselined.\n"
        "Failures name the table, the identity, the operation and an example row key,\n"
        "never row content. With --dsn, connect as a role that bypasses RLS. Checks,\n"
        "rules and formats: docs/rls.md.\n"
        "\n",
    .epilog = "\n"
              "Exit status: 0 pass, 1 a leak, a failed check or an overhead regression,\n"
              "2 bad input (rules file, baseline, options), 3 infrastructure.\n",
};

/* The target options into the run's options: what was given replaces the
 * defaults of pf_rls_run_opts_init. */
static void target_to_rls(const pf_cli_target *t, pf_rls_run_opts *r)
{
    r->schema_dir = t->schema;
    r->dataset_path = t->dataset;
    r->seed_sql = t->seed_sql;
    r->dsn = t->dsn;
    if (t->scale > 0)
        r->scale = t->scale;
    r->seed = t->seed;
    r->seed_given = t->seed_given;
    if (t->jobs > 0)
        r->jobs = t->jobs;
    r->auth_shim = t->auth_shim;
    r->no_seed = t->no_seed;
}

int pf_cmd_rls(int argc, char **argv)
{
    rls_cli o;
    memset(&o, 0, sizeof o);
    pf_rls_run_opts_init(&o.r);
    o.junit = "junit.xml";
    int prc = pf_cli_parse(&k_spec, &o, argc, argv);
    if (prc != PF_CLI_CONTINUE)
        return prc;
    pf_cli_target_defaults(&o.t);
    target_to_rls(&o.t, &o.r);
    o.r.rls.rules_path =
        pf_cli_path_or_default(o.r.rls.rules_path, &o.owned[0], PF_DEFAULT_RLS_RULES);
    o.r.rls.bench_dir = pf_cli_path_or_default(o.r.rls.bench_dir, &o.owned[1], PF_DEFAULT_BENCH);
    o.r.rls.baselines_dir =
        pf_cli_path_or_default(o.r.rls.baselines_dir, &o.owned[2], PF_DEFAULT_BASELINES);
    o.r.rls.severity_overrides = o.severities;
    o.r.rls.on_phase = on_phase;
    if (pf_cli_tty()) {
        o.r.rls.on_progress = pf_cli_progress_rls;
        o.r.on_seed_progress = pf_cli_progress_seed;
    }

    pf_error err;
    pf_error_clear(&err);
    pf_rls_result res;
    int rc;
    int rrc = pf_rls_run(&o.r, &res, &err);
    pf_cli_progress_clear();
    if (rrc < 0) {
        rc = pf_cli_fail(&err);
        goto done;
    }
    rc = res.exit_code;
    if (res.instr_unavailable != NULL && !o.r.rls.no_overhead)
        pf_cli_msg("%s", res.instr_unavailable);
    char *text = pf_rls_report_text(&res);
    fputs(text, stdout);
    free(text);
    if (strcmp(o.junit, "-") != 0 && pf_rls_report_write_junit(&res, o.junit, o.junit_format, &err) < 0)
        rc = pf_cli_fail(&err);
    char *md = pf_rls_report_markdown(&res, 2);
    if (o.summary && pf_cli_write_output(o.summary, md, false, &err) < 0)
        rc = pf_cli_fail(&err);
    const char *gh = getenv("GITHUB_STEP_SUMMARY");
    if (gh && *gh && pf_cli_write_output(gh, md, true, &err) < 0)
        rc = pf_cli_fail(&err);
    free(md);
    if (o.json) {
        char *js = pf_rls_report_json(&res);
        if (pf_cli_write_output(o.json, js, false, &err) < 0)
            rc = pf_cli_fail(&err);
        free(js);
    }
    if (o.r.rls.update_baselines) {
        int written = 0;
        for (size_t i = 0; i < res.n_pairs; i++)
            written += res.pairs[i].baseline_written;
        pf_cli_msg("wrote %d RLS overhead baseline%s under %s/rls/overhead", written,
                   written == 1 ? "" : "s", o.r.rls.baselines_dir);
    }
    if (pf_cli_verbose)
        pf_cli_msg("total %.1f s; %s", res.total_ms / 1000, res.target ? res.target : "");
done:
    pf_rls_result_dispose(&res);
    for (int i = 0; i < 3; i++)
        free(o.owned[i]);
    pf_cli_target_dispose(&o.t);
    return rc;
}
