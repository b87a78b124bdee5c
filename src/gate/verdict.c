/* Verdict rules. Pure: no I/O, so every rule is unit-tested table-driven. */
#include "verdict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "stats.h"

pf_rules pf_rules_default(void)
{
    pf_rules r;
    r.work_limit = 0.20;
    r.work_min_delta = 5;
    r.calls_min_delta = 2;
    r.plan_work_limit = 0.05;
    r.latency_limit = 1.20;
    r.committed_latency_limit = 2.0;
    r.alpha = 0.01;
    r.latency_min_delta_ms = 0.05;
    r.paired_min_samples = 20;
    r.max_calibration_spread = 0.5;
    r.max_calibration_ratio = 3.0;
    r.warn_level = PF_LEVEL_WARNING_AT;
    r.critical_level = PF_LEVEL_CRITICAL_AT;
    r.emergency_level = PF_LEVEL_EMERGENCY_AT;
    r.instr_limit = 0.10;
    r.instr_min_delta = 5000;
    return r;
}

const char *pf_status_name(pf_status s)
{
    static const char *const names[] = {"pass", "new", "warn", "stale", "noisy", "fail", "error"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

pf_level pf_verdict_level(double p95_ms, double threshold_ms, const pf_rules *r)
{
    return pf_level_of(p95_ms, threshold_ms, r->warn_level, r->critical_level,
                       r->emergency_level);
}

/* Compare one work metric; appends "name B → H (+x%)" to the buffers when
 * it regressed (to `fail`) or changed (to `note`). Returns the % change. */
static double work_metric(const char *name, int64_t base, int64_t head, double limit,
                          int64_t min_delta, bool *regressed, pf_buf *fail, pf_buf *note,
                          pf_buf *details)
{
    double pct = base > 0 ? 100.0 * (double)(head - base) / (double)base
                          : (head > 0 ? INFINITY : 0.0);
    bool worse = head - base >= min_delta && (base == 0 || (double)(head - base) / (double)base > limit);
    char change[48];
    if (base == 0 && head > 0)
        snprintf(change, sizeof change, "new");
    else
        snprintf(change, sizeof change, "%+.0f%%", pct);
    pf_buf_printf(details, "  %-15s %lld → %lld (%s)%s\n", name, (long long)base, (long long)head,
                  head == base ? "=" : change, worse ? "  REGRESSION" : "");
    if (worse) {
        *regressed = true;
        pf_buf_printf(fail, "%s%s %lld → %lld (%s)", fail->len ? ", " : "", name, (long long)base,
                      (long long)head, change);
    } else if (head != base && note != NULL && head - base >= min_delta) {
        pf_buf_printf(note, "%s%s %lld → %lld (%s)", note->len ? ", " : "", name,
                      (long long)base, (long long)head, change);
    }
    return pct;
}

const char *pf_verdict_fmt_count(int64_t n, char *buf, size_t len)
{
    double x = (double)n;
    if (n < 0)
        snprintf(buf, len, "–");
    else if (n < 1000)
        snprintf(buf, len, "%lld", (long long)n);
    else if (n < 1000000)
        snprintf(buf, len, "%.1fk", x / 1e3);
    else if (n < 10000000)
        snprintf(buf, len, "%.2fM", x / 1e6);
    else if (n < 1000000000)
        snprintf(buf, len, "%.1fM", x / 1e6);
    else
        snprintf(buf, len, "%.2fG", x / 1e9);
    return buf;
}

/* Instructions per execution against the reference: like work_metric, in
 * short units, with the change to a tenth of a percent (counts repeat to
 * well under 1%: a small change is real). */
static void instr_metric(int64_t base, const pf_instructions *head, const pf_rules *r,
                         pf_verdict *v, pf_buf *fail, pf_buf *note, pf_buf *details)
{
    int64_t h = head->per_execution;
    char bs[24], hs[24];
    pf_verdict_fmt_count(base, bs, sizeof bs);
    pf_verdict_fmt_count(h, hs, sizeof hs);
    double pct = base > 0 ? 100.0 * (double)(h - base) / (double)base : 0.0;
    bool worse = h - base >= r->instr_min_delta &&
                 (base == 0 || (double)(h - base) / (double)base > r->instr_limit);
    v->instr_judged = true;
    v->instr_delta_pct = pct;
    pf_buf_printf(details, "  instructions    %lld → %lld per execution (%+.1f%%, %d draws)%s\n",
                  (long long)base, (long long)h, pct, head->iterations,
                  worse ? "  REGRESSION" : "");
    if (worse) {
        v->instr_regressed = true;
        pf_buf_printf(fail, "%sinstructions %s → %s per execution (%+.0f%%)", fail->len ? ", " : "",
                      bs, hs, pct);
    } else if (h - base >= r->instr_min_delta && note != NULL && fabs(pct) >= 1.0) {
        pf_buf_printf(note, "%sinstructions %s → %s (%+.0f%%)", note->len ? ", " : "", bs, hs,
                      pct);
    }
}

static int64_t buffers(const pf_work *w)
{
    return w->shared_hit + w->shared_read;
}

static int64_t temp(const pf_work *w)
{
    return w->temp_read + w->temp_written;
}

/* Did any work metric grow by more than `limit` (and min_delta, or
 * calls_min_delta for function calls: the same minimums as the work rule)? */
static bool work_grew(const pf_work *b, int64_t bcalls, const pf_work *h, int64_t hcalls,
                      int64_t binstr, int64_t hinstr, double limit, const pf_rules *r)
{
    int64_t pairs[5][2] = {{buffers(b), buffers(h)},
                           {temp(b), temp(h)},
                           {b->rows_processed, h->rows_processed},
                           {bcalls, hcalls},
                           {binstr, hinstr}};
    int64_t mins[5] = {r->work_min_delta, r->work_min_delta, r->work_min_delta,
                       r->calls_min_delta, r->instr_min_delta};
    for (int i = 0; i < 5; i++) {
        int64_t x = pairs[i][0], y = pairs[i][1];
        if (x < 0 || y < 0) /* instructions not compared */
            continue;
        if (y - x >= mins[i] && (x == 0 || (double)(y - x) / (double)x > limit))
            return true;
    }
    return false;
}

static void latency(const pf_verdict_input *in, const pf_rules *r, pf_verdict *v, pf_buf *details)
{
    const pf_baseline *b = in->baseline;
    const pf_measurement *m = in->m;
    /* The case's own calibration (timed alongside its iterations) when it
     * has one, else the run's. */
    double cal = m->calibration_ms > 0 ? m->calibration_ms : in->calibration_ms;
    if (b->n_quantiles < 2 || m->n_samples < 5 || b->calibration_ms <= 0 || cal <= 0)
        return;
    double base_norm = b->median_ms / b->calibration_ms;
    double head_norm = m->latency.median / cal;
    if (base_norm <= 0)
        return;
    v->latency_ratio = head_norm / base_norm;
    v->calibration_ratio = cal / b->calibration_ms;
    /* The baseline keeps its distribution as 101 quantiles; the rank test
     * gets as many points as the baseline really had samples (at the
     * midpoint quantiles), so a 10-sample baseline does not count as 101
     * observations. */
    size_t nb = b->n > 0 && (size_t)b->n < (size_t)b->n_quantiles ? (size_t)b->n
                                                                  : (size_t)b->n_quantiles;
    double *a = pf_calloc(nb, sizeof *a);
    double *h = pf_calloc(m->n_samples, sizeof *h);
    /* H1: the case is now slower than latency_limit x the baseline. Scale
     * the baseline by the limit and ask the rank test whether the new
     * samples are larger: significance then means "more than +20%", not
     * merely "slower". */
    for (size_t i = 0; i < nb; i++) {
        double q = (100.0 * ((double)i + 0.5)) / (double)nb; /* percent */
        size_t lo = (size_t)q;
        if (lo >= (size_t)b->n_quantiles - 1)
            lo = (size_t)b->n_quantiles - 2;
        double frac = q - (double)lo;
        double val = b->quantiles_ms[lo] + frac * (b->quantiles_ms[lo + 1] - b->quantiles_ms[lo]);
        a[i] = r->committed_latency_limit * val / b->calibration_ms;
    }
    for (size_t i = 0; i < m->n_samples; i++)
        h[i] = m->samples_ms[i] / cal;
    pf_rank_test t;
    v->latency_p = 1.0;
    if (pf_stats_mann_whitney(a, nb, h, m->n_samples, &t) == 0)
        v->latency_p = t.p_greater;
    free(a);
    free(h);
    /* The difference in this machine's milliseconds. */
    double delta_ms = (head_norm - base_norm) * cal;
    v->latency_signal = v->latency_ratio > r->committed_latency_limit && v->latency_p < r->alpha &&
                        delta_ms >= r->latency_min_delta_ms;
    pf_buf_printf(details,
                  "  latency         median %.3f → %.3f ms, normalised by calibration %.2f → %.2f "
                  "ms: ratio %.2f, rank test of 'more than %.2fx' p=%.2g%s\n",
                  b->median_ms, m->latency.median, b->calibration_ms, cal,
                  v->latency_ratio, r->committed_latency_limit, v->latency_p,
                  v->latency_signal ? (in->confirming ? "  SLOWER (confirmed)" : "  SLOWER?") : "");
}

/* Same-run latency: pairs (b_i, h_i) measured interleaved. The ratio of
 * medians, its bootstrap interval over pairs, and a one-sided Wilcoxon
 * signed-rank test of log(h_i / b_i) > 0. */
static void paired_latency(const pf_verdict_input *in, const pf_rules *r, pf_verdict *v,
                           pf_buf *details)
{
    const pf_measurement *b = in->base, *h = in->m;
    size_t n = b->n_samples < h->n_samples ? b->n_samples : h->n_samples;
    v->pairs = n;
    if (n < 2)
        return;
    double mb = pf_stats_median(b->samples_ms, n), mh = pf_stats_median(h->samples_ms, n);
    if (mb <= 0)
        return;
    v->latency_ratio = mh / mb;
    double *d = pf_calloc(n, sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = log(h->samples_ms[i] > 0 ? h->samples_ms[i] : 1e-9) -
               log(b->samples_ms[i] > 0 ? b->samples_ms[i] : 1e-9);
    pf_rank_test t;
    v->latency_p = 1.0;
    if (pf_stats_wilcoxon_signed_rank(d, n, &t) == 0)
        v->latency_p = t.p_greater;
    free(d);
    pf_ratio_ci ci;
    if (pf_stats_bootstrap_paired_median_ratio(b->samples_ms, h->samples_ms, n, 2000, 0.95,
                                               0x7065726667617465ull, &ci) == 0) {
        v->ratio_lo = ci.lo;
        v->ratio_hi = ci.hi;
    }
    bool enough = n >= r->paired_min_samples;
    v->latency_signal = enough && v->latency_ratio > r->latency_limit && v->latency_p < r->alpha &&
                        (mh - mb) >= r->latency_min_delta_ms;
    v->latency_confirmed = v->latency_signal;
    pf_buf_printf(details,
                  "  latency         base %.3f ms, head %.3f ms over %zu interleaved pairs: ratio "
                  "%.2f (95%% CI %.2f–%.2f), signed-rank p=%.2g%s%s\n",
                  mb, mh, n, v->latency_ratio, v->ratio_lo, v->ratio_hi, v->latency_p,
                  enough ? "" : "  (too few pairs to judge)", v->latency_signal ? "  SLOWER" : "");
}

/* One verdict being made: the judges below fill v and the texts in turn;
 * pf_verdict_judge frees what is left once, at the end. */
typedef struct judging {
    const pf_verdict_input *in;
    const pf_rules *r;
    pf_verdict *v;
    pf_buf head; /* the headline */
    pf_buf det;  /* the details, one metric a line */
    pf_buf fail; /* the regressed metrics, for the headline */
    pf_buf note; /* the grown but not regressed ones */
    char thr[160];        /* the threshold level in words, "" below warning */
    bool threshold_fail;  /* p95 critical or worse */
    /* The reference: the base revision measured in this run, or the
     * committed baseline. ref_instr and head_instr are -1 when
     * instructions are not compared. */
    const pf_work *ref_work;
    int64_t ref_calls;
    const char *ref_fp;
    char *const *ref_nodes;
    const char *ref_summary;
    int64_t ref_instr, head_instr;
    bool plan_fail;       /* a changed plan that also costs more work */
    char *diff;           /* the plan's changed nodes, when changed */
} judging;

/* The p95 against the case's threshold: the level, a details line, and
 * the words a headline uses. */
static void judge_threshold(judging *j)
{
    const pf_case *c = j->in->c;
    const pf_measurement *m = j->in->m;
    pf_verdict *v = j->v;
    v->level = pf_verdict_level(m->latency.p95, c->threshold_ms, j->r);
    j->threshold_fail = v->level >= PF_LEVEL_CRITICAL;
    if (c->threshold_ms > 0)
        pf_buf_printf(&j->det, "  threshold       p95 %.3f ms of %.0f ms (%.0f%%): %s\n",
                      m->latency.p95, c->threshold_ms, 100.0 * m->latency.p95 / c->threshold_ms,
                      pf_level_name(v->level));
    if (v->level >= PF_LEVEL_WARNING)
        snprintf(j->thr, sizeof j->thr, "p95 %.1f ms is %s: %.0f%% of the %.0f ms threshold",
                 m->latency.p95, pf_level_name(v->level), 100.0 * m->latency.p95 / c->threshold_ms,
                 c->threshold_ms);
}

/* The case could not be measured. */
static void judge_error(judging *j)
{
    j->v->status = PF_STATUS_ERROR;
    const char *msg = j->in->error ? j->in->error : "not measured";
    const char *nl = strchr(msg, '\n');
    pf_buf_printf(&j->head, "error: %.*s", nl ? (int)(nl - msg) : (int)strlen(msg), msg);
    pf_buf_printf(&j->det, "%s\n", msg);
}

/* No reference at all: a new case, judged on its threshold only. */
static void judge_new(judging *j)
{
    const pf_verdict_input *in = j->in;
    const pf_measurement *m = in->m;
    j->v->status = j->threshold_fail ? PF_STATUS_FAIL : PF_STATUS_NEW;
    if (j->threshold_fail) {
        pf_buf_puts(&j->head, j->thr);
    } else {
        char ins[32] = "";
        if (in->instr != NULL) {
            char cnt[24];
            snprintf(ins, sizeof ins, "instructions %s, ",
                     pf_verdict_fmt_count(in->instr->per_execution, cnt, sizeof cnt));
        }
        pf_buf_printf(&j->head, "new case: median %.3f ms, buffers %lld, %s%s", m->latency.median,
                      (long long)buffers(&m->work), ins, m->plan_summary ? m->plan_summary : "");
    }
    if (in->instr != NULL)
        pf_buf_printf(&j->det, "  instructions    %lld per execution (%d draws)\n",
                      (long long)in->instr->per_execution, in->instr->iterations);
}

/* A committed baseline recorded under other conditions: not compared. */
static void judge_stale(judging *j)
{
    j->v->status = j->threshold_fail ? PF_STATUS_FAIL : PF_STATUS_STALE;
    if (j->threshold_fail)
        pf_buf_puts(&j->head, j->thr);
    else
        pf_buf_printf(&j->head, "baseline not comparable: %s; re-record with --update-baselines",
                      j->in->mismatch);
    pf_buf_printf(&j->det, "  baseline        %s\n", j->in->mismatch);
}

static void set_reference(judging *j)
{
    const pf_measurement *base = j->in->base;
    const pf_baseline *b = j->in->baseline;
    j->ref_work = base ? &base->work : &b->work;
    j->ref_calls = base ? base->function_calls : b->function_calls;
    j->ref_fp = base ? base->fingerprint : b->fingerprint;
    j->ref_nodes = base ? base->plan_nodes : b->plan_nodes;
    j->ref_summary = base ? base->plan_summary : b->plan_summary;
    j->v->paired = base != NULL;
    if (j->v->paired)
        pf_buf_puts(&j->det, "  compared with   the base revision, measured in this run\n");
}

/* The work metrics against the reference. */
static void judge_work(judging *j)
{
    const pf_rules *r = j->r;
    const pf_measurement *m = j->in->m;
    const pf_work *ref = j->ref_work;
    pf_verdict *v = j->v;
    v->buffers_delta_pct = work_metric("buffers", buffers(ref), buffers(&m->work), r->work_limit,
                                       r->work_min_delta, &v->work_regressed, &j->fail, &j->note,
                                       &j->det);
    v->temp_delta_pct = work_metric("temp blocks", temp(ref), temp(&m->work), r->work_limit,
                                    r->work_min_delta, &v->work_regressed, &j->fail, &j->note,
                                    &j->det);
    v->rows_delta_pct = work_metric("rows processed", ref->rows_processed, m->work.rows_processed,
                                    r->work_limit, r->work_min_delta, &v->work_regressed, &j->fail,
                                    &j->note, &j->det);
    v->calls_delta_pct = work_metric("function calls", j->ref_calls, m->function_calls,
                                     r->work_limit, r->calls_min_delta, &v->work_regressed,
                                     &j->fail, &j->note, &j->det);
}

/* Instructions per execution against the reference count: the base
 * revision's with --base, else the baseline's; not judged without one or
 * with a note saying why. */
static void judge_instructions(judging *j)
{
    const pf_verdict_input *in = j->in;
    j->ref_instr = j->head_instr = -1;
    if (in->base != NULL)
        j->ref_instr = in->base_instr ? in->base_instr->per_execution : -1;
    else if (in->baseline->has_instructions)
        j->ref_instr = in->baseline->instructions;
    if (in->instr != NULL && in->instr_note == NULL && j->ref_instr >= 0) {
        j->head_instr = in->instr->per_execution;
        instr_metric(j->ref_instr, in->instr, j->r, j->v, &j->fail, &j->note, &j->det);
        return;
    }
    j->ref_instr = -1;
    if (in->instr_note != NULL)
        pf_buf_printf(&j->det, "  instructions    not judged: %s\n", in->instr_note);
    else if (in->instr != NULL)
        pf_buf_printf(&j->det, "  instructions    %lld per execution (%d draws); no reference "
                               "count yet\n",
                      (long long)in->instr->per_execution, in->instr->iterations);
}

/* The plan fingerprint against the reference's; a changed plan fails when
 * it also costs more work (by plan_work_limit). */
static void judge_plan(judging *j)
{
    const pf_measurement *m = j->in->m;
    pf_verdict *v = j->v;
    const char *now = m->plan_summary ? m->plan_summary : "";
    v->plan_changed = j->ref_fp && strcmp(j->ref_fp, m->fingerprint) != 0;
    if (!v->plan_changed) {
        pf_buf_printf(&j->det, "  plan            unchanged: %s\n", now);
        return;
    }
    j->diff = pf_plan_diff_nodes(j->ref_nodes, m->plan_nodes);
    pf_buf_printf(&j->det, "  plan            changed (%s → %s): %s\n", j->ref_fp, m->fingerprint,
                  j->diff && *j->diff ? j->diff : "same nodes, different details");
    pf_buf_printf(&j->det, "    before:       %s\n    now:          %s\n",
                  j->ref_summary ? j->ref_summary : "", now);
    j->plan_fail = work_grew(j->ref_work, j->ref_calls, &m->work, m->function_calls, j->ref_instr,
                             j->head_instr, j->r->plan_work_limit, j->r);
}

/* Latency: paired with --base, else against the committed baseline. */
static void judge_latency(judging *j)
{
    const pf_verdict_input *in = j->in;
    const pf_baseline *b = in->baseline;
    if (j->v->paired) {
        paired_latency(in, j->r, j->v, &j->det);
        return;
    }
    latency(in, j->r, j->v, &j->det);
    if (in->c->sql_hash[0] && b->sql_hash && strcmp(in->c->sql_hash, b->sql_hash) != 0)
        pf_buf_puts(&j->det, "  note            the case's SQL changed since the baseline\n");
}

/* The changed plan's nodes in words. */
static const char *plan_diff(const judging *j)
{
    return j->diff && *j->diff ? j->diff : "different plan details";
}

/* Headline: a timing failure withheld because this machine's calibration
 * is too far from the baseline's for normalising to hold. */
static void head_calibration_withheld(judging *j)
{
    const pf_verdict *v = j->v;
    double cr = v->calibration_ratio, base_cal = j->in->baseline->calibration_ms;
    pf_buf_printf(&j->head,
                  "timing verdict withheld: measured a slowdown (normalised median %+.0f%%), "
                  "but this machine ran the calibration workload in %.2f ms, %.1fx %s than "
                  "when the baseline was recorded (%.2f ms), beyond the %.0fx within which "
                  "normalising holds; re-record the baselines on this runner or compare in "
                  "one run (--base)",
                  100.0 * (v->latency_ratio - 1), cr * base_cal, cr > 1 ? cr : 1.0 / cr,
                  cr > 1 ? "slower" : "faster", base_cal, j->r->max_calibration_ratio);
}

/* Headline of a failure: the regressed metrics first, then plan, latency
 * and threshold. */
static void head_fail(judging *j, bool latency_fail)
{
    const pf_verdict *v = j->v;
    pf_buf *head = &j->head;
    if (j->fail.len)
        pf_buf_puts(head, pf_buf_str(&j->fail));
    if (v->instr_regressed && !v->work_regressed) {
        /* CPU alone: say what did not change, so the reader knows. */
        int64_t bb = buffers(j->ref_work), hb = buffers(&j->in->m->work);
        if (bb == hb)
            pf_buf_puts(head, ", buffers =");
        else
            pf_buf_printf(head, ", buffers %lld → %lld", (long long)bb, (long long)hb);
        if (!v->plan_changed)
            pf_buf_puts(head, ", plan unchanged");
    }
    if (v->plan_changed) {
        if (!v->work_regressed && j->plan_fail && j->note.len)
            pf_buf_printf(head, "%smore work: %s", head->len ? ", " : "", pf_buf_str(&j->note));
        pf_buf_printf(head, "%splan changed: %s", head->len ? ", " : "", plan_diff(j));
    }
    if (latency_fail && v->paired)
        pf_buf_printf(head,
                      "%slatency ratio %.2f vs base (95%% CI %.2f–%.2f, p=%.2g, %zu "
                      "interleaved pairs)",
                      head->len ? ", " : "", v->latency_ratio, v->ratio_lo, v->ratio_hi,
                      v->latency_p, v->pairs);
    else if (latency_fail)
        pf_buf_printf(head, "%slatency %+.0f%% (normalised median, p=%.2g), confirmed on re-run",
                      head->len ? ", " : "", 100.0 * (v->latency_ratio - 1), v->latency_p);
    if (j->threshold_fail)
        pf_buf_printf(head, "%s%s", head->len ? ", " : "", j->thr);
}

/* Status and headline when nothing failed: noisy (a signal to confirm, or
 * one a re-run did not confirm), warn, or pass. */
static void head_no_failure(judging *j)
{
    pf_verdict *v = j->v;
    const pf_measurement *m = j->in->m;
    pf_buf *head = &j->head;
    if (v->latency_signal || v->threshold_signal) {
        /* Unconfirmed: the caller re-runs the case (confirming = true); if
         * the re-run shows nothing this stays noisy. */
        v->status = PF_STATUS_NOISY;
        if (v->latency_signal)
            pf_buf_printf(head,
                          "timing inconclusive: median %+.0f%% (p=%.2g) needs a confirming re-run",
                          100.0 * (v->latency_ratio - 1), v->latency_p);
        else
            pf_buf_printf(head, "%s; needs a confirming re-run", j->thr);
    } else if (j->in->confirming) {
        v->status = PF_STATUS_NOISY;
        pf_buf_printf(head,
                      "timing inconclusive: a slowdown seen on the first run was not confirmed "
                      "(re-run: median %+.0f%%, p95 %.1f ms, p=%.2g)",
                      100.0 * (v->latency_ratio - 1), m->latency.p95, v->latency_p);
    } else if (v->plan_changed || v->level == PF_LEVEL_WARNING) {
        v->status = PF_STATUS_WARN;
        if (v->plan_changed)
            pf_buf_printf(head, "plan changed without more work: %s", plan_diff(j));
        if (v->level == PF_LEVEL_WARNING)
            pf_buf_printf(head, "%s%s", head->len ? "; " : "", j->thr);
    } else {
        v->status = PF_STATUS_PASS;
        char within[32];
        snprintf(within, sizeof within, "within %+.0f%%", 100.0 * j->r->work_limit);
        pf_buf_printf(head, "buffers %lld (%s), ", (long long)buffers(&m->work),
                      buffers(&m->work) == buffers(j->ref_work) ? "=" : within);
        if (v->instr_judged) {
            char cnt[24];
            pf_buf_printf(head, "instructions %s (%+.1f%%), ",
                          pf_verdict_fmt_count(j->head_instr, cnt, sizeof cnt), v->instr_delta_pct);
        }
        pf_buf_printf(head, "median %.3f ms (%+.0f%% %s)", m->latency.median,
                      v->latency_ratio > 0 ? 100.0 * (v->latency_ratio - 1) : 0.0,
                      v->paired ? "vs base, same run" : "normalised");
    }
}

/* The status from what the judges found, and the headline for it. */
static void decide(judging *j)
{
    const pf_verdict_input *in = j->in;
    const pf_rules *r = j->r;
    pf_verdict *v = j->v;
    bool latency_fail = v->latency_signal && (in->confirming || v->paired);
    /* A breached threshold with unchanged work is re-measured before it
     * fails: a burst of load on a shared machine must not fail the build. */
    bool deterministic_fail = v->work_regressed || v->instr_regressed || j->plan_fail;
    v->threshold_signal = j->threshold_fail && !deterministic_fail && !in->confirming;
    if (v->threshold_signal)
        j->threshold_fail = false;
    /* A machine whose speed swung this much during the run cannot support a
     * committed-baseline timing verdict either way. A paired latency verdict
     * stands: the swing hit base and head alike (calibration harness: the
     * guard saved no paired A/A run from a false alarm and withheld 5-7 of
     * 20 real detections). */
    bool unsteady = in->calibration_spread > r->max_calibration_spread;
    /* Normalised latency is only trusted while this machine's calibration
     * is within max_calibration_ratio of the baseline's. Thresholds are not
     * normalised and still fail. */
    double cr = v->calibration_ratio;
    bool mismatched = !v->paired && cr > 0 &&
                      (cr > r->max_calibration_ratio || cr < 1.0 / r->max_calibration_ratio);
    if (mismatched && latency_fail && !deterministic_fail && !j->threshold_fail) {
        v->status = PF_STATUS_NOISY;
        head_calibration_withheld(j);
    } else if (unsteady && !deterministic_fail && (j->threshold_fail || latency_fail) &&
               !(v->paired && latency_fail)) {
        v->status = PF_STATUS_NOISY;
        pf_buf_printf(&j->head,
                      "timing verdict withheld: the machine's speed varied %.0f%% during this run "
                      "(calibration spread); measured %s",
                      100.0 * in->calibration_spread,
                      latency_fail ? "a slowdown" : "a threshold breach");
        if (j->threshold_fail)
            pf_buf_printf(&j->head, " (%s)", j->thr);
    } else if (deterministic_fail || j->threshold_fail || latency_fail) {
        v->status = PF_STATUS_FAIL;
        v->latency_confirmed = latency_fail;
        head_fail(j, latency_fail);
    } else {
        head_no_failure(j);
    }
}

void pf_verdict_judge(const pf_verdict_input *in, const pf_rules *r, pf_verdict *v)
{
    memset(v, 0, sizeof *v);
    judging j;
    memset(&j, 0, sizeof j);
    j.in = in;
    j.r = r;
    j.v = v;
    if (in->error != NULL || in->m == NULL) {
        judge_error(&j);
    } else {
        judge_threshold(&j);
        if (in->baseline == NULL && in->base == NULL) {
            judge_new(&j);
        } else if (in->base == NULL && in->mismatch != NULL) {
            judge_stale(&j);
        } else {
            set_reference(&j);
            judge_work(&j);
            judge_instructions(&j);
            judge_plan(&j);
            judge_latency(&j);
            decide(&j);
        }
    }
    v->headline = pf_buf_steal(&j.head);
    v->details = pf_buf_steal(&j.det);
    pf_buf_dispose(&j.fail);
    pf_buf_dispose(&j.note);
    free(j.diff);
}

void pf_verdict_dispose(pf_verdict *v)
{
    free(v->headline);
    free(v->details);
    memset(v, 0, sizeof *v);
}
