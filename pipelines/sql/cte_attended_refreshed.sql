-- requires: scoped_clients
-- attended as the refresh computed it, once for every model it stores (pipelines/models/queries.py:
-- SHARED_FRAGMENTS). It requires what cte_attended.sql requires, so a model keeps every name it reads.
attended AS (SELECT * FROM refresh_attended)
