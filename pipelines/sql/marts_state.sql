-- Which as-of date and data version the marts hold, and the current data version.
SELECT
    (SELECT value FROM meta WHERE key = 'marts_as_of') AS marts_as_of,
    (SELECT value FROM meta WHERE key = 'marts_data_version') AS marts_data_version,
    (SELECT coalesce(max(load_id), 0) FROM loads WHERE status IN ('loaded', 'partial')) AS data_version
