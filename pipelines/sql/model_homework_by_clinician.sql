-- Homework per clinician (design §4 "Homework"): quantity (assigned, reviewed,
-- completed, partial, not_done) and quality (therapist-rated 0-4) kept apart.
-- Counted for the clinician who set the assignment (homework.clinician_id),
-- which must be in $scope; assignments set after $as_of are left out, and an
-- assignment reviewed after $as_of counts as not yet reviewed.
-- completion_rate = (completed + $homework_partial_weight x partial) / reviewed,
-- NULL when nothing has been reviewed. mean_quality averages the quality
-- ratings that were given (n_quality of them).
WITH
hw AS (
    SELECT
        h.assignment_id,
        h.client_id,
        h.clinician_id,
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
    GROUP BY clinician_id
)
SELECT
    clinician_id,
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
ORDER BY clinician_id
