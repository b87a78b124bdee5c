-- Trigram search over file titles; unaccent for folding accents in search.
create extension if not exists pg_trgm with schema extensions;
create extension if not exists unaccent;
