/* Reports of a perfgate rls result: JUnit suites (one per check family), a
 * Markdown section, terminal text and a JSON document. Row content never
 * appears: checks carry row keys only. */
#ifndef PF_RLS_REPORT_H
#define PF_RLS_REPORT_H

#include <stddef.h>

#include "error.h"
#include "junit.h"
#include "rls_result.h"

/* JUnit suites of a result: rls-isolation, rls-tables, rls-lint,
 * rls-overhead (each present only when it has cases). Every pointer in
 * suites borrows from r and from this struct: keep r alive, then dispose. */
typedef struct pf_rls_junit {
    pf_junit_suite suites[4];
    size_t n_suites;
    pf_junit_case *cases;
    char **owned;
    size_t n_owned;
} pf_rls_junit;

void pf_rls_report_junit_build(const pf_rls_result *r, pf_rls_junit *out);
void pf_rls_report_junit_dispose(pf_rls_junit *j);
/* pf_rls_report_junit_build + pf_junit_write. */
int pf_rls_report_write_junit(const pf_rls_result *r, const char *path, pf_junit_format format,
                              pf_error *err);

/* The Markdown report; heading_level 2 for a page of its own ("## "), 3 for
 * a section of the gate's summary. Caller frees. */
char *pf_rls_report_markdown(const pf_rls_result *r, int heading_level);
/* Plain text for the terminal: failures, then a count line. Caller frees. */
char *pf_rls_report_text(const pf_rls_result *r);
/* Everything as a JSON document. Caller frees. */
char *pf_rls_report_json(const pf_rls_result *r);

#endif
