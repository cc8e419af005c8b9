-- Clients first seen in a report that adds them (a practice system's appointments, with no client list):
-- the clinician and the date of their first session in that file; clients already stored are left as they are.
INSERT INTO clients (client_id, clinician_id, intake_date, discharge_date, status, presenting_problem, load_id)
SELECT id, clinician, CAST(day AS DATE), NULL, 'active', NULL, $load_id
FROM (SELECT unnest($ids) AS id, unnest($clinicians) AS clinician, unnest($days) AS day)
WHERE id NOT IN (SELECT client_id FROM clients) AND clinician IN (SELECT clinician_id FROM clinicians)
  AND try_cast(day AS DATE) IS NOT NULL
