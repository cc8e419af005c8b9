-- The stored rows of one mart that the scope may see: every clinician in a
-- row's __scope must be in $scope (an empty __scope is a practice-wide aggregate).
SELECT * EXCLUDE (__scope)
FROM query_table($mart)
WHERE list_has_all($scope, __scope)
