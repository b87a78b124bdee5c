/* A shrinkable thread barrier (mutex and condition variable). */
#include "barrier.h"

void pf_barrier_init(pf_barrier *b, unsigned parties)
{
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    b->parties = parties;
    b->arrived = 0;
    b->generation = 0;
}

/* With b->mu held: the round is complete, release it. */
static void release(pf_barrier *b)
{
    b->arrived = 0;
    b->generation++;
    pthread_cond_broadcast(&b->cv);
}

void pf_barrier_wait(pf_barrier *b)
{
    pthread_mutex_lock(&b->mu);
    unsigned long gen = b->generation;
    if (++b->arrived >= b->parties)
        release(b);
    else
        while (gen == b->generation)
            pthread_cond_wait(&b->cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
}

void pf_barrier_shrink(pf_barrier *b, unsigned parties)
{
    pthread_mutex_lock(&b->mu);
    b->parties = parties;
    if (b->arrived > 0 && b->arrived >= b->parties)
        release(b);
    pthread_mutex_unlock(&b->mu);
}

void pf_barrier_dispose(pf_barrier *b)
{
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
}
