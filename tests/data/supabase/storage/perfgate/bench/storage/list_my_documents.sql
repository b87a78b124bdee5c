-- description: The drive's main page: the newest 100 files in the signed-in
--   user's own documents folder, as the Storage API lists them (its
--   policy decides by the path's first folder).
-- identity: authenticated
-- params: SELECT owner AS user_id, owner::text || '/%' AS prefix, count(*) AS weight
--         FROM storage.objects WHERE bucket_id = 'documents'
--         GROUP BY owner ORDER BY owner
-- iterations: 20
-- threshold: 100ms
SELECT id, name, metadata, updated_at
FROM storage.objects
WHERE bucket_id = 'documents' AND name LIKE :prefix
ORDER BY updated_at DESC
LIMIT 100;
