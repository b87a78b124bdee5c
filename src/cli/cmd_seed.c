/* perfgate seed: schema + deterministic synthetic data into a database. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../prepare.h"
#include "../target.h"
#include "../timeutil.h"
#include "cli.h"

static const char k_usage[] =
    "Usage: perfgate seed [--schema DIR] [--dataset FILE] [--scale N] [--seed N] [--dsn DSN]\n"
    "                     [--checksum] [--jobs N] [--no-schema] [--auth-shim] [--replace]\n"
    "                     [--no-load] [--keep] [-v]\n";

static const char k_help[] =
    "\n"
    "Apply the schema (a directory of *.sql files in lexical order) and load the\n"
    "synthetic data set described by a dataset spec, deterministically: the same\n"
    "spec, seed and scale give byte-identical data.\n"
    "\n"
    "  --schema DIR     schema directory (default fixtures/schema)\n"
    "  --dataset FILE   dataset spec (default fixtures/datasets/healthcare.json;\n"
    "                   format in docs/dataset-spec.md)\n"
    "  --scale N        multiply every table's row count by N; fractions allowed\n"
    "                   (default 1: 1,000 patients, ~50,000 timeline events)\n"
    "  --seed N         random seed (default: the spec's seed)\n"
    "  --dsn DSN        load into this server's database instead of a disposable\n"
    "                   one (also $PERFGATE_DSN); tables must be empty unless\n"
    "                   --replace\n"
    "  --checksum       print a checksum per table and overall (of the generated\n"
    "                   COPY text, in row order; equal checksums = identical data)\n"
    "  --jobs N         parallel connections for loading and index builds (default 2)\n"
    "  --no-schema      do not apply the schema (it is already there)\n"
    "  --auth-shim      apply the built-in Supabase auth shim before the schema\n"
    "                   (for real Supabase migrations that expect schema auth)\n"
    "  --replace        truncate tables that already hold rows\n"
    "  --no-load        generate only (no server): with --checksum, verify determinism\n"
    "  --keep           keep the disposable server running and print its\n"
    "                   connection string (stop it with `perfgate pg stop`)\n"
    "  -v               phase timings\n";

typedef struct seed_cli {
    const char *schema, *dataset, *dsn;
    double scale;
    uint64_t seed;
    bool seed_given, checksum, no_schema, auth_shim, replace, no_load, keep;
    int jobs;
} seed_cli;

/* A progress line on a terminal, rewritten in place; *(bool *)arg records
 * that one is showing. */
static void progress(void *arg, const char *table, int64_t done, int64_t total, double ms)
{
    *(bool *)arg = true;
    char a[32], b[32];
    fprintf(stderr, "\r\033[K  loading %s: %s / %s rows (%.1f s)", table,
            pf_cli_thousands(done, a, sizeof a), pf_cli_thousands(total, b, sizeof b), ms / 1000);
    fflush(stderr);
}

static void print_checksums(const pf_seed_result *r)
{
    char buf[17], n[32];
    printf("%-40s %12s %s\n", "table", "rows", "checksum");
    for (size_t i = 0; i < r->n_tables; i++) {
        pf_seed_checksum_hex(r->tables[i].checksum, buf);
        printf("%-40s %12s %s\n", r->tables[i].name,
               pf_cli_thousands(r->tables[i].rows, n, sizeof n), buf);
    }
    pf_seed_checksum_hex(r->checksum, buf);
    printf("%-40s %12s %s\n", "overall", pf_cli_thousands(r->rows, n, sizeof n), buf);
}

static int parse(int argc, char **argv, seed_cli *o)
{
    static const struct option opts[] = {
        {"schema", required_argument, NULL, 'S'},   {"dataset", required_argument, NULL, 'D'},
        {"scale", required_argument, NULL, 's'},    {"seed", required_argument, NULL, 'r'},
        {"dsn", required_argument, NULL, 'd'},      {"checksum", no_argument, NULL, 'c'},
        {"jobs", required_argument, NULL, 'j'},     {"no-schema", no_argument, NULL, 'N'},
        {"auth-shim", no_argument, NULL, 'A'},      {"replace", no_argument, NULL, 'R'},
        {"no-load", no_argument, NULL, 'L'},        {"keep", no_argument, NULL, 'k'},
        {"verbose", no_argument, NULL, 'v'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, ":S:D:s:r:d:cj:NARLkvh", opts, NULL)) != -1) {
        switch (c) {
        case 'S':
            o->schema = optarg;
            break;
        case 'D':
            o->dataset = optarg;
            break;
        case 's':
            if (pf_cli_parse_double(k_usage, "--scale", optarg, 1e-6, &o->scale) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'r':
            if (pf_cli_parse_u64(k_usage, "--seed", optarg, &o->seed) < 0)
                return PF_EXIT_USAGE;
            o->seed_given = true;
            break;
        case 'd':
            o->dsn = optarg;
            break;
        case 'c':
            o->checksum = true;
            break;
        case 'j':
            if (pf_cli_parse_int(k_usage, "--jobs", optarg, 1, 64, &o->jobs) < 0)
                return PF_EXIT_USAGE;
            break;
        case 'N':
            o->no_schema = true;
            break;
        case 'A':
            o->auth_shim = true;
            break;
        case 'R':
            o->replace = true;
            break;
        case 'L':
            o->no_load = true;
            break;
        case 'k':
            o->keep = true;
            break;
        case 'v':
            pf_cli_verbose = true;
            break;
        case 'h':
            fputs(k_usage, stdout);
            fputs(k_help, stdout);
            return PF_EXIT_OK;
        default:
            return pf_cli_bad_option("seed", k_usage, c, argv);
        }
    }
    if (optind < argc)
        return pf_cli_usage_error(k_usage, "seed: unexpected argument '%s'", argv[optind]);
    if (o->no_load && (o->dsn || o->keep))
        return pf_cli_usage_error(k_usage, "seed: --no-load does not go with --dsn or --keep");
    return -1;
}

/* The stderr summary, and with -v the phase times (server, schema, then
 * the loader's own phases). */
static void print_summary(const seed_cli *o, const pf_target *target, const pf_prepare_result *pr,
                          double total_ms)
{
    const pf_seed_result *res = &pr->seed;
    char rows[32];
    fprintf(stderr,
            "perfgate: %s %s rows (%.1f MB of COPY text%s) into %zu tables in %.2f s "
            "(seed %llu, scale %g)\n",
            o->no_load ? "generated" : "seeded", pf_cli_thousands(res->rows, rows, sizeof rows),
            (double)res->bytes / 1e6, "", res->n_tables, total_ms / 1000,
            (unsigned long long)pr->data_seed, o->scale);
    if (pf_cli_verbose && !o->no_load)
        fprintf(stderr,
                "perfgate: phases: server %.2f s, schema %.2f s, prepare %.2f s, load %.2f s, "
                "keys+indexes %.2f s (%d+%d), foreign keys %.2f s (%d), vacuum+analyze %.2f s; "
                "table data %.1f MB\n",
                target->start_ms / 1000, pr->schema.ms / 1000, res->prepare_ms / 1000,
                res->load_ms / 1000, res->index_ms / 1000, res->n_constraints, res->n_indexes,
                res->fk_ms / 1000, res->n_foreign_keys, res->vacuum_ms / 1000,
                (double)res->table_bytes / 1e6);
}

int pf_cmd_seed(int argc, char **argv)
{
    seed_cli o = {0};
    o.scale = 1.0;
    o.jobs = 2;
    int prc = parse(argc, argv, &o);
    if (prc >= 0)
        return prc;
    char *schema = NULL, *dataset = NULL;
    pf_error err;
    pf_error_clear(&err);
    pf_prepare *prep = NULL;
    pf_target target;
    memset(&target, 0, sizeof target);
    pf_prepare_result res;
    memset(&res, 0, sizeof res);
    int rc = PF_EXIT_OK;
    uint64_t t0 = pf_now_ns();

    pf_prepare_opts po;
    pf_prepare_opts_init(&po);
    if (!o.no_schema)
        po.schema_dir = pf_cli_path_or_default(o.schema, &schema, PF_DEFAULT_SCHEMA);
    po.auth_shim = o.auth_shim;
    po.dataset_path = pf_cli_path_or_default(o.dataset, &dataset, PF_DEFAULT_DATASET);
    po.seed = o.seed;
    po.seed_given = o.seed_given;
    po.scale = o.scale;
    po.jobs = o.jobs;
    po.load = !o.no_load;
    po.replace = o.replace;
    bool progress_shown = false;
    if (pf_cli_tty()) {
        po.progress = progress;
        po.progress_arg = &progress_shown;
    }
    /* The dataset is checked before a server starts. */
    if (pf_prepare_new(&prep, &po, &err) < 0 ||
        (!o.no_load && pf_target_open(&target, o.dsn, "perfgate", &err) < 0)) {
        rc = pf_cli_fail(&err);
        goto cleanup;
    }
    int r = pf_prepare_apply(prep, target.dsn, &res, &err);
    if (progress_shown)
        fputs("\r\033[K", stderr);
    if (r < 0) {
        rc = pf_cli_fail(&err);
        goto cleanup;
    }
    double total = pf_elapsed_ms(t0);
    if (o.checksum)
        print_checksums(&res.seed);
    print_summary(&o, &target, &res, total);
    if (o.keep && target.cluster != NULL) {
        /* Hand the server over: it keeps running; pg stop removes it. */
        printf("%s\n", target.dsn);
        if (pf_cluster_detach(target.cluster, &err) < 0)
            rc = pf_cli_fail(&err);
    }
cleanup:
    pf_target_close(&target);
    pf_prepare_result_dispose(&res);
    pf_prepare_free(prep);
    free(schema);
    free(dataset);
    return rc;
}
