/* perfgate init --from-pg-stat-statements: starter cases from a database's
 * top statements by total time. pg_stat_statements keeps each statement
 * with its constants as $1..$n; each becomes a :name placeholder named
 * after what it is compared with (user_id = $1 → :user_id, LIMIT $2 →
 * :limit), and a params query draws real values of those columns from the
 * seeded data. Reading needs a server; drafting a case is pure. */
#ifndef PF_INIT_PSS_H
#define PF_INIT_PSS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"
#include "init_cases.h"
#include "init_catalog.h"

typedef struct pf_init_stmt {
    char *query;     /* as pg_stat_statements normalised it */
    int64_t calls, rows;
    double total_ms, mean_ms;
} pf_init_stmt;

/* The top statements of the current database by total execution time:
 * read-only ones (SELECT, WITH ... SELECT), not about the catalog. *n
 * gets how many; *skipped how many writes and utility statements among
 * the top ones were left out. PF_EXIT_USAGE when the extension is not
 * there. */
int pf_init_pss_read(pf_db *db, int top, pf_init_stmt **out, size_t *n, size_t *skipped,
                     pf_error *err);
void pf_init_stmts_free(pf_init_stmt *v, size_t n);

/* The case of statement st, ranked `rank` (1 = most total time), into
 * out (group "top"). s (may be NULL) resolves unqualified columns to
 * tables. Returns 0, or -1 with *why (caller frees) when the statement
 * cannot be drafted. */
int pf_init_pss_case(const pf_init_stmt *st, int rank, const pf_init_schema *s,
                     pf_init_case *out, char **why);

#endif
