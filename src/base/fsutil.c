/* File-system helpers. */
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

int pf_file_read(const char *path, char **out, size_t *len, pf_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return pf_error_set(err, PF_EXIT_USAGE, "%s: cannot open: %s", path, strerror(errno));
    /* A device (/dev/zero, a terminal) is no input a user writes: refused at
     * once, where reading it to the cap below takes seconds. Files and pipes
     * (a shell's <(...)) are read. */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
        fclose(f);
        return pf_error_set(err, PF_EXIT_USAGE, "%s: a device, not a regular file or a pipe",
                            path);
    }
    /* Bounded: an input named by the user may be a huge file by mistake, or
     * a pipe that does not end; it must not take the machine's memory. */
    pf_buf b;
    pf_buf_init_max(&b, PF_FILE_MAX);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && !pf_buf_too_big(&b))
        pf_buf_append(&b, chunk, got);
    int failed = ferror(f);
    fclose(f);
    if (pf_buf_too_big(&b)) {
        pf_buf_dispose(&b);
        return pf_error_set(err, PF_EXIT_USAGE,
                            "%s: larger than %d MiB: not an input perfgate reads (a wrong path?)",
                            path, (int)(PF_FILE_MAX >> 20));
    }
    if (failed) {
        pf_buf_dispose(&b);
        return pf_error_set(err, PF_EXIT_USAGE, "%s: read error", path);
    }
    if (len != NULL)
        *len = b.len;
    *out = pf_buf_steal(&b);
    return 0;
}

int pf_file_write_atomic(const char *path, const char *data, size_t len, pf_error *err)
{
    char *dircopy = pf_strdup(path);
    char *dir = dirname(dircopy);
    int rc = pf_mkdirs(dir, 0755, err);
    char *tmp = pf_asprintf("%s.tmp.%ld", path, (long)getpid());
    int fd = -1;
    if (rc < 0)
        goto cleanup;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = pf_error_set(err, PF_EXIT_INFRA, "%s: cannot create: %s", tmp, strerror(errno));
        goto cleanup;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = pf_error_set(err, PF_EXIT_INFRA, "%s: write failed: %s", tmp, strerror(errno));
            goto cleanup;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 && errno != EINVAL) {
        rc = pf_error_set(err, PF_EXIT_INFRA, "%s: fsync failed: %s", tmp, strerror(errno));
        goto cleanup;
    }
    close(fd);
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = pf_error_set(err, PF_EXIT_INFRA, "%s: cannot rename into place: %s", path,
                          strerror(errno));
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    free(dircopy);
    return rc;
}

bool pf_path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

bool pf_path_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *pf_path_join(const char *a, const char *b)
{
    size_t la = strlen(a);
    if (la > 0 && a[la - 1] == '/')
        return pf_asprintf("%s%s", a, b);
    return pf_asprintf("%s/%s", a, b);
}

int pf_mkdirs(const char *path, mode_t mode, pf_error *err)
{
    char *p = pf_strdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, mode) != 0 && errno != EEXIST) {
            pf_error_set(err, PF_EXIT_INFRA, "%s: cannot create directory: %s", p, strerror(errno));
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = 0;
    if (mkdir(p, mode) != 0 && errno != EEXIST)
        rc = pf_error_set(err, PF_EXIT_INFRA, "%s: cannot create directory: %s", p, strerror(errno));
    free(p);
    return rc;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    int rc = (flag == FTW_DP) ? rmdir(path) : unlink(path);
    if (rc != 0 && errno != ENOENT)
        return -1;
    return 0;
}

int pf_rmtree(const char *path, pf_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return pf_error_set(err, PF_EXIT_INFRA, "%s: cannot remove: %s", path, strerror(errno));
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pf_dir_list(const char *dir, const char *suffix, char ***names, size_t *count, pf_error *err)
{
    *names = NULL;
    if (count != NULL)
        *count = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return pf_error_set(err, PF_EXIT_USAGE, "%s: cannot open directory: %s", dir,
                            strerror(errno));
    size_t n = 0, cap = 16;
    char **v = pf_malloc(cap * sizeof *v);
    size_t slen = strlen(suffix);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < slen || strcmp(de->d_name + len - slen, suffix) != 0)
            continue;
        char *full = pf_path_join(dir, de->d_name);
        struct stat st;
        bool regular = stat(full, &st) == 0 && S_ISREG(st.st_mode);
        free(full);
        if (!regular)
            continue;
        if (n + 1 >= cap) {
            cap *= 2;
            v = pf_realloc(v, cap * sizeof *v);
        }
        v[n++] = pf_strdup(de->d_name);
    }
    closedir(d);
    qsort(v, n, sizeof *v, cmp_str);
    v[n] = NULL;
    *names = v;
    if (count != NULL)
        *count = n;
    return 0;
}

void pf_strv_free(char **v)
{
    if (v == NULL)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

int pf_line_of_offset(const char *text, size_t off)
{
    int line = 1;
    for (size_t i = 0; i < off && text[i]; i++)
        if (text[i] == '\n')
            line++;
    return line;
}
