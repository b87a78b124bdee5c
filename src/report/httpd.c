/* The --listen HTTP server on libmicrohttpd. */
#include "httpd.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

struct pf_httpd {
    struct MHD_Daemon *d;
    pf_httpd_handler handler;
    void *arg;
    int port;
};

int pf_httpd_parse_listen(const char *text, char **host, int *port, pf_error *err)
{
    *host = NULL;
    *port = -1;
    const char *colon = NULL;
    char *h = NULL;
    if (text == NULL || *text == '\0')
        goto bad;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (close == NULL || close[1] != ':')
            goto bad;
        h = pf_strndup(text + 1, (size_t)(close - text - 1));
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL || memchr(text, ':', (size_t)(colon - text)) != NULL)
            goto bad;
        if (colon > text)
            h = pf_strndup(text, (size_t)(colon - text));
    }
    char *end = NULL;
    long p = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || p < 0 || p > 65535) {
        free(h);
        goto bad;
    }
    *host = h;
    *port = (int)p;
    return 0;
bad:
    return pf_error_set(err, PF_EXIT_USAGE,
                        "--listen: '%s' is not ADDR:PORT (examples: 127.0.0.1:9187, "
                        "[::1]:9187, :9187 for every interface)",
                        text ? text : "");
}

static void add_headers(struct MHD_Response *r, const char *content_type)
{
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    /* The dashboard is self-contained: nothing may load from elsewhere. */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; "
                            "script-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'");
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    pf_httpd *h = cls;
    static int marker;
    if (*con_cls == NULL) {
        /* First call: headers only. Answer on the second. */
        *con_cls = &marker;
        return MHD_YES;
    }
    bool head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    if (*upload_size != 0 || (!head && strcmp(method, MHD_HTTP_METHOD_GET) != 0)) {
        *upload_size = 0;
        static const char msg[] = "method not allowed\n";
        struct MHD_Response *r = MHD_create_response_from_buffer(
            sizeof msg - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
        add_headers(r, "text/plain; charset=utf-8");
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
        enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, r);
        MHD_destroy_response(r);
        return rc;
    }
    pf_httpd_reply reply = {200, "text/plain; charset=utf-8", NULL};
    h->handler(h->arg, url, &reply);
    size_t len = reply.body ? strlen(reply.body) : 0;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, reply.body ? reply.body : (void *)"",
                                        reply.body ? MHD_RESPMEM_MUST_FREE
                                                   : MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
        free(reply.body);
        return MHD_NO;
    }
    add_headers(r, reply.content_type);
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned int)reply.status, r);
    MHD_destroy_response(r);
    return rc;
}

int pf_httpd_start(pf_httpd **out, const char *listen, pf_httpd_handler handler, void *arg,
                   pf_error *err)
{
    *out = NULL;
    char *host = NULL;
    int port = 0;
    if (pf_httpd_parse_listen(listen, &host, &port, err) < 0)
        return -1;
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char service[8];
    snprintf(service, sizeof service, "%d", port);
    int gai = getaddrinfo(host, service, &hints, &ai);
    if (gai != 0 || ai == NULL) {
        pf_error_set(err, PF_EXIT_USAGE, "--listen %s: %s", listen, gai_strerror(gai));
        free(host);
        return -1;
    }
    /* Without a host: every interface, IPv4 (the monitor's usual scrape). */
    struct addrinfo *use = ai;
    for (struct addrinfo *p = ai; host == NULL && p; p = p->ai_next)
        if (p->ai_family == AF_INET) {
            use = p;
            break;
        }
    pf_httpd *h = pf_calloc(1, sizeof *h);
    h->handler = handler;
    h->arg = arg;
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (use->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* The server thread inherits this mask: signals go to the monitor loop. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    h->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, answer, h, MHD_OPTION_SOCK_ADDR,
                            use->ai_addr, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned int)32, MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    freeaddrinfo(ai);
    if (h->d == NULL) {
        pf_error_set(err, PF_EXIT_INFRA,
                     "--listen %s: cannot listen there (address in use, not an address of this "
                     "machine, or no permission)",
                     listen);
        free(host);
        free(h);
        return -1;
    }
    free(host);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? (int)info->port : port;
    *out = h;
    return 0;
}

int pf_httpd_port(const pf_httpd *h)
{
    return h ? h->port : -1;
}

void pf_httpd_stop(pf_httpd *h)
{
    if (h == NULL)
        return;
    MHD_stop_daemon(h->d);
    free(h);
}
