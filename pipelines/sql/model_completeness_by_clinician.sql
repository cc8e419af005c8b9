-- requires: scoped_clients, attended, outcome_scores
-- Data completeness per clinician (of the clients' clinician), as of $as_of: how much of the work has
-- the outcome scores a benchmark needs. Outcome scores are PHQ-9, GAD-7 and ORS (as MEASURES_MISSING).
--   sessions_with_score: attended sessions with an outcome score the same day;
--   dna_rate: no-shows / (attended + no-shows) of clients seen at least once, against OpenFIT's target;
--   early_baseline: clients seen at least once whose first outcome score came no later than the day of
--     their session number $baseline_by_session (or their last session, when they had fewer);
--   two_scores: clients seen with at least two scores on one outcome measure;
--   finished_without_final_score: discharged clients (by $as_of) seen at least once with no outcome
--     score on or after the day of their last attended session;
--   meets_score_target, meets_dna_target: OpenFIT's targets ($sessions_without_score_max, $dna_rate_max).
SELECT * FROM (
WITH scores AS (
    SELECT client_id, CAST(administered_at AS DATE) AS day, measure
    FROM outcome_scores
    WHERE measure IN ('PHQ-9', 'GAD-7', 'ORS')
),
score_days AS (SELECT DISTINCT client_id, day FROM scores),
per_session AS (
    SELECT a.client_id, a.session_no, CAST(a.start AS DATE) AS day, d.client_id IS NOT NULL AS scored
    FROM attended a
    LEFT JOIN score_days d ON d.client_id = a.client_id AND d.day = CAST(a.start AS DATE)
),
session_facts AS (
    SELECT client_id,
           count(*) AS attended_sessions,
           count(*) FILTER (WHERE scored) AS sessions_with_score,
           max(day) FILTER (WHERE session_no <= $baseline_by_session) AS baseline_due_day,
           max(day) AS last_session_day
    FROM per_session
    GROUP BY client_id
),
score_facts AS (
    SELECT client_id, min(first_day) AS first_score_day, max(last_day) AS last_score_day, max(n) AS most_scores
    FROM (SELECT client_id, measure, min(day) AS first_day, max(day) AS last_day, count(*) AS n
          FROM scores GROUP BY client_id, measure)
    GROUP BY client_id
),
no_shows AS (
    SELECT s.client_id, count(*) AS no_shows
    FROM sessions s JOIN scoped_clients c USING (client_id)
    WHERE s.status = 'no_show' AND s.start < $as_of + INTERVAL 1 DAY
    GROUP BY s.client_id
),
per_client AS (
    SELECT c.clinician_id, f.attended_sessions, f.sessions_with_score, coalesce(n.no_shows, 0) AS no_shows,
           NOT c.is_active AND c.status = 'discharged' AS finished,
           sf.first_score_day <= f.baseline_due_day AS early_baseline,
           coalesce(sf.most_scores, 0) >= 2 AS two_scores,
           sf.last_score_day IS NULL OR sf.last_score_day < f.last_session_day AS no_final_score
    FROM scoped_clients c
    JOIN session_facts f USING (client_id)
    LEFT JOIN score_facts sf USING (client_id)
    LEFT JOIN no_shows n USING (client_id)
),
by_clinician AS (
    SELECT clinician_id,
           sum(attended_sessions) AS attended_sessions,
           sum(sessions_with_score) AS sessions_with_score,
           sum(no_shows) AS no_shows,
           count(*) AS clients_seen,
           count(*) FILTER (WHERE early_baseline) AS early_baseline,
           count(*) FILTER (WHERE two_scores) AS two_scores,
           count(*) FILTER (WHERE finished) AS finished_courses,
           count(*) FILTER (WHERE finished AND no_final_score) AS finished_without_final_score
    FROM per_client
    GROUP BY clinician_id
)
SELECT
    clinician_id,
    CAST(attended_sessions AS BIGINT) AS attended_sessions,
    CAST(sessions_with_score AS BIGINT) AS sessions_with_score,
    sessions_with_score / attended_sessions AS pct_sessions_with_score,
    CAST(no_shows AS BIGINT) AS no_shows,
    no_shows / (attended_sessions + no_shows) AS dna_rate,
    clients_seen,
    early_baseline,
    early_baseline / clients_seen AS pct_early_baseline,
    two_scores,
    two_scores / clients_seen AS pct_two_scores,
    finished_courses,
    finished_without_final_score,
    CASE WHEN finished_courses > 0 THEN finished_without_final_score / finished_courses END
        AS pct_finished_without_final_score,
    1 - sessions_with_score / attended_sessions <= $sessions_without_score_max AS meets_score_target,
    no_shows / (attended_sessions + no_shows) < $dna_rate_max AS meets_dna_target
FROM by_clinician
)
ORDER BY clinician_id
