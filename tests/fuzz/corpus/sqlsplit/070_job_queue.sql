-- 070: the background job queue (document processing, OCR, notifications,
-- exports). Workers connect as service_role and use the functions of
-- 110_job_queue_functions.sql; nobody else touches the table.

CREATE TABLE public.job_queue (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    job_type       text        NOT NULL
                               CHECK (job_type IN ('document_processing', 'ocr', 'thumbnail',
                                                   'notification', 'export', 'cleanup')),
    lane           text        NOT NULL DEFAULT 'default',
    status         text        NOT NULL DEFAULT 'pending'
                               CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    priority       integer     NOT NULL DEFAULT 0,
    scheduled_at   timestamptz NOT NULL DEFAULT now(),
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    completed_at   timestamptz,
    worker_id      text,
    heartbeat_at   timestamptz,
    retry_count    integer     NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
    max_retries    integer     NOT NULL DEFAULT 3 CHECK (max_retries >= 0),
    last_error     text,
    payload        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    result         jsonb
);

COMMENT ON TABLE public.job_queue IS
    'Background jobs. Claimed with FOR UPDATE SKIP LOCKED via claim_next_job().';

-- The claim: next pending job of a lane by priority, then due time.
CREATE INDEX idx_job_queue_claim
    ON public.job_queue (lane, priority DESC, scheduled_at)
    WHERE status = 'pending';
-- Stale-heartbeat detection (reclaim_stale_jobs).
CREATE INDEX idx_job_queue_stale_heartbeat
    ON public.job_queue (heartbeat_at)
    WHERE status = 'processing';

-- No policies: only service_role (BYPASSRLS) and SECURITY DEFINER functions.
ALTER TABLE public.job_queue ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.job_queue FORCE ROW LEVEL SECURITY;
