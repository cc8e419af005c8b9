-- Number the rows DuckDB's reader put in raw_file, without copying them:
-- rowids follow insertion order, which DuckDB keeps equal to file order
-- (preserve_insertion_order); inside a transaction they start at an offset.
CREATE OR REPLACE TEMP VIEW raw_rows AS
SELECT CAST(rowid - (SELECT min(rowid) FROM raw_file) + 1 AS BIGINT) AS __row, *
FROM raw_file;
