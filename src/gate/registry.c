/* Benchmark case files: header parsing, parameter binding, loading a tree. */
#include "registry.h"

#include <ctype.h>
#include <dirent.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "fsutil.h"
#include "rng.h"
#include "sql.h"
#include "timeutil.h"

/* The identities a case or a load flow may run as (bench/README.md). */
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

const char *pf_registry_identity_role(pf_identity id)
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

int pf_registry_identity_parse(const char *label, pf_identity *out)
{
    for (size_t k = 0; k < sizeof k_identities / sizeof k_identities[0]; k++)
        if (strcmp(k_identities[k].label, label) == 0) {
            *out = k_identities[k].id;
            return 0;
        }
    return -1;
}

const char *pf_registry_identity_labels(void)
{
    /* Every label of k_identities, in its order (test_registry checks). */
    return "owner, anon, patient, provider, delegate, authenticated, service_role";
}

/* One header value, possibly continued over several lines. */
typedef struct hval {
    char *key;
    pf_buf value;
    int line;
} hval;

/* A case file's header: its `-- key: value` lines in order. */
typedef struct header {
    hval vals[16];
    size_t n;
    int body_line; /* the line the statement starts on */
} header;

static void header_dispose(header *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->vals[i].key);
        pf_buf_dispose(&h->vals[i].value);
    }
    h->n = 0;
}

/* A case being parsed, and the lines of the keys the later checks point
 * at (1: the header's top). */
typedef struct parse {
    const char *path;
    pf_case *out;
    pf_error *err;
    bool writes_given;
    int name_line, identity_line, min_time_line;
} parse;

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* ------------------------------------------------------------ header keys */

static int set_name(parse *p, const char *key, const char *v, int line)
{
    (void)key;
    p->out->name = pf_strdup(v);
    p->name_line = line;
    return 0;
}

static int set_description(parse *p, const char *key, const char *v, int line)
{
    (void)key, (void)line;
    p->out->description = pf_strdup(v);
    for (char *q = p->out->description; *q; q++)
        if (*q == '\n')
            *q = ' ';
    return 0;
}

/* A name an RLS rules file may declare: a lower-case SQL-style identifier. */
static bool identity_name_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > 63 || !(v[0] >= 'a' && v[0] <= 'z'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') || v[i] == '_'))
            return false;
    return true;
}

/* A built-in label, or a name the RLS rules file must declare (checked by
 * the gate, which has the rules: pf_registry_resolve_identity). */
static int set_identity(parse *p, const char *key, const char *v, int line)
{
    (void)key;
    if (pf_registry_identity_parse(v, &p->out->identity) < 0) {
        if (!identity_name_ok(v))
            return pf_error_set(p->err, PF_EXIT_USAGE,
                                "%s:%d: unknown identity '%s' (built in: %s; or a name the RLS "
                                "rules file declares, lower-case letters, digits and _)",
                                p->path, line, v, pf_registry_identity_labels());
        p->out->identity = PF_IDENTITY_AUTHENTICATED;
        p->out->identity_declared = true;
    }
    p->out->identity_label = pf_strdup(v);
    p->out->identity_line = line;
    p->identity_line = line;
    return 0;
}

void pf_registry_resolve_identity(pf_case *c, const char *role)
{
    if (role != NULL && strcmp(role, "anon") == 0)
        c->identity = PF_IDENTITY_ANON;
    else if (role != NULL && strcmp(role, "service_role") == 0)
        c->identity = PF_IDENTITY_SERVICE_ROLE;
    else
        c->identity = PF_IDENTITY_AUTHENTICATED;
}

#define MAX_COUNT 1000000

/* iterations (1 to MAX_COUNT) and warmup (0 to MAX_COUNT). */
static int set_count(parse *p, const char *key, const char *v, int line)
{
    bool iterations = strcmp(key, "iterations") == 0;
    int min = iterations ? 1 : 0;
    char *end = NULL;
    long x = strtol(v, &end, 10); /* out of long's range: LONG_MIN / LONG_MAX */
    if (end == v || *end != '\0')
        return pf_error_set(p->err, PF_EXIT_USAGE, "%s:%d: %s: '%s' is not an integer in [%d, %d]",
                            p->path, line, key, v, min, MAX_COUNT);
    if (x < min || x > MAX_COUNT)
        return pf_error_set(p->err, PF_EXIT_USAGE, "%s:%d: %s: %s is too %s (%s is in [%d, %d])",
                            p->path, line, key, v, x < min ? "small" : "large", key, min,
                            MAX_COUNT);
    *(iterations ? &p->out->iterations : &p->out->warmup) = (int)x;
    return 0;
}

/* min_time and threshold. */
static int set_duration(parse *p, const char *key, const char *v, int line)
{
    bool min_time = strcmp(key, "min_time") == 0;
    if (min_time)
        p->min_time_line = line;
    if (pf_duration_parse(v, min_time ? &p->out->min_time_ms : &p->out->threshold_ms, p->err) < 0)
        return pf_error_prefix(p->err, "%s:%d: %s", p->path, line, key);
    return 0;
}

static int set_writes(parse *p, const char *key, const char *v, int line)
{
    (void)key;
    if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
        return pf_error_set(p->err, PF_EXIT_USAGE, "%s:%d: writes: say true or false, not '%s'",
                            p->path, line, v);
    p->out->writes = v[0] == 't';
    p->writes_given = true;
    return 0;
}

/* The header keys (bench/README.md), in the order messages list them: a
 * key either has a setter, or its value is copied into the string at
 * `field` of the case. */
static const struct {
    const char *key;
    int (*set)(parse *p, const char *key, const char *value, int line);
    size_t field;
} k_keys[] = {
    {"name", set_name, 0},
    {"group", NULL, offsetof(pf_case, group)},
    {"description", set_description, 0},
    {"identity", set_identity, 0},
    {"params", NULL, offsetof(pf_case, params_sql)},
    {"iterations", set_count, 0},
    {"warmup", set_count, 0},
    {"min_time", set_duration, 0},
    {"threshold", set_duration, 0},
    {"writes", set_writes, 0},
    {"tags", NULL, offsetof(pf_case, tags)},
    {"draws", NULL, offsetof(pf_case, draws)},
};
#define N_KEYS (sizeof k_keys / sizeof k_keys[0])

static int key_index(const char *key)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(k_keys[i].key, key) == 0)
            return (int)i;
    return -1;
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
    int i = key_index(word);
    return i < 0 ? NULL : k_keys[i].key;
}

/* ----------------------------------------------------------------- header */

/* A `-- key: value` line (k: after the dashes; colon: its first colon, or
 * NULL) added to the header, or an error naming the line. */
static int add_key(header *h, const char *path, int line, const char *k, size_t klen,
                   char *colon, pf_error *err)
{
    char *key = pf_strndup(k, klen);
    int rc = 0;
    if (key_index(key) < 0) {
        pf_buf known = PF_BUF_INIT;
        for (size_t i = 0; i < N_KEYS; i++)
            pf_buf_printf(&known, "%s%s", i ? ", " : "", k_keys[i].key);
        rc = pf_error_set(err, PF_EXIT_USAGE, "%s:%d: unknown header key '%s' (known: %s)", path,
                          line, key, pf_buf_str(&known));
        pf_buf_dispose(&known);
    }
    for (size_t i = 0; rc == 0 && i < h->n; i++)
        if (strcmp(h->vals[i].key, key) == 0)
            rc = pf_error_set(err, PF_EXIT_USAGE, "%s:%d: '%s' given twice (first on line %d)",
                              path, line, key, h->vals[i].line);
    if (rc == 0 && h->n == sizeof h->vals / sizeof h->vals[0])
        rc = pf_error_set(err, PF_EXIT_USAGE, "%s:%d: too many header keys", path, line);
    if (rc < 0) {
        free(key);
        return rc;
    }
    hval *v = &h->vals[h->n++];
    v->key = key;
    pf_buf_init(&v->value);
    pf_buf_puts(&v->value, trim(colon + 1));
    v->line = line;
    return 0;
}

/* One trimmed comment line of the header (c: after the dashes): a key, a
 * continued value, or a plain comment. */
static int header_line(header *h, const char *path, int line, char *c, pf_error *err)
{
    bool continuation = c[0] == ' ' && c[1] == ' ' && h->n > 0;
    char *colon = strchr(c, ':');
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
        pf_buf *v = &h->vals[h->n - 1].value;
        if (v->len > 0)
            pf_buf_putc(v, '\n');
        pf_buf_puts(v, trim(c));
        return 0;
    }
    if (!keyed && (meant = misspelt_key(k, colon)) != NULL)
        /* Not a plain comment: a typo must never silently change a case. */
        return pf_error_set(err, PF_EXIT_USAGE, "%s:%d: '%.*s': write header keys as '-- %s: value'",
                            path, line, (int)(colon + 1 - k), k, meant);
    if (keyed)
        return add_key(h, path, line, k, klen, colon, err);
    return 0; /* other comment lines in the header are plain comments */
}

/* Read the header: the leading comment lines (blank lines allowed), up to
 * the first line of SQL. */
static int read_header(const char *path, const char *text, header *h, pf_error *err)
{
    int line = 0;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        line++;
        char *l = pf_strndup(p, len);
        char *t = trim(l);
        int rc = 0;
        bool body = *t != '\0' && strncmp(t, "--", 2) != 0;
        if (!body && *t != '\0')
            rc = header_line(h, path, line, t + 2, err);
        free(l);
        if (rc < 0)
            return -1;
        if (body) {
            h->body_line = line;
            return 0;
        }
        p = eol ? eol + 1 : p + len;
    }
    return pf_error_set(err, PF_EXIT_USAGE, "%s:%d: no SQL statement after the header", path,
                        line > 0 ? line : 1);
}

/* Every key of the header into the case, then the defaults of the keys
 * not given, and the checks of name and description. */
static int apply_header(parse *p, const header *h, const char *default_group)
{
    pf_case *out = p->out;
    int group_line = 1;
    for (size_t i = 0; i < h->n; i++) {
        const hval *v = &h->vals[i];
        if (strcmp(v->key, "group") == 0)
            group_line = v->line;
        int k = key_index(v->key);
        if (k_keys[k].set == NULL)
            *(char **)((char *)out + k_keys[k].field) = pf_strdup(pf_buf_str(&v->value));
        else if (k_keys[k].set(p, v->key, pf_buf_str(&v->value), v->line) < 0)
            return -1;
    }
    if (out->identity_label == NULL)
        out->identity_label = pf_strdup("owner");
    if (out->tags == NULL)
        out->tags = pf_strdup("");
    if (out->name == NULL) {
        const char *base = strrchr(p->path, '/');
        base = base ? base + 1 : p->path;
        size_t len = strlen(base);
        if (len > 4 && strcmp(base + len - 4, ".sql") == 0)
            len -= 4;
        out->name = pf_strndup(base, len);
    }
    if (out->draws == NULL)
        out->draws = pf_strdup(out->name);
    bool name_ok = *out->name != '\0'; /* "-- name:" left empty */
    for (const char *q = out->name; *q; q++)
        name_ok = name_ok && (isalnum((unsigned char)*q) || *q == '_' || *q == '-' || *q == '.');
    if (!name_ok)
        return pf_error_set(p->err, PF_EXIT_USAGE,
                            "%s:%d: case name '%s' may only hold letters, digits, '_', '-' and '.'",
                            p->path, p->name_line, out->name);
    if (out->group == NULL)
        out->group = pf_strdup(default_group ? default_group : "default");
    /* The group is a directory of the baselines: no '/', no "..". */
    bool group_ok = *out->group != '\0' && *out->group != '.';
    for (const char *q = out->group; *q; q++)
        group_ok = group_ok && (isalnum((unsigned char)*q) || *q == '_' || *q == '-' || *q == '.');
    if (!group_ok)
        return pf_error_set(p->err, PF_EXIT_USAGE,
                            "%s:%d: group '%s' may only hold letters, digits, '_', '-' and '.' "
                            "(not first)",
                            p->path, group_line, out->group);
    if (out->description == NULL || *out->description == '\0')
        return pf_error_set(p->err, PF_EXIT_USAGE,
                            "%s:1: missing '-- description: ...' (say what the app does with this "
                            "query)",
                            p->path);
    return 0;
}

/* ------------------------------------------------------------- statement */

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

/* The one statement of the file, its hash and its parameters, and the
 * checks that need both header and statement. */
static int parse_statement(parse *p, const char *text)
{
    pf_case *out = p->out;
    pf_sql_stmt *stmts = NULL;
    size_t ns = 0;
    /* Split the whole text (the header is comments) so lines are the file's. */
    if (pf_sql_split(p->path, text, &stmts, &ns, p->err) < 0)
        return -1;
    if (ns != 1) {
        free(stmts);
        return pf_error_set(p->err, PF_EXIT_USAGE,
                            "%s:%d: a case holds exactly one SQL statement (found %zu)", p->path,
                            out->sql_line, ns);
    }
    out->sql = pf_strndup(text + stmts[0].offset, stmts[0].len);
    out->sql_line = stmts[0].line; /* past any comments before the statement */
    free(stmts);
    snprintf(out->sql_hash, sizeof out->sql_hash, "%016llx",
             (unsigned long long)pf_rng_hash_bytes(PF_RNG_HASH_INIT, out->sql, strlen(out->sql)));
    if (pf_sql_bind_named(p->path, out->sql, &out->prepared_sql, &out->param_names,
                          &out->n_params, p->err) < 0)
        return -1;
    if (out->n_params > 0 && out->params_sql == NULL)
        return pf_error_set(p->err, PF_EXIT_USAGE,
                            "%s:%d: the statement uses :%s but there is no '-- params:' query to "
                            "draw it from",
                            p->path, out->sql_line, out->param_names[0]);
    if (out->identity == PF_IDENTITY_AUTHENTICATED && !out->identity_declared &&
        out->params_sql == NULL)
        return pf_error_set(p->err, PF_EXIT_USAGE,
                            "%s:%d: identity '%s' needs a '-- params:' query returning a user_id "
                            "column",
                            p->path, p->identity_line, out->identity_label);
    if (!p->writes_given) {
        char w[16];
        first_word(out->sql, w, sizeof w);
        out->writes = strcmp(w, "insert") == 0 || strcmp(w, "update") == 0 ||
                      strcmp(w, "delete") == 0 || strcmp(w, "merge") == 0;
    }
    if (out->min_time_ms > 0 && out->writes)
        return pf_error_set(p->err, PF_EXIT_USAGE,
                            "%s:%d: min_time is for read-only cases (a write case runs a fixed "
                            "number of iterations so its work metrics are reproducible)",
                            p->path, p->min_time_line);
    return 0;
}

int pf_registry_parse_case(const char *path, const char *text, const char *default_group,
                           pf_case *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    out->file = pf_strdup(path);
    out->iterations = 50;
    out->warmup = 5;
    header h;
    memset(&h, 0, sizeof h);
    parse p = {path, out, err, false, 1, 1, 1};
    int rc = read_header(path, text, &h, err);
    if (rc == 0) {
        out->sql_line = h.body_line;
        out->header_line = h.n > 0 ? h.vals[0].line : 1;
        rc = apply_header(&p, &h, default_group);
    }
    if (rc == 0)
        rc = parse_statement(&p, text);
    header_dispose(&h);
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
