/* Alert delivery: payloads (generic JSON, Slack, e-mail) with secrets kept
 * out, webhook retries with backoff against a local listener, the command
 * hook's stdin, sendmail, and secret resolution. */
#include <check.h>
#include <signal.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "httpsink.h"
#include "notify.h"
#include "testutil.h"
#include "timeutil.h"

#define SECRET_PATH "/services/T000/B000/s3cr3t-t0ken"

static pf_alert_event event(pf_alert_status st, pf_level lv, pf_level prev)
{
    pf_alert_event e;
    memset(&e, 0, sizeof e);
    e.kind = PF_ALERT_THRESHOLD;
    e.status = st;
    e.level = lv;
    e.previous_level = prev;
    e.key = "threshold/timeline/16384/-6689182654418835007";
    e.category = "timeline";
    e.dbname = "app";
    e.query = "SELECT * FROM timeline_page($1) WHERE note = '<b>&`x`</b>'";
    e.dbid = 16384;
    e.queryid = -6689182654418835007LL;
    e.value_ms = 152.3456;
    e.limit_ms = 100;
    e.calls = 40;
    e.since_us = 1764345600000000LL; /* 2025-11-28T16:00:00Z */
    e.at_us = e.since_us + 60000000;
    e.interval_s = 60;
    return e;
}

static const pf_notify_context k_ctx = {"healthcare-prod", "db-monitor-1"};

START_TEST(test_generic_json_payload)
{
    pf_alert_event ev[2] = {event(PF_ALERT_FIRING, PF_LEVEL_CRITICAL, PF_LEVEL_OK),
                            event(PF_ALERT_RESOLVED, PF_LEVEL_OK, PF_LEVEL_WARNING)};
    ev[1].kind = PF_ALERT_REGRESSION;
    ev[1].baseline_ms = 80;
    char *js = pf_notify_render_json(ev, 2, &k_ctx);
    cJSON *root = cJSON_Parse(js);
    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(cJSON_GetObjectItem(root, "version")->valueint, 1);
    ck_assert_str_eq(cJSON_GetObjectItem(root, "source")->valuestring, "healthcare-prod");
    ck_assert_str_eq(cJSON_GetObjectItem(root, "host")->valuestring, "db-monitor-1");
    cJSON *events = cJSON_GetObjectItem(root, "events");
    ck_assert_int_eq(cJSON_GetArraySize(events), 2);
    cJSON *a = cJSON_GetArrayItem(events, 0);
    ck_assert_str_eq(cJSON_GetObjectItem(a, "status")->valuestring, "firing");
    ck_assert_str_eq(cJSON_GetObjectItem(a, "level")->valuestring, "critical");
    ck_assert_str_eq(cJSON_GetObjectItem(a, "kind")->valuestring, "threshold");
    ck_assert_str_eq(cJSON_GetObjectItem(a, "category")->valuestring, "timeline");
    ck_assert_str_eq(cJSON_GetObjectItem(a, "database")->valuestring, "app");
    /* 64-bit query ids survive as strings. */
    ck_assert_str_eq(cJSON_GetObjectItem(a, "queryid")->valuestring, "-6689182654418835007");
    ck_assert_double_eq(cJSON_GetObjectItem(a, "mean_ms")->valuedouble, 152.346);
    ck_assert_double_eq(cJSON_GetObjectItem(a, "threshold_ms")->valuedouble, 100);
    ck_assert_int_eq(cJSON_GetObjectItem(a, "calls")->valueint, 40);
    ck_assert_str_eq(cJSON_GetObjectItem(a, "since")->valuestring, "2025-11-28T16:00:00.000Z");
    ck_assert_str_eq(cJSON_GetObjectItem(a, "at")->valuestring, "2025-11-28T16:01:00.000Z");
    ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItem(a, "query")->valuestring, "timeline_page"));
    ck_assert_ptr_nonnull(
        strstr(cJSON_GetObjectItem(a, "summary")->valuestring, "CRITICAL: timeline query"));
    cJSON *b = cJSON_GetArrayItem(events, 1);
    ck_assert_str_eq(cJSON_GetObjectItem(b, "status")->valuestring, "resolved");
    ck_assert_str_eq(cJSON_GetObjectItem(b, "previous_level")->valuestring, "warning");
    ck_assert_double_eq(cJSON_GetObjectItem(b, "baseline_ms")->valuedouble, 80);
    cJSON_Delete(root);
    free(js);
}
END_TEST

START_TEST(test_slack_payload_escapes_and_colors)
{
    pf_alert_event ev = event(PF_ALERT_FIRING, PF_LEVEL_EMERGENCY, PF_LEVEL_OK);
    char *js = pf_notify_render_slack(&ev, 1, &k_ctx);
    cJSON *root = cJSON_Parse(js);
    ck_assert_ptr_nonnull(root);
    const char *text = cJSON_GetObjectItem(root, "text")->valuestring;
    ck_assert_ptr_nonnull(strstr(text, "*healthcare-prod*"));
    ck_assert_ptr_nonnull(strstr(text, "EMERGENCY: timeline query -6689182654418835007 in app"));
    ck_assert_ptr_nonnull(strstr(text, "152% of its 100 ms threshold"));
    cJSON *att = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "attachments"), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(att, "color")->valuestring, "#7b0000");
    const char *at = cJSON_GetObjectItem(att, "text")->valuestring;
    /* Slack's control characters are escaped, and backticks cannot end the code block. */
    ck_assert_ptr_nonnull(strstr(at, "&lt;b&gt;&amp;'x'&lt;/b&gt;"));
    ck_assert_ptr_null(strstr(at, "<b>"));
    ck_assert_ptr_nonnull(strstr(at, "```SELECT"));
    cJSON_Delete(root);
    free(js);

    /* More than 20 events: 20 attachments and a count of the rest. */
    pf_alert_event many[25];
    for (int i = 0; i < 25; i++)
        many[i] = event(i % 2 ? PF_ALERT_RESOLVED : PF_ALERT_FIRING, PF_LEVEL_WARNING,
                        PF_LEVEL_OK);
    js = pf_notify_render_slack(many, 25, NULL);
    root = cJSON_Parse(js);
    cJSON *atts = cJSON_GetObjectItem(root, "attachments");
    ck_assert_int_eq(cJSON_GetArraySize(atts), 21);
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(atts, 20), "text")->valuestring,
                     "and 5 more");
    ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItem(root, "text")->valuestring,
                                 "13 firing, 0 still firing, 12 resolved"));
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(atts, 1), "color")->valuestring,
                     "#2eb886");
    cJSON_Delete(root);
    free(js);
}
END_TEST

START_TEST(test_email_has_no_header_injection)
{
    pf_alert_event ev = event(PF_ALERT_REPEAT, PF_LEVEL_CRITICAL, PF_LEVEL_CRITICAL);
    ev.dbname = "app\r\nBcc: victim@example.org";
    char *to[] = {"oncall@example.org", "dba@example.org"};
    char *msg = pf_notify_render_email(&ev, 1, &k_ctx, "perfgate@example.org", to, 2);
    const char *head = "From: perfgate@example.org\nTo: oncall@example.org, dba@example.org\n"
                       "Subject: [perfgate] still CRITICAL: timeline query";
    ck_assert_msg(strncmp(msg, head, strlen(head)) == 0, "%s", msg);
    ck_assert_ptr_null(strstr(msg, "\nBcc:"));
    ck_assert_ptr_nonnull(strstr(msg, "\n\n"));
    ck_assert_ptr_nonnull(strstr(msg, "Content-Type: text/plain; charset=UTF-8"));
    ck_assert_ptr_nonnull(strstr(msg, "(healthcare-prod)"));
    free(msg);
}
END_TEST

START_TEST(test_scrub_removes_the_url_and_its_token)
{
    const char *url = "https://hooks.example.com" SECRET_PATH;
    char *s = pf_notify_scrub("Failed to connect to https://hooks.example.com" SECRET_PATH
                              " port 443; path " SECRET_PATH " rejected",
                              url);
    ck_assert_ptr_null(strstr(s, "s3cr3t"));
    ck_assert_ptr_nonnull(strstr(s, "Failed to connect to <redacted> port 443"));
    free(s);
    s = pf_notify_scrub("nothing here", NULL);
    ck_assert_str_eq(s, "nothing here");
    free(s);
}
END_TEST

static pf_notify_spec webhook_spec(const char *env)
{
    pf_notify_spec s;
    pf_notify_spec_default(&s, PF_NOTIFY_WEBHOOK);
    s.name = "ops";
    s.url_env = (char *)env;
    s.retries = 3;
    s.backoff_ms = 20;
    s.timeout_ms = 3000;
    return s;
}

START_TEST(test_webhook_retries_with_backoff_until_delivered)
{
    pf_httpsink *sink = pf_httpsink_start();
    ck_assert_ptr_nonnull(sink);
    int codes[] = {500, 503};
    pf_httpsink_script(sink, codes, 2);
    char *url = pf_asprintf("http://127.0.0.1:%d" SECRET_PATH, pf_httpsink_port(sink));
    setenv("PF_TEST_HOOK", url, 1);
    pf_notify_spec spec = webhook_spec("PF_TEST_HOOK");
    pf_notifier *n = NULL;
    pf_error e;
    ck_assert_msg(pf_notifier_open(&n, &spec, &e) == 0, "%s", e.msg);
    pf_alert_event ev = event(PF_ALERT_FIRING, PF_LEVEL_CRITICAL, PF_LEVEL_OK);
    pf_notify_result res;
    uint64_t t0 = pf_now_ns();
    ck_assert_int_eq(pf_notify_send(n, &ev, 1, &k_ctx, &res), 0);
    double ms = pf_elapsed_ms(t0);
    ck_assert(res.ok);
    ck_assert_int_eq(res.attempts, 3);
    ck_assert_uint_eq(res.sent, 1);
    ck_assert_str_eq(res.detail, "HTTP 200");
    ck_assert_msg(ms >= 20 + 40, "backoff 20 + 40 ms, took %.1f", ms);
    ck_assert_uint_eq(pf_httpsink_count(sink), 3);
    char *path = NULL;
    char *body = pf_httpsink_body(sink, 2, &path);
    ck_assert_str_eq(path, SECRET_PATH);
    cJSON *root = cJSON_Parse(body);
    ck_assert_ptr_nonnull(root);
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "events"), 0),
                                         "status")
                         ->valuestring,
                     "firing");
    cJSON_Delete(root);
    free(body);
    free(path);

    /* A 4xx is not retried; the reply is reported, the URL is not. */
    int bad[] = {404};
    pf_httpsink_script(sink, bad, 1);
    ck_assert_int_eq(pf_notify_send(n, &ev, 1, &k_ctx, &res), -1);
    ck_assert_int_eq(res.attempts, 1);
    ck_assert_ptr_nonnull(strstr(res.detail, "HTTP 404"));
    ck_assert_ptr_null(strstr(res.detail, "s3cr3t"));

    /* Below the notifier's level: nothing sent, nothing to fail. */
    pf_alert_event low = event(PF_ALERT_FIRING, PF_LEVEL_WARNING, PF_LEVEL_OK);
    spec.min_level = PF_LEVEL_CRITICAL;
    pf_notifier *n2 = NULL;
    ck_assert_int_eq(pf_notifier_open(&n2, &spec, &e), 0);
    size_t before = pf_httpsink_count(sink);
    ck_assert_int_eq(pf_notify_send(n2, &low, 1, &k_ctx, &res), 0);
    ck_assert_uint_eq(res.sent, 0);
    ck_assert_uint_eq(pf_httpsink_count(sink), before);
    /* A resolve counts at the level it had. */
    pf_alert_event res_hi = event(PF_ALERT_RESOLVED, PF_LEVEL_OK, PF_LEVEL_CRITICAL);
    ck_assert(pf_notifier_wants(n2, &res_hi));
    pf_notifier_free(n2);
    pf_notifier_free(n);
    pf_httpsink_stop(sink);
    unsetenv("PF_TEST_HOOK");
    free(url);
}
END_TEST

START_TEST(test_unreachable_webhook_error_has_no_secret)
{
    /* A port nobody listens on: connection refused, retried, then given up. */
    pf_httpsink *sink = pf_httpsink_start();
    int port = pf_httpsink_port(sink);
    pf_httpsink_stop(sink);
    char *url = pf_asprintf("http://127.0.0.1:%d" SECRET_PATH "?token=s3cr3t", port);
    setenv("PF_TEST_HOOK2", url, 1);
    pf_notify_spec spec = webhook_spec("PF_TEST_HOOK2");
    spec.retries = 1;
    pf_notifier *n = NULL;
    pf_error e;
    ck_assert_int_eq(pf_notifier_open(&n, &spec, &e), 0);
    pf_alert_event ev = event(PF_ALERT_FIRING, PF_LEVEL_CRITICAL, PF_LEVEL_OK);
    pf_notify_result res;
    ck_assert_int_eq(pf_notify_send(n, &ev, 1, NULL, &res), -1);
    ck_assert_int_eq(res.attempts, 2);
    ck_assert(res.detail[0] != '\0');
    ck_assert_msg(strstr(res.detail, "s3cr3t") == NULL, "leaked: %s", res.detail);
    pf_notifier_free(n);
    unsetenv("PF_TEST_HOOK2");
    free(url);
}
END_TEST

START_TEST(test_secrets_from_env_or_file)
{
    pf_notify_spec spec = webhook_spec("PF_TEST_UNSET_VAR");
    unsetenv("PF_TEST_UNSET_VAR");
    pf_notifier *n = NULL;
    pf_error e;
    ck_assert_int_eq(pf_notifier_open(&n, &spec, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "notifier 'ops': $PF_TEST_UNSET_VAR is not set"));
    spec.required = false;
    ck_assert_int_eq(pf_notifier_open(&n, &spec, &e), 0);
    ck_assert_ptr_null(n);
    ck_assert_ptr_nonnull(strstr(e.msg, "is not set"));

    char *dir = pf_test_tmpdir();
    char *file = pf_test_write(dir, "url", "  https://hooks.example.com" SECRET_PATH "\n");
    spec.url_env = NULL;
    spec.url_file = file;
    spec.required = true;
    ck_assert_msg(pf_notifier_open(&n, &spec, &e) == 0, "%s", e.msg);
    pf_notifier_free(n);
    char *bad = pf_test_write(dir, "bad", "ftp://example.com" SECRET_PATH "\n");
    spec.url_file = bad;
    ck_assert_int_eq(pf_notifier_open(&n, &spec, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "is not http(s)"));
    ck_assert_ptr_null(strstr(e.msg, "s3cr3t"));
    pf_rmtree(dir, NULL);
    free(file);
    free(bad);
    free(dir);
}
END_TEST

START_TEST(test_command_hook_gets_json_on_stdin_and_sendmail_the_message)
{
    char *dir = pf_test_tmpdir();
    char *out = pf_path_join(dir, "hook.json");
    char *script = pf_asprintf("cat > '%s'", out);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    pf_notify_spec spec;
    pf_notify_spec_default(&spec, PF_NOTIFY_COMMAND);
    spec.name = "hook";
    spec.argv = argv;
    spec.argc = 3;
    pf_notifier *n = NULL;
    pf_error e;
    ck_assert_int_eq(pf_notifier_open(&n, &spec, &e), 0);
    pf_alert_event ev = event(PF_ALERT_FIRING, PF_LEVEL_CRITICAL, PF_LEVEL_OK);
    pf_notify_result res;
    ck_assert_msg(pf_notify_send(n, &ev, 1, &k_ctx, &res) == 0, "%s", res.detail);
    char *text = NULL;
    ck_assert_int_eq(pf_file_read(out, &text, NULL, &e), 0);
    cJSON *root = cJSON_Parse(text);
    ck_assert_ptr_nonnull(root);
    ck_assert_str_eq(cJSON_GetObjectItem(root, "source")->valuestring, "healthcare-prod");
    cJSON_Delete(root);
    free(text);
    pf_notifier_free(n);

    /* A failing hook is reported with its output, and retried. */
    char *argv2[] = {"/bin/sh", "-c", "echo boom >&2; exit 3", NULL};
    spec.argv = argv2;
    spec.retries = 1;
    spec.backoff_ms = 1;
    ck_assert_int_eq(pf_notifier_open(&n, &spec, &e), 0);
    ck_assert_int_eq(pf_notify_send(n, &ev, 1, &k_ctx, &res), -1);
    ck_assert_int_eq(res.attempts, 2);
    ck_assert_ptr_nonnull(strstr(res.detail, "exited with 3: boom"));
    pf_notifier_free(n);

    /* A hook that closes its stdin without reading: the monitor gets EPIPE,
     * not a SIGPIPE that would end it (this test process has SIGPIPE at its
     * default action: before the fix, it died here). 2,000 events are far
     * more than a pipe buffers. */
    signal(SIGPIPE, SIG_DFL);
    char *argv4[] = {"/bin/sh", "-c", "exec 0<&-; sleep 0.3; exit 0", NULL};
    spec.argv = argv4;
    spec.retries = 0;
    ck_assert_int_eq(pf_notifier_open(&n, &spec, &e), 0);
    pf_alert_event *many = calloc(2000, sizeof *many);
    for (int i = 0; i < 2000; i++)
        many[i] = ev;
    pf_notify_send(n, many, 2000, &k_ctx, &res);
    free(many);
    pf_notifier_free(n);

    /* A command that does not exist: said before anything is forked. */
    char *argv5[] = {"perfgate-no-such-hook", NULL};
    spec.argv = argv5;
    spec.argc = 1;
    ck_assert_int_eq(pf_notifier_open(&n, &spec, &e), 0);
    ck_assert_int_eq(pf_notify_send(n, &ev, 1, &k_ctx, &res), -1);
    ck_assert_msg(strstr(res.detail, "perfgate-no-such-hook: command not found") != NULL, "%s",
                  res.detail);
    pf_notifier_free(n);
    spec.argc = 3;

    /* A hook that hangs is killed at the timeout. */
    char *argv3[] = {"/bin/sh", "-c", "sleep 30", NULL};
    spec.argv = argv3;
    spec.retries = 0;
    spec.timeout_ms = 200;
    ck_assert_int_eq(pf_notifier_open(&n, &spec, &e), 0);
    uint64_t t0 = pf_now_ns();
    ck_assert_int_eq(pf_notify_send(n, &ev, 1, &k_ctx, &res), -1);
    ck_assert(pf_elapsed_ms(t0) < 5000);
    ck_assert_ptr_nonnull(strstr(res.detail, "killed"));
    pf_notifier_free(n);

    /* sendmail: a stand-in that keeps its arguments and message. */
    char *mail = pf_path_join(dir, "mail.txt");
    char *fake = pf_asprintf("#!/bin/sh\necho \"$@\" > '%s.args'\ncat > '%s'\n", mail, mail);
    char *sm = pf_test_write(dir, "sendmail", fake);
    chmod(sm, 0755);
    pf_notify_spec ms;
    pf_notify_spec_default(&ms, PF_NOTIFY_EMAIL);
    char *to[] = {"oncall@example.org"};
    ms.name = "mail";
    ms.to = to;
    ms.n_to = 1;
    ms.from = "perfgate@example.org";
    ms.sendmail = sm;
    ck_assert_msg(pf_notifier_open(&n, &ms, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_notify_send(n, &ev, 1, &k_ctx, &res) == 0, "%s", res.detail);
    ck_assert_int_eq(pf_file_read(mail, &text, NULL, &e), 0);
    ck_assert_ptr_nonnull(strstr(text, "To: oncall@example.org\n"));
    ck_assert_ptr_nonnull(strstr(text, "Subject: [perfgate] CRITICAL: timeline query"));
    free(text);
    char *args = pf_asprintf("%s.args", mail);
    ck_assert_int_eq(pf_file_read(args, &text, NULL, &e), 0);
    ck_assert_str_eq(text, "-t -oi\n");
    free(text);
    free(args);
    pf_notifier_free(n);
    ms.sendmail = "/nonexistent/sendmail";
    ck_assert_int_eq(pf_notifier_open(&n, &ms, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "not an executable sendmail"));

    pf_rmtree(dir, NULL);
    free(mail);
    free(fake);
    free(sm);
    free(out);
    free(script);
    free(dir);
}
END_TEST

int main(void)
{
    pf_notify_global_init();
    Suite *s = suite_create("notify");
    TCase *tc = tcase_create("delivery");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_generic_json_payload);
    tcase_add_test(tc, test_slack_payload_escapes_and_colors);
    tcase_add_test(tc, test_email_has_no_header_injection);
    tcase_add_test(tc, test_scrub_removes_the_url_and_its_token);
    tcase_add_test(tc, test_webhook_retries_with_backoff_until_delivered);
    tcase_add_test(tc, test_unreachable_webhook_error_has_no_secret);
    tcase_add_test(tc, test_secrets_from_env_or_file);
    tcase_add_test(tc, test_command_hook_gets_json_on_stdin_and_sendmail_the_message);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    pf_notify_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
