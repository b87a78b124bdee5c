/* Alert levels of the product's SLA thresholds: a value against its
 * threshold is ok, warning (above 50% of it by default), critical (above
 * 100%) or emergency (above 200%). Shared by the gate's verdicts, load
 * reports, the RLS overhead checks and the monitor's alerts. */
#ifndef PF_LEVEL_H
#define PF_LEVEL_H

/* The product's limits, as fractions of a threshold. */
#define PF_LEVEL_WARNING_AT 0.5
#define PF_LEVEL_CRITICAL_AT 1.0
#define PF_LEVEL_EMERGENCY_AT 2.0

typedef enum pf_level {
    PF_LEVEL_OK,
    PF_LEVEL_WARNING,
    PF_LEVEL_CRITICAL,
    PF_LEVEL_EMERGENCY,
} pf_level;

/* "ok", "warning", "critical", "emergency"; "unknown" for a value outside
 * the enum (never an out-of-bounds read). Static string. */
const char *pf_level_name(pf_level l);
/* The inverse: 0 and *out set, or -1 for anything else. */
int pf_level_parse(const char *s, pf_level *out);
/* The level of value against threshold (0 or less: no threshold, always
 * ok), with the warning / critical / emergency limits as fractions of the
 * threshold; "above" is strict: exactly 100% is still a warning. */
pf_level pf_level_of(double value, double threshold, double warn, double critical,
                     double emergency);

#endif
