-- How many clients a load added (a report that adds the clients it is the first to name).
SELECT count(*) FROM clients WHERE load_id = $load_id
