-- Users of the dashboard (SQLite app state). Several named queries; see
-- pipelines/appstate/users.py. PostgreSQL's twin: pg/users.sql.

-- name: exists
SELECT 1 FROM users WHERE username = ?;

-- name: insert
INSERT INTO users (username, display_name, role, clinician_id, password_hash, active, is_demo, created_at,
                   updated_at)
VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?);

-- name: set_active
UPDATE users SET active = ?, updated_at = ? WHERE username = ?;

-- name: set_password
UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ?;

-- name: record_reset
INSERT INTO password_resets (username, reset_on) VALUES (?, ?);

-- name: reset_days
SELECT reset_on FROM password_resets WHERE username = ? ORDER BY reset_on;

-- name: list
SELECT username, display_name, role, clinician_id, active, is_demo FROM users ORDER BY username;

-- name: password_hashes
-- active users only (for the sign-in form)
SELECT username, password_hash FROM users WHERE active = 1;
