/* Generate the dashboard's fixture history (tests/support/fixture_history.h):
 *
 *   gen_history --results DIR                 32 gate and 6 load results
 *   gen_history --store-dsn DSN [--config F]  a day of monitor snapshots
 *
 * Used by the integration test and to take docs/dashboard.png. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fixture_history.h"

int main(int argc, char **argv)
{
    const char *results = NULL, *dsn = NULL, *config = "fixtures/monitoring/healthcare.json";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--results") == 0)
            results = argv[i + 1];
        else if (strcmp(argv[i], "--store-dsn") == 0)
            dsn = argv[i + 1];
        else if (strcmp(argv[i], "--config") == 0)
            config = argv[i + 1];
        else
            results = NULL, dsn = NULL, i = argc;
    }
    if (results == NULL && dsn == NULL) {
        fputs("usage: gen_history [--results DIR] [--store-dsn DSN [--config FILE]]\n", stderr);
        return 2;
    }
    pf_error err;
    pf_error_clear(&err);
    if (results != NULL && pf_fixture_write_results(results, &err) < 0) {
        fprintf(stderr, "gen_history: %s\n", err.msg);
        return 1;
    }
    if (dsn != NULL && pf_fixture_load_store(dsn, config, &err) < 0) {
        fprintf(stderr, "gen_history: %s\n", err.msg);
        return 1;
    }
    return 0;
}
