/* perfgate init: the generator of one column by its kind, name and
 * constraints (text, numbers, booleans, times), with the reason, and the
 * small JSON builders the spec drafting shares. Pure: no server. */
#ifndef PF_INIT_GEN_H
#define PF_INIT_GEN_H

#include <stdbool.h>
#include <stddef.h>

#include "init_catalog.h"

typedef enum pf_init_time_class {
    PF_INIT_TC_NONE,
    PF_INIT_TC_PAST,     /* -2y .. 0d */
    PF_INIT_TC_CREATED,  /* -3y .. -1d, or recent in an events table */
    PF_INIT_TC_UPDATED,  /* after created_at */
    PF_INIT_TC_FUTURE,   /* +40y .. +41y */
    PF_INIT_TC_RARE,     /* deleted_at and friends: mostly NULL */
    PF_INIT_TC_SOMETIMES, /* accepted_at, edited_at: half NULL */
    PF_INIT_TC_BIRTH,
    PF_INIT_TC_LAST,     /* last_seen_at: recent */
    PF_INIT_TC_PARTITION, /* within the partitions */
} pf_init_time_class;

/* A column's draft while its table is drafted. */
typedef struct pf_init_gen {
    char *gen, *why;  /* generator JSON (NULL: left to the database) and its reason */
    char *tpl;        /* the template text when gen is a template */
    char *want_after; /* a time column of the row this one comes after */
    pf_init_time_class time_class; /* PF_INIT_TC_NONE: not a time column */
    double nf;        /* NULL share of a time column */
} pf_init_gen;

/* Name tests on a lower-case column or table name: part is the whole
 * name or one of its underscore-separated parts (has("created_at",
 * "created")). */
bool pf_init_name_has(const char *name, const char *part);
bool pf_init_name_any(const char *name, const char *const *parts);
/* A lower-case copy; caller frees. */
char *pf_init_lower(const char *s);
/* Is t's name one of events, messages, logs, ...? */
bool pf_init_events_like(const pf_init_table *t);

/* Generator JSON builders; each returns a new string. */
char *pf_init_gen_template(const char *tpl);
char *pf_init_gen_choice(char *const *values, const int *weights);
/* gen with one more member ("\"key\": value") before its closing brace. */
char *pf_init_gen_with_key(const char *gen, const char *key_json);
/* gen with "null_fraction": nf (nf > 0); frees gen. */
char *pf_init_gen_nulls(char *gen, double nf);
/* Is gen a generator of this kind ("ref", "timestamp")? */
bool pf_init_gen_is(const char *gen, const char *kind);

/* The generator of column c of t by its kind (out is filled; the caller
 * disposes its strings). */
void pf_init_gen_text(const pf_init_table *t, const pf_init_column *c, pf_init_gen *out);
void pf_init_gen_int(const pf_init_column *c, pf_init_gen *out);
void pf_init_gen_float(const pf_init_column *c, pf_init_gen *out);
void pf_init_gen_bool(const pf_init_column *c, pf_init_gen *out);
/* The time class of a date or timestamp column, by name (and partitioning);
 * *why gets a static reason. events: the table grows like a log. */
pf_init_time_class pf_init_time_class_of(const pf_init_table *t, const pf_init_column *c,
                                         bool events, const char **why);
/* Build gens[ci]'s time generator once the other columns of the row are
 * drafted (it may come after one of them). */
void pf_init_gen_time(const pf_init_table *t, const pf_init_column *c, pf_init_gen *gens, size_t ci,
                      bool events);

#endif
