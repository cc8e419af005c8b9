-- App state (SQLite). Written by the app and by CLI commands; never by an ingest
-- of imported data. Idempotent: applied on every connection.

CREATE TABLE IF NOT EXISTS users (
    username      TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('clinician', 'supervisor', 'manager')),
    clinician_id  TEXT,               -- link to clinicians.clinician_id (scope)
    password_hash TEXT NOT NULL,      -- bcrypt
    active        INTEGER NOT NULL DEFAULT 1,
    is_demo       INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- Append-only, hash-chained: each row's hash covers the previous row's hash.
CREATE TABLE IF NOT EXISTS audit_log (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL,         -- JSON
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Server-side sign-in sessions (design §7). A session ends on sign-out, idle
-- timeout, absolute timeout or when its user is disabled; the sign-in cookie
-- only finds a session (by its expiry claim), it never grants access alone.
-- Times are Unix seconds.
CREATE TABLE IF NOT EXISTS auth_sessions (
    session_id   TEXT PRIMARY KEY,    -- random; held in the server-side Streamlit session
    username     TEXT NOT NULL,
    cookie_exp   REAL,                -- the sign-in cookie's exp_date claim
    started_at   REAL NOT NULL,
    last_seen_at REAL NOT NULL,       -- last user action (not timer checks)
    ended_at     REAL,
    end_reason   TEXT                 -- logout, idle, expired, disabled, replaced
);
CREATE INDEX IF NOT EXISTS auth_sessions_cookie ON auth_sessions (username, cookie_exp);

-- Failed sign-ins per account name, for the server-side lockout.
CREATE TABLE IF NOT EXISTS login_failures (
    username TEXT NOT NULL,
    at       REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_user ON login_failures (username, at);

-- Flag reviews: who did what to which flag, when (append-only; the latest
-- review of a flag decides its state, see pipelines/flag_reviews.py).
CREATE TABLE IF NOT EXISTS flag_reviews (
    review_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id      TEXT NOT NULL,
    flag           TEXT NOT NULL,
    flag_since     TEXT NOT NULL,     -- the flag's since date: a new episode starts afresh
    action         TEXT NOT NULL CHECK (action IN ('acknowledge', 'snooze', 'resolve')),
    note           TEXT NOT NULL DEFAULT '',
    snooze_until   TEXT,              -- ISO date, for snooze
    score_at_review REAL,             -- primary measure's latest score when reviewed
    reviewed_by    TEXT NOT NULL,
    reviewed_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS flag_reviews_flag ON flag_reviews (client_id, flag, review_id);
CREATE TRIGGER IF NOT EXISTS flag_reviews_no_update BEFORE UPDATE ON flag_reviews
BEGIN SELECT RAISE(ABORT, 'flag_reviews is append-only'); END;
CREATE TRIGGER IF NOT EXISTS flag_reviews_no_delete BEFORE DELETE ON flag_reviews
BEGIN SELECT RAISE(ABORT, 'flag_reviews is append-only'); END;
