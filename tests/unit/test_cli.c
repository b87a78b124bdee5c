/* The CLI contract, table-driven: argv -> exit status + output pattern. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

typedef struct cli_case {
    const char *args[8];
    int status;
    const char *out_has; /* substring of stdout, or NULL */
    const char *err_has; /* substring of stderr, or NULL */
} cli_case;

static const cli_case k_cases[] = {
    {{"--help"}, 0, "Usage: perfgate", NULL},
    {{"-h"}, 0, "Commands:", NULL},
    {{"--version"}, 0, "perfgate 0.1.0", NULL},
    {{NULL}, 2, NULL, "no command given"},
    {{"frobnicate"}, 2, NULL, "unknown command 'frobnicate'"},
    {{"--bogus"}, 2, NULL, "unknown option '--bogus'"},
    {{"-x"}, 2, NULL, "unknown option '-x'"},
    {{"pg"}, 2, NULL, "say start, stop or list"},
    {{"pg", "frob"}, 2, NULL, "unknown subcommand 'frob'"},
    {{"pg", "--help"}, 0, "unprivileged user 'postgres'", NULL},
    {{"pg", "start", "--help"}, 0, "--foreground", NULL},
    {{"pg", "start", "--nope"}, 2, NULL, "pg start: unknown option '--nope'"},
    {{"pg", "start", "-q"}, 2, NULL, "unknown option '-q'"},
    {{"pg", "start", "--timeout"}, 2, NULL, "option '--timeout' needs a value"},
    {{"pg", "start", "--timeout", "soon"}, 2, NULL, "'soon' is not a duration"},
    {{"pg", "start", "extra"}, 2, NULL, "unexpected argument 'extra'"},
    {{"pg", "stop", "/nonexistent/perfgate-x"}, 2, NULL, "no such cluster directory"},
    {{"pg", "stop", "a", "b"}, 2, NULL, "give one DIR or --all"},
    {{"pg", "stop", "--all", "a"}, 2, NULL, "give one DIR or --all"},
    {{"pg", "stop", "/tmp"}, 2, NULL, "not a perfgate cluster"},
    {{"pg", "list", "x"}, 2, NULL, "takes no arguments"},
};

START_TEST(test_cli_table)
{
    const cli_case *c = &k_cases[_i];
    char *argv[10];
    int n = 0;
    argv[n++] = (char *)pf_test_bin();
    for (int k = 0; c->args[k] != NULL; k++)
        argv[n++] = (char *)c->args[k];
    argv[n] = NULL;
    pf_run_result r;
    pf_test_run(argv, NULL, NULL, &r);
    ck_assert_msg(r.status == c->status, "case %d (%s): status %d, want %d; stderr: %s", _i,
                  c->args[0] ? c->args[0] : "(none)", r.status, c->status, r.err);
    if (c->out_has)
        ck_assert_msg(strstr(r.out, c->out_has) != NULL, "case %d: stdout lacks '%s': %s", _i,
                      c->out_has, r.out);
    if (c->err_has)
        ck_assert_msg(strstr(r.err, c->err_has) != NULL, "case %d: stderr lacks '%s': %s", _i,
                      c->err_has, r.err);
    /* Usage errors always show the usage. */
    if (c->status == 2)
        ck_assert_msg(strstr(r.err, "Usage:") != NULL || strstr(r.err, "no such cluster") ||
                          strstr(r.err, "not a perfgate cluster"),
                      "case %d: usage missing from stderr: %s", _i, r.err);
    pf_run_result_dispose(&r);
}
END_TEST

/* An empty $PERFGATE_DSN means "no server given" for every command, as it
 * does where the connection is made (pf_target_dsn): options that need an
 * existing database are refused before anything starts. */
START_TEST(test_empty_dsn_env_is_no_dsn)
{
    static const char *const cases[][4] = {
        {"run", "--no-seed", "run: --no-seed needs --dsn"},
        {"rls", "--no-seed", "rls: --no-seed needs --dsn"},
        {"load", "--init", "load: --init needs --dsn"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[] = {(char *)pf_test_bin(), (char *)cases[i][0], (char *)cases[i][1], NULL};
        char *env[] = {"PERFGATE_DSN=", NULL};
        pf_run_result r;
        pf_test_run(argv, env, NULL, &r);
        ck_assert_msg(r.status == 2, "%s %s: status %d; stderr: %s", cases[i][0], cases[i][1],
                      r.status, r.err);
        ck_assert_msg(strstr(r.err, cases[i][2]) != NULL, "%s: stderr lacks '%s': %s",
                      cases[i][0], cases[i][2], r.err);
        pf_run_result_dispose(&r);
    }
}
END_TEST

START_TEST(test_every_command_has_help)
{
    pf_run_result r;
    char *argv[] = {(char *)pf_test_bin(), "--help", NULL};
    pf_test_run(argv, NULL, NULL, &r);
    ck_assert_int_eq(r.status, 0);
    /* Each command listed in the global help answers --help with status 0. */
    const char *p = strstr(r.out, "Commands:\n");
    ck_assert_ptr_nonnull(p);
    p += strlen("Commands:\n");
    int seen = 0;
    while (strncmp(p, "  ", 2) == 0) {
        char name[32];
        ck_assert_int_eq(sscanf(p, " %31s", name), 1);
        pf_run_result h;
        char *hargv[] = {(char *)pf_test_bin(), name, "--help", NULL};
        pf_test_run(hargv, NULL, NULL, &h);
        ck_assert_msg(h.status == 0, "%s --help exited %d", name, h.status);
        ck_assert_msg(strstr(h.out, "Usage: perfgate") != NULL, "%s --help: %s", name, h.out);
        pf_run_result_dispose(&h);
        seen++;
        p = strchr(p, '\n') + 1;
    }
    ck_assert_int_gt(seen, 0);
    pf_run_result_dispose(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("contract");
    tcase_add_loop_test(tc, test_cli_table, 0, (int)(sizeof k_cases / sizeof k_cases[0]));
    tcase_add_test(tc, test_every_command_has_help);
    tcase_add_test(tc, test_empty_dsn_env_is_no_dsn);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
