/* The base revision for a same-run comparison (perfgate run --base REF):
 * the schema directory, dataset spec and benchmark registry as they are at
 * REF, extracted from git into a private directory. Works offline; on a
 * shallow clone that lacks REF it says what to fetch. */
#ifndef PF_GITBASE_H
#define PF_GITBASE_H

#include "error.h"

typedef struct pf_gitbase {
    char *dir;        /* private temp directory holding the extracted files */
    char *commit;     /* full hash REF resolved to */
    char *schema_dir; /* paths inside dir, mirroring the working tree's */
    char *dataset_path;
    char *bench_dir;
} pf_gitbase;

/* Extract schema_dir, dataset_path and bench_dir (paths in the working tree
 * of a git checkout) as they are at ref. Errors: not a git checkout, ref
 * unknown (with the fetch needed on a shallow clone), a path outside the
 * repository or absent at ref. */
int pf_gitbase_checkout(const char *ref, const char *schema_dir, const char *dataset_path,
                        const char *bench_dir, pf_gitbase *out, pf_error *err);
/* Remove the directory and free. */
void pf_gitbase_dispose(pf_gitbase *b);

#endif
