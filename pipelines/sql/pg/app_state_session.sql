-- How a PostgreSQL app-state transaction starts (pipelines/appstate/db.py). SQLite's
-- twin is BEGIN IMMEDIATE: one writer at a time.

-- name: lock_timeout
-- a writer waits at most this long for another (SQLite's connect timeout is also 30 s)
SET LOCAL lock_timeout = '30s';

-- name: writer_lock
-- One writer at a time, for the whole transaction: the audit chain's appends
-- (read the last hash, insert the next) never interleave, and every write
-- transaction sees the ones before it committed. Readers are not blocked.
-- The key is Momentum's own (any constant that no other application uses).
SELECT pg_advisory_xact_lock(7370290715462815571);
