-- The clients an incremental refresh recomputes (pipelines/models/marts.py), from the fingerprints of
-- refresh_client_digests.sql against the previous refresh's (marts.client_digests):
-- * every client whose rows changed (added, removed, edited or moved, theirs before or after);
-- * when anything changed, or the as-of date moved ($previous_as_of to $as_of): every client who is
--   not quiet. A quiet client was discharged, and their discharge and every date in their rows lie
--   more than $window_days (the longest as-of window of the thresholds) before the earlier of the two
--   dates; nothing of theirs moves with the as-of date or with the practice's reference curves
--   (NOT_ON_TRACK reads them for active clients only).
WITH changed AS (
    SELECT client_id
    FROM refresh_client_digests n
    FULL OUTER JOIN marts.client_digests o USING (client_id)
    WHERE n.digest IS DISTINCT FROM o.digest OR n.n_rows IS DISTINCT FROM o.n_rows
),
moved AS (
    SELECT d.client_id
    FROM refresh_client_digests d
    LEFT JOIN clients c USING (client_id)
    WHERE ($previous_as_of <> $as_of OR EXISTS (SELECT 1 FROM changed))
      AND NOT coalesce(
          c.status = 'discharged'
          AND c.discharge_date IS NOT NULL
          AND d.latest < least($previous_as_of, $as_of) - CAST($window_days AS INTEGER),
          false)
)
SELECT client_id FROM changed
UNION
SELECT client_id FROM moved
