-- The published snapshot's tables that the mapping page's preview reads (attached as snap).
SELECT table_name FROM duckdb_tables()
WHERE database_name = 'snap' AND schema_name = 'main'
  AND table_name IN ('clinicians', 'clients', 'sessions', 'goals', 'measures', 'homework', 'wins', 'client_births')
