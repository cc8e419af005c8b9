-- Whose wins and consultation items a user sees (design §6: "the wins board;
-- the team's consultation queue"): a manager every clinician; anyone else the
-- clinicians of their own team, plus their own scope (themself and, for a
-- supervisor, their supervisees, whatever team those are on).
SELECT clinician_id
FROM clinicians
WHERE $role = 'manager'
   OR clinician_id = $clinician_id
   OR ($role = 'supervisor' AND supervisor_id = $clinician_id)
   OR (team IS NOT NULL AND team = (SELECT team FROM clinicians WHERE clinician_id = $clinician_id))
ORDER BY clinician_id
