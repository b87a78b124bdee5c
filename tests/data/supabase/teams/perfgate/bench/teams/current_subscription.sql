-- description: The billing badge: the newest subscription of an account,
--   read by any member.
-- identity: authenticated
-- params: SELECT account_id, user_id FROM account_user ORDER BY account_id, user_id
-- iterations: 30
-- threshold: 50ms
SELECT id, status, plan_name, quantity, cancel_at_period_end, current_period_end
FROM billing_subscriptions
WHERE account_id = :account_id
ORDER BY created DESC
LIMIT 1;
