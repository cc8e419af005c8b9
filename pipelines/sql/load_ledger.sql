-- The load ledger, newest first.
SELECT load_id, loaded_at, loaded_by, source_file, table_name, status,
       rows_read, rows_loaded, rows_rejected, message
FROM loads
ORDER BY load_id DESC
LIMIT $limit
