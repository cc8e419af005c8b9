-- The benchmark's supervisor: the one with the most supervisees (ties: the first id).
SELECT supervisor_id
FROM clinicians
WHERE supervisor_id IS NOT NULL
GROUP BY supervisor_id
ORDER BY count(*) DESC, supervisor_id
LIMIT 1
