-- description: RLS overhead pair, policy half: the same timeline page as
--   timeline_page_owner, run as the patient (the profile's account owner)
--   under the healthcare_timeline_events_select policy (has_profile_access
--   OR is_provider_for, evaluated per row the scan returns).
-- identity: patient
-- params: SELECT p.id AS patient_id, p.account_owner_id AS user_id,
--           count(*) AS weight
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
