-- The client_momentum mart's rows within $scope, for a model that reads client_momentum
-- (swapped in for model:client_momentum when the marts serve): the same test as mart_read.sql.
client_momentum AS (
    SELECT * EXCLUDE (__scope)
    FROM marts.client_momentum
    WHERE list_contains($scope || [''], coalesce(__scope[1], ''))
      AND list_contains($scope || [''], coalesce(__scope[2], ''))
      AND len(__scope) <= 2
)
