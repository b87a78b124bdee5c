/* The cache directory: keys, atomic directory and text entries, tree
 * copies (reflink where possible), least-recently-used trimming. */
#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "rng.h"

struct pf_cache {
    char *root;
};

char *pf_cache_default_dir(void)
{
    const char *env = getenv(PF_CACHE_ENV);
    if (env != NULL && *env != '\0')
        return pf_strdup(env);
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg != NULL && *xdg == '/')
        return pf_path_join(xdg, "perfgate");
    const char *home = getenv("HOME");
    if (home != NULL && *home == '/')
        return pf_asprintf("%s/.cache/perfgate", home);
    return NULL;
}

int pf_cache_open(pf_cache **out, const char *dir, pf_error *err)
{
    *out = NULL;
    char *root = dir ? pf_strdup(dir) : pf_cache_default_dir();
    if (root == NULL)
        return pf_error_set(err, PF_EXIT_INFRA,
                            "no cache directory: set %s (or HOME), or pass --cache-dir",
                            PF_CACHE_ENV);
    if (pf_mkdirs(root, 0755, err) < 0) {
        pf_error_prefix(err, "the cache directory");
        if (err)
            err->code = PF_EXIT_INFRA;
        free(root);
        return -1;
    }
    pf_cache *c = pf_calloc(1, sizeof *c);
    c->root = root;
    *out = c;
    return 0;
}

void pf_cache_free(pf_cache *c)
{
    if (c == NULL)
        return;
    free(c->root);
    free(c);
}

const char *pf_cache_root(const pf_cache *c)
{
    return c->root;
}

/* ---------------------------------------------------------------- keys */

void pf_cache_key_init(pf_cache_key *k, const char *kind)
{
    k->h = PF_RNG_HASH_INIT;
    pf_cache_key_str(k, "kind", kind);
}

void pf_cache_key_bytes(pf_cache_key *k, const char *label, const void *data, size_t len)
{
    /* Label and length first, so parts cannot run into each other. */
    k->h = pf_rng_hash_bytes(k->h, label, strlen(label) + 1);
    uint64_t n = (uint64_t)len;
    k->h = pf_rng_hash_bytes(k->h, &n, sizeof n);
    if (len > 0)
        k->h = pf_rng_hash_bytes(k->h, data, len);
}

void pf_cache_key_str(pf_cache_key *k, const char *label, const char *s)
{
    pf_cache_key_bytes(k, label, s ? s : "", s ? strlen(s) : 0);
}

void pf_cache_key_num(pf_cache_key *k, const char *label, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", v);
    pf_cache_key_str(k, label, buf);
}

int pf_cache_key_dir(pf_cache_key *k, const char *label, const char *dir, const char *suffix,
                     pf_error *err)
{
    char **names = NULL;
    size_t n = 0;
    if (pf_dir_list(dir, suffix ? suffix : "", &names, &n, err) < 0)
        return -1;
    pf_cache_key_str(k, label, dir);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *path = pf_path_join(dir, names[i]), *text = NULL;
        size_t len = 0;
        rc = pf_file_read(path, &text, &len, err);
        if (rc == 0) {
            pf_cache_key_str(k, "file", names[i]);
            pf_cache_key_bytes(k, "bytes", text, len);
        }
        free(text);
        free(path);
    }
    pf_strv_free(names);
    return rc;
}

void pf_cache_key_hex(const pf_cache_key *k, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)k->h);
}

/* -------------------------------------------------------------- copies */

static int copy_file(const char *src, const char *dst, mode_t mode, pf_error *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return pf_error_set(err, PF_EXIT_INFRA, "%s: %s", src, strerror(errno));
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
    if (out < 0) {
        int e = errno;
        close(in);
        return pf_error_set(err, PF_EXIT_INFRA, "%s: %s", dst, strerror(e));
    }
    int rc = 0;
    /* A clone shares the blocks (btrfs, XFS): instant. Else the kernel
     * copies; else read and write. */
    if (ioctl(out, FICLONE, in) != 0) {
        char buf[1 << 16];
        bool plain = false;
        for (;;) {
            ssize_t n;
            if (!plain) {
                n = copy_file_range(in, NULL, out, NULL, (size_t)1 << 30, 0);
                if (n < 0 && (errno == ENOSYS || errno == EXDEV || errno == EINVAL ||
                              errno == EOPNOTSUPP)) {
                    plain = true;
                    continue;
                }
            } else {
                n = read(in, buf, sizeof buf);
                if (n > 0) {
                    for (ssize_t done = 0; done < n;) {
                        ssize_t w = write(out, buf + done, (size_t)(n - done));
                        if (w < 0) {
                            if (errno == EINTR)
                                continue;
                            n = -1;
                            break;
                        }
                        done += w;
                    }
                }
            }
            if (n == 0)
                break;
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                rc = pf_error_set(err, PF_EXIT_INFRA, "copying %s: %s", src, strerror(errno));
                break;
            }
        }
    }
    if (close(out) != 0 && rc == 0)
        rc = pf_error_set(err, PF_EXIT_INFRA, "%s: %s", dst, strerror(errno));
    close(in);
    return rc;
}

static int copy_entry(const char *src, const char *dst, bool owner, uid_t uid, gid_t gid,
                      const char *const *skip, pf_error *err)
{
    struct stat st;
    if (lstat(src, &st) != 0)
        return pf_error_set(err, PF_EXIT_INFRA, "%s: %s", src, strerror(errno));
    int rc = 0;
    if (S_ISDIR(st.st_mode)) {
        if (mkdir(dst, 0700) != 0)
            return pf_error_set(err, PF_EXIT_INFRA, "%s: %s", dst, strerror(errno));
        DIR *d = opendir(src);
        if (d == NULL)
            return pf_error_set(err, PF_EXIT_INFRA, "%s: %s", src, strerror(errno));
        struct dirent *de;
        while (rc == 0 && (de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            bool skipped = false;
            for (size_t i = 0; skip != NULL && skip[i] != NULL && !skipped; i++)
                skipped = strcmp(skip[i], de->d_name) == 0;
            if (skipped)
                continue;
            char *s = pf_path_join(src, de->d_name), *t = pf_path_join(dst, de->d_name);
            rc = copy_entry(s, t, owner, uid, gid, NULL, err);
            free(s);
            free(t);
        }
        closedir(d);
        if (rc == 0 && chmod(dst, st.st_mode & 07777) != 0)
            rc = pf_error_set(err, PF_EXIT_INFRA, "%s: %s", dst, strerror(errno));
    } else if (S_ISREG(st.st_mode)) {
        rc = copy_file(src, dst, st.st_mode, err);
        if (rc == 0 && chmod(dst, st.st_mode & 07777) != 0)
            rc = pf_error_set(err, PF_EXIT_INFRA, "%s: %s", dst, strerror(errno));
    } else if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlink(src, target, sizeof target - 1);
        if (n < 0)
            return pf_error_set(err, PF_EXIT_INFRA, "%s: %s", src, strerror(errno));
        target[n] = '\0';
        if (symlink(target, dst) != 0)
            return pf_error_set(err, PF_EXIT_INFRA, "%s: %s", dst, strerror(errno));
    } else {
        return 0; /* sockets and pipes are not copied */
    }
    if (rc == 0 && owner && lchown(dst, uid, gid) != 0)
        rc = pf_error_set(err, PF_EXIT_INFRA, "%s: cannot hand over: %s", dst, strerror(errno));
    return rc;
}

int pf_cache_copy_tree(const char *src, const char *dst, bool owner, uid_t uid, gid_t gid,
                       pf_error *err)
{
    struct stat st;
    if (lstat(dst, &st) == 0)
        return pf_error_set(err, PF_EXIT_INFRA, "%s: already exists", dst);
    /* A failed copy removes what it made, never what was there. */
    int rc = copy_entry(src, dst, owner, uid, gid, NULL, err);
    if (rc < 0)
        pf_rmtree(dst, NULL);
    return rc;
}

/* ------------------------------------------------------------- entries */

static char *kind_dir(const pf_cache *c, const char *kind)
{
    return pf_path_join(c->root, kind);
}

static void touch(const char *path)
{
    utimensat(AT_FDCWD, path, NULL, 0);
}

char *pf_cache_lookup(pf_cache *c, const char *kind, const char *key)
{
    char *dir = kind_dir(c, kind);
    char *path = pf_path_join(dir, key);
    free(dir);
    if (!pf_path_is_dir(path)) {
        free(path);
        return NULL;
    }
    touch(path);
    return path;
}

int pf_cache_store_dir(pf_cache *c, const char *kind, const char *key, const char *src_dir,
                       const char *const *skip, pf_error *err)
{
    char *dir = kind_dir(c, kind);
    char *final = pf_path_join(dir, key);
    char *tmp = pf_asprintf("%s/.%s.tmp.%ld", dir, key, (long)getpid());
    int rc = pf_mkdirs(dir, 0755, err);
    if (rc == 0 && pf_path_exists(final))
        goto done; /* stored meanwhile by another run */
    pf_rmtree(tmp, NULL);
    if (rc == 0) {
        rc = copy_entry(src_dir, tmp, false, 0, 0, skip, err);
        if (rc < 0)
            pf_rmtree(tmp, NULL);
    }
    if (rc == 0 && rename(tmp, final) != 0) {
        /* Another run renamed the same entry into place first: keep it. */
        if (errno != EEXIST && errno != ENOTEMPTY)
            rc = pf_error_set(err, PF_EXIT_INFRA, "%s: %s", final, strerror(errno));
        pf_rmtree(tmp, NULL);
    }
done:
    if (rc < 0 && err)
        err->code = PF_EXIT_INFRA;
    free(tmp);
    free(final);
    free(dir);
    return rc;
}

static char *text_path(const pf_cache *c, const char *kind, const char *key)
{
    char *dir = kind_dir(c, kind);
    char *name = pf_asprintf("%s.json", key);
    char *path = pf_path_join(dir, name);
    free(name);
    free(dir);
    return path;
}

int pf_cache_get_text(pf_cache *c, const char *kind, const char *key, char **out, pf_error *err)
{
    *out = NULL;
    char *path = text_path(c, kind, key);
    int rc = 1;
    if (pf_path_exists(path)) {
        rc = pf_file_read(path, out, NULL, err) < 0 ? -1 : 0;
        if (rc == 0)
            touch(path);
    }
    free(path);
    return rc;
}

int pf_cache_put_text(pf_cache *c, const char *kind, const char *key, const char *text,
                      pf_error *err)
{
    char *path = text_path(c, kind, key);
    int rc = pf_file_write_atomic(path, text, strlen(text), err);
    free(path);
    return rc;
}

/* ---------------------------------------------------------------- trim */

typedef struct entry {
    char *path;
    struct timespec when;
    uint64_t bytes;
} entry;

static uint64_t tree_bytes(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return (uint64_t)st.st_blocks * 512;
    uint64_t sum = 0;
    DIR *d = opendir(path);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *p = pf_path_join(path, de->d_name);
        sum += tree_bytes(p);
        free(p);
    }
    if (d != NULL)
        closedir(d);
    return sum;
}

static int newer_first(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->when.tv_sec != y->when.tv_sec)
        return x->when.tv_sec < y->when.tv_sec ? 1 : -1;
    if (x->when.tv_nsec != y->when.tv_nsec)
        return x->when.tv_nsec < y->when.tv_nsec ? 1 : -1;
    return strcmp(x->path, y->path);
}

int pf_cache_trim(pf_cache *c, const char *kind, uint64_t max_bytes)
{
    char *dir = kind_dir(c, kind);
    DIR *d = opendir(dir);
    entry *es = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue; /* ".", "..", and entries being written */
        char *p = pf_path_join(dir, de->d_name);
        struct stat st;
        if (stat(p, &st) != 0) {
            free(p);
            continue;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            es = pf_realloc(es, cap * sizeof *es);
        }
        es[n].path = p;
        es[n].when = st.st_mtim;
        es[n].bytes = tree_bytes(p);
        n++;
    }
    if (d != NULL)
        closedir(d);
    qsort(es, n, sizeof *es, newer_first);
    uint64_t total = 0;
    int removed = 0;
    for (size_t i = 0; i < n; i++) {
        total += es[i].bytes;
        /* The newest entry always stays, however big. */
        if (i > 0 && total > max_bytes && pf_rmtree(es[i].path, NULL) == 0)
            removed++;
        free(es[i].path);
    }
    free(es);
    free(dir);
    return removed;
}
