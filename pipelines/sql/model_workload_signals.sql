-- requires: clinician_weeks
-- Workload and burnout signals per clinician (heuristics, never a diagnosis;
-- design §4). A signal fires when its weekly metric is past its threshold in at
-- least $signal_weeks of the last $signal_window_weeks weeks ending at $as_of
-- (the current, possibly partial, week is the last of them). The weekly metrics
-- come from the same fragment as model_clinician_weekly_load.sql
-- (cte_clinician_weeks.sql), so the two always agree.
signal_window AS (
    -- the last $signal_window_weeks weeks of the workload grid
    SELECT *
    FROM measured
    WHERE week_start > (SELECT max(week_start) FROM weeks) - to_weeks(CAST($signal_window_weeks AS INTEGER))
),
metric AS (
    SELECT clinician_id, week_start, 'HIGH_DIRECT_HOURS' AS signal, 1 AS signal_order,
           CAST(direct_hours AS DOUBLE) AS value, CAST(direct_hours_target AS DOUBLE) AS threshold,
           direct_hours > direct_hours_target AS past,
           CAST(round(direct_hours, 1) AS VARCHAR) AS shown
    FROM signal_window
    UNION ALL
    SELECT clinician_id, week_start, 'CASELOAD_OVER_TARGET', 2,
           CAST(active_caseload AS DOUBLE), $caseload_over_fraction * caseload_target,
           caseload_target > 0 AND active_caseload > $caseload_over_fraction * caseload_target,
           CAST(active_caseload AS VARCHAR)
    FROM signal_window
    UNION ALL
    SELECT clinician_id, week_start, 'LATE_NOTES', 3,
           CAST(late_notes AS DOUBLE), CAST($late_notes_signal AS DOUBLE),
           late_notes >= $late_notes_signal,
           CAST(late_notes AS VARCHAR)
    FROM signal_window
    UNION ALL
    SELECT clinician_id, week_start, 'AFTER_HOURS_NOTES', 4,
           CAST(after_hours_notes AS DOUBLE), CAST($after_hours_signal AS DOUBLE),
           after_hours_notes >= $after_hours_signal,
           CAST(after_hours_notes AS VARCHAR)
    FROM signal_window
    UNION ALL
    SELECT clinician_id, week_start, 'NO_SHOW_LOAD', 5,
           CAST(no_show_rate AS DOUBLE), CAST($no_show_rate_signal AS DOUBLE),
           coalesce(no_show_rate > $no_show_rate_signal, false),
           coalesce(CAST(CAST(round(100 * no_show_rate) AS BIGINT) AS VARCHAR) || '%', 'none scheduled')
    FROM signal_window
    UNION ALL
    SELECT clinician_id, week_start, 'HIGH_ACUITY', 6,
           CAST(high_acuity_share AS DOUBLE), CAST($high_acuity_share_signal AS DOUBLE),
           coalesce(high_acuity_share > $high_acuity_share_signal, false),
           coalesce(CAST(CAST(round(100 * high_acuity_share) AS BIGINT) AS VARCHAR) || '%', 'no active clients')
    FROM signal_window
),
latest AS (
    SELECT max(week_start) AS week_start FROM weeks
),
counted AS (
    SELECT
        m.clinician_id,
        m.signal,
        any_value(m.signal_order) AS signal_order,
        count(*) FILTER (WHERE m.past) AS weeks_past,
        count(*) AS window_weeks,
        max(m.value) FILTER (WHERE m.week_start = (SELECT week_start FROM latest)) AS latest_value,
        max(m.threshold) FILTER (WHERE m.week_start = (SELECT week_start FROM latest)) AS threshold,
        string_agg(m.shown, ', ' ORDER BY m.week_start) AS shown_values,
        any_value(k.fte) AS fte,
        any_value(k.caseload_target) AS caseload_target
    FROM metric m
    JOIN clin k USING (clinician_id)
    GROUP BY m.clinician_id, m.signal
)
SELECT
    clinician_id,
    signal,
    weeks_past,
    window_weeks,
    latest_value,
    threshold,
    CASE signal
        WHEN 'HIGH_DIRECT_HOURS' THEN
            'direct clinical hours above the FTE-adjusted target in ' || weeks_past || ' of the last ' || window_weeks
            || ' weeks (' || shown_values || ' h); the target is ' || CAST(round(threshold, 1) AS VARCHAR)
            || ' h a week (' || CAST($direct_hours_per_fte AS VARCHAR) || ' h per 1.0 FTE x ' || CAST(fte AS VARCHAR) || ' FTE)'
        WHEN 'CASELOAD_OVER_TARGET' THEN
            'active caseload more than ' || CAST(CAST(round(100 * $caseload_over_fraction) AS BIGINT) AS VARCHAR)
            || '% of the caseload target in ' || weeks_past || ' of the last ' || window_weeks
            || ' weeks (' || shown_values || ' clients; target ' || CAST(caseload_target AS VARCHAR) || ')'
        WHEN 'LATE_NOTES' THEN
            CAST($late_notes_signal AS VARCHAR) || ' or more late notes in ' || weeks_past || ' of the last ' || window_weeks
            || ' weeks (' || shown_values || '); a note is late when signed more than '
            || CAST($late_note_hours AS VARCHAR) || ' h after the session ended'
        WHEN 'AFTER_HOURS_NOTES' THEN
            CAST($after_hours_signal AS VARCHAR) || ' or more notes signed after hours in ' || weeks_past || ' of the last ' || window_weeks
            || ' weeks (' || shown_values || '); after hours means ' || lpad(CAST($after_hours_start AS VARCHAR), 2, '0')
            || ':00-' || lpad(CAST($after_hours_end AS VARCHAR), 2, '0') || ':00 or at the weekend'
        WHEN 'NO_SHOW_LOAD' THEN
            'no-shows and late cancellations above ' || CAST(CAST(round(100 * $no_show_rate_signal) AS BIGINT) AS VARCHAR)
            || '% of scheduled sessions in ' || weeks_past || ' of the last ' || window_weeks || ' weeks (' || shown_values || ')'
        WHEN 'HIGH_ACUITY' THEN
            'more than ' || CAST(CAST(round(100 * $high_acuity_share_signal) AS BIGINT) AS VARCHAR)
            || '% of the active caseload high-acuity in ' || weeks_past || ' of the last ' || window_weeks
            || ' weeks (' || shown_values || '); high acuity means a latest PHQ-9 of ' || CAST($high_acuity_phq9 AS VARCHAR)
            || ' or more or a positive risk item'
    END || ' - a workload heuristic, not a diagnosis' AS reason,
    'heuristic' AS kind
FROM counted
WHERE weeks_past >= $signal_weeks
ORDER BY clinician_id, signal_order
