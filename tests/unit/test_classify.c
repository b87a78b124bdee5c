/* Category rules over normalised SQL: token matching (not raw text), rule
 * conditions, first match wins, alternatives of one category, default. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "monconfig.h"
#include "testutil.h"

static const struct {
    const char *sql;
    const char *ident;
    bool mentions;
    bool calls;
} k_tokens[] = {
    {"SELECT * FROM healthcare_timeline_events WHERE id = $1", "healthcare_timeline_events", true,
     false},
    {"SELECT * FROM public.healthcare_timeline_events t", "healthcare_timeline_events", true,
     false},
    {"SELECT * FROM public.healthcare_timeline_events t", "public.healthcare_timeline_events",
     true, false},
    {"SELECT * FROM other.healthcare_timeline_events t", "public.healthcare_timeline_events",
     false, false},
    {"SELECT * FROM \"Healthcare_Timeline_Events\"", "healthcare_timeline_events", true, false},
    {"SELECT * FROM HEALTHCARE_TIMELINE_EVENTS", "healthcare_timeline_events", true, false},
    {"SELECT * FROM healthcare_timeline_events_archive", "healthcare_timeline_events", false,
     false},
    {"SELECT 'healthcare_timeline_events' FROM x", "healthcare_timeline_events", false, false},
    {"SELECT E'it\\'s healthcare_timeline_events' FROM x", "healthcare_timeline_events", false,
     false},
    {"SELECT 1 -- healthcare_timeline_events\n", "healthcare_timeline_events", false, false},
    {"SELECT /* a /* nested */ healthcare_timeline_events */ 1", "healthcare_timeline_events",
     false, false},
    {"SELECT $$ healthcare_timeline_events $$", "healthcare_timeline_events", false, false},
    {"SELECT $tag$ x $ healthcare_timeline_events $tag$", "healthcare_timeline_events", false,
     false},
    {"SELECT * FROM claim_next_job($1, $2)", "claim_next_job", true, true},
    {"SELECT * FROM public.claim_next_job ($1)", "claim_next_job", true, true},
    {"SELECT * FROM public.claim_next_job ($1)", "public.claim_next_job", true, true},
    {"SELECT claim_next_job FROM t", "claim_next_job", true, false},
    {"SELECT auth.uid()", "uid", true, true},
    {"SELECT auth.uid()", "auth.uid", true, true},
    {"SELECT auth.uid()", "auth", true, false},
    {"SELECT t.*, f(t) FROM t", "t", true, false},
    {"SELECT x FROM \"we\"\"ird\"", "we\"ird", true, false},
    {"", "x", false, false},
};

START_TEST(test_token_matching_table)
{
    ck_assert_msg(pf_classify_mentions(k_tokens[_i].sql, k_tokens[_i].ident) == k_tokens[_i].mentions,
                  "mentions(%s, %s)", k_tokens[_i].sql, k_tokens[_i].ident);
    ck_assert_msg(pf_classify_calls(k_tokens[_i].sql, k_tokens[_i].ident) == k_tokens[_i].calls,
                  "calls(%s, %s)", k_tokens[_i].sql, k_tokens[_i].ident);
}
END_TEST

static pf_classifier *shipped(void)
{
    char *path = pf_test_source_path("fixtures/monitoring/healthcare.json");
    pf_monconfig *cfg = NULL;
    pf_error e;
    ck_assert_msg(pf_monconfig_load(path, &cfg, &e) == 0, "%s", e.msg);
    pf_classifier *c = NULL;
    ck_assert_msg(pf_classifier_new(&c, cfg->categories, cfg->n_categories, &cfg->fallback, &e) ==
                      0,
                  "%s", e.msg);
    pf_monconfig_free(cfg);
    free(path);
    return c;
}

static const struct {
    const char *sql;
    const char *role;
    const char *category;
} k_healthcare[] = {
    {"SELECT * FROM claim_next_job($1, $2)", "service_role", "job"},
    {"UPDATE public.job_queue SET status = $1 WHERE id = $2", "postgres", "job"},
    {"SELECT id FROM shell_files WHERE patient_id = $1 AND search_vector @@ "
     "websearch_to_tsquery($2, $3) ORDER BY created_at DESC LIMIT $4",
     "authenticated", "document_search"},
    {"SELECT id FROM shell_files WHERE patient_id = $1 ORDER BY created_at DESC", "authenticated",
     "rls"},
    {"SELECT id, title FROM healthcare_timeline_events WHERE patient_id = $1 ORDER BY "
     "event_date DESC LIMIT $2",
     "authenticated", "timeline"},
    {"SELECT * FROM patient_timeline_view WHERE patient_id = $1", "service_role", "timeline"},
    {"SELECT EXISTS (SELECT $1 FROM public.user_profiles p WHERE p.id = p_profile_id AND EXISTS "
     "(SELECT $2 FROM public.profile_access_permissions pap WHERE pap.user_id = p_user_id))",
     "postgres", "rls"},
    {"SELECT id FROM user_profiles WHERE id = $1", "authenticated", "rls"},
    {"SELECT id FROM user_profiles WHERE id = $1", "service_role", "default"},
    {"VACUUM ANALYZE", "postgres", "default"},
};

START_TEST(test_shipped_healthcare_rules)
{
    pf_classifier *c = shipped();
    size_t i = pf_classify(c, k_healthcare[_i].sql, "app", k_healthcare[_i].role);
    ck_assert_msg(strcmp(pf_classifier_category(c, i)->name, k_healthcare[_i].category) == 0,
                  "%s as %s: got %s, want %s", k_healthcare[_i].sql, k_healthcare[_i].role,
                  pf_classifier_category(c, i)->name, k_healthcare[_i].category);
    pf_classifier_free(c);
}
END_TEST

START_TEST(test_shipped_thresholds_are_the_products)
{
    pf_classifier *c = shipped();
    static const struct {
        const char *name;
        double ms;
    } want[] = {{"timeline", 100}, {"rls", 50}, {"document_search", 200}, {"job", 10000},
                {"default", 1000}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int idx = pf_classifier_find(c, want[i].name);
        ck_assert_msg(idx >= 0, "%s", want[i].name);
        ck_assert_double_eq(pf_classifier_category(c, (size_t)idx)->threshold_ms, want[i].ms);
    }
    /* Alternatives of a category share its first rule's index. */
    size_t a = pf_classify(c, "SELECT claim_next_job($1)", NULL, NULL);
    size_t b = pf_classify(c, "DELETE FROM job_queue WHERE id = $1", NULL, NULL);
    ck_assert_uint_eq(a, b);
    ck_assert_uint_eq(pf_classifier_count(c), 8);
    pf_classifier_free(c);
}
END_TEST

START_TEST(test_conditions_are_anded_and_first_match_wins)
{
    char *t1[] = {"orders"};
    char *c1[] = {"slow_fn"};
    char *r1[] = {"app"};
    char *d1[] = {"shop"};
    pf_category_rule rules[3];
    memset(rules, 0, sizeof rules);
    rules[0].name = "narrow";
    rules[0].threshold_ms = 10;
    rules[0].touches = t1;
    rules[0].n_touches = 1;
    rules[0].calls = c1;
    rules[0].n_calls = 1;
    rules[0].roles = r1;
    rules[0].n_roles = 1;
    rules[0].databases = d1;
    rules[0].n_databases = 1;
    rules[1].name = "orders";
    rules[1].threshold_ms = 20;
    rules[1].touches = t1;
    rules[1].n_touches = 1;
    rules[2].name = "regex";
    rules[2].threshold_ms = 30;
    rules[2].pattern = "^insert[[:space:]]+into";
    pf_category_rule def;
    memset(&def, 0, sizeof def);
    def.name = "rest";
    def.threshold_ms = 40;
    pf_classifier *c = NULL;
    pf_error e;
    ck_assert_msg(pf_classifier_new(&c, rules, 3, &def, &e) == 0, "%s", e.msg);
    const char *q = "SELECT slow_fn(o.id) FROM orders o";
    ck_assert_uint_eq(pf_classify(c, q, "shop", "app"), 0);
    ck_assert_uint_eq(pf_classify(c, q, "shop", "other"), 1); /* role differs */
    ck_assert_uint_eq(pf_classify(c, q, "erp", "app"), 1);    /* database differs */
    ck_assert_uint_eq(pf_classify(c, q, NULL, NULL), 1);
    ck_assert_uint_eq(pf_classify(c, "INSERT INTO t VALUES ($1)", "shop", "app"), 2);
    ck_assert_uint_eq(pf_classify(c, "insert  into orders VALUES ($1)", NULL, NULL), 1);
    ck_assert_uint_eq(pf_classify(c, "SELECT 1", NULL, NULL), 3);
    ck_assert_uint_eq(pf_classify(c, NULL, "shop", "app"), 3); /* no text: text rules fail */
    ck_assert_str_eq(pf_classifier_category(c, 3)->name, "rest");
    ck_assert_double_eq(pf_classifier_category(c, 3)->threshold_ms, 40);
    ck_assert_int_eq(pf_classifier_find(c, "regex"), 2);
    ck_assert_int_eq(pf_classifier_find(c, "nope"), -1);
    pf_classifier_free(c);

    rules[2].pattern = "(unclosed";
    ck_assert_int_eq(pf_classifier_new(&c, rules, 3, &def, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "regex"));
}
END_TEST

/* Random byte strings biased towards SQL's quoting characters: the
 * tokenizer never reads past the end (ASan) or loops. */
START_TEST(test_tokenizer_survives_random_sql)
{
    static const char alphabet[] = "'\"$-/*()._aE\\ \n0123xyz&U";
    uint64_t x = 88172645463325252ull;
    char buf[64];
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(round % 63);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[i] = alphabet[x % (sizeof alphabet - 1)];
        }
        buf[n] = '\0';
        (void)pf_classify_mentions(buf, "a");
        (void)pf_classify_calls(buf, "x.y");
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("classify");
    TCase *tc = tcase_create("rules");
    tcase_add_loop_test(tc, test_token_matching_table, 0,
                        (int)(sizeof k_tokens / sizeof k_tokens[0]));
    tcase_add_loop_test(tc, test_shipped_healthcare_rules, 0,
                        (int)(sizeof k_healthcare / sizeof k_healthcare[0]));
    tcase_add_test(tc, test_shipped_thresholds_are_the_products);
    tcase_add_test(tc, test_conditions_are_anded_and_first_match_wins);
    tcase_add_test(tc, test_tokenizer_survives_random_sql);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
