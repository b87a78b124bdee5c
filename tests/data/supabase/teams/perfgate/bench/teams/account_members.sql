-- description: The members page of an account, as one of its members
--   sees it: the first 100 people by join date.
-- identity: authenticated
-- params: SELECT account_id, user_id, count(*) OVER (PARTITION BY account_id) AS weight
--         FROM account_user ORDER BY account_id, user_id
-- iterations: 30
-- threshold: 50ms
SELECT au.user_id, au.account_role, au.created_at
FROM account_user au
WHERE au.account_id = :account_id
ORDER BY au.created_at, au.user_id
LIMIT 100;
