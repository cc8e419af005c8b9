-- Which of the given tokens ($ids) are client_ids, and whose client each is
-- (for the PHI guard: a client_id outside the poster's scope is stopped).
SELECT client_id, clinician_id
FROM clients
WHERE list_contains($ids, client_id)
ORDER BY client_id
