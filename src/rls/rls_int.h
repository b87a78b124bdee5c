/* Private to the rls files: the check families that pf_rls_check runs
 * (rls_lint.c, rls_overhead.c) and the linter's SQL-text heuristics, which
 * the unit tests call. A caller outside rls uses rls.h. */
#ifndef PF_RLS_INT_H
#define PF_RLS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "error.h"
#include "rls_result.h"
#include "rls_rules.h"

struct pf_rls_opts; /* rls.h */

/* The table checks and the policy linter over the catalog of db (appends
 * checks to out). -1 when the catalog could not be read. */
int pf_rls_lint(pf_db *db, const pf_rls_rules *rules, pf_rls_result *out, pf_error *err);

/* The overhead pairs of o's registry (appends checks and pairs to out):
 * measured, judged against baselines/rls/overhead/<pair>.json, recorded
 * with o->update_baselines. -1 on bad input (a malformed baseline:
 * PF_EXIT_USAGE) or a lost server (PF_EXIT_INFRA); an SQL error of one
 * pair is that pair's error outcome. */
int pf_rls_overhead(pf_db *db, const struct pf_rls_opts *o, const pf_rls_rules *rules,
                    pf_rls_result *out, pf_error *err);

/* Calls of auth.uid(), auth.jwt(), auth.role(), auth.email() or
 * current_setting() in a policy expression (as pg_get_expr prints it) that
 * are not wrapped as `(SELECT <call> ...)`, so they are evaluated once per
 * row instead of once per statement. String literals and quoted
 * identifiers are skipped. Returns how many; *first (may be NULL) gets the
 * first one's name ("auth.uid()"), a borrowed static string, or NULL. */
int pf_rls_lint_unwrapped_calls(const char *expr, const char **first);

/* Columns of the policy's own table that an expression filters on: the
 * identifiers that are neither qualified by another alias, nor function
 * names, nor AS aliases, nor inside literals, matched against columns[]
 * (NULL-terminated). relname qualifies the table itself ("t.col").
 * Returns a NULL-terminated vector of the matches in columns[] order
 * (caller frees with pf_strv_free). */
char **pf_rls_lint_columns(const char *expr, const char *relname, char *const *columns);

/* ---- isolation, the owner's side (rls_entitle.c) ---------------------- */

/* A rule condition with :uid replaced by $<param>::uuid; NULL (nobody) is
 * "false". Caller frees. */
char *pf_rls_subst_uid(const char *pred, int param);

/* A row a write check tries: its key and its address (tableoid, ctid). */
typedef struct pf_rls_target {
    char *key, *oid, *ctid;
} pf_rls_target;
void pf_rls_target_dispose(pf_rls_target *t);

/* The write targets of one identity on a table: per operation the first
 * row (by key) it may not write, preferring rows it may read (read-only
 * access must not allow writes), and the first it may. */
enum {
    PF_RLS_T_UPD_NO, PF_RLS_T_UPD_YES, PF_RLS_T_INS_NO, PF_RLS_T_INS_YES, PF_RLS_T_DEL_NO,
    PF_RLS_T_DEL_YES, PF_RLS_T_N
};

/* What one identity may do, as conditions over the table's columns (with
 * :uid, NULL: nobody; "true": everybody). */
typedef struct pf_rls_grant {
    const char *uid; /* the identity's user id, or NULL */
    const char *read, *update, *insert, *del;
    bool targets; /* also find its write targets */
} pf_rls_grant;

/* What the conditions entitle one identity to (evaluated as the owner). */
typedef struct pf_rls_entitled {
    int64_t n;                     /* rows it may read */
    char *sig;                     /* their keys' signature (pf_rls_visible_sql) */
    pf_rls_target tg[PF_RLS_T_N];  /* with grant.targets */
} pf_rls_entitled;

/* The entitlements of n identities on table (key: the row key expression
 * as text), in one scan that evaluates each condition once per row:
 * out[0..n-1] (dispose each). -1 with e holding the server's error when
 * the scan failed (a bad condition: evaluate them one by one to say which). */
int pf_rls_entitle(pf_db *db, const char *table, const char *key, const pf_rls_grant *g,
                   size_t n, pf_rls_entitled *out, pf_error *e);
void pf_rls_entitled_dispose(pf_rls_entitled *e);

/* A query that returns the signature of the keys of the rows of table it
 * can see (run it as the identity): their count and two 64-bit hashes of
 * the keys, in the columns pf_rls_sig_of reads. Equal key sets give equal
 * signatures; different ones (rows added, missing, or swapped for as many
 * others) the same one with a probability of about 2^-64. Caller frees. */
char *pf_rls_visible_sql(const char *table, const char *key);
/* The signature in columns col..col+2 of r's first row, as a string to
 * compare. Caller frees. */
char *pf_rls_sig_of(const pf_result *r, int col);

#endif
