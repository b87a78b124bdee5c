/* The result container of perfgate rls (rls_result.h): appending outcomes,
 * counting them, freeing everything. */
#include "rls_result.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "rls_rules.h"

const char *pf_rls_status_name(pf_rls_status s)
{
    static const char *const names[] = {"pass", "warn", "new", "skip", "noisy", "fail", "error"};
    return names[s];
}

pf_rls_outcome *pf_rls_result_add(pf_rls_result *r, const char *family, const char *id,
                                  const char *name, pf_rls_status status, const char *message)
{
    if (r->n_checks == r->cap_checks) {
        r->cap_checks = r->cap_checks ? 2 * r->cap_checks : 64;
        r->checks = pf_realloc(r->checks, r->cap_checks * sizeof *r->checks);
    }
    pf_rls_outcome *c = &r->checks[r->n_checks++];
    memset(c, 0, sizeof *c);
    c->family = family;
    c->id = pf_strdup(id ? id : "");
    c->name = pf_strdup(name);
    c->status = status;
    c->message = pf_strdup(message ? message : "");
    return c;
}

void pf_rls_outcome_dispose(pf_rls_outcome *c)
{
    free(c->id);
    free(c->name);
    free(c->table);
    free(c->identity);
    free(c->operation);
    free(c->message);
    free(c->details);
    free(c->hint);
    free(c->example);
    memset(c, 0, sizeof *c);
}

void pf_rls_result_set_rules(pf_rls_result *r, const pf_rls_rules *rules)
{
    free(r->rules_path);
    for (size_t i = 0; i < r->n_rules; i++)
        free(r->rule_tables[i]);
    free(r->rule_tables);
    free(r->rule_lines);
    size_t n = rules->n_tables;
    r->rules_path = rules->path ? pf_strdup(rules->path) : NULL;
    r->rule_tables = pf_calloc(n + 1, sizeof *r->rule_tables);
    r->rule_lines = pf_calloc(n + 1, sizeof *r->rule_lines);
    for (size_t i = 0; i < n; i++) {
        r->rule_tables[i] = pf_strdup(rules->tables[i].table);
        r->rule_lines[i] = rules->tables[i].line;
    }
    r->n_rules = n;
}

static int line_of(const pf_rls_result *r, const char *table)
{
    for (size_t i = 0; i < r->n_rules; i++)
        if (strcmp(r->rule_tables[i], table) == 0)
            return r->rule_lines[i];
    return 0;
}

int pf_rls_result_rule_line(const pf_rls_result *r, const char *table)
{
    if (table == NULL)
        return 0;
    int line = line_of(r, table);
    for (size_t i = 0; line == 0 && i < r->n_tables; i++)
        if (r->tables[i].parent != NULL && strcmp(r->tables[i].name, table) == 0)
            line = line_of(r, r->tables[i].parent);
    return line;
}

void pf_rls_result_finish(pf_rls_result *r)
{
    memset(r->counts, 0, sizeof r->counts);
    for (size_t i = 0; i < r->n_checks; i++)
        r->counts[r->checks[i].status]++;
    r->exit_code =
        r->counts[PF_RLS_FAIL] + r->counts[PF_RLS_ERROR] > 0 ? PF_EXIT_FAIL : PF_EXIT_OK;
}

void pf_rls_result_dispose(pf_rls_result *r)
{
    for (size_t i = 0; i < r->n_identities; i++) {
        free(r->identities[i].name);
        free(r->identities[i].about);
        free(r->identities[i].role);
        free(r->identities[i].user_id);
    }
    free(r->identities);
    for (size_t i = 0; i < r->n_tables; i++) {
        free(r->tables[i].name);
        free(r->tables[i].parent);
    }
    free(r->tables);
    for (size_t i = 0; i < r->n_checks; i++)
        pf_rls_outcome_dispose(&r->checks[i]);
    free(r->checks);
    for (size_t i = 0; i < r->n_pairs; i++) {
        free(r->pairs[i].name);
        free(r->pairs[i].identity_case);
        free(r->pairs[i].owner_case);
        free(r->pairs[i].instr_note);
        free(r->pairs[i].identity);
    }
    free(r->pairs);
    free(r->target);
    free(r->instr_unavailable);
    free(r->server_version);
    free(r->rules_path);
    for (size_t i = 0; i < r->n_rules; i++)
        free(r->rule_tables[i]);
    free(r->rule_tables);
    free(r->rule_lines);
    memset(r, 0, sizeof *r);
}
