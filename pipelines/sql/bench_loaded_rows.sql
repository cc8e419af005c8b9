-- The rows every load in the ledger loaded and rejected (the command and delta benchmarks' check that
-- the command they timed loaded its files).
SELECT coalesce(sum(rows_loaded), 0) AS loaded, coalesce(sum(rows_rejected), 0) AS rejected
FROM loads
