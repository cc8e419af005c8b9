-- Users of the dashboard (PostgreSQL app state): the twin of ../users.sql.

-- name: exists
SELECT 1 FROM users WHERE username = %s;

-- name: insert
INSERT INTO users (username, display_name, role, clinician_id, password_hash, active, is_demo, created_at,
                   updated_at)
VALUES (%s, %s, %s, %s, %s, 1, %s, %s, %s);

-- name: set_active
UPDATE users SET active = %s, updated_at = %s WHERE username = %s;

-- name: set_password
UPDATE users SET password_hash = %s, updated_at = %s WHERE username = %s;

-- name: record_reset
INSERT INTO password_resets (username, reset_on) VALUES (%s, %s);

-- name: reset_days
SELECT reset_on FROM password_resets WHERE username = %s ORDER BY reset_on;

-- name: list
SELECT username, display_name, role, clinician_id, active, is_demo FROM users ORDER BY username;

-- name: password_hashes
-- active users only (for the sign-in form)
SELECT username, password_hash FROM users WHERE active = 1;
