-- The audit log (PostgreSQL app state): the twin of ../audit_log.sql. Appends
-- are serialised by the writers' advisory lock (app_state_session.sql).

-- name: last_hash
SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1;

-- name: append
INSERT INTO audit_log (at, actor, action, detail, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s)
RETURNING seq;

-- name: chain
SELECT seq, at, actor, action, detail, prev_hash, hash FROM audit_log ORDER BY seq;

-- name: recent
SELECT seq, at, actor, action, detail FROM audit_log ORDER BY seq DESC LIMIT %s;
