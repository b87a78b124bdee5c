/* The command-line front end: one cmd_<verb>.c per command. Only this
 * directory prints to the user and decides exit statuses. */
#ifndef PF_CLI_H
#define PF_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "../error.h"
#include "../exitcode.h"

/* One entry of the command table in main.c. run gets argv with argv[0] set
 * to the command name and returns an exit status (enum pf_exit). */
typedef struct pf_cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} pf_cli_command;

int pf_cmd_pg(int argc, char **argv);

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

#endif
