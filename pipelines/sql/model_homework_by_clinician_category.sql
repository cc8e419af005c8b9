-- requires: homework_counts
-- Homework per clinician who set it and category (see cte_homework_counts.sql);
-- the parts the per-category totals are summed from.
SELECT clinician_id, category, assigned, reviewed, completed, partial, not_done, not_reviewed,
       quality_sum, n_quality
FROM homework_counts
WHERE grain = 'clinician_category'
ORDER BY clinician_id, category
