-- requires: homework_category_parts
-- Homework per category across the scope, summed from the per-clinician parts
-- (so the stored parts give the same totals for any scope); for one
-- clinician's mix, run it with that clinician alone in scope.
SELECT
    category,
    sum(assigned) AS assigned,
    sum(reviewed) AS reviewed,
    sum(completed) AS completed,
    sum(partial) AS partial,
    CAST((sum(completed) + $homework_partial_weight * sum(partial)) / nullif(sum(reviewed), 0) AS DOUBLE) AS completion_rate,
    sum(not_done) AS not_done,
    sum(not_reviewed) AS not_reviewed,
    CAST(sum(quality_sum) / nullif(sum(n_quality), 0) AS DOUBLE) AS mean_quality,
    sum(n_quality) AS n_quality,
    count(DISTINCT clinician_id) AS n_clinicians
FROM homework_category_parts
GROUP BY category
ORDER BY category
