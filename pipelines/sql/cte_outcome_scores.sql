-- requires: instruments, scoped_clients
-- Every score of a scoped client from intake to $as_of, in the instrument's
-- terms: better_score is higher when the client is doing better, in_case says
-- whether the score is in caseness. Scores before intake (screening) and after
-- $as_of are left out: baseline = first score on or after intake.
outcome_scores AS (
    SELECT
        m.client_id,
        c.clinician_id,
        m.measure,
        coalesce(m.goal_id, '') AS goal_id,
        m.administered_at,
        m.score,
        m.risk_item,
        i.better,
        i.caseness,
        i.rc_threshold,
        i.alliance_below,
        CASE WHEN i.better = 'lower' THEN -m.score ELSE m.score END AS better_score,
        CASE
            WHEN i.caseness IS NULL THEN NULL
            WHEN i.case_rule = 'at_or_above' THEN m.score >= i.caseness
            ELSE m.score < i.caseness
        END AS in_case,
        row_number() OVER (PARTITION BY m.client_id, m.measure, coalesce(m.goal_id, '') ORDER BY m.administered_at) AS score_no,
        row_number() OVER (PARTITION BY m.client_id, m.measure, coalesce(m.goal_id, '') ORDER BY m.administered_at DESC) AS score_rev,
        count(*) OVER (PARTITION BY m.client_id, m.measure, coalesce(m.goal_id, '')) AS n_scores
    FROM measures m
    JOIN scoped_clients c USING (client_id)
    JOIN instruments i USING (measure)
    WHERE m.administered_at >= c.intake_date
      AND m.administered_at < $as_of + INTERVAL 1 DAY
)
