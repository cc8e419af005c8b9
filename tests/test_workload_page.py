"""The workload page answers "who is overloaded?": one row per clinician doing clinical work, the
signals that fired in words, most first, caseload and direct hours against their targets from the last
complete, usual week; the weekly trends on one scale per metric, never red, never zero-filled.

The first tests drive the page through Streamlit's AppTest on the demo practice; the last ones work
the model (workload_by_clinician) by hand on a tiny practice."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.demo import SAMPLE_AS_OF
from pipelines.models import queries
from pipelines.scope import Scope
from pipelines.settings import Paths
from schemas.vocabulary import VOCABULARY
from tests.apptest import open_page, sign_in
from tests.test_models_homework_workload import Practice, run_model

SIGNAL_WORDS = {w.label for w in VOCABULARY["signals"].values()}


def _frame(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with this column (AppTest does not expose a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _config(at: AppTest, column: str) -> dict:
    """The column configuration (st.column_config) of the first table with this column."""
    element = next(d for d in at.dataframe if column in d.value.columns)
    return json.loads(element.proto.columns)


def _workload(role: str, as_of: date | None = None) -> AppTest:
    at = open_page(sign_in(role), "pages/workload.py")
    if as_of is not None:
        at.date_input(key="workload_as_of").set_value(as_of).run()
        assert not at.exception, at.exception
    return at


def _data(demo_db: Paths, sql: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(demo_db.data_db), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def _weekly_load(demo_db: Paths, as_of: date) -> pd.DataFrame:
    """clinician_weekly_load for every clinician, computed live, with names."""
    con = duckdb.connect(str(demo_db.data_db), read_only=True)
    try:
        cur = con.cursor()
        load = queries.run(
            cur,
            queries.clinician_weekly_load,
            queries.all_clinicians_scope(cur),
            as_of,
            prefer_marts=False,
        )
        names = dict(cur.execute("SELECT clinician_id, name FROM clinicians").fetchall())
    finally:
        con.close()
    return load.assign(
        clinician=load["clinician_id"].map(names), week_start=pd.to_datetime(load["week_start"])
    )


def _captions(at: AppTest) -> str:
    return "\n".join(re.sub(r"\\(.)", r"\1", c.value) for c in at.caption)


# --------------------------------------------------------------------------- the page, on the demo


def test_one_row_per_clinician_doing_clinical_work_without_the_manager_or_inactive_staff(demo_db):
    overview = _frame(_workload("manager"), "signal_labels")
    clinical = {
        r[0]
        for r in _data(demo_db, "SELECT name FROM clinicians WHERE role <> 'manager' AND active")
    }
    left_out = {
        r[0]
        for r in _data(demo_db, "SELECT name FROM clinicians WHERE role = 'manager' OR NOT active")
    }
    assert (
        "Manager Ash" in left_out and {"Clinician Alder", "Clinician Cobalt"} <= left_out
    )  # the sample's
    assert overview["clinician"].is_unique
    assert set(overview["clinician"]) == clinical
    assert not set(overview["clinician"]) & left_out


def test_rows_are_sorted_by_how_many_signals_fired_most_first_and_name_them_in_words(demo_db):
    overview = _frame(_workload("manager"), "signal_labels")
    counts = overview["signal_count"].tolist()
    assert counts == sorted(counts, reverse=True) and counts[0] >= 3 and counts[-1] == 0
    assert [len(labels) for labels in overview["signal_labels"]] == counts
    shown = {label for labels in overview["signal_labels"] for label in labels}
    assert shown and shown <= SIGNAL_WORDS and "Caseload over target" in shown
    assert not any(re.fullmatch(r"[A-Z_]+", label) for label in shown)  # no raw code
    # the counts are those of the signal model, clinician by clinician
    con = duckdb.connect(str(demo_db.data_db), read_only=True)
    try:
        cur = con.cursor()
        fired = queries.workload_signals(cur, queries.all_clinicians_scope(cur), SAMPLE_AS_OF)
        names = dict(cur.execute("SELECT clinician_id, name FROM clinicians").fetchall())
    finally:
        con.close()
    expected = fired.groupby(fired["clinician_id"].map(names)).size()
    got = overview.set_index("clinician")["signal_count"]
    assert got[got > 0].sort_index().to_dict() == expected.sort_index().to_dict()


def test_caseload_and_direct_hours_against_their_targets(demo_db):
    at = _workload("manager")
    overview = _frame(at, "signal_labels").set_index("clinician")
    load = _weekly_load(demo_db, SAMPLE_AS_OF)
    week = load[load["week_start"] == pd.Timestamp("2026-11-16")].set_index("clinician")  # the last complete week
    for name, row in overview.iterrows():
        w = week.loc[name]
        assert row["caseload"] == f"{w.active_caseload} of {w.caseload_target}"
        assert row["caseload_pct"] == pytest.approx(100 * w.active_caseload / w.caseload_target)
        assert row["hours"] == f"{w.direct_hours:.1f} of {w.direct_hours_target:g} h"
        assert row["hours_pct"] == pytest.approx(100 * w.direct_hours / w.direct_hours_target)
    # the FTE scales the hours target: 25 h per 1.0 FTE (a 0.5 FTE clinician's target is 12.5 h)
    assert overview.loc["Clinician Juniper", "hours"].endswith(" of 12.5 h")
    config = _config(at, "signal_labels")
    assert config["caseload_pct"]["type_config"]["type"] == "progress"
    assert config["signal_labels"]["type_config"]["type"] == "list"


def test_the_samples_last_week_is_complete_and_usual_so_latest_is_that_week(demo_db):
    """The sample's last week looks like the others (the generator no longer makes every ongoing client's last
    session an attended one), so "latest" is that week and clinicians' no-show rates are not all 0%."""
    at = _workload("manager")
    notes = _captions(at)
    assert "from the week of 2026-11-16 to 2026-11-22" in notes
    assert "Left out" not in notes
    trends = _frame(at, "direct_hours").set_index("clinician")
    load = _weekly_load(demo_db, SAMPLE_AS_OF)
    last = load[load["week_start"] == pd.Timestamp("2026-11-16")].set_index("clinician")
    assert (last.loc[trends.index, "no_show_rate"] > 0).sum() >= len(trends) // 2
    assert trends["no_show_rate_latest"].to_dict() == pytest.approx(
        last.loc[trends.index, "no_show_rate"].to_dict()
    )
    assert {len(points) for points in trends["no_show_rate"]} == {12}


def test_latest_comes_from_the_last_complete_week_when_the_as_of_date_falls_mid_week(demo_db):
    thursday = date(2026, 11, 12)
    at = _workload("manager", thursday)
    notes = _captions(at)
    assert "from the week of 2026-11-02 to 2026-11-08" in notes
    assert "Left out: the week of 2026-11-09 (partial week: counted only up to 2026-11-12)" in notes
    overview = _frame(at, "signal_labels").set_index("clinician")
    trends = _frame(at, "direct_hours").set_index("clinician")
    load = _weekly_load(demo_db, thursday)
    complete = load[load["week_start"] == pd.Timestamp("2026-11-02")].set_index("clinician")
    partial = load[load["week_start"] == pd.Timestamp("2026-11-09")].set_index("clinician")
    names = list(overview.index)
    # had the partial week (Monday to Thursday) been used, every clinician's hours would read otherwise
    assert (partial.loc[names, "direct_hours"] != complete.loc[names, "direct_hours"]).all()
    assert partial.loc[names, "direct_hours"].sum() < complete.loc[names, "direct_hours"].sum()
    for name in names:
        assert overview.loc[name, "hours"].startswith(
            f"{complete.loc[name, 'direct_hours']:.1f} of "
        )
        assert trends.loc[name, "direct_hours_latest"] == pytest.approx(
            complete.loc[name, "direct_hours"]
        )
        assert trends.loc[name, "late_notes_latest"] == complete.loc[name, "late_notes"]
        assert len(trends.loc[name, "direct_hours"]) == 11  # the partial week is not in the line


def test_sparklines_share_one_scale_per_metric_and_are_not_red(demo_db):
    at = _workload("manager")
    trends = _frame(at, "direct_hours")
    config = _config(at, "direct_hours")
    charts = {
        k: v["type_config"]
        for k, v in config.items()
        if v.get("type_config", {}).get("type") == "line_chart"
    }
    assert set(charts) == {
        "direct_hours",
        "active_caseload",
        "no_show_rate",
        "median_note_lag_hours",
        "late_notes",
        "after_hours_notes",
        "high_acuity_share",
        "days_worked",
    }
    for metric, chart in charts.items():
        highest = max(max(points) for points in trends[metric] if len(points))
        assert chart["y_min"] == 0 and chart["y_max"] >= highest, metric
        assert chart["color"] and chart["color"] not in ("red", "auto", "auto-inverse"), metric
    for column in ("caseload_pct", "hours_pct"):
        assert _config(at, "signal_labels")[column]["type_config"]["color"] not in (None, "red")


def test_why_each_signal_fired_says_weeks_over_threshold_in_plain_words(demo_db):
    at = _workload("manager")
    reasons = _frame(at, "weeks_past")
    labels = {c.get("label") for c in _config(at, "weeks_past").values()}
    assert "Weeks over threshold (last 3)" in labels
    assert not {"Weeks past", "of"} & labels
    assert set(reasons["signal_label"]) <= SIGNAL_WORDS
    assert (reasons["weeks_past"] >= 2).all() and (reasons["weeks_past"] <= 3).all()
    assert "Manager Ash" not in set(reasons["clinician"])


def test_a_clinician_sees_only_their_own_row(demo_db):
    at = _workload("clinician")
    overview = _frame(at, "signal_labels")
    trends = _frame(at, "direct_hours")
    assert len(overview) == len(trends) == 1
    assert overview["clinician"].iloc[0] == trends["clinician"].iloc[0]


# --------------------------------------------------------------------------- the model, worked by hand

MONDAYS = [date(2026, 8, 31) + timedelta(weeks=i) for i in range(12)]  # 31 Aug ... 16 Nov 2026
HOLIDAY = date(2026, 10, 5)  # nobody in the practice has a session that week


@pytest.fixture
def practice(tmp_path, db) -> Paths:
    p = Practice()
    p.rows["clinicians"] += [
        "TM,Manager TM,manager,,North,1.0,0,true",  # no clinical work: not a row
        "TN,Manager TN,manager,,North,1.0,0,true",  # a manager who sees clients: a row
        "TS,Supervisor TS,supervisor,,North,1.0,5,true",  # a supervisor with a caseload
    ]
    p.clinician("TA", fte="1.0", target="2")
    p.clinician("TX", active="false")  # inactive, though with sessions in the window: not a row
    for c in ("A1", "A2", "A3"):
        p.client(c, "TA", intake="2026-08-01")
    p.client("S1", "TS", intake="2026-08-01")
    p.client("N1", "TN", intake="2026-08-01")
    p.client("X1", "TX", intake="2026-08-01")
    for monday in MONDAYS:
        if monday == HOLIDAY:
            continue
        # TA: Monday and Tuesday attended, a Wednesday no-show - except the last week, when nobody misses
        p.session("A1", "TA", f"{monday} 09:00")
        p.session("A2", "TA", f"{monday + timedelta(days=1)} 09:00")
        p.session(
            "A3",
            "TA",
            f"{monday + timedelta(days=2)} 09:00",
            status="attended" if monday == MONDAYS[-1] else "no_show",
        )
        p.session("X1", "TX", f"{monday} 11:00")
    # the week of 9 Nov: one more attended session on Thursday, another no-show on Friday
    p.session("A1", "TA", "2026-11-12 10:00")
    p.session("A2", "TA", "2026-11-13 10:00", status="no_show")
    # TN sees a client twice: 19 Oct and 2 Nov
    p.session("N1", "TN", "2026-10-19 14:00")
    p.session("N1", "TN", "2026-11-02 14:00")
    return p.load(tmp_path / "csv", db)


def _model(db: Paths, as_of: date) -> pd.DataFrame:
    return run_model(db, "workload_by_clinician", ["TM", "TN", "TS", "TA", "TX"], as_of=as_of)


def test_the_model_keeps_clinical_staff_only_and_sorts_by_signals(practice):
    df = _model(practice, date(2026, 11, 22))
    assert "TX" in set(
        run_model(practice, "clinician_weekly_load", ["TX"], as_of=date(2026, 11, 22)).clinician_id
    )
    # most signals first; then the furthest over a target (TS: 1 of 5 clients; TN: no target, 0 h that week)
    assert list(df.clinician_id) == ["TA", "TS", "TN"]
    ta = df.iloc[0]
    assert list(ta.signals) == ["CASELOAD_OVER_TARGET", "NO_SHOW_LOAD"] and ta.signal_count == 2
    assert list(df.signal_count) == [2, 0, 0]
    assert (ta.active_caseload, ta.caseload_target, ta.caseload_share) == (3, 2, 1.5)
    assert pd.isna(df.set_index("clinician_id").loc["TN", "caseload_share"])  # no target


def test_the_model_marks_an_unusual_week_and_a_week_without_sessions(practice):
    df = _model(practice, date(2026, 11, 22)).set_index("clinician_id")
    ta = df.loc["TA"]
    assert list(ta.marked_weeks) == ["2026-10-05", "2026-11-16"]
    assert ta.marked_notes[0].startswith(
        "unusual week: no session was recorded anywhere in the practice"
    )
    assert ta.marked_notes[1].startswith("unusual week: not one no-show or late cancellation")
    # latest is the week of 9 Nov: 3 attended (Mon, Tue, Thu) and 2 no-shows (Wed, Fri)
    assert pd.Timestamp(ta.latest_week_start) == pd.Timestamp("2026-11-09")
    assert ta.direct_hours == 3.0 and ta.no_show_rate == pytest.approx(0.4)
    assert ta.direct_hours_share == pytest.approx(3 / 25)
    # the lines leave out the marked weeks (not drawn as 0): 10 of 12 weeks, the 0% week not among them
    assert len(ta.no_show_rate_weeks) == 10 and 0.0 not in list(ta.no_show_rate_weeks)
    assert list(ta.direct_hours_weeks) == [2.0] * 9 + [3.0]
    # TN: a no-show rate only in the 2 weeks with a scheduled session; hours are measured (0) every week
    tn = df.loc["TN"]
    assert list(tn.no_show_rate_weeks) == [0.0, 0.0]
    assert len(tn.direct_hours_weeks) == 10


def test_the_model_takes_latest_from_the_last_complete_week_mid_week(practice):
    # Thursday 12 Nov: the week of 9 Nov is partial (Mon, Tue, Thu so far); the week of 2 Nov is the latest.
    # The 12 weeks now start on 17 Aug, before the practice's first session: with 3 weeks without sessions
    # none of them is unusual.
    df = _model(practice, date(2026, 11, 12)).set_index("clinician_id")
    ta = df.loc["TA"]
    assert list(ta.marked_weeks) == ["2026-11-09"]
    assert list(ta.marked_notes) == ["partial week: counted only up to 2026-11-12"]
    assert pd.Timestamp(ta.latest_week_start) == pd.Timestamp("2026-11-02")
    assert ta.direct_hours == 2.0 and ta.no_show_rate == pytest.approx(1 / 3)
    partial = run_model(practice, "clinician_weekly_load", ["TA"], as_of=date(2026, 11, 12)).iloc[
        -1
    ]
    assert partial.direct_hours == 3.0  # what "latest" would have read
    # Sunday 15 Nov: the week of 9 Nov is complete and usual
    sunday = _model(practice, date(2026, 11, 15)).set_index("clinician_id").loc["TA"]
    assert (
        pd.Timestamp(sunday.latest_week_start) == pd.Timestamp("2026-11-09")
        and sunday.direct_hours == 3.0
    )
    assert list(sunday.marked_weeks) == []


def test_the_model_reads_its_marts_as_it_computes_live(practice):
    from pipelines.models.queries import refresh_marts

    con = duckdb.connect(str(practice.data_db))
    try:
        refresh_marts(con, date(2026, 11, 22))
        scope = Scope.of(["TA", "TN", "TS", "TX", "TM"])
        assert queries.marts_state(con).serves(queries.workload_by_clinician, date(2026, 11, 22))
        stored = queries.run(con.cursor(), queries.workload_by_clinician, scope, date(2026, 11, 22))
        live = queries.run(
            con.cursor(),
            queries.workload_by_clinician,
            scope,
            date(2026, 11, 22),
            prefer_marts=False,
        )
    finally:
        con.close()
    assert list(stored.clinician_id) == list(live.clinician_id) == ["TA", "TS", "TN"]
    assert [list(x) for x in stored.marked_weeks] == [list(x) for x in live.marked_weeks]
