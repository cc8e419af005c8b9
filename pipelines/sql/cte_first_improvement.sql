-- requires: outcome_scores
-- The first score of each client and measure (goal ratings aside) that was a
-- reliable improvement on the baseline (change >= the reliable-change threshold).
first_improvement AS (
    SELECT o.client_id, o.measure, min(o.administered_at) AS improved_at
    FROM outcome_scores o
    JOIN outcome_scores b
      ON b.client_id = o.client_id AND b.measure = o.measure AND b.goal_id = '' AND b.score_no = 1
    WHERE o.goal_id = '' AND o.score_no > 1 AND o.better_score - b.better_score >= o.rc_threshold
    GROUP BY o.client_id, o.measure
)
