/* The one error convention of the engine: functions return 0 on success and
 * a negative value on failure, and fill a caller-provided pf_error with a
 * message a user can act on plus the exit class it maps to. */
#ifndef PF_ERROR_H
#define PF_ERROR_H

#include <stddef.h>

#include "exitcode.h"

#define PF_ERROR_MSG_MAX 4096

typedef struct pf_error {
    int code;                    /* enum pf_exit: PF_EXIT_USAGE for bad input, PF_EXIT_INFRA otherwise */
    char sqlstate[6];            /* SQLSTATE when the failure came from the server, else "" */
    int position;                /* 1-based character position in the statement, 0 if none */
    char msg[PF_ERROR_MSG_MAX];  /* one or more lines, no trailing newline */
} pf_error;

/* Reset err to "no error". err may be NULL. */
void pf_error_clear(pf_error *err);

/* Set the message (printf-style) and the exit class. Returns -1 so callers
 * can write `return pf_error_set(err, ...)`. err may be NULL. */
int pf_error_set(pf_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the existing message with "<prefix>: ", keeping code and sqlstate.
 * Used to add context (a file name) to an error raised deeper down. */
int pf_error_prefix(pf_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Out-of-memory is not recoverable in this CLI: the allocation wrappers
 * below print one line to stderr and abort(). This is the only place the
 * engine terminates the process. */
void *pf_malloc(size_t n);
void *pf_calloc(size_t n, size_t size);
void *pf_realloc(void *p, size_t n);
char *pf_strdup(const char *s);
char *pf_strndup(const char *s, size_t n);
/* printf into a fresh heap string; caller frees. */
char *pf_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
