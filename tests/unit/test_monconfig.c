/* The monitor configuration: the shipped file, defaults, and a table of bad
 * inputs with the message each must produce (file, line and JSON path). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "monconfig.h"
#include "testutil.h"

START_TEST(test_shipped_config_loads_with_the_products_settings)
{
    char *path = pf_test_source_path("fixtures/monitoring/healthcare.json");
    pf_monconfig *c = NULL;
    pf_error e;
    ck_assert_msg(pf_monconfig_load(path, &c, &e) == 0, "%s", e.msg);
    ck_assert_double_eq(c->interval_ms, 60000);
    ck_assert_double_eq(c->statement_timeout_ms, 10000);
    ck_assert_double_eq(c->retention.raw_ms, 7 * 86400000.0);
    ck_assert_double_eq(c->retention.hourly_ms, 90 * 86400000.0);
    ck_assert_double_eq(c->alerts.warn_level, 0.5);
    ck_assert_double_eq(c->alerts.critical_level, 1.0);
    ck_assert_double_eq(c->alerts.emergency_level, 2.0);
    ck_assert_double_eq(c->alerts.regression_ratio, 1.2);
    ck_assert_str_eq(c->fallback.name, "default");
    ck_assert_uint_eq(c->n_notify, 2);
    ck_assert_int_eq(c->notify[0].kind, PF_NOTIFY_SLACK);
    ck_assert(!c->notify[0].required);
    ck_assert_int_eq(c->notify[0].min_level, PF_LEVEL_CRITICAL);
    pf_monconfig_free(c);
    free(path);
}
END_TEST

START_TEST(test_minimal_config_gets_defaults)
{
    pf_monconfig *c = NULL;
    pf_error e;
    ck_assert_msg(pf_monconfig_parse("m.json", "{}", &c, &e) == 0, "%s", e.msg);
    ck_assert_double_eq(c->interval_ms, 60000);
    ck_assert_uint_eq(c->n_categories, 0);
    ck_assert_double_eq(c->fallback.threshold_ms, 1000);
    ck_assert_int_eq(c->alerts.resolve_after, 2);
    ck_assert_double_eq(c->alerts.repeat_every_ms, 30 * 60000.0);
    ck_assert(c->alerts.regression_enabled);
    pf_monconfig_free(c);
    ck_assert_msg(pf_monconfig_parse("m.json",
                                     "{\"interval\": \"2s\", \"retention\": {\"raw\": \"2d\", "
                                     "\"hourly\": \"30d\"}, \"default\": {\"threshold\": null},"
                                     " \"alerts\": {\"regression\": {\"window\": \"1h\"}}}",
                                     &c, &e) == 0,
                  "%s", e.msg);
    ck_assert_double_eq(c->interval_ms, 2000);
    ck_assert_double_eq(c->retention.raw_ms, 2 * 86400000.0);
    ck_assert_double_eq(c->fallback.threshold_ms, 0);
    pf_monconfig_free(c);
}
END_TEST

static const struct {
    const char *json;
    const char *message; /* substring of the error */
} k_bad[] = {
    {"{\n  \"interval\": \"60s\",\n  \"categories\": [\n", "m.json:4:1: JSON syntax error"},
    {"{\"interval\": 60s}", "m.json:1:16: JSON syntax error near 's}'"},
    {"[]", "m.json:1: $: must be an object"},
    {"{\n  \"interval\": \"60s\",\n  \"alerts\": {\n    \"resolve_after\": 1.5\n  }\n}",
     "m.json:4: $.alerts.resolve_after: must be an integer in 1..1000, not 1.5"},
    {"{\n  \"notify\": [\n    {\"type\": \"email\", \"to\": \"a@b\",\n     \"retries\": -1}\n  ]\n}",
     "m.json:4: $.notify[0].retries: must be an integer in 0..20, not -1"},
    {"{\"intervall\": \"60s\"}", "m.json:1: $: unknown key 'intervall' (expected one of: version,"},
    {"{\"version\": 2}", "$.version: format version 2 is not supported"},
    {"{\"interval\": \"soon\"}", "$.interval: 'soon' is not a duration"},
    {"{\"interval\": \"1ms\"}", "$.interval: must be at least 100 ms"},
    {"{\"categories\": {}}", "$.categories: must be an array of categories"},
    {"{\"categories\": [{\"threshold\": \"1s\", \"touches\": \"t\"}]}",
     "$.categories[0]: missing 'name'"},
    {"{\"categories\": [{\"name\": \"a b\", \"threshold\": \"1s\", \"touches\": \"t\"}]}",
     "$.categories[0].name: 'a b': use letters"},
    {"{\"categories\": [{\"name\": \"t\", \"touches\": \"x\"}]}",
     "$.categories[0]: missing 'threshold'"},
    {"{\"categories\": [{\"name\": \"t\", \"threshold\": \"1s\"}]}",
     "$.categories[0]: category 't' has no condition"},
    {"{\"categories\": [{\"name\": \"t\", \"threshold\": \"1s\", \"touches\": []}]}",
     "$.categories[0].touches: must be a string or a non-empty array"},
    {"{\"categories\": [{\"name\": \"t\", \"threshold\": \"1s\", \"calls\": [\"f\", 3]}]}",
     "$.categories[0].calls[1]: must be a non-empty string"},
    {"{\"categories\": [{\"name\": \"t\", \"threshold\": \"1s\", \"pattern\": \"(x\"}]}",
     "$.categories[0].pattern: invalid regular expression"},
    {"{\"categories\": [{\"name\": \"t\", \"threshold\": \"1s\", \"touches\": \"a\"},"
     " {\"name\": \"t\", \"threshold\": \"2s\", \"touches\": \"b\"}]}",
     "$.categories[1]: category 't' has another threshold in $.categories[0]"},
    {"{\"categories\": [{\"name\": \"default\", \"threshold\": \"1s\", \"touches\": \"a\"}]}",
     "$.categories[0]: 'default' is the default category's name"},
    {"{\"default\": {\"threshold\": \"1s\", \"touches\": \"x\"}}",
     "$.default: unknown key 'touches'"},
    {"{\"levels\": {\"warning\": 1.5, \"critical\": 1.0, \"emergency\": 2.0}}",
     "$.levels: need warning < critical < emergency"},
    {"{\"retention\": {\"raw\": \"30d\", \"hourly\": \"7d\"}}",
     "$.retention.hourly: must be at least as long as raw"},
    {"{\"retention\": {\"raw\": \"2h\", \"hourly\": \"3h\"}}",
     "$.alerts.regression.window: the baseline window is longer than the history kept"},
    {"{\"alerts\": {\"regression\": {\"ratio\": 0.5}}}",
     "$.alerts.regression.ratio: must be a number in [1, 1000], not 0.5"},
    {"{\"alerts\": {\"regression\": {\"level\": \"ok\"}}}",
     "$.alerts.regression.level: 'ok' is not a level"},
    {"{\"alerts\": {\"regression\": {\"ratio\": 2, \"critical_ratio\": 1.5}}}",
     "$.alerts.regression.critical_ratio: must be above ratio"},
    {"{\"alerts\": {\"threshold\": {\"min_calls\": 1.5}}}",
     "$.alerts.threshold.min_calls: must be an integer in 1..1000000000, not 1.5"},
    {"{\"alerts\": {\"resolve_after\": 0}}", "$.alerts.resolve_after: must be an integer in 1..1000, not 0"},
    {"{\"notify\": [{\"type\": \"slack\", \"url\": \"https://hooks.example/T0/B0/secret\"}]}",
     "$.notify[0].url: webhook URLs are secrets"},
    {"{\"notify\": [{\"type\": \"pager\"}]}", "$.notify[0].type: 'pager' is not a notifier type"},
    {"{\"notify\": [{\"name\": \"x\"}]}", "$.notify[0]: missing 'type'"},
    {"{\"notify\": [{\"type\": \"webhook\"}]}",
     "$.notify[0]: a webhook notifier needs exactly one of url_env and url_file"},
    {"{\"notify\": [{\"type\": \"webhook\", \"url_env\": \"A\", \"url_file\": \"/f\"}]}",
     "needs exactly one of url_env and url_file"},
    {"{\"notify\": [{\"type\": \"command\"}]}", "$.notify[0]: a command notifier needs 'command'"},
    {"{\"notify\": [{\"type\": \"email\", \"from\": \"a@b\"}]}",
     "$.notify[0]: an email notifier needs 'to'"},
    {"{\"notify\": [{\"type\": \"slack\", \"url_env\": \"A\", \"to\": \"x@y\"}]}",
     "$.notify[0]: 'to', 'from' and 'sendmail' are for email notifiers"},
    {"{\"notify\": [{\"type\": \"slack\", \"url_env\": \"A\", \"min_level\": \"loud\"}]}",
     "$.notify[0].min_level: 'loud' is not a level"},
    {"{\"notify\": [{\"type\": \"webhook\", \"url_env\": \"A\", \"retries\": 99}]}",
     "$.notify[0].retries: must be an integer in 0..20, not 99"},
    {"{\"notify\": [{\"type\": \"slack\", \"url_env\": \"A\"}, {\"type\": \"slack\", "
     "\"name\": \"slack-1\", \"url_env\": \"B\"}]}",
     "$.notify[1]: notifier name 'slack-1' is used twice"},
};

START_TEST(test_bad_configs_are_named_precisely)
{
    pf_monconfig *c = NULL;
    pf_error e;
    pf_error_clear(&e);
    ck_assert_msg(pf_monconfig_parse("m.json", k_bad[_i].json, &c, &e) == -1, "accepted: %s",
                  k_bad[_i].json);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_msg(strstr(e.msg, k_bad[_i].message) != NULL, "%s\n  gave: %s\n  want: %s",
                  k_bad[_i].json, e.msg, k_bad[_i].message);
    ck_assert_msg(strncmp(e.msg, "m.json", 6) == 0, "no file name: %s", e.msg);
    /* The one secret in the table never comes back in a message. */
    ck_assert_ptr_null(strstr(e.msg, "hooks.example"));
}
END_TEST

START_TEST(test_missing_file_is_bad_input)
{
    pf_monconfig *c = NULL;
    pf_error e;
    ck_assert_int_eq(pf_monconfig_load("/nonexistent/monitor.json", &c, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/monitor.json"));
}
END_TEST

START_TEST(test_durations_with_days)
{
    double ms;
    pf_error e;
    ck_assert_int_eq(pf_monconfig_duration("7d", &ms, &e), 0);
    ck_assert_double_eq(ms, 7 * 86400000.0);
    ck_assert_int_eq(pf_monconfig_duration("1.5d", &ms, &e), 0);
    ck_assert_double_eq(ms, 1.5 * 86400000.0);
    ck_assert_int_eq(pf_monconfig_duration("250ms", &ms, &e), 0);
    ck_assert_double_eq(ms, 250);
    ck_assert_int_eq(pf_monconfig_duration("d", &ms, &e), -1);
    ck_assert_int_eq(pf_monconfig_duration("-1d", &ms, &e), -1);
}
END_TEST

/* Mutations of the shipped file (bytes flipped, dropped, duplicated, the text
 * cut short): every one parses or fails with a message naming the file;
 * none crashes or leaks (this suite runs under ASan and valgrind). */
START_TEST(test_mutated_configs_never_crash)
{
    char *path = pf_test_source_path("fixtures/monitoring/healthcare.json");
    char *text = NULL;
    pf_error e;
    ck_assert_int_eq(pf_file_read(path, &text, NULL, &e), 0);
    size_t len = strlen(text);
    static const char alphabet[] = "{}[]\",:0123456789.-ems dhnulltruefalse\\\n";
    uint64_t x = 0x9E3779B97F4A7C15ull;
    char *buf = malloc(len * 2 + 2);
    for (int round = 0; round < 3000; round++) {
        memcpy(buf, text, len + 1);
        size_t n = len;
        int edits = 1 + round % 4;
        for (int k = 0; k < edits && n > 0; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            size_t at = (size_t)(x % n);
            switch ((x >> 32) % 4) {
            case 0: /* replace */
                buf[at] = alphabet[(x >> 40) % (sizeof alphabet - 1)];
                break;
            case 1: /* delete */
                memmove(buf + at, buf + at + 1, n - at);
                n--;
                break;
            case 2: /* duplicate a run */
                if (n + 8 < len * 2) {
                    memmove(buf + at + 8, buf + at, n - at + 1);
                    n += 8;
                }
                break;
            default: /* truncate */
                buf[at] = '\0';
                n = at;
            }
        }
        pf_monconfig *c = NULL;
        pf_error_clear(&e);
        if (pf_monconfig_parse("fuzz.json", buf, &c, &e) == 0) {
            ck_assert_ptr_nonnull(c);
            pf_monconfig_free(c);
        } else {
            ck_assert_ptr_null(c);
            ck_assert_msg(strncmp(e.msg, "fuzz.json", 9) == 0, "%s", e.msg);
        }
    }
    free(buf);
    free(text);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("monconfig");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_shipped_config_loads_with_the_products_settings);
    tcase_add_test(tc, test_minimal_config_gets_defaults);
    tcase_add_loop_test(tc, test_bad_configs_are_named_precisely, 0,
                        (int)(sizeof k_bad / sizeof k_bad[0]));
    tcase_add_test(tc, test_missing_file_is_bad_input);
    tcase_add_test(tc, test_durations_with_days);
    tcase_add_test(tc, test_mutated_configs_never_crash);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
