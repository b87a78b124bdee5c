/* Supabase fidelity on real disposable servers:
 *  - the built-in shim gives a fresh database what a Supabase project has
 *    before its first migration (roles, grants, schema extensions on the
 *    search_path, auth, storage, realtime), idempotently;
 *  - a migration creating an extension the server lacks fails with one
 *    line naming file, line, extension and what to do; the stub example of
 *    docs/supabase.md makes the same migrations apply;
 *  - the Supabase-style projects of tests/data/supabase (teams, storage,
 *    chat) apply unchanged with --auth-shim, seed, bench and pass their RLS
 *    isolation checks in `perfgate run`, with JUnit written; a leaking
 *    policy added to one of them fails the run.
 * Engine-level checks share one cluster; every `perfgate run` starts its
 * own, as CI does. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "cluster.h"
#include "db.h"
#include "exitcode.h"
#include "fsutil.h"
#include "junit.h"
#include "schema.h"
#include "testutil.h"

#define SCALE "0.25"
#define ITERATIONS "5"

static pf_cluster *g_cluster;
static char *g_tmp;         /* scratch: migration dirs, reports, baselines */
static char *g_env_runtime; /* PERFGATE_RUNTIME_DIR=<private dir> for binary runs */

static void start_shared(void)
{
    pf_error e;
    if (pf_cluster_start(&g_cluster, NULL, &e) < 0) {
        fprintf(stderr, "cluster start failed: %s\n", e.msg);
        abort();
    }
    g_tmp = pf_test_tmpdir();
    char *runtime = pf_path_join(g_tmp, "runtime");
    /* 0711: as root the server runs as an unprivileged user that must
     * enter the runtime dir. */
    if (mkdir(runtime, 0711) != 0 || chmod(runtime, 0711) != 0 || chmod(g_tmp, 0711) != 0)
        abort();
    g_env_runtime = pf_asprintf("%s=%s", PF_RUNTIME_DIR_ENV, runtime);
    free(runtime);
}

static void stop_shared(void)
{
    pf_error e;
    pf_cluster_free(g_cluster);
    g_cluster = NULL;
    const char *keep = getenv("PERFGATE_TEST_KEEP");
    if (keep == NULL || *keep == '\0')
        pf_rmtree(g_tmp, &e);
    free(g_tmp);
    free(g_env_runtime);
}

/* ---------------------------------------------------------------- helpers */

/* A fresh database of the shared cluster; returns its DSN (caller frees). */
static char *fresh_db(const char *name)
{
    pf_error e;
    pf_db *admin = NULL;
    ck_assert_msg(pf_db_connect(&admin, pf_cluster_dsn(g_cluster), &e) == 0, "%s", e.msg);
    char *sql = pf_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    ck_assert_msg(pf_db_exec(admin, sql, &e) == 0, "%s", e.msg);
    free(sql);
    sql = pf_asprintf("CREATE DATABASE %s", name);
    ck_assert_msg(pf_db_exec(admin, sql, &e) == 0, "%s", e.msg);
    free(sql);
    pf_db_close(admin);
    return pf_db_dsn_with_dbname(pf_cluster_dsn(g_cluster), name);
}

static pf_db *connect_dsn(const char *dsn)
{
    pf_error e;
    pf_db *db = NULL;
    ck_assert_msg(pf_db_connect(&db, dsn, &e) == 0, "%s", e.msg);
    return db;
}

static void exec_ok(pf_db *db, const char *sql)
{
    pf_error e;
    ck_assert_msg(pf_db_exec(db, sql, &e) == 0, "%s: %s", sql, e.msg);
}

/* The first value of sql as text ("" for NULL); caller frees. */
static char *value(pf_db *db, const char *sql)
{
    char *v = NULL;
    pf_error e;
    ck_assert_msg(pf_db_query_value(db, sql, &v, &e) == 0, "%s: %s", sql, e.msg);
    return v ? v : pf_strdup("");
}

static void expect_value(pf_db *db, const char *sql, const char *want)
{
    char *v = value(db, sql);
    ck_assert_msg(strcmp(v, want) == 0, "%s\n  gave     %s\n  expected %s", sql, v, want);
    free(v);
}

/* A directory under g_tmp holding the given files (name, text pairs,
 * NULL-terminated). Returns its path; caller frees. */
static char *dir_with(const char *name, const char *const *files)
{
    pf_error e;
    char *dir = pf_path_join(g_tmp, name);
    pf_rmtree(dir, &e);
    ck_assert_int_eq(pf_mkdirs(dir, 0755, &e), 0);
    for (size_t i = 0; files[i] != NULL; i += 2)
        free(pf_test_write(dir, files[i], files[i + 1]));
    return dir;
}

/* ------------------------------------------------------------------ shim */

START_TEST(test_shim_gives_a_fresh_database_what_supabase_has_before_the_first_migration)
{
    char *dsn = fresh_db("shim");
    pf_db *db = connect_dsn(dsn);
    pf_schema_stats st = {0};
    pf_error e;
    ck_assert_msg(pf_schema_apply_auth_shim(db, &st, &e) == 0, "%s", e.msg);
    ck_assert_msg(pf_schema_apply_auth_shim(db, &st, &e) == 0, "second apply: %s", e.msg);
    pf_db_close(db);

    /* A new session: what the database and role settings give. */
    db = connect_dsn(dsn);
    expect_value(db, "SHOW search_path", "\"$user\", public, extensions");
    expect_value(db,
                 "SELECT string_agg(extname || '@' || extnamespace::regnamespace::text, ' ' "
                 "ORDER BY extname) FROM pg_extension WHERE extname <> 'plpgsql'",
                 "pg_stat_statements@extensions pgcrypto@extensions uuid-ossp@extensions");
    expect_value(db,
                 "SELECT length(gen_random_bytes(16)) || ' ' || (uuid_generate_v4() IS NOT NULL) "
                 "|| ' ' || (extensions.crypt('pw', extensions.gen_salt('bf')) LIKE '$2a$%')",
                 "16 true true");
    /* The contrib extensions Supabase projects create, both ways. */
    exec_ok(db, "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions");
    exec_ok(db, "CREATE EXTENSION IF NOT EXISTS citext");
    exec_ok(db, "CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA extensions");
    exec_ok(db, "CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA extensions");
    exec_ok(db, "CREATE EXTENSION IF NOT EXISTS unaccent");
    expect_value(db, "SELECT similarity('perfgate', 'perfgait') > 0.3 AND 'A'::citext = 'a'", "t");

    /* Roles: created when missing, the bootstrap superuser left as it was. */
    expect_value(db,
                 "SELECT string_agg(rolname || ':' || rolcanlogin::int || rolbypassrls::int, ' ' "
                 "ORDER BY rolname) FROM pg_roles WHERE rolname IN ('anon', 'authenticated', "
                 "'service_role', 'authenticator', 'supabase_admin', 'dashboard_user')",
                 "anon:00 authenticated:00 authenticator:10 dashboard_user:00 service_role:01 "
                 "supabase_admin:01");
    expect_value(db, "SELECT rolsuper FROM pg_roles WHERE rolname = 'postgres'", "t");
    expect_value(db,
                 "SELECT pg_has_role('authenticator', 'anon', 'MEMBER') AND pg_has_role("
                 "'authenticator', 'authenticated', 'MEMBER') AND pg_has_role('authenticator', "
                 "'service_role', 'MEMBER')",
                 "t");
    expect_value(db,
                 "SELECT count(*) FROM pg_roles WHERE rolname IN ('anon', 'authenticated', "
                 "'service_role', 'postgres') AND 'search_path=\"$user\", public, extensions' "
                 "= ANY (rolconfig)",
                 "4");
    /* Default privileges: a table a migration creates is open to the API
     * roles (RLS decides), as on Supabase. */
    exec_ok(db, "CREATE TABLE public.after_shim (id int)");
    expect_value(db,
                 "SELECT has_table_privilege('anon', 'public.after_shim', 'SELECT') AND "
                 "has_table_privilege('authenticated', 'public.after_shim', 'INSERT') AND "
                 "has_table_privilege('service_role', 'public.after_shim', 'DELETE')",
                 "t");

    /* auth: GoTrue's columns, the generated confirmed_at, the functions. */
    exec_ok(db, "INSERT INTO auth.users (id, email, raw_user_meta_data, email_confirmed_at) "
                "VALUES ('00000000-0000-0000-0000-0000000000a1', 'a@example.test', "
                "'{\"full_name\": \"A\"}', '2025-01-02')");
    expect_value(db, "SELECT confirmed_at::date || ' ' || (raw_user_meta_data ->> 'full_name') "
                     "FROM auth.users",
                 "2025-01-02 A");
    expect_value(db,
                 "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'auth' "
                 "AND table_name = 'users' AND column_name IN ('raw_app_meta_data', "
                 "'raw_user_meta_data', 'email', 'phone', 'created_at', 'last_sign_in_at', "
                 "'banned_until', 'is_anonymous', 'deleted_at', 'email_change')",
                 "10");
    expect_value(db,
                 "SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM "
                 "information_schema.tables WHERE table_schema = 'auth' AND table_name IN "
                 "('identities', 'sessions', 'refresh_tokens')",
                 "identities refresh_tokens sessions");
    exec_ok(db, "BEGIN; SET LOCAL ROLE authenticated; SELECT set_config('request.jwt.claims', "
                "'{\"sub\": \"00000000-0000-0000-0000-0000000000a1\", \"role\": "
                "\"authenticated\", \"email\": \"a@example.test\"}', true)");
    expect_value(db,
                 "SELECT auth.uid() || ' ' || auth.role() || ' ' || auth.email() || ' ' || "
                 "(auth.jwt() ->> 'sub')",
                 "00000000-0000-0000-0000-0000000000a1 authenticated a@example.test "
                 "00000000-0000-0000-0000-0000000000a1");
    exec_ok(db, "ROLLBACK");
    /* The older per-claim settings still work. */
    exec_ok(db, "BEGIN; SELECT set_config('request.jwt.claim.sub', "
                "'00000000-0000-0000-0000-0000000000b2', true)");
    expect_value(db, "SELECT auth.uid()", "00000000-0000-0000-0000-0000000000b2");
    exec_ok(db, "ROLLBACK");

    /* storage: RLS on without policies, the path helpers. */
    expect_value(db,
                 "SELECT string_agg(relname || ':' || relrowsecurity::int || relforcerowsecurity"
                 "::int, ' ' ORDER BY relname) FROM pg_class WHERE relnamespace = "
                 "'storage'::regnamespace AND relkind = 'r'",
                 "buckets:10 objects:10");
    expect_value(db,
                 "SELECT storage.foldername('u1/docs/a.tar.gz')::text || ' ' || "
                 "storage.filename('u1/docs/a.tar.gz') || ' ' || storage.extension("
                 "'u1/docs/a.tar.gz') || ' ' || storage.foldername('top.png')::text",
                 "{u1,docs} a.tar.gz gz {}");
    exec_ok(db, "INSERT INTO storage.buckets (id, name) VALUES ('b', 'b')");
    exec_ok(db, "INSERT INTO storage.objects (bucket_id, name) VALUES ('b', 'u1/x/y.png')");
    expect_value(db, "SELECT path_tokens::text FROM storage.objects", "{u1,x,y.png}");
    exec_ok(db, "BEGIN; SET LOCAL ROLE authenticated");
    expect_value(db, "SELECT count(*) FROM storage.objects", "0");
    exec_ok(db, "ROLLBACK; BEGIN; SET LOCAL ROLE service_role");
    expect_value(db, "SELECT count(*) FROM storage.objects", "1");
    exec_ok(db, "ROLLBACK");

    /* realtime */
    expect_value(db,
                 "SELECT count(*) FROM pg_publication p, pg_namespace n WHERE p.pubname = "
                 "'supabase_realtime' AND n.nspname = 'realtime'",
                 "1");
    exec_ok(db, "ALTER PUBLICATION supabase_realtime ADD TABLE public.after_shim");
    pf_db_close(db);
    free(dsn);
}
END_TEST

/* ------------------------------------------------------------ extensions */

typedef struct missing_case {
    const char *sql;      /* the migration's text */
    const char *expect;   /* what its one-line error must contain */
    const char *not_said; /* what it must not contain, or NULL */
} missing_case;

static const missing_case k_missing[] = {
    {"create table a (id int);\n\ncreate extension if not exists pg_net with schema extensions;\n",
     "20240101000000_init.sql:3: extension \"pg_net\" (Supabase's asynchronous HTTP client, "
     "schema net) is not available on this server: stub it",
     "install"},
    {"CREATE EXTENSION IF NOT EXISTS \"pgsodium\" WITH SCHEMA \"pgsodium\";",
     "20240101000000_init.sql:1: extension \"pgsodium\"", NULL},
    {"-- vault\n/* secrets */\ncreate extension supabase_vault cascade;",
     "20240101000000_init.sql:3: extension \"supabase_vault\" (Supabase Vault, schema vault)",
     NULL},
    {"select 1;\ncreate extension pg_graphql;", ":2: extension \"pg_graphql\"", NULL},
    {"create extension pgjwt;", "SET perfgate.stub_extensions = 'pgjwt';", NULL},
    {"create extension not_shipped_anywhere;",
     "extension \"not_shipped_anywhere\" is not available on this server: install it on the "
     "server or stub it",
     NULL},
    /* Not a top-level CREATE EXTENSION: the statement's line still. */
    {"\ndo $$\nbegin\n  create extension pg_net;\nend\n$$;", ":2: extension \"pg_net\"", NULL},
};

START_TEST(test_a_missing_extension_fails_with_one_line_naming_file_line_and_what_to_do)
{
    const missing_case *c = &k_missing[_i];
    char *dsn = fresh_db("missing_ext");
    pf_db *db = connect_dsn(dsn);
    pf_error e;
    pf_schema_stats st = {0};
    ck_assert_msg(pf_schema_apply_auth_shim(db, &st, &e) == 0, "%s", e.msg);
    char *dir = dir_with("missing", (const char *const[]){"20240101000000_init.sql", c->sql, NULL});
    pf_error_clear(&e);
    ck_assert_int_eq(pf_schema_apply_dir(db, dir, &st, &e), -1);
    ck_assert_int_eq(e.code, PF_EXIT_USAGE);
    ck_assert_msg(strchr(e.msg, '\n') == NULL, "more than one line:\n%s", e.msg);
    ck_assert_msg(strstr(e.msg, c->expect) != NULL, "%s\ndoes not contain\n%s", e.msg, c->expect);
    ck_assert_msg(strstr(e.msg, "perfgate.stub_extensions") != NULL &&
                      strstr(e.msg, "docs/supabase.md") != NULL,
                  "%s", e.msg);
    ck_assert_msg(strncmp(e.msg, dir, strlen(dir)) == 0, "does not start with the file: %s",
                  e.msg);
    if (c->not_said != NULL)
        ck_assert_msg(strstr(e.msg, c->not_said) == NULL, "%s\nsays %s", e.msg, c->not_said);
    pf_db_close(db);
    free(dir);
    free(dsn);
}
END_TEST

/* The ```sql block after the example-stub marker of docs/supabase.md. */
static char *docs_stub(void)
{
    char *path = pf_test_source_path("docs/supabase.md");
    char *text = NULL;
    pf_error e;
    ck_assert_msg(pf_file_read(path, &text, NULL, &e) == 0, "%s", e.msg);
    free(path);
    const char *m = strstr(text, "<!-- example stub:");
    ck_assert_msg(m != NULL, "docs/supabase.md has no example stub marker");
    const char *start = strstr(m, "```sql\n");
    ck_assert_ptr_nonnull(start);
    start += strlen("```sql\n");
    const char *end = strstr(start, "\n```");
    ck_assert_ptr_nonnull(end);
    char *stub = pf_strndup(start, (size_t)(end - start + 1));
    free(text);
    return stub;
}

START_TEST(test_the_documented_stub_makes_migrations_with_missing_extensions_apply)
{
    char *stub = docs_stub();
    static const char k_migration[] =
        "create extension if not exists pg_net with schema extensions;\n"
        "comment on extension pg_net is 'async HTTP';\n"
        "create extension if not exists \"pgsodium\" with schema \"pgsodium\";\n"
        "create extension if not exists supabase_vault with schema vault;\n"
        "create extension if not exists pg_graphql with schema graphql;\n"
        "create extension if not exists pgjwt with schema extensions;\n"
        "alter extension pg_graphql update;\n"
        "create table public.orders (id bigint generated by default as identity primary key,\n"
        "  total numeric not null);\n"
        "create function public.notify_order() returns trigger language plpgsql\n"
        "security definer set search_path = '' as $$\n"
        "begin\n"
        "  perform net.http_post(url := 'https://hooks.example/orders',\n"
        "    body := pg_catalog.jsonb_build_object('id', new.id));\n"
        "  return new;\n"
        "end $$;\n"
        "create trigger orders_webhook after insert on public.orders\n"
        "  for each row execute function public.notify_order();\n"
        "select vault.create_secret('s3cr3t', 'webhook_key');\n";
    char *dir = dir_with("stubbed", (const char *const[]){"00000000000000_perfgate_stubs.sql", stub,
                                                          "20240101000000_init.sql", k_migration,
                                                          NULL});
    char *dsn = fresh_db("stubbed_ext");
    pf_db *db = connect_dsn(dsn);
    pf_error e;
    pf_schema_stats st = {0};
    ck_assert_msg(pf_schema_apply_auth_shim(db, &st, &e) == 0, "%s", e.msg);
    st = (pf_schema_stats){0};
    ck_assert_msg(pf_schema_apply_dir(db, dir, &st, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(st.files, 2);
    ck_assert_int_eq(st.stubbed, 7); /* 5 CREATE, 1 COMMENT ON, 1 ALTER */
    exec_ok(db, "INSERT INTO public.orders (total) VALUES (9.5)");
    expect_value(db, "SELECT decrypted_secret FROM vault.decrypted_secrets WHERE name = "
                     "'webhook_key'",
                 "s3cr3t");
    /* The pgjwt stand-in signs a well-formed HS256 token. */
    expect_value(db,
                 "SELECT extensions.sign('{\"sub\":\"1234567890\",\"name\":\"John Doe\","
                 "\"iat\":1516239022}', 'your-256-bit-secret')",
                 "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Ikpv"
                 "aG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
    /* Nothing was created for the stubbed names. */
    expect_value(db, "SELECT count(*) FROM pg_extension WHERE extname IN ('pg_net', 'pgsodium', "
                     "'supabase_vault', 'pg_graphql', 'pgjwt')",
                 "0");
    pf_db_close(db);

    /* Without the stub, the same migration stops at its first line. */
    char *bare = dir_with("unstubbed", (const char *const[]){"20240101000000_init.sql",
                                                             k_migration, NULL});
    free(dsn);
    dsn = fresh_db("unstubbed_ext");
    db = connect_dsn(dsn);
    ck_assert_msg(pf_schema_apply_auth_shim(db, NULL, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(pf_schema_apply_dir(db, bare, NULL, &e), -1);
    ck_assert_msg(strstr(e.msg, "20240101000000_init.sql:1: extension \"pg_net\"") != NULL, "%s",
                  e.msg);
    pf_db_close(db);
    free(bare);
    free(dsn);
    free(dir);
    free(stub);
}
END_TEST

/* ------------------------------------------------------------- projects */

typedef struct project {
    const char *name;
    int min_cases; /* benchmark cases the project's registry holds */
} project;

static const project k_projects[] = {
    {"teams", 4},
    {"storage", 4},
    {"chat", 3},
};

static double xp_num(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    ck_assert_msg(o != NULL && o->type == XPATH_NUMBER, "XPath %s is not a number", expr);
    double v = o->floatval;
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return v;
}

/* The names of the identities of a rules file that need a user (role
 * authenticated, the default). NULL-terminated; caller frees. */
static char **user_identities(const char *rules_path)
{
    char *text = NULL;
    pf_error e;
    ck_assert_msg(pf_file_read(rules_path, &text, NULL, &e) == 0, "%s", e.msg);
    cJSON *root = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(root);
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(root, "identities");
    char **out = pf_calloc((size_t)cJSON_GetArraySize(ids) + 1, sizeof *out);
    size_t n = 0;
    for (const cJSON *i = ids ? ids->child : NULL; i; i = i->next) {
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(i, "role");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(i, "name");
        if (cJSON_IsString(name) && (!cJSON_IsString(role) ||
                                     strcmp(role->valuestring, "authenticated") == 0))
            out[n++] = pf_strdup(name->valuestring);
    }
    cJSON_Delete(root);
    return out;
}

/* perfgate run on a project's migrations (or migrations_dir instead) with
 * its spec, cases and rules, in its own disposable cluster. */
static void run_project(const char *name, const char *migrations_dir, const char *junit,
                        pf_run_result *r)
{
    char *root = pf_asprintf("tests/data/supabase/%s", name);
    char *rel_mig = pf_asprintf("%s/supabase/migrations", root);
    char *rel_ds = pf_asprintf("%s/perfgate/dataset.json", root);
    char *rel_bench = pf_asprintf("%s/perfgate/bench", root);
    char *rel_rules = pf_asprintf("%s/perfgate/rls.json", root);
    char *mig = migrations_dir ? pf_strdup(migrations_dir) : pf_test_source_path(rel_mig);
    char *ds = pf_test_source_path(rel_ds), *bench = pf_test_source_path(rel_bench);
    char *rules = pf_test_source_path(rel_rules);
    char *baselines = pf_asprintf("%s/baselines-%s", g_tmp, name); /* empty: every case is new */
    char *argv[] = {(char *)pf_test_bin(), "run", "--auth-shim", "--schema", mig, "--dataset", ds,
                    "--bench", bench, "--baselines", baselines, "--rls-rules", rules,
                    "--junit", (char *)junit, "--scale", SCALE, "--iterations", ITERATIONS,
                    NULL};
    char *env[] = {g_env_runtime, "PERFGATE_DSN=", "GITHUB_STEP_SUMMARY=", NULL};
    pf_test_run(argv, env, NULL, r);
    free(root);
    free(rel_mig);
    free(rel_ds);
    free(rel_bench);
    free(rel_rules);
    free(mig);
    free(ds);
    free(bench);
    free(rules);
    free(baselines);
}

START_TEST(test_supabase_project_applies_seeds_benches_and_passes_its_rls_checks)
{
    const project *p = &k_projects[_i];
    char *junit = pf_asprintf("%s/%s.xml", g_tmp, p->name);
    pf_run_result r;
    run_project(p->name, NULL, junit, &r);
    ck_assert_msg(r.status == 0, "%s: perfgate run exited %d\nstderr:\n%s\nstdout:\n%s", p->name,
                  r.status, r.err, r.out);

    pf_error e;
    char *xsd = pf_test_junit_reporters_xsd(g_tmp);
    ck_assert_msg(pf_junit_validate(junit, xsd, &e) == 0, "%s: %s", junit, e.msg);
    free(xsd);
    xmlDocPtr doc = xmlReadFile(junit, NULL, XML_PARSE_NONET);
    ck_assert_msg(doc != NULL, "cannot parse %s", junit);
    char expr[512];
    snprintf(expr, sizeof expr, "count(//testsuite[@name='%s']/testcase)", p->name);
    ck_assert_int_eq((int)xp_num(doc, expr), p->min_cases);
    /* The RLS isolation checks ran and passed, for every sampled identity
     * (an identity the data lacks would be skipped: that fails here). */
    ck_assert_int_gt((int)xp_num(doc, "count(//testsuite[@name='rls-isolation']/testcase)"), 20);
    ck_assert_int_eq((int)xp_num(doc, "count(//testsuite[starts-with(@name, 'rls-')]/testcase"
                                      "[failure or error])"),
                     0);
    /* Gate cases first, then the RLS suites; each testcase names its file:
     * a case file (with its header line) or the rules file. */
    ck_assert_int_eq((int)xp_num(doc, "count(//testsuite[starts-with(@name, 'rls-')]/"
                                      "following-sibling::testsuite[not(starts-with(@name, "
                                      "'rls-'))])"),
                     0);
    snprintf(expr, sizeof expr,
             "count(//testsuite[@name='%s']/testcase[contains(@file, '/perfgate/bench/') and "
             "@line >= 1])",
             p->name);
    ck_assert_int_eq((int)xp_num(doc, expr), p->min_cases);
    ck_assert_int_eq((int)xp_num(doc, "count(//testsuite[starts-with(@name, 'rls-')]/testcase"
                                      "[not(contains(@file, '/perfgate/rls.json'))])"),
                     0);
    char *rel_rules = pf_asprintf("tests/data/supabase/%s/perfgate/rls.json", p->name);
    char *rules = pf_test_source_path(rel_rules);
    char **ids = user_identities(rules);
    ck_assert_ptr_nonnull(ids[0]);
    for (char **id = ids; *id; id++) {
        snprintf(expr, sizeof expr,
                 "count(//testsuite[@name='rls-isolation']/testcase[contains(@name, ' / %s / "
                 "SELECT')][not(skipped)])",
                 *id);
        ck_assert_msg(xp_num(doc, expr) >= 3, "%s: identity %s has too few SELECT checks",
                      p->name, *id);
        free(*id);
    }
    free(ids);
    free(rules);
    free(rel_rules);
    xmlFreeDoc(doc);
    pf_run_result_dispose(&r);
    free(junit);
}
END_TEST

START_TEST(test_a_leaking_policy_in_a_supabase_project_fails_the_run)
{
    /* The teams migrations plus one permissive policy too many. */
    pf_error e;
    char *src = pf_test_source_path("tests/data/supabase/teams/supabase/migrations");
    char *dir = pf_path_join(g_tmp, "teams-leak");
    ck_assert_int_eq(pf_mkdirs(dir, 0755, &e), 0);
    char **files = NULL;
    size_t n = 0;
    ck_assert_int_eq(pf_dir_list(src, ".sql", &files, &n, &e), 0);
    for (size_t i = 0; i < n; i++) {
        char *from = pf_path_join(src, files[i]), *text = NULL;
        ck_assert_int_eq(pf_file_read(from, &text, NULL, &e), 0);
        free(pf_test_write(dir, files[i], text));
        free(text);
        free(from);
    }
    pf_strv_free(files);
    free(pf_test_write(dir, "20240105099900_status_page.sql",
                       "create policy \"Active subscriptions are public\" on "
                       "public.billing_subscriptions\n  for select to authenticated using "
                       "(status = 'active');\n"));
    char *junit = pf_path_join(g_tmp, "teams-leak.xml");
    pf_run_result r;
    run_project("teams", dir, junit, &r);
    ck_assert_msg(r.status == PF_EXIT_FAIL, "exit %d\n%s\n%s", r.status, r.err, r.out);
    const char *leak = "LEAK: public.billing_subscriptions as team_member can SELECT";
    ck_assert_msg(strstr(r.out, leak) != NULL || strstr(r.err, leak) != NULL, "%s\n%s", r.out,
                  r.err);
    pf_run_result_dispose(&r);
    free(junit);
    free(dir);
    free(src);
}
END_TEST

START_TEST(test_seeding_a_supabase_project_fills_its_tables_and_the_trigger_filled_ones)
{
    char *dsn = fresh_db("teams_seed");
    char *mig = pf_test_source_path("tests/data/supabase/teams/supabase/migrations");
    char *ds = pf_test_source_path("tests/data/supabase/teams/perfgate/dataset.json");
    char *argv[] = {(char *)pf_test_bin(), "seed", "--auth-shim", "--schema", mig, "--dataset",
                    ds, "--dsn", dsn, "--scale", SCALE, NULL};
    pf_run_result r;
    pf_test_run(argv, (char *const[]){g_env_runtime, NULL}, NULL, &r);
    ck_assert_msg(r.status == 0, "perfgate seed exited %d\n%s\n%s", r.status, r.err, r.out);
    pf_run_result_dispose(&r);
    pf_db *db = connect_dsn(dsn);
    expect_value(db,
                 "SELECT (SELECT count(*) FROM auth.users) || ' ' || (SELECT count(*) FROM "
                 "accounts) || ' ' || (SELECT count(*) FROM account_user) || ' ' || "
                 "(SELECT count(*) FROM billing_subscriptions)",
                 "500 100 1000 225");
    /* Every account has its owner as an 'owner' member. */
    expect_value(db,
                 "SELECT count(*) FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM account_user "
                 "au WHERE au.account_id = a.id AND au.user_id = a.primary_owner_user_id AND "
                 "au.account_role = 'owner')",
                 "0");
    /* profiles is filled by on_auth_user_created: the spec loads auth.users
     * with "triggers": true. One profile per user, with the name the trigger
     * takes from raw_user_meta_data, and analysed like the spec's tables. */
    expect_value(db, "SELECT count(*) FROM profiles", "500");
    expect_value(db,
                 "SELECT count(*) FROM profiles p JOIN auth.users u ON u.id = p.id "
                 "WHERE p.full_name = u.raw_user_meta_data ->> 'full_name'",
                 "500");
    expect_value(db, "SELECT reltuples::bigint FROM pg_class WHERE oid = 'public.profiles'::regclass",
                 "500");
    /* The trigger itself works: a sign-up after seeding gets its profile. */
    exec_ok(db, "INSERT INTO auth.users (id, email, raw_user_meta_data) VALUES "
                "('00000000-0000-0000-0000-0000000000c3', 'new@teams.example', "
                "'{\"full_name\": \"New User\"}')");
    expect_value(db, "SELECT full_name FROM profiles WHERE id = "
                     "'00000000-0000-0000-0000-0000000000c3'",
                 "New User");
    pf_db_close(db);
    free(mig);
    free(ds);
    free(dsn);
}
END_TEST

/* supabase/seed.sql with --seed-sql: applied after the synthetic data,
 * triggers firing, before ANALYZE (the statistics count its rows); an
 * error in it names the file and line, in every command that seeds. */
START_TEST(test_seed_sql_runs_after_the_data_with_triggers_and_before_analyze)
{
    char *dsn = fresh_db("teams_seed_sql");
    char *mig = pf_test_source_path("tests/data/supabase/teams/supabase/migrations");
    char *ds = pf_test_source_path("tests/data/supabase/teams/perfgate/dataset.json");
    char *seed_sql = pf_test_source_path("tests/data/supabase/teams/supabase/seed.sql");
    char *argv[] = {(char *)pf_test_bin(), "seed", "--auth-shim", "--schema", mig, "--dataset",
                    ds, "--seed-sql", seed_sql, "--dsn", dsn, "--scale", SCALE, NULL};
    pf_run_result r;
    pf_test_run(argv, (char *const[]){g_env_runtime, NULL}, NULL, &r);
    ck_assert_msg(r.status == 0, "perfgate seed exited %d\n%s\n%s", r.status, r.err, r.out);
    ck_assert_msg(strstr(r.err, "seed.sql: 4 statements") != NULL, "%s", r.err);
    pf_run_result_dispose(&r);
    pf_db *db = connect_dsn(dsn);
    /* the spec's rows and the seed's: 500 + 1 users, 100 + 1 accounts */
    expect_value(db,
                 "SELECT (SELECT count(*) FROM auth.users) || ' ' || (SELECT count(*) FROM "
                 "accounts) || ' ' || (SELECT count(*) FROM account_user) || ' ' || "
                 "(SELECT count(*) FROM billing_customers)",
                 "501 101 1001 101");
    /* its inserts fired the app's triggers: a profile, an owner */
    expect_value(db,
                 "SELECT full_name FROM profiles WHERE id = "
                 "'00000000-0000-0000-0000-00000000d001'",
                 "Demo User");
    expect_value(db,
                 "SELECT account_role FROM account_user WHERE account_id = "
                 "'00000000-0000-0000-0000-00000000a001' AND user_id = "
                 "'00000000-0000-0000-0000-00000000d001'",
                 "owner");
    /* ANALYZE came after it: every row counted, in and outside the spec */
    expect_value(db,
                 "SELECT string_agg(reltuples::bigint::text, ' ' ORDER BY relname) FROM pg_class "
                 "WHERE oid IN ('public.accounts'::regclass, 'public.account_user'::regclass, "
                 "'public.profiles'::regclass)",
                 "1001 101 501");
    pf_db_close(db);

    /* Its inserts take ids from identity sequences already moved past the
     * spec's explicit ids (chat's messages.id is a sequence in the spec). */
    char *chat_mig = pf_test_source_path("tests/data/supabase/chat/supabase/migrations");
    char *chat_ds = pf_test_source_path("tests/data/supabase/chat/perfgate/dataset.json");
    char *chat_seed = pf_test_write(g_tmp, "chat-seed.sql",
                                    "insert into public.messages (channel_id, user_id, body)\n"
                                    "select id, created_by, 'Welcome!' from public.channels\n"
                                    "order by slug limit 1;\n");
    char *chat_dsn = fresh_db("chat_seed_sql");
    char *argv_chat[] = {(char *)pf_test_bin(), "seed", "--auth-shim", "--schema", chat_mig,
                         "--dataset", chat_ds, "--seed-sql", chat_seed, "--dsn", chat_dsn,
                         "--scale", SCALE, NULL};
    pf_test_run(argv_chat, (char *const[]){g_env_runtime, NULL}, NULL, &r);
    ck_assert_msg(r.status == 0, "perfgate seed (chat) exited %d\n%s", r.status, r.err);
    pf_run_result_dispose(&r);
    db = connect_dsn(chat_dsn);
    expect_value(db,
                 "SELECT (SELECT id FROM messages WHERE body = 'Welcome!') = "
                 "(SELECT max(id) FROM messages)",
                 "t");
    pf_db_close(db);
    free(chat_dsn);
    free(chat_seed);
    free(chat_ds);
    free(chat_mig);

    /* An error in it: exit 2, its file and line, from seed and from run. */
    const char *bad_text = "update public.accounts set name = name || '!' where false;\n"
                           "\n"
                           "insert into public.no_such_table values (1);\n";
    char *bad = pf_test_write(g_tmp, "bad-seed.sql", bad_text);
    char *dsn2 = fresh_db("teams_seed_sql_bad");
    char *argv2[] = {(char *)pf_test_bin(), "seed", "--auth-shim", "--schema", mig, "--dataset",
                     ds, "--seed-sql", bad, "--dsn", dsn2, "--scale", SCALE, NULL};
    pf_test_run(argv2, (char *const[]){g_env_runtime, NULL}, NULL, &r);
    ck_assert_msg(r.status == 2, "perfgate seed exited %d\n%s", r.status, r.err);
    char *where = pf_asprintf("%s:3", bad);
    ck_assert_msg(strstr(r.err, where) != NULL && strstr(r.err, "no_such_table") != NULL, "%s",
                  r.err);
    pf_run_result_dispose(&r);
    char *bench = pf_test_source_path("tests/data/supabase/teams/perfgate/bench");
    char *baselines = pf_asprintf("%s/baselines-seed-sql", g_tmp);
    char *argv3[] = {(char *)pf_test_bin(), "run", "--auth-shim", "--schema", mig, "--dataset", ds,
                     "--seed-sql", bad, "--bench", bench, "--baselines", baselines, "--scale",
                     SCALE, "--iterations", ITERATIONS, "--no-instructions", "--no-rls", NULL};
    char *env[] = {g_env_runtime, "PERFGATE_DSN=", "GITHUB_STEP_SUMMARY=", NULL};
    pf_test_run(argv3, env, NULL, &r);
    ck_assert_msg(r.status == 2, "perfgate run exited %d\n%s", r.status, r.err);
    ck_assert_msg(strstr(r.err, where) != NULL, "%s", r.err);
    pf_run_result_dispose(&r);
    free(where);
    free(bench);
    free(baselines);
    free(bad);
    free(dsn2);
    free(seed_sql);
    free(mig);
    free(ds);
    free(dsn);
}
END_TEST

static Suite *supabase_suite(void)
{
    Suite *s = suite_create("supabase");
    TCase *t = tcase_create("supabase");
    tcase_add_unchecked_fixture(t, start_shared, stop_shared);
    tcase_set_timeout(t, 600);
    tcase_add_test(t, test_shim_gives_a_fresh_database_what_supabase_has_before_the_first_migration);
    tcase_add_loop_test(t, test_a_missing_extension_fails_with_one_line_naming_file_line_and_what_to_do,
                        0, (int)(sizeof k_missing / sizeof k_missing[0]));
    tcase_add_test(t, test_the_documented_stub_makes_migrations_with_missing_extensions_apply);
    tcase_add_test(t, test_seeding_a_supabase_project_fills_its_tables_and_the_trigger_filled_ones);
    tcase_add_test(t, test_seed_sql_runs_after_the_data_with_triggers_and_before_analyze);
    tcase_add_loop_test(t, test_supabase_project_applies_seeds_benches_and_passes_its_rls_checks, 0,
                        (int)(sizeof k_projects / sizeof k_projects[0]));
    tcase_add_test(t, test_a_leaking_policy_in_a_supabase_project_fails_the_run);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(supabase_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
