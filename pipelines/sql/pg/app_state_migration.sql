-- The app-state schema's version and its ledger (PostgreSQL), used by
-- pipelines/appstate/migrations.py. SQLite's twin: ../app_state_migration.sql.

-- name: ledger
-- Which numbered migration was applied when (applied_at NULL: before the ledger
-- existed). Kept by the migrator itself, so it exists before migration 1.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT
);

-- name: version
-- PostgreSQL has no header number: the highest migration in the ledger.
SELECT coalesce(max(version), 0) FROM schema_migrations;

-- name: record
INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s) ON CONFLICT (version) DO NOTHING;

-- name: applied
SELECT version, name, applied_at FROM schema_migrations ORDER BY version;

-- name: ledger_exists
SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations';
