-- The mapping page's preview: the clients a report would add (clients_derived_add.sql), into the preview's
-- own empty clients table, so the rows that name them preview as they would load.
INSERT INTO memory.main.clients (client_id, clinician_id, intake_date, discharge_date, status, presenting_problem, load_id)
SELECT id, clinician, CAST(day AS DATE), NULL, 'active', NULL, 0
FROM (SELECT unnest($ids) AS id, unnest($clinicians) AS clinician, unnest($days) AS day)
WHERE id NOT IN (SELECT client_id FROM clients) AND try_cast(day AS DATE) IS NOT NULL
