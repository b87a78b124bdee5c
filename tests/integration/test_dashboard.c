/* The dashboard end to end: the fixture history (32 gate runs, 6 load runs,
 * a day of monitor snapshots in a real store) rendered by perfgate report,
 * parsed with libxml2 and rendered by headless Chromium (a PNG that is not
 * blank, a DOM with every chart); /metrics of the store checked by promtool;
 * perfgate monitor --listen serving the page, /metrics and /healthz beside
 * its loop and stopping on SIGTERM; the shipped alert rules checked by
 * promtool.
 *
 * Chromium and promtool are required (CI installs them): missing, the
 * tests fail, unless PERFGATE_SKIP_BROWSER=1 / PERFGATE_SKIP_PROMTOOL=1.
 * PERFGATE_KEEP_SCREENSHOT=FILE keeps the full-page screenshot (docs). */
#include <check.h>
#include <curl/curl.h>
#include <png.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include "cluster.h"
#include "db.h"
#include "fixture_history.h"
#include "fsutil.h"
#include "metrics.h"
#include "store.h"
#include "testutil.h"
#include "timeutil.h"

static pf_cluster *g_cluster;
static char *g_dir;

static void die(const char *what, const pf_error *e)
{
    fprintf(stderr, "%s: %s\n", what, e->msg);
    abort();
}

static char *dsn_for(const char *db)
{
    return pf_db_dsn_with_dbname(pf_cluster_dsn(g_cluster), db);
}

static void exec_on(const char *db, const char *sql)
{
    char *dsn = db ? dsn_for(db) : pf_strdup(pf_cluster_dsn(g_cluster));
    pf_db *c = NULL;
    pf_error e;
    if (pf_db_connect(&c, dsn, &e) < 0)
        die("connect", &e);
    if (pf_db_exec(c, sql, &e) < 0)
        die(sql, &e);
    pf_db_close(c);
    free(dsn);
}

static void setup(void)
{
    pf_error e;
    pf_error_clear(&e);
    if (pf_cluster_start(&g_cluster, NULL, &e) < 0)
        die("cluster", &e);
    g_dir = pf_test_tmpdir();
    exec_on(NULL, "CREATE DATABASE history");
    exec_on(NULL, "CREATE DATABASE live");
    exec_on(NULL, "CREATE DATABASE app");
    exec_on("app", "CREATE EXTENSION pg_stat_statements;"
                   "CREATE TABLE healthcare_timeline_events (id int PRIMARY KEY, patient_id int);"
                   "INSERT INTO healthcare_timeline_events SELECT g, g % 10"
                   " FROM generate_series(1, 200) g");
}

static void teardown(void)
{
    pf_cluster_free(g_cluster);
    g_cluster = NULL;
    pf_rmtree(g_dir, NULL);
    free(g_dir);
}

static bool env_is(const char *name, const char *value)
{
    const char *v = getenv(name);
    return v != NULL && strcmp(v, value) == 0;
}

/* The full path of program in $PATH, or NULL. */
static char *which(const char *program)
{
    const char *path = getenv("PATH");
    char *copy = pf_strdup(path ? path : "/usr/bin:/bin"), *save = NULL;
    char *found = NULL;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *p = pf_path_join(d, program);
        if (access(p, X_OK) == 0)
            found = p;
        else
            free(p);
    }
    free(copy);
    return found;
}

static long count_xpath(xmlXPathContextPtr ctx, const char *expr)
{
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    ck_assert_msg(o != NULL, "bad XPath %s", expr);
    long n = o->nodesetval ? o->nodesetval->nodeNr : 0;
    xmlXPathFreeObject(o);
    return n;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* ---- a PNG that is not blank --------------------------------------------- */

typedef struct png_stats {
    unsigned width, height;
    double non_background; /* share of pixels unlike the top-left one */
    size_t colors;         /* distinct colours (quantised), capped at 4096 */
} png_stats;

static bool png_read_stats(const char *path, png_stats *st)
{
    memset(st, 0, sizeof *st);
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path))
        return false;
    img.format = PNG_FORMAT_RGB;
    unsigned char *px = pf_malloc(PNG_IMAGE_SIZE(img));
    if (!png_image_finish_read(&img, NULL, px, 0, NULL)) {
        free(px);
        return false;
    }
    st->width = img.width;
    st->height = img.height;
    static bool seen[4096];
    memset(seen, 0, sizeof seen);
    size_t n = (size_t)img.width * img.height, other = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = px + 3 * i;
        if (p[0] != px[0] || p[1] != px[1] || p[2] != px[2])
            other++;
        unsigned q = (unsigned)(p[0] >> 4) << 8 | (unsigned)(p[1] >> 4) << 4 | (p[2] >> 4);
        if (!seen[q]) {
            seen[q] = true;
            st->colors++;
        }
    }
    st->non_background = (double)other / (double)n;
    free(px);
    return true;
}

/* ---- HTTP ------------------------------------------------------------------ */

static size_t sink(char *p, size_t size, size_t n, void *arg)
{
    pf_buf_append(arg, p, size * n);
    return size * n;
}

static long http_get(int port, const char *path, pf_buf *body)
{
    pf_buf_reset(body);
    CURL *c = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    long status = -1;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    return status;
}

/* promtool check metrics < text: 0 valid; skips (returns 0) only when told. */
static int promtool_check_metrics(const char *text, char **out)
{
    char *promtool = which("promtool");
    if (promtool == NULL) {
        ck_assert_msg(env_is("PERFGATE_SKIP_PROMTOOL", "1"),
                      "promtool not found: install Debian's prometheus package (CI does), or "
                      "set PERFGATE_SKIP_PROMTOOL=1");
        *out = pf_strdup("skipped");
        return 0;
    }
    char *argv[] = {promtool, "check", "metrics", NULL};
    pf_run_result r;
    pf_test_run(argv, NULL, text, &r);
    *out = pf_asprintf("%s%s", r.out, r.err);
    int st = r.status;
    pf_run_result_dispose(&r);
    free(promtool);
    return st;
}

/* ---- the report ------------------------------------------------------------- */

START_TEST(test_dashboard_report_of_the_fixture_history_renders_in_chromium)
{
    pf_error e;
    char *results = pf_path_join(g_dir, "results");
    ck_assert_msg(pf_fixture_write_results(results, &e) == 0, "%s", e.msg);
    free(pf_test_write(results, "junk.json", "{ not json"));
    char *store = dsn_for("history");
    char *config = pf_test_source_path("fixtures/monitoring/healthcare.json");
    uint64_t t0 = pf_now_ns();
    ck_assert_msg(pf_fixture_load_store(store, config, &e) == 0, "%s", e.msg);
    fprintf(stderr, "fixture store loaded in %.1f s\n", pf_elapsed_ms(t0) / 1000);

    char *html = pf_path_join(g_dir, "report.html");
    char *argv[] = {(char *)pf_test_bin(), "report", "--out", html, "--results", results,
                    "--store-dsn", store, "--config", config, "--no-git", "--top", "20", "-v",
                    NULL};
    pf_run_result r;
    pf_test_run(argv, NULL, NULL, &r);
    ck_assert_msg(r.status == 0, "report: %d: %s", r.status, r.err);
    ck_assert_msg(strstr(r.err, "note: junk.json:1: skipped: not valid JSON") != NULL, "%s",
                  r.err);
    pf_run_result_dispose(&r);

    /* (1) The page parses; every chart is there with data; nothing external. */
    htmlDocPtr doc = htmlReadFile(html, "utf-8",
                                  HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
    ck_assert_ptr_nonnull(doc);
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    /* 8 cases + 3 RLS pairs + 5 load flows + 5 categories */
    ck_assert_int_eq(count_xpath(ctx, "//svg[@class='chart']"), 21);
    ck_assert_int_eq(count_xpath(ctx, "//svg[@class='chart'][not(.//path[contains(@class,"
                                      "'series') and string-length(@d) > 10])]"),
                     0);
    ck_assert_int_eq(count_xpath(ctx, "//section[@id='production']//svg[@class='chart']"), 5);
    /* timeline: one alert, critical at its peak; document_search: a warning */
    ck_assert_int_eq(count_xpath(ctx, "//rect[contains(@class,'alert-critical')]"), 1);
    ck_assert_int_eq(count_xpath(ctx, "//rect[contains(@class,'alert-warning')]"), 1);
    ck_assert_int_ge(count_xpath(ctx, "//line[contains(@class,'hline warning')]"), 5);
    ck_assert_int_eq(count_xpath(ctx, "//*[@src]"), 0);
    ck_assert_int_eq(count_xpath(ctx, "//link"), 0);
    ck_assert_int_eq(count_xpath(ctx, "//*[@href][not(starts-with(@href,'#'))]"), 0);
    ck_assert_int_eq(count_xpath(ctx, "//script"), 1);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    char *page = NULL;
    ck_assert_int_eq(pf_file_read(html, &page, NULL, &e), 0);
    ck_assert_ptr_null(strstr(page, "http://"));
    ck_assert_ptr_null(strstr(page, "https://"));
    /* The query text with a <script> in its comment shows as text. */
    ck_assert_ptr_null(strstr(page, "<script>alert"));
    ck_assert_ptr_nonnull(strstr(page, "route=&lt;script&gt;alert(&#39;perfgate&#39;)"));
    /* The alerts that fired, with their durations. */
    ck_assert_ptr_nonnull(strstr(page, "healthcare_timeline_events e JOIN providers p"));
    ck_assert_ptr_nonnull(strstr(page, "<h3>Alerts that fired</h3>"));
    free(page);

    /* (2) Chromium renders it: a screenshot that is not blank, a DOM with
     * every chart. */
    char *chromium = which("chromium");
    if (chromium == NULL)
        chromium = which("chromium-browser");
    if (chromium == NULL) {
        ck_assert_msg(env_is("PERFGATE_SKIP_BROWSER", "1"),
                      "chromium not found: install Debian's chromium package (CI does), or set "
                      "PERFGATE_SKIP_BROWSER=1");
    } else {
        char *profile = pf_path_join(g_dir, "chromium-profile");
        char *png = pf_path_join(g_dir, "report.png");
        char *url = pf_asprintf("file://%s", html);
        char *shot = pf_asprintf("--screenshot=%s", png);
        char *user = pf_asprintf("--user-data-dir=%s", profile);
        const char *keep = getenv("PERFGATE_KEEP_SCREENSHOT");
        char *size = pf_strdup(keep && *keep ? "--window-size=1400,7050" : "--window-size=1400,3000");
        char *cargv[] = {chromium, "--headless", "--no-sandbox", "--disable-gpu",
                         "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync",
                         "--hide-scrollbars", user, shot, size, url, NULL};
        pf_test_run(cargv, NULL, NULL, &r);
        ck_assert_msg(r.status == 0, "chromium --screenshot: %d: %s", r.status, r.err);
        pf_run_result_dispose(&r);
        png_stats st;
        ck_assert_msg(png_read_stats(png, &st), "%s is not a PNG", png);
        ck_assert_int_eq(st.width, 1400);
        ck_assert_msg(st.non_background > 0.05, "the screenshot is nearly blank (%.1f%%)",
                      100 * st.non_background);
        ck_assert_msg(st.colors > 40, "the screenshot has only %zu colours", st.colors);
        if (keep && *keep) {
            char *data = NULL;
            size_t len = 0;
            ck_assert_int_eq(pf_file_read(png, &data, &len, &e), 0);
            ck_assert_int_eq(pf_file_write_atomic(keep, data, len, &e), 0);
            free(data);
        }
        char *dargv[] = {chromium, "--headless", "--no-sandbox", "--disable-gpu",
                         "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", user, "--dump-dom",
                         url, NULL};
        pf_test_run(dargv, NULL, NULL, &r);
        ck_assert_msg(r.status == 0, "chromium --dump-dom: %d: %s", r.status, r.err);
        ck_assert_uint_eq(count(r.out, "<svg class=\"chart\""), 21);
        ck_assert_uint_ge(count(r.out, "class=\"series median\""), 21);
        pf_run_result_dispose(&r);
        free(size);
        free(user);
        free(shot);
        free(url);
        free(png);
        free(profile);
        free(chromium);
    }

    /* (3) /metrics as the fixture store gives it, through promtool. */
    pf_store *s = NULL;
    ck_assert_msg(pf_store_open_reader(&s, store, PF_FIXTURE_SOURCE, 30000, &e) == 0, "%s",
                  e.msg);
    pf_store_metrics m;
    ck_assert_msg(pf_store_metrics_read(s, 5, &m, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(m.n_queries, 5);
    ck_assert_uint_eq(m.n_cats, 5);
    ck_assert_int_eq(m.gaps_24h, 1);
    pf_metrics_category cats[] = {{"job", 10000},  {"document_search", 200}, {"timeline", 100},
                                  {"rls", 50},     {"default", 1000}};
    pf_metrics_input in = {NULL, &m, cats, 5, 5};
    char *text = pf_metrics_render(&in);
    char *out = NULL;
    ck_assert_msg(promtool_check_metrics(text, &out) == 0, "promtool: %s\n%s", out, text);
    free(out);
    free(text);
    pf_store_metrics_dispose(&m);
    pf_store_close(s);

    free(html);
    free(config);
    free(store);
    free(results);
}
END_TEST

/* ---- monitor --listen -------------------------------------------------------- */

static int port_from_log(const char *log)
{
    char *text = NULL;
    pf_error e;
    if (pf_file_read(log, &text, NULL, &e) < 0)
        return -1;
    int port = -1;
    const char *p = strstr(text, "dashboard on http://127.0.0.1:");
    if (p != NULL)
        port = atoi(p + strlen("dashboard on http://127.0.0.1:"));
    free(text);
    return port;
}

START_TEST(test_dashboard_monitor_listen_serves_metrics_and_the_page)
{
    char *app = dsn_for("app"), *live = dsn_for("live");
    char *log = pf_path_join(g_dir, "monitor.log");
    char *argv[] = {(char *)pf_test_bin(), "monitor", "--dsn", app, "--store-dsn", live,
                    "--interval", "1s", "--source", "it-live", "--listen", "127.0.0.1:0",
                    "--metrics-top", "3", NULL};
    pid_t pid = fork();
    if (pid == 0) {
        if (freopen(log, "w", stderr) == NULL)
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    int port = -1;
    for (int i = 0; i < 100 && port < 0; i++) {
        pf_sleep_ms(100);
        port = port_from_log(log);
    }
    ck_assert_msg(port > 0, "no 'dashboard on' line in the monitor's log");
    /* A little workload, so that categories have calls. */
    pf_db *db = NULL;
    pf_error e;
    ck_assert_int_eq(pf_db_connect(&db, app, &e), 0);
    pf_buf body = PF_BUF_INIT;
    bool ready = false;
    for (int i = 0; i < 150 && !ready; i++) {
        pf_db_exec(db, "SELECT count(*) FROM healthcare_timeline_events WHERE patient_id = 3",
                   &e);
        pf_sleep_ms(100);
        if (i % 10 == 9 && http_get(port, "/metrics", &body) == 200) {
            const char *n = strstr(pf_buf_str(&body), "\nperfgate_snapshots_stored_total ");
            ready = n != NULL && atol(n + strlen("\nperfgate_snapshots_stored_total ")) >= 3;
        }
    }
    pf_db_close(db);
    ck_assert_msg(ready, "no stored snapshots after 15 s: %s", pf_buf_str(&body));
    const char *m = pf_buf_str(&body);
    ck_assert_ptr_nonnull(strstr(m, "perfgate_store_up 1\n"));
    ck_assert_ptr_nonnull(strstr(m, "perfgate_build_info{version=\""));
    ck_assert_ptr_nonnull(strstr(m, "source=\"it-live\"} 1"));
    ck_assert_ptr_nonnull(strstr(m, "perfgate_category_calls_total{category=\"timeline\"}"));
    ck_assert_ptr_nonnull(strstr(m, "perfgate_last_snapshot_age_seconds "));
    ck_assert_uint_le(count(m, "\nperfgate_query_calls_total{"), 3);
    char *out = NULL;
    ck_assert_msg(promtool_check_metrics(m, &out) == 0, "promtool: %s\n%s", out, m);
    free(out);
    ck_assert_int_eq(http_get(port, "/healthz", &body), 200);
    ck_assert_ptr_nonnull(strstr(pf_buf_str(&body), "ok"));
    ck_assert_int_eq(http_get(port, "/", &body), 200);
    ck_assert_ptr_nonnull(strstr(pf_buf_str(&body), "<meta http-equiv=\"refresh\""));
    ck_assert_ptr_nonnull(strstr(pf_buf_str(&body), "id=\"production\""));
    ck_assert_ptr_nonnull(strstr(pf_buf_str(&body), "<svg class=\"chart\""));
    ck_assert_int_eq(http_get(port, "/nope", &body), 404);

    kill(pid, SIGTERM);
    int st = 0;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "monitor exit %d", st);
    ck_assert_int_eq(http_get(port, "/healthz", &body), -1); /* nobody listens any more */
    pf_buf_dispose(&body);
    free(log);
    free(live);
    free(app);
}
END_TEST

START_TEST(test_dashboard_alert_rules_pass_promtool)
{
    char *promtool = which("promtool");
    if (promtool == NULL) {
        ck_assert_msg(env_is("PERFGATE_SKIP_PROMTOOL", "1"),
                      "promtool not found: install Debian's prometheus package (CI does), or "
                      "set PERFGATE_SKIP_PROMTOOL=1");
        return;
    }
    char *rules = pf_test_source_path("fixtures/monitoring/prometheus-rules.yml");
    char *argv[] = {promtool, "check", "rules", rules, NULL};
    pf_run_result r;
    pf_test_run(argv, NULL, NULL, &r);
    ck_assert_msg(r.status == 0, "promtool check rules: %s%s", r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "SUCCESS: 21 rules found"));
    pf_run_result_dispose(&r);
    free(rules);
    free(promtool);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("dashboard");
    TCase *tc = tcase_create("dashboard");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_dashboard_report_of_the_fixture_history_renders_in_chromium);
    tcase_add_test(tc, test_dashboard_monitor_listen_serves_metrics_and_the_page);
    suite_add_tcase(s, tc);
    TCase *rules = tcase_create("rules");
    tcase_add_test(rules, test_dashboard_alert_rules_pass_promtool);
    suite_add_tcase(s, rules);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
