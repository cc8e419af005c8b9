-- Which as-of date and data version the marts hold, the current data version,
-- which models the last refresh stored (each stamped with the digest of its SQL,
-- pipelines/models/marts.py: only a refresh that made the marts schema writes
-- those stamps, so they also say that it exists) and the digest of the scope it
-- computed them with. One pass over meta (a key per row) rather than a subquery
-- per key: this runs before every mart read.
SELECT
    max(value) FILTER (WHERE key = 'marts_as_of') AS marts_as_of,
    max(value) FILTER (WHERE key = 'marts_data_version') AS marts_data_version,
    (SELECT coalesce(max(load_id), 0) FROM loads WHERE status IN ('loaded', 'partial')) AS data_version,
    max(value) FILTER (WHERE key = 'marts_models') AS marts_models,
    max(value) FILTER (WHERE key = 'marts_scope') AS marts_scope
FROM meta
