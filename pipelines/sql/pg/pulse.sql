-- The wellbeing pulse (PostgreSQL app state): the twin of ../pulse.sql. Several named queries; see pipelines/appstate/pulse.py.
-- Nothing here takes or returns a username or a clinician_id.

-- name: owner_has
SELECT 1 FROM pulse_owner_copies WHERE owner_ref = %s AND period = %s;

-- name: owner_insert
INSERT INTO pulse_owner_copies (owner_ref, period, sealed) VALUES (%s, %s, %s);

-- name: owner_rows
-- one owner's sealed rows (found by their keyed pseudonym), oldest first
SELECT period, sealed FROM pulse_owner_copies WHERE owner_ref = %s ORDER BY period;

-- name: sums_add
-- one respondent's scores added to their period and team
INSERT INTO pulse_team_sums (period, team, respondents, work_sum, client_sum, work_high, client_high, any_high)
VALUES (%s, %s, 1, %s, %s, %s, %s, %s)
ON CONFLICT (period, team) DO UPDATE SET
    respondents = pulse_team_sums.respondents + 1,
    work_sum = pulse_team_sums.work_sum + excluded.work_sum,
    client_sum = pulse_team_sums.client_sum + excluded.client_sum,
    work_high = pulse_team_sums.work_high + excluded.work_high,
    client_high = pulse_team_sums.client_high + excluded.client_high,
    any_high = pulse_team_sums.any_high + excluded.any_high;

-- name: sums_closed
-- every team's sums for the periods before the given one (the current period's first month): closed periods only
SELECT period, team, respondents, work_sum, client_sum, work_high, client_high, any_high
FROM pulse_team_sums
WHERE period < %s
ORDER BY period, team;

-- name: sums_any
SELECT count(*) FROM pulse_team_sums;
