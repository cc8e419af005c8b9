-- Per clinician and category, from the materialised mart (same columns as
-- cte_homework_category_parts.sql), within $scope.
homework_category_parts AS (
    SELECT clinician_id, category, assigned, reviewed, completed, partial, not_done, not_reviewed,
           quality_sum, n_quality
    FROM marts.homework_by_clinician_category
    WHERE list_has_all($scope, __scope)
)
