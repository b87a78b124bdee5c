/* Fuzz target: connection strings (keyword=value or URI, parsed by libpq)
 * rebuilt with the password masked (pf_db_dsn_redact) and with another
 * database (pf_db_dsn_with_dbname). Nothing connects. */
#include <stdlib.h>

#include "db.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    free(pf_db_dsn_redact(text));
    free(pf_db_dsn_with_dbname(text, "perfgate_fuzz"));
    free(pf_db_dsn_with_dbname(text, "it's a \\ name"));
    free(text);
    return 0;
}
