-- requires: model:homework_by_client, model:client_outcomes, model:course_outcomes
-- The homework page's "completion and outcome" chart: one row per client in $scope
-- with a homework completion rate (homework_by_client.completion_rate, so 1+
-- reviewed assignments) and 2+ scores on their primary measure
-- (course_outcomes.primary_measure). change_rc is the primary measure's change
-- since baseline (client_outcomes.change, improvement positive) in units of the
-- measure's reliable-change threshold (client_outcomes.rc_threshold, from
-- schemas/instruments.toml): 1 is reliable improvement, -1 reliable deterioration.
-- The page plots the clients with enough reviewed assignments (ui/views/homework.py).
primary_change AS (
    SELECT o.client_id, o.measure AS primary_measure, o.change / o.rc_threshold AS change_rc
    FROM client_outcomes o
    JOIN course_outcomes c ON c.client_id = o.client_id AND c.primary_measure = o.measure
    WHERE o.goal_id IS NULL AND o.n_scores >= 2
)
SELECT
    h.client_id,
    p.primary_measure,
    h.reviewed,
    h.completion_rate,
    CAST(p.change_rc AS DOUBLE) AS change_rc
FROM homework_by_client h
JOIN primary_change p USING (client_id)
WHERE h.completion_rate IS NOT NULL AND p.change_rc IS NOT NULL
ORDER BY h.client_id
