-- requires: scoped_clients, homework_as_of
-- Homework per client: every assignment of a client whose primary clinician
-- (clients.clinician_id, the clinician_id shown) is in $scope, whoever set it.
-- Assignments set after $as_of are left out; one reviewed after $as_of counts
-- as not yet reviewed. completion_rate = (completed + $homework_partial_weight
-- x partial) / reviewed (NULL when nothing is reviewed); last4_completion is the
-- same rate over the last $homework_min_reviewed reviewed assignments (ordered
-- by reviewed_at, then assigned_at), last4_n how many it used (fewer when fewer
-- were reviewed) - the basis of the HOMEWORK_DROP flag.
hw AS (
    SELECT h.assignment_id, h.client_id, c.clinician_id, h.assigned_at, h.status, h.reviewed_at, h.quality
    FROM homework_as_of h
    JOIN scoped_clients c USING (client_id)
),
counted AS (
    SELECT
        client_id,
        any_value(clinician_id) AS clinician_id,
        count(*) AS assigned,
        count(*) FILTER (WHERE status <> 'not_reviewed') AS reviewed,
        count(*) FILTER (WHERE status = 'completed') AS completed,
        count(*) FILTER (WHERE status = 'partial') AS partial,
        count(*) FILTER (WHERE status = 'not_done') AS not_done,
        count(*) FILTER (WHERE status = 'not_reviewed') AS not_reviewed,
        avg(quality) AS mean_quality,
        count(quality) AS n_quality,
        max(assigned_at) AS last_assigned_at,
        max(reviewed_at) AS last_reviewed_at
    FROM hw
    GROUP BY client_id
),
recent AS (
    SELECT
        client_id,
        status,
        row_number() OVER (
            PARTITION BY client_id
            ORDER BY reviewed_at DESC NULLS LAST, assigned_at DESC, assignment_id DESC
        ) AS recent_no
    FROM hw
    WHERE status <> 'not_reviewed'
),
last4 AS (
    SELECT
        client_id,
        count(*) AS last4_n,
        (count(*) FILTER (WHERE status = 'completed') + $homework_partial_weight * count(*) FILTER (WHERE status = 'partial'))
            / count(*) AS last4_completion
    FROM recent
    WHERE recent_no <= $homework_min_reviewed
    GROUP BY client_id
)
SELECT
    c.client_id,
    c.clinician_id,
    c.assigned,
    c.reviewed,
    c.completed,
    c.partial,
    CAST((c.completed + $homework_partial_weight * c.partial) / nullif(c.reviewed, 0) AS DOUBLE) AS completion_rate,
    c.not_done,
    c.not_reviewed,
    CAST(c.mean_quality AS DOUBLE) AS mean_quality,
    c.n_quality,
    CAST(l.last4_completion AS DOUBLE) AS last4_completion,
    coalesce(l.last4_n, 0) AS last4_n,
    c.last_assigned_at,
    c.last_reviewed_at
FROM counted c
LEFT JOIN last4 l USING (client_id)
ORDER BY c.client_id
