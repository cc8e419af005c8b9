-- The homework_by_client mart's rows within $scope, for a model that reads homework_by_client
-- (swapped in for model:homework_by_client when the marts serve): the same test as mart_read.sql.
homework_by_client AS (
    SELECT * EXCLUDE (__scope)
    FROM marts.homework_by_client
    WHERE list_contains($scope || [''], coalesce(__scope[1], ''))
      AND list_contains($scope || [''], coalesce(__scope[2], ''))
      AND len(__scope) <= 2
)
