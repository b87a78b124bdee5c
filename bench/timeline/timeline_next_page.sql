-- description: Scrolling the timeline: the next 50 events after a keyset
--   cursor (the event_date and id of the last event on the previous page),
--   newest first. The cursor is the patient's real 50th newest event, so the
--   page exists; must stay an index range scan on idx_timeline_patient_date.
-- identity: patient
-- params: SELECT patient_id, user_id, event_date AS cursor_date, id AS cursor_id,
--           n AS weight
--         FROM (SELECT t.patient_id, p.account_owner_id AS user_id, t.event_date, t.id,
--                 row_number() OVER w AS rn, count(*) OVER (PARTITION BY t.patient_id) AS n
--               FROM healthcare_timeline_events t
--               JOIN user_profiles p ON p.id = t.patient_id AND NOT p.archived
--               WHERE NOT t.archived
--               WINDOW w AS (PARTITION BY t.patient_id ORDER BY t.event_date DESC, t.id DESC)) s
--         WHERE rn = 50 AND n > 50
--         ORDER BY patient_id
-- threshold: 100ms
-- tags: timeline keyset
SELECT id, display_category, display_subcategory, title, summary,
       event_date, event_tags, is_major_event
FROM healthcare_timeline_events
WHERE patient_id = :patient_id AND NOT archived
  AND (event_date, id) < (CAST(:cursor_date AS timestamptz), CAST(:cursor_id AS uuid))
ORDER BY event_date DESC, id DESC
LIMIT 50;
