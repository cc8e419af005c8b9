-- The fingerprint of what the expected-treatment-response reference (cte_etr_reference.sql) is fitted on:
-- the date it is fitted before ($etr_fit_before, the first day of the as-of month), and every value
-- cte_etr_points.sql reads of a point before that date - each PHQ-9, GAD-7 and ORS score (client, measure,
-- time, score), each attended session's client and start (the attended sessions before a score give its
-- session number), and the client and intake date of each client taken on before that date (a score counts
-- from intake). A later score, session or client cannot change the fit, nor can a missed session's status;
-- a corrected, added or removed earlier one, or a new month, changes the fingerprint and the curves are
-- fitted again (pipelines/models/marts.py). tests/test_scope_property.py makes each change and checks.
WITH parts AS (
    SELECT hash('measures', client_id, measure, administered_at, score) AS h
    FROM measures
    WHERE measure IN ('PHQ-9', 'GAD-7', 'ORS') AND administered_at < $etr_fit_before
    UNION ALL
    SELECT hash('sessions', client_id, start)
    FROM sessions
    WHERE status = 'attended' AND start < $etr_fit_before
    UNION ALL
    SELECT hash('clients', client_id, intake_date)
    FROM clients
    WHERE intake_date < $etr_fit_before
)
SELECT CAST($etr_fit_before AS DATE) || ' ' || count(*) || ' ' || coalesce(sum(h), 0) AS inputs
FROM parts
