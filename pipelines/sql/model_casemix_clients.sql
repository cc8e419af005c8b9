-- requires: casemix_cases
-- The severity-adjusted effect size's cases of the clinicians in $scope (see cte_casemix_cases.sql);
-- pipelines/models/casemix.py turns them into each client's adjusted effect size with the practice's fit.
SELECT client_id, clinician_id, measure, intake_score, CAST(first_session AS DOUBLE) AS first_session, change
FROM casemix_cases
WHERE list_contains($scope, clinician_id)
ORDER BY clinician_id, client_id
