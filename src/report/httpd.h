/* A small HTTP server for `perfgate monitor --listen ADDR:PORT`: the only
 * libmicrohttpd includer. One internal thread answers GET and HEAD
 * requests through a handler callback (requests are served one at a time,
 * so the handler needs no locking against itself); everything else is
 * 405. The thread blocks SIGINT/SIGTERM/SIGHUP so that they reach the
 * monitor loop.
 *
 *     pf_httpd *h = NULL;
 *     if (pf_httpd_start(&h, "127.0.0.1:9187", handler, arg, &err) < 0) ...
 *     ... pf_httpd_port(h) is the bound port (useful with port 0) ...
 *     pf_httpd_stop(h);   (waits for a request in progress)
 */
#ifndef PF_HTTPD_H
#define PF_HTTPD_H

#include "error.h"

typedef struct pf_httpd pf_httpd;

/* What the handler answers. body is malloc'd and taken over (may be NULL:
 * empty); content_type is borrowed (a string literal). */
typedef struct pf_httpd_reply {
    int status;
    const char *content_type;
    char *body;
} pf_httpd_reply;

/* Called in the server thread for every GET/HEAD with the request's path
 * (without the query string). reply->status is 200 on entry. */
typedef void (*pf_httpd_handler)(void *arg, const char *path, pf_httpd_reply *reply);

/* Split "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (every interface) into
 * host (NULL for every interface, caller frees) and port (0-65535).
 * PF_EXIT_USAGE with a message naming text. */
int pf_httpd_parse_listen(const char *text, char **host, int *port, pf_error *err);

/* Bind listen and start serving. PF_EXIT_USAGE for a bad address,
 * PF_EXIT_INFRA when it cannot be bound (in use, no permission). */
int pf_httpd_start(pf_httpd **out, const char *listen, pf_httpd_handler handler, void *arg,
                   pf_error *err);
/* The port bound. */
int pf_httpd_port(const pf_httpd *h);
/* Stop serving and free. NULL is fine. */
void pf_httpd_stop(pf_httpd *h);

#endif
