-- DuckDB's memory limit for this database instance, as DuckDB states it.
SELECT current_setting('memory_limit')
