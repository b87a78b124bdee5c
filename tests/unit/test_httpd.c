/* httpd: --listen addresses, and a server on a loopback port answering GET
 * and HEAD through its handler, refusing other methods. */
#include <check.h>
#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "httpd.h"

static const struct {
    const char *text;
    int rc;
    const char *host;
    int port;
} k_listen[] = {
    {"127.0.0.1:9187", 0, "127.0.0.1", 9187},
    {"localhost:0", 0, "localhost", 0},
    {"[::1]:9187", 0, "::1", 9187},
    {":9187", 0, NULL, 9187},
    {"127.0.0.1", -1, NULL, 0},
    {"127.0.0.1:", -1, NULL, 0},
    {"127.0.0.1:70000", -1, NULL, 0},
    {"127.0.0.1:80x", -1, NULL, 0},
    {"::1:9187", -1, NULL, 0},
    {"[::1]9187", -1, NULL, 0},
    {"", -1, NULL, 0},
};

START_TEST(test_httpd_parses_listen_addresses)
{
    char *host = NULL;
    int port = -1;
    pf_error e;
    int rc = pf_httpd_parse_listen(k_listen[_i].text, &host, &port, &e);
    ck_assert_msg(rc == k_listen[_i].rc, "%s", k_listen[_i].text);
    if (rc == 0) {
        ck_assert_int_eq(port, k_listen[_i].port);
        if (k_listen[_i].host)
            ck_assert_str_eq(host, k_listen[_i].host);
        else
            ck_assert_ptr_null(host);
    } else {
        ck_assert_int_eq(e.code, PF_EXIT_USAGE);
        ck_assert_ptr_nonnull(strstr(e.msg, "is not ADDR:PORT"));
    }
    free(host);
}
END_TEST

static atomic_int g_calls;

static void handler(void *arg, const char *path, pf_httpd_reply *reply)
{
    (void)arg;
    g_calls++;
    if (strcmp(path, "/hello") == 0) {
        reply->content_type = "text/html; charset=utf-8";
        reply->body = pf_strdup("<p>hi</p>");
    } else {
        reply->status = 404;
        reply->body = NULL;
    }
}

static size_t sink(char *p, size_t size, size_t n, void *arg)
{
    pf_buf_append(arg, p, size * n);
    return size * n;
}

static long fetch(int port, const char *path, const char *method, pf_buf *body, char *ctype,
                  size_t ctype_len)
{
    CURL *c = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    long status = -1;
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        char *ct = NULL;
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        snprintf(ctype, ctype_len, "%s", ct ? ct : "");
    }
    curl_easy_cleanup(c);
    return status;
}

START_TEST(test_httpd_serves_get_and_head_and_refuses_the_rest)
{
    pf_httpd *h = NULL;
    pf_error e;
    ck_assert_msg(pf_httpd_start(&h, "127.0.0.1:0", handler, NULL, &e) == 0, "%s", e.msg);
    int port = pf_httpd_port(h);
    ck_assert(port > 0);
    pf_buf b = PF_BUF_INIT;
    char ct[128];
    ck_assert_int_eq(fetch(port, "/hello?x=1", "GET", &b, ct, sizeof ct), 200);
    ck_assert_str_eq(pf_buf_str(&b), "<p>hi</p>");
    ck_assert_str_eq(ct, "text/html; charset=utf-8");
    pf_buf_reset(&b);
    ck_assert_int_eq(fetch(port, "/hello", "HEAD", &b, ct, sizeof ct), 200);
    ck_assert_str_eq(pf_buf_str(&b), "");
    ck_assert_int_eq(fetch(port, "/missing", "GET", &b, ct, sizeof ct), 404);
    int before = g_calls;
    ck_assert_int_eq(fetch(port, "/hello", "DELETE", &b, ct, sizeof ct), 405);
    ck_assert_int_eq(g_calls, before); /* the handler never saw it */
    /* The same port twice: the second cannot bind. */
    char *again = pf_asprintf("127.0.0.1:%d", port);
    pf_httpd *h2 = NULL;
    ck_assert_int_eq(pf_httpd_start(&h2, again, handler, NULL, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_INFRA);
    free(again);
    pf_httpd_stop(h);
    pf_buf_dispose(&b);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("httpd");
    TCase *tc = tcase_create("httpd");
    tcase_add_loop_test(tc, test_httpd_parses_listen_addresses, 0,
                        sizeof k_listen / sizeof k_listen[0]);
    tcase_add_test(tc, test_httpd_serves_get_and_head_and_refuses_the_rest);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
