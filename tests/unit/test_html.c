/* html: escaping, and a page built from hostile names and query texts that
 * stays inert (no script, no markup, no external URL). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture_history.h"
#include "fsutil.h"
#include "history.h"
#include "html.h"
#include "testutil.h"

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static const struct {
    const char *in, *out;
} k_escapes[] = {
    {"plain", "plain"},
    {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
    {"a & b", "a &amp; b"},
    {"\"quoted\" 'single'", "&quot;quoted&quot; &#39;single&#39;"},
    {"x\x01y", "x y"},
    {"", ""},
};

START_TEST(test_html_escape_covers_text_and_attributes)
{
    pf_buf b = PF_BUF_INIT;
    pf_html_escape(&b, k_escapes[_i].in);
    ck_assert_str_eq(pf_buf_str(&b), k_escapes[_i].out);
    pf_buf_dispose(&b);
}
END_TEST

static const char k_hostile[] = "</td><script>alert(2)</script><img src=x onerror=alert(3)>";

/* A production window with one category and one hostile query. */
static void hostile_dash(pf_store_dash *d)
{
    memset(d, 0, sizeof *d);
    d->source = pf_strdup("prod<script>alert(4)</script>");
    d->target = pf_strdup("host=db \"onload=alert(5)");
    d->first_us = d->from_us = 1770681600000000LL;
    d->last_us = d->to_us = d->from_us + 3600000000LL;
    d->bucket_s = 300;
    d->snapshots = 12;
    d->n_cats = 1;
    d->cats = pf_calloc(1, sizeof *d->cats);
    d->cats[0].category = pf_strdup("timeline");
    d->cats[0].n = 2;
    d->cats[0].pts = pf_calloc(2, sizeof *d->cats[0].pts);
    for (int i = 0; i < 2; i++) {
        d->cats[0].pts[i].at_us = d->from_us + i * 300000000LL;
        d->cats[0].pts[i].calls = 10;
        d->cats[0].pts[i].exec_ms = 200;
        d->cats[0].pts[i].max_query_mean_ms = 30;
    }
    d->n_top_total = 1;
    d->top_total = pf_calloc(1, sizeof *d->top_total);
    d->top_total[0].category = pf_strdup("timeline");
    d->top_total[0].query = pf_strdup(k_hostile);
    d->top_total[0].dbname = pf_strdup("app");
    d->top_total[0].calls = 20;
    d->top_total[0].exec_ms = 400;
    d->top_total[0].mean_ms = 20;
    d->n_alerts = 1;
    d->alerts = pf_calloc(1, sizeof *d->alerts);
    d->alerts[0].key = pf_strdup("k");
    d->alerts[0].kind = pf_strdup("threshold");
    d->alerts[0].category = pf_strdup("<b>timeline</b>");
    d->alerts[0].query = pf_strdup(k_hostile);
    d->alerts[0].peak_level = 2;
    d->alerts[0].start_us = d->from_us;
}

START_TEST(test_html_page_keeps_hostile_names_and_queries_inert)
{
    char *dir = pf_test_tmpdir();
    pf_error e;
    ck_assert_int_eq(pf_fixture_write_results(dir, &e), 0);
    free(pf_test_write(dir, "evil.json",
                       "{\"started_at\": \"2026-02-10T05:00:00Z\", \"cases\": [{\"name\": "
                       "\"<script>alert(1)</script>\", \"group\": \"x\\\"onmouseover=\\\"y\", "
                       "\"status\": \"fail\", \"latency\": {\"median_ms\": 1, \"p95_ms\": 2}}]}"));
    free(pf_test_write(dir, "bad<img src=x>.json", "{"));
    pf_history h;
    ck_assert_int_eq(pf_history_read_dir(dir, &h, &e), 0);
    pf_store_dash d;
    hostile_dash(&d);
    pf_html_category cats[2] = {{"timeline", 100}, {"default", 1000}};
    pf_html_input in;
    memset(&in, 0, sizeof in);
    in.title = "perfgate <dashboard>";
    in.generated_at = "now";
    in.version = "test";
    in.history = &h;
    in.results_dir = dir;
    in.prod = &d;
    in.cats = cats;
    in.n_cats = 2;
    in.levels[0] = 0.5;
    in.levels[1] = 1;
    in.levels[2] = 2;
    char *page = pf_html_dashboard(&in);
    ck_assert_ptr_null(strstr(page, "<script>alert"));
    ck_assert_ptr_null(strstr(page, "<img"));
    ck_assert_ptr_null(strstr(page, "<b>timeline"));
    ck_assert_ptr_null(strstr(page, "\"onmouseover"));
    ck_assert_ptr_null(strstr(page, "\"onload"));
    ck_assert_uint_eq(count(page, "<script"), 1); /* the page's own filter */
    ck_assert_ptr_nonnull(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    ck_assert_ptr_nonnull(strstr(page, "&lt;/td&gt;&lt;script&gt;alert(2)"));
    ck_assert_ptr_nonnull(strstr(page, "bad&lt;img src=x&gt;.json"));
    /* Self-contained: no URL, no loaded resource. */
    ck_assert_ptr_null(strstr(page, "http://"));
    ck_assert_ptr_null(strstr(page, "https://"));
    ck_assert_ptr_null(strstr(page, " src=\""));
    ck_assert_ptr_null(strstr(page, " href=\"h"));
    ck_assert_ptr_null(strstr(page, "<link"));
    ck_assert_ptr_null(strstr(page, "url("));
    ck_assert_ptr_null(strstr(page, "http-equiv=\"refresh\""));
    /* One chart per case, RLS pair, load flow and configured category. */
    size_t want = h.n_cases + h.n_pairs + h.n_flows + 2;
    ck_assert_uint_eq(count(page, "<svg class=\"chart\""), want);
    free(page);
    in.refresh_s = 60;
    in.history = NULL;
    page = pf_html_dashboard(&in);
    ck_assert_ptr_nonnull(strstr(page, "<meta http-equiv=\"refresh\" content=\"60\">"));
    ck_assert_uint_eq(count(page, "<svg class=\"chart\""), 2);
    free(page);
    pf_store_dash_dispose(&d);
    pf_history_dispose(&h);
    pf_rmtree(dir, NULL);
    free(dir);
}
END_TEST

START_TEST(test_html_page_without_data_says_so)
{
    pf_history h;
    memset(&h, 0, sizeof h);
    pf_html_input in;
    memset(&in, 0, sizeof in);
    in.history = &h;
    in.results_dir = "ci-artifacts/";
    in.prod_error = "connection refused";
    char *page = pf_html_dashboard(&in);
    ck_assert_ptr_nonnull(strstr(page, "No gate results"));
    ck_assert_ptr_nonnull(strstr(page, "ci-artifacts/"));
    ck_assert_ptr_nonnull(strstr(page, "connection refused"));
    ck_assert_ptr_null(strstr(page, "<svg class=\"chart\""));
    free(page);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("html");
    TCase *tc = tcase_create("html");
    tcase_add_loop_test(tc, test_html_escape_covers_text_and_attributes, 0,
                        sizeof k_escapes / sizeof k_escapes[0]);
    tcase_add_test(tc, test_html_page_keeps_hostile_names_and_queries_inert);
    tcase_add_test(tc, test_html_page_without_data_says_so);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
