/* Child processes: spawning server binaries (optionally as another user),
 * capturing a command's output, and telling whether a pid is still the
 * process we think it is. */
#ifndef PF_PROC_H
#define PF_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* The unprivileged identity server processes run as when perfgate runs as
 * root (initdb and postgres refuse root). */
typedef struct pf_runas {
    bool active; /* false: run as ourselves */
    uid_t uid;
    gid_t gid;
    char name[64];
} pf_runas;

/* Name of the environment variable that overrides the server user. */
#define PF_PG_USER_ENV "PERFGATE_PG_USER"

/* Decide who runs the server. Not root: ourselves (active=false). Root:
 * $PERFGATE_PG_USER, else "postgres" (the Debian package's user), else
 * "nobody". Nothing is created system-wide. */
int pf_proc_runas_for_server(pf_runas *out, pf_error *err);

/* fork+exec argv[0] (a path). stdin is /dev/null; stdout and stderr are
 * appended to out_path (or /dev/null when NULL). With as->active the child
 * drops to that user; new_session puts it in its own session so terminal
 * signals and a killed parent do not reach it. cwd may be NULL.
 * Returns the pid, or -1 with err set. */
pid_t pf_proc_spawn(char *const argv[], const pf_runas *as, const char *out_path,
                    const char *cwd, bool new_session, pf_error *err);

/* waitpid that retries on EINTR. *exit_status: exit code, or 128+signal.
 * Returns 0, or -1 if pid is not our child. */
int pf_proc_wait(pid_t pid, int *exit_status);

/* Non-blocking wait: 1 if the child has exited (status filled), 0 if still
 * running, -1 if not our child. */
int pf_proc_try_wait(pid_t pid, int *exit_status);

/* Run argv (PATH lookup), capture stdout (stderr discarded). *out is the
 * caller's. Returns 0 when it ran and exited 0. */
int pf_proc_capture(char *const argv[], char **out, pf_error *err);

/* Kernel start time of pid (clock ticks since boot), 0 if there is none. */
unsigned long long pf_proc_starttime(pid_t pid);

/* true if pid is a zombie: it has exited but nobody reaped it yet (an
 * orphan whose new parent is slow to wait for it). */
bool pf_proc_is_zombie(pid_t pid);

/* true if pid exists (and is not a zombie) and, when starttime != 0, started at that time (so a
 * recycled pid is not mistaken for the original process). */
bool pf_proc_alive(pid_t pid, unsigned long long starttime);

#endif
