-- description: RLS overhead pair, baseline half: the timeline home page
--   (newest 50 events of a patient) run as the table owner, so no policy is
--   evaluated. Compare with timeline_page_patient: same SQL, same parameter
--   candidates, same weights.
-- identity: owner
-- params: SELECT p.id AS patient_id, count(*) AS weight
--         FROM user_profiles p
--         JOIN healthcare_timeline_events t ON t.patient_id = p.id AND NOT t.archived
--         WHERE NOT p.archived
--         GROUP BY p.id ORDER BY p.id
-- threshold: 50ms
-- draws: rls_timeline_page
-- tags: rls-pair timeline
SELECT id, display_category, display_subcategory, title, summary,
       event_date, event_tags, is_major_event
FROM healthcare_timeline_events
WHERE patient_id = :patient_id AND NOT archived
ORDER BY event_date DESC, id DESC
LIMIT 50;
