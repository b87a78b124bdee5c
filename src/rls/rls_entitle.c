/* The isolation checks' owner-side work, one table at a time: what every
 * sampled identity is entitled to read (a count and two hashes of the
 * keys, compared with the same signature of what it sees) and the rows its
 * write checks try, all in one scan of the table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rls_int.h"

char *pf_rls_subst_uid(const char *pred, int param)
{
    if (pred == NULL)
        return pf_strdup("false");
    pf_buf b = PF_BUF_INIT;
    for (const char *p = pred; *p;) {
        if (p[0] == ':' && strncmp(p, ":uid", 4) == 0 && (p == pred || p[-1] != ':') &&
            !(p[4] == '_' || (p[4] >= 'a' && p[4] <= 'z') || (p[4] >= 'A' && p[4] <= 'Z') ||
              (p[4] >= '0' && p[4] <= '9'))) {
            pf_buf_printf(&b, "$%d::uuid", param);
            p += 4;
        } else {
            pf_buf_putc(&b, *p++);
        }
    }
    return pf_buf_steal(&b);
}

void pf_rls_target_dispose(pf_rls_target *t)
{
    free(t->key);
    free(t->oid);
    free(t->ctid);
    memset(t, 0, sizeof *t);
}

void pf_rls_entitled_dispose(pf_rls_entitled *e)
{
    free(e->sig);
    for (int k = 0; k < PF_RLS_T_N; k++)
        pf_rls_target_dispose(&e->tg[k]);
    memset(e, 0, sizeof *e);
}

/* The signature of a set of keys k (text COLLATE "C"): how many, the sum
 * of one 64-bit hash (exact: sum(bigint) is numeric) and the xor of
 * another. Equal sets give equal signatures; a set that differs (rows
 * added, removed or swapped for as many others) gives the same one with a
 * probability of about 2^-64. Aggregates over the rows where cond holds. */
static void sig_aggs(pf_buf *b, const char *cond)
{
    if (cond)
        pf_buf_printf(b, "count(*) FILTER (WHERE %s), sum(h0) FILTER (WHERE %s), "
                         "bit_xor(h1) FILTER (WHERE %s)",
                      cond, cond, cond);
    else
        pf_buf_puts(b, "count(*), sum(h0), bit_xor(h1)");
}

/* The hash columns h0, h1 over a subquery's key column k. */
static const char k_hashes[] = "hashtextextended(k, 0) AS h0, hashtextextended(k, 1) AS h1";

char *pf_rls_visible_sql(const char *table, const char *key)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b, "SELECT ");
    sig_aggs(&b, NULL);
    pf_buf_printf(&b, " FROM (SELECT %s FROM (SELECT (%s) COLLATE \"C\" AS k FROM %s "
                      "OFFSET 0) a OFFSET 0) b",
                  k_hashes, key, table);
    return pf_buf_steal(&b);
}

char *pf_rls_sig_of(const pf_result *r, int col)
{
    const char *n = pf_result_get(r, 0, col), *s = pf_result_get(r, 0, col + 1),
               *x = pf_result_get(r, 0, col + 2);
    return pf_asprintf("%s/%s/%s", n ? n : "0", s ? s : "-", x ? x : "-");
}

/* The inner scan: the key, the row's address and, per identity j, its
 * conditions r<j>, u<j>, i<j>, d<j> (cond[4 * j + 0..3], :uid already
 * replaced; NULL: not asked for) evaluated once per row. */
static void inner_scan(pf_buf *b, const char *table, const char *key, char *const *cond,
                       size_t n)
{
    pf_buf_printf(b, "SELECT (%s) COLLATE \"C\" AS k, tableoid::text AS o, ctid::text AS c",
                  key);
    static const char names[] = "ruid";
    for (size_t j = 0; j < n; j++)
        for (int c = 0; c < 4; c++)
            if (cond[4 * j + (size_t)c] != NULL)
                pf_buf_printf(b, ", coalesce((%s), false) AS %c%zu", cond[4 * j + (size_t)c],
                              names[c], j);
    pf_buf_printf(b, " FROM %s OFFSET 0", table);
}

/* Per identity: the read signature, then (with targets) per operation the
 * first row by key it may not write, preferring one it may read, and the
 * first it may: kx is key, tableoid and ctid in one string that sorts by
 * key first. */
static char *entitle_sql(const char *table, const char *key, const pf_rls_grant *g, size_t n,
                         char *const *cond)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b, "SELECT 1");
    for (size_t j = 0; j < n; j++) {
        char rcol[32];
        snprintf(rcol, sizeof rcol, "r%zu", j);
        pf_buf_puts(&b, ", ");
        sig_aggs(&b, rcol);
        if (!g[j].targets)
            continue;
        for (int c = 0; c < 3; c++) {
            char w = "uid"[c];
            pf_buf_printf(&b,
                          ", coalesce(min(kx) FILTER (WHERE NOT %c%zu AND r%zu), "
                          "min(kx) FILTER (WHERE NOT %c%zu)), min(kx) FILTER (WHERE %c%zu)",
                          w, j, j, w, j, w, j);
        }
    }
    pf_buf_printf(&b, " FROM (SELECT *, %s, (k || E'\\x01' || o || E'\\x01' || c) COLLATE \"C\" "
                      "AS kx FROM (",
                  k_hashes);
    inner_scan(&b, table, key, cond, n);
    pf_buf_puts(&b, ") a OFFSET 0) b");
    return pf_buf_steal(&b);
}

/* "key\x01oid\x01ctid" into a target (NULL: none). */
static void take_target(const char *kx, pf_rls_target *t)
{
    const char *a = kx ? strchr(kx, '\x01') : NULL;
    const char *c = a ? strchr(a + 1, '\x01') : NULL;
    if (c == NULL)
        return;
    t->key = pf_strndup(kx, (size_t)(a - kx));
    t->oid = pf_strndup(a + 1, (size_t)(c - a - 1));
    t->ctid = pf_strdup(c + 1);
}

int pf_rls_entitle(pf_db *db, const char *table, const char *key, const pf_rls_grant *g,
                   size_t n, pf_rls_entitled *out, pf_error *e)
{
    memset(out, 0, n * sizeof *out);
    /* Identity j's uid is the next parameter when its conditions use it. */
    char **cond = pf_calloc(4 * n + 1, sizeof *cond);
    const char **params = pf_calloc(n + 1, sizeof *params);
    int np = 0;
    for (size_t j = 0; j < n; j++) {
        const char *c[4] = {g[j].read, g[j].update, g[j].insert, g[j].del};
        char mark[32];
        snprintf(mark, sizeof mark, "$%d::uuid", np + 1);
        bool used = false;
        for (int k = 0; k < (g[j].targets ? 4 : 1); k++) {
            cond[4 * j + (size_t)k] = pf_rls_subst_uid(c[k], np + 1);
            used = used || strstr(cond[4 * j + (size_t)k], mark) != NULL;
        }
        if (used)
            params[np++] = g[j].uid;
    }
    char *sql = entitle_sql(table, key, g, n, cond);
    pf_result *r = NULL;
    int rc = pf_db_query(db, sql, np, params, &r, e);
    if (rc == 0 && pf_result_nrows(r) != 1)
        rc = pf_error_set(e, PF_EXIT_FAIL, "%s: the entitlement scan returned no row", table);
    for (size_t j = 0, col = 1; rc == 0 && j < n; j++) {
        const char *cnt = pf_result_get(r, 0, (int)col);
        out[j].n = cnt ? strtoll(cnt, NULL, 10) : 0;
        out[j].sig = pf_rls_sig_of(r, (int)col);
        col += 3;
        for (int t = 0; g[j].targets && t < PF_RLS_T_N; t++)
            take_target(pf_result_get(r, 0, (int)col++), &out[j].tg[t]);
    }
    if (rc < 0)
        for (size_t j = 0; j < n; j++)
            pf_rls_entitled_dispose(&out[j]);
    pf_result_free(r);
    free(sql);
    for (size_t k = 0; k < 4 * n; k++)
        free(cond[k]);
    free(cond);
    free(params);
    return rc;
}
