-- description: The operations dashboard's queue panel: pending jobs per lane
--   and type with the oldest due time (how far behind the workers are).
--   Reads only pending rows, through the partial index idx_job_queue_claim.
-- identity: service_role
-- threshold: 10000ms
-- tags: queue dashboard
SELECT lane, job_type, count(*) AS pending, min(scheduled_at) AS oldest_due
FROM job_queue
WHERE status = 'pending'
GROUP BY lane, job_type
ORDER BY lane, job_type;
