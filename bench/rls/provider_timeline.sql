-- description: A clinician opens a patient's chart: the newest 50 timeline
--   events of a patient who granted them access. Runs as the provider, so
--   every row goes through the is_provider_for branch of the policy (after
--   has_profile_access fails). Only grants is_provider_for() accepts are
--   drawn: active, consented, not revoked or expired, provider active.
-- identity: provider
-- params: SELECT ppa.patient_id, pr.user_id, count(*) AS weight
--         FROM patient_provider_access ppa
--         JOIN provider_registry pr ON pr.id = ppa.provider_id AND pr.active
--         JOIN user_profiles p ON p.id = ppa.patient_id AND NOT p.archived
--         JOIN healthcare_timeline_events t ON t.patient_id = ppa.patient_id AND NOT t.archived
--         WHERE ppa.status = 'active' AND ppa.consent_given AND ppa.revoked_at IS NULL
--           AND (ppa.expires_at IS NULL OR ppa.expires_at > now())
--         GROUP BY ppa.patient_id, pr.user_id
--         ORDER BY ppa.patient_id, pr.user_id
-- threshold: 50ms
-- tags: rls provider timeline
SELECT id, display_category, display_subcategory, title, summary,
       event_date, event_tags, is_major_event
FROM healthcare_timeline_events
WHERE patient_id = :patient_id AND NOT archived
ORDER BY event_date DESC, id DESC
LIMIT 50;
