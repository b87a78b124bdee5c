/* perfgate rls: the isolation checks (what each sampled identity reads and
 * may write, against the entitlement rules) and the orchestration of every
 * RLS check family. Elsewhere: the owner's side of the isolation checks
 * rls_entitle.c, the linter rls_lint.c, the overhead pairs rls_overhead.c,
 * the rules file rls_rules.c, the result rls_result.c, the reports
 * rls_report.c. */
#include "rls.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dataset.h"
#include "db.h"
#include "fsutil.h"
#include "interrupt.h"
#include "prepare.h"
#include "rls_int.h"
#include "schema.h"
#include "target.h"
#include "timeutil.h"

/* ------------------------------------------------------------- options */

void pf_rls_opts_init(pf_rls_opts *o)
{
    memset(o, 0, sizeof *o);
    o->iterations = 40;
    o->warmup = 5;
    o->scale = 1.0;
}

void pf_rls_run_opts_init(pf_rls_run_opts *o)
{
    memset(o, 0, sizeof *o);
    pf_rls_opts_init(&o->rls);
    o->scale = 1.0;
    o->jobs = 2;
}

/* ------------------------------------------------------------ catalog */

/* A table under check, with what the isolation checks need to know. */
typedef struct tinfo {
    pf_rls_table *t;
    const pf_rls_table_rule *rule;
    char *key;        /* row key expression (text) */
    char *set_col;    /* a column UPDATE can assign to itself, or NULL */
    char **ins_cols;  /* columns an INSERT copy supplies (quoted), NULL-terminated */
    char **ins_types; /* their types */
    int64_t rows;
} tinfo;

static void tinfo_dispose(tinfo *ti)
{
    free(ti->key);
    free(ti->set_col);
    pf_strv_free(ti->ins_cols);
    pf_strv_free(ti->ins_types);
}

static int catalog_error(pf_db *db, pf_error *err, const char *what)
{
    pf_error_prefix(err, "%s", what);
    if (err)
        err->code = pf_db_broken(db) ? PF_EXIT_INFRA : PF_EXIT_FAIL;
    return -1;
}

/* Row i of the discovery query (discover) as a table under check, when it
 * is one: RLS on, or named by the rules, or a partition of a table they
 * name. */
static void take_table(pf_rls_result *out, const pf_rls_rules *rules, const pf_result *r, int i)
{
    const char *name = pf_result_get(r, i, 0);
    bool rls = strcmp(pf_result_get(r, i, 1), "t") == 0;
    const char *parent = pf_result_get(r, i, 4);
    bool ruled = pf_rls_rules_find(rules, name) != NULL;
    bool parent_ruled = parent && pf_rls_rules_find(rules, parent) != NULL;
    if (!rls && !ruled && !parent_ruled)
        return;
    pf_rls_table *t = &out->tables[out->n_tables++];
    t->name = pf_strdup(name);
    t->rls = rls;
    t->forced = strcmp(pf_result_get(r, i, 2), "t") == 0;
    t->partition = strcmp(pf_result_get(r, i, 3), "t") == 0;
    t->parent = parent ? pf_strdup(parent) : NULL;
    t->has_rule = ruled;
    t->n_policies = atoi(pf_result_get(r, i, 5));
}

/* Every table with RLS enabled, plus every table the rules name (RLS on or
 * off), plus the partitions of those: the tables first, then the
 * partitions, each by name. */
static int discover(pf_db *db, const pf_rls_rules *rules, pf_rls_result *out, pf_error *err)
{
    static const char k_sql[] =
        "SELECT n.nspname || '.' || c.relname, c.relrowsecurity, c.relforcerowsecurity, "
        "       c.relispartition, "
        "       (SELECT pn.nspname || '.' || pc.relname FROM pg_catalog.pg_inherits i "
        "          JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent "
        "          JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace "
        "         WHERE i.inhrelid = c.oid LIMIT 1), "
        "       (SELECT count(*) FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid) "
        "  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        " WHERE c.relkind IN ('r', 'p') "
        "   AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "   AND n.nspname NOT LIKE 'pg\\_%' "
        " ORDER BY 1";
    pf_result *r = NULL;
    if (pf_db_query(db, k_sql, 0, NULL, &r, err) < 0)
        return catalog_error(db, err, "discovering RLS tables");
    int n = pf_result_nrows(r);
    out->tables = pf_calloc((size_t)n + 1, sizeof *out->tables);
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n; i++)
            if ((strcmp(pf_result_get(r, i, 3), "t") == 0) == (pass == 1))
                take_table(out, rules, r, i);
    pf_result_free(r);
    return 0;
}

/* Key expression, the UPDATE column and the INSERT copy columns of t. */
static int describe_table(pf_db *db, tinfo *ti, pf_error *err)
{
    const char *params[1] = {ti->t->name};
    pf_result *r = NULL;
    static const char k_cols[] =
        "SELECT pg_catalog.quote_ident(a.attname), pg_catalog.format_type(a.atttypid, "
        "a.atttypmod), a.attgenerated <> '' OR a.attidentity <> '', a.atthasdef, "
        "       coalesce(a.attnum = ANY (SELECT unnest(x.indkey)::int2 FROM pg_catalog.pg_index x "
        "                 WHERE x.indrelid = a.attrelid AND x.indisprimary), false), "
        /* int2vector is 0-based: the position counted from 1 */
        "       coalesce((SELECT array_position(x.indkey::int2[], a.attnum) - "
        "array_lower(x.indkey::int2[], 1) + 1 FROM pg_catalog.pg_index x "
        "WHERE x.indrelid = a.attrelid AND x.indisprimary), 0) "
        "  FROM pg_catalog.pg_attribute a "
        " WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        " ORDER BY a.attnum";
    if (pf_db_query(db, k_cols, 1, params, &r, err) < 0)
        return catalog_error(db, err, ti->t->name);
    int n = pf_result_nrows(r);
    ti->ins_cols = pf_calloc((size_t)n + 1, sizeof *ti->ins_cols);
    ti->ins_types = pf_calloc((size_t)n + 1, sizeof *ti->ins_types);
    size_t ni = 0;
    /* Primary key columns in index order. */
    const char *pk[8] = {0};
    int npk = 0;
    for (int i = 0; i < n; i++) {
        const char *col = pf_result_get(r, i, 0), *type = pf_result_get(r, i, 1);
        bool generated = strcmp(pf_result_get(r, i, 2), "t") == 0;
        bool has_default = strcmp(pf_result_get(r, i, 3), "t") == 0;
        bool is_key = strcmp(pf_result_get(r, i, 4), "t") == 0;
        int pos = atoi(pf_result_get(r, i, 5));
        if (is_key && pos >= 1 && pos <= 8) {
            pk[pos - 1] = col;
            npk = pos > npk ? pos : npk;
        }
        /* A copy gets a fresh key when the key has a default, so it never
         * collides with the row it copies. */
        if (!generated && !(is_key && has_default)) {
            ti->ins_cols[ni] = pf_strdup(col);
            ti->ins_types[ni++] = pf_strdup(type);
        }
        if (!generated && !is_key && ti->set_col == NULL)
            ti->set_col = pf_strdup(col);
    }
    if (ti->rule && ti->rule->key) {
        ti->key = pf_asprintf("(%s)::text", ti->rule->key);
    } else if (npk == 1 && pk[0]) {
        ti->key = pf_asprintf("%s::text", pk[0]);
    } else if (npk > 1) {
        pf_buf b = PF_BUF_INIT;
        pf_buf_puts(&b, "concat_ws('/'");
        for (int k = 0; k < npk; k++)
            pf_buf_printf(&b, ", %s", pk[k] ? pk[k] : "NULL");
        pf_buf_putc(&b, ')');
        ti->key = pf_buf_steal(&b);
    } else {
        ti->key = pf_strdup("ctid::text"); /* no primary key: the row's address */
    }
    pf_result_free(r);
    return 0;
}

/* ----------------------------------------------------------- identities */

static int sample_identities(pf_db *db, const pf_rls_rules *rules, pf_rls_result *out,
                             pf_error *err)
{
    out->identities = pf_calloc(rules->n_identities + 1, sizeof *out->identities);
    for (size_t i = 0; i < rules->n_identities; i++) {
        const pf_rls_identity_spec *s = &rules->identities[i];
        pf_rls_identity *id = &out->identities[out->n_identities++];
        id->name = pf_strdup(s->name);
        id->about = pf_strdup(s->about);
        id->role = pf_strdup(s->role);
        if (s->sql == NULL) {
            id->found = true;
            continue;
        }
        char *v = NULL;
        if (pf_db_query_value(db, s->sql, &v, err) < 0) {
            pf_error_prefix(err, "%s: identities[%zu] (%s): sampling query", rules->path, i,
                            s->name);
            if (err)
                err->code = pf_db_broken(db) ? PF_EXIT_INFRA : PF_EXIT_USAGE;
            return -1;
        }
        id->user_id = v;
        id->found = v != NULL;
    }
    return 0;
}

/* BEGIN and the identity, exactly as src/gate/measure.c (and PostgREST) do it. */
static char *begin_sql(const pf_rls_identity *id)
{
    char *claims = id->user_id
                       ? pf_asprintf("{\"sub\":\"%s\",\"role\":\"%s\"}", id->user_id, id->role)
                       : pf_asprintf("{\"role\":\"%s\"}", id->role);
    char *lit = pf_db_literal(claims);
    char *role = pf_db_ident(id->role);
    char *sql = pf_asprintf("BEGIN; SET LOCAL ROLE %s; SELECT set_config('request.jwt.claims', "
                            "%s, true)",
                            role, lit);
    free(role);
    free(lit);
    free(claims);
    return sql;
}

/* ------------------------------------------------------- key vectors */

typedef struct keys {
    char **v; /* sorted bytewise (COLLATE "C") */
    size_t n;
} keys;

static void keys_dispose(keys *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->v[i]);
    free(k->v);
    memset(k, 0, sizeof *k);
}

static void keys_from(pf_result *r, keys *out)
{
    out->n = (size_t)pf_result_nrows(r);
    out->v = pf_calloc(out->n + 1, sizeof *out->v);
    for (size_t i = 0; i < out->n; i++) {
        const char *v = pf_result_get(r, (int)i, 0);
        out->v[i] = pf_strdup(v ? v : "");
    }
}

/* |a - b| and its first element. */
static size_t keys_minus(const keys *a, const keys *b, const char **first)
{
    size_t i = 0, j = 0, n = 0;
    *first = NULL;
    while (i < a->n) {
        int c = j < b->n ? strcmp(a->v[i], b->v[j]) : -1;
        if (c == 0) {
            i++;
            j++;
        } else if (c < 0) {
            if (n++ == 0)
                *first = a->v[i];
            i++;
        } else {
            j++;
        }
    }
    return n;
}

/* -------------------------------------------------------- the checks */

struct readers; /* below */

typedef struct ctx {
    pf_db *db;
    const pf_rls_rules *rules;
    const pf_rls_opts *o;
    pf_rls_result *out;
    struct readers *rd; /* the identities' reads on connections of their own, or NULL */
} ctx;

static pf_rls_outcome *add_check(ctx *x, const char *id, const tinfo *ti,
                               const pf_rls_identity *who, const char *op, pf_rls_status st,
                               const char *message)
{
    char *name = pf_asprintf("%s / %s / %s", ti->t->name, who ? who->name : "all identities", op);
    pf_rls_outcome *c = pf_rls_result_add(x->out, "isolation", id, name, st, message);
    free(name);
    c->table = pf_strdup(ti->t->name);
    c->identity = who ? pf_strdup(who->name) : NULL;
    c->operation = pf_strdup(op);
    return c;
}

static char *who_text(const pf_rls_identity *who)
{
    if (who->user_id)
        return pf_asprintf("%s (role %s, user %s)", who->name, who->role, who->user_id);
    return pf_asprintf("%s (role %s)", who->name, who->role);
}

/* Run sql as the identity in a transaction that is always rolled back.
 * *res gets the rows (may be NULL on error); returns 0, or -1 with e
 * holding the server's error (the connection is usable again). */
static int as_identity_on(pf_db *db, const pf_rls_identity *who, const char *sql, int nparams,
                          const char *const *params, pf_result **res, pf_error *e)
{
    *res = NULL;
    char *b = begin_sql(who);
    int rc = pf_db_exec(db, b, e);
    free(b);
    if (rc == 0)
        rc = pf_db_query(db, sql, nparams, params, res, e);
    pf_error ignored;
    pf_db_exec(db, "ROLLBACK", &ignored);
    return rc;
}

static int as_identity(ctx *x, const pf_rls_identity *who, const char *sql, int nparams,
                       const char *const *params, pf_result **res, pf_error *e)
{
    return as_identity_on(x->db, who, sql, nparams, params, res, e);
}

static bool infra(ctx *x, pf_error *e, pf_error *err)
{
    if (e->code == PF_EXIT_INFRA || pf_db_broken(x->db)) {
        *err = *e;
        err->code = PF_EXIT_INFRA;
        return true;
    }
    return false;
}

/* The rows of t the identity is entitled to read (owner's view). */
static int entitled(ctx *x, const tinfo *ti, const pf_rls_identity *who, keys *out,
                    pf_error *e)
{
    memset(out, 0, sizeof *out);
    bool service = strcmp(who->role, "service_role") == 0;
    bool anon = who->user_id == NULL && !service;
    const char *pred = NULL;
    if (service)
        pred = "true";
    else if (anon || ti->rule == NULL) /* anon, or a partition read directly */
        pred = "false";
    else
        pred = ti->rule->read;
    char *p = pf_rls_subst_uid(pred, 1);
    char *sql = pf_asprintf("SELECT (%s) COLLATE \"C\" FROM %s WHERE coalesce((%s), false) "
                            "ORDER BY 1",
                            ti->key, ti->t->name, p);
    const char *params[1] = {who->user_id};
    pf_result *r = NULL;
    int rc = pf_db_query(x->db, sql, strstr(sql, "$1") ? 1 : 0, params, &r, e);
    if (rc == 0) {
        keys_from(r, out);
        pf_result_free(r);
    } else if (ti->rule) {
        pf_error_prefix(e, "%s:%d: tables.%s.read", x->rules->path, ti->rule->line,
                        ti->t->name);
    }
    free(sql);
    free(p);
    return rc;
}

/* The SELECT outcome: want entitled rows, got visible, leaked of them not
 * entitled (leak_ex one of those), missing entitled but not visible. */
typedef struct read_diff {
    size_t want, got, leaked, missing;
    const char *leak_ex, *miss_ex;
    bool denied; /* permission denied: sees nothing */
} read_diff;

static void read_report(ctx *x, const tinfo *ti, const pf_rls_identity *who, const read_diff *d,
                        uint64_t t0)
{
    size_t leaked = d->leaked, missing = d->missing;
    const char *leak_ex = d->leak_ex, *miss_ex = d->miss_ex;
    char *w = who_text(who);
    pf_rls_outcome *c;
    if (leaked > 0) {
        char *m = pf_asprintf("LEAK: %s as %s can SELECT %zu row%s it is not entitled to (e.g. "
                              "key %s)",
                              ti->t->name, who->name, leaked, leaked == 1 ? "" : "s", leak_ex);
        c = add_check(x, "read", ti, who, "SELECT", PF_RLS_FAIL, m);
        c->example = pf_strdup(leak_ex);
        free(m);
    } else if (missing > 0) {
        char *m = pf_asprintf("%s as %s cannot SELECT %zu row%s it is entitled to (e.g. key %s)",
                              ti->t->name, who->name, missing, missing == 1 ? "" : "s", miss_ex);
        c = add_check(x, "read", ti, who, "SELECT", PF_RLS_FAIL, m);
        c->example = pf_strdup(miss_ex);
        free(m);
    } else {
        char *m = pf_asprintf("%s as %s sees exactly its %zu entitled row%s", ti->t->name,
                              who->name, d->want, d->want == 1 ? "" : "s");
        c = add_check(x, "read", ti, who, "SELECT", PF_RLS_PASS, m);
        free(m);
    }
    c->details = pf_asprintf("identity  %s\nentitled  %zu rows (%s)\nvisible   %zu rows%s\n"
                             "not entitled but visible: %zu%s%s\n"
                             "entitled but not visible: %zu%s%s\n",
                             w, d->want,
                             ti->rule ? "by the read rule" : "none: a partition is read through its parent",
                             d->got, d->denied ? " (permission denied)" : "", leaked,
                             leak_ex ? ", e.g. key " : "", leak_ex ? leak_ex : "", missing,
                             miss_ex ? ", e.g. key " : "", miss_ex ? miss_ex : "");
    if (ti->rule) {
        char *det = pf_asprintf("%s(rule: %s:%d tables.%s.read)\n", c->details, x->rules->path,
                              ti->rule->line, ti->t->name);
        free(c->details);
        c->details = det;
    }
    c->ms = pf_elapsed_ms(t0);
    free(w);
}

/* SELECT, key by key: the entitled and the visible keys compared in full,
 * to name an example key of a difference. */
static int read_detailed(ctx *x, const tinfo *ti, const pf_rls_identity *who, uint64_t t0,
                         pf_error *err)
{
    pf_error e;
    pf_error_clear(&e);
    keys want, got;
    memset(&got, 0, sizeof got);
    if (entitled(x, ti, who, &want, &e) < 0) {
        if (infra(x, &e, err))
            return -1;
        pf_rls_outcome *c = add_check(x, "read", ti, who, "SELECT", PF_RLS_ERROR, e.msg);
        c->ms = pf_elapsed_ms(t0);
        return 0;
    }
    char *sql = pf_asprintf("SELECT (%s) COLLATE \"C\" FROM %s ORDER BY 1", ti->key, ti->t->name);
    pf_result *r = NULL;
    read_diff d = {0};
    if (as_identity(x, who, sql, 0, NULL, &r, &e) < 0) {
        if (infra(x, &e, err)) {
            free(sql);
            keys_dispose(&want);
            return -1;
        }
        if (strcmp(e.sqlstate, "42501") != 0) {
            pf_rls_outcome *c = add_check(x, "read", ti, who, "SELECT", PF_RLS_ERROR, e.msg);
            c->ms = pf_elapsed_ms(t0);
            free(sql);
            keys_dispose(&want);
            return 0;
        }
        d.denied = true; /* no privilege on the table: sees nothing */
    } else {
        keys_from(r, &got);
        pf_result_free(r);
    }
    free(sql);
    d.want = want.n;
    d.got = got.n;
    d.leaked = keys_minus(&got, &want, &d.leak_ex);
    d.missing = keys_minus(&want, &got, &d.miss_ex);
    read_report(x, ti, who, &d, t0);
    keys_dispose(&want);
    keys_dispose(&got);
    return 0;
}

/* What one identity sees of one table, as a signature of the keys
 * (pf_rls_visible_sql), or the error that prevented it. */
typedef struct seen {
    bool ready;  /* the query ran (else: not tried) */
    bool failed; /* e says why */
    bool denied; /* no privilege on the table: sees nothing */
    char *sig;
    pf_error e;
    double ms;
} seen;

static void visible_sig(pf_db *db, const tinfo *ti, const pf_rls_identity *who, seen *out)
{
    uint64_t t0 = pf_now_ns();
    memset(out, 0, sizeof *out);
    pf_error_clear(&out->e);
    char *sql = pf_rls_visible_sql(ti->t->name, ti->key);
    pf_result *r = NULL;
    if (as_identity_on(db, who, sql, 0, NULL, &r, &out->e) == 0) {
        out->sig = pf_rls_sig_of(r, 0);
        pf_result_free(r);
    } else if (strcmp(out->e.sqlstate, "42501") == 0 && !pf_db_broken(db)) {
        out->denied = true;
        out->sig = pf_strdup("0/-/-"); /* the signature of no rows */
    } else {
        out->failed = true;
        if (pf_db_broken(db))
            out->e.code = PF_EXIT_INFRA;
    }
    free(sql);
    out->ready = true;
    out->ms = pf_elapsed_ms(t0);
}

/* SELECT: visible == entitled. With ent (the entitlement scan's result for
 * this identity), the identity's rows are first compared by signature
 * (count and hashes of the keys; pre: read ahead by the readers, else
 * read here); only a difference (or no ent) compares them
 * key by key. */
static int read_check(ctx *x, const tinfo *ti, const pf_rls_identity *who,
                      const pf_rls_entitled *ent, const seen *pre, pf_error *err)
{
    uint64_t t0 = pf_now_ns();
    if (ent == NULL || ent->sig == NULL)
        return read_detailed(x, ti, who, t0, err);
    seen own;
    const seen *sv = pre;
    if (sv == NULL) {
        visible_sig(x->db, ti, who, &own);
        sv = &own;
    }
    double ms = sv == pre ? pre->ms : 0;
    pf_error e = sv->e;
    bool same = sv->sig != NULL && strcmp(sv->sig, ent->sig) == 0;
    read_diff d = {0};
    d.denied = sv->denied;
    bool failed = sv->failed;
    if (sv == &own)
        free(own.sig);
    if (failed && infra(x, &e, err))
        return -1;
    if (failed) {
        pf_rls_outcome *c = add_check(x, "read", ti, who, "SELECT", PF_RLS_ERROR, e.msg);
        c->ms = ms + pf_elapsed_ms(t0);
        return 0;
    }
    if (!same)
        return read_detailed(x, ti, who, t0, err);
    d.want = d.got = (size_t)ent->n;
    read_report(x, ti, who, &d, t0);
    x->out->checks[x->out->n_checks - 1].ms += ms;
    return 0;
}

/* ------------------------------------------------------------ readers */

/* The identities' reads of every table (table by table, identity by
 * identity), on connections of their own in threads of their own, ahead
 * of the checks that compare them: the policies under test run there
 * while the owner's side (entitlements, write checks) runs on the first
 * connection. Nothing they do changes what is checked or reported: a read
 * they could not do is done again by the check. */
enum { N_READERS = 2 };

typedef struct reader {
    struct readers *all;
    pf_db *db;
    pthread_t th;
    bool started;
    size_t table; /* the table ti describes, or SIZE_MAX */
    tinfo ti;
    bool described;
} reader;

typedef struct readers {
    const ctx *x;
    seen *v;     /* [table * n_identities + identity] */
    bool *done;  /* the same: finished (read or not) */
    size_t next; /* the next read to take */
    bool stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    reader r[N_READERS];
} readers;

/* The next read to do, in check order, or SIZE_MAX when none is left. */
static size_t readers_take(readers *rs)
{
    size_t ni = rs->x->out->n_identities, n = rs->x->out->n_tables * ni;
    pthread_mutex_lock(&rs->mu);
    size_t k = SIZE_MAX;
    if (pf_interrupt_signal() != 0 && !rs->stop) {
        rs->stop = true; /* the checks stop waiting for reads not taken */
        pthread_cond_broadcast(&rs->cv);
    }
    if (!rs->stop && rs->next < n)
        k = rs->next++;
    pthread_mutex_unlock(&rs->mu);
    return k;
}

static void reader_read(reader *r, size_t k)
{
    const ctx *x = r->all->x;
    size_t ni = x->out->n_identities, t = k / ni, i = k % ni;
    if (r->table != t) {
        tinfo_dispose(&r->ti);
        memset(&r->ti, 0, sizeof r->ti);
        r->table = t;
        r->ti.t = &x->out->tables[t];
        r->ti.rule = pf_rls_rules_find(x->rules, r->ti.t->name);
        bool parent_ruled = r->ti.t->parent && pf_rls_rules_find(x->rules, r->ti.t->parent);
        pf_error e;
        r->described =
            (r->ti.rule != NULL || parent_ruled) && describe_table(r->db, &r->ti, &e) == 0;
    }
    if (r->described && x->out->identities[i].found)
        visible_sig(r->db, &r->ti, &x->out->identities[i], &r->all->v[k]);
}

static void *reader_main(void *arg)
{
    reader *r = arg;
    readers *rs = r->all;
    for (size_t k; (k = readers_take(rs)) != SIZE_MAX;) {
        if (!pf_db_broken(r->db))
            reader_read(r, k);
        pthread_mutex_lock(&rs->mu);
        rs->done[k] = true;
        pthread_cond_broadcast(&rs->cv);
        pthread_mutex_unlock(&rs->mu);
    }
    tinfo_dispose(&r->ti);
    memset(&r->ti, 0, sizeof r->ti);
    return NULL;
}

static void readers_stop(readers *rs);

/* Start the readers on connections of their own to dsn (with the rules'
 * definitions, which a key expression may use); NULL when none can start:
 * the checks then read on their own connection. */
static readers *readers_start(const ctx *x, const char *dsn)
{
    readers *rs = pf_calloc(1, sizeof *rs);
    size_t n = x->out->n_tables * x->out->n_identities;
    rs->x = x;
    rs->v = pf_calloc(n + 1, sizeof *rs->v);
    rs->done = pf_calloc(n + 1, sizeof *rs->done);
    pthread_mutex_init(&rs->mu, NULL);
    pthread_cond_init(&rs->cv, NULL);
    int started = 0;
    for (int j = 0; j < N_READERS; j++) {
        reader *r = &rs->r[j];
        pf_error e;
        r->all = rs;
        r->table = SIZE_MAX;
        if (pf_db_connect(&r->db, dsn, &e) < 0)
            continue;
        if (x->rules->definitions_sql != NULL &&
            pf_schema_apply_text(r->db, x->rules->definitions_path, x->rules->definitions_sql,
                                 NULL, &e) < 0)
            continue;
        r->started = pthread_create(&r->th, NULL, reader_main, r) == 0;
        started += r->started;
    }
    if (started == 0) {
        readers_stop(rs);
        return NULL;
    }
    return rs;
}

/* What identity i saw of table t, once the readers got there; NULL when
 * they did not read it (the check reads it then). */
static const seen *readers_wait(readers *rs, size_t t, size_t i)
{
    if (rs == NULL)
        return NULL;
    size_t k = t * rs->x->out->n_identities + i;
    pthread_mutex_lock(&rs->mu);
    while (!rs->done[k] && !rs->stop) {
        bool alive = false;
        for (int j = 0; j < N_READERS; j++)
            alive = alive || rs->r[j].started;
        if (!alive)
            break;
        pthread_cond_wait(&rs->cv, &rs->mu);
    }
    bool done = rs->done[k];
    pthread_mutex_unlock(&rs->mu);
    const seen *sv = &rs->v[k];
    if (!done || !sv->ready || (sv->failed && sv->e.code == PF_EXIT_INFRA))
        return NULL;
    return sv;
}

static void readers_stop(readers *rs)
{
    if (rs == NULL)
        return;
    pthread_mutex_lock(&rs->mu);
    rs->stop = true;
    pthread_mutex_unlock(&rs->mu);
    for (int j = 0; j < N_READERS; j++) {
        if (rs->r[j].started)
            pthread_join(rs->r[j].th, NULL);
        pf_db_close(rs->r[j].db);
    }
    size_t n = rs->x->out->n_tables * rs->x->out->n_identities;
    for (size_t k = 0; k < n; k++)
        free(rs->v[k].sig);
    free(rs->v);
    free(rs->done);
    pthread_mutex_destroy(&rs->mu);
    pthread_cond_destroy(&rs->cv);
    free(rs);
}

/* The targets of the write checks, in one pass over t: per operation the
 * first row (by key) the identity may not write, preferring rows it may
 * read (read-only access must not allow writes), and the first it may. */
static int write_targets(ctx *x, const tinfo *ti, const pf_rls_identity *who,
                         pf_rls_target tg[PF_RLS_T_N], pf_error *e)
{
    memset(tg, 0, PF_RLS_T_N * sizeof *tg);
    const pf_rls_table_rule *ru = ti->rule;
    bool anon = who->user_id == NULL;
    char *rd = pf_rls_subst_uid(anon || !ru ? NULL : ru->read, 1);
    char *up = pf_rls_subst_uid(anon || !ru ? NULL : ru->update, 1);
    char *in = pf_rls_subst_uid(anon || !ru ? NULL : (ru->insert ? ru->insert : ru->update), 1);
    char *de = pf_rls_subst_uid(anon || !ru ? NULL : ru->del, 1);
    char *sql = pf_asprintf(
        "WITH s AS MATERIALIZED (SELECT (%s) COLLATE \"C\" AS k, tableoid::text AS o, "
        "ctid::text AS c, coalesce((%s), false) AS r, coalesce((%s), false) AS u, "
        "coalesce((%s), false) AS i, coalesce((%s), false) AS d FROM %s) "
        "(SELECT 0, k, o, c FROM s WHERE NOT u ORDER BY r DESC, k LIMIT 1) UNION ALL "
        "(SELECT 1, k, o, c FROM s WHERE u ORDER BY k LIMIT 1) UNION ALL "
        "(SELECT 2, k, o, c FROM s WHERE NOT i ORDER BY r DESC, k LIMIT 1) UNION ALL "
        "(SELECT 3, k, o, c FROM s WHERE i ORDER BY k LIMIT 1) UNION ALL "
        "(SELECT 4, k, o, c FROM s WHERE NOT d ORDER BY r DESC, k LIMIT 1) UNION ALL "
        "(SELECT 5, k, o, c FROM s WHERE d ORDER BY k LIMIT 1)",
        ti->key, rd, up, in, de, ti->t->name);
    const char *params[1] = {who->user_id};
    pf_result *r = NULL;
    int rc = pf_db_query(x->db, sql, strstr(sql, "$1") ? 1 : 0, params, &r, e);
    if (rc == 0) {
        for (int i = 0; i < pf_result_nrows(r); i++) {
            int w = atoi(pf_result_get(r, i, 0));
            if (w < 0 || w >= PF_RLS_T_N)
                continue;
            tg[w].key = pf_strdup(pf_result_get(r, i, 1) ? pf_result_get(r, i, 1) : "");
            tg[w].oid = pf_strdup(pf_result_get(r, i, 2));
            tg[w].ctid = pf_strdup(pf_result_get(r, i, 3));
        }
        pf_result_free(r);
    } else if (ru) {
        pf_error_prefix(e, "%s:%d: tables.%s (write rules)", x->rules->path, ru->line,
                        ti->t->name);
    }
    free(sql);
    free(rd);
    free(up);
    free(in);
    free(de);
    return rc;
}

typedef enum outcome {
    O_REFUSED, /* 42501 or no row */
    O_ALLOWED, /* the row was written (or passed the policy and failed a constraint later) */
    O_ERROR,   /* anything else: the statement could not run */
} outcome;

/* The INSERT of a copy of the target row (values read as the owner, never
 * shown), with a fresh key where the key has a default: *sql and its
 * parameters, *n of them in *values (caller frees both). -1 when the row
 * could not be read (e says why), -2 when it is gone. */
static int insert_copy(ctx *x, const tinfo *ti, const pf_rls_target *tg, char **sql,
                       char ***values, size_t *n, pf_error *e)
{
    pf_buf cols = PF_BUF_INIT, sel = PF_BUF_INIT, vals = PF_BUF_INIT;
    size_t k = 0;
    for (; ti->ins_cols[k]; k++) {
        pf_buf_printf(&cols, "%s%s", k ? ", " : "", ti->ins_cols[k]);
        pf_buf_printf(&sel, "%s%s::text", k ? ", " : "", ti->ins_cols[k]);
        pf_buf_printf(&vals, "%s$%zu::%s", k ? ", " : "", k + 1, ti->ins_types[k]);
    }
    char *fetch = pf_asprintf("SELECT %s FROM %s WHERE tableoid = $1::oid AND ctid = $2::tid",
                              pf_buf_str(&sel), ti->t->name);
    const char *fp[2] = {tg->oid, tg->ctid};
    pf_result *r = NULL;
    int rc = pf_db_query(x->db, fetch, 2, fp, &r, e);
    free(fetch);
    if (rc == 0 && pf_result_nrows(r) != 1)
        rc = -2;
    if (rc == 0) {
        *values = pf_calloc(k + 1, sizeof **values);
        for (size_t i = 0; i < k; i++) {
            const char *v = pf_result_get(r, 0, (int)i);
            (*values)[i] = v ? pf_strdup(v) : NULL;
        }
        *n = k;
        *sql = pf_asprintf("INSERT INTO %s (%s) VALUES (%s)", ti->t->name, pf_buf_str(&cols),
                           pf_buf_str(&vals));
    }
    pf_result_free(r);
    pf_buf_dispose(&cols);
    pf_buf_dispose(&sel);
    pf_buf_dispose(&vals);
    return rc;
}

/* What the server's error e on op means for the check; *why says it in
 * words (caller frees). */
static outcome write_refusal(const pf_error *e, char **why)
{
    const char *nl = strchr(e->msg, '\n');
    int len = nl ? (int)(nl - e->msg) : (int)strlen(e->msg);
    if (strcmp(e->sqlstate, "42501") == 0) {
        *why = pf_asprintf("refused: %.*s", len, e->msg);
        return O_REFUSED;
    }
    if (strncmp(e->sqlstate, "23", 2) == 0 || strcmp(e->sqlstate, "P0001") == 0) {
        /* Constraints are checked after the policies: the policy let it through. */
        *why = pf_asprintf("passed the policy, then failed a constraint (SQLSTATE %s: %.*s)",
                           e->sqlstate, len, e->msg);
        return O_ALLOWED;
    }
    *why = pf_asprintf("SQLSTATE %s: %.*s", e->sqlstate, len, e->msg);
    return O_ERROR;
}

/* Try op on the target row as the identity, rolled back. *why gets the
 * reason in words (caller frees); *fatal is set when the server is lost
 * (err says so). */
static outcome try_write(ctx *x, const tinfo *ti, const pf_rls_identity *who, const char *op,
                         const pf_rls_target *tg, char **why, pf_error *err, bool *fatal)
{
    *why = NULL;
    *fatal = false;
    pf_error e;
    pf_error_clear(&e);
    char *sql = NULL;
    const char **params = NULL;
    size_t nparams = 0;
    char **values = NULL;
    if (strcmp(op, "INSERT") == 0) {
        int rc = insert_copy(x, ti, tg, &sql, &values, &nparams, &e);
        if (rc == -1 && infra(x, &e, err)) {
            *fatal = true;
            return O_ERROR;
        }
        if (rc < 0) {
            *why = pf_asprintf("could not read the row to copy: %s", rc == -1 ? e.msg : "gone");
            return O_ERROR;
        }
        params = pf_calloc(nparams + 1, sizeof *params);
        for (size_t i = 0; i < nparams; i++)
            params[i] = values[i];
    } else {
        params = pf_calloc(3, sizeof *params);
        params[0] = tg->oid;
        params[1] = tg->ctid;
        nparams = 2;
        if (strcmp(op, "UPDATE") == 0)
            sql = pf_asprintf("UPDATE %s SET %s = %s WHERE tableoid = $1::oid AND ctid = $2::tid "
                              "RETURNING 1",
                              ti->t->name, ti->set_col, ti->set_col);
        else
            sql = pf_asprintf("DELETE FROM %s WHERE tableoid = $1::oid AND ctid = $2::tid "
                              "RETURNING 1",
                              ti->t->name);
    }
    pf_result *res = NULL;
    int rc = as_identity(x, who, sql, (int)nparams, (const char *const *)params, &res, &e);
    outcome o;
    if (rc == 0) {
        int rows = strcmp(op, "INSERT") == 0 ? 1 : pf_result_nrows(res);
        o = rows > 0 ? O_ALLOWED : O_REFUSED;
        *why = rows > 0 ? pf_asprintf("%s affected %d row%s", op, rows, rows == 1 ? "" : "s")
                        : pf_asprintf("%s affected no row", op);
    } else if (infra(x, &e, err)) {
        *fatal = true;
        o = O_ERROR;
    } else {
        o = write_refusal(&e, why);
    }
    pf_result_free(res);
    free(sql);
    free(params);
    for (size_t i = 0; values && i < nparams; i++)
        free(values[i]);
    free(values);
    return o;
}

/* INSERT / UPDATE / DELETE: refused on a row the identity may not write,
 * allowed on one it may. */
static int write_check(ctx *x, const tinfo *ti, const pf_rls_identity *who, const char *op,
                       const pf_rls_target *no, const pf_rls_target *yes, pf_error *err)
{
    uint64_t t0 = pf_now_ns();
    pf_buf det = PF_BUF_INIT;
    char *w = who_text(who);
    pf_buf_printf(&det, "identity  %s\n", w);
    free(w);
    pf_rls_status st = PF_RLS_PASS;
    char *msg = NULL, *example = NULL;
    bool fatal = false;
    if (strcmp(op, "UPDATE") == 0 && ti->set_col == NULL) {
        pf_buf_puts(&det, "the table has no column an UPDATE could set\n");
        no = yes = NULL;
    }
    if (no && no->key) {
        char *why = NULL;
        outcome o = try_write(x, ti, who, op, no, &why, err, &fatal);
        if (fatal) {
            free(why);
            pf_buf_dispose(&det);
            return -1;
        }
        pf_buf_printf(&det, "not entitled: %s of key %s: %s\n", op, no->key, why);
        if (o == O_ALLOWED) {
            st = PF_RLS_FAIL;
            msg = pf_asprintf("LEAK: %s as %s can %s a row it is not entitled to write (key %s): "
                              "%s",
                              ti->t->name, who->name, op, no->key, why);
            example = pf_strdup(no->key);
        } else if (o == O_ERROR) {
            st = PF_RLS_ERROR;
            msg = pf_asprintf("%s as %s: %s of key %s could not run: %s", ti->t->name, who->name,
                              op, no->key, why);
        }
        free(why);
    } else if (no) {
        pf_buf_printf(&det, "not entitled: every row may be written by this identity\n");
    }
    if (yes && yes->key && st == PF_RLS_PASS) {
        char *why = NULL;
        outcome o = try_write(x, ti, who, op, yes, &why, err, &fatal);
        if (fatal) {
            free(why);
            pf_buf_dispose(&det);
            return -1;
        }
        pf_buf_printf(&det, "entitled:     %s of key %s: %s\n", op, yes->key, why);
        if (o != O_ALLOWED) {
            st = o == O_ERROR ? PF_RLS_ERROR : PF_RLS_FAIL;
            msg = pf_asprintf("%s as %s cannot %s a row it is entitled to write (key %s): %s",
                              ti->t->name, who->name, op, yes->key, why);
            example = pf_strdup(yes->key);
        }
        free(why);
    }
    if (msg == NULL) {
        if ((no && no->key) || (yes && yes->key))
            msg = pf_asprintf("%s as %s: %s refused where not entitled%s", ti->t->name, who->name,
                              op, yes && yes->key ? ", allowed where entitled" : "");
        else {
            st = PF_RLS_SKIP;
            msg = pf_asprintf("%s as %s: no row to try %s on", ti->t->name, who->name, op);
        }
    }
    if (ti->rule)
        pf_buf_printf(&det, "(rule: %s:%d tables.%s)\n", x->rules->path, ti->rule->line,
                      ti->t->name);
    pf_buf_puts(&det, "every statement ran in a transaction that was rolled back\n");
    pf_rls_outcome *c = add_check(x, "write", ti, who, op, st, msg);
    c->example = example;
    c->details = pf_buf_steal(&det);
    c->ms = pf_elapsed_ms(t0);
    free(msg);
    return 0;
}

/* A partition read directly: nothing for the API roles (the parent's
 * policies do not apply to it), everything for service_role. */
static int partition_check(ctx *x, size_t ix, const tinfo *ti, const pf_rls_entitled *ents,
                           pf_error *err)
{
    size_t first = x->out->n_checks;
    for (size_t i = 0; i < x->out->n_identities; i++) {
        const pf_rls_identity *who = &x->out->identities[i];
        if (!who->found)
            continue;
        if (read_check(x, ti, who, ents ? &ents[i] : NULL, readers_wait(x->rd, ix, i), err) < 0)
            return -1;
    }
    /* Fold the per-identity results into one testcase. */
    pf_rls_status worst = PF_RLS_PASS;
    pf_buf det = PF_BUF_INIT, msg = PF_BUF_INIT;
    char *example = NULL;
    for (size_t i = first; i < x->out->n_checks; i++) {
        pf_rls_outcome *c = &x->out->checks[i];
        if (c->status > worst) {
            worst = c->status;
            pf_buf_reset(&msg);
            pf_buf_printf(&msg, "%s (read directly, not through %s)", c->message, ti->t->parent);
            free(example);
            example = c->example ? pf_strdup(c->example) : NULL;
        }
        pf_buf_printf(&det, "%s: %s\n", c->identity, c->message);
    }
    double ms = 0;
    while (x->out->n_checks > first) {
        pf_rls_outcome *c = &x->out->checks[--x->out->n_checks];
        ms += c->ms;
        pf_rls_outcome_dispose(c);
    }
    if (worst == PF_RLS_PASS)
        pf_buf_printf(&msg, "%s: direct reads of the partition show nothing to the API roles and "
                            "everything to service_role",
                      ti->t->name);
    pf_rls_outcome *c = add_check(x, "read", ti, NULL, "SELECT", worst, pf_buf_str(&msg));
    c->details = pf_buf_steal(&det);
    c->example = example;
    c->ms = ms;
    pf_buf_dispose(&msg);
    return 0;
}

/* A skipped testcase for each identity the data has no user for. */
static void note_missing_identities(ctx *x)
{
    for (size_t i = 0; i < x->out->n_identities; i++) {
        const pf_rls_identity *who = &x->out->identities[i];
        if (who->found)
            continue;
        char *m = pf_asprintf("identity %s: no such user in this data (%s): its checks were "
                              "skipped",
                              who->name, who->about);
        char *name = pf_asprintf("identity %s", who->name);
        pf_rls_outcome *c =
            pf_rls_result_add(x->out, "isolation", "identity", name, PF_RLS_SKIP, m);
        c->identity = pf_strdup(who->name);
        free(m);
        free(name);
    }
}

/* INSERT, UPDATE and DELETE on t as the identity, on the targets of ent
 * (NULL: found here). Targets that cannot be found are an error outcome
 * for each operation. */
static int write_checks(ctx *x, const tinfo *ti, const pf_rls_identity *who,
                        const pf_rls_entitled *ent, pf_error *err)
{
    pf_rls_target own[PF_RLS_T_N];
    const pf_rls_target *tg = own;
    pf_error e;
    pf_error_clear(&e);
    memset(own, 0, sizeof own);
    if (ent != NULL && ent->sig != NULL) {
        tg = ent->tg;
    } else if (write_targets(x, ti, who, own, &e) < 0) {
        if (infra(x, &e, err))
            return -1;
        static const char *const ops[] = {"INSERT", "UPDATE", "DELETE"};
        for (int k = 0; k < 3; k++)
            add_check(x, "write", ti, who, ops[k], PF_RLS_ERROR, e.msg);
        return 0;
    }
    /* anon has no rows it may write: only the refusals are checked. */
    bool anon = who->user_id == NULL;
    int rc = write_check(x, ti, who, "INSERT", &tg[PF_RLS_T_INS_NO],
                         anon ? NULL : &tg[PF_RLS_T_INS_YES], err);
    if (rc == 0)
        rc = write_check(x, ti, who, "UPDATE", &tg[PF_RLS_T_UPD_NO],
                         anon ? NULL : &tg[PF_RLS_T_UPD_YES], err);
    if (rc == 0)
        rc = write_check(x, ti, who, "DELETE", &tg[PF_RLS_T_DEL_NO],
                         anon ? NULL : &tg[PF_RLS_T_DEL_YES], err);
    for (int k = 0; k < PF_RLS_T_N; k++)
        pf_rls_target_dispose(&own[k]);
    return rc;
}

/* Does the identity get write checks on this table? */
static bool writes_checked(const ctx *x, const tinfo *ti, const pf_rls_identity *who)
{
    return ti->rule != NULL && !x->o->no_writes && strcmp(who->role, "service_role") != 0;
}

/* What every found identity is entitled to on t, in one scan as the owner
 * (pf_rls_entitle): a vector indexed like out->identities (entries of
 * identities not found stay empty; caller disposes each and frees it), or
 * NULL when the scan failed on a condition: the checks then evaluate each
 * identity's conditions alone, which names the failing rule. -1 when the
 * server is lost. The conditions are those entitled() and write_targets()
 * use one by one. */
static int entitle_all(ctx *x, const tinfo *ti, pf_rls_entitled **out, pf_error *err)
{
    *out = NULL;
    size_t n = x->out->n_identities, ng = 0;
    pf_rls_grant *g = pf_calloc(n + 1, sizeof *g);
    size_t *idx = pf_calloc(n + 1, sizeof *idx);
    const pf_rls_table_rule *ru = ti->rule;
    for (size_t i = 0; i < n; i++) {
        const pf_rls_identity *who = &x->out->identities[i];
        if (!who->found)
            continue;
        bool service = strcmp(who->role, "service_role") == 0;
        bool anon = who->user_id == NULL && !service;
        pf_rls_grant *gi = &g[ng];
        idx[ng++] = i;
        gi->uid = who->user_id;
        gi->read = service ? "true" : anon || ru == NULL ? NULL : ru->read;
        gi->targets = writes_checked(x, ti, who);
        if (gi->targets && !anon) {
            gi->update = ru->update;
            gi->insert = ru->insert ? ru->insert : ru->update;
            gi->del = ru->del;
        }
    }
    pf_rls_entitled *got = pf_calloc(ng + 1, sizeof *got);
    pf_error e;
    pf_error_clear(&e);
    int rc = pf_rls_entitle(x->db, ti->t->name, ti->key, g, ng, got, &e);
    if (rc == 0) {
        *out = pf_calloc(n + 1, sizeof **out);
        for (size_t j = 0; j < ng; j++)
            (*out)[idx[j]] = got[j];
    } else if (infra(x, &e, err)) {
        rc = -1;
    } else {
        rc = 0;
    }
    free(got);
    free(g);
    free(idx);
    return rc;
}

/* The isolation checks of one table: a partition without a rule of its
 * own as one folded testcase, else reads and writes per identity. */
static int check_table(ctx *x, size_t ix, pf_error *err)
{
    pf_rls_table *t = &x->out->tables[ix];
    tinfo ti;
    memset(&ti, 0, sizeof ti);
    ti.t = t;
    ti.rule = pf_rls_rules_find(x->rules, t->name);
    bool parent_ruled = t->parent && pf_rls_rules_find(x->rules, t->parent);
    if (ti.rule == NULL && !parent_ruled)
        return 0; /* reported by the table checks: no rule to check against */
    pf_rls_entitled *ents = NULL;
    int rc = describe_table(x->db, &ti, err);
    if (rc == 0)
        rc = entitle_all(x, &ti, &ents, err);
    if (rc == 0 && ti.rule == NULL)
        rc = partition_check(x, ix, &ti, ents, err);
    for (size_t i = 0; rc == 0 && ti.rule != NULL && i < x->out->n_identities; i++) {
        const pf_rls_identity *who = &x->out->identities[i];
        const pf_rls_entitled *ent = ents ? &ents[i] : NULL;
        if (!who->found)
            continue;
        rc = read_check(x, &ti, who, ent, readers_wait(x->rd, ix, i), err);
        if (rc == 0 && writes_checked(x, &ti, who))
            rc = write_checks(x, &ti, who, ent, err);
    }
    for (size_t i = 0; ents && i < x->out->n_identities; i++)
        pf_rls_entitled_dispose(&ents[i]);
    free(ents);
    tinfo_dispose(&ti);
    return rc;
}

/* Every table's isolation checks; the identities' reads run ahead on
 * connections of their own to dsn (the readers) when they can be opened. */
static int isolation(ctx *x, const char *dsn, pf_error *err)
{
    note_missing_identities(x);
    x->rd = readers_start(x, dsn);
    int rc = 0;
    for (size_t t = 0; rc == 0 && t < x->out->n_tables; t++) {
        if (pf_interrupt_signal() != 0)
            rc = pf_error_set(err, PF_EXIT_INFRA, "interrupted");
        else
            rc = check_table(x, t, err);
        if (rc == 0 && x->o->on_progress != NULL)
            x->o->on_progress(x->o->arg, "isolation", t + 1, x->out->n_tables);
    }
    readers_stop(x->rd);
    x->rd = NULL;
    return rc;
}

/* ------------------------------------------------------ orchestration */

static void phase(const pf_rls_opts *o, const char *name, double ms)
{
    if (o->on_phase)
        o->on_phase(o->arg, name, ms);
}

/* "rule=level" overrides after the file's severities. */
static int apply_overrides(pf_rls_rules *rules, const char *const *overrides, pf_error *err)
{
    for (size_t i = 0; overrides && overrides[i]; i++) {
        int idx;
        pf_rls_severity sev;
        if (pf_rls_severity_override_parse(overrides[i], &idx, &sev, err) < 0)
            return -1;
        rules->severity[idx] = sev;
    }
    return 0;
}

int pf_rls_check(const char *dsn, const pf_rls_opts *o, pf_rls_result *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    uint64_t t0 = pf_now_ns();
    pf_rls_rules rules;
    memset(&rules, 0, sizeof rules);
    pf_db *db = NULL;
    int rc = -1;
    if (pf_rls_rules_load(o->rules_path, &rules, err) < 0 ||
        apply_overrides(&rules, o->severity_overrides, err) < 0)
        goto cleanup;
    pf_rls_result_set_rules(out, &rules);
    if (pf_db_connect(&db, dsn, err) < 0)
        goto cleanup;
    char *bypass = NULL;
    if (pf_db_query_value(db,
                          "SELECT (rolsuper OR rolbypassrls)::text FROM pg_catalog.pg_roles WHERE "
                          "rolname = current_user",
                          &bypass, err) < 0)
        goto cleanup;
    bool ok = bypass && strcmp(bypass, "true") == 0;
    free(bypass);
    if (!ok) {
        pf_error_set(err, PF_EXIT_USAGE,
                     "perfgate rls needs a connection that bypasses RLS (a superuser or a "
                     "BYPASSRLS role, like Supabase's postgres) to compute what each identity is "
                     "entitled to");
        goto cleanup;
    }
    if (pf_db_query_value(db, "SELECT split_part(current_setting('server_version'), ' ', 1)",
                          &out->server_version, err) < 0)
        goto cleanup;
    if (rules.definitions_sql != NULL &&
        pf_schema_apply_text(db, rules.definitions_path, rules.definitions_sql, NULL, err) < 0)
        goto cleanup;
    if (discover(db, &rules, out, err) < 0 || sample_identities(db, &rules, out, err) < 0)
        goto cleanup;

    ctx x = {db, &rules, o, out, NULL};
    uint64_t t1 = pf_now_ns();
    if (isolation(&x, dsn, err) < 0)
        goto cleanup;
    out->isolation_ms = pf_elapsed_ms(t1);
    phase(o, "isolation", out->isolation_ms);
    uint64_t t2 = pf_now_ns();
    if (pf_rls_lint(db, &rules, out, err) < 0)
        goto cleanup;
    out->lint_ms = pf_elapsed_ms(t2);
    phase(o, "lint", out->lint_ms);
    if (!o->no_overhead && (o->registry != NULL || o->bench_dir != NULL)) {
        uint64_t t3 = pf_now_ns();
        if (pf_rls_overhead(db, o, &rules, out, err) < 0)
            goto cleanup;
        out->overhead_ms = pf_elapsed_ms(t3);
        phase(o, "overhead", out->overhead_ms);
    }
    rc = 0;
cleanup:
    if (rc < 0 && db != NULL && pf_db_broken(db) && err)
        err->code = PF_EXIT_INFRA;
    pf_db_close(db);
    pf_rls_rules_dispose(&rules);
    pf_rls_result_finish(out);
    out->total_ms = pf_elapsed_ms(t0);
    return rc;
}

/* The overhead pairs' instructions, counted on the freshly seeded database
 * before anything else runs in it; ro gets the phase and its plan. A
 * registry loaded here (the pairs' cases) becomes ro->registry, so that
 * the overhead checks find the counts of their cases (the plan matches
 * cases by address), and is left in *own_reg for the caller to free after
 * the checks. Not counting is no error: ro->instr says why. */
static int count_pair_instructions(const pf_rls_run_opts *o, pf_target *t, uint64_t seed,
                                   pf_rls_opts *ro, pf_instr_phase *instr,
                                   pf_rls_instr_plan *plan, pf_registry **own_reg, pf_error *err)
{
    ro->instr = instr;
    if (o->no_instructions) {
        instr->unavailable = pf_strdup("instructions not counted (--no-instructions)");
        return 0;
    }
    const pf_registry *reg = ro->registry;
    if (reg == NULL && ro->bench_dir != NULL) {
        if (pf_registry_load(ro->bench_dir, own_reg, err) < 0)
            return -1;
        reg = ro->registry = *own_reg;
    }
    if (reg != NULL && pf_target_owned(t) &&
        pf_rls_overhead_plan_instr(instr, reg, t->dbname, ro->baselines_dir, plan, err) < 0)
        return -1;
    /* Five minutes per statement: a pathological pair is cut off under
     * callgrind rather than stalling the run. */
    instr->statement_timeout_ms = 300000;
    if (pf_instr_run(instr, t, seed, err) < 0)
        return -1;
    if (instr->available && instr->n > 0)
        phase(ro, "instructions (overhead pairs, under callgrind)", instr->ms);
    ro->instr_plan = plan;
    return 0;
}

int pf_rls_run(const pf_rls_run_opts *o, pf_rls_result *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    uint64_t t0 = pf_now_ns();
    pf_dataset *ds = NULL;
    pf_prepare *prep = NULL;
    pf_target t;
    memset(&t, 0, sizeof t);
    pf_rls_rules probe;
    int rc = -1;
    pf_rls_opts ro = o->rls;
    char *target = NULL;
    double seed_ms = 0;
    pf_instr_phase instr;
    pf_instr_phase_init(&instr);
    pf_rls_instr_plan plan;
    memset(&plan, 0, sizeof plan);
    pf_registry *own_reg = NULL;

    /* Bad input first, before any server starts. */
    if (pf_rls_rules_load(ro.rules_path, &probe, err) < 0)
        goto cleanup;
    int bad = apply_overrides(&probe, ro.severity_overrides, err);
    pf_rls_rules_dispose(&probe);
    if (bad < 0)
        goto cleanup;
    if (pf_dataset_load(o->dataset_path, &ds, err) < 0)
        goto cleanup;
    uint64_t seed = o->seed_given ? o->seed : ds->default_seed;
    ro.dataset_name = ds->name;
    ro.dataset_hash = ds->hash;
    ro.scale = o->scale;
    ro.seed = seed;
    pf_prepare_opts po;
    pf_prepare_opts_init(&po);
    po.schema_dir = o->schema_dir;
    po.auth_shim = o->auth_shim;
    po.dataset = ds;
    po.seed_sql = o->seed_sql;
    po.seed = seed;
    po.seed_given = true;
    po.scale = o->scale;
    po.jobs = o->jobs;
    po.on_progress = o->on_seed_progress;
    po.phase_arg = ro.arg;
    if (!o->no_seed && pf_prepare_new(&prep, &po, err) < 0)
        goto cleanup;
    if (pf_target_open(&t, o->dsn, "perfgate_rls", err) < 0)
        goto cleanup;
    target = pf_target_describe(&t);
    phase(&ro, "server", pf_elapsed_ms(t0));
    if (!o->no_seed) {
        pf_prepare_result pr;
        int s = pf_prepare_apply(prep, t.dsn, &pr, err);
        double ms = pr.total_ms;
        pf_prepare_result_dispose(&pr);
        if (s < 0)
            goto cleanup;
        seed_ms = ms;
        phase(&ro, "schema and seed", seed_ms);
    }
    if (!ro.no_overhead &&
        count_pair_instructions(o, &t, seed, &ro, &instr, &plan, &own_reg, err) < 0)
        goto cleanup;
    rc = pf_rls_check(t.dsn, &ro, out, err);
cleanup:
    pf_registry_free(own_reg); /* after the checks: the counts borrow its cases */
    out->target = target;
    out->seed_ms = seed_ms;
    if (instr.unavailable != NULL)
        out->instr_unavailable = pf_strdup(instr.unavailable);
    pf_instr_phase_dispose(&instr);
    pf_rls_overhead_plan_dispose(&plan);
    pf_target_close(&t);
    pf_prepare_free(prep);
    pf_dataset_free(ds);
    out->total_ms = pf_elapsed_ms(t0);
    return rc;
}
