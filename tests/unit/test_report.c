/* perfgate report from results files (no server): the command line, and the
 * page parsed with libxml2's HTML parser — every chart there with its data
 * paths, nothing loaded from elsewhere. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include "fixture_history.h"
#include "fsutil.h"
#include "testutil.h"

static char *g_dir;

static void setup(void)
{
    pf_error e;
    g_dir = pf_test_tmpdir();
    char *res = pf_path_join(g_dir, "results");
    ck_assert_msg(pf_fixture_write_results(res, &e) == 0, "%s", e.msg);
    free(res);
}

static void teardown(void)
{
    pf_rmtree(g_dir, NULL);
    free(g_dir);
}

/* argv (after "perfgate"), with @ replaced by the temp directory. */
static void run(const char *const *args, pf_run_result *r)
{
    char *argv[24];
    char *owned[24];
    size_t n = 0, no = 0;
    argv[n++] = (char *)pf_test_bin();
    for (; *args && n < 22; args++) {
        const char *at = strchr(*args, '@');
        if (at != NULL) {
            char *s = pf_asprintf("%.*s%s%s", (int)(at - *args), *args, g_dir, at + 1);
            owned[no++] = s;
            argv[n++] = s;
        } else {
            argv[n++] = (char *)*args;
        }
    }
    argv[n] = NULL;
    char *env[] = {"PERFGATE_STORE_DSN=", NULL};
    pf_test_run(argv, env, NULL, r);
    for (size_t i = 0; i < no; i++)
        free(owned[i]);
}

static const struct {
    const char *args[12];
    int status;
    const char *stderr_has;
} k_cli[] = {
    {{"report", NULL}, 2, "--out FILE is required"},
    {{"report", "--out", "@/r.html", NULL}, 2, "nothing to show"},
    {{"report", "--out", "@/r.html", "--results", "@/nope", NULL}, 2, "not a directory"},
    {{"report", "--out", "@/r.html", "--results", "@/results", "--top", "0", NULL}, 2, "--top"},
    {{"report", "--out", "@/r.html", "--results", "@/results", "--window", "1s", NULL},
     2,
     "at least 1m"},
    {{"report", "--out", "@/r.html", "--results", "@/results", "--no-git", "--baselines", "@",
      NULL},
     2,
     "exclude each other"},
    {{"report", "--bogus", NULL}, 2, "bogus"},
    {{"report", "--out", "@/r.html", "--store-dsn", "host=@/nosocket port=1 connect_timeout=2",
      NULL},
     3,
     "history store"},
    {{"monitor", "--dsn", "x", "--store-dsn", "y", "--once", "--listen", "127.0.0.1:0", NULL},
     2,
     "nothing to serve with --once"},
    {{"monitor", "--dsn", "x", "--store-dsn", "y", "--metrics-top", "5", NULL},
     2,
     "go with --listen"},
    {{"monitor", "--dsn", "x", "--store-dsn", "y", "--listen", "nonsense", NULL},
     2,
     "is not ADDR:PORT"},
};

START_TEST(test_report_command_line)
{
    pf_run_result r;
    run(k_cli[_i].args, &r);
    ck_assert_msg(r.status == k_cli[_i].status, "%s %s: status %d: %s", k_cli[_i].args[0],
                  k_cli[_i].args[1] ? k_cli[_i].args[1] : "", r.status, r.err);
    ck_assert_msg(strstr(r.err, k_cli[_i].stderr_has) != NULL, "stderr: %s", r.err);
    pf_run_result_dispose(&r);
}
END_TEST

static long xcount(xmlXPathContextPtr ctx, const char *expr)
{
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    ck_assert_msg(o != NULL, "bad XPath %s", expr);
    long n = o->nodesetval ? o->nodesetval->nodeNr : 0;
    xmlXPathFreeObject(o);
    return n;
}

START_TEST(test_report_writes_a_self_contained_page_with_every_chart)
{
    const char *args[] = {"report", "--out", "@/r.html", "--results", "@/results",
                          "--no-git", "-v", NULL};
    pf_run_result r;
    run(args, &r);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "wrote"));
    ck_assert_ptr_null(strstr(r.err, "note:"));
    pf_run_result_dispose(&r);
    char *path = pf_path_join(g_dir, "r.html");
    htmlDocPtr doc = htmlReadFile(path, "utf-8",
                                  HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
    ck_assert_msg(doc != NULL, "the page does not parse");
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    /* 8 cases, 3 RLS pairs, 5 load flows; no store: no production. */
    ck_assert_int_eq(xcount(ctx, "//svg[@class='chart']"), 16);
    ck_assert_int_eq(xcount(ctx, "//svg[@class='chart'][not(.//path[contains(@class,'series')"
                                 " and string-length(@d) > 10])]"),
                     0);
    ck_assert_int_eq(xcount(ctx, "//path[contains(@class,'series median')]"), 16);
    ck_assert_int_eq(xcount(ctx, "//circle[contains(@class,'marker regression')]"), 5);
    ck_assert_int_eq(xcount(ctx, "//path[@data-band='baseline ±20 %']"), 8);
    ck_assert_int_eq(xcount(ctx, "//section[@id='production']"), 0);
    /* Nothing from elsewhere: no external src/href, no <link>, no script src. */
    ck_assert_int_eq(xcount(ctx, "//*[@src]"), 0);
    ck_assert_int_eq(xcount(ctx, "//link"), 0);
    ck_assert_int_eq(xcount(ctx, "//*[@href][not(starts-with(@href, '#'))]"), 0);
    ck_assert_int_eq(xcount(ctx, "//script"), 1);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    char *text = NULL;
    pf_error e;
    ck_assert_int_eq(pf_file_read(path, &text, NULL, &e), 0);
    ck_assert_ptr_null(strstr(text, "http://"));
    ck_assert_ptr_null(strstr(text, "https://"));
    free(text);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("report");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_report_command_line, 0, sizeof k_cli / sizeof k_cli[0]);
    tcase_add_test(tc, test_report_writes_a_self_contained_page_with_every_chart);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    xmlCleanupParser();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
