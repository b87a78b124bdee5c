-- description: The back office's storage usage report: files and bytes per
--   bucket, over every object (service_role, RLS bypassed).
-- identity: service_role
-- iterations: 10
-- threshold: 500ms
SELECT bucket_id, count(*) AS files, sum((metadata ->> 'size')::bigint) AS bytes
FROM storage.objects
GROUP BY bucket_id
ORDER BY bucket_id;
