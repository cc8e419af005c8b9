"""Item-level (wide) measures exports: totals scored by the instrument's rule, the risk item taken from its
item, every broken rule a rejected row with both values, and the item answers never stored."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.ingest.load import ingest
from schemas.instruments import INSTRUMENTS
from tests.conftest import write_csv

STAFF = ("clinician_id,name,role,supervisor_id,team,fte,caseload_target,active", ["T1,Clinician One,clinician,,North,1,20,true"])
CLIENTS = ("client_id,clinician_id,intake_date,discharge_date,status,presenting_problem",
           ["C1,T1,2026-01-05,,active,depression", "C2,T1,2026-01-05,,active,anxiety"])


def _load(tmp_path, db, header: str, rows: list[str]):
    folder = tmp_path / "export"
    files = [write_csv(folder / "clinicians.csv", *STAFF), write_csv(folder / "clients.csv", *CLIENTS),
             write_csv(folder / "measures.csv", header, rows)]
    result = ingest(files, db, audit=False)
    con = duckdb.connect(str(db.data_db), read_only=True)
    try:
        stored = con.execute("SELECT client_id, measure, administered_at::VARCHAR, score, risk_item FROM measures "
                             "ORDER BY administered_at, measure").fetchall()
        rejected = con.execute("SELECT row_number, value, reason FROM rejected_rows ORDER BY 1").fetchall()
    finally:
        con.close()
    return next(f for f in result.files if f.path.endswith("measures.csv")), stored, rejected


def test_items_named_by_instrument_are_summed_and_the_risk_item_taken(tmp_path, db):
    header = "Client ID,Date Administered," + ",".join(f"PHQ-9 Item {i}" for i in range(1, 10))
    loaded, stored, rejected = _load(tmp_path, db, header, [
        "C1,2026-01-05 10:00,2,2,2,2,2,2,2,2,1",
        "C1,2026-02-02 10:00,1,1,1,1,1,0,0,0,0",
    ])
    assert (loaded.status, loaded.rows_read, loaded.rows_loaded) == ("loaded", 2, 2), loaded.message
    assert stored == [("C1", "PHQ-9", "2026-01-05 10:00:00", 17, 1), ("C1", "PHQ-9", "2026-02-02 10:00:00", 5, 0)]
    assert rejected == []


def test_a_blank_optional_cell_on_a_good_row_loads(tmp_path, db):
    header = "client_id,administered_at,session_id,Total," + ",".join(f"PHQ-9 Item {i}" for i in range(1, 10))
    loaded, stored, _rejected = _load(tmp_path, db, header, [
        "C1,2026-01-05 10:00,,,1,1,1,1,1,1,1,1,0", "C1,2026-01-12 10:00,,8,1,1,1,1,1,1,1,1,0"])
    assert (loaded.status, loaded.rows_loaded) == ("loaded", 2), loaded.message
    assert [row[3] for row in stored] == [8, 8]


def test_a_measure_column_names_the_instrument_of_each_row_and_a_given_total_is_checked(tmp_path, db):
    header = "client_id,measure,administered_at,score,Q1,Q2,Q3,Q4,Q5,Q6,Q7"
    loaded, stored, rejected = _load(tmp_path, db, header, [
        "C2,GAD-7,2026-01-05 10:00,14,2,2,2,2,2,2,2",
        "C2,GAD-7,2026-02-02 10:00,9,1,1,1,1,1,1,1",  # row 2: the items add up to 7, not 9
        "C2,GAD-7,2026-03-02 10:00,,1,1,1,1,1,1,",  # row 3: one item unanswered
        "C2,GAD-7,2026-03-09 10:00,,1,1,1,1,1,1,5",  # row 4: an item beyond 0-3
        "C2,GAD-7,2026-03-16 10:00,,1,1,x,1,1,1,1",  # row 5: an item that is not a number
        "C2,ORS,2026-03-23 10:00,,1,1,1,1,1,1,1",  # row 6: ORS has no item rule
        "C2,GAD-7,2026-03-30 10:00,,1,1,1,1,1,1,0.5",  # row 7: an answer that is not whole
    ])
    assert (loaded.status, loaded.rows_read, loaded.rows_loaded, loaded.rows_rejected) == ("partial", 7, 1, 6)
    assert stored == [("C2", "GAD-7", "2026-01-05 10:00:00", 14, None)]
    reasons = {row: (value, reason) for row, value, reason in rejected}
    assert reasons[2] == ("9", "the total given is 9 but the GAD-7 items add up to 7")
    assert reasons[3][1].startswith("1 of 7 GAD-7 items are unanswered; it is scored only with every item answered")
    assert reasons[4] == ("5", "GAD-7 item 7 is 5; its items are whole numbers 0-3")
    assert reasons[7] == ("0.5", "GAD-7 item 7 is 0.5; its items are whole numbers 0-3")
    assert reasons[5] == ("x", "GAD-7 item 3 is 'x', not a number")
    assert reasons[6][1] == "ORS has no item scoring rule in the instrument definitions; give its total instead"


def test_items_named_by_instrument_must_agree_with_a_measure_column(tmp_path, db):
    header = "client_id,measure,administered_at," + ",".join(f"GAD-7 Item {i}" for i in range(1, 8))
    loaded, stored, rejected = _load(tmp_path, db, header, [
        "C2,GAD-7,2026-01-05 10:00,3,3,3,3,3,3,3", "C2,PHQ-9,2026-02-02 10:00,1,1,1,1,1,1,1"])
    assert (loaded.rows_loaded, loaded.rows_rejected) == (1, 1)
    assert stored == [("C2", "GAD-7", "2026-01-05 10:00:00", 21, None)]
    assert rejected == [(2, "PHQ-9", "the item columns are GAD-7 items but the row's measure is PHQ-9")]


def test_the_item_answers_are_not_stored(tmp_path, db):
    header = "Client ID,Date Administered," + ",".join(f"PHQ-9 Item {i}" for i in range(1, 10))
    _load(tmp_path, db, header, ["C1,2026-01-05 10:00,3,3,3,3,3,3,3,3,2"])
    con = duckdb.connect(str(db.data_db), read_only=True)
    try:
        columns = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                             "WHERE table_name = 'measures'").fetchall()}
    finally:
        con.close()
    assert not any("item" in c and c != "risk_item" for c in columns)


def test_a_lone_q9_column_is_still_the_risk_item_of_a_long_file(tmp_path, db):
    loaded, stored, _rejected = _load(tmp_path, db, "client_id,measure,administered_at,score,Q9",
                                      ["C1,PHQ-9,2026-01-05 10:00,12,1"])
    assert loaded.status == "loaded" and stored == [("C1", "PHQ-9", "2026-01-05 10:00:00", 12, 1)]


def test_item_rules_are_data_with_a_source():
    for code in ("PHQ-9", "GAD-7"):
        inst = INSTRUMENTS[code]
        assert inst.items and inst.scoring == "sum" and len(inst.items_source) > 40
        assert inst.items * inst.item_max == inst.range_max
    assert INSTRUMENTS["PHQ-9"].risk_item_number == 9


@pytest.mark.parametrize(("header", "message"), [
    ("client_id,administered_at,PHQ-9 Item 1,PHQ-9 Item 2,GAD-7 Item 1", "name more than one instrument"),
])
def test_a_file_mixing_instruments_is_refused_whole(tmp_path, db, header, message):
    loaded, stored, _rejected = _load(tmp_path, db, header, ["C1,2026-01-05 10:00,1,1,1"])
    assert loaded.status == "rejected" and message in loaded.message and stored == []


def test_a_rule_that_allows_a_missing_item_prorates_the_total_to_all_items():
    import numpy as np
    import pandas as pd

    from pipelines.ingest import items
    from schemas.instruments import Instrument

    rule = Instrument(code="PRO-9", name="Prorated test scale", better="lower", range_min=0, range_max=27,
                      source="test", items=9, item_min=0, item_max=3, scoring="sum", missing_items_max=1,
                      items_source="test rule: one unanswered item is prorated")
    answers = pd.DataFrame([["3", "3", "3", "3", "3", "3", "3", "2", ""],  # 23 of 8 -> 23 * 9 / 8 = 25.875 -> 26
                            ["1", "1", "1", "1", "1", "1", "1", "0", ""],  # 7 of 8 -> 7.875 -> 8
                            ["1", "1", "1", "1", "1", "1", "1", "", ""]],  # two unanswered: not scored
                           columns=range(1, 10))
    values = answers.apply(pd.to_numeric, errors="coerce")
    problems: dict = {}
    totals, risks = [""] * 3, [""] * 3
    items._score_rows(rule, np.arange(3), answers, values, None, problems, totals, risks)
    assert totals[:2] == ["26", "8"]
    assert problems[2][1].startswith("2 of 9 PRO-9 items are unanswered; it is scored only with at most 1 of its 9")


def test_the_ledger_says_the_items_were_scored_not_ignored(tmp_path, db):
    header = "Client ID,Date Administered,Clinic," + ",".join(f"PHQ-9 Item {i}" for i in range(1, 10))
    loaded, _stored, _rejected = _load(tmp_path, db, header, ["C1,2026-01-05 10:00,North,1,1,1,1,1,1,1,1,0"])
    assert loaded.message == ("scored 9 item columns into each row's total; ignored column(s) that are not part of "
                              "the contract: 'Clinic'")
