/* perfgate init: draft a dataset spec, RLS rules and starter cases from a
 * project's own schema. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "init.h"
#include "target.h"
#include "cli.h"

static const char k_usage[] =
    "Usage: perfgate init [--schema DIR [--auth-shim] | --dsn DSN] [--out DIR] [--rows N]\n"
    "                     [--force] [--schemas LIST] [--reference-date DATE] [--no-trial]\n"
    "                     [--from-pg-stat-statements DSN [--top N]] [-v]\n";

static const char k_help[] =
    "\n"
    "Read your schema from the catalog and write a first draft of the perfgate files\n"
    "that runs at once: a dataset spec (tables in dependency order, a generator per\n"
    "column from its type, name and constraints, heavy-tailed children per parent),\n"
    "an RLS rules skeleton (identities, and per RLS table who may read and write:\n"
    "derived from the policies where they are ownership or membership checks, else a\n"
    "TODO that fails the RLS checks with its name), and 2-3 starter cases per large\n"
    "table. Every guess says why in OUT/perfgate-init.md.\n"
    "\n"
    "With --schema, perfgate applies it in a disposable server, drafts, then seeds the\n"
    "draft once into a copy of the schema and repairs what the server refuses.\n"
    "\n"
    "  --schema DIR        migrations to apply (*.sql in lexical order); default\n"
    "                      ./supabase/migrations (with --auth-shim) when it exists\n"
    "  --auth-shim         apply the built-in Supabase shim first (auth, storage,\n"
    "                      roles, extensions): for supabase/migrations\n"
    "  --dsn DSN           read this database instead (also $PERFGATE_DSN); nothing is\n"
    "                      written to it and there is no trial seeding\n"
    "  --out DIR           where the files go (default perfgate)\n"
    "  --rows N            rows of the biggest table (default: guesses, at most 50,000;\n"
    "                      --scale in perfgate run multiplies them)\n"
    "  --force             overwrite the files of an earlier init in DIR\n"
    "  --schemas LIST      the app's schemas, comma-separated (default public)\n"
    "  --reference-date D  the data's \"now\", e.g. 2026-01-01 (default today, UTC)\n"
    "  --no-trial          skip the trial seeding\n"
    "  --from-pg-stat-statements DSN\n"
    "                      also draft cases (bench/top/) from the top read-only\n"
    "                      statements by total time in this database's\n"
    "                      pg_stat_statements (e.g. production): $n become :names\n"
    "                      with a params query drawing real values\n"
    "  --top N             how many top statements (default 10, at most 100)\n"
    "  -v                  phase timings\n"
    "\n"
    "Exit status: 0 drafted (and the trial seeding loaded it), 1 drafted but the\n"
    "draft does not seed yet (see perfgate-init.md), 2 bad input (schema error, files\n"
    "in the way), 3 infrastructure.\n";

typedef struct init_cli {
    pf_init_opts o;
    char *exposed[16];
    char *schemas_copy;
    int64_t rows;
} init_cli;

static void on_phase(void *arg, const char *phase, double ms)
{
    (void)arg;
    if (!pf_cli_verbose)
        return;
    if (strcmp(phase, "repair") == 0)
        fprintf(stderr, "perfgate: trial seeding refused the draft: repaired, seeding again\n");
    else
        fprintf(stderr, "perfgate: %s %.2f s\n", phase, ms / 1000);
}

static int parse(int argc, char **argv, init_cli *c)
{
    static const struct option opts[] = {
        {"schema", required_argument, NULL, 'S'},   {"auth-shim", no_argument, NULL, 'A'},
        {"dsn", required_argument, NULL, 'd'},      {"out", required_argument, NULL, 'o'},
        {"rows", required_argument, NULL, 'n'},     {"force", no_argument, NULL, 'f'},
        {"schemas", required_argument, NULL, 's'},  {"reference-date", required_argument, NULL, 'r'},
        {"no-trial", no_argument, NULL, 'T'},       {"verbose", no_argument, NULL, 'v'},
        {"from-pg-stat-statements", required_argument, NULL, 'P'},
        {"top", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, ":S:Ad:o:n:fs:r:TvhP:t:", opts, NULL)) != -1) {
        switch (ch) {
        case 'S':
            c->o.schema_dir = optarg;
            break;
        case 'A':
            c->o.auth_shim = true;
            break;
        case 'd':
            c->o.dsn = optarg;
            break;
        case 'o':
            c->o.out_dir = optarg;
            break;
        case 'n': {
            uint64_t v = 0;
            if (pf_cli_parse_u64(k_usage, "--rows", optarg, &v) < 0)
                return PF_EXIT_USAGE;
            if (v < 1 || v > 100000000)
                return pf_cli_usage_error(k_usage, "init: --rows must be in 1..100000000");
            c->o.rows = (int64_t)v;
            break;
        }
        case 'f':
            c->o.force = true;
            break;
        case 's': {
            free(c->schemas_copy);
            c->schemas_copy = pf_strdup(optarg);
            size_t n = 0;
            for (char *tok = strtok(c->schemas_copy, ", "); tok && n + 1 < 16;
                 tok = strtok(NULL, ", "))
                c->exposed[n++] = tok;
            c->exposed[n] = NULL;
            if (n == 0)
                return pf_cli_usage_error(k_usage, "init: --schemas needs at least one name");
            c->o.exposed = (const char *const *)c->exposed;
            break;
        }
        case 'r': {
            int y, m, d;
            char end;
            if (sscanf(optarg, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 || m < 1 || m > 12 ||
                d < 1 || d > 31)
                return pf_cli_usage_error(k_usage,
                                          "init: --reference-date must be a date like "
                                          "2026-01-01, not '%s'",
                                          optarg);
            c->o.reference_date = optarg;
            break;
        }
        case 'T':
            c->o.trial = false;
            break;
        case 'P':
            c->o.pss_dsn = optarg;
            break;
        case 't':
            if (pf_cli_parse_int(k_usage, "--top", optarg, 1, 100, &c->o.pss_top) < 0)
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
            return pf_cli_bad_option("init", k_usage, ch, argv);
        }
    }
    if (optind < argc)
        return pf_cli_usage_error(k_usage, "init: unexpected argument '%s'", argv[optind]);
    if (c->o.schema_dir && c->o.dsn)
        return pf_cli_usage_error(k_usage, "init: give --schema or --dsn, not both");
    if (c->o.pss_top > 0 && c->o.pss_dsn == NULL)
        return pf_cli_usage_error(k_usage, "init: --top goes with --from-pg-stat-statements");
    if (c->o.dsn && c->o.auth_shim)
        return pf_cli_usage_error(k_usage, "init: --auth-shim goes with --schema");
    return -1;
}

int pf_cmd_init(int argc, char **argv)
{
    init_cli c;
    memset(&c, 0, sizeof c);
    pf_init_opts_init(&c.o);
    c.o.out_dir = "perfgate";
    int prc = parse(argc, argv, &c);
    if (prc >= 0) {
        free(c.schemas_copy);
        return prc;
    }
    if (c.o.schema_dir == NULL && c.o.dsn == NULL) {
        if (pf_path_is_dir("supabase/migrations")) {
            c.o.schema_dir = "supabase/migrations";
            c.o.auth_shim = true;
            pf_cli_msg("using supabase/migrations with the Supabase shim (--schema DIR for "
                       "another)");
        } else if (pf_target_dsn(NULL) != NULL) {
            c.o.dsn = pf_target_dsn(NULL);
        } else {
            free(c.schemas_copy);
            return pf_cli_usage_error(k_usage, "init: give --schema DIR (your migrations) or "
                                               "--dsn DSN (a database to read)");
        }
    }
    c.o.on_phase = on_phase;
    pf_init_result r;
    pf_error err;
    pf_error_clear(&err);
    int rc = PF_EXIT_OK;
    if (pf_init_run(&c.o, &r, &err) < 0) {
        rc = pf_cli_fail(&err);
        if (r.files && r.files[0])
            pf_cli_msg("files written before the failure are in %s", c.o.out_dir);
        pf_init_result_dispose(&r);
        free(c.schemas_copy);
        return rc;
    }
    char rows[32];
    fprintf(stderr,
            "perfgate: drafted %zu tables (%s rows at scale 1), RLS rules for %zu tables (%zu "
            "TODO), %zu cases into %s/ in %.1f s\n",
            r.n_tables, pf_cli_thousands(r.rows, rows, sizeof rows), r.n_rules, r.n_todo,
            r.n_cases, c.o.out_dir, r.total_ms / 1000);
    if (c.o.pss_dsn)
        fprintf(stderr, "perfgate: %zu of the cases from pg_stat_statements (bench/top/)%s\n",
                r.n_top, r.top_skipped && r.top_skipped[0] ? "; what was left out is in "
                                                              "perfgate-init.md"
                                                            : "");
    size_t nrep = 0;
    while (r.repairs && r.repairs[nrep])
        nrep++;
    if (c.o.schema_dir && c.o.trial) {
        if (r.trial_ok)
            fprintf(stderr, "perfgate: trial seeding: the draft loads (%.1f s)%s\n",
                    r.seed_ms / 1000,
                    nrep ? "; repairs are listed in perfgate-init.md" : "");
        else {
            fprintf(stderr, "perfgate: trial seeding: the draft does not load yet: %s\n",
                    r.trial_error ? r.trial_error : "?");
            rc = PF_EXIT_FAIL;
        }
    }
    printf("Review %s/perfgate-init.md, then:\n  perfgate run", c.o.out_dir);
    if (c.o.schema_dir)
        printf(" --schema %s%s", c.o.schema_dir, c.o.auth_shim ? " --auth-shim" : "");
    else
        printf(" --schema <your migrations>");
    printf(" --dataset %s/dataset.json --bench %s/bench --baselines %s/baselines \\\n    ",
           c.o.out_dir, c.o.out_dir, c.o.out_dir);
    if (r.n_todo)
        printf("--no-rls\n");
    else
        printf("--rls-rules %s/rls.json\n", c.o.out_dir);
    if (r.n_todo)
        printf("(--no-rls until the %zu TODO rule%s in %s/rls.json are written)\n", r.n_todo,
               r.n_todo == 1 ? "" : "s", c.o.out_dir);
    pf_init_result_dispose(&r);
    free(c.schemas_copy);
    return rc;
}
