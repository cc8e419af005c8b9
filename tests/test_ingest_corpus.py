"""A corpus of malformed exports, one file per failure mode (tests/data/malformed).

For every file: rows_read = rows_loaded + rows_rejected, the ledger agrees,
every rejected row has a reason, and the reasons are the expected ones.
"""

from __future__ import annotations

import tomllib

import pytest

from pipelines.ingest.load import ingest
from tests.conftest import BASE, DATA, query

CORPUS = DATA / "malformed"
EXPECTED = tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))


def test_every_corpus_file_has_an_expectation():
    files = {p.name for p in CORPUS.glob("*.csv")}
    assert files == set(EXPECTED)


@pytest.fixture
def base_db(db):
    result = ingest([BASE / "clinicians.csv", BASE / "clients.csv"], db, audit=False)
    assert [f.status for f in result.files] == ["loaded", "loaded"]
    return db


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(base_db, name):
    exp = EXPECTED[name]
    (res,) = ingest([CORPUS / name], base_db, audit=False).files
    read, loaded, rejected = exp["rows"]
    assert (res.status, res.rows_read, res.rows_loaded, res.rows_rejected) == (
        exp["status"], read, loaded, rejected,
    )
    assert res.rows_read == res.rows_loaded + res.rows_rejected
    if "table" in exp:
        assert res.table == exp["table"]
    ledger = query(
        base_db,
        "SELECT status, rows_read, rows_loaded, rows_rejected, message FROM loads WHERE load_id = $id",
        {"id": res.load_id},
    )
    assert ledger[0][:4] == (exp["status"], read, loaded, rejected)
    if "message" in exp:
        assert exp["message"] in (ledger[0][4] or "")
    rejects = query(
        base_db,
        "SELECT row_number, reason FROM rejected_rows WHERE load_id = $id ORDER BY row_number",
        {"id": res.load_id},
    )
    assert all(reason and reason.strip() for _row, reason in rejects)
    reasons = " | ".join(r for _row, r in rejects)
    for fragment in exp.get("reasons", []):
        assert fragment in reasons
    if "rejected_rows" in exp:
        assert sorted({row for row, _ in rejects}) == exp["rejected_rows"]
    if exp["status"] == "rejected":
        assert rejects and all(row is None for row, _ in rejects)  # one file-level entry


def test_embedded_newline_and_quotes_survive(base_db):
    ingest([CORPUS / "wins_embedded_newline.csv"], base_db, audit=False)
    texts = dict(query(base_db, "SELECT win_id, text FROM wins"))
    assert texts["W1"] == "Went for a walk twice.\nThen a third time!"
    assert texts["W2"] == 'Took a proper lunch break, with "no" emails'


def test_formula_text_is_stored_verbatim(base_db):
    ingest([CORPUS / "wins_formula_text.csv"], base_db, audit=False)
    texts = dict(query(base_db, "SELECT win_id, text FROM wins"))
    assert texts["W10"].startswith("=HYPERLINK(")
    assert texts["W11"] == "+1 to the new intake flow"
    assert texts["W12"].startswith("@")


def test_generic_headers_map_statuses_and_formats(base_db):
    ingest([CORPUS / "appointments_generic_headers.csv"], base_db, audit=False)
    rows = query(base_db, "SELECT session_id, status, start, session_type, modality, note_signed_at FROM sessions ORDER BY session_id")
    assert [r[1] for r in rows] == ["attended", "no_show", "late_cancel", "late_cancel"]
    assert str(rows[0][2]) == "2026-01-05 10:00:00"  # US month/day/year in the generic profile
    assert str(rows[1][2]) == "2026-01-12 00:00:00"  # date-only Date of Service = midnight
    assert rows[0][3:5] == ("individual", "in_person")
    assert rows[1][4] == "telehealth"
    assert str(rows[0][5]) == "2026-01-05 14:00:00"


def test_bom_header_is_recognised(base_db):
    (res,) = ingest([CORPUS / "sessions_bom.csv"], base_db, audit=False).files
    assert res.table == "sessions"
    assert query(base_db, "SELECT count(*) FROM sessions")[0][0] == 3
