-- requires: scoped_clients
-- Attended sessions of scoped clients up to $as_of, numbered per client.
attended AS (
    SELECT
        s.client_id,
        s.clinician_id,
        s.session_id,
        s.start,
        row_number() OVER (PARTITION BY s.client_id ORDER BY s.start) AS session_no
    FROM sessions s
    JOIN scoped_clients c USING (client_id)
    WHERE s.status = 'attended'
      AND s.start < $as_of + INTERVAL 1 DAY
)
