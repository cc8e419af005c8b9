-- requires: scoped_clients
-- One client's sessions up to $as_of (the timeline). Empty outside $scope.
-- Who held each session is left out: a cover clinician may be outside the scope.
SELECT
    s.session_id,
    s.client_id,
    s.start,
    s.duration_min,
    s.status,
    s.session_type,
    s.modality,
    s.note_signed_at
FROM sessions s
JOIN scoped_clients c ON c.client_id = s.client_id
WHERE s.client_id = $client_id
  AND s.start < $as_of + INTERVAL 1 DAY
ORDER BY s.start
