/* A growable byte buffer that is always NUL-terminated: the one string
 * builder of the tree (reports, COPY rows, SQL text). */
#ifndef PF_BUF_H
#define PF_BUF_H

#include <stddef.h>

typedef struct pf_buf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;   /* 0: no limit; else the most bytes it may hold (pf_buf_init_max) */
    int too_big;  /* an append went past max: contents dropped, appends ignored */
} pf_buf;

#define PF_BUF_INIT {NULL, 0, 0, 0, 0}

void pf_buf_init(pf_buf *b);
/* A buffer for input whose size is not ours (a file, a response, a
 * command's output): an append that would take it past max bytes drops
 * the contents, marks it too big and makes later appends no-ops, as curl's
 * dynbuf does; the caller checks pf_buf_too_big before using it. */
void pf_buf_init_max(pf_buf *b, size_t max);
int pf_buf_too_big(const pf_buf *b);
/* Free the storage; the buffer is empty and reusable afterwards (with the
 * same max, no longer too big). */
void pf_buf_dispose(pf_buf *b);
/* Keep the storage, drop the contents. */
void pf_buf_reset(pf_buf *b);
void pf_buf_reserve(pf_buf *b, size_t extra);
void pf_buf_append(pf_buf *b, const void *data, size_t len);
void pf_buf_puts(pf_buf *b, const char *s);
void pf_buf_putc(pf_buf *b, char c);
void pf_buf_printf(pf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the string over to the caller (who frees it) and empty the buffer.
 * Never returns NULL. */
char *pf_buf_steal(pf_buf *b);
/* The contents as a C string ("" when empty); borrowed. */
const char *pf_buf_str(const pf_buf *b);

#endif
