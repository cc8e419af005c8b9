-- How many clients an incremental refresh recomputes, of how many (its progress line).
SELECT (SELECT count(*) FROM refresh_dirty_clients), (SELECT count(*) FROM clients)
