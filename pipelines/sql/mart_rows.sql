-- Every row of one table a refresh made (pipelines/models/marts.py): the rows an incremental refresh
-- kept aside, or the clients' fingerprints it stores for the next refresh.
SELECT * FROM query_table($mart)
