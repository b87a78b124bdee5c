/* Fuzz target: RLS overhead baselines (pf_rls_baseline_parse, the text half
 * of pf_rls_baseline_read). A baseline that parses must also survive a
 * round trip: its rendering parses again and renders to the same text (the
 * target aborts otherwise, which libFuzzer reports as a crash). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rls_baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    pf_rls_baseline b;
    pf_error err;
    if (pf_rls_baseline_parse("baselines/rls/overhead/fuzz.json", text, &b, &err) == 0) {
        char *once = pf_rls_baseline_render(&b);
        pf_rls_baseline again;
        if (pf_rls_baseline_parse("baselines/rls/overhead/rendered.json", once, &again, &err) != 0)
            abort();
        char *twice = pf_rls_baseline_render(&again);
        if (strcmp(once, twice) != 0)
            abort();
        free(twice);
        pf_rls_baseline_dispose(&again);
        free(once);
        pf_rls_baseline_dispose(&b);
    }
    free(text);
    return 0;
}
