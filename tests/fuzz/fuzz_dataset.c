/* Fuzz target: dataset specs (pf_dataset_parse) and, for a spec that
 * parses, the generator on it: a valid but odd spec must not crash
 * pf_datagen_new or the row generation either. The work is bounded: a tiny
 * scale, specs planning more than FUZZ_MAX_ROWS rows in all are not
 * generated, and at most FUZZ_ROWS_PER_TABLE rows of each table are. */
#include <stdlib.h>

#include "buf.h"
#include "datagen.h"
#include "dataset.h"
#include "fuzz.h"

#define FUZZ_SCALE 0.01
#define FUZZ_MAX_ROWS 20000.0
#define FUZZ_ROWS_PER_TABLE 50

/* Rows the generator would plan at FUZZ_SCALE, as pf_datagen_new counts
 * them (every segment at least one row when it has any). */
static double planned_rows(const pf_dataset *ds)
{
    double total = 0;
    for (size_t t = 0; t < ds->n_tables; t++)
        for (size_t s = 0; s < ds->tables[t].n_segments; s++) {
            double r = ds->tables[t].segments[s].rows * FUZZ_SCALE;
            total += r > 0 && r < 1 ? 1 : r;
        }
    return total;
}

static void generate(const pf_dataset *ds)
{
    if (!(planned_rows(ds) <= FUZZ_MAX_ROWS))
        return;
    pf_datagen *g = NULL;
    pf_error err;
    if (pf_datagen_new(&g, ds, ds->default_seed, FUZZ_SCALE, &err) < 0)
        return;
    pf_buf out = PF_BUF_INIT;
    for (size_t t = 0; t < ds->n_tables; t++) {
        int64_t rows = pf_datagen_rows(g, t);
        int64_t n = rows < FUZZ_ROWS_PER_TABLE ? rows : FUZZ_ROWS_PER_TABLE;
        pf_buf_reset(&out);
        pf_datagen_copy_rows(g, t, 0, n, &out);
        /* The last rows too: nested tables locate their parent by search. */
        if (rows > n)
            pf_datagen_copy_rows(g, t, rows - 1, rows, &out);
        free(pf_datagen_copy_columns(g, t));
    }
    pf_buf_dispose(&out);
    pf_datagen_free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    pf_dataset *ds = NULL;
    pf_error err;
    if (pf_dataset_parse("fuzz/dataset.json", text, &ds, &err) == 0)
        generate(ds);
    pf_dataset_free(ds);
    free(text);
    return 0;
}
