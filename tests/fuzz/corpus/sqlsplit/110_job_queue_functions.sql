-- 110: the job queue API. Workers (service_role) call these; all are
-- SECURITY DEFINER with an empty search_path, so the table itself can stay
-- closed to every API role.
--
-- Life of a job:
--   enqueue_job ─▶ pending ─claim_next_job─▶ processing ─complete_job─▶ completed
--                     ▲                        │  │
--                     └── fail_job (retries left, backoff 2^retry_count s)
--                     └── reclaim_stale_jobs (heartbeat older than timeout)
--                                              └─ fail_job (no retries left) ─▶ failed

CREATE FUNCTION public.enqueue_job(
    p_job_type     text,
    p_payload      jsonb,
    p_priority     integer     DEFAULT 0,
    p_scheduled_at timestamptz DEFAULT now(),
    p_lane         text        DEFAULT 'default'
)
RETURNS uuid
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_id uuid;
BEGIN
    INSERT INTO public.job_queue (job_type, lane, priority, scheduled_at, payload)
    VALUES (p_job_type,
            coalesce(p_lane, 'default'),
            coalesce(p_priority, 0),
            coalesce(p_scheduled_at, pg_catalog.now()),
            coalesce(p_payload, '{}'::jsonb))
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;

COMMENT ON FUNCTION public.enqueue_job(text, jsonb, integer, timestamptz, text) IS
    'Inserts a pending job and returns its id. job_type must be one of job_queue''s CHECK values.';


-- Takes the next due job of a lane (highest priority, then earliest
-- scheduled_at) without waiting for jobs other workers are claiming
-- (FOR UPDATE SKIP LOCKED), and marks it processing. No row when the lane has
-- nothing due. Served by idx_job_queue_claim.
CREATE FUNCTION public.claim_next_job(p_worker_id text, p_lane text DEFAULT 'default')
RETURNS SETOF public.job_queue
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    IF p_worker_id IS NULL OR p_worker_id = '' THEN
        RAISE EXCEPTION 'claim_next_job: worker id is required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    RETURN QUERY
    WITH next_job AS (
        SELECT j.id
          FROM public.job_queue j
         WHERE j.status = 'pending'
           AND j.lane = p_lane
           AND j.scheduled_at <= pg_catalog.now()
         ORDER BY j.priority DESC, j.scheduled_at
         LIMIT 1
           FOR UPDATE SKIP LOCKED
    )
    UPDATE public.job_queue j
       SET status       = 'processing',
           worker_id    = p_worker_id,
           started_at   = pg_catalog.now(),
           heartbeat_at = pg_catalog.now()
      FROM next_job
     WHERE j.id = next_job.id
    RETURNING j.*;
END;
$$;

COMMENT ON FUNCTION public.claim_next_job(text, text) IS
    'Claims the next due pending job of a lane (priority DESC, scheduled_at) with FOR UPDATE SKIP LOCKED; no row if none.';


-- A worker proves it is alive. Only the owning worker, only while processing.
CREATE FUNCTION public.heartbeat_job(p_job_id uuid, p_worker_id text)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    UPDATE public.job_queue
       SET heartbeat_at = pg_catalog.now()
     WHERE id = p_job_id
       AND worker_id = p_worker_id
       AND status = 'processing';
    RETURN FOUND;
END;
$$;

COMMENT ON FUNCTION public.heartbeat_job(uuid, text) IS
    'Refreshes heartbeat_at; false unless the job is processing and owned by p_worker_id.';


CREATE FUNCTION public.complete_job(p_job_id uuid, p_worker_id text, p_result jsonb DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    UPDATE public.job_queue
       SET status       = 'completed',
           completed_at = pg_catalog.now(),
           heartbeat_at = pg_catalog.now(),
           result       = p_result,
           last_error   = NULL
     WHERE id = p_job_id
       AND worker_id = p_worker_id
       AND status = 'processing';
    RETURN FOUND;
END;
$$;

COMMENT ON FUNCTION public.complete_job(uuid, text, jsonb) IS
    'Marks a processing job completed with p_result; false unless it is processing and owned by p_worker_id.';


-- Records a failed attempt. retry_count is incremented; if it is still below
-- max_retries the job goes back to pending, due after 2^retry_count seconds
-- (capped at one hour), with its worker cleared; otherwise it is failed.
-- With the default max_retries = 3 a job is attempted at most 3 times.
-- Returns the job's new status, or NULL if the job is not processing under
-- p_worker_id (nothing changes then).
CREATE FUNCTION public.fail_job(p_job_id uuid, p_worker_id text, p_error text)
RETURNS text
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_status text;
BEGIN
    UPDATE public.job_queue
       SET retry_count  = retry_count + 1,
           last_error   = p_error,
           status       = CASE WHEN retry_count + 1 < max_retries THEN 'pending' ELSE 'failed' END,
           scheduled_at = CASE WHEN retry_count + 1 < max_retries
                               THEN pg_catalog.now()
                                    + pg_catalog.make_interval(
                                          secs => LEAST(power(2, retry_count + 1), 3600))
                               ELSE scheduled_at END,
           worker_id    = CASE WHEN retry_count + 1 < max_retries THEN NULL ELSE worker_id END,
           heartbeat_at = CASE WHEN retry_count + 1 < max_retries THEN NULL ELSE heartbeat_at END,
           started_at   = CASE WHEN retry_count + 1 < max_retries THEN NULL ELSE started_at END,
           completed_at = CASE WHEN retry_count + 1 < max_retries THEN NULL ELSE pg_catalog.now() END
     WHERE id = p_job_id
       AND worker_id = p_worker_id
       AND status = 'processing'
    RETURNING status INTO v_status;
    RETURN v_status;
END;
$$;

COMMENT ON FUNCTION public.fail_job(uuid, text, text) IS
    'retry_count + 1; pending again after 2^retry_count s while retry_count < max_retries, else failed. Returns the new status (NULL if not owned/processing).';


-- Returns jobs whose worker stopped heartbeating to the queue. The attempt is
-- not counted as a retry (the worker died, the job did not fail).
CREATE FUNCTION public.reclaim_stale_jobs(p_timeout interval)
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_count integer;
BEGIN
    IF p_timeout IS NULL OR p_timeout <= interval '0' THEN
        RAISE EXCEPTION 'reclaim_stale_jobs: timeout must be positive'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    UPDATE public.job_queue
       SET status       = 'pending',
           worker_id    = NULL,
           heartbeat_at = NULL,
           started_at   = NULL,
           last_error   = 'reclaimed: no heartbeat for ' || p_timeout::text
     WHERE status = 'processing'
       AND heartbeat_at < pg_catalog.now() - p_timeout;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END;
$$;

COMMENT ON FUNCTION public.reclaim_stale_jobs(interval) IS
    'Puts processing jobs whose heartbeat_at is older than p_timeout back to pending; returns how many.';


-- Workers are service_role. Nothing here is for anon or authenticated:
-- patients enqueue through enqueue_document_processing (120).
REVOKE EXECUTE ON FUNCTION public.enqueue_job(text, jsonb, integer, timestamptz, text) FROM PUBLIC, anon, authenticated;
REVOKE EXECUTE ON FUNCTION public.claim_next_job(text, text) FROM PUBLIC, anon, authenticated;
REVOKE EXECUTE ON FUNCTION public.heartbeat_job(uuid, text) FROM PUBLIC, anon, authenticated;
REVOKE EXECUTE ON FUNCTION public.complete_job(uuid, text, jsonb) FROM PUBLIC, anon, authenticated;
REVOKE EXECUTE ON FUNCTION public.fail_job(uuid, text, text) FROM PUBLIC, anon, authenticated;
REVOKE EXECUTE ON FUNCTION public.reclaim_stale_jobs(interval) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.enqueue_job(text, jsonb, integer, timestamptz, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.claim_next_job(text, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.heartbeat_job(uuid, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.complete_job(uuid, text, jsonb) TO service_role;
GRANT EXECUTE ON FUNCTION public.fail_job(uuid, text, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.reclaim_stale_jobs(interval) TO service_role;
