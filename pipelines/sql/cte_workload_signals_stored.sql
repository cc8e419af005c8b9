-- The workload_signals mart's rows within $scope, for a model that reads workload_signals
-- (swapped in for model:workload_signals when the marts serve): the same test as mart_read.sql.
workload_signals AS (
    SELECT * EXCLUDE (__scope)
    FROM marts.workload_signals
    WHERE list_contains($scope || [''], coalesce(__scope[1], ''))
      AND list_contains($scope || [''], coalesce(__scope[2], ''))
      AND len(__scope) <= 2
)
