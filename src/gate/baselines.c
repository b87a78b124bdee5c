/* The layout of the baselines directory: the path of every kind of
 * baseline, and the scan for case baselines whose case is gone. */
#include "baselines.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

/* dir joined with rel, which is freed. */
static char *under(const char *dir, char *rel)
{
    char *path = pf_path_join(dir, rel);
    free(rel);
    return path;
}

char *pf_baselines_case_path(const char *dir, const char *group, const char *name)
{
    return under(dir, pf_asprintf("%s/%s.json", group, name));
}

char *pf_baselines_rls_overhead_path(const char *dir, const char *pair)
{
    return under(dir, pf_asprintf("rls/overhead/%s.json", pair));
}

char *pf_baselines_load_path(const char *dir, const char *scenario, const char *point)
{
    return under(dir, pf_asprintf(PF_BASELINES_LOAD_DIR "/%s-%s.json", scenario, point));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folders of dir that may hold case baselines, sorted: every
 * subdirectory but the load baselines'. NULL-terminated; caller frees. */
static char **case_groups(const char *dir)
{
    size_t n = 0, cap = 8;
    char **groups = pf_calloc(cap, sizeof *groups);
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, PF_BASELINES_LOAD_DIR) == 0)
            continue;
        char *sub = pf_path_join(dir, de->d_name);
        if (pf_path_is_dir(sub)) {
            if (n + 1 >= cap) {
                cap *= 2;
                groups = pf_realloc(groups, cap * sizeof *groups);
            }
            groups[n++] = pf_strdup(de->d_name);
            groups[n] = NULL;
        }
        free(sub);
    }
    if (d != NULL)
        closedir(d);
    qsort(groups, n, sizeof *groups, cmp_str);
    return groups;
}

static bool has_case(const pf_registry *reg, const char *group, const char *file)
{
    size_t len = strlen(file) - strlen(".json");
    for (size_t k = 0; k < reg->n; k++)
        if (strcmp(reg->cases[k].group, group) == 0 && strlen(reg->cases[k].name) == len &&
            strncmp(reg->cases[k].name, file, len) == 0)
            return true;
    return false;
}

char **pf_baselines_removed(const char *dir, const pf_registry *reg)
{
    size_t n = 0, cap = 4;
    char **out = pf_calloc(cap, sizeof *out);
    char **groups = case_groups(dir);
    /* Only the files directly in a group folder are case baselines: the
     * RLS overhead pairs lie one level deeper, in rls/overhead/. */
    for (size_t g = 0; groups[g] != NULL; g++) {
        char *sub = pf_path_join(dir, groups[g]);
        char **files = NULL;
        pf_error ignored;
        if (pf_dir_list(sub, ".json", &files, NULL, &ignored) == 0) {
            for (size_t i = 0; files[i] != NULL; i++) {
                if (has_case(reg, groups[g], files[i]))
                    continue;
                if (n + 1 >= cap) {
                    cap *= 2;
                    out = pf_realloc(out, cap * sizeof *out);
                }
                out[n++] = pf_path_join(sub, files[i]);
                out[n] = NULL;
            }
        }
        pf_strv_free(files);
        free(sub);
    }
    pf_strv_free(groups);
    return out;
}
