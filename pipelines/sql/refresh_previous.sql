-- Whether an incremental refresh can start from the marts (pipelines/models/marts.py): the staff list's
-- fingerprint at the last refresh (refresh_staff_digest.sql; a changed staff list means a full refresh),
-- and whether that refresh kept the clients' fingerprints (marts.client_digests).
SELECT
    (SELECT max(value) FROM meta WHERE key = 'marts_staff') AS staff_then,
    EXISTS (
        SELECT 1 FROM duckdb_tables()
        WHERE database_name = current_database() AND schema_name = 'marts' AND table_name = 'client_digests'
    ) AS has_digests
