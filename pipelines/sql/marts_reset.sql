-- Start a refresh: the marts schema is emptied and made again (inside the
-- refresh's transaction, so a failed refresh leaves the previous marts).
DROP SCHEMA IF EXISTS marts CASCADE;
CREATE SCHEMA marts;
