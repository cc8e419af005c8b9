-- The clinician_ids a user may see (design §6): a manager every clinician; a
-- supervisor themself and the clinicians they supervise; a clinician themself.
SELECT clinician_id
FROM clinicians
WHERE $role = 'manager'
   OR clinician_id = $clinician_id
   OR ($role = 'supervisor' AND supervisor_id = $clinician_id)
ORDER BY clinician_id
