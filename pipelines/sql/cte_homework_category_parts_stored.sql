-- Per clinician and category, from the materialised mart (same columns as
-- cte_homework_category_parts.sql), within $scope: the same test as
-- mart_read.sql (a per-row list_has_all($scope, __scope) costs rows x scope:
-- 0.95 s for a manager at 1M sessions, docs/performance.md).
homework_category_parts AS (
    SELECT clinician_id, category, assigned, reviewed, completed, partial, not_done, not_reviewed,
           quality_sum, n_quality
    FROM marts.homework_by_clinician_category
    WHERE list_contains($scope || [''], coalesce(__scope[1], ''))
      AND list_contains($scope || [''], coalesce(__scope[2], ''))
      AND len(__scope) <= 2
)
