/* Server binary discovery and owner bookkeeping, without starting a server. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster.h"
#include "fsutil.h"
#include "testutil.h"

static char *fake_bindir(bool with_postgres)
{
    char *dir = pf_test_tmpdir();
    char *a = pf_test_write(dir, "initdb", "#!/bin/sh\nexit 0\n");
    chmod(a, 0755);
    free(a);
    if (with_postgres) {
        char *b = pf_test_write(dir, "postgres", "#!/bin/sh\nexit 0\n");
        chmod(b, 0755);
        free(b);
    }
    return dir;
}

START_TEST(test_bindir_env_wins_when_usable)
{
    char *dir = fake_bindir(true);
    setenv(PF_BINDIR_ENV, dir, 1);
    char *found = NULL;
    pf_error e;
    ck_assert_int_eq(pf_cluster_bindir_find(&found, &e), 0);
    ck_assert_str_eq(found, dir);
    free(found);
    unsetenv(PF_BINDIR_ENV);
    pf_rmtree(dir, NULL);
    free(dir);
}
END_TEST

START_TEST(test_bindir_env_unusable_is_a_clear_error)
{
    char *dir = fake_bindir(false);
    setenv(PF_BINDIR_ENV, dir, 1);
    char *found = NULL;
    pf_error e;
    ck_assert_int_eq(pf_cluster_bindir_find(&found, &e), -1);
    ck_assert_ptr_null(found);
    ck_assert(strstr(e.msg, "PG_BINDIR") != NULL);
    ck_assert(strstr(e.msg, "initdb and postgres") != NULL);
    unsetenv(PF_BINDIR_ENV);
    pf_rmtree(dir, NULL);
    free(dir);
}
END_TEST

START_TEST(test_bindir_usable_needs_both_executables)
{
    char *dir = fake_bindir(false);
    ck_assert(!pf_cluster_bindir_usable(dir));
    char *b = pf_test_write(dir, "postgres", "x");
    ck_assert(!pf_cluster_bindir_usable(dir)); /* not executable */
    chmod(b, 0755);
    ck_assert(pf_cluster_bindir_usable(dir));
    free(b);
    pf_rmtree(dir, NULL);
    free(dir);
}
END_TEST

START_TEST(test_bindir_found_without_env)
{
    /* This machine has a server installed (the tests need one). */
    unsetenv(PF_BINDIR_ENV);
    char *found = NULL;
    pf_error e;
    ck_assert_msg(pf_cluster_bindir_find(&found, &e) == 0, "%s", e.msg);
    ck_assert(pf_cluster_bindir_usable(found));
    free(found);
}
END_TEST

START_TEST(test_bindir_none_found_lists_what_was_tried)
{
    /* No pg_config on PATH and no env: only /usr/lib/postgresql remains,
     * which exists here, so just check the env path error wording. */
    setenv(PF_BINDIR_ENV, "/nonexistent/bin", 1);
    char *found = NULL;
    pf_error e;
    ck_assert_int_eq(pf_cluster_bindir_find(&found, &e), -1);
    ck_assert(strstr(e.msg, "/nonexistent/bin") != NULL);
    unsetenv(PF_BINDIR_ENV);
}
END_TEST

START_TEST(test_reaper_removes_dirs_of_dead_owners_only)
{
    char *base = pf_test_tmpdir();
    /* A cluster dir whose owner pid does not exist: stale. */
    char *dead = pf_path_join(base, "perfgate-dead01");
    ck_assert_int_eq(mkdir(dead, 0700), 0);
    free(pf_test_write(dead, "perfgate.owner", "pid=999999\nstarttime=1\npostmaster=0\n"));
    /* One owned by this (live) process: kept. */
    char *live = pf_path_join(base, "perfgate-live01");
    ck_assert_int_eq(mkdir(live, 0700), 0);
    char *owner = pf_asprintf("pid=%ld\nstarttime=0\npostmaster=0\n", (long)getpid());
    free(pf_test_write(live, "perfgate.owner", owner));
    free(owner);
    /* A fresh dir without an owner file (being created): kept. */
    char *young = pf_path_join(base, "perfgate-young1");
    ck_assert_int_eq(mkdir(young, 0700), 0);
    /* Something else entirely: never touched. */
    char *other = pf_path_join(base, "unrelated");
    ck_assert_int_eq(mkdir(other, 0700), 0);

    int reaped = -1;
    pf_error e;
    ck_assert_int_eq(pf_cluster_reap_stale(base, &reaped, &e), 0);
    ck_assert_int_eq(reaped, 1);
    ck_assert(!pf_path_exists(dead));
    ck_assert(pf_path_exists(live));
    ck_assert(pf_path_exists(young));
    ck_assert(pf_path_exists(other));

    char **dirs = NULL;
    ck_assert_int_eq(pf_cluster_list(base, false, &dirs, &e), 0);
    ck_assert_ptr_nonnull(dirs[0]);
    ck_assert(strstr(dirs[0], "perfgate-live01") != NULL);
    ck_assert_ptr_null(dirs[1]);
    pf_strv_free(dirs);

    pf_rmtree(base, NULL);
    free(dead);
    free(live);
    free(young);
    free(other);
    free(base);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cluster_unit");
    TCase *tc = tcase_create("bindir");
    tcase_add_test(tc, test_bindir_env_wins_when_usable);
    tcase_add_test(tc, test_bindir_env_unusable_is_a_clear_error);
    tcase_add_test(tc, test_bindir_usable_needs_both_executables);
    tcase_add_test(tc, test_bindir_found_without_env);
    tcase_add_test(tc, test_bindir_none_found_lists_what_was_tried);
    suite_add_tcase(s, tc);
    TCase *tr = tcase_create("reaper");
    tcase_add_test(tr, test_reaper_removes_dirs_of_dead_owners_only);
    suite_add_tcase(s, tr);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
