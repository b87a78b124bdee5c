/* Fuzz target: the SQL statement splitter (pf_sql_split) and named
 * parameters (pf_sql_bind_named), on a whole script and on each statement
 * it splits out, as the schema applier and the case parser use them; and the
 * server-position mapping (pf_sql_char_to_byte) over each statement. */
#include <stdlib.h>

#include "fsutil.h"
#include "fuzz.h"
#include "sql.h"

static void bind(const char *sql)
{
    char *out = NULL;
    char **names = NULL;
    size_t n = 0;
    pf_error err;
    if (pf_sql_bind_named("fuzz.sql", sql, &out, &names, &n, &err) == 0) {
        free(out);
        pf_strv_free(names);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    pf_sql_stmt *stmts = NULL;
    size_t n = 0;
    pf_error err;
    if (pf_sql_split("fuzz.sql", text, &stmts, &n, &err) == 0) {
        for (size_t i = 0; i < n; i++) {
            char *one = pf_strndup(text + stmts[i].offset, stmts[i].len);
            bind(one);
            int chars = (int)(stmts[i].len > 64 ? 64 : stmts[i].len);
            for (int pos = 0; pos <= chars + 1; pos++)
                (void)pf_sql_char_to_byte(one, stmts[i].len, pos);
            free(one);
        }
        free(stmts);
    }
    bind(text);
    free(text);
    return 0;
}
