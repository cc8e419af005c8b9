-- requires: homework_counts
-- Per clinician and category, computed now (the live source of the totals).
homework_category_parts AS (
    SELECT clinician_id, category, assigned, reviewed, completed, partial, not_done, not_reviewed,
           quality_sum, n_quality
    FROM homework_counts
    WHERE grain = 'clinician_category'
)
