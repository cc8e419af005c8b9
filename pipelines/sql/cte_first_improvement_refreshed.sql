-- requires: outcome_scores
-- first_improvement as the refresh computed it, once for every model it stores (pipelines/models/queries.py:
-- SHARED_FRAGMENTS). It requires what cte_first_improvement.sql requires, so a model keeps every name it reads.
first_improvement AS (SELECT * FROM refresh_first_improvement)
