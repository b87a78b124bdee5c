-- description: The documents screen's search box: the logged-in patient's
--   documents whose extracted text matches the query (search_vector @@
--   websearch_to_tsquery), newest first, 25 per page. Terms are conditions,
--   drugs, tests and document phrases, drawn only for patients whose
--   documents contain them. (Under RLS @@ is not leakproof, so it filters
--   after the policy instead of using idx_shell_files_fts.)
-- identity: patient
-- params: WITH terms(query) AS (VALUES ('diabetes'), ('hypertension'), ('metformin'),
--           ('atorvastatin'), ('lipid panel'), ('chest pain'), ('"heart failure"'),
--           ('colonoscopy'), ('mammogram'), ('knee MRI'), ('insurance claim'),
--           ('discharge instructions'))
--         SELECT f.patient_id, p.account_owner_id AS user_id, q.query,
--           count(*) AS weight
--         FROM terms q
--         JOIN shell_files f ON f.search_vector @@ websearch_to_tsquery('english', q.query)
--         JOIN user_profiles p ON p.id = f.patient_id AND NOT p.archived
--         GROUP BY f.patient_id, p.account_owner_id, q.query
--         ORDER BY f.patient_id, q.query
-- threshold: 200ms
-- tags: documents search fts
SELECT id, filename, document_type, status, created_at,
       left(extracted_text, 200) AS snippet
FROM shell_files
WHERE patient_id = :patient_id
  AND search_vector @@ websearch_to_tsquery('english', :query)
ORDER BY created_at DESC, id DESC
LIMIT 25;
