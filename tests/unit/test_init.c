/* perfgate init without a server: the parsers of what the catalog prints
 * (CHECK constraints, partition bounds, qualified calls), the generator
 * rules per column, and the three drafts (spec, RLS rules, cases) from a
 * hand-built schema of a chat app: the spec parses and generates, keys
 * stay unique, memberships hang off their parent, policies become rules
 * (ownership, membership through a copied SQL helper, TODO for the JWT),
 * and every drafted case parses. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dataset.h"
#include "fsutil.h"
#include "init_cases.h"
#include "init_catalog.h"
#include "init_gen.h"
#include "init_pss.h"
#include "init_rules.h"
#include "init_spec.h"
#include "prepare.h"
#include "registry.h"
#include "rls.h"
#include "testutil.h"

/* ------------------------------------------------------ CHECK parsing */

static pf_init_column *column(pf_init_kind kind)
{
    pf_init_column *c = pf_calloc(1, sizeof *c);
    c->name = pf_strdup("x");
    c->kind = kind;
    c->num_scale = -1;
    c->int_bytes = kind == PF_INIT_INT ? 4 : 0;
    return c;
}

static void column_free(pf_init_column *c)
{
    free(c->name);
    pf_strv_free(c->choices);
    pf_strv_free(c->regexes);
    free(c->after);
    free(c);
}

START_TEST(test_check_in_lists_become_choices)
{
    pf_init_column *c = column(PF_INIT_TEXT);
    ck_assert(pf_init_check_apply(
        "CHECK ((status = ANY (ARRAY['open'::text, 'it''s done'::text])))", c));
    ck_assert_ptr_nonnull(c->choices);
    ck_assert_str_eq(c->choices[0], "open");
    ck_assert_str_eq(c->choices[1], "it's done");
    ck_assert_ptr_null(c->choices[2]);
    column_free(c);
    /* varchar columns come back cast */
    c = column(PF_INIT_TEXT);
    ck_assert(pf_init_check_apply("CHECK (((kind)::text = ANY ((ARRAY['a'::character varying, "
                                  "'b'::character varying])::text[])))",
                                  c));
    ck_assert_str_eq(c->choices[1], "b");
    column_free(c);
    /* numbers, and a single value */
    c = column(PF_INIT_INT);
    ck_assert(pf_init_check_apply("CHECK ((level = ANY (ARRAY[1, 2, 3])))", c));
    ck_assert_str_eq(c->choices[2], "3");
    column_free(c);
    c = column(PF_INIT_TEXT);
    ck_assert(pf_init_check_apply("CHECK ((role = 'admin'::text))", c));
    ck_assert_str_eq(c->choices[0], "admin");
    column_free(c);
}
END_TEST

START_TEST(test_check_bounds_are_inclusive_and_typed)
{
    pf_init_column *c = column(PF_INIT_INT);
    ck_assert(pf_init_check_apply("CHECK ((quantity > 0))", c));
    ck_assert(c->has_min && !c->has_max);
    ck_assert(c->min == 1);
    column_free(c);
    c = column(PF_INIT_INT);
    ck_assert(pf_init_check_apply(
        "CHECK (((email_change_confirm_status >= 0) AND (email_change_confirm_status <= 2)))", c));
    ck_assert(c->min == 0 && c->max == 2);
    column_free(c);
    c = column(PF_INIT_NUMERIC);
    c->num_scale = 2;
    ck_assert(pf_init_check_apply("CHECK ((price > (0)::numeric))", c));
    ck_assert(c->min > 0.0099 && c->min < 0.0101);
    column_free(c);
    /* lengths, a regex, and NULL allowed around a bound */
    c = column(PF_INIT_TEXT);
    ck_assert(pf_init_check_apply(
        "CHECK (((char_length(name) >= 1) AND (char_length(name) <= 120)))", c));
    ck_assert_int_eq(c->len_min, 1);
    ck_assert_int_eq(c->len_max, 120);
    column_free(c);
    c = column(PF_INIT_TEXT);
    ck_assert(pf_init_check_apply("CHECK ((username ~ '^[A-Za-z0-9_]{3,32}$'::text))", c));
    ck_assert_str_eq(c->regexes[0], "^[A-Za-z0-9_]{3,32}$");
    column_free(c);
    c = column(PF_INIT_INT);
    ck_assert(pf_init_check_apply("CHECK (((page_count IS NULL) OR (page_count >= 0)))", c));
    ck_assert(c->has_min && c->min == 0);
    column_free(c);
    /* a date bound is understood (the drafted windows lie inside it) */
    c = column(PF_INIT_DATE);
    ck_assert(pf_init_check_apply("CHECK ((date_of_birth > '1900-01-01'::date))", c));
    column_free(c);
}
END_TEST

START_TEST(test_checks_it_cannot_read_are_reported_as_such)
{
    pf_init_column *c = column(PF_INIT_TEXT);
    ck_assert(!pf_init_check_apply("CHECK ((lower(email) = email))", c));
    column_free(c);
    c = column(PF_INIT_INT);
    ck_assert(!pf_init_check_apply("CHECK ((is_even(n)))", c));
    column_free(c);
}
END_TEST

START_TEST(test_two_column_checks_give_the_order_of_times)
{
    char *later = NULL, *earlier = NULL;
    ck_assert(pf_init_check_order("CHECK (((ended_at IS NULL) OR (ended_at >= started_at)))",
                                  &later, &earlier));
    ck_assert_str_eq(later, "ended_at");
    ck_assert_str_eq(earlier, "started_at");
    free(later);
    free(earlier);
    ck_assert(pf_init_check_order("CHECK ((valid_from < valid_until))", &later, &earlier));
    ck_assert_str_eq(later, "valid_until");
    ck_assert_str_eq(earlier, "valid_from");
    free(later);
    free(earlier);
    ck_assert(!pf_init_check_order("CHECK (((a + b) > c))", &later, &earlier));
    ck_assert_ptr_null(later);
    ck_assert(!pf_init_check_order("CHECK ((a > 0))", &later, &earlier));
}
END_TEST

START_TEST(test_partition_bounds_become_iso_times)
{
    char *t = pf_init_bound_time("2023-01-01 00:00:00+00");
    ck_assert_str_eq(t, "2023-01-01T00:00:00Z");
    free(t);
    t = pf_init_bound_time("2024-06-30");
    ck_assert_str_eq(t, "2024-06-30");
    free(t);
    t = pf_init_bound_time("2023-01-01 12:30:00.25+00");
    ck_assert_str_eq(t, "2023-01-01T12:30:00Z");
    free(t);
    ck_assert_ptr_null(pf_init_bound_time("2023-01-01 00:00:00+02"));
    ck_assert_ptr_null(pf_init_bound_time("MINVALUE"));
}
END_TEST

START_TEST(test_qualified_calls_skip_literals_and_repeat_once)
{
    char **calls = pf_init_qualified_calls(
        "(id IN ( SELECT public.channel_ids_of(( SELECT auth.uid() AS uid)) AS c)) OR "
        "(note = 'public.fake(1)') OR public.channel_ids_of(x) OR \"Odd\".\"Fn\"(1)");
    ck_assert_str_eq(calls[0], "public.channel_ids_of");
    ck_assert_str_eq(calls[1], "auth.uid");
    ck_assert_str_eq(calls[2], "Odd.Fn");
    ck_assert_ptr_null(calls[3]);
    pf_strv_free(calls);
    char *r = pf_init_sql_rename_call("public.f(1) + xpublic.f(2) + 'public.f(3)' + public.f(4)",
                                      "public.f", "pg_temp.f");
    ck_assert_str_eq(r, "pg_temp.f(1) + xpublic.f(2) + 'public.f(3)' + pg_temp.f(4)");
    free(r);
}
END_TEST

/* ---------------------------------------------------- column generators */

START_TEST(test_text_generators_follow_name_uniqueness_and_length)
{
    pf_init_table t;
    memset(&t, 0, sizeof t);
    t.name = "accounts";
    pf_init_column *c = column(PF_INIT_TEXT);
    free(c->name);
    c->name = pf_strdup("email");
    pf_init_gen g;
    memset(&g, 0, sizeof g);
    pf_init_gen_text(&t, c, &g);
    ck_assert_ptr_nonnull(strstr(g.gen, "@example.test"));
    ck_assert_ptr_nonnull(strstr(g.gen, "{$row}"));
    ck_assert_ptr_nonnull(strstr(g.gen, "\"null_fraction\": 0.1")); /* nullable */
    free(g.gen);
    free(g.why);
    free(g.tpl);
    /* a unique word column gets the row number; a tight limit a shorter value */
    free(c->name);
    c->name = pf_strdup("nickname_hint");
    c->unique = true;
    c->not_null = true;
    memset(&g, 0, sizeof g);
    pf_init_gen_text(&t, c, &g);
    ck_assert_ptr_nonnull(strstr(g.gen, "{$row}"));
    ck_assert_ptr_null(strstr(g.gen, "null_fraction"));
    free(g.gen);
    free(g.why);
    free(g.tpl);
    c->unique = false;
    c->max_len = 2;
    free(c->name);
    c->name = pf_strdup("description");
    memset(&g, 0, sizeof g);
    pf_init_gen_text(&t, c, &g);
    ck_assert_str_eq(g.gen, "{\"gen\": \"choice\", \"values\": [\"a\", \"b\", \"c\"]}");
    free(g.gen);
    free(g.why);
    free(g.tpl);
    /* a regex CHECK: the first candidate that passed it */
    c->max_len = 0;
    c->regexes = pf_calloc(2, sizeof *c->regexes);
    c->regexes[0] = pf_strdup("^[a-z0-9-]+$");
    c->regex_ok = 1u << 2; /* item-{$row} */
    memset(&g, 0, sizeof g);
    pf_init_gen_text(&t, c, &g);
    ck_assert_str_eq(g.gen, pf_init_text_candidates[2].gen);
    free(g.gen);
    free(g.why);
    free(g.tpl);
    column_free(c);
}
END_TEST

START_TEST(test_numbers_stay_within_check_bounds_and_type)
{
    pf_init_column *c = column(PF_INIT_INT);
    free(c->name);
    c->name = pf_strdup("quantity");
    c->not_null = true;
    c->has_min = true;
    c->min = 1;
    pf_init_gen g;
    memset(&g, 0, sizeof g);
    pf_init_gen_int(c, &g);
    ck_assert_str_eq(g.gen, "{\"gen\": \"int\", \"dist\": \"zipf\", \"s\": 1.5, \"min\": 1, "
                            "\"max\": 50}");
    free(g.gen);
    free(g.why);
    c->has_max = true;
    c->max = 5;
    free(c->name);
    c->name = pf_strdup("n");
    c->int_bytes = 2;
    memset(&g, 0, sizeof g);
    pf_init_gen_int(c, &g);
    ck_assert_str_eq(g.gen, "{\"gen\": \"int\", \"dist\": \"uniform\", \"min\": 1, \"max\": 5}");
    free(g.gen);
    free(g.why);
    column_free(c);
    c = column(PF_INIT_NUMERIC);
    c->num_scale = 2;
    c->num_digits = 3; /* numeric(5,2): below 1000 */
    c->not_null = true;
    memset(&g, 0, sizeof g);
    pf_init_gen_float(c, &g);
    ck_assert_str_eq(g.gen, "{\"gen\": \"float\", \"dist\": \"uniform\", \"min\": 0, \"max\": "
                            "999.99, \"decimals\": 2}");
    free(g.gen);
    free(g.why);
    column_free(c);
}
END_TEST

START_TEST(test_time_columns_by_name)
{
    pf_init_table t;
    memset(&t, 0, sizeof t);
    t.name = "grants";
    t.part_col = -1;
    static const struct {
        const char *name;
        pf_init_time_class want;
    } k[] = {
        {"expires_at", PF_INIT_TC_FUTURE}, {"valid_until", PF_INIT_TC_FUTURE},
        {"deleted_at", PF_INIT_TC_RARE},   {"updated_at", PF_INIT_TC_UPDATED},
        {"created_at", PF_INIT_TC_CREATED}, {"date_of_birth", PF_INIT_TC_BIRTH},
        {"last_seen_at", PF_INIT_TC_LAST}, {"accepted_at", PF_INIT_TC_SOMETIMES},
        {"happened", PF_INIT_TC_PAST},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        pf_init_column *c = column(PF_INIT_TIMESTAMP);
        free(c->name);
        c->name = pf_strdup(k[i].name);
        const char *why = NULL;
        ck_assert_msg(pf_init_time_class_of(&t, c, false, &why) == k[i].want, "%s", k[i].name);
        ck_assert_ptr_nonnull(why);
        column_free(c);
    }
}
END_TEST

/* ------------------------------------------------ a hand-built schema */

static int add_table(pf_init_schema *s, const char *schema, const char *name)
{
    s->tables = pf_realloc(s->tables, (s->n + 1) * sizeof *s->tables);
    pf_init_table *t = &s->tables[s->n];
    memset(t, 0, sizeof *t);
    t->schema = pf_strdup(schema);
    t->name = pf_strdup(name);
    t->qname = pf_asprintf("%s.%s", schema, name);
    t->spec_name = strcmp(schema, "public") == 0 ? pf_strdup(name)
                                                 : pf_asprintf("%s.%s", schema, name);
    t->exposed = strcmp(schema, "public") == 0;
    t->part_col = -1;
    t->can_select = t->can_insert = t->can_update = t->can_delete = true;
    if (strcmp(schema, "auth") == 0 && strcmp(name, "users") == 0)
        s->auth_users = (int)s->n;
    return (int)s->n++;
}

static int add_col(pf_init_schema *s, int ti, const char *name, pf_init_kind kind, bool not_null)
{
    pf_init_table *t = &s->tables[ti];
    t->cols = pf_realloc(t->cols, (t->n_cols + 1) * sizeof *t->cols);
    pf_init_column *c = &t->cols[t->n_cols];
    memset(c, 0, sizeof *c);
    c->name = pf_strdup(name);
    c->ident = pf_strdup(name);
    c->type = pf_strdup(kind == PF_INIT_TEXT ? "text" : "other");
    c->kind = kind;
    c->not_null = not_null;
    c->num_scale = -1;
    c->int_bytes = kind == PF_INIT_INT ? 8 : 0;
    return (int)t->n_cols++;
}

static int colx(const pf_init_schema *s, int ti, const char *name)
{
    int ci = pf_init_column_find(&s->tables[ti], name);
    ck_assert_msg(ci >= 0, "no column %s", name);
    return ci;
}

static void add_key(pf_init_schema *s, int ti, bool primary, const char *a, const char *b)
{
    pf_init_table *t = &s->tables[ti];
    t->keys = pf_realloc(t->keys, (t->n_keys + 1) * sizeof *t->keys);
    pf_init_key *k = &t->keys[t->n_keys++];
    memset(k, 0, sizeof *k);
    k->name = pf_asprintf("%s_%s_key", t->name, a);
    k->n = b ? 2 : 1;
    k->cols = pf_calloc(3, sizeof *k->cols);
    k->cols[0] = colx(s, ti, a);
    if (b)
        k->cols[1] = colx(s, ti, b);
    k->primary = primary;
    for (size_t i = 0; i < k->n; i++) {
        if (primary)
            t->cols[k->cols[i]].pk = true;
        if (k->n == 1)
            t->cols[k->cols[i]].unique = true;
    }
    t->indexes = pf_realloc(t->indexes, (t->n_indexes + 1) * sizeof *t->indexes);
    pf_init_index *x = &t->indexes[t->n_indexes++];
    memset(x, 0, sizeof *x);
    x->name = pf_strdup(k->name);
    x->n = k->n;
    x->cols = pf_calloc(3, sizeof *x->cols);
    memcpy(x->cols, k->cols, k->n * sizeof *k->cols);
}

static void add_index(pf_init_schema *s, int ti, const char *name, const char *a, const char *b,
                      const char *pred)
{
    pf_init_table *t = &s->tables[ti];
    t->indexes = pf_realloc(t->indexes, (t->n_indexes + 1) * sizeof *t->indexes);
    pf_init_index *x = &t->indexes[t->n_indexes++];
    memset(x, 0, sizeof *x);
    x->name = pf_strdup(name);
    x->n = 2;
    x->cols = pf_calloc(3, sizeof *x->cols);
    x->cols[0] = colx(s, ti, a);
    x->cols[1] = colx(s, ti, b);
    x->partial = pred != NULL;
    x->pred = pred ? pf_strdup(pred) : NULL;
}

static void add_fk(pf_init_schema *s, int ti, const char *col, int ref, const char *refcol)
{
    pf_init_table *t = &s->tables[ti];
    t->fks = pf_realloc(t->fks, (t->n_fks + 1) * sizeof *t->fks);
    pf_init_fk *f = &t->fks[t->n_fks++];
    memset(f, 0, sizeof *f);
    f->name = pf_asprintf("%s_%s_fkey", t->name, col);
    f->n = 1;
    f->cols = pf_calloc(2, sizeof *f->cols);
    f->ref_cols = pf_calloc(2, sizeof *f->ref_cols);
    f->cols[0] = colx(s, ti, col);
    f->ref = ref;
    f->ref_cols[0] = colx(s, ref, refcol);
}

static void add_policy(pf_init_schema *s, int ti, const char *name, char cmd, const char *use,
                       const char *check)
{
    pf_init_table *t = &s->tables[ti];
    t->rls = true;
    t->pols = pf_realloc(t->pols, (t->n_pols + 1) * sizeof *t->pols);
    pf_init_policy *p = &t->pols[t->n_pols++];
    memset(p, 0, sizeof *p);
    p->name = pf_strdup(name);
    p->cmd = cmd;
    p->permissive = true;
    p->to_authenticated = true;
    p->roles = pf_strdup("authenticated");
    p->using_expr = use ? pf_strdup(use) : NULL;
    p->check_expr = check ? pf_strdup(check) : NULL;
}

static char **strv(const char *a, const char *b)
{
    char **v = pf_calloc(3, sizeof *v);
    v[0] = pf_strdup(a);
    v[1] = b ? pf_strdup(b) : NULL;
    return v;
}

#define UID "( SELECT auth.uid() AS uid)"
#define MEMBER "(channel_id IN ( SELECT public.channel_ids_of(" UID ") AS channel_ids_of))"

/* A chat app: users, their channels, memberships, messages, profiles,
 * private notes, and a table whose policy reads the JWT. */
static pf_init_schema *chat_schema(void)
{
    pf_init_schema *s = pf_calloc(1, sizeof *s);
    s->auth_users = -1;
    s->fresh = true;
    s->exposed = strv("public", NULL);
    int u = add_table(s, "auth", "users");
    add_col(s, u, "id", PF_INIT_UUID, true);
    add_col(s, u, "email", PF_INIT_TEXT, false);
    add_col(s, u, "created_at", PF_INIT_TIMESTAMP, false);
    add_key(s, u, true, "id", NULL);

    int ch = add_table(s, "public", "channels");
    add_col(s, ch, "id", PF_INIT_UUID, true);
    int slug = add_col(s, ch, "slug", PF_INIT_TEXT, true);
    (void)slug;
    add_col(s, ch, "name", PF_INIT_TEXT, true);
    int kind = add_col(s, ch, "kind", PF_INIT_ENUM, true);
    s->tables[ch].cols[kind].enum_values = strv("public", "private");
    add_col(s, ch, "created_by", PF_INIT_UUID, true);
    add_col(s, ch, "created_at", PF_INIT_TIMESTAMP, true);
    add_key(s, ch, true, "id", NULL);
    add_key(s, ch, false, "slug", NULL);
    add_fk(s, ch, "created_by", u, "id");
    add_policy(s, ch, "visible channels", 'r',
               "((kind = 'public'::public.channel_kind) OR (id IN ( SELECT "
               "public.channel_ids_of(" UID ") AS channel_ids_of)))",
               NULL);

    int m = add_table(s, "public", "channel_members");
    add_col(s, m, "channel_id", PF_INIT_UUID, true);
    add_col(s, m, "user_id", PF_INIT_UUID, true);
    int role = add_col(s, m, "role", PF_INIT_TEXT, true);
    s->tables[m].cols[role].choices = strv("admin", "member");
    add_col(s, m, "joined_at", PF_INIT_TIMESTAMP, true);
    add_key(s, m, true, "channel_id", "user_id");
    add_fk(s, m, "channel_id", ch, "id");
    add_fk(s, m, "user_id", u, "id");
    add_policy(s, m, "members see members", 'r', MEMBER, NULL);
    add_policy(s, m, "mark read", 'w', "(user_id = " UID ")", NULL);

    int msg = add_table(s, "public", "messages");
    int id = add_col(s, msg, "id", PF_INIT_INT, true);
    s->tables[msg].cols[id].identity = true;
    add_col(s, msg, "channel_id", PF_INIT_UUID, true);
    add_col(s, msg, "user_id", PF_INIT_UUID, true);
    add_col(s, msg, "body", PF_INIT_TEXT, true);
    add_col(s, msg, "reply_to", PF_INIT_INT, false);
    add_col(s, msg, "created_at", PF_INIT_TIMESTAMP, true);
    int edited = add_col(s, msg, "edited_at", PF_INIT_TIMESTAMP, false);
    s->tables[msg].cols[edited].after = pf_strdup("created_at");
    add_col(s, msg, "deleted_at", PF_INIT_TIMESTAMP, false);
    add_key(s, msg, true, "id", NULL);
    add_fk(s, msg, "channel_id", ch, "id");
    add_fk(s, msg, "user_id", u, "id");
    add_fk(s, msg, "reply_to", msg, "id");
    add_index(s, msg, "messages_live_idx", "channel_id", "created_at", "(deleted_at IS NULL)");
    add_policy(s, msg, "members read", 'r', MEMBER, NULL);
    add_policy(s, msg, "members post", 'a', NULL, "((user_id = " UID ") AND " MEMBER ")");

    int p = add_table(s, "public", "profiles");
    add_col(s, p, "id", PF_INIT_UUID, true);
    int un = add_col(s, p, "username", PF_INIT_TEXT, true);
    s->tables[p].cols[un].regexes = strv("^[A-Za-z0-9_]{3,32}$", NULL);
    s->tables[p].cols[un].regex_ok = 1u; /* {first_name}_{$row} */
    add_col(s, p, "updated_at", PF_INIT_TIMESTAMP, true);
    add_key(s, p, true, "id", NULL);
    add_key(s, p, false, "username", NULL);
    add_fk(s, p, "id", u, "id");
    add_policy(s, p, "everyone reads", 'r', "true", NULL);
    add_policy(s, p, "own profile", 'w', "(id = " UID ")", "(id = " UID ")");

    int n = add_table(s, "public", "notes");
    add_col(s, n, "id", PF_INIT_UUID, true);
    add_col(s, n, "owner_id", PF_INIT_UUID, true);
    add_col(s, n, "title", PF_INIT_TEXT, true);
    add_col(s, n, "created_at", PF_INIT_TIMESTAMP, true);
    add_key(s, n, true, "id", NULL);
    add_fk(s, n, "owner_id", u, "id");
    add_index(s, n, "notes_owner_created", "owner_id", "created_at", NULL);
    add_policy(s, n, "own notes", 'r', "(owner_id = " UID ")", NULL);

    int o = add_table(s, "public", "org_docs");
    add_col(s, o, "id", PF_INIT_UUID, true);
    add_col(s, o, "org", PF_INIT_TEXT, true);
    add_key(s, o, true, "id", NULL);
    add_policy(s, o, "org docs", 'r', "(org = (( SELECT auth.jwt() AS jwt) ->> 'org'::text))",
               NULL);

    s->funcs = pf_calloc(1, sizeof *s->funcs);
    s->n_funcs = 1;
    pf_init_function *f = &s->funcs[0];
    f->schema = pf_strdup("public");
    f->name = pf_strdup("channel_ids_of");
    f->signature = pf_strdup("public.channel_ids_of(uuid)");
    f->language = pf_strdup("sql");
    f->args = pf_strdup("p_user_id uuid");
    f->result = pf_strdup("SETOF uuid");
    f->body = pf_strdup(" select m.channel_id from public.channel_members m where m.user_id = "
                        "p_user_id ");
    f->def = pf_strdup("");
    f->volatility = 's';
    return s;
}

static const pf_init_table_draft *draft_of(const pf_init_spec *sp, const char *name)
{
    for (size_t k = 0; k < sp->n; k++)
        if (strcmp(sp->s->tables[sp->tables[k].table].spec_name, name) == 0)
            return &sp->tables[k];
    ck_abort_msg("no table %s in the draft", name);
    return NULL;
}

static const char *gen_of(const pf_init_spec *sp, const char *table, const char *col)
{
    const pf_init_table_draft *td = draft_of(sp, table);
    for (size_t c = 0; c < td->n_cols; c++)
        if (strcmp(td->cols[c].name, col) == 0)
            return td->cols[c].gen ? td->cols[c].gen : "(none)";
    ck_abort_msg("no column %s.%s", table, col);
    return NULL;
}

static int pos_of(const pf_init_spec *sp, const char *name)
{
    return (int)(draft_of(sp, name) - sp->tables);
}

static pf_init_spec *draft(const pf_init_schema *s, int64_t rows)
{
    pf_init_spec_opts o = {"2026-01-01", rows, 7};
    pf_init_spec *sp = NULL;
    pf_error e;
    ck_assert_msg(pf_init_spec_draft(s, &o, &sp, &e) == 0, "%s", e.msg);
    return sp;
}

START_TEST(test_spec_puts_parents_first_and_nests_children)
{
    pf_init_schema *s = chat_schema();
    pf_init_spec *sp = draft(s, 0);
    ck_assert_int_eq(pos_of(sp, "auth.users"), 0);
    ck_assert_int_lt(pos_of(sp, "channels"), pos_of(sp, "channel_members"));
    ck_assert_int_lt(pos_of(sp, "channel_members"), pos_of(sp, "messages"));
    /* memberships: under the channel, every channel one at least, users
     * distinct per channel (they form the key) */
    const pf_init_table_draft *m = draft_of(sp, "channel_members");
    ck_assert_int_eq(m->shape, PF_INIT_JUNCTION);
    ck_assert_int_eq(m->parent, pos_of(sp, "channels"));
    ck_assert_int_eq(m->min, 1);
    ck_assert_str_eq(gen_of(sp, "channel_members", "user_id"),
                     "{\"gen\": \"ref\", \"table\": \"auth.users\", \"column\": \"id\", "
                     "\"distinct_per_parent\": true}");
    /* messages: events of a channel, heavy-tailed, written by its members */
    const pf_init_table_draft *msg = draft_of(sp, "messages");
    ck_assert_int_eq(msg->shape, PF_INIT_EVENTS);
    ck_assert_ptr_nonnull(strstr(msg->weight, "lognormal"));
    ck_assert_str_eq(gen_of(sp, "messages", "channel_id"),
                     "{\"gen\": \"parent\", \"column\": \"id\"}");
    ck_assert_str_eq(gen_of(sp, "messages", "user_id"),
                     "{\"gen\": \"sibling\", \"table\": \"channel_members\", \"column\": "
                     "\"user_id\"}");
    ck_assert_str_eq(gen_of(sp, "messages", "reply_to"), "null");
    /* referenced by itself: perfgate makes the identity keys */
    ck_assert_str_eq(gen_of(sp, "messages", "id"), "{\"gen\": \"sequence\"}");
    ck_assert_ptr_nonnull(strstr(gen_of(sp, "messages", "edited_at"), "\"after\": \"created_at\""));
    ck_assert_ptr_nonnull(strstr(gen_of(sp, "messages", "deleted_at"), "\"null_fraction\": 0.95"));
    /* one profile per user, by the primary key */
    const pf_init_table_draft *p = draft_of(sp, "profiles");
    ck_assert_int_eq(p->shape, PF_INIT_ONE_TO_ONE);
    ck_assert_int_eq(p->rows, draft_of(sp, "auth.users")->rows);
    ck_assert_str_eq(gen_of(sp, "profiles", "username"), pf_init_text_candidates[0].gen);
    ck_assert_str_eq(gen_of(sp, "channels", "kind"),
                     "{\"gen\": \"choice\", \"values\": [\"public\", \"private\"]}");
    ck_assert_ptr_nonnull(strstr(gen_of(sp, "channels", "slug"), "{$row}"));
    /* every guess says why */
    for (size_t k = 0; k < sp->n; k++) {
        ck_assert_ptr_nonnull(sp->tables[k].why_rows);
        for (size_t c = 0; c < sp->tables[k].n_cols; c++)
            ck_assert_msg(sp->tables[k].cols[c].why && sp->tables[k].cols[c].why[0],
                          "no reason for %s", sp->tables[k].cols[c].name);
    }
    pf_init_spec_free(sp);
    pf_init_schema_free(s);
}
END_TEST

START_TEST(test_spec_parses_generates_and_is_deterministic)
{
    pf_init_schema *s = chat_schema();
    pf_init_spec *sp = draft(s, 0);
    char *a = pf_init_spec_json(sp, "chat");
    pf_init_spec_free(sp);
    sp = draft(s, 0);
    char *b = pf_init_spec_json(sp, "chat");
    ck_assert_str_eq(a, b);
    pf_dataset *ds = NULL;
    pf_error e;
    ck_assert_msg(pf_dataset_parse("dataset.json", a, &ds, &e) == 0, "%s\n%s", e.msg, a);
    /* generating every row (no server) finds no broken reference */
    pf_prepare_opts po;
    pf_prepare_opts_init(&po);
    po.dataset = ds;
    po.load = false;
    po.scale = 0.1;
    pf_prepare_result r;
    memset(&r, 0, sizeof r);
    ck_assert_msg(pf_prepare_run(NULL, &po, &r, &e) == 0, "%s", e.msg);
    ck_assert_int_gt((int)r.seed.rows, 1000);
    pf_prepare_result_dispose(&r);
    pf_dataset_free(ds);
    /* notes mention every table */
    pf_buf md = PF_BUF_INIT;
    pf_init_spec_notes(sp, &md);
    ck_assert_ptr_nonnull(strstr(pf_buf_str(&md), "### channel_members"));
    ck_assert_ptr_nonnull(strstr(pf_buf_str(&md), "`user_id`: `{\"gen\": \"sibling\""));
    pf_buf_dispose(&md);
    free(a);
    free(b);
    pf_init_spec_free(sp);
    pf_init_schema_free(s);
}
END_TEST

START_TEST(test_rows_option_sets_the_biggest_table)
{
    pf_init_schema *s = chat_schema();
    pf_init_spec *sp = draft(s, 4000);
    int64_t max = 0;
    for (size_t k = 0; k < sp->n; k++)
        if (sp->tables[k].rows > max)
            max = sp->tables[k].rows;
    ck_assert_int_eq(max, 4000);
    ck_assert_int_eq(draft_of(sp, "messages")->rows, 4000);
    ck_assert_int_eq(draft_of(sp, "profiles")->rows, draft_of(sp, "auth.users")->rows);
    pf_init_spec_free(sp);
    pf_init_schema_free(s);
}
END_TEST

START_TEST(test_a_table_with_rows_after_the_migrations_is_left_out)
{
    pf_init_schema *s = chat_schema();
    int ch = pf_init_table_find(s, "public", "channels");
    s->tables[ch].rows = 3;
    int m = pf_init_table_find(s, "public", "channel_members");
    s->tables[m].fks[0].ref_values = strv("c1", "c2");
    pf_init_spec *sp = draft(s, 0);
    ck_assert_int_eq(pf_init_spec_find(sp, ch), -1);
    ck_assert_ptr_nonnull(strstr(sp->left_out[0], "channels: holds 3 rows"));
    ck_assert_str_eq(gen_of(sp, "channel_members", "channel_id"),
                     "{\"gen\": \"choice\", \"values\": [\"c1\", \"c2\"]}");
    /* two channels cannot make (channel_id, user_id) unique per user: said */
    ck_assert_ptr_nonnull(sp->todo[0]);
    ck_assert_ptr_nonnull(strstr(sp->todo[0], "channel_members: unique key"));
    pf_init_spec_free(sp);
    pf_init_schema_free(s);
}
END_TEST

START_TEST(test_policies_become_ownership_membership_or_todo_rules)
{
    pf_init_schema *s = chat_schema();
    pf_init_spec *sp = draft(s, 0);
    pf_init_rules *r = NULL;
    pf_init_rules_draft(s, sp, &r);
    const pf_init_table_rules *notes =
        pf_init_rules_find(r, pf_init_table_find(s, "public", "notes"));
    ck_assert_str_eq(notes->read, "owner_id = :uid");
    ck_assert_int_eq(notes->read_kind, PF_INIT_RULE_OWNERSHIP);
    ck_assert_str_eq(notes->owner_col, "owner_id");
    const pf_init_table_rules *msg =
        pf_init_rules_find(r, pf_init_table_find(s, "public", "messages"));
    ck_assert_int_eq(msg->read_kind, PF_INIT_RULE_MEMBERSHIP);
    ck_assert_str_eq(msg->read,
                     "channel_id IN ( SELECT pg_temp.channel_ids_of(:uid) AS channel_ids_of)");
    ck_assert_str_eq(msg->insert, "(user_id = :uid) AND (channel_id IN ( SELECT "
                                  "pg_temp.channel_ids_of(:uid) AS channel_ids_of))");
    ck_assert_ptr_null(msg->update);
    /* an UPDATE must first find the row: the read rule joins the update one */
    const pf_init_table_rules *mem =
        pf_init_rules_find(r, pf_init_table_find(s, "public", "channel_members"));
    ck_assert_str_eq(mem->update, "(user_id = :uid) AND (channel_id IN ( SELECT "
                                  "pg_temp.channel_ids_of(:uid) AS channel_ids_of))");
    ck_assert_str_eq(mem->insert, "false");
    const pf_init_table_rules *prof =
        pf_init_rules_find(r, pf_init_table_find(s, "public", "profiles"));
    ck_assert_str_eq(prof->read, "true");
    ck_assert_str_eq(prof->update, "id = :uid");
    /* the JWT cannot be known: a TODO that fails with its name */
    const pf_init_table_rules *org =
        pf_init_rules_find(r, pf_init_table_find(s, "public", "org_docs"));
    ck_assert_int_eq(org->read_kind, PF_INIT_RULE_TODO);
    ck_assert_ptr_nonnull(strstr(org->read, "pg_temp.perfgate_todo('tables.org_docs.read: "));
    ck_assert_ptr_nonnull(strstr(org->read, "auth.jwt()"));
    ck_assert_int_eq((int)r->n_todo, 1);
    /* the helper is copied once, into pg_temp */
    char *sql = pf_init_rules_sql(r);
    ck_assert_ptr_nonnull(strstr(sql, "CREATE FUNCTION pg_temp.channel_ids_of(p_user_id uuid)"));
    ck_assert_ptr_null(strstr(strstr(sql, "pg_temp.channel_ids_of(") + 1,
                              "CREATE FUNCTION pg_temp.channel_ids_of("));
    ck_assert_ptr_nonnull(strstr(sql, "CREATE FUNCTION pg_temp.perfgate_todo(what text)"));
    /* identities: users from the biggest ownership table, anon, service_role */
    ck_assert_int_eq((int)r->n_ids, 5);
    ck_assert_str_eq(r->ids[0].name, "user");
    ck_assert_ptr_nonnull(strstr(r->ids[0].sql, "FROM public.notes"));
    ck_assert_str_eq(r->ids[3].role, "anon");
    ck_assert_str_eq(r->ids[4].role, "service_role");
    ck_assert(!r->force_rls);
    /* the file parses as an RLS rules file */
    char *dir = pf_test_tmpdir();
    free(pf_test_write(dir, "rls.sql", sql));
    char *json = pf_init_rules_json(r, s, "rls.sql");
    char *path = pf_test_write(dir, "rls.json", json);
    pf_rls_rules rules;
    pf_error e;
    ck_assert_msg(pf_rls_rules_load(path, &rules, &e) == 0, "%s\n%s", e.msg, json);
    ck_assert_ptr_nonnull(pf_rls_rules_find(&rules, "public.org_docs"));
    pf_rls_rules_dispose(&rules);
    pf_rmtree(dir, &e);
    free(dir);
    free(path);
    free(json);
    free(sql);
    pf_init_rules_free(r);
    pf_init_spec_free(sp);
    pf_init_schema_free(s);
}
END_TEST

START_TEST(test_helpers_that_are_not_sql_make_a_todo)
{
    pf_init_schema *s = chat_schema();
    free(s->funcs[0].language);
    s->funcs[0].language = pf_strdup("plpgsql");
    bool m = false;
    char *why = NULL;
    char **helpers = pf_calloc(1, sizeof *helpers);
    char *t = pf_init_rule_translate(s, MEMBER, &helpers, &m, &why);
    ck_assert_ptr_null(t);
    ck_assert_ptr_nonnull(strstr(why, "LANGUAGE plpgsql"));
    free(why);
    /* a helper that reads the session is not copied either */
    free(s->funcs[0].language);
    s->funcs[0].language = pf_strdup("sql");
    free(s->funcs[0].body);
    s->funcs[0].body = pf_strdup("select 1 where auth.uid() is not null");
    t = pf_init_rule_translate(s, MEMBER, &helpers, &m, &why);
    ck_assert_ptr_null(t);
    ck_assert_ptr_nonnull(strstr(why, "auth.uid()"));
    free(why);
    t = pf_init_rule_translate(s, "(( SELECT auth.role() AS role) = 'authenticated'::text)",
                               &helpers, &m, &why);
    ck_assert_str_eq(t, "('authenticated'::text = 'authenticated'::text)");
    free(t);
    ck_assert_ptr_null(helpers[0]);
    pf_strv_free(helpers);
    pf_init_schema_free(s);
}
END_TEST

START_TEST(test_cases_parse_and_say_why)
{
    pf_init_schema *s = chat_schema();
    pf_init_spec *sp = draft(s, 0);
    pf_init_rules *r = NULL;
    pf_init_rules_draft(s, sp, &r);
    pf_init_cases *cs = NULL;
    pf_init_cases_draft(s, sp, r, &cs);
    ck_assert_int_gt((int)cs->n, 3);
    bool page = false, owned = false;
    for (size_t i = 0; i < cs->n; i++) {
        char *path = pf_asprintf("bench/%s/%s.sql", cs->v[i].group, cs->v[i].name);
        pf_case c;
        pf_error e;
        ck_assert_msg(pf_registry_parse_case(path, cs->v[i].text, cs->v[i].group, &c, &e) == 0,
                      "%s\n%s", e.msg, cs->v[i].text);
        ck_assert_ptr_nonnull(strstr(cs->v[i].text, "-- * "));
        if (strcmp(c.name, "messages_newest_by_channel_id") == 0) {
            /* the partial index's WHERE is repeated so that it serves the page */
            ck_assert_ptr_nonnull(strstr(c.sql, "channel_id = :channel_id AND deleted_at IS NULL"));
            ck_assert_ptr_nonnull(strstr(c.sql, "ORDER BY created_at DESC"));
            ck_assert_str_eq(c.identity_label, "owner");
            page = true;
        }
        if (strcmp(c.name, "notes_by_id") == 0) {
            ck_assert_str_eq(c.identity_label, "authenticated");
            ck_assert_ptr_nonnull(strstr(c.params_sql, "owner_id AS user_id"));
            owned = true;
        }
        pf_case_dispose(&c);
        free(path);
    }
    ck_assert(page && owned);
    pf_init_cases_free(cs);
    pf_init_rules_free(r);
    pf_init_spec_free(sp);
    pf_init_schema_free(s);
}
END_TEST

/* --from-pg-stat-statements: a normalised statement becomes a case whose
 * $n are :names after what they are compared with, with a params query
 * drawing those columns' values; writes are refused. */
static void pss_case(const pf_init_schema *s, const char *query, pf_init_case *out, pf_case *c)
{
    pf_init_stmt st = {(char *)query, 120, 6000, 420.5, 3.504};
    char *why = NULL;
    ck_assert_msg(pf_init_pss_case(&st, 1, s, out, &why) == 0, "%s", why ? why : "");
    char *path = pf_asprintf("bench/%s/%s.sql", out->group, out->name);
    pf_error e;
    ck_assert_msg(pf_registry_parse_case(path, out->text, out->group, c, &e) == 0, "%s\n%s",
                  e.msg, out->text);
    free(path);
}

static void pss_case_free(pf_init_case *k, pf_case *c)
{
    pf_case_dispose(c);
    free(k->group);
    free(k->name);
    free(k->text);
}

START_TEST(test_top_statements_become_cases_with_named_params)
{
    pf_init_schema *s = chat_schema();
    pf_init_case k;
    pf_case c;
    pss_case(s,
             "SELECT id, body FROM messages WHERE channel_id = $1 AND deleted_at IS NULL "
             "ORDER BY created_at DESC LIMIT $2",
             &k, &c);
    ck_assert_str_eq(k.group, "top");
    ck_assert_str_eq(k.name, "top01_messages");
    ck_assert_msg(strstr(c.sql, "channel_id = :channel_id") != NULL, "%s", c.sql);
    ck_assert_msg(strstr(c.sql, "LIMIT :limit") != NULL, "%s", c.sql);
    ck_assert_ptr_null(strstr(c.sql, "$"));
    ck_assert_msg(strstr(c.params_sql, "channel_id AS channel_id") != NULL &&
                      strstr(c.params_sql, "50 AS limit") != NULL &&
                      strstr(c.params_sql, "FROM messages") != NULL,
                  "%s", c.params_sql);
    ck_assert_ptr_nonnull(strstr(k.text, "120 calls"));
    pss_case_free(&k, &c);
    /* qualified columns of a join go to their own tables; IN lists and
     * BETWEEN get one name per $n */
    pss_case(s,
             "SELECT m.id FROM messages m JOIN channel_members cm ON cm.channel_id = m.channel_id "
             "WHERE cm.user_id = $1 AND m.id IN ($2, $3) AND m.created_at BETWEEN $4 AND $5",
             &k, &c);
    ck_assert_msg(strstr(c.sql, "cm.user_id = :user_id") != NULL &&
                      strstr(c.sql, "IN (:id, :id_3)") != NULL &&
                      strstr(c.sql, "BETWEEN :created_at_from AND :created_at_to") != NULL,
                  "%s", c.sql);
    ck_assert_msg(strstr(c.params_sql, "FROM channel_members") != NULL &&
                      strstr(c.params_sql, "FROM messages") != NULL,
                  "%s", c.params_sql);
    pss_case_free(&k, &c);
    /* writes are not cases */
    const char *writes[] = {"UPDATE messages SET body = $1 WHERE id = $2",
                            "WITH d AS (DELETE FROM messages WHERE id = $1 RETURNING id) "
                            "SELECT * FROM d"};
    for (size_t i = 0; i < 2; i++) {
        pf_init_stmt st = {(char *)writes[i], 1, 1, 1, 1};
        char *why = NULL;
        ck_assert_int_eq(pf_init_pss_case(&st, 1, s, &k, &why), -1);
        ck_assert_ptr_nonnull(why);
        free(why);
    }
    pf_init_schema_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("init");
    TCase *tp = tcase_create("parse");
    tcase_add_test(tp, test_check_in_lists_become_choices);
    tcase_add_test(tp, test_check_bounds_are_inclusive_and_typed);
    tcase_add_test(tp, test_checks_it_cannot_read_are_reported_as_such);
    tcase_add_test(tp, test_two_column_checks_give_the_order_of_times);
    tcase_add_test(tp, test_partition_bounds_become_iso_times);
    tcase_add_test(tp, test_qualified_calls_skip_literals_and_repeat_once);
    suite_add_tcase(s, tp);
    TCase *tg = tcase_create("generators");
    tcase_add_test(tg, test_text_generators_follow_name_uniqueness_and_length);
    tcase_add_test(tg, test_numbers_stay_within_check_bounds_and_type);
    tcase_add_test(tg, test_time_columns_by_name);
    suite_add_tcase(s, tg);
    TCase *td = tcase_create("drafts");
    tcase_add_test(td, test_spec_puts_parents_first_and_nests_children);
    tcase_add_test(td, test_spec_parses_generates_and_is_deterministic);
    tcase_add_test(td, test_rows_option_sets_the_biggest_table);
    tcase_add_test(td, test_a_table_with_rows_after_the_migrations_is_left_out);
    tcase_add_test(td, test_policies_become_ownership_membership_or_todo_rules);
    tcase_add_test(td, test_helpers_that_are_not_sql_make_a_todo);
    tcase_add_test(td, test_cases_parse_and_say_why);
    tcase_add_test(td, test_top_statements_become_cases_with_named_params);
    suite_add_tcase(s, td);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
