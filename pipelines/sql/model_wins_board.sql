-- requires: scoped_clients
-- Wins posted on or before $as_of by clinicians in $scope (imported wins export).
-- A win linked to a client shows only when that client is in scope too;
-- client_clinician_id is the linked client's primary clinician.
SELECT w.win_id, w.posted_at, w.category, w.text, w.posted_by, w.client_id, k.clinician_id AS client_clinician_id
FROM wins w
LEFT JOIN scoped_clients k ON k.client_id = w.client_id
WHERE list_contains($scope, w.posted_by)
  AND w.posted_at < $as_of + INTERVAL 1 DAY
  AND (w.client_id IS NULL OR k.client_id IS NOT NULL)
ORDER BY w.posted_at DESC, w.win_id
