-- Channels and their members. Public channels are listed to everyone;
-- everything inside a channel is for its members only.
create type public.channel_kind as enum ('public', 'private');
create type public.member_role as enum ('admin', 'member');

create table public.channels (
  id uuid primary key default extensions.uuid_generate_v4(),
  slug text not null unique,
  name text not null,
  kind public.channel_kind not null default 'public',
  created_by uuid not null default auth.uid() references auth.users (id),
  created_at timestamptz not null default now()
);

create table public.channel_members (
  channel_id uuid not null references public.channels (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role public.member_role not null default 'member',
  joined_at timestamptz not null default now(),
  last_read_at timestamptz,
  primary key (channel_id, user_id)
);
create index channel_members_user_id_idx on public.channel_members (user_id);

create or replace function public.channel_ids_of(p_user_id uuid)
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select m.channel_id from public.channel_members m where m.user_id = p_user_id
$$;

create or replace function public.admin_channel_ids_of(p_user_id uuid)
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select m.channel_id from public.channel_members m where m.user_id = p_user_id and m.role = 'admin'
$$;

revoke execute on function public.channel_ids_of(uuid), public.admin_channel_ids_of(uuid) from public, anon;
grant execute on function public.channel_ids_of(uuid), public.admin_channel_ids_of(uuid)
  to authenticated, service_role;

alter table public.channels enable row level security;
alter table public.channel_members enable row level security;

create policy "Public channels and one's own are visible" on public.channels
  for select to authenticated
  using (kind = 'public' or id in (select public.channel_ids_of((select auth.uid()))));

create policy "Users create channels" on public.channels
  for insert to authenticated
  with check (created_by = (select auth.uid()));

create policy "Admins rename channels" on public.channels
  for update to authenticated
  using (id in (select public.admin_channel_ids_of((select auth.uid()))))
  with check (id in (select public.admin_channel_ids_of((select auth.uid()))));

create policy "Members see who else is in their channels" on public.channel_members
  for select to authenticated
  using (channel_id in (select public.channel_ids_of((select auth.uid()))));

create policy "Admins add members" on public.channel_members
  for insert to authenticated
  with check (channel_id in (select public.admin_channel_ids_of((select auth.uid()))));

create policy "Members mark their channel read" on public.channel_members
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy "Members leave, admins remove" on public.channel_members
  for delete to authenticated
  using (user_id = (select auth.uid())
         or channel_id in (select public.admin_channel_ids_of((select auth.uid()))));
