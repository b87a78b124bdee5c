/* JUnit XML reports: build the document with libxml2's tree API (which does
 * the escaping), serialize it, write it atomically; and validate a report
 * against an XML Schema. libxml2's own error printing is replaced, for the
 * duration of each call, by a collector that feeds the pf_error. */
#include "junit.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "buf.h"
#include "fsutil.h"

/* libxml2 2.12 made the structured error callback take a const xmlError *. */
#if LIBXML_VERSION >= 21200
#define PF_XML_ERROR_CONST const
#else
#define PF_XML_ERROR_CONST
#endif

/* Network access is never wanted; big line numbers keep error lines right
 * in reports with more than 65535 lines. Entities are not substituted. */
#define PF_XML_PARSE_OPTS (XML_PARSE_NONET | XML_PARSE_BIG_LINES)

/* ---- silencing libxml2 and collecting its errors ---- */

typedef struct xml_capture {
    int errors;                 /* errors and fatal errors seen; warnings are ignored */
    char first[1024];           /* "<file>:<line>: <message>" of the first one */
    const char *fallback_file;  /* named when libxml2 does not know the file */
    xmlStructuredErrorFunc saved_serror;
    void *saved_sctx;
    xmlGenericErrorFunc saved_gerror;
    void *saved_gctx;
} xml_capture;

static void capture_structured(void *ctx, PF_XML_ERROR_CONST xmlError *e)
{
    xml_capture *c = ctx;
    if (e == NULL || e->level < XML_ERR_ERROR)
        return;
    if (c->errors++ > 0)
        return;
    const char *file = e->file != NULL ? e->file : c->fallback_file;
    if (file == NULL)
        file = "(document)";
    const char *msg = e->message != NULL ? e->message : "unknown libxml2 error";
    /* libxml2 messages end with a newline; pf_error messages do not. */
    int mlen = (int)strcspn(msg, "\n");
    if (e->line > 0)
        snprintf(c->first, sizeof c->first, "%s:%d: %.*s", file, e->line, mlen, msg);
    else
        snprintf(c->first, sizeof c->first, "%s: %.*s", file, mlen, msg);
}

/* Everything that still goes through the generic channel is dropped: the
 * engine never prints, and the structured channel carries the errors. */
static void capture_generic(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    (void)fmt;
}

static void capture_begin(xml_capture *c, const char *fallback_file)
{
    memset(c, 0, sizeof *c);
    c->fallback_file = fallback_file;
    xmlInitParser();
    c->saved_serror = xmlStructuredError;
    c->saved_sctx = xmlStructuredErrorContext;
    c->saved_gerror = xmlGenericError;
    c->saved_gctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(c, capture_structured);
    xmlSetGenericErrorFunc(c, capture_generic);
}

static void capture_end(xml_capture *c)
{
    xmlSetStructuredErrorFunc(c->saved_sctx, c->saved_serror);
    xmlSetGenericErrorFunc(c->saved_gctx, c->saved_gerror);
}

/* Set err from the collected errors, or from fallback when libxml2 said
 * nothing through the structured channel. */
static int capture_fail(const xml_capture *c, pf_error *err, const char *fallback)
{
    if (c->errors == 0)
        return pf_error_set(err, PF_EXIT_USAGE, "%s", fallback);
    if (c->errors == 1)
        return pf_error_set(err, PF_EXIT_USAGE, "%s", c->first);
    return pf_error_set(err, PF_EXIT_USAGE, "%s (%d more problem%s)", c->first, c->errors - 1,
                        c->errors == 2 ? "" : "s");
}

/* ---- text that XML 1.0 can carry ---- */

/* Length of the well-formed UTF-8 sequence at s if it encodes a character
 * XML 1.0 allows, else 0. *skip is how many bytes to consume either way:
 * for a broken sequence, its longest valid prefix (at least one byte), so
 * each broken sequence becomes one replacement character. s is
 * NUL-terminated and the NUL is never part of a sequence, so reads stop
 * there. */
static size_t xml_char_len(const unsigned char *s, size_t *skip)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *skip = 1;
        return (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') ? 1 : 0;
    }
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0Fu;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07u;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        *skip = 1;
        return 0;
    }
    for (size_t i = 1; i <= need; i++) {
        unsigned char t = s[i];
        if (t < lo || t > hi) {
            *skip = i;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
        cp = (cp << 6) | (t & 0x3Fu);
    }
    *skip = need + 1;
    if (cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return need + 1;
}

/* A copy of s in which every character XML 1.0 forbids and every invalid
 * UTF-8 sequence is U+FFFD, so any server message can go in a report.
 * Caller frees. */
static char *xml_clean(const char *s)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    pf_buf b = PF_BUF_INIT;
    pf_buf_reserve(&b, strlen(s) + 1);
    const unsigned char *p = (const unsigned char *)s;
    while (*p != '\0') {
        size_t skip;
        size_t len = xml_char_len(p, &skip);
        if (len > 0)
            pf_buf_append(&b, p, len);
        else
            pf_buf_append(&b, replacement, sizeof replacement - 1);
        p += skip;
    }
    return pf_buf_steal(&b);
}

/* Seconds with three decimals, built from integers so that the locale's
 * decimal separator never leaks in (the XSD's SUREFIRE_TIME wants '.').
 * Negative and non-finite values are 0; absurdly large ones are capped. */
static void format_seconds(double s, char out[32])
{
    if (!isfinite(s) || s < 0)
        s = 0;
    if (s > 1e12)
        s = 1e12;
    long long ms = (long long)(s * 1000.0 + 0.5);
    snprintf(out, 32, "%lld.%03lld", ms / 1000, ms % 1000);
}

/* ---- building the document ---- */

/* libxml2 returns NULL when it runs out of memory; the first NULL marks the
 * builder failed and later calls do nothing. */
typedef struct builder {
    xmlDocPtr doc;
    bool failed;
} builder;

static void set_attr(builder *b, xmlNodePtr node, const char *name, const char *value)
{
    if (b->failed || node == NULL || value == NULL)
        return;
    char *clean = xml_clean(value);
    /* xmlNewProp stores the value as text (no entity parsing); the
     * serializer escapes it. */
    if (xmlNewProp(node, BAD_CAST name, BAD_CAST clean) == NULL)
        b->failed = true;
    free(clean);
}

static void set_attr_count(builder *b, xmlNodePtr node, const char *name, size_t n)
{
    char num[32];
    snprintf(num, sizeof num, "%zu", n);
    set_attr(b, node, name, num);
}

static void set_attr_seconds(builder *b, xmlNodePtr node, const char *name, double s)
{
    char num[32];
    format_seconds(s, num);
    set_attr(b, node, name, num);
}

/* A child element with optional text content. xmlNewTextChild escapes the
 * content; xmlNewChild would interpret '&' as an entity reference. */
static xmlNodePtr add_child(builder *b, xmlNodePtr parent, const char *tag, const char *text)
{
    if (b->failed || parent == NULL)
        return NULL;
    char *clean = text != NULL ? xml_clean(text) : NULL;
    xmlNodePtr n = xmlNewTextChild(parent, NULL, BAD_CAST tag, BAD_CAST clean);
    free(clean);
    if (n == NULL)
        b->failed = true;
    return n;
}

typedef struct counts {
    size_t tests, failures, errors, skipped;
} counts;

static counts count_cases(const pf_junit_suite *s)
{
    counts c = {s->n_cases, 0, 0, 0};
    for (size_t i = 0; i < s->n_cases; i++) {
        switch (s->cases[i].status) {
        case PF_JUNIT_FAIL:
            c.failures++;
            break;
        case PF_JUNIT_ERROR:
            c.errors++;
            break;
        case PF_JUNIT_SKIPPED:
            c.skipped++;
            break;
        case PF_JUNIT_PASS:
            break;
        }
    }
    return c;
}

/* The file every case of the suite names, or NULL when they differ or one
 * names none: junit-10.xsd only has testsuite@file. */
static const char *common_file(const pf_junit_suite *s)
{
    if (s->n_cases == 0 || s->cases[0].file == NULL)
        return NULL;
    for (size_t i = 1; i < s->n_cases; i++)
        if (s->cases[i].file == NULL || strcmp(s->cases[i].file, s->cases[0].file) != 0)
            return NULL;
    return s->cases[0].file;
}

static void add_case(builder *b, xmlNodePtr suite, const pf_junit_case *c, pf_junit_format format)
{
    xmlNodePtr tc = add_child(b, suite, "testcase", NULL);
    set_attr(b, tc, "classname", c->classname);
    set_attr(b, tc, "name", c->name);
    set_attr_seconds(b, tc, "time", c->time_s);
    if (format == PF_JUNIT_REPORTERS && c->file != NULL) {
        set_attr(b, tc, "file", c->file);
        if (c->line > 0)
            set_attr_count(b, tc, "line", (size_t)c->line);
    }

    const char *tag = NULL;
    switch (c->status) {
    case PF_JUNIT_FAIL:
        tag = "failure";
        break;
    case PF_JUNIT_ERROR:
        tag = "error";
        break;
    case PF_JUNIT_SKIPPED:
        tag = "skipped";
        break;
    case PF_JUNIT_PASS:
        break;
    }
    if (tag != NULL) {
        /* GitLab shows only the body: fall back to the message so it shows
         * something. */
        xmlNodePtr r = add_child(b, tc, tag, c->body != NULL ? c->body : c->message);
        set_attr(b, r, "message", c->message);
        set_attr(b, r, "type", c->type);
    }
    if (c->system_out != NULL)
        add_child(b, tc, "system-out", c->system_out);
}

static int check_names(const pf_junit_suite *suites, size_t n_suites, pf_error *err)
{
    for (size_t i = 0; i < n_suites; i++) {
        const pf_junit_suite *s = &suites[i];
        if (s->name == NULL)
            return pf_error_set(err, PF_EXIT_USAGE, "JUnit report: suite %zu has no name", i + 1);
        if (s->n_cases > 0 && s->cases == NULL)
            return pf_error_set(err, PF_EXIT_USAGE,
                                "JUnit report: suite '%s' has %zu cases but no case array",
                                s->name, s->n_cases);
        for (size_t j = 0; j < s->n_cases; j++)
            if (s->cases[j].name == NULL)
                return pf_error_set(err, PF_EXIT_USAGE,
                                    "JUnit report: case %zu of suite '%s' has no name", j + 1,
                                    s->name);
    }
    return 0;
}

int pf_junit_format_parse(const char *s, pf_junit_format *out)
{
    if (s != NULL && strcmp(s, "reporters") == 0)
        *out = PF_JUNIT_REPORTERS;
    else if (s != NULL && strcmp(s, "junit10") == 0)
        *out = PF_JUNIT_JUNIT10;
    else
        return -1;
    return 0;
}

int pf_junit_render(const char *name, const pf_junit_suite *suites, size_t n_suites,
                    pf_junit_format format, char **out, pf_error *err)
{
    *out = NULL;
    if (n_suites > 0 && suites == NULL)
        return pf_error_set(err, PF_EXIT_USAGE, "JUnit report: %zu suites but no suite array",
                            n_suites);
    if (check_names(suites, n_suites, err) < 0)
        return -1;

    xml_capture cap;
    capture_begin(&cap, NULL);
    builder b = {xmlNewDoc(BAD_CAST "1.0"), false};
    xmlChar *mem = NULL;
    int size = 0;
    int rc = -1;
    if (b.doc == NULL) {
        b.failed = true;
        goto cleanup;
    }
    xmlNodePtr root = xmlNewDocNode(b.doc, NULL, BAD_CAST "testsuites", NULL);
    if (root == NULL) {
        b.failed = true;
        goto cleanup;
    }
    xmlDocSetRootElement(b.doc, root);

    counts total = {0, 0, 0, 0};
    double total_time = 0;
    for (size_t i = 0; i < n_suites; i++) {
        counts c = count_cases(&suites[i]);
        total.tests += c.tests;
        total.failures += c.failures;
        total.errors += c.errors;
        if (isfinite(suites[i].time_s) && suites[i].time_s > 0)
            total_time += suites[i].time_s;
    }
    set_attr(&b, root, "name", name);
    set_attr_count(&b, root, "tests", total.tests);
    set_attr_count(&b, root, "failures", total.failures);
    set_attr_count(&b, root, "errors", total.errors);
    set_attr_seconds(&b, root, "time", total_time);

    for (size_t i = 0; i < n_suites; i++) {
        const pf_junit_suite *s = &suites[i];
        counts c = count_cases(s);
        xmlNodePtr sn = add_child(&b, root, "testsuite", NULL);
        set_attr(&b, sn, "name", s->name);
        set_attr_count(&b, sn, "tests", c.tests);
        set_attr_count(&b, sn, "failures", c.failures);
        set_attr_count(&b, sn, "errors", c.errors);
        set_attr_count(&b, sn, "skipped", c.skipped);
        set_attr_seconds(&b, sn, "time", s->time_s);
        set_attr(&b, sn, "timestamp", s->timestamp);
        set_attr(&b, sn, "hostname", s->hostname);
        if (format == PF_JUNIT_JUNIT10)
            set_attr(&b, sn, "file", common_file(s));
        for (size_t j = 0; j < s->n_cases; j++)
            add_case(&b, sn, &s->cases[j], format);
        if (s->system_out != NULL)
            add_child(&b, sn, "system-out", s->system_out);
    }
    if (b.failed)
        goto cleanup;

    xmlDocDumpFormatMemoryEnc(b.doc, &mem, &size, "UTF-8", 1);
    if (mem == NULL || size < 0) {
        b.failed = true;
        goto cleanup;
    }
    *out = pf_strndup((const char *)mem, (size_t)size);
    rc = 0;
cleanup:
    if (b.failed)
        capture_fail(&cap, err, "JUnit report: libxml2 could not build the document (out of memory)");
    xmlFree(mem);
    xmlFreeDoc(b.doc);
    capture_end(&cap);
    return rc;
}

int pf_junit_write(const char *path, const char *name, const pf_junit_suite *suites,
                   size_t n_suites, pf_junit_format format, pf_error *err)
{
    char *doc = NULL;
    if (pf_junit_render(name, suites, n_suites, format, &doc, err) < 0)
        return -1;
    int rc = pf_file_write_atomic(path, doc, strlen(doc), err);
    if (rc < 0)
        pf_error_prefix(err, "cannot write JUnit report %s", path);
    free(doc);
    return rc;
}

/* ---- source paths ---- */

/* The directory reporters take paths relative to; caller frees. */
static char *default_root(void)
{
    static const char *const envs[] = {"GITHUB_WORKSPACE", "CI_PROJECT_DIR"};
    for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
        const char *v = getenv(envs[i]);
        if (v != NULL && *v != '\0')
            return pf_strdup(v);
    }
    char *cwd = getcwd(NULL, 0);
    if (cwd == NULL)
        return NULL;
    char *dir = pf_strdup(cwd);
    for (;;) {
        char *git = pf_path_join(dir, ".git");
        bool found = pf_path_exists(git);
        free(git);
        if (found) {
            free(cwd);
            return dir;
        }
        char *slash = strrchr(dir, '/');
        if (slash == NULL || slash == dir)
            break;
        *slash = '\0';
    }
    free(dir);
    return cwd;
}

/* path below dir (both absolute, resolved), or NULL. */
static const char *below(const char *path, const char *dir)
{
    if (dir == NULL)
        return NULL;
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 1 && dir[0] == '/')
        return path[0] == '/' && path[1] != '\0' ? path + 1 : NULL;
    if (strncmp(path, dir, n) == 0 && path[n] == '/' && path[n + 1] != '\0')
        return path + n + 1;
    return NULL;
}

char *pf_junit_source_path(const char *path, const char *root)
{
    char *abs = realpath(path, NULL);
    if (abs == NULL) {
        while (strncmp(path, "./", 2) == 0)
            path += 2;
        return pf_strdup(path);
    }
    char *r = root != NULL ? pf_strdup(root) : default_root();
    char *rr = r != NULL ? realpath(r, NULL) : NULL;
    char *cwd = getcwd(NULL, 0);
    char *rcwd = cwd != NULL ? realpath(cwd, NULL) : NULL;
    const char *rel = below(abs, rr);
    if (rel == NULL)
        rel = below(abs, rcwd);
    char *out;
    if (rel != NULL) {
        out = pf_strdup(rel);
    } else {
        while (strncmp(path, "./", 2) == 0)
            path += 2;
        out = pf_strdup(path);
    }
    free(abs);
    free(r);
    free(rr);
    free(cwd);
    free(rcwd);
    return out;
}

/* ---- validation ---- */

/* Parse a file already read into memory; url names it in errors. */
static xmlDocPtr parse_text(const char *text, size_t len, const char *url, xml_capture *cap,
                            pf_error *err)
{
    if (len > INT_MAX) {
        pf_error_set(err, PF_EXIT_USAGE, "%s: too large to validate (%zu bytes)", url, len);
        return NULL;
    }
    cap->fallback_file = url;
    xmlDocPtr doc = xmlReadMemory(text, (int)len, url, NULL, PF_XML_PARSE_OPTS);
    if (doc == NULL || cap->errors > 0) {
        char fallback[PF_ERROR_MSG_MAX];
        snprintf(fallback, sizeof fallback, "%s: not well-formed XML", url);
        capture_fail(cap, err, fallback);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

int pf_junit_validate(const char *xml_path, const char *xsd_path, pf_error *err)
{
    char *xsd_text = NULL, *xml_text = NULL;
    size_t xsd_len = 0, xml_len = 0;
    if (pf_file_read(xsd_path, &xsd_text, &xsd_len, err) < 0)
        return -1;
    if (pf_file_read(xml_path, &xml_text, &xml_len, err) < 0) {
        free(xsd_text);
        return -1;
    }

    xml_capture cap;
    capture_begin(&cap, xsd_path);
    xmlDocPtr xsd_doc = NULL, doc = NULL;
    xmlSchemaParserCtxtPtr pctxt = NULL;
    xmlSchemaPtr schema = NULL;
    xmlSchemaValidCtxtPtr vctxt = NULL;
    char fallback[PF_ERROR_MSG_MAX];
    int rc = -1;

    xsd_doc = parse_text(xsd_text, xsd_len, xsd_path, &cap, err);
    if (xsd_doc == NULL)
        goto cleanup;
    pctxt = xmlSchemaNewDocParserCtxt(xsd_doc);
    if (pctxt == NULL) {
        capture_fail(&cap, err, "libxml2 could not create a schema parser (out of memory)");
        goto cleanup;
    }
    xmlSchemaSetParserStructuredErrors(pctxt, capture_structured, &cap);
    schema = xmlSchemaParse(pctxt);
    if (schema == NULL || cap.errors > 0) {
        snprintf(fallback, sizeof fallback, "%s: not a valid XML Schema", xsd_path);
        capture_fail(&cap, err, fallback);
        goto cleanup;
    }

    doc = parse_text(xml_text, xml_len, xml_path, &cap, err);
    if (doc == NULL)
        goto cleanup;
    vctxt = xmlSchemaNewValidCtxt(schema);
    if (vctxt == NULL) {
        capture_fail(&cap, err, "libxml2 could not create a schema validator (out of memory)");
        goto cleanup;
    }
    xmlSchemaSetValidStructuredErrors(vctxt, capture_structured, &cap);
    int v = xmlSchemaValidateDoc(vctxt, doc);
    if (v != 0 || cap.errors > 0) {
        snprintf(fallback, sizeof fallback, "%s: does not validate against %s (libxml2 code %d)",
                 xml_path, xsd_path, v);
        capture_fail(&cap, err, fallback);
        goto cleanup;
    }
    rc = 0;
cleanup:
    xmlSchemaFreeValidCtxt(vctxt);
    xmlFreeDoc(doc);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pctxt);
    /* The schema may point into the XSD document until it is freed. */
    xmlFreeDoc(xsd_doc);
    capture_end(&cap);
    free(xml_text);
    free(xsd_text);
    return rc;
}
