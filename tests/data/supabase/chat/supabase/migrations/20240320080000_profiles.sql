-- Public profiles: every signed-in user sees everybody's handle.
create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  username text not null unique check (username ~ '^[A-Za-z0-9_]{3,32}$'),
  display_name text,
  status text not null default 'offline' check (status in ('online', 'away', 'offline')),
  updated_at timestamptz not null default now()
);

alter table public.profiles enable row level security;

create policy "Profiles are visible to signed-in users" on public.profiles
  for select to authenticated
  using (true);

create policy "Users insert their own profile" on public.profiles
  for insert to authenticated
  with check (id = (select auth.uid()));

create policy "Users update their own profile" on public.profiles
  for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));
