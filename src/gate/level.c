/* SLA alert levels: names, parsing, a value against its threshold. */
#include "level.h"

#include <stddef.h>
#include <string.h>

static const char *const k_names[] = {"ok", "warning", "critical", "emergency"};
#define N_LEVELS (sizeof k_names / sizeof k_names[0])

const char *pf_level_name(pf_level l)
{
    return (unsigned)l < N_LEVELS ? k_names[l] : "unknown";
}

int pf_level_parse(const char *s, pf_level *out)
{
    for (size_t i = 0; s != NULL && i < N_LEVELS; i++)
        if (strcmp(s, k_names[i]) == 0) {
            *out = (pf_level)i;
            return 0;
        }
    return -1;
}

pf_level pf_level_of(double value, double threshold, double warn, double critical,
                     double emergency)
{
    if (!(threshold > 0))
        return PF_LEVEL_OK;
    double x = value / threshold;
    if (x > emergency)
        return PF_LEVEL_EMERGENCY;
    if (x > critical)
        return PF_LEVEL_CRITICAL;
    if (x > warn)
        return PF_LEVEL_WARNING;
    return PF_LEVEL_OK;
}
