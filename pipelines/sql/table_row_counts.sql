-- Rows per imported table and the last time each was loaded.
WITH counts AS (
    SELECT 'clinicians' AS table_name, count(*) AS row_count FROM clinicians
    UNION ALL SELECT 'clients', count(*) FROM clients
    UNION ALL SELECT 'sessions', count(*) FROM sessions
    UNION ALL SELECT 'goals', count(*) FROM goals
    UNION ALL SELECT 'measures', count(*) FROM measures
    UNION ALL SELECT 'homework', count(*) FROM homework
    UNION ALL SELECT 'wins', count(*) FROM wins
),
last_load AS (
    SELECT table_name, max(loaded_at) AS last_loaded_at, count(*) AS loads
    FROM loads WHERE status IN ('loaded', 'partial') GROUP BY table_name
)
SELECT c.table_name, c.row_count, l.last_loaded_at, coalesce(l.loads, 0) AS loads
FROM counts c LEFT JOIN last_load l USING (table_name)
ORDER BY CASE c.table_name
    WHEN 'clinicians' THEN 1 WHEN 'clients' THEN 2 WHEN 'sessions' THEN 3 WHEN 'goals' THEN 4
    WHEN 'measures' THEN 5 WHEN 'homework' THEN 6 ELSE 7 END
