/* Execution target. */
#include "target.h"

#include <stdlib.h>
#include <string.h>

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
    if (pf_cluster_start(&t->cluster, NULL, err) < 0)
        return -1;
    t->admin_dsn = pf_strdup(pf_cluster_dsn(t->cluster));
    t->dbname = pf_strdup(dbname);
    t->dsn = pf_dsn_with_dbname(t->admin_dsn, dbname);
    pf_db *db = NULL;
    char *ident = pf_sql_ident(dbname);
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
    return pf_dsn_redact(t->dsn);
}

void pf_target_close(pf_target *t)
{
    pf_cluster_free(t->cluster);
    free(t->dsn);
    free(t->admin_dsn);
    free(t->dbname);
    memset(t, 0, sizeof *t);
}

int pf_target_clone_db(const pf_target *t, const char *src, const char *name, pf_error *err)
{
    if (t->admin_dsn == NULL)
        return pf_error_set(err, PF_EXIT_INFRA,
                            "copying database %s needs perfgate's own server (not --dsn)", src);
    pf_db *admin = NULL;
    if (pf_db_connect(&admin, t->admin_dsn, err) < 0)
        return -1;
    char *from = pf_sql_ident(src), *to = pf_sql_ident(name);
    char *drop = pf_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", to);
    /* FILE_COPY: copies the files (fsync is off here), much faster than
     * WAL-logging every block of a big template. */
    char *create = pf_asprintf("CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY", to, from);
    int rc = pf_db_exec(admin, drop, err);
    if (rc == 0)
        rc = pf_db_exec(admin, create, err);
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
    char *id = pf_sql_ident(name);
    char *sql = pf_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", id);
    pf_db_exec(admin, sql, &e);
    free(sql);
    free(id);
    pf_db_close(admin);
}
