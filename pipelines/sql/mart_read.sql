-- The stored rows of one mart that the scope may see: every clinician in a
-- row's __scope must be in $scope (an empty __scope is a practice-wide aggregate).
-- __scope holds at most two clinicians (the stored projections BY_CLINICIAN and BY_POSTER_AND_CLIENT in pipelines/models/queries.py);
-- each position is checked on its own, a missing one standing in as '' (never a
-- clinician_id), and a row with more than two is never shown (fail closed).
-- A per-row list_has_all($scope, __scope) gives the same rows but costs rows x
-- scope: 25 s for a manager's read of client_outcomes at 1M sessions, against
-- 0.04 s this way (docs/performance.md).
SELECT * EXCLUDE (__scope)
FROM query_table($mart)
WHERE list_contains($scope || [''], coalesce(__scope[1], ''))
  AND list_contains($scope || [''], coalesce(__scope[2], ''))
  AND len(__scope) <= 2
