/* Statement splitting, table-driven: what ends a statement and what does not. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fsutil.h"
#include "sql.h"

typedef struct split_case {
    const char *name;
    const char *sql;
    int count;             /* statements expected, -1 for an error */
    const char *first;     /* text of the first statement, or NULL */
    int last_line;         /* line of the last statement, 0 = don't check */
    const char *error_has; /* for errors */
} split_case;

static const split_case k_cases[] = {
    {"two simple", "select 1; select 2;", 2, "select 1", 1, NULL},
    {"no trailing semicolon", "select 1;\nselect 2\n\n", 2, NULL, 2, NULL},
    {"empty statements skipped", ";;\n; select 1;;", 1, "select 1", 0, NULL},
    {"only comments", "-- a\n/* b */\n", 0, NULL, 0, NULL},
    {"semicolon in string", "select 'a;b'; select 2;", 2, "select 'a;b'", 0, NULL},
    {"doubled quote", "select 'it''s;'; select 2;", 2, "select 'it''s;'", 0, NULL},
    {"E string backslash", "select E'a\\';b'; select 2;", 2, "select E'a\\';b'", 0, NULL},
    {"plain string keeps backslash", "select 'a\\'; select 2;", 2, "select 'a\\'", 0, NULL},
    {"quoted identifier", "select 1 as \"x;y\"; select 2;", 2, NULL, 0, NULL},
    {"line comment", "select 1 -- not; here\n; select 2;", 2, NULL, 2, NULL},
    {"nested block comment", "/* a /* b; */ c; */ select 1; select 2;", 2, "select 1", 0, NULL},
    {"dollar body", "create function f() returns int language sql as $$ select 1; $$;\nselect 2;",
     2, NULL, 2, NULL},
    {"tagged dollar with inner $$",
     "do $body$ begin perform 1; raise notice '$$;'; end $body$;\nselect 2;", 2, NULL, 2, NULL},
    {"parameter is not a quote", "prepare p as select $1; select 2;", 2, "prepare p as select $1", 0,
     NULL},
    {"dollar inside identifier", "select a$b; select 2;", 2, "select a$b", 0, NULL},
    {"begin atomic",
     "create function f() returns int language sql begin atomic select 1; select case when true "
     "then 2 end; end;\nselect 3;",
     2, NULL, 2, NULL},
    {"statement line after comments", "-- header\n\n/* x */\nselect 1;", 1, "select 1", 4, NULL},
    {"unterminated string", "select 1;\nselect 'oops;\n", -1, NULL, 0, ":2: unterminated quoted string"},
    {"unterminated dollar", "\n\ndo $$ begin", -1, NULL, 0, ":3: unterminated dollar-quoted string"},
    {"unterminated comment", "select 1; /* x", -1, NULL, 0, ":1: unterminated /* comment"},
    {"unterminated identifier", "select \"x", -1, NULL, 0, "unterminated quoted identifier"},
    {"psql meta-command", "select 1;\n\\set x 1\n", -1, NULL, 0, ":2: psql meta-command"},
    {"begin atomic without end", "create function f() begin atomic select 1;", -1, NULL, 0,
     "BEGIN ATOMIC block without END"},
    {"utf8 text", "select 'żółw;'; select 2;", 2, "select 'żółw;'", 0, NULL},
};

START_TEST(test_split_table)
{
    const split_case *c = &k_cases[_i];
    pf_sql_stmt *st = NULL;
    size_t n = 0;
    pf_error err;
    pf_error_clear(&err);
    int rc = pf_sql_split("t.sql", c->sql, &st, &n, &err);
    if (c->count < 0) {
        ck_assert_msg(rc < 0, "%s: expected an error", c->name);
        ck_assert_msg(strstr(err.msg, c->error_has) != NULL, "%s: message '%s' lacks '%s'",
                      c->name, err.msg, c->error_has);
        ck_assert_msg(strncmp(err.msg, "t.sql:", 6) == 0, "%s: no file in '%s'", c->name, err.msg);
        ck_assert_int_eq(err.code, 2);
        return;
    }
    ck_assert_msg(rc == 0, "%s: %s", c->name, err.msg);
    ck_assert_msg((int)n == c->count, "%s: %zu statements, want %d", c->name, n, c->count);
    if (c->first) {
        ck_assert_msg(strlen(c->first) == st[0].len &&
                          strncmp(c->sql + st[0].offset, c->first, st[0].len) == 0,
                      "%s: first statement '%.*s'", c->name, (int)st[0].len,
                      c->sql + st[0].offset);
    }
    if (c->last_line)
        ck_assert_int_eq(st[n - 1].line, c->last_line);
    free(st);
}
END_TEST

/* Lines are counted once over the script (they were counted from the top for
 * each statement: 100,000 statements took 30 s; found by fuzzing). Every
 * statement's line must still be exact, past comments and blank lines. */
START_TEST(test_every_statement_of_a_long_script_has_its_line)
{
    pf_buf b = PF_BUF_INIT;
    for (int i = 0; i < 20000; i++)
        pf_buf_printf(&b, i % 3 == 0 ? "-- c\n\nselect %d;\n" : "select %d; ", i);
    pf_sql_stmt *st = NULL;
    size_t n = 0;
    pf_error err;
    ck_assert_int_eq(pf_sql_split("long.sql", pf_buf_str(&b), &st, &n, &err), 0);
    ck_assert_uint_eq(n, 20000);
    /* Statement 3k starts line 3k + 3 (after a comment and a blank line);
     * 3k + 1 and 3k + 2 share the next line. */
    for (int i = 0; i < 20000; i++)
        ck_assert_int_eq(st[i].line, i % 3 == 0 ? i + 3 : i - i % 3 + 4);
    ck_assert_int_eq(st[0].line, pf_line_of_offset(pf_buf_str(&b), st[0].offset));
    ck_assert_int_eq(st[n - 1].line, pf_line_of_offset(pf_buf_str(&b), st[n - 1].offset));
    free(st);
    pf_buf_dispose(&b);
}
END_TEST

START_TEST(test_char_position_maps_to_utf8_bytes)
{
    const char *s = "select 'żó' + x";
    /* Character 15 is 'x' (1-based): 'ż' and 'ó' are two bytes each. */
    size_t b = pf_sql_char_to_byte(s, strlen(s), 15);
    ck_assert_int_eq(s[b], 'x');
    ck_assert_uint_eq(pf_sql_char_to_byte(s, strlen(s), 1), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sql");
    TCase *tc = tcase_create("split");
    tcase_add_loop_test(tc, test_split_table, 0, (int)(sizeof k_cases / sizeof k_cases[0]));
    tcase_add_test(tc, test_char_position_maps_to_utf8_bytes);
    tcase_add_test(tc, test_every_statement_of_a_long_script_has_its_line);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
