-- requires: scoped_clients, attended, outcome_scores
-- One row per active scoped client: attended sessions, the last one, and the
-- primary outcome measure (PHQ-9 if the client has one, else ORS, else GAD-7).
attended_per_client AS (
    SELECT client_id, count(*) AS attended_sessions, max(start) AS last_attended
    FROM attended
    GROUP BY client_id
),
primary_pick AS (
    SELECT
        client_id,
        arg_min(measure, CASE measure WHEN 'PHQ-9' THEN 1 WHEN 'ORS' THEN 2 ELSE 3 END) AS primary_measure
    FROM outcome_scores
    WHERE measure IN ('PHQ-9', 'ORS', 'GAD-7')
    GROUP BY client_id
),
client_facts AS (
    SELECT
        c.client_id,
        c.clinician_id,
        c.intake_date,
        coalesce(a.attended_sessions, 0) AS attended_sessions,
        a.last_attended,
        date_diff('day', CAST(a.last_attended AS DATE), $as_of) AS days_since_attended,
        p.primary_measure
    FROM scoped_clients c
    LEFT JOIN attended_per_client a USING (client_id)
    LEFT JOIN primary_pick p USING (client_id)
    WHERE c.is_active
)
