/* A thread barrier whose party count can shrink: when a thread cannot be
 * created, the threads already waiting are released instead of waiting
 * forever for one that never comes (POSIX barriers cannot be resized).
 *
 *     pf_barrier b;
 *     pf_barrier_init(&b, n_threads + 1);
 *     ... create threads; one fails after k were created:
 *     pf_barrier_shrink(&b, k + 1);          // the k threads and us
 *     pf_barrier_wait(&b);                    // in every party, as often as needed
 *     pf_barrier_dispose(&b);
 */
#ifndef PF_BARRIER_H
#define PF_BARRIER_H

#include <pthread.h>

typedef struct pf_barrier {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned parties;
    unsigned arrived;
    unsigned long generation;
} pf_barrier;

void pf_barrier_init(pf_barrier *b, unsigned parties);
/* Wait until `parties` threads have arrived in this round; reusable. */
void pf_barrier_wait(pf_barrier *b);
/* Fewer parties from now on; releases the round if that many are waiting. */
void pf_barrier_shrink(pf_barrier *b, unsigned parties);
void pf_barrier_dispose(pf_barrier *b);

#endif
