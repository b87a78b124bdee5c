/* perfgate init, step four: starter benchmark cases (bench/README.md) for
 * the large tables of a drafted spec: the primary-key lookup and the
 * newest page of rows of one parent, with params queries that draw real
 * keys and the identity the policies suggest, every guess commented in
 * the case header. Pure: no server. */
#ifndef PF_INIT_CASES_H
#define PF_INIT_CASES_H

#include <stddef.h>

#include "buf.h"
#include "init_catalog.h"
#include "init_rules.h"
#include "init_spec.h"

/* Tables with at least this many rows at scale 1 get cases (else the
 * biggest table does). */
#define PF_INIT_LARGE_ROWS 1000

typedef struct pf_init_case {
    char *group; /* the directory under bench/: the table's name */
    char *name;  /* the file name without .sql */
    char *text;  /* the case file */
} pf_init_case;

typedef struct pf_init_cases {
    pf_init_case *v;
    size_t n;
} pf_init_cases;

/* Draft the cases; r may be NULL (every case runs as the owner). */
void pf_init_cases_draft(const pf_init_schema *s, const pf_init_spec *sp, const pf_init_rules *r,
                         pf_init_cases **out);
void pf_init_cases_free(pf_init_cases *c);
/* A Markdown list of the cases for perfgate-init.md. */
void pf_init_cases_notes(const pf_init_cases *c, pf_buf *md);

#endif
