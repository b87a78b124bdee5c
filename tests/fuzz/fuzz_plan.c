/* Fuzz target: EXPLAIN (FORMAT JSON) text (pf_plan_parse), the plan diff
 * (pf_plan_diff_nodes) of a parsed plan against a fixed plan and itself (it
 * must be "" against itself: the target aborts otherwise), a diff of two
 * node lists made of the input's lines, and the literal normaliser. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "plan.h"

#define FUZZ_MAX_LINES 256

static char k_seq[] = "Seq Scan on t";
static char k_idx[] = "Index Scan using t_pkey on t";
static char k_hash[] = "Hash Join";
static char k_sort[] = "Sort";
static char *const k_ref[] = {k_hash, k_seq, k_idx, k_sort, NULL};

static void diff(char *const *a, char *const *b)
{
    free(pf_plan_diff_nodes(a, b));
}

/* Lines of text (modified in place) alternately into two NULL-terminated
 * lists, so the diff meets arbitrary, repeated and empty node names. */
static void diff_lines(char *text)
{
    char *side[2][FUZZ_MAX_LINES / 2 + 1];
    size_t n[2] = {0, 0}, k = 0;
    for (char *line = text; line != NULL && k < FUZZ_MAX_LINES; k++) {
        char *eol = strchr(line, '\n');
        if (eol != NULL)
            *eol = '\0';
        side[k % 2][n[k % 2]++] = line;
        line = eol ? eol + 1 : NULL;
    }
    side[0][n[0]] = NULL;
    side[1][n[1]] = NULL;
    diff(side[0], side[1]);
    diff(side[1], NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    pf_plan p;
    pf_error err;
    if (pf_plan_parse(text, &p, &err) == 0) {
        diff(p.nodes, k_ref);
        diff(k_ref, p.nodes);
        char *same = pf_plan_diff_nodes(p.nodes, p.nodes);
        if (same[0] != '\0')
            abort();
        free(same);
    }
    pf_plan_dispose(&p);
    free(pf_plan_normalize(text));
    diff_lines(text);
    free(text);
    return 0;
}
