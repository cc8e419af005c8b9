-- Cap DuckDB's memory for this database instance; beyond it DuckDB spills to
-- its temporary directory (next to the database file) instead of growing.
SET memory_limit = $limit
