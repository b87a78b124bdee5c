/* Instruction counting without a server: reading callgrind's dumps, the
 * iteration ladder, when recorded counts compare, and the phase's job list.
 * (The counting itself needs a server under valgrind: tests/integration/
 * test_gate.c.) */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "callgrind.h"
#include "instr.h"
#include "measure.h"

/* A dump as callgrind 3.19 writes it with --dump-line=no (abridged). */
static const char k_dump[] = "# callgrind format\n"
                             "version: 1\n"
                             "creator: callgrind-3.19.0\n"
                             "pid: 17900\n"
                             "cmd:  /usr/lib/postgresql/15/bin/postgres -D /tmp/x/data -p 21852\n"
                             "part: 2\n"
                             "\n"
                             "desc: I1 cache: \n"
                             "positions: line\n"
                             "events: Ir\n"
                             "summary: 42834453\n"
                             "\n"
                             "ob=(1) /usr/lib/postgresql/15/bin/postgres\n"
                             "fn=(1) PortalRun\n"
                             "0 1200\n"
                             "\n"
                             "totals: 42834453\n";

START_TEST(test_totals_are_read_from_a_dump)
{
    int64_t ir = -1;
    ck_assert_int_eq(pf_callgrind_parse_totals(k_dump, &ir), 0);
    ck_assert_int_eq(ir, 42834453);
}
END_TEST

START_TEST(test_summary_is_the_fallback_and_zero_is_a_count)
{
    int64_t ir = -1;
    ck_assert_int_eq(pf_callgrind_parse_totals("events: Ir\nsummary: 0\n", &ir), 0);
    ck_assert_int_eq(ir, 0);
}
END_TEST

START_TEST(test_a_dump_without_totals_is_refused)
{
    int64_t ir = 7;
    ck_assert_int_eq(pf_callgrind_parse_totals("", &ir), -1);
    ck_assert_int_eq(pf_callgrind_parse_totals("events: Ir\nfn=PortalRun\n0 12\n", &ir), -1);
    ck_assert_int_eq(pf_callgrind_parse_totals("totals: lots\n", &ir), -1);
    ck_assert_int_eq(pf_callgrind_parse_totals("totals: -5\n", &ir), -1);
    ck_assert_int_eq(pf_callgrind_parse_totals("totals: 99999999999999999999999\n", &ir), -1);
    /* "totals:" must start a line. */
    ck_assert_int_eq(pf_callgrind_parse_totals("# not totals: 12\n", &ir), -1);
    ck_assert_int_eq(ir, 7);
}
END_TEST

START_TEST(test_iterations_fall_with_the_cost)
{
    ck_assert_int_eq(pf_measure_instr_iterations(0), 20);
    ck_assert_int_eq(pf_measure_instr_iterations(430000), 20);
    ck_assert_int_eq(pf_measure_instr_iterations(1249999), 20);
    ck_assert_int_eq(pf_measure_instr_iterations(1250000), 10);
    ck_assert_int_eq(pf_measure_instr_iterations(2400000), 10);
    ck_assert_int_eq(pf_measure_instr_iterations(4000000), 5);
    ck_assert_int_eq(pf_measure_instr_iterations(6000000), 3);
    ck_assert_int_eq(pf_measure_instr_iterations(10000000), 2);
    ck_assert_int_eq(pf_measure_instr_iterations(12500000), 1);
    ck_assert_int_eq(pf_measure_instr_iterations(INT64_MAX), 1);
    /* About 25M counted instructions, never more than 20 draws. */
    for (int64_t c = 100000; c < 100000000; c += 77777) {
        int n = pf_measure_instr_iterations(c);
        ck_assert_msg(n >= 1 && n <= 20, "%lld: %d", (long long)c, n);
        ck_assert_msg(n == 1 || n == 20 || (int64_t)n * c <= 25000000, "%lld x %d", (long long)c, n);
    }
}
END_TEST

static void phase_with(pf_instr_phase *ph)
{
    pf_instr_phase_init(ph);
    ph->available = true;
    ph->info.version = strdup("3.19.0");
    ph->info.arch = strdup("x86_64");
    ph->server_build = strdup("PostgreSQL 15.20 (Debian) on x86_64");
}

START_TEST(test_counts_compare_only_with_the_same_method_build_and_tools)
{
    pf_instr_phase ph;
    phase_with(&ph);
    const char *build = "PostgreSQL 15.20 (Debian) on x86_64";
    char *m = pf_instr_mismatch(&ph, PF_INSTR_METHOD, "3.19.0", "x86_64", build);
    ck_assert_ptr_null(m);
    m = pf_instr_mismatch(&ph, "callgrind PortalRun", "3.19.0", "x86_64", build);
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(m, "counted another way (callgrind PortalRun)");
    free(m);
    m = pf_instr_mismatch(&ph, PF_INSTR_METHOD, "3.19.0", "aarch64", build);
    ck_assert_str_eq(m, "counted on aarch64, this machine is x86_64");
    free(m);
    m = pf_instr_mismatch(&ph, PF_INSTR_METHOD, "3.19.0", "x86_64", "PostgreSQL 15.18 (Debian)");
    ck_assert_msg(strstr(m, "another server build (PostgreSQL 15.18 (Debian))") != NULL, "%s", m);
    free(m);
    m = pf_instr_mismatch(&ph, PF_INSTR_METHOD, "3.22.0", "x86_64", build);
    ck_assert_str_eq(m, "counted with valgrind 3.22.0, this machine has 3.19.0");
    free(m);
    m = pf_instr_mismatch(&ph, NULL, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(m);
    free(m);
    pf_instr_phase_dispose(&ph);
}
END_TEST

START_TEST(test_identical_requests_share_a_job)
{
    pf_case owner = {0}, patient = {0};
    owner.name = "timeline_page_owner";
    owner.identity = PF_IDENTITY_OWNER;
    patient.name = "timeline_page_patient";
    patient.identity = PF_IDENTITY_AUTHENTICATED;
    pf_instr_phase ph;
    pf_instr_phase_init(&ph);
    size_t a = pf_instr_add(&ph, &patient, "perfgate", false, 0, -1);
    ck_assert_uint_eq(pf_instr_add(&ph, &patient, "perfgate", false, 0, -1), a);
    /* Another database, the owner half, other iterations: other jobs. */
    size_t b = pf_instr_add(&ph, &patient, "perfgate_base", false, 0, (int)a);
    size_t c = pf_instr_add(&ph, &patient, "perfgate", true, 0, (int)a);
    size_t d = pf_instr_add(&ph, &patient, "perfgate", false, 10, -1);
    ck_assert(b != a && c != a && d != a && c != b && d != c);
    /* "As owner" means nothing for an owner case. */
    size_t e = pf_instr_add(&ph, &owner, "perfgate", true, 0, -1);
    ck_assert_uint_eq(pf_instr_add(&ph, &owner, "perfgate", false, 0, -1), e);
    ck_assert(!ph.jobs[e].as_owner);
    ck_assert_uint_eq(ph.n, 5);
    ck_assert_int_eq(pf_instr_find(&ph, &patient, "perfgate", true), (long)c);
    ck_assert_int_eq(pf_instr_find(&ph, &owner, "perfgate_base", false), -1);
    pf_instr_phase_dispose(&ph);
    ck_assert_uint_eq(ph.n, 0);
}
END_TEST

START_TEST(test_without_a_server_of_our_own_nothing_is_counted)
{
    /* --dsn: no cluster. The phase says why in one line and is no error. */
    pf_case c = {0};
    c.name = "audit_recent_activity";
    pf_instr_phase ph;
    pf_instr_phase_init(&ph);
    pf_instr_add(&ph, &c, "perfgate", false, 0, -1);
    pf_target t;
    memset(&t, 0, sizeof t);
    pf_error e;
    pf_error_clear(&e);
    ck_assert_int_eq(pf_instr_run(&ph, &t, 1, &e), 0);
    ck_assert(ph.ran && !ph.available);
    ck_assert_ptr_nonnull(ph.unavailable);
    ck_assert_msg(strstr(ph.unavailable, "not --dsn") != NULL, "%s", ph.unavailable);
    ck_assert_ptr_null(strchr(ph.unavailable, '\n'));
    pf_instr_phase_dispose(&ph);
}
END_TEST

START_TEST(test_a_missing_valgrind_is_one_clear_line)
{
    setenv(PF_VALGRIND_ENV, "/nonexistent/valgrind", 1);
    pf_callgrind_info info;
    pf_error e;
    pf_error_clear(&e);
    ck_assert_int_eq(pf_callgrind_probe(&info, &e), -1);
    ck_assert_msg(strstr(e.msg, "instructions not counted: PERFGATE_VALGRIND=/nonexistent/valgrind "
                                "is not an executable") != NULL,
                  "%s", e.msg);
    /* An empty PATH and no override: says what to install. */
    unsetenv(PF_VALGRIND_ENV);
    char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", "/nonexistent", 1);
    ck_assert_int_eq(pf_callgrind_probe(&info, &e), -1);
    ck_assert_msg(strstr(e.msg, "valgrind is not installed (Debian: apt-get install valgrind") !=
                      NULL,
                  "%s", e.msg);
    if (path) {
        setenv("PATH", path, 1);
        free(path);
    }
}
END_TEST

START_TEST(test_the_installed_valgrind_is_found_with_its_version)
{
    pf_callgrind_info info;
    pf_error e;
    pf_error_clear(&e);
    if (pf_callgrind_probe(&info, &e) < 0) {
        /* The test suite's machines have valgrind (ci/apt-packages-test.txt). */
        ck_abort_msg("valgrind not usable here: %s", e.msg);
    }
    ck_assert_ptr_nonnull(strstr(info.valgrind, "valgrind"));
    ck_assert_msg(info.version[0] >= '3' && strchr(info.version, '.') != NULL, "%s", info.version);
    ck_assert(strcmp(info.arch, "x86_64") == 0 || strcmp(info.arch, "aarch64") == 0);
    pf_callgrind_info_dispose(&info);
    pf_callgrind_info_dispose(&info); /* idempotent */
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("instr");
    TCase *tc = tcase_create("callgrind");
    tcase_add_test(tc, test_totals_are_read_from_a_dump);
    tcase_add_test(tc, test_summary_is_the_fallback_and_zero_is_a_count);
    tcase_add_test(tc, test_a_dump_without_totals_is_refused);
    tcase_add_test(tc, test_a_missing_valgrind_is_one_clear_line);
    tcase_add_test(tc, test_the_installed_valgrind_is_found_with_its_version);
    suite_add_tcase(s, tc);
    TCase *tp = tcase_create("phase");
    tcase_add_test(tp, test_iterations_fall_with_the_cost);
    tcase_add_test(tp, test_counts_compare_only_with_the_same_method_build_and_tools);
    tcase_add_test(tp, test_identical_requests_share_a_job);
    tcase_add_test(tp, test_without_a_server_of_our_own_nothing_is_counted);
    suite_add_tcase(s, tp);
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
