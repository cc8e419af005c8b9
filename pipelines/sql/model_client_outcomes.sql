-- requires: measure_outcomes, outcome_scores
-- Per client and outcome measure (and per goal for GOAL ratings): baseline,
-- latest, change (positive = better), reliable change (Jacobson & Truax 1991),
-- caseness and recovery; plus the paired NHS Talking Therapies row 'PHQ-9+GAD-7'.
-- SRS is an alliance measure, not an outcome, and has no row here.
paired_admin AS (
    -- PHQ-9 and GAD-7 given on the same day form one paired administration
    SELECT
        p.client_id,
        p.clinician_id,
        CAST(p.administered_at AS DATE) AS day,
        p.score AS phq,
        g.score AS gad,
        row_number() OVER (PARTITION BY p.client_id ORDER BY CAST(p.administered_at AS DATE)) AS pair_no,
        row_number() OVER (PARTITION BY p.client_id ORDER BY CAST(p.administered_at AS DATE) DESC) AS pair_rev,
        count(*) OVER (PARTITION BY p.client_id) AS n_pairs
    FROM (SELECT * FROM outcome_scores WHERE measure = 'PHQ-9' QUALIFY row_number() OVER (PARTITION BY client_id, CAST(administered_at AS DATE) ORDER BY administered_at DESC) = 1) p
    JOIN (SELECT * FROM outcome_scores WHERE measure = 'GAD-7' QUALIFY row_number() OVER (PARTITION BY client_id, CAST(administered_at AS DATE) ORDER BY administered_at DESC) = 1) g
      ON g.client_id = p.client_id AND CAST(g.administered_at AS DATE) = CAST(p.administered_at AS DATE)
),
paired AS (
    SELECT
        f.client_id,
        f.clinician_id,
        f.n_pairs,
        f.phq AS phq_first, f.gad AS gad_first, l.phq AS phq_last, l.gad AS gad_last,
        f.day AS first_day, l.day AS last_day,
        f.phq - l.phq AS phq_change,
        f.gad - l.gad AS gad_change
    FROM paired_admin f
    JOIN paired_admin l ON l.client_id = f.client_id AND l.pair_rev = 1
    WHERE f.pair_no = 1 AND f.n_pairs >= 2
),
paired_classified AS (
    SELECT
        p.*,
        (p.phq_change >= $phq_rc_threshold OR p.gad_change >= $gad_rc_threshold) AS any_improvement,
        (p.phq_change <= -$phq_rc_threshold OR p.gad_change <= -$gad_rc_threshold) AS any_deterioration,
        (p.phq_first >= $phq_case OR p.gad_first >= $gad_case) AS case_start,
        (p.phq_last >= $phq_case OR p.gad_last >= $gad_case) AS case_end
    FROM paired p
)
SELECT
    client_id, clinician_id, measure, n_scores, baseline_score, latest_score, change, rc_threshold,
    change_status, baseline_case, latest_case,
    CASE WHEN baseline_case THEN NOT latest_case END AS recovered,
    CASE WHEN baseline_case THEN (NOT latest_case) AND change_status = 'reliable_improvement' END AS reliably_recovered,
    nullif(goal_id, '') AS goal_id,
    baseline_at,
    latest_at
FROM measure_outcomes
UNION ALL
SELECT
    client_id, clinician_id, 'PHQ-9+GAD-7' AS measure, n_pairs AS n_scores,
    NULL AS baseline_score, NULL AS latest_score, NULL AS change, NULL AS rc_threshold,
    CASE
        WHEN any_improvement AND NOT any_deterioration THEN 'reliable_improvement'
        WHEN any_deterioration AND NOT any_improvement THEN 'reliable_deterioration'
        ELSE 'no_reliable_change'
    END AS change_status,
    case_start AS baseline_case,
    case_end AS latest_case,
    CASE WHEN case_start THEN NOT case_end END AS recovered,
    CASE WHEN case_start THEN (NOT case_end) AND any_improvement AND NOT any_deterioration END AS reliably_recovered,
    NULL AS goal_id,
    CAST(first_day AS TIMESTAMP) AS baseline_at,
    CAST(last_day AS TIMESTAMP) AS latest_at
FROM paired_classified
ORDER BY client_id, measure, goal_id
