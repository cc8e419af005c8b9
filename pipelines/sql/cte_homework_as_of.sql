-- Every homework assignment set on or before $as_of, as it stood on that date:
-- one reviewed after $as_of is still not reviewed (and has no quality rating yet).
homework_as_of AS (
    SELECT
        h.assignment_id,
        h.client_id,
        h.clinician_id,
        h.category,
        h.assigned_at,
        CAST(date_trunc('week', h.assigned_at) AS DATE) AS week_start,
        CASE
            WHEN h.status <> 'not_reviewed' AND (h.reviewed_at IS NULL OR h.reviewed_at <= $as_of) THEN h.status
            ELSE 'not_reviewed'
        END AS status,
        CASE WHEN h.reviewed_at <= $as_of THEN h.reviewed_at END AS reviewed_at,
        CASE WHEN h.reviewed_at IS NULL OR h.reviewed_at <= $as_of THEN h.quality END AS quality
    FROM homework h
    WHERE h.assigned_at <= $as_of
)
