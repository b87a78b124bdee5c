/* Signal flag and emergency stop of owned servers. */
#include "interrupt.h"

#include <string.h>

#define MAX_WATCHED 16

static volatile sig_atomic_t received;
static volatile sig_atomic_t quit_on_signal;
static volatile sig_atomic_t watched[MAX_WATCHED];

static void on_signal(int sig)
{
    if (received == sig) {
        /* Second time: the user means it. */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    received = sig;
    if (quit_on_signal)
        for (int i = 0; i < MAX_WATCHED; i++)
            if (watched[i] > 0)
                kill((pid_t)watched[i], SIGQUIT);
}

void pf_interrupt_install(bool quit_servers)
{
    quit_on_signal = quit_servers;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* A closed pipe (e.g. `perfgate ... | head`) is an I/O error, not death. */
    signal(SIGPIPE, SIG_IGN);
}

int pf_interrupt_signal(void)
{
    return received;
}

void pf_interrupt_clear(void)
{
    received = 0;
}

void pf_interrupt_watch_pid(pid_t pid)
{
    for (int i = 0; i < MAX_WATCHED; i++)
        if (watched[i] == 0) {
            watched[i] = pid;
            return;
        }
}

void pf_interrupt_unwatch_pid(pid_t pid)
{
    for (int i = 0; i < MAX_WATCHED; i++)
        if (watched[i] == pid)
            watched[i] = 0;
}
