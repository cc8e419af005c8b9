-- The active_flags mart's rows within $scope, for a model that reads active_flags
-- (swapped in for model:active_flags when the marts serve): the same test as mart_read.sql.
active_flags AS (
    SELECT * EXCLUDE (__scope)
    FROM marts.active_flags
    WHERE list_contains($scope || [''], coalesce(__scope[1], ''))
      AND list_contains($scope || [''], coalesce(__scope[2], ''))
      AND len(__scope) <= 2
)
