"""`python -m pipelines report KIND`: column order, formats, as-of, formula safety."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest

from pipelines.ingest.load import ingest
from pipelines.models.reports import REPORT_COLUMNS, neutralise
from tests.conftest import BASE, DATA, run_cli, write_csv


@pytest.fixture
def small_db(db, tmp_path):
    sessions = write_csv(
        tmp_path / "sessions.csv",
        "session_id,client_id,clinician_id,start,duration_min,status,session_type,modality,note_signed_at",
        [f"S{i},C1,T2,2026-03-{2 + 7 * i:02d} 10:00,50,attended,,,2026-03-{2 + 7 * i:02d} 21:30" for i in range(4)],
    )
    measures = write_csv(
        tmp_path / "measures.csv",
        "client_id,measure,administered_at,score,risk_item,goal_id,session_id",
        ["C1,PHQ-9,2026-03-02 10:00,18,0,,", "C1,PHQ-9,2026-03-23 10:00,11,0,,", "C1,GAD-7,2026-03-02 10:00,12,,,"],
    )
    ingest([BASE, sessions, measures, DATA / "malformed" / "wins_formula_text.csv"], db, audit=False)
    return db


@pytest.mark.parametrize("kind", list(REPORT_COLUMNS))
def test_every_report_has_its_columns_in_order(small_db, kind):
    out = run_cli("report", kind, "--db", str(small_db.data_db), "--as-of", "2026-04-01")
    assert out.returncode == 0, out.stderr
    header = next(csv.reader(io.StringIO(out.stdout)))
    assert header[: len(REPORT_COLUMNS[kind])] == REPORT_COLUMNS[kind]


def test_outcomes_csv_values(small_db):
    out = run_cli("report", "outcomes", "--db", str(small_db.data_db), "--as-of", "2026-04-01")
    rows = {r["measure"]: r for r in csv.DictReader(io.StringIO(out.stdout))}
    phq = rows["PHQ-9"]
    assert (phq["baseline_score"], phq["latest_score"], phq["change"], phq["change_status"]) == (
        "18", "11", "7", "reliable_improvement")
    assert (phq["baseline_case"], phq["latest_case"], phq["recovered"]) == ("true", "true", "false")
    gad = rows["GAD-7"]
    assert (gad["change_status"], gad["latest_score"], gad["change"]) == ("insufficient_data", "12", "0")


def test_as_of_changes_the_answer(small_db):
    early = run_cli("report", "outcomes", "--db", str(small_db.data_db), "--as-of", "2026-03-10", "--format", "json")
    data = json.loads(early.stdout)
    phq = next(r for r in data["rows"] if r["measure"] == "PHQ-9")
    assert phq["n_scores"] == 1 and phq["change_status"] == "insufficient_data"
    assert data["columns"][:3] == ["client_id", "clinician_id", "measure"]


def test_table_format(small_db):
    out = run_cli("report", "flags", "--db", str(small_db.data_db), "--as-of", "2026-06-01", "--format", "table")
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert lines[0].split()[:6] == REPORT_COLUMNS["flags"]
    assert "DISENGAGING" in out.stdout  # last attended 2026-03-23


def test_wins_csv_neutralises_formulas(small_db):
    out = run_cli("report", "wins", "--db", str(small_db.data_db), "--as-of", "2026-04-01")
    texts = {r["win_id"]: r["text"] for r in csv.DictReader(io.StringIO(out.stdout))}
    assert texts["W10"].startswith("'=HYPERLINK(")
    assert texts["W11"] == "'+1 to the new intake flow"
    assert texts["W12"].startswith("'@") and texts["W13"].startswith("'-2")


def test_wins_report_includes_wins_posted_on_the_board(small_db):
    from pipelines.appstate import wins
    from pipelines.appstate.db import AppState

    state = AppState(small_db.app_db)
    win_id = wins.post(state, username="casey", clinician_id="T2", category="team", text="-1 day to the deadline")
    out = run_cli("report", "wins", "--db", str(small_db.data_db), "--as-of", "2099-01-01")
    rows = {r["win_id"]: r for r in csv.DictReader(io.StringIO(out.stdout))}
    assert rows[win_id]["text"] == "'-1 day to the deadline" and rows[win_id]["source"] == "app"
    assert rows["W10"]["source"] == "import"
    before = run_cli("report", "wins", "--db", str(small_db.data_db), "--as-of", "2026-04-01")
    assert win_id not in before.stdout  # posted today, after that as-of date


def test_neutralise():
    assert [neutralise(t) for t in ["=1+1", "+x", "-x", "@x", "\tx", "\rx", "ok", ""]] == [
        "'=1+1", "'+x", "'-x", "'@x", "'\tx", "'\rx", "ok", ""]


def test_report_without_data_is_a_clear_error(tmp_path):
    out = run_cli("report", "flags", "--db", str(tmp_path / "none.duckdb"))
    assert out.returncode == 2
    assert "no data has been published yet" in out.stderr and "Traceback" not in out.stderr


def test_the_rejected_rows_export_neutralises_formulas(db, tmp_path):
    """The manager's "Download these rejected rows (CSV)": the values quoted back come from the file."""
    import duckdb

    from pipelines.models import queries
    from pipelines.models.reports import to_csv

    ingest([BASE], db, audit=False)
    bad = write_csv(tmp_path / "sessions.csv",
                    "session_id,client_id,clinician_id,start,duration_min,status,session_type,modality,note_signed_at",
                    ['=HYPERLINK("http://x"),C1,T2,2026-03-02 10:00,@SUM(1),attended,,,',
                     "S2,+C1,T2,2026-03-02 10:00,-5,attended,,,"])
    (res,) = ingest([bad], db, audit=False).files
    con = duckdb.connect(str(db.data_db), read_only=True)
    try:
        rejected = queries.rejected_rows_for_load(con.cursor(), res.load_id)
    finally:
        con.close()
    cells = [c for row in csv.reader(io.StringIO(to_csv(rejected))) for c in row]
    assert any(c.startswith("'@SUM") or c.startswith("'=HYPERLINK") for c in cells), cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


SEPARATORS = [",", ";", "\t", "|"]  # list separators a spreadsheet may be set to use (locale, import dialog)
HOSTILE_CELLS = ["x;=1+1;y", "a,=1+1", "a\t=1+1", "a|=1+1", "a; =1+1", 'a;"=1+1"', "a;+1+1", "a;@SUM(1)", "a;-1+1",
                 "x,  =cmd|' /C calc'!A0", "ok;fine", "=1;=2", " =1+1"]


def _formula_cells(text: str) -> list[tuple[str, str]]:
    """Cells that would start a formula when ``text`` is opened with any list separator."""
    found = []
    for sep in SEPARATORS:
        for row in csv.reader(io.StringIO(text), delimiter=sep):
            for cell in row:
                start = cell.lstrip(' "')
                if start[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    try:
                        float(start)
                    except ValueError:
                        found.append((repr(sep), cell))
    return found


@pytest.mark.parametrize("value", HOSTILE_CELLS)
def test_no_formula_starts_after_any_separator(value):
    """`x;=1+1;y` opened by a spreadsheet whose list separator is `;` must not become a formula cell."""
    from pipelines.models.reports import to_csv

    out = to_csv(pd.DataFrame({"win_id": ["W1"], "text": [value], "change": [-3.0]}))
    assert _formula_cells(out) == []
    # what was written is still readable as written, apart from the inserted apostrophes
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert row["text"].replace("'", "") == value.replace("'", "") and row["change"] == "-3"


def test_table_format_neutralises_terminal_escape_codes():
    """`report --format table` prints to a terminal: escape codes from a CSV value show as text, never run."""
    import unicodedata

    from pipelines.models.reports import to_table

    out = to_table(pd.DataFrame({"win_id": ["W1"], "text": ["a\x1b[31mred\x1b]0;title\x07 \x9b2J\rover\x7f"]}))
    assert [c for c in out if unicodedata.category(c) == "Cc" and c != "\n"] == []
    assert "\\x1b[31mred" in out and "\\x07" in out and "\\r" in out
