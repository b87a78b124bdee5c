/* The schema applier's statement and error reading, table-driven: which
 * statements are about an extension, stub lists, and the server errors that
 * mean "this extension is not installed". (Applying needs a server:
 * tests/integration/test_supabase.c.) */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "schema.h"

typedef struct stmt_case {
    const char *sql;
    const char *name; /* expected extension, NULL: not an extension statement */
} stmt_case;

static const stmt_case k_stmts[] = {
    {"CREATE EXTENSION pg_net", "pg_net"},
    {"create extension if not exists \"pg_net\" with schema extensions", "pg_net"},
    {"CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\" WITH SCHEMA \"extensions\"", "uuid-ossp"},
    {"Create Extension PgSodium", "pgsodium"},
    {"create extension \"PgSodium\"", "PgSodium"},
    {"create extension \"we\"\"ird\"", "we\"ird"},
    {"create /* a */ extension -- b\n  pg_graphql schema graphql", "pg_graphql"},
    {"create extension pgjwt cascade", "pgjwt"},
    {"CREATE EXTENSION\n\tIF\n\tNOT EXISTS\n\tsupabase_vault", "supabase_vault"},
    {"alter extension pg_net update to '0.10'", "pg_net"},
    {"COMMENT ON EXTENSION pg_graphql IS 'GraphQL support'", "pg_graphql"},
    {"drop extension if exists pg_net cascade", "pg_net"},
    {"drop extension pg_net", "pg_net"},
    {"drop extension pg_net, pgsodium", NULL},
    {"create extensionx foo", NULL},
    {"create extension if exists foo", NULL},
    {"create extension", NULL},
    {"create extension \"unterminated", NULL},
    {"create extension 1abc", NULL},
    {"create table extension (id int)", NULL},
    {"create schema extensions", NULL},
    {"comment on table extension is 'x'", NULL},
    {"select 'create extension pg_net'", NULL},
    {"do $$ begin create extension pg_net; end $$", NULL},
    {"", NULL},
};

START_TEST(test_extension_statements_are_recognised_with_the_name_the_server_reads)
{
    const stmt_case *c = &k_stmts[_i];
    char *got = pf_schema_extension_stmt(c->sql, strlen(c->sql));
    if (c->name == NULL)
        ck_assert_msg(got == NULL, "%s: got %s, expected none", c->sql, got);
    else
        ck_assert_msg(got != NULL && strcmp(got, c->name) == 0, "%s: got %s, expected %s",
                      c->sql, got ? got : "(none)", c->name);
    free(got);
}
END_TEST

START_TEST(test_only_the_statement_length_is_read)
{
    /* The applier hands over a statement without its terminating ';'. */
    const char *text = "create extension pg_net; create extension other";
    char *got = pf_schema_extension_stmt(text, strlen("create extension pg_net"));
    ck_assert_str_eq(got, "pg_net");
    free(got);
    got = pf_schema_extension_stmt(text, strlen("create extension"));
    ck_assert_ptr_null(got);
}
END_TEST

typedef struct list_case {
    const char *list;
    const char *name;
    bool listed;
} list_case;

static const list_case k_lists[] = {
    {"pg_net, pgsodium", "pgsodium", true},
    {"pg_net,pgsodium", "pg_net", true},
    {"PG_NET", "pg_net", true},
    {"  pg_net  ", "pg_net", true},
    {"pg_net pgjwt\tpg_graphql", "pg_graphql", true},
    {"pg_netx", "pg_net", false},
    {"pg_net", "pg_netx", false},
    {"", "pg_net", false},
    {",,", "pg_net", false},
    {NULL, "pg_net", false},
};

START_TEST(test_stub_lists_match_whole_names)
{
    const list_case *c = &k_lists[_i];
    ck_assert_msg(pf_schema_extension_listed(c->list, c->name) == c->listed, "'%s' in '%s'",
                  c->name, c->list ? c->list : "(null)");
}
END_TEST

typedef struct err_case {
    const char *sqlstate;
    const char *msg;
    const char *name;
} err_case;

static const err_case k_errs[] = {
    {"0A000",
     "ERROR: extension \"pg_net\" is not available\nDETAIL: Could not open extension control "
     "file \"/usr/share/postgresql/15/extension/pg_net.control\": No such file or directory.\n"
     "HINT: The extension must first be installed on the system where PostgreSQL is running.",
     "pg_net"},
    {"58P01",
     "ERROR: could not open extension control file "
     "\"/usr/share/postgresql/14/extension/pgsodium.control\": No such file or directory",
     "pgsodium"},
    {"58P01", "ERROR: could not open extension control file \"vault.control\": gone", "vault"},
    {"0A000", "ERROR: extension \"x\" has no installation script nor update path", NULL},
    {"0A000", "ERROR: cannot use a deferrable unique constraint", NULL},
    {"58P01", "ERROR: could not open file \"base/1/2\": No such file or directory", NULL},
    {"42601", "ERROR: syntax error at or near \"extension\"", NULL},
    {"", "extension \"pg_net\" is not available", NULL},
};

START_TEST(test_missing_extension_errors_are_recognised_in_both_wordings)
{
    const err_case *c = &k_errs[_i];
    pf_error e;
    pf_error_set(&e, PF_EXIT_USAGE, "%s", c->msg);
    strcpy(e.sqlstate, c->sqlstate);
    char *got = pf_schema_missing_extension(&e);
    if (c->name == NULL)
        ck_assert_msg(got == NULL, "%s: got %s", c->msg, got);
    else
        ck_assert_msg(got != NULL && strcmp(got, c->name) == 0, "%s: got %s", c->msg,
                      got ? got : "(none)");
    free(got);
}
END_TEST

START_TEST(test_no_error_is_no_missing_extension)
{
    ck_assert_ptr_null(pf_schema_missing_extension(NULL));
}
END_TEST

static Suite *schema_suite(void)
{
    Suite *s = suite_create("schema");
    TCase *tc = tcase_create("extensions");
    tcase_add_loop_test(tc, test_extension_statements_are_recognised_with_the_name_the_server_reads,
                        0, (int)(sizeof k_stmts / sizeof k_stmts[0]));
    tcase_add_test(tc, test_only_the_statement_length_is_read);
    tcase_add_loop_test(tc, test_stub_lists_match_whole_names, 0,
                        (int)(sizeof k_lists / sizeof k_lists[0]));
    tcase_add_loop_test(tc, test_missing_extension_errors_are_recognised_in_both_wordings, 0,
                        (int)(sizeof k_errs / sizeof k_errs[0]));
    tcase_add_test(tc, test_no_error_is_no_missing_extension);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(schema_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
