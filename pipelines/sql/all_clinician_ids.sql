-- Every clinician_id: a manager's scope.
SELECT clinician_id FROM clinicians ORDER BY clinician_id
