-- requires: client_facts, outcome_scores
-- Per active scoped client: the primary measure's scores from intake to
-- $as_of, oldest first (the caseload table's sparkline).
SELECT
    f.client_id,
    f.clinician_id,
    f.primary_measure,
    list(o.score ORDER BY o.administered_at) AS primary_scores
FROM client_facts f
JOIN outcome_scores o
  ON o.client_id = f.client_id AND o.measure = f.primary_measure AND o.goal_id = ''
GROUP BY f.client_id, f.clinician_id, f.primary_measure
ORDER BY f.client_id
