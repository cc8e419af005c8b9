-- requires: homework_counts
-- Homework per category across the scope (see cte_homework_counts.sql); for one
-- clinician's mix, run it with that clinician alone in scope.
SELECT category, assigned, reviewed, completed, partial, completion_rate,
       not_done, not_reviewed, mean_quality, n_quality, n_clients, n_clinicians
FROM homework_counts
WHERE grain = 'category'
ORDER BY category
