-- The scratch objects of one file's load.
DROP VIEW IF EXISTS temp.valid;
DROP VIEW IF EXISTS temp.raw_rows;
DROP TABLE IF EXISTS temp.raw_file;
DROP TABLE IF EXISTS temp.typed;
DROP TABLE IF EXISTS temp.problems;
