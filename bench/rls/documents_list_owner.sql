-- description: RLS overhead pair, baseline half: the documents screen (a
--   patient's 25 newest uploads) run as the table owner, so no policy is
--   evaluated. Compare with documents_list_patient: same SQL, same parameter
--   candidates and weights.
-- identity: owner
-- params: SELECT p.id AS patient_id, count(*) AS weight
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
