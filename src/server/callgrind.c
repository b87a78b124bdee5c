/* The server under callgrind: probing for valgrind, restarting the
 * disposable cluster's postmaster wrapped in it, and reading the per-backend
 * dumps that the marker statement triggers. */
#include "callgrind.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fsutil.h"
#include "proc.h"

/* The functions inside which instructions are collected (see the header)
 * and the marker function whose entry dumps the backend's count. The marker
 * is a harmless SQL-callable function no application calls in a measured
 * statement: it discards the backend's statistics snapshot. */
#define MARKER_FUNCTION "pg_stat_clear_snapshot"
#define MARKER_SQL "SELECT " MARKER_FUNCTION "()"
/* A server under callgrind starts in about 2 s here; allow for a busy CI
 * machine. */
#define START_TIMEOUT_MS 180000

struct pf_callgrind {
    pf_cluster *cluster;
    char *dir; /* dumps: <dir>/cg.<pid>.<part> */
};

void pf_callgrind_info_dispose(pf_callgrind_info *i)
{
    if (i == NULL)
        return;
    free(i->valgrind);
    free(i->version);
    free(i->arch);
    memset(i, 0, sizeof *i);
}

/* name searched on the PATH; caller frees, NULL if not found. */
static char *find_on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (path == NULL || *path == '\0')
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t len = strcspn(path, ":");
        char *dir = len ? pf_strndup(path, len) : pf_strdup(".");
        char *cand = pf_path_join(dir, name);
        free(dir);
        if (access(cand, X_OK) == 0)
            return cand;
        free(cand);
        path += len;
        if (*path == ':')
            path++;
    }
    return NULL;
}

int pf_callgrind_probe(pf_callgrind_info *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    struct utsname u;
    if (uname(&u) != 0)
        return pf_error_set(err, PF_EXIT_INFRA, "instructions not counted: uname failed: %s",
                            strerror(errno));
    if (strcmp(u.sysname, "Linux") != 0 ||
        (strcmp(u.machine, "x86_64") != 0 && strcmp(u.machine, "aarch64") != 0))
        return pf_error_set(err, PF_EXIT_INFRA,
                            "instructions not counted: needs Linux on x86-64 or arm64 (this is "
                            "%s %s)",
                            u.sysname, u.machine);
    const char *env = getenv(PF_VALGRIND_ENV);
    char *exe = NULL;
    if (env != NULL && *env != '\0') {
        if (access(env, X_OK) != 0)
            return pf_error_set(err, PF_EXIT_INFRA,
                                "instructions not counted: %s=%s is not an executable",
                                PF_VALGRIND_ENV, env);
        exe = pf_strdup(env);
    } else {
        exe = find_on_path("valgrind");
        if (exe == NULL)
            return pf_error_set(err, PF_EXIT_INFRA,
                                "instructions not counted: valgrind is not installed (Debian: "
                                "apt-get install valgrind; or set %s)",
                                PF_VALGRIND_ENV);
    }
    char *argv[] = {exe, "--version", NULL};
    char *text = NULL;
    pf_error e;
    if (pf_proc_capture(argv, &text, &e) < 0 || strncmp(text, "valgrind-", 9) != 0) {
        pf_error_set(err, PF_EXIT_INFRA, "instructions not counted: %s --version did not work",
                     exe);
        free(exe);
        free(text);
        return -1;
    }
    text[strcspn(text, "\r\n")] = '\0';
    out->valgrind = exe;
    out->version = pf_strdup(text + 9);
    out->arch = pf_strdup(u.machine);
    free(text);
    return 0;
}

int pf_callgrind_start(pf_cluster *c, const pf_callgrind_info *info, pf_callgrind **out,
                       pf_error *err)
{
    *out = NULL;
    char *dir = NULL;
    if (pf_cluster_server_dir(c, "callgrind", &dir, err) < 0)
        return -1;
    char *outfile = pf_asprintf("--callgrind-out-file=%s/cg.%%p", dir);
    char *logfile = pf_asprintf("--log-file=%s/valgrind.%%p.log", dir);
    const char *wrapper[] = {
        info->valgrind,
        "--tool=callgrind",
        "--collect-atstart=no",
        "--toggle-collect=GetCachedPlan",
        "--toggle-collect=PortalStart",
        "--toggle-collect=PortalRun",
        "--dump-before=" MARKER_FUNCTION,
        "--dump-line=no",
        outfile,
        logfile,
        NULL,
    };
    int rc = pf_cluster_restart_wrapped(c, wrapper, START_TIMEOUT_MS, err);
    free(outfile);
    free(logfile);
    if (rc < 0) {
        pf_error_prefix(err, "starting the server under callgrind");
        /* Leave a native server behind for whatever comes next. */
        pf_error ignored;
        pf_cluster_restart_wrapped(c, NULL, 0, &ignored);
        free(dir);
        return -1;
    }
    pf_callgrind *s = pf_calloc(1, sizeof *s);
    s->cluster = c;
    s->dir = dir;
    *out = s;
    return 0;
}

int pf_callgrind_stop(pf_callgrind *s, pf_error *err)
{
    if (s == NULL)
        return 0;
    int rc = pf_cluster_restart_wrapped(s->cluster, NULL, 0, err);
    if (rc < 0)
        pf_error_prefix(err, "restarting the server after counting instructions");
    pf_rmtree(s->dir, NULL);
    free(s->dir);
    free(s);
    return rc;
}

int pf_callgrind_attach(pf_callgrind *s, pf_db *db, pf_callgrind_counter *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    char *pid = NULL;
    if (pf_db_query_value(db, "SELECT pg_backend_pid()", &pid, err) < 0)
        return -1;
    out->s = s;
    out->backend_pid = pid ? atol(pid) : 0;
    free(pid);
    return 0;
}

int pf_callgrind_parse_totals(const char *text, int64_t *ir)
{
    static const char *const keys[] = {"totals:", "summary:"};
    for (size_t k = 0; k < 2; k++) {
        size_t len = strlen(keys[k]);
        const char *line = text;
        while (line != NULL && *line != '\0') {
            if (strncmp(line, keys[k], len) == 0) {
                char *end = NULL;
                errno = 0;
                long long v = strtoll(line + len, &end, 10);
                if (end == line + len || errno != 0 || v < 0)
                    return -1;
                *ir = (int64_t)v;
                return 0;
            }
            line = strchr(line, '\n');
            if (line != NULL)
                line++;
        }
    }
    return -1;
}

int pf_callgrind_mark(pf_callgrind_counter *k, pf_db *db, int64_t *ir, pf_error *err)
{
    *ir = 0;
    if (pf_db_exec(db, MARKER_SQL, err) < 0)
        return pf_error_prefix(err, "the instruction-count marker");
    k->part++;
    char *path = pf_asprintf("%s/cg.%ld.%d", k->s->dir, k->backend_pid, k->part);
    char *text = NULL;
    int rc = pf_file_read(path, &text, NULL, err);
    if (rc == 0 && pf_callgrind_parse_totals(text, ir) < 0)
        rc = pf_error_set(err, PF_EXIT_INFRA, "%s: no instruction total in callgrind's dump",
                          path);
    else if (rc < 0)
        pf_error_prefix(err, "callgrind wrote no dump for backend %ld", k->backend_pid);
    if (err && rc < 0)
        err->code = PF_EXIT_INFRA;
    unlink(path);
    free(text);
    free(path);
    return rc;
}
