-- requires: homework_as_of
-- Homework quantity and quality, counted for the clinician who set each
-- assignment (in $scope), at three grains in one pass: per clinician, per
-- clinician and week set, and per clinician and category (design §4 "Homework").
-- completion_rate = (completed + $homework_partial_weight x partial) / reviewed,
-- NULL when nothing has been reviewed; mean_quality averages the 0-4 ratings
-- that were given (n_quality of them).
homework_counts AS (
    SELECT
        CASE
            WHEN grouping(category) = 0 THEN 'clinician_category'
            WHEN grouping(week_start) = 0 THEN 'week'
            ELSE 'clinician'
        END AS grain,
        clinician_id,
        week_start,
        category,
        count(*) AS assigned,
        count(*) FILTER (WHERE status <> 'not_reviewed') AS reviewed,
        count(*) FILTER (WHERE status = 'completed') AS completed,
        count(*) FILTER (WHERE status = 'partial') AS partial,
        CAST((count(*) FILTER (WHERE status = 'completed') + $homework_partial_weight * count(*) FILTER (WHERE status = 'partial'))
             / nullif(count(*) FILTER (WHERE status <> 'not_reviewed'), 0) AS DOUBLE) AS completion_rate,
        count(*) FILTER (WHERE status = 'not_done') AS not_done,
        count(*) FILTER (WHERE status = 'not_reviewed') AS not_reviewed,
        CAST(avg(quality) AS DOUBLE) AS mean_quality,
        sum(quality) AS quality_sum,
        count(quality) AS n_quality,
        count(DISTINCT client_id) AS n_clients
    FROM homework_as_of
    WHERE list_contains($scope, clinician_id)
    GROUP BY GROUPING SETS ((clinician_id), (clinician_id, week_start), (clinician_id, category))
)
