-- description: A filter chip on the timeline: one category (test results,
--   visits, ...) of the logged-in patient over the last two years, newest
--   first, 50 per page. :since is two years before the data set's newest
--   event (no now() in the measured SQL); served by
--   idx_timeline_patient_category_date.
-- identity: patient
-- params: SELECT t.patient_id, p.account_owner_id AS user_id,
--           t.display_category AS category, r.since, count(*) AS weight
--         FROM healthcare_timeline_events t
--         JOIN user_profiles p ON p.id = t.patient_id AND NOT p.archived
--         CROSS JOIN (SELECT date_trunc('day', max(event_date)) - interval '2 years' AS since
--                     FROM healthcare_timeline_events) r
--         WHERE NOT t.archived AND t.event_date >= r.since
--         GROUP BY t.patient_id, p.account_owner_id, t.display_category, r.since
--         ORDER BY t.patient_id, t.display_category
-- threshold: 100ms
-- tags: timeline filter
SELECT id, display_category, display_subcategory, title, summary,
       event_date, event_tags, is_major_event
FROM healthcare_timeline_events
WHERE patient_id = :patient_id AND NOT archived
  AND display_category = :category
  AND event_date >= CAST(:since AS timestamptz)
ORDER BY event_date DESC, id DESC
LIMIT 50;
