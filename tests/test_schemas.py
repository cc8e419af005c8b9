"""Every validation rule, with a passing and a failing row, through the real ingest.

Also: every model rule has an SQL translation, and for rows that parse,
pandera itself and the compiled SQL reject the same rows.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pandera.pandas as pa
import pytest

from pipelines.ingest.load import ingest
from pipelines.ingest.validate import rule_names
from schemas.contract import TABLES
from schemas.exports import EXPORT_MODELS
from tests.conftest import BASE, query

GOOD = {
    "clinicians": {"clinician_id": "T9", "name": "Clinician Fir", "role": "clinician", "supervisor_id": "T1",
                   "team": "North", "fte": "0.5", "caseload_target": "10", "active": "false"},
    "clients": {"client_id": "C9", "clinician_id": "T2", "intake_date": "2026-03-01", "discharge_date": "2026-06-01",
                "status": "discharged", "presenting_problem": "anxiety"},
    "sessions": {"session_id": "S9", "client_id": "C1", "clinician_id": "T2", "start": "2026-03-02 10:00",
                 "duration_min": "50", "status": "attended", "session_type": "individual", "modality": "telehealth",
                 "note_signed_at": "2026-03-02 10:00"},
    "goals": {"goal_id": "G9", "client_id": "C1", "created_at": "2026-03-01", "description": "Walk three times a week",
              "value": "health", "status": "active"},
    "measures": {"client_id": "C1", "measure": "PHQ-9", "administered_at": "2026-03-02", "score": "27",
                 "risk_item": "3", "goal_id": "", "session_id": ""},
    "homework": {"assignment_id": "H9", "client_id": "C1", "clinician_id": "T2", "assigned_at": "2026-03-02",
                 "due_at": "2026-03-09", "category": "thought_record", "status": "partial", "reviewed_at": "2026-03-09",
                 "quality": "4"},
    "wins": {"win_id": "W9", "posted_by": "T2", "posted_at": "2026-03-02T09:30:00", "category": "self_care",
             "text": "x" * 500, "client_id": ""},
}

# (table, {column: bad value}, fragment of the reason)
BAD = [
    ("clinicians", {"clinician_id": ""}, "clinician_id is required but empty"),
    ("clinicians", {"name": ""}, "name is required but empty"),
    ("clinicians", {"role": "director"}, "'director' is not an allowed role"),
    ("clinicians", {"supervisor_id": "T404"}, "clinician 'T404' is not in clinicians"),
    ("clinicians", {"fte": "0"}, "0 is not above 0 for fte"),
    ("clinicians", {"fte": "1.51"}, "1.51 is above the maximum of 1.5 for fte"),
    ("clinicians", {"fte": "full"}, "'full' is not a number"),
    ("clinicians", {"caseload_target": "-1"}, "-1 is below the minimum of 0 for caseload_target"),
    ("clinicians", {"caseload_target": "12.5"}, "'12.5' is not a whole number"),
    ("clinicians", {"active": "perhaps"}, "'perhaps' is not true or false"),
    ("clinicians", {"team": "t" * 101}, "team is 101 characters long; at most 100"),
    ("clients", {"client_id": ""}, "client_id is required but empty"),
    ("clients", {"client_id": "C" * 65}, "client_id is 65 characters long; at most 64"),
    ("clients", {"clinician_id": "T404"}, "clinician 'T404' is not in clinicians"),
    ("clients", {"intake_date": "2026-02-29"}, "'2026-02-29' is not a real date"),
    ("clients", {"intake_date": "01/03/2026x"}, "is not a real date"),
    ("clients", {"discharge_date": "2026-02-28"}, "discharge_date 2026-02-28 is before intake_date 2026-03-01"),
    ("clients", {"discharge_date": ""}, "status is discharged, so discharge_date is required"),
    ("clients", {"discharge_date": "2026-06-31"}, "'2026-06-31' is not a real date"),
    ("clients", {"status": "closed-ish"}, "'closed-ish' is not an allowed status"),
    ("clients", {"presenting_problem": "vampirism"}, "'vampirism' is not an allowed presenting_problem"),
    ("sessions", {"session_id": ""}, "session_id is required but empty"),
    ("sessions", {"client_id": "C404"}, "the client_id of this row is not in clients"),
    ("sessions", {"clinician_id": "T404"}, "clinician 'T404' is not in clinicians"),
    ("sessions", {"start": "2026-03-02 25:00"}, "is not a real date and time"),
    ("sessions", {"start": "2026-03-02"}, "is not a real date and time"),  # canonical: no date-only
    ("sessions", {"duration_min": "0"}, "0 is below the minimum of 1 for duration_min"),
    ("sessions", {"duration_min": "481"}, "481 is above the maximum of 480"),
    ("sessions", {"status": "rescheduled"}, "'rescheduled' is not an allowed status"),
    ("sessions", {"session_type": "seminar"}, "'seminar' is not an allowed session_type"),
    ("sessions", {"modality": "carrier pigeon"}, "'carrier pigeon' is not an allowed modality"),
    ("sessions", {"note_signed_at": "signed"}, "'signed' is not a real date and time"),
    ("sessions", {"note_signed_at": "2026-03-02 09:59"}, "note_signed_at 2026-03-02 09:59 is before the session start"),
    ("goals", {"goal_id": ""}, "goal_id is required but empty"),
    ("goals", {"client_id": "C404"}, "the client_id of this row is not in clients"),
    ("goals", {"created_at": "March 1st"}, "'March 1st' is not a real date"),
    ("goals", {"description": ""}, "description is required but empty"),
    ("goals", {"description": "y" * 201}, "description is 201 characters long; at most 200"),
    ("goals", {"status": "paused"}, "'paused' is not an allowed status"),
    ("goals", {"value": "v" * 51}, "value is 51 characters long; at most 50"),
    ("measures", {"client_id": "C404"}, "the client_id of this row is not in clients"),
    ("measures", {"measure": "BDI-II"}, "'BDI-II' is not an allowed measure"),
    ("measures", {"administered_at": "yesterday"}, "'yesterday' is not a real date (YYYY-MM-DD) or date and time"),
    ("measures", {"score": "28"}, "score 28 is outside the PHQ-9 range 0-27"),
    ("measures", {"score": "-1"}, "score -1 is outside the PHQ-9 range 0-27"),
    ("measures", {"score": ""}, "score is required but empty"),
    ("measures", {"score": "NaN"}, "'NaN' is not a number"),
    ("measures", {"risk_item": "4"}, "4 is above the maximum of 3 for risk_item"),
    ("measures", {"measure": "GAD-7", "score": "5", "risk_item": "1"}, "risk_item is only recorded for PHQ-9, not for GAD-7"),
    ("measures", {"measure": "GOAL", "score": "5", "risk_item": ""}, "goal_id is required for a GOAL rating"),
    ("measures", {"goal_id": "G1"}, "goal_id must be empty for PHQ-9"),
    ("measures", {"session_id": "S404"}, "session 'S404' is not in sessions"),
    ("measures", {"measure": "GOAL", "score": "5", "risk_item": "", "goal_id": "G404"}, "goal 'G404' is not in goals"),
    ("measures", {"risk_item": "-1"}, "-1 is below the minimum of 0 for risk_item"),
    ("homework", {"assignment_id": ""}, "assignment_id is required but empty"),
    ("homework", {"clinician_id": "T404"}, "clinician 'T404' is not in clinicians"),
    ("homework", {"assigned_at": "2026-02-30"}, "'2026-02-30' is not a real date"),
    ("homework", {"category": "knitting"}, "'knitting' is not an allowed category"),
    ("homework", {"status": "mostly"}, "'mostly' is not an allowed status"),
    ("homework", {"quality": "5"}, "5 is above the maximum of 4 for quality"),
    ("homework", {"quality": "-1"}, "-1 is below the minimum of 0 for quality"),
    ("homework", {"client_id": "C404"}, "the client_id of this row is not in clients"),
    ("homework", {"due_at": "2026-03-32"}, "'2026-03-32' is not a real date"),
    ("homework", {"reviewed_at": "soon"}, "'soon' is not a real date"),
    ("wins", {"win_id": ""}, "win_id is required but empty"),
    ("wins", {"posted_by": "T404"}, "clinician 'T404' is not in clinicians"),
    ("wins", {"posted_at": "2026-03-02 9am"}, "is not a real date and time"),
    ("wins", {"category": "gossip"}, "'gossip' is not an allowed category"),
    ("wins", {"text": "x" * 501}, "text is 501 characters long; at most 500 are allowed"),
    ("wins", {"text": ""}, "text is required but empty"),
    ("wins", {"client_id": "C404"}, "the client_id of this row is not in clients"),
    # identifier columns: the pattern and the length limit of docs/data-contract.md
    ("clinicians", {"clinician_id": "T 9"}, "clinician_id 'T 9' is not an identifier"),
    ("clinicians", {"clinician_id": "T" * 300_000}, "clinician_id is 300000 characters long; at most 64"),
    ("clinicians", {"supervisor_id": "T1:red[x]"}, "supervisor_id 'T1:red[x]' is not an identifier"),
    ("clients", {"client_id": "[C9](https://evil.example)"}, "client_id is not an identifier"),
    ("clients", {"client_id": "-C9"}, "client_id is not an identifier"),
    ("clients", {"client_id": "C9\u200b"}, "is not an identifier"),
    ("sessions", {"session_id": "S:9"}, "session_id 'S:9' is not an identifier"),
    ("sessions", {"session_id": "S" * 65}, "session_id is 65 characters long; at most 64"),
    ("sessions", {"client_id": "C1 <b>"}, "client_id is not an identifier"),
    ("goals", {"goal_id": "![g](http://127.0.0.1:9/x.png)"}, "goal_id '![g](http://127.0.0.1:9/x.png)' is not an identifier"),
    ("measures", {"session_id": "S 1"}, "session_id 'S 1' is not an identifier"),
    ("measures", {"measure": "GOAL", "score": "5", "risk_item": "", "goal_id": "G*1*"}, "goal_id 'G*1*' is not an identifier"),
    ("homework", {"assignment_id": "H 9"}, "assignment_id 'H 9' is not an identifier"),
    ("homework", {"clinician_id": "T2\x1b[31m"}, "is not an identifier"),
    ("wins", {"win_id": "W_9 **x**"}, "win_id 'W_9 **x**' is not an identifier"),
    ("wins", {"posted_by": "T2;=1+1"}, "posted_by 'T2;=1+1' is not an identifier"),
    ("wins", {"client_id": "www.evil.example/x"}, "client_id is not an identifier"),
]

KEY_COLUMN = {"clinicians": "clinician_id", "clients": "client_id", "sessions": "session_id", "goals": "goal_id",
              "measures": "administered_at", "homework": "assignment_id", "wins": "win_id"}


def _rows_for(table: str) -> list[tuple[dict, str | None]]:
    rows: list[tuple[dict, str | None]] = [(dict(GOOD[table]), None)]
    for i, (t, change, fragment) in enumerate(BAD):
        if t != table:
            continue
        row = dict(GOOD[table])
        key = KEY_COLUMN[table]
        # a distinct natural key per row so no row is a duplicate of another
        row[key] = f"2026-03-{i % 27 + 1:02d} 0{i % 9}:{i % 60:02d}" if table == "measures" else f"{row[key]}-{i}"
        row.update(change)
        rows.append((row, fragment))
    return rows


def _csv(table: str, rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=TABLES[table].column_names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture
def loaded(db):
    ingest([BASE], db, audit=False)
    ingest([BASE.parent / "malformed" / "sessions_crlf.csv"], db, audit=False)  # S1..S3 for references
    return db


def test_every_rule_has_a_passing_and_a_failing_case():
    tables_with_cases = {t for t, _c, _f in BAD}
    assert tables_with_cases == set(TABLES)
    for spec in TABLES.values():
        for col in spec.columns:
            checked = col.required or col.allowed or col.min_value is not None or col.max_value is not None \
                or col.max_length or col.references or col.kind != "text" or col.pattern
            if checked:
                assert any(t == spec.name and col.name in change for t, change, _f in BAD), (spec.name, col.name)


@pytest.mark.parametrize("table", list(TABLES))
def test_rules_through_ingest(loaded, tmp_path, table):
    rows = _rows_for(table)
    path = tmp_path / f"{table}.csv"
    path.write_text(_csv(table, [r for r, _ in rows]), encoding="utf-8")
    (res,) = ingest([path], loaded, audit=False).files
    assert res.table == table
    assert res.rows_read == len(rows) == res.rows_loaded + res.rows_rejected
    rejects = query(loaded, "SELECT row_number, reason FROM rejected_rows WHERE load_id = $id", {"id": res.load_id})
    by_row: dict[int, list[str]] = {}
    for row, reason in rejects:
        by_row.setdefault(row, []).append(reason)
    assert 1 not in by_row, f"the good {table} row was rejected: {by_row.get(1)}"
    for i, (_row, fragment) in enumerate(rows[1:], start=2):
        assert i in by_row, f"row {i} should fail with {fragment!r}"
        assert any(fragment in r for r in by_row[i]), (fragment, by_row[i])
    assert res.rows_loaded == 1


def test_every_model_rule_has_sql():
    for name, spec in TABLES.items():
        assert set(spec.rules) <= rule_names(name), name


def test_discharged_default_and_aliases_normalise(loaded, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text("client_id,clinician_id,intake_date,status\nC7,T2,2026-03-01,\nC8,T2,2026-03-01,ACTIVE\n",
                    encoding="utf-8")
    ingest([path], loaded, audit=False)
    assert query(loaded, "SELECT client_id, status FROM clients WHERE client_id IN ('C7','C8') ORDER BY 1") == [
        ("C7", "active"), ("C8", "active")]


# --- pandera agreement -----------------------------------------------------

# reasons pandera cannot see on a typed frame: parsing, references, in-file duplicates
_TYPE_FREE = ("is required but empty", "is not in ", "duplicate ", "is not a number", "is not a whole number",
              "is not a real date", "is not true or false", "NUL byte")


@pytest.mark.parametrize("table", list(TABLES))
def test_pandera_and_sql_agree_on_rows_that_parse(loaded, tmp_path, table):
    """Value and cross-column rules: pandera's verdict on the typed rows = the SQL's."""
    rows = _rows_for(table)
    path = tmp_path / f"{table}.csv"
    path.write_text(_csv(table, [r for r, _ in rows]), encoding="utf-8")
    (res,) = ingest([path], loaded, audit=False).files
    rejects = query(loaded, "SELECT row_number, reason FROM rejected_rows WHERE load_id = $id", {"id": res.load_id})
    unparsable = {r for r, reason in rejects if any(s in reason for s in _TYPE_FREE)}
    sql_value_failures = {r for r, reason in rejects if r not in unparsable}
    # rebuild the typed frame of the parsable rows exactly as pandera expects it
    frame = pd.DataFrame([r for r, _ in rows]).replace({"": None})
    frame.index = range(1, len(rows) + 1)
    frame = frame.drop(index=sorted(unparsable))
    spec = TABLES[table]
    for col in spec.columns:
        if col.kind in ("date", "datetime", "date_or_datetime"):
            frame[col.name] = pd.to_datetime(frame[col.name], format="ISO8601")
        elif col.kind == "boolean":
            frame[col.name] = frame[col.name].map({"true": True, "false": False, None: None}).astype("boolean")
        elif col.kind == "integer":
            frame[col.name] = pd.to_numeric(frame[col.name]).astype("Int64")
        elif col.kind == "number":
            frame[col.name] = pd.to_numeric(frame[col.name]).astype(float)
        elif col.default is not None:
            frame[col.name] = frame[col.name].fillna(col.default)
    try:
        EXPORT_MODELS[table].validate(frame, lazy=True)
        pandera_failures: set[int] = set()
    except pa.errors.SchemaErrors as exc:
        idx = exc.failure_cases["index"].dropna()
        pandera_failures = {int(i) for i in idx}
    assert pandera_failures == sql_value_failures


IDENTIFIER_COLUMNS = {("clinicians", "clinician_id"), ("clinicians", "supervisor_id"), ("clients", "client_id"),
                      ("clients", "clinician_id"), ("sessions", "session_id"), ("sessions", "client_id"),
                      ("sessions", "clinician_id"), ("goals", "goal_id"), ("goals", "client_id"),
                      ("measures", "client_id"), ("measures", "goal_id"), ("measures", "session_id"),
                      ("homework", "assignment_id"), ("homework", "client_id"), ("homework", "clinician_id"),
                      ("wins", "win_id"), ("wins", "posted_by"), ("wins", "client_id")}


def test_every_identifier_column_has_the_pattern_and_the_length_limit():
    from schemas.exports import ID_MAX_LENGTH, ID_PATTERN

    have = {(t, c.name) for t, spec in TABLES.items() for c in spec.columns if c.pattern == ID_PATTERN
            and c.max_length == ID_MAX_LENGTH}
    assert have == IDENTIFIER_COLUMNS


def test_the_sample_practice_fits_the_identifier_pattern():
    import re

    from pipelines.settings import SAMPLE_DATA_DIR
    from schemas.exports import ID_MAX_LENGTH, ID_PATTERN

    for table, column in IDENTIFIER_COLUMNS:
        with (SAMPLE_DATA_DIR / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            values = {row[column] for row in csv.DictReader(fh) if row[column]}
        bad = [v for v in values if not re.fullmatch(ID_PATTERN, v) or len(v) > ID_MAX_LENGTH]
        assert values and not bad, (table, column, bad[:5])
