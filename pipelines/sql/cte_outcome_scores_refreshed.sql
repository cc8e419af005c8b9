-- requires: instruments, scoped_clients
-- outcome_scores as the refresh computed it, once for every model it stores (pipelines/models/queries.py:
-- SHARED_FRAGMENTS). It requires what cte_outcome_scores.sql requires, so a model keeps every name it reads.
outcome_scores AS (SELECT * FROM refresh_outcome_scores)
