/* Reports of a gate run. cJSON is used for the JSON results only. */
#include "summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "junit.h"

static int64_t buffers(const pf_work *w)
{
    return w->shared_hit + w->shared_read;
}

static const char *status_mark(pf_status s)
{
    switch (s) {
    case PF_STATUS_PASS:
        return "✅";
    case PF_STATUS_NEW:
        return "🆕";
    case PF_STATUS_WARN:
        return "⚠️";
    case PF_STATUS_STALE:
        return "⏸️";
    case PF_STATUS_NOISY:
        return "❔";
    case PF_STATUS_FAIL:
        return "❌";
    case PF_STATUS_ERROR:
        return "💥";
    }
    return "";
}

/* "+12%" / "=" / "" for the latency column. */
static void lat_delta(const pf_case_result *c, char *buf, size_t len)
{
    if (!c->measured || c->v.latency_ratio <= 0 || (!c->has_base && (!c->has_baseline || c->mismatch)))
        snprintf(buf, len, "–");
    else
        snprintf(buf, len, "%+.0f%%", 100.0 * (c->v.latency_ratio - 1));
}

static void work_delta(const pf_case_result *c, char *buf, size_t len)
{
    if (!c->measured || ((!c->has_baseline || c->mismatch) && !c->has_base)) {
        snprintf(buf, len, "–");
        return;
    }
    int64_t b = buffers(c->has_base ? &c->base_m.work : &c->baseline.work), h = buffers(&c->m.work);
    if (b == h)
        snprintf(buf, len, "=");
    else if (b == 0)
        snprintf(buf, len, "new");
    else
        snprintf(buf, len, "%+.0f%%", 100.0 * (double)(h - b) / (double)b);
}

/* Instructions per execution and its change, for the table columns. */
static void instr_cells(const pf_gate_result *r, const pf_case_result *c, char *count, size_t clen,
                        char *delta, size_t dlen)
{
    const pf_instructions *in = pf_gate_instr(r, c);
    if (in == NULL) {
        snprintf(count, clen, "–");
        snprintf(delta, dlen, "–");
        return;
    }
    pf_verdict_fmt_count(in->per_execution, count, clen);
    if (!c->v.instr_judged)
        snprintf(delta, dlen, "–");
    else if (fabs(c->v.instr_delta_pct) < 0.05)
        snprintf(delta, dlen, "=");
    else
        snprintf(delta, dlen, "%+.1f%%", c->v.instr_delta_pct);
}

char *pf_summary_case_line(const pf_case_result *c)
{
    char ld[16], wd[16];
    lat_delta(c, ld, sizeof ld);
    work_delta(c, wd, sizeof wd);
    if (!c->measured)
        return pf_asprintf("%-6s %s/%s: %s", pf_status_name(c->v.status), c->c->group, c->c->name,
                           c->v.headline);
    return pf_asprintf("%-6s %s/%s  median %.3f ms (%s), buffers %lld (%s)%s%s",
                       pf_status_name(c->v.status), c->c->group, c->c->name, c->m.latency.median,
                       ld, (long long)buffers(&c->m.work), wd,
                       c->v.status == PF_STATUS_PASS ? "" : ": ",
                       c->v.status == PF_STATUS_PASS ? "" : c->v.headline);
}

static void counts_line(pf_buf *b, const pf_gate_result *r)
{
    static const pf_status order[] = {PF_STATUS_FAIL, PF_STATUS_ERROR, PF_STATUS_NOISY,
                                      PF_STATUS_STALE, PF_STATUS_WARN,  PF_STATUS_NEW,
                                      PF_STATUS_PASS};
    bool first = true;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        int n = r->counts[order[i]];
        if (n == 0)
            continue;
        pf_buf_printf(b, "%s%d %s", first ? "" : ", ", n, pf_status_name(order[i]));
        first = false;
    }
}

char *pf_summary_table(const pf_gate_result *r)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_printf(&b, "%-44s %9s %9s %6s %8s %6s %7s %7s  %s\n", "case", "median", "p95", "Δlat",
                  "buffers", "Δwork", "instr", "Δinstr", "verdict");
    for (size_t i = 0; i < r->n_cases; i++) {
        const pf_case_result *c = &r->cases[i];
        char name[64], ld[16], wd[16], ic[24], id[16];
        snprintf(name, sizeof name, "%s/%s", c->c->group, c->c->name);
        lat_delta(c, ld, sizeof ld);
        work_delta(c, wd, sizeof wd);
        instr_cells(r, c, ic, sizeof ic, id, sizeof id);
        if (c->measured)
            pf_buf_printf(&b, "%-44s %6.3f ms %6.3f ms %6s %8lld %6s %7s %7s  %s\n", name,
                          c->m.latency.median, c->m.latency.p95, ld, (long long)buffers(&c->m.work),
                          wd, ic, id, pf_status_name(c->v.status));
        else
            pf_buf_printf(&b, "%-44s %9s %9s %6s %8s %6s %7s %7s  %s\n", name, "–", "–", "–", "–",
                          "–", "–", "–", pf_status_name(c->v.status));
    }
    /* Why, for every case that fails the run: the verdict's first line (an
     * error's first line), so no one has to open the JUnit file. */
    for (size_t i = 0; i < r->n_cases; i++) {
        const pf_case_result *c = &r->cases[i];
        if (c->v.status != PF_STATUS_FAIL && c->v.status != PF_STATUS_ERROR &&
            c->v.status != PF_STATUS_STALE)
            continue;
        const char *h = c->v.headline ? c->v.headline : "";
        const char *nl = strchr(h, '\n');
        pf_buf_printf(&b, "%-5s %s/%s: %.*s\n", pf_status_name(c->v.status), c->c->group,
                      c->c->name, nl ? (int)(nl - h) : (int)strlen(h), h);
    }
    for (size_t i = 0; r->removed && r->removed[i]; i++)
        pf_buf_printf(&b, "removed: %s has no case in the registry any more\n", r->removed[i]);
    if (r->base_commit)
        pf_buf_printf(&b, "compared with %.12s in the same run (%s base database)\n",
                      r->base_commit, r->base_cloned ? "cloned" : "separately built");
    for (size_t i = 0; r->base_only && r->base_only[i]; i++)
        pf_buf_printf(&b, "removed: %s exists only in the base revision\n", r->base_only[i]);
    pf_buf_printf(&b, "%zu cases: ", r->n_cases);
    counts_line(&b, r);
    pf_buf_putc(&b, '\n');
    if (r->has_rls) {
        char *rls = pf_rls_report_text(&r->rls);
        pf_buf_puts(&b, rls);
        free(rls);
    }
    return pf_buf_steal(&b);
}

/* Escape a table cell: pipes and newlines break Markdown tables. */
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

char *pf_summary_markdown(const pf_gate_result *r)
{
    pf_buf b = PF_BUF_INIT;
    int bad = r->counts[PF_STATUS_FAIL] + r->counts[PF_STATUS_ERROR] + r->counts[PF_STATUS_STALE];
    if (bad == 0 && r->has_rls && r->rls.exit_code != PF_EXIT_OK)
        pf_buf_printf(&b, "## ❌ perfgate: RLS checks failed\n\n");
    else if (bad > 0)
        pf_buf_printf(&b, "## ❌ perfgate: %d of %zu cases failed\n\n", bad, r->n_cases);
    else
        pf_buf_printf(&b, "## ✅ perfgate: %zu cases, no regression\n\n", r->n_cases);
    counts_line(&b, r);
    pf_buf_puts(&b, ".\n\n");
    pf_buf_puts(&b, "| | case | median | p95 | Δ latency | buffers | Δ work | instructions | Δ "
                    "instr | verdict |\n"
                    "|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (size_t i = 0; i < r->n_cases; i++) {
        const pf_case_result *c = &r->cases[i];
        char ld[16], wd[16], ic[24], id[16];
        lat_delta(c, ld, sizeof ld);
        work_delta(c, wd, sizeof wd);
        instr_cells(r, c, ic, sizeof ic, id, sizeof id);
        pf_buf_printf(&b, "| %s | `%s/%s` | ", status_mark(c->v.status), c->c->group, c->c->name);
        if (c->measured)
            pf_buf_printf(&b, "%.3f ms | %.3f ms | %s | %lld | %s | %s | %s | ", c->m.latency.median,
                          c->m.latency.p95, ld, (long long)buffers(&c->m.work), wd, ic, id);
        else
            pf_buf_puts(&b, "– | – | – | – | – | – | – | ");
        pf_buf_printf(&b, "**%s** ", pf_status_name(c->v.status));
        if (c->v.status != PF_STATUS_PASS)
            md_cell(&b, c->v.headline);
        pf_buf_puts(&b, " |\n");
    }
    for (size_t i = 0; r->removed && r->removed[i]; i++)
        pf_buf_printf(&b, "\n🗑️ `%s` has no case in the registry any more (delete it or restore the "
                          "case).\n",
                      r->removed[i]);
    if (r->base_commit)
        pf_buf_printf(&b, "\nCompared with the base revision `%.12s`, measured in the same run "
                          "(interleaved iterations).\n",
                      r->base_commit);
    for (size_t i = 0; r->base_only && r->base_only[i]; i++)
        pf_buf_printf(&b, "\n🗑️ `%s` exists only in the base revision (removed by this change).\n",
                      r->base_only[i]);
    bool any = false;
    for (size_t i = 0; i < r->n_cases; i++) {
        const pf_case_result *c = &r->cases[i];
        if (c->v.status == PF_STATUS_PASS || c->v.status == PF_STATUS_NEW)
            continue;
        if (!any)
            pf_buf_puts(&b, "\n<details><summary>Details</summary>\n\n");
        any = true;
        pf_buf_printf(&b, "#### %s `%s/%s` (%s)\n\n%s\n\n```\n%s```\n\n", status_mark(c->v.status),
                      c->c->group, c->c->name, c->c->file, c->v.headline, c->v.details);
    }
    if (any)
        pf_buf_puts(&b, "</details>\n");
    if (r->has_rls) {
        char *rls = pf_rls_report_markdown(&r->rls, 3);
        pf_buf_printf(&b, "\n%s", rls);
        free(rls);
    }
    if (r->instr.unavailable != NULL)
        pf_buf_printf(&b, "\n%s.\n", r->instr.unavailable);
    else if (r->instr.available && r->instr.n > 0)
        pf_buf_printf(&b, "\nInstructions per execution counted under valgrind %s (callgrind) on "
                          "%s.\n",
                      r->instr.info.version ? r->instr.info.version : "?",
                      r->instr.info.arch ? r->instr.info.arch : "?");
    pf_buf_printf(&b,
                  "\nPostgreSQL %s · dataset `%s` (%s) scale %g seed %llu · calibration %.2f ms "
                  "(spread %.0f%%) · %.1f s\n",
                  r->env.server_version ? r->env.server_version : "?",
                  r->env.dataset_name ? r->env.dataset_name : "?",
                  r->env.dataset_hash ? r->env.dataset_hash : "?", r->env.scale,
                  (unsigned long long)r->env.seed, r->calibration_ms,
                  100.0 * r->calibration_spread, r->total_ms / 1000);
    return pf_buf_steal(&b);
}

/* ------------------------------------------------------------------ JUnit */

/* A case as a JUnit testcase: the one mapping from statuses to
 * <failure>/<error>/<skipped>; warnings pass and say so in <system-out>.
 * The strings it makes go to owned. */
static void junit_case(const pf_case_result *c, pf_junit_case *jc, char **owned, size_t *n_owned)
{
    char *classname = pf_asprintf("perfgate.%s", c->c->group);
    owned[(*n_owned)++] = classname;
    jc->classname = classname;
    jc->name = c->c->name;
    char *file = pf_junit_source_path(c->c->file, NULL);
    owned[(*n_owned)++] = file;
    jc->file = file;
    jc->line = c->c->header_line;
    jc->time_s = c->measured ? c->m.wall_ms / 1000.0 : 0;
    jc->message = c->v.headline;
    char *warning = c->v.status == PF_STATUS_WARN
                        ? pf_asprintf("warning: %s\n\n", c->v.headline ? c->v.headline : "")
                        : NULL;
    char *out = pf_asprintf("%s%s\nfile: %s:%d\n%s%s", warning ? warning : "",
                            c->c->description, file, jc->line, c->v.details,
                            c->reran ? "  (latency re-measured to confirm)\n" : "");
    free(warning);
    owned[(*n_owned)++] = out;
    jc->system_out = out;
    switch (c->v.status) {
    case PF_STATUS_FAIL:
        jc->status = PF_JUNIT_FAIL;
        jc->type = c->v.latency_confirmed ? "latency-regression"
                   : c->v.level >= PF_LEVEL_CRITICAL && !c->v.work_regressed ? "threshold"
                                                                           : "regression";
        break;
    case PF_STATUS_ERROR:
        jc->status = PF_JUNIT_ERROR;
        jc->type = c->error_code == PF_EXIT_INFRA ? "infrastructure" : "sql-error";
        break;
    case PF_STATUS_STALE:
        jc->status = PF_JUNIT_FAIL;
        jc->type = "stale-baseline";
        break;
    case PF_STATUS_NOISY:
        jc->status = PF_JUNIT_SKIPPED;
        jc->type = "noisy";
        break;
    default:
        jc->status = PF_JUNIT_PASS;
        break;
    }
    if (jc->status != PF_JUNIT_PASS) {
        /* GitLab shows the body, GitHub reporters the message: both. */
        char *body = pf_asprintf("%s\n\n%s\nfile: %s:%d\n", c->v.headline, c->v.details, file,
                                 jc->line);
        owned[(*n_owned)++] = body;
        jc->body = body;
    }
}

int pf_summary_write_junit(const pf_gate_result *r, const char *path, pf_junit_format format,
                           pf_error *err)
{
    /* One suite per group, in registry order, plus one for removed baselines,
     * then the RLS suites: the gate's cases come first. */
    size_t cap = r->n_cases + 2;
    pf_junit_suite *suites = pf_calloc(cap, sizeof *suites);
    pf_junit_case *cases = pf_calloc(r->n_cases + 1, sizeof *cases);
    char **owned = pf_calloc(4 * r->n_cases + 8, sizeof *owned);
    size_t n_owned = 0, ns = 0;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    char host[128] = "";
    gethostname(host, sizeof host - 1);

    for (size_t i = 0; i < r->n_cases; i++) {
        const pf_case_result *c = &r->cases[i];
        pf_junit_case *jc = &cases[i];
        junit_case(c, jc, owned, &n_owned);
        /* Suites group consecutive cases of the same group (cases run
         * read-only first, so a group can appear twice: merge by name). */
        size_t s = 0;
        while (s < ns && strcmp(suites[s].name, c->c->group) != 0)
            s++;
        if (s == ns) {
            suites[ns].name = c->c->group;
            suites[ns].timestamp = stamp;
            suites[ns].hostname = host;
            ns++;
        }
        suites[s].time_s += jc->time_s;
    }
    /* Cases of a suite must be contiguous: collect per suite. */
    pf_junit_case *ordered = pf_calloc(r->n_cases + 1, sizeof *ordered);
    size_t k = 0;
    for (size_t s = 0; s < ns; s++) {
        suites[s].cases = ordered + k;
        for (size_t i = 0; i < r->n_cases; i++)
            if (strcmp(r->cases[i].c->group, suites[s].name) == 0)
                ordered[k++] = cases[i];
        suites[s].n_cases = (size_t)(ordered + k - suites[s].cases);
    }
    size_t n_removed = 0;
    while (r->removed && r->removed[n_removed])
        n_removed++;
    pf_junit_case *removed = pf_calloc(n_removed + 1, sizeof *removed);
    if (n_removed > 0) {
        for (size_t i = 0; i < n_removed; i++) {
            removed[i].classname = "perfgate.removed";
            removed[i].name = r->removed[i];
            removed[i].status = PF_JUNIT_SKIPPED;
            removed[i].type = "removed-case";
            removed[i].message = "a baseline without a case in the registry";
            removed[i].body = "This baseline has no benchmark case any more: delete it, or "
                              "restore the case.";
        }
        suites[ns].name = "removed";
        suites[ns].cases = removed;
        suites[ns].n_cases = n_removed;
        suites[ns].timestamp = stamp;
        ns++;
    }
    pf_rls_junit rj;
    memset(&rj, 0, sizeof rj);
    if (r->has_rls) {
        pf_rls_report_junit_build(&r->rls, &rj);
        /* All RLS suites after the gate's suites, whatever ran first. */
        suites = pf_realloc(suites, (ns + rj.n_suites + 1) * sizeof *suites);
        for (size_t i = 0; i < rj.n_suites; i++)
            suites[ns++] = rj.suites[i];
    }
    char *env = pf_asprintf("PostgreSQL %s; dataset %s (%s) scale %g seed %llu; calibration "
                            "%.3f ms (spread %.0f%%); target %s",
                            r->env.server_version ? r->env.server_version : "?",
                            r->env.dataset_name ? r->env.dataset_name : "?",
                            r->env.dataset_hash ? r->env.dataset_hash : "?", r->env.scale,
                            (unsigned long long)r->env.seed, r->calibration_ms,
                            100.0 * r->calibration_spread, r->target ? r->target : "?");
    for (size_t s = 0; s < ns; s++)
        if (suites[s].system_out == NULL)
            suites[s].system_out = env;
    int rc = pf_junit_write(path, "perfgate", suites, ns, format, err);
    if (r->has_rls)
        pf_rls_report_junit_dispose(&rj);
    free(env);
    for (size_t i = 0; i < n_owned; i++)
        free(owned[i]);
    free(owned);
    free(cases);
    free(ordered);
    free(removed);
    free(suites);
    return rc;
}

/* ------------------------------------------------------------------- JSON */

static cJSON *num(double v)
{
    return cJSON_CreateNumber(isfinite(v) ? v : 0);
}

/* A measured case's latency, work and plan. */
static void put_measurement(cJSON *o, const pf_gate_result *r, const pf_case_result *c)
{
    cJSON *lat = cJSON_AddObjectToObject(o, "latency");
    cJSON_AddNumberToObject(lat, "n", (double)c->m.n_samples);
    cJSON_AddItemToObject(lat, "median_ms", num(c->m.latency.median));
    cJSON_AddItemToObject(lat, "p95_ms", num(c->m.latency.p95));
    cJSON_AddItemToObject(lat, "p99_ms", num(c->m.latency.p99));
    cJSON_AddItemToObject(lat, "mean_ms", num(c->m.latency.mean));
    cJSON_AddItemToObject(lat, "stddev_ms", num(c->m.latency.stddev));
    cJSON_AddItemToObject(lat, "normalized_median",
                          num(r->calibration_ms > 0 ? c->m.latency.median / r->calibration_ms
                                                    : 0));
    cJSON_AddItemToObject(lat, "ratio", num(c->v.latency_ratio));
    cJSON_AddItemToObject(lat, "p_value", num(c->v.latency_p));
    cJSON *samples = cJSON_AddArrayToObject(lat, "samples_ms");
    for (size_t k = 0; k < c->m.n_samples; k++)
        cJSON_AddItemToArray(samples, num(c->m.samples_ms[k]));
    cJSON *w = cJSON_AddObjectToObject(o, "work");
    cJSON_AddItemToObject(w, "buffers", num((double)buffers(&c->m.work)));
    cJSON_AddItemToObject(w, "shared_hit", num((double)c->m.work.shared_hit));
    cJSON_AddItemToObject(w, "shared_read", num((double)c->m.work.shared_read));
    cJSON_AddItemToObject(w, "temp_blocks",
                          num((double)(c->m.work.temp_read + c->m.work.temp_written)));
    cJSON_AddItemToObject(w, "rows", num((double)c->m.work.rows));
    cJSON_AddItemToObject(w, "rows_processed", num((double)c->m.work.rows_processed));
    cJSON_AddItemToObject(w, "function_calls", num((double)c->m.function_calls));
    cJSON *p = cJSON_AddObjectToObject(o, "plan");
    cJSON_AddStringToObject(p, "fingerprint", c->m.fingerprint);
    cJSON_AddStringToObject(p, "summary", c->m.plan_summary ? c->m.plan_summary : "");
}

/* A case's instructions per execution, the reference's, and why they are
 * not judged. */
static void put_instructions(cJSON *o, const pf_gate_result *r, const pf_case_result *c)
{
    const pf_instructions *in = pf_gate_instr(r, c);
    if (in == NULL && c->instr_note == NULL)
        return;
    cJSON *io = cJSON_AddObjectToObject(o, "instructions");
    if (in != NULL) {
        cJSON_AddItemToObject(io, "per_execution", num((double)in->per_execution));
        cJSON_AddNumberToObject(io, "iterations", in->iterations);
        cJSON_AddItemToObject(io, "with_statement", num((double)in->with_statement));
        cJSON_AddItemToObject(io, "without_statement", num((double)in->without_statement));
    }
    const pf_instructions *bi = pf_gate_base_instr(r, c);
    if (bi != NULL)
        cJSON_AddItemToObject(io, "base_per_execution", num((double)bi->per_execution));
    else if (c->has_baseline && c->baseline.has_instructions)
        cJSON_AddItemToObject(io, "baseline_per_execution",
                              num((double)c->baseline.instructions));
    cJSON_AddBoolToObject(io, "judged", c->v.instr_judged);
    if (c->v.instr_judged)
        cJSON_AddItemToObject(io, "delta_pct", num(c->v.instr_delta_pct));
    cJSON_AddBoolToObject(io, "regressed", c->v.instr_regressed);
    if (c->instr_note != NULL)
        cJSON_AddStringToObject(io, "note", c->instr_note);
}

/* One case of the JSON results. */
static cJSON *case_json(const pf_gate_result *r, const pf_case_result *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", c->c->name);
    cJSON_AddStringToObject(o, "group", c->c->group);
    cJSON_AddStringToObject(o, "file", c->c->file);
    cJSON_AddStringToObject(o, "identity", c->c->identity_label);
    cJSON_AddStringToObject(o, "status", pf_status_name(c->v.status));
    cJSON_AddStringToObject(o, "level", pf_level_name(c->v.level));
    cJSON_AddStringToObject(o, "headline", c->v.headline ? c->v.headline : "");
    cJSON_AddStringToObject(o, "details", c->v.details ? c->v.details : "");
    cJSON_AddItemToObject(o, "threshold_ms", num(c->c->threshold_ms));
    cJSON_AddBoolToObject(o, "reran", c->reran);
    cJSON_AddBoolToObject(o, "work_regressed", c->v.work_regressed);
    cJSON_AddBoolToObject(o, "plan_changed", c->v.plan_changed);
    cJSON_AddBoolToObject(o, "latency_signal", c->v.latency_signal);
    cJSON_AddBoolToObject(o, "latency_confirmed", c->v.latency_confirmed);
    cJSON_AddBoolToObject(o, "paired", c->v.paired);
    if (c->v.paired) {
        cJSON_AddItemToObject(o, "ratio_lo", num(c->v.ratio_lo));
        cJSON_AddItemToObject(o, "ratio_hi", num(c->v.ratio_hi));
        cJSON_AddNumberToObject(o, "pairs", (double)c->v.pairs);
    }
    cJSON_AddBoolToObject(o, "baseline_written", c->baseline_written);
    if (c->measured)
        put_measurement(o, r, c);
    put_instructions(o, r, c);
    if (c->has_baseline) {
        cJSON *b = cJSON_AddObjectToObject(o, "baseline");
        cJSON_AddStringToObject(b, "path", c->baseline_path);
        cJSON_AddItemToObject(b, "median_ms", num(c->baseline.median_ms));
        cJSON_AddItemToObject(b, "buffers", num((double)buffers(&c->baseline.work)));
        cJSON_AddStringToObject(b, "fingerprint", c->baseline.fingerprint);
        if (c->mismatch)
            cJSON_AddStringToObject(b, "not_comparable", c->mismatch);
    }
    if (c->error)
        cJSON_AddStringToObject(o, "error", c->error);
    return o;
}

char *pf_summary_json(const pf_gate_result *r)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "format", 1);
    cJSON_AddNumberToObject(root, "exit_code", r->exit_code);
    /* When the run started (UTC): the results are written as it ends, so
     * now minus its duration. perfgate report orders runs by it. */
    time_t started = time(NULL) - (time_t)(r->total_ms > 0 ? r->total_ms / 1000 + 0.5 : 0);
    struct tm stm;
    gmtime_r(&started, &stm);
    char started_at[32];
    strftime(started_at, sizeof started_at, "%Y-%m-%dT%H:%M:%SZ", &stm);
    cJSON_AddStringToObject(root, "started_at", started_at);
    cJSON *env = cJSON_AddObjectToObject(root, "environment");
    cJSON_AddStringToObject(env, "server_version", r->env.server_version ? r->env.server_version : "");
    cJSON_AddNumberToObject(env, "server_major", r->env.server_major);
    cJSON *settings = cJSON_AddObjectToObject(env, "settings");
    for (size_t i = 0; r->env.setting_names && r->env.setting_names[i]; i++)
        cJSON_AddStringToObject(settings, r->env.setting_names[i], r->env.setting_values[i]);
    cJSON *ds = cJSON_AddObjectToObject(root, "dataset");
    cJSON_AddStringToObject(ds, "name", r->env.dataset_name ? r->env.dataset_name : "");
    cJSON_AddStringToObject(ds, "hash", r->env.dataset_hash ? r->env.dataset_hash : "");
    cJSON_AddItemToObject(ds, "scale", num(r->env.scale));
    cJSON_AddItemToObject(ds, "seed", num((double)r->env.seed));
    cJSON_AddItemToObject(root, "calibration_ms", num(r->calibration_ms));
    cJSON_AddItemToObject(root, "calibration_spread", num(r->calibration_spread));
    cJSON *ph = cJSON_AddObjectToObject(root, "phases_ms");
    cJSON_AddItemToObject(ph, "server", num(r->start_ms));
    cJSON_AddItemToObject(ph, "schema", num(r->schema_ms));
    cJSON_AddItemToObject(ph, "seed", num(r->seed_ms));
    cJSON_AddItemToObject(ph, "instructions", num(r->instr.ms));
    cJSON_AddItemToObject(ph, "measure", num(r->measure_ms));
    cJSON_AddItemToObject(ph, "total", num(r->total_ms));
    cJSON *ij = cJSON_AddObjectToObject(root, "instructions");
    cJSON_AddBoolToObject(ij, "available", r->instr.available && r->instr.n > 0);
    if (r->instr.unavailable != NULL)
        cJSON_AddStringToObject(ij, "unavailable", r->instr.unavailable);
    if (r->instr.available && r->instr.n > 0) {
        cJSON_AddStringToObject(ij, "method", PF_INSTR_METHOD);
        cJSON_AddStringToObject(ij, "valgrind", r->instr.info.version ? r->instr.info.version : "");
        cJSON_AddStringToObject(ij, "arch", r->instr.info.arch ? r->instr.info.arch : "");
        cJSON_AddStringToObject(ij, "server_build", r->instr.server_build ? r->instr.server_build : "");
        cJSON_AddNumberToObject(ij, "counts", (double)r->instr.n);
    }
    cJSON *counts = cJSON_AddObjectToObject(root, "counts");
    for (int s = 0; s <= PF_STATUS_ERROR; s++)
        cJSON_AddNumberToObject(counts, pf_status_name((pf_status)s), r->counts[s]);
    cJSON *arr = cJSON_AddArrayToObject(root, "cases");
    for (size_t i = 0; i < r->n_cases; i++)
        cJSON_AddItemToArray(arr, case_json(r, &r->cases[i]));
    if (r->base_commit)
        cJSON_AddStringToObject(root, "base_commit", r->base_commit);
    cJSON *base_only = cJSON_AddArrayToObject(root, "base_only");
    for (size_t i = 0; r->base_only && r->base_only[i]; i++)
        cJSON_AddItemToArray(base_only, cJSON_CreateString(r->base_only[i]));
    cJSON *removed = cJSON_AddArrayToObject(root, "removed_baselines");
    for (size_t i = 0; r->removed && r->removed[i]; i++)
        cJSON_AddItemToArray(removed, cJSON_CreateString(r->removed[i]));
    if (r->has_rls) {
        char *rls = pf_rls_report_json(&r->rls);
        cJSON *rj = cJSON_Parse(rls);
        if (rj != NULL)
            cJSON_AddItemToObject(root, "rls", rj);
        free(rls);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    char *out = pf_asprintf("%s\n", text);
    cJSON_free(text);
    return out;
}
