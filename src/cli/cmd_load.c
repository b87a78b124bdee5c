/* perfgate load: load scenarios and the queue-drain benchmark; and
 * perfgate load merge: combine the results of sharded runs. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pf_config.h"

#include "../datagen.h"
#include "../dataset.h"
#include "../db.h"
#include "../fsutil.h"
#include "../interrupt.h"
#include "../load.h"
#include "../loadreport.h"
#include "../scenario.h"
#include "../schema.h"
#include "../seed.h"
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
    const char *scenario, *dsn, *json, *junit, *baselines, *schema, *dataset;
    pf_load_opts o;
    bool clients_given, rate_given, factor_given, duration_given, update, no_confirm, init,
        keep_jobs;
    double scale;
    uint64_t data_seed;
    bool data_seed_given;
    char *owned[4];
} load_cli;

/* ------------------------------------------------------------- progress */

static void on_progress(void *arg, const pf_load_progress *p)
{
    const char *name = arg;
    bool tty = pf_cli_tty();
    if (!tty && !pf_cli_verbose)
        return;
    fprintf(stderr, "%s%6.1f s  %s  %8.1f flows/s  p99 %8.2f ms  errors %lld  late %lld  lag %.1f ms%s",
            tty ? "\r\033[K" : "", p->elapsed_s, name, p->tps, p->p99_ms, (long long)p->errors,
            (long long)p->late, p->lag_ms, tty ? "" : "\n");
    fflush(stderr);
}

static void progress_done(void)
{
    if (pf_cli_tty())
        fputs("\r\033[K", stderr);
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
            o->scenario = optarg;
            break;
        case 'd':
            o->dsn = optarg;
            break;
        case 'T':
            if (parse_duration_opt("--duration", optarg, &o->o.duration_ms) != 0)
                return PF_EXIT_USAGE;
            if (o->o.duration_ms <= 0)
                return pf_cli_usage_error(k_usage, "load: --duration must be above 0");
            o->duration_given = true;
            break;
        case 'c':
            if (pf_cli_parse_int(k_usage, "--clients", optarg, 1, 100000, &o->o.clients) < 0)
                return PF_EXIT_USAGE;
            o->clients_given = true;
            break;
        case 'R':
            if (pf_cli_parse_double(k_usage, "--rate", optarg, 1e-6, &o->o.rate) < 0)
                return PF_EXIT_USAGE;
            o->rate_given = true;
            break;
        case 'X':
            if (pf_cli_parse_double(k_usage, "--load-factor", optarg, 1e-6, &o->o.load_factor) <
                0)
                return PF_EXIT_USAGE;
            o->factor_given = true;
            break;
        case 'H':
            if (parse_shard(optarg, &o->o.shard_index, &o->o.shard_count) < 0)
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
            o->o.transactions = (int64_t)u;
            break;
        case 'p':
            if (pf_cli_parse_int(k_usage, "--threads", optarg, 1, 1024, &o->o.threads) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'r':
            if (pf_cli_parse_u64(k_usage, "--seed", optarg, &o->o.seed) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'L':
            o->baselines = optarg;
            break;
        case 'U':
            o->update = true;
            break;
        case 'n':
            o->no_confirm = true;
            break;
        case 'l':
            if (parse_duration_opt("--late-limit", optarg, &o->o.late_ms) != 0)
                return PF_EXIT_USAGE;
            break;
        case 'g':
            if (parse_duration_opt("--grace", optarg, &o->o.grace_ms) != 0)
                return PF_EXIT_USAGE;
            break;
        case 'm':
            if (pf_cli_parse_int(k_usage, "--max-tries", optarg, 1, 1000, &o->o.max_tries) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'k':
            o->keep_jobs = true;
            break;
        case 'I':
            o->init = true;
            break;
        case 's':
            o->schema = optarg;
            break;
        case 'D':
            o->dataset = optarg;
            break;
        case 'x':
            if (pf_cli_parse_double(k_usage, "--scale", optarg, 1e-6, &o->scale) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'e':
            if (pf_cli_parse_u64(k_usage, "--data-seed", optarg, &o->data_seed) < 0)
                return PF_EXIT_USAGE;
            o->data_seed_given = true;
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
    if (o->o.transactions > 0 && !o->duration_given)
        o->o.duration_ms = 0;
    if (o->rate_given && o->factor_given)
        return pf_cli_usage_error(k_usage, "load: give --rate or --load-factor, not both");
    bool have_dsn = pf_target_dsn(o->dsn) != NULL;
    if (o->init && !have_dsn)
        return pf_cli_usage_error(k_usage, "load: --init needs --dsn (without it the disposable "
                                           "server is always seeded)");
    return -1;
}

/* ----------------------------------------------------------- the target */

/* Schema and data into the target's database. */
static int seed_target(const load_cli *o, const pf_dataset *ds, const char *dsn, pf_error *err)
{
    pf_datagen *gen = NULL;
    pf_db *db = NULL;
    int rc = -1;
    uint64_t seed = o->data_seed_given ? o->data_seed : ds->default_seed;
    if (pf_datagen_new(&gen, ds, seed, o->scale > 0 ? o->scale : 1, err) < 0)
        goto done;
    if (pf_db_connect(&db, dsn, err) < 0)
        goto done;
    pf_schema_stats st = {0};
    if (pf_schema_apply_dir(db, o->schema, &st, err) < 0)
        goto done;
    pf_seed_opts so = {0};
    so.jobs = 2;
    so.load = true;
    pf_seed_result sr;
    uint64_t t0 = pf_now_ns();
    int s = pf_seed_run(dsn, gen, &so, &sr, err);
    if (s == 0 && pf_cli_verbose)
        pf_cli_msg("seeded %lld rows in %.1f s", (long long)sr.rows, pf_elapsed_ms(t0) / 1000);
    pf_seed_result_dispose(&sr);
    if (s < 0)
        goto done;
    rc = 0;
done:
    pf_db_close(db);
    pf_datagen_free(gen);
    return rc;
}

/* --------------------------------------------------------------- writing */

static void now_iso(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int write_json(const char *path, const pf_load_meta *meta, const pf_load_result *rs,
                      size_t n, pf_load_verdict *const *vs, pf_error *err)
{
    if (path == NULL || strcmp(path, "-") == 0)
        return 0;
    char *js = pf_load_results_json(meta, rs, n, vs);
    int rc = pf_file_write_atomic(path, js, strlen(js), err);
    free(js);
    return rc;
}

/* Judge every flow of r against its baseline (read from dir, may be NULL). */
static int judge_all(const pf_load_result *r, const char *dir, bool confirming,
                     pf_load_verdict **out, pf_error *err)
{
    size_t nv = r->n_flows + (r->drain ? 1 : 0);
    pf_load_verdict *v = pf_calloc(nv + 1, sizeof *v);
    pf_load_baseline b;
    memset(&b, 0, sizeof b);
    int found = 1;
    if (dir != NULL && r->drain == NULL) {
        char *path = pf_load_baseline_path(dir, r);
        found = pf_load_baseline_read(path, &b, err);
        free(path);
        if (found < 0) {
            free(v);
            return -1;
        }
    }
    if (r->drain != NULL)
        pf_load_judge(r, r->n_flows, NULL, confirming, &v[r->n_flows]);
    for (size_t i = 0; i < r->n_flows; i++)
        pf_load_judge(r, i, found == 0 ? &b : NULL, confirming, &v[i]);
    pf_load_baseline_dispose(&b);
    *out = v;
    return 0;
}

static void free_verdicts(pf_load_verdict **vs, const pf_load_result *rs, size_t n)
{
    for (size_t s = 0; vs != NULL && s < n; s++) {
        size_t nv = rs[s].n_flows + (rs[s].drain ? 1 : 0);
        for (size_t i = 0; vs[s] != NULL && i < nv; i++)
            pf_load_verdict_dispose(&vs[s][i]);
        free(vs[s]);
    }
    free(vs);
}

static bool any_signal(const pf_load_verdict *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].status == PF_LOAD_NOISY)
            return true;
    return false;
}

/* Run one scenario (flows or drain) into r. */
static int run_one(const load_cli *o, const pf_scenario *s, const char *dsn, pf_load_result *r,
                   pf_error *err)
{
    pf_load_opts lo = o->o;
    if (s->drain != NULL) {
        lo.load_factor = o->factor_given ? o->o.load_factor : 1;
        return pf_load_run_drain(s, dsn, &lo, o->clients_given, o->keep_jobs, r, err);
    }
    double expected = pf_scenario_expected_rate(s);
    if (o->rate_given) {
        lo.mode = PF_LOAD_OPEN;
        lo.load_factor = 0;
    } else if (o->factor_given || !o->clients_given) {
        lo.mode = PF_LOAD_OPEN;
        lo.load_factor = o->factor_given ? o->o.load_factor : 1;
        lo.rate = expected * lo.load_factor;
    } else {
        lo.mode = PF_LOAD_CLOSED;
        lo.load_factor = 0;
    }
    if (lo.mode == PF_LOAD_OPEN && !o->clients_given)
        lo.clients = s->connections;
    lo.progress_ms = 1000;
    lo.on_progress = on_progress;
    lo.arg = s->name;
    int rc = pf_load_run(s, dsn, &lo, r, err);
    progress_done();
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
    pf_load_opts_init(&o.o);
    o.json = "perfgate-load.json";
    o.junit = "junit-load.xml";
    int prc = parse(argc, argv, &o);
    if (prc >= 0)
        return prc;
    o.scenario = pf_cli_path_or_default(o.scenario, &o.owned[0], PF_DEFAULT_SCENARIOS);
    o.baselines = pf_cli_path_or_default(o.baselines, &o.owned[1], PF_DEFAULT_BASELINES);
    o.schema = pf_cli_path_or_default(o.schema, &o.owned[2], PF_DEFAULT_SCHEMA);
    o.dataset = pf_cli_path_or_default(o.dataset, &o.owned[3], PF_DEFAULT_DATASET);

    pf_error err;
    pf_error_clear(&err);
    pf_scenario *sc = NULL;
    size_t n_sc = 0;
    pf_dataset *ds = NULL;
    pf_target t;
    memset(&t, 0, sizeof t);
    pf_load_result *rs = NULL;
    pf_load_verdict **vs = NULL;
    size_t n_done = 0;
    char *target = NULL;
    int rc = PF_EXIT_OK;
    char started[32];
    now_iso(started, sizeof started);

    /* Until the load phase, Ctrl-C quits the disposable server at once (a
     * seed blocked in COPY returns); main.c may have installed graceful
     * handlers for this command. */
    pf_interrupt_install(true);
    /* Bad input first, before any server starts. */
    if (pf_scenario_load_all(o.scenario, &sc, &n_sc, &err) < 0) {
        rc = pf_cli_fail(&err);
        goto done;
    }
    bool have_dsn = pf_target_dsn(o.dsn) != NULL;
    if ((!have_dsn || o.init) && pf_dataset_load(o.dataset, &ds, &err) < 0) {
        rc = pf_cli_fail(&err);
        goto done;
    }
    if (pf_target_open(&t, o.dsn, "perfgate", &err) < 0) {
        rc = pf_cli_fail(&err);
        goto done;
    }
    target = pf_target_describe(&t);
    if (pf_cli_verbose)
        pf_cli_msg("target: %s", target);
    if ((pf_target_owned(&t) || o.init) && seed_target(&o, ds, t.dsn, &err) < 0) {
        rc = pf_cli_fail(&err);
        goto done;
    }

    /* The load phase stops gracefully on Ctrl-C: flows in flight end and
     * the partial results are written. */
    pf_interrupt_install(false);
    rs = pf_calloc(n_sc + 1, sizeof *rs);
    vs = pf_calloc(n_sc + 1, sizeof *vs);
    pf_load_meta meta = {PF_VERSION, target, started, false, PF_EXIT_OK};
    bool failed_infra = false, interrupted = false;
    for (size_t i = 0; i < n_sc && !failed_infra && !interrupted; i++) {
        const pf_scenario *s = &sc[i];
        pf_error e;
        pf_error_clear(&e);
        int r = run_one(&o, s, t.dsn, &rs[i], &e);
        n_done = i + 1;
        if (r < 0) {
            pf_cli_msg("%s: %s", s->name, e.msg);
            rc = e.code ? e.code : PF_EXIT_INFRA;
            failed_infra = true;
        }
        interrupted = rs[i].interrupted || pf_interrupt_signal() != 0;
        if (judge_all(&rs[i], o.baselines, false, &vs[i], &err) < 0) {
            rc = pf_cli_fail(&err);
            failed_infra = true;
            vs[i] = NULL;
            n_done = i;
            pf_load_result_dispose(&rs[i]);
            break;
        }
        size_t nv = rs[i].n_flows + (rs[i].drain ? 1 : 0);
        if (!failed_infra && !interrupted && !o.no_confirm && !o.update &&
            any_signal(vs[i], nv)) {
            /* The same conservatism as the gate: a slowdown against the
             * baseline fails only when a second run shows it too. */
            pf_cli_msg("%s: slower than the baseline; running it again to confirm", s->name);
            pf_load_result again;
            pf_error e2;
            pf_error_clear(&e2);
            if (run_one(&o, s, t.dsn, &again, &e2) == 0 && !again.interrupted) {
                pf_load_verdict *v2 = NULL;
                if (judge_all(&again, o.baselines, true, &v2, &e2) == 0) {
                    for (size_t k = 0; k < nv; k++)
                        pf_load_verdict_dispose(&vs[i][k]);
                    free(vs[i]);
                    vs[i] = v2;
                    pf_load_result_dispose(&rs[i]);
                    rs[i] = again;
                } else {
                    pf_load_result_dispose(&again);
                }
            } else {
                interrupted = again.interrupted || pf_interrupt_signal() != 0;
                pf_load_result_dispose(&again);
            }
        }
        if (!failed_infra) {
            char *table = pf_load_table(&rs[i], vs[i]);
            fputs(table, stdout);
            fflush(stdout);
            free(table);
        }
        meta.complete = !failed_infra && !interrupted && i + 1 == n_sc;
        pf_error we;
        if (write_json(o.json, &meta, rs, n_done, vs, &we) < 0) {
            rc = pf_cli_fail(&we);
            failed_infra = true;
        }
    }
    pf_interrupt_install(true);
    int verdict = PF_EXIT_OK;
    for (size_t i = 0; i < n_done; i++) {
        size_t nv = rs[i].n_flows + (rs[i].drain ? 1 : 0);
        if (vs[i] != NULL && pf_load_exit_code(vs[i], nv) != PF_EXIT_OK)
            verdict = PF_EXIT_FAIL;
    }
    if (!failed_infra && !interrupted)
        rc = verdict;
    else if (interrupted && !failed_infra)
        rc = PF_EXIT_INFRA;
    meta.exit_code = rc;
    meta.complete = !failed_infra && !interrupted;
    pf_error we;
    if (n_done > 0 && write_json(o.json, &meta, rs, n_done, vs, &we) < 0)
        rc = pf_cli_fail(&we);
    if (n_done > 0 && o.junit && strcmp(o.junit, "-") != 0 &&
        pf_load_junit_write(o.junit, rs, n_done, vs, &we) < 0)
        rc = pf_cli_fail(&we);
    if (interrupted)
        pf_cli_msg("interrupted: partial results%s%s", o.json && strcmp(o.json, "-") ? " in " : "",
                   o.json && strcmp(o.json, "-") ? o.json : "");
    if (o.update && !interrupted && !failed_infra) {
        int written = 0;
        for (size_t i = 0; i < n_done; i++) {
            if (rs[i].drain != NULL)
                continue;
            char *path = pf_load_baseline_path(o.baselines, &rs[i]);
            if (pf_load_baseline_write(path, &rs[i], &we) < 0)
                rc = pf_cli_fail(&we);
            else
                written++;
            free(path);
        }
        pf_cli_msg("wrote %d load baseline%s under %s/load", written, written == 1 ? "" : "s",
                   o.baselines);
    }
done:
    free_verdicts(vs, rs, n_done);
    pf_load_results_free(rs, n_done);
    pf_scenarios_free(sc, n_sc);
    pf_dataset_free(ds);
    pf_target_close(&t);
    free(target);
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
    pf_load_result *all = NULL;
    size_t n_all = 0;
    int rc = PF_EXIT_OK;
    for (int a = optind; a < argc && rc == PF_EXIT_OK; a++) {
        pf_load_result *rs = NULL;
        size_t n = 0;
        if (pf_load_results_read(argv[a], &rs, &n, &err) < 0) {
            rc = pf_cli_fail(&err);
            break;
        }
        for (size_t i = 0; i < n; i++) {
            size_t k = 0;
            while (k < n_all && strcmp(all[k].scenario, rs[i].scenario) != 0)
                k++;
            if (k == n_all) {
                all = pf_realloc(all, (n_all + 1) * sizeof *all);
                all[n_all++] = rs[i];
                memset(&rs[i], 0, sizeof rs[i]);
            } else if (pf_load_result_merge(&all[k], &rs[i], &err) < 0) {
                pf_error_prefix(&err, "%s", argv[a]);
                rc = pf_cli_fail(&err);
                break;
            }
        }
        pf_load_results_free(rs, n);
    }
    pf_load_verdict **vs = NULL;
    bool complete = true;
    if (rc != PF_EXIT_OK)
        goto done;
    for (size_t k = 0; k < n_all; k++) {
        if (all[k].shards < all[k].shard_count || all[k].interrupted) {
            complete = false;
            if (!partial) {
                pf_cli_msg("%s: %d of %d shards%s (use --allow-partial to merge anyway)",
                           all[k].scenario, all[k].shards, all[k].shard_count,
                           all[k].interrupted ? ", one of them interrupted" : "");
                rc = PF_EXIT_USAGE;
                goto done;
            }
        }
    }
    vs = pf_calloc(n_all + 1, sizeof *vs);
    for (size_t k = 0; k < n_all; k++) {
        if (judge_all(&all[k], baselines, false, &vs[k], &err) < 0) {
            rc = pf_cli_fail(&err);
            goto done;
        }
        size_t nv = all[k].n_flows + (all[k].drain ? 1 : 0);
        if (pf_load_exit_code(vs[k], nv) != PF_EXIT_OK)
            rc = PF_EXIT_FAIL;
        char *table = pf_load_table(&all[k], vs[k]);
        fputs(table, stdout);
        free(table);
    }
    char started[32];
    now_iso(started, sizeof started);
    pf_load_meta meta = {PF_VERSION, "merged", started, complete, rc};
    pf_error we;
    if (write_json(json, &meta, all, n_all, vs, &we) < 0)
        rc = pf_cli_fail(&we);
    if (junit && strcmp(junit, "-") != 0 && pf_load_junit_write(junit, all, n_all, vs, &we) < 0)
        rc = pf_cli_fail(&we);
done:
    free_verdicts(vs, all, vs ? n_all : 0);
    pf_load_results_free(all, n_all);
    free(owned);
    return rc;
}
