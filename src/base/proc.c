/* Child process helpers. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"

static int lookup_user(const char *name, pf_runas *out)
{
    struct passwd *pw = getpwnam(name);
    if (pw == NULL || pw->pw_uid == 0)
        return -1;
    out->active = true;
    out->uid = pw->pw_uid;
    out->gid = pw->pw_gid;
    snprintf(out->name, sizeof out->name, "%s", name);
    return 0;
}

int pf_proc_runas_for_server(pf_runas *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    if (geteuid() != 0)
        return 0;
    const char *want = getenv(PF_PG_USER_ENV);
    if (want != NULL && *want != '\0') {
        if (lookup_user(want, out) == 0)
            return 0;
        return pf_error_set(err, PF_EXIT_USAGE,
                            "%s=%s: no such user, or it is root (the server must run unprivileged)",
                            PF_PG_USER_ENV, want);
    }
    if (lookup_user("postgres", out) == 0 || lookup_user("nobody", out) == 0)
        return 0;
    return pf_error_set(err, PF_EXIT_INFRA,
                        "running as root, but neither user 'postgres' nor 'nobody' exists to run "
                        "the server; set %s to an unprivileged user",
                        PF_PG_USER_ENV);
}

extern char **environ;

/* glibc's malloc debugging variables make every malloc and free of the
 * child do extra work (MALLOC_PERTURB_ fills each block): a server started
 * with them counts ~1.2M more instructions per query than one without, so
 * counts would depend on who launched perfgate (meson test sets
 * MALLOC_PERTURB_). Servers and tools get the environment without them. */
static bool is_malloc_debug(const char *kv)
{
    return strncmp(kv, "MALLOC_PERTURB_=", 16) == 0 || strncmp(kv, "MALLOC_CHECK_=", 14) == 0;
}

/* The child's environment, built before fork (allocation is not
 * async-signal-safe): environ's pointers without the malloc debugging
 * variables. The array is freed by the parent after fork. */
static char **child_environ(void)
{
    size_t n = 0;
    while (environ != NULL && environ[n] != NULL)
        n++;
    char **env = pf_calloc(n + 1, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_malloc_debug(environ[i]))
            env[k++] = environ[i];
    env[k] = NULL;
    return env;
}

/* In the child: never returns. Only async-signal-safe calls after fork
 * (the parent may have threads). */
static void exec_child(char *const argv[], char *const envp[], const pf_runas *as, int outfd,
                       const char *cwd, bool new_session)
{
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
        dup2(devnull, 0);
    }
    if (outfd >= 0) {
        dup2(outfd, 1);
        dup2(outfd, 2);
    }
    closefrom(3);
    /* Default signal dispositions and an empty mask for the new program. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    if (new_session)
        setsid();
    if (as != NULL && as->active) {
        if (setgroups(0, NULL) != 0 || setgid(as->gid) != 0 || setuid(as->uid) != 0)
            _exit(126);
    }
    if (cwd != NULL && chdir(cwd) != 0)
        _exit(126);
    execve(argv[0], argv, envp);
    _exit(127);
}

pid_t pf_proc_spawn(char *const argv[], const pf_runas *as, const char *out_path,
                    const char *cwd, bool new_session, pf_error *err)
{
    int outfd = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                     0644);
    if (outfd < 0)
        return pf_error_set(err, PF_EXIT_INFRA, "%s: cannot open: %s",
                            out_path ? out_path : "/dev/null", strerror(errno));
    if (as != NULL && as->active && out_path != NULL && fchown(outfd, as->uid, as->gid) != 0) {
        /* Not fatal: root still writes through the inherited descriptor. */
    }
    char **envp = child_environ();
    pid_t pid = fork();
    if (pid < 0) {
        free(envp);
        close(outfd);
        return pf_error_set(err, PF_EXIT_INFRA, "fork failed: %s", strerror(errno));
    }
    if (pid == 0)
        exec_child(argv, envp, as, outfd, cwd, new_session);
    free(envp);
    close(outfd);
    return pid;
}

static int decode_status(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return 255;
}

int pf_proc_wait(pid_t pid, int *exit_status)
{
    int st;
    for (;;) {
        pid_t r = waitpid(pid, &st, 0);
        if (r == pid)
            break;
        if (r < 0 && errno == EINTR)
            continue;
        return -1;
    }
    if (exit_status != NULL)
        *exit_status = decode_status(st);
    return 0;
}

int pf_proc_try_wait(pid_t pid, int *exit_status)
{
    int st;
    pid_t r;
    do {
        r = waitpid(pid, &st, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return -1;
    if (r == 0)
        return 0;
    if (exit_status != NULL)
        *exit_status = decode_status(st);
    return 1;
}

int pf_proc_capture(char *const argv[], char **out, pf_error *err)
{
    *out = NULL;
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
        int devnull = open("/dev/null", O_RDWR);
        dup2(fds[1], 1);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 2);
        }
        closefrom(3);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    /* A command's output is not ours: at most 16 MiB are kept. */
    pf_buf b;
    pf_buf_init_max(&b, (size_t)16 << 20);
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fds[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        pf_buf_append(&b, chunk, (size_t)n);
    }
    close(fds[0]);
    int status = 0;
    pf_proc_wait(pid, &status);
    if (status != 0 || pf_buf_too_big(&b)) {
        pf_buf_dispose(&b);
        if (status == 0)
            return pf_error_set(err, PF_EXIT_INFRA, "%s wrote more than 16 MiB", argv[0]);
        return pf_error_set(err, PF_EXIT_INFRA, "%s exited with status %d", argv[0], status);
    }
    *out = pf_buf_steal(&b);
    return 0;
}

unsigned long long pf_proc_starttime(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    char line[1024];
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    /* Field 2 (comm) may contain spaces: skip past its closing paren. */
    char *p = strrchr(line, ')');
    if (p == NULL)
        return 0;
    p++;
    /* After comm: state is field 3; starttime is field 22. */
    int field = 2;
    while (*p && field < 22) {
        if (*p == ' ')
            field++;
        p++;
    }
    return strtoull(p, NULL, 10);
}

bool pf_proc_is_zombie(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    char line[512];
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    const char *p = strrchr(line, ')');
    return p != NULL && p[1] == ' ' && p[2] == 'Z';
}

bool pf_proc_alive(pid_t pid, unsigned long long starttime)
{
    if (pid <= 0)
        return false;
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return false;
    if (pf_proc_is_zombie(pid))
        return false;
    if (starttime == 0)
        return true;
    unsigned long long now = pf_proc_starttime(pid);
    /* /proc unavailable: trust kill(). */
    return now == 0 || now == starttime;
}
