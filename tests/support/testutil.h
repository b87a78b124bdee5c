/* Helpers shared by the Check suites: running the perfgate binary and
 * capturing its output, temp directories, and a disposable cluster per
 * suite for integration tests. */
#ifndef PF_TESTUTIL_H
#define PF_TESTUTIL_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct pf_run_result {
    int status; /* exit code, or 128+signal */
    char *out;  /* stdout, caller frees */
    char *err;  /* stderr, caller frees */
} pf_run_result;

/* Path of the perfgate binary under test ($PERFGATE_BIN, set by meson). */
const char *pf_test_bin(void);
/* Source root ($PERFGATE_SOURCE_ROOT, set by meson). */
const char *pf_test_source_root(void);
/* Absolute path of a file under the source root; caller frees. */
char *pf_test_source_path(const char *rel);

/* Run argv (argv[0] is a path) with extra "NAME=value" environment entries
 * (NULL-terminated, may be NULL), optional stdin text, and capture. */
void pf_test_run(char *const argv[], char *const env[], const char *input, pf_run_result *r);
void pf_run_result_dispose(pf_run_result *r);

/* mkdtemp under $TMPDIR or /tmp; caller frees and removes (pf_rmtree). */
char *pf_test_tmpdir(void);
/* Write text to dir/name; returns the full path, caller frees. */
char *pf_test_write(const char *dir, const char *name, const char *text);
/* tests/data/junit-10.xsd with testcase@file (a string) and testcase@line
 * (a positive integer) added and nothing else changed: what perfgate's
 * default JUnit format (reporters) must validate against. Written into dir;
 * returns its path, caller frees. */
char *pf_test_junit_reporters_xsd(const char *dir);
/* true if any process has a command line containing needle. */
bool pf_test_process_running(const char *needle);

#endif
