-- description: Opening a shared folder: its files by name, as one of its
--   members; the policy looks the folder up in the member's readable set.
-- identity: authenticated
-- params: SELECT m.folder_id::text || '/%' AS prefix, m.user_id
--         FROM folder_members m ORDER BY m.folder_id, m.user_id
-- iterations: 20
-- threshold: 100ms
SELECT id, name, metadata ->> 'size' AS size, updated_at
FROM storage.objects
WHERE bucket_id = 'shared' AND name LIKE :prefix
ORDER BY name
LIMIT 100;
