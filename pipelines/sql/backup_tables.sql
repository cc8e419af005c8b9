-- Every table of the imported-data store, for a backup's content checksum.
SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary ORDER BY table_name
