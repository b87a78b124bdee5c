/* Query categories for production monitoring: rules that map one
 * pg_stat_statements entry (its normalised query text, database and role)
 * to a category with an absolute threshold, e.g. "mentions
 * healthcare_timeline_events => timeline, 100 ms".
 *
 * A rule holds up to five conditions; every condition given must hold
 * (AND), and each list condition holds when any of its items does (OR).
 * Rules are tried in order and the first match wins; what matches no rule
 * falls into the default category. Several rules may name the same category
 * (alternatives: "calls claim_next_job" or "touches job_queue"); the
 * category's index is that of its first rule. Text conditions look at SQL tokens, not
 * raw text: string literals, comments and dollar-quoted bodies never match.
 *
 *     pf_classifier *c = NULL;
 *     if (pf_classifier_new(&c, rules, n, &fallback, &err) < 0) ...
 *     size_t cat = pf_classify(c, query, "app", "authenticated");
 *     pf_classifier_category(c, cat)->threshold_ms ...
 *     pf_classifier_free(c);
 */
#ifndef PF_CLASSIFY_H
#define PF_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef struct pf_category_rule {
    char *name;          /* [A-Za-z0-9_.-]+ */
    double threshold_ms; /* 0: no absolute threshold */
    /* Identifiers the query mentions (a table, view, column...). "t" matches
     * t, s.t and "T"; "s.t" matches only s.t. Case-insensitive. */
    char **touches;
    size_t n_touches;
    /* Functions it calls: an identifier followed by '('. Same naming rules. */
    char **calls;
    size_t n_calls;
    char **roles; /* the role that ran it (pg_stat_statements.userid) */
    size_t n_roles;
    char **databases; /* the database it ran in */
    size_t n_databases;
    char *pattern; /* a POSIX extended regular expression over the text, case-insensitive */
} pf_category_rule;

typedef struct pf_classifier pf_classifier;

/* Build a classifier from rules (deep-copied) and the default category
 * (only its name and threshold are used). Category i < n is rules[i];
 * category n is the default. Fails on an invalid pattern (PF_EXIT_USAGE).
 * *out is the caller's (pf_classifier_free). */
int pf_classifier_new(pf_classifier **out, const pf_category_rule *rules, size_t n,
                      const pf_category_rule *fallback, pf_error *err);
void pf_classifier_free(pf_classifier *c);

/* Number of categories, the default included. */
size_t pf_classifier_count(const pf_classifier *c);
/* Category i (0 <= i < count); borrowed. */
const pf_category_rule *pf_classifier_category(const pf_classifier *c, size_t i);
/* Index of a category by name, or -1. */
int pf_classifier_find(const pf_classifier *c, const char *name);

/* The category of one statement: the index of the first rule of the
 * matching category, or count - 1 for the default. query, dbname and role
 * may be NULL (unknown): conditions on them do not hold. */
size_t pf_classify(const pf_classifier *c, const char *query, const char *dbname,
                   const char *role);

/* The token-level tests the rules use, exposed for tests. */
bool pf_classify_mentions(const char *sql, const char *ident);
bool pf_classify_calls(const char *sql, const char *func);

/* Validate a pattern; on error a message (regerror's) goes into msg. */
bool pf_classify_pattern_ok(const char *pattern, char *msg, size_t len);

/* Deep copy / dispose of one rule (used by the config parser). */
void pf_category_rule_copy(pf_category_rule *dst, const pf_category_rule *src);
void pf_category_rule_dispose(pf_category_rule *r);

#endif
