/* Replays inputs through a fuzz target without libFuzzer, so that every
 * build (gcc included) runs the seed corpus: each argument is a file or a
 * directory whose regular files (not recursive, in name order) are fed one
 * by one to LLVMFuzzerTestOneInput. Exits 1 when an argument cannot be read
 * or nothing was replayed (a missing corpus must not pass silently). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "fsutil.h"
#include "fuzz.h"

static int replay_file(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    pf_error err;
    if (pf_file_read(path, &data, &len, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    free(data);
    return 0;
}

static int only_files(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

int main(int argc, char **argv)
{
    size_t replayed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "%s: cannot stat\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (replay_file(argv[i]) < 0)
                return 1;
            replayed++;
            continue;
        }
        struct dirent **names = NULL;
        int n = scandir(argv[i], &names, only_files, alphasort);
        if (n < 0) {
            fprintf(stderr, "%s: cannot list\n", argv[i]);
            return 1;
        }
        int rc = 0;
        for (int k = 0; k < n; k++) {
            char *path = pf_asprintf("%s/%s", argv[i], names[k]->d_name);
            struct stat fst;
            if (rc == 0 && stat(path, &fst) == 0 && S_ISREG(fst.st_mode)) {
                if (replay_file(path) < 0)
                    rc = 1;
                else
                    replayed++;
            }
            free(path);
            free(names[k]);
        }
        free(names);
        if (rc != 0)
            return rc;
    }
    if (replayed == 0) {
        fprintf(stderr, "usage: %s FILE|DIR...: no input replayed\n", argv[0]);
        return 1;
    }
    printf("%zu inputs replayed\n", replayed);
    return 0;
}
