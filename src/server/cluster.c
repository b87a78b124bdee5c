/* Disposable PostgreSQL clusters: discovery of server binaries, initdb,
 * server start and readiness, cleanup on every path, a watchdog for killed
 * runs, and reaping of clusters left behind by earlier runs. */
#include "cluster.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pf_config.h"

#include "buf.h"
#include "cache.h"
#include "db.h"
#include "fsutil.h"
#include "interrupt.h"
#include "proc.h"
#include "timeutil.h"

#define OWNER_FILE "perfgate.owner"
#define DIR_PREFIX "perfgate-"
#define SUPERUSER "postgres"

/* Server settings for a benchmark cluster. Each one is written into
 * postgresql.conf with its reason; docs/cluster.md repeats the table. */
static const struct setting {
    const char *name;
    const char *value;
    const char *why;
} k_settings[] = {
    {"listen_addresses", "'127.0.0.1'", "TCP on loopback only, besides the private Unix socket"},
    {"fsync", "off", "disposable data: durability buys nothing and adds I/O noise"},
    {"synchronous_commit", "off", "commits do not wait for WAL flushes"},
    {"full_page_writes", "off", "no torn-page protection needed for throw-away data"},
    {"wal_level", "minimal", "COPY into a table created in the same transaction skips WAL"},
    {"max_wal_senders", "0", "required by wal_level=minimal"},
    {"max_wal_size", "'4GB'", "no checkpoint forced in the middle of a benchmark"},
    {"checkpoint_timeout", "'1h'", "no timed checkpoint in the middle of a benchmark"},
    {"shared_preload_libraries", "'pg_stat_statements'", "query statistics, as in production"},
    {"pg_stat_statements.track", "'all'", "count statements inside functions too"},
    {"track_functions", "'all'", "policy-function call counts (pg_stat_user_functions)"},
    {"jit", "off", "JIT compile time dominates short queries and varies run to run"},
    {"autovacuum", "off", "a vacuum starting mid-benchmark changes timings and plans; "
                          "perfgate runs VACUUM ANALYZE itself after loading"},
    {"max_parallel_workers_per_gather", "0",
     "parallel plans depend on free workers: serial plans are reproducible"},
    {"shared_buffers", "'256MB'", "the scale-1 data set stays in cache"},
    {"max_connections", "300", "load tests hold hundreds of clients"},
    {"timezone", "'UTC'", "data and reports independent of the host's zone"},
    {"lc_messages", "'C'", "server messages are reported verbatim, in English"},
    {"huge_pages", "off", "no dependence on the host's huge page setup"},
    {"logging_collector", "off", "the server log goes to one file perfgate reads"},
};

struct pf_cluster {
    char *dir;     /* private base directory */
    char *datadir; /* dir/data */
    char *sockdir; /* dir/sock */
    char *logpath; /* dir/server.log */
    char *bindir;
    char *dsn;
    int port;
    pid_t postmaster;
    pid_t initdb_pid; /* while initdb runs, for the watchdog */
    bool detached;
    pid_t watchdog;
    int watchdog_fd; /* write end of the pipe the watchdog reads; -1 if none */
    pf_runas runas;
    char **wrapper; /* command prefix of the server (valgrind), NULL: native */
    double initdb_ms;
    double ready_ms;
    const char *origin; /* "initdb", "initdb (cached)", "copy" */
};

const char *pf_cluster_base_dir(void)
{
    const char *d = getenv(PF_RUNTIME_DIR_ENV);
    if (d != NULL && *d != '\0')
        return d;
    d = getenv("TMPDIR");
    if (d != NULL && *d != '\0')
        return d;
    return "/tmp";
}

bool pf_cluster_bindir_usable(const char *dir)
{
    char *initdb = pf_path_join(dir, "initdb");
    char *postgres = pf_path_join(dir, "postgres");
    bool ok = access(initdb, X_OK) == 0 && access(postgres, X_OK) == 0;
    free(initdb);
    free(postgres);
    return ok;
}

/* Highest /usr/lib/postgresql/<major>/bin that is usable, or NULL. */
static char *debian_bindir(void)
{
    const char *root = "/usr/lib/postgresql";
    DIR *d = opendir(root);
    if (d == NULL)
        return NULL;
    long best = -1;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char *end;
        long major = strtol(de->d_name, &end, 10);
        if (end == de->d_name || *end != '\0' || major <= best)
            continue;
        char *cand = pf_asprintf("%s/%ld/bin", root, major);
        if (pf_cluster_bindir_usable(cand))
            best = major;
        free(cand);
    }
    closedir(d);
    return best < 0 ? NULL : pf_asprintf("%s/%ld/bin", root, best);
}

int pf_cluster_bindir_find(char **out, pf_error *err)
{
    *out = NULL;
    const char *env = getenv(PF_BINDIR_ENV);
    if (env != NULL && *env != '\0') {
        if (pf_cluster_bindir_usable(env)) {
            *out = pf_strdup(env);
            return 0;
        }
        return pf_error_set(err, PF_EXIT_INFRA,
                            "%s=%s does not hold executable initdb and postgres", PF_BINDIR_ENV,
                            env);
    }
    char *argv[] = {"pg_config", "--bindir", NULL};
    char *text = NULL;
    pf_error ignored;
    if (pf_proc_capture(argv, &text, &ignored) == 0) {
        text[strcspn(text, "\r\n")] = '\0';
        if (pf_cluster_bindir_usable(text)) {
            *out = text;
            return 0;
        }
    }
    free(text);
    char *deb = debian_bindir();
    if (deb != NULL) {
        *out = deb;
        return 0;
    }
    return pf_error_set(err, PF_EXIT_INFRA,
                        "no PostgreSQL server binaries found (tried $%s, `pg_config --bindir`, "
                        "/usr/lib/postgresql/<major>/bin); install the server (Debian: "
                        "apt-get install postgresql) or set %s to the directory holding initdb",
                        PF_BINDIR_ENV, PF_BINDIR_ENV);
}

/* The last `lines` lines of a file, for error messages. Caller frees. */
static char *file_tail(const char *path, int lines)
{
    char *text = NULL;
    pf_error ignored;
    if (pf_file_read(path, &text, NULL, &ignored) < 0)
        return pf_strdup("(no log)");
    size_t len = strlen(text);
    while (len > 0 && text[len - 1] == '\n')
        text[--len] = '\0';
    const char *p = text + len;
    int seen = 0;
    while (p > text) {
        if (p[-1] == '\n' && ++seen == lines)
            break;
        p--;
    }
    char *tail = pf_strdup(p);
    free(text);
    return tail;
}

/* A port on 127.0.0.1 that is free right now, below the ephemeral range so
 * outgoing connections do not take it meanwhile. */
static int pick_port(void)
{
    static unsigned seed;
    if (seed == 0)
        seed = (unsigned)getpid() ^ (unsigned)pf_now_ns();
    for (int attempt = 0; attempt < 200; attempt++) {
        seed = seed * 1103515245u + 12345u;
        int port = 20000 + (int)((seed >> 8) % 12000u);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        struct sockaddr_in sa;
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
        close(fd);
        if (rc == 0)
            return port;
    }
    return -1;
}

static int write_owner(const pf_cluster *c, pf_error *err)
{
    pid_t self = c->detached ? 0 : getpid();
    unsigned long long start = self ? pf_proc_starttime(self) : 0;
    char *path = pf_path_join(c->dir, OWNER_FILE);
    char *text = pf_asprintf("pid=%ld\nstarttime=%llu\npostmaster=%ld\nport=%d\ninitdb=%ld\n",
                             (long)self, start, (long)c->postmaster, c->port,
                             (long)c->initdb_pid);
    int rc = pf_file_write_atomic(path, text, strlen(text), err);
    free(text);
    free(path);
    return rc;
}

typedef struct owner_info {
    bool present;
    pid_t pid;
    unsigned long long starttime;
    pid_t postmaster;
    int port;
    pid_t initdb;
} owner_info;

static owner_info read_owner(const char *dir)
{
    owner_info o = {false, 0, 0, 0, 0, 0};
    char *path = pf_path_join(dir, OWNER_FILE);
    FILE *f = fopen(path, "r");
    free(path);
    if (f == NULL)
        return o;
    o.present = true;
    char line[256];
    while (fgets(line, sizeof line, f) != NULL) {
        long v;
        unsigned long long u;
        if (sscanf(line, "pid=%ld", &v) == 1)
            o.pid = (pid_t)v;
        else if (sscanf(line, "starttime=%llu", &u) == 1)
            o.starttime = u;
        else if (sscanf(line, "postmaster=%ld", &v) == 1)
            o.postmaster = (pid_t)v;
        else if (sscanf(line, "port=%ld", &v) == 1)
            o.port = (int)v;
        else if (sscanf(line, "initdb=%ld", &v) == 1)
            o.initdb = (pid_t)v;
    }
    fclose(f);
    return o;
}

/* Pid of the postmaster serving datadir, or 0. Checks that the process is a
 * server for this very data directory so a recycled pid is never killed. */
static pid_t running_postmaster(const char *dir)
{
    char *datadir = pf_path_join(dir, "data");
    char *pidfile = pf_path_join(datadir, "postmaster.pid");
    pid_t pid = 0;
    FILE *f = fopen(pidfile, "r");
    if (f != NULL) {
        long v = 0;
        if (fscanf(f, "%ld", &v) == 1)
            pid = (pid_t)v;
        fclose(f);
    }
    if (pid == 0)
        pid = read_owner(dir).postmaster;
    if (pid > 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
        char *cmd = NULL;
        size_t len = 0;
        pf_error ignored;
        bool match = false;
        if (pf_file_read(path, &cmd, &len, &ignored) == 0) {
            for (size_t i = 0; i < len; i++)
                if (cmd[i] == '\0')
                    cmd[i] = ' ';
            match = strstr(cmd, datadir) != NULL;
            free(cmd);
        }
        if (!match)
            pid = 0;
    }
    free(pidfile);
    free(datadir);
    return pid;
}

/* SIGQUIT (immediate shutdown: the data is thrown away anyway), then wait;
 * SIGKILL after 10 s. Works for our child and for a foreign process. */
static void stop_postmaster(pid_t pid, bool our_child)
{
    if (pid <= 0)
        return;
    kill(pid, SIGQUIT);
    uint64_t t0 = pf_now_ns();
    bool killed = false;
    for (;;) {
        if (our_child) {
            if (pf_proc_try_wait(pid, NULL) != 0)
                return;
        } else if (!pf_proc_alive(pid, 0)) {
            return;
        }
        if (!killed && pf_elapsed_ms(t0) > 10000) {
            kill(pid, SIGKILL);
            killed = true;
        }
        if (pf_elapsed_ms(t0) > 20000)
            return;
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
}

/* The watchdog: a small process that outlives a SIGKILLed perfgate. It
 * waits for EOF on a pipe only the parent holds; the kernel closes it when
 * the parent dies, however it dies. If the cluster directory is still there
 * then, the parent did not clean up: the watchdog does, from the first
 * moment (it starts before initdb): an initdb still running is killed, the
 * server found through its pid file is stopped, the directory removed. */
static void watchdog_main(int fd, const char *dir)
{
    setsid();
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    for (;;) {
        char byte;
        ssize_t n = read(fd, &byte, 1);
        if (n == 1 && byte == 'd')
            _exit(0); /* detached: the server is meant to outlive us */
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
    }
    if (pf_path_exists(dir)) {
        owner_info o = read_owner(dir);
        if (o.initdb > 0 && pf_proc_alive(o.initdb, 0)) {
            kill(o.initdb, SIGKILL);
            for (int i = 0; i < 500 && pf_proc_alive(o.initdb, 0); i++) {
                struct timespec ts = {0, 10000000};
                nanosleep(&ts, NULL);
            }
        }
        stop_postmaster(running_postmaster(dir), false);
        pf_rmtree(dir, NULL);
    }
    _exit(0);
}

static int start_watchdog(pf_cluster *c, pf_error *err)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return pf_error_set(err, PF_EXIT_INFRA, "pipe failed: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return pf_error_set(err, PF_EXIT_INFRA, "fork failed: %s", strerror(errno));
    }
    if (pid == 0) {
        /* Keep only the read end: every other descriptor (libpq sockets,
         * the write end) must not keep the pipe or connections open. */
        if (fds[0] != 3) {
            dup2(fds[0], 3);
        }
        closefrom(4);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
            if (devnull > 3)
                close(devnull);
        }
        watchdog_main(3, c->dir);
    }
    close(fds[0]);
    c->watchdog = pid;
    c->watchdog_fd = fds[1];
    return 0;
}

/* Tell the watchdog to go without cleaning up (a detached server). */
static void dismiss_watchdog(pf_cluster *c)
{
    if (c->watchdog_fd < 0)
        return;
    if (write(c->watchdog_fd, "d", 1) != 1) {
        /* The watchdog is gone; nothing to tell it. */
    }
    close(c->watchdog_fd);
    c->watchdog_fd = -1;
    pf_proc_wait(c->watchdog, NULL);
}

static void write_settings(pf_buf *conf, const pf_cluster *c, const pf_cluster_opts *opts)
{
    pf_buf_puts(conf, "\n# --- perfgate benchmark settings (see docs/cluster.md) ---\n");
    for (size_t i = 0; i < sizeof k_settings / sizeof k_settings[0]; i++)
        pf_buf_printf(conf, "%s = %s\t# %s\n", k_settings[i].name, k_settings[i].value,
                      k_settings[i].why);
    pf_buf_printf(conf, "unix_socket_directories = '%s'\t# private socket directory\n",
                  c->sockdir);
    if (opts != NULL && opts->settings != NULL) {
        pf_buf_puts(conf, "# --- caller settings ---\n");
        for (const char *const *s = opts->settings; *s != NULL; s++)
            pf_buf_printf(conf, "%s\n", *s);
    }
}

static int run_initdb(pf_cluster *c, pf_error *err)
{
    char *initdb = pf_path_join(c->bindir, "initdb");
    char *log = pf_path_join(c->dir, "initdb.log");
    char *argv[] = {initdb,      "-D",          c->datadir, "-U",  SUPERUSER, "-A", "trust",
                    "-E",        "UTF8",        "--locale=C", "-N", NULL};
    uint64_t t0 = pf_now_ns();
    int status = -1;
    int rc = 0;
    pid_t pid = pf_proc_spawn(argv, &c->runas, log, c->dir, false, err);
    if (pid > 0) {
        /* The watchdog kills it if we are killed meanwhile. */
        pf_error ignored;
        c->initdb_pid = pid;
        write_owner(c, &ignored);
    }
    int waited = pid < 0 ? -1 : pf_proc_wait(pid, &status);
    c->initdb_pid = 0;
    if (pid < 0 || waited < 0 || status != 0) {
        if (pid >= 0) {
            char *tail = file_tail(log, 15);
            pf_error_set(err, PF_EXIT_INFRA, "initdb failed (status %d)%s%s:\n%s", status,
                         c->runas.active ? " running as user " : "",
                         c->runas.active ? c->runas.name : "", tail);
            free(tail);
        }
        rc = -1;
    }
    c->initdb_ms = pf_elapsed_ms(t0);
    free(initdb);
    free(log);
    return rc;
}

int pf_cluster_initdb_key(const char *bindir, char out[17], pf_error *err)
{
    pf_cache_key k;
    pf_cache_key_init(&k, "initdb");
    pf_cache_key_str(&k, "perfgate", PF_VERSION);
    pf_cache_key_str(&k, "args", "-U " SUPERUSER " -A trust -E UTF8 --locale=C -N");
    static const char *const k_bins[] = {"initdb", "postgres", NULL};
    for (int i = 0; k_bins[i]; i++) {
        /* The build, as the file system knows it: a new package is a new key. */
        char *path = pf_path_join(bindir, k_bins[i]);
        struct stat st;
        int rc = stat(path, &st);
        pf_cache_key_str(&k, "path", path);
        free(path);
        if (rc != 0)
            return pf_error_set(err, PF_EXIT_INFRA, "%s/%s: %s", bindir, k_bins[i],
                                strerror(errno));
        pf_cache_key_num(&k, "size", (double)st.st_size);
        pf_cache_key_num(&k, "mtime", (double)st.st_mtim.tv_sec);
        pf_cache_key_num(&k, "inode", (double)st.st_ino);
    }
    pf_cache_key_hex(&k, out);
    return 0;
}

/* The data directory from a copy: empty it first (make_dirs made it),
 * copy the tree to the server's user, drop a pid file the source kept. */
static int copy_datadir(pf_cluster *c, const char *from, pf_error *err)
{
    if (rmdir(c->datadir) != 0)
        return pf_error_set(err, PF_EXIT_INFRA, "%s: %s", c->datadir, strerror(errno));
    uint64_t t0 = pf_now_ns();
    int rc = pf_cache_copy_tree(from, c->datadir, c->runas.active, c->runas.uid, c->runas.gid,
                                err);
    if (rc == 0) {
        char *pid = pf_path_join(c->datadir, "postmaster.pid");
        unlink(pid);
        free(pid);
    }
    c->initdb_ms = pf_elapsed_ms(t0);
    return rc;
}

/* The data directory: a copy of a seeded one, initdb's output from the
 * cache, or initdb (whose output is then cached). */
static int make_datadir(pf_cluster *c, const pf_cluster_opts *opts, pf_error *err)
{
    if (opts != NULL && opts->from_datadir != NULL) {
        c->origin = "copy";
        return copy_datadir(c, opts->from_datadir, err);
    }
    char key[17];
    pf_cache *cache = opts != NULL ? opts->cache : NULL;
    if (cache != NULL && pf_cluster_initdb_key(c->bindir, key, err) < 0)
        return -1;
    char *entry = cache != NULL ? pf_cache_lookup(cache, "initdb", key) : NULL;
    if (entry != NULL) {
        c->origin = "initdb (cached)";
        int rc = copy_datadir(c, entry, err);
        free(entry);
        return rc;
    }
    c->origin = "initdb";
    if (run_initdb(c, err) < 0)
        return -1;
    if (cache != NULL) {
        /* Best effort: a cache that cannot take it costs the next run an initdb. */
        pf_error ignored;
        pf_cache_store_dir(cache, "initdb", key, c->datadir, NULL, &ignored);
    }
    return 0;
}

int pf_cluster_snapshot(pf_cluster *c, pf_cache *cache, const char *kind, const char *key,
                        pf_error *err)
{
    pf_db *db = NULL;
    int rc = pf_db_connect(&db, c->dsn, err);
    if (rc == 0)
        rc = pf_db_exec(db, "CHECKPOINT", err);
    pf_db_close(db);
    static const char *const k_skip[] = {"postmaster.pid", "postmaster.opts", NULL};
    if (rc == 0)
        rc = pf_cache_store_dir(cache, kind, key, c->datadir, k_skip, err);
    return rc;
}

const char *pf_cluster_origin(const pf_cluster *c)
{
    return c->origin ? c->origin : "initdb";
}

static char *conninfo_for(const pf_cluster *c)
{
    return pf_asprintf("host=%s port=%d user=%s dbname=postgres", c->sockdir, c->port, SUPERUSER);
}

/* Launch the server and wait until it accepts connections. 1: the port was
 * taken (retry with another), 0: ready, -1: failed. */
static int launch_and_wait(pf_cluster *c, int timeout_ms, pf_error *err)
{
    char *postgres = pf_path_join(c->bindir, "postgres");
    char port[16];
    snprintf(port, sizeof port, "%d", c->port);
    size_t nw = 0;
    while (c->wrapper != NULL && c->wrapper[nw] != NULL)
        nw++;
    char **argv = pf_calloc(nw + 6, sizeof *argv);
    for (size_t i = 0; i < nw; i++)
        argv[i] = c->wrapper[i];
    argv[nw] = postgres;
    argv[nw + 1] = "-D";
    argv[nw + 2] = c->datadir;
    argv[nw + 3] = "-p";
    argv[nw + 4] = port;
    uint64_t t0 = pf_now_ns();
    /* Always its own session: terminal signals go to perfgate, which
     * decides how to stop the server. */
    c->postmaster = pf_proc_spawn(argv, &c->runas, c->logpath, c->dir, true, err);
    free(argv);
    free(postgres);
    if (c->postmaster < 0) {
        c->postmaster = 0;
        return -1;
    }
    free(c->dsn);
    c->dsn = conninfo_for(c);
    for (;;) {
        int status = 0;
        if (pf_proc_try_wait(c->postmaster, &status) != 0) {
            c->postmaster = 0;
            char *tail = file_tail(c->logpath, 20);
            int rc = -1;
            if (strstr(tail, "could not bind") != NULL ||
                strstr(tail, "Address already in use") != NULL)
                rc = 1;
            else
                pf_error_set(err, PF_EXIT_INFRA,
                             "the server exited during startup (status %d); server log tail:\n%s",
                             status, tail);
            free(tail);
            return rc;
        }
        if (pf_db_ping(c->dsn))
            break;
        if (pf_interrupt_signal() != 0) {
            pf_error_set(err, PF_EXIT_INFRA, "interrupted while the server was starting");
            return -1;
        }
        if (pf_elapsed_ms(t0) > timeout_ms) {
            char *tail = file_tail(c->logpath, 20);
            pf_error_set(err, PF_EXIT_INFRA,
                         "the server did not accept connections within %d ms; server log "
                         "tail:\n%s",
                         timeout_ms, tail);
            free(tail);
            return -1;
        }
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    c->ready_ms = pf_elapsed_ms(t0);
    return 0;
}

/* Private directory for the cluster: dir itself belongs to us (mode 0711 so
 * the server user can reach its subdirectories), data/ and sock/ belong to
 * the server user. */
static int make_dirs(pf_cluster *c, const char *base, pf_error *err)
{
    if (pf_mkdirs(base, 0755, err) < 0)
        return -1;
    struct stat bst;
    if (c->runas.active && stat(base, &bst) == 0 && bst.st_uid != c->runas.uid &&
        !(bst.st_mode & S_IXOTH) && !(bst.st_gid == c->runas.gid && (bst.st_mode & S_IXGRP)))
        return pf_error_set(err, PF_EXIT_INFRA,
                            "%s (mode %04o) cannot be entered by user %s, who runs the server; "
                            "make it reachable (chmod 711 %s) or choose another %s",
                            base, (unsigned)(bst.st_mode & 07777), c->runas.name, base,
                            PF_RUNTIME_DIR_ENV);
    char *templ = pf_asprintf("%s/%sXXXXXX", base, DIR_PREFIX);
    if (mkdtemp(templ) == NULL) {
        pf_error_set(err, PF_EXIT_INFRA, "%s: cannot create a temp directory: %s", base,
                     strerror(errno));
        free(templ);
        return -1;
    }
    c->dir = templ;
    c->datadir = pf_path_join(c->dir, "data");
    c->sockdir = pf_path_join(c->dir, "sock");
    c->logpath = pf_path_join(c->dir, "server.log");
    if (chmod(c->dir, 0711) != 0 || mkdir(c->datadir, 0700) != 0 || mkdir(c->sockdir, 0700) != 0)
        return pf_error_set(err, PF_EXIT_INFRA, "%s: cannot prepare: %s", c->dir, strerror(errno));
    if (c->runas.active) {
        if (chown(c->datadir, c->runas.uid, c->runas.gid) != 0 ||
            chown(c->sockdir, c->runas.uid, c->runas.gid) != 0)
            return pf_error_set(err, PF_EXIT_INFRA, "%s: cannot hand over to user %s: %s",
                                c->dir, c->runas.name, strerror(errno));
    }
    return 0;
}

int pf_cluster_start(pf_cluster **out, const pf_cluster_opts *opts, pf_error *err)
{
    *out = NULL;
    const char *base = (opts && opts->base_dir) ? opts->base_dir : pf_cluster_base_dir();
    int timeout = (opts && opts->start_timeout_ms > 0) ? opts->start_timeout_ms : 30000;
    pf_cluster_reap_stale(base, NULL, NULL);

    pf_cluster *c = pf_calloc(1, sizeof *c);
    c->watchdog_fd = -1;
    c->detached = opts && opts->detached;
    pf_buf conf = PF_BUF_INIT;
    char *confpath = NULL;
    int rc = -1;

    if (opts && opts->bindir) {
        if (!pf_cluster_bindir_usable(opts->bindir)) {
            pf_error_set(err, PF_EXIT_INFRA, "%s does not hold executable initdb and postgres",
                         opts->bindir);
            goto cleanup;
        }
        c->bindir = pf_strdup(opts->bindir);
    } else if (pf_cluster_bindir_find(&c->bindir, err) < 0) {
        goto cleanup;
    }
    if (pf_proc_runas_for_server(&c->runas, err) < 0)
        goto cleanup;
    if (make_dirs(c, base, err) < 0)
        goto cleanup;
    /* Owner file first, so a concurrent reaper never mistakes us for stale;
     * then the watchdog, so a kill from here on leaves nothing behind. */
    if (write_owner(c, err) < 0 || start_watchdog(c, err) < 0)
        goto cleanup;
    if (make_datadir(c, opts, err) < 0)
        goto cleanup;

    confpath = pf_path_join(c->datadir, "postgresql.conf");
    write_settings(&conf, c, opts);
    FILE *f = fopen(confpath, "a");
    if (f == NULL || fwrite(conf.data, 1, conf.len, f) != conf.len) {
        if (f)
            fclose(f);
        pf_error_set(err, PF_EXIT_INFRA, "%s: cannot write settings", confpath);
        goto cleanup;
    }
    fclose(f);

    for (int attempt = 0;; attempt++) {
        c->port = pick_port();
        if (c->port < 0) {
            pf_error_set(err, PF_EXIT_INFRA, "no free TCP port on 127.0.0.1");
            goto cleanup;
        }
        int r = launch_and_wait(c, timeout, err);
        if (r == 0)
            break;
        if (r < 0 || attempt == 4) {
            if (r > 0)
                pf_error_set(err, PF_EXIT_INFRA, "no free TCP port after 5 attempts");
            goto cleanup;
        }
    }
    if (c->detached) {
        /* `pg start`: the server is meant to outlive us. */
        dismiss_watchdog(c);
    } else {
        pf_interrupt_watch_pid(c->postmaster);
    }
    if (write_owner(c, err) < 0)
        goto cleanup;
    rc = 0;
cleanup:
    free(confpath);
    pf_buf_dispose(&conf);
    if (rc < 0) {
        c->detached = false; /* a failed start never leaves a server behind */
        pf_cluster_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

const char *pf_cluster_dsn(const pf_cluster *c)
{
    return c->dsn;
}

const char *pf_cluster_dir(const pf_cluster *c)
{
    return c->dir;
}

const char *pf_cluster_socket_dir(const pf_cluster *c)
{
    return c->sockdir;
}

const char *pf_cluster_bindir(const pf_cluster *c)
{
    return c->bindir;
}

int pf_cluster_port(const pf_cluster *c)
{
    return c->port;
}

pid_t pf_cluster_pid(const pf_cluster *c)
{
    return c->postmaster;
}

const char *pf_cluster_os_user(const pf_cluster *c)
{
    return c->runas.active ? c->runas.name : "";
}

double pf_cluster_initdb_ms(const pf_cluster *c)
{
    return c->initdb_ms;
}

double pf_cluster_ready_ms(const pf_cluster *c)
{
    return c->ready_ms;
}

void pf_cluster_free(pf_cluster *c)
{
    if (c == NULL)
        return;
    if (!c->detached) {
        if (c->postmaster > 0) {
            stop_postmaster(c->postmaster, true);
            pf_interrupt_unwatch_pid(c->postmaster);
        }
        if (c->dir != NULL)
            pf_rmtree(c->dir, NULL);
    }
    if (c->watchdog_fd >= 0) {
        close(c->watchdog_fd);
        pf_proc_wait(c->watchdog, NULL);
    }
    free(c->dir);
    free(c->datadir);
    free(c->sockdir);
    free(c->logpath);
    free(c->bindir);
    free(c->dsn);
    pf_strv_free(c->wrapper);
    free(c);
}

int pf_cluster_detach(pf_cluster *c, pf_error *err)
{
    if (c->detached)
        return 0;
    c->detached = true;
    pf_interrupt_unwatch_pid(c->postmaster);
    dismiss_watchdog(c);
    return write_owner(c, err);
}

static bool is_cluster_dir(const char *dir)
{
    char *owner = pf_path_join(dir, OWNER_FILE);
    bool ok = pf_path_exists(owner);
    free(owner);
    return ok;
}

int pf_cluster_stop_dir(const char *dir, pf_error *err)
{
    if (!pf_path_is_dir(dir))
        return pf_error_set(err, PF_EXIT_USAGE, "%s: no such cluster directory", dir);
    if (!is_cluster_dir(dir))
        return pf_error_set(err, PF_EXIT_USAGE, "%s: not a perfgate cluster (no %s)", dir,
                            OWNER_FILE);
    stop_postmaster(running_postmaster(dir), false);
    return pf_rmtree(dir, err);
}

/* Directories named perfgate-* under base that belong to this user. */
static int scan(const char *base, char ***out, pf_error *err)
{
    *out = NULL;
    DIR *d = opendir(base);
    if (d == NULL)
        return pf_error_set(err, PF_EXIT_INFRA, "%s: cannot open: %s", base, strerror(errno));
    size_t n = 0, cap = 8;
    char **v = pf_malloc(cap * sizeof *v);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, DIR_PREFIX, strlen(DIR_PREFIX)) != 0)
            continue;
        char *path = pf_path_join(base, de->d_name);
        struct stat st;
        if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
            free(path);
            continue;
        }
        if (n + 1 >= cap) {
            cap *= 2;
            v = pf_realloc(v, cap * sizeof *v);
        }
        v[n++] = path;
    }
    closedir(d);
    v[n] = NULL;
    *out = v;
    return 0;
}

int pf_cluster_list(const char *base_dir, bool detached_only, char ***dirs, pf_error *err)
{
    char **all = NULL;
    *dirs = NULL;
    if (scan(base_dir ? base_dir : pf_cluster_base_dir(), &all, err) < 0)
        return -1;
    size_t n = 0;
    for (char **p = all; *p; p++) {
        owner_info o = read_owner(*p);
        if (o.present && (!detached_only || o.pid == 0))
            all[n++] = *p;
        else
            free(*p);
    }
    all[n] = NULL;
    *dirs = all;
    return 0;
}

int pf_cluster_reap_stale(const char *base_dir, int *reaped, pf_error *err)
{
    char **dirs = NULL;
    if (reaped != NULL)
        *reaped = 0;
    if (scan(base_dir ? base_dir : pf_cluster_base_dir(), &dirs, err) < 0)
        return -1;
    for (char **p = dirs; *p; p++) {
        owner_info o = read_owner(*p);
        bool stale;
        if (!o.present) {
            /* Being created right now, or a crash before the owner file was
             * written: leave young ones alone. */
            struct stat st;
            stale = stat(*p, &st) == 0 && time(NULL) - st.st_mtime > 120;
        } else if (o.pid != 0) {
            stale = !pf_proc_alive(o.pid, o.starttime);
        } else {
            stale = running_postmaster(*p) == 0;
        }
        if (!stale)
            continue;
        stop_postmaster(running_postmaster(*p), false);
        if (pf_rmtree(*p, NULL) == 0 && reaped != NULL)
            (*reaped)++;
    }
    pf_strv_free(dirs);
    return 0;
}

/* ---- Crash and restart ---------------------------------------------- */

/* Children of pid (backends and auxiliary processes of a postmaster; they
 * run in sessions of their own, so a process-group kill misses them). */
static size_t children_of(pid_t pid, pid_t *out, size_t max)
{
    DIR *d = opendir("/proc");
    if (d == NULL)
        return 0;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < max) {
        char *end;
        long p = strtol(de->d_name, &end, 10);
        if (*end != '\0' || p <= 0)
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/stat", p);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        char buf[512];
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        /* "pid (comm) state ppid ...": comm may hold spaces and parens. */
        char *close_paren = strrchr(buf, ')');
        long ppid = 0;
        char state;
        if (close_paren != NULL && sscanf(close_paren + 1, " %c %ld", &state, &ppid) == 2 &&
            ppid == (long)pid)
            out[n++] = (pid_t)p;
    }
    closedir(d);
    return n;
}

int pf_cluster_kill(pf_cluster *c, pf_error *err)
{
    (void)err;
    pid_t pm = c->postmaster;
    if (pm <= 0)
        return 0;
    pid_t kids[512];
    /* Stop the postmaster first so it cannot start replacements. */
    kill(pm, SIGSTOP);
    size_t n = children_of(pm, kids, sizeof kids / sizeof kids[0]);
    for (size_t i = 0; i < n; i++)
        kill(kids[i], SIGKILL);
    kill(pm, SIGKILL);
    pf_proc_wait(pm, NULL);
    pf_interrupt_unwatch_pid(pm);
    c->postmaster = 0;
    /* The children are reparented and reaped elsewhere: wait until they
     * are gone, or the next start finds their shared memory still in use. */
    uint64_t t0 = pf_now_ns();
    for (size_t i = 0; i < n; i++)
        while (pf_proc_alive(kids[i], 0) && pf_elapsed_ms(t0) < 10000) {
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
        }
    pf_error ignored;
    write_owner(c, &ignored);
    return 0;
}

int pf_cluster_restart(pf_cluster *c, pf_error *err)
{
    return pf_cluster_restart_wrapped(c, NULL, 0, err);
}

int pf_cluster_server_dir(pf_cluster *c, const char *name, char **out, pf_error *err)
{
    *out = NULL;
    char *path = pf_path_join(c->dir, name);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        pf_error_set(err, PF_EXIT_INFRA, "%s: cannot create: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    if (c->runas.active && chown(path, c->runas.uid, c->runas.gid) != 0) {
        pf_error_set(err, PF_EXIT_INFRA, "%s: cannot hand over to user %s: %s", path,
                     c->runas.name, strerror(errno));
        free(path);
        return -1;
    }
    *out = path;
    return 0;
}

int pf_cluster_restart_wrapped(pf_cluster *c, const char *const *wrapper, int timeout_ms,
                               pf_error *err)
{
    pf_strv_free(c->wrapper);
    c->wrapper = NULL;
    if (wrapper != NULL) {
        size_t n = 0;
        while (wrapper[n] != NULL)
            n++;
        c->wrapper = pf_calloc(n + 1, sizeof *c->wrapper);
        for (size_t i = 0; i < n; i++)
            c->wrapper[i] = pf_strdup(wrapper[i]);
    }
    if (timeout_ms <= 0)
        timeout_ms = 30000;
    if (c->postmaster > 0) {
        pid_t pm = c->postmaster;
        kill(pm, SIGINT); /* fast shutdown */
        uint64_t t0 = pf_now_ns();
        while (pf_proc_try_wait(pm, NULL) == 0 && pf_elapsed_ms(t0) < 30000) {
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
        }
        if (pf_proc_try_wait(pm, NULL) == 0) {
            kill(pm, SIGKILL);
            pf_proc_wait(pm, NULL);
        }
        pf_interrupt_unwatch_pid(pm);
        c->postmaster = 0;
    }
    /* A crashed server's processes may take a moment to let go of the
     * shared memory; the start is retried briefly. */
    int rc = -1;
    for (int attempt = 0; attempt < 20; attempt++) {
        rc = launch_and_wait(c, timeout_ms, err);
        if (rc == 0)
            break;
        if (rc > 0) {
            pf_error_set(err, PF_EXIT_INFRA, "port %d was taken while the server was down",
                         c->port);
            return -1;
        }
        struct timespec ts = {0, 250000000};
        nanosleep(&ts, NULL);
    }
    if (rc != 0)
        return -1;
    if (!c->detached)
        pf_interrupt_watch_pid(c->postmaster);
    return write_owner(c, err);
}
