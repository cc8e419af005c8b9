-- Workload per clinician and week, the shared part of model_clinician_weekly_load
-- and model_workload_signals (heuristics, never a diagnosis; design §4).
-- The grid is every clinician in $scope who is active (or had a session in the
-- window) x each of the last $workload_weeks weeks up to $as_of (week_start =
-- Monday; the current week is counted up to $as_of only). Sessions are counted
-- for the clinician who ran them (sessions.clinician_id); the caseload is the
-- clients whose primary clinician (clients.clinician_id) they are. Nothing
-- dated after $as_of is used: a note signed after $as_of counts as not yet signed.
weeks AS (
    SELECT CAST(w AS DATE) AS week_start
    FROM (
        SELECT unnest(generate_series(
            CAST(date_trunc('week', $as_of) AS TIMESTAMP) - to_weeks(CAST($workload_weeks - 1 AS INTEGER)),
            CAST(date_trunc('week', $as_of) AS TIMESTAMP),
            INTERVAL 7 DAY
        )) AS w
    )
),
clin AS (
    SELECT
        k.clinician_id,
        coalesce(k.fte, 1.0) AS fte,
        k.caseload_target
    FROM clinicians k
    WHERE list_contains($scope, k.clinician_id)
      AND (
          coalesce(k.active, true)
          OR EXISTS (
              SELECT 1 FROM sessions s
              WHERE s.clinician_id = k.clinician_id
                AND s.start >= (SELECT min(week_start) FROM weeks)
                AND s.start < $as_of + INTERVAL 1 DAY
          )
      )
),
grid AS (
    SELECT
        c.clinician_id,
        c.fte,
        c.caseload_target,
        w.week_start,
        least(w.week_start + 6, $as_of) AS week_end
    FROM clin c
    CROSS JOIN weeks w
),
sess AS (
    -- sessions in the window run by a clinician in the grid, up to $as_of
    SELECT
        s.clinician_id,
        CAST(date_trunc('week', s.start) AS DATE) AS week_start,
        s.status,
        s.duration_min,
        CAST(s.start AS DATE) AS day,
        s.start + to_minutes(CAST(s.duration_min AS BIGINT)) AS ended_at,
        CASE WHEN s.note_signed_at < $as_of + INTERVAL 1 DAY THEN s.note_signed_at END AS note_at
    FROM sessions s
    JOIN clin c USING (clinician_id)
    WHERE s.start >= (SELECT min(week_start) FROM weeks)
      AND s.start < $as_of + INTERVAL 1 DAY
),
sess_week AS (
    SELECT
        clinician_id,
        week_start,
        count(*) FILTER (WHERE status = 'attended') AS attended_sessions,
        coalesce(sum(duration_min) FILTER (WHERE status = 'attended'), 0) / 60.0 AS direct_hours,
        count(*) FILTER (WHERE status IN ('no_show', 'late_cancel')) AS missed,
        count(*) FILTER (WHERE status IN ('attended', 'no_show', 'late_cancel')) AS scheduled,
        median((epoch(note_at) - epoch(ended_at)) / 3600.0)
            FILTER (WHERE status = 'attended' AND note_at IS NOT NULL) AS median_note_lag_hours,
        count(*) FILTER (WHERE status = 'attended' AND note_at IS NOT NULL
                           AND (epoch(note_at) - epoch(ended_at)) / 3600.0 > $late_note_hours) AS late_notes,
        count(*) FILTER (WHERE status = 'attended' AND note_at IS NULL) AS unsigned_notes
    FROM sess
    GROUP BY clinician_id, week_start
),
notes AS (
    -- notes of attended sessions, counted in the week they were signed
    SELECT
        s.clinician_id,
        CAST(date_trunc('week', s.note_signed_at) AS DATE) AS week_start,
        CAST(s.note_signed_at AS DATE) AS day,
        hour(s.note_signed_at) >= $after_hours_start
            OR hour(s.note_signed_at) < $after_hours_end
            OR isodow(s.note_signed_at) IN (6, 7) AS after_hours
    FROM sessions s
    JOIN clin c USING (clinician_id)
    WHERE s.status = 'attended'
      AND s.note_signed_at >= (SELECT min(week_start) FROM weeks)
      AND s.note_signed_at < $as_of + INTERVAL 1 DAY
),
notes_week AS (
    SELECT clinician_id, week_start, count(*) FILTER (WHERE after_hours) AS after_hours_notes
    FROM notes
    GROUP BY clinician_id, week_start
),
work_days AS (
    -- a day counts as worked when it had an attended session or a signed note
    SELECT clinician_id, CAST(date_trunc('week', day) AS DATE) AS week_start, count(DISTINCT day) AS days_worked
    FROM (
        SELECT clinician_id, day FROM sess WHERE status = 'attended'
        UNION
        SELECT clinician_id, day FROM notes
    )
    GROUP BY clinician_id, week_start
),
caseload AS (
    -- clients of each clinician active at the end of each week
    SELECT g.clinician_id, g.week_start, g.week_end, cl.client_id
    FROM grid g
    JOIN clients cl
      ON cl.clinician_id = g.clinician_id
     AND cl.intake_date <= g.week_end
     AND (cl.discharge_date IS NULL OR cl.discharge_date > g.week_end)
     AND coalesce(cl.status, 'active') <> 'paused'
),
phq AS (
    -- each PHQ-9 with the time the next one replaced it: the latest score at a
    -- moment is the one whose span contains it (an interval join; far faster
    -- here than an ASOF join)
    SELECT
        client_id, administered_at, score, risk_item,
        lead(administered_at) OVER (PARTITION BY client_id ORDER BY administered_at) AS next_at
    FROM measures
    WHERE measure = 'PHQ-9'
      AND administered_at < $as_of + INTERVAL 1 DAY
),
acuity AS (
    SELECT
        c.clinician_id,
        c.week_start,
        count(*) AS active_caseload,
        count(*) FILTER (WHERE p.score >= $high_acuity_phq9 OR p.risk_item >= $risk_item_min) AS high_acuity
    FROM (SELECT *, CAST(week_end + 1 AS TIMESTAMP) AS week_end_ts FROM caseload) c
    LEFT JOIN phq p
      ON p.client_id = c.client_id
     AND p.administered_at < c.week_end_ts
     AND (p.next_at IS NULL OR p.next_at >= c.week_end_ts)
    GROUP BY c.clinician_id, c.week_start
),
measured AS (
    SELECT
        g.clinician_id,
        g.week_start,
        g.week_end,
        g.fte,
        g.caseload_target,
        coalesce(sw.attended_sessions, 0) AS attended_sessions,
        coalesce(sw.direct_hours, 0.0) AS direct_hours,
        coalesce(a.active_caseload, 0) AS active_caseload,
        sw.missed / nullif(sw.scheduled, 0) AS no_show_rate,
        sw.median_note_lag_hours,
        coalesce(sw.late_notes, 0) AS late_notes,
        coalesce(nw.after_hours_notes, 0) AS after_hours_notes,
        $direct_hours_per_fte * g.fte AS direct_hours_target,
        a.high_acuity / nullif(a.active_caseload, 0) AS high_acuity_share,
        coalesce(sw.unsigned_notes, 0) AS unsigned_notes,
        coalesce(wd.days_worked, 0) AS days_worked
    FROM grid g
    LEFT JOIN sess_week sw USING (clinician_id, week_start)
    LEFT JOIN notes_week nw USING (clinician_id, week_start)
    LEFT JOIN work_days wd USING (clinician_id, week_start)
    LEFT JOIN acuity a USING (clinician_id, week_start)
)
