-- What `supabase db reset` runs after the migrations (written for the
-- tests): a demo login and its team for local development. perfgate
-- applies it with --seed-sql after the synthetic data, triggers firing:
-- on_auth_user_created gives the demo user a profile, add_creator_as_owner
-- makes them the team's owner.
SELECT pg_catalog.set_config('search_path', '', false);

insert into auth.users (id, email, raw_user_meta_data)
values ('00000000-0000-0000-0000-00000000d001', 'demo@teams.example',
        '{"full_name": "Demo User"}');

insert into public.accounts (id, primary_owner_user_id, name, slug)
values ('00000000-0000-0000-0000-00000000a001', '00000000-0000-0000-0000-00000000d001',
        'Demo team', 'demo-team');

insert into public.billing_customers (account_id, customer_id, email)
values ('00000000-0000-0000-0000-00000000a001', 'cus_demo', 'demo@teams.example');
