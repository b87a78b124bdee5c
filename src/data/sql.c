/* A small SQL lexer that finds statement boundaries. It does not parse SQL;
 * it only knows where a semicolon is not a terminator. */
#include "sql.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fsutil.h"

static bool ident_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

typedef struct lexer {
    const char *origin;
    const char *s;
    size_t n;
    size_t i;
    pf_error *err;
} lexer;

static int lex_error(lexer *lx, size_t at, const char *what)
{
    return pf_error_set(lx->err, PF_EXIT_USAGE, "%s:%d: %s", lx->origin,
                        pf_line_of_offset(lx->s, at), what);
}

/* Skip a quoted run ending in `quote`; a doubled quote is an escaped one;
 * with backslashes, a backslash escapes the next byte (E'...'). lx->i is at
 * the opening quote. */
static int skip_quoted(lexer *lx, char quote, bool backslashes)
{
    size_t start = lx->i;
    lx->i++;
    while (lx->i < lx->n) {
        char c = lx->s[lx->i];
        if (backslashes && c == '\\') {
            lx->i += 2;
            continue;
        }
        if (c == quote) {
            if (lx->i + 1 < lx->n && lx->s[lx->i + 1] == quote) {
                lx->i += 2;
                continue;
            }
            lx->i++;
            return 0;
        }
        lx->i++;
    }
    return lex_error(lx, start,
                     quote == '"' ? "unterminated quoted identifier" : "unterminated quoted string");
}

/* At a '$': if it opens a dollar quote ($$ or $tag$), skip to the matching
 * close and return 1; return 0 if it is not a dollar quote ($1, a$b). */
static int skip_dollar(lexer *lx)
{
    size_t start = lx->i;
    if (start > 0 && ident_char((unsigned char)lx->s[start - 1]))
        return 0;
    size_t j = start + 1;
    if (j < lx->n && ident_start((unsigned char)lx->s[j])) {
        while (j < lx->n && (isalnum((unsigned char)lx->s[j]) || lx->s[j] == '_' ||
                             (unsigned char)lx->s[j] >= 0x80))
            j++;
    }
    if (j >= lx->n || lx->s[j] != '$')
        return 0;
    size_t taglen = j - start + 1; /* "$tag$" */
    const char *close = NULL;
    for (const char *p = lx->s + j + 1; (p = strchr(p, '$')) != NULL; p++) {
        if ((size_t)(lx->s + lx->n - p) >= taglen && memcmp(p, lx->s + start, taglen) == 0) {
            close = p;
            break;
        }
    }
    if (close == NULL)
        return lex_error(lx, start, "unterminated dollar-quoted string");
    lx->i = (size_t)(close - lx->s) + taglen;
    return 1;
}

static int skip_block_comment(lexer *lx)
{
    size_t start = lx->i;
    int depth = 0;
    while (lx->i + 1 < lx->n) {
        if (lx->s[lx->i] == '/' && lx->s[lx->i + 1] == '*') {
            depth++;
            lx->i += 2;
        } else if (lx->s[lx->i] == '*' && lx->s[lx->i + 1] == '/') {
            depth--;
            lx->i += 2;
            if (depth == 0)
                return 0;
        } else {
            lx->i++;
        }
    }
    return lex_error(lx, start, "unterminated /* comment");
}

/* Line of offset off, counting on from the previous call's (*at, *line):
 * statements come in order, so a script is scanned once, not once per
 * statement (pf_line_of_offset for each made 100,000 statements take 30 s). */
static int line_from(const char *text, size_t off, size_t *at, int *line)
{
    for (; *at < off && text[*at]; (*at)++)
        if (text[*at] == '\n')
            (*line)++;
    return *line;
}

static bool at_line_start(const lexer *lx)
{
    for (size_t k = lx->i; k > 0; k--) {
        char c = lx->s[k - 1];
        if (c == '\n')
            return true;
        if (c != ' ' && c != '\t' && c != '\r')
            return false;
    }
    return true;
}

int pf_sql_split(const char *origin, const char *text, pf_sql_stmt **stmts, size_t *count,
                 pf_error *err)
{
    lexer lx = {origin, text, strlen(text), 0, err};
    size_t cap = 16, n = 0;
    pf_sql_stmt *v = pf_malloc(cap * sizeof *v);
    long stmt_start = -1;
    int atomic_depth = 0;
    char last_word[16] = "";
    size_t line_at = 0;
    int line = 1;

    *stmts = NULL;
    *count = 0;
    while (lx.i < lx.n) {
        unsigned char c = (unsigned char)text[lx.i];
        if (c == '-' && lx.i + 1 < lx.n && text[lx.i + 1] == '-') {
            while (lx.i < lx.n && text[lx.i] != '\n')
                lx.i++;
            continue;
        }
        if (c == '/' && lx.i + 1 < lx.n && text[lx.i + 1] == '*') {
            if (skip_block_comment(&lx) < 0)
                goto fail;
            continue;
        }
        if (isspace(c)) {
            lx.i++;
            continue;
        }
        if (c == '\\' && at_line_start(&lx)) {
            lex_error(&lx, lx.i,
                      "psql meta-command (a line starting with '\\') is not supported; "
                      "schema files must be plain SQL");
            goto fail;
        }
        if (c != ';' && stmt_start < 0)
            stmt_start = (long)lx.i;
        if (c == '\'') {
            if (skip_quoted(&lx, '\'', false) < 0)
                goto fail;
        } else if (c == '"') {
            if (skip_quoted(&lx, '"', false) < 0)
                goto fail;
        } else if (c == '$') {
            int r = skip_dollar(&lx);
            if (r < 0)
                goto fail;
            if (r == 0)
                lx.i++;
        } else if (ident_start(c)) {
            size_t w = lx.i;
            while (lx.i < lx.n && ident_char((unsigned char)text[lx.i]))
                lx.i++;
            size_t wl = lx.i - w;
            char word[16] = "";
            if (wl < sizeof word) {
                for (size_t k = 0; k < wl; k++)
                    word[k] = (char)tolower((unsigned char)text[w + k]);
                word[wl] = '\0';
            }
            if (strcmp(word, "e") == 0 && lx.i < lx.n && text[lx.i] == '\'') {
                if (skip_quoted(&lx, '\'', true) < 0)
                    goto fail;
            } else if (atomic_depth == 0 && strcmp(word, "atomic") == 0 &&
                       strcmp(last_word, "begin") == 0) {
                atomic_depth = 1;
            } else if (atomic_depth > 0 && strcmp(word, "case") == 0) {
                atomic_depth++;
            } else if (atomic_depth > 0 && strcmp(word, "end") == 0) {
                atomic_depth--;
            }
            memcpy(last_word, word, sizeof last_word);
        } else if (c == ';' && atomic_depth == 0) {
            if (stmt_start >= 0) {
                if (n == cap) {
                    cap *= 2;
                    v = pf_realloc(v, cap * sizeof *v);
                }
                v[n].offset = (size_t)stmt_start;
                v[n].len = lx.i - (size_t)stmt_start;
                v[n].line = line_from(text, (size_t)stmt_start, &line_at, &line);
                n++;
            }
            stmt_start = -1;
            last_word[0] = '\0';
            lx.i++;
        } else {
            lx.i++;
        }
    }
    if (atomic_depth > 0 && stmt_start >= 0) {
        lex_error(&lx, (size_t)stmt_start, "BEGIN ATOMIC block without END");
        goto fail;
    }
    if (stmt_start >= 0) {
        /* Trailing statement without a semicolon, minus trailing blanks. */
        size_t end = lx.n;
        while (end > (size_t)stmt_start && isspace((unsigned char)text[end - 1]))
            end--;
        if (n == cap)
            v = pf_realloc(v, ++cap * sizeof *v);
        v[n].offset = (size_t)stmt_start;
        v[n].len = end - (size_t)stmt_start;
        v[n].line = line_from(text, (size_t)stmt_start, &line_at, &line);
        n++;
    }
    *stmts = v;
    *count = n;
    return 0;
fail:
    free(v);
    return -1;
}

size_t pf_sql_char_to_byte(const char *stmt, size_t len, int position)
{
    size_t b = 0;
    int chars = 1;
    while (b < len && chars < position) {
        b++;
        /* Skip UTF-8 continuation bytes. */
        while (b < len && ((unsigned char)stmt[b] & 0xC0) == 0x80)
            b++;
        chars++;
    }
    return b;
}

int pf_sql_bind_named(const char *origin, const char *sql, char **out, char ***names,
                      size_t *count, pf_error *err)
{
    lexer lx = {origin, sql, strlen(sql), 0, err};
    pf_buf b = PF_BUF_INIT;
    size_t n = 0, cap = 8;
    char **v = pf_calloc(cap, sizeof *v);
    *out = NULL;
    *names = NULL;
    *count = 0;
    while (lx.i < lx.n) {
        size_t start = lx.i;
        unsigned char c = (unsigned char)sql[lx.i];
        int rc = 0;
        if (c == '-' && lx.i + 1 < lx.n && sql[lx.i + 1] == '-') {
            while (lx.i < lx.n && sql[lx.i] != '\n')
                lx.i++;
        } else if (c == '/' && lx.i + 1 < lx.n && sql[lx.i + 1] == '*') {
            rc = skip_block_comment(&lx);
        } else if (c == '\'') {
            bool e = lx.i > 0 && (sql[lx.i - 1] == 'e' || sql[lx.i - 1] == 'E') &&
                     (lx.i < 2 || !ident_char((unsigned char)sql[lx.i - 2]));
            rc = skip_quoted(&lx, '\'', e);
        } else if (c == '"') {
            rc = skip_quoted(&lx, '"', false);
        } else if (c == '$') {
            rc = skip_dollar(&lx);
            if (rc == 0)
                lx.i++;
            rc = rc < 0 ? -1 : 0;
        } else if (c == ':' && lx.i + 1 < lx.n && sql[lx.i + 1] == ':') {
            lx.i += 2; /* a cast */
        } else if (c == ':' && lx.i + 1 < lx.n && ident_start((unsigned char)sql[lx.i + 1]) &&
                   (lx.i == 0 || !ident_char((unsigned char)sql[lx.i - 1]))) {
            size_t j = lx.i + 1;
            while (j < lx.n && (isalnum((unsigned char)sql[j]) || sql[j] == '_'))
                j++;
            char *name = pf_strndup(sql + lx.i + 1, j - lx.i - 1);
            size_t k = 0;
            while (k < n && strcmp(v[k], name) != 0)
                k++;
            if (k == n) {
                if (n + 1 >= cap) {
                    cap *= 2;
                    v = pf_realloc(v, cap * sizeof *v);
                }
                v[n++] = name;
                v[n] = NULL;
            } else {
                free(name);
            }
            pf_buf_printf(&b, "$%zu", k + 1);
            lx.i = j;
            continue;
        } else if (ident_start(c)) {
            while (lx.i < lx.n && ident_char((unsigned char)sql[lx.i]))
                lx.i++;
        } else {
            lx.i++;
        }
        if (rc < 0) {
            pf_buf_dispose(&b);
            pf_strv_free(v);
            return -1;
        }
        pf_buf_append(&b, sql + start, lx.i - start);
    }
    *out = pf_buf_steal(&b);
    *names = v;
    *count = n;
    return 0;
}
