/* Shared printing helpers of the CLI. */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <string.h>

bool pf_cli_verbose;

void pf_cli_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("perfgate: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int pf_cli_fail(const pf_error *err)
{
    pf_cli_msg("%s", err->msg[0] ? err->msg : "failed");
    return err->code ? err->code : PF_EXIT_INFRA;
}

int pf_cli_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("perfgate: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fputs(usage, stderr);
    return PF_EXIT_USAGE;
}

int pf_cli_bad_option(const char *cmd, const char *usage, int c, char **argv)
{
    /* Option strings start with ':' so getopt reports a missing value as ':'
     * and stays silent: the message is ours. */
    const char *arg = optind > 0 ? argv[optind - 1] : "?";
    if (c == ':')
        return pf_cli_usage_error(usage, "%s: option '%s' needs a value", cmd, arg);
    if (optopt != 0)
        return pf_cli_usage_error(usage, "%s: unknown option '-%c'", cmd, optopt);
    return pf_cli_usage_error(usage, "%s: unknown option '%s'", cmd, arg);
}
