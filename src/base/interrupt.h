/* Interruption: SIGINT, SIGTERM and SIGHUP set a flag the engine polls, and
 * immediately quit the disposable servers perfgate owns so that a query
 * blocked inside libpq returns and the normal cleanup path runs. A second
 * signal of the same kind takes the default action. */
#ifndef PF_INTERRUPT_H
#define PF_INTERRUPT_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* Install the handlers. With quit_servers false the handlers only set the
 * flag (commands that shut down gracefully: load, monitor). */
void pf_interrupt_install(bool quit_servers);
/* The signal received, or 0. */
int pf_interrupt_signal(void);
/* Forget a received signal (tests). */
void pf_interrupt_clear(void);
/* Register / unregister a postmaster pid to be sent SIGQUIT on interruption. */
void pf_interrupt_watch_pid(pid_t pid);
void pf_interrupt_unwatch_pid(pid_t pid);

#endif
