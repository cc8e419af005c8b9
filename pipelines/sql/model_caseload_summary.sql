-- requires: model:client_momentum, model:course_outcomes
-- The caseload page's tiles for one scope: one row, each number beside its
-- definition and its denominator (docs/clinical-definitions.md, "Where each
-- number comes from"). It reads the rows of client_momentum and course_outcomes
-- for the same scope and as-of date (their marts, when the marts serve).
momentum_counts AS (
    -- active clients, and each momentum state (client_momentum.momentum, design §4)
    SELECT
        count(*) AS active_clients,
        count(*) FILTER (WHERE momentum = 'building') AS building,
        count(*) FILTER (WHERE momentum = 'stalled') AS stalled,
        count(*) FILTER (WHERE momentum = 'slipping') AS slipping
    FROM client_momentum
),
course_counts AS (
    SELECT
        -- Reliable improvement: of the finished courses (discharged by the as-of date) with 2+ scores
        -- on the primary measure, those whose change reached the measure's rc_threshold
        -- (course_outcomes.change_status, Jacobson & Truax 1991)
        count(*) FILTER (WHERE finished AND change_status IS DISTINCT FROM 'insufficient_data')
            AS measured_courses,
        count(*) FILTER (WHERE finished AND change_status = 'reliable_improvement') AS reliably_improved_courses,
        -- Recovery: of the finished courses that started in caseness, those that ended below it
        -- (course_outcomes.recovered; NHS Talking Therapies)
        count(recovered) FILTER (WHERE finished) AS recovery_courses,
        count(*) FILTER (WHERE finished AND recovered) AS recovered_courses,
        -- Sessions to improvement: attended sessions up to the first reliably improved score, over
        -- every client in scope who has one (course_outcomes.sessions_to_reliable_improvement)
        count(sessions_to_reliable_improvement) AS improved_clients,
        median(sessions_to_reliable_improvement) AS median_sessions_to_improvement
    FROM (SELECT * REPLACE (coalesce(finished, false) AS finished) FROM course_outcomes)
)
SELECT
    m.active_clients, m.building, m.stalled, m.slipping,
    c.measured_courses, c.reliably_improved_courses,
    c.reliably_improved_courses / nullif(c.measured_courses, 0) AS reliable_improvement_share,
    c.recovery_courses, c.recovered_courses,
    c.recovered_courses / nullif(c.recovery_courses, 0) AS recovery_share,
    c.improved_clients, c.median_sessions_to_improvement
FROM momentum_counts m, course_counts c
