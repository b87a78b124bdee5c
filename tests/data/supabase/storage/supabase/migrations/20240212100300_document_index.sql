-- A search index over the user's documents, one row per object in the
-- documents bucket, filled by the app after upload.
create table public.document_index (
  object_id uuid primary key references storage.objects (id) on delete cascade,
  owner_id uuid not null references auth.users (id) on delete cascade,
  title text not null,
  page_count integer check (page_count >= 0),
  indexed_at timestamptz not null default now()
);
create index document_index_owner_idx on public.document_index (owner_id, indexed_at desc);
create index document_index_title_trgm_idx on public.document_index
  using gin (title gin_trgm_ops);

alter table public.document_index enable row level security;

create policy "Owners see their index" on public.document_index
  for select to authenticated
  using (owner_id = (select auth.uid()));

create policy "Owners index their documents" on public.document_index
  for insert to authenticated
  with check (owner_id = (select auth.uid()));

create policy "Owners update their index" on public.document_index
  for update to authenticated
  using (owner_id = (select auth.uid()))
  with check (owner_id = (select auth.uid()));
