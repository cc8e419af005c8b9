-- Server-side sessions and the sign-in lockout (PostgreSQL app state): the
-- twin of ../auth_sessions.sql. See pipelines/appstate/auth_sessions.py.

-- name: start
INSERT INTO auth_sessions (session_id, username, cookie_exp, started_at, last_seen_at)
VALUES (%s, %s, %s, %s, %s);

-- name: get
SELECT session_id, username, cookie_exp, started_at, last_seen_at, ended_at, end_reason
FROM auth_sessions WHERE session_id = %s;

-- name: by_cookie
SELECT session_id FROM auth_sessions
WHERE username = %s AND cookie_exp = %s AND ended_at IS NULL
ORDER BY started_at DESC LIMIT 1;

-- name: touch
UPDATE auth_sessions SET last_seen_at = %s WHERE session_id = %s AND ended_at IS NULL;

-- name: end
UPDATE auth_sessions SET ended_at = %s, end_reason = %s WHERE session_id = %s AND ended_at IS NULL;

-- name: end_for_user
UPDATE auth_sessions SET ended_at = %s, end_reason = %s WHERE username = %s AND ended_at IS NULL;

-- name: add_failure
INSERT INTO login_failures (username, at) VALUES (%s, %s);

-- name: clear_failures
DELETE FROM login_failures WHERE username = %s;

-- name: recent_failures
SELECT at FROM login_failures WHERE username = %s AND at > %s ORDER BY at;

-- name: attach_cookie
UPDATE auth_sessions SET cookie_exp = %s WHERE session_id = %s AND ended_at IS NULL;

-- name: end_reachable_by_cookie
-- sign-out: this session and every live session of the user a sign-in cookie could find
UPDATE auth_sessions SET ended_at = %s, end_reason = %s
WHERE username = %s AND ended_at IS NULL AND (session_id = %s OR cookie_exp IS NOT NULL);
