/* What every fuzz target shares: the libFuzzer entry point they define and a
 * NUL-terminated copy of the input, since the parsers take C strings. */
#ifndef PF_FUZZ_H
#define PF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"

/* Called once per input by libFuzzer (fuzz builds) or by driver.c (every
 * other build). Must not print, must free everything, returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a C string (an embedded NUL ends it early, as it would in a
 * file the CLI reads); caller frees. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = pf_malloc(size + 1);
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
