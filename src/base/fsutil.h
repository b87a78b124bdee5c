/* File-system helpers: whole-file reads, atomic writes, directory listing
 * and recursive removal. */
#ifndef PF_FSUTIL_H
#define PF_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* The largest file pf_file_read reads (128 MiB): specs, cases, baselines,
 * results and schema files are far smaller. */
#define PF_FILE_MAX ((size_t)128 << 20)

/* Read a whole file. *out (NUL-terminated) is the caller's to free; *len may
 * be NULL. Errors name the path and are PF_EXIT_USAGE: a file that cannot
 * be read is bad input. */
int pf_file_read(const char *path, char **out, size_t *len, pf_error *err);

/* Write data to path atomically: a temp file in the same directory, fsync,
 * rename. A crash or a kill leaves either the old file or the new one, never
 * a half-written one. Creates missing parent directories. */
int pf_file_write_atomic(const char *path, const char *data, size_t len, pf_error *err);

bool pf_path_exists(const char *path);
bool pf_path_is_dir(const char *path);

/* "a" + "/" + "b", caller frees. */
char *pf_path_join(const char *a, const char *b);

/* mkdir -p with the given mode for created directories. */
int pf_mkdirs(const char *path, mode_t mode, pf_error *err);

/* rm -rf. Missing path is success. */
int pf_rmtree(const char *path, pf_error *err);

/* Names (not paths) of the regular files in dir ending in suffix, sorted
 * bytewise (lexical order, like a migrations folder). *names is a
 * NULL-terminated array; free with pf_strv_free. */
int pf_dir_list(const char *dir, const char *suffix, char ***names, size_t *count, pf_error *err);

/* Free a NULL-terminated string vector. NULL is fine. */
void pf_strv_free(char **v);

/* 1-based line number of byte offset off in text. */
int pf_line_of_offset(const char *text, size_t off);

#endif
