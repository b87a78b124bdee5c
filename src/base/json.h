/* JSON files in and out: a strict reader whose every error names the file,
 * the line and the JSON path of the value at fault, and one stable printer
 * whose files diff well. cJSON works underneath; no cJSON type appears here.
 *
 * READING
 *
 * pf_json_parse keeps the file's name and text beside the tree. A value is
 * a pf_json_val: a small struct on the caller's stack that knows its
 * document, the value it lies in and its key or index there, so that a
 * message can name its JSON path ("$.flows[1].steps[0].repeat") and the
 * line it starts on. Every error has one form, used by the dataset spec,
 * scenario, monitor config and RLS rules parsers:
 *
 *     FILE:LINE: PATH: WHAT
 *     bench/load/mix.json:12: $.flows[1].steps[0].repeat: must be an integer in 1..1000000, not 0
 *
 * and a syntax error "FILE:LINE:COLUMN: JSON syntax error near '...'". All
 * carry PF_EXIT_USAGE and go to the pf_error given to pf_json_parse.
 *
 * Typed getters read one member of an object. They return 0 when the
 * member was read, 1 when it is absent and optional (the out value is then
 * left alone, so a default set before the call stays), -1 on an error
 * ("missing 'name' (a string)", "must be a number", "must be an integer in
 * 1..1000, not 1.5"). Strings are borrowed from the document.
 *
 *     static int parse_drain(const pf_json_val *o, pf_drain_spec *d)
 *     {
 *         static const char *const keys[] = {"jobs", "workers", "job_type", NULL};
 *         const char *type = "document_processing";
 *         d->jobs = 1000;
 *         if (pf_json_check_keys(o, keys) < 0 ||
 *             pf_json_get_int(o, "jobs", PF_JSON_OPTIONAL, 1, 10000000, &d->jobs) < 0 ||
 *             pf_json_get_int(o, "workers", PF_JSON_REQUIRED, 1, 1000, &d->workers) < 0 ||
 *             pf_json_get_string(o, "job_type", PF_JSON_NONEMPTY, &type) < 0)
 *             return -1;
 *         if (d->workers > d->jobs)
 *             return pf_json_fail(o, "workers", "more workers than jobs");
 *         d->job_type = pf_strdup(type);
 *         return 0;
 *     }
 *
 *     pf_json *doc = NULL;
 *     pf_json_val root, drain;
 *     if (pf_json_parse("bench/load/q.json", text, &doc, err) < 0)
 *         return -1;
 *     pf_json_root(doc, &root);
 *     int rc = pf_json_get_object(&root, "queue_drain", PF_JSON_REQUIRED, &drain);
 *     if (rc == 0)
 *         rc = parse_drain(&drain, d);
 *     pf_json_free(doc);
 *
 * Members and items are walked in document order:
 *
 *     pf_json_val it;
 *     for (bool more = pf_json_first(&flows, &it); more; more = pf_json_next(&it))
 *         if (parse_flow(&it, &s->flows[it.index]) < 0)
 *             return -1;
 *
 * A pf_json_val borrows the value it was taken from (its `up`): keep that
 * one alive, as a variable of an enclosing call, while this one is used.
 * pf_json_path copies a path for keeping.
 *
 * WRITING
 *
 * A pf_json_writer prints members in the order the caller puts them, with
 * a fixed layout (one member a line, arrays on one line) and fixed number
 * formatting, and a final newline, so that a file written twice from the
 * same values is the same bytes and a changed value is a one-line diff:
 *
 *     pf_json_writer *w = pf_json_writer_new(PF_JSON_SPACES);
 *     pf_json_begin_object(w, NULL);
 *     pf_json_put_int(w, "format", 1);
 *     pf_json_put_string(w, "scenario", r->scenario);
 *     pf_json_put_rounded(w, "p50_ms", p50, 3);
 *     pf_json_begin_array(w, "shards");
 *     pf_json_put_int(w, NULL, 1);
 *     pf_json_end(w);
 *     pf_json_end(w);
 *     char *text = pf_json_writer_finish(w); // caller frees
 *
 * gives
 *
 *     {
 *       "format": 1,
 *       "scenario": "mix",
 *       "p50_ms": 2.003,
 *       "shards": [1]
 *     }
 *
 * Out of memory aborts (error.h), as everywhere in the engine. */
#ifndef PF_JSON_H
#define PF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* ------------------------------------------------------------------ read */

typedef struct pf_json pf_json; /* a parsed document: the tree, its file name and text */

typedef enum pf_json_kind {
    PF_JSON_NULL,
    PF_JSON_BOOL,
    PF_JSON_NUMBER,
    PF_JSON_STRING,
    PF_JSON_ARRAY,
    PF_JSON_OBJECT,
} pf_json_kind;

/* A value of a document. The caller may read key and index; the other
 * fields are the reader's. */
typedef struct pf_json_val {
    const pf_json *doc;
    const struct pf_json_val *up; /* the value this one lies in; NULL for the root */
    const char *key;              /* member name (borrowed), NULL for an array item or the root */
    size_t index;                 /* position among the members or items of up */
    const void *node;             /* the tree's node */
} pf_json_val;

/* Flags of the getters. */
#define PF_JSON_OPTIONAL 0
#define PF_JSON_REQUIRED 1 /* absent: "missing 'KEY' (a string)" */
#define PF_JSON_NONEMPTY 2 /* strings: not blank; arrays and objects: at least one element */

/* Parse text; origin names it in messages. A syntax error names the line
 * and column. *out is the caller's (pf_json_free); err must stay valid
 * while the document is used: later errors of its values go there too. */
int pf_json_parse(const char *origin, const char *text, pf_json **out, pf_error *err);
void pf_json_free(pf_json *doc);
/* The document's top value; its path is "$". */
void pf_json_root(const pf_json *doc, pf_json_val *out);

/* Set the document's error "FILE:LINE: PATH: WHAT" about v, or about v's
 * member key when key is not NULL (its line if present, else v's).
 * Returns -1. */
int pf_json_fail(const pf_json_val *v, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "$.tables[2].columns.title"; caller frees. */
char *pf_json_path(const pf_json_val *v);
/* "FILE:LINE: PATH", the head of v's messages, for a message built
 * elsewhere (the SQL splitter's); caller frees. */
char *pf_json_where(const pf_json_val *v);
/* The 1-based line v starts on (a member: its key). */
int pf_json_line(const pf_json_val *v);

pf_json_kind pf_json_kind_of(const pf_json_val *v);
bool pf_json_is(const pf_json_val *v, pf_json_kind kind);
/* Members of an object, items of an array, else 0. */
size_t pf_json_count(const pf_json_val *v);
/* The text of a string value (borrowed), NULL for any other kind. */
const char *pf_json_string(const pf_json_val *v);
/* A number value: true and *out set, else false. */
bool pf_json_number(const pf_json_val *v, double *out);
/* Whether v is the value true. */
bool pf_json_true(const pf_json_val *v);

/* v as compact JSON text ("[1,2]", "\"a\\n\"", "0.5"), as cJSON writes it;
 * caller frees. */
char *pf_json_text(const pf_json_val *v);
/* s as a JSON string literal, quotes included, escaped as the printer
 * does; caller frees. */
char *pf_json_quote(const char *s);

/* Member key of object obj: 0 and *out set, or 1 when absent (or obj is
 * not an object). */
int pf_json_member(const pf_json_val *obj, const char *key, pf_json_val *out);
bool pf_json_has(const pf_json_val *obj, const char *key);
/* Item i of an array (member i of an object): true and *out set, else false. */
bool pf_json_item(const pf_json_val *container, size_t i, pf_json_val *out);
/* The first member or item of container, and the one after it: false at the end. */
bool pf_json_first(const pf_json_val *container, pf_json_val *out);
bool pf_json_next(pf_json_val *it);

/* obj must be an object ("must be an object") whose keys are all in
 * allowed (NULL-terminated), each once: "unknown key 'nmae' (expected one
 * of: name, flows)", "key 'name' appears twice", at the key's line. */
int pf_json_check_keys(const pf_json_val *obj, const char *const *allowed);

/* Typed getters: 0 read, 1 absent and optional (*out untouched), -1 error. */
int pf_json_get_string(const pf_json_val *obj, const char *key, int flags, const char **out);
/* A finite number ("must be a finite number" for 1e999). */
int pf_json_get_number(const pf_json_val *obj, const char *key, int flags, double *out);
/* A number in [min, max]: "must be a number in [0, 1], not 2". */
int pf_json_get_number_in(const pf_json_val *obj, const char *key, int flags, double min,
                          double max, double *out);
/* A whole number in min..max: "must be an integer in 1..1000, not 1.5". */
int pf_json_get_int(const pf_json_val *obj, const char *key, int flags, int min, int max,
                    int *out);
int pf_json_get_int64(const pf_json_val *obj, const char *key, int flags, int64_t min,
                      int64_t max, int64_t *out);
int pf_json_get_bool(const pf_json_val *obj, const char *key, int flags, bool *out);
int pf_json_get_object(const pf_json_val *obj, const char *key, int flags, pf_json_val *out);
int pf_json_get_array(const pf_json_val *obj, const char *key, int flags, pf_json_val *out);

/* ----------------------------------------------------------------- write */

typedef enum pf_json_style {
    PF_JSON_SPACES, /* two spaces a level, "key": value (baselines) */
    PF_JSON_TABS,   /* a tab a level, "key":<TAB>value: cJSON's own layout, which the
                     * results files of load, run and rls had before this printer */
} pf_json_style;

typedef struct pf_json_writer pf_json_writer;

pf_json_writer *pf_json_writer_new(pf_json_style style);
/* The document (one complete value) and a final newline; caller frees.
 * Frees w. */
char *pf_json_writer_finish(pf_json_writer *w);
/* Drop an unfinished document. NULL is fine. */
void pf_json_writer_free(pf_json_writer *w);

/* Each put names its key inside an object and passes NULL inside an array
 * or for the document's top value. */
void pf_json_begin_object(pf_json_writer *w, const char *key);
void pf_json_begin_array(pf_json_writer *w, const char *key);
/* Close the innermost object or array. */
void pf_json_end(pf_json_writer *w);
/* NULL writes null. */
void pf_json_put_string(pf_json_writer *w, const char *key, const char *s);
void pf_json_put_int(pf_json_writer *w, const char *key, int64_t v);
/* As it is: %.15g, or %.17g when that does not read back within an
 * epsilon (cJSON 1.7.15's rule: 2, 0.5, 3.3333333333333335, 1e+15). NaN
 * and infinities, which JSON cannot hold, are written as 0 here and below. */
void pf_json_put_number(pf_json_writer *w, const char *key, double v);
/* Rounded to decimals places, then as pf_json_put_number: 2.0036 with 3
 * is 2.004, 2 is 2. */
void pf_json_put_rounded(pf_json_writer *w, const char *key, double v, int decimals);
/* Always decimals places ("%.4f"): 0.1000. */
void pf_json_put_fixed(pf_json_writer *w, const char *key, double v, int decimals);
void pf_json_put_bool(pf_json_writer *w, const char *key, bool v);
void pf_json_put_null(pf_json_writer *w, const char *key);
/* json written as it is: a value already in JSON, on one line. */
void pf_json_put_raw(pf_json_writer *w, const char *key, const char *json);

#endif
