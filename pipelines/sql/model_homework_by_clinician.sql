-- requires: homework_counts
-- Homework per clinician who set it (see cte_homework_counts.sql).
SELECT clinician_id, assigned, reviewed, completed, partial, completion_rate,
       not_done, not_reviewed, mean_quality, n_quality, n_clients
FROM homework_counts
WHERE grain = 'clinician'
ORDER BY clinician_id
