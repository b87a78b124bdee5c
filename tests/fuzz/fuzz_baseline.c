/* Fuzz target: baseline files (pf_baseline_parse, the text half of
 * pf_baseline_read). A baseline that parses must also survive a round trip:
 * its canonical rendering parses again and renders to the same text (the
 * target aborts otherwise, which libFuzzer reports as a crash). */
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    pf_baseline b;
    pf_error err;
    if (pf_baseline_parse("baselines/fuzz/case.json", text, &b, &err) == 0) {
        char *once = pf_baseline_render(&b);
        pf_baseline again;
        if (pf_baseline_parse("baselines/fuzz/rendered.json", once, &again, &err) != 0)
            abort();
        char *twice = pf_baseline_render(&again);
        if (strcmp(once, twice) != 0)
            abort();
        free(twice);
        pf_baseline_dispose(&again);
        free(once);
        pf_baseline_dispose(&b);
    }
    free(text);
    return 0;
}
