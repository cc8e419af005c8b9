-- Moving a SQLite app state into PostgreSQL (pipelines/appstate/move.py): insert_<table> writes
-- one row of each table ../app_state_move.sql reads (whose plain SELECTs also read the copy back),
-- with the identity columns' values kept (OVERRIDING SYSTEM VALUE), so audit entries, reviews and
-- consultation items keep their numbers.

-- name: insert_users
INSERT INTO users (username, display_name, role, clinician_id, password_hash, active, is_demo, created_at, updated_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s);

-- name: insert_audit_log
INSERT INTO audit_log (seq, at, actor, action, detail, prev_hash, hash) OVERRIDING SYSTEM VALUE
VALUES (%s, %s, %s, %s, %s, %s, %s);

-- name: insert_auth_sessions
INSERT INTO auth_sessions (session_id, username, cookie_exp, started_at, last_seen_at, ended_at, end_reason)
VALUES (%s, %s, %s, %s, %s, %s, %s);

-- name: insert_login_failures
INSERT INTO login_failures (username, at)
VALUES (%s, %s);

-- name: insert_password_resets
INSERT INTO password_resets (username, reset_on)
VALUES (%s, %s);

-- name: insert_flag_reviews
INSERT INTO flag_reviews (review_id, client_id, flag, flag_since, action, note, snooze_until, score_at_review, reviewed_by, reviewed_at) OVERRIDING SYSTEM VALUE
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s);

-- name: insert_app_wins
INSERT INTO app_wins (win_id, posted_by, posted_by_user, posted_at, category, text, client_id, suggestion_id, phi_confirmed)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s);

-- name: insert_win_reactions
INSERT INTO win_reactions (win_id, username, reacted_at)
VALUES (%s, %s, %s);

-- name: insert_win_celebrations
INSERT INTO win_celebrations (win_id, meeting_date, marked_by, marked_at)
VALUES (%s, %s, %s, %s);

-- name: insert_consultations
INSERT INTO consultations (item_id, client_id, clinician_id, team, brought_by, brought_at, as_of, question, from_flag, flags_then, momentum_then, measure, score_then, phi_confirmed) OVERRIDING SYSTEM VALUE
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s);

-- name: insert_consultation_notes
INSERT INTO consultation_notes (note_id, item_id, meeting_date, ideas, next_step, recorded_by, recorded_at) OVERRIDING SYSTEM VALUE
VALUES (%s, %s, %s, %s, %s, %s, %s);

-- name: insert_pulse_owner_copies
INSERT INTO pulse_owner_copies (owner_ref, period, sealed)
VALUES (%s, %s, %s);

-- name: insert_pulse_team_sums
INSERT INTO pulse_team_sums (period, team, respondents, work_sum, client_sum, work_high, client_high, any_high)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s);

-- name: identities
-- the identity columns continue after the highest number copied (a new audit entry is max + 1)
SELECT setval(pg_get_serial_sequence('audit_log', 'seq'), coalesce((SELECT max(seq) FROM audit_log), 0) + 1, false)
UNION ALL SELECT setval(pg_get_serial_sequence('flag_reviews', 'review_id'), coalesce((SELECT max(review_id) FROM flag_reviews), 0) + 1, false)
UNION ALL SELECT setval(pg_get_serial_sequence('consultations', 'item_id'), coalesce((SELECT max(item_id) FROM consultations), 0) + 1, false)
UNION ALL SELECT setval(pg_get_serial_sequence('consultation_notes', 'note_id'), coalesce((SELECT max(note_id) FROM consultation_notes), 0) + 1, false);

-- name: has_content
-- anything at all in the target: a move goes into an empty app state only
SELECT EXISTS (SELECT 1 FROM users)
    OR EXISTS (SELECT 1 FROM audit_log)
    OR EXISTS (SELECT 1 FROM auth_sessions)
    OR EXISTS (SELECT 1 FROM login_failures)
    OR EXISTS (SELECT 1 FROM password_resets)
    OR EXISTS (SELECT 1 FROM flag_reviews)
    OR EXISTS (SELECT 1 FROM app_wins)
    OR EXISTS (SELECT 1 FROM win_reactions)
    OR EXISTS (SELECT 1 FROM win_celebrations)
    OR EXISTS (SELECT 1 FROM consultations)
    OR EXISTS (SELECT 1 FROM consultation_notes)
    OR EXISTS (SELECT 1 FROM pulse_owner_copies)
    OR EXISTS (SELECT 1 FROM pulse_team_sums);
