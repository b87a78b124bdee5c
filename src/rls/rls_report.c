/* Reports of perfgate rls: JUnit suites (one per check family), a Markdown
 * section, terminal text and JSON. Row content never appears: checks carry
 * row keys only. */
#include "rls_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"

static const char *const k_families[4] = {"isolation", "tables", "lint", "overhead"};

static const char *mark(pf_rls_status s)
{
    switch (s) {
    case PF_RLS_PASS:
        return "✅";
    case PF_RLS_WARN:
        return "⚠️";
    case PF_RLS_NEW:
        return "🆕";
    case PF_RLS_SKIP:
        return "⏭️";
    case PF_RLS_NOISY:
        return "❔";
    case PF_RLS_FAIL:
        return "❌";
    case PF_RLS_ERROR:
        return "💥";
    }
    return "";
}

static bool bad(pf_rls_status s)
{
    return s == PF_RLS_FAIL || s == PF_RLS_ERROR;
}

/* ---------------------------------------------------------------- JUnit */

static char *own(pf_rls_junit *j, char *s)
{
    j->owned[j->n_owned++] = s;
    return s;
}

/* The JUnit status and type of check c: a leak or a denied read, a failed
 * rule, an SQL error; not-applicable and noisy checks as skipped; warnings
 * pass (their <system-out> says the warning). */
static void junit_status(const pf_rls_outcome *c, pf_junit_case *jc)
{
    switch (c->status) {
    case PF_RLS_FAIL:
        jc->status = PF_JUNIT_FAIL;
        jc->type = strcmp(c->family, "isolation") == 0  ? "rls-leak"
                   : strcmp(c->family, "overhead") == 0 ? "rls-overhead"
                                                        : c->id;
        if (strcmp(c->family, "isolation") == 0 && strncmp(c->message, "LEAK", 4) != 0)
            jc->type = "rls-denied";
        break;
    case PF_RLS_ERROR:
        jc->status = PF_JUNIT_ERROR;
        jc->type = "sql-error";
        break;
    case PF_RLS_SKIP:
        jc->status = PF_JUNIT_SKIPPED;
        jc->type = "not-applicable";
        break;
    case PF_RLS_NOISY:
        jc->status = PF_JUNIT_SKIPPED;
        jc->type = "noisy";
        break;
    default:
        jc->status = PF_JUNIT_PASS;
        break;
    }
}

/* Check c as a testcase, pointing at the rules file (file: as reporters
 * want it, may be NULL) and the line of the table's entry when there is
 * one; strings it makes are owned by j. */
static void junit_case(pf_rls_junit *j, const pf_rls_result *r, const char *file,
                       const pf_rls_outcome *c, pf_junit_case *jc)
{
    jc->classname = own(j, pf_asprintf("perfgate.rls.%s", c->family));
    jc->name = c->name;
    jc->time_s = c->ms / 1000.0;
    jc->message = c->message;
    jc->file = file;
    if (file != NULL)
        jc->line = pf_rls_result_rule_line(r, c->table);
    pf_buf body = PF_BUF_INIT;
    if (c->status == PF_RLS_WARN)
        pf_buf_puts(&body, "warning: ");
    pf_buf_printf(&body, "%s\n", c->message);
    if (c->details)
        pf_buf_printf(&body, "\n%s", c->details);
    if (c->hint)
        pf_buf_printf(&body, "fix: %s\n", c->hint);
    jc->system_out = own(j, pf_buf_steal(&body));
    junit_status(c, jc);
    if (jc->status != PF_JUNIT_PASS)
        jc->body = jc->system_out;
}

/* Time, host and what the run checked, the same on every suite. */
static void junit_environment(const pf_rls_result *r, pf_rls_junit *out)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    char host[128] = "";
    gethostname(host, sizeof host - 1);
    char *ts = own(out, pf_strdup(stamp)), *hs = own(out, pf_strdup(host));
    pf_buf env = PF_BUF_INIT;
    pf_buf_printf(&env, "PostgreSQL %s; identities:", r->server_version ? r->server_version : "?");
    for (size_t i = 0; i < r->n_identities; i++)
        pf_buf_printf(&env, " %s=%s", r->identities[i].name,
                      r->identities[i].user_id     ? r->identities[i].user_id
                      : r->identities[i].found     ? r->identities[i].role
                                                   : "(none)");
    if (r->target)
        pf_buf_printf(&env, "; target %s", r->target);
    char *envs = own(out, pf_buf_steal(&env));
    for (size_t s = 0; s < out->n_suites; s++) {
        out->suites[s].timestamp = ts;
        out->suites[s].hostname = hs;
        out->suites[s].system_out = envs;
    }
}

void pf_rls_report_junit_build(const pf_rls_result *r, pf_rls_junit *out)
{
    memset(out, 0, sizeof *out);
    out->cases = pf_calloc(r->n_checks + 1, sizeof *out->cases);
    out->owned = pf_calloc(4 * r->n_checks + 8, sizeof *out->owned);
    const char *file =
        r->rules_path != NULL ? own(out, pf_junit_source_path(r->rules_path, NULL)) : NULL;
    size_t k = 0;
    for (int f = 0; f < 4; f++) {
        size_t first = k;
        double total = 0;
        for (size_t i = 0; i < r->n_checks; i++) {
            if (strcmp(r->checks[i].family, k_families[f]) != 0)
                continue;
            junit_case(out, r, file, &r->checks[i], &out->cases[k]);
            total += out->cases[k++].time_s;
        }
        if (k == first)
            continue;
        pf_junit_suite *s = &out->suites[out->n_suites++];
        s->name = own(out, pf_asprintf("rls-%s", k_families[f]));
        s->cases = out->cases + first;
        s->n_cases = k - first;
        s->time_s = total;
    }
    junit_environment(r, out);
}

void pf_rls_report_junit_dispose(pf_rls_junit *j)
{
    for (size_t i = 0; i < j->n_owned; i++)
        free(j->owned[i]);
    free(j->owned);
    free(j->cases);
    memset(j, 0, sizeof *j);
}

int pf_rls_report_write_junit(const pf_rls_result *r, const char *path, pf_junit_format format,
                              pf_error *err)
{
    pf_rls_junit j;
    pf_rls_report_junit_build(r, &j);
    int rc = pf_junit_write(path, "perfgate-rls", j.suites, j.n_suites, format, err);
    pf_rls_report_junit_dispose(&j);
    return rc;
}

/* ------------------------------------------------------------- Markdown */

static void md_cell(pf_buf *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            pf_buf_puts(b, "\\|");
        else if (*s == '\n')
            pf_buf_puts(b, " ");
        else
            pf_buf_putc(b, *s);
    }
}

static void counts_line(pf_buf *b, const pf_rls_result *r)
{
    static const pf_rls_status order[] = {PF_RLS_FAIL, PF_RLS_ERROR, PF_RLS_NOISY, PF_RLS_WARN,
                                          PF_RLS_SKIP, PF_RLS_NEW,   PF_RLS_PASS};
    bool first = true;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (r->counts[order[i]] == 0)
            continue;
        pf_buf_printf(b, "%s%d %s", first ? "" : ", ", r->counts[order[i]],
                      pf_rls_status_name(order[i]));
        first = false;
    }
    if (first)
        pf_buf_puts(b, "no checks");
}

/* The failures, warnings and noisy checks, with their fixes. */
static void md_findings(pf_buf *b, const pf_rls_result *r, const char *h2)
{
    bool any = false;
    for (size_t i = 0; i < r->n_checks; i++) {
        const pf_rls_outcome *c = &r->checks[i];
        if (!bad(c->status) && c->status != PF_RLS_WARN && c->status != PF_RLS_NOISY)
            continue;
        if (!any)
            pf_buf_printf(b, "%s Findings\n\n| | family | check | finding | fix |\n"
                             "|---|---|---|---|---|\n",
                          h2);
        any = true;
        pf_buf_printf(b, "| %s | %s | `", mark(c->status), c->family);
        md_cell(b, c->name);
        pf_buf_puts(b, "` | ");
        md_cell(b, c->message);
        pf_buf_puts(b, " | ");
        md_cell(b, c->hint ? c->hint : "");
        pf_buf_puts(b, " |\n");
    }
    if (any)
        pf_buf_putc(b, '\n');
}

/* The outcome of pair p: the overhead check named after it, or NULL. */
static const pf_rls_outcome *pair_outcome(const pf_rls_result *r, const pf_rls_pair *p)
{
    const pf_rls_outcome *c = NULL;
    size_t len = strlen(p->name);
    for (size_t k = 0; k < r->n_checks; k++)
        if (strcmp(r->checks[k].family, "overhead") == 0 &&
            strncmp(r->checks[k].name, p->name, len) == 0 && r->checks[k].name[len] == ' ')
            c = &r->checks[k];
    return c;
}

/* One row per overhead pair. */
static void md_overhead(pf_buf *b, const pf_rls_result *r, const char *h2)
{
    if (r->n_pairs == 0)
        return;
    pf_buf_printf(b, "%s RLS overhead (same query as owner and as the user, interleaved)\n\n"
                     "| case | identity | owner median | user median | ratio | fixed-draw "
                     "ratio | baseline | instructions ratio | baseline | user p95 | "
                     "policy-function calls | verdict |\n"
                     "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
                  h2);
    for (size_t i = 0; i < r->n_pairs; i++) {
        const pf_rls_pair *p = &r->pairs[i];
        const pf_rls_outcome *c = pair_outcome(r, p);
        char base[32] = "–", ir[32] = "–", ibase[32] = "–";
        if (p->has_baseline)
            snprintf(base, sizeof base, "×%.2f", p->base_fixed_ratio);
        if (p->has_instr)
            snprintf(ir, sizeof ir, "×%.2f", p->instr_ratio);
        if (p->has_base_instr)
            snprintf(ibase, sizeof ibase, "×%.2f", p->base_instr_ratio);
        pf_buf_printf(b,
                      "| `%s` | %s | %.3f ms | %.3f ms | ×%.2f | ×%.2f | %s | %s | %s | %.3f ms "
                      "| %lld | %s %s |\n",
                      p->identity_case, p->identity, p->owner_median_ms, p->identity_median_ms,
                      p->ratio, p->fixed_ratio, base, ir, ibase, p->identity_p95_ms,
                      (long long)p->policy_calls, c ? mark(c->status) : "",
                      c ? pf_rls_status_name(c->status) : "error");
    }
    pf_buf_putc(b, '\n');
}

/* The sampled identities and the tables under check, folded. */
static void md_inventory(pf_buf *b, const pf_rls_result *r)
{
    pf_buf_puts(b, "<details><summary>Identities and tables</summary>\n\n");
    pf_buf_puts(b, "| identity | role | user | sampled as |\n|---|---|---|---|\n");
    for (size_t i = 0; i < r->n_identities; i++) {
        const pf_rls_identity *id = &r->identities[i];
        pf_buf_printf(b, "| %s | %s | %s | ", id->name, id->role,
                      id->user_id ? id->user_id : id->found ? "–" : "(none in this data)");
        md_cell(b, id->about);
        pf_buf_puts(b, " |\n");
    }
    pf_buf_puts(b, "\n| table | RLS | forced | policies | rule |\n|---|---|---|---:|---|\n");
    for (size_t i = 0; i < r->n_tables; i++) {
        const pf_rls_table *t = &r->tables[i];
        pf_buf_printf(b, "| `%s` | %s | %s | %d | %s |\n", t->name, t->rls ? "on" : "**off**",
                      t->forced ? "yes" : "no", t->n_policies,
                      t->has_rule        ? "yes"
                      : t->parent        ? "partition: no direct access"
                                         : "**none**");
    }
    pf_buf_puts(b, "\n</details>\n");
}

char *pf_rls_report_markdown(const pf_rls_result *r, int level)
{
    pf_buf b = PF_BUF_INIT;
    char h[8], h2[8];
    int l = level < 1 ? 1 : level > 5 ? 5 : level;
    memset(h, '#', (size_t)l);
    h[l] = '\0';
    memset(h2, '#', (size_t)l + 1);
    h2[l + 1] = '\0';
    int nbad = r->counts[PF_RLS_FAIL] + r->counts[PF_RLS_ERROR];
    if (nbad > 0)
        pf_buf_printf(&b, "%s ❌ perfgate rls: %d of %zu checks failed\n\n", h, nbad, r->n_checks);
    else
        pf_buf_printf(&b, "%s ✅ perfgate rls: %zu checks, isolation holds\n\n", h, r->n_checks);
    counts_line(&b, r);
    pf_buf_printf(&b, " · %zu tables · %zu identities.\n\n", r->n_tables, r->n_identities);
    md_findings(&b, r, h2);
    md_overhead(&b, r, h2);
    md_inventory(&b, r);
    if (r->server_version)
        pf_buf_printf(&b, "\nPostgreSQL %s · %.1f s (isolation %.1f s, lint %.1f s, overhead "
                          "%.1f s)\n",
                      r->server_version, r->total_ms / 1000, r->isolation_ms / 1000,
                      r->lint_ms / 1000, r->overhead_ms / 1000);
    return pf_buf_steal(&b);
}

char *pf_rls_report_text(const pf_rls_result *r)
{
    pf_buf b = PF_BUF_INIT;
    for (size_t i = 0; i < r->n_checks; i++) {
        const pf_rls_outcome *c = &r->checks[i];
        if (c->status == PF_RLS_PASS || c->status == PF_RLS_NEW)
            continue;
        pf_buf_printf(&b, "%-5s %-9s %s\n", pf_rls_status_name(c->status), c->family, c->message);
        if (bad(c->status) && c->hint)
            pf_buf_printf(&b, "      fix: %s\n", c->hint);
    }
    if (r->n_pairs > 0) {
        pf_buf_printf(&b, "%-24s %-9s %10s %10s %7s %7s %8s %7s %8s %6s\n", "rls overhead",
                      "identity", "owner", "user", "ratio", "fixed", "baseline", "instr", "baseline",
                      "calls");
        for (size_t i = 0; i < r->n_pairs; i++) {
            const pf_rls_pair *p = &r->pairs[i];
            char base[16] = "–", ir[16] = "–", ibase[16] = "–";
            if (p->has_baseline)
                snprintf(base, sizeof base, "%.2f", p->base_fixed_ratio);
            if (p->has_instr)
                snprintf(ir, sizeof ir, "%.2f", p->instr_ratio);
            if (p->has_base_instr)
                snprintf(ibase, sizeof ibase, "%.2f", p->base_instr_ratio);
            pf_buf_printf(&b, "%-24s %-9s %7.3f ms %7.3f ms %7.2f %7.2f %8s %7s %8s %6lld\n",
                          p->name, p->identity, p->owner_median_ms, p->identity_median_ms, p->ratio,
                          p->fixed_ratio, base, ir, ibase, (long long)p->policy_calls);
        }
    }
    pf_buf_printf(&b, "%zu rls checks over %zu tables and %zu identities: ", r->n_checks,
                  r->n_tables, r->n_identities);
    counts_line(&b, r);
    pf_buf_putc(&b, '\n');
    return pf_buf_steal(&b);
}

/* ----------------------------------------------------------------- JSON */

static void json_identities(pf_json_writer *w, const pf_rls_result *r)
{
    pf_json_begin_array(w, "identities");
    for (size_t i = 0; i < r->n_identities; i++) {
        const pf_rls_identity *id = &r->identities[i];
        pf_json_begin_object(w, NULL);
        pf_json_put_string(w, "name", id->name);
        pf_json_put_string(w, "role", id->role);
        pf_json_put_string(w, "user_id", id->user_id);
        pf_json_put_bool(w, "found", id->found);
        pf_json_put_string(w, "about", id->about);
        pf_json_end(w);
    }
    pf_json_end(w);
}

static void json_tables(pf_json_writer *w, const pf_rls_result *r)
{
    pf_json_begin_array(w, "tables");
    for (size_t i = 0; i < r->n_tables; i++) {
        const pf_rls_table *t = &r->tables[i];
        pf_json_begin_object(w, NULL);
        pf_json_put_string(w, "name", t->name);
        pf_json_put_bool(w, "rls", t->rls);
        pf_json_put_bool(w, "forced", t->forced);
        pf_json_put_int(w, "policies", t->n_policies);
        pf_json_put_bool(w, "rule", t->has_rule);
        pf_json_put_string(w, "partition_of", t->parent);
        pf_json_end(w);
    }
    pf_json_end(w);
}

static void json_checks(pf_json_writer *w, const pf_rls_result *r)
{
    pf_json_begin_array(w, "checks");
    for (size_t i = 0; i < r->n_checks; i++) {
        const pf_rls_outcome *c = &r->checks[i];
        pf_json_begin_object(w, NULL);
        pf_json_put_string(w, "family", c->family);
        pf_json_put_string(w, "id", c->id);
        pf_json_put_string(w, "name", c->name);
        pf_json_put_string(w, "status", pf_rls_status_name(c->status));
        pf_json_put_string(w, "table", c->table);
        pf_json_put_string(w, "identity", c->identity);
        pf_json_put_string(w, "operation", c->operation);
        pf_json_put_string(w, "example_key", c->example);
        pf_json_put_string(w, "message", c->message);
        pf_json_put_string(w, "details", c->details);
        pf_json_put_string(w, "hint", c->hint);
        pf_json_put_number(w, "ms", c->ms);
        pf_json_end(w);
    }
    pf_json_end(w);
}

/* Counts are written as doubles, as cJSON wrote them (1e+15 for 10^15),
 * so that the document keeps its bytes. */
static void json_pair(pf_json_writer *w, const pf_rls_pair *p)
{
    pf_json_begin_object(w, NULL);
    pf_json_put_string(w, "name", p->name);
    pf_json_put_string(w, "identity_case", p->identity_case);
    pf_json_put_string(w, "owner_case", p->owner_case);
    pf_json_put_string(w, "identity", p->identity);
    pf_json_put_number(w, "n", (double)p->n);
    pf_json_put_number(w, "owner_median_ms", p->owner_median_ms);
    pf_json_put_number(w, "identity_median_ms", p->identity_median_ms);
    pf_json_put_number(w, "identity_p95_ms", p->identity_p95_ms);
    pf_json_put_number(w, "ratio", p->ratio);
    pf_json_put_number(w, "ratio_ci_lo", p->ratio_lo);
    pf_json_put_number(w, "ratio_ci_hi", p->ratio_hi);
    pf_json_put_number(w, "fixed_owner_q10_ms", p->fixed_owner_ms);
    pf_json_put_number(w, "fixed_identity_q10_ms", p->fixed_identity_ms);
    pf_json_put_number(w, "fixed_ratio", p->fixed_ratio);
    pf_json_put_number(w, "owner_calls", (double)p->owner_calls);
    pf_json_put_number(w, "identity_calls", (double)p->identity_calls);
    pf_json_put_number(w, "policy_calls", (double)p->policy_calls);
    pf_json_put_number(w, "threshold_ms", p->threshold_ms);
    if (p->has_baseline) {
        pf_json_put_number(w, "baseline_ratio", p->base_ratio);
        pf_json_put_number(w, "baseline_fixed_ratio", p->base_fixed_ratio);
        pf_json_put_number(w, "baseline_policy_calls", (double)p->base_policy_calls);
    }
    if (p->has_instr) {
        pf_json_begin_object(w, "instructions");
        pf_json_put_number(w, "owner_per_execution", (double)p->owner_instr);
        pf_json_put_number(w, "identity_per_execution", (double)p->identity_instr);
        pf_json_put_number(w, "iterations", p->instr_iterations);
        pf_json_put_number(w, "ratio", p->instr_ratio);
        if (p->has_base_instr)
            pf_json_put_number(w, "baseline_ratio", p->base_instr_ratio);
        pf_json_end(w);
    }
    if (p->instr_note != NULL)
        pf_json_put_string(w, "instructions_note", p->instr_note);
    pf_json_put_bool(w, "reran", p->reran);
    pf_json_put_bool(w, "baseline_written", p->baseline_written);
    pf_json_end(w);
}

/* The stable printer in cJSON's tab layout, which this document had before
 * it: tests/data/golden/rls_results.json holds its bytes. */
char *pf_rls_report_json(const pf_rls_result *r)
{
    pf_json_writer *w = pf_json_writer_new(PF_JSON_TABS);
    pf_json_begin_object(w, NULL);
    pf_json_put_int(w, "format", 1);
    pf_json_put_int(w, "exit_code", r->exit_code);
    pf_json_put_string(w, "server_version", r->server_version);
    pf_json_put_string(w, "target", r->target);
    pf_json_begin_object(w, "counts");
    for (int s = 0; s <= PF_RLS_ERROR; s++)
        pf_json_put_int(w, pf_rls_status_name((pf_rls_status)s), r->counts[s]);
    pf_json_end(w);
    pf_json_begin_object(w, "phases_ms");
    pf_json_put_number(w, "seed", r->seed_ms);
    pf_json_put_number(w, "isolation", r->isolation_ms);
    pf_json_put_number(w, "lint", r->lint_ms);
    pf_json_put_number(w, "overhead", r->overhead_ms);
    pf_json_put_number(w, "total", r->total_ms);
    pf_json_end(w);
    json_identities(w, r);
    json_tables(w, r);
    json_checks(w, r);
    pf_json_begin_array(w, "overhead");
    for (size_t i = 0; i < r->n_pairs; i++)
        json_pair(w, &r->pairs[i]);
    pf_json_end(w);
    pf_json_end(w);
    return pf_json_writer_finish(w);
}
