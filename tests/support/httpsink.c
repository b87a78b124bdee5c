/* Test HTTP listener: one thread, one connection at a time. */
#include "httpsink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"

typedef struct request {
    char *path;
    char *body;
} request;

struct pf_httpsink {
    int fd;
    int port;
    pthread_t thread;
    pthread_mutex_t mu;
    atomic_int stop;
    request *reqs;
    size_t n, cap;
    int *script;
    size_t n_script, next_script;
};

static bool read_more(int fd, pf_buf *b)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0)
        return false;
    char chunk[4096];
    ssize_t r = read(fd, chunk, sizeof chunk);
    if (r <= 0)
        return false;
    pf_buf_append(b, chunk, (size_t)r);
    return true;
}

static void write_all(int fd, const char *s)
{
    size_t len = strlen(s);
    while (len > 0) {
        /* A client that hung up must not SIGPIPE the test process. */
        ssize_t w = send(fd, s, len, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        s += w;
        len -= (size_t)w;
    }
}

static void serve(pf_httpsink *s, int c)
{
    pf_buf b = PF_BUF_INIT;
    char *hdr_end = NULL;
    while ((hdr_end = strstr(pf_buf_str(&b), "\r\n\r\n")) == NULL)
        if (!read_more(c, &b)) {
            pf_buf_dispose(&b);
            return;
        }
    size_t hlen = (size_t)(hdr_end - b.data) + 4;
    size_t clen = 0;
    bool expect = false;
    for (char *line = b.data; line < hdr_end;) {
        char *eol = strstr(line, "\r\n");
        if (strncasecmp(line, "Content-Length:", 15) == 0)
            clen = (size_t)strtoul(line + 15, NULL, 10);
        if (strncasecmp(line, "Expect: 100-continue", 20) == 0)
            expect = true;
        line = eol + 2;
    }
    char method[16] = "", path[1024] = "";
    sscanf(b.data, "%15s %1023s", method, path);
    if (expect)
        write_all(c, "HTTP/1.1 100 Continue\r\n\r\n");
    while (b.len < hlen + clen)
        if (!read_more(c, &b))
            break;
    pthread_mutex_lock(&s->mu);
    int code = s->next_script < s->n_script ? s->script[s->next_script++] : 200;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->reqs = pf_realloc(s->reqs, s->cap * sizeof *s->reqs);
    }
    s->reqs[s->n].path = pf_strdup(path);
    s->reqs[s->n].body = pf_strndup(b.data + hlen, b.len > hlen ? b.len - hlen : 0);
    s->n++;
    pthread_mutex_unlock(&s->mu);
    char resp[256];
    snprintf(resp, sizeof resp,
             "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
             "Connection: close\r\n\r\n%s",
             code, code == 200 ? "OK" : "Scripted", code == 200 ? 2 : 6,
             code == 200 ? "ok" : "failed");
    write_all(c, resp);
    pf_buf_dispose(&b);
}

static void *run(void *arg)
{
    pf_httpsink *s = arg;
    while (!s->stop) {
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            continue;
        serve(s, c);
        close(c);
    }
    return NULL;
}

pf_httpsink *pf_httpsink_start(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    socklen_t len = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        close(fd);
        return NULL;
    }
    pf_httpsink *s = pf_calloc(1, sizeof *s);
    s->fd = fd;
    s->port = ntohs(sa.sin_port);
    pthread_mutex_init(&s->mu, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        close(fd);
        free(s);
        return NULL;
    }
    return s;
}

int pf_httpsink_port(const pf_httpsink *s)
{
    return s->port;
}

void pf_httpsink_script(pf_httpsink *s, const int *codes, size_t n)
{
    pthread_mutex_lock(&s->mu);
    free(s->script);
    s->script = pf_calloc(n ? n : 1, sizeof *s->script);
    memcpy(s->script, codes, n * sizeof *codes);
    s->n_script = n;
    s->next_script = 0;
    pthread_mutex_unlock(&s->mu);
}

size_t pf_httpsink_count(pf_httpsink *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n;
    pthread_mutex_unlock(&s->mu);
    return n;
}

size_t pf_httpsink_wait(pf_httpsink *s, size_t n, int timeout_ms)
{
    for (int waited = 0;; waited += 20) {
        size_t have = pf_httpsink_count(s);
        if (have >= n || waited >= timeout_ms)
            return have;
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
}

char *pf_httpsink_body(pf_httpsink *s, size_t i, char **path)
{
    char *body = NULL;
    pthread_mutex_lock(&s->mu);
    if (i < s->n) {
        body = pf_strdup(s->reqs[i].body);
        if (path != NULL)
            *path = pf_strdup(s->reqs[i].path);
    } else if (path != NULL) {
        *path = NULL;
    }
    pthread_mutex_unlock(&s->mu);
    return body;
}

void pf_httpsink_stop(pf_httpsink *s)
{
    if (s == NULL)
        return;
    s->stop = 1;
    pthread_join(s->thread, NULL);
    close(s->fd);
    for (size_t i = 0; i < s->n; i++) {
        free(s->reqs[i].path);
        free(s->reqs[i].body);
    }
    free(s->reqs);
    free(s->script);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
