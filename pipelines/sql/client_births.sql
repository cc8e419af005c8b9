-- The client codes each client name (as its keyed name code) has had with a date of birth.
SELECT name_code, list(DISTINCT client_id ORDER BY client_id) FROM client_births GROUP BY name_code
