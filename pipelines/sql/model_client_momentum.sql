-- requires: client_facts, measure_outcomes, outcome_scores
-- Momentum per active client in scope, with every component shown (design §4):
--   slipping  disengaged: attended before, but not for disengaging_days (checked first)
--   new       fewer than momentum_min_scores scores or attended sessions
--   slipping  reliable deterioration or a clearly worsening recent slope
--   steady    out of caseness (recovered or never in it) and not clearly improving
--   building  reliable improvement or a clearly improving recent slope
--   stalled   none of these: no reliable change and no clear movement
-- The recent slope is the least-squares slope of the last momentum_slope_scores
-- scores of the primary measure, in points per score, positive = better; it is
-- "clear" when its size is at least momentum_slope_fraction x the reliable-change threshold.
recent AS (
    SELECT
        s.client_id,
        s.measure,
        round(regr_slope(s.better_score, s.score_no), 3) AS slope,
        count(*) AS slope_scores
    FROM outcome_scores s
    JOIN client_facts f ON f.client_id = s.client_id AND f.primary_measure = s.measure
    WHERE s.score_rev <= $momentum_slope_scores
    GROUP BY s.client_id, s.measure
),
components AS (
    SELECT
        f.client_id,
        f.clinician_id,
        f.primary_measure,
        coalesce(o.n_scores, 0) AS n_scores,
        f.attended_sessions,
        CAST(f.last_attended AS DATE) AS last_attended,
        f.days_since_attended,
        o.baseline_score,
        o.latest_score,
        o.change,
        o.rc_threshold,
        o.change_status,
        o.latest_case,
        r.slope AS recent_slope,
        CASE
            WHEN r.slope IS NULL OR r.slope_scores < 3 THEN 'unknown'
            WHEN r.slope >= $momentum_slope_fraction * o.rc_threshold THEN 'improving'
            WHEN r.slope <= -$momentum_slope_fraction * o.rc_threshold THEN 'worsening'
            ELSE 'flat'
        END AS slope_direction,
        coalesce(f.days_since_attended < $disengaging_days, true) AS engaged
    FROM client_facts f
    LEFT JOIN measure_outcomes o ON o.client_id = f.client_id AND o.measure = f.primary_measure AND o.goal_id = ''
    LEFT JOIN recent r ON r.client_id = f.client_id
)
SELECT
    client_id,
    clinician_id,
    CASE
        WHEN attended_sessions >= 1 AND NOT engaged THEN 'slipping'
        WHEN n_scores < $momentum_min_scores OR attended_sessions < $momentum_min_scores THEN 'new'
        WHEN change_status = 'reliable_deterioration' OR slope_direction = 'worsening' THEN 'slipping'
        WHEN latest_case = false AND slope_direction <> 'improving' THEN 'steady'
        WHEN change_status = 'reliable_improvement' OR slope_direction = 'improving' THEN 'building'
        ELSE 'stalled'
    END AS momentum,
    CASE
        WHEN attended_sessions >= 1 AND NOT engaged
            THEN format('no attended session for {} days (last on {})', days_since_attended, strftime(last_attended, '%Y-%m-%d'))
        WHEN n_scores < $momentum_min_scores OR attended_sessions < $momentum_min_scores
            THEN format('{} scores and {} attended sessions so far; momentum shows from {}', n_scores, attended_sessions, $momentum_min_scores)
        WHEN change_status = 'reliable_deterioration'
            THEN format('{} reliably worse: {} → {} (reliable change {})', primary_measure, baseline_score::INTEGER, latest_score::INTEGER, rc_threshold::INTEGER)
        WHEN slope_direction = 'worsening'
            THEN format('{} worsening over the last scores ({:.1f} points per score)', primary_measure, -recent_slope)
        WHEN latest_case = false AND slope_direction <> 'improving'
            THEN format('{} {} is out of the clinical range and stable', primary_measure, latest_score::INTEGER)
        WHEN change_status = 'reliable_improvement'
            THEN format('{} reliably better: {} → {} (reliable change {})', primary_measure, baseline_score::INTEGER, latest_score::INTEGER, rc_threshold::INTEGER)
        WHEN slope_direction = 'improving'
            THEN format('{} improving over the last scores ({:.1f} points per score)', primary_measure, recent_slope)
        WHEN attended_sessions >= $momentum_stalled_sessions
            THEN format('no reliable change after {} sessions ({} {} → {})', attended_sessions, primary_measure, baseline_score::INTEGER, latest_score::INTEGER)
        ELSE format('no clear movement yet ({} {} → {} over {} sessions)', primary_measure, baseline_score::INTEGER, latest_score::INTEGER, attended_sessions)
    END AS momentum_reason,
    primary_measure,
    n_scores,
    attended_sessions,
    last_attended,
    days_since_attended,
    baseline_score,
    latest_score,
    change,
    rc_threshold,
    change_status,
    latest_case,
    recent_slope,
    slope_direction,
    engaged
FROM components
ORDER BY clinician_id, client_id
