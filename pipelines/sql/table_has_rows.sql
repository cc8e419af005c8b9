-- Whether an imported table holds any row (the upsert only deletes when it does).
SELECT EXISTS (SELECT 1 FROM query_table($table))
