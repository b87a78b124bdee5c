/* JUnit reports: what the writer puts where (parsed back with libxml2), that
 * it validates against junit-10.xsd, how the validator reports problems, and
 * atomic writes. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "error.h"
#include "fsutil.h"
#include "junit.h"
#include "testutil.h"

#define FFFD "\xEF\xBF\xBD"

/* libxml2 2.12 made the structured error callback take a const xmlError *. */
#if LIBXML_VERSION >= 21200
#define PF_TEST_XML_ERROR_CONST const
#else
#define PF_TEST_XML_ERROR_CONST
#endif

/* ---- the sample report: two suites, every status ---- */

static const char k_fail_body[] = "buffers: 42 -> 57 (+35%)\n"
                                  "plan: <Index Scan> & \"quoted\" 'single'\n"
                                  "ctrl\x01here\n"
                                  "bad \xff\xfe utf8 \xc3( end\n";
static const char k_fail_body_clean[] = "buffers: 42 -> 57 (+35%)\n"
                                        "plan: <Index Scan> & \"quoted\" 'single'\n"
                                        "ctrl" FFFD "here\n"
                                        "bad " FFFD FFFD " utf8 " FFFD "( end\n";

static const pf_junit_case k_timeline_cases[] = {
    {.classname = "perfgate.timeline",
     .name = "timeline_recent_page",
     .file = "bench/timeline/recent.sql",
     .line = 1,
     .time_s = 0.25,
     .status = PF_JUNIT_PASS,
     .system_out = "median 1.2 ms\nbuffers 42"},
    {.classname = "perfgate.timeline",
     .name = "timeline_by_provider",
     .file = "bench/timeline/recent.sql",
     .line = 7,
     .time_s = 2.0006,
     .status = PF_JUNIT_FAIL,
     .message = "buffers +35% & <more> \"than\" &amp; 20%",
     .type = "regression",
     .body = k_fail_body,
     .system_out = "baseline 42\ncurrent 57"},
};

static const pf_junit_case k_rls_cases[] = {
    {.classname = "perfgate.rls",
     .name = "rls_patient_isolation",
     .file = "bench/rls/isolation.sql",
     .time_s = -1,
     .status = PF_JUNIT_ERROR,
     .message = "permission denied for table patients",
     .type = "sql-error"},
    {.classname = "perfgate.rls",
     .name = "rls_documents",
     .file = "bench/rls/documents.sql",
     .line = 3,
     .time_s = 0,
     .status = PF_JUNIT_SKIPPED,
     .message = "no baseline yet",
     .body = "run with --update-baselines\nto record one"},
    /* A line without a file is not written. */
    {.name = "rls_no_classname", .line = 5, .time_s = 1234.5678, .status = PF_JUNIT_PASS},
};

static const pf_junit_suite k_suites[] = {
    {.name = "timeline",
     .cases = k_timeline_cases,
     .n_cases = 2,
     .time_s = 1.5,
     .timestamp = "2024-05-01T12:00:00",
     .hostname = "ci-runner-1"},
    {.name = "rls",
     .cases = k_rls_cases,
     .n_cases = 3,
     .time_s = 3,
     .system_out = "server 15.6\nscale 1"},
};

/* ---- helpers ---- */

static char *xsd_path(void)
{
    return pf_test_source_path("tests/data/junit-10.xsd");
}

static char *render_sample(pf_junit_format format)
{
    char *out = NULL;
    pf_error err;
    pf_error_clear(&err);
    int rc = pf_junit_render("perfgate", k_suites, 2, format, &out, &err);
    ck_assert_msg(rc == 0, "render failed: %s", err.msg);
    ck_assert_ptr_nonnull(out);
    return out;
}

static xmlDocPtr parse_sample(pf_junit_format format)
{
    char *text = render_sample(format);
    xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), "sample.xml", NULL, XML_PARSE_NONET);
    free(text);
    ck_assert_msg(doc != NULL, "rendered report is not well-formed XML");
    return doc;
}

/* The nth (0-based) element child of parent called name, or NULL. */
static xmlNodePtr child(xmlNodePtr parent, const char *name, int nth)
{
    for (xmlNodePtr n = parent->children; n != NULL; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0 && nth-- == 0)
            return n;
    }
    return NULL;
}

static int count_children(xmlNodePtr parent, const char *name)
{
    int k = 0;
    while (child(parent, name, k) != NULL)
        k++;
    return k;
}

/* expected NULL means the attribute must be absent. */
static void assert_attr(xmlNodePtr n, const char *name, const char *expected)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    if (expected == NULL) {
        ck_assert_msg(v == NULL, "<%s> has %s=\"%s\", expected none", n->name, name, (char *)v);
    } else {
        ck_assert_msg(v != NULL, "<%s> has no %s, expected \"%s\"", n->name, name, expected);
        ck_assert_msg(strcmp((char *)v, expected) == 0, "<%s %s=\"%s\">, expected \"%s\"", n->name,
                      name, (char *)v, expected);
    }
    xmlFree(v);
}

static void assert_text(xmlNodePtr n, const char *expected)
{
    xmlChar *v = xmlNodeGetContent(n);
    ck_assert_msg(v != NULL && strcmp((char *)v, expected) == 0, "<%s> text \"%s\", expected \"%s\"",
                  n->name, v ? (char *)v : "(null)", expected);
    xmlFree(v);
}

/* Absolute path of an executable on PATH, or NULL; caller frees. */
static char *find_on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        return NULL;
    char *copy = pf_strdup(path);
    char *found = NULL;
    for (char *dir = strtok(copy, ":"); dir != NULL && found == NULL; dir = strtok(NULL, ":")) {
        char *full = pf_path_join(dir, prog);
        if (access(full, X_OK) == 0)
            found = full;
        else
            free(full);
    }
    free(copy);
    return found;
}

/* xmllint's verdict (0 valid), or -1 when xmllint is not installed. */
static int xmllint_status(const char *xml, const char *xsd)
{
    char *xmllint = find_on_path("xmllint");
    if (xmllint == NULL)
        return -1;
    char *argv[] = {xmllint, "--noout", "--schema", (char *)xsd, (char *)xml, NULL};
    pf_run_result r;
    pf_test_run(argv, NULL, NULL, &r);
    int status = r.status;
    pf_run_result_dispose(&r);
    free(xmllint);
    return status;
}

/* ---- what the writer produces ---- */

static const pf_junit_format k_formats[] = {PF_JUNIT_REPORTERS, PF_JUNIT_JUNIT10};

START_TEST(test_render_counts_per_suite_and_in_total)
{
    pf_junit_format format = k_formats[_i];
    bool junit10 = format == PF_JUNIT_JUNIT10;
    xmlDocPtr doc = parse_sample(format);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    ck_assert_str_eq((const char *)root->name, "testsuites");
    assert_attr(root, "name", "perfgate");
    assert_attr(root, "tests", "5");
    assert_attr(root, "failures", "1");
    assert_attr(root, "errors", "1");
    assert_attr(root, "skipped", NULL); /* junit-10.xsd has no testsuites@skipped */
    assert_attr(root, "time", "4.500");
    ck_assert_int_eq(count_children(root, "testsuite"), 2);

    xmlNodePtr timeline = child(root, "testsuite", 0);
    assert_attr(timeline, "name", "timeline");
    assert_attr(timeline, "tests", "2");
    assert_attr(timeline, "failures", "1");
    assert_attr(timeline, "errors", "0");
    assert_attr(timeline, "skipped", "0");
    assert_attr(timeline, "time", "1.500");
    assert_attr(timeline, "timestamp", "2024-05-01T12:00:00");
    assert_attr(timeline, "hostname", "ci-runner-1");
    /* junit-10.xsd has only testsuite@file: there when every case names
     * the same file; the reporters format puts it on the cases instead. */
    assert_attr(timeline, "file", junit10 ? "bench/timeline/recent.sql" : NULL);
    ck_assert_int_eq(count_children(timeline, "testcase"), 2);
    ck_assert_ptr_null(child(timeline, "system-out", 0));

    xmlNodePtr rls = child(root, "testsuite", 1);
    assert_attr(rls, "name", "rls");
    assert_attr(rls, "tests", "3");
    assert_attr(rls, "failures", "0");
    assert_attr(rls, "errors", "1");
    assert_attr(rls, "skipped", "1");
    assert_attr(rls, "time", "3.000");
    assert_attr(rls, "timestamp", NULL);
    assert_attr(rls, "hostname", NULL);
    assert_attr(rls, "file", NULL); /* cases name different files */
    ck_assert_int_eq(count_children(rls, "testcase"), 3);
    xmlNodePtr out = child(rls, "system-out", 0);
    ck_assert_ptr_nonnull(out);
    assert_text(out, "server 15.6\nscale 1");
    xmlFreeDoc(doc);
}
END_TEST

/* One row per testcase of the sample: where it is and what it must carry. */
typedef struct case_row {
    int suite, index;
    const char *classname, *name, *time;
    const char *file, *line; /* testcase@file/@line in the reporters format */
    const char *result; /* "failure" / "error" / "skipped", or NULL for a pass */
    const char *message, *type, *body;
    const char *system_out;
} case_row;

static const case_row k_case_rows[] = {
    {0, 0, "perfgate.timeline", "timeline_recent_page", "0.250", "bench/timeline/recent.sql", "1",
     NULL, NULL, NULL, NULL, "median 1.2 ms\nbuffers 42"},
    {0, 1, "perfgate.timeline", "timeline_by_provider", "2.001", "bench/timeline/recent.sql", "7",
     "failure", "buffers +35% & <more> \"than\" &amp; 20%", "regression", k_fail_body_clean,
     "baseline 42\ncurrent 57"},
    {1, 0, "perfgate.rls", "rls_patient_isolation", "0.000", "bench/rls/isolation.sql", NULL,
     "error", "permission denied for table patients", "sql-error",
     "permission denied for table patients", NULL},
    {1, 1, "perfgate.rls", "rls_documents", "0.000", "bench/rls/documents.sql", "3", "skipped",
     "no baseline yet", NULL, "run with --update-baselines\nto record one", NULL},
    {1, 2, NULL, "rls_no_classname", "1234.568", NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

#define N_CASE_ROWS (sizeof k_case_rows / sizeof k_case_rows[0])

/* Each row in each format (_i: row, then format). */
START_TEST(test_each_testcase_carries_what_reporters_read)
{
    const case_row *row = &k_case_rows[(size_t)_i % N_CASE_ROWS];
    bool junit10 = (size_t)_i >= N_CASE_ROWS;
    xmlDocPtr doc = parse_sample(junit10 ? PF_JUNIT_JUNIT10 : PF_JUNIT_REPORTERS);
    xmlNodePtr suite = child(xmlDocGetRootElement(doc), "testsuite", row->suite);
    xmlNodePtr tc = child(suite, "testcase", row->index);
    ck_assert_ptr_nonnull(tc);
    assert_attr(tc, "classname", row->classname);
    assert_attr(tc, "name", row->name);
    assert_attr(tc, "time", row->time);
    /* Not in junit-10.xsd: written in the reporters format only. */
    assert_attr(tc, "file", junit10 ? NULL : row->file);
    assert_attr(tc, "line", junit10 ? NULL : row->line);

    static const char *const results[] = {"failure", "error", "skipped"};
    for (size_t k = 0; k < 3; k++) {
        xmlNodePtr r = child(tc, results[k], 0);
        if (row->result == NULL || strcmp(row->result, results[k]) != 0) {
            ck_assert_msg(r == NULL, "%s has an unexpected <%s>", row->name, results[k]);
            continue;
        }
        ck_assert_msg(r != NULL, "%s has no <%s>", row->name, results[k]);
        ck_assert_int_eq(count_children(tc, results[k]), 1);
        assert_attr(r, "message", row->message);
        assert_attr(r, "type", row->type);
        assert_text(r, row->body);
    }
    xmlNodePtr out = child(tc, "system-out", 0);
    if (row->system_out == NULL) {
        ck_assert_ptr_null(out);
    } else {
        ck_assert_ptr_nonnull(out);
        assert_text(out, row->system_out);
    }
    xmlFreeDoc(doc);
}
END_TEST

START_TEST(test_text_is_escaped_and_attributes_keep_their_order)
{
    char *text = render_sample(PF_JUNIT_JUNIT10);
    ck_assert_msg(strncmp(text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0,
                  "unexpected prolog: %.60s", text);
    ck_assert_ptr_nonnull(strstr(text, "<testsuites name=\"perfgate\" tests=\"5\" failures=\"1\" "
                                       "errors=\"1\" time=\"4.500\">"));
    ck_assert_ptr_nonnull(strstr(text, "<testsuite name=\"timeline\" tests=\"2\" failures=\"1\" "
                                       "errors=\"0\" skipped=\"0\" time=\"1.500\" "
                                       "timestamp=\"2024-05-01T12:00:00\" "
                                       "hostname=\"ci-runner-1\" "
                                       "file=\"bench/timeline/recent.sql\">"));
    ck_assert_ptr_nonnull(strstr(text, "<testcase classname=\"perfgate.timeline\" "
                                       "name=\"timeline_by_provider\" time=\"2.001\">"));
    ck_assert_ptr_nonnull(strstr(text, "<failure message=\"buffers +35% &amp; &lt;more&gt; "
                                       "&quot;than&quot; &amp;amp; 20%\" type=\"regression\">"));
    ck_assert_ptr_nonnull(strstr(text, "plan: &lt;Index Scan&gt; &amp; \"quoted\""));
    ck_assert_ptr_null(strstr(text, "<Index Scan>"));
    ck_assert_ptr_null(strchr(text, '\x01'));
    ck_assert_ptr_null(strstr(text, "\xff"));
    free(text);

    text = render_sample(PF_JUNIT_REPORTERS);
    ck_assert_ptr_nonnull(strstr(text, "<testsuite name=\"timeline\" tests=\"2\" failures=\"1\" "
                                       "errors=\"0\" skipped=\"0\" time=\"1.500\" "
                                       "timestamp=\"2024-05-01T12:00:00\" "
                                       "hostname=\"ci-runner-1\">"));
    ck_assert_ptr_nonnull(strstr(text, "<testcase classname=\"perfgate.timeline\" "
                                       "name=\"timeline_by_provider\" time=\"2.001\" "
                                       "file=\"bench/timeline/recent.sql\" line=\"7\">"));
    ck_assert_ptr_nonnull(strstr(text, "<testcase classname=\"perfgate.rls\" "
                                       "name=\"rls_patient_isolation\" time=\"0.000\" "
                                       "file=\"bench/rls/isolation.sql\">"));
    ck_assert_ptr_nonnull(strstr(text, "<testcase name=\"rls_no_classname\" time=\"1234.568\"/>"));
    free(text);
}
END_TEST

/* Characters XML 1.0 forbids and broken UTF-8 become U+FFFD, one per broken
 * sequence; everything else survives the round trip. */
static const struct {
    const char *in, *out;
} k_clean[] = {
    {"ctrl \x01\x02\x1f end", "ctrl " FFFD FFFD FFFD " end"},
    {"tab\tcr\r\nlf", "tab\tcr\r\nlf"},
    {"del \x7f kept", "del \x7f kept"},
    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
    {"lone \xff and \xfe", "lone " FFFD " and " FFFD},
    {"cut \xe2\x82", "cut " FFFD},
    {"cut \xe2\x82 mid", "cut " FFFD " mid"},
    {"overlong \xc0\xaf", "overlong " FFFD FFFD},
    {"surrogate \xed\xa0\x80", "surrogate " FFFD FFFD FFFD},
    {"nonchar \xef\xbf\xbe \xef\xbf\xbf", "nonchar " FFFD " " FFFD},
    {"too big \xf4\x90\x80\x80", "too big " FFFD FFFD FFFD FFFD},
    {"stray continuation \x80", "stray continuation " FFFD},
    {"markup ]]> <!-- &lt; -->", "markup ]]> <!-- &lt; -->"},
};

START_TEST(test_forbidden_characters_are_replaced_in_bodies_and_attributes)
{
    pf_junit_case c = {.classname = k_clean[_i].in,
                       .name = "n",
                       .status = PF_JUNIT_FAIL,
                       .message = k_clean[_i].in,
                       .body = k_clean[_i].in,
                       .system_out = k_clean[_i].in};
    pf_junit_suite s = {.name = "s", .cases = &c, .n_cases = 1};
    char *text = NULL;
    pf_error err;
    ck_assert_int_eq(pf_junit_render(NULL, &s, 1, PF_JUNIT_REPORTERS, &text, &err), 0);
    xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), "clean.xml", NULL, XML_PARSE_NONET);
    ck_assert_msg(doc != NULL, "not well-formed for input %zu:\n%s", (size_t)_i, text);
    free(text);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    assert_attr(root, "name", NULL);
    xmlNodePtr tc = child(child(root, "testsuite", 0), "testcase", 0);
    assert_attr(tc, "classname", k_clean[_i].out);
    xmlNodePtr f = child(tc, "failure", 0);
    assert_text(f, k_clean[_i].out);
    /* Attribute values are normalised by parsers unless \t \n \r are written
     * as character references; the serializer does that, so they survive. */
    assert_attr(f, "message", k_clean[_i].out);
    assert_text(child(tc, "system-out", 0), k_clean[_i].out);
    xmlFreeDoc(doc);
}
END_TEST

static const struct {
    double s;
    const char *text;
} k_times[] = {
    {0, "0.000"},          {0.0004, "0.000"},     {0.0005, "0.001"},     {0.25, "0.250"},
    {1.5, "1.500"},        {2.0006, "2.001"},     {59.9999, "60.000"},   {3, "3.000"},
    {1234.5678, "1234.568"}, {86400.001, "86400.001"}, {-1, "0.000"},
    {NAN, "0.000"},        {INFINITY, "0.000"},
};

START_TEST(test_times_are_seconds_with_three_decimals)
{
    pf_junit_case c = {.name = "t", .time_s = k_times[_i].s};
    pf_junit_suite s = {.name = "s", .cases = &c, .n_cases = 1, .time_s = k_times[_i].s};
    char *text = NULL;
    pf_error err;
    ck_assert_int_eq(pf_junit_render("x", &s, 1, PF_JUNIT_REPORTERS, &text, &err), 0);
    xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), "t.xml", NULL, XML_PARSE_NONET);
    free(text);
    ck_assert_ptr_nonnull(doc);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr suite = child(root, "testsuite", 0);
    assert_attr(root, "time", k_times[_i].text);
    assert_attr(suite, "time", k_times[_i].text);
    assert_attr(child(suite, "testcase", 0), "time", k_times[_i].text);
    xmlFreeDoc(doc);
}
END_TEST

START_TEST(test_a_report_without_suites_is_still_a_document)
{
    char *text = NULL;
    pf_error err;
    ck_assert_int_eq(pf_junit_render("empty", NULL, 0, PF_JUNIT_REPORTERS, &text, &err), 0);
    ck_assert_ptr_nonnull(strstr(text, "<testsuites name=\"empty\" tests=\"0\" failures=\"0\" "
                                       "errors=\"0\" time=\"0.000\"/>"));
    free(text);

    pf_junit_suite s = {.name = "none"};
    char *dir = pf_test_tmpdir();
    char *path = pf_path_join(dir, "empty.xml");
    char *xsd = xsd_path();
    ck_assert_int_eq(pf_junit_write(path, "empty", &s, 1, PF_JUNIT_JUNIT10, &err), 0);
    ck_assert_msg(pf_junit_validate(path, xsd, &err) == 0, "%s", err.msg);
    pf_rmtree(dir, &err);
    free(xsd);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_missing_names_are_refused)
{
    pf_junit_case c = {.classname = "x", .name = NULL};
    pf_junit_suite s = {.name = "grp", .cases = &c, .n_cases = 1};
    char *text = NULL;
    pf_error err;
    pf_error_clear(&err);
    ck_assert_int_eq(pf_junit_render("x", &s, 1, PF_JUNIT_REPORTERS, &text, &err), -1);
    ck_assert_ptr_null(text);
    ck_assert_int_eq(err.code, PF_EXIT_USAGE);
    ck_assert_msg(strstr(err.msg, "case 1 of suite 'grp' has no name") != NULL, "%s", err.msg);

    pf_junit_suite unnamed = {.name = NULL};
    ck_assert_int_eq(pf_junit_render("x", &unnamed, 1, PF_JUNIT_REPORTERS, &text, &err), -1);
    ck_assert_msg(strstr(err.msg, "suite 1 has no name") != NULL, "%s", err.msg);
}
END_TEST

/* ---- validation ---- */

/* junit10 validates against junit-10.xsd; reporters validates against
 * junit-10.xsd plus testcase@file/@line and nothing else, and junit-10.xsd
 * itself rejects it for exactly that attribute. */
START_TEST(test_written_report_validates_against_junit_10_xsd)
{
    pf_junit_format format = k_formats[_i];
    char *dir = pf_test_tmpdir();
    char *path = pf_path_join(dir, "reports/junit.xml"); /* parent is created */
    char *xsd = xsd_path();
    char *reporters_xsd = pf_test_junit_reporters_xsd(dir);
    pf_error err;
    pf_error_clear(&err);
    ck_assert_msg(pf_junit_write(path, "perfgate", k_suites, 2, format, &err) == 0, "%s",
                  err.msg);

    char *written = NULL;
    ck_assert_int_eq(pf_file_read(path, &written, NULL, &err), 0);
    char *rendered = render_sample(format);
    ck_assert_str_eq(written, rendered);
    free(written);
    free(rendered);

    const char *valid_xsd = format == PF_JUNIT_JUNIT10 ? xsd : reporters_xsd;
    ck_assert_msg(pf_junit_validate(path, valid_xsd, &err) == 0, "%s", err.msg);
    int lint = xmllint_status(path, valid_xsd);
    if (lint >= 0)
        ck_assert_msg(lint == 0, "xmllint rejects what pf_junit_validate accepts");
    if (format == PF_JUNIT_REPORTERS) {
        ck_assert_int_eq(pf_junit_validate(path, xsd, &err), -1);
        ck_assert_msg(strstr(err.msg, "'file'") != NULL, "%s", err.msg);
    }
    pf_rmtree(dir, &err);
    free(reporters_xsd);
    free(xsd);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_format_names_parse)
{
    pf_junit_format f = PF_JUNIT_JUNIT10;
    ck_assert_int_eq(pf_junit_format_parse("reporters", &f), 0);
    ck_assert_int_eq(f, PF_JUNIT_REPORTERS);
    ck_assert_int_eq(pf_junit_format_parse("junit10", &f), 0);
    ck_assert_int_eq(f, PF_JUNIT_JUNIT10);
    ck_assert_int_eq(pf_junit_format_parse("JUnit10", &f), -1);
    ck_assert_int_eq(pf_junit_format_parse("", &f), -1);
    ck_assert_int_eq(pf_junit_format_parse(NULL, &f), -1);
    ck_assert_int_eq(f, PF_JUNIT_JUNIT10);
}
END_TEST

/* Paths as reporters want them: relative to the repository root. */
START_TEST(test_source_paths_are_relative_to_the_repository_root)
{
    char *dir = pf_test_tmpdir();
    pf_error err;
    char *repo = pf_path_join(dir, "repo");
    char *bench = pf_path_join(repo, "app/bench/audit");
    ck_assert_int_eq(pf_mkdirs(bench, 0755, &err), 0);
    char *file = pf_test_write(bench, "recent.sql", "SELECT 1;\n");
    char *git = pf_path_join(repo, ".git");
    ck_assert_int_eq(pf_mkdirs(git, 0755, &err), 0);
    char *app = pf_path_join(repo, "app");
    char *saved = getcwd(NULL, 0);
    char *saved_ws = getenv("GITHUB_WORKSPACE") ? pf_strdup(getenv("GITHUB_WORKSPACE")) : NULL;
    char *saved_gl = getenv("CI_PROJECT_DIR") ? pf_strdup(getenv("CI_PROJECT_DIR")) : NULL;
    unsetenv("GITHUB_WORKSPACE");
    unsetenv("CI_PROJECT_DIR");

    /* An explicit root, an absolute and a relative path. */
    char *p = pf_junit_source_path(file, repo);
    ck_assert_str_eq(p, "app/bench/audit/recent.sql");
    free(p);
    ck_assert_int_eq(chdir(app), 0);
    p = pf_junit_source_path("./bench/audit/recent.sql", repo);
    ck_assert_str_eq(p, "app/bench/audit/recent.sql");
    free(p);
    /* No root: the nearest directory up holding .git. */
    p = pf_junit_source_path("bench/audit/recent.sql", NULL);
    ck_assert_str_eq(p, "app/bench/audit/recent.sql");
    free(p);
    /* $GITHUB_WORKSPACE wins. */
    setenv("GITHUB_WORKSPACE", app, 1);
    p = pf_junit_source_path(file, NULL);
    ck_assert_str_eq(p, "bench/audit/recent.sql");
    free(p);
    unsetenv("GITHUB_WORKSPACE");
    setenv("CI_PROJECT_DIR", app, 1);
    p = pf_junit_source_path(file, NULL);
    ck_assert_str_eq(p, "bench/audit/recent.sql");
    free(p);
    unsetenv("CI_PROJECT_DIR");
    /* Outside the root: relative to the current directory when under it. */
    char *other = pf_path_join(dir, "elsewhere");
    ck_assert_int_eq(pf_mkdirs(other, 0755, &err), 0);
    p = pf_junit_source_path(file, other);
    ck_assert_str_eq(p, "bench/audit/recent.sql");
    free(p);
    /* Under neither: as given. A file that does not exist: as given, "./"
     * dropped. */
    ck_assert_int_eq(chdir(other), 0);
    p = pf_junit_source_path(file, other);
    ck_assert_str_eq(p, file);
    free(p);
    p = pf_junit_source_path("./no/such.sql", NULL);
    ck_assert_str_eq(p, "no/such.sql");
    free(p);

    ck_assert_int_eq(chdir(saved), 0);
    if (saved_ws)
        setenv("GITHUB_WORKSPACE", saved_ws, 1);
    if (saved_gl)
        setenv("CI_PROJECT_DIR", saved_gl, 1);
    pf_rmtree(dir, &err);
    free(saved_ws);
    free(saved_gl);
    free(saved);
    free(other);
    free(app);
    free(git);
    free(file);
    free(bench);
    free(repo);
    free(dir);
}
END_TEST

/* Hand-written reports that break the schema, and the line that breaks it. */
static const struct {
    const char *what;
    const char *xml;
    const char *line;     /* ":<line>:" expected in the message */
    const char *mentions; /* and this */
} k_invalid[] = {
    {"testcase without name",
     "<?xml version=\"1.0\"?>\n"
     "<testsuites>\n"
     "  <testsuite name=\"s\" tests=\"1\" failures=\"0\" errors=\"0\">\n"
     "    <testcase classname=\"c\" time=\"1\"/>\n"
     "  </testsuite>\n"
     "</testsuites>\n",
     ":4:", "name"},
    {"testsuite without tests",
     "<?xml version=\"1.0\"?>\n"
     "<testsuites>\n"
     "\n"
     "  <testsuite name=\"s\" failures=\"0\" errors=\"0\"/>\n"
     "</testsuites>\n",
     ":4:", "tests"},
    {"testcase with file (not in junit-10.xsd)",
     "<?xml version=\"1.0\"?>\n"
     "<testsuite name=\"s\" tests=\"1\" failures=\"0\" errors=\"0\">\n"
     "  <testcase name=\"n\" file=\"a.sql\"/>\n"
     "</testsuite>\n",
     ":3:", "file"},
    {"time with a comma decimal",
     "<?xml version=\"1.0\"?>\n"
     "<testsuites>\n"
     "  <testsuite name=\"s\" tests=\"0\" failures=\"0\" errors=\"0\" time=\"1,5\"/>\n"
     "</testsuites>\n",
     ":3:", "time"},
    {"not well-formed",
     "<?xml version=\"1.0\"?>\n"
     "<testsuites>\n"
     "  <testsuite name=\"s\" tests=\"0\" failures=\"0\" errors=\"0\">\n"
     "</testsuites>\n",
     ":4:", "testsuite"},
};

START_TEST(test_invalid_reports_fail_with_file_and_line)
{
    char *dir = pf_test_tmpdir();
    char *path = pf_test_write(dir, "bad.xml", k_invalid[_i].xml);
    char *xsd = xsd_path();
    pf_error err;
    pf_error_clear(&err);
    ck_assert_msg(pf_junit_validate(path, xsd, &err) == -1, "%s: accepted", k_invalid[_i].what);
    ck_assert_int_eq(err.code, PF_EXIT_USAGE);
    char *where = pf_asprintf("%s%s", path, k_invalid[_i].line);
    ck_assert_msg(strstr(err.msg, where) != NULL, "%s: expected \"%s\" in: %s", k_invalid[_i].what,
                  where, err.msg);
    ck_assert_msg(strstr(err.msg, k_invalid[_i].mentions) != NULL, "%s: expected \"%s\" in: %s",
                  k_invalid[_i].what, k_invalid[_i].mentions, err.msg);
    ck_assert_ptr_null(strchr(err.msg, '\n'));
    int lint = xmllint_status(path, xsd);
    if (lint >= 0)
        ck_assert_msg(lint != 0, "%s: xmllint accepts what pf_junit_validate rejects",
                      k_invalid[_i].what);
    free(where);
    pf_rmtree(dir, &err);
    free(xsd);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_several_problems_are_counted_after_the_first)
{
    char *dir = pf_test_tmpdir();
    char *path = pf_test_write(dir, "bad.xml",
                               "<testsuites>\n"
                               "  <testsuite tests=\"0\" failures=\"0\" errors=\"0\"/>\n"
                               "  <testsuite tests=\"0\" failures=\"0\" errors=\"0\"/>\n"
                               "</testsuites>\n");
    char *xsd = xsd_path();
    pf_error err;
    ck_assert_int_eq(pf_junit_validate(path, xsd, &err), -1);
    ck_assert_msg(strstr(err.msg, ":2:") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "(1 more problem)") != NULL, "%s", err.msg);
    pf_rmtree(dir, &err);
    free(xsd);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_missing_or_broken_schema_is_named)
{
    char *dir = pf_test_tmpdir();
    char *xml = pf_test_write(dir, "ok.xml", "<testsuites/>\n");
    char *missing = pf_path_join(dir, "nope.xsd");
    pf_error err;
    ck_assert_int_eq(pf_junit_validate(xml, missing, &err), -1);
    ck_assert_msg(strstr(err.msg, missing) != NULL, "%s", err.msg);

    char *broken = pf_test_write(dir, "broken.xsd",
                                 "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
                                 "  <xs:element name=\"a\" type=\"xs:nosuchtype\"/>\n"
                                 "</xs:schema>\n");
    ck_assert_int_eq(pf_junit_validate(xml, broken, &err), -1);
    char *where = pf_asprintf("%s:2:", broken);
    ck_assert_msg(strstr(err.msg, where) != NULL, "expected \"%s\" in: %s", where, err.msg);

    char *missing_xml = pf_path_join(dir, "nope.xml");
    char *xsd = xsd_path();
    ck_assert_int_eq(pf_junit_validate(missing_xml, xsd, &err), -1);
    ck_assert_msg(strstr(err.msg, missing_xml) != NULL, "%s", err.msg);

    pf_rmtree(dir, &err);
    free(xsd);
    free(missing_xml);
    free(where);
    free(broken);
    free(missing);
    free(xml);
    free(dir);
}
END_TEST

static int g_outside_errors;

static void count_outside_error(void *ctx, PF_TEST_XML_ERROR_CONST xmlError *e)
{
    (void)ctx;
    (void)e;
    g_outside_errors++;
}

START_TEST(test_libxml2_prints_nothing_and_handlers_are_restored)
{
    char *dir = pf_test_tmpdir();
    char *bad = pf_test_write(dir, "bad.xml", "<testsuites>\n<testsuite>\n</testsuites>\n");
    char *invalid = pf_test_write(dir, "invalid.xml", "<testsuites><testcase/></testsuites>\n");
    char *errpath = pf_path_join(dir, "stderr.txt");
    char *xsd = xsd_path();

    xmlSetStructuredErrorFunc(NULL, count_outside_error);
    g_outside_errors = 0;
    fflush(stderr);
    fflush(stdout);
    int saved_err = dup(2), saved_out = dup(1);
    int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    dup2(fd, 2);
    dup2(fd, 1);
    close(fd);

    pf_error err;
    int rc_bad = pf_junit_validate(bad, xsd, &err);
    int rc_invalid = pf_junit_validate(invalid, xsd, &err);
    pf_junit_case c = {.name = "x\x01"};
    pf_junit_suite s = {.name = "s", .cases = &c, .n_cases = 1};
    char *text = NULL;
    int rc_render = pf_junit_render("r", &s, 1, PF_JUNIT_REPORTERS, &text, &err);
    free(text);

    fflush(stderr);
    fflush(stdout);
    dup2(saved_err, 2);
    dup2(saved_out, 1);
    close(saved_err);
    close(saved_out);

    ck_assert_int_eq(rc_bad, -1);
    ck_assert_int_eq(rc_invalid, -1);
    ck_assert_int_eq(rc_render, 0);
    char *printed = NULL;
    ck_assert_int_eq(pf_file_read(errpath, &printed, NULL, &err), 0);
    ck_assert_msg(printed[0] == '\0', "libxml2 printed: %s", printed);
    free(printed);

    /* The caller's handler is back, and was not called during our calls. */
    ck_assert_int_eq(g_outside_errors, 0);
    xmlDocPtr doc = xmlReadMemory("<a>", 3, "x.xml", NULL, XML_PARSE_NONET);
    ck_assert_ptr_null(doc);
    ck_assert_int_gt(g_outside_errors, 0);
    xmlSetStructuredErrorFunc(NULL, NULL);

    pf_rmtree(dir, &err);
    free(xsd);
    free(errpath);
    free(invalid);
    free(bad);
    free(dir);
}
END_TEST

/* ---- writing ---- */

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

START_TEST(test_unwritable_path_gives_a_clear_error_and_no_partial_file)
{
    char *dir = pf_test_tmpdir();
    pf_error err;

    /* The target is a directory: the temp file is written, the rename fails,
     * and the temp file is removed. */
    char *target = pf_path_join(dir, "junit.xml");
    ck_assert_int_eq(mkdir(target, 0755), 0);
    pf_error_clear(&err);
    ck_assert_int_eq(pf_junit_write(target, "perfgate", k_suites, 2, PF_JUNIT_REPORTERS, &err), -1);
    ck_assert_int_eq(err.code, PF_EXIT_INFRA);
    ck_assert_msg(strstr(err.msg, "cannot write JUnit report") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, target) != NULL, "%s", err.msg);
    ck_assert_int_eq(count_entries(dir), 1);
    ck_assert(pf_path_is_dir(target));
    ck_assert_int_eq(count_entries(target), 0);

    /* A parent that is a regular file: nothing can be created under it. */
    char *file = pf_test_write(dir, "plain", "x");
    char *under = pf_path_join(file, "junit.xml");
    pf_error_clear(&err);
    ck_assert_int_eq(pf_junit_write(under, "perfgate", k_suites, 2, PF_JUNIT_REPORTERS, &err), -1);
    ck_assert_msg(strstr(err.msg, under) != NULL, "%s", err.msg);
    ck_assert_int_eq(count_entries(dir), 2);

    /* A read-only directory (root ignores permissions, so only as a user). */
    if (geteuid() != 0) {
        char *ro = pf_path_join(dir, "ro");
        ck_assert_int_eq(mkdir(ro, 0555), 0);
        char *in_ro = pf_path_join(ro, "junit.xml");
        ck_assert_int_eq(pf_junit_write(in_ro, "perfgate", k_suites, 2, PF_JUNIT_REPORTERS, &err), -1);
        ck_assert_msg(strstr(err.msg, "Permission denied") != NULL, "%s", err.msg);
        ck_assert_int_eq(count_entries(ro), 0);
        chmod(ro, 0755);
        free(in_ro);
        free(ro);
    }

    pf_rmtree(dir, &err);
    free(under);
    free(file);
    free(target);
    free(dir);
}
END_TEST

START_TEST(test_rewriting_replaces_the_previous_report)
{
    char *dir = pf_test_tmpdir();
    char *path = pf_test_write(dir, "junit.xml", "old contents that are not XML");
    pf_error err;
    ck_assert_int_eq(pf_junit_write(path, "perfgate", k_suites, 1, PF_JUNIT_REPORTERS, &err), 0);
    char *text = NULL;
    ck_assert_int_eq(pf_file_read(path, &text, NULL, &err), 0);
    ck_assert_ptr_null(strstr(text, "old contents"));
    ck_assert_ptr_nonnull(strstr(text, "<testsuites name=\"perfgate\" tests=\"2\""));
    ck_assert_int_eq(count_entries(dir), 1);
    free(text);
    pf_rmtree(dir, &err);
    free(path);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("junit");
    TCase *tc = tcase_create("junit");
    tcase_add_loop_test(tc, test_render_counts_per_suite_and_in_total, 0, 2);
    tcase_add_loop_test(tc, test_each_testcase_carries_what_reporters_read, 0,
                        (int)(2 * N_CASE_ROWS));
    tcase_add_test(tc, test_text_is_escaped_and_attributes_keep_their_order);
    tcase_add_loop_test(tc, test_forbidden_characters_are_replaced_in_bodies_and_attributes, 0,
                        (int)(sizeof k_clean / sizeof k_clean[0]));
    tcase_add_loop_test(tc, test_times_are_seconds_with_three_decimals, 0,
                        (int)(sizeof k_times / sizeof k_times[0]));
    tcase_add_test(tc, test_a_report_without_suites_is_still_a_document);
    tcase_add_test(tc, test_missing_names_are_refused);
    tcase_add_loop_test(tc, test_written_report_validates_against_junit_10_xsd, 0, 2);
    tcase_add_test(tc, test_format_names_parse);
    tcase_add_test(tc, test_source_paths_are_relative_to_the_repository_root);
    tcase_add_loop_test(tc, test_invalid_reports_fail_with_file_and_line, 0,
                        (int)(sizeof k_invalid / sizeof k_invalid[0]));
    tcase_add_test(tc, test_several_problems_are_counted_after_the_first);
    tcase_add_test(tc, test_missing_or_broken_schema_is_named);
    tcase_add_test(tc, test_libxml2_prints_nothing_and_handlers_are_restored);
    tcase_add_test(tc, test_unwritable_path_gives_a_clear_error_and_no_partial_file);
    tcase_add_test(tc, test_rewriting_replaces_the_previous_report);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    /* libxml2 keeps global state (dictionaries, the parser's tables). */
    xmlCleanupParser();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
