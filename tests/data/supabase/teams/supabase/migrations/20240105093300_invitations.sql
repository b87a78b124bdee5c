-- Invitations to join an account, accepted with a secret token.
create type public.invitation_type as enum ('one_time', '24_hour');

create table public.invitations (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  account_role public.account_role not null default 'member',
  token text not null unique default encode(gen_random_bytes(24), 'hex'),
  invited_by_user_id uuid not null references auth.users (id),
  email citext,
  invitation_type public.invitation_type not null default 'one_time',
  created_at timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '7 days',
  accepted_at timestamptz
);

create index invitations_account_id_idx on public.invitations (account_id, created_at desc)
  where accepted_at is null;

alter table public.invitations enable row level security;

create policy "Owners can view their accounts' invitations" on public.invitations
  for select to authenticated
  using (account_id in (select public.account_ids_for((select auth.uid()), 'owner')));

create policy "Owners can invite" on public.invitations
  for insert to authenticated
  with check (invited_by_user_id = (select auth.uid())
              and account_id in (select public.account_ids_for((select auth.uid()), 'owner')));

create policy "Owners can withdraw invitations" on public.invitations
  for delete to authenticated
  using (account_id in (select public.account_ids_for((select auth.uid()), 'owner')));

-- Accept an invitation as the signed-in user: join its account with its
-- role. Returns the account id.
create or replace function public.accept_invitation(lookup_token text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  inv public.invitations;
begin
  select * into inv
    from public.invitations i
   where i.token = lookup_token
     and i.accepted_at is null
     and i.expires_at > pg_catalog.now()
   for update;
  if not found then
    raise exception 'invitation not found or no longer valid';
  end if;
  insert into public.account_user (account_id, user_id, account_role)
  values (inv.account_id, auth.uid(), inv.account_role);
  if inv.invitation_type = 'one_time' then
    update public.invitations set accepted_at = pg_catalog.now() where id = inv.id;
  end if;
  return inv.account_id;
end;
$$;

revoke execute on function public.accept_invitation(text) from public, anon;
grant execute on function public.accept_invitation(text) to authenticated, service_role;
