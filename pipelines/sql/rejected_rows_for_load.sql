-- The quarantined rows of one load, in file order.
SELECT row_number, column_name, value, reason
FROM rejected_rows
WHERE load_id = $load_id
ORDER BY row_number NULLS FIRST, column_name
LIMIT $limit
