/* Reading results over time: a directory of gate / RLS / load JSON results
 * and the git history of the baselines. cJSON stays inside this file. */
#include "history.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fsutil.h"
#include "proc.h"

#define MAX_DEPTH 3
#define MAX_FILE_BYTES (64u << 20)
#define MAX_GIT_COMMITS "500"

typedef enum rec_kind { REC_GATE, REC_RLS, REC_LOAD } rec_kind;

/* One parsed results file. */
typedef struct rec {
    rec_kind kind;
    int64_t t;
    bool from_mtime;
    char *file;
    cJSON *root;
} rec;

static void warn(pf_history *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(pf_history *h, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    h->warnings = pf_realloc(h->warnings, (h->n_warnings + 1) * sizeof *h->warnings);
    h->warnings[h->n_warnings++] = pf_strdup(msg);
}

int pf_history_parse_time(const char *text, int64_t *us)
{
    if (text == NULL)
        return -1;
    int y, mo, d, hh, mi, n = 0;
    double sec;
    if (sscanf(text, "%4d-%2d-%2d%*1[T ]%2d:%2d:%lf%n", &y, &mo, &d, &hh, &mi, &sec, &n) != 6)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || sec < 0 || sec >= 61)
        return -1;
    const char *tz = text + n;
    int off_min = 0;
    if (*tz == 'Z' || *tz == 'z') {
        tz++;
    } else if (*tz == '+' || *tz == '-') {
        int oh = 0, om = 0;
        if (sscanf(tz + 1, "%2d:%2d", &oh, &om) != 2 && sscanf(tz + 1, "%2d%2d", &oh, &om) != 2 &&
            sscanf(tz + 1, "%2d", &oh) != 1)
            return -1;
        off_min = (oh * 60 + om) * (*tz == '-' ? -1 : 1);
        tz += strcspn(tz, " ");
    }
    if (*tz != '\0')
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = hh;
    tm.tm_min = mi;
    tm.tm_sec = 0;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *us = ((int64_t)t - (int64_t)off_min * 60) * 1000000 + (int64_t)llround(sec * 1e6);
    return 0;
}

/* ---- walking the directory -------------------------------------------- */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Relative paths of *.json files under root/rel, sorted per directory. */
static void walk(const char *root, const char *rel, int depth, char ***files, size_t *n,
                 size_t *cap)
{
    char *dir = rel[0] ? pf_path_join(root, rel) : pf_strdup(root);
    DIR *d = opendir(dir);
    if (d == NULL) {
        free(dir);
        return;
    }
    char **names = NULL;
    size_t nn = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        names = pf_realloc(names, (nn + 1) * sizeof *names);
        names[nn++] = pf_strdup(de->d_name);
    }
    closedir(d);
    if (nn > 1)
        qsort(names, nn, sizeof *names, name_cmp);
    for (size_t i = 0; i < nn; i++) {
        char *r = rel[0] ? pf_path_join(rel, names[i]) : pf_strdup(names[i]);
        char *full = pf_path_join(root, r);
        struct stat st;
        if (stat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (depth < MAX_DEPTH)
                walk(root, r, depth + 1, files, n, cap);
            free(r);
        } else if (S_ISREG(st.st_mode) && strlen(names[i]) > 5 &&
                   strcmp(names[i] + strlen(names[i]) - 5, ".json") == 0) {
            if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 64;
                *files = pf_realloc(*files, *cap * sizeof **files);
            }
            (*files)[(*n)++] = r;
        } else {
            free(r);
        }
        free(full);
        free(names[i]);
    }
    free(names);
    free(dir);
}

/* ---- small JSON accessors --------------------------------------------- */

static double jnum(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(it) && isfinite(it->valuedouble) ? it->valuedouble : 0;
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static const cJSON *jobj(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsObject(it) ? it : NULL;
}

static const cJSON *jarr(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsArray(it) ? it : NULL;
}

static void copy_word(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

/* Drop a UTF-8 sequence cut in half at the end of s (after snprintf). */
static void cut_utf8(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0 || !((unsigned char)s[i - 1] & 0x80))
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t want = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : 4;
    if (n - (i - 1) < want)
        s[i - 1] = '\0';
}

/* Line of the byte at off in text (for JSON syntax errors). */
static int line_at(const char *text, const char *at)
{
    if (at == NULL || at < text)
        return 0;
    return pf_line_of_offset(text, (size_t)(at - text));
}

/* Parse text (the file rel, modified at mtime_us) into a record; false
 * (with a warning) when skipped. */
static bool parse_text(pf_history *h, const char *rel, const char *text, int64_t mtime_us,
                       rec *out)
{
    memset(out, 0, sizeof *out);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (root == NULL) {
        warn(h, "%s:%d: skipped: not valid JSON", rel, line_at(text, cJSON_GetErrorPtr()));
        return false;
    }
    if (!cJSON_IsObject(root)) {
        warn(h, "%s: skipped: not a perfgate results file (a JSON object is expected)", rel);
        cJSON_Delete(root);
        return false;
    }
    if (jarr(root, "scenarios") != NULL)
        out->kind = REC_LOAD;
    else if (jarr(root, "cases") != NULL)
        out->kind = REC_GATE;
    else if (jarr(root, "overhead") != NULL && jarr(root, "checks") != NULL)
        out->kind = REC_RLS;
    else {
        warn(h, "%s: skipped: not a perfgate results file (no \"cases\", \"scenarios\" or "
                "\"overhead\")",
             rel);
        cJSON_Delete(root);
        return false;
    }
    const char *when = jstr(root, "started_at");
    if (when != NULL && *when != '\0') {
        if (pf_history_parse_time(when, &out->t) < 0) {
            warn(h, "%s: skipped: started_at '%.40s' is not an ISO-8601 time", rel, when);
            cJSON_Delete(root);
            return false;
        }
    } else {
        out->t = mtime_us;
        out->from_mtime = true;
        warn(h, "%s: no started_at: ordered by the file's modification time", rel);
    }
    out->root = root;
    out->file = pf_strdup(rel);
    return true;
}

/* Read and parse one file; false (with a warning) when skipped. */
static bool read_one(pf_history *h, const char *dir, const char *rel, rec *out)
{
    char *path = pf_path_join(dir, rel);
    struct stat st;
    bool ok = false;
    char *text = NULL;
    memset(out, 0, sizeof *out);
    pf_error e;
    if (stat(path, &st) != 0)
        warn(h, "%s: cannot be read", rel);
    else if ((size_t)st.st_size > MAX_FILE_BYTES)
        warn(h, "%s: skipped: larger than %u MiB", rel, MAX_FILE_BYTES >> 20);
    else if (pf_file_read(path, &text, NULL, &e) < 0)
        warn(h, "%s: skipped: %s", rel, e.msg);
    else
        ok = parse_text(h, rel, text, (int64_t)st.st_mtime * 1000000, out);
    free(text);
    free(path);
    return ok;
}

static int rec_cmp(const void *a, const void *b)
{
    const rec *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return strcmp(x->file, y->file);
}

/* ---- building the series ---------------------------------------------- */

static pf_history_case *find_case(pf_history *h, const char *name, const char *group)
{
    for (size_t i = 0; i < h->n_cases; i++)
        if (strcmp(h->cases[i].name, name) == 0)
            return &h->cases[i];
    h->cases = pf_realloc(h->cases, (h->n_cases + 1) * sizeof *h->cases);
    pf_history_case *c = &h->cases[h->n_cases++];
    c->name = pf_strdup(name);
    c->group = pf_strdup(group);
    c->points = pf_calloc(h->n_runs ? h->n_runs : 1, sizeof *c->points);
    return c;
}

static pf_history_pair *find_pair(pf_history *h, const char *name, const char *identity)
{
    for (size_t i = 0; i < h->n_pairs; i++)
        if (strcmp(h->pairs[i].name, name) == 0)
            return &h->pairs[i];
    h->pairs = pf_realloc(h->pairs, (h->n_pairs + 1) * sizeof *h->pairs);
    pf_history_pair *p = &h->pairs[h->n_pairs++];
    p->name = pf_strdup(name);
    p->identity = pf_strdup(identity ? identity : "");
    p->points = pf_calloc(h->n_rls_runs ? h->n_rls_runs : 1, sizeof *p->points);
    return p;
}

static pf_history_flow *find_flow(pf_history *h, const char *name, bool drain)
{
    for (size_t i = 0; i < h->n_flows; i++)
        if (strcmp(h->flows[i].name, name) == 0)
            return &h->flows[i];
    h->flows = pf_realloc(h->flows, (h->n_flows + 1) * sizeof *h->flows);
    pf_history_flow *f = &h->flows[h->n_flows++];
    f->name = pf_strdup(name);
    f->drain = drain;
    f->points = pf_calloc(h->n_load_runs ? h->n_load_runs : 1, sizeof *f->points);
    return f;
}

static void set_run(pf_history_run *run, const rec *r, const cJSON *root)
{
    run->file = pf_strdup(r->file);
    run->started_us = r->t;
    run->time_from_mtime = r->from_mtime;
    run->exit_code = (int)jnum(root, "exit_code");
}

static void add_gate(pf_history *h, size_t run, const rec *r)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, jarr(r->root, "cases"))
    {
        const char *name = jstr(c, "name"), *group = jstr(c, "group");
        if (name == NULL || group == NULL)
            continue;
        char *key = pf_asprintf("%s/%s", group, name);
        pf_history_case *hc = find_case(h, key, group);
        free(key);
        pf_history_point *p = &hc->points[run];
        copy_word(p->status, sizeof p->status, jstr(c, "status"));
        copy_word(p->level, sizeof p->level, jstr(c, "level"));
        copy_word(p->headline, sizeof p->headline, jstr(c, "headline"));
        cut_utf8(p->headline);
        p->threshold_ms = jnum(c, "threshold_ms");
        const cJSON *lat = jobj(c, "latency");
        if (lat != NULL) {
            p->present = true;
            p->median_ms = jnum(lat, "median_ms");
            p->p95_ms = jnum(lat, "p95_ms");
        }
        const cJSON *w = jobj(c, "work");
        if (w != NULL)
            p->buffers = jnum(w, "buffers");
        const cJSON *b = jobj(c, "baseline");
        if (b != NULL && jstr(b, "not_comparable") == NULL)
            p->baseline_ms = jnum(b, "median_ms");
        const cJSON *in = jobj(c, "instructions");
        if (in != NULL) {
            p->instructions = jnum(in, "per_execution");
            p->baseline_instructions = jnum(in, "base_per_execution");
            if (!(p->baseline_instructions > 0))
                p->baseline_instructions = jnum(in, "baseline_per_execution");
        }
    }
}

static void add_rls(pf_history *h, size_t run, const cJSON *rls)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, jarr(rls, "overhead"))
    {
        const char *name = jstr(o, "name");
        if (name == NULL)
            continue;
        pf_history_pair *p = find_pair(h, name, jstr(o, "identity"));
        pf_history_rls_point *pt = &p->points[run];
        pt->present = true;
        pt->ratio = jnum(o, "ratio");
        pt->ratio_lo = jnum(o, "ratio_ci_lo");
        pt->ratio_hi = jnum(o, "ratio_ci_hi");
        pt->baseline_ratio = jnum(o, "baseline_ratio");
        pt->identity_median_ms = jnum(o, "identity_median_ms");
        pt->policy_calls = jnum(o, "policy_calls");
        const cJSON *in = jobj(o, "instructions");
        if (in != NULL) {
            pt->instr_ratio = jnum(in, "ratio");
            pt->baseline_instr_ratio = jnum(in, "baseline_ratio");
        }
    }
}

static void quantiles(pf_history_flow_point *p, const cJSON *q)
{
    if (q == NULL)
        return;
    p->p50 = jnum(q, "p50");
    p->p90 = jnum(q, "p90");
    p->p99 = jnum(q, "p99");
    p->p999 = jnum(q, "p999");
    p->max = jnum(q, "max");
}

static void add_load(pf_history *h, size_t run, const rec *r)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, jarr(r->root, "scenarios"))
    {
        const char *scen = jstr(s, "name");
        const char *point = jstr(s, "point");
        if (scen == NULL)
            continue;
        const cJSON *drain = jobj(s, "queue_drain");
        if (drain != NULL) {
            char *key = pf_asprintf("%s/queue_drain@%s", scen, point ? point : "?");
            pf_history_flow *f = find_flow(h, key, true);
            free(key);
            pf_history_flow_point *p = &f->points[run];
            p->present = true;
            quantiles(p, jobj(drain, "job_ms"));
            p->threshold_ms = jnum(drain, "threshold_ms");
            p->throughput = jnum(drain, "jobs_per_s");
            p->drain_ms = jnum(drain, "drain_ms");
            const cJSON *v = jobj(drain, "verdict");
            copy_word(p->status, sizeof p->status, v ? jstr(v, "status") : NULL);
            continue;
        }
        const cJSON *fl;
        cJSON_ArrayForEach(fl, jarr(s, "flows"))
        {
            const char *name = jstr(fl, "name");
            if (name == NULL)
                continue;
            char *key = pf_asprintf("%s/%s@%s", scen, name, point ? point : "?");
            pf_history_flow *f = find_flow(h, key, false);
            free(key);
            pf_history_flow_point *p = &f->points[run];
            if (jnum(fl, "completed") <= 0)
                continue; /* no execution: no percentiles */
            p->present = true;
            quantiles(p, jobj(fl, "latency_ms"));
            p->threshold_ms = jnum(fl, "threshold_ms");
            p->throughput = jnum(fl, "throughput");
            const cJSON *v = jobj(fl, "verdict");
            copy_word(p->status, sizeof p->status, v ? jstr(v, "status") : NULL);
        }
    }
}

static int case_cmp(const void *a, const void *b)
{
    return strcmp(((const pf_history_case *)a)->name, ((const pf_history_case *)b)->name);
}

static int pair_cmp(const void *a, const void *b)
{
    return strcmp(((const pf_history_pair *)a)->name, ((const pf_history_pair *)b)->name);
}

static int flow_cmp(const void *a, const void *b)
{
    return strcmp(((const pf_history_flow *)a)->name, ((const pf_history_flow *)b)->name);
}

/* The series from n parsed records (freed here). */
static void build(pf_history *out, rec *recs, size_t n)
{
    if (n > 1)
        qsort(recs, n, sizeof *recs, rec_cmp);
    /* Count the runs of each kind first: series are arrays indexed by run. */
    for (size_t i = 0; i < n; i++) {
        if (recs[i].kind == REC_GATE) {
            out->n_runs++;
            if (jarr(jobj(recs[i].root, "rls"), "overhead") != NULL)
                out->n_rls_runs++;
        } else if (recs[i].kind == REC_RLS) {
            out->n_rls_runs++;
        } else {
            out->n_load_runs++;
        }
    }
    out->runs = pf_calloc(out->n_runs ? out->n_runs : 1, sizeof *out->runs);
    out->rls_runs = pf_calloc(out->n_rls_runs ? out->n_rls_runs : 1, sizeof *out->rls_runs);
    out->load_runs = pf_calloc(out->n_load_runs ? out->n_load_runs : 1, sizeof *out->load_runs);
    size_t g = 0, rl = 0, ld = 0;
    for (size_t i = 0; i < n; i++) {
        const rec *r = &recs[i];
        if (r->kind == REC_GATE) {
            set_run(&out->runs[g], r, r->root);
            add_gate(out, g++, r);
            const cJSON *rls = jobj(r->root, "rls");
            if (jarr(rls, "overhead") != NULL) {
                set_run(&out->rls_runs[rl], r, rls);
                add_rls(out, rl++, rls);
            }
        } else if (r->kind == REC_RLS) {
            set_run(&out->rls_runs[rl], r, r->root);
            add_rls(out, rl++, r->root);
        } else {
            set_run(&out->load_runs[ld], r, r->root);
            add_load(out, ld++, r);
        }
        cJSON_Delete(r->root);
        free(r->file);
    }
    free(recs);
    if (out->n_cases > 1)
        qsort(out->cases, out->n_cases, sizeof *out->cases, case_cmp);
    if (out->n_pairs > 1)
        qsort(out->pairs, out->n_pairs, sizeof *out->pairs, pair_cmp);
    if (out->n_flows > 1)
        qsort(out->flows, out->n_flows, sizeof *out->flows, flow_cmp);
}

int pf_history_read_dir(const char *dir, pf_history *out, pf_error *err)
{
    memset(out, 0, sizeof *out);
    if (!pf_path_is_dir(dir))
        return pf_error_set(err, PF_EXIT_USAGE, "--results %s: not a directory", dir);
    char **files = NULL;
    size_t n_files = 0, cap = 0;
    walk(dir, "", 0, &files, &n_files, &cap);
    rec *recs = pf_calloc(n_files ? n_files : 1, sizeof *recs);
    size_t n = 0;
    for (size_t i = 0; i < n_files; i++) {
        if (read_one(out, dir, files[i], &recs[n]))
            n++;
        free(files[i]);
    }
    free(files);
    build(out, recs, n);
    return 0;
}

void pf_history_read_text(pf_history *out, const char *name, const char *text)
{
    memset(out, 0, sizeof *out);
    rec *r = pf_calloc(1, sizeof *r);
    build(out, r, parse_text(out, name, text, 0, r) ? 1 : 0);
}

long pf_history_case_last(const pf_history *h, size_t c)
{
    for (size_t r = h->n_runs; r-- > 0;)
        if (h->cases[c].points[r].present)
            return (long)r;
    return -1;
}

/* ---- baselines from git ----------------------------------------------- */

/* "timeline/recent_page.json" → "timeline/recent_page"; other files: NULL. */
static char *case_of_path(const char *p)
{
    size_t len = strlen(p);
    if (len <= 5 || strcmp(p + len - 5, ".json") != 0 || strchr(p, '/') == NULL)
        return NULL;
    return pf_strndup(p, len - 5);
}

int pf_history_read_git(pf_history *h, const char *baselines_dir)
{
    if (!pf_path_is_dir(baselines_dir)) {
        warn(h, "baseline history: %s is not a directory", baselines_dir);
        return 1;
    }
    char *text = NULL;
    pf_error e;
    /* One header line per commit ("\x1e" hash, time, subject), then the
     * files it touched, relative to the baselines directory. */
    char *argv[] = {"git", "-C", (char *)baselines_dir, "log", "-n", MAX_GIT_COMMITS,
                    "--format=%x1e%h%x09%ct%x09%s", "--name-only", "--relative", "--", ".",
                    NULL};
    if (pf_proc_capture(argv, &text, &e) < 0) {
        free(text);
        warn(h, "baseline history: %s is not in a git checkout (or git is missing): no "
                "baseline changes marked",
             baselines_dir);
        return 1;
    }
    /* git log is newest first; collect, then reverse. */
    pf_history_change *v = NULL;
    size_t n = 0;
    char *save = NULL;
    pf_history_change *cur = NULL;
    size_t n_cases = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '\x1e') {
            char *hash = line + 1, *tab1 = strchr(hash, '\t');
            if (tab1 == NULL)
                continue;
            *tab1 = '\0';
            char *tab2 = strchr(tab1 + 1, '\t');
            if (tab2 != NULL)
                *tab2 = '\0';
            v = pf_realloc(v, (n + 1) * sizeof *v);
            cur = &v[n++];
            memset(cur, 0, sizeof *cur);
            cur->commit = pf_strdup(hash);
            cur->at_us = strtoll(tab1 + 1, NULL, 10) * 1000000;
            cur->subject = pf_strdup(tab2 ? tab2 + 1 : "");
            cur->cases = pf_calloc(1, sizeof *cur->cases);
            n_cases = 0;
            continue;
        }
        char *name = cur ? case_of_path(line) : NULL;
        if (name == NULL)
            continue;
        cur->cases = pf_realloc(cur->cases, (n_cases + 2) * sizeof *cur->cases);
        cur->cases[n_cases++] = name;
        cur->cases[n_cases] = NULL;
    }
    free(text);
    for (size_t i = 0; i < n / 2; i++) {
        pf_history_change t = v[i];
        v[i] = v[n - 1 - i];
        v[n - 1 - i] = t;
    }
    h->changes = v;
    h->n_changes = n;
    return 0;
}

void pf_history_dispose(pf_history *h)
{
    if (h == NULL)
        return;
    for (size_t i = 0; i < h->n_runs; i++)
        free(h->runs[i].file);
    for (size_t i = 0; i < h->n_rls_runs; i++)
        free(h->rls_runs[i].file);
    for (size_t i = 0; i < h->n_load_runs; i++)
        free(h->load_runs[i].file);
    free(h->runs);
    free(h->rls_runs);
    free(h->load_runs);
    for (size_t i = 0; i < h->n_cases; i++) {
        free(h->cases[i].name);
        free(h->cases[i].group);
        free(h->cases[i].points);
    }
    free(h->cases);
    for (size_t i = 0; i < h->n_pairs; i++) {
        free(h->pairs[i].name);
        free(h->pairs[i].identity);
        free(h->pairs[i].points);
    }
    free(h->pairs);
    for (size_t i = 0; i < h->n_flows; i++) {
        free(h->flows[i].name);
        free(h->flows[i].points);
    }
    free(h->flows);
    for (size_t i = 0; i < h->n_changes; i++) {
        free(h->changes[i].commit);
        free(h->changes[i].subject);
        pf_strv_free(h->changes[i].cases);
    }
    free(h->changes);
    for (size_t i = 0; i < h->n_warnings; i++)
        free(h->warnings[i]);
    free(h->warnings);
    memset(h, 0, sizeof *h);
}
