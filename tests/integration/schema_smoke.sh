#!/usr/bin/env bash
# Smoke test of the healthcare schema (fixtures/schema/*.sql).
#
# Usage: PERFGATE_DSN='host=... port=... user=...' tests/integration/schema_smoke.sh
#
# Against the server at $PERFGATE_DSN (the user needs CREATEDB and must be
# able to SET ROLE to anon / authenticated / service_role, i.e. a superuser
# as in `perfgate pg start`), it creates a scratch database, applies
# 000_supabase_auth.sql twice (it must be idempotent) and then every
# fixtures/schema/*.sql in lexical order, inserts a small hand-made data set
# and checks, the way Supabase/PostgREST runs requests
#   BEGIN; SET LOCAL ROLE authenticated;
#   SELECT set_config('request.jwt.claims', '{"sub":"<uuid>","role":"authenticated"}', true);
#   ...; ROLLBACK;
# that every identity sees exactly the expected rows, that writes are allowed
# or refused as expected, that the job queue functions behave (including two
# concurrent claims), and that the timeline page query uses
# idx_timeline_patient_date. The scratch database is dropped on exit unless
# SCHEMA_SMOKE_KEEP=1.
#
# Environment: PERFGATE_DSN (required), PERFGATE_SCHEMA_DIR (default: the
# repository's fixtures/schema), SCHEMA_SMOKE_KEEP=1 (keep the database).
# Exit status: 0 all checks passed, 1 a check failed, 2 usage, 3 setup failed.
set -u -o pipefail

if [[ -z "${PERFGATE_DSN:-}" ]]; then
    echo "schema_smoke: set PERFGATE_DSN to a libpq connection string" >&2
    exit 2
fi
command -v psql >/dev/null || { echo "schema_smoke: psql not found" >&2; exit 3; }

here=$(cd "$(dirname "$0")" && pwd)
schema_dir=${PERFGATE_SCHEMA_DIR:-$here/../../fixtures/schema}
[[ -f "$schema_dir/000_supabase_auth.sql" ]] || {
    echo "schema_smoke: no 000_supabase_auth.sql in $schema_dir" >&2; exit 2; }

db="pf_schema_smoke_$$_${RANDOM}"
case "$PERFGATE_DSN" in
    postgres://* | postgresql://*)
        scheme=${PERFGATE_DSN%%://*}
        base=${PERFGATE_DSN%%\?*}
        query=${PERFGATE_DSN#"$base"}
        rest=${base#*://}
        hostpart=${rest%%/*}
        DSN="${scheme}://${hostpart}/${db}${query}"
        ;;
    *)
        DSN="$PERFGATE_DSN dbname=$db" # a repeated keyword: the last one wins
        ;;
esac

tmp=$(mktemp -d)
PSQL=(psql -X -q -At -v ON_ERROR_STOP=1)
created=0
cleanup() {
    if [[ $created == 1 && "${SCHEMA_SMOKE_KEEP:-0}" != 1 ]]; then
        "${PSQL[@]}" -d "$PERFGATE_DSN" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
    elif [[ $created == 1 ]]; then
        echo "# kept database $db"
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${PSQL[@]}" -d "$PERFGATE_DSN" -c "CREATE DATABASE $db" || { echo "schema_smoke: cannot create database" >&2; exit 3; }
created=1

# ---------------------------------------------------------------- apply schema
apply() {
    if ! "${PSQL[@]}" -d "$DSN" -f "$1" >"$tmp/apply.out" 2>&1; then
        echo "schema_smoke: applying $1 failed:" >&2
        cat "$tmp/apply.out" >&2
        exit 3
    fi
}
apply "$schema_dir/000_supabase_auth.sql"
for f in "$schema_dir"/*.sql; do apply "$f"; done

# ---------------------------------------------------------------- helpers
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok $((pass + fail)) - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok $((pass + fail)) - $1"; }

# run the SQL script on stdin and print its last output line; a failure
# prints "ERROR: <message>" instead (psql stops at the first error).
run() {
    local out msg
    if out=$("${PSQL[@]}" -d "$DSN" 2>"$tmp/err"); then
        printf '%s\n' "$out" | tail -n 1
    else
        msg=$(grep -m1 'ERROR' "$tmp/err" | sed 's/^.*ERROR: *//')
        [[ -n "$msg" ]] || msg="(psql failed) $(head -n 1 "$tmp/err")"
        printf 'ERROR: %s\n' "$msg"
    fi
}

# sql_as WHO SQL [COMMIT]: run SQL in one transaction (rolled back unless
# COMMIT) as WHO: postgres (no role switch), anon, service_role, nobody
# (authenticated without JWT claims) or an auth user uuid (authenticated
# with {"sub": uuid, "role": "authenticated"} claims).
sql_as() {
    local who=$1 sql=$2 end=${3:-ROLLBACK}
    {
        echo "BEGIN;"
        case "$who" in
            postgres) ;;
            anon) echo "SET LOCAL ROLE anon;"
                  echo "SELECT set_config('request.jwt.claims', '{\"role\":\"anon\"}', true) \\gset" ;;
            service_role) echo "SET LOCAL ROLE service_role;"
                  echo "SELECT set_config('request.jwt.claims', '{\"role\":\"service_role\"}', true) \\gset" ;;
            nobody) echo "SET LOCAL ROLE authenticated;" ;;
            *) echo "SET LOCAL ROLE authenticated;"
               echo "SELECT set_config('request.jwt.claims', '{\"sub\":\"$who\",\"role\":\"authenticated\"}', true) \\gset" ;;
        esac
        printf '%s\n;\n' "$sql"
        echo "$end;"
    } | run
}

# expect NAME WHO EXPECTED SQL [COMMIT]
expect() {
    local got
    got=$(sql_as "$2" "$4" "${5:-ROLLBACK}")
    if [[ "$got" == "$3" ]]; then ok "$1"; else not_ok "$1: expected '$3', got '$got'"; fi
}

# expect_error NAME WHO REGEX SQL: the statement must fail with a matching error.
expect_error() {
    local got
    got=$(sql_as "$2" "$4")
    if [[ "$got" == ERROR:* && "$got" =~ $3 ]]; then ok "$1"; else not_ok "$1: expected an error matching /$3/, got '$got'"; fi
}

# expect_plan NAME WHO REGEX SQL: the full output (all lines) must match.
expect_plan() {
    local out
    out=$({
        echo "BEGIN;"
        if [[ "$2" != postgres ]]; then
            echo "SET LOCAL ROLE authenticated;"
            echo "SELECT set_config('request.jwt.claims', '{\"sub\":\"$2\",\"role\":\"authenticated\"}', true) \\gset"
        fi
        printf '%s\n' "$4"
        echo "ROLLBACK;"
    } | "${PSQL[@]}" -d "$DSN" 2>&1)
    if [[ "$out" =~ $3 ]]; then ok "$1"; else not_ok "$1: plan does not match /$3/:"; sed 's/^/#   /' <<<"$out"; fi
}

# ---------------------------------------------------------------- identities
ALICE=a0000000-0000-4000-8000-000000000001   # owns alice_self, alice_child, alice_old (archived)
BOB=a0000000-0000-4000-8000-000000000002     # owns bob_self
CAROL=a0000000-0000-4000-8000-000000000003   # read delegate on bob_self
DAVE=a0000000-0000-4000-8000-000000000004    # revoked / expired / not-yet-valid grants only
EVE=a0000000-0000-4000-8000-000000000005     # write delegate on alice_child, read on alice_old
PAT=a0000000-0000-4000-8000-000000000011     # provider: active consented grant for alice_self
QUINN=a0000000-0000-4000-8000-000000000012   # provider: expired grant (bob), revoked grant (alice)
OLDDOC=a0000000-0000-4000-8000-000000000013  # inactive provider with an active grant for alice_self
BULK=a0000000-0000-4000-8000-000000000021    # owns two profiles with 10000 timeline events each

ALICE_SELF=b0000000-0000-4000-8000-000000000001
ALICE_CHILD=b0000000-0000-4000-8000-000000000002
ALICE_OLD=b0000000-0000-4000-8000-000000000003
BOB_SELF=b0000000-0000-4000-8000-000000000004
BULK1=b0000000-0000-4000-8000-000000000021
BULK2=b0000000-0000-4000-8000-000000000022

PR_PAT=c0000000-0000-4000-8000-000000000011
PR_QUINN=c0000000-0000-4000-8000-000000000012
PR_OLD=c0000000-0000-4000-8000-000000000013

EV_A1=d0000000-0000-4000-8000-000000000001
EV_A2=d0000000-0000-4000-8000-000000000002
EV_C1=d0000000-0000-4000-8000-000000000003
EV_B1=d0000000-0000-4000-8000-000000000004

# ---------------------------------------------------------------- data
# Dates: grants that must be dead end before 2025; live ones are open-ended
# or end in 2099, so the expectations hold whenever this runs.
seed=$(sql_as postgres "
INSERT INTO auth.users (id, email, role, aud) VALUES
  ('$ALICE', 'alice@example.org', 'authenticated', 'authenticated'),
  ('$BOB', 'bob@example.org', 'authenticated', 'authenticated'),
  ('$CAROL', 'carol@example.org', 'authenticated', 'authenticated'),
  ('$DAVE', 'dave@example.org', 'authenticated', 'authenticated'),
  ('$EVE', 'eve@example.org', 'authenticated', 'authenticated'),
  ('$PAT', 'dr.pat@clinic.example', 'authenticated', 'authenticated'),
  ('$QUINN', 'dr.quinn@clinic.example', 'authenticated', 'authenticated'),
  ('$OLDDOC', 'dr.old@clinic.example', 'authenticated', 'authenticated'),
  ('$BULK', 'bulk@example.org', 'authenticated', 'authenticated');

INSERT INTO public.user_profiles (id, account_owner_id, profile_type, display_name, date_of_birth, sex, archived) VALUES
  ('$ALICE_SELF', '$ALICE', 'self', 'Alice', '1985-04-12', 'female', false),
  ('$ALICE_CHILD', '$ALICE', 'child', 'Alice Jr', '2016-09-01', 'female', false),
  ('$ALICE_OLD', '$ALICE', 'dependent', 'Grandpa (archived)', '1931-02-02', 'male', true),
  ('$BOB_SELF', '$BOB', 'self', 'Bob', '1979-11-30', 'male', false),
  ('$BULK1', '$BULK', 'self', 'Bulk One', '1990-01-01', 'other', false),
  ('$BULK2', '$BULK', 'dependent', 'Bulk Two', '1960-01-01', 'unknown', false);

INSERT INTO public.profile_access_permissions (profile_id, user_id, granted_by, access_level, valid_from, valid_until, revoked_at) VALUES
  ('$BOB_SELF', '$CAROL', '$BOB', 'read', '2020-01-01', NULL, NULL),
  ('$ALICE_SELF', '$DAVE', '$ALICE', 'admin', '2020-01-01', NULL, '2024-05-01'),
  ('$ALICE_CHILD', '$DAVE', '$ALICE', 'read', '2020-01-01', '2024-12-31', NULL),
  ('$BOB_SELF', '$DAVE', '$BOB', 'read', '2099-01-01', NULL, NULL),
  ('$ALICE_CHILD', '$EVE', '$ALICE', 'write', '2021-01-01', '2099-01-01', NULL),
  ('$ALICE_OLD', '$EVE', '$ALICE', 'read', '2021-01-01', NULL, NULL);

INSERT INTO public.provider_registry (id, user_id, npi, full_name, specialty, organization, active) VALUES
  ('$PR_PAT', '$PAT', '1000000011', 'Dr. Pat Lee', 'family_medicine', 'Main Street Clinic', true),
  ('$PR_QUINN', '$QUINN', '1000000012', 'Dr. Quinn Roe', 'cardiology', 'Heart Center', true),
  ('$PR_OLD', '$OLDDOC', '1000000013', 'Dr. Old Moe', 'pediatrics', 'Closed Practice', false);

INSERT INTO public.patient_provider_access (provider_id, patient_id, status, consent_given, granted_at, expires_at, revoked_at) VALUES
  ('$PR_PAT', '$ALICE_SELF', 'active', true, '2022-01-01', NULL, NULL),
  ('$PR_PAT', '$BOB_SELF', 'pending', false, '2025-06-01', NULL, NULL),
  ('$PR_QUINN', '$BOB_SELF', 'active', true, '2022-01-01', '2024-06-01', NULL),
  ('$PR_QUINN', '$ALICE_SELF', 'revoked', true, '2022-01-01', NULL, '2024-03-01'),
  ('$PR_OLD', '$ALICE_SELF', 'active', true, '2022-01-01', NULL, NULL);

INSERT INTO public.provider_access_log (provider_id, patient_id, access_type, accessed_at, ip_address, user_agent) VALUES
  ('$PR_PAT', '$ALICE_SELF', 'view_timeline', '2025-06-01 10:00+00', '10.0.0.1', 'app/1.0'),
  ('$PR_PAT', '$ALICE_SELF', 'view_document', '2019-03-01 10:00+00', '10.0.0.1', 'app/0.9'),
  ('$PR_PAT', '$ALICE_SELF', 'view_profile', '2018-05-01 10:00+00', NULL, NULL),
  ('$PR_QUINN', '$BOB_SELF', 'export', '2023-02-01 10:00+00', '10.0.0.2', 'app/0.9');

INSERT INTO public.healthcare_encounters (id, patient_id, provider_id, encounter_type, status, started_at, ended_at, location, reason) VALUES
  ('e0000000-0000-4000-8000-000000000001', '$ALICE_SELF', '$PR_PAT', 'outpatient', 'finished', '2025-03-01 09:00+00', '2025-03-01 09:30+00', 'Main Street Clinic', 'Annual checkup'),
  ('e0000000-0000-4000-8000-000000000002', '$BOB_SELF', NULL, 'emergency', 'finished', '2024-07-04 22:00+00', '2024-07-05 02:00+00', 'City ER', 'Burn');

INSERT INTO public.patient_clinical_events (id, patient_id, encounter_id, event_type, activity_types, code_system, code, display_name, event_date) VALUES
  ('$EV_A1', '$ALICE_SELF', 'e0000000-0000-4000-8000-000000000001', 'observation', '{lab}', 'LOINC', '4548-4', 'Hemoglobin A1c', '2025-03-01 09:10+00'),
  ('$EV_A2', '$ALICE_SELF', NULL, 'intervention', '{immunization}', 'CPT', '90686', 'Influenza vaccine', '2025-10-10 12:00+00'),
  ('$EV_C1', '$ALICE_CHILD', NULL, 'observation', '{vital_signs}', 'LOINC', '85354-9', 'Blood pressure panel', '2025-05-05 08:00+00'),
  ('$EV_B1', '$BOB_SELF', 'e0000000-0000-4000-8000-000000000002', 'intervention', '{procedure}', 'SNOMED', '225358003', 'Wound care', '2024-07-04 22:30+00');

INSERT INTO public.patient_observations (event_id, observation_type, value_numeric, value_text, unit, reference_range, interpretation) VALUES
  ('$EV_A1', 'hba1c', 6.1, NULL, '%', '4.0-5.6', 'abnormal'),
  ('$EV_A2', 'vaccine_lot', NULL, 'FL1234', NULL, NULL, NULL),
  ('$EV_C1', 'systolic_bp', 104, NULL, 'mm[Hg]', '90-110', 'normal'),
  ('$EV_C1', 'diastolic_bp', 66, NULL, 'mm[Hg]', '55-75', 'normal'),
  ('$EV_B1', 'wound_size', 3.5, NULL, 'cm', NULL, 'abnormal');

INSERT INTO public.healthcare_timeline_events (patient_id, clinical_event_id, display_category, title, summary, event_date, event_tags, is_major_event, archived) VALUES
  ('$ALICE_SELF', '$EV_A1', 'test_result', 'HbA1c result', 'Slightly elevated hemoglobin A1c', '2025-03-01 09:10+00', '{diabetes,lab}', false, false),
  ('$ALICE_SELF', '$EV_A2', 'vaccination', 'Influenza vaccination', 'Seasonal flu shot', '2025-10-10 12:00+00', '{vaccination,influenza}', false, false),
  ('$ALICE_SELF', NULL, 'diagnosis', 'Prediabetes', 'Diagnosed prediabetes', '2025-03-02 10:00+00', '{diabetes}', true, false),
  ('$ALICE_SELF', NULL, 'visit', 'Duplicate entry', 'Archived duplicate', '2025-03-01 09:00+00', '{}', false, true),
  ('$ALICE_CHILD', '$EV_C1', 'screening', 'School checkup', 'Blood pressure normal', '2025-05-05 08:00+00', '{school}', false, false),
  ('$ALICE_CHILD', NULL, 'vaccination', 'MMR booster', 'Second dose', '2021-06-01 08:00+00', '{vaccination,mmr}', true, false),
  ('$ALICE_OLD', NULL, 'visit', 'Cardiology visit', NULL, '2019-01-01 08:00+00', '{}', false, false),
  ('$BOB_SELF', '$EV_B1', 'treatment', 'Burn treatment', 'ER wound care', '2024-07-04 22:30+00', '{emergency}', true, false),
  ('$BOB_SELF', NULL, 'visit', 'Dermatology follow-up', NULL, '2024-08-01 08:00+00', '{}', false, false),
  ('$BOB_SELF', NULL, 'test_result', 'Lipid panel', 'LDL 130 mg/dL', '2024-09-01 08:00+00', '{lab}', false, false),
  ('$BOB_SELF', NULL, 'screening', 'Colonoscopy', 'No findings', '2023-09-01 08:00+00', '{}', true, false),
  ('$BOB_SELF', NULL, 'vaccination', 'Tetanus booster', NULL, '2024-07-05 01:00+00', '{vaccination}', false, false);

-- two large profiles, so the planner has a real choice for the timeline page
INSERT INTO public.healthcare_timeline_events (patient_id, display_category, title, summary, event_date, event_tags, is_major_event, archived)
SELECT CASE WHEN g % 2 = 0 THEN '$BULK1'::uuid ELSE '$BULK2'::uuid END,
       (ARRAY['visit','test_result','treatment','vaccination','screening','diagnosis'])[1 + g % 6],
       'Event ' || g, 'Synthetic event number ' || g,
       timestamptz '2026-01-01' - make_interval(hours => g),
       ARRAY['tag' || (g % 50)], g % 97 = 0, g % 10 = 0
  FROM generate_series(1, 20000) AS g;

INSERT INTO public.shell_files (id, patient_id, uploaded_by, filename, mime_type, file_size_bytes, storage_path, status, extracted_text, document_type, processed_at) VALUES
  ('f0000000-0000-4000-8000-000000000001', '$ALICE_SELF', '$ALICE', 'labs-2025-03.pdf', 'application/pdf', 183211,
   '$ALICE_SELF/f0000000-0000-4000-8000-000000000001/labs-2025-03.pdf', 'completed',
   'Hemoglobin A1c 6.1 percent. Fasting glucose 104 mg/dL. Lipid panel within range.', 'lab_report', '2025-03-01 11:00+00'),
  ('f0000000-0000-4000-8000-000000000002', '$BOB_SELF', '$BOB', 'er-discharge.pdf', 'application/pdf', 92011,
   '$BOB_SELF/f0000000-0000-4000-8000-000000000002/er-discharge.pdf', 'completed',
   'Discharge summary: second degree burn of the left forearm, dressing changes daily.', 'discharge_summary', '2024-07-05 09:00+00');

INSERT INTO public.audit_log (table_name, record_id, action, actor_id, patient_id, details) VALUES
  ('shell_files', 'f0000000-0000-4000-8000-000000000001', 'INSERT', '$ALICE', '$ALICE_SELF', '{}'),
  ('shell_files', 'f0000000-0000-4000-8000-000000000002', 'INSERT', '$BOB', '$BOB_SELF', '{}'),
  ('job_queue', NULL, 'EXPORT', NULL, NULL, '{\"reason\":\"nightly\"}');

ANALYZE;
SELECT 'seeded'" COMMIT)
if [[ "$seed" != seeded ]]; then
    echo "schema_smoke: seeding failed: $seed" >&2
    exit 3
fi

# ---------------------------------------------------------------- catalog checks
expect "RLS enabled and forced on the 12 application tables" postgres 12 "
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relrowsecurity AND c.relforcerowsecurity
   AND c.relname IN ('user_profiles','profile_access_permissions','provider_registry','patient_provider_access',
                     'provider_access_log','healthcare_encounters','patient_clinical_events','patient_observations',
                     'healthcare_timeline_events','shell_files','job_queue','audit_log');"
expect "no table or partition in public without RLS" postgres 0 "
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r','p') AND NOT c.relrowsecurity;"
expect "provider_access_log has 10 partitions (2019..2027 + default)" postgres 10 "
SELECT count(*) FROM pg_inherits WHERE inhparent = 'public.provider_access_log'::regclass;"
expect "every policy is TO authenticated" postgres 0 "
SELECT count(*) FROM pg_policies WHERE schemaname = 'public' AND roles <> '{authenticated}';"
expect "auth.uid() is always wrapped in a sub-select" postgres 0 "
SELECT count(*) FROM pg_policies WHERE schemaname = 'public'
   AND regexp_replace(coalesce(qual,'') || ' ' || coalesce(with_check,''),
                      '\\(\\s*SELECT auth\\.uid\\(\\) AS uid\\)', '', 'g') ~ 'auth\\.uid\\(\\)';"
expect "at most one permissive policy per table, role and command" postgres 0 "
SELECT count(*) FROM (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND permissive = 'PERMISSIVE'
                       GROUP BY tablename, roles, cmd HAVING count(*) > 1) s;"
expect "no policy on job_queue" postgres 0 "SELECT count(*) FROM pg_policies WHERE tablename = 'job_queue';"
expect "helper functions are SECURITY DEFINER with search_path=''" postgres 10 "
SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND prosecdef
   AND 'search_path=\"\"' = ANY (proconfig)
   AND proname IN ('has_profile_access','is_provider_for','can_write_profile','can_manage_profile',
                   'enqueue_job','claim_next_job','heartbeat_job','complete_job','fail_job','reclaim_stale_jobs');"
expect "register_document_upload is SECURITY INVOKER" postgres f "
SELECT prosecdef FROM pg_proc WHERE oid = 'public.register_document_upload(uuid,text,text,bigint)'::regprocedure;"
expect "searchable_content is generated" postgres s "
SELECT attgenerated FROM pg_attribute WHERE attrelid = 'public.healthcare_timeline_events'::regclass
   AND attname = 'searchable_content';"
expect "partitions received the rows" postgres "1|1|1|1" "
SELECT (SELECT count(*) FROM public.provider_access_log_2019) || '|' ||
       (SELECT count(*) FROM public.provider_access_log_2023) || '|' ||
       (SELECT count(*) FROM public.provider_access_log_2025) || '|' ||
       (SELECT count(*) FROM public.provider_access_log_default);"

# ---------------------------------------------------------------- visibility
# counts of: user_profiles, profile_access_permissions, provider_registry,
# patient_provider_access, provider_access_log, healthcare_encounters,
# patient_clinical_events, patient_observations, healthcare_timeline_events,
# shell_files, audit_log, job_queue, patient_timeline_view
COUNTS="SELECT concat_ws(' ',
  (SELECT count(*) FROM public.user_profiles),
  (SELECT count(*) FROM public.profile_access_permissions),
  (SELECT count(*) FROM public.provider_registry),
  (SELECT count(*) FROM public.patient_provider_access),
  (SELECT count(*) FROM public.provider_access_log),
  (SELECT count(*) FROM public.healthcare_encounters),
  (SELECT count(*) FROM public.patient_clinical_events),
  (SELECT count(*) FROM public.patient_observations),
  (SELECT count(*) FROM public.healthcare_timeline_events),
  (SELECT count(*) FROM public.shell_files),
  (SELECT count(*) FROM public.audit_log),
  (SELECT count(*) FROM public.job_queue),
  (SELECT count(*) FROM public.patient_timeline_view));"
#                                                      prof perm reg ppa log enc evt obs  tl   doc aud job view
expect "visibility: service_role sees everything"  service_role "6 6 3 5 4 2 4 5 20012 2 3 0 18011" "$COUNTS"
expect "visibility: anon sees nothing"             anon         "0 0 0 0 0 0 0 0 0 0 0 0 0" "$COUNTS"
expect "visibility: authenticated without a JWT"   nobody       "0 0 3 0 0 0 0 0 0 0 0 0 0" "$COUNTS"
expect "visibility: alice (owner of 3, 1 archived)" "$ALICE"    "3 4 3 3 3 1 3 4 6 1 1 0 5" "$COUNTS"
expect "visibility: bob (owner)"                   "$BOB"       "1 2 3 2 1 1 1 1 5 1 1 0 5" "$COUNTS"
expect "visibility: carol (read delegate of bob)"  "$CAROL"     "1 1 3 2 1 1 1 1 5 1 1 0 5" "$COUNTS"
expect "visibility: dave (revoked/expired/future)" "$DAVE"      "0 3 3 0 0 0 0 0 0 0 0 0 0" "$COUNTS"
expect "visibility: eve (write delegate of child)" "$EVE"       "1 2 3 0 0 0 1 2 2 0 0 0 2" "$COUNTS"
expect "visibility: dr pat (granted alice_self)"   "$PAT"       "1 0 3 2 3 1 2 2 4 1 0 0 3" "$COUNTS"
expect "visibility: dr quinn (expired, revoked)"   "$QUINN"     "0 0 3 2 1 0 0 0 0 0 0 0 0" "$COUNTS"
expect "visibility: inactive provider"             "$OLDDOC"    "0 0 3 1 0 0 0 0 0 0 0 0 0" "$COUNTS"
expect "visibility: bulk owner"                    "$BULK"      "2 0 3 0 0 0 0 0 20000 0 0 0 18000" "$COUNTS"

expect "alice sees exactly her own profiles" "$ALICE" "Alice,Alice Jr,Grandpa (archived)" \
    "SELECT string_agg(display_name, ',' ORDER BY display_name) FROM public.user_profiles;"
expect "dr pat sees only alice_self's timeline" "$PAT" "$ALICE_SELF" \
    "SELECT string_agg(DISTINCT patient_id::text, ',') FROM public.healthcare_timeline_events;"
expect_error "anon cannot read a partition directly" anon "permission denied" \
    "SELECT count(*) FROM public.provider_access_log_2025;"
expect_error "authenticated cannot read a partition directly" "$ALICE" "permission denied" \
    "SELECT count(*) FROM public.provider_access_log_2025;"
expect "timeline full-text search (generated column)" "$ALICE" 2 \
    "SELECT count(*) FROM public.healthcare_timeline_events
      WHERE searchable_content @@ websearch_to_tsquery('english', 'vaccinations');"
expect "document full-text search (expression)" "$ALICE" 1 \
    "SELECT count(*) FROM public.shell_files
      WHERE search_vector @@ websearch_to_tsquery('english', 'glucose');"
expect "document full-text search is RLS-filtered" "$ALICE" 0 \
    "SELECT count(*) FROM public.shell_files
      WHERE search_vector @@ websearch_to_tsquery('english', 'burn');"

# ---------------------------------------------------------------- writes
TL_INSERT="INSERT INTO public.healthcare_timeline_events (patient_id, display_category, title, event_date)"
expect "owner inserts a timeline event for her child" "$ALICE" 1 \
    "WITH i AS ($TL_INSERT VALUES ('$ALICE_CHILD', 'visit', 'Pediatrician', now()) RETURNING 1) SELECT count(*) FROM i;"
expect_error "owner cannot insert for another owner's profile" "$ALICE" "row-level security" \
    "$TL_INSERT VALUES ('$BOB_SELF', 'visit', 'x', now());"
expect_error "owner cannot write to her archived profile" "$ALICE" "row-level security" \
    "$TL_INSERT VALUES ('$ALICE_OLD', 'visit', 'x', now());"
expect_error "read delegate cannot insert" "$CAROL" "row-level security" \
    "$TL_INSERT VALUES ('$BOB_SELF', 'visit', 'x', now());"
expect "read delegate updates nothing" "$CAROL" 0 \
    "WITH u AS (UPDATE public.healthcare_timeline_events SET title = 'x' RETURNING 1) SELECT count(*) FROM u;"
expect "write delegate inserts for the granted profile" "$EVE" 1 \
    "WITH i AS ($TL_INSERT VALUES ('$ALICE_CHILD', 'visit', 'Dentist', now()) RETURNING 1) SELECT count(*) FROM i;"
expect_error "write delegate cannot insert for other profiles" "$EVE" "row-level security" \
    "$TL_INSERT VALUES ('$ALICE_SELF', 'visit', 'x', now());"
expect_error "revoked delegate cannot insert" "$DAVE" "row-level security" \
    "$TL_INSERT VALUES ('$ALICE_SELF', 'visit', 'x', now());"
expect_error "provider cannot insert timeline events" "$PAT" "row-level security" \
    "$TL_INSERT VALUES ('$ALICE_SELF', 'visit', 'x', now());"
expect "provider updates no timeline event" "$PAT" 0 \
    "WITH u AS (UPDATE public.healthcare_timeline_events SET title = 'x' RETURNING 1) SELECT count(*) FROM u;"
expect "provider deletes no timeline event" "$PAT" 0 \
    "WITH d AS (DELETE FROM public.healthcare_timeline_events RETURNING 1) SELECT count(*) FROM d;"
expect_error "provider cannot insert clinical events" "$PAT" "row-level security" \
    "INSERT INTO public.patient_clinical_events (patient_id, event_type, code_system, code, display_name, event_date)
     VALUES ('$ALICE_SELF', 'observation', 'LOINC', '2345-7', 'Glucose', now());"
expect_error "provider cannot insert observations" "$PAT" "row-level security" \
    "INSERT INTO public.patient_observations (event_id, observation_type, value_numeric) VALUES ('$EV_A1', 'x', 1);"
expect "provider updates no observation" "$PAT" 0 \
    "WITH u AS (UPDATE public.patient_observations SET value_numeric = 0 RETURNING 1) SELECT count(*) FROM u;"
expect "owner inserts an observation on her event" "$ALICE" 1 \
    "WITH i AS (INSERT INTO public.patient_observations (event_id, observation_type, value_numeric, unit)
                VALUES ('$EV_A1', 'glucose', 104, 'mg/dL') RETURNING 1) SELECT count(*) FROM i;"
expect_error "owner cannot attach an observation to bob's event" "$ALICE" "row-level security" \
    "INSERT INTO public.patient_observations (event_id, observation_type, value_numeric) VALUES ('$EV_B1', 'x', 1);"
expect_error "provider cannot insert documents" "$PAT" "row-level security" \
    "INSERT INTO public.shell_files (patient_id, uploaded_by, filename, mime_type, file_size_bytes, storage_path)
     VALUES ('$ALICE_SELF', '$PAT', 'x.pdf', 'application/pdf', 1, 'x');"
expect "provider logs an access to a granted patient" "$PAT" 1 \
    "WITH i AS (INSERT INTO public.provider_access_log (provider_id, patient_id, access_type)
                VALUES ('$PR_PAT', '$ALICE_SELF', 'view_timeline') RETURNING 1) SELECT count(*) FROM i;"
expect_error "provider cannot log access to a pending patient" "$PAT" "row-level security" \
    "INSERT INTO public.provider_access_log (provider_id, patient_id, access_type) VALUES ('$PR_PAT', '$BOB_SELF', 'view_timeline');"
expect_error "provider cannot log as another provider" "$PAT" "row-level security" \
    "INSERT INTO public.provider_access_log (provider_id, patient_id, access_type) VALUES ('$PR_QUINN', '$ALICE_SELF', 'view_timeline');"
expect_error "expired provider cannot log access" "$QUINN" "row-level security" \
    "INSERT INTO public.provider_access_log (provider_id, patient_id, access_type) VALUES ('$PR_QUINN', '$BOB_SELF', 'view_timeline');"
expect "provider may request access (pending, no consent)" "$PAT" 1 \
    "WITH i AS (INSERT INTO public.patient_provider_access (provider_id, patient_id, status, consent_given)
                VALUES ('$PR_PAT', '$ALICE_CHILD', 'pending', false) RETURNING 1) SELECT count(*) FROM i;"
expect_error "provider cannot grant itself access" "$PAT" "row-level security" \
    "INSERT INTO public.patient_provider_access (provider_id, patient_id, status, consent_given)
     VALUES ('$PR_PAT', '$ALICE_CHILD', 'active', true);"
expect "patient consents to a pending provider request" "$BOB" 1 \
    "WITH u AS (UPDATE public.patient_provider_access SET status = 'active', consent_given = true
                 WHERE provider_id = '$PR_PAT' AND patient_id = '$BOB_SELF' RETURNING 1) SELECT count(*) FROM u;"
expect "consent takes effect for the provider in the same transaction" "$BOB" 5 \
    "UPDATE public.patient_provider_access SET status = 'active', consent_given = true
      WHERE provider_id = '$PR_PAT' AND patient_id = '$BOB_SELF';
     SELECT set_config('request.jwt.claims', '{\"sub\":\"$PAT\",\"role\":\"authenticated\"}', true) \\gset
     SELECT count(*) FROM public.healthcare_timeline_events WHERE patient_id = '$BOB_SELF';"
expect "revoking a delegate takes effect" "$ALICE" 0 \
    "UPDATE public.profile_access_permissions SET revoked_at = now() WHERE user_id = '$EVE' AND profile_id = '$ALICE_CHILD';
     SELECT set_config('request.jwt.claims', '{\"sub\":\"$EVE\",\"role\":\"authenticated\"}', true) \\gset
     SELECT count(*) FROM public.healthcare_timeline_events;"
expect_error "a read delegate cannot grant access" "$CAROL" "row-level security" \
    "INSERT INTO public.profile_access_permissions (profile_id, user_id, granted_by, access_level)
     VALUES ('$BOB_SELF', '$DAVE', '$CAROL', 'read');"
expect "owner edits her profile" "$ALICE" 1 \
    "WITH u AS (UPDATE public.user_profiles SET display_name = 'Alice A.' WHERE id = '$ALICE_SELF' RETURNING 1) SELECT count(*) FROM u;"
expect_error "owner cannot give a profile away" "$ALICE" "row-level security" \
    "UPDATE public.user_profiles SET account_owner_id = '$BOB' WHERE id = '$ALICE_SELF';"
expect "delegate cannot edit the profile itself" "$EVE" 0 \
    "WITH u AS (UPDATE public.user_profiles SET display_name = 'x' RETURNING 1) SELECT count(*) FROM u;"
expect_error "nobody creates a profile owned by someone else" "$BOB" "row-level security" \
    "INSERT INTO public.user_profiles (account_owner_id, display_name) VALUES ('$ALICE', 'x');"
expect_error "anon cannot create profiles" anon "row-level security" \
    "INSERT INTO public.user_profiles (account_owner_id, display_name) VALUES ('$ALICE', 'x');"
expect_error "authenticated cannot write the audit log directly" "$ALICE" "row-level security" \
    "INSERT INTO public.audit_log (table_name, action, patient_id) VALUES ('x', 'SELECT', '$ALICE_SELF');"
expect_error "log_audit_event refuses a patient without access" "$QUINN" "no access" \
    "SELECT public.log_audit_event('healthcare_timeline_events', NULL, 'SELECT', '$ALICE_SELF');"
expect "provider audits a read of a granted patient" "$PAT" 1 \
    "SELECT public.log_audit_event('healthcare_timeline_events', NULL, 'SELECT', '$ALICE_SELF') IS NOT NULL;
     SELECT set_config('request.jwt.claims', '{\"sub\":\"$ALICE\",\"role\":\"authenticated\"}', true) \\gset
     SELECT count(*) FROM public.audit_log WHERE actor_id = '$PAT';"
expect "updated_at trigger fires" "$ALICE" t \
    "UPDATE public.healthcare_timeline_events SET title = 'HbA1c (reviewed)', updated_at = '2000-01-01'
      WHERE clinical_event_id = '$EV_A1';
     SELECT updated_at > '2020-01-01' FROM public.healthcare_timeline_events WHERE clinical_event_id = '$EV_A1';"

# ---------------------------------------------------------------- plans
TIMELINE_PAGE="SELECT id, title, event_date FROM public.healthcare_timeline_events
 WHERE patient_id = '$BULK1' AND NOT archived ORDER BY event_date DESC LIMIT 50"
expect_plan "timeline page uses idx_timeline_patient_date (no RLS)" postgres "Index Scan using idx_timeline_patient_date" \
    "EXPLAIN (COSTS OFF) $TIMELINE_PAGE;"
expect_plan "timeline page uses idx_timeline_patient_date under RLS" "$BULK" "Index Scan using idx_timeline_patient_date" \
    "EXPLAIN (COSTS OFF) $TIMELINE_PAGE;"
expect "timeline page returns 50 rows newest first" "$BULK" "50|true" \
    "SELECT count(*) || '|' || bool_and(event_date <= prev) FROM (
       SELECT event_date, lag(event_date, 1, 'infinity') OVER (ORDER BY event_date DESC) AS prev FROM ($TIMELINE_PAGE) p) s;"
expect_plan "document search can use idx_shell_files_fts" postgres "idx_shell_files_fts" \
    "SET LOCAL enable_seqscan = off;
     EXPLAIN (COSTS OFF) SELECT id FROM public.shell_files
      WHERE search_vector @@ websearch_to_tsquery('english', 'glucose');"
expect_plan "job claim can use idx_job_queue_claim" postgres "idx_job_queue_claim" \
    "SET LOCAL enable_seqscan = off;
     EXPLAIN (COSTS OFF) SELECT id FROM public.job_queue WHERE status = 'pending' AND lane = 'default'
      AND scheduled_at <= now() ORDER BY priority DESC, scheduled_at LIMIT 1 FOR UPDATE SKIP LOCKED;"

# ---------------------------------------------------------------- job queue
expect_error "authenticated cannot claim jobs" "$ALICE" "permission denied" \
    "SELECT * FROM public.claim_next_job('w', 'default');"
expect_error "authenticated cannot enqueue arbitrary jobs" "$ALICE" "permission denied" \
    "SELECT public.enqueue_job('export', '{}');"
expect_error "anon cannot enqueue" anon "permission denied" \
    "SELECT public.enqueue_job('export', '{}');"

expect "enqueue 5 jobs" service_role 5 \
    "SELECT count(public.enqueue_job('notification', jsonb_build_object('n', g), g, now() - interval '1 minute', 'smoke'))
       FROM generate_series(1, 5) g;" COMMIT
expect "a future job is not claimable yet" service_role 0 \
    "SELECT public.enqueue_job('cleanup', '{}', 100, now() + interval '1 hour', 'smoke-future') AS job \\gset
     SELECT count(*) FROM public.claim_next_job('w0', 'smoke-future');"

# Session A claims and holds its transaction open; session B claims meanwhile.
{
    echo "BEGIN;"
    echo "SET LOCAL ROLE service_role;"
    echo "SELECT payload->>'n' FROM public.claim_next_job('worker-a', 'smoke');"
    echo "SELECT pg_sleep(3) \\gset"
    echo "COMMIT;"
} | PGAPPNAME=schema_smoke_a "${PSQL[@]}" -d "$DSN" >"$tmp/a.out" 2>&1 &
apid=$!
for _ in $(seq 1 100); do
    n=$(sql_as postgres "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'schema_smoke_a' AND wait_event = 'PgSleep';")
    [[ "$n" == 1 ]] && break
    sleep 0.1
done
b=$(sql_as service_role "SET LOCAL lock_timeout = '2s';
SELECT payload->>'n' FROM public.claim_next_job('worker-b', 'smoke');" COMMIT)
wait "$apid"
a=$(tail -n 1 "$tmp/a.out")
if [[ "$a" == 5 && "$b" == 4 ]]; then
    ok "concurrent claims get different jobs, by priority (a=$a b=$b)"
else
    not_ok "concurrent claims: expected a=5 b=4, got a='$a' b='$b'"
fi

JOB() { echo "(SELECT id FROM public.job_queue WHERE lane = 'smoke' AND payload->>'n' = '$1')"; }
expect "claimed job is processing with worker and timestamps" postgres "processing|worker-a|true" \
    "SELECT status || '|' || worker_id || '|' || (started_at IS NOT NULL AND heartbeat_at IS NOT NULL)
       FROM public.job_queue WHERE id = $(JOB 5);"
expect "heartbeat by the owner" service_role t "SELECT public.heartbeat_job($(JOB 4), 'worker-b');"
expect "heartbeat by another worker is refused" service_role f "SELECT public.heartbeat_job($(JOB 4), 'worker-a');"
expect "complete by another worker is refused" service_role f "SELECT public.complete_job($(JOB 5), 'worker-b');"
expect "complete by the owner" service_role t "SELECT public.complete_job($(JOB 5), 'worker-a', '{\"ok\":true}');" COMMIT
expect "completed job has result and completed_at" postgres "completed|true|true" \
    "SELECT status || '|' || (result->>'ok') || '|' || (completed_at IS NOT NULL) FROM public.job_queue WHERE id = $(JOB 5);"
expect "complete twice is refused" service_role f "SELECT public.complete_job($(JOB 5), 'worker-a');"

# fail_job: job 4 (worker-b), max_retries 3 → pending, pending, failed.
# Each failure and its checks run in one transaction, so now() is the same
# instant fail_job used: the backoff is exact and nothing races the clock.
expect "first failure: pending, retry 1, worker cleared, due in exactly 2s" service_role "pending|1|true|true|boom 1" \
    "SELECT public.fail_job($(JOB 4), 'worker-b', 'boom 1') AS st \\gset
     SELECT :'st' || '|' || retry_count || '|' || (worker_id IS NULL AND heartbeat_at IS NULL) || '|'
            || (scheduled_at = now() + interval '2 seconds') || '|' || last_error
       FROM public.job_queue WHERE id = $(JOB 4);" COMMIT
expect "a job in backoff is not claimable (the next one is)" service_role 3 \
    "SELECT payload->>'n' FROM public.claim_next_job('worker-c', 'smoke');" COMMIT
retry_cycle() { # make job 4 due, claim it, fail it; print status|retry_count|due in exactly 2^n s
    sql_as postgres "UPDATE public.job_queue SET scheduled_at = now() - interval '1 second' WHERE id = $(JOB 4);" COMMIT >/dev/null
    sql_as service_role "SELECT CASE WHEN (SELECT payload->>'n' FROM public.claim_next_job('worker-b', 'smoke')) = '4'
                                THEN public.fail_job($(JOB 4), 'worker-b', '$1') ELSE 'claimed another job' END AS st \\gset
                         SELECT :'st' || '|' || retry_count || '|' || (scheduled_at = now() + interval '$2 seconds')
                           FROM public.job_queue WHERE id = $(JOB 4);" COMMIT
}
got=$(retry_cycle "boom 2" 4)
if [[ "$got" == "pending|2|true" ]]; then ok "second failure: pending again, backoff doubled to 4s"
else not_ok "second failure: expected 'pending|2|true', got '$got'"; fi
got=$(retry_cycle "boom 3" 0)
if [[ "$got" == "failed|3|false" ]]; then ok "third failure (max_retries 3): failed"
else not_ok "third failure: expected 'failed|3|false', got '$got'"; fi
expect "failed job keeps its error and count" postgres "failed|3|boom 3|true" \
    "SELECT status || '|' || retry_count || '|' || last_error || '|' || (completed_at IS NOT NULL) FROM public.job_queue WHERE id = $(JOB 4);"
expect "fail_job on a job not processing returns NULL" service_role "" \
    "SELECT public.fail_job($(JOB 4), 'worker-b', 'again');"

# reclaim: job 3 is processing under worker-c; age its heartbeat.
expect "fresh heartbeats are not reclaimed" service_role 0 "SELECT public.reclaim_stale_jobs('5 minutes');"
sql_as postgres "UPDATE public.job_queue SET heartbeat_at = now() - interval '10 minutes' WHERE id = $(JOB 3);" COMMIT >/dev/null
expect "stale job reclaimed" service_role 1 "SELECT public.reclaim_stale_jobs('5 minutes');" COMMIT
expect "reclaimed job is pending without worker" postgres "pending|true" \
    "SELECT status || '|' || (worker_id IS NULL AND heartbeat_at IS NULL) FROM public.job_queue WHERE id = $(JOB 3);"
expect "reclaim is idempotent" service_role 0 "SELECT public.reclaim_stale_jobs('5 minutes');"
expect "claim order: priority then scheduled_at" service_role "3 2 1" \
    "SELECT concat_ws(' ', (SELECT payload->>'n' FROM public.claim_next_job('w', 'smoke')),
                           (SELECT payload->>'n' FROM public.claim_next_job('w', 'smoke')),
                           (SELECT payload->>'n' FROM public.claim_next_job('w', 'smoke')));"
expect "empty lane: no row" service_role 0 "SELECT count(*) FROM public.claim_next_job('w', 'no-such-lane');"
expect "authenticated sees no job rows" "$ALICE" 0 "SELECT count(*) FROM public.job_queue;"

# ---------------------------------------------------------------- document upload
got=$(sql_as "$ALICE" "SELECT public.register_document_upload('$ALICE_SELF', 'scan.pdf', 'application/pdf', 1234);" COMMIT)
if [[ "$got" =~ ^[0-9a-f-]{36}$ ]]; then ok "owner registers an upload ($got)"; else not_ok "register_document_upload: '$got'"; fi
DOC=$got
expect "upload: document row, processing job, audit row" postgres "uploaded|$ALICE|1|1" \
    "SELECT (SELECT status || '|' || uploaded_by FROM public.shell_files WHERE id = '$DOC') || '|' ||
            (SELECT count(*) FROM public.job_queue WHERE job_type = 'document_processing' AND status = 'pending'
                AND payload->>'shell_file_id' = '$DOC' AND payload->>'patient_id' = '$ALICE_SELF') || '|' ||
            (SELECT count(*) FROM public.audit_log WHERE record_id = '$DOC' AND actor_id = '$ALICE' AND action = 'INSERT');"
expect "the uploader sees the new document" "$ALICE" 2 "SELECT count(*) FROM public.shell_files;"
expect "the granted provider sees it too" "$PAT" 2 "SELECT count(*) FROM public.shell_files;"
expect "write delegate registers an upload" "$EVE" t \
    "SELECT public.register_document_upload('$ALICE_CHILD', 'x.png', 'image/png', 10) IS NOT NULL;"
expect_error "provider cannot register uploads" "$PAT" "row-level security" \
    "SELECT public.register_document_upload('$ALICE_SELF', 'x.pdf', 'application/pdf', 1);"
expect_error "read delegate cannot register uploads" "$CAROL" "row-level security" \
    "SELECT public.register_document_upload('$BOB_SELF', 'x.pdf', 'application/pdf', 1);"
expect_error "another owner cannot enqueue processing of alice's document" "$BOB" "no write access" \
    "SELECT public.enqueue_document_processing('$DOC');"
expect_error "anon cannot register uploads" anon "permission denied" \
    "SELECT public.register_document_upload('$ALICE_SELF', 'x.pdf', 'application/pdf', 1);"

echo "# $pass passed, $fail failed"
[[ $fail == 0 ]]
