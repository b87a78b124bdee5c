/* Base revision extraction with git (git archive | tar). */
#include "gitbase.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "proc.h"

static char *trimmed(char *s)
{
    if (s != NULL)
        s[strcspn(s, "\r\n")] = '\0';
    return s;
}

/* `git -C dir args...`, stdout captured and trimmed. */
static int git(const char *dir, char **out, pf_error *err, const char *a1, const char *a2,
               const char *a3, const char *a4)
{
    char *argv[] = {"git", "-C", (char *)dir, (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
    int rc = pf_proc_capture(argv, out, err);
    trimmed(*out);
    return rc;
}

/* Path of p relative to the repository top, or NULL if outside. */
static char *relative_to(const char *top, const char *p)
{
    char abs[PATH_MAX];
    if (realpath(p, abs) == NULL)
        return NULL;
    size_t n = strlen(top);
    if (strncmp(abs, top, n) != 0 || (abs[n] != '/' && abs[n] != '\0'))
        return NULL;
    return pf_strdup(abs[n] == '/' ? abs + n + 1 : ".");
}

int pf_gitbase_checkout(const char *ref, const char *schema_dir, const char *dataset_path,
                        const char *bench_dir, pf_gitbase *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    char *top = NULL, *shallow = NULL, *commit = NULL;
    char *rel[3] = {NULL, NULL, NULL};
    const char *paths[3] = {schema_dir, dataset_path, bench_dir};
    int rc = -1;
    pf_error ignored;

    /* The repository holding the schema directory. */
    char *start = pf_path_is_dir(schema_dir) ? pf_strdup(schema_dir) : pf_strdup(".");
    if (git(start, &top, &ignored, "rev-parse", "--show-toplevel", NULL, NULL) < 0 || !top ||
        !*top) {
        pf_error_set(err, PF_EXIT_USAGE,
                     "--base %s: %s is not inside a git checkout (the base revision's schema, "
                     "dataset and registry come from git)",
                     ref, schema_dir);
        goto cleanup;
    }
    char real_top[PATH_MAX];
    if (realpath(top, real_top) == NULL)
        snprintf(real_top, sizeof real_top, "%s", top);
    char *spec = pf_asprintf("%s^{commit}", ref);
    int r = git(top, &commit, &ignored, "rev-parse", "--verify", "--quiet", spec);
    free(spec);
    if (r < 0 || commit == NULL || *commit == '\0') {
        git(top, &shallow, &ignored, "rev-parse", "--is-shallow-repository", NULL, NULL);
        if (shallow && strcmp(shallow, "true") == 0)
            pf_error_set(err, PF_EXIT_USAGE,
                         "--base %s: not in this shallow clone. Fetch the base and enough "
                         "history to reach it, e.g. `git fetch --depth=100 origin main` (or "
                         "`git fetch --unshallow`); in GitHub Actions use actions/checkout with "
                         "`fetch-depth: 0`, in GitLab set GIT_DEPTH: 0",
                         ref);
        else
            pf_error_set(err, PF_EXIT_USAGE,
                         "--base %s: no such revision in %s (fetch it first, e.g. `git fetch "
                         "origin main`)",
                         ref, real_top);
        goto cleanup;
    }
    for (int i = 0; i < 3; i++) {
        rel[i] = relative_to(real_top, paths[i]);
        if (rel[i] == NULL) {
            pf_error_set(err, PF_EXIT_USAGE, "--base: %s is not inside the repository %s",
                         paths[i], real_top);
            goto cleanup;
        }
    }
    const char *tmp = getenv("TMPDIR");
    char *templ = pf_asprintf("%s/perfgate-base-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(templ) == NULL) {
        pf_error_set(err, PF_EXIT_INFRA, "cannot create a temp directory for the base revision");
        free(templ);
        goto cleanup;
    }
    out->dir = templ;
    /* git archive REF -- paths | tar -x -C dir */
    char *argv[] = {"sh", "-c", "set -e; top=$1; ref=$2; dir=$3; shift 3; "
                                "git -C \"$top\" archive --format=tar \"$ref\" -- \"$@\" | "
                                "tar -x -C \"$dir\"",
                    "sh", real_top, commit, out->dir, rel[0], rel[1], rel[2], NULL};
    char *dummy = NULL;
    if (pf_proc_capture(argv, &dummy, &ignored) < 0) {
        pf_error_set(err, PF_EXIT_USAGE,
                     "--base %s: cannot extract %s, %s and %s at %.12s (do they exist in that "
                     "revision?)",
                     ref, rel[0], rel[1], rel[2], commit);
        free(dummy);
        goto cleanup;
    }
    free(dummy);
    out->schema_dir = pf_path_join(out->dir, rel[0]);
    out->dataset_path = pf_path_join(out->dir, rel[1]);
    out->bench_dir = pf_path_join(out->dir, rel[2]);
    for (int i = 0; i < 3; i++) {
        const char *p = i == 0 ? out->schema_dir : i == 1 ? out->dataset_path : out->bench_dir;
        if (!pf_path_exists(p)) {
            pf_error_set(err, PF_EXIT_USAGE, "--base %s: %s does not exist at %.12s", ref, rel[i],
                         commit);
            goto cleanup;
        }
    }
    out->commit = commit;
    commit = NULL;
    rc = 0;
cleanup:
    free(start);
    free(top);
    free(shallow);
    free(commit);
    for (int i = 0; i < 3; i++)
        free(rel[i]);
    if (rc < 0)
        pf_gitbase_dispose(out);
    return rc;
}

void pf_gitbase_dispose(pf_gitbase *b)
{
    if (b->dir != NULL)
        pf_rmtree(b->dir, NULL);
    free(b->dir);
    free(b->commit);
    free(b->schema_dir);
    free(b->dataset_path);
    free(b->bench_dir);
    memset(b, 0, sizeof *b);
}
