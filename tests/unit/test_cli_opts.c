/* The option tables of the CLI (cli/cli_opts.c), in-process: what
 * pf_cli_parse stores for each kind of option, what it refuses, and the
 * Usage and option lines pf_cli_help writes from the same table. */
#include <check.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "prepare.h"
#include "testutil.h"

typedef struct demo_cli {
    pf_cli_target t;
    bool fast, count_given;
    int count;
    double ratio, wait_ms;
    uint64_t big;
    const char *out;
    const char *tags[4];
    int n_tags;
} demo_cli;

static int parse_tag(void *base, const char *arg, const char *usage)
{
    demo_cli *o = base;
    if (strcmp(arg, "bad") == 0)
        return pf_cli_usage_error(usage, "demo: --tag '%s' is bad", arg);
    o->tags[o->n_tags++] = arg;
    return 0;
}

#define AT(field) offsetof(demo_cli, field)

static const pf_cli_opt k_opts[] = {
    {.kind = PF_CLI_GROUP, .group = &pf_cli_target_group, .at = AT(t),
     .skip = PF_CLI_TARGET_SEED},
    {.kind = PF_CLI_TEXT, .help = "\nMore:\n"},
    {.name = "fast", .kind = PF_CLI_FLAG, .at = AT(fast), .help = "skip the slow part"},
    {.name = "count", .kind = PF_CLI_INT, .at = AT(count), .min = 1, .max = 9,
     .given = PF_CLI_GIVEN(demo_cli, count_given), .meta = "N",
     .help = "how many, from 1 to 9;\nthe second line"},
    {.name = "ratio", .kind = PF_CLI_DOUBLE, .at = AT(ratio), .min = 1.5, .meta = "X",
     .synopsis = "[--ratio X [--wait D]]", .help = "a ratio"},
    {.name = "wait", .kind = PF_CLI_DURATION, .at = AT(wait_ms), .meta = "D", .synopsis = "",
     .help = "how long"},
    {.name = "big", .kind = PF_CLI_U64, .at = AT(big), .meta = "N"},
    {.name = "output-file-name", .kind = PF_CLI_STRING, .at = AT(out), .meta = "FILE",
     .help = "a term past the column"},
    {.name = "tag", .kind = PF_CLI_CUSTOM, .parse = parse_tag, .meta = "T", .help = "a tag"},
    {.kind = PF_CLI_DOC, .meta = "(default)", .help = "what happens without options"},
    {.name = "verbose", .short_name = 'v', .kind = PF_CLI_VERBOSE, .help = "say more"},
    {0},
};

static const pf_cli_spec k_spec = {
    .cmd = "demo",
    .opts = k_opts,
    .about = "\nAbout.\n\n",
    .epilog = "\nThe end.\n",
};

static const pf_cli_spec k_operands_spec = {
    .cmd = "demo files",
    .opts = k_opts + 2, /* the own options only */
    .operands = "FILE...",
    .usage_more = "       perfgate demo other\n",
    .col = 12,
};

/* Parse the NULL-terminated words after "demo" into *o (zeroed first). */
static int parse_words(const pf_cli_spec *spec, demo_cli *o, const char *const *words)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = "demo";
    for (size_t i = 0; words[i] != NULL; i++)
        argv[argc++] = (char *)words[i];
    argv[argc] = NULL;
    memset(o, 0, sizeof *o);
    return pf_cli_parse(spec, o, argc, argv);
}

static void setup(void)
{
    unsetenv("PERFGATE_DSN");
    pf_cli_verbose = false;
}

START_TEST(test_parse_stores_every_kind_at_its_offset)
{
    demo_cli o;
    const char *w[] = {"--fast",      "--count", "3",     "--ratio", "2.5", "--wait",
                       "2m",          "--big",   "18446744073709551615",
                       "--output-file-name", "x.json", "--tag", "a", "--tag", "b", "-v",
                       "--schema",    "s",       "--dataset", "d.json", "--dsn", "host=h",
                       "--scale",     "0.5",     "--jobs", "8", "--auth-shim", "--no-seed",
                       NULL};
    ck_assert_int_eq(parse_words(&k_spec, &o, w), PF_CLI_CONTINUE);
    ck_assert(o.fast);
    ck_assert_int_eq(o.count, 3);
    ck_assert(o.count_given);
    ck_assert_double_eq(o.ratio, 2.5);
    ck_assert_double_eq(o.wait_ms, 120000);
    ck_assert(o.big == UINT64_MAX);
    ck_assert_str_eq(o.out, "x.json");
    ck_assert_int_eq(o.n_tags, 2);
    ck_assert_str_eq(o.tags[1], "b");
    ck_assert(pf_cli_verbose);
    ck_assert_str_eq(o.t.schema, "s");
    ck_assert_str_eq(o.t.dataset, "d.json");
    ck_assert_str_eq(o.t.dsn, "host=h");
    ck_assert_double_eq(o.t.scale, 0.5);
    ck_assert_int_eq(o.t.jobs, 8);
    ck_assert(o.t.auth_shim);
    ck_assert(o.t.no_seed);
}
END_TEST

START_TEST(test_parse_leaves_what_was_not_given)
{
    demo_cli o;
    const char *w[] = {NULL};
    ck_assert_int_eq(parse_words(&k_spec, &o, w), PF_CLI_CONTINUE);
    ck_assert(!o.fast && !o.count_given && !o.t.seed_given);
    ck_assert_ptr_null(o.t.schema);
    ck_assert_double_eq(o.t.scale, 0);
    ck_assert(!pf_cli_verbose);
}
END_TEST

/* Each of these is a usage error (status 2), not a crash nor a pass. */
START_TEST(test_parse_refuses_bad_input)
{
    static const char *const cases[][4] = {
        {"--count", "0", NULL},       /* below the range */
        {"--count", "10", NULL},      /* above it */
        {"--count", "2x", NULL},      /* not a number */
        {"--ratio", "1.4", NULL},     /* below the minimum */
        {"--big", "-1", NULL},        /* negative */
        {"--wait", "soon", NULL},     /* not a duration */
        {"--tag", "bad", NULL},       /* the custom parser says no */
        {"--count", NULL},            /* no value */
        {"--frobnicate", NULL},       /* unknown */
        {"-x", NULL},                 /* unknown short */
        {"stray", NULL},              /* an operand the command takes none of */
        {"--scale", "0", NULL},       /* the group's ranges */
        {"--jobs", "65", NULL},
        {"--no-seed", NULL},          /* the group's check: needs --dsn */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        demo_cli o;
        ck_assert_msg(parse_words(&k_spec, &o, cases[i]) == PF_EXIT_USAGE, "case %zu (%s)", i,
                      cases[i][0]);
    }
    /* A member the table left out is not read: --seed, left out here, is
     * only the abbreviation of the group's --seed-sql (getopt_long's unique
     * prefixes), never the data's seed. */
    demo_cli o;
    const char *w[] = {"--seed", "1", NULL};
    ck_assert_int_eq(parse_words(&k_spec, &o, w), PF_CLI_CONTINUE);
    ck_assert(!o.t.seed_given);
    ck_assert_str_eq(o.t.seed_sql, "1");
}
END_TEST

START_TEST(test_no_seed_takes_the_dsn_from_the_environment)
{
    demo_cli o;
    const char *w[] = {"--no-seed", NULL};
    setenv("PERFGATE_DSN", "host=/tmp", 1);
    ck_assert_int_eq(parse_words(&k_spec, &o, w), PF_CLI_CONTINUE);
    setenv("PERFGATE_DSN", "", 1);
    ck_assert_int_eq(parse_words(&k_spec, &o, w), PF_EXIT_USAGE);
    unsetenv("PERFGATE_DSN");
}
END_TEST

START_TEST(test_operands_are_left_in_argv)
{
    demo_cli o;
    memset(&o, 0, sizeof o);
    char *argv[] = {"demo files", "a.json", "--fast", "b.json", NULL};
    ck_assert_int_eq(pf_cli_parse(&k_operands_spec, &o, 4, argv), PF_CLI_CONTINUE);
    ck_assert(o.fast);
    /* glibc moves the operands behind the options. */
    ck_assert_int_eq(optind, 2);
    ck_assert_str_eq(argv[optind], "a.json");
    ck_assert_str_eq(argv[optind + 1], "b.json");
}
END_TEST

/* A parse starts afresh: the same argv parses twice alike. */
START_TEST(test_parse_twice)
{
    demo_cli o;
    const char *w[] = {"--count", "4", NULL};
    ck_assert_int_eq(parse_words(&k_spec, &o, w), PF_CLI_CONTINUE);
    ck_assert_int_eq(parse_words(&k_spec, &o, w), PF_CLI_CONTINUE);
    ck_assert_int_eq(o.count, 4);
}
END_TEST

static char *help_of(const pf_cli_spec *spec)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    pf_cli_help(spec, f);
    fclose(f);
    return text;
}

/* The whole layout: the Usage line wrapped at 80 columns under the first
 * option, the group's members in place without the skipped one, overrides
 * and hidden options, descriptions at column 22 (two spaces after a longer
 * term), continuation lines, text and doc entries. */
START_TEST(test_help_layout)
{
    char *help = help_of(&k_spec);
    const char *want =
        "Usage: perfgate demo [--schema DIR] [--dataset FILE] [--dsn DSN] [--scale N]\n"
        "                     [--jobs N] [--seed-sql FILE] [--auth-shim] [--no-seed]\n"
        "                     [--fast] [--count N] [--ratio X [--wait D]]\n"
        "                     [--output-file-name FILE] [--tag T] [-v]\n"
        "\n"
        "About.\n"
        "\n"
        "  --schema DIR        schema directory (default fixtures/schema)\n";
    ck_assert_msg(strncmp(help, want, strlen(want)) == 0, "got:\n%s", help);
    const char *lines[] = {
        "\n\nMore:\n  --fast              skip the slow part\n",
        "  --count N           how many, from 1 to 9;\n"
        "                      the second line\n",
        "  --wait D            how long\n",
        "  --output-file-name FILE  a term past the column\n",
        "  (default)           what happens without options\n",
        "  -v                  say more\n\nThe end.\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        ck_assert_msg(strstr(help, lines[i]) != NULL, "lacks:\n%s\ngot:\n%s", lines[i], help);
    ck_assert_msg(strstr(help, "--seed N") == NULL, "skipped member shown:\n%s", help);
    ck_assert_msg(strstr(help, "--big") == NULL, "hidden option shown:\n%s", help);
    free(help);
}
END_TEST

START_TEST(test_usage_operands_and_more_forms)
{
    char *usage = pf_cli_usage(&k_operands_spec);
    ck_assert_str_eq(usage,
                     "Usage: perfgate demo files [--fast] [--count N] [--ratio X [--wait D]]\n"
                     "                           [--output-file-name FILE] [--tag T] [-v] FILE...\n"
                     "       perfgate demo other\n");
    free(usage);
    char *help = help_of(&k_operands_spec);
    ck_assert_msg(strstr(help, "  --fast    skip the slow part\n") != NULL, "col 12:\n%s", help);
    free(help);
}
END_TEST

/* What was given replaces the prepare's defaults; the rest stays. */
START_TEST(test_target_into_prepare)
{
    pf_prepare_opts po;
    pf_prepare_opts_init(&po);
    pf_cli_target t;
    memset(&t, 0, sizeof t);
    t.schema = "s";
    t.dataset = "d";
    pf_cli_target_prepare(&t, &po);
    ck_assert_double_eq(po.scale, 1.0);
    ck_assert_int_eq(po.jobs, 2);
    ck_assert(!po.seed_given && !po.auth_shim);
    t.scale = 0.25;
    t.jobs = 7;
    t.seed = 42;
    t.seed_given = true;
    t.auth_shim = true;
    pf_cli_target_prepare(&t, &po);
    ck_assert_str_eq(po.schema_dir, "s");
    ck_assert_str_eq(po.dataset_path, "d");
    ck_assert_double_eq(po.scale, 0.25);
    ck_assert_int_eq(po.jobs, 7);
    ck_assert(po.seed_given && po.seed == 42 && po.auth_shim);
}
END_TEST

/* Given paths stay; missing ones become default paths that t owns. */
START_TEST(test_target_defaults)
{
    pf_cli_target t;
    memset(&t, 0, sizeof t);
    t.schema = "mine";
    pf_cli_target_defaults(&t);
    ck_assert_str_eq(t.schema, "mine");
    ck_assert_ptr_nonnull(t.dataset);
    ck_assert_msg(strstr(t.dataset, PF_DEFAULT_DATASET) != NULL, "%s", t.dataset);
    pf_cli_target_dispose(&t);
    ck_assert_ptr_null(t.owned[1]);
    pf_cli_target_dispose(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_opts");
    TCase *tc = tcase_create("tables");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_parse_stores_every_kind_at_its_offset);
    tcase_add_test(tc, test_parse_leaves_what_was_not_given);
    tcase_add_test(tc, test_parse_refuses_bad_input);
    tcase_add_test(tc, test_no_seed_takes_the_dsn_from_the_environment);
    tcase_add_test(tc, test_operands_are_left_in_argv);
    tcase_add_test(tc, test_parse_twice);
    tcase_add_test(tc, test_help_layout);
    tcase_add_test(tc, test_usage_operands_and_more_forms);
    tcase_add_test(tc, test_target_into_prepare);
    tcase_add_test(tc, test_target_defaults);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
