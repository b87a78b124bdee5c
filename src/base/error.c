/* Error reporting and the allocation wrappers shared by every engine module. */
#include "error.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pf_error_clear(pf_error *err)
{
    if (err == NULL)
        return;
    err->code = PF_EXIT_OK;
    err->sqlstate[0] = '\0';
    err->position = 0;
    err->msg[0] = '\0';
}

/* Control bytes from an input (a binary file given as a spec, an escape
 * sequence in a value) must not reach the user's terminal raw: every one
 * but newline and tab becomes \xNN. In place, within the message's size. */
static void escape_controls(char *msg, size_t size)
{
    char tmp[PF_ERROR_MSG_MAX];
    size_t o = 0;
    bool changed = false;
    for (const unsigned char *p = (const unsigned char *)msg; *p && o + 5 < sizeof tmp; p++) {
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f) {
            o += (size_t)snprintf(tmp + o, sizeof tmp - o, "\\x%02x", *p);
            changed = true;
        } else {
            tmp[o++] = (char)*p;
        }
    }
    if (!changed)
        return;
    tmp[o] = '\0';
    snprintf(msg, size, "%s", tmp);
}

int pf_error_set(pf_error *err, int code, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    escape_controls(err->msg, sizeof err->msg);
    err->code = code;
    err->sqlstate[0] = '\0';
    err->position = 0;
    /* Messages are printed one per line: drop trailing newlines from libpq. */
    size_t len = strlen(err->msg);
    while (len > 0 && (err->msg[len - 1] == '\n' || err->msg[len - 1] == ' '))
        err->msg[--len] = '\0';
    return -1;
}

int pf_error_prefix(pf_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    char prefix[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    escape_controls(prefix, sizeof prefix);
    /* Shift the old message right and put the prefix in front; truncation
     * of an over-long message is acceptable. */
    size_t plen = strlen(prefix);
    if (plen + 2 >= sizeof err->msg)
        plen = sizeof err->msg - 3;
    size_t olen = strlen(err->msg);
    if (plen + 2 + olen >= sizeof err->msg)
        olen = sizeof err->msg - plen - 3;
    memmove(err->msg + plen + 2, err->msg, olen);
    err->msg[plen + 2 + olen] = '\0';
    memcpy(err->msg, prefix, plen);
    err->msg[plen] = ':';
    err->msg[plen + 1] = ' ';
    return -1;
}

static void oom(size_t n)
{
    fprintf(stderr, "perfgate: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *pf_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(n);
    return p;
}

void *pf_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        oom(n * size);
    return p;
}

void *pf_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(n);
    return q;
}

char *pf_strdup(const char *s)
{
    return pf_strndup(s, strlen(s));
}

char *pf_strndup(const char *s, size_t n)
{
    char *p = pf_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *pf_asprintf(const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = pf_malloc((size_t)n + 1);
    if ((size_t)n < sizeof small)
        memcpy(p, small, (size_t)n + 1);
    else
        vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}
