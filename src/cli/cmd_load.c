/* perfgate load: load scenarios and the queue-drain benchmark; and
 * perfgate load merge: combine the results of sharded runs. The options,
 * progress lines and reports; the run and its verdicts are loadgate.c's. */
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pf_config.h"

#include "fsutil.h"
#include "interrupt.h"
#include "loadgate.h"
#include "target.h"
#include "timeutil.h"
#include "cli.h"

typedef struct load_cli {
    pf_loadgate_opts g;
    pf_cli_target t;
    const char *json, *junit;
    bool duration_given;
    char *owned[2];
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

static int parse_shard(void *base, const char *arg, const char *usage)
{
    load_cli *o = base;
    char *end = NULL;
    long i = strtol(arg, &end, 10);
    long n = 0;
    if (end != arg && *end == '/') {
        const char *t2 = end + 1;
        n = strtol(t2, &end, 10);
        if (end == t2 || *end != '\0')
            n = 0;
    }
    if (n < 1 || n > 1000 || i < 1 || i > n)
        return pf_cli_usage_error(usage, "load: --shard: '%s' is not I/N with 1 <= I <= N", arg);
    o->g.load.shard_index = (int)i;
    o->g.load.shard_count = (int)n;
    return 0;
}

static int parse_duration(void *base, const char *arg, const char *usage)
{
    load_cli *o = base;
    pf_error e;
    if (pf_duration_parse(arg, &o->g.load.duration_ms, &e) < 0)
        return pf_cli_usage_error(usage, "load: --duration: %s", e.msg);
    if (o->g.load.duration_ms <= 0)
        return pf_cli_usage_error(usage, "load: --duration must be above 0");
    o->duration_given = true;
    return 0;
}

static int parse_transactions(void *base, const char *arg, const char *usage)
{
    load_cli *o = base;
    uint64_t u;
    if (pf_cli_parse_u64(usage, "--transactions", arg, &u) < 0)
        return PF_EXIT_USAGE;
    if (u == 0 || u > (uint64_t)INT64_MAX)
        return pf_cli_usage_error(usage, "load: --transactions must be above 0");
    o->g.load.transactions = (int64_t)u;
    return 0;
}

#define AT(field) offsetof(load_cli, field)
#define GIVEN(field) PF_CLI_GIVEN(load_cli, field)

/* Three sections, as --help shows them. The target group without --dsn
 * (load writes to that database and seeds it only with --init: its own
 * words below) and without --seed (load's is the schedule's; the data's is
 * --data-seed), and without --no-seed (--init is its opposite). */
static const pf_cli_opt k_opts[] = {
    {.kind = PF_CLI_TEXT, .help = "Load:\n"},
    {.kind = PF_CLI_DOC, .meta = "(default)",
     .help = "open loop at the scenario's expected load (load factor 1)"},
    {.name = "load-factor", .kind = PF_CLI_DOUBLE, .at = AT(g.load.load_factor), .min = 1e-6,
     .given = GIVEN(g.factor_given), .meta = "X",
     .help = "open loop at X times the expected load (--load-factor 10:\n"
             "10x); a queue drain's burst is X times bigger"},
    {.name = "rate", .kind = PF_CLI_DOUBLE, .at = AT(g.load.rate), .min = 1e-6,
     .given = GIVEN(g.rate_given), .meta = "TPS",
     .help = "open loop at TPS flows per second. Arrivals are Poisson,\n"
             "scheduled in advance; latency counts from the scheduled\n"
             "start, so a stalled server shows (no coordinated\n"
             "omission); waiting is also reported as schedule lag"},
    {.name = "clients", .kind = PF_CLI_INT, .at = AT(g.load.clients), .min = 1, .max = 100000,
     .given = GIVEN(g.clients_given), .meta = "N",
     .help = "connections. Alone: a closed loop of N virtual users\n"
             "running flows back to back. With --rate/--load-factor:\n"
             "the open loop's connection pool (default: the scenario's\n"
             "expected_load.connections). A queue drain: its workers"},
    {.name = "threads", .kind = PF_CLI_INT, .at = AT(g.load.threads), .min = 1, .max = 1024,
     .meta = "N", .help = "threads driving the clients (default: one per CPU)"},
    {.name = "duration", .kind = PF_CLI_CUSTOM, .parse = parse_duration, .meta = "D",
     .synopsis = "[--duration 30s]",
     .help = "no flow starts after D (default 30s; 500ms, 2m, ...)"},
    {.name = "transactions", .kind = PF_CLI_CUSTOM, .parse = parse_transactions, .meta = "N",
     .help = "stop after N flow executions (with --duration: whichever\n"
             "comes first; alone: no time limit)"},
    {.name = "seed", .kind = PF_CLI_U64, .at = AT(g.load.seed), .meta = "N",
     .help = "seed of the schedule and the parameter draws (default 1)"},
    {.name = "shard", .kind = PF_CLI_CUSTOM, .parse = parse_shard, .meta = "I/N",
     .help = "run the I-th of N shares of the run (all flags describe\n"
             "the whole run: --clients, --rate, --transactions are\n"
             "split); run the N shards at the same time on N machines,\n"
             "then `perfgate load merge` their JSON files"},
    {.name = "late-limit", .kind = PF_CLI_DURATION, .at = AT(g.load.late_ms), .meta = "D",
     .help = "a flow waiting longer than D for its schedule is late\n"
             "(default 100ms)"},
    {.name = "grace", .kind = PF_CLI_DURATION, .at = AT(g.load.grace_ms), .meta = "D",
     .help = "time started flows get to end after --duration (10s)"},
    {.name = "max-tries", .kind = PF_CLI_INT, .at = AT(g.load.max_tries), .min = 1, .max = 1000,
     .meta = "N",
     .help = "tries of a step that fails with a serialization failure\n"
             "or deadlock (40001, 40P01), counted as retries (default 3)"},
    {.kind = PF_CLI_TEXT, .help = "\nTarget:\n"},
    {.name = "dsn", .kind = PF_CLI_STRING, .at = AT(t.dsn), .meta = "DSN",
     .help = "run against this database (also $PERFGATE_DSN). THE\n"
             "SCENARIOS WRITE TO IT: the shipped ones insert documents,\n"
             "audit and access-log rows and process queue jobs. It must\n"
             "hold the schema and data their params queries read"},
    {.name = "init", .kind = PF_CLI_FLAG, .at = AT(g.init),
     .help = "with --dsn: apply the schema and seed the dataset first"},
    {.kind = PF_CLI_DOC, .meta = "(no --dsn)",
     .help = "a disposable server, seeded as set under Seeding"},
    {.name = "keep-jobs", .kind = PF_CLI_FLAG, .at = AT(g.keep_jobs),
     .help = "leave the queue drain's jobs in job_queue"},
    {.kind = PF_CLI_TEXT, .help = "\nSeeding:\n"},
    {.kind = PF_CLI_GROUP, .group = &pf_cli_target_group, .at = AT(t),
     .skip = PF_CLI_TARGET_DSN | PF_CLI_TARGET_SEED | PF_CLI_TARGET_NO_SEED},
    {.name = "data-seed", .kind = PF_CLI_U64, .at = AT(t.seed), .given = GIVEN(t.seed_given),
     .meta = "N", .help = "random seed of the data (default: the spec's seed)"},
    {.kind = PF_CLI_TEXT, .help = "\nReports:\n"},
    {.name = "scenario", .kind = PF_CLI_STRING, .at = AT(g.scenario_path), .meta = "P",
     .synopsis = "[--scenario FILE|DIR]",
     .help = "a scenario file or a directory of them (default bench/load)"},
    {.name = "json", .kind = PF_CLI_STRING, .at = AT(json), .meta = "FILE",
     .help = "results, histograms included (default perfgate-load.json,\n"
             "'-' for none); written after every scenario, so an\n"
             "interrupted run leaves the partial results"},
    {.name = "junit", .kind = PF_CLI_STRING, .at = AT(junit), .meta = "FILE",
     .help = "JUnit XML, a testcase per flow (default junit-load.xml)"},
    {.name = "baselines", .kind = PF_CLI_STRING, .at = AT(g.baselines_dir), .meta = "DIR",
     .help = "load baselines: DIR/load/<scenario>-<point>.json, point\n"
             "x<factor>, r<rate> or c<clients> (default baselines)"},
    {.name = "update-baselines", .kind = PF_CLI_FLAG, .at = AT(g.update_baselines),
     .help = "record this run as the baselines"},
    {.name = "no-confirm", .kind = PF_CLI_FLAG, .at = AT(g.no_confirm),
     .help = "do not re-run a scenario to confirm a baseline regression\n"
             "(it is then reported as noisy)"},
    {.name = "verbose", .short_name = 'v', .kind = PF_CLI_VERBOSE,
     .help = "progress lines also when stderr is not a terminal"},
    {0},
};

static const pf_cli_spec k_spec = {
    .cmd = "load",
    .opts = k_opts,
    .usage_more = "       perfgate load merge [--json FILE] [--junit FILE] [--baselines DIR]\n"
                  "                     [--allow-partial] FILE...\n",
    .about = "\n"
             "Run load scenarios (bench/load/*.json: weighted flows of SQL steps, each run\n"
             "as an identity with think time, and the load the app expects) and the\n"
             "queue-drain benchmark, then judge every flow against its threshold, its\n"
             "error budget and its load baseline. Format and rules: bench/load/README.md.\n"
             "\n",
    .epilog = "\n"
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
              "(scenario, baseline, options), 3 infrastructure or interrupted.\n",
};

/* What the options say together: 0, or the status of a usage error. */
static int check(load_cli *o)
{
    /* --transactions alone: the count is the bound, not the default 30 s. */
    if (o->g.load.transactions > 0 && !o->duration_given)
        o->g.load.duration_ms = 0;
    if (o->g.rate_given && o->g.factor_given)
        return pf_cli_spec_error(&k_spec, "load: give --rate or --load-factor, not both");
    if (o->g.init && pf_target_dsn(o->t.dsn) == NULL)
        return pf_cli_spec_error(&k_spec, "load: --init needs --dsn (without it the disposable "
                                          "server is always seeded)");
    return 0;
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
    if (argc >= 2 && strcmp(argv[1], "merge") == 0)
        return cmd_load_merge(argc - 1, argv + 1);
    load_cli o;
    memset(&o, 0, sizeof o);
    pf_loadgate_opts_init(&o.g);
    o.json = "perfgate-load.json";
    o.junit = "junit-load.xml";
    int prc = pf_cli_parse(&k_spec, &o, argc, argv);
    if (prc != PF_CLI_CONTINUE)
        return prc;
    if ((prc = check(&o)) != 0)
        return prc;
    pf_loadgate_opts *g = &o.g;
    pf_cli_target_defaults(&o.t);
    pf_cli_target_prepare(&o.t, &g->prepare);
    g->dsn = o.t.dsn;
    g->scenario_path = pf_cli_path_or_default(g->scenario_path, &o.owned[0], PF_DEFAULT_SCENARIOS);
    g->baselines_dir = pf_cli_path_or_default(g->baselines_dir, &o.owned[1], PF_DEFAULT_BASELINES);

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
    for (int i = 0; i < 2; i++)
        free(o.owned[i]);
    pf_cli_target_dispose(&o.t);
    return rc;
}

/* ------------------------------------------------------------------ merge */

typedef struct merge_cli {
    const char *json, *junit, *baselines;
    bool partial;
} merge_cli;

#define MERGE_AT(field) offsetof(merge_cli, field)

static const pf_cli_opt k_merge_opts[] = {
    {.name = "json", .kind = PF_CLI_STRING, .at = MERGE_AT(json), .meta = "FILE",
     .help = "merged results (default perfgate-load.json; '-' none)"},
    {.name = "junit", .kind = PF_CLI_STRING, .at = MERGE_AT(junit), .meta = "FILE",
     .help = "JUnit XML (default junit-load.xml; '-' none)"},
    {.name = "baselines", .kind = PF_CLI_STRING, .at = MERGE_AT(baselines), .meta = "DIR",
     .help = "load baselines to compare with (default baselines)"},
    {.name = "allow-partial", .kind = PF_CLI_FLAG, .at = MERGE_AT(partial),
     .help = "merge even when a shard is missing"},
    {0},
};

static const pf_cli_spec k_merge_spec = {
    .cmd = "load merge",
    .opts = k_merge_opts,
    .operands = "FILE...",
    .about = "\n"
             "Combine the JSON results of the shards of one `perfgate load --shard I/N`\n"
             "run: counts and histograms add exactly (the merged percentiles are those of\n"
             "one run holding every shard's samples), throughput adds up over the\n"
             "longest shard's window. Then judge and report as `perfgate load` does\n"
             "(a baseline signal cannot be re-run here: it is reported as noisy).\n"
             "\n",
    .col = 19,
};

static int cmd_load_merge(int argc, char **argv)
{
    merge_cli o = {"perfgate-load.json", "junit-load.xml", NULL, false};
    int prc = pf_cli_parse(&k_merge_spec, &o, argc, argv);
    if (prc != PF_CLI_CONTINUE)
        return prc;
    if (optind >= argc)
        return pf_cli_spec_error(&k_merge_spec, "load merge: no results files given");
    char *owned = NULL;
    const char *baselines = pf_cli_path_or_default(o.baselines, &owned, PF_DEFAULT_BASELINES);
    pf_error err;
    pf_error_clear(&err);
    pf_loadgate_result res;
    int r = pf_loadgate_merge((const char *const *)(argv + optind), (size_t)(argc - optind),
                              baselines, o.partial, &res, &err);
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
        if (write_json(o.json, &meta, &res, &we) < 0)
            rc = pf_cli_fail(&we);
        if (o.junit && strcmp(o.junit, "-") != 0 &&
            pf_load_junit_write(o.junit, res.results, res.n, res.verdicts, &we) < 0)
            rc = pf_cli_fail(&we);
    }
    pf_loadgate_result_dispose(&res);
    free(owned);
    return rc;
}
