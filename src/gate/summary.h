/* What a gate run reports: JUnit XML (through junit.c), a Markdown summary
 * fit for $GITHUB_STEP_SUMMARY and PR comments, a JSON result file, and a
 * short table for the terminal. The mapping from verdicts to JUnit
 * <failure>/<error>/<skipped> lives here and nowhere else. */
#ifndef PF_SUMMARY_H
#define PF_SUMMARY_H

#include "error.h"
#include "gate.h"
#include "junit.h"

/* Gate cases (a suite per group, then "removed"), then the RLS suites;
 * each testcase names its case file and header line, or the rules file. */
int pf_summary_write_junit(const pf_gate_result *r, const char *path, pf_junit_format format,
                           pf_error *err);
/* Markdown; caller frees. */
char *pf_summary_markdown(const pf_gate_result *r);
/* JSON results (everything measured and judged); caller frees. */
char *pf_summary_json(const pf_gate_result *r);
/* The terminal table; caller frees. */
char *pf_summary_table(const pf_gate_result *r);
/* One line for a finished case, for progress output; caller frees. */
char *pf_summary_case_line(const pf_case_result *c);

#endif
