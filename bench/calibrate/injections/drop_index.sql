-- Injected regression: the indexes that serve a patient's timeline page are
-- gone (a migration that dropped them, or indexes never created in
-- production). Dropping either one alone costs nothing at scale 1: the
-- planner uses the other with the same buffers (a plan change, a warning).
DROP INDEX IF EXISTS idx_timeline_patient_date;
DROP INDEX IF EXISTS idx_timeline_patient_category_date;
