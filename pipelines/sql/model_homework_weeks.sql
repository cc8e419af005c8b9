-- requires: model:homework_by_week
-- The homework page's weekly chart for one scope: per week the assignment was
-- set, homework_by_week summed over the scope's clinicians, and the completion
-- rate on those sums: (completed + homework_partial_weight x partial) / reviewed
-- (cte_homework_counts.sql gives the same rate per clinician); quality is the
-- mean of the 0-4 ratings given, shown apart.
SELECT
    week_start,
    sum(assigned)::BIGINT AS assigned,
    sum(reviewed)::BIGINT AS reviewed,
    sum(completed)::BIGINT AS completed,
    sum(partial)::BIGINT AS partial,
    (sum(completed) + $homework_partial_weight * sum(partial)) / nullif(sum(reviewed), 0) AS completion_rate,
    sum(coalesce(mean_quality, 0) * n_quality) / nullif(sum(n_quality), 0) AS mean_quality,
    sum(n_quality)::BIGINT AS n_quality
FROM homework_by_week
GROUP BY week_start
ORDER BY week_start
