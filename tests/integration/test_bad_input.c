/* The bad-input corpus (tests/data/bad/, format in its README.md) as one
 * table: each case's command must end with its status and message, without a
 * signal, within 10 s, printing no secret; known-failing cases are reported. */
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cluster.h"
#include "db.h"
#include "error.h"
#include "fsutil.h"
#include "testutil.h"

/* Every case must finish in less than this; the runner kills it then. */
#define CASE_LIMIT_MS 10000
/* Output kept per stream; more is a finding of its own (a flood). */
#define OUTPUT_CAP (1u << 20)
/* Address space of a case (and the server it starts): a bad input that
 * makes perfgate allocate without bound fails fast instead of taking the
 * machine's memory. */
#define CASE_AS_LIMIT (2ull << 30)

#define MAX_ITEMS 32

typedef struct bad_input {
    char *name; /* relative path in the case directory */
    char *data;
    size_t len;
} bad_input;

typedef struct bad_case {
    char *file;  /* file name in tests/data/bad */
    char *known; /* the "# known-failing:" text, or NULL */
    char *args;  /* the raw "args:" line */
    char *env[MAX_ITEMS];
    size_t n_env;
    int exit_code; /* -1 until given */
    char *err_re[MAX_ITEMS];
    size_t n_err_re;
    char *err_not_re[MAX_ITEMS];
    size_t n_err_not_re;
    char *out_re[MAX_ITEMS];
    size_t n_out_re;
    char *secrets[MAX_ITEMS];
    size_t n_secrets;
    bad_input inputs[MAX_ITEMS];
    size_t n_inputs;
} bad_case;

typedef struct case_run {
    int status; /* exit status, or 128 + signal */
    bool timed_out;
    double ms;
    char *out, *err;
} case_run;

/* ------------------------------------------------------------- parsing */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex digits, whitespace ignored, into bytes; -1 on a stray character. */
static int decode_hex(const char *text, pf_buf *out)
{
    int hi = -1;
    for (const char *p = text; *p; p++) {
        if (isspace((unsigned char)*p))
            continue;
        int v = hexval((unsigned char)*p);
        if (v < 0)
            return -1;
        if (hi < 0) {
            hi = v;
        } else {
            pf_buf_putc(out, (char)(hi * 16 + v));
            hi = -1;
        }
    }
    return hi < 0 ? 0 : -1;
}

/* Append v to a list of a case; too many is an error of the case file. */
#define PUSH(arr, n, v, what)                                                                  \
    do {                                                                                       \
        if ((n) >= MAX_ITEMS)                                                                  \
            rc = pf_error_set(err, 2, "%s: too many %s lines", c->file, what);                \
        else                                                                                   \
            (arr)[(n)++] = pf_strdup(v);                                                       \
    } while (0)

/* The body collected for input `in` becomes its contents (hex decoded for
 * an input-hex section). */
static int finish_input(bad_input *in, bool hex, pf_buf *body, const char *file, pf_error *err)
{
    int rc = 0;
    if (hex) {
        pf_buf raw = PF_BUF_INIT;
        if (decode_hex(pf_buf_str(body), &raw) < 0)
            rc = pf_error_set(err, 2, "%s: %s: bad hex", file, in->name);
        in->len = raw.len;
        in->data = pf_buf_steal(&raw);
    } else {
        in->len = body->len;
        in->data = pf_strndup(pf_buf_str(body), body->len);
    }
    pf_buf_reset(body);
    return rc;
}

/* "--- input: NAME" or "--- input-hex: NAME": the section kind, or NULL
 * for any other line (a line of an input). *name points into line. */
static const char *section_of(char *line, char **name)
{
    static const char *const kinds[] = {"input", "input-hex"};
    if (strncmp(line, "--- ", 4) != 0)
        return NULL;
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(kinds[i]);
        if (strncmp(line + 4, kinds[i], n) == 0 && line[4 + n] == ':') {
            *name = trim(line + 5 + n);
            return kinds[i];
        }
    }
    return NULL;
}

/* Parse one case file (README.md here). */
static int parse_case(const char *file, const char *text, bad_case *c, pf_error *err)
{
    memset(c, 0, sizeof *c);
    c->file = pf_strdup(file);
    c->exit_code = -1;
    char *copy = pf_strdup(text);
    char *line = copy;
    int lineno = 0;
    bad_input *in = NULL;
    bool hex = false;
    pf_buf body = PF_BUF_INIT;
    int rc = 0;
    while (line != NULL && rc == 0) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        lineno++;
        char *name = NULL;
        const char *kind = section_of(line, &name);
        if (kind != NULL) {
            if (in != NULL && finish_input(in, hex, &body, file, err) < 0) {
                rc = -1;
                break;
            }
            if (c->n_inputs >= MAX_ITEMS || *name == '\0' || name[0] == '/' ||
                strstr(name, "..") != NULL) {
                rc = pf_error_set(err, 2, "%s:%d: bad input name '%s'", file, lineno, name);
                break;
            }
            hex = strcmp(kind, "input-hex") == 0;
            in = &c->inputs[c->n_inputs++];
            in->name = pf_strdup(name);
        } else if (in != NULL) {
            pf_buf_puts(&body, line);
            if (next != NULL)
                pf_buf_putc(&body, '\n');
        } else if (strncmp(line, "# known-failing:", 16) == 0) {
            free(c->known);
            c->known = pf_strdup(trim(line + 16));
        } else if (line[0] == '#' || trim(line)[0] == '\0') {
            /* a comment */
        } else {
            char *colon = strchr(line, ':');
            if (colon == NULL) {
                rc = pf_error_set(err, 2, "%s:%d: 'key: value' expected", file, lineno);
                break;
            }
            *colon = '\0';
            char *key = trim(line), *val = trim(colon + 1);
            if (strcmp(key, "args") == 0) {
                free(c->args);
                c->args = pf_strdup(val);
            } else if (strcmp(key, "env") == 0) {
                if (strchr(val, '=') == NULL)
                    rc = pf_error_set(err, 2, "%s:%d: env takes NAME=VALUE", file, lineno);
                else
                    PUSH(c->env, c->n_env, val, "env");
            } else if (strcmp(key, "exit") == 0) {
                c->exit_code = atoi(val);
            } else if (strcmp(key, "stderr") == 0) {
                PUSH(c->err_re, c->n_err_re, val, "stderr");
            } else if (strcmp(key, "stderr-not") == 0) {
                PUSH(c->err_not_re, c->n_err_not_re, val, "stderr-not");
            } else if (strcmp(key, "stdout") == 0) {
                PUSH(c->out_re, c->n_out_re, val, "stdout");
            } else if (strcmp(key, "secret") == 0) {
                PUSH(c->secrets, c->n_secrets, val, "secret");
            } else {
                rc = pf_error_set(err, 2, "%s:%d: unknown key '%s'", file, lineno, key);
            }
        }
        line = next;
    }
    if (rc == 0 && in != NULL)
        rc = finish_input(in, hex, &body, file, err);
    pf_buf_dispose(&body);
    free(copy);
    if (rc == 0 && c->args == NULL)
        rc = pf_error_set(err, 2, "%s: no 'args:' line", file);
    /* 1 only where the documentation makes the input a failed check, not
     * bad input: SQL that does not run against the schema (a gate case or a
     * load flow that cannot run, docs/verdicts.md, bench/load/README.md). */
    if (rc == 0 && c->exit_code != 1 && c->exit_code != 2 && c->exit_code != 3)
        rc = pf_error_set(err, 2,
                          "%s: 'exit:' must be 2 (bad input), 3 (infrastructure) or 1 (SQL "
                          "that does not run against the schema)",
                          file);
    if (rc == 0 && c->n_err_re == 0)
        rc = pf_error_set(err, 2, "%s: no 'stderr:' pattern", file);
    return rc;
}

static void case_dispose(bad_case *c)
{
    free(c->file);
    free(c->known);
    free(c->args);
    for (size_t i = 0; i < c->n_env; i++)
        free(c->env[i]);
    for (size_t i = 0; i < c->n_err_re; i++)
        free(c->err_re[i]);
    for (size_t i = 0; i < c->n_err_not_re; i++)
        free(c->err_not_re[i]);
    for (size_t i = 0; i < c->n_out_re; i++)
        free(c->out_re[i]);
    for (size_t i = 0; i < c->n_secrets; i++)
        free(c->secrets[i]);
    for (size_t i = 0; i < c->n_inputs; i++) {
        free(c->inputs[i].name);
        free(c->inputs[i].data);
    }
}

/* ------------------------------------------------------- placeholders */

/* Where placeholders point for one case. */
typedef struct case_ctx {
    const bad_case *c;
    const char *dir; /* the case's working directory, holding its inputs */
    const char *dsn; /* a fresh database of the shared server, or NULL */
} case_ctx;

/* {input} (the first input), {input:NAME}, {dir} (the case's directory),
 * {source} (the source tree), {dsn} (a fresh empty database) replaced in
 * text; caller frees. Unknown placeholders stay as they are (a case may
 * pass braces through). */
static char *expand(const char *text, const case_ctx *x)
{
    const bad_case *c = x->c;
    const char *dir = x->dir;
    pf_buf b = PF_BUF_INIT;
    for (const char *p = text; *p;) {
        if (*p != '{') {
            pf_buf_putc(&b, *p++);
            continue;
        }
        const char *close = strchr(p, '}');
        if (close == NULL) {
            pf_buf_puts(&b, p);
            break;
        }
        char *ph = pf_strndup(p + 1, (size_t)(close - p - 1));
        const char *rel = NULL;
        if (strcmp(ph, "input") == 0 && c->n_inputs > 0)
            rel = c->inputs[0].name;
        else if (strncmp(ph, "input:", 6) == 0)
            for (size_t i = 0; i < c->n_inputs; i++)
                if (strcmp(c->inputs[i].name, ph + 6) == 0)
                    rel = c->inputs[i].name;
        if (rel != NULL) {
            pf_buf_printf(&b, "%s/%s", dir, rel);
        } else if (strcmp(ph, "dir") == 0) {
            pf_buf_puts(&b, dir);
        } else if (strcmp(ph, "source") == 0) {
            pf_buf_puts(&b, pf_test_source_root());
        } else if (strcmp(ph, "dsn") == 0 && x->dsn != NULL) {
            pf_buf_puts(&b, x->dsn);
        } else {
            pf_buf_append(&b, p, (size_t)(close - p + 1));
        }
        free(ph);
        p = close + 1;
    }
    return pf_buf_steal(&b);
}

/* Split args like a shell without expansion: blanks separate words, '...'
 * is literal, "..." is literal except \" and \\. Returns the word count;
 * words are expanded and heap-allocated. */
static size_t split_args(const char *line, char **words, size_t max, const case_ctx *x)
{
    size_t n = 0;
    const char *p = line;
    while (n < max) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        pf_buf w = PF_BUF_INIT;
        pf_buf_puts(&w, "");
        while (*p && *p != ' ' && *p != '\t') {
            if (*p == '\'') {
                const char *q = strchr(p + 1, '\'');
                size_t len = q ? (size_t)(q - p - 1) : strlen(p + 1);
                pf_buf_append(&w, p + 1, len);
                p += len + 1 + (q != NULL);
            } else if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                        p++;
                    pf_buf_putc(&w, *p++);
                }
                if (*p == '"')
                    p++;
            } else {
                pf_buf_putc(&w, *p++);
            }
        }
        words[n++] = expand(pf_buf_str(&w), x);
        pf_buf_dispose(&w);
    }
    return n;
}

/* ------------------------------------------------------------ running */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Variables of the test's own environment that would change what a case
 * sees: a server, a store, a data directory, libpq's defaults. */
static const char *const k_scrubbed_env[] = {
    "PERFGATE_DSN", "PERFGATE_STORE_DSN", "PERFGATE_MONITOR_DSN", "PERFGATE_CLUSTER",
    "PERFGATE_DATA_DIR", "PERFGATE_SLACK_WEBHOOK", "PERFGATE_ALERT_WEBHOOK",
    "GITHUB_STEP_SUMMARY", "PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGDATABASE",
    "PGPASSWORD", "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE", "PGOPTIONS", "PGCONNECT_TIMEOUT",
    NULL,
};

/* Run argv in dir with env (NAME=value strings) added, stdin from
 * /dev/null, in its own process group, killed with it after
 * CASE_LIMIT_MS. */
static void run_case(char *const argv[], char *const env[], const char *dir,
                     const char *runtime, case_run *r)
{
    int out[2], errp[2];
    if (pipe(out) != 0 || pipe(errp) != 0)
        abort();
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0) {
        setpgid(0, 0);
        struct rlimit as = {CASE_AS_LIMIT, CASE_AS_LIMIT};
        setrlimit(RLIMIT_AS, &as);
        int nul = open("/dev/null", O_RDONLY);
        dup2(nul, 0);
        dup2(out[1], 1);
        dup2(errp[1], 2);
        closefrom(3);
        if (chdir(dir) != 0)
            _exit(126);
        for (const char *const *v = k_scrubbed_env; *v; v++)
            unsetenv(*v);
        setenv("PERFGATE_RUNTIME_DIR", runtime, 1);
        for (char *const *e = env; e && *e; e++)
            putenv(*e);
        execv(argv[0], argv);
        _exit(127);
    }
    setpgid(pid, pid);
    close(out[1]);
    close(errp[1]);
    pf_buf bo = PF_BUF_INIT, be = PF_BUF_INIT;
    struct pollfd fds[2] = {{out[0], POLLIN, 0}, {errp[0], POLLIN, 0}};
    int open_fds = 2;
    r->timed_out = false;
    while (open_fds > 0) {
        int left = (int)(t0 + CASE_LIMIT_MS - now_ms());
        if (left <= 0) {
            r->timed_out = true;
            kill(-pid, SIGKILL);
            break;
        }
        int pr = poll(fds, 2, left);
        if (pr < 0 && errno == EINTR)
            continue;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[8192];
            ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
                continue;
            }
            pf_buf *b = i == 0 ? &bo : &be;
            if (b->len < OUTPUT_CAP)
                pf_buf_append(b, chunk, (size_t)n);
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    /* The pipes closed (or the limit passed): the process exits now, or
     * is a descendant-holding straggler that the limit still bounds. */
    int st = 0;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            break;
        if (now_ms() - t0 >= CASE_LIMIT_MS && !r->timed_out) {
            r->timed_out = true;
            kill(-pid, SIGKILL);
        }
        usleep(2000);
    }
    r->ms = now_ms() - t0;
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r->out = pf_buf_steal(&bo);
    r->err = pf_buf_steal(&be);
}

/* ------------------------------------------------------------ checks */

static bool matches(const char *re, const char *text, pf_buf *why, const char *what)
{
    regex_t rx;
    int rc = regcomp(&rx, re, REG_EXTENDED | REG_NEWLINE | REG_NOSUB);
    if (rc != 0) {
        pf_buf_printf(why, "; bad %s regex '%s'", what, re);
        return false;
    }
    bool m = regexec(&rx, text, 0, NULL, 0) == 0;
    regfree(&rx);
    return m;
}

/* The password of a keyword DSN (password=...) or a URI (scheme://user:pw@)
 * inside s, appended to secrets. */
static void dsn_passwords(const char *s, char **secrets, size_t *n)
{
    for (const char *p = s; (p = strstr(p, "password")) != NULL; p += 8) {
        const char *v = p + 8;
        while (*v == ' ')
            v++;
        if (*v != '=')
            continue;
        v++;
        while (*v == ' ')
            v++;
        size_t len;
        if (*v == '\'') {
            v++;
            len = strcspn(v, "'");
        } else {
            len = strcspn(v, " \t");
        }
        if (len >= 4 && *n < MAX_ITEMS)
            secrets[(*n)++] = pf_strndup(v, len);
    }
    for (const char *p = s; (p = strstr(p, "://")) != NULL; p += 3) {
        const char *at = strchr(p + 3, '@');
        const char *slash = strchr(p + 3, '/');
        if (at == NULL || (slash != NULL && slash < at))
            continue;
        const char *colon = memchr(p + 3, ':', (size_t)(at - p - 3));
        if (colon != NULL && at - colon - 1 >= 4 && *n < MAX_ITEMS)
            secrets[(*n)++] = pf_strndup(colon + 1, (size_t)(at - colon - 1));
    }
}

/* What is wrong with a finished case ("" when nothing). */
static char *judge(const bad_case *c, char *const *words, size_t n_words, char *const *env,
                   size_t n_env, const case_run *r)
{
    pf_buf why = PF_BUF_INIT;
    pf_buf_puts(&why, "");
    if (r->timed_out)
        pf_buf_printf(&why, "; timed out (killed after %d s)", CASE_LIMIT_MS / 1000);
    else if (r->status >= 128)
        pf_buf_printf(&why, "; killed by signal %d (%s)", r->status - 128,
                      strsignal(r->status - 128));
    else if (r->ms >= CASE_LIMIT_MS)
        pf_buf_printf(&why, "; took %.1f s", r->ms / 1000);
    if (!r->timed_out && r->status != c->exit_code)
        pf_buf_printf(&why, "; exit %d, want %d", r->status, c->exit_code);
    if (!r->timed_out) {
        for (size_t i = 0; i < c->n_err_re; i++)
            if (!matches(c->err_re[i], r->err, &why, "stderr"))
                pf_buf_printf(&why, "; stderr does not match /%s/", c->err_re[i]);
        for (size_t i = 0; i < c->n_err_not_re; i++)
            if (matches(c->err_not_re[i], r->err, &why, "stderr-not"))
                pf_buf_printf(&why, "; stderr matches /%s/", c->err_not_re[i]);
        for (size_t i = 0; i < c->n_out_re; i++)
            if (!matches(c->out_re[i], r->out, &why, "stdout"))
                pf_buf_printf(&why, "; stdout does not match /%s/", c->out_re[i]);
        if (strncmp(r->err, "perfgate: ", 10) != 0 && strstr(r->err, "\nperfgate: ") == NULL)
            pf_buf_puts(&why, "; no 'perfgate: ' message on stderr");
    }
    for (const unsigned char *p = (const unsigned char *)r->err; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f) {
            pf_buf_printf(&why, "; raw control byte 0x%02x on stderr", *p);
            break;
        }
    /* Secrets: given ones, and every DSN password in the arguments and
     * the environment. */
    char *secrets[MAX_ITEMS];
    size_t n = 0;
    for (size_t i = 0; i < c->n_secrets; i++)
        secrets[n++] = pf_strdup(c->secrets[i]);
    for (size_t i = 0; i < n_words; i++)
        dsn_passwords(words[i], secrets, &n);
    for (size_t i = 0; i < n_env; i++)
        dsn_passwords(env[i], secrets, &n);
    for (size_t i = 0; i < n; i++) {
        if (strstr(r->out, secrets[i]) || strstr(r->err, secrets[i]))
            pf_buf_printf(&why, "; secret '%s' printed", secrets[i]);
        free(secrets[i]);
    }
    char *s = pf_buf_steal(&why);
    if (s[0] == ';')
        memmove(s, s + 2, strlen(s + 2) + 1);
    return s;
}

/* ------------------------------------------------------------ the table */

static char *g_root;    /* a temp directory for the whole run */
static char *g_runtime; /* PERFGATE_RUNTIME_DIR of every case */
/* The server behind {dsn}, started for the first case that uses it, in a
 * directory of its own (not the cases' runtime directory). */
static pf_cluster *g_shared;

static bool uses_dsn(const bad_case *c)
{
    if (strstr(c->args, "{dsn}") != NULL)
        return true;
    for (size_t i = 0; i < c->n_env; i++)
        if (strstr(c->env[i], "{dsn}") != NULL)
            return true;
    return false;
}

/* A fresh database `name` on the shared server; its DSN (caller frees). */
static char *fresh_database(const char *name)
{
    pf_error e;
    if (g_shared == NULL) {
        char *base = pf_path_join(g_root, "shared");
        ck_assert_int_eq(pf_mkdirs(base, 0755, &e), 0);
        chmod(base, 0755);
        pf_cluster_opts o = {0};
        o.base_dir = base;
        ck_assert_msg(pf_cluster_start(&g_shared, &o, &e) == 0, "shared server: %s", e.msg);
        free(base);
    }
    pf_db *db = NULL;
    ck_assert_msg(pf_db_connect(&db, pf_cluster_dsn(g_shared), &e) == 0, "%s", e.msg);
    char *drop = pf_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    char *create = pf_asprintf("CREATE DATABASE %s", name);
    ck_assert_msg(pf_db_exec(db, drop, &e) == 0 && pf_db_exec(db, create, &e) == 0, "%s",
                  e.msg);
    free(drop);
    free(create);
    pf_db_close(db);
    return pf_db_dsn_with_dbname(pf_cluster_dsn(g_shared), name);
}

static void drop_database(const char *name)
{
    pf_db *db = NULL;
    pf_error e;
    if (pf_db_connect(&db, pf_cluster_dsn(g_shared), &e) < 0)
        return;
    char *drop = pf_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    pf_db_exec(db, drop, &e);
    free(drop);
    pf_db_close(db);
}

static void write_inputs(const bad_case *c, const char *dir)
{
    for (size_t i = 0; i < c->n_inputs; i++) {
        char *path = pf_path_join(dir, c->inputs[i].name);
        char *slash = strrchr(path, '/');
        *slash = '\0';
        pf_error e;
        if (pf_mkdirs(path, 0755, &e) < 0)
            ck_abort_msg("%s: %s", c->file, e.msg);
        *slash = '/';
        FILE *f = fopen(path, "wb");
        ck_assert_msg(f != NULL, "%s: cannot write %s", c->file, path);
        fwrite(c->inputs[i].data, 1, c->inputs[i].len, f);
        fclose(f);
        free(path);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The case files of tests/data/bad, sorted: every *.case file, or those
 * whose names start with one of the words of $PERFGATE_BAD_CASES (e.g.
 * "dataset- env-dsn"), to run a few by hand. */
static char **list_cases(size_t *n)
{
    const char *only = getenv("PERFGATE_BAD_CASES");
    char *dirpath = pf_test_source_path("tests/data/bad");
    char **files = NULL;
    *n = 0;
    DIR *d = opendir(dirpath);
    ck_assert_msg(d != NULL, "no %s", dirpath);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".case") != 0)
            continue;
        if (only != NULL && *only != '\0') {
            bool want = false;
            char *copy = pf_strdup(only);
            for (char *t = strtok(copy, " ,"); t && !want; t = strtok(NULL, " ,"))
                want = strncmp(t, de->d_name, strlen(t)) == 0;
            free(copy);
            if (!want)
                continue;
        }
        files = pf_realloc(files, (*n + 1) * sizeof *files);
        files[(*n)++] = pf_path_join(dirpath, de->d_name);
    }
    closedir(d);
    free(dirpath);
    if (*n > 0)
        qsort(files, *n, sizeof *files, cmp_str);
    return files;
}

/* What a case left in the runtime directory after waiting up to wait_ms
 * (a killed perfgate's watchdog removes its cluster within a moment): ""
 * when nothing, else the names. Whatever is left is stopped and removed so
 * that the next case starts clean. Caller frees. */
static char *runtime_leftovers(int wait_ms)
{
    pf_buf names = PF_BUF_INIT;
    for (int waited = 0;; waited += 100) {
        pf_buf_reset(&names);
        DIR *d = opendir(g_runtime);
        struct dirent *de;
        while (d != NULL && (de = readdir(d)) != NULL)
            if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                pf_buf_printf(&names, "%s%s", names.len ? ", " : "", de->d_name);
        if (d != NULL)
            closedir(d);
        if (names.len == 0 || waited >= wait_ms)
            break;
        usleep(100000);
    }
    if (names.len > 0) {
        DIR *d = opendir(g_runtime);
        struct dirent *de;
        while (d != NULL && (de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            char *path = pf_path_join(g_runtime, de->d_name);
            pf_error e;
            if (pf_cluster_stop_dir(path, &e) < 0)
                pf_rmtree(path, NULL);
            free(path);
        }
        if (d != NULL)
            closedir(d);
    }
    return pf_buf_steal(&names);
}

/* Case f (file path) into *out: one result line (more for a failure),
 * starting with ok, known, FIXED, FAIL or BROKEN. */
static void one_case(const char *path, size_t f, pf_buf *out)
{
    char *text = NULL;
    size_t len = 0;
    pf_error e;
    ck_assert_msg(pf_file_read(path, &text, &len, &e) == 0, "%s", e.msg);
    bad_case c;
    const char *base = strrchr(path, '/') + 1;
    if (parse_case(base, text, &c, &e) < 0) {
        pf_buf_printf(out, "BROKEN  %s: %s\n", base, e.msg);
        free(text);
        case_dispose(&c);
        return;
    }
    free(text);
    char *dir = pf_asprintf("%s/%03zu", g_root, f);
    ck_assert_int_eq(pf_mkdirs(dir, 0755, &e), 0);
    write_inputs(&c, dir);

    char dbname[32];
    snprintf(dbname, sizeof dbname, "bad_%03zu", f);
    char *dsn = uses_dsn(&c) ? fresh_database(dbname) : NULL;
    case_ctx x = {&c, dir, dsn};
    char *words[64];
    words[0] = pf_strdup(pf_test_bin());
    size_t n_words = 1 + split_args(c.args, words + 1, 62, &x);
    words[n_words] = NULL;
    char *env[MAX_ITEMS + 1];
    for (size_t i = 0; i < c.n_env; i++)
        env[i] = expand(c.env[i], &x);
    env[c.n_env] = NULL;

    case_run r;
    run_case(words, env, dir, g_runtime, &r);
    char *why = judge(&c, words, n_words, env, c.n_env, &r);
    /* No server or cluster directory outlives a case: one that exited
     * cleans up, one the runner killed is cleaned by its watchdog. */
    char *left = runtime_leftovers(r.timed_out ? 5000 : 2000);
    if (left[0] != '\0') {
        char *more = pf_asprintf("%s%sleft %s in $PERFGATE_RUNTIME_DIR", why,
                                 why[0] ? "; " : "", left);
        free(why);
        why = more;
    }
    free(left);
    bool ok = why[0] == '\0';
    char *first = pf_strndup(r.err, strcspn(r.err, "\n"));
    if (ok && c.known == NULL) {
        pf_buf_printf(out, "ok      %s (%.2f s)\n", base, r.ms / 1000);
        if (getenv("PERFGATE_BAD_VERBOSE") != NULL)
            pf_buf_printf(out, "        stderr: %s", r.err);
    } else if (ok) {
        pf_buf_printf(out, "FIXED   %s (%.2f s): passes now; remove its '# known-failing: %s' line\n",
                      base, r.ms / 1000, c.known);
    } else if (c.known != NULL) {
        pf_buf_printf(out, "known   %s (%.2f s) [%s]: %s; stderr: %s\n", base, r.ms / 1000,
                      c.known, why, first);
    } else {
        pf_buf_printf(out, "FAIL    %s (%.2f s): %s\n        stderr: %s\n", base, r.ms / 1000,
                      why, r.err);
    }
    free(first);
    free(why);
    free(r.out);
    free(r.err);
    for (size_t i = 0; i < n_words; i++)
        free(words[i]);
    for (size_t i = 0; i < c.n_env; i++)
        free(env[i]);
    if (dsn != NULL)
        drop_database(dbname);
    free(dsn);
    pf_rmtree(dir, NULL);
    free(dir);
    case_dispose(&c);
}

static bool g_worker; /* in a worker process: never clean up g_root */

/* Worker k of n: cases k, k + n, ... each into g_root/result-NNN, with a
 * runtime directory of its own. Never returns. */
static void worker(char **files, size_t n_files, size_t k, size_t n)
{
    g_worker = true;
    g_runtime = pf_asprintf("%s/runtime-%zu", g_root, k);
    pf_error e;
    if (pf_mkdirs(g_runtime, 0755, &e) < 0)
        _exit(3);
    chmod(g_runtime, 0755);
    for (size_t f = k; f < n_files; f += n) {
        pf_buf out = PF_BUF_INIT;
        one_case(files[f], f, &out);
        char *path = pf_asprintf("%s/result-%03zu", g_root, f);
        char *tmp = pf_asprintf("%s.tmp", path);
        FILE *fp = fopen(tmp, "w");
        if (fp == NULL || fputs(pf_buf_str(&out), fp) == EOF || fclose(fp) != 0 ||
            rename(tmp, path) != 0)
            _exit(3);
        free(tmp);
        free(path);
        pf_buf_dispose(&out);
    }
    _exit(0);
}

/* Cases run PERFGATE_BAD_JOBS at a time (default 3: on a loaded 2-core
 * machine most of a case is waiting for perfgate to start and exit), each
 * worker with its own runtime directory; the results are printed in the
 * order of the files. */
START_TEST(test_bad_input_corpus)
{
    size_t n_files = 0;
    char **files = list_cases(&n_files);
    ck_assert_msg(n_files > 0, "no cases");
    /* The shared server first, so that the workers share it. */
    for (size_t f = 0; f < n_files && g_shared == NULL; f++) {
        char *text = NULL;
        pf_error e;
        ck_assert_msg(pf_file_read(files[f], &text, NULL, &e) == 0, "%s", e.msg);
        if (strstr(text, "{dsn}") != NULL)
            free(fresh_database("bad_start"));
        free(text);
    }
    const char *jobs_env = getenv("PERFGATE_BAD_JOBS");
    size_t jobs = jobs_env != NULL && atoi(jobs_env) > 0 ? (size_t)atoi(jobs_env) : 3;
    if (jobs > n_files)
        jobs = n_files;
    fflush(stdout);
    fflush(stderr);
    pid_t *pids = pf_calloc(jobs, sizeof *pids);
    for (size_t k = 0; k < jobs; k++) {
        pids[k] = fork();
        ck_assert_msg(pids[k] >= 0, "fork: %s", strerror(errno));
        if (pids[k] == 0)
            worker(files, n_files, k, jobs);
    }
    int pass = 0, known = 0, fixed = 0, failed = 0;
    pf_buf failures = PF_BUF_INIT;
    size_t next = 0; /* the next file to print, in order, as results come */
    size_t running = jobs;
    while (next < n_files) {
        char *path = pf_asprintf("%s/result-%03zu", g_root, next);
        char *text = NULL;
        pf_error e;
        if (pf_path_exists(path) && pf_file_read(path, &text, NULL, &e) == 0) {
            const char *base = strrchr(files[next], '/') + 1;
            fputs(text, stdout);
            fflush(stdout);
            if (strncmp(text, "ok ", 3) == 0) {
                pass++;
            } else if (strncmp(text, "known ", 6) == 0) {
                known++;
            } else {
                if (strncmp(text, "FIXED ", 6) == 0)
                    fixed++;
                else
                    failed++;
                pf_buf_printf(&failures, "%s: %.*s\n", base, (int)strcspn(text, "\n"), text);
            }
            free(text);
            free(path);
            next++;
            continue;
        }
        free(path);
        if (running == 0) {
            /* Every worker has exited and this result is missing. */
            const char *base = strrchr(files[next], '/') + 1;
            printf("FAIL    %s: no result (its worker died)\n", base);
            pf_buf_printf(&failures, "%s: no result (its worker died)\n", base);
            failed++;
            next++;
            continue;
        }
        int st;
        pid_t w = waitpid(-1, &st, WNOHANG);
        if (w > 0) {
            running--;
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                pf_buf_printf(&failures, "a worker ended with status %d\n", st);
        } else {
            usleep(20000);
        }
    }
    while (running > 0 && waitpid(-1, NULL, 0) > 0)
        running--;
    free(pids);
    for (size_t f = 0; f < n_files; f++)
        free(files[f]);
    free(files);
    if (g_shared != NULL)
        drop_database("bad_start");
    pf_cluster_free(g_shared);
    g_shared = NULL;
    printf("%zu cases, %d pass, %d known failing", n_files, pass, known);
    if (failed > 0)
        printf(", %d FAILING", failed);
    if (fixed > 0)
        printf(", %d FIXED (remove their known-failing lines)", fixed);
    printf(" (%zu at a time)\n", jobs);
    fflush(stdout);
    ck_assert_msg(failed == 0 && fixed == 0 && strstr(pf_buf_str(&failures), "a worker") == NULL,
                  "bad-input corpus:\n%s", pf_buf_str(&failures));
    pf_buf_dispose(&failures);
}
END_TEST

int main(void)
{
    g_root = pf_test_tmpdir();
    g_runtime = pf_path_join(g_root, "runtime");
    pf_error e;
    if (pf_mkdirs(g_runtime, 0755, &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        return EXIT_FAILURE;
    }
    chmod(g_runtime, 0755);
    Suite *s = suite_create("bad_input");
    TCase *tc = tcase_create("corpus");
    tcase_set_timeout(tc, 0); /* each case is bounded by CASE_LIMIT_MS */
    tcase_add_test(tc, test_bad_input_corpus);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    /* A worker whose check failed comes back here: the parent cleans up. */
    if (g_worker)
        _exit(3);
    srunner_free(sr);
    pf_rmtree(g_root, NULL);
    free(g_runtime);
    free(g_root);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
