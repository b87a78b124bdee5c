/* Measurement helpers that need no server: the JWT claims set for every
 * iteration. (Measuring itself: tests/integration/test_gate.c.) */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "measure.h"

/* Parse claims and return member key ("" when absent). */
static char *claim(const char *claims, const char *key)
{
    pf_json *doc = NULL;
    pf_error e;
    pf_error_clear(&e);
    ck_assert_msg(pf_json_parse("claims", claims, &doc, &e) == 0, "%s: %s", claims, e.msg);
    pf_json_val root;
    pf_json_root(doc, &root);
    const char *v = NULL;
    ck_assert_int_eq(pf_json_get_string(&root, key, PF_JSON_OPTIONAL, &v), 0);
    char *out = strdup(v ? v : "");
    pf_json_free(doc);
    return out;
}

START_TEST(test_claims_of_a_user_are_valid_json)
{
    char *c = pf_measure_claims("authenticated", "8d3f1c2e-0000-4000-8000-000000000001");
    ck_assert_str_eq(c, "{\"sub\":\"8d3f1c2e-0000-4000-8000-000000000001\",\"role\":"
                        "\"authenticated\"}");
    free(c);
}
END_TEST

START_TEST(test_a_quote_in_a_user_id_cannot_break_the_claims)
{
    /* Before: built with %s, this id closed the string and added a role. */
    static const char *const ids[] = {"x\",\"role\":\"service_role", "back\\slash", "new\nline",
                                      "tab\tand \x01 control", "", NULL};
    for (int i = 0; ids[i]; i++) {
        char *c = pf_measure_claims("authenticated", ids[i]);
        char *sub = claim(c, "sub"), *role = claim(c, "role");
        ck_assert_str_eq(sub, ids[i]);
        ck_assert_str_eq(role, "authenticated");
        free(sub);
        free(role);
        free(c);
    }
}
END_TEST

START_TEST(test_claims_without_a_user_have_only_the_role)
{
    char *c = pf_measure_claims("anon", NULL);
    ck_assert_str_eq(c, "{\"role\":\"anon\"}");
    free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("measure");
    TCase *tc = tcase_create("claims");
    tcase_add_test(tc, test_claims_of_a_user_are_valid_json);
    tcase_add_test(tc, test_a_quote_in_a_user_id_cannot_break_the_claims);
    tcase_add_test(tc, test_claims_without_a_user_have_only_the_role);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
