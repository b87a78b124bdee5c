/* The cache directory: keys that change with every part, atomic entries,
 * tree copies that keep modes, text entries, and trimming by age. */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "fsutil.h"
#include "testutil.h"

static char *g_dir;

static void setup(void)
{
    g_dir = pf_test_tmpdir();
}

static void teardown(void)
{
    pf_rmtree(g_dir, NULL);
    free(g_dir);
}

static void hex_of(const char *kind, const char *a, const char *b, char out[17])
{
    pf_cache_key k;
    pf_cache_key_init(&k, kind);
    pf_cache_key_str(&k, "a", a);
    pf_cache_key_str(&k, "b", b);
    pf_cache_key_hex(&k, out);
}

START_TEST(test_keys_are_stable_and_change_with_every_part)
{
    char k1[17], k2[17], k3[17], k4[17], k5[17];
    hex_of("seeded", "x", "y", k1);
    hex_of("seeded", "x", "y", k2);
    hex_of("seeded", "x", "z", k3);
    hex_of("initdb", "x", "y", k4);
    /* Parts cannot run into each other: "xy" + "" is not "x" + "y". */
    hex_of("seeded", "xy", "", k5);
    ck_assert_str_eq(k1, k2);
    ck_assert_str_ne(k1, k3);
    ck_assert_str_ne(k1, k4);
    ck_assert_str_ne(k1, k5);
    ck_assert_uint_eq(strlen(k1), 16);
}
END_TEST

START_TEST(test_a_directory_key_sees_every_file)
{
    char *schema = pf_path_join(g_dir, "schema");
    pf_mkdirs(schema, 0755, NULL);
    free(pf_test_write(schema, "010_a.sql", "CREATE TABLE a (id int);\n"));
    free(pf_test_write(schema, "README.md", "not part of the key\n"));
    pf_cache_key k;
    char h1[17], h2[17], h3[17], h4[17];
    pf_error e;
    pf_cache_key_init(&k, "seeded");
    ck_assert_int_eq(pf_cache_key_dir(&k, "schema", schema, ".sql", &e), 0);
    pf_cache_key_hex(&k, h1);
    free(pf_test_write(schema, "README.md", "changed\n"));
    pf_cache_key_init(&k, "seeded");
    pf_cache_key_dir(&k, "schema", schema, ".sql", &e);
    pf_cache_key_hex(&k, h2);
    ck_assert_str_eq(h1, h2);
    free(pf_test_write(schema, "010_a.sql", "CREATE TABLE a (id bigint);\n"));
    pf_cache_key_init(&k, "seeded");
    pf_cache_key_dir(&k, "schema", schema, ".sql", &e);
    pf_cache_key_hex(&k, h3);
    ck_assert_str_ne(h1, h3);
    free(pf_test_write(schema, "020_b.sql", ""));
    pf_cache_key_init(&k, "seeded");
    pf_cache_key_dir(&k, "schema", schema, ".sql", &e);
    pf_cache_key_hex(&k, h4);
    ck_assert_str_ne(h3, h4);
    pf_cache_key_init(&k, "seeded");
    ck_assert_int_eq(pf_cache_key_dir(&k, "schema", "/nonexistent", ".sql", &e), -1);
    free(schema);
}
END_TEST

START_TEST(test_a_stored_tree_comes_back_with_its_modes)
{
    char *root = pf_path_join(g_dir, "cache"), *src = pf_path_join(g_dir, "data");
    pf_mkdirs(src, 0700, NULL);
    char *sub = pf_path_join(src, "base");
    mkdir(sub, 0700);
    char *f = pf_test_write(sub, "16384", "pages");
    chmod(f, 0600);
    char *g = pf_test_write(src, "PG_VERSION", "15\n");
    char *link = pf_path_join(src, "link");
    ck_assert_int_eq(symlink("PG_VERSION", link), 0);
    free(link);
    pf_cache *c = NULL;
    pf_error e;
    ck_assert_msg(pf_cache_open(&c, root, &e) == 0, "%s", e.msg);
    ck_assert_ptr_null(pf_cache_lookup(c, "seeded", "0123456789abcdef"));
    ck_assert_msg(pf_cache_store_dir(c, "seeded", "0123456789abcdef", src, NULL, &e) == 0, "%s", e.msg);
    char *hit = pf_cache_lookup(c, "seeded", "0123456789abcdef");
    ck_assert_ptr_nonnull(hit);
    /* Storing again (another run did meanwhile) keeps the entry. */
    ck_assert_int_eq(pf_cache_store_dir(c, "seeded", "0123456789abcdef", src, NULL, &e), 0);
    char *out = pf_path_join(g_dir, "restored");
    ck_assert_msg(pf_cache_copy_tree(hit, out, false, 0, 0, &e) == 0, "%s", e.msg);
    char *rf = pf_path_join(out, "base/16384"), *text = NULL;
    ck_assert_int_eq(pf_file_read(rf, &text, NULL, &e), 0);
    ck_assert_str_eq(text, "pages");
    struct stat st;
    ck_assert_int_eq(stat(rf, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    char *rd = pf_path_join(out, "base");
    ck_assert_int_eq(stat(rd, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0700);
    char *rl = pf_path_join(out, "link"), target[64];
    ssize_t n = readlink(rl, target, sizeof target - 1);
    ck_assert_int_eq(n, 10);
    /* No temporary names left in the kind's folder. */
    char *kind = pf_path_join(root, "seeded");
    char **names = NULL;
    size_t count = 0;
    pf_dir_list(kind, "", &names, &count, &e);
    ck_assert_uint_eq(count, 0); /* only the entry, a directory */
    pf_strv_free(names);
    /* Copying into a place that exists fails and leaves it alone. */
    ck_assert_int_eq(pf_cache_copy_tree(hit, out, false, 0, 0, &e), -1);
    ck_assert(pf_path_exists(rf));
    free(kind);
    free(rl);
    free(rd);
    free(text);
    free(rf);
    free(out);
    free(hit);
    free(g);
    free(f);
    free(sub);
    pf_cache_free(c);
    free(src);
    free(root);
}
END_TEST

START_TEST(test_text_entries_hit_and_miss)
{
    pf_cache *c = NULL;
    pf_error e;
    ck_assert_int_eq(pf_cache_open(&c, g_dir, &e), 0);
    char *text = NULL;
    ck_assert_int_eq(pf_cache_get_text(c, "instr", "aaaa", &text, &e), 1);
    ck_assert_ptr_null(text);
    ck_assert_int_eq(pf_cache_put_text(c, "instr", "aaaa", "{\"n\":1}\n", &e), 0);
    ck_assert_int_eq(pf_cache_get_text(c, "instr", "aaaa", &text, &e), 0);
    ck_assert_str_eq(text, "{\"n\":1}\n");
    free(text);
    pf_cache_free(c);
}
END_TEST

START_TEST(test_trimming_removes_the_least_recently_used_first)
{
    pf_cache *c = NULL;
    pf_error e;
    ck_assert_int_eq(pf_cache_open(&c, g_dir, &e), 0);
    char big[8192];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    static const char *const keys[] = {"k1", "k2", "k3", "k4"};
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(pf_cache_put_text(c, "instr", keys[i], big, &e), 0);
        char *p = pf_asprintf("%s/instr/%s.json", g_dir, keys[i]);
        struct timespec ts[2] = {{1000000 + i * 10, 0}, {1000000 + i * 10, 0}};
        utimensat(AT_FDCWD, p, ts, 0);
        free(p);
    }
    /* k1 is used again: it becomes the newest. */
    char *text = NULL;
    ck_assert_int_eq(pf_cache_get_text(c, "instr", "k1", &text, &e), 0);
    free(text);
    /* Room for about two entries. */
    ck_assert_int_eq(pf_cache_trim(c, "instr", 2 * 8192 + 4096), 2);
    ck_assert_int_eq(pf_cache_get_text(c, "instr", "k1", &text, &e), 0);
    free(text);
    ck_assert_int_eq(pf_cache_get_text(c, "instr", "k4", &text, &e), 0);
    free(text);
    ck_assert_int_eq(pf_cache_get_text(c, "instr", "k2", &text, &e), 1);
    ck_assert_int_eq(pf_cache_get_text(c, "instr", "k3", &text, &e), 1);
    /* The newest stays whatever the budget. */
    ck_assert_int_eq(pf_cache_trim(c, "instr", 0), 1);
    ck_assert_int_eq(pf_cache_get_text(c, "instr", "k1", &text, &e), 0);
    free(text);
    pf_cache_free(c);
}
END_TEST

START_TEST(test_the_default_directory_follows_the_environment)
{
    setenv(PF_CACHE_ENV, "/somewhere/cache", 1);
    char *d = pf_cache_default_dir();
    ck_assert_str_eq(d, "/somewhere/cache");
    free(d);
    unsetenv(PF_CACHE_ENV);
    setenv("XDG_CACHE_HOME", "/xdg", 1);
    d = pf_cache_default_dir();
    ck_assert_str_eq(d, "/xdg/perfgate");
    free(d);
    unsetenv("XDG_CACHE_HOME");
    setenv("HOME", "/home/u", 1);
    d = pf_cache_default_dir();
    ck_assert_str_eq(d, "/home/u/.cache/perfgate");
    free(d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cache");
    TCase *tc = tcase_create("cache");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_keys_are_stable_and_change_with_every_part);
    tcase_add_test(tc, test_a_directory_key_sees_every_file);
    tcase_add_test(tc, test_a_stored_tree_comes_back_with_its_modes);
    tcase_add_test(tc, test_text_entries_hit_and_miss);
    tcase_add_test(tc, test_trimming_removes_the_least_recently_used_first);
    tcase_add_test(tc, test_the_default_directory_follows_the_environment);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
