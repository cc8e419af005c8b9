-- requires: scoped_clients
-- One client's homework assigned up to $as_of, newest first. Empty outside $scope.
SELECT
    h.assignment_id,
    h.client_id,
    h.assigned_at,
    h.due_at,
    h.category,
    h.status,
    h.reviewed_at,
    h.quality
FROM homework h
JOIN scoped_clients c ON c.client_id = h.client_id
WHERE h.client_id = $client_id AND h.assigned_at <= $as_of
ORDER BY h.assigned_at DESC, h.assignment_id
