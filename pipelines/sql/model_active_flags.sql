-- requires: client_facts, measure_outcomes, outcome_scores, etr_reference, scoped_clients, instruments
-- Stalled-progress and risk flags for active clients in scope (design §4).
-- Each row: the flag, its severity, the date since which it has held and a
-- plain-language reason with its evidence. Thresholds are bound from
-- schemas/thresholds.toml; instrument numbers from schemas/instruments.toml.

active_scores AS (
    SELECT o.*
    FROM outcome_scores o
    JOIN client_facts f USING (client_id)
),

-- RISK_ITEM: the latest PHQ-9 within the window has a risk item at or above the minimum
risk_item AS (
    SELECT
        client_id, clinician_id, 'RISK_ITEM' AS flag, $severity_risk_item AS severity,
        CAST(administered_at AS DATE) AS since,
        format('PHQ-9 item 9 scored {} on {} (latest PHQ-9, total {}); any answer above 0 calls for a risk review',
               risk_item, strftime(administered_at, '%Y-%m-%d'), CAST(score AS INTEGER)) AS reason,
        'PHQ-9' AS measure
    FROM active_scores
    WHERE measure = 'PHQ-9' AND score_rev = 1
      AND administered_at >= $as_of - to_days(CAST($risk_item_window_days AS INTEGER))
      AND risk_item >= $risk_item_min
),

-- DETERIORATION: reliable deterioration on PHQ-9, GAD-7 or ORS; since = start of
-- the final run of scores that are all reliably worse than baseline
det_scores AS (
    SELECT
        s.*,
        s.better_score - first_value(s.better_score) OVER (PARTITION BY s.client_id, s.measure ORDER BY s.administered_at) <= -s.rc_threshold AS is_worse
    FROM active_scores s
    WHERE s.measure IN ('PHQ-9', 'GAD-7', 'ORS')
),
det_since AS (
    SELECT client_id, measure,
           min(administered_at) FILTER (WHERE administered_at > coalesce(last_ok, TIMESTAMP '1900-01-01')) AS since_at
    FROM (
        SELECT *, max(administered_at) FILTER (WHERE NOT is_worse) OVER (PARTITION BY client_id, measure) AS last_ok
        FROM det_scores
    )
    GROUP BY client_id, measure
),
deterioration AS (
    SELECT
        o.client_id, o.clinician_id, 'DETERIORATION' AS flag, $severity_deterioration AS severity,
        CAST(d.since_at AS DATE) AS since,
        format('{} {} → {} over {} scores: {} points worse; reliable change needs {}',
               o.measure, o.baseline_score::INTEGER, o.latest_score::INTEGER, o.n_scores,
               abs(o.change)::INTEGER, o.rc_threshold::INTEGER) AS reason,
        o.measure
    FROM measure_outcomes o
    JOIN client_facts f USING (client_id)
    JOIN det_since d ON d.client_id = o.client_id AND d.measure = o.measure
    WHERE o.measure IN ('PHQ-9', 'GAD-7', 'ORS') AND o.change_status = 'reliable_deterioration'
),

-- NOT_ON_TRACK: latest score worse than the expected score for clients with a
-- similar baseline at the same session number by more than etr_z residual SD
etr_client_points AS (
    -- the scores of active clients on their primary measure, placed on the
    -- reference curves (etr_points already has each score's baseline and k)
    SELECT
        p.client_id, f.clinician_id, p.measure, p.administered_at, p.score,
        row_number() OVER (PARTITION BY p.client_id, p.measure ORDER BY p.administered_at) AS score_no,
        row_number() OVER (PARTITION BY p.client_id, p.measure ORDER BY p.administered_at DESC) AS score_rev,
        r.expected_score, r.residual_sd, r.reference_clients, p.k,
        CASE WHEN i.better = 'lower' THEN p.score - r.expected_score ELSE r.expected_score - p.score END AS worse_by
    FROM etr_points p
    JOIN client_facts f ON f.client_id = p.client_id AND f.primary_measure = p.measure
    JOIN instruments i ON i.measure = p.measure
    JOIN etr_reference r
      ON r.measure = p.measure
     AND r.band = least(floor(p.baseline / 5) * 5, p.range_max - (p.range_max % 5) - 5)
     AND r.k = least(p.k, $etr_max_session)
    WHERE r.reference_clients >= $etr_min_reference_clients AND r.residual_sd > 0
),
etr_flagged AS (
    SELECT *,
           worse_by > $etr_z * residual_sd AS off_track,
           max(administered_at) FILTER (WHERE NOT (worse_by > $etr_z * residual_sd)) OVER (PARTITION BY client_id, measure) AS last_on_track
    FROM etr_client_points
),
not_on_track AS (
    SELECT
        l.client_id, l.clinician_id, 'NOT_ON_TRACK' AS flag, $severity_not_on_track AS severity,
        CAST(l.run_start AS DATE) AS since,
        format('{} {} at session {}; clients with a similar start ({} reference clients) were at {:.1f} by then - {:.1f} points worse, more than {:.2f} x the residual SD of {:.1f}',
               l.measure, l.score::INTEGER, l.k, l.reference_clients, l.expected_score, l.worse_by, $etr_z, l.residual_sd) AS reason,
        l.measure
    FROM (
        SELECT *,
               min(administered_at) FILTER (WHERE administered_at > coalesce(last_on_track, TIMESTAMP '1900-01-01'))
                   OVER (PARTITION BY client_id, measure) AS run_start
        FROM etr_flagged
    ) l
    WHERE l.score_rev = 1 AND l.score_no >= 2 AND l.off_track
),

-- NO_RELIABLE_CHANGE: enough attended sessions, baseline in caseness, no reliable change
no_reliable_change AS (
    SELECT
        o.client_id, o.clinician_id, 'NO_RELIABLE_CHANGE' AS flag, $severity_no_reliable_change AS severity,
        CAST(nth.start AS DATE) AS since,
        format('{} {} → {} over {} sessions; reliable change needs {} points',
               o.measure, o.baseline_score::INTEGER, o.latest_score::INTEGER, f.attended_sessions, o.rc_threshold::INTEGER) AS reason,
        o.measure
    FROM measure_outcomes o
    JOIN client_facts f ON f.client_id = o.client_id AND f.primary_measure = o.measure
    LEFT JOIN attended nth ON nth.client_id = o.client_id AND nth.session_no = $no_change_min_sessions
    WHERE f.attended_sessions >= $no_change_min_sessions
      AND o.baseline_case AND o.change_status = 'no_reliable_change'
),

-- PLATEAU: the last N scores span less than a fraction of the reliable-change
-- threshold and the latest is still in caseness
plateau AS (
    SELECT
        s.client_id, any_value(s.clinician_id) AS clinician_id, 'PLATEAU' AS flag, $severity_plateau AS severity,
        CAST(min(s.administered_at) AS DATE) AS since,
        format('last {} {} scores {} span {} point(s), less than {} x the {}-point reliable change, and {} is still in the clinical range',
               count(*), s.measure, string_agg(CAST(s.score::INTEGER AS VARCHAR), ', ' ORDER BY s.administered_at),
               (max(s.score) - min(s.score))::INTEGER, $plateau_span_fraction, any_value(s.rc_threshold)::INTEGER,
               any_value(s.score::INTEGER) FILTER (WHERE s.score_rev = 1)) AS reason,
        s.measure
    FROM active_scores s
    JOIN client_facts f ON f.client_id = s.client_id AND f.primary_measure = s.measure
    WHERE s.score_rev <= $plateau_scores AND s.n_scores >= $plateau_scores
    GROUP BY s.client_id, s.measure
    HAVING max(s.score) - min(s.score) < $plateau_span_fraction * any_value(s.rc_threshold)
       AND bool_or(s.in_case) FILTER (WHERE s.score_rev = 1)
),

-- DISENGAGING: attended before, but not in the last N days
disengaging AS (
    SELECT
        client_id, clinician_id, 'DISENGAGING' AS flag, $severity_disengaging AS severity,
        CAST(last_attended AS DATE) + CAST($disengaging_days AS INTEGER) AS since,
        format('no attended session for {} days (last on {}); the threshold is {} days',
               days_since_attended, strftime(last_attended, '%Y-%m-%d'), $disengaging_days) AS reason,
        NULL AS measure
    FROM client_facts
    WHERE attended_sessions >= 1 AND days_since_attended >= $disengaging_days
),

-- MISSED_SESSIONS: the last N scheduled sessions were all no-shows or late cancellations
scheduled AS (
    SELECT s.client_id, s.start, s.status,
           row_number() OVER (PARTITION BY s.client_id ORDER BY s.start DESC) AS rev
    FROM sessions s
    JOIN client_facts f USING (client_id)
    WHERE s.status IN ('attended', 'no_show', 'late_cancel')
      AND s.start < $as_of + INTERVAL 1 DAY
),
missed_sessions AS (
    SELECT
        s.client_id, any_value(f.clinician_id) AS clinician_id, 'MISSED_SESSIONS' AS flag,
        $severity_missed_sessions AS severity,
        CAST(min(s.start) AS DATE) AS since,
        format('the last {} scheduled sessions were missed: {}', count(*),
               string_agg(strftime(s.start, '%Y-%m-%d') || ' ' || replace(s.status, '_', ' '), ', ' ORDER BY s.start)) AS reason,
        NULL AS measure
    FROM scheduled s
    JOIN client_facts f USING (client_id)
    WHERE s.rev <= $missed_sessions_count
    GROUP BY s.client_id
    HAVING count(*) = $missed_sessions_count AND bool_and(s.status IN ('no_show', 'late_cancel'))
),

-- HOMEWORK_DROP: enough reviewed assignments, and low completion over the last N
reviewed_hw AS (
    SELECT h.client_id, h.status, coalesce(h.reviewed_at, h.assigned_at) AS reviewed_on,
           row_number() OVER (PARTITION BY h.client_id ORDER BY coalesce(h.reviewed_at, h.assigned_at) DESC, h.assignment_id DESC) AS rev,
           count(*) OVER (PARTITION BY h.client_id) AS n_reviewed
    FROM homework h
    JOIN client_facts f USING (client_id)
    WHERE h.status <> 'not_reviewed' AND h.assigned_at <= $as_of
      AND coalesce(h.reviewed_at, h.assigned_at) <= $as_of
),
homework_drop AS (
    SELECT
        r.client_id, any_value(f.clinician_id) AS clinician_id, 'HOMEWORK_DROP' AS flag,
        $severity_homework_drop AS severity,
        max(r.reviewed_on) AS since,
        format('completion over the last {} reviewed assignments is {}% ({} completed, {} partial, {} not done); the threshold is {}%',
               count(*), round(100 * avg(CASE r.status WHEN 'completed' THEN 1.0 WHEN 'partial' THEN $homework_partial_weight ELSE 0.0 END))::INTEGER,
               count(*) FILTER (WHERE r.status = 'completed'), count(*) FILTER (WHERE r.status = 'partial'),
               count(*) FILTER (WHERE r.status = 'not_done'), round(100 * $homework_drop_completion)::INTEGER) AS reason,
        NULL AS measure
    FROM reviewed_hw r
    JOIN client_facts f USING (client_id)
    WHERE r.rev <= $homework_min_reviewed AND r.n_reviewed >= $homework_min_reviewed
    GROUP BY r.client_id
    HAVING avg(CASE r.status WHEN 'completed' THEN 1.0 WHEN 'partial' THEN $homework_partial_weight ELSE 0.0 END)
           <= $homework_drop_completion
),

-- ALLIANCE_RISK: latest SRS below the alliance cut-off, or down from the previous one
alliance AS (
    SELECT l.client_id, l.clinician_id, l.administered_at, l.score, l.alliance_below, p.score AS previous
    FROM active_scores l
    LEFT JOIN active_scores p
      ON p.client_id = l.client_id AND p.measure = 'SRS' AND p.score_rev = 2
    WHERE l.measure = 'SRS' AND l.score_rev = 1
),
alliance_risk AS (
    SELECT
        client_id, clinician_id, 'ALLIANCE_RISK' AS flag, $severity_alliance_risk AS severity,
        CAST(administered_at AS DATE) AS since,
        CASE
            WHEN score < alliance_below AND previous IS NOT NULL AND score <= previous - $srs_alliance_drop
                THEN format('latest SRS {} on {} is below {} and down from {}', score::INTEGER, strftime(administered_at, '%Y-%m-%d'), alliance_below::INTEGER, previous::INTEGER)
            WHEN score < alliance_below
                THEN format('latest SRS {} on {} is below the alliance cut-off of {}', score::INTEGER, strftime(administered_at, '%Y-%m-%d'), alliance_below::INTEGER)
            ELSE format('latest SRS {} on {} is down {} from {} (a drop of {} or more)', score::INTEGER, strftime(administered_at, '%Y-%m-%d'), (previous - score)::INTEGER, previous::INTEGER, $srs_alliance_drop)
        END AS reason,
        'SRS' AS measure
    FROM alliance
    WHERE score < alliance_below OR (previous IS NOT NULL AND score <= previous - $srs_alliance_drop)
),

-- MEASURES_MISSING: several attended sessions since the latest outcome score
latest_outcome AS (
    SELECT client_id, max(administered_at) AS latest_at
    FROM active_scores
    WHERE measure IN ('PHQ-9', 'GAD-7', 'ORS')
    GROUP BY client_id
),
since_score AS (
    SELECT a.client_id, a.start,
           row_number() OVER (PARTITION BY a.client_id ORDER BY a.start) AS n_after,
           count(*) OVER (PARTITION BY a.client_id) AS total_after,
           l.latest_at
    FROM attended a
    JOIN client_facts f USING (client_id)
    LEFT JOIN latest_outcome l USING (client_id)
    WHERE a.start > coalesce(l.latest_at, CAST(f.intake_date AS TIMESTAMP) - INTERVAL 1 SECOND)
),
measures_missing AS (
    SELECT
        s.client_id, f.clinician_id, 'MEASURES_MISSING' AS flag, $severity_measures_missing AS severity,
        CAST(s.start AS DATE) AS since,
        CASE WHEN s.latest_at IS NULL
             THEN format('{} attended sessions and no outcome score (PHQ-9, GAD-7 or ORS) since intake', s.total_after)
             ELSE format('{} attended sessions since the latest outcome score on {}', s.total_after, strftime(s.latest_at, '%Y-%m-%d'))
        END AS reason,
        NULL AS measure
    FROM since_score s
    JOIN client_facts f USING (client_id)
    WHERE s.n_after = $measures_missing_sessions AND s.total_after >= $measures_missing_sessions
)

SELECT client_id, clinician_id, flag, severity, since, reason, measure FROM risk_item
UNION ALL SELECT client_id, clinician_id, flag, severity, since, reason, measure FROM deterioration
UNION ALL SELECT client_id, clinician_id, flag, severity, since, reason, measure FROM not_on_track
UNION ALL SELECT client_id, clinician_id, flag, severity, since, reason, measure FROM no_reliable_change
UNION ALL SELECT client_id, clinician_id, flag, severity, since, reason, measure FROM plateau
UNION ALL SELECT client_id, clinician_id, flag, severity, since, reason, measure FROM disengaging
UNION ALL SELECT client_id, clinician_id, flag, severity, since, reason, measure FROM missed_sessions
UNION ALL SELECT client_id, clinician_id, flag, severity, since, reason, measure FROM homework_drop
UNION ALL SELECT client_id, clinician_id, flag, severity, since, reason, measure FROM alliance_risk
UNION ALL SELECT client_id, clinician_id, flag, severity, since, reason, measure FROM measures_missing
ORDER BY CASE severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, client_id, flag, measure
