/* Execution target. */
#include "target.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "timeutil.h"

const char *pf_target_dsn(const char *given)
{
    if (given != NULL && *given != '\0')
        return given;
    const char *env = getenv(PF_DSN_ENV);
    return env != NULL && *env != '\0' ? env : NULL;
}

int pf_target_open(pf_target *t, const char *dsn, const char *dbname, pf_error *err)
{
    return pf_target_open_with(t, dsn, dbname, NULL, err);
}

int pf_target_open_with(pf_target *t, const char *dsn, const char *dbname,
                        const pf_target_opts *o, pf_error *err)
{
    memset(t, 0, sizeof *t);
    dsn = pf_target_dsn(dsn);
    if (dsn != NULL) {
        pf_db *db = NULL;
        if (pf_db_connect(&db, dsn, err) < 0) {
            if (err && err->code == PF_EXIT_USAGE)
                pf_error_prefix(err, "--dsn (or $%s)", PF_DSN_ENV);
            return -1;
        }
        pf_db_close(db);
        t->dsn = pf_strdup(dsn);
        return 0;
    }
    uint64_t t0 = pf_now_ns();
    pf_cluster_opts co;
    memset(&co, 0, sizeof co);
    if (o != NULL) {
        co.cache = o->cache;
        co.from_datadir = o->from_datadir;
    }
    if (pf_cluster_start(&t->cluster, &co, err) < 0)
        return -1;
    t->admin_dsn = pf_strdup(pf_cluster_dsn(t->cluster));
    t->dbname = pf_strdup(dbname);
    t->dsn = pf_db_dsn_with_dbname(t->admin_dsn, dbname);
    if (o != NULL && o->from_datadir != NULL) {
        t->start_ms = pf_elapsed_ms(t0);
        return 0;
    }
    pf_db *db = NULL;
    char *ident = pf_db_ident(dbname);
    char *sql = pf_asprintf("CREATE DATABASE %s", ident);
    int rc = pf_db_connect(&db, t->admin_dsn, err);
    if (rc == 0)
        rc = pf_db_exec(db, sql, err);
    if (rc < 0)
        pf_error_prefix(err, "creating database %s", dbname);
    pf_db_close(db);
    free(sql);
    free(ident);
    if (rc < 0) {
        pf_target_close(t);
        return -1;
    }
    t->start_ms = pf_elapsed_ms(t0);
    return 0;
}

bool pf_target_owned(const pf_target *t)
{
    return t->cluster != NULL;
}

char *pf_target_describe(const pf_target *t)
{
    if (t->cluster != NULL)
        return pf_asprintf("disposable cluster %s, database %s", pf_cluster_dir(t->cluster),
                           t->dbname);
    return pf_db_dsn_redact(t->dsn);
}

void pf_target_close(pf_target *t)
{
    pf_cluster_free(t->cluster);
    free(t->dsn);
    free(t->admin_dsn);
    free(t->dbname);
    memset(t, 0, sizeof *t);
}

/* The list-valued settings, whose stored text is a comma-separated list to
 * be given back as one literal per element (as pg_dump does). */
static bool list_setting(const char *name)
{
    static const char *const k_lists[] = {"search_path", "temp_tablespaces",
                                          "session_preload_libraries",
                                          "local_preload_libraries", NULL};
    for (int i = 0; k_lists[i]; i++)
        if (strcmp(name, k_lists[i]) == 0)
            return true;
    return false;
}

/* value as SQL: one literal, or for a list setting one literal per element
 * (double-quoted elements unquoted first). Caller frees. */
static char *setting_value_sql(const char *name, const char *value)
{
    if (!list_setting(name))
        return pf_db_literal(value);
    pf_buf out = PF_BUF_INIT, elem = PF_BUF_INIT;
    const char *p = value;
    for (;;) {
        while (*p == ' ')
            p++;
        pf_buf_reset(&elem);
        if (*p == '"') {
            for (p++; *p && !(*p == '"' && p[1] != '"'); p++) {
                if (*p == '"')
                    p++; /* "" inside quotes */
                pf_buf_putc(&elem, *p);
            }
            if (*p == '"')
                p++;
            while (*p && *p != ',')
                p++;
        } else {
            const char *start = p;
            while (*p && *p != ',')
                p++;
            const char *end = p;
            while (end > start && end[-1] == ' ')
                end--;
            pf_buf_append(&elem, start, (size_t)(end - start));
        }
        char *lit = pf_db_literal(pf_buf_str(&elem));
        pf_buf_printf(&out, "%s%s", out.len ? ", " : "", lit);
        free(lit);
        if (*p != ',')
            break;
        p++;
    }
    pf_buf_dispose(&elem);
    return pf_buf_steal(&out);
}

/* Settings made with ALTER DATABASE src SET (and ALTER ROLE ... IN DATABASE
 * src SET), which CREATE DATABASE ... TEMPLATE does not copy, applied to
 * the copy `name`. */
static int copy_settings(pf_db *admin, const char *src, const char *name, pf_error *err)
{
    static const char k_sql[] =
        "SELECT coalesce(r.rolname, ''), split_part(c, '=', 1), substr(c, strpos(c, '=') + 1) "
        "FROM pg_catalog.pg_db_role_setting s "
        "JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase "
        "LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole "
        "CROSS JOIN LATERAL unnest(s.setconfig) AS c "
        "WHERE d.datname = $1 ORDER BY 1, 2";
    const char *params[1] = {src};
    pf_result *r = NULL;
    if (pf_db_query(admin, k_sql, 1, params, &r, err) < 0)
        return -1;
    int rc = 0;
    char *db = pf_db_ident(name);
    for (int i = 0; i < pf_result_nrows(r) && rc == 0; i++) {
        const char *role = pf_result_get(r, i, 0), *key = pf_result_get(r, i, 1);
        const char *val = pf_result_get(r, i, 2);
        char *k = pf_db_ident(key), *v = setting_value_sql(key, val ? val : "");
        char *who = role && *role ? pf_db_ident(role) : NULL;
        char *sql = who ? pf_asprintf("ALTER ROLE %s IN DATABASE %s SET %s TO %s", who, db, k, v)
                        : pf_asprintf("ALTER DATABASE %s SET %s TO %s", db, k, v);
        rc = pf_db_exec(admin, sql, err);
        free(sql);
        free(who);
        free(k);
        free(v);
    }
    free(db);
    pf_result_free(r);
    return rc;
}

int pf_target_clone_db(const pf_target *t, const char *src, const char *name, pf_error *err)
{
    if (t->admin_dsn == NULL)
        return pf_error_set(err, PF_EXIT_INFRA,
                            "copying database %s needs perfgate's own server (not --dsn)", src);
    pf_db *admin = NULL;
    if (pf_db_connect(&admin, t->admin_dsn, err) < 0)
        return -1;
    char *from = pf_db_ident(src), *to = pf_db_ident(name);
    char *drop = pf_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", to);
    /* FILE_COPY: copies the files (fsync is off here), much faster than
     * WAL-logging every block of a big template. */
    char *create = pf_asprintf("CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY", to, from);
    int rc = pf_db_exec(admin, drop, err);
    if (rc == 0)
        rc = pf_db_exec(admin, create, err);
    if (rc == 0)
        rc = copy_settings(admin, src, name, err);
    if (rc < 0) {
        pf_error_prefix(err, "copying database %s to %s", src, name);
        if (err)
            err->code = PF_EXIT_INFRA;
    }
    free(drop);
    free(create);
    free(from);
    free(to);
    pf_db_close(admin);
    return rc;
}

void pf_target_drop_db(const pf_target *t, const char *name)
{
    if (t->admin_dsn == NULL)
        return;
    pf_db *admin = NULL;
    pf_error e;
    if (pf_db_connect(&admin, t->admin_dsn, &e) < 0)
        return;
    char *id = pf_db_ident(name);
    char *sql = pf_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", id);
    pf_db_exec(admin, sql, &e);
    free(sql);
    free(id);
    pf_db_close(admin);
}
