-- Billing, kept in sync by the payment provider's webhooks (service_role):
-- members read their accounts' rows, nobody else writes them.
create type public.subscription_status as enum (
  'trialing', 'active', 'canceled', 'incomplete', 'incomplete_expired', 'past_due', 'unpaid', 'paused'
);

create table public.billing_customers (
  account_id uuid primary key references public.accounts (id) on delete cascade,
  customer_id text not null unique,
  email text,
  provider text not null default 'stripe' check (provider in ('stripe', 'paddle')),
  active boolean not null default true,
  created_at timestamptz not null default now()
);

create table public.billing_subscriptions (
  id text primary key,
  account_id uuid not null references public.accounts (id) on delete cascade,
  billing_customer_id text not null references public.billing_customers (customer_id) on delete cascade,
  status public.subscription_status not null,
  plan_name text not null,
  price_id text not null,
  quantity integer not null default 1 check (quantity > 0),
  cancel_at_period_end boolean not null default false,
  created timestamptz not null default now(),
  current_period_start timestamptz not null,
  current_period_end timestamptz not null,
  ended_at timestamptz,
  trial_end timestamptz,
  metadata jsonb not null default '{}'::jsonb
);

create index billing_subscriptions_account_created_idx
  on public.billing_subscriptions (account_id, created desc);
create index billing_subscriptions_customer_idx
  on public.billing_subscriptions (billing_customer_id);

alter table public.billing_customers enable row level security;
alter table public.billing_subscriptions enable row level security;

create policy "Members can view their accounts' billing customer" on public.billing_customers
  for select to authenticated
  using (account_id in (select public.account_ids_for((select auth.uid()))));

create policy "Members can view their accounts' subscriptions" on public.billing_subscriptions
  for select to authenticated
  using (account_id in (select public.account_ids_for((select auth.uid()))));
