-- The benchmark's baseline: DuckDB's own CSV load of the same files, no validation.
CREATE TABLE clinicians AS SELECT * FROM read_csv($clinicians);
CREATE TABLE clients AS SELECT * FROM read_csv($clients);
CREATE TABLE sessions AS SELECT * FROM read_csv($sessions);
CREATE TABLE goals AS SELECT * FROM read_csv($goals);
CREATE TABLE measures AS SELECT * FROM read_csv($measures);
CREATE TABLE homework AS SELECT * FROM read_csv($homework);
CREATE TABLE wins AS SELECT * FROM read_csv($wins);
