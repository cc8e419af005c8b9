-- An incremental refresh computes the shared fragments for the clients it recomputes only
-- (refresh_dirty_clients.sql); the per-client models then read those (pipelines/models/marts.py).
DELETE FROM refresh_scoped_clients
WHERE client_id NOT IN (SELECT client_id FROM refresh_dirty_clients)
