-- Team accounts (tenants) and who belongs to them.
create type public.account_role as enum ('owner', 'member');

create table public.accounts (
  id uuid primary key default extensions.uuid_generate_v4(),
  primary_owner_user_id uuid not null default auth.uid() references auth.users (id),
  name text not null check (char_length(name) between 1 and 120),
  slug citext unique check (slug ~ '^[a-z0-9-]+$'),
  public_metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index accounts_primary_owner_user_id_idx on public.accounts (primary_owner_user_id);

create trigger handle_accounts_updated_at
  before update on public.accounts
  for each row execute procedure moddatetime (updated_at);

create table public.account_user (
  account_id uuid not null references public.accounts (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  account_role public.account_role not null,
  created_at timestamptz not null default now(),
  primary key (account_id, user_id)
);

create index account_user_user_id_idx on public.account_user (user_id);

-- The accounts a user belongs to (with a given role). SECURITY DEFINER so
-- policies on account_user can use it without recursing into themselves.
create or replace function public.account_ids_for(p_user_id uuid, p_role public.account_role default null)
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select au.account_id
    from public.account_user au
   where au.user_id = p_user_id
     and (p_role is null or au.account_role = p_role)
$$;

-- Everybody who shares an account with the user.
create or replace function public.teammate_ids(p_user_id uuid)
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select distinct them.user_id
    from public.account_user me
    join public.account_user them on them.account_id = me.account_id
   where me.user_id = p_user_id
$$;

revoke execute on function public.account_ids_for(uuid, public.account_role) from public, anon;
revoke execute on function public.teammate_ids(uuid) from public, anon;
grant execute on function public.account_ids_for(uuid, public.account_role) to authenticated, service_role;
grant execute on function public.teammate_ids(uuid) to authenticated, service_role;

-- Whoever creates an account owns it.
create or replace function public.add_creator_as_owner()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.account_user (account_id, user_id, account_role)
  values (new.id, new.primary_owner_user_id, 'owner');
  return new;
end;
$$;

create trigger add_creator_as_owner
  after insert on public.accounts
  for each row execute procedure public.add_creator_as_owner();

alter table public.accounts enable row level security;
alter table public.account_user enable row level security;

create policy "Members can view their accounts" on public.accounts
  for select to authenticated
  using (id in (select public.account_ids_for((select auth.uid()))));

create policy "Users can create accounts they own" on public.accounts
  for insert to authenticated
  with check (primary_owner_user_id = (select auth.uid()));

create policy "Owners can update their accounts" on public.accounts
  for update to authenticated
  using (id in (select public.account_ids_for((select auth.uid()), 'owner')))
  with check (id in (select public.account_ids_for((select auth.uid()), 'owner')));

create policy "Members can view their teammates" on public.account_user
  for select to authenticated
  using (account_id in (select public.account_ids_for((select auth.uid()))));

create policy "Owners can change roles" on public.account_user
  for update to authenticated
  using (account_id in (select public.account_ids_for((select auth.uid()), 'owner')))
  with check (account_id in (select public.account_ids_for((select auth.uid()), 'owner')));

create policy "Owners can remove others" on public.account_user
  for delete to authenticated
  using (account_id in (select public.account_ids_for((select auth.uid()), 'owner'))
         and user_id <> (select auth.uid()));

-- Profiles (from 20240105093100) are visible to their owner and teammates.
create policy "Users can view their own and their teammates' profiles" on public.profiles
  for select to authenticated
  using (id = (select auth.uid()) or id in (select public.teammate_ids((select auth.uid()))));

create policy "Users can update their own profile" on public.profiles
  for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));
