/* Growable NUL-terminated buffer. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

void pf_buf_init(pf_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = 0;
    b->too_big = 0;
}

void pf_buf_init_max(pf_buf *b, size_t max)
{
    pf_buf_init(b);
    b->max = max;
}

int pf_buf_too_big(const pf_buf *b)
{
    return b->too_big;
}

void pf_buf_dispose(pf_buf *b)
{
    size_t max = b->max;
    free(b->data);
    pf_buf_init_max(b, max);
}

/* A capped buffer that extra more bytes would take past its max: drop the
 * contents and refuse from now on. */
static int refuse(pf_buf *b, size_t extra)
{
    if (b->max == 0)
        return 0;
    if (!b->too_big && extra <= b->max && b->len <= b->max - extra)
        return 0;
    if (!b->too_big) {
        free(b->data);
        b->data = NULL;
        b->len = b->cap = 0;
        b->too_big = 1;
    }
    return 1;
}

void pf_buf_reset(pf_buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

void pf_buf_reserve(pf_buf *b, size_t extra)
{
    if (refuse(b, extra))
        return;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = pf_realloc(b->data, cap);
    b->cap = cap;
}

void pf_buf_append(pf_buf *b, const void *data, size_t len)
{
    if (refuse(b, len))
        return;
    pf_buf_reserve(b, len);
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void pf_buf_puts(pf_buf *b, const char *s)
{
    pf_buf_append(b, s, strlen(s));
}

void pf_buf_putc(pf_buf *b, char c)
{
    if (refuse(b, 1))
        return;
    pf_buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void pf_buf_printf(pf_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        pf_buf_append(b, small, (size_t)n);
        return;
    }
    if (refuse(b, (size_t)n))
        return;
    pf_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *pf_buf_steal(pf_buf *b)
{
    char *s = b->data ? b->data : pf_strdup("");
    size_t max = b->max;
    pf_buf_init_max(b, max);
    return s;
}

const char *pf_buf_str(const pf_buf *b)
{
    return b->data ? b->data : "";
}
