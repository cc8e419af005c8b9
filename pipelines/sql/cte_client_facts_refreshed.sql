-- requires: scoped_clients, attended, outcome_scores
-- client_facts as the refresh computed it, once for every model it stores (pipelines/models/queries.py:
-- SHARED_FRAGMENTS). It requires what cte_client_facts.sql requires, so a model keeps every name it reads.
client_facts AS (SELECT * FROM refresh_client_facts)
