-- DuckDB's own memory limit again (80% of the machine's memory) after a refresh;
-- nothing else in Momentum sets one.
RESET memory_limit
