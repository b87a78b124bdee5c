-- description: Opening a channel: its newest 50 messages, as one of its
--   members (the policy checks membership once per statement).
-- identity: authenticated
-- params: SELECT m.channel_id, m.user_id,
--           (SELECT count(*) FROM messages x WHERE x.channel_id = m.channel_id) AS weight
--         FROM channel_members m ORDER BY m.channel_id, m.user_id
-- iterations: 30
-- threshold: 50ms
SELECT id, user_id, body, reply_to, created_at, edited_at
FROM messages
WHERE channel_id = :channel_id AND deleted_at IS NULL
ORDER BY created_at DESC, id DESC
LIMIT 50;
