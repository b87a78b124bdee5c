-- Extensions the app uses. uuid-ossp and pgcrypto come with every Supabase
-- project already; saying so here keeps a fresh local database honest.
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists citext with schema extensions;
create extension if not exists moddatetime with schema extensions;
