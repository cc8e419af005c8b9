-- How fresh the published data is (the indicator on every page): the latest session date
-- in it, and when an ingest last loaded rows.
SELECT
    (SELECT CAST(max(start) AS DATE) FROM sessions) AS data_through,
    (SELECT max(loaded_at) FROM loads WHERE rows_loaded > 0) AS last_loaded_at
