/* Fuzz target: a results file as perfgate report reads it
 * (pf_history_read_text: gate, RLS and load JSON), the ISO-8601 times in it,
 * and the --listen address of perfgate monitor (pf_httpd_parse_listen). */
#include <stdlib.h>

#include "fuzz.h"
#include "history.h"
#include "httpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    pf_history h;
    pf_history_read_text(&h, "fuzz.json", text);
    pf_history_dispose(&h);
    int64_t us = 0;
    (void)pf_history_parse_time(text, &us);
    char *host = NULL;
    int port = 0;
    pf_error err;
    if (pf_httpd_parse_listen(text, &host, &port, &err) == 0)
        free(host);
    free(text);
    return 0;
}
