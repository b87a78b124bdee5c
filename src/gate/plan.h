/* Plans: the output of EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) parsed into
 * perfgate's own structs: deterministic work metrics, a fingerprint of the
 * plan's shape, a one-line summary and a diff of two plans for messages. */
#ifndef PF_PLAN_H
#define PF_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The work a statement did: the deterministic signal the verdict compares.
 * Buffer counts come from the top plan node only (EXPLAIN reports them
 * cumulatively, so they already include children, InitPlans and SubPlans).
 * Planning buffers are not included: they depend on the catalog cache. */
typedef struct pf_work {
    int64_t shared_hit, shared_read, shared_dirtied, shared_written;
    int64_t local_hit, local_read, temp_read, temp_written;
    /* Rows returned by the top plan node: Actual Rows * Actual Loops. */
    int64_t rows;
    /* Rows the executor touched: over every node, Actual Rows plus "Rows
     * Removed by Filter", "... by Index Recheck" and "... by Join Filter",
     * each times Actual Loops. */
    int64_t rows_processed;
} pf_work;

typedef struct pf_plan {
    pf_work work;
    int64_t planning_shared_hit, planning_shared_read;
    double planning_ms, execution_ms; /* 0 when absent (no ANALYZE) */
    bool analyzed;                    /* the top node has "Actual Rows" (ANALYZE) */
    bool buffers;                     /* the top node has "Shared Hit Blocks" (BUFFERS) */
    /* 16 lowercase hex digits: 64-bit FNV-1a of `shape`. */
    char fingerprint[17];
    /* Canonical text of the plan's shape, one node per line, indented two
     * spaces per depth: "<Node Type>; <Key>: <value>; ..." with the keys
     * that describe the plan (relation, index, join type, strategy,
     * conditions with literals replaced by '?', ...) and none that vary
     * between runs (costs, rows, timings, buffers, memory). Owned. */
    char *shape;
    /* One line, at most 200 characters: the nodes along the main path
     * joined by " → ", both sides of a join in parentheses, InitPlans and
     * SubPlans in brackets. Owned. */
    char *summary;
    /* One short description per node in depth-first order ("Seq Scan on t",
     * "Index Scan using i on t", "Hash Join", "SubPlan 1: Result"),
     * NULL-terminated. Owned. */
    char **nodes;
    size_t n_nodes;
} pf_plan;

/* Parse the text of EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) (a JSON array
 * holding one object with "Plan"; a bare object is accepted too) into *out,
 * which the caller disposes with pf_plan_dispose. Without ANALYZE or
 * BUFFERS the missing numbers are 0 (see `analyzed` and `buffers`).
 * Returns 0, or -1 with PF_EXIT_USAGE and a message saying what is wrong
 * (not JSON, no "Plan", a node without "Node Type", a count that is not a
 * non-negative number); *out is then zeroed. */
int pf_plan_parse(const char *explain_json, pf_plan *out, pf_error *err);

/* Free the owned strings and zero *p. NULL is fine. */
void pf_plan_dispose(pf_plan *p);

/* One line saying how the plan changed, for a failure message, computed from
 * two node lists (pf_plan.nodes, or lists stored in a baseline): the nodes
 * of base not in head, " → ", the nodes of head not in base (a longest
 * common subsequence decides what is common), each side joined by ", ":
 *   "Index Scan using i on t → Sort, Seq Scan on t"
 * When only one side has changes: "removed: A, B" or "added: A, B".
 * Either list may be NULL (empty). Returns a new string (caller frees), ""
 * when the lists are equal. */
char *pf_plan_diff_nodes(char *const *base_nodes, char *const *head_nodes);

/* An expression from EXPLAIN with numeric and string literals replaced by
 * '?' ("(d >= '2024-01-01'::date) AND (n = 42)" → "(d >= ?::date) AND
 * (n = ?)"); identifiers, quoted identifiers and $n parameters are kept.
 * Returns a new string (caller frees). */
char *pf_plan_normalize(const char *expr);

#endif
