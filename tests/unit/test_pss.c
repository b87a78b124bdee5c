/* pg_stat_statements deltas: new entries, resets, evictions, re-created
 * entries, per-interval standard deviation, never a negative delta, and
 * plain deltas that add up to the counters (what the store relies on). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pss.h"
#include "rng.h"

/* An entry with calls executions of ms each (so stddev 0). */
static pf_pss_entry entry(int64_t queryid, int64_t calls, double ms)
{
    pf_pss_entry e;
    memset(&e, 0, sizeof e);
    e.key.dbid = 5;
    e.key.userid = 10;
    e.key.queryid = queryid;
    e.key.toplevel = true;
    e.c.calls = calls;
    e.c.exec_ms = ms * (double)calls;
    e.c.sumsq = (double)calls * ms * ms;
    e.c.rows = calls;
    e.c.shared_hit = 3 * calls;
    return e;
}

static pf_pss_snapshot *snap(int64_t t_s, int64_t reset_s, int64_t dealloc, size_t n,
                             const pf_pss_entry *e)
{
    pf_pss_snapshot *s = pf_pss_snapshot_new(n);
    s->taken_us = t_s * 1000000;
    s->stats_reset_us = reset_s * 1000000;
    s->dealloc = dealloc;
    s->server_start_us = 1;
    if (n > 0)
        memcpy(s->entries, e, n * sizeof *e);
    pf_pss_snapshot_sort(s);
    return s;
}

static const pf_pss_delta *find(const pf_pss_diff *d, int64_t queryid)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->d[i].key.queryid == queryid)
            return &d->d[i];
    return NULL;
}

START_TEST(test_first_snapshot_is_a_baseline_without_deltas)
{
    pf_pss_entry e[] = {entry(1, 10, 2.0)};
    pf_pss_snapshot *a = snap(100, 50, 0, 1, e);
    pf_pss_diff d;
    pf_pss_diff_compute(NULL, a, &d);
    ck_assert(d.baseline);
    ck_assert_uint_eq(d.n, 0);
    pf_pss_diff_dispose(&d);
    pf_pss_snapshot_free(a);
}
END_TEST

START_TEST(test_delta_is_the_difference_and_idle_entries_are_skipped)
{
    pf_pss_entry e1[] = {entry(1, 10, 2.0), entry(2, 5, 1.0)};
    pf_pss_entry e2[] = {entry(1, 30, 2.0), entry(2, 5, 1.0)};
    e2[0].c.exec_ms = 20 + 20 * 5.0; /* 20 new calls of 5 ms */
    e2[0].c.sumsq = 10 * 4.0 + 20 * 25.0;
    pf_pss_snapshot *a = snap(100, 50, 0, 2, e1), *b = snap(160, 50, 0, 2, e2);
    pf_pss_diff d;
    pf_pss_diff_compute(a, b, &d);
    ck_assert(!d.baseline && !d.reset);
    ck_assert_uint_eq(d.n, 1);
    const pf_pss_delta *x = find(&d, 1);
    ck_assert_ptr_nonnull(x);
    ck_assert_int_eq(x->calls, 20);
    ck_assert_int_eq(x->rows, 20);
    ck_assert_int_eq(x->shared_hit, 60);
    ck_assert_double_eq_tol(x->mean_ms, 5.0, 1e-9);
    ck_assert_double_eq_tol(x->stddev_ms, 0.0, 1e-6);
    ck_assert(!x->recreated);
    ck_assert_int_eq(d.from_us, 100000000);
    ck_assert_int_eq(d.to_us, 160000000);
    pf_pss_diff_dispose(&d);
    pf_pss_snapshot_free(a);
    pf_pss_snapshot_free(b);
}
END_TEST

START_TEST(test_interval_stddev_comes_from_the_sums_of_squares)
{
    /* Before: 4 calls of 10 ms. In the interval: 2 ms and 6 ms (mean 4, sd 2). */
    pf_pss_entry e1[] = {entry(1, 4, 10.0)};
    pf_pss_entry e2[] = {entry(1, 6, 0)};
    e2[0].c.exec_ms = 40 + 8;
    e2[0].c.sumsq = 400 + 4 + 36;
    e2[0].c.rows = 6;
    e2[0].c.shared_hit = 12;
    pf_pss_snapshot *a = snap(1, 0, -1, 1, e1), *b = snap(2, 0, -1, 1, e2);
    pf_pss_diff d;
    pf_pss_diff_compute(a, b, &d);
    ck_assert_uint_eq(d.n, 1);
    ck_assert_double_eq_tol(d.d[0].mean_ms, 4.0, 1e-9);
    ck_assert_double_eq_tol(d.d[0].stddev_ms, 2.0, 1e-9);
    pf_pss_diff_dispose(&d);
    pf_pss_snapshot_free(a);
    pf_pss_snapshot_free(b);
}
END_TEST

START_TEST(test_new_entry_counts_in_full)
{
    pf_pss_entry e1[] = {entry(1, 10, 2.0)};
    pf_pss_entry e2[] = {entry(1, 10, 2.0), entry(7, 4, 150.0)};
    pf_pss_snapshot *a = snap(100, 50, 0, 1, e1), *b = snap(160, 50, 0, 2, e2);
    pf_pss_diff d;
    pf_pss_diff_compute(a, b, &d);
    ck_assert_uint_eq(d.n, 1);
    ck_assert_int_eq(d.d[0].key.queryid, 7);
    ck_assert_int_eq(d.d[0].calls, 4);
    ck_assert_double_eq_tol(d.d[0].mean_ms, 150.0, 1e-9);
    pf_pss_diff_dispose(&d);
    pf_pss_snapshot_free(a);
    pf_pss_snapshot_free(b);
}
END_TEST

START_TEST(test_full_reset_restarts_from_zero_even_when_counters_grew)
{
    /* pg_stat_statements_reset() then more calls than before: the naive
     * difference (2) would be wrong, the reset says 12. */
    pf_pss_entry e1[] = {entry(1, 10, 2.0), entry(2, 100, 1.0)};
    pf_pss_entry e2[] = {entry(1, 12, 3.0), entry(2, 3, 1.0)};
    pf_pss_snapshot *a = snap(100, 50, 4, 2, e1), *b = snap(160, 130, 0, 2, e2);
    pf_pss_diff d;
    pf_pss_diff_compute(a, b, &d);
    ck_assert(d.reset);
    ck_assert_uint_eq(d.n, 2);
    ck_assert_int_eq(find(&d, 1)->calls, 12);
    ck_assert_double_eq_tol(find(&d, 1)->mean_ms, 3.0, 1e-9);
    ck_assert_int_eq(find(&d, 2)->calls, 3);
    pf_pss_diff_dispose(&d);
    pf_pss_snapshot_free(a);
    pf_pss_snapshot_free(b);
}
END_TEST

START_TEST(test_dealloc_going_down_is_a_reset)
{
    pf_pss_entry e1[] = {entry(1, 10, 2.0)};
    pf_pss_entry e2[] = {entry(1, 11, 2.0)};
    /* stats_reset unknown (0), dealloc 9 -> 0. */
    pf_pss_snapshot *a = snap(100, 0, 9, 1, e1), *b = snap(160, 0, 0, 1, e2);
    pf_pss_diff d;
    pf_pss_diff_compute(a, b, &d);
    ck_assert(d.reset);
    ck_assert_int_eq(d.d[0].calls, 11);
    pf_pss_diff_dispose(&d);
    pf_pss_snapshot_free(a);
    pf_pss_snapshot_free(b);
}
END_TEST

START_TEST(test_evicted_and_recreated_entry_counts_from_zero)
{
    pf_pss_entry e1[] = {entry(1, 50, 2.0), entry(2, 5, 1.0)};
    pf_pss_entry e2[] = {entry(1, 7, 9.0)}; /* 2 evicted; 1 evicted and re-created */
    pf_pss_snapshot *a = snap(100, 50, 10, 2, e1), *b = snap(160, 50, 13, 1, e2);
    pf_pss_diff d;
    pf_pss_diff_compute(a, b, &d);
    ck_assert(!d.reset);
    ck_assert_int_eq(d.evicted, 3);
    ck_assert_uint_eq(d.recreated, 1);
    ck_assert_uint_eq(d.n, 1);
    ck_assert(d.d[0].recreated);
    ck_assert_int_eq(d.d[0].calls, 7);
    ck_assert_double_eq_tol(d.d[0].mean_ms, 9.0, 1e-9);
    pf_pss_diff_dispose(&d);
    pf_pss_snapshot_free(a);
    pf_pss_snapshot_free(b);
}
END_TEST

START_TEST(test_stats_since_change_marks_a_recreated_entry)
{
    pf_pss_entry e1[] = {entry(1, 10, 2.0)};
    pf_pss_entry e2[] = {entry(1, 15, 2.0)};
    e1[0].c.stats_since_us = 1000;
    e2[0].c.stats_since_us = 2000;
    pf_pss_snapshot *a = snap(100, 50, 0, 1, e1), *b = snap(160, 50, 1, 1, e2);
    pf_pss_diff d;
    pf_pss_diff_compute(a, b, &d);
    ck_assert(d.d[0].recreated);
    ck_assert_int_eq(d.d[0].calls, 15);
    pf_pss_diff_dispose(&d);
    pf_pss_snapshot_free(a);
    pf_pss_snapshot_free(b);
}
END_TEST

START_TEST(test_server_restart_is_reported)
{
    pf_pss_entry e[] = {entry(1, 10, 2.0)};
    pf_pss_snapshot *a = snap(100, 50, 0, 1, e), *b = snap(160, 50, 0, 1, e);
    b->server_start_us = 99;
    pf_pss_diff d;
    pf_pss_diff_compute(a, b, &d);
    ck_assert(d.server_restarted);
    pf_pss_diff_dispose(&d);
    pf_pss_snapshot_free(a);
    pf_pss_snapshot_free(b);
}
END_TEST

/* Random histories with resets, evictions, re-creations and float noise:
 * no field of any delta is ever negative, and with neither resets nor
 * evictions the deltas add up to the growth of the counters. */
START_TEST(test_deltas_are_never_negative_over_random_histories)
{
    pf_rng rng = pf_rng_stream(20260101, 1, 2, 3);
    for (int history = 0; history < 200; history++) {
        pf_pss_entry cur[8];
        bool alive[8];
        for (int k = 0; k < 8; k++) {
            cur[k] = entry(k + 1, 0, 0);
            alive[k] = true;
        }
        int64_t reset = 1, dealloc = 0;
        pf_pss_snapshot *prev = NULL;
        for (int step = 0; step < 30; step++) {
            uint64_t r = pf_rng_next(&rng);
            if (r % 17 == 0) { /* full reset */
                reset++;
                dealloc = 0;
                for (int k = 0; k < 8; k++)
                    cur[k] = entry(k + 1, 0, 0);
            }
            for (int k = 0; k < 8; k++) {
                uint64_t x = pf_rng_next(&rng);
                if (x % 11 == 0) { /* evicted, maybe re-created */
                    dealloc++;
                    cur[k] = entry(k + 1, 0, 0);
                    alive[k] = x % 2 == 0;
                    continue;
                }
                alive[k] = true;
                int64_t add = (int64_t)(x % 5);
                cur[k].c.calls += add;
                cur[k].c.exec_ms += (double)add * (double)(x % 300) / 7.0;
                cur[k].c.sumsq += (double)add * 3.0;
                cur[k].c.rows += add * 2;
                cur[k].c.shared_hit += add;
                /* Float wobble in the last bits must not read as a decrease. */
                if (x % 3 == 0)
                    cur[k].c.exec_ms *= 1 - 1e-15;
            }
            pf_pss_entry live[8];
            size_t n = 0;
            for (int k = 0; k < 8; k++)
                if (alive[k])
                    live[n++] = cur[k];
            pf_pss_snapshot *s = snap(1000 + step, reset, dealloc, n, live);
            pf_pss_diff d;
            pf_pss_diff_compute(prev, s, &d);
            for (size_t i = 0; i < d.n; i++) {
                const pf_pss_delta *x = &d.d[i];
                ck_assert(x->calls > 0);
                ck_assert(x->rows >= 0 && x->shared_hit >= 0 && x->shared_read >= 0 &&
                          x->temp_read >= 0 && x->temp_written >= 0);
                ck_assert(x->exec_ms >= 0 && x->plan_ms >= 0 && x->mean_ms >= 0 &&
                          x->stddev_ms >= 0);
                ck_assert(!isnan(x->stddev_ms));
            }
            pf_pss_diff_dispose(&d);
            pf_pss_snapshot_free(prev);
            prev = s;
        }
        pf_pss_snapshot_free(prev);
    }
}
END_TEST

static bool same_counters(const pf_pss_counters *a, const pf_pss_counters *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

/* What the history store keeps per entry (store.c): a row rewritten as of
 * the snapshot for new, recreated and reset entries and for counters that
 * moved without calls, else the row plus the plain deltas stored since.
 * Over random histories (evictions, re-creations, resets, float wobble)
 * that sum is the counters: exactly for the integer fields, to rounding for
 * the times and for the sums of squares rebuilt from each interval's mean
 * and standard deviation. */
START_TEST(test_plain_deltas_add_up_to_the_counters)
{
    pf_rng rng = pf_rng_stream(20260102, 4, 5, 6);
    long plain = 0, rewritten = 0;
    for (int history = 0; history < 200; history++) {
        pf_pss_entry cur[6];
        bool alive[6];
        pf_pss_counters kept[6];
        for (int k = 0; k < 6; k++) {
            cur[k] = entry(k + 1, 0, 0);
            alive[k] = true;
        }
        int64_t reset = 1, dealloc = 0;
        pf_pss_snapshot *prev = NULL;
        for (int step = 0; step < 40; step++) {
            uint64_t r = pf_rng_next(&rng);
            if (r % 19 == 0) { /* full reset */
                reset++;
                dealloc = 0;
                for (int k = 0; k < 6; k++)
                    cur[k] = entry(k + 1, 0, 0);
            }
            for (int k = 0; k < 6; k++) {
                uint64_t x = pf_rng_next(&rng);
                if (x % 13 == 0) { /* evicted, maybe re-created and run at once */
                    dealloc++;
                    cur[k] = entry(k + 1, (int64_t)(x % 4), 0.5);
                    alive[k] = x % 2 == 0;
                    continue;
                }
                alive[k] = true;
                /* Half the calls at t, half at 2t: a real spread. */
                int64_t half = (int64_t)(x % 3);
                double t = (double)(x % 97) / 13.0 + 0.01;
                cur[k].c.calls += 2 * half;
                cur[k].c.exec_ms += (double)half * 3 * t;
                cur[k].c.sumsq += (double)half * 5 * t * t;
                cur[k].c.rows += half * 3;
                cur[k].c.shared_hit += half * 11;
                cur[k].c.temp_written += half;
                if (x % 7 == 0)
                    cur[k].c.plan_ms += 0.25; /* planned, not executed */
                if (x % 3 == 0)
                    cur[k].c.exec_ms *= 1 - 1e-15;
            }
            pf_pss_entry live[6];
            size_t n = 0;
            for (int k = 0; k < 6; k++)
                if (alive[k])
                    live[n++] = cur[k];
            pf_pss_snapshot *s = snap(1000 + step, reset, dealloc, n, live);
            pf_pss_diff d;
            pf_pss_diff_compute(prev, s, &d);
            for (size_t i = 0; i < s->n; i++) {
                const pf_pss_entry *e = &s->entries[i];
                int k = (int)e->key.queryid - 1;
                const pf_pss_entry *c = pf_pss_snapshot_find(prev, &e->key);
                const pf_pss_delta *x = find(&d, e->key.queryid);
                bool rewrite;
                if (c == NULL)
                    rewrite = true; /* new */
                else if (x != NULL)
                    rewrite = d.reset || x->recreated;
                else
                    rewrite = !same_counters(&c->c, &e->c); /* moved without calls */
                if (rewrite) {
                    kept[k] = e->c;
                    rewritten++;
                } else if (x != NULL) {
                    kept[k].calls += x->calls;
                    kept[k].rows += x->rows;
                    kept[k].shared_hit += x->shared_hit;
                    kept[k].shared_read += x->shared_read;
                    kept[k].temp_read += x->temp_read;
                    kept[k].temp_written += x->temp_written;
                    kept[k].exec_ms += x->exec_ms;
                    kept[k].plan_ms += x->plan_ms;
                    kept[k].sumsq += (double)x->calls *
                                     (x->stddev_ms * x->stddev_ms + x->mean_ms * x->mean_ms);
                    plain++;
                }
                ck_assert_int_eq(kept[k].calls, e->c.calls);
                ck_assert_int_eq(kept[k].rows, e->c.rows);
                ck_assert_int_eq(kept[k].shared_hit, e->c.shared_hit);
                ck_assert_int_eq(kept[k].temp_written, e->c.temp_written);
                ck_assert_double_eq_tol(kept[k].exec_ms, e->c.exec_ms, 1e-9 * (1 + e->c.exec_ms));
                ck_assert_double_eq_tol(kept[k].plan_ms, e->c.plan_ms, 1e-9 * (1 + e->c.plan_ms));
                ck_assert_double_eq_tol(kept[k].sumsq, e->c.sumsq, 1e-9 * (1 + e->c.sumsq));
            }
            pf_pss_diff_dispose(&d);
            pf_pss_snapshot_free(prev);
            prev = s;
        }
        pf_pss_snapshot_free(prev);
    }
    /* Both ways were taken, most often the cheap one. */
    ck_assert_int_gt(rewritten, 0);
    ck_assert_int_gt(plain, rewritten);
}
END_TEST

START_TEST(test_snapshot_find_and_copy)
{
    pf_pss_entry e[] = {entry(9, 1, 1), entry(-3, 1, 1), entry(4, 1, 1)};
    e[1].key.toplevel = false;
    pf_pss_snapshot *a = snap(1, 1, 0, 3, e);
    ck_assert_int_eq(a->entries[0].key.queryid, -3);
    pf_pss_key k = e[2].key;
    ck_assert_ptr_nonnull(pf_pss_snapshot_find(a, &k));
    k.toplevel = false;
    ck_assert_ptr_null(pf_pss_snapshot_find(a, &k));
    pf_pss_snapshot *c = pf_pss_snapshot_copy(a);
    ck_assert_uint_eq(c->n, 3);
    ck_assert_int_eq(c->taken_us, a->taken_us);
    ck_assert_ptr_ne(c->entries, a->entries);
    pf_pss_snapshot_free(a);
    pf_pss_snapshot_free(c);
    ck_assert_ptr_null(pf_pss_snapshot_copy(NULL));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pss");
    TCase *tc = tcase_create("deltas");
    tcase_add_test(tc, test_first_snapshot_is_a_baseline_without_deltas);
    tcase_add_test(tc, test_delta_is_the_difference_and_idle_entries_are_skipped);
    tcase_add_test(tc, test_interval_stddev_comes_from_the_sums_of_squares);
    tcase_add_test(tc, test_new_entry_counts_in_full);
    tcase_add_test(tc, test_full_reset_restarts_from_zero_even_when_counters_grew);
    tcase_add_test(tc, test_dealloc_going_down_is_a_reset);
    tcase_add_test(tc, test_evicted_and_recreated_entry_counts_from_zero);
    tcase_add_test(tc, test_stats_since_change_marks_a_recreated_entry);
    tcase_add_test(tc, test_server_restart_is_reported);
    tcase_add_test(tc, test_deltas_are_never_negative_over_random_histories);
    tcase_add_test(tc, test_plain_deltas_add_up_to_the_counters);
    tcase_add_test(tc, test_snapshot_find_and_copy);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
