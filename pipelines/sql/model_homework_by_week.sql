-- Homework per clinician and week the assignment was set (week_start = Monday):
-- the same measures as model_homework_by_clinician.sql, for trends. Counted for
-- the clinician who set the assignment (in $scope); assignments set after
-- $as_of are left out, and one reviewed after $as_of counts as not yet reviewed.
WITH
hw AS (
    SELECT
        h.assignment_id,
        h.client_id,
        h.clinician_id,
        CAST(date_trunc('week', h.assigned_at) AS DATE) AS week_start,
        CASE
            WHEN h.status <> 'not_reviewed' AND (h.reviewed_at IS NULL OR h.reviewed_at <= $as_of) THEN h.status
            ELSE 'not_reviewed'
        END AS status,
        CASE WHEN h.reviewed_at IS NULL OR h.reviewed_at <= $as_of THEN h.quality END AS quality
    FROM homework h
    WHERE list_contains($scope, h.clinician_id)
      AND h.assigned_at <= $as_of
),
counted AS (
    SELECT
        clinician_id,
        week_start,
        count(*) AS assigned,
        count(*) FILTER (WHERE status <> 'not_reviewed') AS reviewed,
        count(*) FILTER (WHERE status = 'completed') AS completed,
        count(*) FILTER (WHERE status = 'partial') AS partial,
        count(*) FILTER (WHERE status = 'not_done') AS not_done,
        count(*) FILTER (WHERE status = 'not_reviewed') AS not_reviewed,
        avg(quality) AS mean_quality,
        count(quality) AS n_quality,
        count(DISTINCT client_id) AS n_clients
    FROM hw
    GROUP BY clinician_id, week_start
)
SELECT
    clinician_id,
    week_start,
    assigned,
    reviewed,
    completed,
    partial,
    CAST((completed + $homework_partial_weight * partial) / nullif(reviewed, 0) AS DOUBLE) AS completion_rate,
    not_done,
    not_reviewed,
    CAST(mean_quality AS DOUBLE) AS mean_quality,
    n_quality,
    n_clients
FROM counted
ORDER BY clinician_id, week_start
