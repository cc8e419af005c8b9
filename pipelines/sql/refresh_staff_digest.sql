-- The staff list's fingerprint, kept with the marts (meta marts_staff): refresh_previous.sql compares it.
SELECT coalesce(sum(hash(clinician_id, name, role, supervisor_id, team, fte, caseload_target, active)), 0)
FROM clinicians
