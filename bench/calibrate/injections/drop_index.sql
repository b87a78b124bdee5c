-- Injected regression: the timeline's composite index is gone (a migration
-- that dropped it, or an index never created in production).
DROP INDEX IF EXISTS idx_timeline_patient_date;
