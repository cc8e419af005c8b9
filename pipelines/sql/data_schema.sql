-- Imported data: one table per canonical export (docs/data-contract.md),
-- plus the load ledger and the quarantine. Applied by every ingest.
-- tests/test_docs.py (test_data_schema_sql_matches_the_models) checks these columns match schemas/exports.py.

CREATE TABLE IF NOT EXISTS clinicians (
    clinician_id    VARCHAR NOT NULL,
    name            VARCHAR NOT NULL,
    role            VARCHAR NOT NULL,
    supervisor_id   VARCHAR,
    team            VARCHAR,
    fte             DOUBLE,
    caseload_target BIGINT,
    active          BOOLEAN,
    load_id         BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS clients (
    client_id          VARCHAR NOT NULL,
    clinician_id       VARCHAR NOT NULL,
    intake_date        DATE NOT NULL,
    discharge_date     DATE,
    status             VARCHAR,
    presenting_problem VARCHAR,
    load_id            BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS sessions (
    session_id     VARCHAR NOT NULL,
    client_id      VARCHAR NOT NULL,
    clinician_id   VARCHAR NOT NULL,
    start          TIMESTAMP NOT NULL,
    duration_min   BIGINT NOT NULL,
    status         VARCHAR NOT NULL,
    session_type   VARCHAR,
    modality       VARCHAR,
    note_signed_at TIMESTAMP,
    load_id        BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS goals (
    goal_id     VARCHAR NOT NULL,
    client_id   VARCHAR NOT NULL,
    created_at  DATE NOT NULL,
    description VARCHAR NOT NULL,
    value       VARCHAR,
    status      VARCHAR NOT NULL,
    load_id     BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS measures (
    client_id       VARCHAR NOT NULL,
    measure         VARCHAR NOT NULL,
    administered_at TIMESTAMP NOT NULL,
    score           DOUBLE NOT NULL,
    risk_item       BIGINT,
    goal_id         VARCHAR,
    session_id      VARCHAR,
    load_id         BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS homework (
    assignment_id VARCHAR NOT NULL,
    client_id     VARCHAR NOT NULL,
    clinician_id  VARCHAR NOT NULL,
    assigned_at   DATE NOT NULL,
    due_at        DATE,
    category      VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,
    reviewed_at   DATE,
    quality       BIGINT,
    load_id       BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS wins (
    win_id    VARCHAR NOT NULL,
    posted_by VARCHAR NOT NULL,
    posted_at TIMESTAMP NOT NULL,
    category  VARCHAR NOT NULL,
    text      VARCHAR NOT NULL,
    client_id VARCHAR,
    load_id   BIGINT NOT NULL
);

-- The load ledger: one row per file an ingest looked at, written in the same
-- transaction as that file's rows.
CREATE TABLE IF NOT EXISTS loads (
    load_id       BIGINT PRIMARY KEY,
    source_file   VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    table_name    VARCHAR,
    rows_read     BIGINT NOT NULL,
    rows_loaded   BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    status        VARCHAR NOT NULL,   -- loaded, partial, rejected, duplicate
    loaded_at     TIMESTAMP NOT NULL,
    loaded_by     VARCHAR NOT NULL,
    profile       VARCHAR,
    message       VARCHAR             -- file-level notes: ignored columns, why rejected
);

-- The quarantine: every row that was not loaded, with a reason a person reads.
-- row_number is the 1-based data row (header excluded); it is empty when the
-- whole file was rejected.
CREATE TABLE IF NOT EXISTS rejected_rows (
    load_id     BIGINT NOT NULL,
    source_file VARCHAR NOT NULL,
    row_number  BIGINT,
    column_name VARCHAR,
    value       VARCHAR,
    reason      VARCHAR NOT NULL
);

-- Facts about this database (e.g. demo = true when built from sample_data/).
CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

-- Which client codes a client name has had with a date of birth (pipelines/ingest/pseudonym.py):
-- both are keyed codes, never the name or the date. A later row with that name and no date of
-- birth takes the one code seen, or is rejected as a possible collision when there were several.
CREATE TABLE IF NOT EXISTS client_births (
    name_code VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    load_id   BIGINT NOT NULL
);
