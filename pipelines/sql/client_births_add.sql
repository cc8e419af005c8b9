-- Record the (name code, client code) pairs of one load that are not recorded yet.
INSERT INTO client_births
SELECT DISTINCT n, c, $load_id FROM (SELECT unnest($names) AS n, unnest($codes) AS c)
WHERE (n, c) NOT IN (SELECT (name_code, client_id) FROM client_births)
