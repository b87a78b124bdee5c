-- description: Queueing background work: enqueue_job() inserts a pending
--   document_processing job with the document's payload (what
--   enqueue_document_processing and the back office do), maintaining
--   job_queue's primary key and the partial claim index.
-- identity: service_role
-- params: SELECT id AS shell_file_id, patient_id, storage_path, mime_type
--         FROM shell_files ORDER BY id
-- writes: true
-- threshold: 10000ms
-- tags: queue enqueue write
SELECT enqueue_job('document_processing',
                   jsonb_build_object('shell_file_id', CAST(:shell_file_id AS uuid),
                                      'patient_id',    CAST(:patient_id AS uuid),
                                      'storage_path',  CAST(:storage_path AS text),
                                      'mime_type',     CAST(:mime_type AS text)));
