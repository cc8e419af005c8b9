-- Homework per category (behavioral_activation, thought_record, ...) across
-- everything the user may see: assignments set by clinicians in $scope up to
-- $as_of (one reviewed after $as_of counts as not yet reviewed). The same
-- measures as model_homework_by_clinician.sql; run it with a one-clinician
-- scope for one clinician's mix.
WITH
hw AS (
    SELECT
        h.assignment_id,
        h.client_id,
        h.clinician_id,
        h.category,
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
        category,
        count(*) AS assigned,
        count(*) FILTER (WHERE status <> 'not_reviewed') AS reviewed,
        count(*) FILTER (WHERE status = 'completed') AS completed,
        count(*) FILTER (WHERE status = 'partial') AS partial,
        count(*) FILTER (WHERE status = 'not_done') AS not_done,
        count(*) FILTER (WHERE status = 'not_reviewed') AS not_reviewed,
        avg(quality) AS mean_quality,
        count(quality) AS n_quality,
        count(DISTINCT client_id) AS n_clients,
        count(DISTINCT clinician_id) AS n_clinicians
    FROM hw
    GROUP BY category
)
SELECT
    category,
    assigned,
    reviewed,
    completed,
    partial,
    CAST((completed + $homework_partial_weight * partial) / nullif(reviewed, 0) AS DOUBLE) AS completion_rate,
    not_done,
    not_reviewed,
    CAST(mean_quality AS DOUBLE) AS mean_quality,
    n_quality,
    n_clients,
    n_clinicians
FROM counted
ORDER BY category
