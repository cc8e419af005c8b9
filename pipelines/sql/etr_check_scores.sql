-- etr-check: every PHQ-9 score of every client from intake to $as_of, with the number of attended sessions
-- up to its day (the early-warning figures read it; no scope: the command line sees the whole practice).
SELECT m.client_id, m.administered_at, m.score,
       (SELECT count(*) FROM sessions s WHERE s.client_id = m.client_id AND s.status = 'attended'
          AND s.start < CAST(m.administered_at AS DATE) + INTERVAL 1 DAY) AS session_no
FROM measures m JOIN clients c USING (client_id)
WHERE m.measure = 'PHQ-9' AND m.administered_at >= c.intake_date AND m.administered_at < $as_of + INTERVAL 1 DAY
ORDER BY m.client_id, m.administered_at
