-- DuckDB's own work on the same data in the same run: one full aggregate scan of sessions.
-- Every benchmark ratio is a user-facing time divided by this scan's (docs/performance.md).
SELECT count(*), count(DISTINCT client_id), sum(duration_min), min(start), max(start),
       count(*) FILTER (WHERE status = 'attended')
FROM sessions
