-- App state (PostgreSQL), migration 1: the twin of
-- ../../app_state_migrations/0001_baseline.sql - the same tables, columns,
-- indexes, CHECKs and append-only rules. Written by the app and by CLI commands;
-- never by an ingest of imported data. Later changes are later numbered files
-- in this folder, never edits to this one (pipelines/appstate/migrations.py:
-- applied in one transaction, under the writers' advisory lock). All
-- CREATE ... IF NOT EXISTS: a database made before migrations were numbered gets
-- what it lacks and keeps what it has.
--
-- Types follow SQLite's: TEXT, INTEGER for the 0/1 flags, DOUBLE PRECISION for
-- REAL, identity columns for AUTOINCREMENT. Text that is sorted or compared by
-- range (usernames, ids, ISO dates and times) is COLLATE "C": byte order, as
-- in SQLite, whatever locale the database was created with.

CREATE TABLE IF NOT EXISTS users (
    username      TEXT COLLATE "C" PRIMARY KEY,
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
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL,         -- JSON
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

-- SQLite's RAISE(ABORT, message): the trigger's argument is the message.
CREATE OR REPLACE FUNCTION momentum_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'restrict_violation';
END
$$;

CREATE OR REPLACE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
FOR EACH ROW EXECUTE FUNCTION momentum_refuse_change('audit_log is append-only');
CREATE OR REPLACE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION momentum_refuse_change('audit_log is append-only');
-- TRUNCATE skips row triggers (SQLite has no TRUNCATE)
CREATE OR REPLACE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION momentum_refuse_change('audit_log is append-only');

-- Server-side sign-in sessions (design §7). A session ends on sign-out, idle
-- timeout, absolute timeout or when its user is disabled; the sign-in cookie
-- only finds a session (by its expiry claim), it never grants access alone.
-- Times are Unix seconds.
CREATE TABLE IF NOT EXISTS auth_sessions (
    session_id   TEXT PRIMARY KEY,    -- random; held in the server-side Streamlit session
    username     TEXT NOT NULL,
    cookie_exp   DOUBLE PRECISION,    -- the sign-in cookie's exp_date claim
    started_at   DOUBLE PRECISION NOT NULL,
    last_seen_at DOUBLE PRECISION NOT NULL,  -- last user action (not timer checks)
    ended_at     DOUBLE PRECISION,
    end_reason   TEXT                 -- logout, idle, expired, disabled, replaced
);
CREATE INDEX IF NOT EXISTS auth_sessions_cookie ON auth_sessions (username, cookie_exp);

-- Failed sign-ins per account name, for the server-side lockout.
CREATE TABLE IF NOT EXISTS login_failures (
    username TEXT NOT NULL,
    at       DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_user ON login_failures (username, at);

-- Flag reviews: who did what to which flag, when (append-only; the latest
-- review of a flag decides its state, see pipelines/appstate/flag_reviews.py).
CREATE TABLE IF NOT EXISTS flag_reviews (
    review_id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id      TEXT NOT NULL,
    flag           TEXT NOT NULL,
    flag_since     TEXT NOT NULL,     -- the flag's since date: a new episode starts afresh
    action         TEXT NOT NULL CHECK (action IN ('acknowledge', 'snooze', 'resolve')),
    note           TEXT NOT NULL DEFAULT '',
    snooze_until   TEXT,              -- ISO date, for snooze
    score_at_review DOUBLE PRECISION, -- primary measure's latest score when reviewed
    reviewed_by    TEXT NOT NULL,
    reviewed_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS flag_reviews_flag ON flag_reviews (client_id, flag, review_id);
CREATE OR REPLACE TRIGGER flag_reviews_no_update BEFORE UPDATE ON flag_reviews
FOR EACH ROW EXECUTE FUNCTION momentum_refuse_change('flag_reviews is append-only');
CREATE OR REPLACE TRIGGER flag_reviews_no_delete BEFORE DELETE ON flag_reviews
FOR EACH ROW EXECUTE FUNCTION momentum_refuse_change('flag_reviews is append-only');
CREATE OR REPLACE TRIGGER flag_reviews_no_truncate BEFORE TRUNCATE ON flag_reviews
FOR EACH STATEMENT EXECUTE FUNCTION momentum_refuse_change('flag_reviews is append-only');

-- Wins posted in the app (the peer-wins board). Imported wins stay in the data
-- database; the board shows both, merged by win_id (pipelines/appstate/wins.py). No
-- ingest writes here.
CREATE TABLE IF NOT EXISTS app_wins (
    win_id        TEXT COLLATE "C" PRIMARY KEY,  -- 'app-' + 12 hex digits: never clashes with an export's ids
    posted_by     TEXT NOT NULL,      -- clinician_id of the poster (design §2 wins.posted_by)
    posted_by_user TEXT NOT NULL,     -- dashboard username
    posted_at     TEXT COLLATE "C" NOT NULL,  -- YYYY-MM-DD HH:MM:SS, local practice time like the exports
    category      TEXT NOT NULL CHECK (category IN ('client_progress', 'professional', 'self_care', 'team')),
    text          TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
    client_id     TEXT,               -- optional pseudonym from the poster's own caseload
    suggestion_id TEXT,               -- when posted from a suggested win
    phi_confirmed TEXT NOT NULL DEFAULT '[]'  -- JSON list of guard patterns the poster confirmed
);
CREATE INDEX IF NOT EXISTS app_wins_posted ON app_wins (posted_at);

-- "Celebrate" reactions: one per person per win (imported or app-posted).
CREATE TABLE IF NOT EXISTS win_reactions (
    win_id     TEXT NOT NULL,
    username   TEXT NOT NULL,
    reacted_at TEXT NOT NULL,
    PRIMARY KEY (win_id, username)
);

-- Meeting marks: a win celebrated in a peer-celebration meeting on a date.
CREATE TABLE IF NOT EXISTS win_celebrations (
    win_id       TEXT NOT NULL,
    meeting_date TEXT COLLATE "C" NOT NULL,  -- ISO date
    marked_by    TEXT NOT NULL,
    marked_at    TEXT NOT NULL,
    PRIMARY KEY (win_id, meeting_date)
);

-- The peer-consultation queue: a client brought to the team's meeting, with a
-- snapshot of where things stood, so the follow-up can show what changed since.
CREATE TABLE IF NOT EXISTS consultations (
    item_id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id       TEXT NOT NULL,    -- pseudonym only
    clinician_id    TEXT NOT NULL,    -- the client's clinician: decides who may see the item
    team            TEXT,             -- that clinician's team when brought
    brought_by      TEXT NOT NULL,    -- username
    brought_at      TEXT NOT NULL,    -- ISO datetime, UTC
    as_of           TEXT NOT NULL,    -- the data date the snapshot below was taken at
    question        TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 1000),
    from_flag       TEXT,             -- the flag code it was brought from, if any
    flags_then      TEXT NOT NULL DEFAULT '[]',  -- JSON list of the open flag codes
    momentum_then   TEXT,
    measure         TEXT,             -- the primary measure
    score_then      DOUBLE PRECISION, -- its latest score when brought
    phi_confirmed   TEXT NOT NULL DEFAULT '[]'
);
CREATE OR REPLACE TRIGGER consultations_no_delete BEFORE DELETE ON consultations
FOR EACH ROW EXECUTE FUNCTION momentum_refuse_change('consultation items are never deleted');
CREATE OR REPLACE TRIGGER consultations_no_truncate BEFORE TRUNCATE ON consultations
FOR EACH STATEMENT EXECUTE FUNCTION momentum_refuse_change('consultation items are never deleted');

-- What the group said: ideas and the agreed next step (append-only; the latest
-- row is the current one).
CREATE TABLE IF NOT EXISTS consultation_notes (
    note_id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id      BIGINT NOT NULL REFERENCES consultations (item_id),
    meeting_date TEXT NOT NULL,
    ideas        TEXT NOT NULL DEFAULT '',
    next_step    TEXT NOT NULL CHECK (length(next_step) BETWEEN 1 AND 1000),
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
CREATE OR REPLACE TRIGGER consultation_notes_no_update BEFORE UPDATE ON consultation_notes
FOR EACH ROW EXECUTE FUNCTION momentum_refuse_change('consultation_notes is append-only');
CREATE OR REPLACE TRIGGER consultation_notes_no_delete BEFORE DELETE ON consultation_notes
FOR EACH ROW EXECUTE FUNCTION momentum_refuse_change('consultation_notes is append-only');
CREATE OR REPLACE TRIGGER consultation_notes_no_truncate BEFORE TRUNCATE ON consultation_notes
FOR EACH STATEMENT EXECUTE FUNCTION momentum_refuse_change('consultation_notes is append-only');

-- The wellbeing pulse: the twin of ../app_state_schema.sql (see pipelines/appstate/pulse.py).
CREATE TABLE IF NOT EXISTS pulse_owner_copies (
    owner_ref TEXT NOT NULL,          -- HMAC of the owner's derived key: a pseudonym nobody else can compute
    period    TEXT NOT NULL,          -- YYYY-MM: the first month of the period
    sealed    TEXT NOT NULL,          -- base64(nonce + AES-GCM ciphertext) of the padded answers or a skip
    PRIMARY KEY (owner_ref, period)
);

CREATE TABLE IF NOT EXISTS password_resets (
    username TEXT NOT NULL,
    reset_on TEXT NOT NULL            -- YYYY-MM-DD, the practice's day (pipelines/clock.today)
);

CREATE TABLE IF NOT EXISTS pulse_team_sums (
    period      TEXT NOT NULL,
    team        TEXT NOT NULL,        -- the respondent's team when they answered ('' for none)
    respondents INTEGER NOT NULL,
    work_sum    DOUBLE PRECISION NOT NULL,
    client_sum  DOUBLE PRECISION NOT NULL,
    work_high   INTEGER NOT NULL,
    client_high INTEGER NOT NULL,
    any_high    INTEGER NOT NULL,
    PRIMARY KEY (period, team)
);
