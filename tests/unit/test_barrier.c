/* The shrinkable barrier: rounds release every party, reuse works, and a
 * shrink releases threads waiting for a party that will never come (what
 * load and drain do when a thread cannot be created). */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "barrier.h"

typedef struct party {
    pf_barrier *b;
    atomic_int *passed;
    int rounds;
} party;

static void *wait_rounds(void *arg)
{
    party *p = arg;
    for (int r = 0; r < p->rounds; r++) {
        pf_barrier_wait(p->b);
        atomic_fetch_add(p->passed, 1);
    }
    return NULL;
}

static void nap(void)
{
    struct timespec ts = {0, 50 * 1000000};
    nanosleep(&ts, NULL);
}

START_TEST(test_every_party_passes_every_round)
{
    pf_barrier b;
    pf_barrier_init(&b, 4);
    atomic_int passed = 0;
    party p = {&b, &passed, 3};
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, wait_rounds, &p), 0);
    for (int r = 0; r < 3; r++) {
        nap();
        /* Nobody passes round r before we arrive. */
        ck_assert_int_eq(atomic_load(&passed), 3 * r);
        pf_barrier_wait(&b);
    }
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_eq(atomic_load(&passed), 9);
    pf_barrier_dispose(&b);
}
END_TEST

START_TEST(test_shrinking_releases_the_waiting_parties)
{
    /* Five parties expected; only two threads started. */
    pf_barrier b;
    pf_barrier_init(&b, 5);
    atomic_int passed = 0;
    party p = {&b, &passed, 2};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, wait_rounds, &p), 0);
    nap();
    ck_assert_int_eq(atomic_load(&passed), 0);
    pf_barrier_shrink(&b, 3); /* the two threads and us */
    pf_barrier_wait(&b);
    pf_barrier_wait(&b); /* a second round with the smaller count */
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_eq(atomic_load(&passed), 4);
    pf_barrier_dispose(&b);
}
END_TEST

START_TEST(test_shrinking_below_the_waiting_count_releases_at_once)
{
    pf_barrier b;
    pf_barrier_init(&b, 3);
    atomic_int passed = 0;
    party p = {&b, &passed, 1};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, wait_rounds, &p), 0);
    nap();
    pf_barrier_shrink(&b, 2); /* two are waiting: the round is complete */
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_eq(atomic_load(&passed), 2);
    pf_barrier_dispose(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("barrier");
    TCase *tc = tcase_create("barrier");
    tcase_add_test(tc, test_every_party_passes_every_round);
    tcase_add_test(tc, test_shrinking_releases_the_waiting_parties);
    tcase_add_test(tc, test_shrinking_below_the_waiting_count_releases_at_once);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
