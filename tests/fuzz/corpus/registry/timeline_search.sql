-- description: The timeline's search box: the logged-in patient's events
--   matching what they typed (a condition, lab test or drug, parsed with
--   websearch_to_tsquery), newest first, 50 per page. The terms are drawn
--   only for patients whose timeline contains them, so every search finds
--   something; busy patients are drawn more often. (As owner this is a
--   BitmapAnd with idx_timeline_search; under RLS @@ is not leakproof, so it
--   filters after the policy on all of the patient's rows instead.)
-- identity: patient
-- params: WITH terms(query) AS (VALUES ('diabetes'), ('hypertension'), ('asthma'),
--           ('anemia'), ('"heart failure"'), ('COVID-19'), ('pneumonia'), ('thyroid'),
--           ('lipid panel'), ('hemoglobin A1c'), ('metformin'), ('chest pain'))
--         SELECT t.patient_id, p.account_owner_id AS user_id, q.query,
--           count(*) AS weight
--         FROM terms q
--         JOIN healthcare_timeline_events t
--           ON t.searchable_content @@ websearch_to_tsquery('english', q.query)
--           AND NOT t.archived
--         JOIN user_profiles p ON p.id = t.patient_id AND NOT p.archived
--         GROUP BY t.patient_id, p.account_owner_id, q.query
--         ORDER BY t.patient_id, q.query
-- threshold: 100ms
-- tags: timeline search fts
SELECT id, display_category, title, summary, event_date, is_major_event
FROM healthcare_timeline_events
WHERE patient_id = :patient_id AND NOT archived
  AND searchable_content @@ websearch_to_tsquery('english', :query)
ORDER BY event_date DESC, id DESC
LIMIT 50;
