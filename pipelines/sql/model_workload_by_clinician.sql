-- requires: model:clinician_weekly_load, model:workload_signals, model:practice_weeks
-- The workload page's table: one row per clinician who does clinical work, with
-- the signals that fired, the latest full week's caseload and direct hours
-- against their targets, and each metric week by week (heuristics, never a
-- diagnosis; design §4). It reads the rows of clinician_weekly_load and
-- workload_signals for the same scope and as-of date (their marts, when the
-- marts serve).
--
-- Which staff: active ones (clinicians.active not false) whose role is not
-- manager - a manager only when they do clinical work all the same (a caseload
-- target above 0, or an attended session or an active client in the window).
--
-- Which week is "latest": the last week of the window that is complete and
-- usual. A week is marked (marked_weeks, marked_notes), and left out of
-- "latest" and of the week-by-week lists, when
--   partial     - it ends after $as_of (counted only up to $as_of);
--   no_sessions - no session at all was recorded in it anywhere in the practice,
--                 though every other complete week of the window had some;
--   no_missed   - sessions were recorded but not one no-show or late
--                 cancellation anywhere in the practice, though every other
--                 complete week of the window with sessions had some (statuses
--                 perhaps not final yet, or an export that treats the last week
--                 differently).
-- The two "unusual" tests look at the whole practice, not only $scope: whether a
-- week's data looks complete is a fact about the data, the same for every
-- reader; a week's mark is shown, never the counts behind it.
weeks_seen AS (
    SELECT
        w.week_start,
        w.week_end,
        w.week_end = w.week_start + 6 AS complete,
        coalesce(p.sessions, 0) AS sessions,
        coalesce(p.missed, 0) AS missed
    FROM (SELECT DISTINCT week_start, CAST(week_end AS DATE) AS week_end FROM clinician_weekly_load) w
    LEFT JOIN practice_weeks p USING (week_start)
),
weeks_compared AS (
    SELECT
        *,
        count(*) FILTER (WHERE complete) OVER () AS complete_weeks,
        count(*) FILTER (WHERE complete AND sessions > 0) OVER () AS weeks_with_sessions,
        count(*) FILTER (WHERE complete AND missed > 0) OVER () AS weeks_with_missed
    FROM weeks_seen
),
week_marks AS (
    SELECT
        week_start,
        week_end,
        CASE
            WHEN NOT complete THEN 'partial'
            WHEN complete_weeks > 1 AND sessions = 0 AND weeks_with_sessions = complete_weeks - 1 THEN 'no_sessions'
            WHEN weeks_with_sessions > 1 AND sessions > 0 AND missed = 0
                 AND weeks_with_missed = weeks_with_sessions - 1 THEN 'no_missed'
        END AS mark
    FROM weeks_compared
),
latest AS (
    SELECT max(week_start) AS week_start FROM week_marks WHERE mark IS NULL
),
marked AS (
    -- the weeks left out, oldest first, each with why (the same for every row)
    SELECT
        coalesce(list(strftime(week_start, '%Y-%m-%d') ORDER BY week_start) FILTER (WHERE mark IS NOT NULL),
                 CAST([] AS VARCHAR[])) AS marked_weeks,
        coalesce(list(
            CASE mark
                WHEN 'partial' THEN 'partial week: counted only up to ' || strftime(week_end, '%Y-%m-%d')
                WHEN 'no_sessions' THEN 'unusual week: no session was recorded anywhere in the practice, '
                    || 'though every other complete week had some'
                WHEN 'no_missed' THEN 'unusual week: not one no-show or late cancellation was recorded anywhere '
                    || 'in the practice, though every other complete week with sessions had some'
            END ORDER BY week_start) FILTER (WHERE mark IS NOT NULL), CAST([] AS VARCHAR[])) AS marked_notes
    FROM week_marks
),
clinical AS (
    SELECT l.clinician_id
    FROM clinician_weekly_load l
    JOIN clinicians k USING (clinician_id)
    WHERE coalesce(k.active, true)
    GROUP BY l.clinician_id, k.role, k.caseload_target
    HAVING k.role IS DISTINCT FROM 'manager'
        OR coalesce(k.caseload_target, 0) > 0
        OR sum(l.attended_sessions) > 0
        OR max(l.active_caseload) > 0
),
fired AS (
    -- the most persistent first
    SELECT
        clinician_id,
        count(*) AS signal_count,
        list(signal ORDER BY weeks_past DESC, signal) AS signals
    FROM workload_signals
    GROUP BY clinician_id
),
trend AS (
    -- each metric week by week, oldest first, for the sparklines: only the weeks that are neither marked
    -- nor empty of it (a week with nothing to measure is left out, never 0); no list holds a NULL
    SELECT
        l.clinician_id,
        coalesce(list(CAST(l.direct_hours AS DOUBLE) ORDER BY l.week_start)
                 FILTER (WHERE n.mark IS NULL AND l.direct_hours IS NOT NULL), CAST([] AS DOUBLE[])) AS direct_hours_weeks,
        coalesce(list(CAST(l.active_caseload AS DOUBLE) ORDER BY l.week_start)
                 FILTER (WHERE n.mark IS NULL AND l.active_caseload IS NOT NULL), CAST([] AS DOUBLE[])) AS active_caseload_weeks,
        coalesce(list(CAST(l.no_show_rate AS DOUBLE) ORDER BY l.week_start)
                 FILTER (WHERE n.mark IS NULL AND l.no_show_rate IS NOT NULL), CAST([] AS DOUBLE[])) AS no_show_rate_weeks,
        coalesce(list(CAST(l.median_note_lag_hours AS DOUBLE) ORDER BY l.week_start)
                 FILTER (WHERE n.mark IS NULL AND l.median_note_lag_hours IS NOT NULL), CAST([] AS DOUBLE[])) AS median_note_lag_hours_weeks,
        coalesce(list(CAST(l.late_notes AS DOUBLE) ORDER BY l.week_start)
                 FILTER (WHERE n.mark IS NULL AND l.late_notes IS NOT NULL), CAST([] AS DOUBLE[])) AS late_notes_weeks,
        coalesce(list(CAST(l.after_hours_notes AS DOUBLE) ORDER BY l.week_start)
                 FILTER (WHERE n.mark IS NULL AND l.after_hours_notes IS NOT NULL), CAST([] AS DOUBLE[])) AS after_hours_notes_weeks,
        coalesce(list(CAST(l.high_acuity_share AS DOUBLE) ORDER BY l.week_start)
                 FILTER (WHERE n.mark IS NULL AND l.high_acuity_share IS NOT NULL), CAST([] AS DOUBLE[])) AS high_acuity_share_weeks,
        coalesce(list(CAST(l.days_worked AS DOUBLE) ORDER BY l.week_start)
                 FILTER (WHERE n.mark IS NULL AND l.days_worked IS NOT NULL), CAST([] AS DOUBLE[])) AS days_worked_weeks
    FROM clinician_weekly_load l
    JOIN week_marks n USING (week_start)
    GROUP BY l.clinician_id
)
SELECT
    c.clinician_id,
    coalesce(f.signal_count, 0) AS signal_count,
    coalesce(f.signals, CAST([] AS VARCHAR[])) AS signals,
    (SELECT week_start FROM latest) AS latest_week_start,
    w.active_caseload,
    w.caseload_target,
    CAST(w.active_caseload AS DOUBLE) / nullif(w.caseload_target, 0) AS caseload_share,
    CAST(w.direct_hours AS DOUBLE) AS direct_hours,
    CAST(w.direct_hours_target AS DOUBLE) AS direct_hours_target,
    CAST(w.direct_hours AS DOUBLE) / nullif(w.direct_hours_target, 0) AS direct_hours_share,
    CAST(w.fte AS DOUBLE) AS fte,
    CAST(w.no_show_rate AS DOUBLE) AS no_show_rate,
    CAST(w.median_note_lag_hours AS DOUBLE) AS median_note_lag_hours,
    w.late_notes,
    w.after_hours_notes,
    CAST(w.high_acuity_share AS DOUBLE) AS high_acuity_share,
    w.days_worked,
    (SELECT marked_weeks FROM marked) AS marked_weeks,
    (SELECT marked_notes FROM marked) AS marked_notes,
    t.direct_hours_weeks,
    t.active_caseload_weeks,
    t.no_show_rate_weeks,
    t.median_note_lag_hours_weeks,
    t.late_notes_weeks,
    t.after_hours_notes_weeks,
    t.high_acuity_share_weeks,
    t.days_worked_weeks
FROM clinical c
JOIN trend t USING (clinician_id)
LEFT JOIN fired f USING (clinician_id)
LEFT JOIN clinician_weekly_load w
  ON w.clinician_id = c.clinician_id AND w.week_start = (SELECT week_start FROM latest)
ORDER BY signal_count DESC, greatest(caseload_share, direct_hours_share) DESC NULLS LAST, c.clinician_id
