-- requires: model:course_outcomes
-- The outcomes of finished courses, per clinician (of the clients' clinician) and for the whole
-- selection (the row whose clinician_id is NULL), as of $as_of, from the rows of course_outcomes (its
-- mart, when the marts serve). A finished course is a client discharged by $as_of who attended at
-- least one session (docs/clinical-definitions.md, "Data completeness and clinician outcomes"):
--   measured_courses: finished courses with 2+ scores on the primary measure and a reliable-change
--     verdict; their shares of reliable improvement and of reliable deterioration (Jacobson & Truax 1991);
--   recovery: of the measured courses that began in caseness, those that ended below it;
--   dropouts: finished courses that ended with a missed booking (the client's last booking up to
--     their discharge, not counting those the clinician cancelled, was a no-show or a late
--     cancellation), or after fewer than $dropout_max_sessions attended sessions without a last score
--     out of caseness;
--   median_sessions: the median attended sessions of the finished courses.
SELECT * FROM (
SELECT
    clinician_id,
    grouping(clinician_id) = 1 AS whole_selection,
    count(*) AS finished_courses,
    count(*) FILTER (WHERE measured) AS measured_courses,
    count(*) FILTER (WHERE measured AND change_status = 'reliable_improvement') AS reliably_improved,
    count(*) FILTER (WHERE measured AND change_status = 'reliable_improvement')
        / nullif(count(*) FILTER (WHERE measured), 0) AS pct_reliable_improvement,
    count(*) FILTER (WHERE measured AND change_status = 'reliable_deterioration') AS reliably_deteriorated,
    count(*) FILTER (WHERE measured AND change_status = 'reliable_deterioration')
        / nullif(count(*) FILTER (WHERE measured), 0) AS pct_reliable_deterioration,
    count(recovered) FILTER (WHERE measured) AS recovery_courses,
    count(*) FILTER (WHERE measured AND recovered) AS recovered,
    count(*) FILTER (WHERE measured AND recovered) / nullif(count(recovered) FILTER (WHERE measured), 0)
        AS pct_recovery,
    count(*) FILTER (WHERE dropout) AS dropouts,
    count(*) FILTER (WHERE dropout) / nullif(count(*), 0) AS pct_dropout,
    median(attended_sessions) AS median_sessions
FROM (
    SELECT
        clinician_id, change_status, recovered, attended_sessions,
        change_status IN ('reliable_improvement', 'reliable_deterioration', 'no_reliable_change') AS measured,
        last_booking_missed
            OR (attended_sessions < $dropout_max_sessions AND latest_case IS DISTINCT FROM false) AS dropout
    FROM course_outcomes
    WHERE finished AND attended_sessions > 0
)
GROUP BY GROUPING SETS ((clinician_id), ())
)
ORDER BY whole_selection DESC, clinician_id
