-- The practice_weeks mart's rows (practice-wide weekly counts, stored with an empty __scope, so every
-- scope passes), for a model that reads practice_weeks (swapped in for model:practice_weeks when the
-- marts serve): the same test as mart_read.sql.
practice_weeks AS (
    SELECT * EXCLUDE (__scope)
    FROM marts.practice_weeks
    WHERE list_contains($scope || [''], coalesce(__scope[1], ''))
      AND list_contains($scope || [''], coalesce(__scope[2], ''))
      AND len(__scope) <= 2
)
