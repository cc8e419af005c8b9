-- Clients of the clinicians in $scope who had started by $as_of, with their
-- status as of that date (a client discharged after $as_of was still active).
scoped_clients AS (
    SELECT
        c.client_id,
        c.clinician_id,
        c.intake_date,
        c.discharge_date,
        c.status,
        c.presenting_problem,
        (c.status = 'active' AND (c.discharge_date IS NULL OR c.discharge_date > $as_of))
            OR (c.status = 'discharged' AND c.discharge_date > $as_of) AS is_active
    FROM clients c
    WHERE list_contains($scope, c.clinician_id)
      AND c.intake_date <= $as_of
)
