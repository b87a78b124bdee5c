/* perfgate: a performance regression gate and monitor for PostgreSQL.
 * This file only dispatches to the commands. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "pf_config.h"

#include "interrupt.h"
#include "cli.h"

static const pf_cli_command k_commands[] = {
    {"run", "the regression gate: seed, measure every case, compare with baselines", pf_cmd_run},
    {"rls", "Row Level Security checks: isolation, policy linter, RLS overhead", pf_cmd_rls},
    {"seed", "apply the schema and load deterministic synthetic data", pf_cmd_seed},
    {"init", "draft a dataset spec, RLS rules and cases from your own schema", pf_cmd_init},
    {"load", "load scenarios at 1x/10x the expected load, and the queue-drain benchmark",
     pf_cmd_load},
    {"pg", "start or stop a disposable PostgreSQL server for local work", pf_cmd_pg},
    {"monitor", "production query monitoring and alerts from pg_stat_statements",
     pf_cmd_monitor},
    {"report", "the dashboard: results over time and production, as one HTML file",
     pf_cmd_report},
};
#define N_COMMANDS (sizeof k_commands / sizeof k_commands[0])

/* Commands that stop gracefully on SIGTERM/SIGINT (they finish the unit of
 * work at hand and exit 0) instead of quitting their servers at once. A
 * name list rather than a table column: a fourth field would make every
 * three-field entry a -Wmissing-field-initializers error. */
static bool graceful(const char *name)
{
    return strcmp(name, "monitor") == 0 || strcmp(name, "load") == 0;
}

static void usage(FILE *out)
{
    fputs("Usage: perfgate [-v] <command> [options]\n"
          "       perfgate --help | --version | <command> --help\n"
          "\n"
          "A performance regression gate and monitor for PostgreSQL applications.\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-9s %s\n", k_commands[i].name, k_commands[i].summary);
    fputs("\n"
          "Exit status: 0 pass, 1 a regression or failed check, 2 usage or bad input,\n"
          "3 infrastructure (server would not start, connection lost).\n"
          "\n"
          "Environment:\n"
          "  PERFGATE_DSN          use this server instead of starting a disposable one\n"
          "  PG_BINDIR             directory of initdb/postgres (default: pg_config --bindir,\n"
          "                        then /usr/lib/postgresql/<major>/bin)\n"
          "  PERFGATE_PG_USER      when run as root, the unprivileged user the server runs\n"
          "                        as (default: postgres, else nobody)\n"
          "  PERFGATE_RUNTIME_DIR  where disposable clusters live (default: $TMPDIR or /tmp)\n"
          "  PERFGATE_DATA_DIR     where default files are looked up (see Files)\n"
          "\n"
          "Files:\n"
          "  A default path (fixtures/schema, fixtures/datasets/healthcare.json, bench,\n"
          "  baselines, fixtures/rls/healthcare.json, ...) is looked up in this order:\n"
          "   1. in the current directory (your own project);\n"
          "   2. if $PERFGATE_DATA_DIR is set: there, and nowhere else;\n"
          "   3. in the data directory of the installation perfgate runs from\n"
          "      (../share/perfgate beside the binary, e.g. /usr/share/perfgate);\n"
          "   4. in the source tree perfgate was built from (a binary in its build tree).\n"
          "  An option (--schema, --bench, ...) always wins.\n",
          out);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"verbose", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    /* '+': stop at the command name; its options are the command's. */
    while ((c = getopt_long(argc, argv, "+:hVv", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return PF_EXIT_OK;
        case 'V':
            printf("perfgate %s\n", PF_VERSION);
            return PF_EXIT_OK;
        case 'v':
            pf_cli_verbose = true;
            break;
        default:
            if (optopt != 0)
                pf_cli_msg("unknown option '-%c'", optopt);
            else
                pf_cli_msg("unknown option '%s'", argv[optind - 1]);
            usage(stderr);
            return PF_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        pf_cli_msg("no command given");
        usage(stderr);
        return PF_EXIT_USAGE;
    }
    const char *name = argv[optind];
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(name, k_commands[i].name) != 0)
            continue;
        pf_interrupt_install(!graceful(name));
        int sub_argc = argc - optind;
        char **sub_argv = argv + optind;
        optind = 0; /* glibc: full re-initialisation for the command's parse */
        return k_commands[i].run(sub_argc, sub_argv);
    }
    pf_cli_msg("unknown command '%s'", name);
    usage(stderr);
    return PF_EXIT_USAGE;
}
