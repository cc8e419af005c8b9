-- requires: instruments, etr_points
-- etr_reference as the refresh computed it, once for every model it stores (pipelines/models/queries.py:
-- SHARED_FRAGMENTS). It requires what cte_etr_reference.sql requires, so a model keeps every name it reads.
etr_reference AS (SELECT * FROM refresh_etr_reference)
