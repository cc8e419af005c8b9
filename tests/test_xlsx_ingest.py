"""Excel exports load like CSV: the first sheet, typed cells and text alike, rejected rows numbered as the
sheet numbers them, a damaged workbook refused whole with a reason."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from pipelines.ingest.load import ingest
from pipelines.ingest.xlsx_files import cell_text
from pipelines.settings import paths
from tests.conftest import write_csv

CLINICIANS = ["clinician_id", "name", "role", "supervisor_id", "team", "fte", "caseload_target", "active"]
CLIENTS = ["client_id", "clinician_id", "intake_date", "discharge_date", "status", "presenting_problem"]
SESSIONS = ["session_id", "client_id", "clinician_id", "start", "duration_min", "status", "session_type", "modality",
            "note_signed_at"]


def workbook(path: Path, header: list, rows: list[list], above: int = 0, merge: str | None = None) -> Path:
    """A one-sheet workbook: ``above`` blank rows, then the header, then the rows (cells typed as given)."""
    wb = Workbook()
    ws = wb.active
    for _ in range(above):
        ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _rows(db, query: str) -> list[tuple]:
    con = duckdb.connect(str(db.data_db), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


@pytest.fixture
def staff(tmp_path) -> list[Path]:
    folder = tmp_path / "x"
    return [
        workbook(folder / "clinicians.xlsx", CLINICIANS, [["T1", "Clinician One", "clinician", None, "North", 1, 20, True]]),
        # intake dates: a date cell, a date-time cell at midnight, an Excel serial number, and text
        workbook(folder / "clients.xlsx", CLIENTS, [
            ["C1", "T1", dt.date(2026, 1, 5), None, "active", "depression"],
            ["C2", "T1", dt.datetime(2026, 1, 6), None, "active", "anxiety"],
            ["C3", "T1", 46029, None, "active", "anxiety"],  # serial 46029 = 2026-01-07
            ["C4", "T1", "2026-01-08", None, "active", "other"],
        ]),
    ]


def test_typed_cells_serial_dates_and_text_load_as_the_same_csv_would(tmp_path, db, staff):
    sessions = workbook(tmp_path / "x" / "sessions.xlsx", SESSIONS, [
        ["S1", "C1", "T1", dt.datetime(2026, 1, 12, 10, 0), 50, "attended", "individual", "in_person", None],
        ["S2", "C2", "T1", 46034.4375, 50.0, "no_show", "individual", "telehealth", None],  # 2026-01-12 10:30
        ["S3", "C3", "T1", "2026-01-12 11:00", "45", "attended", "group", "in_person",
         dt.datetime(2026, 1, 12, 15, 0)],
    ])
    result = ingest([*staff, sessions], db, audit=False)
    assert [(f.status, f.rows_read, f.rows_loaded) for f in result.files] == [
        ("loaded", 1, 1), ("loaded", 4, 4), ("loaded", 3, 3)]
    assert _rows(db, "SELECT client_id, intake_date::VARCHAR FROM clients ORDER BY 1") == [
        ("C1", "2026-01-05"), ("C2", "2026-01-06"), ("C3", "2026-01-07"), ("C4", "2026-01-08")]
    assert _rows(db, "SELECT session_id, start::VARCHAR, duration_min, note_signed_at::VARCHAR FROM sessions ORDER BY 1") == [
        ("S1", "2026-01-12 10:00:00", 50, None), ("S2", "2026-01-12 10:30:00", 50, None),
        ("S3", "2026-01-12 11:00:00", 45, "2026-01-12 15:00:00")]
    # the same rows as CSV load into the same table
    csv_db = paths(tmp_path / "csv" / "m.duckdb")
    folder = tmp_path / "csv_export"
    write_csv(folder / "clinicians.csv", ",".join(CLINICIANS), ["T1,Clinician One,clinician,,North,1,20,true"])
    write_csv(folder / "clients.csv", ",".join(CLIENTS), [
        f"C{i},T1,2026-01-0{4 + i},,active,{p}" for i, p in ((1, "depression"), (2, "anxiety"), (3, "anxiety"), (4, "other"))])
    write_csv(folder / "sessions.csv", ",".join(SESSIONS), [
        "S1,C1,T1,2026-01-12 10:00,50,attended,individual,in_person,",
        "S2,C2,T1,2026-01-12 10:30,50,no_show,individual,telehealth,",
        "S3,C3,T1,2026-01-12 11:00,45,attended,group,in_person,2026-01-12 15:00"])
    ingest([folder / "clinicians.csv", folder / "clients.csv", folder / "sessions.csv"], csv_db, audit=False)
    for table in ("clinicians", "clients", "sessions"):
        query = f"SELECT * EXCLUDE (load_id) FROM {table} ORDER BY 1"
        assert _rows(db, query) == _rows(csv_db, query), table


def test_rejected_rows_are_numbered_as_the_sheet_numbers_them(tmp_path, db, staff):
    # two blank rows, the header on sheet row 3, data from row 4; row 6 has a bad duration, row 7 is blank,
    # row 8 has a value beyond the header
    sessions = workbook(tmp_path / "x" / "sessions.xlsx", SESSIONS, [
        ["S1", "C1", "T1", dt.datetime(2026, 1, 12, 10), 50, "attended", "individual", "in_person", None],
        ["S2", "C1", "T1", dt.datetime(2026, 1, 19, 10), 50, "attended", "individual", "in_person", None],
        ["S3", "C1", "T1", dt.datetime(2026, 1, 26, 10), 9999, "attended", "individual", "in_person", None],
        [],
        ["S4", "C1", "T1", dt.datetime(2026, 2, 2, 10), 50, "attended", "individual", "in_person", None, "a note"],
    ], above=2)
    result = ingest([*staff, sessions], db, audit=False)
    loaded = result.files[-1]
    assert (loaded.status, loaded.rows_read, loaded.rows_loaded, loaded.rows_rejected) == ("partial", 4, 2, 2)
    rejected = _rows(db, "SELECT row_number, column_name, reason FROM rejected_rows ORDER BY 1")
    assert [(r[0], r[1]) for r in rejected] == [(6, "duration_min"), (8, None)]
    assert "to the right of the header's 9 columns" in rejected[1][2]
    (sha,) = _rows(db, "SELECT sha256 FROM loads WHERE source_file LIKE '%sessions.xlsx'")[0]
    assert sha == hashlib.sha256(sessions.read_bytes()).hexdigest()  # the file's own checksum
    again = ingest([sessions], db, audit=False).files[0]
    assert again.status == "duplicate"


def test_a_damaged_workbook_is_refused_whole_with_a_reason(tmp_path, db, staff):
    broken = tmp_path / "x" / "sessions.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a whole zip file")
    result = ingest([*staff, broken], db, audit=False)
    refused = next(f for f in result.files if f.path.endswith("sessions.xlsx"))
    assert refused.status == "rejected" and refused.rows_loaded == 0
    assert "not a readable Excel workbook" in refused.message and "export the report as CSV" in refused.message


def test_a_merged_header_cell_names_the_missing_column(tmp_path, db, staff):
    # "start" and "duration_min" merged into one cell: the second header is empty
    sessions = workbook(tmp_path / "x" / "sessions.xlsx", SESSIONS, [
        ["S1", "C1", "T1", dt.datetime(2026, 1, 12, 10), 50, "attended", "individual", "in_person", None]],
        merge="D1:E1")
    refused = next(f for f in ingest([*staff, sessions], db, audit=False).files if f.path.endswith("sessions.xlsx"))
    assert refused.status == "rejected" and "missing required column(s): duration_min" in refused.message


def test_a_folder_of_workbooks_is_picked_up(tmp_path, db, staff):
    result = ingest([staff[0].parent], db, audit=False)
    assert sorted(Path(f.path).name for f in result.files) == ["clients.xlsx", "clinicians.xlsx"]


@pytest.mark.parametrize(("value", "kind", "text"), [
    (12.0, None, "12"), (12.5, None, "12.5"), (True, None, "true"), (None, None, ""),
    (dt.datetime(2026, 3, 2, 0, 0), "date", "2026-03-02"), (dt.datetime(2026, 3, 2, 0, 0), "datetime", "2026-03-02 00:00:00"),
    (46083, "date", "2026-03-02"), (46083.5, "datetime", "2026-03-02 12:00:00"), (46083, None, "46083"),
    (46083.0, "datetime", "2026-03-02 00:00:00"),
    (dt.date(2026, 3, 2), "datetime", "2026-03-02 00:00:00"),  # the reader's form of a date-time cell at midnight
    (dt.date(2026, 3, 2), "date", "2026-03-02"),
])
def test_a_cell_becomes_the_text_a_csv_export_would_hold(value, kind, text):
    assert cell_text(value, kind) == text
