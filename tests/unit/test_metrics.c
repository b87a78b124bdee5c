/* metrics: the Prometheus exposition (families, label escaping, bounded
 * cardinality, a store that is down), and the shipped alert rules and
 * Grafana dashboard naming only metrics perfgate exposes. */
#include <check.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "metrics.h"
#include "testutil.h"

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static const pf_metrics_category k_cats[] = {
    {"job", 10000}, {"document_search", 200}, {"timeline", 100}, {"rls", 50}, {"default", 1000},
};

static void fill_store(pf_store_metrics *m, size_t n_queries)
{
    memset(m, 0, sizeof *m);
    m->last_us = 1770768000000000LL;
    m->last_interval_s = 300;
    m->gaps_24h = 1;
    m->alerts_active = 1;
    m->n_cats = 2;
    m->cats = pf_calloc(2, sizeof *m->cats);
    m->cats[0].category = pf_strdup("timeline");
    m->cats[0].calls = 123456;
    m->cats[0].exec_ms = 2500;
    m->cats[0].last_calls = 40;
    m->cats[0].last_mean_ms = 128.5;
    m->cats[0].last_max_mean_ms = 140;
    m->cats[0].level = 2;
    m->cats[1].category = pf_strdup("legacy\"cat");
    m->n_queries = n_queries;
    m->queries = pf_calloc(n_queries, sizeof *m->queries);
    for (size_t i = 0; i < n_queries; i++) {
        pf_store_metric *q = &m->queries[i];
        q->category = pf_strdup("timeline");
        q->dbname = pf_strdup("app");
        q->dbid = 16384;
        q->queryid = -6689182654418835007LL + (int64_t)i;
        q->query = pf_strdup(i == 0 ? "SELECT \"x\"\n  FROM t WHERE a = '\\' -- a very long "
                                      "comment that goes on and on well past eighty characters"
                                    : "SELECT 1");
        q->calls = 1000 + (int64_t)i;
        q->exec_ms = 1500;
        q->last_calls = 40;
        q->last_mean_ms = 128.5;
        q->level = i == 0 ? 2 : 0;
    }
}

START_TEST(test_metrics_exposition_has_typed_families_and_seconds)
{
    pf_store_metrics m;
    fill_store(&m, 3);
    pf_metrics_health h = {"0.1.0", "healthcare-prod", 1770768030, 1770700000, 1770768000, 10, 9,
                           2, 4, 1};
    pf_metrics_input in = {&h, &m, k_cats, 5, 20};
    char *text = pf_metrics_render(&in);
    /* Every sample's family has HELP and TYPE, once. */
    for (const char *const *n = pf_metrics_names(); *n; n++) {
        char *help = pf_asprintf("# HELP %s ", *n);
        char *type = pf_asprintf("# TYPE %s ", *n);
        ck_assert_msg(count(text, help) == 1, "%s", *n);
        ck_assert_msg(count(text, type) == 1, "%s", *n);
        free(help);
        free(type);
    }
    ck_assert_ptr_nonnull(strstr(text, "perfgate_store_up 1\n"));
    ck_assert_ptr_nonnull(strstr(text, "perfgate_last_snapshot_age_seconds 30\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "perfgate_category_threshold_seconds{category=\"timeline\"} 0.1\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "perfgate_category_interval_mean_seconds{category=\"timeline\"} 0.1285\n"));
    ck_assert_ptr_nonnull(strstr(text, "perfgate_category_alert_level{category=\"timeline\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(text, "perfgate_category_calls_total{category=\"timeline\"} "
                                       "123456\n"));
    /* Configured categories without data still get their series. */
    ck_assert_ptr_nonnull(strstr(text, "perfgate_category_calls_total{category=\"job\"} 0\n"));
    /* A category only the store knows, its name escaped. */
    ck_assert_ptr_nonnull(
        strstr(text, "perfgate_category_calls_total{category=\"legacy\\\"cat\"} 0\n"));
    ck_assert_ptr_nonnull(strstr(text, "perfgate_query_alert_level{category=\"timeline\","
                                       "database=\"app\",queryid=\"-6689182654418835007\"} 2\n"));
    /* The query text label: escaped, folded, cut at 80 characters. */
    ck_assert_ptr_nonnull(strstr(text, "query=\"SELECT \\\"x\\\" FROM t WHERE a = '\\\\' -- a "));
    ck_assert_ptr_nonnull(strstr(text, "…\"} 1\n"));
    ck_assert_ptr_null(strstr(text, "\n  FROM"));
    free(text);
    pf_store_metrics_dispose(&m);
}
END_TEST

START_TEST(test_metrics_per_query_series_are_bounded_by_top_n)
{
    pf_store_metrics m;
    fill_store(&m, 50);
    pf_metrics_input in = {NULL, &m, k_cats, 5, 7};
    char *text = pf_metrics_render(&in);
    ck_assert_uint_eq(count(text, "\nperfgate_query_calls_total{"), 7);
    ck_assert_uint_eq(count(text, "\nperfgate_query_info{"), 7);
    ck_assert_ptr_nonnull(strstr(text, "perfgate_metrics_top_queries 7\n"));
    free(text);
    pf_store_metrics_dispose(&m);
}
END_TEST

START_TEST(test_metrics_with_the_store_down_still_report_health)
{
    pf_metrics_health h = {"0.1.0", "p", 1000, 900, 0, 0, 0, 3, 0, 2};
    pf_metrics_input in = {&h, NULL, k_cats, 5, 20};
    char *text = pf_metrics_render(&in);
    ck_assert_ptr_nonnull(strstr(text, "perfgate_store_up 0\n"));
    ck_assert_ptr_nonnull(strstr(text, "perfgate_errors_total 3\n"));
    ck_assert_ptr_nonnull(strstr(text, "perfgate_pending_snapshots 2\n"));
    ck_assert_ptr_null(strstr(text, "perfgate_category_calls_total"));
    ck_assert_ptr_null(strstr(text, "perfgate_query_"));
    ck_assert_ptr_null(strstr(text, "perfgate_last_snapshot_age_seconds"));
    free(text);
}
END_TEST

START_TEST(test_metrics_label_values_replace_invalid_utf8)
{
    pf_buf b = PF_BUF_INIT;
    pf_metrics_label_value(&b, "a\xff" "b\nc\"d\\é");
    ck_assert_str_eq(pf_buf_str(&b), "a\xEF\xBF\xBD" "b\\nc\\\"d\\\\é");
    pf_buf_dispose(&b);
}
END_TEST

/* perfgate_* names in text that perfgate does not expose. */
static void check_names(const char *what, const char *text)
{
    for (const char *p = text; (p = strstr(p, "perfgate_")) != NULL;) {
        if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) {
            p++;
            continue;
        }
        size_t n = 0;
        while (isalnum((unsigned char)p[n]) || p[n] == '_')
            n++;
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)n, p);
        bool known = strcmp(name, "perfgate_monitor") == 0; /* the job / schema name */
        for (const char *const *k = pf_metrics_names(); *k && !known; k++)
            known = strcmp(*k, name) == 0;
        ck_assert_msg(known, "%s uses %s, which perfgate does not expose", what, name);
        p += n;
    }
}

START_TEST(test_metrics_rules_and_grafana_use_exposed_names)
{
    pf_error e;
    char *path = pf_test_source_path("fixtures/monitoring/prometheus-rules.yml");
    char *rules = NULL;
    ck_assert_msg(pf_file_read(path, &rules, NULL, &e) == 0, "%s", e.msg);
    check_names("prometheus-rules.yml", rules);
    /* Every category of the shipped config, at every level. */
    static const char *const cats[] = {"timeline", "rls", "document_search", "job", "default"};
    for (size_t i = 0; i < 5; i++) {
        char *needle = pf_asprintf("category=\"%s\"", cats[i]);
        ck_assert_msg(count(rules, needle) >= 3, "%s: fewer than three levels", cats[i]);
        free(needle);
    }
    ck_assert_ptr_nonnull(strstr(rules, "severity: emergency"));
    free(rules);
    free(path);
    path = pf_test_source_path("fixtures/monitoring/grafana-dashboard.json");
    char *graf = NULL;
    ck_assert_msg(pf_file_read(path, &graf, NULL, &e) == 0, "%s", e.msg);
    cJSON *root = cJSON_Parse(graf);
    ck_assert_msg(root != NULL, "grafana-dashboard.json is not valid JSON");
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(root, "panels"));
    ck_assert_ptr_nonnull(strstr(graf, "${datasource}"));
    ck_assert_ptr_null(strstr(graf, "http://"));
    check_names("grafana-dashboard.json", graf);
    cJSON_Delete(root);
    free(graf);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("exposition");
    tcase_add_test(tc, test_metrics_exposition_has_typed_families_and_seconds);
    tcase_add_test(tc, test_metrics_per_query_series_are_bounded_by_top_n);
    tcase_add_test(tc, test_metrics_with_the_store_down_still_report_health);
    tcase_add_test(tc, test_metrics_label_values_replace_invalid_utf8);
    tcase_add_test(tc, test_metrics_rules_and_grafana_use_exposed_names);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
