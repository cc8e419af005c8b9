-- Every stored row of one mart, for the scope the refresh computed it with
-- (every clinician_id: a manager's scope). Those rows are the live model's
-- answer for that very scope, so no row filter applies; pipelines/models/marts.py
-- takes this path only when the reader's scope equals the refresh's scope
-- (compared by digest, marts_scope in meta). Any other scope: mart_read.sql.
SELECT * EXCLUDE (__scope)
FROM query_table($mart)
