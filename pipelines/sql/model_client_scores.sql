-- requires: outcome_scores
-- Every score of one client ($client_id) from intake to $as_of, with what the
-- trajectory chart needs from the instrument: direction, caseness line and the
-- reliable-change distance. Empty when the client is outside $scope.
SELECT
    client_id,
    clinician_id,
    measure,
    goal_id,
    administered_at,
    score,
    risk_item,
    better,
    caseness,
    rc_threshold,
    score_no
FROM outcome_scores
WHERE client_id = $client_id
ORDER BY measure, goal_id, administered_at
