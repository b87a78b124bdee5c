/* Databases perfgate copies for measuring (write cases, the base revision,
 * instruction counts) keep the settings migrations made with ALTER
 * DATABASE ... SET: CREATE DATABASE ... TEMPLATE alone drops them. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "target.h"
#include "testutil.h"

static char *settings_of(pf_db *db, const char *datname)
{
    const char *params[1] = {datname};
    pf_result *r = NULL;
    pf_error e;
    ck_assert_msg(pf_db_query(db,
                              "SELECT string_agg(coalesce(r.rolname, '*') || ':' || c, ' | ' "
                              "ORDER BY coalesce(r.rolname, '*') || ':' || c) "
                              "FROM pg_db_role_setting s "
                              "JOIN pg_database d ON d.oid = s.setdatabase "
                              "LEFT JOIN pg_roles r ON r.oid = s.setrole, unnest(s.setconfig) c "
                              "WHERE d.datname = $1",
                              1, params, &r, &e) == 0,
                  "%s", e.msg);
    const char *v = pf_result_get(r, 0, 0);
    char *out = strdup(v ? v : "");
    pf_result_free(r);
    return out;
}

START_TEST(test_a_copy_keeps_database_settings)
{
    pf_target t;
    pf_error e;
    pf_error_clear(&e);
    ck_assert_msg(pf_target_open(&t, NULL, "perfgate", &e) == 0, "%s", e.msg);
    pf_db *admin = NULL;
    ck_assert_msg(pf_db_connect(&admin, t.admin_dsn, &e) == 0, "%s", e.msg);
    static const char *const setup[] = {
        "CREATE ROLE pf_app NOLOGIN",
        "CREATE SCHEMA IF NOT EXISTS extensions",
        "ALTER DATABASE perfgate SET search_path TO \"$user\", public, extensions",
        "ALTER DATABASE perfgate SET app.settings.jwt_secret TO 'it''s a secret, with commas'",
        "ALTER DATABASE perfgate SET statement_timeout TO '8s'",
        "ALTER ROLE pf_app IN DATABASE perfgate SET search_path TO \"odd, name\", public",
        NULL,
    };
    for (int i = 0; setup[i]; i++)
        ck_assert_msg(pf_db_exec(admin, setup[i], &e) == 0, "%s: %s", setup[i], e.msg);
    char *want = settings_of(admin, "perfgate");
    ck_assert_msg(strstr(want, "jwt_secret") != NULL, "%s", want);
    ck_assert_msg(pf_target_clone_db(&t, "perfgate", "perfgate_copy", &e) == 0, "%s", e.msg);
    char *got = settings_of(admin, "perfgate_copy");
    ck_assert_str_eq(got, want);
    /* And a session in the copy sees them. */
    char *dsn = pf_db_dsn_with_dbname(t.admin_dsn, "perfgate_copy");
    pf_db *db = NULL;
    ck_assert_msg(pf_db_connect(&db, dsn, &e) == 0, "%s", e.msg);
    char *sp = NULL;
    ck_assert_int_eq(pf_db_query_value(db, "SHOW search_path", &sp, &e), 0);
    ck_assert_str_eq(sp, "\"$user\", public, extensions");
    free(sp);
    pf_db_close(db);
    free(dsn);
    free(got);
    free(want);
    pf_target_drop_db(&t, "perfgate_copy");
    pf_db_close(admin);
    pf_target_close(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("target");
    TCase *tc = tcase_create("copies");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_a_copy_keeps_database_settings);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
