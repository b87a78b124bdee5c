/* EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) parsing: work metrics from the top
 * node, a fingerprint over the plan's shape, node descriptions and a summary.
 * The cJSON tree never leaves this file. */
#include "plan.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fsutil.h"

#define SUMMARY_MAX_CHARS 200
#define DIFF_SIDE_MAX_CHARS 240
/* Above this many cells the LCS table is not worth it: trim the common
 * prefix and suffix instead. */
#define LCS_MAX_CELLS (4u * 1024u * 1024u)

/* Keys that make up a node's shape, in the order they are written. Costs,
 * estimates, actual rows, loops, timings, buffers, workers, memory, "Rows
 * Removed by ...", "Heap Fetches" and sort methods are left out on purpose:
 * they vary between runs or with the data size. Alias is left out because
 * renaming an alias does not change the plan. */
typedef struct shape_key {
    const char *key;
    bool normalize; /* an expression: replace literals by '?' */
} shape_key;

static const shape_key k_shape_keys[] = {
    {"Parent Relationship", false},
    {"Subplan Name", false},
    {"Parallel Aware", false},
    {"Strategy", false},
    {"Partial Mode", false},
    {"Operation", false},
    {"Command", false},
    {"Join Type", false},
    {"Scan Direction", false},
    {"Custom Plan Provider", false},
    {"Schema", false},
    {"Relation Name", false},
    {"Index Name", false},
    {"CTE Name", false},
    {"Tuplestore Name", false},
    {"Function Name", false},
    {"Table Function Name", false},
    {"Sampling Method", false},
    {"Sampling Parameters", true},
    {"Sort Key", true},
    {"Presorted Key", true},
    {"Group Key", true},
    {"Grouping Sets", true},
    {"Cache Key", true},
    {"Cache Mode", false},
    {"Index Cond", true},
    {"Order By", true},
    {"Recheck Cond", true},
    {"TID Cond", true},
    {"Merge Cond", true},
    {"Hash Cond", true},
    {"Join Filter", true},
    {"One-Time Filter", true},
    {"Filter", true},
};

/* A node as far as the summary needs it; freed before pf_plan_parse returns. */
typedef struct pnode {
    const char *desc;      /* borrowed from the nodes list, without subplan prefix */
    const char *type;      /* borrowed from the cJSON tree while it lives */
    char *subplan;         /* "SubPlan 1" / "InitPlan 2", NULL for main-path children */
    struct pnode **kids;
    size_t nkids;
} pnode;

typedef struct walk {
    pf_buf shape;
    char **nodes;
    size_t n_nodes, cap_nodes;
    double rows_processed;
    pf_error *err;
} walk;

/* ---- literal normalization ---------------------------------------------- */

static bool ident_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* s[*i] is the opening quote; move *i past the closing one. A doubled quote
 * is an escaped one; with backslashes (E'...') a backslash escapes too. */
static void skip_quoted(const char *s, size_t *i, char quote, bool backslashes)
{
    size_t j = *i + 1;
    while (s[j] != '\0') {
        if (backslashes && s[j] == '\\' && s[j + 1] != '\0') {
            j += 2;
            continue;
        }
        if (s[j] == quote) {
            if (s[j + 1] == quote) {
                j += 2;
                continue;
            }
            j++;
            break;
        }
        j++;
    }
    *i = j;
}

char *pf_plan_normalize(const char *expr)
{
    pf_buf b = PF_BUF_INIT;
    if (expr == NULL)
        return pf_buf_steal(&b);
    const char *s = expr;
    size_t i = 0;
    while (s[i] != '\0') {
        unsigned char c = (unsigned char)s[i];
        bool after_ident = i > 0 && ident_char((unsigned char)s[i - 1]);
        if (c == '\'') {
            skip_quoted(s, &i, '\'', false);
            pf_buf_putc(&b, '?');
        } else if ((c == 'E' || c == 'e') && s[i + 1] == '\'' && !after_ident) {
            i++;
            skip_quoted(s, &i, '\'', true);
            pf_buf_putc(&b, '?');
        } else if (c == '"') {
            size_t start = i;
            skip_quoted(s, &i, '"', false);
            pf_buf_append(&b, s + start, i - start);
        } else if (ident_start(c)) {
            size_t start = i;
            while (s[i] != '\0' && ident_char((unsigned char)s[i]))
                i++;
            pf_buf_append(&b, s + start, i - start);
        } else if (c == '$' && isdigit((unsigned char)s[i + 1])) {
            size_t start = i++;
            while (isdigit((unsigned char)s[i]))
                i++;
            pf_buf_append(&b, s + start, i - start);
        } else if (isdigit(c) || (c == '.' && isdigit((unsigned char)s[i + 1]))) {
            while (isdigit((unsigned char)s[i]))
                i++;
            if (s[i] == '.' && isdigit((unsigned char)s[i + 1])) {
                i++;
                while (isdigit((unsigned char)s[i]))
                    i++;
            } else if (s[i] == '.') {
                i++; /* "1." */
            }
            if ((s[i] == 'e' || s[i] == 'E') &&
                (isdigit((unsigned char)s[i + 1]) ||
                 ((s[i + 1] == '+' || s[i + 1] == '-') && isdigit((unsigned char)s[i + 2])))) {
                i += 2;
                while (isdigit((unsigned char)s[i]))
                    i++;
            }
            pf_buf_putc(&b, '?');
        } else if (c == '\n' || c == '\r' || c == '\t') {
            /* The shape is one node per line. */
            pf_buf_putc(&b, ' ');
            i++;
        } else {
            pf_buf_putc(&b, (char)c);
            i++;
        }
    }
    return pf_buf_steal(&b);
}

/* ---- small helpers ------------------------------------------------------- */

static const char *get_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A count or a time: absent is 0 (and *present false); present it must be a
 * finite non-negative number. */
static int get_num(const cJSON *obj, const char *key, const char *where, double *out,
                   bool *present, pf_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = 0;
    if (present)
        *present = v != NULL;
    if (v == NULL)
        return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0)
        return pf_error_set(err, PF_EXIT_USAGE,
                            "EXPLAIN JSON: %s: \"%s\" is not a non-negative number", where, key);
    *out = v->valuedouble;
    return 0;
}

static int64_t to_i64(double v)
{
    if (!(v > 0))
        return 0;
    if (v >= 9.2e18)
        return INT64_MAX;
    return (int64_t)llround(v);
}

/* Append a value of the shape: strings as they are, arrays of strings as
 * "[a, b]", anything else as compact JSON. Expressions are normalized. */
static void shape_value(pf_buf *b, const cJSON *v, bool normalize)
{
    char *text = NULL;
    if (cJSON_IsString(v)) {
        text = pf_strdup(v->valuestring);
    } else if (cJSON_IsBool(v)) {
        text = pf_strdup(cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsArray(v)) {
        bool all_strings = true;
        const cJSON *e;
        cJSON_ArrayForEach(e, v)
        {
            if (!cJSON_IsString(e))
                all_strings = false;
        }
        if (all_strings) {
            pf_buf a = PF_BUF_INIT;
            pf_buf_putc(&a, '[');
            bool first = true;
            cJSON_ArrayForEach(e, v)
            {
                if (!first)
                    pf_buf_puts(&a, ", ");
                pf_buf_puts(&a, e->valuestring);
                first = false;
            }
            pf_buf_putc(&a, ']');
            text = pf_buf_steal(&a);
        }
    }
    if (text == NULL) {
        char *json = cJSON_PrintUnformatted(v);
        if (json == NULL)
            text = pf_strdup("?");
        else {
            text = pf_strdup(json);
            cJSON_free(json);
        }
    }
    if (normalize) {
        char *n = pf_plan_normalize(text);
        free(text);
        text = n;
    }
    for (char *p = text; *p; p++) {
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    }
    pf_buf_puts(b, text);
    free(text);
}

/* "InitPlan 1 (returns $0)" → "InitPlan 1". */
static char *short_subplan_name(const char *name)
{
    const char *paren = strstr(name, " (");
    return paren ? pf_strndup(name, (size_t)(paren - name)) : pf_strdup(name);
}

/* The short description of one node, like EXPLAIN's text format without
 * aliases: "Index Scan using i on t", "Hash Left Join", "HashAggregate". */
static char *describe(const cJSON *node, const char *type)
{
    pf_buf b = PF_BUF_INIT;
    const char *strategy = get_str(node, "Strategy");
    const char *partial = get_str(node, "Partial Mode");
    const char *join = get_str(node, "Join Type");
    const char *rel = get_str(node, "Relation Name");
    const char *schema = get_str(node, "Schema");
    const char *index = get_str(node, "Index Name");
    bool is_index_scan = strcmp(type, "Index Scan") == 0 || strcmp(type, "Index Only Scan") == 0;

    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(node, "Parallel Aware")))
        pf_buf_puts(&b, "Parallel ");
    if (strcmp(type, "Aggregate") == 0) {
        if (partial && strcmp(partial, "Simple") != 0)
            pf_buf_printf(&b, "%s ", partial);
        if (strategy && strcmp(strategy, "Sorted") == 0)
            pf_buf_puts(&b, "GroupAggregate");
        else if (strategy && strcmp(strategy, "Hashed") == 0)
            pf_buf_puts(&b, "HashAggregate");
        else if (strategy && strcmp(strategy, "Mixed") == 0)
            pf_buf_puts(&b, "MixedAggregate");
        else
            pf_buf_puts(&b, "Aggregate");
    } else if (strcmp(type, "SetOp") == 0) {
        const char *command = get_str(node, "Command");
        pf_buf_puts(&b, strategy && strcmp(strategy, "Hashed") == 0 ? "HashSetOp" : "SetOp");
        if (command)
            pf_buf_printf(&b, " %s", command);
    } else if (strcmp(type, "ModifyTable") == 0 && get_str(node, "Operation")) {
        pf_buf_puts(&b, get_str(node, "Operation"));
    } else if (strcmp(type, "Custom Scan") == 0 && get_str(node, "Custom Plan Provider")) {
        pf_buf_printf(&b, "Custom Scan (%s)", get_str(node, "Custom Plan Provider"));
    } else if (join && strcmp(join, "Inner") != 0) {
        size_t tl = strlen(type);
        if (tl > 5 && strcmp(type + tl - 5, " Join") == 0)
            pf_buf_printf(&b, "%.*s %s Join", (int)(tl - 5), type, join);
        else
            pf_buf_printf(&b, "%s %s Join", type, join);
    } else {
        pf_buf_puts(&b, type);
    }

    const char *dir = get_str(node, "Scan Direction");
    if (is_index_scan && dir && strcmp(dir, "Backward") == 0)
        pf_buf_puts(&b, " Backward");
    if (is_index_scan && index)
        pf_buf_printf(&b, " using %s", index);
    if (rel)
        pf_buf_printf(&b, " on %s%s%s", schema ? schema : "", schema ? "." : "", rel);
    else if (index)
        pf_buf_printf(&b, " on %s", index);
    else if (get_str(node, "CTE Name"))
        pf_buf_printf(&b, " on %s", get_str(node, "CTE Name"));
    else if (get_str(node, "Function Name"))
        pf_buf_printf(&b, " on %s", get_str(node, "Function Name"));
    else if (get_str(node, "Tuplestore Name"))
        pf_buf_printf(&b, " on %s", get_str(node, "Tuplestore Name"));
    return pf_buf_steal(&b);
}

static void pnode_free(pnode *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        pnode_free(n->kids[i]);
    free(n->kids);
    free(n->subplan);
    free(n);
}

static void push_node(walk *w, char *desc)
{
    if (w->n_nodes + 1 >= w->cap_nodes) {
        w->cap_nodes = w->cap_nodes ? w->cap_nodes * 2 : 16;
        w->nodes = pf_realloc(w->nodes, w->cap_nodes * sizeof *w->nodes);
    }
    w->nodes[w->n_nodes++] = desc;
    w->nodes[w->n_nodes] = NULL;
}

/* ---- the walk ------------------------------------------------------------ */

/* Visit one plan node and its children depth-first: append its shape line,
 * its description, its rows to rows_processed, and build its pnode. `where`
 * names the node for error messages ("Plan.Plans[0]"). */
static int walk_node(walk *w, const cJSON *node, int depth, const char *where, pnode **out)
{
    *out = NULL;
    if (!cJSON_IsObject(node))
        return pf_error_set(w->err, PF_EXIT_USAGE, "EXPLAIN JSON: %s is not an object", where);
    const char *type = get_str(node, "Node Type");
    if (type == NULL || type[0] == '\0')
        return pf_error_set(w->err, PF_EXIT_USAGE, "EXPLAIN JSON: plan node %s has no \"Node Type\"",
                            where);

    double rows, loops, removed;
    bool has_loops;
    if (get_num(node, "Actual Rows", where, &rows, NULL, w->err) < 0 ||
        get_num(node, "Actual Loops", where, &loops, &has_loops, w->err) < 0)
        return -1;
    if (!has_loops)
        loops = 1;
    w->rows_processed += rows * loops;
    static const char *const removed_keys[] = {"Rows Removed by Filter",
                                               "Rows Removed by Index Recheck",
                                               "Rows Removed by Join Filter"};
    for (size_t k = 0; k < sizeof removed_keys / sizeof removed_keys[0]; k++) {
        if (get_num(node, removed_keys[k], where, &removed, NULL, w->err) < 0)
            return -1;
        w->rows_processed += removed * loops;
    }

    for (int d = 0; d < depth; d++)
        pf_buf_puts(&w->shape, "  ");
    pf_buf_puts(&w->shape, type);
    for (size_t k = 0; k < sizeof k_shape_keys / sizeof k_shape_keys[0]; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, k_shape_keys[k].key);
        /* "Parallel Aware": false is on every node; only true says something. */
        if (v == NULL || cJSON_IsNull(v) || cJSON_IsFalse(v))
            continue;
        pf_buf_printf(&w->shape, "; %s: ", k_shape_keys[k].key);
        shape_value(&w->shape, v, k_shape_keys[k].normalize);
    }
    pf_buf_putc(&w->shape, '\n');

    pnode *n = pf_calloc(1, sizeof *n);
    n->type = type;
    char *desc = describe(node, type);
    const char *rel = get_str(node, "Parent Relationship");
    const char *subname = get_str(node, "Subplan Name");
    if (subname || (rel && (strcmp(rel, "InitPlan") == 0 || strcmp(rel, "SubPlan") == 0)))
        n->subplan = short_subplan_name(subname ? subname : rel);
    if (n->subplan) {
        char *prefixed = pf_asprintf("%s: %s", n->subplan, desc);
        push_node(w, prefixed);
        n->desc = prefixed + strlen(n->subplan) + 2;
        free(desc);
    } else {
        push_node(w, desc);
        n->desc = desc;
    }

    const cJSON *kids = cJSON_GetObjectItemCaseSensitive(node, "Plans");
    if (kids != NULL && !cJSON_IsArray(kids)) {
        pnode_free(n);
        return pf_error_set(w->err, PF_EXIT_USAGE, "EXPLAIN JSON: %s: \"Plans\" is not an array",
                            where);
    }
    int nk = cJSON_GetArraySize(kids);
    if (nk > 0)
        n->kids = pf_calloc((size_t)nk, sizeof *n->kids);
    for (int i = 0; i < nk; i++) {
        char *kid_where = pf_asprintf("%s.Plans[%d]", where, i);
        int rc = walk_node(w, cJSON_GetArrayItem(kids, i), depth + 1, kid_where, &n->kids[i]);
        free(kid_where);
        n->nkids = (size_t)i + 1;
        if (rc < 0) {
            pnode_free(n);
            return -1;
        }
    }
    *out = n;
    return 0;
}

/* ---- summary ------------------------------------------------------------- */

/* A Hash node only feeds its Hash Join: show what it hashes. */
static const pnode *skip_hash(const pnode *n)
{
    if (strcmp(n->type, "Hash") == 0 && n->nkids == 1 && n->kids[0]->subplan == NULL)
        return n->kids[0];
    return n;
}

static void summarize(pf_buf *b, const pnode *n)
{
    pf_buf_puts(b, n->desc);
    size_t nmain = 0, nsub = 0;
    for (size_t i = 0; i < n->nkids; i++) {
        if (n->kids[i]->subplan)
            nsub++;
        else
            nmain++;
    }
    if (nsub > 0) {
        pf_buf_puts(b, " [");
        bool first = true;
        for (size_t i = 0; i < n->nkids; i++) {
            if (!n->kids[i]->subplan)
                continue;
            if (!first)
                pf_buf_puts(b, "; ");
            pf_buf_printf(b, "%s: ", n->kids[i]->subplan);
            summarize(b, n->kids[i]);
            first = false;
        }
        pf_buf_putc(b, ']');
    }
    if (nmain == 1) {
        for (size_t i = 0; i < n->nkids; i++) {
            if (!n->kids[i]->subplan) {
                pf_buf_puts(b, " → ");
                summarize(b, skip_hash(n->kids[i]));
            }
        }
    } else if (nmain > 1) {
        pf_buf_puts(b, " (");
        bool first = true;
        for (size_t i = 0; i < n->nkids; i++) {
            if (n->kids[i]->subplan)
                continue;
            if (!first)
                pf_buf_puts(b, ", ");
            summarize(b, skip_hash(n->kids[i]));
            first = false;
        }
        pf_buf_putc(b, ')');
    }
}

/* Cut b to at most max UTF-8 characters, the last being "…" when cut. The
 * buffer grows if needed: "…" (3 bytes) may replace two 1-byte characters. */
static void truncate_chars(pf_buf *b, size_t max)
{
    const char *s = pf_buf_str(b);
    size_t chars = 0;
    size_t cut = 0; /* byte offset after max-1 characters */
    for (size_t i = 0; s[i] != '\0'; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80)
            continue;
        if (chars == max - 1)
            cut = i;
        chars++;
        if (chars > max) {
            b->len = cut;
            pf_buf_puts(b, "…");
            return;
        }
    }
}

static char *summary_of(const pnode *root)
{
    pf_buf b = PF_BUF_INIT;
    summarize(&b, root);
    truncate_chars(&b, SUMMARY_MAX_CHARS);
    return pf_buf_steal(&b);
}

/* ---- parse --------------------------------------------------------------- */

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

static int read_buffers(const cJSON *obj, const char *where, pf_work *wk, bool *present,
                        pf_error *err)
{
    struct {
        const char *key;
        int64_t *dst;
    } fields[] = {
        {"Shared Hit Blocks", &wk->shared_hit},     {"Shared Read Blocks", &wk->shared_read},
        {"Shared Dirtied Blocks", &wk->shared_dirtied},
        {"Shared Written Blocks", &wk->shared_written},
        {"Local Hit Blocks", &wk->local_hit},       {"Local Read Blocks", &wk->local_read},
        {"Temp Read Blocks", &wk->temp_read},       {"Temp Written Blocks", &wk->temp_written},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        double v;
        bool has;
        if (get_num(obj, fields[i].key, where, &v, &has, err) < 0)
            return -1;
        *fields[i].dst = to_i64(v);
        if (i == 0 && present)
            *present = has;
    }
    return 0;
}

int pf_plan_parse(const char *explain_json, pf_plan *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *doc = NULL;
    pnode *root = NULL;
    walk w = {PF_BUF_INIT, NULL, 0, 0, 0, err};
    int rc = -1;

    if (explain_json == NULL || explain_json[strspn(explain_json, " \t\r\n")] == '\0') {
        pf_error_set(err, PF_EXIT_USAGE, "EXPLAIN output is empty");
        goto cleanup;
    }
    const char *end = NULL;
    doc = cJSON_ParseWithOpts(explain_json, &end, 1);
    if (doc == NULL) {
        size_t off = end ? (size_t)(end - explain_json) : 0;
        /* Quote what follows the error, up to the end of its line. */
        size_t near = strcspn(explain_json + off, "\r\n");
        pf_error_set(err, PF_EXIT_USAGE,
                     "EXPLAIN output is not valid JSON (line %d, near \"%.*s\"); expected the "
                     "output of EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)",
                     pf_line_of_offset(explain_json, off), (int)(near < 20 ? near : 20),
                     explain_json + off);
        goto cleanup;
    }
    const cJSON *top = doc;
    if (cJSON_IsArray(doc))
        top = cJSON_GetArrayItem(doc, 0);
    if (!cJSON_IsObject(top)) {
        pf_error_set(err, PF_EXIT_USAGE,
                     "EXPLAIN JSON is not an array holding an object with \"Plan\"; expected the "
                     "output of EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)");
        goto cleanup;
    }
    const cJSON *plan = cJSON_GetObjectItemCaseSensitive(top, "Plan");
    if (!cJSON_IsObject(plan)) {
        pf_error_set(err, PF_EXIT_USAGE,
                     "EXPLAIN JSON has no \"Plan\" object; expected the output of EXPLAIN "
                     "(ANALYZE, BUFFERS, FORMAT JSON)");
        goto cleanup;
    }
    if (walk_node(&w, plan, 0, "Plan", &root) < 0)
        goto cleanup;

    /* Buffers are cumulative: the top node's already count every child. */
    if (read_buffers(plan, "Plan", &out->work, &out->buffers, err) < 0)
        goto cleanup;
    double rows, loops;
    bool has_rows, has_loops;
    if (get_num(plan, "Actual Rows", "Plan", &rows, &has_rows, err) < 0 ||
        get_num(plan, "Actual Loops", "Plan", &loops, &has_loops, err) < 0)
        goto cleanup;
    out->analyzed = has_rows;
    out->work.rows = to_i64(rows * (has_loops ? loops : 1));
    out->work.rows_processed = to_i64(w.rows_processed);

    const cJSON *planning = cJSON_GetObjectItemCaseSensitive(top, "Planning");
    if (cJSON_IsObject(planning)) {
        pf_work pw;
        memset(&pw, 0, sizeof pw);
        if (read_buffers(planning, "Planning", &pw, NULL, err) < 0)
            goto cleanup;
        out->planning_shared_hit = pw.shared_hit;
        out->planning_shared_read = pw.shared_read;
    }
    if (get_num(top, "Planning Time", "EXPLAIN", &out->planning_ms, NULL, err) < 0 ||
        get_num(top, "Execution Time", "EXPLAIN", &out->execution_ms, NULL, err) < 0)
        goto cleanup;

    snprintf(out->fingerprint, sizeof out->fingerprint, "%016" PRIx64,
             fnv1a64(pf_buf_str(&w.shape)));
    out->summary = summary_of(root);
    out->shape = pf_buf_steal(&w.shape);
    out->nodes = w.nodes;
    out->n_nodes = w.n_nodes;
    w.nodes = NULL;
    rc = 0;

cleanup:
    pnode_free(root);
    cJSON_Delete(doc);
    pf_buf_dispose(&w.shape);
    if (w.nodes) {
        for (size_t i = 0; i < w.n_nodes; i++)
            free(w.nodes[i]);
        free(w.nodes);
    }
    if (rc < 0)
        pf_plan_dispose(out);
    return rc;
}

void pf_plan_dispose(pf_plan *p)
{
    if (p == NULL)
        return;
    free(p->shape);
    free(p->summary);
    if (p->nodes) {
        for (size_t i = 0; p->nodes[i]; i++)
            free(p->nodes[i]);
        free(p->nodes);
    }
    memset(p, 0, sizeof *p);
}

/* ---- diff ---------------------------------------------------------------- */

static size_t strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

/* Append the marked items of v[lo..hi) joined by ", ", at most
 * DIFF_SIDE_MAX_CHARS characters. */
static void join_marked(pf_buf *b, char *const *v, const bool *keep, size_t lo, size_t hi)
{
    pf_buf side = PF_BUF_INIT;
    for (size_t i = lo; i < hi; i++) {
        if (keep[i])
            continue;
        if (side.len > 0)
            pf_buf_puts(&side, ", ");
        pf_buf_puts(&side, v[i]);
    }
    truncate_chars(&side, DIFF_SIDE_MAX_CHARS);
    pf_buf_puts(b, pf_buf_str(&side));
    pf_buf_dispose(&side);
}

char *pf_plan_diff_nodes(char *const *base_nodes, char *const *head_nodes)
{
    size_t nb = strv_len(base_nodes), nh = strv_len(head_nodes);
    /* Common prefix and suffix first: cheap, and usually most of the plan. */
    size_t pre = 0;
    while (pre < nb && pre < nh && strcmp(base_nodes[pre], head_nodes[pre]) == 0)
        pre++;
    size_t suf = 0;
    while (suf < nb - pre && suf < nh - pre &&
           strcmp(base_nodes[nb - 1 - suf], head_nodes[nh - 1 - suf]) == 0)
        suf++;
    size_t mb = nb - pre - suf, mh = nh - pre - suf;
    if (mb == 0 && mh == 0)
        return pf_strdup("");

    /* keep_b[i] / keep_h[j]: the node is common to both (not reported). */
    bool *keep_b = pf_calloc(nb + 1, sizeof *keep_b);
    bool *keep_h = pf_calloc(nh + 1, sizeof *keep_h);
    if (mb > 0 && mh > 0 && (mb + 1) * (mh + 1) <= LCS_MAX_CELLS) {
        /* LCS over the middle: len[i][j] for suffixes base[pre+i..], head[pre+j..]. */
        size_t cols = mh + 1;
        uint32_t *len = pf_calloc((mb + 1) * cols, sizeof *len);
        for (size_t i = mb; i-- > 0;) {
            for (size_t j = mh; j-- > 0;) {
                if (strcmp(base_nodes[pre + i], head_nodes[pre + j]) == 0)
                    len[i * cols + j] = len[(i + 1) * cols + j + 1] + 1;
                else {
                    uint32_t down = len[(i + 1) * cols + j], right = len[i * cols + j + 1];
                    len[i * cols + j] = down >= right ? down : right;
                }
            }
        }
        size_t i = 0, j = 0;
        while (i < mb && j < mh) {
            if (strcmp(base_nodes[pre + i], head_nodes[pre + j]) == 0) {
                keep_b[pre + i++] = true;
                keep_h[pre + j++] = true;
            } else if (len[(i + 1) * cols + j] >= len[i * cols + j + 1]) {
                i++;
            } else {
                j++;
            }
        }
        free(len);
    }

    pf_buf b = PF_BUF_INIT;
    size_t removed = 0, added = 0;
    for (size_t i = pre; i < pre + mb; i++)
        removed += !keep_b[i];
    for (size_t j = pre; j < pre + mh; j++)
        added += !keep_h[j];
    if (removed > 0 && added > 0) {
        join_marked(&b, base_nodes, keep_b, pre, pre + mb);
        pf_buf_puts(&b, " → ");
        join_marked(&b, head_nodes, keep_h, pre, pre + mh);
    } else if (removed > 0) {
        pf_buf_puts(&b, "removed: ");
        join_marked(&b, base_nodes, keep_b, pre, pre + mb);
    } else {
        pf_buf_puts(&b, "added: ");
        join_marked(&b, head_nodes, keep_h, pre, pre + mh);
    }
    free(keep_b);
    free(keep_h);
    return pf_buf_steal(&b);
}
