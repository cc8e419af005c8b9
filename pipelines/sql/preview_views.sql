-- The mapping page's preview: each contract table read as the published snapshot's rows (attached
-- read-only as snap) plus what the preview adds in its own empty tables. One statement per table; a
-- snapshot published before a table existed (client_births) lacks it, and that view is skipped.
CREATE VIEW live.clinicians AS SELECT * FROM snap.main.clinicians UNION ALL BY NAME SELECT * FROM memory.main.clinicians;
CREATE VIEW live.clients AS SELECT * FROM snap.main.clients UNION ALL BY NAME SELECT * FROM memory.main.clients;
CREATE VIEW live.sessions AS SELECT * FROM snap.main.sessions UNION ALL BY NAME SELECT * FROM memory.main.sessions;
CREATE VIEW live.goals AS SELECT * FROM snap.main.goals UNION ALL BY NAME SELECT * FROM memory.main.goals;
CREATE VIEW live.measures AS SELECT * FROM snap.main.measures UNION ALL BY NAME SELECT * FROM memory.main.measures;
CREATE VIEW live.homework AS SELECT * FROM snap.main.homework UNION ALL BY NAME SELECT * FROM memory.main.homework;
CREATE VIEW live.wins AS SELECT * FROM snap.main.wins UNION ALL BY NAME SELECT * FROM memory.main.wins;
CREATE VIEW live.client_births AS SELECT * FROM snap.main.client_births UNION ALL BY NAME SELECT * FROM memory.main.client_births;
