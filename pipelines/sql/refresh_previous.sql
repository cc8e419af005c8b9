-- What an incremental refresh starts from (pipelines/models/marts.py): one fact the last refresh kept in
-- meta ($key: the staff list's fingerprint, marts_staff, or the fit's inputs', marts_fit) and whether it
-- kept the table beside it in the marts schema ($table: the clients' fingerprints, client_digests, or the
-- fitted ETR curves, fitted_etr_reference). A changed staff list means a full refresh; changed fit inputs,
-- a refit.
SELECT
    (SELECT max(value) FROM meta WHERE key = $key) AS then_value,
    EXISTS (
        SELECT 1 FROM duckdb_tables()
        WHERE database_name = current_database() AND schema_name = 'marts' AND table_name = $table
    ) AS has_table
