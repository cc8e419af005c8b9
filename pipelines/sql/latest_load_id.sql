-- The newest ledger entry of any status: a snapshot older than it is stale.
SELECT coalesce(max(load_id), 0) FROM loads
