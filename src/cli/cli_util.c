/* Shared printing helpers of the CLI. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pf_config.h"

#include "fsutil.h"

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

char *pf_cli_installed_data_dir(const char *exe)
{
    if (PF_DATA_DIR_FROM_BINDIR[0] == '\0')
        return NULL; /* bindir or datadir configured as an absolute path */
    char self[4096];
    if (exe == NULL) {
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
            return NULL;
        self[n] = '\0';
        exe = self;
    }
    const char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return NULL;
    char *bindir = pf_strndup(exe, (size_t)(slash - exe));
    char *data = pf_path_join(bindir[0] != '\0' ? bindir : "/", PF_DATA_DIR_FROM_BINDIR);
    free(bindir);
    char *real = realpath(data, NULL); /* also: NULL when it does not exist */
    free(data);
    if (real != NULL && !pf_path_is_dir(real)) {
        free(real);
        return NULL;
    }
    return real;
}

/* base/rel when it exists, else NULL. */
static char *existing_under(const char *base, const char *rel)
{
    if (base == NULL)
        return NULL;
    char *p = pf_path_join(base, rel);
    if (pf_path_exists(p))
        return p;
    free(p);
    return NULL;
}

char *pf_cli_default_path(const char *rel)
{
    if (pf_path_exists(rel))
        return pf_strdup(rel);
    const char *env = pf_cli_env(PF_DATA_DIR_ENV);
    if (env != NULL)
        return pf_path_join(env, rel);
    char *installed = pf_cli_installed_data_dir(NULL);
    char *found = existing_under(installed, rel);
    free(installed);
    if (found == NULL)
        found = existing_under(PF_SOURCE_ROOT, rel);
    if (found == NULL)
        found = existing_under(PF_DATA_DIR, rel);
    return found != NULL ? found : pf_strdup(rel);
}

const char *pf_cli_path_or_default(const char *given, char **owned, const char *rel)
{
    if (given != NULL)
        return given;
    *owned = pf_cli_default_path(rel);
    return *owned;
}

const char *pf_cli_env(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && *v != '\0' ? v : NULL;
}

int pf_cli_parse_double(const char *usage, const char *opt, const char *text, double min,
                        double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !(v >= min)) {
        pf_cli_usage_error(usage, "%s: '%s' is not a number >= %g", opt, text, min);
        return -1;
    }
    *out = v;
    return 0;
}

int pf_cli_parse_u64(const char *usage, const char *opt, const char *text, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || text[0] == '-') {
        pf_cli_usage_error(usage, "%s: '%s' is not a non-negative integer", opt, text);
        return -1;
    }
    *out = v;
    return 0;
}

int pf_cli_parse_int(const char *usage, const char *opt, const char *text, int min, int max,
                     int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || v < min || v > max) {
        pf_cli_usage_error(usage, "%s: '%s' is not an integer in [%d, %d]", opt, text, min, max);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int pf_cli_parse_junit_format(const char *usage, const char *text, pf_junit_format *out)
{
    if (pf_junit_format_parse(text, out) == 0)
        return 0;
    pf_cli_usage_error(usage, "--junit-format: '%s': expected reporters or junit10", text);
    return -1;
}

bool pf_cli_tty(void)
{
    return isatty(2) != 0;
}

const char *pf_cli_thousands(int64_t v, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    /* The magnitude as unsigned: -INT64_MIN does not fit an int64_t. */
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char digits[32];
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)mag);
    size_t n = strlen(digits), o = 0;
    if (v < 0 && o + 1 < len)
        buf[o++] = '-';
    for (size_t i = 0; i < n; i++) {
        bool comma = i > 0 && (n - i) % 3 == 0;
        if (o + 1 + (comma ? 1 : 0) >= len)
            break; /* truncated, never past the buffer */
        if (comma)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

int pf_cli_write_output(const char *path, const char *text, bool append, pf_error *err)
{
    if (strcmp(path, "-") == 0) {
        fputs(text, stdout);
        return 0;
    }
    if (!append)
        return pf_file_write_atomic(path, text, strlen(text), err);
    FILE *f = fopen(path, "a");
    if (f == NULL)
        return pf_error_set(err, PF_EXIT_INFRA, "%s: cannot append", path);
    fputs(text, f);
    return fclose(f) == 0 ? 0 : pf_error_set(err, PF_EXIT_INFRA, "%s: write failed", path);
}
