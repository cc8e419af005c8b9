-- A PostgreSQL app state's backup and restore (pipelines/backup.py). SQLite's app state is
-- copied whole with SQLite's backup API and checked by its SQL dump, so it has no twin.

-- name: repeatable_read
-- the checksum and pg_dump read the same snapshot: this transaction exports it
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;

-- name: export_snapshot
SELECT pg_export_snapshot();

-- name: table_checksums
-- Every table of the schema: its row count and an MD5 of its rows' text in a fixed order.
-- format(%I) quotes each table's name; query_to_xml runs the count for each.
SELECT c.relname AS table_name, x.n, x.h
FROM pg_class AS c
JOIN pg_namespace AS s ON s.oid = c.relnamespace
CROSS JOIN LATERAL xmltable('/row' PASSING query_to_xml(
    format('SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E''\n'' ORDER BY t::text), '''')) AS h '
           'FROM %I.%I AS t', s.nspname, c.relname), false, true, '')
    COLUMNS n bigint PATH 'n', h text PATH 'h') AS x
WHERE c.relkind = 'r' AND s.nspname = current_schema()
ORDER BY c.relname;

-- name: audit_head
SELECT count(*), (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) FROM audit_log;

-- name: has_content
-- anything a restore would replace: users or audit entries
SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM audit_log);
