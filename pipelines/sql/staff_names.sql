-- The staff list by name, for reports that give a clinician's name instead of an id.
SELECT clinician_id, name FROM clinicians ORDER BY clinician_id
