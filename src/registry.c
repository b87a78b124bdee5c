/* Benchmark case files: header parsing, parameter binding, loading a tree. */
#include "registry.h"

#include <ctype.h>
#include <dirent.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "fsutil.h"
#include "rng.h"
#include "sqlsplit.h"
#include "timeutil.h"

static const struct {
    const char *label;
    pf_identity id;
} k_identities[] = {
    {"owner", PF_IDENTITY_OWNER},
    {"anon", PF_IDENTITY_ANON},
    {"patient", PF_IDENTITY_AUTHENTICATED},
    {"provider", PF_IDENTITY_AUTHENTICATED},
    {"delegate", PF_IDENTITY_AUTHENTICATED},
    {"authenticated", PF_IDENTITY_AUTHENTICATED},
    {"service_role", PF_IDENTITY_SERVICE_ROLE},
};

static const char *const k_keys[] = {"name",     "group",     "description", "identity",
                                     "params",   "iterations", "warmup",     "min_time",
                                     "threshold", "writes",    "tags",       "draws",
                                     NULL};

const char *pf_identity_role(pf_identity id)
{
    switch (id) {
    case PF_IDENTITY_OWNER:
        return "owner";
    case PF_IDENTITY_ANON:
        return "anon";
    case PF_IDENTITY_AUTHENTICATED:
        return "authenticated";
    case PF_IDENTITY_SERVICE_ROLE:
        return "service_role";
    }
    return "owner";
}

/* One header value, possibly continued over several lines. */
typedef struct hval {
    char *key;
    pf_buf value;
    int line;
} hval;

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int parse_int(const char *path, int line, const char *key, const char *v, int min, int *out,
                     pf_error *err)
{
    char *end = NULL;
    long x = strtol(v, &end, 10);
    if (end == v || *end != '\0' || x < min || x > 1000000)
        return pf_error_set(err, PF_EXIT_USAGE, "%s:%d: %s: '%s' is not an integer >= %d", path,
                            line, key, v, min);
    *out = (int)x;
    return 0;
}

/* A known key written so that it would read as a plain comment
 * ("Threshold:", "threshold :"): the key it means, else NULL. */
static const char *misspelt_key(const char *k, const char *colon)
{
    char word[16];
    size_t n = 0;
    while (n + 1 < sizeof word && (isalpha((unsigned char)k[n]) || k[n] == '_')) {
        word[n] = (char)tolower((unsigned char)k[n]);
        n++;
    }
    word[n] = '\0';
    const char *after = k + n;
    while (*after == ' ' || *after == '\t')
        after++;
    if (n == 0 || colon == NULL || after != colon)
        return NULL;
    for (const char *const *kk = k_keys; *kk; kk++)
        if (strcmp(*kk, word) == 0)
            return *kk;
    return NULL;
}

/* First keyword of the statement, lower-cased, into buf. */
static void first_word(const char *sql, char *buf, size_t len)
{
    while (*sql && !isalpha((unsigned char)*sql))
        sql++;
    size_t i = 0;
    while (sql[i] && isalpha((unsigned char)sql[i]) && i + 1 < len) {
        buf[i] = (char)tolower((unsigned char)sql[i]);
        i++;
    }
    buf[i] = '\0';
}

int pf_registry_parse_case(const char *path, const char *text, const char *default_group,
                           pf_case *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    out->file = pf_strdup(path);
    out->iterations = 50;
    out->warmup = 5;
    hval vals[16];
    size_t nv = 0;
    int rc = -1;
    int line = 0;
    const char *p = text;
    const char *body = NULL;
    bool writes_given = false;
    /* Lines of the keys the later checks point at (1: the header's top). */
    int name_line = 1, identity_line = 1, min_time_line = 1;

    /* Header: leading comment lines. */
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        line++;
        char *l = pf_strndup(p, len);
        char *t = trim(l);
        if (*t == '\0') {
            free(l);
            p = eol ? eol + 1 : p + len;
            continue;
        }
        if (strncmp(t, "--", 2) != 0) {
            free(l);
            body = p;
            break;
        }
        const char *c = t + 2;
        bool continuation = c[0] == ' ' && c[1] == ' ' && nv > 0;
        const char *colon = strchr(c, ':');
        const char *k = c;
        while (*k == ' ')
            k++;
        size_t klen = 0;
        while (k[klen] && (islower((unsigned char)k[klen]) || k[klen] == '_'))
            klen++;
        bool keyed = !continuation && colon != NULL && k + klen == colon && klen > 0;
        const char *meant = NULL;
        if (continuation) {
            /* A value may start on the line after its key. */
            if (vals[nv - 1].value.len > 0)
                pf_buf_putc(&vals[nv - 1].value, '\n');
            pf_buf_puts(&vals[nv - 1].value, trim((char *)c));
        } else if (!keyed && (meant = misspelt_key(k, colon)) != NULL) {
            /* Not a plain comment: a typo must never silently change a case. */
            pf_error_set(err, PF_EXIT_USAGE, "%s:%d: '%.*s': write header keys as '-- %s: value'",
                         path, line, (int)(colon + 1 - k), k, meant);
            free(l);
            goto cleanup;
        } else if (keyed) {
            char *key = pf_strndup(k, klen);
            bool known = false;
            for (const char *const *kk = k_keys; *kk; kk++)
                known = known || strcmp(*kk, key) == 0;
            if (!known) {
                pf_error_set(err, PF_EXIT_USAGE,
                             "%s:%d: unknown header key '%s' (known: name, group, description, "
                             "identity, params, iterations, warmup, min_time, threshold, writes, "
                             "tags, draws)",
                             path, line, key);
                free(key);
                free(l);
                goto cleanup;
            }
            for (size_t i = 0; i < nv; i++)
                if (strcmp(vals[i].key, key) == 0) {
                    pf_error_set(err, PF_EXIT_USAGE, "%s:%d: '%s' given twice (first on line %d)",
                                 path, line, key, vals[i].line);
                    free(key);
                    free(l);
                    goto cleanup;
                }
            if (nv == sizeof vals / sizeof vals[0]) {
                free(key);
                free(l);
                pf_error_set(err, PF_EXIT_USAGE, "%s:%d: too many header keys", path, line);
                goto cleanup;
            }
            vals[nv].key = key;
            pf_buf_init(&vals[nv].value);
            pf_buf_puts(&vals[nv].value, trim((char *)colon + 1));
            vals[nv].line = line;
            nv++;
        }
        /* Other comment lines in the header are plain comments. */
        free(l);
        p = eol ? eol + 1 : p + len;
    }
    if (body == NULL) {
        pf_error_set(err, PF_EXIT_USAGE, "%s:%d: no SQL statement after the header", path,
                     line > 0 ? line : 1);
        goto cleanup;
    }
    out->sql_line = line;

    char *name = NULL;
    for (size_t i = 0; i < nv; i++) {
        const char *key = vals[i].key, *v = pf_buf_str(&vals[i].value);
        int ln = vals[i].line;
        if (strcmp(key, "name") == 0) {
            name = pf_strdup(v);
            name_line = ln;
        } else if (strcmp(key, "group") == 0) {
            out->group = pf_strdup(v);
        } else if (strcmp(key, "description") == 0) {
            out->description = pf_strdup(v);
            for (char *q = out->description; *q; q++)
                if (*q == '\n')
                    *q = ' ';
        } else if (strcmp(key, "identity") == 0) {
            size_t k = 0;
            size_t nid = sizeof k_identities / sizeof k_identities[0];
            while (k < nid && strcmp(k_identities[k].label, v) != 0)
                k++;
            if (k == nid) {
                pf_error_set(err, PF_EXIT_USAGE,
                             "%s:%d: unknown identity '%s' (owner, anon, patient, provider, "
                             "delegate, authenticated, service_role)",
                             path, ln, v);
                free(name);
                goto cleanup;
            }
            out->identity = k_identities[k].id;
            out->identity_label = pf_strdup(v);
            identity_line = ln;
        } else if (strcmp(key, "params") == 0) {
            out->params_sql = pf_strdup(v);
        } else if (strcmp(key, "iterations") == 0 || strcmp(key, "warmup") == 0) {
            int *dst = key[0] == 'i' ? &out->iterations : &out->warmup;
            if (parse_int(path, ln, key, v, key[0] == 'i' ? 1 : 0, dst, err) < 0) {
                free(name);
                goto cleanup;
            }
        } else if (strcmp(key, "min_time") == 0 || strcmp(key, "threshold") == 0) {
            double *dst = key[0] == 'm' ? &out->min_time_ms : &out->threshold_ms;
            if (key[0] == 'm')
                min_time_line = ln;
            if (pf_duration_parse(v, dst, err) < 0) {
                pf_error_prefix(err, "%s:%d: %s", path, ln, key);
                free(name);
                goto cleanup;
            }
        } else if (strcmp(key, "writes") == 0) {
            if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
                pf_error_set(err, PF_EXIT_USAGE, "%s:%d: writes: say true or false, not '%s'",
                             path, ln, v);
                free(name);
                goto cleanup;
            }
            out->writes = v[0] == 't';
            writes_given = true;
        } else if (strcmp(key, "tags") == 0) {
            out->tags = pf_strdup(v);
        } else if (strcmp(key, "draws") == 0) {
            out->draws = pf_strdup(v);
        }
    }
    if (out->identity_label == NULL)
        out->identity_label = pf_strdup("owner");
    if (out->tags == NULL)
        out->tags = pf_strdup("");
    if (name == NULL) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        size_t len = strlen(base);
        if (len > 4 && strcmp(base + len - 4, ".sql") == 0)
            len -= 4;
        name = pf_strndup(base, len);
    }
    out->name = name;
    if (out->draws == NULL)
        out->draws = pf_strdup(name);
    bool name_ok = *name != '\0'; /* "-- name:" left empty */
    for (const char *q = name; *q; q++)
        name_ok = name_ok && (isalnum((unsigned char)*q) || *q == '_' || *q == '-' || *q == '.');
    if (!name_ok) {
        pf_error_set(err, PF_EXIT_USAGE,
                     "%s:%d: case name '%s' may only hold letters, digits, '_', '-' and '.'", path,
                     name_line, name);
        goto cleanup;
    }
    if (out->group == NULL)
        out->group = pf_strdup(default_group ? default_group : "default");
    if (out->description == NULL || *out->description == '\0') {
        pf_error_set(err, PF_EXIT_USAGE,
                     "%s:1: missing '-- description: ...' (say what the app does with this query)",
                     path);
        goto cleanup;
    }

    /* Exactly one statement. */
    pf_sql_stmt *stmts = NULL;
    size_t ns = 0;
    /* Split the whole text (the header is comments) so lines are the file's. */
    if (pf_sql_split(path, text, &stmts, &ns, err) < 0)
        goto cleanup;
    if (ns != 1) {
        free(stmts);
        pf_error_set(err, PF_EXIT_USAGE, "%s:%d: a case holds exactly one SQL statement (found %zu)",
                     path, out->sql_line, ns);
        goto cleanup;
    }
    out->sql = pf_strndup(text + stmts[0].offset, stmts[0].len);
    out->sql_line = stmts[0].line; /* past any comments before the statement */
    free(stmts);
    snprintf(out->sql_hash, sizeof out->sql_hash, "%016llx",
             (unsigned long long)pf_rng_hash_bytes(PF_RNG_HASH_INIT, out->sql, strlen(out->sql)));
    if (pf_sql_bind_named(path, out->sql, &out->prepared_sql, &out->param_names, &out->n_params,
                          err) < 0)
        goto cleanup;
    if (out->n_params > 0 && out->params_sql == NULL) {
        pf_error_set(err, PF_EXIT_USAGE,
                     "%s:%d: the statement uses :%s but there is no '-- params:' query to draw it "
                     "from",
                     path, out->sql_line, out->param_names[0]);
        goto cleanup;
    }
    if (out->identity == PF_IDENTITY_AUTHENTICATED && out->params_sql == NULL) {
        pf_error_set(err, PF_EXIT_USAGE,
                     "%s:%d: identity '%s' needs a '-- params:' query returning a user_id column",
                     path, identity_line, out->identity_label);
        goto cleanup;
    }
    if (!writes_given) {
        char w[16];
        first_word(out->sql, w, sizeof w);
        out->writes = strcmp(w, "insert") == 0 || strcmp(w, "update") == 0 ||
                      strcmp(w, "delete") == 0 || strcmp(w, "merge") == 0;
    }
    if (out->min_time_ms > 0 && out->writes) {
        pf_error_set(err, PF_EXIT_USAGE,
                     "%s:%d: min_time is for read-only cases (a write case runs a fixed number of "
                     "iterations so its work metrics are reproducible)",
                     path, min_time_line);
        goto cleanup;
    }
    rc = 0;
cleanup:
    for (size_t i = 0; i < nv; i++) {
        free(vals[i].key);
        pf_buf_dispose(&vals[i].value);
    }
    if (rc < 0)
        pf_case_dispose(out);
    return rc;
}

void pf_case_dispose(pf_case *c)
{
    free(c->name);
    free(c->group);
    free(c->description);
    free(c->file);
    free(c->identity_label);
    free(c->params_sql);
    free(c->sql);
    free(c->prepared_sql);
    pf_strv_free(c->param_names);
    free(c->tags);
    free(c->draws);
    memset(c, 0, sizeof *c);
}

static int cmp_case(const void *a, const void *b)
{
    const pf_case *x = a, *y = b;
    int g = strcmp(x->group, y->group);
    return g ? g : strcmp(x->name, y->name);
}

static int add_file(pf_registry *r, size_t *cap, const char *path, const char *group,
                    pf_error *err)
{
    char *text = NULL;
    if (pf_file_read(path, &text, NULL, err) < 0)
        return -1;
    if (r->n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        r->cases = pf_realloc(r->cases, *cap * sizeof *r->cases);
    }
    int rc = pf_registry_parse_case(path, text, group, &r->cases[r->n], err);
    free(text);
    if (rc == 0)
        r->n++;
    return rc;
}

int pf_registry_load(const char *dir, pf_registry **out, pf_error *err)
{
    *out = NULL;
    pf_registry *r = pf_calloc(1, sizeof *r);
    size_t cap = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        free(r);
        return pf_error_set(err, PF_EXIT_USAGE, "%s: cannot open the benchmark registry", dir);
    }
    /* Sorted group directories, then sorted files: a stable load order. */
    char **groups = NULL;
    size_t ng = 0, gcap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "load") == 0 ||
            strcmp(de->d_name, "seed") == 0)
            continue;
        char *sub = pf_path_join(dir, de->d_name);
        if (pf_path_is_dir(sub)) {
            if (ng + 1 >= gcap) {
                gcap = gcap ? 2 * gcap : 8;
                groups = pf_realloc(groups, gcap * sizeof *groups);
            }
            groups[ng++] = pf_strdup(de->d_name);
        }
        free(sub);
    }
    closedir(d);
    int rc = 0;
    for (size_t g = 0; g < ng && rc == 0; g++) {
        char *sub = pf_path_join(dir, groups[g]);
        char **files = NULL;
        size_t nf = 0;
        rc = pf_dir_list(sub, ".sql", &files, &nf, err);
        for (size_t f = 0; rc == 0 && f < nf; f++) {
            char *path = pf_path_join(sub, files[f]);
            rc = add_file(r, &cap, path, groups[g], err);
            free(path);
        }
        pf_strv_free(files);
        free(sub);
    }
    for (size_t g = 0; g < ng; g++)
        free(groups[g]);
    free(groups);
    if (rc == 0) {
        if (r->n > 0) /* an empty registry has no array: qsort(NULL, ...) is undefined */
            qsort(r->cases, r->n, sizeof *r->cases, cmp_case);
        /* Names are unique across groups too (baselines are per group, but
         * --only and reports use the bare name). */
        for (size_t i = 0; rc == 0 && i < r->n; i++)
            for (size_t j = i + 1; rc == 0 && j < r->n; j++)
                if (strcmp(r->cases[i].name, r->cases[j].name) == 0)
                    rc = pf_error_set(err, PF_EXIT_USAGE, "%s and %s: both define case '%s'",
                                      r->cases[i].file, r->cases[j].file, r->cases[i].name);
    }
    if (rc < 0) {
        pf_registry_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void pf_registry_free(pf_registry *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++)
        pf_case_dispose(&r->cases[i]);
    free(r->cases);
    free(r);
}

bool pf_registry_match(const pf_case *c, const char *patterns)
{
    if (patterns == NULL || *patterns == '\0')
        return true;
    char *copy = pf_strdup(patterns);
    char *full = pf_asprintf("%s/%s", c->group, c->name);
    bool hit = false;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok && !hit; tok = strtok_r(NULL, ",", &save)) {
        char *t = trim(tok);
        hit = fnmatch(t, full, 0) == 0 || fnmatch(t, c->name, 0) == 0 ||
              fnmatch(t, c->group, 0) == 0;
    }
    free(full);
    free(copy);
    return hit;
}
