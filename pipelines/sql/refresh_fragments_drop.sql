-- The temporary tables of the refresh's shared fragments (pipelines/models/marts.py: SHARED_FRAGMENTS),
-- dropped before the refresh commits. A test checks this list against SHARED_FRAGMENTS.
DROP TABLE IF EXISTS temp.main.refresh_scoped_clients;
DROP TABLE IF EXISTS temp.main.refresh_attended;
DROP TABLE IF EXISTS temp.main.refresh_outcome_scores;
DROP TABLE IF EXISTS temp.main.refresh_measure_outcomes;
DROP TABLE IF EXISTS temp.main.refresh_client_facts;
DROP TABLE IF EXISTS temp.main.refresh_first_improvement;
