/* perfgate run: the regression gate. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../fsutil.h"
#include "../gate.h"
#include "../target.h"
#include "../timeutil.h"
#include "../summary.h"
#include "cli.h"

static const char k_usage[] =
    "Usage: perfgate run [--schema DIR] [--dataset FILE] [--bench DIR] [--baselines DIR]\n"
    "                    [--scale N] [--seed N] [--dsn DSN] [--only GLOB]\n"
    "                    [--junit FILE] [--summary FILE] [--json FILE] [--update-baselines]\n"
    "                    [--base REF [--latency-limit X]] [--rls-rules FILE | --no-rls]\n"
    "                    [--severity RULE=LEVEL]\n"
    "                    [--no-instructions] [--instructions-limit PCT]\n"
    "                    [--iterations N] [--jobs N] [--auth-shim] [--no-seed] [-v]\n";

static const char k_help[] =
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
    "\n"
    "  --schema DIR        schema directory (default fixtures/schema)\n"
    "  --dataset FILE      dataset spec (default fixtures/datasets/healthcare.json)\n"
    "  --bench DIR         benchmark registry (default bench)\n"
    "  --baselines DIR     committed baselines (default baselines)\n"
    "  --scale N, --seed N data set size and seed (default 1 and the spec's seed;\n"
    "                      baselines only compare at the scale and seed they record)\n"
    "  --dsn DSN           use this server (also $PERFGATE_DSN) instead of a\n"
    "                      disposable one; schema and data go into its database\n"
    "  --only GLOB         comma-separated globs over group/name, name or group\n"
    "  --junit FILE        JUnit XML report (default junit.xml; '-' for none)\n"
    "  --summary FILE      Markdown summary (also appended to $GITHUB_STEP_SUMMARY\n"
    "                      when that is set)\n"
    "  --json FILE         everything measured and judged, as JSON\n"
    "  --update-baselines  rewrite the baselines of the cases that ran\n"
    "  --base REF          same-run comparison instead of committed baselines: build\n"
    "                      the git revision REF's schema, dataset and registry as a\n"
    "                      second database of the same server and measure base and\n"
    "                      head interleaved; fail on more work, or a median ratio\n"
    "                      above 1.20 that a signed-rank test finds significant\n"
    "                      (e.g. --base origin/main, or $(git merge-base origin/main\n"
    "                      HEAD); a shallow clone must contain REF)\n"
    "  --rls-rules FILE    RLS checks after the cases (isolation, table settings,\n"
    "                      policy linter, overhead pairs; docs/rls.md): default\n"
    "                      fixtures/rls/healthcare.json; skipped with --only unless\n"
    "                      given explicitly\n"
    "  --no-rls            no RLS checks\n"
    "  --severity RULE=LEVEL  override an RLS rule's severity (error, warning, off)\n"
    "  --iterations N      timed iterations per case (default: each case's own)\n"
    "  --latency-limit X   with --base: the median ratio above which a significant\n"
    "                      slowdown fails (default 1.20; measured trade-off in\n"
    "                      docs/verdicts.md: 1.15 catches a true +20% far more often\n"
    "                      and still raised no false alarm in 400 A/A case-runs)\n"
    "  --no-instructions   do not count instructions per execution (the server\n"
    "                      restarted under valgrind's callgrind after seeding,\n"
    "                      about 1 s per case; needs valgrind and a server\n"
    "                      perfgate starts itself: not with --dsn)\n"
    "  --instructions-limit PCT  growth in instructions per execution above which\n"
    "                      a case fails (default 10; counts repeat to within\n"
    "                      0.1%, docs/verdicts.md)\n"
    "  --statement-timeout D  longest a measured statement may run (default 60s;\n"
    "                      0 for none): a case that exceeds it is an error\n"
    "  --jobs N            loader connections (default 2)\n"
    "  --auth-shim         apply the built-in Supabase auth shim before the schema\n"
    "  --no-seed           the --dsn database already holds schema and data\n"
    "  -v                  phase timings and one line per case as it finishes\n"
    "\n"
    "Exit status: 0 pass, 1 regression or failed case, 2 bad input (spec, case\n"
    "file, baseline), 3 infrastructure (server, connection).\n";

typedef struct run_cli {
    pf_gate_opts g;
    const char *junit, *summary, *json;
    char *owned[5];
    bool no_rls;
    const char *severities[32];
    size_t n_severities;
} run_cli;

static void on_case(void *arg, const pf_case_result *r, size_t index, size_t total)
{
    (void)arg;
    if (!pf_cli_verbose && !pf_cli_tty())
        return;
    char *line = pf_summary_case_line(r);
    fprintf(stderr, "[%zu/%zu] %s\n", index + 1, total, line);
    free(line);
}

static void on_instr_job(void *arg, const pf_instr_job *j, size_t index, size_t total)
{
    (void)arg;
    if (!pf_cli_verbose)
        return;
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
    if (pf_cli_verbose)
        fprintf(stderr, "perfgate: %s: %.2f s\n", phase, ms / 1000);
}

static int parse(int argc, char **argv, run_cli *o)
{
    static const struct option opts[] = {
        {"schema", required_argument, NULL, 'S'},
        {"dataset", required_argument, NULL, 'D'},
        {"bench", required_argument, NULL, 'B'},
        {"baselines", required_argument, NULL, 'L'},
        {"scale", required_argument, NULL, 's'},
        {"seed", required_argument, NULL, 'r'},
        {"dsn", required_argument, NULL, 'd'},
        {"only", required_argument, NULL, 'o'},
        {"junit", required_argument, NULL, 'J'},
        {"summary", required_argument, NULL, 'M'},
        {"json", required_argument, NULL, 'j'},
        {"update-baselines", no_argument, NULL, 'U'},
        {"iterations", required_argument, NULL, 'i'},
        {"jobs", required_argument, NULL, 'p'},
        {"auth-shim", no_argument, NULL, 'A'},
        {"no-seed", no_argument, NULL, 'N'},
        {"base", required_argument, NULL, 'b'},
        {"statement-timeout", required_argument, NULL, 'T'},
        {"rls-rules", required_argument, NULL, 'R'},
        {"latency-limit", required_argument, NULL, 'l'},
        {"no-rls", no_argument, NULL, 'n'},
        {"no-instructions", no_argument, NULL, 'I'},
        {"instructions-limit", required_argument, NULL, 'P'},
        {"severity", required_argument, NULL, 'e'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, ":S:D:B:L:s:r:d:o:J:M:j:Ui:p:ANb:T:R:ne:l:IP:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'S':
            o->g.schema_dir = optarg;
            break;
        case 'D':
            o->g.dataset_path = optarg;
            break;
        case 'B':
            o->g.bench_dir = optarg;
            break;
        case 'L':
            o->g.baselines_dir = optarg;
            break;
        case 's':
            if (pf_cli_parse_double(k_usage, "--scale", optarg, 1e-6, &o->g.scale) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'r':
            if (pf_cli_parse_u64(k_usage, "--seed", optarg, &o->g.seed) < 0)
                return PF_EXIT_USAGE;
            o->g.seed_given = true;
            break;
        case 'd':
            o->g.dsn = optarg;
            break;
        case 'o':
            o->g.only = optarg;
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
            o->g.update_baselines = true;
            break;
        case 'i':
            if (pf_cli_parse_int(k_usage, "--iterations", optarg, 1, 1000000, &o->g.iterations) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'p':
            if (pf_cli_parse_int(k_usage, "--jobs", optarg, 1, 64, &o->g.jobs) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'A':
            o->g.auth_shim = true;
            break;
        case 'N':
            o->g.no_seed = true;
            break;
        case 'b':
            o->g.base_ref = optarg;
            break;
        case 'R':
            o->g.rls_rules = optarg;
            break;
        case 'l':
            if (pf_cli_parse_double(k_usage, "--latency-limit", optarg, 1.0, &o->g.rules.latency_limit) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'n':
            o->no_rls = true;
            break;
        case 'I':
            o->g.no_instructions = true;
            break;
        case 'P': {
            double pct = 0;
            if (pf_cli_parse_double(k_usage, "--instructions-limit", optarg, 0.1, &pct) < 0)
                return PF_EXIT_USAGE;
            if (pct > 1000)
                return pf_cli_usage_error(k_usage,
                                          "run: --instructions-limit %s: a percentage from 0.1 "
                                          "to 1000",
                                          optarg);
            o->g.rules.instr_limit = pct / 100.0;
            break;
        }
        case 'e':
            if (strchr(optarg, '=') == NULL)
                return pf_cli_usage_error(k_usage, "run: --severity takes RULE=LEVEL, not '%s'",
                                          optarg);
            if (o->n_severities + 1 >= sizeof o->severities / sizeof o->severities[0])
                return pf_cli_usage_error(k_usage, "run: too many --severity options");
            o->severities[o->n_severities++] = optarg;
            break;
        case 'T': {
            pf_error e;
            if (pf_duration_parse(optarg, &o->g.statement_timeout_ms, &e) < 0)
                return pf_cli_usage_error(k_usage, "run: --statement-timeout: %s", e.msg);
            break;
        }
        case 'v':
            pf_cli_verbose = true;
            break;
        case 'h':
            fputs(k_usage, stdout);
            fputs(k_help, stdout);
            return PF_EXIT_OK;
        default:
            return pf_cli_bad_option("run", k_usage, c, argv);
        }
    }
    if (optind < argc)
        return pf_cli_usage_error(k_usage, "run: unexpected argument '%s'", argv[optind]);
    if (o->g.no_seed && pf_target_dsn(o->g.dsn) == NULL)
        return pf_cli_usage_error(k_usage, "run: --no-seed needs --dsn (a database already seeded)");
    return -1;
}

int pf_cmd_run(int argc, char **argv)
{
    run_cli o;
    memset(&o, 0, sizeof o);
    pf_gate_opts_init(&o.g);
    o.junit = "junit.xml";
    int prc = parse(argc, argv, &o);
    if (prc >= 0)
        return prc;
    o.g.schema_dir = pf_cli_path_or_default(o.g.schema_dir, &o.owned[0], PF_DEFAULT_SCHEMA);
    o.g.dataset_path = pf_cli_path_or_default(o.g.dataset_path, &o.owned[1], PF_DEFAULT_DATASET);
    o.g.bench_dir = pf_cli_path_or_default(o.g.bench_dir, &o.owned[2], PF_DEFAULT_BENCH);
    o.g.baselines_dir =
        pf_cli_path_or_default(o.g.baselines_dir, &o.owned[3], PF_DEFAULT_BASELINES);
    if (o.no_rls) {
        if (o.g.rls_rules != NULL)
            return pf_cli_usage_error(k_usage, "run: --no-rls and --rls-rules contradict");
        o.g.rls_rules = NULL;
    } else if (o.g.rls_rules == NULL && (o.g.only == NULL || *o.g.only == '\0')) {
        char *rules = pf_cli_default_path(PF_DEFAULT_RLS_RULES);
        if (pf_path_exists(rules))
            o.g.rls_rules = o.owned[4] = rules;
        else
            free(rules);
    }
    o.g.rls_severities = o.severities;
    o.g.on_case = on_case;
    o.g.on_phase = on_phase;
    o.g.on_instr_job = on_instr_job;

    pf_error err;
    pf_error_clear(&err);
    pf_gate_result res;
    int rc;
    if (pf_gate_run(&o.g, &res, &err) < 0) {
        rc = pf_cli_fail(&err);
        goto done;
    }
    rc = res.exit_code;
    if (res.instr.unavailable != NULL)
        pf_cli_msg("%s", res.instr.unavailable);
    char *table = pf_summary_table(&res);
    fputs(table, stdout);
    free(table);
    if (strcmp(o.junit, "-") != 0 && pf_summary_write_junit(&res, o.junit, &err) < 0)
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
    }
    if (pf_cli_verbose)
        pf_cli_msg("total %.1f s (server %.1f s, schema %.1f s, seed %.1f s, measure %.1f s); %s",
                   res.total_ms / 1000, res.start_ms / 1000, res.schema_ms / 1000,
                   res.seed_ms / 1000, res.measure_ms / 1000, res.target ? res.target : "");
done:
    pf_gate_result_dispose(&res);
    for (int i = 0; i < 5; i++)
        free(o.owned[i]);
    return rc;
}
