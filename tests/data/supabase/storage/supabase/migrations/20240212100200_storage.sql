-- Buckets and who may touch which objects, by the first folder of the
-- object's path:
--   avatars/<user id>/...     every signed-in user reads; the user writes
--   documents/<user id>/...   only the user
--   shared/<folder id>/...    the folder's owner and members read; owner and
--                             members with can_write write
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values
  ('avatars', 'avatars', true, 1048576, array['image/png', 'image/jpeg', 'image/webp']),
  ('documents', 'documents', false, 52428800, null),
  ('shared', 'shared', false, 52428800, null)
on conflict (id) do nothing;

create policy "Signed-in users see the buckets" on storage.buckets
  for select to authenticated
  using (true);

create policy "Read own documents, shared folders and avatars" on storage.objects
  for select to authenticated
  using (
    bucket_id = 'avatars'
    or (bucket_id = 'documents' and (storage.foldername(name))[1] = (select auth.uid())::text)
    or (bucket_id = 'shared'
        and (storage.foldername(name))[1] in (select public.readable_folder_keys((select auth.uid()))))
  );

create policy "Upload into own folders" on storage.objects
  for insert to authenticated
  with check (
    (bucket_id in ('avatars', 'documents') and (storage.foldername(name))[1] = (select auth.uid())::text)
    or (bucket_id = 'shared'
        and (storage.foldername(name))[1] in (select public.writable_folder_keys((select auth.uid()))))
  );

create policy "Update own files" on storage.objects
  for update to authenticated
  using (
    (bucket_id in ('avatars', 'documents') and (storage.foldername(name))[1] = (select auth.uid())::text)
    or (bucket_id = 'shared'
        and (storage.foldername(name))[1] in (select public.writable_folder_keys((select auth.uid()))))
  )
  with check (
    (bucket_id in ('avatars', 'documents') and (storage.foldername(name))[1] = (select auth.uid())::text)
    or (bucket_id = 'shared'
        and (storage.foldername(name))[1] in (select public.writable_folder_keys((select auth.uid()))))
  );

create policy "Delete own avatars and documents" on storage.objects
  for delete to authenticated
  using (bucket_id in ('avatars', 'documents')
         and (storage.foldername(name))[1] = (select auth.uid())::text);
