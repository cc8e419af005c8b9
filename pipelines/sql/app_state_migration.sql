-- The app-state schema's version and its ledger (SQLite), used by
-- pipelines/appstate/migrations.py. PostgreSQL's twin: pg/app_state_migration.sql.

-- name: ledger
-- Which numbered migration was applied when (applied_at NULL: before the ledger
-- existed). Kept by the migrator itself, so it exists before migration 1.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT
);

-- name: version
-- SQLite keeps the version in the file's header, read without touching a table:
-- every connection checks it.
PRAGMA user_version;

-- name: record
INSERT OR IGNORE INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?);

-- name: applied
SELECT version, name, applied_at FROM schema_migrations ORDER BY version;

-- name: ledger_exists
SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations';
