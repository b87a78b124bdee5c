/* The cache of work perfgate reuses between runs: a pre-initialised cluster
 * (initdb's output), seeded data directories, instruction counts.
 *
 * Entries live under one directory (--cache-dir, $PERFGATE_CACHE_DIR, else
 * $XDG_CACHE_HOME/perfgate or ~/.cache/perfgate), one folder per kind, each
 * named by a key: a hash of everything the entry depends on (versions,
 * settings, the schema's files, the dataset spec, seed and scale...), so an
 * entry is never stale — anything that changes gives another key, and the
 * old entry ages out. An entry is written under a temporary name and
 * renamed into place: a killed run leaves no half entry, and concurrent
 * runs never see one. The oldest entries of a kind go when the kind
 * outgrows its budget.
 *
 *     pf_cache *c = NULL;
 *     pf_cache_open(&c, NULL, &err);               // NULL: the default directory
 *     pf_cache_key k;
 *     pf_cache_key_init(&k, "seeded");
 *     pf_cache_key_str(&k, "server", "PostgreSQL 15.20 ...");
 *     pf_cache_key_dir(&k, "schema", "fixtures/schema", ".sql", &err);
 *     char key[17];
 *     pf_cache_key_hex(&k, key);
 *     char *dir = pf_cache_lookup(c, "seeded", key);   // NULL: a miss
 *     ...
 *     pf_cache_store_dir(c, "seeded", key, datadir, &err);
 *     pf_cache_free(c);
 */
#ifndef PF_CACHE_H
#define PF_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define PF_CACHE_ENV "PERFGATE_CACHE_DIR"

typedef struct pf_cache pf_cache;

/* Open (creating it) the cache at dir, or at the default directory when
 * dir is NULL. PF_EXIT_INFRA when it cannot be created. *out is the
 * caller's. */
int pf_cache_open(pf_cache **out, const char *dir, pf_error *err);
void pf_cache_free(pf_cache *c);
const char *pf_cache_root(const pf_cache *c);
/* The default directory (caller frees), or NULL when neither
 * $PERFGATE_CACHE_DIR, $XDG_CACHE_HOME nor $HOME is set. */
char *pf_cache_default_dir(void);

/* ---- keys */

typedef struct pf_cache_key {
    uint64_t h;
} pf_cache_key;

void pf_cache_key_init(pf_cache_key *k, const char *kind);
void pf_cache_key_bytes(pf_cache_key *k, const char *label, const void *data, size_t len);
void pf_cache_key_str(pf_cache_key *k, const char *label, const char *s);
void pf_cache_key_num(pf_cache_key *k, const char *label, double v);
/* The names and bytes of every file in dir ending with suffix (sorted;
 * NULL suffix: every regular file). */
int pf_cache_key_dir(pf_cache_key *k, const char *label, const char *dir, const char *suffix,
                     pf_error *err);
void pf_cache_key_hex(const pf_cache_key *k, char out[17]);

/* ---- directory entries: <root>/<kind>/<key>/ */

/* The entry's path if it is there (caller frees; its time is refreshed,
 * so trimming keeps what is used), else NULL. */
char *pf_cache_lookup(pf_cache *c, const char *kind, const char *key);
/* Store a copy of src_dir as the entry (files readable by the caller; the
 * copy keeps modes, not owners), leaving out the top-level names in skip
 * (NULL-terminated, may be NULL). An entry that appeared meanwhile
 * (another run) is kept and this copy dropped. */
int pf_cache_store_dir(pf_cache *c, const char *kind, const char *key, const char *src_dir,
                       const char *const *skip, pf_error *err);
/* Copy the tree src into dst (created; its parent must exist), keeping
 * modes; with owner the files are handed to uid:gid. Regular files are
 * cloned where the file system can (reflink), else copied in the kernel. */
int pf_cache_copy_tree(const char *src, const char *dst, bool owner, uid_t uid, gid_t gid,
                       pf_error *err);

/* ---- text entries: <root>/<kind>/<key>.json */

/* 0 with *out (caller frees) on a hit, 1 on a miss, -1 on an unreadable entry. */
int pf_cache_get_text(pf_cache *c, const char *kind, const char *key, char **out, pf_error *err);
int pf_cache_put_text(pf_cache *c, const char *kind, const char *key, const char *text,
                      pf_error *err);

/* Remove the least recently used entries of kind until it holds at most
 * max_bytes (the entry just stored or used survives). Returns how many went. */
int pf_cache_trim(pf_cache *c, const char *kind, uint64_t max_bytes);

#endif
