-- Rows per imported table, the latest date each holds (its freshness) and the
-- last time each was loaded.
WITH counts AS (
    SELECT 'clinicians' AS table_name, count(*) AS row_count, NULL::DATE AS latest_date FROM clinicians
    UNION ALL SELECT 'clients', count(*), max(greatest(intake_date, coalesce(discharge_date, intake_date))) FROM clients
    UNION ALL SELECT 'sessions', count(*), CAST(max(start) AS DATE) FROM sessions
    UNION ALL SELECT 'goals', count(*), max(created_at) FROM goals
    UNION ALL SELECT 'measures', count(*), CAST(max(administered_at) AS DATE) FROM measures
    UNION ALL SELECT 'homework', count(*), max(assigned_at) FROM homework
    UNION ALL SELECT 'wins', count(*), CAST(max(posted_at) AS DATE) FROM wins
),
last_load AS (
    SELECT table_name, max(loaded_at) AS last_loaded_at, count(*) AS loads
    FROM loads WHERE status IN ('loaded', 'partial') GROUP BY table_name
)
SELECT c.table_name, c.row_count, c.latest_date, l.last_loaded_at, coalesce(l.loads, 0) AS loads
FROM counts c LEFT JOIN last_load l USING (table_name)
ORDER BY CASE c.table_name
    WHEN 'clinicians' THEN 1 WHEN 'clients' THEN 2 WHEN 'sessions' THEN 3 WHEN 'goals' THEN 4
    WHEN 'measures' THEN 5 WHEN 'homework' THEN 6 ELSE 7 END
