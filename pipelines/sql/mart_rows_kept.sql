-- The incremental refresh keeps these rows of one per-client mart (pipelines/models/marts.py): those of
-- clients it does not recompute. Rows without a client (a clinician's milestone in suggested_wins) are
-- always computed again.
SELECT *
FROM query_table($mart)
WHERE client_id IS NOT NULL
  AND client_id NOT IN (SELECT client_id FROM refresh_dirty_clients)
