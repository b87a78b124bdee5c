-- description: The compliance dashboard's recent-activity feed: the newest
--   50 audit entries across all patients, read by the back office
--   (service_role). A backward scan of the primary key that stops at the
--   page size, so its work grows with the page: raising the LIMIT is more
--   work, not a free change.
-- identity: service_role
-- threshold: 100ms
-- tags: audit compliance
SELECT id, table_name, record_id, action, actor_id, patient_id, created_at
FROM audit_log
ORDER BY id DESC
LIMIT 50;
