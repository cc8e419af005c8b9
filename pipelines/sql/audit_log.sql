-- The audit log (SQLite app state): append-only and hash-chained. Several
-- named queries; see pipelines/appstate/audit.py. PostgreSQL's twin: pg/audit_log.sql.

-- name: last_hash
SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1;

-- name: append
INSERT INTO audit_log (at, actor, action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)
RETURNING seq;

-- name: chain
SELECT seq, at, actor, action, detail, prev_hash, hash FROM audit_log ORDER BY seq;

-- name: recent
SELECT seq, at, actor, action, detail FROM audit_log ORDER BY seq DESC LIMIT ?;
