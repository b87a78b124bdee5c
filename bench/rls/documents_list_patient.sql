-- description: RLS overhead pair, policy half: the same documents screen as
--   documents_list_owner, run as the patient under the shell_files_select
--   policy (has_profile_access OR is_provider_for per row).
-- identity: patient
-- params: SELECT p.id AS patient_id, p.account_owner_id AS user_id, count(*) AS weight
--         FROM user_profiles p
--         JOIN shell_files f ON f.patient_id = p.id
--         WHERE NOT p.archived
--         GROUP BY p.id ORDER BY p.id
-- threshold: 50ms
-- draws: rls_documents_list
-- tags: rls-pair documents
SELECT id, filename, mime_type, file_size_bytes, document_type, status,
       processing_error, created_at, processed_at
FROM shell_files
WHERE patient_id = :patient_id
ORDER BY created_at DESC, id DESC
LIMIT 25;
