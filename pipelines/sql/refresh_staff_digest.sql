-- The staff list's fingerprint, kept with the marts (meta marts_staff) and compared by the next refresh
-- (refresh_previous.sql, pipelines/models/marts.py).
SELECT coalesce(sum(hash(clinician_id, name, role, supervisor_id, team, fte, caseload_target, active)), 0)
FROM clinicians
