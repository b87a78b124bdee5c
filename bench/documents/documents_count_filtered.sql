-- description: The total the documents screen shows for pagination
--   ("page 1 of 7"): count of the logged-in patient's documents of one type,
--   through RLS. Counting visits every matching row, so busy patients cost
--   the most; drawn per (patient, type) weighted by the count.
-- identity: patient
-- params: SELECT f.patient_id, p.account_owner_id AS user_id, f.document_type,
--           count(*) AS weight
--         FROM shell_files f
--         JOIN user_profiles p ON p.id = f.patient_id AND NOT p.archived
--         GROUP BY f.patient_id, p.account_owner_id, f.document_type
--         ORDER BY f.patient_id, f.document_type
-- threshold: 200ms
-- tags: documents count pagination
SELECT count(*)
FROM shell_files
WHERE patient_id = :patient_id
  AND document_type = :document_type;
