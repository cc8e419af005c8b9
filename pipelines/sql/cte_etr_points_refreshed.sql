-- requires: instruments
-- etr_points as the refresh computed it, once for every model it stores (pipelines/models/queries.py:
-- SHARED_FRAGMENTS). It requires what cte_etr_points.sql requires, so a model keeps every name it reads.
etr_points AS (SELECT * FROM refresh_etr_points)
