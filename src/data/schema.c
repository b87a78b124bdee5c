/* Schema applier: SQL files statement by statement, errors mapped to
 * file:line; the built-in Supabase shim; extensions the server lacks named
 * in one actionable line, or skipped when a pre-migration file stubs them. */
#include "schema.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fsutil.h"
#include "sql.h"
#include "timeutil.h"

/* Generated at build time from fixtures/schema/000_supabase_auth.sql and
 * 001_supabase_storage.sql. */
extern const char pf_auth_shim_sql[];
extern const char pf_storage_shim_sql[];

/* The setting a pre-migration file uses to declare stubbed extensions. */
#define STUB_SETTING "perfgate.stub_extensions"

/* ---- Reading extension statements ----------------------------------------- */

typedef struct cursor {
    const char *s;
    size_t n;
    size_t i;
} cursor;

/* Skip blanks and comments (-- to the end of the line, nested block comments). */
static void skip_space(cursor *c)
{
    while (c->i < c->n) {
        unsigned char ch = (unsigned char)c->s[c->i];
        if (isspace(ch)) {
            c->i++;
        } else if (ch == '-' && c->i + 1 < c->n && c->s[c->i + 1] == '-') {
            while (c->i < c->n && c->s[c->i] != '\n')
                c->i++;
        } else if (ch == '/' && c->i + 1 < c->n && c->s[c->i + 1] == '*') {
            int depth = 0;
            do {
                if (c->i + 1 < c->n && c->s[c->i] == '/' && c->s[c->i + 1] == '*') {
                    depth++;
                    c->i += 2;
                } else if (c->i + 1 < c->n && c->s[c->i] == '*' && c->s[c->i + 1] == '/') {
                    depth--;
                    c->i += 2;
                } else {
                    c->i++;
                }
            } while (depth > 0 && c->i < c->n);
        } else {
            return;
        }
    }
}

/* Consume the keyword kw (case-insensitive, whole word) if it comes next. */
static bool keyword(cursor *c, const char *kw)
{
    skip_space(c);
    size_t len = strlen(kw);
    if (c->n - c->i < len || strncasecmp(c->s + c->i, kw, len) != 0)
        return false;
    if (c->i + len < c->n) {
        unsigned char next = (unsigned char)c->s[c->i + len];
        if (isalnum(next) || next == '_' || next == '$' || next >= 0x80)
            return false;
    }
    c->i += len;
    return true;
}

/* Consume an identifier as the server reads it: unquoted ones folded to
 * lower case, "quoted" ones as written ("" is a quote). NULL if none. */
static char *identifier(cursor *c)
{
    skip_space(c);
    if (c->i >= c->n)
        return NULL;
    char *out = pf_malloc(c->n - c->i + 1);
    size_t k = 0;
    if (c->s[c->i] == '"') {
        c->i++;
        for (;;) {
            if (c->i >= c->n) {
                free(out);
                return NULL;
            }
            if (c->s[c->i] == '"') {
                if (c->i + 1 < c->n && c->s[c->i + 1] == '"') {
                    out[k++] = '"';
                    c->i += 2;
                    continue;
                }
                c->i++;
                break;
            }
            out[k++] = c->s[c->i++];
        }
    } else {
        unsigned char ch = (unsigned char)c->s[c->i];
        if (!(isalpha(ch) || ch == '_' || ch >= 0x80)) {
            free(out);
            return NULL;
        }
        while (c->i < c->n) {
            ch = (unsigned char)c->s[c->i];
            if (!(isalnum(ch) || ch == '_' || ch == '$' || ch >= 0x80))
                break;
            out[k++] = (char)(ch < 0x80 ? tolower(ch) : ch);
            c->i++;
        }
    }
    out[k] = '\0';
    if (k == 0) {
        free(out);
        return NULL;
    }
    return out;
}

char *pf_schema_extension_stmt(const char *sql, size_t len)
{
    cursor c = {sql, len, 0};
    bool drop = false;
    if (keyword(&c, "create")) {
        if (!keyword(&c, "extension"))
            return NULL;
        if (keyword(&c, "if") && !(keyword(&c, "not") && keyword(&c, "exists")))
            return NULL;
    } else if (keyword(&c, "alter")) {
        if (!keyword(&c, "extension"))
            return NULL;
    } else if (keyword(&c, "comment")) {
        if (!(keyword(&c, "on") && keyword(&c, "extension")))
            return NULL;
    } else if (keyword(&c, "drop")) {
        if (!keyword(&c, "extension"))
            return NULL;
        if (keyword(&c, "if") && !keyword(&c, "exists"))
            return NULL;
        drop = true;
    } else {
        return NULL;
    }
    char *name = identifier(&c);
    if (name != NULL && drop) {
        /* DROP EXTENSION a, b: only a statement about one extension is
         * that extension's. */
        skip_space(&c);
        if (c.i < c.n && c.s[c.i] == ',') {
            free(name);
            return NULL;
        }
    }
    return name;
}

bool pf_schema_extension_listed(const char *list, const char *name)
{
    if (list == NULL || name == NULL)
        return false;
    size_t nlen = strlen(name);
    const char *p = list;
    while (*p) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && *p != ',' && !isspace((unsigned char)*p))
            p++;
        size_t len = (size_t)(p - start);
        if (len == nlen && len > 0 && strncasecmp(start, name, len) == 0)
            return true;
    }
    return false;
}

/* The text between prefix and the next '"' after it in msg, or NULL. */
static char *quoted_after(const char *msg, const char *prefix)
{
    const char *p = strstr(msg, prefix);
    if (p == NULL)
        return NULL;
    p += strlen(prefix);
    const char *q = strchr(p, '"');
    return q != NULL && q > p ? pf_strndup(p, (size_t)(q - p)) : NULL;
}

char *pf_schema_missing_extension(const pf_error *err)
{
    if (err == NULL)
        return NULL;
    /* Current servers: 0A000 'extension "x" is not available' (the control
     * file in the DETAIL); older ones: 58P01 'could not open extension
     * control file ".../x.control"'. */
    if (strcmp(err->sqlstate, "0A000") == 0) {
        char *name = quoted_after(err->msg, "extension \"");
        if (name != NULL && strstr(err->msg, "\" is not available") != NULL)
            return name;
        free(name);
        return NULL;
    }
    if (strcmp(err->sqlstate, "58P01") == 0) {
        char *path = quoted_after(err->msg, "extension control file \"");
        if (path == NULL)
            return NULL;
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        size_t len = strlen(base);
        char *name = NULL;
        if (len > 8 && strcmp(base + len - 8, ".control") == 0)
            name = pf_strndup(base, len - 8);
        free(path);
        return name;
    }
    return NULL;
}

/* Extensions a Supabase project gets that no PostgreSQL package of Debian
 * provides, with what they bring (so a stub knows what to stand in for). */
static const struct {
    const char *name;
    const char *what;
} k_platform_ext[] = {
    {"pgsodium", "Supabase's libsodium bindings, schema pgsodium"},
    {"supabase_vault", "Supabase Vault, schema vault"},
    {"vault", "Supabase Vault, schema vault"},
    {"pg_graphql", "Supabase's GraphQL API, schema graphql"},
    {"pg_net", "Supabase's asynchronous HTTP client, schema net"},
    {"pgjwt", "JWT sign()/verify() in SQL"},
    {"supautils", "Supabase's role guard"},
    {"pg_jsonschema", "JSON Schema validation"},
    {"wrappers", "Supabase's foreign data wrappers"},
    {"pgmq", "a message queue, schema pgmq"},
    {"index_advisor", "Supabase's index advisor"},
};

/* Replace err's message by one line saying what to do. */
static void explain_missing_extension(pf_error *err, const char *origin, int line,
                                      const char *name)
{
    const char *what = NULL;
    for (size_t i = 0; i < sizeof k_platform_ext / sizeof k_platform_ext[0]; i++)
        if (strcmp(k_platform_ext[i].name, name) == 0)
            what = k_platform_ext[i].what;
    char sqlstate[sizeof err->sqlstate];
    memcpy(sqlstate, err->sqlstate, sizeof sqlstate);
    pf_error_set(err, PF_EXIT_USAGE,
                 "%s:%d: extension \"%s\"%s%s%s is not available on this server: %sstub it in a "
                 "file applied before the migrations (SET " STUB_SETTING " = '%s'; plus stand-ins "
                 "for what the migrations use of it), see docs/supabase.md",
                 origin, line, name, what ? " (" : "", what ? what : "", what ? ")" : "",
                 what ? "" : "install it on the server or ", name);
    memcpy(err->sqlstate, sqlstate, sizeof sqlstate);
}

/* Is stmt about an extension the session declared stubbed? */
static int stubbed(pf_db *db, const char *stmt, size_t len, bool *out, pf_error *err)
{
    *out = false;
    char *name = pf_schema_extension_stmt(stmt, len);
    if (name == NULL)
        return 0;
    char *list = NULL;
    int rc = pf_db_query_value(db, "SELECT pg_catalog.current_setting('" STUB_SETTING "', true)",
                               &list, err);
    if (rc == 0)
        *out = pf_schema_extension_listed(list, name);
    free(list);
    free(name);
    return rc;
}

/* ---- Applying ----------------------------------------------------------- */

int pf_schema_apply_text(pf_db *db, const char *origin, const char *text, pf_schema_stats *stats,
                         pf_error *err)
{
    pf_sql_stmt *stmts = NULL;
    size_t n = 0;
    uint64_t t0 = pf_now_ns();
    if (pf_sql_split(origin, text, &stmts, &n, err) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char *sql = pf_strndup(text + stmts[i].offset, stmts[i].len);
        bool skip = false;
        int r = stubbed(db, sql, stmts[i].len, &skip, err);
        if (r == 0 && skip) {
            free(sql);
            if (stats != NULL)
                stats->stubbed++;
            continue;
        }
        if (r == 0)
            r = pf_db_exec(db, sql, err);
        if (r < 0) {
            int line = stmts[i].line;
            if (err != NULL && err->position > 0) {
                size_t off = pf_sql_char_to_byte(sql, stmts[i].len, err->position);
                line = pf_line_of_offset(text, stmts[i].offset + off);
            }
            char *ext = pf_schema_missing_extension(err);
            if (ext != NULL)
                explain_missing_extension(err, origin, line, ext);
            else
                pf_error_prefix(err, "%s:%d", origin, line);
            free(ext);
            free(sql);
            rc = -1;
            break;
        }
        free(sql);
        if (stats != NULL)
            stats->statements++;
    }
    free(stmts);
    if (stats != NULL)
        stats->ms += pf_elapsed_ms(t0);
    return rc;
}

int pf_schema_apply_file(pf_db *db, const char *path, pf_schema_stats *stats, pf_error *err)
{
    char *text = NULL;
    size_t len = 0;
    if (pf_file_read(path, &text, &len, err) < 0)
        return -1;
    /* A NUL byte would end the text there, silently: a binary file. */
    const char *nul = memchr(text, '\0', len);
    if (nul != NULL) {
        int line = 1;
        for (const char *p = text; p < nul; p++)
            line += *p == '\n';
        free(text);
        return pf_error_set(err, PF_EXIT_USAGE, "%s:%d: a NUL byte: not a text file", path, line);
    }
    int rc = pf_schema_apply_text(db, path, text, stats, err);
    free(text);
    if (rc == 0 && stats != NULL)
        stats->files++;
    return rc;
}

int pf_schema_apply_dir(pf_db *db, const char *dir, pf_schema_stats *stats, pf_error *err)
{
    char **names = NULL;
    size_t count = 0;
    if (pf_dir_list(dir, ".sql", &names, &count, err) < 0)
        return -1;
    int rc = 0;
    if (count == 0)
        rc = pf_error_set(err, PF_EXIT_USAGE, "%s: no *.sql files to apply", dir);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        char *path = pf_path_join(dir, names[i]);
        rc = pf_schema_apply_file(db, path, stats, err);
        free(path);
    }
    pf_strv_free(names);
    return rc;
}

const char *pf_schema_shim_text(size_t i)
{
    return i == 0 ? pf_auth_shim_sql : i == 1 ? pf_storage_shim_sql : NULL;
}

int pf_schema_apply_auth_shim(pf_db *db, pf_schema_stats *stats, pf_error *err)
{
    if (pf_schema_apply_text(db, "<built-in shim 000_supabase_auth.sql>", pf_auth_shim_sql, stats,
                             err) < 0)
        return -1;
    return pf_schema_apply_text(db, "<built-in shim 001_supabase_storage.sql>",
                                pf_storage_shim_sql, stats, err);
}
