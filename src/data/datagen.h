/* Row generation from a dataset spec. Every value is a pure function of
 * (seed, table, row, generator), so any range of rows of any table can be
 * generated independently, on any thread, and comes out byte-identical.
 *
 *     pf_datagen *g;
 *     pf_datagen_new(&g, ds, seed, scale, &err);
 *     pf_datagen_copy_rows(g, t, 0, pf_datagen_rows(g, t), &buf);  // COPY text
 */
#ifndef PF_DATAGEN_H
#define PF_DATAGEN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dataset.h"
#include "error.h"

typedef struct pf_datagen pf_datagen;

/* Plan a generation: row counts per table at this scale and, for nested
 * tables, how many children each parent row gets. ds is borrowed and must
 * outlive the generator. Memory is O(parent rows of nested tables), not
 * O(rows). *out is the caller's. */
int pf_datagen_new(pf_datagen **out, const pf_dataset *ds, uint64_t seed, double scale,
                   pf_error *err);
void pf_datagen_free(pf_datagen *g);

const pf_dataset *pf_datagen_dataset(const pf_datagen *g);
uint64_t pf_datagen_seed(const pf_datagen *g);
double pf_datagen_scale(const pf_datagen *g);
/* Rows table t will have. */
int64_t pf_datagen_rows(const pf_datagen *g, size_t t);
/* Expected rows per the spec (rows x scale), for checks. */
double pf_datagen_expected_rows(const pf_datagen *g, size_t t);
/* Children of parent row p (absolute row in the parent table) in nested table t. */
int64_t pf_datagen_children(const pf_datagen *g, size_t t, int64_t p);

/* Append rows [begin, end) of table t in COPY text format (tab-separated,
 * \N for NULL, one line per row). Thread-safe: g is only read. */
void pf_datagen_copy_rows(const pf_datagen *g, size_t t, int64_t begin, int64_t end, pf_buf *out);

/* "(col1, col2, ...)" with quoted identifiers, for COPY; caller frees. */
char *pf_datagen_copy_columns(const pf_datagen *g, size_t t);

/* Value of one cell as COPY would receive it, unescaped (NULL for SQL
 * NULL); caller frees. For tests and diagnostics. */
char *pf_datagen_cell(const pf_datagen *g, size_t t, int64_t row, size_t column);

#endif
