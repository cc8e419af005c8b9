-- requires: scoped_clients, outcome_scores, measure_outcomes, attended, first_improvement
-- One row per scoped client on their primary measure (PHQ-9, else ORS, else
-- GAD-7): whether the course has finished (discharged by $as_of), its reliable
-- change and recovery (Jacobson & Truax 1991; NHS Talking Therapies), and the
-- attended sessions up to the first score that was a reliable improvement on
-- the baseline; the attended sessions in all, whether the last score was in
-- caseness, and whether the client's last booking was missed (a no-show or a late
-- cancellation). The caseload tiles and outcome_rates summarise it.
SELECT
    c.client_id,
    c.clinician_id,
    c.is_active,
    (NOT c.is_active) AND c.status = 'discharged' AS finished,
    p.primary_measure,
    coalesce(m.n_scores, 0) AS n_scores,
    coalesce(m.change_status, 'insufficient_data') AS change_status,
    CASE WHEN m.baseline_case THEN NOT m.latest_case END AS recovered,
    r.improved_at AS first_reliable_improvement_at,
    CASE WHEN r.improved_at IS NOT NULL THEN coalesce(s.sessions, 0) END AS sessions_to_reliable_improvement,
    m.latest_case,
    coalesce(n.attended_sessions, 0) AS attended_sessions,
    coalesce(b.last_booking_missed, false) AS last_booking_missed
FROM scoped_clients c
LEFT JOIN (
    SELECT client_id,
           arg_min(measure, CASE measure WHEN 'PHQ-9' THEN 1 WHEN 'ORS' THEN 2 ELSE 3 END) AS primary_measure
    FROM outcome_scores
    WHERE measure IN ('PHQ-9', 'ORS', 'GAD-7')
    GROUP BY client_id
) p ON p.client_id = c.client_id
LEFT JOIN measure_outcomes m
  ON m.client_id = c.client_id AND m.measure = p.primary_measure AND m.goal_id = ''
LEFT JOIN first_improvement r ON r.client_id = c.client_id AND r.measure = p.primary_measure
LEFT JOIN (
    SELECT a.client_id, f.measure, count(*) AS sessions
    FROM attended a
    JOIN first_improvement f ON f.client_id = a.client_id AND a.start <= f.improved_at
    GROUP BY a.client_id, f.measure
) s ON s.client_id = c.client_id AND s.measure = p.primary_measure
LEFT JOIN (SELECT client_id, count(*) AS attended_sessions FROM attended GROUP BY client_id) n
  ON n.client_id = c.client_id
LEFT JOIN (
    -- the client's last booking up to their discharge (or $as_of) that the clinician did not cancel;
    -- two at the same time: the later session_id
    SELECT s.client_id,
           arg_max(s.status IN ('no_show', 'late_cancel'), (s.start, s.session_id)) AS last_booking_missed
    FROM sessions s
    JOIN scoped_clients sc USING (client_id)
    WHERE s.status <> 'clinician_cancel'
      AND s.start < least(coalesce(sc.discharge_date, $as_of), $as_of) + INTERVAL 1 DAY
    GROUP BY s.client_id
) b ON b.client_id = c.client_id
ORDER BY c.client_id
