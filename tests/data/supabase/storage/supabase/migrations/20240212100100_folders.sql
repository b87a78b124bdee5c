-- Shared folders: files under shared/<folder id>/ are visible to the
-- folder's owner and members, writable by those with can_write.
create table public.folders (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null references auth.users (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 200),
  created_at timestamptz not null default now()
);
create index folders_owner_id_idx on public.folders (owner_id);

create table public.folder_members (
  folder_id uuid not null references public.folders (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  can_write boolean not null default false,
  added_at timestamptz not null default now(),
  primary key (folder_id, user_id)
);
create index folder_members_user_id_idx on public.folder_members (user_id);

-- The folders a user may read / write, as text (they are compared with
-- path segments of storage object names). SECURITY DEFINER: they read
-- folders and folder_members around those tables' own policies.
create or replace function public.readable_folder_keys(p_user_id uuid)
returns setof text
language sql
stable
security definer
set search_path = ''
as $$
  select f.id::text from public.folders f where f.owner_id = p_user_id
  union
  select m.folder_id::text from public.folder_members m where m.user_id = p_user_id
$$;

create or replace function public.writable_folder_keys(p_user_id uuid)
returns setof text
language sql
stable
security definer
set search_path = ''
as $$
  select f.id::text from public.folders f where f.owner_id = p_user_id
  union
  select m.folder_id::text from public.folder_members m where m.user_id = p_user_id and m.can_write
$$;

create or replace function public.owned_folder_ids(p_user_id uuid)
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select f.id from public.folders f where f.owner_id = p_user_id
$$;

revoke execute on function public.readable_folder_keys(uuid), public.writable_folder_keys(uuid),
  public.owned_folder_ids(uuid) from public, anon;
grant execute on function public.readable_folder_keys(uuid), public.writable_folder_keys(uuid),
  public.owned_folder_ids(uuid) to authenticated, service_role;

alter table public.folders enable row level security;
alter table public.folder_members enable row level security;

create policy "Owners and members see folders" on public.folders
  for select to authenticated
  using (id::text in (select public.readable_folder_keys((select auth.uid()))));

create policy "Users create their own folders" on public.folders
  for insert to authenticated
  with check (owner_id = (select auth.uid()));

create policy "Owners rename their folders" on public.folders
  for update to authenticated
  using (owner_id = (select auth.uid()))
  with check (owner_id = (select auth.uid()));

create policy "Members see their own memberships, owners all of theirs" on public.folder_members
  for select to authenticated
  using (user_id = (select auth.uid()) or folder_id in (select public.owned_folder_ids((select auth.uid()))));

create policy "Owners add members" on public.folder_members
  for insert to authenticated
  with check (folder_id in (select public.owned_folder_ids((select auth.uid()))));

create policy "Owners remove members" on public.folder_members
  for delete to authenticated
  using (folder_id in (select public.owned_folder_ids((select auth.uid()))));
