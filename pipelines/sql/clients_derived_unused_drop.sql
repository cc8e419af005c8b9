-- After a report that adds clients has loaded: the clients it added whose every row was rejected are taken
-- out again (the clients a load adds carry its load_id, as its sessions do), in the same transaction.
DELETE FROM clients
WHERE load_id = $load_id AND client_id NOT IN (SELECT client_id FROM sessions WHERE load_id = $load_id)
