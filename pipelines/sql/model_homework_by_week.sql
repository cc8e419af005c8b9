-- requires: homework_counts
-- Homework per clinician and week the assignment was set (week_start = Monday),
-- for trends (see cte_homework_counts.sql).
SELECT clinician_id, week_start, assigned, reviewed, completed, partial, completion_rate,
       not_done, not_reviewed, mean_quality, n_quality, n_clients
FROM homework_counts
WHERE grain = 'week'
ORDER BY clinician_id, week_start
