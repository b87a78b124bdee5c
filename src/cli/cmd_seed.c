/* perfgate seed: schema + deterministic synthetic data into a database. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "prepare.h"
#include "target.h"
#include "timeutil.h"
#include "cli.h"

typedef struct seed_cli {
    pf_cli_target t;
    bool checksum, no_schema, replace, no_load, keep;
} seed_cli;

#define AT(field) offsetof(seed_cli, field)

static const pf_cli_opt k_opts[] = {
    {.kind = PF_CLI_GROUP, .group = &pf_cli_target_group, .at = AT(t),
     .skip = PF_CLI_TARGET_NO_SEED},
    {.name = "checksum", .kind = PF_CLI_FLAG, .at = AT(checksum),
     .help = "print a checksum per table and overall (of the generated\n"
             "COPY text, in row order; equal checksums = identical data)"},
    {.name = "no-schema", .kind = PF_CLI_FLAG, .at = AT(no_schema),
     .help = "do not apply the schema (it is already there)"},
    {.name = "replace", .kind = PF_CLI_FLAG, .at = AT(replace),
     .help = "truncate tables that already hold rows (without it, the\n"
             "tables of a --dsn database must be empty)"},
    {.name = "no-load", .kind = PF_CLI_FLAG, .at = AT(no_load),
     .help = "generate only (no server): with --checksum, verify determinism"},
    {.name = "keep", .kind = PF_CLI_FLAG, .at = AT(keep),
     .help = "keep the disposable server running and print its\n"
             "connection string (stop it with `perfgate pg stop`)"},
    {.name = "verbose", .short_name = 'v', .kind = PF_CLI_VERBOSE, .help = "phase timings"},
    {0},
};

static const pf_cli_spec k_spec = {
    .cmd = "seed",
    .opts = k_opts,
    .about = "\n"
             "Apply the schema (a directory of *.sql files in lexical order) and load the\n"
             "synthetic data set described by a dataset spec, deterministically: the same\n"
             "spec, seed and scale give byte-identical data.\n"
             "\n",
    .col = 19,
};

static void print_checksums(const pf_seed_result *r)
{
    char buf[17], n[32];
    printf("%-40s %12s %s\n", "table", "rows", "checksum");
    for (size_t i = 0; i < r->n_tables; i++) {
        pf_seed_checksum_hex(r->tables[i].checksum, buf);
        printf("%-40s %12s %s\n", r->tables[i].name,
               pf_cli_thousands(r->tables[i].rows, n, sizeof n), buf);
    }
    pf_seed_checksum_hex(r->checksum, buf);
    printf("%-40s %12s %s\n", "overall", pf_cli_thousands(r->rows, n, sizeof n), buf);
}

/* The stderr summary, and with -v the phase times (server, schema, then
 * the loader's own phases). */
static void print_summary(const seed_cli *o, const pf_target *target, const pf_prepare_result *pr,
                          double scale, double total_ms)
{
    const pf_seed_result *res = &pr->seed;
    char rows[32];
    fprintf(stderr,
            "perfgate: %s %s rows (%.1f MB of COPY text%s) into %zu tables in %.2f s "
            "(seed %llu, scale %g)\n",
            o->no_load ? "generated" : "seeded", pf_cli_thousands(res->rows, rows, sizeof rows),
            (double)res->bytes / 1e6, "", res->n_tables, total_ms / 1000,
            (unsigned long long)pr->data_seed, scale);
    if (o->t.seed_sql != NULL && !o->no_load)
        fprintf(stderr, "perfgate: %s: %d statements after the data, in %.2f s\n", o->t.seed_sql,
                pr->seed_sql.statements, pr->seed_sql.ms / 1000);
    if (pf_cli_verbose && !o->no_load)
        fprintf(stderr,
                "perfgate: phases: server %.2f s, schema %.2f s, prepare %.2f s, load %.2f s, "
                "keys+indexes %.2f s (%d+%d), foreign keys %.2f s (%d), vacuum+analyze %.2f s; "
                "table data %.1f MB\n",
                target->start_ms / 1000, pr->schema.ms / 1000, res->prepare_ms / 1000,
                res->load_ms / 1000, res->index_ms / 1000, res->n_constraints, res->n_indexes,
                res->fk_ms / 1000, res->n_foreign_keys, res->vacuum_ms / 1000,
                (double)res->table_bytes / 1e6);
}

int pf_cmd_seed(int argc, char **argv)
{
    seed_cli o = {0};
    int prc = pf_cli_parse(&k_spec, &o, argc, argv);
    if (prc != PF_CLI_CONTINUE)
        return prc;
    if (o.no_load && (o.t.dsn || o.keep))
        return pf_cli_spec_error(&k_spec, "seed: --no-load does not go with --dsn or --keep");
    pf_cli_target_defaults(&o.t);
    pf_error err;
    pf_error_clear(&err);
    pf_prepare *prep = NULL;
    pf_target target;
    memset(&target, 0, sizeof target);
    pf_prepare_result res;
    memset(&res, 0, sizeof res);
    int rc = PF_EXIT_OK;
    uint64_t t0 = pf_now_ns();

    pf_prepare_opts po;
    pf_prepare_opts_init(&po);
    pf_cli_target_prepare(&o.t, &po);
    if (o.no_schema)
        po.schema_dir = NULL;
    po.load = !o.no_load;
    po.replace = o.replace;
    if (pf_cli_tty())
        po.on_progress = pf_cli_progress_seed;
    /* The dataset is checked before a server starts. */
    if (pf_prepare_new(&prep, &po, &err) < 0 ||
        (!o.no_load && pf_target_open(&target, o.t.dsn, "perfgate", &err) < 0)) {
        rc = pf_cli_fail(&err);
        goto cleanup;
    }
    int r = pf_prepare_apply(prep, target.dsn, &res, &err);
    pf_cli_progress_clear();
    if (r < 0) {
        rc = pf_cli_fail(&err);
        goto cleanup;
    }
    double total = pf_elapsed_ms(t0);
    if (o.checksum)
        print_checksums(&res.seed);
    print_summary(&o, &target, &res, po.scale, total);
    if (o.keep && target.cluster != NULL) {
        /* Hand the server over: it keeps running; pg stop removes it. */
        printf("%s\n", target.dsn);
        if (pf_cluster_detach(target.cluster, &err) < 0)
            rc = pf_cli_fail(&err);
    }
cleanup:
    pf_target_close(&target);
    pf_prepare_result_dispose(&res);
    pf_prepare_free(prep);
    pf_cli_target_dispose(&o.t);
    return rc;
}
