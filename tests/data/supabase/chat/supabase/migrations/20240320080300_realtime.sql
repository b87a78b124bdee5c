-- Clients subscribe to new messages and membership changes over Realtime.
alter publication supabase_realtime add table public.messages, public.channel_members;
