-- The incremental refresh (pipelines/models/marts.py): one fingerprint per client of every imported row
-- that is theirs - their clients row, sessions, goals, measures, homework and the wins linked to them -
-- and the latest date in any of those rows. Every column but load_id is in the fingerprint (a test
-- checks this file names each one), so a row added, removed, changed or moved to another client changes
-- the fingerprint of the clients it belonged to. The previous refresh's are in marts.client_digests.
WITH parts AS (
    SELECT client_id,
           hash('clients', clinician_id, intake_date, discharge_date, status, presenting_problem) AS h,
           greatest(intake_date, discharge_date) AS latest
    FROM clients
    UNION ALL
    SELECT client_id,
           hash('sessions', session_id, clinician_id, start, duration_min, status, session_type, modality,
                note_signed_at),
           greatest(CAST(start AS DATE), CAST(note_signed_at AS DATE))
    FROM sessions
    UNION ALL
    SELECT client_id, hash('goals', goal_id, created_at, description, value, status), created_at
    FROM goals
    UNION ALL
    SELECT client_id, hash('measures', measure, administered_at, score, risk_item, goal_id, session_id),
           CAST(administered_at AS DATE)
    FROM measures
    UNION ALL
    SELECT client_id,
           hash('homework', assignment_id, clinician_id, assigned_at, due_at, category, status, reviewed_at,
                quality),
           greatest(assigned_at, due_at, reviewed_at)
    FROM homework
    UNION ALL
    SELECT client_id, hash('wins', win_id, posted_by, posted_at, category, text), CAST(posted_at AS DATE)
    FROM wins
    WHERE client_id IS NOT NULL
)
SELECT client_id, sum(h) AS digest, count(*) AS n_rows, max(latest) AS latest
FROM parts
GROUP BY client_id
