"""A practice's own instruments (MOMENTUM_INSTRUMENTS): checked strictly, loaded without changing the
package, and a file that cannot be used stops the data commands and the app with one clear message."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from schemas.instruments import INSTRUMENTS, InstrumentError, load_instruments
from tests.conftest import run_cli, write_csv

# Beck Depression Inventory-II: 0-63, 14+ mild or worse (Beck, Steer & Brown 1996); the fixed
# threshold here is illustrative, as a practice would state its own with its source
BDI = """[BDI-II]
name = "Beck Depression Inventory-II"
better = "lower"
range_min = 0
range_max = 63
caseness = 14
caseness_rule = "at_or_above"
rc_sd = 9.2
rc_r = 0.93
source = "Beck, Steer & Brown (1996) BDI-II manual: 14+ is mild or worse; SD and test-retest r as the practice states them"

[WELL-5]
name = "A practice wellbeing check without a reliable-change threshold"
better = "higher"
range_min = 0
range_max = 25
source = "Practice-defined for this test"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "practice-instruments.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = {"name": "X", "better": "lower", "range_min": 0, "range_max": 27, "source": "a published source"}


def _toml(value) -> str:
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return str(value)


def _spec(**changes) -> str:
    spec = {**GOOD, **changes}
    return "[NEW-1]\n" + "\n".join(f"{k} = {_toml(v)}" for k, v in spec.items() if v is not None) + "\n"


@pytest.mark.parametrize(("changes", "message"), [
    ({"caseness_rul": "below"}, "unknown key(s) 'caseness_rul'"),
    ({"caseness": 10, "caseness_rule": "above"}, "caseness_rule must be one of at_or_above, below, not 'above'"),
    ({"caseness": 10}, "caseness and caseness_rule go together"),
    ({"caseness": 30, "caseness_rule": "below"}, "caseness (30) is outside the range 0-27"),
    ({"rc_threshold": 6, "rc_sd": 5.0, "rc_r": 0.8}, "give rc_threshold or rc_sd and rc_r, not both"),
    ({"rc_sd": 5.0}, "rc_sd and rc_r go together"),
    ({"source": None}, "missing source"),
    ({"better": "up"}, "better must be 'lower' or 'higher'"),
    ({"range_min": 30}, "range_min (30) must be below range_max (27)"),
    ({"range_max": "27"}, "range_max must be a number"),
    ({"items": 9, "item_min": 0, "item_max": 3, "scoring": "sum"}, "an item scoring rule needs items_source too"),
    ({"items": 9, "item_min": 0, "item_max": 3, "scoring": "mean", "items_source": "s"}, "scoring must be one of sum"),
    ({"items": 10, "item_min": 0, "item_max": 3, "scoring": "sum", "items_source": "s"},
     "10 items of 0-3 do not sum within the range 0-27"),
    ({"items": 9, "item_min": 0, "item_max": 3, "scoring": "sum", "items_source": "s", "risk_item_number": 10},
     "risk_item_number must be an item number from 1 to 9"),
    ({"items": 9, "item_min": 0, "item_max": 3, "scoring": "sum", "items_source": "s", "risk_item_number": 9},
     "with risk_item_number, risk_item_max must be given and equal item_max"),
    ({"range_min": float("nan")}, "range_min must be a number"),
    ({"name": 5}, "name must be text"),
    ({"bands": 5, "bands_source": "s"}, "bands must be a list of tables"),
    ({"bands": [{"low": "0", "high": 4, "label": "x"}], "bands_source": "s"}, "a band needs low <= high"),
])
def test_every_definition_is_checked_with_one_message_naming_file_instrument_and_key(tmp_path, changes, message):
    path = _write(tmp_path, _spec(**changes))
    with pytest.raises(InstrumentError) as caught:
        load_instruments(path, INSTRUMENTS)
    assert str(caught.value).startswith(f"{path}: [NEW-1]: ") and message in str(caught.value)


@pytest.mark.parametrize("code", ["PHQ-9", "PHQ9", "phq 9"])
def test_a_practice_may_not_redefine_a_shipped_instrument_by_any_spelling(tmp_path, code):
    with pytest.raises(InstrumentError, match=r"is read as PHQ-9, one of Momentum's own instruments"):
        load_instruments(_write(tmp_path, _spec().replace("[NEW-1]", f'["{code}"]')), INSTRUMENTS)


def test_the_cut_off_reads_the_side_its_rule_names():
    assert (INSTRUMENTS["PHQ-9"].cut_off, INSTRUMENTS["ORS"].cut_off, INSTRUMENTS["SRS"].cut_off) == ("≥ 10", "< 25", "")


def _practice(folder: Path) -> Path:
    write_csv(folder / "clinicians.csv", "clinician_id,name,role,supervisor_id,team,fte,caseload_target,active",
              ["T1,Manager One,manager,,,1.0,0,true"])
    write_csv(folder / "clients.csv", "client_id,clinician_id,intake_date,discharge_date,status,presenting_problem",
              ["C1,T1,2026-01-05,,active,depression", "C2,T1,2026-01-05,,active,depression"])
    write_csv(folder / "measures.csv", "client_id,measure,administered_at,score,risk_item,goal_id,session_id", [
        "C1,BDI-II,2026-01-05 10:00,30,,,", "C1,BDI-II,2026-03-02 10:00,12,,,",
        "C2,WELL-5,2026-01-05 10:00,10,,,", "C2,WELL-5,2026-03-02 10:00,20,,,",
    ])
    return folder


def test_a_practice_instrument_loads_and_gets_reliable_change_without_a_package_change(tmp_path):
    env = {"MOMENTUM_INSTRUMENTS": str(_write(tmp_path, BDI)), "MOMENTUM_TODAY": "2026-03-31"}
    db = str(tmp_path / "db" / "momentum.duckdb")
    loaded = run_cli("ingest", str(_practice(tmp_path / "export")), "--db", db, env=env)
    assert loaded.returncode == 0, loaded.stderr
    report = run_cli("report", "outcomes", "--db", db, "--as-of", "2026-03-31", env=env)
    assert report.returncode == 0, report.stderr
    rows = {r["measure"]: r for r in csv.DictReader(io.StringIO(report.stdout))}
    bdi = rows["BDI-II"]
    # Jacobson & Truax from the file's SD 9.2 and r .93: 1.96 * sqrt(2) * 9.2 * sqrt(0.07) = 6.75 points
    assert float(bdi["rc_threshold"]) == pytest.approx(6.7466, abs=1e-3)
    assert (bdi["change"], bdi["change_status"], bdi["baseline_case"], bdi["latest_case"], bdi["recovered"]) == (
        "18", "reliable_improvement", "true", "false", "true")
    # no reliable-change threshold: no verdict either way, not "no_reliable_change"
    assert (rows["WELL-5"]["change"], rows["WELL-5"]["change_status"]) == ("10", "")
    # without the file, the same scores are rejected rows with the reason, not dropped silently
    again = run_cli("ingest", str(_practice(tmp_path / "export2")), "--db", str(tmp_path / "db2" / "m.duckdb"))
    assert again.returncode == 1 and "measures.csv" in again.stdout + again.stderr


def test_a_file_that_cannot_be_used_stops_the_data_commands_with_one_line(tmp_path):
    env = {"MOMENTUM_INSTRUMENTS": str(_write(tmp_path, BDI.replace('caseness_rule = "at_or_above"',
                                                                      'caseness_rule = "at_or_abov"')))}
    for command in (["report", "outcomes"], ["ingest", str(_practice(tmp_path / "export"))]):
        out = run_cli(*command, "--db", str(tmp_path / "db" / "m.duckdb"), env=env)
        assert out.returncode == 2 and "Traceback" not in out.stderr
        assert out.stderr.strip() == (f"error: MOMENTUM_INSTRUMENTS: {tmp_path}/practice-instruments.toml: "
                                      "[BDI-II]: caseness_rule must be one of at_or_above, below, not 'at_or_abov'")
    missing = run_cli("report", "outcomes", env={"MOMENTUM_INSTRUMENTS": str(tmp_path / "nowhere.toml")})
    assert missing.returncode == 2 and "nowhere.toml: cannot be read" in missing.stderr


def test_the_app_shows_the_problem_and_nothing_else(demo_db, monkeypatch):
    import schemas.instruments
    from tests.apptest import APP

    problem = "MOMENTUM_INSTRUMENTS: /srv/practice.toml: [BDI-II]: missing source (every instrument names its source)"
    monkeypatch.setattr(schemas.instruments, "INSTRUMENTS_PROBLEM", problem)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    # Markdown-escaped on the page (plain_md); the words are the problem's, whole
    assert [e.value.replace("\\", "") for e in at.error] == ["Momentum cannot start: " + problem]
    assert not at.text_input  # no sign-in form: nothing is shown until the file is fixed
