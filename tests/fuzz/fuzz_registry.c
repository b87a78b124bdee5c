/* Fuzz target: benchmark case files (pf_registry_parse_case), the `-- key:
 * value` header and its one statement; a case that parses is also matched
 * against --only patterns. */
#include <stdlib.h>

#include "fuzz.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    pf_case c;
    pf_error err;
    if (pf_registry_parse_case("bench/fuzz/fuzz_case.sql", text, "fuzz", &c, &err) == 0) {
        (void)pf_registry_match(&c, "timeline_*, rls/*,fuzz");
        (void)pf_registry_match(&c, c.name);
        (void)pf_registry_identity_role(c.identity);
    }
    pf_case_dispose(&c);
    free(text);
    return 0;
}
