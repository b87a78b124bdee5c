-- description: The "highlights" strip: the logged-in patient's 20 most
--   recent major events (diagnoses, admissions, ...), served by the partial
--   index idx_timeline_patient_major.
-- identity: patient
-- params: SELECT p.id AS patient_id, p.account_owner_id AS user_id,
--           count(*) AS weight
--         FROM user_profiles p
--         JOIN healthcare_timeline_events t
--           ON t.patient_id = p.id AND t.is_major_event AND NOT t.archived
--         WHERE NOT p.archived
--         GROUP BY p.id ORDER BY p.id
-- threshold: 100ms
-- tags: timeline highlights
SELECT id, display_category, title, summary, event_date
FROM healthcare_timeline_events
WHERE patient_id = :patient_id AND is_major_event AND NOT archived
ORDER BY event_date DESC, id DESC
LIMIT 20;
