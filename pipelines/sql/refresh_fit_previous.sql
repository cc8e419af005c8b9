-- Whether a refresh can keep the practice-wide fit the last refresh made (pipelines/models/marts.py:
-- SharedFragments.fitted): the fingerprint of that fit's inputs then (refresh_etr_fit_inputs.sql), and
-- whether its rows were kept (marts.fitted_<name>).
SELECT
    (SELECT max(value) FROM meta WHERE key = 'marts_fit') AS fit_then,
    EXISTS (
        SELECT 1 FROM duckdb_tables()
        WHERE database_name = current_database() AND schema_name = 'marts' AND table_name = $table
    ) AS has_fit
