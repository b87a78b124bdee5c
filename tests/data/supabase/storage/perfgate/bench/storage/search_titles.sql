-- description: The search box: the user's indexed documents whose title
--   looks like the search term (trigram similarity, gin_trgm_ops index).
-- identity: authenticated
-- params: SELECT owner_id AS user_id, split_part(title, ' ', 1) AS term, count(*) AS weight
--         FROM document_index GROUP BY owner_id, split_part(title, ' ', 1)
--         ORDER BY owner_id, term
-- iterations: 20
-- threshold: 200ms
SELECT object_id, title, page_count
FROM document_index
WHERE title ILIKE '%' || :term || '%'
ORDER BY indexed_at DESC
LIMIT 20;
