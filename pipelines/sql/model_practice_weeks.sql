-- Sessions and missed sessions (no-shows and late cancellations) per week over the whole practice, for
-- the workload window: the $workload_weeks weeks up to $as_of (week_start = Monday, as in
-- cte_clinician_weeks.sql). Aggregates only, no clinician or client, and not scoped: whether a week's
-- data looks complete is a fact about the data, the same for every reader; model_workload_by_clinician.sql
-- reads these rows (stored at the refresh, so its week marks need not scan the sessions on each read)
-- and shows a week's mark, never these counts.
SELECT
    CAST(date_trunc('week', s.start) AS DATE) AS week_start,
    count(*) AS sessions,
    count(*) FILTER (WHERE s.status IN ('no_show', 'late_cancel')) AS missed
FROM sessions s
WHERE s.start >= CAST(date_trunc('week', $as_of) AS TIMESTAMP) - to_weeks(CAST($workload_weeks - 1 AS INTEGER))
  AND s.start < $as_of + INTERVAL 1 DAY
GROUP BY 1
ORDER BY 1
