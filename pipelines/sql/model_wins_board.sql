-- requires: scoped_clients
-- Wins posted on or before $as_of by clinicians in $scope (imported wins export).
SELECT w.win_id, w.posted_at, w.category, w.text, w.posted_by, w.client_id
FROM wins w
WHERE list_contains($scope, w.posted_by)
  AND w.posted_at < $as_of + INTERVAL 1 DAY
  AND (w.client_id IS NULL OR w.client_id IN (SELECT client_id FROM scoped_clients))
ORDER BY w.posted_at DESC, w.win_id
