-- The client codes one client name (as its keyed name code) has had with a date of birth.
SELECT DISTINCT client_id FROM client_births WHERE name_code = $name_code ORDER BY client_id
