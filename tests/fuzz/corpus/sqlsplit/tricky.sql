-- Every lexical corner the splitter knows: comments, quotes, dollar quotes,
-- E'' strings, BEGIN ATOMIC bodies, named parameters and casts.
/* a /* nested */ comment; */
SELECT 'it''s; fine', "semi;colon", E'back\'slash;', $$dollar; body$$, $tag$ $$ ; $tag$;
CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;
  SELECT a + 1;
END;
SELECT * FROM t WHERE id = :id AND at > :since::timestamptz AND x = :id AND y = a$b;
SELECT $1, 'café' AS naïve, U&"d\0061t\+000061"
