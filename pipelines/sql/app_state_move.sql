-- Moving a SQLite app state into PostgreSQL (pipelines/appstate/move.py): every table's rows,
-- read from the source in one transaction, and read back from the copy with the same text (plain
-- SQL, the same in both dialects). pg/app_state_move.sql writes them. A table added by a migration
-- needs a query here and an insert there (tests/test_app_state_move.py fails until it has both).

-- name: users
SELECT username, display_name, role, clinician_id, password_hash, active, is_demo, created_at, updated_at FROM users ORDER BY username;

-- name: audit_log
SELECT seq, at, actor, action, detail, prev_hash, hash FROM audit_log ORDER BY seq;

-- name: auth_sessions
SELECT session_id, username, cookie_exp, started_at, last_seen_at, ended_at, end_reason FROM auth_sessions ORDER BY session_id;

-- name: login_failures
SELECT username, at FROM login_failures ORDER BY username, at;

-- name: password_resets
SELECT username, reset_on FROM password_resets ORDER BY username, reset_on;

-- name: flag_reviews
SELECT review_id, client_id, flag, flag_since, action, note, snooze_until, score_at_review, reviewed_by, reviewed_at FROM flag_reviews ORDER BY review_id;

-- name: app_wins
SELECT win_id, posted_by, posted_by_user, posted_at, category, text, client_id, suggestion_id, phi_confirmed FROM app_wins ORDER BY win_id;

-- name: win_reactions
SELECT win_id, username, reacted_at FROM win_reactions ORDER BY win_id, username;

-- name: win_celebrations
SELECT win_id, meeting_date, marked_by, marked_at FROM win_celebrations ORDER BY win_id, meeting_date;

-- name: consultations
SELECT item_id, client_id, clinician_id, team, brought_by, brought_at, as_of, question, from_flag, flags_then, momentum_then, measure, score_then, phi_confirmed FROM consultations ORDER BY item_id;

-- name: consultation_notes
SELECT note_id, item_id, meeting_date, ideas, next_step, recorded_by, recorded_at FROM consultation_notes ORDER BY note_id;

-- name: pulse_owner_copies
SELECT owner_ref, period, sealed FROM pulse_owner_copies ORDER BY owner_ref, period;

-- name: pulse_team_sums
SELECT period, team, respondents, work_sum, client_sum, work_high, client_high, any_high FROM pulse_team_sums ORDER BY period, team;
