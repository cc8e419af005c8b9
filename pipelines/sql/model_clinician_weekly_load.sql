-- requires: clinician_weeks
-- Workload per clinician and week for the last $workload_weeks weeks (see cte_clinician_weeks.sql).
SELECT
    clinician_id,
    week_start,
    attended_sessions,
    CAST(direct_hours AS DOUBLE) AS direct_hours,
    active_caseload,
    CAST(no_show_rate AS DOUBLE) AS no_show_rate,
    CAST(median_note_lag_hours AS DOUBLE) AS median_note_lag_hours,
    late_notes,
    after_hours_notes,
    CAST(fte AS DOUBLE) AS fte,
    caseload_target,
    CAST(direct_hours_target AS DOUBLE) AS direct_hours_target,
    CAST(high_acuity_share AS DOUBLE) AS high_acuity_share,
    days_worked,
    days_worked = 7 AS no_day_off,
    unsigned_notes,
    week_end
FROM measured
ORDER BY clinician_id, week_start
