/* Schema applier. */
#include "schema.h"

#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "sqlsplit.h"
#include "timeutil.h"

/* Generated at build time from fixtures/schema/000_supabase_auth.sql and
 * 001_supabase_storage.sql. */
extern const char pf_auth_shim_sql[];
extern const char pf_storage_shim_sql[];

int pf_schema_apply_text(pf_db *db, const char *origin, const char *text, pf_schema_stats *stats,
                         pf_error *err)
{
    pf_sql_stmt *stmts = NULL;
    size_t n = 0;
    uint64_t t0 = pf_now_ns();
    if (pf_sql_split(origin, text, &stmts, &n, err) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char *sql = pf_strndup(text + stmts[i].offset, stmts[i].len);
        int r = pf_db_exec(db, sql, err);
        if (r < 0) {
            int line = stmts[i].line;
            if (err != NULL && err->position > 0) {
                size_t off = pf_sql_char_to_byte(sql, stmts[i].len, err->position);
                line = pf_line_of_offset(text, stmts[i].offset + off);
            }
            pf_error_prefix(err, "%s:%d", origin, line);
            free(sql);
            rc = -1;
            break;
        }
        free(sql);
        if (stats != NULL)
            stats->statements++;
    }
    free(stmts);
    if (stats != NULL)
        stats->ms += pf_elapsed_ms(t0);
    return rc;
}

int pf_schema_apply_file(pf_db *db, const char *path, pf_schema_stats *stats, pf_error *err)
{
    char *text = NULL;
    if (pf_file_read(path, &text, NULL, err) < 0)
        return -1;
    int rc = pf_schema_apply_text(db, path, text, stats, err);
    free(text);
    if (rc == 0 && stats != NULL)
        stats->files++;
    return rc;
}

int pf_schema_apply_dir(pf_db *db, const char *dir, pf_schema_stats *stats, pf_error *err)
{
    char **names = NULL;
    size_t count = 0;
    if (pf_dir_list(dir, ".sql", &names, &count, err) < 0)
        return -1;
    int rc = 0;
    if (count == 0)
        rc = pf_error_set(err, PF_EXIT_USAGE, "%s: no *.sql files to apply", dir);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        char *path = pf_path_join(dir, names[i]);
        rc = pf_schema_apply_file(db, path, stats, err);
        free(path);
    }
    pf_strv_free(names);
    return rc;
}

int pf_schema_apply_auth_shim(pf_db *db, pf_schema_stats *stats, pf_error *err)
{
    if (pf_schema_apply_text(db, "<built-in shim 000_supabase_auth.sql>", pf_auth_shim_sql, stats,
                             err) < 0)
        return -1;
    return pf_schema_apply_text(db, "<built-in shim 001_supabase_storage.sql>",
                                pf_storage_shim_sql, stats, err);
}
