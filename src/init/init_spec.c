/* perfgate init: the dataset spec drafted from the catalog (init_spec.h).
 * Three passes per table, in dependency order: where its rows come from
 * (parent, shape, count), a generator per column, then the fixes that
 * make keys unique and time columns ordered. */
#include "init_spec.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "init_gen.h"
#include "json.h"

#define DEFAULT_MAX_ROWS 50000
#define ROOT_ROWS 1000
/* ------------------------------------------------------------ helpers */

static void strv_push(char ***v, size_t *n, char *owned)
{
    *v = pf_realloc(*v, (*n + 2) * sizeof **v);
    (*v)[(*n)++] = owned;
    (*v)[*n] = NULL;
}

static size_t strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

/* 12345 → 12,000: two significant digits, so that guesses read as guesses. */
static int64_t nice(double v)
{
    if (v <= 0)
        return 0;
    if (v < 1)
        return 1;
    double mag = pow(10, floor(log10(v)) - 1);
    if (mag < 1)
        mag = 1;
    return (int64_t)(llround(v / mag) * mag);
}

static char *thousands(int64_t v)
{
    char raw[32], out[48];
    snprintf(raw, sizeof raw, "%lld", (long long)v);
    size_t len = strlen(raw), o = 0;
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = raw[i];
    }
    out[o] = '\0';
    return pf_strdup(out);
}

/* A JSON string literal; caller frees. */
static char *q(const char *s)
{
    return pf_json_quote(s);
}

/* ------------------------------------------------------------ drafter */

typedef struct drafter {
    const pf_init_schema *s;
    const pf_init_spec_opts *o;
    pf_init_spec *sp;
    bool *in;       /* per schema table */
    int *pos;       /* per schema table: index in sp->tables, -1 */
    bool **broken;  /* per table, per fk: cut to break a cycle (NULL) */
    int *depth;     /* per spec table */
} drafter;

/* The foreign key (index) column ci of t belongs to, or -1. */
static int fk_of(const pf_init_table *t, int ci)
{
    for (size_t f = 0; f < t->n_fks; f++)
        for (size_t k = 0; k < t->fks[f].n; k++)
            if (t->fks[f].cols[k] == ci)
                return (int)f;
    return -1;
}

/* Do the columns of fk make up one of t's keys exactly? */
static bool fk_is_key(const pf_init_table *t, const pf_init_fk *fk)
{
    for (size_t k = 0; k < t->n_keys; k++) {
        const pf_init_key *key = &t->keys[k];
        if (key->n != fk->n || key->partial)
            continue;
        size_t hit = 0;
        for (size_t a = 0; a < key->n; a++)
            for (size_t b = 0; b < fk->n; b++)
                if (key->cols[a] == fk->cols[b])
                    hit++;
        if (hit == fk->n)
            return true;
    }
    return false;
}

/* Is fk's (single) column in a multi-column key together with another
 * foreign key column (a membership table)? */
static bool fk_in_junction(const pf_init_table *t, const pf_init_fk *fk)
{
    if (fk->n != 1)
        return false;
    for (size_t k = 0; k < t->n_keys; k++) {
        const pf_init_key *key = &t->keys[k];
        if (key->n < 2)
            continue;
        bool mine = false, other = false;
        for (size_t a = 0; a < key->n; a++) {
            if (key->cols[a] == fk->cols[0])
                mine = true;
            else if (key->cols[a] >= 0 && fk_of(t, key->cols[a]) >= 0)
                other = true;
        }
        if (mine && other)
            return true;
    }
    return false;
}

static bool fk_not_null(const pf_init_table *t, const pf_init_fk *fk)
{
    for (size_t k = 0; k < fk->n; k++)
        if (fk->cols[k] < 0 || !t->cols[fk->cols[k]].not_null)
            return false;
    return true;
}

/* ------------------------------------------------------ which tables */

static bool is_table(const pf_init_table *t, const char *schema, const char *name)
{
    return strcmp(t->schema, schema) == 0 && strcmp(t->name, name) == 0;
}

static bool policies_use_uid(const pf_init_table *t)
{
    for (size_t p = 0; p < t->n_pols; p++)
        if ((t->pols[p].using_expr && strstr(t->pols[p].using_expr, "auth.uid()")) ||
            (t->pols[p].check_expr && strstr(t->pols[p].check_expr, "auth.uid()")))
            return true;
    return false;
}

/* Tables perfgate fills even when they hold rows (in --dsn mode): the
 * sign-ups and the stored files are the app's data. */
static bool always_drafted(const pf_init_table *t)
{
    return is_table(t, "auth", "users") || is_table(t, "storage", "objects");
}

static void select_tables(drafter *d)
{
    const pf_init_schema *s = d->s;
    bool *reported = pf_calloc(s->n + 1, sizeof *reported);
    size_t nl = strv_len(d->sp->left_out);
    for (size_t i = 0; i < s->n; i++) {
        const pf_init_table *t = &s->tables[i];
        bool storage_app = is_table(t, "storage", "objects") && t->n_pols > 0;
        if (!t->exposed && !storage_app)
            continue;
        if (s->fresh && t->rows > 0) {
            char *n = thousands(t->rows);
            strv_push(&d->sp->left_out, &nl,
                      pf_asprintf("%s: holds %s row%s after your migrations: kept as they are "
                                  "(the loader refuses tables that are not empty); foreign keys "
                                  "to it draw from those rows",
                                  t->spec_name, n, t->rows == 1 ? "" : "s"));
            free(n);
            reported[i] = true;
            continue;
        }
        d->in[i] = true;
    }
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < s->n; i++) {
            if (!d->in[i])
                continue;
            const pf_init_table *t = &s->tables[i];
            for (size_t f = 0; f < t->n_fks; f++) {
                int j = t->fks[f].ref;
                if (j == (int)i || d->in[j])
                    continue;
                const pf_init_table *r = &s->tables[j];
                if (r->rows > 0 && !(always_drafted(r) && !s->fresh)) {
                    if (!reported[j]) {
                        char *n = thousands(r->rows);
                        strv_push(&d->sp->left_out, &nl,
                                  pf_asprintf("%s: holds %s row%s already: not generated; "
                                              "foreign keys to it draw from its rows",
                                              r->spec_name, n, r->rows == 1 ? "" : "s"));
                        free(n);
                        reported[j] = true;
                    }
                    continue;
                }
                d->in[j] = true;
                changed = true;
            }
        }
    }
    int au = s->auth_users;
    if (au >= 0 && !d->in[au] && (s->tables[au].rows == 0 || !s->fresh))
        for (size_t i = 0; i < s->n; i++)
            if (d->in[i] && policies_use_uid(&s->tables[i]))
                d->in[au] = true;
    free(reported);
}

/* Dependency order: a table after every table it references (parents
 * before children). A cycle is cut at the table with the fewest open
 * references; those foreign keys get NULL. */
static void order_tables(drafter *d, int **order, size_t *n)
{
    const pf_init_schema *s = d->s;
    bool *placed = pf_calloc(s->n + 1, sizeof *placed);
    *order = pf_calloc(s->n + 1, sizeof **order);
    *n = 0;
    size_t want = 0;
    for (size_t i = 0; i < s->n; i++)
        want += d->in[i];
    while (*n < want) {
        int pick = -1, best_open = 1 << 30;
        /* auth.users first: every Supabase app hangs off it */
        if (s->auth_users >= 0 && d->in[s->auth_users] && !placed[s->auth_users])
            pick = s->auth_users;
        for (size_t i = 0; pick < 0 && i < s->n; i++) {
            if (!d->in[i] || placed[i])
                continue;
            const pf_init_table *t = &s->tables[i];
            int open = 0;
            for (size_t f = 0; f < t->n_fks; f++) {
                int j = t->fks[f].ref;
                if (j != (int)i && d->in[j] && !placed[j] && !d->broken[i][f])
                    open++;
            }
            if (open == 0)
                pick = (int)i;
            else if (open < best_open)
                best_open = open;
        }
        if (pick < 0) {
            /* a cycle: cut the first table with the fewest open references */
            for (size_t i = 0; pick < 0 && i < s->n; i++) {
                if (!d->in[i] || placed[i])
                    continue;
                const pf_init_table *t = &s->tables[i];
                int open = 0;
                for (size_t f = 0; f < t->n_fks; f++) {
                    int j = t->fks[f].ref;
                    if (j != (int)i && d->in[j] && !placed[j] && !d->broken[i][f])
                        open++;
                }
                if (open == best_open) {
                    pick = (int)i;
                    for (size_t f = 0; f < t->n_fks; f++) {
                        int j = t->fks[f].ref;
                        if (j != (int)i && d->in[j] && !placed[j])
                            d->broken[i][f] = true;
                    }
                }
            }
        }
        placed[pick] = true;
        (*order)[(*n)++] = pick;
    }
    free(placed);
}

/* ------------------------------------------------------------ parents */

static void choose_parent(drafter *d, size_t k)
{
    pf_init_table_draft *td = &d->sp->tables[k];
    const pf_init_table *t = &d->s->tables[td->table];
    int best = -1, best_score = -1;
    for (size_t f = 0; f < t->n_fks; f++) {
        const pf_init_fk *fk = &t->fks[f];
        if (fk->ref == td->table || d->broken[td->table][f] || d->pos[fk->ref] < 0 ||
            !fk_not_null(t, fk))
            continue;
        int score = 0;
        if (fk_is_key(t, fk))
            score += 1000;
        else if (fk_in_junction(t, fk))
            score += 500;
        if (fk->ref != d->s->auth_users)
            score += 100;
        score += 10 * d->depth[d->pos[fk->ref]];
        if (score > best_score) {
            best = (int)f;
            best_score = score;
        }
    }
    td->parent_fk = best;
    td->parent = best >= 0 ? d->pos[t->fks[best].ref] : -1;
    d->depth[k] = td->parent >= 0 ? d->depth[td->parent] + 1 : 0;
    if (best < 0) {
        td->shape = PF_INIT_ROOT;
        return;
    }
    const pf_init_fk *fk = &t->fks[best];
    const pf_init_table *pt = &d->s->tables[fk->ref];
    char *cols = pf_strdup(t->cols[fk->cols[0]].name);
    for (size_t c = 1; c < fk->n; c++) {
        char *x = pf_asprintf("%s, %s", cols, t->cols[fk->cols[c]].name);
        free(cols);
        cols = x;
    }
    const char *how;
    if (fk_is_key(t, fk)) {
        td->shape = PF_INIT_ONE_TO_ONE;
        td->one_each = t->cols[fk->cols[0]].pk;
        td->min = td->one_each ? 1 : 0;
        how = td->one_each ? "its primary key is that foreign key: exactly one row per parent "
                             "row (min 1)"
                           : "that foreign key is unique: at most one row per parent row (equal "
                             "weights, so no parent gets two)";
    } else if (fk_in_junction(t, fk)) {
        td->shape = PF_INIT_JUNCTION;
        td->min = 1;
        td->weight = pf_strdup("{\"dist\": \"lognormal\", \"sigma\": 0.8}");
        how = "a membership table (the foreign key is part of a key with another reference): "
              "every parent gets at least one, sizes lognormal (sigma 0.8): most are small, a "
              "few large";
    } else if (pf_init_events_like(t) && d->sp->tables[d->pos[fk->ref]].shape != PF_INIT_EVENTS) {
        td->shape = PF_INIT_EVENTS;
        td->weight = pf_strdup("{\"dist\": \"lognormal\", \"sigma\": 1.4}");
        how = "its name says events, messages or a log: lognormal weights (sigma 1.4), a heavy "
              "tail where the busiest 5% of parents hold about a third of the rows, as activity "
              "does in real apps";
    } else if (d->sp->tables[d->pos[fk->ref]].shape == PF_INIT_EVENTS) {
        td->shape = PF_INIT_CHILDREN;
        td->weight = pf_strdup("{\"dist\": \"lognormal\", \"sigma\": 0.5}");
        how = "details of an events table: about one per event, lognormal weights (sigma 0.5)";
    } else {
        td->shape = PF_INIT_CHILDREN;
        bool users = fk->ref == d->s->auth_users;
        td->weight = pf_strdup(users ? "{\"dist\": \"lognormal\", \"sigma\": 1.2}"
                                     : "{\"dist\": \"lognormal\", \"sigma\": 1.0}");
        how = users ? "lognormal weights (sigma 1.2): most users own few rows, some many"
                    : "lognormal weights (sigma 1.0): a moderate tail";
    }
    td->why_parent = pf_asprintf("hangs off %s by %s (NOT NULL foreign key %s); %s",
                                 pt->spec_name, cols, fk->name, how);
    free(cols);
}

/* Rows before scaling: roots a round 1,000 (or what the database holds),
 * children a multiple of their parent by shape. */
static double raw_rows(drafter *d, size_t k, double *raw, char **why)
{
    pf_init_table_draft *td = &d->sp->tables[k];
    const pf_init_table *t = &d->s->tables[td->table];
    if (!d->s->fresh && t->rows > 0) {
        char *n = thousands(t->rows);
        *why = pf_asprintf("in proportion to the %s rows the database holds", n);
        free(n);
        return (double)t->rows;
    }
    if (td->parent < 0 && pf_init_events_like(t) && td->table != d->s->auth_users) {
        *why = pf_strdup("a round 20,000 before scaling: a log or event table without a parent "
                         "grows with the whole app");
        return ROOT_ROWS * 20;
    }
    if (td->parent < 0) {
        *why = pf_strdup(td->table == d->s->auth_users
                             ? "a round 1,000 sign-ups before scaling: enough users for "
                               "per-user pages and RLS identities, quick to seed"
                             : "a round 1,000 before scaling: a table without a parent");
        return ROOT_ROWS;
    }
    double p = raw[td->parent];
    const char *pn = d->s->tables[d->sp->tables[td->parent].table].spec_name;
    switch (td->shape) {
    case PF_INIT_ONE_TO_ONE:
        if (!td->one_each) {
            *why = pf_asprintf("one for a tenth of the %s rows (a guess)", pn);
            return p / 10;
        }
        *why = pf_asprintf("one per %s row", pn);
        return p;
    case PF_INIT_JUNCTION:
        *why = pf_asprintf("5 per %s row on average (a guess for memberships)", pn);
        return p * 5;
    case PF_INIT_EVENTS:
        *why = pf_asprintf("20 per %s row on average (events grow with their parent; a guess)",
                           pn);
        return p * 20;
    default:
        if (d->sp->tables[td->parent].shape == PF_INIT_EVENTS) {
            *why = pf_asprintf("1 per %s row on average (details of an event; a guess)", pn);
            return p;
        }
        if (d->sp->tables[td->parent].table == d->s->auth_users) {
            *why = pf_asprintf("1 per user on average (a guess)");
            return p;
        }
        *why = pf_asprintf("3 per %s row on average (a guess)", pn);
        return p * 3;
    }
}

static void count_rows(drafter *d)
{
    pf_init_spec *sp = d->sp;
    double *raw = pf_calloc(sp->n + 1, sizeof *raw);
    char **why = pf_calloc(sp->n + 1, sizeof *why);
    double max = 0;
    for (size_t k = 0; k < sp->n; k++) {
        raw[k] = raw_rows(d, k, raw, &why[k]);
        if (raw[k] > max)
            max = raw[k];
    }
    double f = 1;
    if (d->o->rows > 0 && max > 0)
        f = (double)d->o->rows / max;
    else if (max > DEFAULT_MAX_ROWS)
        f = DEFAULT_MAX_ROWS / max;
    for (size_t k = 0; k < sp->n; k++) {
        pf_init_table_draft *td = &sp->tables[k];
        if (td->shape == PF_INIT_ONE_TO_ONE && td->one_each)
            td->rows = sp->tables[td->parent].rows;
        else
            td->rows = nice(raw[k] * f);
        if (td->shape == PF_INIT_ONE_TO_ONE && td->rows > sp->tables[td->parent].rows)
            td->rows = sp->tables[td->parent].rows;
        char *n = thousands(td->rows);
        if (f != 1)
            td->why_rows = pf_asprintf("%s: %s, scaled by %.3g so that the biggest table has "
                                       "%lld rows%s",
                                       n, why[k], f,
                                       (long long)(d->o->rows > 0 ? d->o->rows : DEFAULT_MAX_ROWS),
                                       d->o->rows > 0 ? " (--rows)" : "");
        else
            td->why_rows = pf_asprintf("%s: %s", n, why[k]);
        free(n);
        free(why[k]);
    }
    free(why);
    free(raw);
}

/* ------------------------------------------------------- table columns */

static const char k_uuid_gen[] = "{\"gen\": \"uuid\"}";

static char *g_parent(const char *col)
{
    char *c = q(col);
    char *g = pf_asprintf("{\"gen\": \"parent\", \"column\": %s}", c);
    free(c);
    return g;
}

static char *g_ref(const char *table, const char *col)
{
    char *t = q(table), *c = q(col);
    char *g = pf_asprintf("{\"gen\": \"ref\", \"table\": %s, \"column\": %s}", t, c);
    free(t);
    free(c);
    return g;
}

static char *g_sibling(const char *table, const char *col)
{
    char *t = q(table), *c = q(col);
    char *g = pf_asprintf("{\"gen\": \"sibling\", \"table\": %s, \"column\": %s}", t, c);
    free(t);
    free(c);
    return g;
}

/* Does spec table k generate column ci (a non-NULL generator)? */
static bool generates(const pf_init_table_draft *td, int ci)
{
    for (size_t i = 0; i < td->n_cols; i++)
        if (td->cols[i].col == ci)
            return td->cols[i].gen != NULL && strcmp(td->cols[i].gen, "null") != 0;
    return false;
}

/* A column of an earlier table under the same parent holding a value of
 * ref.refcol: the sibling to draw from, or -1. Membership tables first. */
static int sibling_for(drafter *d, size_t k, int ref, int refcol, bool need_rows, int *col)
{
    const pf_init_table_draft *td = &d->sp->tables[k];
    if (td->parent < 0)
        return -1;
    int best = -1, best_score = -1;
    for (size_t j = 0; j < k; j++) {
        const pf_init_table_draft *sd = &d->sp->tables[j];
        if (sd->parent != td->parent)
            continue;
        if (need_rows && sd->min < 1)
            continue;
        const pf_init_table *st = &d->s->tables[sd->table];
        /* the sibling table itself is the referenced one (an encounter
         * of the same patient) */
        if (sd->table == ref && generates(sd, refcol)) {
            int score = 1;
            if (score > best_score) {
                best = (int)j;
                best_score = score;
                *col = refcol;
            }
            continue;
        }
        for (size_t f = 0; f < st->n_fks; f++) {
            const pf_init_fk *fk = &st->fks[f];
            if (fk->n != 1 || fk->ref != ref || fk->ref_cols[0] != refcol ||
                (int)f == sd->parent_fk || !generates(sd, fk->cols[0]))
                continue;
            int score = sd->shape == PF_INIT_JUNCTION ? 3 : 2;
            if (score > best_score) {
                best = (int)j;
                best_score = score;
                *col = fk->cols[0];
            }
        }
    }
    return best;
}

/* Is column ci of t compared with auth.uid() in one of t's policies? */
static bool owner_by_policy(const pf_init_table *t, const char *name)
{
    char *a = pf_asprintf("(%s = ( SELECT auth.uid()", name);
    char *b = pf_asprintf("(%s = auth.uid()", name);
    bool hit = false;
    for (size_t p = 0; p < t->n_pols && !hit; p++)
        for (int w = 0; w < 2 && !hit; w++) {
            const char *e = w ? t->pols[p].check_expr : t->pols[p].using_expr;
            hit = e && (strstr(e, a) || strstr(e, b));
        }
    free(a);
    free(b);
    return hit;
}

static void auth_users_column(const pf_init_column *c, pf_init_gen *cd)
{
    static const struct {
        const char *name, *gen, *want_after;
    } k[] = {
        {"instance_id", "\"00000000-0000-0000-0000-000000000000\"", NULL},
        {"id", "{\"gen\": \"uuid\"}", NULL},
        {"aud", "\"authenticated\"", NULL},
        {"role", "\"authenticated\"", NULL},
        {"email", "{\"gen\": \"template\", \"template\": \"{word}.{$row}@example.test\"}",
         NULL},
        {"encrypted_password",
         "\"$2a$10$perfgateSyntheticHashNotARealPasswordHash.xxxxxxxxxxxx\"", NULL},
        {"email_confirmed_at", "{\"gen\": \"timestamp\", \"after\": \"created_at\", \"from\": "
                               "\"5min\", \"to\": \"2d\"}",
         NULL},
        {"created_at", "{\"gen\": \"timestamp\", \"from\": \"-3y\", \"to\": \"-7d\"}", NULL},
        {"updated_at", "{\"gen\": \"timestamp\", \"after\": \"created_at\", \"from\": \"0s\", "
                       "\"to\": \"30d\"}",
         NULL},
        {"last_sign_in_at", "{\"gen\": \"timestamp\", \"from\": \"-1y\", \"to\": \"0d\", "
                            "\"dist\": \"recent\", \"half_life\": \"30d\"}",
         NULL},
        {"raw_app_meta_data", "{\"gen\": \"json\", \"template\": {\"provider\": \"email\", "
                              "\"providers\": [\"email\"]}}",
         NULL},
        {"raw_user_meta_data", "{\"gen\": \"json\", \"template\": {\"full_name\": {\"gen\": "
                               "\"template\", \"template\": \"{first_name} {last_name}\"}}}",
         NULL},
        {"is_super_admin", "false", NULL},
        {"is_sso_user", "false", NULL},
        {"is_anonymous", "false", NULL},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strcmp(c->name, k[i].name) == 0) {
            cd->gen = pf_strdup(k[i].gen);
            cd->why = pf_strdup("a confirmed email sign-up, as Supabase Auth writes it (emails in "
                                "lower case)");
            return;
        }
    cd->why = pf_strdup("left to its default: Supabase Auth sets it only in some flows");
}

/* The parent: column ci is part of the key that points at the parent row. */
static bool draft_parent_column(drafter *d, size_t k, int ci, pf_init_gen *cd)
{
    pf_init_table_draft *td = &d->sp->tables[k];
    const pf_init_table *t = &d->s->tables[td->table];
    if (td->parent_fk < 0)
        return false;
    const pf_init_fk *fk = &t->fks[td->parent_fk];
    for (size_t x = 0; x < fk->n; x++)
        if (fk->cols[x] == ci) {
            const pf_init_table *pt = &d->s->tables[fk->ref];
            cd->gen = g_parent(pt->cols[fk->ref_cols[x]].name);
            cd->why = pf_asprintf("the parent row's %s", pt->cols[fk->ref_cols[x]].name);
            return true;
        }
    return false;
}

/* Reference f (column ci, its x-th) that cannot point at a drafted row: to
 * its own table, cut to break a cycle, or to a table not in the draft. */
static bool draft_ref_undrafted(drafter *d, size_t k, int ci, int f, int x, pf_init_gen *cd)
{
    pf_init_table_draft *td = &d->sp->tables[k];
    const pf_init_table *t = &d->s->tables[td->table];
    const pf_init_column *c = &t->cols[ci];
    const pf_init_fk *fk = &t->fks[f];
    const pf_init_table *rt = &d->s->tables[fk->ref];
    const char *rcol = rt->cols[fk->ref_cols[x]].name;
    if (fk->ref == td->table || d->broken[td->table][f]) {
        cd->gen = pf_strdup("null");
        cd->why = pf_asprintf("NULL: %s", fk->ref == td->table
                                              ? "a reference to the same table (a reply, "
                                                "a parent comment); fill it in by hand if "
                                                "your queries follow it"
                                              : "cut to break a cycle of foreign keys");
        if (c->not_null) {
            size_t nt = strv_len(d->sp->todo);
            strv_push(&d->sp->todo, &nt,
                      pf_asprintf("%s.%s: NOT NULL reference %s needs a value perfgate "
                                  "cannot draft",
                                  t->spec_name, c->name, fk->name));
        }
        return true;
    }
    if (d->pos[fk->ref] < 0) {
        if (fk->ref_values != NULL && fk->ref_values[0] != NULL) {
            size_t nv = strv_len(fk->ref_values);
            char **vals = pf_calloc(nv > 100 ? 101 : nv + 1, sizeof *vals);
            for (size_t v = 0; v < nv && v < 100; v++)
                vals[v] = fk->ref_values[v];
            cd->gen = pf_init_gen_choice(vals, NULL);
            free(vals);
            cd->why = pf_asprintf("one of the %zu%s %s values %s holds already", nv,
                                  nv > 100 ? " (first 100)" : "", rcol, rt->spec_name);
            if (!c->not_null)
                cd->gen = pf_init_gen_nulls(cd->gen, 0.1);
        } else {
            cd->gen = pf_strdup("null");
            cd->why = pf_asprintf("NULL: %s is not in the draft and holds no rows",
                                  rt->spec_name);
        }
        return true;
    }
    return false;
}

/* Reference f (column ci, its x-th) taken from a row the parent or a
 * sibling table already points at. */
static bool draft_ref_shared(drafter *d, size_t k, int ci, int f, int x, pf_init_gen *cd)
{
    pf_init_table_draft *td = &d->sp->tables[k];
    const pf_init_table *t = &d->s->tables[td->table];
    const pf_init_column *c = &t->cols[ci];
    const pf_init_fk *fk = &t->fks[f];
    const pf_init_table *rt = &d->s->tables[fk->ref];
    /* the parent row already points at the row (a 1:1 key of the parent) */
    if (td->parent >= 0) {
        const pf_init_table *pt = &d->s->tables[d->sp->tables[td->parent].table];
        for (size_t pf = 0; pf < pt->n_fks; pf++) {
            const pf_init_fk *pfk = &pt->fks[pf];
            if (pfk->n == 1 && pfk->ref == fk->ref && pfk->ref_cols[0] == fk->ref_cols[x] &&
                pt->cols[pfk->cols[0]].unique &&
                generates(&d->sp->tables[td->parent], pfk->cols[0])) {
                cd->gen = g_parent(pt->cols[pfk->cols[0]].name);
                cd->why = pf_asprintf("the parent row's %s: the parent is one per %s row, "
                                      "so this row belongs to the same one",
                                      pt->cols[pfk->cols[0]].name, rt->spec_name);
                return true;
            }
        }
    }
    int scol = -1;
    int sib = sibling_for(d, k, fk->ref, fk->ref_cols[x], c->not_null, &scol);
    if (sib >= 0) {
        const pf_init_table *st = &d->s->tables[d->sp->tables[sib].table];
        cd->gen = g_sibling(st->spec_name, st->cols[scol].name);
        cd->why = pf_asprintf("a %s of a %s row under the same parent: %s",
                              st->cols[scol].name, st->spec_name,
                              d->sp->tables[sib].shape == PF_INIT_JUNCTION
                                  ? "a member writes, not any user"
                                  : "rows of one parent refer to each other");
        if (!c->not_null)
            cd->gen = pf_init_gen_nulls(cd->gen, 0.2);
        return true;
    }
    return false;
}

/* Other references: column ci belongs to foreign key f (not the parent's). */
static void draft_reference(drafter *d, size_t k, int ci, int f, pf_init_gen *cd)
{
    pf_init_table_draft *td = &d->sp->tables[k];
    const pf_init_table *t = &d->s->tables[td->table];
    const pf_init_column *c = &t->cols[ci];
    const pf_init_fk *fk = &t->fks[f];
    const pf_init_table *rt = &d->s->tables[fk->ref];
    int x = 0;
    while ((size_t)x < fk->n && fk->cols[x] != ci)
        x++;
    const char *rcol = rt->cols[fk->ref_cols[x]].name;
    if (draft_ref_undrafted(d, k, ci, f, x, cd))
        return;
    if (fk->n > 1) {
        if (!c->not_null) {
            cd->gen = pf_strdup("null");
            cd->why = pf_asprintf("NULL: a multi-column reference (%s) other than the parent",
                                  fk->name);
            return;
        }
        size_t nt = strv_len(d->sp->todo);
        strv_push(&d->sp->todo, &nt,
                  pf_asprintf("%s.%s: part of multi-column reference %s: drafted as an "
                              "independent ref, which may not match a row",
                              t->spec_name, c->name, fk->name));
    }
    if (draft_ref_shared(d, k, ci, f, x, cd))
        return;
    cd->gen = g_ref(rt->spec_name, rcol);
    bool distinct = td->shape == PF_INIT_JUNCTION;
    if (distinct) {
        char *g = pf_init_gen_with_key(cd->gen, "\"distinct_per_parent\": true");
        free(cd->gen);
        cd->gen = g;
    }
    cd->why = pf_asprintf("a %s row picked uniformly%s", rt->spec_name,
                          distinct ? ", each at most once per parent (they form a key)" : "");
    if (c->unique && !c->pk && !distinct) {
        if (!c->not_null) {
            free(cd->gen);
            cd->gen = pf_strdup("null");
            free(cd->why);
            cd->why = pf_asprintf("NULL: a unique reference to %s that is not this table's "
                                  "parent (picks would repeat)",
                                  rt->spec_name);
            return;
        }
        size_t nt = strv_len(d->sp->todo);
        strv_push(&d->sp->todo, &nt,
                  pf_asprintf("%s.%s: a unique reference that is not the table's parent: "
                              "picks may repeat",
                              t->spec_name, c->name));
    }
    if (!c->not_null)
        cd->gen = pf_init_gen_nulls(cd->gen, 0.2);
}

/* Keys the database makes: an identity or serial column. */
static bool draft_db_key(drafter *d, size_t k, int ci, pf_init_gen *cd)
{
    pf_init_table_draft *td = &d->sp->tables[k];
    const pf_init_column *c = &d->s->tables[td->table].cols[ci];
    if (!c->identity && !c->serial)
        return false;
    bool referenced = false;
    for (size_t j = 0; j < d->sp->n && !referenced; j++) {
        const pf_init_table *ot = &d->s->tables[d->sp->tables[j].table];
        for (size_t g = 0; g < ot->n_fks; g++)
            for (size_t x = 0; x < ot->fks[g].n; x++)
                if (ot->fks[g].ref == td->table && ot->fks[g].ref_cols[x] == ci)
                    referenced = true;
    }
    if (referenced) {
        cd->gen = pf_strdup("{\"gen\": \"sequence\"}");
        cd->why = pf_strdup("1, 2, 3, ...: other tables reference it, so perfgate makes the "
                            "keys (the loader moves the sequence past them afterwards)");
    } else {
        cd->why = pf_asprintf("left to the database (%s)",
                              c->identity ? "an identity column" : "a serial column");
    }
    return true;
}

/* A column of Supabase's storage.objects that Storage fills in its own way. */
static bool storage_objects_column(const pf_init_column *c, bool users_in, pf_init_gen *cd)
{
    if (strcmp(c->name, "owner") == 0 && users_in) {
        cd->gen = g_ref("auth.users", "id");
        cd->why = pf_strdup("the uploader: a user picked uniformly");
        return true;
    }
    if (strcmp(c->name, "owner_id") == 0 && users_in) {
        cd->gen = pf_init_gen_template("{col:owner}");
        cd->why = pf_strdup("the uploader's id as text, as the Storage API writes it");
        return true;
    }
    if (strcmp(c->name, "name") == 0) {
        cd->gen = pf_init_gen_template(users_in ? "{col:owner}/{word}-{$row}.{file_ext}"
                                      : "files/{word}-{$row}.{file_ext}");
        cd->why = pf_strdup(users_in ? "<uploader id>/<file>: the first folder is the "
                                       "owner, the layout storage policies usually check"
                                     : "a path");
        return true;
    }
    if (strcmp(c->name, "metadata") == 0) {
        cd->gen = pf_strdup("{\"gen\": \"json\", \"template\": {\"size\": {\"gen\": \"int\", "
                            "\"dist\": \"lognormal\", \"mean\": 200000, \"sigma\": 1.5, "
                            "\"min\": 1, \"max\": 50000000}, \"mimetype\": {\"gen\": "
                            "\"template\", \"template\": \"{mime_type}\"}}}");
        cd->why = pf_strdup("size and MIME type, as the Storage API records them");
        return true;
    }
    if (strcmp(c->name, "version") == 0 || strcmp(c->name, "user_metadata") == 0) {
        cd->why = pf_strdup("left NULL");
        return true;
    }
    return false;
}

/* A user by name or by policy, without a foreign key; or, in a 1:1 table,
 * the parent's value repeated. */
static bool draft_user_or_parent_value(drafter *d, size_t k, int ci, bool users_in,
                                       pf_init_gen *cd)
{
    pf_init_table_draft *td = &d->sp->tables[k];
    const pf_init_table *t = &d->s->tables[td->table];
    const pf_init_column *c = &t->cols[ci];
    char *ln = pf_init_lower(c->name);
    /* a user by name or by policy, without a foreign key */
    if (c->kind == PF_INIT_UUID && !c->array && users_in && !c->pk &&
        (owner_by_policy(t, c->name) ||
         pf_init_name_any(ln, (const char *const[]){"user_id", "owner_id", "created_by", "author_id",
                                            "uploaded_by", "sender_id", "owner", NULL}))) {
        cd->gen = g_ref("auth.users", "id");
        cd->why = pf_asprintf("a user picked uniformly: %s",
                              owner_by_policy(t, c->name)
                                  ? "a policy compares it with auth.uid() (no foreign key)"
                                  : "its name says it holds a user (no foreign key)");
        if (!c->not_null)
            cd->gen = pf_init_gen_nulls(cd->gen, 0.1);
        free(ln);
        return true;
    }
    free(ln);
    /* a 1:1 table repeats its parent's value */
    if (td->shape == PF_INIT_ONE_TO_ONE && !c->pk && !c->unique) {
        const pf_init_table *pt = &d->s->tables[d->sp->tables[td->parent].table];
        int pc = pf_init_column_find(pt, c->name);
        if (pc >= 0 && pt->cols[pc].kind == c->kind && pt->cols[pc].array == c->array &&
            c->kind != PF_INIT_TIMESTAMP && c->kind != PF_INIT_DATE &&
            generates(&d->sp->tables[td->parent], pc)) {
            cd->gen = g_parent(c->name);
            cd->why = pf_asprintf("the parent row's %s: one row per %s, the same value",
                                  c->name, pt->spec_name);
            return true;
        }
    }
    return false;
}

/* A list of allowed values: a CHECK's, an enum's or the list partitions'. */
static bool draft_allowed_values(const pf_init_table *t, int ci, pf_init_gen *cd)
{
    const pf_init_column *c = &t->cols[ci];
    char **values = c->choices ? c->choices : c->enum_values;
    if (t->partitioned && t->part_col == ci && t->part_values && !t->part_default)
        values = t->part_values;
    if (values == NULL || values[0] == NULL || c->kind == PF_INIT_BOOL)
        return false;
    if (c->array) {
        char *ch = pf_init_gen_choice(values, NULL);
        cd->gen = pf_asprintf("{\"gen\": \"array\", \"of\": %s, \"min\": 0, \"max\": 3, "
                              "\"unique\": true}",
                              ch);
        free(ch);
    } else {
        cd->gen = pf_init_gen_choice(values, NULL);
    }
    cd->why = pf_asprintf("every value %s allows, equally often (set the real mix with "
                          "\"weights\")",
                          values == c->choices ? "its CHECK"
                          : values == t->part_values ? "the list partitions"
                                                     : "the enum type");
    if (!c->not_null)
        cd->gen = pf_init_gen_nulls(cd->gen, 0.1);
    return true;
}

/* A date or timestamp column: its class and the column it follows; the
 * generator itself comes in time_gen. */
static void draft_time_column(const pf_init_table *t, const pf_init_column *c, bool events,
                              pf_init_gen *cd)
{
    const char *why = NULL;
    cd->time_class = pf_init_time_class_of(t, c, events, &why);
    cd->why = pf_strdup(why);
    cd->gen = pf_strdup("{\"gen\": \"timestamp\"}"); /* replaced in time_gen */
    cd->nf = c->not_null ? 0
             : cd->time_class == PF_INIT_TC_RARE ? 0.95
             : cd->time_class == PF_INIT_TC_SOMETIMES ? 0.5
             : cd->time_class == PF_INIT_TC_FUTURE ? 0.3
                                           : 0.1;
    if (c->after)
        cd->want_after = pf_strdup(c->after);
    else if (cd->time_class == PF_INIT_TC_UPDATED || cd->time_class == PF_INIT_TC_SOMETIMES) {
        static const char *const starts[] = {"created_at", "started_at", "start_at",
                                             "created", "inserted_at", NULL};
        for (const char *const *s = starts; *s; s++)
            if (strcmp(*s, c->name) != 0 && pf_init_column_find(t, *s) >= 0) {
                cd->want_after = pf_strdup(*s);
                break;
            }
    }
    if (c->array) {
        cd->time_class = PF_INIT_TC_NONE;
        free(cd->gen);
        cd->gen = NULL;
        free(cd->why);
        cd->why = pf_strdup("left to its default (an array of times)");
    }
}

/* The generator for one value of column c by its type, into el; false when
 * the column is left to its default or NULL (cd->why says so). */
static bool draft_by_type(drafter *d, const pf_init_table *t, const pf_init_column *c,
                          pf_init_gen *el, pf_init_gen *cd)
{
    switch (c->kind) {
    case PF_INIT_UUID:
        el->gen = pf_strdup(k_uuid_gen);
        el->why = pf_strdup("a random UUID (version 4)");
        break;
    case PF_INIT_TEXT:
        pf_init_gen_text(t, c, el);
        break;
    case PF_INIT_INT:
        if (c->unique || (c->pk && !c->array)) {
            el->gen = pf_asprintf("{\"gen\": \"sequence\", \"start\": %.0f}",
                                  c->has_min && c->min > 1 ? c->min : 1);
            el->why = pf_strdup("unique: 1, 2, 3, ...");
        } else {
            pf_init_gen_int(c, el);
        }
        break;
    case PF_INIT_FLOAT:
    case PF_INIT_NUMERIC:
        pf_init_gen_float(c, el);
        break;
    case PF_INIT_BOOL:
        pf_init_gen_bool(c, el);
        break;
    case PF_INIT_TIME:
        el->gen = pf_init_gen_template("{num:10-19}:{num:10-59}:00");
        el->why = pf_strdup("a time of day");
        break;
    case PF_INIT_INTERVAL:
        el->gen = pf_init_gen_template("{num:1-90} days");
        el->why = pf_strdup("1-90 days");
        break;
    case PF_INIT_JSON:
        if (c->default_expr && strncmp(c->default_expr, "'[]'", 4) == 0) {
            el->gen = pf_strdup("{\"gen\": \"json\", \"template\": []}");
            el->why = pf_strdup("an empty array, its default: add the elements your queries read");
        } else {
            el->gen = pf_strdup("{\"gen\": \"json\", \"template\": {}}");
            el->why = pf_strdup("an empty object: add the keys your queries read");
        }
        break;
    case PF_INIT_INET:
        el->gen = pf_init_gen_template("10.{num:0-255}.{num:0-255}.{num:1-254}");
        el->why = pf_strdup("a private IPv4 address");
        break;
    case PF_INIT_BYTEA:
        el->gen = pf_init_gen_template("\\x{num:10000000-99999999}");
        el->why = pf_strdup("four bytes");
        break;
    case PF_INIT_TSVECTOR:
        el->gen = pf_init_gen_template("{word} {word}");
        el->why = pf_strdup("two words");
        break;
    case PF_INIT_DATE:      /* drafted by draft_time_column */
    case PF_INIT_TIMESTAMP: /* (never reaches here) */
    case PF_INIT_ENUM:      /* an enum without labels: nothing to choose */
    case PF_INIT_OTHER:
    default:
        if (c->default_expr != NULL || !c->not_null) {
            cd->why = pf_asprintf("left to %s (no generator for type %s)",
                                  c->default_expr ? "its default" : "NULL", c->type);
            return false;
        }
        el->gen = pf_init_gen_template("{word}");
        el->why = pf_asprintf("TODO: a word, which type %s may not accept", c->type);
        {
            size_t nt = strv_len(d->sp->todo);
            strv_push(&d->sp->todo, &nt,
                      pf_asprintf("%s.%s: no generator for type %s (NOT NULL, no default)",
                                  t->spec_name, c->name, c->type));
        }
        break;
    }
    return true;
}

/* Draft column ci of spec table k (first pass; time columns get their
 * generator in time_gen once every column is known). */
static void draft_column(drafter *d, size_t k, int ci, pf_init_gen *cd)
{
    pf_init_table_draft *td = &d->sp->tables[k];
    const pf_init_table *t = &d->s->tables[td->table];
    const pf_init_column *c = &t->cols[ci];
    bool events = td->shape == PF_INIT_EVENTS || (td->parent < 0 && pf_init_events_like(t));
    int au = d->s->auth_users;
    bool users_in = au >= 0 && d->pos[au] >= 0;

    if (c->generated) {
        cd->why = pf_strdup("generated by the database (GENERATED ALWAYS AS ... STORED)");
        return;
    }
    /* the parent */
    if (draft_parent_column(d, k, ci, cd))
        return;
    /* other references */
    int f = fk_of(t, ci);
    if (f >= 0) {
        draft_reference(d, k, ci, f, cd);
        return;
    }
    /* keys the database makes */
    if (draft_db_key(d, k, ci, cd))
        return;
    /* Supabase's own tables */
    if (td->table == au) {
        auth_users_column(c, cd);
        return;
    }
    if (is_table(t, "storage", "objects") && storage_objects_column(c, users_in, cd))
        return;
    if (draft_user_or_parent_value(d, k, ci, users_in, cd))
        return;
    /* a list of allowed values */
    if (draft_allowed_values(t, ci, cd))
        return;
    if (c->kind == PF_INIT_DATE || c->kind == PF_INIT_TIMESTAMP) {
        draft_time_column(t, c, events, cd);
        return;
    }
    pf_init_gen el;
    memset(&el, 0, sizeof el);
    if (!draft_by_type(d, t, c, &el, cd))
        return;
    if (c->array && el.gen != NULL) {
        /* the element generator, without its NULLs, in an array */
        char *of = el.gen;
        char *nfk = strstr(of, ", \"null_fraction\"");
        if (nfk)
            strcpy(nfk, "}");
        cd->gen = pf_asprintf("{\"gen\": \"array\", \"of\": %s, \"min\": 0, \"max\": 3%s}", of,
                              c->unique ? "" : "");
        free(of);
        cd->why = pf_asprintf("0-3 elements: %s", el.why);
        free(el.why);
        free(el.tpl);
        if (!c->not_null)
            cd->gen = pf_init_gen_nulls(cd->gen, 0.1);
        return;
    }
    cd->gen = el.gen;
    cd->why = el.why;
    cd->tpl = el.tpl;
}

/* Make every multi-column key unique: one of its columns must vary within
 * the parent (a distinct ref, {$child}) or overall ({$row}, uuid,
 * sequence). */
static void fix_keys(drafter *d, size_t k, pf_init_gen *cds)
{
    pf_init_table_draft *td = &d->sp->tables[k];
    const pf_init_table *t = &d->s->tables[td->table];
    const pf_init_fk *pfk = td->parent_fk >= 0 ? &t->fks[td->parent_fk] : NULL;
    for (size_t x = 0; x < t->n_keys; x++) {
        const pf_init_key *key = &t->keys[x];
        bool expr = false, has_parent = false, ok = false;
        for (size_t a = 0; a < key->n; a++) {
            int ci = key->cols[a];
            if (ci < 0) {
                expr = true;
                continue;
            }
            bool in_parent = false;
            for (size_t b = 0; pfk && b < pfk->n; b++)
                if (pfk->cols[b] == ci)
                    in_parent = true;
            has_parent = has_parent || in_parent;
            const pf_init_column *c = &t->cols[ci];
            const char *g = cds[ci].gen;
            if (g == NULL && (c->identity || c->serial ||
                              (c->default_expr && (strstr(c->default_expr, "uuid") ||
                                                   strstr(c->default_expr, "random")))))
                ok = true;
            if (g == NULL && !c->not_null && key->n == 1)
                ok = true; /* NULLs do not collide */
            if (g && (pf_init_gen_is(g, "uuid") || pf_init_gen_is(g, "sequence") || strstr(g, "{$row}") ||
                      strcmp(g, "null") == 0))
                ok = true;
        }
        if (expr || ok)
            continue;
        if (has_parent && td->shape == PF_INIT_ONE_TO_ONE && key->n == pfk->n)
            continue; /* one row per parent */
        for (size_t a = 0; a < key->n; a++) {
            int ci = key->cols[a];
            const char *g = cds[ci].gen;
            if (has_parent && g && (strstr(g, "distinct_per_parent") || strstr(g, "{$child}")))
                ok = true;
        }
        if (ok)
            continue;
        /* pick a column to make vary */
        bool fixed = false;
        for (size_t a = 0; a < key->n && !fixed; a++) {
            int ci = key->cols[a];
            bool in_parent = false;
            for (size_t b = 0; pfk && b < pfk->n; b++)
                if (pfk->cols[b] == ci)
                    in_parent = true;
            if (in_parent)
                continue;
            pf_init_gen *cd = &cds[ci];
            /* a reference keeps pointing at real rows: only a ref can vary */
            if (fk_of(t, ci) >= 0 && !pf_init_gen_is(cd->gen, "ref"))
                continue;
            const pf_init_column *c = &t->cols[ci];
            char *why = NULL;
            if (has_parent && pf_init_gen_is(cd->gen, "ref")) {
                char *g = pf_init_gen_with_key(cd->gen, "\"distinct_per_parent\": true");
                free(cd->gen);
                cd->gen = g;
                why = pf_asprintf("%s; distinct per parent: (%s) is a key", cd->why, key->name);
                fixed = true;
            } else if (cd->tpl != NULL && c->kind == PF_INIT_TEXT) {
                char *tpl = pf_asprintf("%s %s", cd->tpl, has_parent ? "{$child}" : "{$row}");
                free(cd->gen);
                cd->gen = pf_init_gen_template(tpl);
                free(cd->tpl);
                cd->tpl = tpl;
                why = pf_asprintf("%s; with %s: %s is a unique key", cd->why,
                                  has_parent ? "{$child}" : "{$row}", key->name);
                fixed = true;
            } else if (c->kind == PF_INIT_INT) {
                free(cd->gen);
                cd->gen = has_parent ? pf_init_gen_template("{$child}") : pf_strdup("{\"gen\": \"sequence\"}");
                why = pf_asprintf("%s within the key %s", has_parent ? "0, 1, 2, ... per parent"
                                                                     : "1, 2, 3, ...",
                                  key->name);
                fixed = true;
            } else if (c->kind == PF_INIT_UUID) {
                free(cd->gen);
                cd->gen = pf_strdup(k_uuid_gen);
                why = pf_asprintf("a random UUID: %s is a unique key", key->name);
                fixed = true;
            }
            if (why) {
                free(cd->why);
                cd->why = why;
            }
        }
        if (!fixed) {
            size_t nt = strv_len(d->sp->todo);
            strv_push(&d->sp->todo, &nt,
                      pf_asprintf("%s: unique key %s may get duplicates: make one of its "
                                  "columns unique",
                                  t->spec_name, key->name));
        }
    }
}

static void draft_columns(drafter *d, size_t k)
{
    pf_init_table_draft *td = &d->sp->tables[k];
    const pf_init_table *t = &d->s->tables[td->table];
    pf_init_gen *cds = pf_calloc(t->n_cols + 1, sizeof *cds);
    bool events = td->shape == PF_INIT_EVENTS || (td->parent < 0 && pf_init_events_like(t));
    for (size_t ci = 0; ci < t->n_cols; ci++)
        draft_column(d, k, (int)ci, &cds[ci]);
    /* times: plain ones first, then those that follow another */
    for (int pass = 0; pass < 2; pass++)
        for (size_t ci = 0; ci < t->n_cols; ci++)
            if (cds[ci].time_class != PF_INIT_TC_NONE && (cds[ci].want_after != NULL) == (pass == 1))
                pf_init_gen_time(t, &t->cols[ci], cds, ci, events);
    fix_keys(d, k, cds);
    /* A column that follows one left to the database loses its "after"
     * (time_gen checked); keep every column in table order. */
    td->cols = pf_calloc(t->n_cols + 1, sizeof *td->cols);
    for (size_t ci = 0; ci < t->n_cols; ci++) {
        pf_init_col_draft *o = &td->cols[td->n_cols++];
        o->col = (int)ci;
        o->name = pf_strdup(t->cols[ci].name);
        o->gen = cds[ci].gen;
        o->why = cds[ci].why ? cds[ci].why : pf_strdup("");
        free(cds[ci].tpl);
        free(cds[ci].want_after);
    }
    free(cds);
}

/* ------------------------------------------------------------ the draft */

int pf_init_spec_draft(const pf_init_schema *s, const pf_init_spec_opts *o, pf_init_spec **out,
                       pf_error *err)
{
    *out = NULL;
    pf_init_spec *sp = pf_calloc(1, sizeof *sp);
    sp->s = s;
    sp->reference_date = pf_strdup(o->reference_date ? o->reference_date : "2026-01-01");
    sp->seed = o->seed ? o->seed : 1;
    sp->left_out = pf_calloc(1, sizeof *sp->left_out);
    sp->todo = pf_calloc(1, sizeof *sp->todo);
    drafter d = {s, o, sp, NULL, NULL, NULL, NULL};
    d.in = pf_calloc(s->n + 1, sizeof *d.in);
    d.pos = pf_calloc(s->n + 1, sizeof *d.pos);
    d.broken = pf_calloc(s->n + 1, sizeof *d.broken);
    for (size_t i = 0; i < s->n; i++) {
        d.pos[i] = -1;
        d.broken[i] = pf_calloc(s->tables[i].n_fks + 1, sizeof **d.broken);
    }
    select_tables(&d);
    int *order = NULL;
    size_t n = 0;
    order_tables(&d, &order, &n);
    int rc = 0;
    if (n == 0) {
        rc = pf_error_set(err, PF_EXIT_USAGE,
                          "no table to draft: the exposed schema%s (%s%s) ha%s no empty tables",
                          s->exposed[1] ? "s" : "", s->exposed[0], s->exposed[1] ? ", ..." : "",
                          s->exposed[1] ? "ve" : "s");
        free(order);
        goto done;
    }
    sp->tables = pf_calloc(n + 1, sizeof *sp->tables);
    sp->n = n;
    d.depth = pf_calloc(n + 1, sizeof *d.depth);
    for (size_t k = 0; k < n; k++) {
        sp->tables[k].table = order[k];
        sp->tables[k].parent = -1;
        sp->tables[k].parent_fk = -1;
        d.pos[order[k]] = (int)k;
    }
    free(order);
    for (size_t k = 0; k < n; k++)
        choose_parent(&d, k);
    count_rows(&d);
    for (size_t k = 0; k < n; k++)
        draft_columns(&d, k);
done:
    for (size_t i = 0; i < s->n; i++)
        free(d.broken[i]);
    free(d.broken);
    free(d.in);
    free(d.pos);
    free(d.depth);
    if (rc < 0) {
        pf_init_spec_free(sp);
        return -1;
    }
    *out = sp;
    return 0;
}

void pf_init_spec_free(pf_init_spec *sp)
{
    if (sp == NULL)
        return;
    for (size_t k = 0; k < sp->n; k++) {
        pf_init_table_draft *td = &sp->tables[k];
        free(td->weight);
        free(td->why_rows);
        free(td->why_parent);
        for (size_t c = 0; c < td->n_cols; c++) {
            free(td->cols[c].name);
            free(td->cols[c].gen);
            free(td->cols[c].why);
        }
        free(td->cols);
    }
    free(sp->tables);
    free(sp->reference_date);
    pf_strv_free(sp->left_out);
    pf_strv_free(sp->todo);
    free(sp);
}

int pf_init_spec_find(const pf_init_spec *sp, int table)
{
    for (size_t k = 0; k < sp->n; k++)
        if (sp->tables[k].table == table)
            return (int)k;
    return -1;
}

pf_init_col_draft *pf_init_spec_column(pf_init_spec *sp, size_t ti, const char *name)
{
    if (ti >= sp->n)
        return NULL;
    pf_init_table_draft *td = &sp->tables[ti];
    for (size_t c = 0; c < td->n_cols; c++)
        if (strcmp(td->cols[c].name, name) == 0)
            return &td->cols[c];
    return NULL;
}

void pf_init_spec_set(pf_init_col_draft *c, const char *gen, const char *why)
{
    free(c->gen);
    c->gen = gen ? pf_strdup(gen) : NULL;
    free(c->why);
    c->why = pf_strdup(why);
}

char *pf_init_spec_plain_gen(const pf_init_column *c)
{
    if (c->generated || c->identity || c->serial)
        return NULL;
    if (!c->not_null)
        return pf_strdup("null");
    if (c->default_expr != NULL)
        return NULL;
    /* an allowed value, always the same */
    char **values = c->choices ? c->choices : c->enum_values;
    if (values != NULL && values[0] != NULL && !c->array && !c->unique)
        return q(values[0]);
    const char *g = NULL;
    switch (c->kind) {
    case PF_INIT_TEXT:
        g = c->unique ? "{\"gen\": \"template\", \"template\": \"{$row}\"}"
                      : "{\"gen\": \"choice\", \"values\": [\"a\", \"b\", \"c\"]}";
        break;
    case PF_INIT_INT:
    case PF_INIT_FLOAT:
    case PF_INIT_NUMERIC:
        /* 1, 2, 3, ...: positive, and unique if it must be */
        g = "{\"gen\": \"sequence\"}";
        break;
    case PF_INIT_BOOL:
        g = "false";
        break;
    case PF_INIT_UUID:
        g = k_uuid_gen;
        break;
    case PF_INIT_DATE:
    case PF_INIT_TIMESTAMP:
        g = "{\"gen\": \"timestamp\", \"from\": \"-1y\", \"to\": \"0d\"}";
        break;
    case PF_INIT_JSON:
        g = "{\"gen\": \"json\", \"template\": {}}";
        break;
    default:
        return NULL;
    }
    if (c->array)
        return pf_asprintf("{\"gen\": \"array\", \"of\": %s, \"min\": 0, \"max\": 0}", g);
    return pf_strdup(g);
}

/* ------------------------------------------------------------ writing */

char *pf_init_spec_json(const pf_init_spec *sp, const char *name)
{
    pf_json_writer *w = pf_json_writer_new(PF_JSON_SPACES);
    pf_json_begin_object(w, NULL);
    pf_json_put_int(w, "format", 1);
    pf_json_put_string(w, "name", name);
    pf_json_put_string(w, "description",
                       "Drafted by perfgate init from the schema's catalog: every table, row "
                       "count and generator is a guess with its reason beside it (table "
                       "comments here, every column in perfgate-init.md). Review, adjust, "
                       "commit. Format: docs/dataset-spec.md.");
    pf_json_put_string(w, "reference_date", sp->reference_date);
    pf_json_put_int(w, "seed", (int64_t)sp->seed);
    pf_json_begin_array(w, "tables");
    for (size_t k = 0; k < sp->n; k++) {
        const pf_init_table_draft *td = &sp->tables[k];
        const pf_init_table *t = &sp->s->tables[td->table];
        pf_json_begin_object(w, NULL);
        pf_json_put_string(w, "table", t->spec_name);
        char *comment = td->why_parent ? pf_asprintf("rows %s; %s", td->why_rows, td->why_parent)
                                       : pf_asprintf("rows %s", td->why_rows);
        pf_json_put_string(w, "comment", comment);
        free(comment);
        pf_json_put_int(w, "rows", td->rows);
        if (td->parent >= 0) {
            const pf_init_table *pt = &sp->s->tables[sp->tables[td->parent].table];
            pf_json_begin_object(w, "parent");
            pf_json_put_string(w, "table", pt->spec_name);
            if (td->weight)
                pf_json_put_raw(w, "weight", td->weight);
            if (td->min > 0)
                pf_json_put_int(w, "min", td->min);
            pf_json_end(w);
        }
        pf_json_begin_object(w, "columns");
        size_t loaded = 0;
        for (size_t c = 0; c < td->n_cols; c++)
            if (td->cols[c].gen != NULL) {
                pf_json_put_raw(w, td->cols[c].name, td->cols[c].gen);
                loaded++;
            }
        if (loaded == 0) {
            /* a spec table needs a loaded column: the first that takes NULL
             * or a default gets an explicit one */
            pf_json_put_raw(w, td->cols[0].name, "null");
        }
        pf_json_end(w);
        pf_json_end(w);
    }
    pf_json_end(w);
    pf_json_end(w);
    return pf_json_writer_finish(w);
}

static const char *shape_name(pf_init_shape s)
{
    switch (s) {
    case PF_INIT_ROOT:
        return "top level";
    case PF_INIT_ONE_TO_ONE:
        return "one per parent";
    case PF_INIT_JUNCTION:
        return "membership";
    case PF_INIT_EVENTS:
        return "events";
    case PF_INIT_CHILDREN:
        return "children";
    }
    return "";
}

void pf_init_spec_notes(const pf_init_spec *sp, pf_buf *md)
{
    int64_t total = 0, biggest = 0;
    for (size_t k = 0; k < sp->n; k++) {
        total += sp->tables[k].rows;
        if (sp->tables[k].rows > biggest)
            biggest = sp->tables[k].rows;
    }
    char *tn = thousands(total);
    pf_buf_printf(md,
                  "## Data: dataset.json\n\n"
                  "%zu tables, %s rows at scale 1 (`--scale` multiplies every count), dates "
                  "relative to the reference date %s (the data's \"now\", fixed so the data "
                  "does not change from one day to the next), seed %llu. Tables are in "
                  "dependency order: parents before the tables that reference them.\n\n"
                  "| table | rows | shape | parent |\n|---|---:|---|---|\n",
                  sp->n, tn, sp->reference_date, (unsigned long long)sp->seed);
    free(tn);
    for (size_t k = 0; k < sp->n; k++) {
        const pf_init_table_draft *td = &sp->tables[k];
        const pf_init_table *t = &sp->s->tables[td->table];
        char *r = thousands(td->rows);
        pf_buf_printf(md, "| %s | %s | %s | %s |\n", t->spec_name, r, shape_name(td->shape),
                      td->parent >= 0 ? sp->s->tables[sp->tables[td->parent].table].spec_name
                                      : "");
        free(r);
    }
    if (sp->left_out[0] != NULL) {
        pf_buf_puts(md, "\nNot generated:\n\n");
        for (char **l = sp->left_out; *l; l++)
            pf_buf_printf(md, "- %s\n", *l);
    }
    if (sp->todo[0] != NULL) {
        pf_buf_puts(md, "\n**TODO** (the draft could not make these valid by itself):\n\n");
        for (char **l = sp->todo; *l; l++)
            pf_buf_printf(md, "- %s\n", *l);
    }
    for (size_t k = 0; k < sp->n; k++) {
        const pf_init_table_draft *td = &sp->tables[k];
        const pf_init_table *t = &sp->s->tables[td->table];
        pf_buf_printf(md, "\n### %s\n\n- rows: %s\n", t->spec_name, td->why_rows);
        if (td->why_parent)
            pf_buf_printf(md, "- parent: %s\n", td->why_parent);
        for (char **tg = t->triggers; tg && *tg; tg++)
            pf_buf_printf(md, "- trigger %s: not fired while loading (triggers are off); the "
                              "draft fills the tables it would fill itself\n",
                          *tg);
        for (size_t c = 0; c < td->n_cols; c++) {
            const pf_init_col_draft *cd = &td->cols[c];
            pf_buf_printf(md, "- `%s`: %s%s%s%s\n", cd->name, cd->gen ? "`" : "",
                          cd->gen ? cd->gen : "", cd->gen ? "` — " : "", cd->why);
        }
    }
}
