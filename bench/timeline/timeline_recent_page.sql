-- description: The app's home screen: the logged-in patient's newest 50
--   timeline events (keyset first page, newest first, archived rows hidden).
--   The app relies on an ordered index scan of idx_timeline_patient_date
--   that stops after 50 rows; busy patients are drawn more often.
-- identity: patient
-- params: SELECT p.id AS patient_id, p.account_owner_id AS user_id,
--           count(*) AS weight
--         FROM user_profiles p
--         JOIN healthcare_timeline_events t ON t.patient_id = p.id AND NOT t.archived
--         WHERE NOT p.archived
--         GROUP BY p.id ORDER BY p.id
-- threshold: 100ms
-- tags: timeline home keyset
SELECT id, display_category, display_subcategory, title, summary,
       event_date, event_tags, is_major_event
FROM healthcare_timeline_events
WHERE patient_id = :patient_id AND NOT archived
ORDER BY event_date DESC, id DESC
LIMIT 50;
