-- The clinician_weekly_load mart's rows within $scope, for a model that reads clinician_weekly_load
-- (swapped in for model:clinician_weekly_load when the marts serve): the same test as mart_read.sql.
clinician_weekly_load AS (
    SELECT * EXCLUDE (__scope)
    FROM marts.clinician_weekly_load
    WHERE list_contains($scope || [''], coalesce(__scope[1], ''))
      AND list_contains($scope || [''], coalesce(__scope[2], ''))
      AND len(__scope) <= 2
)
