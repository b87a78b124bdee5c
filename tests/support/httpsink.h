/* A tiny HTTP listener for tests of webhook delivery: accepts connections
 * on 127.0.0.1 (random port) in a thread, records each request's path and
 * body, and answers with scripted status codes (200 once the script is
 * used up). No external tools. */
#ifndef PF_HTTPSINK_H
#define PF_HTTPSINK_H

#include <stddef.h>

typedef struct pf_httpsink pf_httpsink;

/* NULL if no socket could be bound. */
pf_httpsink *pf_httpsink_start(void);
int pf_httpsink_port(const pf_httpsink *s);
/* Status codes for the next requests, in order. */
void pf_httpsink_script(pf_httpsink *s, const int *codes, size_t n);
/* Requests received so far. */
size_t pf_httpsink_count(pf_httpsink *s);
/* Wait until at least n requests arrived or timeout_ms passed; the count. */
size_t pf_httpsink_wait(pf_httpsink *s, size_t n, int timeout_ms);
/* Copies of request i's body and path (either out may be NULL); caller frees. */
char *pf_httpsink_body(pf_httpsink *s, size_t i, char **path);
void pf_httpsink_stop(pf_httpsink *s);

#endif
