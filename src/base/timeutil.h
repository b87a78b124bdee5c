/* Clocks, wall-clock formatting and durations. */
#ifndef PF_TIMEUTIL_H
#define PF_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* CLOCK_MONOTONIC in nanoseconds: the only clock used for measurements. */
uint64_t pf_now_ns(void);
/* Milliseconds elapsed since a pf_now_ns() reading. */
double pf_elapsed_ms(uint64_t since_ns);
/* Sleep, resuming after signals until the time has passed or a perfgate
 * interruption was requested. */
void pf_sleep_ms(double ms);

/* Format a wall-clock time, microseconds since the Unix epoch, in UTC with
 * strftime's fmt ("%Y-%m-%d %H:%M") into buf. */
void pf_time_format(char *buf, size_t len, int64_t epoch_us, const char *fmt);

/* Parse "250ms", "30s", "5m", "2h", "1.5s" or a bare number of seconds into
 * milliseconds. Returns 0, or -1 with err naming what (PF_EXIT_USAGE). */
int pf_duration_parse(const char *text, double *ms, pf_error *err);

#endif
