/* Test helpers. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"

const char *pf_test_bin(void)
{
    const char *b = getenv("PERFGATE_BIN");
    return b ? b : "./src/perfgate";
}

const char *pf_test_source_root(void)
{
    const char *s = getenv("PERFGATE_SOURCE_ROOT");
    return s ? s : ".";
}

char *pf_test_source_path(const char *rel)
{
    return pf_path_join(pf_test_source_root(), rel);
}

void pf_test_run(char *const argv[], char *const env[], const char *input, pf_run_result *r)
{
    int in[2], out[2], err[2];
    if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0)
        abort();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        closefrom(3);
        for (char *const *e = env; e && *e; e++)
            putenv(*e);
        execv(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    if (input != NULL) {
        size_t len = strlen(input);
        while (len > 0) {
            ssize_t w = write(in[1], input, len);
            if (w <= 0)
                break;
            input += w;
            len -= (size_t)w;
        }
    }
    close(in[1]);
    pf_buf bo = PF_BUF_INIT, be = PF_BUF_INIT;
    struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0 && errno == EINTR)
            continue;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            char chunk[4096];
            ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else {
                pf_buf_append(i == 0 ? &bo : &be, chunk, (size_t)n);
            }
        }
    }
    int st = 0;
    waitpid(pid, &st, 0);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r->out = pf_buf_steal(&bo);
    r->err = pf_buf_steal(&be);
}

void pf_run_result_dispose(pf_run_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

char *pf_test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *templ = pf_asprintf("%s/pftest-XXXXXX", base && *base ? base : "/tmp");
    if (mkdtemp(templ) == NULL)
        abort();
    chmod(templ, 0755);
    return templ;
}

char *pf_test_write(const char *dir, const char *name, const char *text)
{
    char *path = pf_path_join(dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        abort();
    fputs(text, f);
    fclose(f);
    return path;
}

char *pf_test_junit_reporters_xsd(const char *dir)
{
    char *src = pf_test_source_path("tests/data/junit-10.xsd");
    char *text = NULL;
    pf_error err;
    if (pf_file_read(src, &text, NULL, &err) < 0)
        abort();
    free(src);
    /* Before the first attribute of <xs:element name="testcase">. */
    const char *tc = strstr(text, "<xs:element name=\"testcase\">");
    const char *at = tc ? strstr(tc, "<xs:attribute name=\"name\"") : NULL;
    if (at == NULL)
        abort();
    char *derived = pf_asprintf("%.*s<xs:attribute name=\"file\" type=\"xs:string\"/>\n"
                                "            <xs:attribute name=\"line\" "
                                "type=\"xs:positiveInteger\"/>\n            %s",
                                (int)(at - text), text, at);
    char *path = pf_test_write(dir, "junit-10-reporters.xsd", derived);
    free(derived);
    free(text);
    return path;
}

bool pf_test_process_running(const char *needle)
{
    DIR *d = opendir("/proc");
    bool found = false;
    struct dirent *de;
    while (d != NULL && !found && (de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        char path[300];
        snprintf(path, sizeof path, "/proc/%s/cmdline", de->d_name);
        char *cmd = NULL;
        size_t len = 0;
        pf_error e;
        if (pf_file_read(path, &cmd, &len, &e) < 0)
            continue;
        for (size_t i = 0; i < len; i++)
            if (cmd[i] == '\0')
                cmd[i] = ' ';
        /* Zombies have an empty cmdline and do not count. */
        found = strstr(cmd, needle) != NULL;
        free(cmd);
    }
    if (d)
        closedir(d);
    return found;
}
