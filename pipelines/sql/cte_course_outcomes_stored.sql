-- The course_outcomes mart's rows within $scope, for a model that reads course_outcomes
-- (swapped in for model:course_outcomes when the marts serve): the same test as mart_read.sql.
course_outcomes AS (
    SELECT * EXCLUDE (__scope)
    FROM marts.course_outcomes
    WHERE list_contains($scope || [''], coalesce(__scope[1], ''))
      AND list_contains($scope || [''], coalesce(__scope[2], ''))
      AND len(__scope) <= 2
)
