-- description: The account switcher: every account the signed-in user
--   belongs to, with their role, by name.
-- identity: authenticated
-- params: SELECT user_id, count(*) AS weight FROM account_user
--         GROUP BY user_id ORDER BY user_id
-- iterations: 30
-- threshold: 50ms
SELECT a.id, a.name, a.slug, au.account_role
FROM accounts a
JOIN account_user au ON au.account_id = a.id AND au.user_id = :user_id
ORDER BY a.name, a.id;
