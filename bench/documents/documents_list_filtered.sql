-- description: The documents screen with filters set: one document type in
--   one processing state (e.g. completed lab reports), newest first, 25 per
--   page, as the logged-in patient. Only combinations the patient has are
--   drawn, weighted by how many documents match.
-- identity: patient
-- params: SELECT f.patient_id, p.account_owner_id AS user_id, f.status,
--           f.document_type, count(*) AS weight
--         FROM shell_files f
--         JOIN user_profiles p ON p.id = f.patient_id AND NOT p.archived
--         GROUP BY f.patient_id, p.account_owner_id, f.status, f.document_type
--         ORDER BY f.patient_id, f.status, f.document_type
-- threshold: 200ms
-- tags: documents list filter
SELECT id, filename, mime_type, file_size_bytes, document_type, status,
       processing_error, created_at, processed_at
FROM shell_files
WHERE patient_id = :patient_id
  AND status = :status
  AND document_type = :document_type
ORDER BY created_at DESC, id DESC
LIMIT 25;
