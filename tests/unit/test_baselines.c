/* The layout of the baselines directory: where each kind of baseline lives,
 * and that the scan for removed cases reports case baselines only (never a
 * load or an RLS overhead baseline). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "baselines.h"
#include "fsutil.h"
#include "testutil.h"

static char *g_dir;

static void dir_setup(void)
{
    g_dir = pf_test_tmpdir();
}

static void dir_teardown(void)
{
    pf_error e;
    pf_rmtree(g_dir, &e);
    free(g_dir);
    g_dir = NULL;
}

/* A file under g_dir, parent folders created. */
static void put(const char *rel)
{
    char *path = pf_path_join(g_dir, rel);
    char *parent = pf_strdup(path);
    *strrchr(parent, '/') = '\0';
    pf_error e;
    ck_assert_msg(pf_mkdirs(parent, 0755, &e) == 0, "%s", e.msg);
    free(pf_test_write(parent, strrchr(path, '/') + 1, "{}\n"));
    free(parent);
    free(path);
}

static const struct {
    const char *dir;
    const char *want_case, *want_overhead, *want_load;
} k_paths[] = {
    {"baselines", "baselines/timeline/timeline_recent_page.json",
     "baselines/rls/overhead/timeline_page_patient.json", "baselines/load/mix-x2.5.json"},
    /* A trailing slash gives no empty path component. */
    {"/srv/app/baselines/", "/srv/app/baselines/timeline/timeline_recent_page.json",
     "/srv/app/baselines/rls/overhead/timeline_page_patient.json",
     "/srv/app/baselines/load/mix-x2.5.json"},
};

START_TEST(test_each_kind_of_baseline_has_its_path)
{
    char *c = pf_baselines_case_path(k_paths[_i].dir, "timeline", "timeline_recent_page");
    char *o = pf_baselines_rls_overhead_path(k_paths[_i].dir, "timeline_page_patient");
    char *l = pf_baselines_load_path(k_paths[_i].dir, "mix", "x2.5");
    ck_assert_str_eq(c, k_paths[_i].want_case);
    ck_assert_str_eq(o, k_paths[_i].want_overhead);
    ck_assert_str_eq(l, k_paths[_i].want_load);
    free(c);
    free(o);
    free(l);
}
END_TEST

static void add_case(pf_registry *r, const char *group, const char *name)
{
    r->cases = pf_realloc(r->cases, (r->n + 1) * sizeof *r->cases);
    memset(&r->cases[r->n], 0, sizeof r->cases[r->n]);
    r->cases[r->n].group = pf_strdup(group);
    r->cases[r->n].name = pf_strdup(name);
    r->n++;
}

/* Load baselines (load/) and RLS overhead pairs (rls/overhead/) sit next to
 * the case groups; the cases they are named after may not exist at all.
 * Only a case baseline without its case is "removed". */
START_TEST(test_removed_lists_case_baselines_only)
{
    pf_registry *reg = pf_calloc(1, sizeof *reg);
    add_case(reg, "timeline", "timeline_recent_page");
    add_case(reg, "rls", "timeline_page_owner");
    put("timeline/timeline_recent_page.json");
    put("timeline/retired_case.json");
    put("timeline/notes.txt");
    put("rls/timeline_page_owner.json");
    put("rls/overhead/timeline_page_patient.json");
    put("rls/overhead/documents_list_patient.json");
    put("load/mix-x1.json");
    put("load/timeline_browse-c20.json");
    put("queue/queue_enqueue.json");

    char **removed = pf_baselines_removed(g_dir, reg);
    char *want1 = pf_path_join(g_dir, "queue/queue_enqueue.json");
    char *want2 = pf_path_join(g_dir, "timeline/retired_case.json");
    size_t n = 0;
    while (removed[n] != NULL)
        n++;
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strstr(removed[i], "/load/") == NULL &&
                          strstr(removed[i], "/overhead/") == NULL,
                      "reported as a removed case: %s", removed[i]);
    ck_assert_uint_eq(n, 2);
    /* Sorted by group, then name. */
    ck_assert_str_eq(removed[0], want1);
    ck_assert_str_eq(removed[1], want2);
    free(want1);
    free(want2);
    pf_strv_free(removed);
    pf_registry_free(reg);
}
END_TEST

START_TEST(test_removed_of_a_missing_dir_is_empty)
{
    pf_registry *reg = pf_calloc(1, sizeof *reg);
    char *dir = pf_path_join(g_dir, "none");
    char **removed = pf_baselines_removed(dir, reg);
    ck_assert_ptr_nonnull(removed);
    ck_assert_ptr_null(removed[0]);
    pf_strv_free(removed);
    free(dir);
    pf_registry_free(reg);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("baselines");
    TCase *tp = tcase_create("paths");
    tcase_add_loop_test(tp, test_each_kind_of_baseline_has_its_path, 0,
                        (int)(sizeof k_paths / sizeof k_paths[0]));
    suite_add_tcase(s, tp);
    TCase *tr = tcase_create("removed");
    tcase_add_checked_fixture(tr, dir_setup, dir_teardown);
    tcase_add_test(tr, test_removed_lists_case_baselines_only);
    tcase_add_test(tr, test_removed_of_a_missing_dir_is_empty);
    suite_add_tcase(s, tr);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
