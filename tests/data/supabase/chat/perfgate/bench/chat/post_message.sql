-- description: Sending a message into a channel the user belongs to (the
--   insert policy checks authorship and membership; rolled back).
-- identity: authenticated
-- params: SELECT channel_id, user_id FROM channel_members ORDER BY channel_id, user_id
-- iterations: 20
-- threshold: 50ms
INSERT INTO messages (channel_id, body)
VALUES (:channel_id, 'perfgate was here');
