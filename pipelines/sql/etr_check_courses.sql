-- etr-check: each client with an intake by $as_of, with their attended sessions up to it and the date of the
-- last (a course still open counts as it stands on $as_of: the generated deteriorators are still in care).
SELECT c.client_id, count(s.session_id) AS attended, max(s.start) AS last_session
FROM clients c
LEFT JOIN sessions s ON s.client_id = c.client_id AND s.status = 'attended' AND s.start < $as_of + INTERVAL 1 DAY
WHERE c.intake_date <= $as_of
GROUP BY c.client_id
