-- requires: instruments
-- The points of the expected-treatment-response reference (cte_etr_reference.sql), across the whole
-- practice as of $as_of: every PHQ-9, GAD-7 and ORS score from intake on, with the client's first score on
-- that measure (baseline) and the number of attended sessions up to it (k, at least 1). NOT_ON_TRACK
-- (model_active_flags.sql) compares a client's own points with the reference curves. Ties give one answer
-- every time: sessions at the same time all count before a score at that time, and of two first scores at
-- the same time the lower is the baseline (a refit of the same data gives the same curves).
etr_attended AS (
    SELECT
        client_id,
        start,
        count(*) OVER (PARTITION BY client_id ORDER BY start) AS session_no  -- with the sessions at the same time
    FROM sessions
    WHERE status = 'attended' AND start < $as_of + INTERVAL 1 DAY
),
etr_points AS (
    SELECT
        m.client_id,
        m.measure,
        m.administered_at,
        m.score,
        i.range_max,
        first_value(m.score) OVER (PARTITION BY m.client_id, m.measure ORDER BY m.administered_at, m.score) AS baseline,
        greatest(coalesce(a.session_no, 1), 1) AS k
    FROM measures m
    JOIN clients c ON c.client_id = m.client_id
    JOIN instruments i ON i.measure = m.measure
    ASOF LEFT JOIN etr_attended a ON a.client_id = m.client_id AND a.start <= m.administered_at
    WHERE m.measure IN ('PHQ-9', 'GAD-7', 'ORS')
      AND m.administered_at >= c.intake_date
      AND m.administered_at < $as_of + INTERVAL 1 DAY
)
