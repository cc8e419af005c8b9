-- Rows the baseline load put in its tables.
SELECT (SELECT count(*) FROM clinicians) + (SELECT count(*) FROM clients) + (SELECT count(*) FROM sessions)
     + (SELECT count(*) FROM goals) + (SELECT count(*) FROM measures) + (SELECT count(*) FROM homework)
     + (SELECT count(*) FROM wins)
