-- description: The sidebar: for each of the user's channels, how many
--   messages arrived since they last read it (capped at 100 per channel,
--   as the badge shows "99+").
-- identity: authenticated
-- params: SELECT user_id, count(*) AS weight FROM channel_members
--         GROUP BY user_id ORDER BY user_id
-- iterations: 30
-- threshold: 100ms
SELECT cm.channel_id,
       (SELECT count(*) FROM (SELECT 1 FROM messages m
                              WHERE m.channel_id = cm.channel_id
                                AND m.created_at > coalesce(cm.last_read_at, '-infinity')
                                AND m.deleted_at IS NULL
                              LIMIT 100) s) AS unread
FROM channel_members cm
WHERE cm.user_id = :user_id
ORDER BY cm.channel_id;
