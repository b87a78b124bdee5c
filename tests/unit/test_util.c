/* Small engine helpers: buffers, errors, durations, files, connection strings. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "db.h"
#include "error.h"
#include "fsutil.h"
#include "proc.h"
#include "testutil.h"
#include "timeutil.h"

START_TEST(test_buf_grows_and_formats)
{
    pf_buf b = PF_BUF_INIT;
    ck_assert_str_eq(pf_buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        pf_buf_printf(&b, "%d,", i);
    ck_assert_uint_eq(b.len, strlen(b.data));
    ck_assert(strncmp(b.data, "0,1,2,", 6) == 0);
    ck_assert(strstr(b.data, "999,") != NULL);
    pf_buf_reset(&b);
    ck_assert_str_eq(pf_buf_str(&b), "");
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    pf_buf_printf(&b, "%s!", big);
    ck_assert_uint_eq(b.len, 600);
    char *s = pf_buf_steal(&b);
    ck_assert_int_eq(s[599], '!');
    free(s);
    ck_assert_ptr_null(b.data);
    pf_buf_dispose(&b);
}
END_TEST

START_TEST(test_buf_with_a_max_refuses_to_grow_past_it)
{
    pf_buf b;
    pf_buf_init_max(&b, 10);
    pf_buf_puts(&b, "0123456789"); /* exactly max: fine */
    ck_assert(!pf_buf_too_big(&b));
    ck_assert_str_eq(pf_buf_str(&b), "0123456789");
    pf_buf_putc(&b, 'x'); /* one more: dropped, marked, later appends ignored */
    ck_assert(pf_buf_too_big(&b));
    ck_assert_str_eq(pf_buf_str(&b), "");
    pf_buf_printf(&b, "%s", "y");
    pf_buf_append(&b, "z", 1);
    ck_assert_uint_eq(b.len, 0);
    ck_assert(pf_buf_too_big(&b));
    /* Disposed, it is usable again under the same max. */
    pf_buf_dispose(&b);
    ck_assert(!pf_buf_too_big(&b));
    pf_buf_printf(&b, "%d", 12345);
    ck_assert_str_eq(pf_buf_str(&b), "12345");
    pf_buf_printf(&b, "%0300d", 1); /* formatted past max in one go */
    ck_assert(pf_buf_too_big(&b));
    char *s = pf_buf_steal(&b);
    ck_assert_str_eq(s, "");
    free(s);
    ck_assert_uint_eq(b.max, 10);
    pf_buf_dispose(&b);
    /* No max: no limit (and SIZE_MAX-sized requests are not "fitting"). */
    pf_buf u = PF_BUF_INIT;
    for (int i = 0; i < 1000; i++)
        pf_buf_puts(&u, "0123456789");
    ck_assert_uint_eq(u.len, 10000);
    pf_buf_dispose(&u);
}
END_TEST

START_TEST(test_a_file_read_is_bounded)
{
    char *text = NULL;
    pf_error e;
    pf_error_clear(&e);
    /* A pipe that never ends (a shell's <(yes)) stops at the cap. */
    FILE *p = popen("yes", "r");
    ck_assert_ptr_nonnull(p);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fileno(p));
    ck_assert_int_eq(pf_file_read(path, &text, NULL, &e), -1);
    pclose(p);
    ck_assert_ptr_null(text);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_msg(strstr(e.msg, ": larger than 128 MiB") != NULL, "%s", e.msg);
    /* A device is refused at once. */
    ck_assert_int_eq(pf_file_read("/dev/zero", &text, NULL, &e), -1);
    ck_assert_ptr_null(text);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_msg(strstr(e.msg, "/dev/zero: a device, not a regular file or a pipe") != NULL,
                  "%s", e.msg);
}
END_TEST

START_TEST(test_error_messages_never_carry_control_bytes)
{
    pf_error e;
    pf_error_set(&e, PF_EXIT_USAGE, "near '%s'", "\x7f" "ELF\x01\x1b[31mred\tok\nnext");
    ck_assert_str_eq(e.msg, "near '\\x7fELF\\x01\\x1b[31mred\tok\nnext'");
    pf_error_prefix(&e, "%s", "spec\x07.json");
    ck_assert_msg(strncmp(e.msg, "spec\\x07.json: near", 19) == 0, "%s", e.msg);
}
END_TEST

START_TEST(test_error_prefix_keeps_code_and_adds_context)
{
    pf_error e;
    pf_error_clear(&e);
    ck_assert_int_eq(pf_error_set(&e, PF_EXIT_USAGE, "bad %s\n", "thing"), -1);
    ck_assert_str_eq(e.msg, "bad thing");
    pf_error_prefix(&e, "%s:%d", "f.sql", 3);
    ck_assert_str_eq(e.msg, "f.sql:3: bad thing");
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
}
END_TEST

static const struct {
    const char *text;
    double ms;
    int ok;
} k_durations[] = {
    {"30s", 30000, 1}, {"250ms", 250, 1}, {"5m", 300000, 1}, {"1h", 3600000, 1},
    {"1.5s", 1500, 1}, {"2", 2000, 1},    {"", 0, 0},        {"abc", 0, 0},
    {"10x", 0, 0},     {"-1s", 0, 0},
};

START_TEST(test_duration_parse_table)
{
    double ms = -1;
    pf_error e;
    int rc = pf_duration_parse(k_durations[_i].text, &ms, &e);
    if (k_durations[_i].ok) {
        ck_assert_int_eq(rc, 0);
        ck_assert_double_eq_tol(ms, k_durations[_i].ms, 1e-9);
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    }
}
END_TEST

START_TEST(test_time_format_is_utc_wall_clock)
{
    char buf[64];
    int64_t new_year_2026 = 1767225600LL * 1000000LL;
    pf_time_format(buf, sizeof buf, new_year_2026 + 90 * 60 * 1000000LL + 999999, "%Y-%m-%d %H:%M");
    ck_assert_str_eq(buf, "2026-01-01 01:30");
    pf_time_format(buf, sizeof buf, 0, "latest run, %Y-%m-%d %H:%M UTC");
    ck_assert_str_eq(buf, "latest run, 1970-01-01 00:00 UTC");
}
END_TEST

START_TEST(test_dsn_redact_hides_passwords)
{
    char *a = pf_db_dsn_redact("host=db.example port=5432 user=app password=s3cret dbname=x");
    ck_assert(strstr(a, "s3cret") == NULL);
    ck_assert(strstr(a, "password=***") != NULL);
    ck_assert(strstr(a, "host=db.example") != NULL);
    free(a);
    char *b = pf_db_dsn_redact("postgresql://app:hunter2@db.example:6543/prod?sslmode=require");
    ck_assert(strstr(b, "hunter2") == NULL);
    ck_assert(strstr(b, "dbname=prod") != NULL);
    free(b);
    char *c = pf_db_dsn_redact("this is not = a conninfo '");
    ck_assert(strstr(c, "does not parse") != NULL);
    free(c);
}
END_TEST

START_TEST(test_a_garbage_dsn_is_bad_input_and_never_echoed)
{
    static const char *const bad[] = {"s3cret", "host=x s3cretpass", "dbname=a b3cret", NULL};
    for (int i = 0; bad[i]; i++) {
        pf_error e;
        pf_error_clear(&e);
        ck_assert_int_eq(pf_db_dsn_check(bad[i], &e), -1);
        ck_assert_int_eq(e.code, PF_EXIT_USAGE);
        ck_assert_msg(strstr(e.msg, "not a PostgreSQL connection string") != NULL, "%s", e.msg);
        ck_assert_msg(strstr(e.msg, "3cret") == NULL, "secret echoed: %s", e.msg);
        pf_db *db = NULL;
        ck_assert_int_eq(pf_db_connect(&db, bad[i], &e), -1);
        ck_assert_int_eq(e.code, PF_EXIT_USAGE);
        ck_assert_ptr_null(db);
    }
    pf_error e;
    ck_assert_int_eq(pf_db_dsn_check("host=/tmp port=5 password=x", &e), 0);
    ck_assert_int_eq(pf_db_dsn_check("postgresql://u:p@h:5432/db?sslmode=disable", &e), 0);
    /* An unknown option is named: it is a key, not a value. */
    ck_assert_int_eq(pf_db_dsn_check("hots=x", &e), -1);
    ck_assert_msg(strstr(e.msg, "invalid connection option \"hots\"") != NULL, "%s", e.msg);
}
END_TEST

START_TEST(test_dsn_with_dbname_replaces_or_adds)
{
    char *a = pf_db_dsn_with_dbname("host=/tmp port=1 dbname=postgres", "gate");
    ck_assert(strstr(a, "dbname=gate") != NULL);
    ck_assert(strstr(a, "dbname=postgres") == NULL);
    free(a);
    char *b = pf_db_dsn_with_dbname("host=/tmp port=1", "my db");
    ck_assert(strstr(b, "dbname='my db'") != NULL);
    free(b);
}
END_TEST

START_TEST(test_sql_quoting)
{
    char *l = pf_db_literal("it's");
    ck_assert_str_eq(l, "'it''s'");
    free(l);
    char *i = pf_db_ident("we\"ird");
    ck_assert_str_eq(i, "\"we\"\"ird\"");
    free(i);
}
END_TEST

START_TEST(test_atomic_write_and_sorted_listing)
{
    char *dir = pf_test_tmpdir();
    char *sub = pf_path_join(dir, "a/b");
    char *file = pf_path_join(sub, "x.json");
    pf_error e;
    ck_assert_int_eq(pf_file_write_atomic(file, "one", 3, &e), 0);
    ck_assert_int_eq(pf_file_write_atomic(file, "two!", 4, &e), 0);
    char *text = NULL;
    size_t len = 0;
    ck_assert_int_eq(pf_file_read(file, &text, &len, &e), 0);
    ck_assert_str_eq(text, "two!");
    ck_assert_uint_eq(len, 4);
    free(text);
    free(pf_test_write(sub, "020_b.sql", ""));
    free(pf_test_write(sub, "010_a.sql", ""));
    free(pf_test_write(sub, "notes.txt", ""));
    char **names = NULL;
    size_t n = 0;
    ck_assert_int_eq(pf_dir_list(sub, ".sql", &names, &n, &e), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(names[0], "010_a.sql");
    ck_assert_str_eq(names[1], "020_b.sql");
    pf_strv_free(names);
    /* No temp file is left next to the target. */
    ck_assert_int_eq(pf_dir_list(sub, ".tmp", &names, &n, &e), 0);
    ck_assert_uint_eq(n, 0);
    pf_strv_free(names);
    ck_assert_int_eq(pf_file_read("/nonexistent/x", &text, NULL, &e), -1);
    ck_assert(strstr(e.msg, "/nonexistent/x") != NULL);
    ck_assert_int_eq(pf_rmtree(dir, &e), 0);
    ck_assert(!pf_path_exists(dir));
    free(file);
    free(sub);
    free(dir);
}
END_TEST

/* A server spawned with MALLOC_PERTURB_ in perfgate's environment would
 * count more instructions per query: spawned programs never see it. */
START_TEST(test_spawned_programs_get_no_malloc_debugging)
{
    char *dir = pf_test_tmpdir();
    char *out = pf_path_join(dir, "env.txt");
    setenv("MALLOC_PERTURB_", "103", 1);
    setenv("PERFGATE_TEST_KEPT", "yes", 1);
    char *argv[] = {"/usr/bin/env", NULL};
    pf_error e;
    pid_t pid = pf_proc_spawn(argv, NULL, out, NULL, false, &e);
    ck_assert_int_gt(pid, 0);
    int status = -1;
    ck_assert_int_eq(pf_proc_wait(pid, &status), 0);
    ck_assert_int_eq(status, 0);
    char *text = NULL;
    ck_assert_int_eq(pf_file_read(out, &text, NULL, &e), 0);
    ck_assert_ptr_nonnull(strstr(text, "PERFGATE_TEST_KEPT=yes"));
    ck_assert_ptr_null(strstr(text, "MALLOC_PERTURB_"));
    free(text);
    unsetenv("PERFGATE_TEST_KEPT");
    ck_assert_int_eq(pf_rmtree(dir, &e), 0);
    free(out);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("util");
    tcase_add_test(tc, test_buf_grows_and_formats);
    tcase_add_test(tc, test_error_messages_never_carry_control_bytes);
    tcase_add_test(tc, test_buf_with_a_max_refuses_to_grow_past_it);
    tcase_add_test(tc, test_a_file_read_is_bounded);
    tcase_add_test(tc, test_error_prefix_keeps_code_and_adds_context);
    tcase_add_loop_test(tc, test_duration_parse_table, 0,
                        (int)(sizeof k_durations / sizeof k_durations[0]));
    tcase_add_test(tc, test_time_format_is_utc_wall_clock);
    tcase_add_test(tc, test_dsn_redact_hides_passwords);
    tcase_add_test(tc, test_dsn_with_dbname_replaces_or_adds);
    tcase_add_test(tc, test_a_garbage_dsn_is_bad_input_and_never_echoed);
    tcase_add_test(tc, test_sql_quoting);
    tcase_add_test(tc, test_atomic_write_and_sorted_listing);
    tcase_add_test(tc, test_spawned_programs_get_no_malloc_debugging);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
