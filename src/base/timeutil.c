/* Monotonic clock, wall-clock formatting and duration parsing. */
#include "timeutil.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "interrupt.h"

uint64_t pf_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double pf_elapsed_ms(uint64_t since_ns)
{
    return (double)(pf_now_ns() - since_ns) / 1e6;
}

void pf_sleep_ms(double ms)
{
    if (ms <= 0)
        return;
    struct timespec req;
    req.tv_sec = (time_t)(ms / 1000.0);
    req.tv_nsec = (long)((ms - (double)req.tv_sec * 1000.0) * 1e6);
    while (nanosleep(&req, &req) != 0 && errno == EINTR && pf_interrupt_signal() == 0) {
    }
}

void pf_time_format(char *buf, size_t len, int64_t epoch_us, const char *fmt)
{
    time_t t = (time_t)(epoch_us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, fmt, &tm);
}

int pf_duration_parse(const char *text, double *ms, pf_error *err)
{
    if (text == NULL || *text == '\0')
        return pf_error_set(err, PF_EXIT_USAGE, "empty duration");
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    /* strtod reads "nan" and "inf": neither is a duration. */
    if (end == text || errno != 0 || !isfinite(v) || v < 0)
        return pf_error_set(err, PF_EXIT_USAGE,
                            "'%s' is not a duration (examples: 500ms, 30s, 5m, 1h)", text);
    double scale;
    if (*end == '\0' || strcmp(end, "s") == 0)
        scale = 1000.0;
    else if (strcmp(end, "ms") == 0)
        scale = 1.0;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
        scale = 60000.0;
    else if (strcmp(end, "h") == 0)
        scale = 3600000.0;
    else
        return pf_error_set(err, PF_EXIT_USAGE,
                            "'%s' is not a duration (examples: 500ms, 30s, 5m, 1h)", text);
    *ms = v * scale;
    return 0;
}
