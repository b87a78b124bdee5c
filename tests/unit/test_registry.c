/* Benchmark case files, table-driven: a full case becomes the expected
 * pf_case, every mistake is rejected naming the file and line, a registry
 * tree loads in a stable order, and --only patterns select what they say. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "registry.h"
#include "testutil.h"

#define PATH "bench/timeline/timeline_recent_page.sql"

/* ------------------------------------------------------- a full valid case */

static const char k_full[] =
    "-- description: A patient's newest timeline page (50 events), as the app's\n" /* 1 */
    "--   home screen loads it.\n"                                                 /* 2 */
    "-- identity: patient\n"                                                       /* 3 */
    "-- params: SELECT p.id AS patient_id, p.account_owner_id AS user_id,\n"       /* 4 */
    "--           count(t.id) AS weight, min(t.event_date) AS since\n"             /* 5 */
    "--         FROM user_profiles p JOIN healthcare_timeline_events t ON t.patient_id = p.id\n"
    "--         WHERE NOT p.archived GROUP BY p.id ORDER BY p.id\n" /* 7 */
    "-- Served by idx_timeline_patient_date (a plain comment, not a key).\n" /* 8 */
    "-- iterations: 100\n"                                                   /* 9 */
    "-- warmup: 3\n"                                                         /* 10 */
    "-- min_time: 2s\n"                                                      /* 11 */
    "-- threshold: 100ms\n"                                                  /* 12 */
    "-- tags: timeline home\n"                                               /* 13 */
    "\n"                                                                     /* 14 */
    "SELECT id, display_category, title, event_date::date AS day, ':notparam' AS label\n" /* 15 */
    "FROM healthcare_timeline_events\n"
    "WHERE patient_id = :patient_id AND NOT archived\n"
    "  AND event_date >= :since::timestamptz\n"
    "  AND (:patient_id IS NOT NULL)\n"
    "ORDER BY event_date DESC\n"
    "LIMIT 50;\n";

static const char k_full_sql[] =
    "SELECT id, display_category, title, event_date::date AS day, ':notparam' AS label\n"
    "FROM healthcare_timeline_events\n"
    "WHERE patient_id = :patient_id AND NOT archived\n"
    "  AND event_date >= :since::timestamptz\n"
    "  AND (:patient_id IS NOT NULL)\n"
    "ORDER BY event_date DESC\n"
    "LIMIT 50";

static const char k_full_prepared[] =
    "SELECT id, display_category, title, event_date::date AS day, ':notparam' AS label\n"
    "FROM healthcare_timeline_events\n"
    "WHERE patient_id = $1 AND NOT archived\n"
    "  AND event_date >= $2::timestamptz\n"
    "  AND ($1 IS NOT NULL)\n"
    "ORDER BY event_date DESC\n"
    "LIMIT 50";

START_TEST(test_full_case_parses_into_every_field)
{
    pf_case c;
    pf_error e;
    pf_error_clear(&e);
    ck_assert_msg(pf_registry_parse_case(PATH, k_full, "timeline", &c, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(c.name, "timeline_recent_page"); /* from the file name */
    ck_assert_str_eq(c.group, "timeline");            /* from the argument */
    ck_assert_str_eq(c.description,
                     "A patient's newest timeline page (50 events), as the app's home screen "
                     "loads it.");
    ck_assert_str_eq(c.file, PATH);
    ck_assert_int_eq(c.sql_line, 15);
    ck_assert_str_eq(c.identity_label, "patient");
    ck_assert_int_eq(c.identity, PF_IDENTITY_AUTHENTICATED);
    ck_assert_str_eq(c.params_sql,
                     "SELECT p.id AS patient_id, p.account_owner_id AS user_id,\n"
                     "count(t.id) AS weight, min(t.event_date) AS since\n"
                     "FROM user_profiles p JOIN healthcare_timeline_events t ON t.patient_id = "
                     "p.id\n"
                     "WHERE NOT p.archived GROUP BY p.id ORDER BY p.id");
    ck_assert_str_eq(c.sql, k_full_sql);
    ck_assert_str_eq(c.prepared_sql, k_full_prepared);
    ck_assert_uint_eq(c.n_params, 2);
    ck_assert_str_eq(c.param_names[0], "patient_id");
    ck_assert_str_eq(c.param_names[1], "since");
    ck_assert_ptr_null(c.param_names[2]);
    ck_assert_int_eq(c.iterations, 100);
    ck_assert_int_eq(c.warmup, 3);
    ck_assert_double_eq(c.min_time_ms, 2000.0);
    ck_assert_double_eq(c.threshold_ms, 100.0);
    ck_assert(!c.writes); /* a SELECT */
    ck_assert_str_eq(c.tags, "timeline home");
    ck_assert_str_eq(c.draws, "timeline_recent_page"); /* default: the name */
    ck_assert_uint_eq(strlen(c.sql_hash), 16);
    ck_assert_uint_eq(strspn(c.sql_hash, "0123456789abcdef"), 16);
    pf_case_dispose(&c);
    ck_assert_ptr_null(c.name);
}
END_TEST

START_TEST(test_minimal_case_gets_the_defaults)
{
    pf_case c;
    pf_error e;
    const char *text = "-- description: Pending jobs.\nSELECT count(*) FROM jobs;\n";
    ck_assert_msg(pf_registry_parse_case("queue_depth.sql", text, NULL, &c, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(c.name, "queue_depth");
    ck_assert_str_eq(c.group, "default");
    ck_assert_str_eq(c.identity_label, "owner");
    ck_assert_int_eq(c.identity, PF_IDENTITY_OWNER);
    ck_assert_ptr_null(c.params_sql);
    ck_assert_uint_eq(c.n_params, 0);
    ck_assert_ptr_nonnull(c.param_names);
    ck_assert_ptr_null(c.param_names[0]);
    ck_assert_str_eq(c.prepared_sql, "SELECT count(*) FROM jobs");
    ck_assert_int_eq(c.iterations, 50);
    ck_assert_int_eq(c.warmup, 5);
    ck_assert_double_eq(c.min_time_ms, 0);
    ck_assert_double_eq(c.threshold_ms, 0);
    ck_assert(!c.writes);
    ck_assert_str_eq(c.tags, "");
    ck_assert_str_eq(c.draws, "queue_depth");
    ck_assert_int_eq(c.sql_line, 2);
    pf_case_dispose(&c);
}
END_TEST

START_TEST(test_header_name_group_and_draws_override_the_defaults)
{
    pf_case c;
    pf_error e;
    const char *text = "-- name: documents_list_owner\n"
                       "-- group: rls\n"
                       "-- draws: documents_list\n"
                       "-- description: The owner's view.\n"
                       "-- identity: service_role\n"
                       "SELECT 1;\n";
    ck_assert_msg(pf_registry_parse_case("bench/x/other.sql", text, "x", &c, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(c.name, "documents_list_owner");
    ck_assert_str_eq(c.group, "rls");
    ck_assert_str_eq(c.draws, "documents_list");
    ck_assert_int_eq(c.identity, PF_IDENTITY_SERVICE_ROLE);
    ck_assert_int_eq(c.sql_line, 6);
    pf_case_dispose(&c);
}
END_TEST

/* A label that is not built in is a name the RLS rules file must declare:
 * parsed as declared (signed in until the gate resolves it from the file). */
START_TEST(test_a_declared_identity_is_resolved_by_its_role)
{
    pf_case c;
    pf_error e;
    const char *text = "-- description: A nurse's view.\n"
                       "-- identity: night_nurse\n"
                       "SELECT 1;\n";
    ck_assert_msg(pf_registry_parse_case("bench/x/n.sql", text, "x", &c, &e) == 0, "%s", e.msg);
    ck_assert(c.identity_declared);
    ck_assert_int_eq(c.identity_line, 2);
    ck_assert_int_eq(c.identity, PF_IDENTITY_AUTHENTICATED);
    pf_registry_resolve_identity(&c, "anon");
    ck_assert_int_eq(c.identity, PF_IDENTITY_ANON);
    pf_registry_resolve_identity(&c, "service_role");
    ck_assert_int_eq(c.identity, PF_IDENTITY_SERVICE_ROLE);
    pf_registry_resolve_identity(&c, NULL);
    ck_assert_int_eq(c.identity, PF_IDENTITY_AUTHENTICATED);
    pf_case_dispose(&c);
    /* A built-in label is not declared; a label that cannot be a name fails. */
    text = "-- description: d\n-- identity: patient\n-- params: SELECT 1 AS user_id\nSELECT 1;\n";
    ck_assert_msg(pf_registry_parse_case("bench/x/p.sql", text, "x", &c, &e) == 0, "%s", e.msg);
    ck_assert(!c.identity_declared);
    pf_case_dispose(&c);
    text = "-- description: d\n-- identity: Nurse!\nSELECT 1;\n";
    ck_assert_int_eq(pf_registry_parse_case("bench/x/q.sql", text, "x", &c, &e), -1);
    ck_assert_msg(strstr(e.msg, "bench/x/q.sql:2: unknown identity 'Nurse!'") != NULL, "%s", e.msg);
}
END_TEST

START_TEST(test_sql_hash_follows_the_statement_not_the_header)
{
    pf_case a, b, d;
    pf_error e;
    ck_assert(pf_registry_parse_case("a.sql", "-- description: one\nSELECT 1;\n", NULL, &a, &e) ==
              0);
    ck_assert(pf_registry_parse_case("b.sql", "-- description: two\n-- iterations: 9\n\nSELECT 1;",
                                     NULL, &b, &e) == 0);
    ck_assert(pf_registry_parse_case("d.sql", "-- description: one\nSELECT 2;\n", NULL, &d, &e) ==
              0);
    ck_assert_str_eq(a.sql_hash, b.sql_hash);
    ck_assert_str_ne(a.sql_hash, d.sql_hash);
    pf_case_dispose(&a);
    pf_case_dispose(&b);
    pf_case_dispose(&d);
}
END_TEST

/* The ends of the ranges the messages state are accepted. */
START_TEST(test_counts_at_the_ends_of_their_ranges_parse)
{
    pf_case c;
    pf_error e;
    const char *text = "-- description: d\n-- iterations: 1000000\n-- warmup: 0\nSELECT 1;\n";
    ck_assert_msg(pf_registry_parse_case("r.sql", text, NULL, &c, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(c.iterations, 1000000);
    ck_assert_int_eq(c.warmup, 0);
    pf_case_dispose(&c);
    text = "-- description: d\n-- iterations: 1\n-- warmup: 1000000\nSELECT 1;\n";
    ck_assert_msg(pf_registry_parse_case("r.sql", text, NULL, &c, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(c.iterations, 1);
    ck_assert_int_eq(c.warmup, 1000000);
    pf_case_dispose(&c);
}
END_TEST

START_TEST(test_crlf_case_file_parses)
{
    pf_case c;
    pf_error e;
    const char *text = "-- description: Edited on Windows,\r\n--   continued.\r\n"
                       "-- iterations: 7\r\nSELECT 1;\r\n";
    ck_assert_msg(pf_registry_parse_case("w.sql", text, NULL, &c, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(c.description, "Edited on Windows, continued.");
    ck_assert_int_eq(c.iterations, 7);
    pf_case_dispose(&c);
}
END_TEST

START_TEST(test_a_value_may_start_on_the_next_line)
{
    pf_case c;
    pf_error e;
    const char *text = "-- description:\n"
                       "--   The patient's profile card.\n"
                       "-- identity: patient\n"
                       "-- params:\n"
                       "--   SELECT id AS patient_id, owner AS user_id\n"
                       "--   FROM user_profiles ORDER BY id\n"
                       "SELECT * FROM user_profiles WHERE id = :patient_id;\n";
    ck_assert_msg(pf_registry_parse_case("p.sql", text, NULL, &c, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(c.description, "The patient's profile card.");
    ck_assert_str_eq(c.params_sql, "SELECT id AS patient_id, owner AS user_id\n"
                                   "FROM user_profiles ORDER BY id");
    pf_case_dispose(&c);
}
END_TEST

START_TEST(test_sql_line_is_the_statement_after_comments)
{
    pf_case c;
    pf_error e;
    const char *text = "-- description: d\n"        /* 1 */
                       "\n"                         /* 2 */
                       "/* The newest page. */\n"   /* 3 */
                       "\n"                         /* 4 */
                       "SELECT 1;\n";               /* 5 */
    ck_assert_msg(pf_registry_parse_case("l.sql", text, NULL, &c, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(c.sql, "SELECT 1");
    ck_assert_int_eq(c.sql_line, 5);
    pf_case_dispose(&c);
}
END_TEST

/* ---------------------------------------------------- identities and writes */

typedef struct variant {
    const char *name;
    const char *header; /* extra header lines after the description */
    const char *sql;
    const char *identity_label;
    pf_identity identity;
    bool writes;
} variant;

#define PARAMS "-- params: SELECT id AS patient_id, owner AS user_id FROM p ORDER BY id\n"

static const variant k_variants[] = {
    {"owner", "-- identity: owner\n", "SELECT 1", "owner", PF_IDENTITY_OWNER, false},
    {"anon", "-- identity: anon\n", "SELECT 1", "anon", PF_IDENTITY_ANON, false},
    {"patient", "-- identity: patient\n" PARAMS, "SELECT :patient_id", "patient",
     PF_IDENTITY_AUTHENTICATED, false},
    {"provider", "-- identity: provider\n" PARAMS, "SELECT 1", "provider",
     PF_IDENTITY_AUTHENTICATED, false},
    {"delegate", "-- identity: delegate\n" PARAMS, "SELECT 1", "delegate",
     PF_IDENTITY_AUTHENTICATED, false},
    {"authenticated", "-- identity: authenticated\n" PARAMS, "SELECT 1", "authenticated",
     PF_IDENTITY_AUTHENTICATED, false},
    {"service_role", "-- identity: service_role\n", "SELECT 1", "service_role",
     PF_IDENTITY_SERVICE_ROLE, false},
    {"insert writes", "", "INSERT INTO jobs (kind) VALUES ('x')", "owner", PF_IDENTITY_OWNER,
     true},
    {"lower-case update writes", "", "  update jobs set state = 'done' where id = 1", "owner",
     PF_IDENTITY_OWNER, true},
    {"delete writes", "", "DELETE FROM jobs WHERE id = 1", "owner", PF_IDENTITY_OWNER, true},
    {"merge writes", "", "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", "owner",
     PF_IDENTITY_OWNER, true},
    {"select reads", "", "SELECT * FROM jobs", "owner", PF_IDENTITY_OWNER, false},
    {"a function that writes says so", "-- writes: true\n", "SELECT claim_next_job('email')",
     "owner", PF_IDENTITY_OWNER, true},
    {"writes: false overrides the keyword", "-- writes: false\n", "DELETE FROM jobs WHERE false",
     "owner", PF_IDENTITY_OWNER, false},
    {"min_time on an explicit read-only case", "-- min_time: 500ms\n-- writes: false\n",
     "SELECT 1", "owner", PF_IDENTITY_OWNER, false},
};

START_TEST(test_identities_and_writes_table)
{
    const variant *t = &k_variants[_i];
    char *text = pf_asprintf("-- description: d\n%s%s;\n", t->header, t->sql);
    pf_case c;
    pf_error e;
    pf_error_clear(&e);
    ck_assert_msg(pf_registry_parse_case("v.sql", text, "g", &c, &e) == 0, "%s: %s", t->name,
                  e.msg);
    ck_assert_msg(strcmp(c.identity_label, t->identity_label) == 0, "%s: identity %s", t->name,
                  c.identity_label);
    ck_assert_msg(c.identity == t->identity, "%s: identity %d", t->name, (int)c.identity);
    ck_assert_msg(c.writes == t->writes, "%s: writes %d", t->name, c.writes);
    pf_case_dispose(&c);
    free(text);
}
END_TEST

/* Case files and load flows share the labels: each one listed parses, to
 * the right identity; anything else does not. */
START_TEST(test_every_listed_identity_label_parses)
{
    static const pf_identity want[] = {PF_IDENTITY_OWNER,         PF_IDENTITY_ANON,
                                       PF_IDENTITY_AUTHENTICATED, PF_IDENTITY_AUTHENTICATED,
                                       PF_IDENTITY_AUTHENTICATED, PF_IDENTITY_AUTHENTICATED,
                                       PF_IDENTITY_SERVICE_ROLE};
    char *labels = pf_strdup(pf_registry_identity_labels());
    size_t n = 0;
    char *save = NULL;
    for (char *l = strtok_r(labels, ", ", &save); l != NULL; l = strtok_r(NULL, ", ", &save)) {
        pf_identity id = (pf_identity)-1;
        ck_assert_msg(pf_registry_identity_parse(l, &id) == 0, "'%s' is listed but unknown", l);
        ck_assert_uint_lt(n, sizeof want / sizeof want[0]);
        ck_assert_msg(id == want[n], "'%s' is identity %d", l, (int)id);
        n++;
    }
    ck_assert_uint_eq(n, sizeof want / sizeof want[0]);
    free(labels);
    pf_identity id = PF_IDENTITY_ANON;
    ck_assert_int_eq(pf_registry_identity_parse("doctor", &id), -1);
    ck_assert_int_eq(pf_registry_identity_parse("Patient", &id), -1);
    ck_assert_int_eq(pf_registry_identity_parse("", &id), -1);
    ck_assert_int_eq(id, PF_IDENTITY_ANON);
}
END_TEST

START_TEST(test_identity_roles)
{
    ck_assert_str_eq(pf_registry_identity_role(PF_IDENTITY_OWNER), "owner");
    ck_assert_str_eq(pf_registry_identity_role(PF_IDENTITY_ANON), "anon");
    ck_assert_str_eq(pf_registry_identity_role(PF_IDENTITY_AUTHENTICATED), "authenticated");
    ck_assert_str_eq(pf_registry_identity_role(PF_IDENTITY_SERVICE_ROLE), "service_role");
}
END_TEST

/* ------------------------------------------------------------------ errors */

typedef struct bad_case {
    const char *name;
    const char *text;
    const char *want; /* what follows the path: ":LINE: message" (a prefix of it) */
} bad_case;

#define D "-- description: d\n"

static const bad_case k_bad[] = {
    {"unknown key (a typo)", D "-- iteratons: 10\nSELECT 1;\n",
     ":2: unknown header key 'iteratons'"},
    {"unknown key before the description", "-- descripton: d\nSELECT 1;\n",
     ":1: unknown header key 'descripton'"},
    {"duplicate key", D "-- iterations: 10\n-- iterations: 20\nSELECT 1;\n",
     ":3: 'iterations' given twice (first on line 2)"},
    {"unknown identity", D "-- identity: doctor-x\nSELECT 1;\n", ":2: unknown identity 'doctor-x'"},
    {"an unknown key's message lists every key", D "-- nmae: x\nSELECT 1;\n",
     ":2: unknown header key 'nmae' (known: name, group, description, identity, params, "
     "iterations, warmup, min_time, threshold, writes, tags, draws)"},
    {"an unknown identity's message lists every identity", D "-- identity: 1doctor\nSELECT 1;\n",
     ":2: unknown identity '1doctor' (built in: owner, anon, patient, provider, delegate, "
     "authenticated, service_role; or a name the RLS rules file declares"},
    {"identity is case-sensitive", D "-- identity: Patient\nSELECT 1;\n",
     ":2: unknown identity 'Patient'"},
    {"iterations not a number", D "-- iterations: ten\nSELECT 1;\n",
     ":2: iterations: 'ten' is not an integer in [1, 1000000]"},
    {"iterations zero", D "-- iterations: 0\nSELECT 1;\n",
     ":2: iterations: 0 is too small (iterations is in [1, 1000000])"},
    {"iterations with junk", D "-- iterations: 12abc\nSELECT 1;\n", ":2: iterations: '12abc'"},
    {"iterations empty", D "-- iterations:\nSELECT 1;\n", ":2: iterations: '' is not an integer"},
    {"iterations too large", D "-- iterations: 99999999999\nSELECT 1;\n",
     ":2: iterations: 99999999999 is too large (iterations is in [1, 1000000])"},
    {"iterations one above the limit", D "-- iterations: 1000001\nSELECT 1;\n",
     ":2: iterations: 1000001 is too large (iterations is in [1, 1000000])"},
    {"iterations beyond a long", D "-- iterations: 99999999999999999999999\nSELECT 1;\n",
     ":2: iterations: 99999999999999999999999 is too large (iterations is in [1, 1000000])"},
    {"negative warmup", D "-- warmup: -1\nSELECT 1;\n",
     ":2: warmup: -1 is too small (warmup is in [0, 1000000])"},
    {"warmup too large", D "-- warmup: 5000000\nSELECT 1;\n",
     ":2: warmup: 5000000 is too large (warmup is in [0, 1000000])"},
    {"threshold with a space", D "-- threshold: 100 msec\nSELECT 1;\n",
     ":2: threshold: '100 msec' is not a duration"},
    {"threshold a word", D "-- threshold: fast\nSELECT 1;\n",
     ":2: threshold: 'fast' is not a duration"},
    {"negative threshold", D "-- threshold: -5ms\nSELECT 1;\n", ":2: threshold: '-5ms'"},
    {"bad min_time", D "\n-- min_time: soon\nSELECT 1;\n",
     ":3: min_time: 'soon' is not a duration"},
    {"missing description", "-- identity: owner\nSELECT 1;\n", ":1: missing '-- description: ...'"},
    {"empty description", "-- description:\nSELECT 1;\n", ":1: missing '-- description: ...'"},
    {"two statements", D "SELECT 1;\nSELECT 2;\n",
     ":2: a case holds exactly one SQL statement (found 2)"},
    {"no statement", D "-- iterations: 5\n", ":2: no SQL statement after the header"},
    {"no statement, only blank lines", D "\n\n", ":3: no SQL statement after the header"},
    {"an empty file", "", ":1: no SQL statement after the header"},
    {"only a semicolon", D "\n;\n", ":3: a case holds exactly one SQL statement (found 0)"},
    {":param without a params query", D "SELECT *\nFROM t WHERE id = :patient_id;\n",
     ":2: the statement uses :patient_id but there is no '-- params:' query"},
    {"patient identity without params", D "-- identity: patient\nSELECT 1;\n",
     ":2: identity 'patient' needs a '-- params:' query returning a user_id column"},
    {"provider identity without params", D "-- tags: x\n-- identity: provider\nSELECT 1;\n",
     ":3: identity 'provider' needs a '-- params:'"},
    {"min_time on an INSERT", D "-- min_time: 2s\nINSERT INTO jobs DEFAULT VALUES;\n",
     ":2: min_time is for read-only cases"},
    {"min_time on a declared write",
     D "-- writes: true\n-- min_time: 2s\nSELECT claim_next_job();\n",
     ":3: min_time is for read-only cases"},
    {"writes: maybe", D "-- writes: maybe\nSELECT 1;\n",
     ":2: writes: say true or false, not 'maybe'"},
    {"writes: yes", D "-- writes: yes\nSELECT 1;\n", ":2: writes: say true or false, not 'yes'"},
    {"a name with a space", "-- name: timeline page\n" D "SELECT 1;\n",
     ":1: case name 'timeline page' may only hold letters, digits"},
    {"an empty name", "-- name:\n" D "SELECT 1;\n", ":1: case name '' may only hold"},
    {"an unterminated string", D "SELECT 1\nWHERE x = 'oops;\n", ":3: unterminated quoted string"},
    {"a key in capitals", D "-- Threshold: 100ms\nSELECT 1;\n",
     ":2: 'Threshold:': write header keys as '-- threshold: value'"},
    {"a space before the colon", D "-- threshold : 100ms\nSELECT 1;\n",
     ":2: 'threshold :': write header keys as '-- threshold: value'"},
    {"a capitalised description", "-- Description: d\nSELECT 1;\n",
     ":1: 'Description:': write header keys as '-- description: value'"},
};

START_TEST(test_bad_cases_are_rejected_with_file_and_line)
{
    const bad_case *t = &k_bad[_i];
    pf_case c;
    pf_error e;
    pf_error_clear(&e);
    int rc = pf_registry_parse_case(PATH, t->text, "timeline", &c, &e);
    ck_assert_msg(rc < 0, "%s: accepted", t->name);
    ck_assert_msg(strncmp(e.msg, PATH, strlen(PATH)) == 0, "%s: '%s' does not start with the file",
                  t->name, e.msg);
    ck_assert_msg(strncmp(e.msg + strlen(PATH), t->want, strlen(t->want)) == 0,
                  "%s: '%s' lacks '%s' right after the file", t->name, e.msg, t->want);
    ck_assert_int_eq(e.code, 2);
    /* A failed parse leaves nothing to free. */
    ck_assert_ptr_null(c.name);
    ck_assert_ptr_null(c.file);
    ck_assert_ptr_null(c.sql);
}
END_TEST

/* -------------------------------------------------------- loading a tree */

static char *g_dir;

static void put(const char *rel, const char *text)
{
    char *path = pf_path_join(g_dir, rel);
    pf_error e;
    ck_assert_msg(pf_file_write_atomic(path, text, strlen(text), &e) == 0, "%s", e.msg);
    free(path);
}

static void tree_setup(void)
{
    g_dir = pf_test_tmpdir();
}

static void tree_teardown(void)
{
    pf_error e;
    pf_rmtree(g_dir, &e);
    free(g_dir);
    g_dir = NULL;
}

START_TEST(test_load_reads_groups_in_sorted_order_and_skips_load_and_seed)
{
    put("timeline/timeline_search.sql", "-- description: s\nSELECT 2;\n");
    put("timeline/timeline_recent_page.sql", "-- description: r\nSELECT 1;\n");
    put("rls/timeline_page_owner.sql", "-- description: o\nSELECT 3;\n");
    put("queue/queue_enqueue.sql", "-- description: e\nINSERT INTO jobs DEFAULT VALUES;\n");
    /* Not cases: load scenarios, the seeding benchmark, other files. */
    put("load/mixed.sql", "this is not a case\n");
    put("seed/seed.sql", "nor this\n");
    put("timeline/notes.txt", "not SQL\n");
    put("README.sql", "a file at the top is no group\n");
    char *empty = pf_path_join(g_dir, "documents");
    pf_error e;
    ck_assert(pf_mkdirs(empty, 0755, &e) == 0);
    free(empty);

    pf_registry *r = NULL;
    ck_assert_msg(pf_registry_load(g_dir, &r, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(r->n, 4);
    const char *want[][2] = {{"queue", "queue_enqueue"},
                             {"rls", "timeline_page_owner"},
                             {"timeline", "timeline_recent_page"},
                             {"timeline", "timeline_search"}};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_str_eq(r->cases[i].group, want[i][0]);
        ck_assert_str_eq(r->cases[i].name, want[i][1]);
        char *file = pf_asprintf("%s/%s/%s.sql", g_dir, want[i][0], want[i][1]);
        ck_assert_str_eq(r->cases[i].file, file);
        free(file);
    }
    ck_assert(r->cases[0].writes);
    pf_registry_free(r);
    pf_registry_free(NULL);
}
END_TEST

START_TEST(test_load_rejects_a_name_defined_twice_naming_both_files)
{
    put("timeline/timeline_recent_page.sql", "-- description: r\nSELECT 1;\n");
    put("rls/page.sql", "-- name: timeline_recent_page\n-- description: o\nSELECT 3;\n");
    pf_registry *r = (pf_registry *)&r; /* must be reset */
    pf_error e;
    pf_error_clear(&e);
    ck_assert_int_eq(pf_registry_load(g_dir, &r, &e), -1);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(e.code, 2);
    char *a = pf_asprintf("%s/rls/page.sql", g_dir);
    char *b = pf_asprintf("%s/timeline/timeline_recent_page.sql", g_dir);
    ck_assert_msg(strstr(e.msg, a) && strstr(e.msg, b), "%s", e.msg);
    ck_assert_msg(strstr(e.msg, "both define case 'timeline_recent_page'"), "%s", e.msg);
    free(a);
    free(b);
}
END_TEST

START_TEST(test_load_reports_a_bad_file_with_its_path_and_line)
{
    put("timeline/a.sql", "-- description: fine\nSELECT 1;\n");
    put("timeline/b.sql", "-- description: typo\n-- treshold: 100ms\nSELECT 1;\n");
    pf_registry *r = NULL;
    pf_error e;
    ck_assert_int_eq(pf_registry_load(g_dir, &r, &e), -1);
    ck_assert_ptr_null(r);
    char *want = pf_asprintf("%s/timeline/b.sql:2: unknown header key 'treshold'", g_dir);
    ck_assert_msg(strstr(e.msg, want) == e.msg, "%s", e.msg);
    free(want);
}
END_TEST

START_TEST(test_load_of_a_missing_or_empty_directory)
{
    pf_registry *r = NULL;
    pf_error e;
    char *missing = pf_path_join(g_dir, "nope");
    ck_assert_int_eq(pf_registry_load(missing, &r, &e), -1);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(e.msg, missing) != NULL, "%s", e.msg);
    ck_assert_int_eq(e.code, 2);
    free(missing);
    ck_assert_int_eq(pf_registry_load(g_dir, &r, &e), 0);
    ck_assert_uint_eq(r->n, 0);
    pf_registry_free(r);
}
END_TEST

START_TEST(test_the_shipped_registry_loads)
{
    char *dir = pf_test_source_path("bench");
    pf_registry *r = NULL;
    pf_error e;
    ck_assert_msg(pf_registry_load(dir, &r, &e) == 0, "%s", e.msg);
    ck_assert_uint_gt(r->n, 0);
    for (size_t i = 1; i < r->n; i++) {
        int g = strcmp(r->cases[i - 1].group, r->cases[i].group);
        ck_assert(g < 0 || (g == 0 && strcmp(r->cases[i - 1].name, r->cases[i].name) < 0));
    }
    pf_registry_free(r);
    free(dir);
}
END_TEST

/* ------------------------------------------------------------- --only globs */

typedef struct match_case {
    const char *patterns;
    /* timeline/timeline_recent_page, rls/documents_list_owner, queue/queue_claim_next */
    bool want[3];
} match_case;

static const match_case k_match[] = {
    {NULL, {true, true, true}},
    {"", {true, true, true}},
    {"timeline/*", {true, false, false}},
    {"rls", {false, true, false}},
    {"*_owner,queue_*", {false, true, true}},
    {" timeline_recent_page , rls/documents_*", {true, true, false}},
    {"queue/queue_claim_next", {false, false, true}},
    {"timeline", {true, false, false}},
    {"timeline_*", {true, false, false}},
    {"documents", {false, false, false}},
    {"nomatch", {false, false, false}},
    {"Timeline/*", {false, false, false}},
    {",", {false, false, false}},
};

START_TEST(test_match_table)
{
    const match_case *t = &k_match[_i];
    pf_case cases[3];
    memset(cases, 0, sizeof cases);
    cases[0].group = "timeline";
    cases[0].name = "timeline_recent_page";
    cases[1].group = "rls";
    cases[1].name = "documents_list_owner";
    cases[2].group = "queue";
    cases[2].name = "queue_claim_next";
    for (int i = 0; i < 3; i++)
        ck_assert_msg(pf_registry_match(&cases[i], t->patterns) == t->want[i], "'%s' on %s/%s: %d",
                      t->patterns ? t->patterns : "(null)", cases[i].group, cases[i].name,
                      !t->want[i]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("registry");
    TCase *tp = tcase_create("parse");
    tcase_add_test(tp, test_full_case_parses_into_every_field);
    tcase_add_test(tp, test_minimal_case_gets_the_defaults);
    tcase_add_test(tp, test_header_name_group_and_draws_override_the_defaults);
    tcase_add_test(tp, test_a_declared_identity_is_resolved_by_its_role);
    tcase_add_test(tp, test_sql_hash_follows_the_statement_not_the_header);
    tcase_add_test(tp, test_counts_at_the_ends_of_their_ranges_parse);
    tcase_add_test(tp, test_crlf_case_file_parses);
    tcase_add_test(tp, test_a_value_may_start_on_the_next_line);
    tcase_add_test(tp, test_sql_line_is_the_statement_after_comments);
    tcase_add_loop_test(tp, test_identities_and_writes_table, 0,
                        (int)(sizeof k_variants / sizeof k_variants[0]));
    tcase_add_test(tp, test_identity_roles);
    tcase_add_test(tp, test_every_listed_identity_label_parses);
    tcase_add_loop_test(tp, test_bad_cases_are_rejected_with_file_and_line, 0,
                        (int)(sizeof k_bad / sizeof k_bad[0]));
    suite_add_tcase(s, tp);
    TCase *tl = tcase_create("load");
    tcase_add_checked_fixture(tl, tree_setup, tree_teardown);
    tcase_add_test(tl, test_load_reads_groups_in_sorted_order_and_skips_load_and_seed);
    tcase_add_test(tl, test_load_rejects_a_name_defined_twice_naming_both_files);
    tcase_add_test(tl, test_load_reports_a_bad_file_with_its_path_and_line);
    tcase_add_test(tl, test_load_of_a_missing_or_empty_directory);
    tcase_add_test(tl, test_the_shipped_registry_loads);
    suite_add_tcase(s, tl);
    TCase *tm = tcase_create("match");
    tcase_add_loop_test(tm, test_match_table, 0, (int)(sizeof k_match / sizeof k_match[0]));
    suite_add_tcase(s, tm);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
