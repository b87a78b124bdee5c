/* perfgate rls: Row Level Security checks (isolation, table settings, the
 * policy linter, RLS overhead) against a disposable seeded server or --dsn. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fsutil.h"
#include "../rls.h"
#include "../target.h"
#include "cli.h"

static const char k_usage[] =
    "Usage: perfgate rls [--schema DIR] [--dataset FILE] [--dsn DSN] [--rules FILE]\n"
    "                    [--bench DIR] [--baselines DIR] [--scale N] [--seed N]\n"
    "                    [--junit FILE] [--summary FILE] [--json FILE] [--update-baselines]\n"
    "                    [--severity RULE=LEVEL]... [--iterations N] [--no-overhead]\n"
    "                    [--no-writes] [--no-seed] [--no-instructions] [--auth-shim]\n"
    "                    [--jobs N] [-v]\n";

static const char k_help[] =
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
    "never row content. Checks, rules and formats: docs/rls.md.\n"
    "\n"
    "  --schema DIR        schema directory (default fixtures/schema)\n"
    "  --dataset FILE      dataset spec (default fixtures/datasets/healthcare.json)\n"
    "  --dsn DSN           use this server (also $PERFGATE_DSN) instead of a\n"
    "                      disposable one; connect as a role that bypasses RLS\n"
    "  --rules FILE        entitlement rules (default fixtures/rls/healthcare.json)\n"
    "  --bench DIR         registry whose rls cases are the overhead pairs (default bench)\n"
    "  --baselines DIR     overhead baselines under DIR/rls/overhead (default baselines)\n"
    "  --scale N, --seed N data set size and seed (default 1 and the spec's seed)\n"
    "  --junit FILE        JUnit XML report (default junit.xml; '-' for none)\n"
    "  --summary FILE      Markdown summary (also appended to $GITHUB_STEP_SUMMARY)\n"
    "  --json FILE         every check and measurement as JSON\n"
    "  --update-baselines  rewrite the overhead baselines\n"
    "  --severity R=L      set rule R to error, warning or off (repeatable)\n"
    "  --iterations N      interleaved owner/user iterations per overhead case (default 40)\n"
    "  --no-overhead       skip the overhead measurements\n"
    "  --no-writes         skip the write checks\n"
    "  --no-instructions   do not count the overhead pairs' instructions (valgrind;\n"
    "                      only on a server perfgate starts itself)\n"
    "  --no-seed           the --dsn database already holds schema and data\n"
    "  --auth-shim         apply the built-in Supabase auth shim before the schema\n"
    "  --jobs N            loader connections (default 2)\n"
    "  -v                  phase timings\n"
    "\n"
    "Exit status: 0 pass, 1 a leak, a failed check or an overhead regression,\n"
    "2 bad input (rules file, baseline, options), 3 infrastructure.\n";

#define MAX_SEVERITIES 64

typedef struct rls_cli {
    pf_rls_run_opts r;
    const char *junit, *summary, *json;
    const char *severities[MAX_SEVERITIES + 1];
    int n_severities;
    char *owned[5];
} rls_cli;

static void on_phase(void *arg, const char *phase, double ms)
{
    (void)arg;
    if (pf_cli_verbose)
        fprintf(stderr, "perfgate: %s: %.2f s\n", phase, ms / 1000);
}

static int parse(int argc, char **argv, rls_cli *o)
{
    static const struct option opts[] = {
        {"schema", required_argument, NULL, 'S'},
        {"dataset", required_argument, NULL, 'D'},
        {"dsn", required_argument, NULL, 'd'},
        {"rules", required_argument, NULL, 'R'},
        {"bench", required_argument, NULL, 'B'},
        {"baselines", required_argument, NULL, 'L'},
        {"scale", required_argument, NULL, 's'},
        {"seed", required_argument, NULL, 'r'},
        {"junit", required_argument, NULL, 'J'},
        {"summary", required_argument, NULL, 'M'},
        {"json", required_argument, NULL, 'j'},
        {"update-baselines", no_argument, NULL, 'U'},
        {"severity", required_argument, NULL, 'E'},
        {"iterations", required_argument, NULL, 'i'},
        {"no-overhead", no_argument, NULL, 'O'},
        {"no-writes", no_argument, NULL, 'W'},
        {"no-instructions", no_argument, NULL, 'I'},
        {"no-seed", no_argument, NULL, 'N'},
        {"auth-shim", no_argument, NULL, 'A'},
        {"jobs", required_argument, NULL, 'p'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, ":S:D:d:R:B:L:s:r:J:M:j:UE:i:OWINAp:vh", opts, NULL)) !=
           -1) {
        switch (c) {
        case 'S':
            o->r.schema_dir = optarg;
            break;
        case 'D':
            o->r.dataset_path = optarg;
            break;
        case 'd':
            o->r.dsn = optarg;
            break;
        case 'R':
            o->r.rls.rules_path = optarg;
            break;
        case 'B':
            o->r.rls.bench_dir = optarg;
            break;
        case 'L':
            o->r.rls.baselines_dir = optarg;
            break;
        case 's':
            if (pf_cli_parse_double(k_usage, "--scale", optarg, 1e-6, &o->r.scale) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'r':
            if (pf_cli_parse_u64(k_usage, "--seed", optarg, &o->r.seed) < 0)
                return PF_EXIT_USAGE;
            o->r.seed_given = true;
            break;
        case 'J':
            o->junit = optarg;
            break;
        case 'M':
            o->summary = optarg;
            break;
        case 'j':
            o->json = optarg;
            break;
        case 'U':
            o->r.rls.update_baselines = true;
            break;
        case 'E':
            if (o->n_severities == MAX_SEVERITIES)
                return pf_cli_usage_error(k_usage, "rls: too many --severity options");
            if (strchr(optarg, '=') == NULL)
                return pf_cli_usage_error(k_usage,
                                          "rls: --severity '%s': expected RULE=error|warning|off",
                                          optarg);
            o->severities[o->n_severities++] = optarg;
            break;
        case 'i':
            if (pf_cli_parse_int(k_usage, "--iterations", optarg, 2, 1000000,
                                 &o->r.rls.iterations) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'O':
            o->r.rls.no_overhead = true;
            break;
        case 'W':
            o->r.rls.no_writes = true;
            break;
        case 'I':
            o->r.no_instructions = true;
            break;
        case 'N':
            o->r.no_seed = true;
            break;
        case 'A':
            o->r.auth_shim = true;
            break;
        case 'p':
            if (pf_cli_parse_int(k_usage, "--jobs", optarg, 1, 64, &o->r.jobs) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'v':
            pf_cli_verbose = true;
            break;
        case 'h':
            fputs(k_usage, stdout);
            fputs(k_help, stdout);
            return PF_EXIT_OK;
        default:
            return pf_cli_bad_option("rls", k_usage, c, argv);
        }
    }
    if (optind < argc)
        return pf_cli_usage_error(k_usage, "rls: unexpected argument '%s'", argv[optind]);
    if (o->r.no_seed && pf_target_dsn(o->r.dsn) == NULL)
        return pf_cli_usage_error(k_usage, "rls: --no-seed needs --dsn (a database already seeded)");
    return -1;
}

int pf_cmd_rls(int argc, char **argv)
{
    rls_cli o;
    memset(&o, 0, sizeof o);
    pf_rls_run_opts_init(&o.r);
    o.junit = "junit.xml";
    int prc = parse(argc, argv, &o);
    if (prc >= 0)
        return prc;
    o.r.schema_dir = pf_cli_path_or_default(o.r.schema_dir, &o.owned[0], PF_DEFAULT_SCHEMA);
    o.r.dataset_path = pf_cli_path_or_default(o.r.dataset_path, &o.owned[1], PF_DEFAULT_DATASET);
    o.r.rls.rules_path =
        pf_cli_path_or_default(o.r.rls.rules_path, &o.owned[2], PF_DEFAULT_RLS_RULES);
    o.r.rls.bench_dir = pf_cli_path_or_default(o.r.rls.bench_dir, &o.owned[3], PF_DEFAULT_BENCH);
    o.r.rls.baselines_dir =
        pf_cli_path_or_default(o.r.rls.baselines_dir, &o.owned[4], PF_DEFAULT_BASELINES);
    o.r.rls.severity_overrides = o.severities;
    o.r.rls.on_phase = on_phase;

    pf_error err;
    pf_error_clear(&err);
    pf_rls_result res;
    int rc;
    if (pf_rls_run(&o.r, &res, &err) < 0) {
        rc = pf_cli_fail(&err);
        goto done;
    }
    rc = res.exit_code;
    if (res.instr_unavailable != NULL && !o.r.rls.no_overhead)
        pf_cli_msg("%s", res.instr_unavailable);
    char *text = pf_rls_text(&res);
    fputs(text, stdout);
    free(text);
    if (strcmp(o.junit, "-") != 0 && pf_rls_write_junit(&res, o.junit, &err) < 0)
        rc = pf_cli_fail(&err);
    char *md = pf_rls_markdown(&res, 2);
    if (o.summary && pf_cli_write_output(o.summary, md, false, &err) < 0)
        rc = pf_cli_fail(&err);
    const char *gh = getenv("GITHUB_STEP_SUMMARY");
    if (gh && *gh && pf_cli_write_output(gh, md, true, &err) < 0)
        rc = pf_cli_fail(&err);
    free(md);
    if (o.json) {
        char *js = pf_rls_json(&res);
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
    for (int i = 0; i < 5; i++)
        free(o.owned[i]);
    return rc;
}
