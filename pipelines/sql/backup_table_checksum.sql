-- One table's row count and an order-independent checksum of its rows.
SELECT count(*), coalesce(sum(hash(*COLUMNS(*))), 0)::VARCHAR FROM query_table($table)
