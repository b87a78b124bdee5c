-- description: A carer or partner with a live delegated grant opens the
--   shared profile (the profile header the app shows before the timeline).
--   The owner branch of user_profiles_select fails, so access comes from
--   has_profile_access's grant lookup (idx_profile_access_user_profile).
--   Only live grants on non-archived profiles are drawn.
-- identity: delegate
-- params: SELECT DISTINCT g.profile_id, g.user_id
--         FROM profile_access_permissions g
--         JOIN user_profiles p ON p.id = g.profile_id AND NOT p.archived
--         WHERE g.revoked_at IS NULL AND g.valid_from <= now()
--           AND (g.valid_until IS NULL OR g.valid_until > now())
--           AND g.user_id <> p.account_owner_id
--         ORDER BY g.profile_id, g.user_id
-- threshold: 50ms
-- tags: rls delegate profile
SELECT id, display_name, profile_type, date_of_birth, sex, created_at
FROM user_profiles
WHERE id = :profile_id;
