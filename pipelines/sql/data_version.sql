-- The data version: the last load that changed imported data.
SELECT coalesce(max(load_id), 0) FROM loads WHERE status IN ('loaded', 'partial')
