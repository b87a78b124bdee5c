/* The command-line front end: one cmd_<verb>.c per command. Only this
 * directory prints to the user and decides exit statuses. */
#ifndef PF_CLI_H
#define PF_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../error.h"
#include "../exitcode.h"

/* What the commands read when not told otherwise (found by
 * pf_cli_default_path). */
#define PF_DEFAULT_SCHEMA "fixtures/schema"
#define PF_DEFAULT_DATASET "fixtures/datasets/healthcare.json"
#define PF_DEFAULT_BENCH "bench"
#define PF_DEFAULT_BASELINES "baselines"
#define PF_DEFAULT_RLS_RULES "fixtures/rls/healthcare.json"
#define PF_DEFAULT_MONITOR_CONFIG "fixtures/monitoring/healthcare.json"
#define PF_DEFAULT_SCENARIOS "bench/load"
/* The monitor's history store (perfgate monitor, perfgate report). */
#define PF_STORE_DSN_ENV "PERFGATE_STORE_DSN"

/* One entry of the command table in main.c. run gets argv with argv[0] set
 * to the command name and returns an exit status (enum pf_exit). */
typedef struct pf_cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} pf_cli_command;

int pf_cmd_pg(int argc, char **argv);
int pf_cmd_seed(int argc, char **argv);
int pf_cmd_run(int argc, char **argv);
int pf_cmd_load(int argc, char **argv);
int pf_cmd_monitor(int argc, char **argv);
int pf_cmd_rls(int argc, char **argv);
int pf_cmd_report(int argc, char **argv);

/* -v given (globally or to the command). */
extern bool pf_cli_verbose;

/* "perfgate: <message>" on stderr. */
void pf_cli_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print an engine error and return its exit status. */
int pf_cli_fail(const pf_error *err);
/* A usage error: the message, then the command's usage, on stderr; 2. */
int pf_cli_usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Report getopt_long's '?' (unknown option) or ':' (missing value) as a
 * usage error; c is what getopt_long returned. */
int pf_cli_bad_option(const char *cmd, const char *usage, int c, char **argv);

/* Overrides where the defaults below come from (see pf_cli_default_path). */
#define PF_DATA_DIR_ENV "PERFGATE_DATA_DIR"

/* A project default (fixtures/schema, bench, ...), the first of:
 *   1. rel itself, when it exists in the current directory (the user's own
 *      project);
 *   2. $PERFGATE_DATA_DIR/rel, when that variable is set (returned even if
 *      missing, so the error names where perfgate looked);
 *   3. rel in the data directory of the installation perfgate runs from
 *      (pf_cli_installed_data_dir), when it exists there;
 *   4. rel in the source tree perfgate was built from (a build-tree binary);
 *   5. rel in the data directory perfgate was configured for (PF_DATA_DIR);
 *   6. rel unchanged (the caller's error then names it).
 * Caller frees. */
char *pf_cli_default_path(const char *rel);
/* The data directory of the installation that the executable exe belongs
 * to: <dir of exe>/../share/perfgate (from meson's bindir and datadir) when
 * that directory exists; NULL otherwise (e.g. build/src/perfgate). exe
 * NULL means this process's own executable (/proc/self/exe). Works for a
 * moved installation (meson install --destdir, a restored CI cache) because
 * it does not use the prefix. Caller frees. */
char *pf_cli_installed_data_dir(const char *exe);
/* given when non-NULL, else the default path of rel, which *owned then
 * holds (for the caller to free). */
const char *pf_cli_path_or_default(const char *given, char **owned, const char *rel);
/* The environment variable's value when set and non-empty, else NULL. */
const char *pf_cli_env(const char *name);

/* Number options: on bad input print a usage error and return -1. */
int pf_cli_parse_double(const char *usage, const char *opt, const char *text, double min,
                        double *out);
int pf_cli_parse_u64(const char *usage, const char *opt, const char *text, uint64_t *out);
int pf_cli_parse_int(const char *usage, const char *opt, const char *text, int min, int max,
                     int *out);

/* Write a report: "-" means stdout; otherwise atomically (temp file and
 * rename), or appended (append = true, e.g. $GITHUB_STEP_SUMMARY). */
int pf_cli_write_output(const char *path, const char *text, bool append, pf_error *err);

/* true when stderr is a terminal (progress lines). */
bool pf_cli_tty(void);

/* 12,345,678 into buf. */
const char *pf_cli_thousands(int64_t v, char *buf, size_t len);

#endif
