/* The command-line front end: one cmd_<verb>.c per command. Only this
 * directory prints to the user and decides exit statuses. */
#ifndef PF_CLI_H
#define PF_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "exitcode.h"
#include "junit.h"

/* What the commands read when not told otherwise (found by
 * pf_cli_default_path). */
#define PF_DEFAULT_SCHEMA "fixtures/schema"
#define PF_DEFAULT_DATASET "fixtures/datasets/healthcare.json"
#define PF_DEFAULT_BENCH "bench"
#define PF_DEFAULT_BASELINES "baselines"
#define PF_DEFAULT_RLS_RULES "fixtures/rls/healthcare.json"
#define PF_DEFAULT_MONITOR_CONFIG "fixtures/monitoring/healthcare.json"
#define PF_DEFAULT_SCENARIOS "bench/load"
/* The monitor's history store (perfgate monitor, perfgate report). */
#define PF_STORE_DSN_ENV "PERFGATE_STORE_DSN"

/* One entry of the command table in main.c. run gets argv with argv[0] set
 * to the command name and returns an exit status (enum pf_exit). */
typedef struct pf_cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} pf_cli_command;

int pf_cmd_pg(int argc, char **argv);
int pf_cmd_seed(int argc, char **argv);
int pf_cmd_run(int argc, char **argv);
int pf_cmd_load(int argc, char **argv);
int pf_cmd_monitor(int argc, char **argv);
int pf_cmd_rls(int argc, char **argv);
int pf_cmd_report(int argc, char **argv);
int pf_cmd_init(int argc, char **argv);

/* -v given (globally or to the command). */
extern bool pf_cli_verbose;

/* "perfgate: <message>" on stderr. */
void pf_cli_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print an engine error and return its exit status. */
int pf_cli_fail(const pf_error *err);
/* A usage error: the message, then the command's usage, on stderr; 2. */
int pf_cli_usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Report getopt_long's '?' (unknown option) or ':' (missing value) as a
 * usage error; c is what getopt_long returned. */
int pf_cli_bad_option(const char *cmd, const char *usage, int c, char **argv);

/* Overrides where the defaults below come from (see pf_cli_default_path). */
#define PF_DATA_DIR_ENV "PERFGATE_DATA_DIR"

/* A project default (fixtures/schema, bench, ...), the first of:
 *   1. rel itself, when it exists in the current directory (the user's own
 *      project);
 *   2. $PERFGATE_DATA_DIR/rel, when that variable is set (returned even if
 *      missing, so the error names where perfgate looked);
 *   3. rel in the data directory of the installation perfgate runs from
 *      (pf_cli_installed_data_dir), when it exists there;
 *   4. rel in the source tree perfgate was built from (a build-tree binary);
 *   5. rel in the data directory perfgate was configured for (PF_DATA_DIR);
 *   6. rel unchanged (the caller's error then names it).
 * Caller frees. */
char *pf_cli_default_path(const char *rel);
/* The data directory of the installation that the executable exe belongs
 * to: <dir of exe>/../share/perfgate (from meson's bindir and datadir) when
 * that directory exists; NULL otherwise (e.g. build/src/perfgate). exe
 * NULL means this process's own executable (/proc/self/exe). Works for a
 * moved installation (meson install --destdir, a restored CI cache) because
 * it does not use the prefix. Caller frees. */
char *pf_cli_installed_data_dir(const char *exe);
/* given when non-NULL, else the default path of rel, which *owned then
 * holds (for the caller to free). */
const char *pf_cli_path_or_default(const char *given, char **owned, const char *rel);
/* The environment variable's value when set and non-empty, else NULL. */
const char *pf_cli_env(const char *name);

/* ------------------------------------------------------------- options
 *
 * A command's options are one table of pf_cli_opt. pf_cli_parse builds
 * getopt_long's option array and option string from it, parses each value
 * and stores it at an offset into the command's own struct (its "base");
 * pf_cli_help prints the Usage lines and the option lines of --help from
 * the same table. So an option is declared, parsed and documented in one
 * place, and a group of options shared by several commands (PF_CLI_GROUP:
 * pf_cli_target_group) reaches all of them at once.
 *
 *     typedef struct my_cli { pf_cli_target t; int n; bool fast; } my_cli;
 *     static const pf_cli_opt k_opts[] = {
 *         {.kind = PF_CLI_GROUP, .group = &pf_cli_target_group,
 *          .at = offsetof(my_cli, t)},
 *         {.name = "n", .kind = PF_CLI_INT, .at = offsetof(my_cli, n),
 *          .min = 1, .max = 64, .meta = "N", .help = "how many (default 2)"},
 *         {.name = "fast", .kind = PF_CLI_FLAG, .at = offsetof(my_cli, fast),
 *          .help = "skip the slow part"},
 *         {0},
 *     };
 *     static const pf_cli_spec k_spec = {.cmd = "my", .opts = k_opts};
 *     ...
 *     int rc = pf_cli_parse(&k_spec, &o, argc, argv);
 *     if (rc != PF_CLI_CONTINUE)
 *         return rc;
 *
 * --help (-h) is every command's; an unknown option, a missing value and an
 * operand the command takes none of are usage errors (status 2) that print
 * the message, then the usage. */

typedef enum pf_cli_kind {
    PF_CLI_END = 0,  /* ends a table: {0} */
    PF_CLI_FLAG,     /* no value: the bool at .at becomes true */
    PF_CLI_INT,      /* an int in [.min, .max] (pf_cli_parse_int) */
    PF_CLI_DOUBLE,   /* a double >= .min (pf_cli_parse_double) */
    PF_CLI_U64,      /* a uint64_t (pf_cli_parse_u64) */
    PF_CLI_DURATION, /* milliseconds, a double (pf_duration_parse: 500ms, 30s, 2m) */
    PF_CLI_STRING,   /* a const char * borrowed from argv: a path, a DSN, a text */
    PF_CLI_CUSTOM,   /* .parse reads the value */
    PF_CLI_VERBOSE,  /* -v: sets pf_cli_verbose (each command words its help) */
    PF_CLI_GROUP,    /* .group's options spliced in here, their values at .at */
    PF_CLI_TEXT,     /* not an option: .help printed as is in --help (a heading) */
    PF_CLI_DOC,      /* not an option: a --help line whose term is .meta, "(default)" */
} pf_cli_kind;

struct pf_cli_group;
struct pf_cli_spec;

/* One option (or one line of the option part of --help). Offsets are into
 * the base struct pf_cli_parse was given, or for a group's options into the
 * struct the group's entry points at. */
typedef struct pf_cli_opt {
    const char *name;  /* the long name without "--" */
    char short_name;   /* -v; 0: long only */
    pf_cli_kind kind;
    size_t at;         /* offsetof the value */
    size_t given;      /* PF_CLI_GIVEN(type, field): a bool set when the option is given; 0: none */
    double min, max;   /* PF_CLI_INT: the range; PF_CLI_DOUBLE: the minimum */
    /* PF_CLI_CUSTOM: read arg into base (the whole struct, not .at); on bad
     * input print a usage error with usage and return its status, else 0. */
    int (*parse)(void *base, const char *arg, const char *usage);
    const struct pf_cli_group *group; /* PF_CLI_GROUP */
    unsigned skip;     /* PF_CLI_GROUP: the group's members left out (their .member bits) */
    unsigned member;   /* in a group: the bit a command's .skip names it by; 0: always there */
    const char *meta;  /* the value's name in --help ("DIR"); PF_CLI_DOC: the whole term */
    /* --help lines, '\n' between them (continuation lines are indented to the
     * description column); NULL: left out of --help and of the Usage line. */
    const char *help;
    /* In the Usage line: NULL "[--name META]", "" nothing (another option's
     * entry shows it), else this text, e.g. "[--rls-rules FILE | --no-rls]". */
    const char *synopsis;
} pf_cli_opt;

/* .given of an option: the bool field that records that it was given. */
#define PF_CLI_GIVEN(type, field) (offsetof(type, field) + 1)

/* Options that several commands share: declared once, spliced into each
 * command's table with a PF_CLI_GROUP entry. */
typedef struct pf_cli_group {
    const pf_cli_opt *opts; /* ends with {0}; no PF_CLI_GROUP inside */
    /* After all options were read (may be NULL): a check across the group's
     * values at at; a usage error prints through pf_cli_spec_error. */
    int (*check)(const void *at, const struct pf_cli_spec *spec);
} pf_cli_group;

/* A command: its options and the text of its --help around them. */
typedef struct pf_cli_spec {
    const char *cmd;        /* "run", "pg start": after "Usage: perfgate " and in messages */
    const pf_cli_opt *opts; /* ends with {0} */
    const char *operands;   /* "FILE...": operands allowed (argv[optind..]), shown last in the
                             * Usage line; NULL: none */
    const char *usage_more; /* more Usage lines, printed as they are (other forms) */
    const char *about;      /* --help: what comes between the Usage lines and the options */
    const char *epilog;     /* --help: what comes after the options */
    int indent, col;        /* option lines: term at indent (0: 2), description at col (0: 22) */
    const struct pf_cli_spec *doc; /* usage and --help are this one's (pg stop: pg's) */
} pf_cli_spec;

/* pf_cli_parse: the command goes on. */
#define PF_CLI_CONTINUE (-1)

/* Parse argv (argv[0] the command's name) by spec's table into base. Returns
 * PF_CLI_CONTINUE when the command goes on, its operands (when spec takes
 * any) in argv[optind..argc-1]; otherwise the status to exit with:
 * PF_EXIT_OK after --help (printed on stdout), PF_EXIT_USAGE after a usage
 * error (the message, then the usage, on stderr). Starts getopt afresh. */
int pf_cli_parse(const pf_cli_spec *spec, void *base, int argc, char **argv);
/* The Usage lines of spec (spec->doc's when set), "\n"-terminated. Caller frees. */
char *pf_cli_usage(const pf_cli_spec *spec);
/* --help of spec (spec->doc's when set): the usage, about, the option lines, epilog. */
void pf_cli_help(const pf_cli_spec *spec, FILE *out);
/* A usage error of spec's command: "perfgate: <message>", then its usage, on
 * stderr; returns PF_EXIT_USAGE. */
int pf_cli_spec_error(const pf_cli_spec *spec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The target group: which server, and the schema and data that go into it.
 * Shared by every command that seeds (run, rls, seed, load): a command's
 * struct embeds a pf_cli_target, its table splices pf_cli_target_group in,
 * and after parsing it hands the values to its engine options. Its check:
 * --no-seed needs --dsn. */
typedef struct pf_cli_target {
    const char *schema;  /* --schema DIR */
    const char *dataset; /* --dataset FILE */
    const char *seed_sql; /* --seed-sql FILE: SQL after the data, before ANALYZE */
    const char *dsn;     /* --dsn DSN; NULL: $PERFGATE_DSN, else a disposable server */
    double scale;        /* --scale N; 0: not given */
    uint64_t seed;       /* --seed N, when seed_given */
    bool seed_given;
    int jobs;            /* --jobs N; 0: not given */
    bool auth_shim;      /* --auth-shim */
    bool no_seed;        /* --no-seed: the --dsn database holds schema and data already */
    char *owned[2];      /* the default paths pf_cli_target_defaults found */
} pf_cli_target;

extern const pf_cli_group pf_cli_target_group;
/* Members of the target group a command may leave out (.skip). */
#define PF_CLI_TARGET_DSN 1u     /* the command documents --dsn in its own words */
#define PF_CLI_TARGET_SEED 2u    /* the command's --seed is another seed */
#define PF_CLI_TARGET_NO_SEED 4u /* the command always seeds, or seeds on request */

/* The default schema and dataset paths where none was given (the first
 * found of pf_cli_default_path); t owns them until pf_cli_target_dispose. */
void pf_cli_target_defaults(pf_cli_target *t);
void pf_cli_target_dispose(pf_cli_target *t);
struct pf_prepare_opts;
/* t's schema and data options into a prepare's options (seed, load): what
 * was given replaces po's defaults. */
void pf_cli_target_prepare(const pf_cli_target *t, struct pf_prepare_opts *po);

/* Number options: on bad input print a usage error and return -1. */
int pf_cli_parse_double(const char *usage, const char *opt, const char *text, double min,
                        double *out);
int pf_cli_parse_u64(const char *usage, const char *opt, const char *text, uint64_t *out);
int pf_cli_parse_int(const char *usage, const char *opt, const char *text, int min, int max,
                     int *out);

/* Write a report: "-" means stdout; otherwise atomically (temp file and
 * rename), or appended (append = true, e.g. $GITHUB_STEP_SUMMARY). */
int pf_cli_write_output(const char *path, const char *text, bool append, pf_error *err);

/* true when stderr is a terminal (progress lines). */
bool pf_cli_tty(void);

/* 12,345,678 into buf, for any int64_t (INT64_MIN too); cut short, never
 * overrun, when len is too small. */
const char *pf_cli_thousands(int64_t v, char *buf, size_t len);

/* Progress lines on a terminal (cli_progress.c): install these as the
 * engine's progress callbacks only when pf_cli_tty(); each redraws one
 * stderr line ("seeding 3/7 tables, 41,000/91,000 rows", "RLS isolation
 * 12/40 tables", "RLS overhead 2/5 pairs"). pf_cli_progress_clear erases
 * it: call it before printing anything else to stderr while one may show,
 * and at the end. */
struct pf_prepare_progress;
void pf_cli_progress_seed(void *arg, const struct pf_prepare_progress *p);
void pf_cli_progress_rls(void *arg, const char *phase, size_t done, size_t total);
void pf_cli_progress_clear(void);

/* --junit-format reporters|junit10 (docs/junit.md): on bad input print a
 * usage error and return -1. */
int pf_cli_parse_junit_format(const char *usage, const char *text, pf_junit_format *out);

#endif
