-- The staff a user may see (names for filters and labels), within $scope.
SELECT clinician_id, name, role, team, supervisor_id, coalesce(active, true) AS active
FROM clinicians
WHERE list_contains($scope, clinician_id)
ORDER BY name, clinician_id
