/* Fuzz target: durations as the CLI and case headers take them
 * (pf_duration_parse: "250ms", "30s", "5m", "1h") and as the monitor's
 * configuration does (pf_monconfig_duration, which adds days: "7d"). */
#include <stdlib.h>

#include "fuzz.h"
#include "monconfig.h"
#include "timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    double ms = 0;
    pf_error err;
    (void)pf_duration_parse(text, &ms, &err);
    (void)pf_monconfig_duration(text, &ms, &err);
    free(text);
    return 0;
}
