/* The CLI contract, table-driven: argv -> exit status + output pattern. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
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
    {{"run", "--junit-format", "xml"}, 2, NULL, "'xml': expected reporters or junit10"},
    {{"rls", "--junit-format", "JUnit10"}, 2, NULL, "expected reporters or junit10"},
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

/* The target group (--schema --dataset --dsn --scale --seed --jobs
 * --auth-shim --no-seed) is one table shared by every command that seeds:
 * each case runs against each of them, with the same status and message.
 * "%s" in a pattern stands for the command (the seed option in SEED
 * cases). */
typedef struct target_cmd {
    const char *name;
    const char *data_seed; /* the option that seeds the data */
    bool no_seed;          /* has --no-seed */
} target_cmd;

static const target_cmd k_target_cmds[] = {
    {"run", "--seed", true},
    {"rls", "--seed", true},
    {"seed", "--seed", false},
    {"load", "--data-seed", false},
};

typedef struct target_case {
    const char *args[3]; /* "SEED" stands for the command's data_seed option */
    const char *err_has;
} target_case;

static const target_case k_target_cases[] = {
    {{"--scale", "0"}, "perfgate: --scale: '0' is not a number >= 1e-06\n"},
    {{"--scale", "many"}, "perfgate: --scale: 'many' is not a number >= 1e-06\n"},
    {{"SEED", "-1"}, "perfgate: %s: '-1' is not a non-negative integer\n"},
    {{"SEED", "x1"}, "perfgate: %s: 'x1' is not a non-negative integer\n"},
    {{"--jobs", "0"}, "perfgate: --jobs: '0' is not an integer in [1, 64]\n"},
    {{"--jobs", "65"}, "perfgate: --jobs: '65' is not an integer in [1, 64]\n"},
    {{"--jobs", "2x"}, "perfgate: --jobs: '2x' is not an integer in [1, 64]\n"},
    {{"--dataset"}, "perfgate: %s: option '--dataset' needs a value\n"},
    {{"--schema"}, "perfgate: %s: option '--schema' needs a value\n"},
    {{"--dsn"}, "perfgate: %s: option '--dsn' needs a value\n"},
    {{"--no-such-option"}, "perfgate: %s: unknown option '--no-such-option'\n"},
    {{"-S", "x"}, "perfgate: %s: unknown option '-S'\n"},
    {{"stray"}, "perfgate: %s: unexpected argument 'stray'\n"},
};

START_TEST(test_target_options_of_every_seeding_command)
{
    const target_case *c = &k_target_cases[_i];
    for (size_t k = 0; k < sizeof k_target_cmds / sizeof k_target_cmds[0]; k++) {
        const target_cmd *cmd = &k_target_cmds[k];
        char *argv[10];
        int n = 0;
        argv[n++] = (char *)pf_test_bin();
        argv[n++] = (char *)cmd->name;
        /* Should the case's option be taken, the command stops here before
         * a server starts (the case then fails on its message). */
        argv[n++] = "--dataset";
        argv[n++] = "/nonexistent/dataset.json";
        int first = n;
        for (int a = 0; a < 3 && c->args[a] != NULL; a++)
            argv[n++] = (char *)(strcmp(c->args[a], "SEED") == 0 ? cmd->data_seed : c->args[a]);
        argv[n] = NULL;
        char want[256], usage[64];
        bool seed_case = strcmp(c->args[0], "SEED") == 0;
        snprintf(want, sizeof want, c->err_has, seed_case ? cmd->data_seed : cmd->name);
        snprintf(usage, sizeof usage, "\nUsage: perfgate %s [", cmd->name);
        char *env[] = {"PERFGATE_DSN=", NULL};
        pf_run_result r;
        pf_test_run(argv, env, NULL, &r);
        ck_assert_msg(r.status == 2, "%s %s: status %d; stderr: %s", cmd->name, argv[first],
                      r.status, r.err);
        ck_assert_msg(strstr(r.err, want) != NULL, "%s %s: stderr lacks '%s': %s", cmd->name,
                      argv[first], want, r.err);
        ck_assert_msg(strstr(r.err, usage) != NULL, "%s %s: no usage: %s", cmd->name,
                      argv[first], r.err);
        pf_run_result_dispose(&r);
    }
}
END_TEST

/* --no-seed needs a database that is seeded already: refused without
 * --dsn where it exists, unknown where it does not. */
START_TEST(test_no_seed_of_every_seeding_command)
{
    for (size_t k = 0; k < sizeof k_target_cmds / sizeof k_target_cmds[0]; k++) {
        const target_cmd *cmd = &k_target_cmds[k];
        char *argv[] = {(char *)pf_test_bin(), (char *)cmd->name, "--no-seed", NULL};
        char *env[] = {"PERFGATE_DSN=", NULL};
        char want[128];
        snprintf(want, sizeof want,
                 cmd->no_seed ? "%s: --no-seed needs --dsn" : "%s: unknown option '--no-seed'",
                 cmd->name);
        pf_run_result r;
        pf_test_run(argv, env, NULL, &r);
        ck_assert_msg(r.status == 2, "%s: status %d; stderr: %s", cmd->name, r.status, r.err);
        ck_assert_msg(strstr(r.err, want) != NULL, "%s: stderr lacks '%s': %s", cmd->name, want,
                      r.err);
        pf_run_result_dispose(&r);
    }
}
END_TEST

/* Every option of the group is in each seeding command's Usage line and
 * has a line of its own in its --help: a new option of the group reaches
 * them all. (load words --dsn itself and seeds the data with --data-seed.) */
START_TEST(test_target_options_are_documented_by_every_seeding_command)
{
    for (size_t k = 0; k < sizeof k_target_cmds / sizeof k_target_cmds[0]; k++) {
        const target_cmd *cmd = &k_target_cmds[k];
        char *argv[] = {(char *)pf_test_bin(), (char *)cmd->name, "--help", NULL};
        pf_run_result r;
        pf_test_run(argv, NULL, NULL, &r);
        ck_assert_int_eq(r.status, 0);
        const char *options = strstr(r.out, "\n\n");
        ck_assert_ptr_nonnull(options);
        size_t usage_len = (size_t)(options - r.out);
        for (const pf_cli_opt *o = pf_cli_target_group.opts; o->kind != PF_CLI_END; o++) {
            const char *name = o->name;
            if (strcmp(name, "seed") == 0)
                name = cmd->data_seed + 2;
            if (strcmp(name, "no-seed") == 0 && !cmd->no_seed)
                continue;
            char in_usage[64], line[64];
            snprintf(in_usage, sizeof in_usage, "[--%s", name);
            snprintf(line, sizeof line, "\n  --%s", name);
            const char *u = strstr(r.out, in_usage);
            ck_assert_msg(u != NULL && (size_t)(u - r.out) < usage_len, "%s: usage lacks %s:\n%s",
                          cmd->name, in_usage, r.out);
            ck_assert_msg(strstr(options, line) != NULL, "%s --help: no line for --%s:\n%s",
                          cmd->name, name, r.out);
        }
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

/* Seeding progress: none when stderr is a pipe (CI logs stay clean). The
 * generator alone (--no-load) reports progress like a load does. */
START_TEST(test_no_progress_when_stderr_is_not_a_terminal)
{
    pf_run_result r;
    char *argv[] = {(char *)pf_test_bin(), "seed", "--no-load", "--scale", "0.05", NULL};
    pf_test_run(argv, NULL, NULL, &r);
    ck_assert_msg(r.status == 0, "seed --no-load: %d: %s", r.status, r.err);
    ck_assert_msg(strstr(r.err, "perfgate: generated ") != NULL, "%s", r.err);
    ck_assert_msg(strchr(r.err, '\r') == NULL && strchr(r.err, '\033') == NULL, "%s", r.err);
    ck_assert_msg(strstr(r.err, "seeding") == NULL, "%s", r.err);
    ck_assert_msg(strchr(r.out, '\r') == NULL, "%s", r.out);
    pf_run_result_dispose(&r);
}
END_TEST

/* On a terminal (a pty from script(1)): one line rewritten with \r, ending
 * at every table and row, erased before the summary. */
START_TEST(test_progress_on_a_terminal)
{
    const char *script = "/usr/bin/script";
    if (access(script, X_OK) != 0) {
        fprintf(stderr, "test_progress_on_a_terminal: no %s, skipped\n", script);
        return;
    }
    char *cmd = pf_asprintf("%s seed --no-load --scale 0.05", pf_test_bin());
    char *argv[] = {(char *)script, "-qec", cmd, "/dev/null", NULL};
    pf_run_result r;
    pf_test_run(argv, NULL, NULL, &r);
    ck_assert_msg(r.status == 0, "script: %d: %s%s", r.status, r.out, r.err);
    /* The pty merges stderr into script's stdout. */
    const char *first = strstr(r.out, "\r\033[Kseeding ");
    ck_assert_msg(first != NULL, "no progress line: %s", r.out);
    const char *last = first, *p;
    while ((p = strstr(last + 1, "\r\033[Kseeding ")) != NULL)
        last = p;
    size_t td = 0, tn = 0;
    char rd[32] = "", rn[32] = "";
    ck_assert_msg(sscanf(last, "\r\033[Kseeding %zu/%zu tables, %31[0-9,]/%31[0-9,] rows", &td,
                         &tn, rd, rn) == 4,
                  "unexpected progress line: %.80s", last);
    ck_assert_uint_gt(tn, 0);
    ck_assert_uint_eq(td, tn);
    ck_assert_str_eq(rd, rn);
    /* Erased before the summary line. */
    const char *summary = strstr(last, "perfgate: generated ");
    ck_assert_ptr_nonnull(summary);
    ck_assert_ptr_nonnull(strstr(last + 1, "\r\033[K"));
    ck_assert(strstr(last + 1, "\r\033[K") < summary);
    pf_run_result_dispose(&r);
    free(cmd);
}
END_TEST

/* pf_cli_thousands: every int64_t, the extremes included (INT64_MIN has
 * no positive int64_t), and a short buffer cut, never overrun. */
static const struct {
    int64_t v;
    const char *want;
} k_thousands[] = {
    {0, "0"},
    {7, "7"},
    {-7, "-7"},
    {999, "999"},
    {1000, "1,000"},
    {-1000, "-1,000"},
    {12345678, "12,345,678"},
    {-123456, "-123,456"},
    {INT64_MAX, "9,223,372,036,854,775,807"},
    {INT64_MIN, "-9,223,372,036,854,775,808"},
    {INT64_MIN + 1, "-9,223,372,036,854,775,807"},
};

START_TEST(test_thousands)
{
    char buf[64];
    memset(buf, 'x', sizeof buf);
    ck_assert_str_eq(pf_cli_thousands(k_thousands[_i].v, buf, sizeof buf), k_thousands[_i].want);
}
END_TEST

START_TEST(test_thousands_in_a_short_buffer)
{
    for (size_t len = 1; len <= 8; len++) {
        char buf[16];
        memset(buf, 'x', sizeof buf);
        pf_cli_thousands(INT64_MIN, buf, len);
        ck_assert_msg(strlen(buf) < len, "len %zu: '%s'", len, buf);
        ck_assert_msg(strncmp(buf, "-9,223,372", strlen(buf)) == 0, "len %zu: '%s'", len, buf);
        for (size_t k = len; k < sizeof buf; k++)
            ck_assert_msg(buf[k] == 'x', "len %zu: byte %zu written", len, k);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("contract");
    tcase_add_loop_test(tc, test_cli_table, 0, (int)(sizeof k_cases / sizeof k_cases[0]));
    tcase_add_test(tc, test_every_command_has_help);
    tcase_add_test(tc, test_empty_dsn_env_is_no_dsn);
    tcase_add_loop_test(tc, test_target_options_of_every_seeding_command, 0,
                        (int)(sizeof k_target_cases / sizeof k_target_cases[0]));
    tcase_add_test(tc, test_no_seed_of_every_seeding_command);
    tcase_add_test(tc, test_target_options_are_documented_by_every_seeding_command);
    tcase_add_test(tc, test_no_progress_when_stderr_is_not_a_terminal);
    tcase_add_test(tc, test_progress_on_a_terminal);
    tcase_add_loop_test(tc, test_thousands, 0, (int)(sizeof k_thousands / sizeof k_thousands[0]));
    tcase_add_test(tc, test_thousands_in_a_short_buffer);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
