/* perfgate load: load scenarios and the queue-drain benchmark; and
 * perfgate load merge: combine the results of sharded runs. The options,
 * progress lines and reports; the run and its verdicts are loadgate.c's. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pf_config.h"

#include "../fsutil.h"
#include "../interrupt.h"
#include "../loadgate.h"
#include "../target.h"
#include "../timeutil.h"
#include "cli.h"

static const char k_usage[] =
    "Usage: perfgate load [--scenario FILE|DIR] [--dsn DSN] [--duration 30s] [--clients N]\n"
    "                     [--rate TPS] [--load-factor X] [--shard I/N] [--json FILE]\n"
    "                     [--junit FILE] [--transactions N] [--threads N] [--seed N]\n"
    "                     [--baselines DIR] [--update-baselines] [--no-confirm]\n"
    "                     [--late-limit D] [--grace D] [--max-tries N] [--keep-jobs]\n"
    "                     [--init] [--schema DIR] [--dataset FILE] [--scale N]\n"
    "                     [--data-seed N] [-v]\n"
    "       perfgate load merge [--json FILE] [--junit FILE] [--baselines DIR]\n"
    "                     [--allow-partial] FILE...\n";

static const char k_help[] =
    "\n"
    "Run load scenarios (bench/load/*.json: weighted flows of SQL steps, each run\n"
    "as an identity with think time, and the load the app expects) and the\n"
    "queue-drain benchmark, then judge every flow against its threshold, its\n"
    "error budget and its load baseline. Format and rules: bench/load/README.md.\n"
    "\n"
    "Load:\n"
    "  (default)           open loop at the scenario's expected load (load factor 1)\n"
    "  --load-factor X     open loop at X times the expected load (--load-factor 10:\n"
    "                      10x); a queue drain's burst is X times bigger\n"
    "  --rate TPS          open loop at TPS flows per second. Arrivals are Poisson,\n"
    "                      scheduled in advance; latency counts from the scheduled\n"
    "                      start, so a stalled server shows (no coordinated\n"
    "                      omission); waiting is also reported as schedule lag\n"
    "  --clients N         connections. Alone: a closed loop of N virtual users\n"
    "                      running flows back to back. With --rate/--load-factor:\n"
    "                      the open loop's connection pool (default: the scenario's\n"
    "                      expected_load.connections). A queue drain: its workers\n"
    "  --threads N         threads driving the clients (default: one per CPU)\n"
    "  --duration D        no flow starts after D (default 30s; 500ms, 2m, ...)\n"
    "  --transactions N    stop after N flow executions (with --duration: whichever\n"
    "                      comes first; alone: no time limit)\n"
    "  --seed N            seed of the schedule and the parameter draws (default 1)\n"
    "  --shard I/N         run the I-th of N shares of the run (all flags describe\n"
    "                      the whole run: --clients, --rate, --transactions are\n"
    "                      split); run the N shards at the same time on N machines,\n"
    "                      then `perfgate load merge` their JSON files\n"
    "  --late-limit D      a flow waiting longer than D for its schedule is late\n"
    "                      (default 100ms)\n"
    "  --grace D           time started flows get to end after --duration (10s)\n"
    "  --max-tries N       tries of a step that fails with a serialization failure\n"
    "                      or deadlock (40001, 40P01), counted as retries (default 3)\n"
    "\n"
    "Target:\n"
    "  --dsn DSN           run against this database (also $PERFGATE_DSN). THE\n"
    "                      SCENARIOS WRITE TO IT: the shipped ones insert documents,\n"
    "                      audit and access-log rows and process queue jobs. It must\n"
    "                      hold the schema and data their params queries read\n"
    "  --init              with --dsn: apply the schema and seed the dataset first\n"
    "  (no --dsn)          a disposable server seeded with the default dataset\n"
    "  --schema DIR, --dataset FILE, --scale N, --data-seed N\n"
    "                      what the disposable server (or --init) is seeded with\n"
    "                      (defaults fixtures/schema, fixtures/datasets/healthcare.json,\n"
    "                      scale 1, the spec's seed)\n"
    "  --keep-jobs         leave the queue drain's jobs in job_queue\n"
    "\n"
    "Reports:\n"
    "  --scenario P        a scenario file or a directory of them (default bench/load)\n"
    "  --json FILE         results, histograms included (default perfgate-load.json,\n"
    "                      '-' for none); written after every scenario, so an\n"
    "                      interrupted run leaves the partial results\n"
    "  --junit FILE        JUnit XML, a testcase per flow (default junit-load.xml)\n"
    "  --baselines DIR     load baselines: DIR/load/<scenario>-<point>.json, point\n"
    "                      x<factor>, r<rate> or c<clients> (default baselines)\n"
    "  --update-baselines  record this run as the baselines\n"
    "  --no-confirm        do not re-run a scenario to confirm a baseline regression\n"
    "                      (it is then reported as noisy)\n"
    "  -v                  progress lines also when stderr is not a terminal\n"
    "\n"
    "A progress line (flows/s, p99, errors, late, lag) is shown every second on a\n"
    "terminal. Ctrl-C stops cleanly: flows in flight end, partial results are\n"
    "written, exit status 3.\n"
    "\n"
    "perfgate load merge reads the JSON files of the shards of one run and writes\n"
    "the combined results: histograms add exactly, so the merged percentiles are\n"
    "those of one run holding every shard's samples. Every shard must be there\n"
    "unless --allow-partial.\n"
    "\n"
    "Exit status: 0 every flow passed, 1 a flow failed its threshold, error budget\n"
    "or baseline (or a queue job was not processed exactly once), 2 bad input\n"
    "(scenario, baseline, options), 3 infrastructure or interrupted.\n";

typedef struct load_cli {
    pf_loadgate_opts g;
    const char *json, *junit;
    bool duration_given;
    char *owned[4];
} load_cli;

/* What the hooks need to save partial results. */
typedef struct load_out {
    const char *json;
    const char *started;
} load_out;

/* ---------------------------------------------------------------- hooks */

static void on_progress(void *arg, const pf_scenario *s, const pf_load_progress *p)
{
    (void)arg;
    bool tty = pf_cli_tty();
    if (p == NULL) {
        if (tty)
            fputs("\r\033[K", stderr);
        return;
    }
    if (!tty && !pf_cli_verbose)
        return;
    fprintf(stderr, "%s%6.1f s  %s  %8.1f flows/s  p99 %8.2f ms  errors %lld  late %lld  lag %.1f ms%s",
            tty ? "\r\033[K" : "", p->elapsed_s, s->name, p->tps, p->p99_ms, (long long)p->errors,
            (long long)p->late, p->lag_ms, tty ? "" : "\n");
    fflush(stderr);
}

static void on_phase(void *arg, pf_loadgate_phase phase, const pf_loadgate_result *res)
{
    (void)arg;
    switch (phase) {
    case PF_LOADGATE_TARGET:
        if (pf_cli_verbose)
            pf_cli_msg("target: %s", res->target);
        break;
    case PF_LOADGATE_SEEDED:
        if (pf_cli_verbose)
            pf_cli_msg("seeded %lld rows in %.1f s", (long long)res->seed_rows,
                       res->seed_ms / 1000);
        break;
    case PF_LOADGATE_LOAD:
        /* The load phase stops gracefully on Ctrl-C: flows in flight end
         * and the partial results are written. */
        pf_interrupt_install(false);
        break;
    case PF_LOADGATE_LOAD_END:
        pf_interrupt_install(true);
        break;
    }
}

static void on_confirming(void *arg, const pf_scenario *s)
{
    (void)arg;
    pf_cli_msg("%s: slower than the baseline; running it again to confirm", s->name);
}

static void on_error(void *arg, const pf_error *e)
{
    (void)arg;
    pf_cli_fail(e);
}

static void now_iso(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int write_json(const char *path, const pf_load_meta *meta, const pf_loadgate_result *res,
                      pf_error *err)
{
    if (path == NULL || strcmp(path, "-") == 0)
        return 0;
    char *js = pf_load_results_json(meta, res->results, res->n, res->verdicts);
    int rc = pf_file_write_atomic(path, js, strlen(js), err);
    free(js);
    return rc;
}

/* A scenario is judged: its table, then the results so far, so that an
 * interrupted run leaves them. */
static int on_scenario_done(void *arg, const pf_loadgate_result *res, pf_error *err)
{
    const load_out *out = arg;
    size_t i = res->n - 1;
    if (!res->failed) {
        char *table = pf_load_table(&res->results[i], res->verdicts[i]);
        fputs(table, stdout);
        fflush(stdout);
        free(table);
    }
    pf_load_meta meta = {PF_VERSION, res->target, out->started, res->complete, PF_EXIT_OK};
    return write_json(out->json, &meta, res, err);
}

/* --------------------------------------------------------------- options */

static int parse_shard(const char *text, int *index, int *count)
{
    char *end = NULL;
    long i = strtol(text, &end, 10);
    if (end == text || *end != '/')
        return -1;
    const char *t2 = end + 1;
    long n = strtol(t2, &end, 10);
    if (end == t2 || *end != '\0' || n < 1 || n > 1000 || i < 1 || i > n)
        return -1;
    *index = (int)i;
    *count = (int)n;
    return 0;
}

static int parse_duration_opt(const char *opt, const char *text, double *ms)
{
    pf_error e;
    if (pf_duration_parse(text, ms, &e) < 0)
        return pf_cli_usage_error(k_usage, "load: %s: %s", opt, e.msg);
    return 0;
}

/* One case per option, as getopt_long hands them over: long, but a table
 * read top to bottom; splitting it would only scatter the options. */
static int parse(int argc, char **argv, load_cli *o)
{
    static const struct option opts[] = {
        {"scenario", required_argument, NULL, 'S'},
        {"dsn", required_argument, NULL, 'd'},
        {"duration", required_argument, NULL, 'T'},
        {"clients", required_argument, NULL, 'c'},
        {"rate", required_argument, NULL, 'R'},
        {"load-factor", required_argument, NULL, 'X'},
        {"shard", required_argument, NULL, 'H'},
        {"json", required_argument, NULL, 'j'},
        {"junit", required_argument, NULL, 'J'},
        {"transactions", required_argument, NULL, 't'},
        {"threads", required_argument, NULL, 'p'},
        {"seed", required_argument, NULL, 'r'},
        {"baselines", required_argument, NULL, 'L'},
        {"update-baselines", no_argument, NULL, 'U'},
        {"no-confirm", no_argument, NULL, 'n'},
        {"late-limit", required_argument, NULL, 'l'},
        {"grace", required_argument, NULL, 'g'},
        {"max-tries", required_argument, NULL, 'm'},
        {"keep-jobs", no_argument, NULL, 'k'},
        {"init", no_argument, NULL, 'I'},
        {"schema", required_argument, NULL, 's'},
        {"dataset", required_argument, NULL, 'D'},
        {"scale", required_argument, NULL, 'x'},
        {"data-seed", required_argument, NULL, 'e'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    uint64_t u;
    while ((c = getopt_long(argc, argv, ":S:d:T:c:R:X:H:j:J:t:p:r:L:Unl:g:m:kIs:D:x:e:vh", opts,
                            NULL)) != -1) {
        switch (c) {
        case 'S':
            o->g.scenario_path = optarg;
            break;
        case 'd':
            o->g.dsn = optarg;
            break;
        case 'T':
            if (parse_duration_opt("--duration", optarg, &o->g.load.duration_ms) != 0)
                return PF_EXIT_USAGE;
            if (o->g.load.duration_ms <= 0)
                return pf_cli_usage_error(k_usage, "load: --duration must be above 0");
            o->duration_given = true;
            break;
        case 'c':
            if (pf_cli_parse_int(k_usage, "--clients", optarg, 1, 100000, &o->g.load.clients) < 0)
                return PF_EXIT_USAGE;
            o->g.clients_given = true;
            break;
        case 'R':
            if (pf_cli_parse_double(k_usage, "--rate", optarg, 1e-6, &o->g.load.rate) < 0)
                return PF_EXIT_USAGE;
            o->g.rate_given = true;
            break;
        case 'X':
            if (pf_cli_parse_double(k_usage, "--load-factor", optarg, 1e-6,
                                    &o->g.load.load_factor) < 0)
                return PF_EXIT_USAGE;
            o->g.factor_given = true;
            break;
        case 'H':
            if (parse_shard(optarg, &o->g.load.shard_index, &o->g.load.shard_count) < 0)
                return pf_cli_usage_error(k_usage,
                                          "load: --shard: '%s' is not I/N with 1 <= I <= N", optarg);
            break;
        case 'j':
            o->json = optarg;
            break;
        case 'J':
            o->junit = optarg;
            break;
        case 't':
            if (pf_cli_parse_u64(k_usage, "--transactions", optarg, &u) < 0)
                return PF_EXIT_USAGE;
            if (u == 0 || u > (uint64_t)INT64_MAX)
                return pf_cli_usage_error(k_usage, "load: --transactions must be above 0");
            o->g.load.transactions = (int64_t)u;
            break;
        case 'p':
            if (pf_cli_parse_int(k_usage, "--threads", optarg, 1, 1024, &o->g.load.threads) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'r':
            if (pf_cli_parse_u64(k_usage, "--seed", optarg, &o->g.load.seed) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'L':
            o->g.baselines_dir = optarg;
            break;
        case 'U':
            o->g.update_baselines = true;
            break;
        case 'n':
            o->g.no_confirm = true;
            break;
        case 'l':
            if (parse_duration_opt("--late-limit", optarg, &o->g.load.late_ms) != 0)
                return PF_EXIT_USAGE;
            break;
        case 'g':
            if (parse_duration_opt("--grace", optarg, &o->g.load.grace_ms) != 0)
                return PF_EXIT_USAGE;
            break;
        case 'm':
            if (pf_cli_parse_int(k_usage, "--max-tries", optarg, 1, 1000, &o->g.load.max_tries) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'k':
            o->g.keep_jobs = true;
            break;
        case 'I':
            o->g.init = true;
            break;
        case 's':
            o->g.prepare.schema_dir = optarg;
            break;
        case 'D':
            o->g.prepare.dataset_path = optarg;
            break;
        case 'x':
            if (pf_cli_parse_double(k_usage, "--scale", optarg, 1e-6, &o->g.prepare.scale) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'e':
            if (pf_cli_parse_u64(k_usage, "--data-seed", optarg, &o->g.prepare.seed) < 0)
                return PF_EXIT_USAGE;
            o->g.prepare.seed_given = true;
            break;
        case 'v':
            pf_cli_verbose = true;
            break;
        case 'h':
            fputs(k_usage, stdout);
            fputs(k_help, stdout);
            return PF_EXIT_OK;
        default:
            return pf_cli_bad_option("load", k_usage, c, argv);
        }
    }
    if (optind < argc)
        return pf_cli_usage_error(k_usage, "load: unexpected argument '%s'", argv[optind]);
    /* --transactions alone: the count is the bound, not the default 30 s. */
    if (o->g.load.transactions > 0 && !o->duration_given)
        o->g.load.duration_ms = 0;
    if (o->g.rate_given && o->g.factor_given)
        return pf_cli_usage_error(k_usage, "load: give --rate or --load-factor, not both");
    bool have_dsn = pf_target_dsn(o->g.dsn) != NULL;
    if (o->g.init && !have_dsn)
        return pf_cli_usage_error(k_usage, "load: --init needs --dsn (without it the disposable "
                                           "server is always seeded)");
    return -1;
}

/* --------------------------------------------------------------- reports */

/* The final results file and JUnit, and what became of the baselines. */
static int report(const load_cli *o, const pf_loadgate_result *res, const char *started)
{
    int rc = res->exit_code;
    pf_load_meta meta = {PF_VERSION, res->target, started, res->complete, res->exit_code};
    pf_error we;
    if (res->n > 0 && write_json(o->json, &meta, res, &we) < 0)
        rc = pf_cli_fail(&we);
    if (res->n > 0 && o->junit && strcmp(o->junit, "-") != 0 &&
        pf_load_junit_write(o->junit, res->results, res->n, res->verdicts, &we) < 0)
        rc = pf_cli_fail(&we);
    bool json = o->json && strcmp(o->json, "-") != 0;
    if (res->interrupted)
        pf_cli_msg("interrupted: partial results%s%s", json ? " in " : "", json ? o->json : "");
    if (res->baselines_updated) {
        for (size_t i = 0; i < res->n_baseline_errors; i++)
            rc = pf_cli_fail(&res->baseline_errors[i]);
        pf_cli_msg("wrote %d load baseline%s under %s/load", res->baselines_written,
                   res->baselines_written == 1 ? "" : "s", o->g.baselines_dir);
    }
    return rc;
}

static int cmd_load_merge(int argc, char **argv);

int pf_cmd_load(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "merge") == 0) {
        optind = 0;
        return cmd_load_merge(argc - 1, argv + 1);
    }
    load_cli o;
    memset(&o, 0, sizeof o);
    pf_loadgate_opts_init(&o.g);
    o.json = "perfgate-load.json";
    o.junit = "junit-load.xml";
    int prc = parse(argc, argv, &o);
    if (prc >= 0)
        return prc;
    pf_loadgate_opts *g = &o.g;
    g->scenario_path = pf_cli_path_or_default(g->scenario_path, &o.owned[0], PF_DEFAULT_SCENARIOS);
    g->baselines_dir = pf_cli_path_or_default(g->baselines_dir, &o.owned[1], PF_DEFAULT_BASELINES);
    g->prepare.schema_dir =
        pf_cli_path_or_default(g->prepare.schema_dir, &o.owned[2], PF_DEFAULT_SCHEMA);
    g->prepare.dataset_path =
        pf_cli_path_or_default(g->prepare.dataset_path, &o.owned[3], PF_DEFAULT_DATASET);

    char started[32];
    now_iso(started, sizeof started);
    load_out out = {o.json, started};
    g->hooks = (pf_loadgate_hooks){on_phase, on_progress, on_confirming, on_error,
                                   on_scenario_done, &out};
    /* Until the load phase, Ctrl-C quits the disposable server at once (a
     * seed blocked in COPY returns); main.c may have installed graceful
     * handlers for this command. */
    pf_interrupt_install(true);
    pf_error err;
    pf_error_clear(&err);
    pf_loadgate_result res;
    int rc = pf_loadgate_run(g, &res, &err) < 0 ? pf_cli_fail(&err) : report(&o, &res, started);
    pf_loadgate_result_dispose(&res);
    for (int i = 0; i < 4; i++)
        free(o.owned[i]);
    return rc;
}

/* ------------------------------------------------------------------ merge */

static const char k_merge_usage[] =
    "Usage: perfgate load merge [--json FILE] [--junit FILE] [--baselines DIR]\n"
    "                           [--allow-partial] FILE...\n";

static int cmd_load_merge(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", required_argument, NULL, 'j'},
        {"junit", required_argument, NULL, 'J'},
        {"baselines", required_argument, NULL, 'L'},
        {"allow-partial", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *json = "perfgate-load.json", *junit = "junit-load.xml", *baselines = NULL;
    char *owned = NULL;
    bool partial = false;
    int c;
    while ((c = getopt_long(argc, argv, ":j:J:L:Ph", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = optarg;
            break;
        case 'J':
            junit = optarg;
            break;
        case 'L':
            baselines = optarg;
            break;
        case 'P':
            partial = true;
            break;
        case 'h':
            fputs(k_merge_usage, stdout);
            fputs("\nCombine the JSON results of the shards of one `perfgate load --shard I/N`\n"
                  "run: counts and histograms add exactly (the merged percentiles are those of\n"
                  "one run holding every shard's samples), throughput adds up over the\n"
                  "longest shard's window. Then judge and report as `perfgate load` does\n"
                  "(a baseline signal cannot be re-run here: it is reported as noisy).\n"
                  "\n"
                  "  --json FILE      merged results (default perfgate-load.json; '-' none)\n"
                  "  --junit FILE     JUnit XML (default junit-load.xml; '-' none)\n"
                  "  --baselines DIR  load baselines to compare with (default baselines)\n"
                  "  --allow-partial  merge even when a shard is missing\n",
                  stdout);
            return PF_EXIT_OK;
        default:
            return pf_cli_bad_option("load merge", k_merge_usage, c, argv);
        }
    }
    if (optind >= argc)
        return pf_cli_usage_error(k_merge_usage, "load merge: no results files given");
    if (baselines == NULL)
        baselines = owned = pf_cli_default_path(PF_DEFAULT_BASELINES);
    pf_error err;
    pf_error_clear(&err);
    pf_loadgate_result res;
    int r = pf_loadgate_merge((const char *const *)(argv + optind), (size_t)(argc - optind),
                              baselines, partial, &res, &err);
    /* The tables of what was judged, also when a later baseline was bad. */
    for (size_t k = 0; res.verdicts != NULL && k < res.n && res.verdicts[k] != NULL; k++) {
        char *table = pf_load_table(&res.results[k], res.verdicts[k]);
        fputs(table, stdout);
        free(table);
    }
    int rc = res.exit_code;
    if (r < 0) {
        rc = pf_cli_fail(&err);
    } else {
        char started[32];
        now_iso(started, sizeof started);
        pf_load_meta meta = {PF_VERSION, "merged", started, res.complete, rc};
        pf_error we;
        if (write_json(json, &meta, &res, &we) < 0)
            rc = pf_cli_fail(&we);
        if (junit && strcmp(junit, "-") != 0 &&
            pf_load_junit_write(junit, res.results, res.n, res.verdicts, &we) < 0)
            rc = pf_cli_fail(&we);
    }
    pf_loadgate_result_dispose(&res);
    free(owned);
    return rc;
}
