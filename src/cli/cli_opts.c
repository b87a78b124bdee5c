/* The commands' options as tables: one declaration parses the option,
 * stores its value and writes its lines of --help (cli.h); and the target
 * group that every command which seeds shares. */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "prepare.h"
#include "target.h"
#include "timeutil.h"

/* Where the usage wraps, and where option lines start by default. */
#define USAGE_WIDTH 80
#define DEFAULT_INDENT 2
#define DEFAULT_COL 22
/* getopt_long's value of a long-only option: its index in the flat table. */
#define LONG_ONLY_KEY 256

/* An entry of a command's table with groups spliced in: the option and the
 * offset its .at and .given count from. */
typedef struct flat_opt {
    const pf_cli_opt *o;
    size_t base;
} flat_opt;

static size_t count_opts(const pf_cli_opt *opts)
{
    size_t n = 0;
    while (opts[n].kind != PF_CLI_END)
        n++;
    return n;
}

/* spec's entries in table order, groups spliced in without their skipped
 * members. *n gets the count; caller frees. */
static flat_opt *flatten(const pf_cli_spec *spec, size_t *n)
{
    size_t cap = 0;
    for (const pf_cli_opt *o = spec->opts; o->kind != PF_CLI_END; o++)
        cap += o->kind == PF_CLI_GROUP ? count_opts(o->group->opts) : 1;
    flat_opt *flat = pf_calloc(cap + 1, sizeof *flat);
    size_t k = 0;
    for (const pf_cli_opt *o = spec->opts; o->kind != PF_CLI_END; o++) {
        if (o->kind != PF_CLI_GROUP) {
            flat[k++] = (flat_opt){o, 0};
            continue;
        }
        for (const pf_cli_opt *m = o->group->opts; m->kind != PF_CLI_END; m++)
            if ((m->member & o->skip) == 0)
                flat[k++] = (flat_opt){m, o->at};
    }
    *n = k;
    return flat;
}

static bool is_option(const pf_cli_opt *o)
{
    return o->kind != PF_CLI_TEXT && o->kind != PF_CLI_DOC;
}

static bool takes_value(const pf_cli_opt *o)
{
    return o->kind != PF_CLI_FLAG && o->kind != PF_CLI_VERBOSE;
}

/* ------------------------------------------------------------ the texts */

/* "--name META", "-v", or a DOC entry's own term. */
static void put_term(pf_buf *b, const pf_cli_opt *o)
{
    if (o->kind == PF_CLI_DOC) {
        pf_buf_puts(b, o->meta);
        return;
    }
    if (o->short_name != 0)
        pf_buf_printf(b, "-%c", o->short_name);
    else
        pf_buf_printf(b, "--%s", o->name);
    if (o->meta != NULL)
        pf_buf_printf(b, " %s", o->meta);
}

/* Append one unit of the Usage line, wrapping before it when the line would
 * pass USAGE_WIDTH; continuation lines are indented to align under the
 * first option. */
static void put_unit(pf_buf *b, size_t *line_start, size_t align, const char *unit)
{
    size_t line_len = b->len - *line_start;
    if (line_len > align && line_len + 1 + strlen(unit) > USAGE_WIDTH) {
        pf_buf_putc(b, '\n');
        *line_start = b->len;
        pf_buf_printf(b, "%*s", (int)align, "");
    } else {
        pf_buf_putc(b, ' ');
    }
    pf_buf_puts(b, unit);
}

char *pf_cli_usage(const pf_cli_spec *spec)
{
    if (spec->doc != NULL)
        spec = spec->doc;
    pf_buf b = PF_BUF_INIT;
    pf_buf_printf(&b, "Usage: perfgate %s", spec->cmd);
    size_t line_start = 0, align = b.len + 1;
    size_t n;
    flat_opt *flat = flatten(spec, &n);
    pf_buf unit = PF_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const pf_cli_opt *o = flat[i].o;
        if (!is_option(o) || (o->synopsis == NULL && o->help == NULL))
            continue;
        if (o->synopsis != NULL) {
            if (*o->synopsis != '\0')
                put_unit(&b, &line_start, align, o->synopsis);
            continue;
        }
        pf_buf_reset(&unit);
        pf_buf_putc(&unit, '[');
        put_term(&unit, o);
        pf_buf_putc(&unit, ']');
        put_unit(&b, &line_start, align, pf_buf_str(&unit));
    }
    if (spec->operands != NULL)
        put_unit(&b, &line_start, align, spec->operands);
    pf_buf_putc(&b, '\n');
    if (spec->usage_more != NULL)
        pf_buf_puts(&b, spec->usage_more);
    pf_buf_dispose(&unit);
    free(flat);
    return pf_buf_steal(&b);
}

/* One option's lines: the term at the indent, the description from the
 * column (two spaces after a term that reaches it), continuation lines
 * indented to the column. */
static void put_help_lines(pf_buf *b, const pf_cli_spec *spec, const pf_cli_opt *o)
{
    int indent = spec->indent > 0 ? spec->indent : DEFAULT_INDENT;
    size_t col = (size_t)(spec->col > 0 ? spec->col : DEFAULT_COL);
    size_t start = b->len;
    pf_buf_printf(b, "%*s", indent, "");
    put_term(b, o);
    size_t used = b->len - start;
    pf_buf_printf(b, "%*s", used + 2 > col ? 2 : (int)(col - used), "");
    for (const char *p = o->help;;) {
        const char *nl = strchr(p, '\n');
        pf_buf_append(b, p, nl != NULL ? (size_t)(nl - p) : strlen(p));
        pf_buf_putc(b, '\n');
        if (nl == NULL || nl[1] == '\0')
            break;
        p = nl + 1;
        pf_buf_printf(b, "%*s", (int)col, "");
    }
}

void pf_cli_help(const pf_cli_spec *spec, FILE *out)
{
    if (spec->doc != NULL)
        spec = spec->doc;
    char *usage = pf_cli_usage(spec);
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b, usage);
    free(usage);
    if (spec->about != NULL)
        pf_buf_puts(&b, spec->about);
    size_t n;
    flat_opt *flat = flatten(spec, &n);
    for (size_t i = 0; i < n; i++) {
        const pf_cli_opt *o = flat[i].o;
        if (o->help == NULL)
            continue;
        if (o->kind == PF_CLI_TEXT)
            pf_buf_puts(&b, o->help);
        else
            put_help_lines(&b, spec, o);
    }
    free(flat);
    if (spec->epilog != NULL)
        pf_buf_puts(&b, spec->epilog);
    fputs(pf_buf_str(&b), out);
    pf_buf_dispose(&b);
}

int pf_cli_spec_error(const pf_cli_spec *spec, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("perfgate: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    char *usage = pf_cli_usage(spec);
    fputs(usage, stderr);
    free(usage);
    return PF_EXIT_USAGE;
}

/* -------------------------------------------------------------- parsing */

/* Read arg into f's place in base; 0, or the status of a usage error. */
static int store(const pf_cli_spec *spec, const flat_opt *f, void *base, const char *arg,
                 const char *usage)
{
    const pf_cli_opt *o = f->o;
    char *at = (char *)base + f->base + o->at;
    char opt[64];
    snprintf(opt, sizeof opt, "--%s", o->name);
    int bad = 0;
    switch (o->kind) {
    case PF_CLI_FLAG:
        *(bool *)at = true;
        break;
    case PF_CLI_INT:
        bad = pf_cli_parse_int(usage, opt, arg, (int)o->min, (int)o->max, (int *)at);
        break;
    case PF_CLI_DOUBLE:
        bad = pf_cli_parse_double(usage, opt, arg, o->min, (double *)at);
        break;
    case PF_CLI_U64:
        bad = pf_cli_parse_u64(usage, opt, arg, (uint64_t *)at);
        break;
    case PF_CLI_DURATION: {
        pf_error e;
        if (pf_duration_parse(arg, (double *)at, &e) < 0)
            return pf_cli_usage_error(usage, "%s: %s: %s", spec->cmd, opt, e.msg);
        break;
    }
    case PF_CLI_STRING:
        *(const char **)at = arg;
        break;
    case PF_CLI_CUSTOM: {
        int rc = o->parse((char *)base + f->base, arg, usage);
        if (rc != 0)
            return rc;
        break;
    }
    case PF_CLI_VERBOSE:
        pf_cli_verbose = true;
        break;
    default:
        break;
    }
    if (bad < 0)
        return PF_EXIT_USAGE;
    if (o->given > 0)
        *(bool *)((char *)base + f->base + o->given - 1) = true;
    return 0;
}

/* getopt_long's option array and option string for the options of flat,
 * --help included; each option's value is its short name, else
 * LONG_ONLY_KEY + its index. Caller frees both. */
static void build_getopt(const flat_opt *flat, size_t n, struct option **longs, char **shorts)
{
    struct option *lo = pf_calloc(n + 2, sizeof *lo);
    char *so = pf_calloc(2 * n + 4, 1);
    size_t k = 0, s = 0;
    so[s++] = ':'; /* a missing value is ':', and getopt stays silent */
    for (size_t i = 0; i < n; i++) {
        const pf_cli_opt *o = flat[i].o;
        if (!is_option(o))
            continue;
        int arg = takes_value(o) ? required_argument : no_argument;
        int key = o->short_name != 0 ? o->short_name : LONG_ONLY_KEY + (int)i;
        lo[k++] = (struct option){o->name, arg, NULL, key};
        if (o->short_name != 0) {
            so[s++] = o->short_name;
            if (arg == required_argument)
                so[s++] = ':';
        }
    }
    lo[k] = (struct option){"help", no_argument, NULL, 'h'};
    so[s] = 'h';
    *longs = lo;
    *shorts = so;
}

/* The entry getopt_long's value c stands for, or NULL. */
static const flat_opt *find_key(const flat_opt *flat, size_t n, int c)
{
    if (c >= LONG_ONLY_KEY)
        return (size_t)(c - LONG_ONLY_KEY) < n ? &flat[c - LONG_ONLY_KEY] : NULL;
    for (size_t i = 0; i < n; i++)
        if (is_option(flat[i].o) && flat[i].o->short_name == c)
            return &flat[i];
    return NULL;
}

/* The groups' checks, once per group entry, after every option was read. */
static int check_groups(const pf_cli_spec *spec, const void *base)
{
    for (const pf_cli_opt *o = spec->opts; o->kind != PF_CLI_END; o++) {
        if (o->kind != PF_CLI_GROUP || o->group->check == NULL)
            continue;
        int rc = o->group->check((const char *)base + o->at, spec);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int pf_cli_parse(const pf_cli_spec *spec, void *base, int argc, char **argv)
{
    size_t n;
    flat_opt *flat = flatten(spec, &n);
    struct option *longs;
    char *shorts;
    build_getopt(flat, n, &longs, &shorts);
    char *usage = pf_cli_usage(spec);
    int rc = PF_CLI_CONTINUE, c;
    optind = 0; /* glibc: start afresh on this argv */
    while (rc == PF_CLI_CONTINUE && (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        const flat_opt *f = find_key(flat, n, c);
        int bad;
        if (c == 'h') {
            pf_cli_help(spec, stdout);
            rc = PF_EXIT_OK;
        } else if (f == NULL) {
            rc = pf_cli_bad_option(spec->cmd, usage, c, argv);
        } else if ((bad = store(spec, f, base, optarg, usage)) != 0) {
            rc = bad;
        }
    }
    if (rc == PF_CLI_CONTINUE && spec->operands == NULL && optind < argc)
        rc = pf_cli_usage_error(usage, "%s: unexpected argument '%s'", spec->cmd, argv[optind]);
    if (rc == PF_CLI_CONTINUE) {
        int bad = check_groups(spec, base);
        if (bad != 0)
            rc = bad;
    }
    free(usage);
    free(shorts);
    free(longs);
    free(flat);
    return rc;
}

/* --------------------------------------------------------- target group */

#define TARGET(field) offsetof(pf_cli_target, field)

static const pf_cli_opt k_target_opts[] = {
    {.name = "schema", .kind = PF_CLI_STRING, .at = TARGET(schema), .meta = "DIR",
     .help = "schema directory (default fixtures/schema)"},
    {.name = "dataset", .kind = PF_CLI_STRING, .at = TARGET(dataset), .meta = "FILE",
     .help = "dataset spec (default fixtures/datasets/healthcare.json;\n"
             "format in docs/dataset-spec.md)"},
    {.name = "dsn", .kind = PF_CLI_STRING, .at = TARGET(dsn), .meta = "DSN",
     .member = PF_CLI_TARGET_DSN,
     .help = "use this server (also $PERFGATE_DSN) instead of a\n"
             "disposable one; schema and data go into its database"},
    {.name = "scale", .kind = PF_CLI_DOUBLE, .at = TARGET(scale), .min = 1e-6, .meta = "N",
     .help = "multiply every table's row count by N; fractions allowed\n"
             "(default 1: 1,000 patients, ~50,000 timeline events)"},
    {.name = "seed", .kind = PF_CLI_U64, .at = TARGET(seed),
     .given = PF_CLI_GIVEN(pf_cli_target, seed_given), .member = PF_CLI_TARGET_SEED,
     .meta = "N", .help = "random seed of the data (default: the spec's seed)"},
    {.name = "jobs", .kind = PF_CLI_INT, .at = TARGET(jobs), .min = 1, .max = 64, .meta = "N",
     .help = "connections for loading and index builds (default 2)"},
    {.name = "seed-sql", .kind = PF_CLI_STRING, .at = TARGET(seed_sql), .meta = "FILE",
     .help = "SQL run after the synthetic data is loaded, before ANALYZE,\n"
             "with triggers firing (e.g. supabase/seed.sql; opt-in)"},
    {.name = "auth-shim", .kind = PF_CLI_FLAG, .at = TARGET(auth_shim),
     .help = "apply the built-in Supabase auth shim before the schema\n"
             "(for real Supabase migrations that expect schema auth)"},
    {.name = "no-seed", .kind = PF_CLI_FLAG, .at = TARGET(no_seed),
     .member = PF_CLI_TARGET_NO_SEED, .help = "the --dsn database already holds schema and data"},
    {0},
};

static int check_target(const void *at, const pf_cli_spec *spec)
{
    const pf_cli_target *t = at;
    if (t->no_seed && pf_target_dsn(t->dsn) == NULL)
        return pf_cli_spec_error(spec, "%s: --no-seed needs --dsn (a database already seeded)",
                                 spec->cmd);
    return 0;
}

const pf_cli_group pf_cli_target_group = {k_target_opts, check_target};

void pf_cli_target_defaults(pf_cli_target *t)
{
    t->schema = pf_cli_path_or_default(t->schema, &t->owned[0], PF_DEFAULT_SCHEMA);
    t->dataset = pf_cli_path_or_default(t->dataset, &t->owned[1], PF_DEFAULT_DATASET);
}

void pf_cli_target_dispose(pf_cli_target *t)
{
    free(t->owned[0]);
    free(t->owned[1]);
    t->owned[0] = t->owned[1] = NULL;
}

void pf_cli_target_prepare(const pf_cli_target *t, pf_prepare_opts *po)
{
    po->schema_dir = t->schema;
    po->dataset_path = t->dataset;
    po->seed_sql = t->seed_sql;
    po->auth_shim = t->auth_shim;
    po->seed = t->seed;
    po->seed_given = t->seed_given;
    if (t->scale > 0)
        po->scale = t->scale;
    if (t->jobs > 0)
        po->jobs = t->jobs;
}
