/* perfgate init: the server, the catalog, the drafts, a trial seeding that
 * repairs what the server refuses, and the files (init.h). */
#include "init.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cluster.h"
#include "dataset.h"
#include "db.h"
#include "fsutil.h"
#include "init_cases.h"
#include "init_pss.h"
#include "init_catalog.h"
#include "init_rules.h"
#include "init_spec.h"
#include "prepare.h"
#include "registry.h"
#include "schema.h"
#include "target.h"
#include "timeutil.h"

#define SCHEMA_DB "perfgate_init"
#define TRIAL_DB "perfgate_init_trial"
#define MAX_REPAIRS 12

void pf_init_opts_init(pf_init_opts *o)
{
    memset(o, 0, sizeof *o);
    o->trial = true;
}

void pf_init_result_dispose(pf_init_result *r)
{
    pf_strv_free(r->files);
    pf_strv_free(r->repairs);
    pf_strv_free(r->top_skipped);
    free(r->trial_error);
    memset(r, 0, sizeof *r);
}

static void strv_push(char ***v, size_t *n, char *owned)
{
    *v = pf_realloc(*v, (*n + 2) * sizeof **v);
    (*v)[(*n)++] = owned;
    (*v)[*n] = NULL;
}

static size_t strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

static void phase(const pf_init_opts *o, const char *what, uint64_t *t0)
{
    if (o->on_phase)
        o->on_phase(o->phase_arg, what, pf_elapsed_ms(*t0));
    *t0 = pf_now_ns();
}

/* The app's name for the spec: the directory above supabase/migrations,
 * schema/, migrations/ ... */
static char *app_name(const char *schema_dir)
{
    if (schema_dir == NULL)
        return pf_strdup("app");
    static const char *const skip[] = {"migrations", "supabase", "schema", "sql", "db",
                                       "database", ".", NULL};
    char *dir = pf_strdup(schema_dir);
    for (;;) {
        size_t n = strlen(dir);
        while (n > 1 && dir[n - 1] == '/')
            dir[--n] = '\0';
        char *slash = strrchr(dir, '/');
        const char *last = slash ? slash + 1 : dir;
        bool skipped = false;
        for (const char *const *s = skip; *s; s++)
            if (strcmp(last, *s) == 0)
                skipped = true;
        if (!skipped || slash == NULL) {
            char *name = skipped || *last == '\0' ? pf_strdup("app") : pf_strdup(last);
            free(dir);
            return name;
        }
        *slash = '\0';
    }
}

static char *today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char buf[16];
    strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return pf_strdup(buf);
}

/* The files init writes that must not be there already (without force). */
static int check_out(const pf_init_opts *o, pf_error *err)
{
    static const char *const files[] = {"dataset.json", "rls.json", "rls.sql",
                                        "perfgate-init.md", "bench", NULL};
    if (o->force)
        return 0;
    for (const char *const *f = files; *f; f++) {
        char *p = pf_path_join(o->out_dir, *f);
        bool there = pf_path_exists(p);
        if (there) {
            pf_error_set(err, PF_EXIT_USAGE,
                         "%s exists: perfgate init does not overwrite files (give --force, or "
                         "another --out)",
                         p);
            free(p);
            return -1;
        }
        free(p);
    }
    return 0;
}

/* A disposable server with an empty database SCHEMA_DB (never $PERFGATE_DSN:
 * the migrations go into a server of perfgate's own). */
static int own_server(pf_target *t, pf_error *err)
{
    memset(t, 0, sizeof *t);
    uint64_t t0 = pf_now_ns();
    if (pf_cluster_start(&t->cluster, NULL, err) < 0)
        return -1;
    t->admin_dsn = pf_strdup(pf_cluster_dsn(t->cluster));
    t->dbname = pf_strdup(SCHEMA_DB);
    t->dsn = pf_db_dsn_with_dbname(t->admin_dsn, SCHEMA_DB);
    pf_db *db = NULL;
    int rc = pf_db_connect(&db, t->admin_dsn, err);
    if (rc == 0)
        rc = pf_db_exec(db, "CREATE DATABASE " SCHEMA_DB, err);
    pf_db_close(db);
    if (rc < 0) {
        pf_error_prefix(err, "creating database %s", SCHEMA_DB);
        err->code = PF_EXIT_INFRA;
        pf_target_close(t);
        return -1;
    }
    t->start_ms = pf_elapsed_ms(t0);
    return 0;
}

/* ------------------------------------------------------------ repairs */

/* The text between the first pair of double quotes after key in msg. */
static char *quoted_after(const char *msg, const char *key)
{
    const char *p = strstr(msg, key);
    if (p == NULL)
        return NULL;
    p = strchr(p + strlen(key), '"');
    if (p == NULL)
        return NULL;
    const char *e = strchr(p + 1, '"');
    return e ? pf_strndup(p + 1, (size_t)(e - p - 1)) : NULL;
}

/* "COPY t, line 5, column c: ..." → t and c. */
static void copy_context(const char *msg, char **table, char **column)
{
    *table = *column = NULL;
    const char *p = strstr(msg, "COPY ");
    if (p == NULL)
        return;
    p += 5;
    size_t n = strcspn(p, ",");
    *table = pf_strndup(p, n);
    const char *c = strstr(p, ", column ");
    if (c != NULL) {
        c += 9;
        *column = pf_strndup(c, strcspn(c, ":\n"));
    }
}

/* The spec table named by a server message: a relation name (bare or
 * qualified) matched against the drafted tables. */
static int spec_table_named(const pf_init_spec *sp, const char *rel)
{
    if (rel == NULL)
        return -1;
    for (size_t k = 0; k < sp->n; k++) {
        const pf_init_table *t = &sp->s->tables[sp->tables[k].table];
        char *q = pf_asprintf("%s.%s", t->schema, t->name);
        bool hit = strcmp(rel, t->name) == 0 || strcmp(rel, q) == 0 ||
                   strcmp(rel, t->qname) == 0 || strcmp(rel, t->spec_name) == 0;
        free(q);
        if (hit)
            return (int)k;
    }
    return -1;
}

/* Give column ci of spec table k a plain generator; returns a line for the
 * repairs list, or NULL when there is nothing left to try. */
static char *repair_column(pf_init_spec *sp, size_t k, int ci, const char *error)
{
    const pf_init_table *t = &sp->s->tables[sp->tables[k].table];
    const pf_init_column *c = &t->cols[ci];
    pf_init_col_draft *cd = pf_init_spec_column(sp, k, c->name);
    if (cd == NULL)
        return NULL;
    char *plain = pf_init_spec_plain_gen(c);
    const char *now = cd->gen;
    bool same = (plain == NULL && now == NULL) || (plain && now && strcmp(plain, now) == 0);
    if (same && c->default_expr == NULL) {
        free(plain);
        return NULL;
    }
    /* second time round: leave it to the default */
    if (same) {
        free(plain);
        plain = NULL;
    }
    char *why = pf_asprintf("%s (the first draft, %s, was refused in the trial seeding: %s)",
                            plain == NULL ? (c->default_expr ? "left to its default" : "NULL")
                                          : "a plain value of its type",
                            now ? now : "nothing", error);
    char *line = pf_asprintf("%s.%s: %s → %s (%s)", t->spec_name, c->name, now ? now : "nothing",
                             plain ? plain : "default", error);
    pf_init_spec_set(cd, plain, why);
    free(why);
    free(plain);
    return line;
}

/* One line of a server error: its first line, without "ERROR:  ". */
static char *first_line(const char *msg)
{
    const char *e = strstr(msg, "ERROR:");
    const char *p = e ? e + 6 : msg;
    while (*p == ' ')
        p++;
    return pf_strndup(p, strcspn(p, "\n"));
}

/* Change the draft so that the error does not happen again; a line for
 * the repairs list, or NULL when perfgate does not know how. */
static char *repair(pf_init_spec *sp, const char *msg)
{
    char *line = NULL;
    char *what = first_line(msg);
    char *rel = quoted_after(msg, "relation ");
    char *ctab = NULL, *ccol = NULL;
    copy_context(msg, &ctab, &ccol);
    int k = spec_table_named(sp, rel ? rel : ctab);
    if (k < 0 && ctab)
        k = spec_table_named(sp, ctab);
    const pf_init_table *t = k >= 0 ? &sp->s->tables[sp->tables[k].table] : NULL;
    char *con = quoted_after(msg, "constraint ");
    char *col = quoted_after(msg, "column ");
    if (t != NULL && con != NULL && strstr(msg, "check constraint")) {
        /* a CHECK: plain values for its columns, NULL where allowed */
        for (size_t i = 0; i < t->n_checks && line == NULL; i++) {
            const pf_init_check *ck = &t->checks[i];
            if (strcmp(ck->name, con) != 0)
                continue;
            for (size_t x = 0; x < ck->n && line == NULL; x++)
                if (ck->cols[x] >= 0 && !t->cols[ck->cols[x]].not_null) {
                    pf_init_col_draft *cd = pf_init_spec_column(sp, (size_t)k,
                                                                t->cols[ck->cols[x]].name);
                    if (cd && cd->gen && strcmp(cd->gen, "null") != 0) {
                        line = pf_asprintf("%s.%s: NULL (CHECK %s refused the drafted values)",
                                           t->spec_name, cd->name, con);
                        char *why = pf_asprintf("NULL: CHECK %s (%s) refused the first draft",
                                                con, ck->def);
                        pf_init_spec_set(cd, "null", why);
                        free(why);
                    }
                }
            for (size_t x = 0; x < ck->n && line == NULL; x++)
                if (ck->cols[x] >= 0)
                    line = repair_column(sp, (size_t)k, ck->cols[x], what);
        }
    } else if (t != NULL && (col != NULL || ccol != NULL) &&
               (strstr(msg, "null value in column") || strstr(msg, "invalid input") ||
                strstr(msg, "out of range") || strstr(msg, "too long") ||
                strstr(msg, "malformed") || strstr(msg, "invalid"))) {
        int ci = pf_init_column_find(t, col ? col : ccol);
        if (ci < 0 && ccol)
            ci = pf_init_column_find(t, ccol);
        if (ci >= 0)
            line = repair_column(sp, (size_t)k, ci, what);
    }
    /* anything else about a value COPY sent (a domain's CHECK, a type's
     * input function): the column it names gets a plain value */
    if (line == NULL && k >= 0 && ccol != NULL) {
        int ci = pf_init_column_find(t, ccol);
        if (ci >= 0)
            line = repair_column(sp, (size_t)k, ci, what);
    }
    free(what);
    free(rel);
    free(ctab);
    free(ccol);
    free(con);
    free(col);
    return line;
}

/* ------------------------------------------------------------ trial */

/* pred with :uid as $1::uuid. */
static char *subst_uid(const char *pred)
{
    pf_buf b = PF_BUF_INIT;
    for (const char *p = pred; *p;) {
        if (strncmp(p, ":uid", 4) == 0 && (p == pred || p[-1] != ':') &&
            !(isalnum((unsigned char)p[4]) || p[4] == '_')) {
            pf_buf_puts(&b, "$1::uuid");
            p += 4;
        } else {
            pf_buf_putc(&b, *p++);
        }
    }
    return pf_buf_steal(&b);
}

/* Evaluate every derived rule once on the seeded trial database; one the
 * server refuses becomes a TODO naming the error. */
static int check_rules(const char *dsn, const pf_init_schema *s, pf_init_rules *r,
                       pf_init_result *out, pf_error *err)
{
    pf_db *db = NULL;
    if (pf_db_connect(&db, dsn, err) < 0)
        return -1;
    char *defs = pf_init_rules_sql(r);
    pf_error e;
    int rc = 0;
    if (pf_db_exec(db, defs, &e) < 0) {
        free(defs);
        pf_db_close(db);
        return pf_error_set(err, PF_EXIT_INFRA, "the drafted rls.sql does not run: %s", e.msg);
    }
    free(defs);
    char *uid = NULL;
    if (s->auth_users >= 0)
        pf_db_query_value(db, "SELECT id::text FROM auth.users ORDER BY id LIMIT 1", &uid, &e);
    size_t nrep = strv_len(out->repairs);
    for (size_t i = 0; i < r->n; i++) {
        const pf_init_table_rules *tr = &r->tables[i];
        const char *which[] = {"read", "update", "insert", "delete"};
        const char *preds[] = {tr->read, tr->update, tr->insert, tr->del};
        for (int w = 0; w < 4; w++) {
            if (preds[w] == NULL || strstr(preds[w], "pg_temp.perfgate_todo(") != NULL)
                continue;
            char *p = subst_uid(preds[w]);
            char *sql = pf_asprintf("SELECT count(*) FROM %s WHERE coalesce((%s), false)",
                                    s->tables[tr->table].qname, p);
            const char *params[1] = {uid};
            pf_result *res = NULL;
            if (pf_db_query(db, sql, strstr(sql, "$1") ? 1 : 0, params, &res, &e) < 0) {
                if (pf_db_broken(db)) {
                    *err = e;
                    rc = -1;
                } else {
                    char *line = first_line(e.msg);
                    char *why = pf_asprintf("the derived rule failed on the trial data (%s)",
                                            line);
                    strv_push(&out->repairs, &nrep,
                              pf_asprintf("rls.json tables.%s.%s: TODO (%s)",
                                          s->tables[tr->table].spec_name, which[w], line));
                    pf_init_rules_set_todo(r, i, which[w], s, why);
                    free(why);
                    free(line);
                }
            }
            pf_result_free(res);
            free(sql);
            free(p);
            if (rc < 0)
                break;
        }
        if (rc < 0)
            break;
    }
    free(uid);
    pf_db_close(db);
    return rc;
}

/* Drop cases whose header does not parse or whose params query finds no
 * rows in the trial data (a case without rows to draw cannot run). */
static void check_cases(const char *dsn, pf_init_cases *cs, pf_init_result *out)
{
    pf_db *db = NULL;
    pf_error e;
    if (pf_db_connect(&db, dsn, &e) < 0)
        return;
    size_t nrep = strv_len(out->repairs);
    for (size_t i = 0; i < cs->n;) {
        pf_case c;
        memset(&c, 0, sizeof c);
        char *path = pf_asprintf("bench/%s/%s.sql", cs->v[i].group, cs->v[i].name);
        char *why = NULL;
        if (pf_registry_parse_case(path, cs->v[i].text, cs->v[i].group, &c, &e) < 0) {
            why = pf_strdup(e.msg);
        } else if (c.params_sql != NULL) {
            char *n = NULL;
            char *sql = pf_asprintf("SELECT count(*) FROM (%s) s", c.params_sql);
            if (pf_db_query_value(db, sql, &n, &e) < 0)
                why = first_line(e.msg);
            else if (n == NULL || atoll(n) == 0)
                why = pf_strdup("its params query finds no rows");
            free(n);
            free(sql);
        }
        pf_case_dispose(&c);
        if (why != NULL) {
            strv_push(&out->repairs, &nrep, pf_asprintf("%s: left out (%s)", path, why));
            free(why);
            free(cs->v[i].group);
            free(cs->v[i].name);
            free(cs->v[i].text);
            memmove(&cs->v[i], &cs->v[i + 1], (cs->n - i - 1) * sizeof *cs->v);
            cs->n--;
        } else {
            i++;
        }
        free(path);
    }
    pf_db_close(db);
}

/* Seed the draft into a copy of the schema database until it loads (or
 * nothing more can be repaired), then check rules and cases on it. */
static int trial(pf_target *t, pf_init_spec *sp, pf_init_rules *r, pf_init_cases **cs,
                 const pf_init_opts *o, pf_init_result *out, pf_error *err)
{
    size_t nrep = strv_len(out->repairs);
    char *trial_dsn = pf_db_dsn_with_dbname(t->admin_dsn, TRIAL_DB);
    int rc = 0;
    for (int attempt = 0; attempt <= MAX_REPAIRS; attempt++) {
        char *json = pf_init_spec_json(sp, "trial");
        pf_dataset *ds = NULL;
        pf_error e;
        if (pf_dataset_parse("dataset.json", json, &ds, &e) < 0) {
            /* the drafter wrote something the parser refuses: a bug, said plainly */
            free(out->trial_error);
            out->trial_error = pf_asprintf("the drafted spec does not parse: %s", e.msg);
            free(json);
            break;
        }
        free(json);
        if (pf_target_clone_db(t, SCHEMA_DB, TRIAL_DB, err) < 0) {
            pf_dataset_free(ds);
            rc = -1;
            break;
        }
        pf_prepare_opts po;
        pf_prepare_opts_init(&po);
        po.dataset = ds;
        pf_prepare_result pr;
        memset(&pr, 0, sizeof pr);
        uint64_t t0 = pf_now_ns();
        int prc = pf_prepare_run(trial_dsn, &po, &pr, &e);
        out->seed_ms = pf_elapsed_ms(t0);
        pf_prepare_result_dispose(&pr);
        pf_dataset_free(ds);
        if (prc == 0) {
            out->trial_ok = true;
            free(out->trial_error);
            out->trial_error = NULL;
            if (check_rules(trial_dsn, sp->s, r, out, err) < 0)
                rc = -1;
            else
                check_cases(trial_dsn, *cs, out);
            break;
        }
        if (e.code == PF_EXIT_INFRA && strstr(e.msg, "ERROR") == NULL) {
            *err = e;
            rc = -1;
            break;
        }
        free(out->trial_error);
        out->trial_error = pf_strdup(e.msg);
        char *line = attempt < MAX_REPAIRS ? repair(sp, e.msg) : NULL;
        if (line == NULL)
            break;
        strv_push(&out->repairs, &nrep, line);
        if (o->on_phase)
            o->on_phase(o->phase_arg, "repair", 0);
    }
    pf_target_drop_db(t, TRIAL_DB);
    free(trial_dsn);
    return rc;
}

/* ------------------------------------------------------------ top statements */

/* Cases from the top statements of o->pss_dsn's pg_stat_statements,
 * appended to cs (group "top"); the statements left out go to
 * out->top_skipped. Errors: the database or the extension is not there. */
static int add_top(const pf_init_opts *o, const pf_init_schema *s, pf_init_cases *cs,
                   pf_init_result *out, pf_error *err)
{
    pf_db *db = NULL;
    if (pf_db_connect(&db, o->pss_dsn, err) < 0)
        return pf_error_prefix(err, "--from-pg-stat-statements");
    pf_init_stmt *st = NULL;
    size_t n = 0, skipped = 0;
    int rc = pf_init_pss_read(db, o->pss_top > 0 ? o->pss_top : 10, &st, &n, &skipped, err);
    pf_db_close(db);
    if (rc < 0)
        return pf_error_prefix(err, "--from-pg-stat-statements");
    size_t nskip = strv_len(out->top_skipped);
    if (skipped > 0)
        strv_push(&out->top_skipped, &nskip,
                  pf_asprintf("%zu writing, utility or catalog statement%s among the top ones "
                              "(cases only read)",
                              skipped, skipped == 1 ? "" : "s"));
    for (size_t i = 0; i < n; i++) {
        pf_init_case c;
        char *why = NULL;
        if (pf_init_pss_case(&st[i], (int)i + 1, s, &c, &why) < 0) {
            strv_push(&out->top_skipped, &nskip, pf_asprintf("#%zu: %s", i + 1, why));
            free(why);
            continue;
        }
        cs->v = pf_realloc(cs->v, (cs->n + 1) * sizeof *cs->v);
        cs->v[cs->n++] = c;
    }
    pf_init_stmts_free(st, n);
    return 0;
}

/* ------------------------------------------------------------ files */

static int write_file(const pf_init_opts *o, const char *rel, const char *text,
                      pf_init_result *out, pf_error *err)
{
    char *path = pf_path_join(o->out_dir, rel);
    int rc = pf_file_write_atomic(path, text, strlen(text), err);
    free(path);
    if (rc == 0) {
        size_t n = strv_len(out->files);
        strv_push(&out->files, &n, pf_strdup(rel));
    }
    return rc;
}

static char *notes(const pf_init_opts *o, const pf_init_spec *sp, const pf_init_rules *r,
                   const pf_init_cases *cs, const pf_init_result *res)
{
    pf_buf md = PF_BUF_INIT;
    pf_buf_printf(&md,
                  "# perfgate init: what was drafted, and why\n\n"
                  "Drafted from %s%s. Every file here is a guess to review: the reasons are "
                  "below, table by table. Nothing was edited by hand.\n\n",
                  o->schema_dir ? "the schema directory " : "the database at ",
                  o->schema_dir ? o->schema_dir : "--dsn");
    pf_buf_puts(&md, "Run it:\n\n```sh\nperfgate run");
    if (o->schema_dir)
        pf_buf_printf(&md, " --schema %s%s", o->schema_dir, o->auth_shim ? " --auth-shim" : "");
    else
        pf_buf_puts(&md, " --schema <your migrations>");
    pf_buf_printf(&md, " \\\n    --dataset %s/dataset.json --bench %s/bench --baselines %s/baselines \\\n",
                  o->out_dir, o->out_dir, o->out_dir);
    if (r->n_todo > 0)
        pf_buf_puts(&md, "    --no-rls\n```\n\n");
    else
        pf_buf_printf(&md, "    --rls-rules %s/rls.json\n```\n\n", o->out_dir);
    if (r->n_todo > 0)
        pf_buf_printf(&md, "`--no-rls` until the %zu TODO rule%s in rls.json are written "
                           "(without it the RLS checks fail, naming each).\n\n",
                      r->n_todo, r->n_todo == 1 ? "" : "s");
    pf_buf_puts(&md, "Then record the baselines (`--update-baselines`) and commit this "
                     "directory.\n\n");
    if (o->schema_dir && o->trial) {
        if (res->trial_ok)
            pf_buf_printf(&md, "Trial: the draft was seeded once into a copy of the schema "
                               "(%.1f s)%s.\n",
                          res->seed_ms / 1000,
                          res->repairs && res->repairs[0] ? "; what the server refused was "
                                                            "repaired"
                                                          : "");
        else
            pf_buf_printf(&md, "**Trial: the draft does not seed yet**: %s\n",
                          res->trial_error ? res->trial_error : "?");
        if (res->repairs && res->repairs[0]) {
            pf_buf_puts(&md, "\nRepairs after the trial seeding:\n\n");
            for (char **l = res->repairs; *l; l++)
                pf_buf_printf(&md, "- %s\n", *l);
        }
        pf_buf_puts(&md, "\n");
    }
    pf_init_spec_notes(sp, &md);
    pf_init_rules_notes(r, sp->s, &md);
    pf_init_cases_notes(cs, &md);
    if (res->top_skipped && res->top_skipped[0]) {
        pf_buf_puts(&md, "\nTop statements of pg_stat_statements not drafted as cases:\n\n");
        for (char **l = res->top_skipped; *l; l++)
            pf_buf_printf(&md, "- %s\n", *l);
    }
    return pf_buf_steal(&md);
}

/* ------------------------------------------------------------ the run */

int pf_init_run(const pf_init_opts *o, pf_init_result *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    out->files = pf_calloc(1, sizeof *out->files);
    out->repairs = pf_calloc(1, sizeof *out->repairs);
    uint64_t t_all = pf_now_ns(), t0 = pf_now_ns();
    if ((o->schema_dir == NULL) == (o->dsn == NULL))
        return pf_error_set(err, PF_EXIT_USAGE, "give a schema directory or a DSN");
    if (o->schema_dir != NULL && !pf_path_is_dir(o->schema_dir))
        return pf_error_set(err, PF_EXIT_USAGE, "%s: no such schema directory", o->schema_dir);
    if (check_out(o, err) < 0)
        return -1;
    pf_target t;
    memset(&t, 0, sizeof t);
    pf_db *db = NULL;
    pf_init_schema *s = NULL;
    pf_init_spec *sp = NULL;
    pf_init_rules *r = NULL;
    pf_init_cases *cs = NULL;
    char *ref = NULL, *name = NULL;
    int rc = -1;
    const char *dsn = o->dsn;
    if (o->schema_dir != NULL) {
        if (own_server(&t, err) < 0)
            goto done;
        phase(o, "server", &t0);
        dsn = t.dsn;
    }
    if (pf_db_connect(&db, dsn, err) < 0)
        goto done;
    if (o->schema_dir != NULL) {
        pf_schema_stats st;
        memset(&st, 0, sizeof st);
        if ((o->auth_shim && pf_schema_apply_auth_shim(db, &st, err) < 0) ||
            pf_schema_apply_dir(db, o->schema_dir, &st, err) < 0)
            goto done;
        phase(o, "schema", &t0);
        /* a fresh session: the migrations may have set what the catalog read changes */
        pf_db_close(db);
        db = NULL;
        if (pf_db_connect(&db, dsn, err) < 0)
            goto done;
    }
    if (pf_init_catalog_read(db, o->exposed, o->schema_dir != NULL, &s, err) < 0)
        goto done;
    pf_db_close(db);
    db = NULL;
    phase(o, "catalog", &t0);
    ref = o->reference_date ? pf_strdup(o->reference_date) : today();
    pf_init_spec_opts so = {ref, o->rows, 1};
    if (pf_init_spec_draft(s, &so, &sp, err) < 0)
        goto done;
    pf_init_rules_draft(s, sp, &r);
    pf_init_cases_draft(s, sp, r, &cs);
    if (o->pss_dsn != NULL && add_top(o, s, cs, out, err) < 0)
        goto done;
    phase(o, "draft", &t0);
    if (o->schema_dir != NULL && o->trial) {
        if (trial(&t, sp, r, &cs, o, out, err) < 0)
            goto done;
        phase(o, "trial seed", &t0);
    }
    name = app_name(o->schema_dir);
    char *json = pf_init_spec_json(sp, name);
    char *rules = pf_init_rules_json(r, s, "rls.sql");
    char *defs = pf_init_rules_sql(r);
    rc = write_file(o, "dataset.json", json, out, err);
    if (rc == 0)
        rc = write_file(o, "rls.json", rules, out, err);
    if (rc == 0)
        rc = write_file(o, "rls.sql", defs, out, err);
    free(json);
    free(rules);
    free(defs);
    for (size_t i = 0; rc == 0 && i < cs->n; i++) {
        char *rel = pf_asprintf("bench/%s/%s.sql", cs->v[i].group, cs->v[i].name);
        rc = write_file(o, rel, cs->v[i].text, out, err);
        free(rel);
    }
    out->n_tables = sp->n;
    for (size_t k = 0; k < sp->n; k++)
        out->rows += sp->tables[k].rows;
    out->n_rules = r->n;
    out->n_todo = r->n_todo;
    out->n_cases = cs->n;
    for (size_t i = 0; i < cs->n; i++)
        out->n_top += strcmp(cs->v[i].group, "top") == 0;
    if (rc == 0) {
        char *md = notes(o, sp, r, cs, out);
        rc = write_file(o, "perfgate-init.md", md, out, err);
        free(md);
    }
    phase(o, "write", &t0);
done:
    pf_db_close(db);
    pf_target_close(&t);
    pf_init_cases_free(cs);
    pf_init_rules_free(r);
    pf_init_spec_free(sp);
    pf_init_schema_free(s);
    free(ref);
    free(name);
    out->total_ms = pf_elapsed_ms(t_all);
    return rc;
}
