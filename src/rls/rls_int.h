/* Private to the rls files: the check families that pf_rls_check runs
 * (rls_lint.c, rls_overhead.c) and the linter's SQL-text heuristics, which
 * the unit tests call. A caller outside rls uses rls.h. */
#ifndef PF_RLS_INT_H
#define PF_RLS_INT_H

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

#endif
