-- requires: instruments
-- The cases of the severity-adjusted effect size (ACORN Criteria for Effectiveness; Brown & Minami),
-- across the whole practice as of $as_of: one row per client on their primary measure (PHQ-9, else ORS,
-- else GAD-7, as course_outcomes) whose intake score - the first score on or after intake - is in the
-- clinical range and who has a later score. change is the latest score less the intake score in the
-- instrument's better direction (+ is better); first_session is the number of attended sessions up to
-- the day of the intake score (the point in treatment of the first assessment). Models that show
-- clients filter it by $scope; the practice's fit reads it whole, as aggregates only.
casemix_scores AS (
    SELECT
        m.client_id, c.clinician_id, m.measure, m.administered_at, m.score,
        CASE WHEN i.better = 'lower' THEN -m.score ELSE m.score END AS better_score,
        CASE WHEN i.caseness IS NULL THEN NULL
             WHEN i.case_rule = 'at_or_above' THEN m.score >= i.caseness
             ELSE m.score < i.caseness END AS in_case,
        row_number() OVER (PARTITION BY m.client_id, m.measure ORDER BY m.administered_at) AS score_no,
        row_number() OVER (PARTITION BY m.client_id, m.measure ORDER BY m.administered_at DESC) AS score_rev
    FROM measures m
    JOIN clients c USING (client_id)
    JOIN instruments i USING (measure)
    WHERE m.measure IN ('PHQ-9', 'ORS', 'GAD-7') AND m.goal_id IS NULL
      AND c.intake_date <= $as_of
      AND m.administered_at >= c.intake_date AND m.administered_at < $as_of + INTERVAL 1 DAY
),
casemix_primary AS (
    SELECT client_id, arg_min(measure, CASE measure WHEN 'PHQ-9' THEN 1 WHEN 'ORS' THEN 2 ELSE 3 END) AS measure
    FROM casemix_scores
    GROUP BY client_id
),
casemix_pairs AS (
    SELECT
        s.client_id, any_value(s.clinician_id) AS clinician_id, s.measure,
        max(s.score) FILTER (WHERE s.score_no = 1) AS intake_score,
        max(s.better_score) FILTER (WHERE s.score_rev = 1) - max(s.better_score) FILTER (WHERE s.score_no = 1) AS change,
        min(s.administered_at) AS intake_at
    FROM casemix_scores s
    JOIN casemix_primary p USING (client_id, measure)
    GROUP BY s.client_id, s.measure
    HAVING count(*) >= 2 AND bool_or(s.in_case) FILTER (WHERE s.score_no = 1)
),
casemix_cases AS (
    SELECT
        p.client_id, p.clinician_id, p.measure, p.intake_score, p.change,
        count(a.session_id) AS first_session
    FROM casemix_pairs p
    LEFT JOIN sessions a
      ON a.client_id = p.client_id AND a.status = 'attended'
     AND a.start < CAST(p.intake_at AS DATE) + INTERVAL 1 DAY
    GROUP BY ALL
)
