-- Imported wins (the wins export) for the board: posted by a clinician in
-- $audience (the viewer's team, see team_audience.sql) from $since (inclusive)
-- to $until (exclusive). A linked client_id is shown only when that client's
-- clinician is in the viewer's own $scope; otherwise the win shows without it.
-- $client_id, when not NULL, keeps the wins linked to that client only, and only
-- when the client is in $scope (the client view).
SELECT
    w.win_id,
    w.posted_at,
    w.category,
    w.text,
    w.posted_by,
    CASE WHEN list_contains($scope, c.clinician_id) THEN w.client_id END AS client_id
FROM wins w
LEFT JOIN clients c ON c.client_id = w.client_id
WHERE list_contains($audience, w.posted_by)
  AND w.posted_at >= $since
  AND w.posted_at < $until
  AND ($client_id IS NULL OR (w.client_id = $client_id AND list_contains($scope, c.clinician_id)))
ORDER BY w.posted_at DESC, w.win_id
