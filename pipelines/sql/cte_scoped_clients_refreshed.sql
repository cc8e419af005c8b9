-- scoped_clients as the refresh computed it, once for every model it stores (pipelines/models/queries.py:
-- SHARED_FRAGMENTS). It requires what cte_scoped_clients.sql requires, so a model keeps every name it reads.
scoped_clients AS (SELECT * FROM refresh_scoped_clients)
