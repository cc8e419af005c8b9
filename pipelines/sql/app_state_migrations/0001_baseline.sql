-- App state (SQLite), migration 1: the schema as first released. Written by the app
-- and by CLI commands; never by an ingest of imported data. Later changes are
-- later numbered files in this folder, never edits to this one
-- (pipelines/appstate/migrations.py). All CREATE ... IF NOT EXISTS: a file made
-- before migrations were numbered gets what it lacks and keeps what it has.

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
-- review of a flag decides its state, see pipelines/appstate/flag_reviews.py).
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

-- Wins posted in the app (the peer-wins board). Imported wins stay in the data
-- database; the board shows both, merged by win_id (pipelines/appstate/wins.py). No
-- ingest writes here.
CREATE TABLE IF NOT EXISTS app_wins (
    win_id        TEXT PRIMARY KEY,   -- 'app-' + 12 hex digits: never clashes with an export's ids
    posted_by     TEXT NOT NULL,      -- clinician_id of the poster (design §2 wins.posted_by)
    posted_by_user TEXT NOT NULL,     -- dashboard username
    posted_at     TEXT NOT NULL,      -- YYYY-MM-DD HH:MM:SS, local practice time like the exports
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
    meeting_date TEXT NOT NULL,       -- ISO date
    marked_by    TEXT NOT NULL,
    marked_at    TEXT NOT NULL,
    PRIMARY KEY (win_id, meeting_date)
);

-- The peer-consultation queue: a client brought to the team's meeting, with a
-- snapshot of where things stood, so the follow-up can show what changed since.
CREATE TABLE IF NOT EXISTS consultations (
    item_id         INTEGER PRIMARY KEY AUTOINCREMENT,
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
    score_then      REAL,             -- its latest score when brought
    phi_confirmed   TEXT NOT NULL DEFAULT '[]'
);
CREATE TRIGGER IF NOT EXISTS consultations_no_delete BEFORE DELETE ON consultations
BEGIN SELECT RAISE(ABORT, 'consultation items are never deleted'); END;

-- What the group said: ideas and the agreed next step (append-only; the latest
-- row is the current one).
CREATE TABLE IF NOT EXISTS consultation_notes (
    note_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id      INTEGER NOT NULL REFERENCES consultations (item_id),
    meeting_date TEXT NOT NULL,
    ideas        TEXT NOT NULL DEFAULT '',
    next_step    TEXT NOT NULL CHECK (length(next_step) BETWEEN 1 AND 1000),
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS consultation_notes_no_update BEFORE UPDATE ON consultation_notes
BEGIN SELECT RAISE(ABORT, 'consultation_notes is append-only'); END;
CREATE TRIGGER IF NOT EXISTS consultation_notes_no_delete BEFORE DELETE ON consultation_notes
BEGIN SELECT RAISE(ABORT, 'consultation_notes is append-only'); END;

-- The wellbeing pulse (pipelines/appstate/pulse.py, docs/security.md "The wellbeing pulse").
-- Two stores, neither of which names a person:
-- * each person's own copy of their answers, sealed (AES-GCM) with a key derived
--   from their password at sign-in; the row is found by a keyed pseudonym of that
--   key, so without the person's session nobody can tell whose row it is or read it.
--   A skipped period is a sealed row too, padded to the same length as an answer.
-- * running sums per period and team, with no names and no times; pages show them
--   only for closed periods and only when at least 5 answered.
-- WITHOUT ROWID: rows are kept in key order, not in the order they were written.
CREATE TABLE IF NOT EXISTS pulse_owner_copies (
    owner_ref TEXT NOT NULL,          -- HMAC of the owner's derived key: a pseudonym nobody else can compute
    period    TEXT NOT NULL,          -- YYYY-MM: the first month of the period
    sealed    TEXT NOT NULL,          -- base64(nonce + AES-GCM ciphertext) of the padded answers or a skip
    PRIMARY KEY (owner_ref, period)
) WITHOUT ROWID;

-- The practice days on which a user's password was reset: a reset gives a new pulse key, so the
-- pulse closes for that person for the rest of the period it falls in (pipelines/appstate/pulse.py): otherwise
-- a person could answer the same period twice, once under each key, and be counted twice.
CREATE TABLE IF NOT EXISTS password_resets (
    username TEXT NOT NULL,
    reset_on TEXT NOT NULL            -- YYYY-MM-DD, the practice's day (pipelines/clock.today)
);

CREATE TABLE IF NOT EXISTS pulse_team_sums (
    period      TEXT NOT NULL,        -- YYYY-MM: the first month of the period
    team        TEXT NOT NULL,        -- the respondent's team when they answered ('' for none)
    respondents INTEGER NOT NULL,
    work_sum    REAL NOT NULL,        -- sum of work-related burnout scores
    client_sum  REAL NOT NULL,        -- sum of client-related burnout scores
    work_high   INTEGER NOT NULL,     -- how many scored 50 or more on the work-related scale
    client_high INTEGER NOT NULL,     -- ... on the client-related scale
    any_high    INTEGER NOT NULL,     -- ... on either scale
    PRIMARY KEY (period, team)
) WITHOUT ROWID;
