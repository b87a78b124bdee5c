-- Relations the storage app's entitlement rules share (rls.json), as pg_temp
-- functions: created per session, nothing is left in the database. Written
-- from the tables, not from the app's own helper functions.
CREATE FUNCTION pg_temp.readable_folders(uid uuid) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT f.id::text FROM public.folders f WHERE f.owner_id = uid
    UNION
    SELECT m.folder_id::text FROM public.folder_members m WHERE m.user_id = uid
$$;

CREATE FUNCTION pg_temp.writable_folders(uid uuid) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT f.id::text FROM public.folders f WHERE f.owner_id = uid
    UNION
    SELECT m.folder_id::text FROM public.folder_members m WHERE m.user_id = uid AND m.can_write
$$;
