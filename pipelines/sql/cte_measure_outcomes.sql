-- requires: outcome_scores
-- Baseline, latest, change and change_status per client, measure and goal.
per_measure AS (
    SELECT
        client_id,
        any_value(clinician_id) AS clinician_id,
        measure,
        goal_id,
        max(n_scores) AS n_scores,
        max(score) FILTER (WHERE score_no = 1) AS baseline_score,
        max(score) FILTER (WHERE score_rev = 1) AS latest_score,
        max(better_score) FILTER (WHERE score_rev = 1) - max(better_score) FILTER (WHERE score_no = 1) AS change,
        any_value(rc_threshold) AS rc_threshold,
        bool_or(in_case) FILTER (WHERE score_no = 1) AS baseline_case,
        bool_or(in_case) FILTER (WHERE score_rev = 1) AS latest_case,
        min(administered_at) FILTER (WHERE score_no = 1) AS baseline_at,
        max(administered_at) FILTER (WHERE score_rev = 1) AS latest_at
    FROM outcome_scores
    WHERE alliance_below IS NULL  -- an alliance measure (SRS) rates the session, not the client's outcome
    GROUP BY client_id, measure, goal_id
),
measure_outcomes AS (
    SELECT
        *,
        CASE
            WHEN n_scores < 2 THEN 'insufficient_data'
            WHEN rc_threshold IS NULL THEN NULL  -- no reliable-change threshold: no verdict either way
            WHEN change >= rc_threshold THEN 'reliable_improvement'
            WHEN change <= -rc_threshold THEN 'reliable_deterioration'
            ELSE 'no_reliable_change'
        END AS change_status
    FROM per_measure
)
