/* JUnit XML reports for CI (the gate, RLS checks, load tests): a writer
 * whose output carries what GitHub and GitLab reporters read (or validates
 * strictly against the Jenkins xunit junit-10.xsd), and a validator. The only
 * libxml2 user. */
#ifndef PF_JUNIT_H
#define PF_JUNIT_H

#include <stddef.h>

#include "error.h"

/* Where a testcase's source file and line go (docs/junit.md). */
typedef enum pf_junit_format {
    /* testcase@file and testcase@line, read by mikepenz/action-junit-report,
     * dorny/test-reporter (phpunit-junit) and GitLab; valid against
     * junit-10.xsd except for these two attributes. The default. */
    PF_JUNIT_REPORTERS,
    /* Strictly junit-10.xsd: no testcase@file/line; testsuite@file when
     * every case of the suite names the same file. */
    PF_JUNIT_JUNIT10,
} pf_junit_format;

/* "reporters" / "junit10" into *out; -1 for anything else. */
int pf_junit_format_parse(const char *s, pf_junit_format *out);

typedef enum pf_junit_status {
    PF_JUNIT_PASS,    /* no child element */
    PF_JUNIT_FAIL,    /* <failure>: the check ran and found a problem (a regression) */
    PF_JUNIT_ERROR,   /* <error>: the check could not run (SQL error, lost connection) */
    PF_JUNIT_SKIPPED, /* <skipped> */
} pf_junit_status;

/* One <testcase>. All strings are borrowed, UTF-8; any text is accepted:
 * characters XML 1.0 forbids (control characters other than \t \n \r,
 * U+FFFE/U+FFFF) and invalid UTF-8 sequences are written as U+FFFD. */
typedef struct pf_junit_case {
    const char *classname;  /* e.g. "perfgate.timeline"; may be NULL */
    const char *name;       /* e.g. "timeline_recent_page"; required */
    /* Source file of the case (relative to the repository root: see
     * pf_junit_source_path), may be NULL, and its line (1-based; 0: not
     * known). PF_JUNIT_REPORTERS writes them as testcase@file and
     * testcase@line. junit-10.xsd has neither, so PF_JUNIT_JUNIT10 writes
     * the file as testsuite@file when every case of the suite names the same
     * file (action-junit-report falls back to it), and otherwise not at all. */
    const char *file;
    int line;
    double time_s;          /* seconds; negative or non-finite is written as 0 */
    pf_junit_status status;
    /* One line: failure@message / error@message / skipped@message; may be NULL. */
    const char *message;
    const char *type;       /* failure@type / error@type / skipped@type, e.g. "regression"; may be NULL */
    /* Multi-line text of <failure>/<error>/<skipped>; may be NULL, then the
     * message is used as the body (GitLab shows the body, not the message).
     * Ignored for PF_JUNIT_PASS. */
    const char *body;
    const char *system_out; /* testcase-level <system-out> (numbers a reviewer needs); may be NULL */
    /* No properties: junit-10.xsd allows <properties> on testsuite only. */
} pf_junit_case;

/* One <testsuite>; tests/failures/errors/skipped are counted from cases. */
typedef struct pf_junit_suite {
    const char *name;            /* e.g. "timeline"; required */
    const pf_junit_case *cases;  /* borrowed; may be NULL when n_cases is 0 */
    size_t n_cases;
    double time_s;               /* seconds */
    const char *timestamp;       /* ISO 8601 without zone, may be NULL */
    const char *hostname;        /* may be NULL */
    const char *system_out;      /* suite-level <system-out>, may be NULL */
} pf_junit_suite;

/* Render <testsuites> with one <testsuite> per suite into *out, a
 * NUL-terminated UTF-8 document the caller frees. name goes on
 * <testsuites name=...> and may be NULL.
 *
 * Attributes, always in this order:
 *   testsuites: name, tests, failures, errors, time (sum of the suites')
 *   testsuite:  name, tests, failures, errors, skipped, time, timestamp,
 *               hostname, file (PF_JUNIT_JUNIT10 only)
 *   testcase:   classname, name, time, file, line (PF_JUNIT_REPORTERS only;
 *               line only with a file and when above 0)
 *   failure/error/skipped: message, type
 * junit-10.xsd has no testsuites@skipped, so the total of skipped cases is
 * only in the suites. Times are seconds with exactly three decimals ("1.250"),
 * independent of the locale. Optional strings that are NULL are left out.
 *
 * Returns 0, or -1 with err set (PF_EXIT_USAGE) when a required name is
 * missing. */
int pf_junit_render(const char *name, const pf_junit_suite *suites, size_t n_suites,
                    pf_junit_format format, char **out, pf_error *err);

/* pf_junit_render, then write the document to path atomically (temp file,
 * fsync, rename: never a partial file; missing parent directories are
 * created). Returns 0, or -1 with err naming the path (PF_EXIT_INFRA for I/O). */
int pf_junit_write(const char *path, const char *name, const pf_junit_suite *suites,
                   size_t n_suites, pf_junit_format format, pf_error *err);

/* path as reporters expect a testcase@file: relative to root when it lies
 * under it ("bench/audit/recent.sql"), else relative to the current
 * directory when it lies under that, else as given (a leading "./" dropped).
 * root NULL: $GITHUB_WORKSPACE, else $CI_PROJECT_DIR, else the nearest
 * directory from the current one up that holds .git, else the current
 * directory. Symbolic links are resolved when the file exists. Caller frees. */
char *pf_junit_source_path(const char *path, const char *root);

/* Validate the XML file xml_path against the XML Schema xsd_path with
 * libxml2's schema API (no subprocess, no network). Returns 0 when valid,
 * or -1 with err (PF_EXIT_USAGE) as "<file>:<line>: <problem>" for the
 * first problem (in the XSD if the schema itself is broken), followed by
 * "(N more problems)" when there are several. Nothing is printed. */
int pf_junit_validate(const char *xml_path, const char *xsd_path, pf_error *err);

#endif
