/* Where the CLI finds its default files (fixtures/schema, bench, ...): the
 * current directory, $PERFGATE_DATA_DIR, the installation beside the binary,
 * the source tree. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pf_config.h"

#include "cli.h"
#include "fsutil.h"
#include "testutil.h"

static char g_old_cwd[PATH_MAX];
static char *g_tmp;

/* Each test runs in an empty temp directory without $PERFGATE_DATA_DIR
 * (and restores both: under valgrind, CK_FORK=no runs them in one process). */
static void setup(void)
{
    ck_assert_ptr_nonnull(getcwd(g_old_cwd, sizeof g_old_cwd));
    g_tmp = pf_test_tmpdir();
    ck_assert_int_eq(chdir(g_tmp), 0);
    unsetenv(PF_DATA_DIR_ENV);
}

static void teardown(void)
{
    ck_assert_int_eq(chdir(g_old_cwd), 0);
    unsetenv(PF_DATA_DIR_ENV);
    pf_error err;
    pf_error_clear(&err);
    pf_rmtree(g_tmp, &err);
    free(g_tmp);
    g_tmp = NULL;
}

static void mkdirs_or_fail(const char *path)
{
    pf_error err;
    pf_error_clear(&err);
    ck_assert_msg(pf_mkdirs(path, 0755, &err) == 0, "%s", err.msg);
}

START_TEST(test_default_path_prefers_the_current_directory)
{
    mkdirs_or_fail("fixtures/schema");
    setenv(PF_DATA_DIR_ENV, "/nonexistent/perfgate-data", 1);
    char *p = pf_cli_default_path(PF_DEFAULT_SCHEMA);
    ck_assert_str_eq(p, PF_DEFAULT_SCHEMA);
    free(p);
}
END_TEST

START_TEST(test_default_path_uses_the_data_dir_variable_and_nothing_else)
{
    /* The source tree has bench/, but the variable decides, even when its
     * directory lacks the file: the error then names where perfgate looked. */
    setenv(PF_DATA_DIR_ENV, "/nonexistent/perfgate-data", 1);
    char *p = pf_cli_default_path(PF_DEFAULT_BENCH);
    ck_assert_str_eq(p, "/nonexistent/perfgate-data/bench");
    free(p);
    /* Empty means unset. */
    setenv(PF_DATA_DIR_ENV, "", 1);
    p = pf_cli_default_path(PF_DEFAULT_BENCH);
    ck_assert_str_ne(p, "/bench");
    free(p);
}
END_TEST

START_TEST(test_default_path_of_a_build_tree_binary_is_the_source_tree)
{
    /* This test program, like build/src/perfgate, has no installation
     * beside it, so an unrelated directory falls back to the source tree. */
    char *p = pf_cli_default_path(PF_DEFAULT_DATASET);
    char *want = pf_path_join(PF_SOURCE_ROOT, PF_DEFAULT_DATASET);
    ck_assert_str_eq(p, want);
    free(p);
    free(want);
}
END_TEST

START_TEST(test_default_path_unknown_everywhere_is_returned_unchanged)
{
    char *p = pf_cli_default_path("no/such/default.json");
    ck_assert_str_eq(p, "no/such/default.json");
    free(p);
}
END_TEST

START_TEST(test_installed_data_dir_is_found_beside_the_executable)
{
    /* An installation moved as a whole (here: under a temp directory, as
     * meson install --destdir does): bin/perfgate and bin/../share/perfgate. */
    if (PF_DATA_DIR_FROM_BINDIR[0] == '\0')
        return; /* configured with an absolute bindir or datadir: no lookup */
    mkdirs_or_fail("usr/bin");
    char *exe = pf_test_write(g_tmp, "usr/bin/perfgate", "");
    ck_assert_ptr_null(pf_cli_installed_data_dir(exe)); /* no data yet */

    char *data = pf_path_join(g_tmp, "usr/bin/" PF_DATA_DIR_FROM_BINDIR);
    mkdirs_or_fail(data);
    char *want = realpath(data, NULL);
    ck_assert_ptr_nonnull(want);
    char *got = pf_cli_installed_data_dir(exe);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, want);
    free(got);
    free(want);
    free(data);
    free(exe);
}
END_TEST

START_TEST(test_own_executable_in_the_build_tree_has_no_installation)
{
    /* /proc/self/exe is build/tests/test_cli_paths: nothing beside it. */
    ck_assert_ptr_null(pf_cli_installed_data_dir(NULL));
    ck_assert_ptr_null(pf_cli_installed_data_dir("perfgate")); /* no directory part */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_paths");
    TCase *tc = tcase_create("defaults");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_default_path_prefers_the_current_directory);
    tcase_add_test(tc, test_default_path_uses_the_data_dir_variable_and_nothing_else);
    tcase_add_test(tc, test_default_path_of_a_build_tree_binary_is_the_source_tree);
    tcase_add_test(tc, test_default_path_unknown_everywhere_is_returned_unchanged);
    tcase_add_test(tc, test_installed_data_dir_is_found_beside_the_executable);
    tcase_add_test(tc, test_own_executable_in_the_build_tree_has_no_installation);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
