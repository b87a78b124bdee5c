-- description: An owner's list of invitations still open for their account
--   (open ones expire decades after the data set's reference date, so the
--   now() here does not move the result).
-- identity: authenticated
-- params: SELECT a.id AS account_id, a.primary_owner_user_id AS user_id
--         FROM accounts a ORDER BY a.id
-- iterations: 30
-- threshold: 50ms
SELECT id, email, account_role, invitation_type, created_at, expires_at
FROM invitations
WHERE account_id = :account_id AND accepted_at IS NULL AND expires_at > now()
ORDER BY created_at DESC
LIMIT 50;
