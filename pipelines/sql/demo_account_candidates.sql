-- Staff of the sample practice with their number of supervisees and clients,
-- used to link the three demo accounts to real rows.
SELECT
    c.clinician_id,
    c.name,
    c.role,
    c.supervisor_id,
    (SELECT count(*) FROM clinicians s WHERE s.supervisor_id = c.clinician_id AND coalesce(s.active, true)) AS supervisees,
    (SELECT count(*) FROM clients k WHERE k.clinician_id = c.clinician_id AND k.status = 'active') AS active_clients
FROM clinicians c
WHERE coalesce(c.active, true)
ORDER BY c.clinician_id
