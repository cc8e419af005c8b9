-- The staff list the demo's seeded wellbeing pulse draws its respondents from
-- (pipelines/demo.py, pipelines/synthetic/sample_pulse.py): who is on which team, and active.
SELECT clinician_id, team, role, active
FROM clinicians
ORDER BY clinician_id
