/* The JSON module: every getter's message (file, line, JSON path, what was
 * expected), ranges, unknown and repeated keys, iteration with paths, and
 * the printer's exact output, cJSON's number and string forms included. */
#include <check.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "testutil.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

/* Lines:           1 */
static const char k_doc[] = "{\n"
                            "  \"name\": \"x\",\n"             /* 2 */
                            "  \"n\": 1.5,\n"                  /* 3 */
                            "  \"big\": 1e999,\n"              /* 4 */
                            "  \"s\": 5,\n"                    /* 5 */
                            "  \"blank\": \" \\t \",\n"        /* 6 */
                            "  \"flag\": \"yes\",\n"           /* 7 */
                            "  \"list\": {},\n"                /* 8 */
                            "  \"obj\": [],\n"                 /* 9 */
                            "  \"huge\": 1e19,\n"              /* 10 */
                            "  \"nested\": {\n"                /* 11 */
                            "    \"deep\": [\n"                /* 12 */
                            "      \"{not a key}\", \"]\",\n"  /* 13 */
                            "      {\"k\": 3, \"t\": true}\n"  /* 14 */
                            "    ]\n"
                            "  }\n"
                            "}\n";

typedef enum getter {
    G_STRING,
    G_NUMBER,
    G_NUMBER_IN,
    G_INT,
    G_INT64,
    G_BOOL,
    G_OBJECT,
    G_ARRAY,
} getter;

typedef struct getter_case {
    getter g;
    const char *key;
    int flags;
    double lo, hi;
    const char *want; /* the whole message */
} getter_case;

static const getter_case k_getters[] = {
    {G_STRING, "s", 0, 0, 0, "t.json:5: $.s: must be a string"},
    {G_STRING, "blank", PF_JSON_NONEMPTY, 0, 0, "t.json:6: $.blank: must not be empty"},
    {G_STRING, "nope", PF_JSON_REQUIRED, 0, 0, "t.json:1: $: missing 'nope' (a string)"},
    {G_STRING, "nope", PF_JSON_REQUIRED | PF_JSON_NONEMPTY, 0, 0,
     "t.json:1: $: missing 'nope' (a non-empty string)"},
    {G_NUMBER, "name", 0, 0, 0, "t.json:2: $.name: must be a number"},
    {G_NUMBER, "big", 0, 0, 0, "t.json:4: $.big: must be a finite number"},
    {G_NUMBER, "nope", PF_JSON_REQUIRED, 0, 0, "t.json:1: $: missing 'nope' (a number)"},
    {G_NUMBER_IN, "n", 0, 0, 1, "t.json:3: $.n: must be a number in [0, 1], not 1.5"},
    {G_NUMBER_IN, "big", 0, -1e300, 1e300,
     "t.json:4: $.big: must be a number in [-1e+300, 1e+300], not inf"},
    {G_NUMBER_IN, "flag", 0, 0.5, 2, "t.json:7: $.flag: must be a number in [0.5, 2]"},
    {G_NUMBER_IN, "nope", PF_JSON_REQUIRED, 0, 100,
     "t.json:1: $: missing 'nope' (a number in [0, 100])"},
    {G_INT, "n", 0, 1, 1000, "t.json:3: $.n: must be an integer in 1..1000, not 1.5"},
    {G_INT, "name", 0, 1, 1000, "t.json:2: $.name: must be an integer in 1..1000"},
    {G_INT, "s", 0, 6, 9, "t.json:5: $.s: must be an integer in 6..9, not 5"},
    {G_INT, "big", 0, INT_MIN, INT_MAX,
     "t.json:4: $.big: must be an integer in -2147483648..2147483647, not inf"},
    {G_INT, "nope", PF_JSON_REQUIRED, 0, 9, "t.json:1: $: missing 'nope' (an integer in 0..9)"},
    {G_INT64, "huge", 0, (double)INT64_MIN, (double)INT64_MAX,
     "t.json:10: $.huge: must be an integer in -2^63..2^63-1, not 1e+19"},
    {G_BOOL, "flag", 0, 0, 0, "t.json:7: $.flag: must be true or false"},
    {G_BOOL, "nope", PF_JSON_REQUIRED, 0, 0, "t.json:1: $: missing 'nope' (true or false)"},
    {G_OBJECT, "obj", 0, 0, 0, "t.json:9: $.obj: must be an object"},
    {G_OBJECT, "list", PF_JSON_NONEMPTY, 0, 0, "t.json:8: $.list: must be a non-empty object"},
    {G_ARRAY, "list", 0, 0, 0, "t.json:8: $.list: must be an array"},
    {G_ARRAY, "obj", PF_JSON_NONEMPTY, 0, 0, "t.json:9: $.obj: must be a non-empty array"},
    {G_ARRAY, "nope", PF_JSON_REQUIRED, 0, 0, "t.json:1: $: missing 'nope' (an array)"},
};

static int run_getter(const getter_case *c, const pf_json_val *root)
{
    const char *s = "untouched";
    double d = -7;
    int i = -7;
    int64_t i64 = -7;
    bool b = false;
    pf_json_val v;
    int rc = -9;
    switch (c->g) {
    case G_STRING:
        rc = pf_json_get_string(root, c->key, c->flags, &s);
        ck_assert_str_eq(s, "untouched");
        break;
    case G_NUMBER:
        rc = pf_json_get_number(root, c->key, c->flags, &d);
        break;
    case G_NUMBER_IN:
        rc = pf_json_get_number_in(root, c->key, c->flags, c->lo, c->hi, &d);
        break;
    case G_INT:
        rc = pf_json_get_int(root, c->key, c->flags, (int)c->lo, (int)c->hi, &i);
        break;
    case G_INT64:
        rc = pf_json_get_int64(root, c->key, c->flags, INT64_MIN, INT64_MAX, &i64);
        break;
    case G_BOOL:
        rc = pf_json_get_bool(root, c->key, c->flags, &b);
        break;
    case G_OBJECT:
        rc = pf_json_get_object(root, c->key, c->flags, &v);
        break;
    case G_ARRAY:
        rc = pf_json_get_array(root, c->key, c->flags, &v);
        break;
    }
    /* A failed read leaves the out value alone. */
    ck_assert(d == -7 && i == -7 && i64 == -7 && !b);
    return rc;
}

START_TEST(test_each_getter_names_file_line_path_and_what_it_expected)
{
    const getter_case *c = &k_getters[_i];
    pf_json *doc = NULL;
    pf_error e;
    pf_error_clear(&e);
    ck_assert_msg(pf_json_parse("t.json", k_doc, &doc, &e) == 0, "%s", e.msg);
    pf_json_val root;
    pf_json_root(doc, &root);
    ck_assert_int_eq(run_getter(c, &root), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_str_eq(e.msg, c->want);
    pf_json_free(doc);
}
END_TEST

START_TEST(test_getters_read_values_and_leave_defaults_of_absent_members)
{
    pf_json *doc = NULL;
    pf_error e;
    ck_assert_int_eq(pf_json_parse("t.json", k_doc, &doc, &e), 0);
    pf_json_val root, nested, deep, item;
    pf_json_root(doc, &root);
    const char *s = NULL;
    ck_assert_int_eq(pf_json_get_string(&root, "name", PF_JSON_REQUIRED | PF_JSON_NONEMPTY, &s), 0);
    ck_assert_str_eq(s, "x");
    double d = 0;
    ck_assert_int_eq(pf_json_get_number_in(&root, "n", 0, 1.5, 1.5, &d), 0);
    ck_assert_double_eq(d, 1.5);
    int i = 42;
    ck_assert_int_eq(pf_json_get_int(&root, "nope", PF_JSON_OPTIONAL, 0, 1, &i), 1);
    ck_assert_int_eq(i, 42);
    ck_assert_int_eq(pf_json_get_int(&root, "s", 0, 5, 5, &i), 0);
    ck_assert_int_eq(i, 5);
    ck_assert_int_eq(pf_json_get_object(&root, "nested", PF_JSON_NONEMPTY, &nested), 0);
    ck_assert_int_eq(pf_json_get_array(&nested, "deep", PF_JSON_REQUIRED, &deep), 0);
    ck_assert_uint_eq(pf_json_count(&deep), 3);
    ck_assert(!pf_json_item(&deep, 3, &item));
    ck_assert(pf_json_item(&deep, 2, &item));
    bool t = false;
    ck_assert_int_eq(pf_json_get_bool(&item, "t", PF_JSON_REQUIRED, &t), 0);
    ck_assert(t);
    int64_t k = 0;
    ck_assert_int_eq(pf_json_get_int64(&item, "k", 0, 3, 3, &k), 0);
    ck_assert_int_eq(k, 3);
    pf_json_free(doc);
    /* The largest double below 2^63 converts; 2^63 itself does not. */
    ck_assert_int_eq(pf_json_parse("u.json", "{\"a\": 9223372036854774784, \"b\": "
                                             "9223372036854775808, \"c\": -9223372036854775808}",
                                   &doc, &e),
                     0);
    pf_json_root(doc, &root);
    ck_assert_int_eq(pf_json_get_int64(&root, "a", 0, INT64_MIN, INT64_MAX, &k), 0);
    ck_assert_int_eq(k, 9223372036854774784LL);
    ck_assert_int_eq(pf_json_get_int64(&root, "b", 0, INT64_MIN, INT64_MAX, &k), -1);
    ck_assert_int_eq(pf_json_get_int64(&root, "c", 0, INT64_MIN, INT64_MAX, &k), 0);
    ck_assert_int_eq(k, INT64_MIN);
    pf_json_free(doc);
}
END_TEST

START_TEST(test_a_wrong_kind_of_member_is_reported_at_its_own_line)
{
    pf_json *doc = NULL;
    pf_error e;
    ck_assert_int_eq(pf_json_parse("t.json", k_doc, &doc, &e), 0);
    pf_json_val root, nested, deep, item;
    pf_json_root(doc, &root);
    ck_assert_int_eq(pf_json_get_object(&root, "nested", 0, &nested), 0);
    ck_assert_int_eq(pf_json_get_array(&nested, "deep", 0, &deep), 0);
    ck_assert(pf_json_item(&deep, 2, &item));
    const char *s = NULL;
    ck_assert_int_eq(pf_json_get_string(&item, "k", 0, &s), -1);
    ck_assert_str_eq(e.msg, "t.json:14: $.nested.deep[2].k: must be a string");
    ck_assert(pf_json_item(&deep, 1, &item));
    pf_json_fail(&item, NULL, "not %s", "this");
    ck_assert_str_eq(e.msg, "t.json:13: $.nested.deep[1]: not this");
    /* About a member: its line when present, else the object's. */
    pf_json_fail(&root, "flag", "bad");
    ck_assert_str_eq(e.msg, "t.json:7: $.flag: bad");
    pf_json_fail(&nested, "absent", "needed");
    ck_assert_str_eq(e.msg, "t.json:11: $.nested.absent: needed");
    char *where = pf_json_where(&deep);
    ck_assert_str_eq(where, "t.json:12: $.nested.deep");
    free(where);
    char *path = pf_json_path(&item);
    ck_assert_str_eq(path, "$.nested.deep[1]");
    free(path);
    ck_assert_int_eq(pf_json_line(&root), 1);
    pf_json_free(doc);
}
END_TEST

START_TEST(test_syntax_errors_name_line_and_column)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"{\"format\": 1,\n  \"name\": oops}", "s.json:2:11: JSON syntax error near 'oops}'"},
        {"{\n  \"a\": [1,\t2,\n", "s.json:3:1: JSON syntax error near ''"},
        {"{} trailing", "s.json:1:4: JSON syntax error near 'trailing'"},
        {"", "s.json:1:1: JSON syntax error near ''"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        pf_json *doc = NULL;
        pf_error e;
        pf_error_clear(&e);
        ck_assert_int_eq(pf_json_parse("s.json", cases[i].text, &doc, &e), -1);
        ck_assert_ptr_null(doc);
        ck_assert_int_eq(e.code, PF_EXIT_USAGE);
        ck_assert_str_eq(e.msg, cases[i].want);
    }
}
END_TEST

START_TEST(test_unknown_and_repeated_keys_are_named_at_their_line)
{
    static const char *const allowed[] = {"a", "b", NULL};
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"{\"a\": 1,\n \"c\": 2}", "k.json:2: $: unknown key 'c' (expected one of: a, b)"},
        {"{\"a\": 1,\n \"b\": 2,\n \"a\": 3}", "k.json:3: $: key 'a' appears twice"},
        {"[1]", "k.json:1: $: must be an object"},
        {"{\"x\": {\n  \"a\": {},\n  \"zz\": []}}",
         "k.json:3: $.x: unknown key 'zz' (expected one of: a, b)"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        pf_json *doc = NULL;
        pf_error e;
        ck_assert_int_eq(pf_json_parse("k.json", cases[i].text, &doc, &e), 0);
        pf_json_val root, x;
        pf_json_root(doc, &root);
        const pf_json_val *obj = &root;
        if (pf_json_member(&root, "x", &x) == 0)
            obj = &x;
        ck_assert_int_eq(pf_json_check_keys(obj, allowed), -1);
        ck_assert_str_eq(e.msg, cases[i].want);
        pf_json_free(doc);
    }
    pf_json *doc = NULL;
    pf_error e;
    ck_assert_int_eq(pf_json_parse("k.json", "{\"b\": 1, \"a\": 2}", &doc, &e), 0);
    pf_json_val root;
    pf_json_root(doc, &root);
    ck_assert_int_eq(pf_json_check_keys(&root, allowed), 0);
    pf_json_free(doc);
}
END_TEST

START_TEST(test_members_and_items_iterate_in_order_with_their_paths)
{
    static const char text[] = "\xEF\xBB\xBF{\"s\": \"a\\\"}{\", \"list\": [10, {\"k\": null}, "
                               "\"x\"],\n \"o\": {\"p\": 1, \"q\": [true]}}";
    pf_json *doc = NULL;
    pf_error e;
    ck_assert_msg(pf_json_parse("i.json", text, &doc, &e) == 0, "%s", e.msg);
    pf_json_val root, it, list, inner;
    const char *s_val = NULL;
    pf_json_root(doc, &root);
    const char *want_keys[] = {"s", "list", "o"};
    size_t n = 0;
    for (bool more = pf_json_first(&root, &it); more; more = pf_json_next(&it), n++) {
        ck_assert_uint_eq(it.index, n);
        ck_assert_str_eq(it.key, want_keys[n]);
    }
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(pf_json_get_array(&root, "list", 0, &list), 0);
    static const char *const want_paths[] = {"$.list[0]", "$.list[1]", "$.list[2]"};
    static const pf_json_kind want_kinds[] = {PF_JSON_NUMBER, PF_JSON_OBJECT, PF_JSON_STRING};
    n = 0;
    for (bool more = pf_json_first(&list, &it); more; more = pf_json_next(&it), n++) {
        char *p = pf_json_path(&it);
        ck_assert_str_eq(p, want_paths[n]);
        free(p);
        ck_assert_ptr_null(it.key);
        ck_assert_int_eq(pf_json_kind_of(&it), want_kinds[n]);
    }
    ck_assert(pf_json_item(&list, 1, &it));
    ck_assert_int_eq(pf_json_member(&it, "k", &inner), 0);
    ck_assert(pf_json_is(&inner, PF_JSON_NULL));
    char *p = pf_json_path(&inner);
    ck_assert_str_eq(p, "$.list[1].k");
    free(p);
    double d = 0;
    ck_assert(pf_json_item(&list, 0, &it) && pf_json_number(&it, &d) && d == 10);
    ck_assert(pf_json_item(&list, 2, &it));
    ck_assert_str_eq(pf_json_string(&it), "x");
    ck_assert_ptr_null(pf_json_string(&root));
    ck_assert(!pf_json_first(&it, &inner));
    ck_assert_uint_eq(pf_json_count(&it), 0);
    /* Lines are found past strings holding braces and escaped quotes. */
    ck_assert_int_eq(pf_json_get_object(&root, "o", 0, &it), 0);
    ck_assert_int_eq(pf_json_line(&it), 2);
    pf_json_fail(&it, "q", "wrong");
    ck_assert_str_eq(e.msg, "i.json:2: $.o.q: wrong");
    ck_assert(!pf_json_has(&list, "k"));
    ck_assert(pf_json_has(&root, "o"));
    /* Values as compact text, as cJSON writes them; keys quoted alike. */
    char *compact = pf_json_text(&it);
    ck_assert_str_eq(compact, "{\"p\":1,\"q\":[true]}");
    free(compact);
    ck_assert_int_eq(pf_json_get_string(&root, "s", 0, &s_val), 0);
    ck_assert_int_eq(pf_json_member(&root, "s", &inner), 0);
    compact = pf_json_text(&inner);
    ck_assert_str_eq(compact, "\"a\\\"}{\"");
    free(compact);
    char *q = pf_json_quote("k\"\n\x02");
    ck_assert_str_eq(q, "\"k\\\"\\n\\u0002\"");
    free(q);
    ck_assert_int_eq(pf_json_member(&it, "q", &inner), 0);
    ck_assert(pf_json_item(&inner, 0, &inner) && pf_json_true(&inner));
    ck_assert(!pf_json_true(&it));
    pf_json_free(doc);
}
END_TEST

/* ---- writing ------------------------------------------------------------- */

static void write_sample(pf_json_writer *w)
{
    pf_json_begin_object(w, NULL);
    pf_json_put_int(w, "format", 1);
    pf_json_put_string(w, "name", "mix \"a\"\n\t\x01 é/");
    pf_json_put_string(w, "none", NULL);
    pf_json_put_rounded(w, "p50_ms", 2.00351, 3);
    pf_json_put_rounded(w, "whole", 2.0, 3);
    pf_json_put_number(w, "third", 1.0 / 3.0);
    pf_json_put_number(w, "nan", NAN);
    pf_json_put_fixed(w, "fixed", 0.1, 4);
    pf_json_put_int(w, "big", INT64_MAX);
    pf_json_put_bool(w, "ok", true);
    pf_json_put_null(w, "nothing");
    pf_json_begin_object(w, "empty");
    pf_json_end(w);
    pf_json_begin_array(w, "none_yet");
    pf_json_end(w);
    pf_json_begin_array(w, "list");
    pf_json_put_int(w, NULL, 1);
    pf_json_put_string(w, NULL, "two");
    pf_json_begin_object(w, NULL);
    pf_json_put_bool(w, "in", false);
    pf_json_end(w);
    pf_json_end(w);
    pf_json_begin_object(w, "nested");
    pf_json_put_raw(w, "raw", "{\"a\":[1,2]}");
    pf_json_end(w);
    pf_json_end(w);
}

START_TEST(test_the_printer_writes_the_golden_layout_with_spaces)
{
    pf_json_writer *w = pf_json_writer_new(PF_JSON_SPACES);
    write_sample(w);
    char *text = pf_json_writer_finish(w);
    ck_assert_str_eq(text, "{\n"
                           "  \"format\": 1,\n"
                           "  \"name\": \"mix \\\"a\\\"\\n\\t\\u0001 é/\",\n"
                           "  \"none\": null,\n"
                           "  \"p50_ms\": 2.004,\n"
                           "  \"whole\": 2,\n"
                           "  \"third\": 0.33333333333333331,\n"
                           "  \"nan\": 0,\n"
                           "  \"fixed\": 0.1000,\n"
                           "  \"big\": 9223372036854775807,\n"
                           "  \"ok\": true,\n"
                           "  \"nothing\": null,\n"
                           "  \"empty\": {\n"
                           "  },\n"
                           "  \"none_yet\": [],\n"
                           "  \"list\": [1, \"two\", {\n"
                           "      \"in\": false\n"
                           "    }],\n"
                           "  \"nested\": {\n"
                           "    \"raw\": {\"a\":[1,2]}\n"
                           "  }\n"
                           "}\n");
    free(text);
}
END_TEST

/* The tab layout is cJSON_Print's, byte for byte. */
START_TEST(test_the_tab_layout_is_cjsons)
{
    pf_json_writer *w = pf_json_writer_new(PF_JSON_TABS);
    write_sample(w);
    char *text = pf_json_writer_finish(w);

    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "format", 1);
    cJSON_AddStringToObject(root, "name", "mix \"a\"\n\t\x01 é/");
    cJSON_AddNullToObject(root, "none");
    cJSON_AddNumberToObject(root, "p50_ms", 2.004);
    cJSON_AddNumberToObject(root, "whole", 2);
    cJSON_AddNumberToObject(root, "third", 1.0 / 3.0);
    cJSON_AddNumberToObject(root, "nan", 0);
    cJSON_AddRawToObject(root, "fixed", "0.1000");
    cJSON_AddRawToObject(root, "big", "9223372036854775807");
    cJSON_AddBoolToObject(root, "ok", true);
    cJSON_AddNullToObject(root, "nothing");
    cJSON_AddObjectToObject(root, "empty");
    cJSON_AddArrayToObject(root, "none_yet");
    cJSON *list = cJSON_AddArrayToObject(root, "list");
    cJSON_AddItemToArray(list, cJSON_CreateNumber(1));
    cJSON_AddItemToArray(list, cJSON_CreateString("two"));
    cJSON *in = cJSON_CreateObject();
    cJSON_AddFalseToObject(in, "in");
    cJSON_AddItemToArray(list, in);
    cJSON *nested = cJSON_AddObjectToObject(root, "nested");
    cJSON_AddRawToObject(nested, "raw", "{\"a\":[1,2]}");
    char *want = cJSON_Print(root);
    cJSON_Delete(root);
    size_t n = strlen(want);
    ck_assert_uint_eq(strlen(text), n + 1);
    ck_assert(strncmp(text, want, n) == 0);
    ck_assert_int_eq(text[n], '\n');
    cJSON_free(want);
    free(text);
}
END_TEST

/* Numbers and strings come out as cJSON writes them, so files written
 * before this printer keep their bytes. */
START_TEST(test_numbers_and_strings_are_written_as_cjson_writes_them)
{
    /* -0.0 is left out: cJSON after 1.7.15 writes it as 0, this printer
     * (and cJSON 1.7.15) as -0. */
    static const double fixed[] = {0,     1,        -1,      0.5,     0.1 + 0.2,
                                   1e15,  1e16,     1e300,    -1e-300, 33.3,    100.0 / 30.0,
                                   2e9,   -3e9,     INT_MAX,  INT_MIN, 4294967296.5,
                                   1.7976931348623157e308, 5e-324, 9007199254740993.0};
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 20000; i++) {
        double v;
        if (i < (int)N_OF(fixed)) {
            v = fixed[i];
        } else {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if (i % 3 == 0) {
                memcpy(&v, &x, sizeof v);
                if (!isfinite(v))
                    continue;
            } else if (i % 3 == 1) {
                v = (double)(int64_t)(x % 2000001) / 1000.0 - 1000.0; /* round3 values */
            } else {
                v = (double)(int64_t)x / (double)(x >> 11 | 1);
            }
        }
        pf_json_writer *w = pf_json_writer_new(PF_JSON_TABS);
        pf_json_put_number(w, NULL, v);
        char *got = pf_json_writer_finish(w);
        cJSON *n = cJSON_CreateNumber(v);
        char *want = cJSON_PrintUnformatted(n);
        cJSON_Delete(n);
        ck_assert_msg(strlen(got) == strlen(want) + 1 && strncmp(got, want, strlen(want)) == 0,
                      "%.17g: got %s, cJSON %s", v, got, want);
        cJSON_free(want);
        free(got);
    }
    char all[256];
    for (int c = 1; c < 256; c++)
        all[c - 1] = (char)c;
    all[255] = '\0';
    pf_json_writer *w = pf_json_writer_new(PF_JSON_TABS);
    pf_json_put_string(w, NULL, all);
    char *got = pf_json_writer_finish(w);
    cJSON *s = cJSON_CreateString(all);
    char *want = cJSON_PrintUnformatted(s);
    cJSON_Delete(s);
    ck_assert(strlen(got) == strlen(want) + 1 && strncmp(got, want, strlen(want)) == 0);
    cJSON_free(want);
    free(got);
}
END_TEST

START_TEST(test_a_top_level_array_and_an_abandoned_writer)
{
    pf_json_writer *w = pf_json_writer_new(PF_JSON_SPACES);
    pf_json_begin_array(w, NULL);
    pf_json_put_fixed(w, NULL, 1.0 / 3.0, 2);
    pf_json_put_rounded(w, NULL, INFINITY, 3);
    pf_json_end(w);
    char *text = pf_json_writer_finish(w);
    ck_assert_str_eq(text, "[0.33, 0]\n");
    free(text);
    w = pf_json_writer_new(PF_JSON_SPACES);
    pf_json_begin_object(w, NULL);
    pf_json_put_int(w, "a", 1);
    pf_json_writer_free(w);
    pf_json_writer_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json");
    TCase *read = tcase_create("read");
    tcase_add_loop_test(read, test_each_getter_names_file_line_path_and_what_it_expected, 0,
                        (int)N_OF(k_getters));
    tcase_add_test(read, test_getters_read_values_and_leave_defaults_of_absent_members);
    tcase_add_test(read, test_a_wrong_kind_of_member_is_reported_at_its_own_line);
    tcase_add_test(read, test_syntax_errors_name_line_and_column);
    tcase_add_test(read, test_unknown_and_repeated_keys_are_named_at_their_line);
    tcase_add_test(read, test_members_and_items_iterate_in_order_with_their_paths);
    suite_add_tcase(s, read);
    TCase *write = tcase_create("write");
    tcase_add_test(write, test_the_printer_writes_the_golden_layout_with_spaces);
    tcase_add_test(write, test_the_tab_layout_is_cjsons);
    tcase_add_test(write, test_numbers_and_strings_are_written_as_cjson_writes_them);
    tcase_add_test(write, test_a_top_level_array_and_an_abandoned_writer);
    suite_add_tcase(s, write);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
