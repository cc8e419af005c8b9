-- requires: outcome_scores
-- measure_outcomes as the refresh computed it, once for every model it stores (pipelines/models/queries.py:
-- SHARED_FRAGMENTS). It requires what cte_measure_outcomes.sql requires, so a model keeps every name it reads.
measure_outcomes AS (SELECT * FROM refresh_measure_outcomes)
