-- The latest session date in the data: the as-of default when no marts exist.
SELECT CAST(max(start) AS DATE) AS latest FROM sessions
