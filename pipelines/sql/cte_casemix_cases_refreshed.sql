-- requires: instruments
-- casemix_cases as the refresh computed it, once for every model it stores (pipelines/models/queries.py:
-- SHARED_FRAGMENTS). It requires what cte_casemix_cases.sql requires, so a model keeps every name it reads.
casemix_cases AS (SELECT * FROM refresh_casemix_cases)
