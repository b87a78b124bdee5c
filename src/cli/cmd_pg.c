/* perfgate pg start|stop|list: a disposable PostgreSQL server for local work. */
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "db.h"
#include "fsutil.h"
#include "interrupt.h"
#include "timeutil.h"
#include "cache.h"
#include "cli.h"

typedef struct start_cli {
    bool env, foreground, no_cache;
    double timeout_ms;
} start_cli;

#define START_AT(field) offsetof(start_cli, field)

static const pf_cli_opt k_start_opts[] = {
    {.name = "env", .kind = PF_CLI_FLAG, .at = START_AT(env),
     .help = "print shell `export` lines instead (PGHOST, PGPORT,\n"
             "PGUSER, PGDATABASE, PERFGATE_DSN, PERFGATE_CLUSTER):\n"
             "eval \"$(perfgate pg start --env)\""},
    {.name = "foreground", .kind = PF_CLI_FLAG, .at = START_AT(foreground),
     .help = "stay in the foreground; SIGINT/SIGTERM stop the server\n"
             "and remove everything"},
    {.name = "timeout", .kind = PF_CLI_DURATION, .at = START_AT(timeout_ms), .meta = "D",
     .synopsis = "[--timeout DURATION]",
     .help = "how long to wait for the server to accept connections\n"
             "(default 30s)"},
    {.name = "no-cache", .kind = PF_CLI_FLAG, .at = START_AT(no_cache),
     .help = "run initdb even when its output is cached (the cache:\n"
             "$PERFGATE_CACHE_DIR, else ~/.cache/perfgate)"},
    {.name = "verbose", .short_name = 'v', .kind = PF_CLI_VERBOSE,
     .help = "print timings (initdb or its cached copy, server start,\n"
             "first query)"},
    {0},
};

/* pg's --help: the subcommands, pg start's options under start. */
static const pf_cli_spec k_start_spec = {
    .cmd = "pg start",
    .opts = k_start_opts,
    .usage_more = "       perfgate pg stop [DIR | --all]\n"
                  "       perfgate pg list\n",
    .about =
        "\n"
        "start  initdb into a private temp directory and start a server on a private Unix\n"
        "       socket plus a random TCP port on 127.0.0.1, tuned for benchmarking (fsync,\n"
        "       synchronous_commit, full_page_writes, jit, autovacuum and parallel query\n"
        "       off; pg_stat_statements preloaded; track_functions=all; see\n"
        "       docs/cluster.md). Prints a libpq connection string. The server keeps\n"
        "       running after perfgate exits, until `perfgate pg stop`.\n",
    .epilog =
        "stop   stop the server and remove its directory: DIR, else $PERFGATE_CLUSTER,\n"
        "       else the only running one; --all stops every one started by pg start.\n"
        "list   the clusters of this user and whether their server runs.\n"
        "\n"
        "As root, initdb and the server run as the unprivileged user 'postgres'\n"
        "(override with PERFGATE_PG_USER; 'nobody' if there is no 'postgres'); nothing\n"
        "else is created system-wide. Clusters left by a killed perfgate are removed by\n"
        "the next start.\n",
    .indent = 9,
    .col = 24,
};

static const pf_cli_opt k_stop_opts[] = {
    /* Documented in pg's --help, under stop. */
    {.name = "all", .kind = PF_CLI_FLAG, .at = 0},
    {0},
};

static const pf_cli_spec k_stop_spec = {
    .cmd = "pg stop",
    .opts = k_stop_opts,
    .operands = "[DIR | --all]",
    .doc = &k_start_spec,
};

static void print_env(const pf_cluster *c)
{
    printf("export PGHOST='%s'\n", pf_cluster_socket_dir(c));
    printf("export PGPORT='%d'\n", pf_cluster_port(c));
    printf("export PGUSER='postgres'\n");
    printf("export PGDATABASE='postgres'\n");
    printf("export PERFGATE_DSN='%s'\n", pf_cluster_dsn(c));
    printf("export %s='%s'\n", PF_CLUSTER_ENV, pf_cluster_dir(c));
}

/* Connect and run a first query; checks pg_stat_statements is loaded. */
static int first_query(const pf_cluster *c, pf_error *err)
{
    pf_db *db = NULL;
    char *libs = NULL;
    if (pf_db_connect(&db, pf_cluster_dsn(c), err) < 0)
        return -1;
    int rc = pf_db_query_value(db, "SHOW shared_preload_libraries", &libs, err);
    if (rc == 0 && (libs == NULL || strstr(libs, "pg_stat_statements") == NULL))
        rc = pf_error_set(err, PF_EXIT_INFRA, "pg_stat_statements is not loaded");
    free(libs);
    pf_db_close(db);
    return rc;
}

static int pg_start(int argc, char **argv)
{
    start_cli o = {.timeout_ms = 30000};
    int prc = pf_cli_parse(&k_start_spec, &o, argc, argv);
    if (prc != PF_CLI_CONTINUE)
        return prc;
    pf_error err;
    pf_error_clear(&err);

    pf_cluster_opts copts = {0};
    copts.detached = !o.foreground;
    copts.start_timeout_ms = (int)o.timeout_ms;
    pf_cluster *cl = NULL;
    uint64_t t0 = pf_now_ns();
    /* initdb's output from the cache (as perfgate run does): a cache that
     * cannot be opened only costs an initdb. */
    pf_cache *cache = NULL;
    pf_error ignored;
    if (!o.no_cache && pf_cache_open(&cache, NULL, &ignored) == 0)
        copts.cache = cache;
    int started = pf_cluster_start(&cl, &copts, &err);
    pf_cache_free(cache);
    if (started < 0)
        return pf_cli_fail(&err);
    if (first_query(cl, &err) < 0) {
        /* A detached cluster that cannot answer is of no use: remove it. */
        pf_cluster_stop_dir(pf_cluster_dir(cl), NULL);
        pf_cluster_free(cl);
        return pf_cli_fail(&err);
    }
    double total = pf_elapsed_ms(t0);
    if (pf_cli_verbose) {
        const char *user = pf_cluster_os_user(cl);
        pf_cli_msg("server ready in %.0f ms (%s %.0f ms, server start %.0f ms, first query "
                   "included)%s%s; directory %s",
                   total, pf_cluster_origin(cl), pf_cluster_initdb_ms(cl), pf_cluster_ready_ms(cl),
                   *user ? ", running as user " : "", user, pf_cluster_dir(cl));
    }
    if (o.env)
        print_env(cl);
    else
        printf("%s\n", pf_cluster_dsn(cl));
    fflush(stdout);

    if (!o.foreground) {
        pf_cluster_free(cl); /* detached: leaves the server running */
        return PF_EXIT_OK;
    }
    /* Foreground: wait for a signal or for the server to die. */
    pid_t pm = pf_cluster_pid(cl);
    int rc = PF_EXIT_OK;
    while (pf_interrupt_signal() == 0) {
        if (kill(pm, 0) != 0) {
            pf_cli_msg("the server exited unexpectedly");
            rc = PF_EXIT_INFRA;
            break;
        }
        pf_sleep_ms(200);
    }
    pf_cluster_free(cl);
    return rc;
}

static int pg_stop(int argc, char **argv)
{
    bool all = false;
    int prc = pf_cli_parse(&k_stop_spec, &all, argc, argv);
    if (prc != PF_CLI_CONTINUE)
        return prc;
    if (argc - optind > 1 || (all && optind < argc))
        return pf_cli_spec_error(&k_stop_spec, "pg stop: give one DIR or --all");
    pf_error err;
    pf_error_clear(&err);
    char **dirs = NULL;
    if (optind < argc) {
        dirs = pf_calloc(2, sizeof *dirs);
        dirs[0] = pf_strdup(argv[optind]);
    } else if (!all && getenv(PF_CLUSTER_ENV) && *getenv(PF_CLUSTER_ENV)) {
        dirs = pf_calloc(2, sizeof *dirs);
        dirs[0] = pf_strdup(getenv(PF_CLUSTER_ENV));
    } else {
        if (pf_cluster_list(NULL, true, &dirs, &err) < 0)
            return pf_cli_fail(&err);
        size_t n = 0;
        while (dirs[n])
            n++;
        if (n == 0) {
            pf_strv_free(dirs);
            pf_cli_msg("pg stop: no cluster started by `perfgate pg start` is running");
            return PF_EXIT_USAGE;
        }
        if (n > 1 && !all) {
            pf_cli_msg("pg stop: %zu clusters are running; name one or use --all:", n);
            for (size_t i = 0; i < n; i++)
                fprintf(stderr, "  %s\n", dirs[i]);
            pf_strv_free(dirs);
            return PF_EXIT_USAGE;
        }
    }
    int rc = PF_EXIT_OK;
    for (char **d = dirs; *d; d++) {
        if (pf_cluster_stop_dir(*d, &err) < 0)
            rc = pf_cli_fail(&err);
        else
            printf("stopped and removed %s\n", *d);
    }
    pf_strv_free(dirs);
    return rc;
}

static int pg_list(int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return pf_cli_spec_error(&k_start_spec, "pg list: takes no arguments");
    char **dirs = NULL;
    pf_error err;
    if (pf_cluster_list(NULL, false, &dirs, &err) < 0)
        return pf_cli_fail(&err);
    for (char **d = dirs; *d; d++)
        printf("%s\n", *d);
    pf_strv_free(dirs);
    return PF_EXIT_OK;
}

int pf_cmd_pg(int argc, char **argv)
{
    if (argc < 2)
        return pf_cli_spec_error(&k_start_spec, "pg: say start, stop or list");
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        pf_cli_help(&k_start_spec, stdout);
        return PF_EXIT_OK;
    }
    if (strcmp(sub, "start") == 0)
        return pg_start(argc - 1, argv + 1);
    if (strcmp(sub, "stop") == 0)
        return pg_stop(argc - 1, argv + 1);
    if (strcmp(sub, "list") == 0)
        return pg_list(argc - 1, argv + 1);
    return pf_cli_spec_error(&k_start_spec, "pg: unknown subcommand '%s'", sub);
}
