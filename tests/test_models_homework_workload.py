"""Homework, workload, workload-signal and suggested-win models, worked by hand.

Each test builds a tiny practice as CSV exports, ingests it, and runs a model
through ``pipelines.models.queries`` with a scope and an as-of date. Every
definition has a case where it counts and a boundary where it does not.
The last tests run every model on the committed sample practice.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.ingest.load import ingest
from pipelines.models.queries import model_named
from pipelines.scope import Scope
from pipelines.settings import Paths, paths
from schemas.thresholds import THRESHOLDS
from tests.conftest import REPO, write_csv

AS_OF = date(2026, 11, 22)  # a Sunday: weeks W0 = 16-22 Nov, W-1 = 9-15 Nov, W-2 = 2-8 Nov

HEADERS = {
    "clinicians": "clinician_id,name,role,supervisor_id,team,fte,caseload_target,active",
    "clients": "client_id,clinician_id,intake_date,discharge_date,status,presenting_problem",
    "sessions": "session_id,client_id,clinician_id,start,duration_min,status,session_type,modality,note_signed_at",
    "goals": "goal_id,client_id,created_at,description,value,status",
    "measures": "client_id,measure,administered_at,score,risk_item,goal_id,session_id",
    "homework": "assignment_id,client_id,clinician_id,assigned_at,due_at,category,status,reviewed_at,quality",
}

MODELS = [
    "homework_by_client",
    "homework_by_clinician",
    "homework_by_category",
    "homework_by_week",
    "clinician_weekly_load",
    "workload_signals",
    "suggested_wins",
]


class Practice:
    """A tiny practice built row by row, then written as CSV exports and ingested."""

    def __init__(self) -> None:
        self.rows: dict[str, list[str]] = {t: [] for t in HEADERS}
        self._n = 0

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n:04d}"

    def clinician(self, cid: str, fte: str = "1.0", target: str = "", active: str = "true") -> None:
        self.rows["clinicians"].append(f"{cid},Clinician {cid},clinician,,North,{fte},{target},{active}")

    def client(self, cid: str, clin: str, intake: str = "2026-09-01", discharge: str = "", status: str = "active") -> None:
        self.rows["clients"].append(f"{cid},{clin},{intake},{discharge},{status},depression")

    def session(self, client: str, clin: str, start: str, note: str = "", dur: int = 60, status: str = "attended") -> str:
        sid = self._id("S")
        self.rows["sessions"].append(f"{sid},{client},{clin},{start},{dur},{status},individual,in_person,{note}")
        return sid

    def goal(self, gid: str, client: str, value: str = "connection") -> None:
        self.rows["goals"].append(f"{gid},{client},2026-09-01,Walk every day,{value},active")

    def measure(self, client: str, measure: str, at: str, score: float, risk: str = "", goal: str = "") -> None:
        self.rows["measures"].append(f"{client},{measure},{at},{score},{risk},{goal},")

    def homework(
        self, client: str, clin: str, assigned: str, status: str, reviewed: str = "",
        quality: str = "", category: str = "thought_record", aid: str | None = None,
    ) -> str:
        aid = aid or self._id("H")
        self.rows["homework"].append(f"{aid},{client},{clin},{assigned},,{category},{status},{reviewed},{quality}")
        return aid

    def load(self, folder: Path, db: Paths) -> Paths:
        files = [write_csv(folder / f"{t}.csv", HEADERS[t], rows) for t, rows in self.rows.items() if rows]
        result = ingest(files, db, audit=False)
        bad = [(f.path, f.status, f.message) for f in result.files if f.status != "loaded"]
        assert not bad, bad
        return db


def run_model(db: Paths, name: str, scope: list[str], as_of: date = AS_OF) -> pd.DataFrame:
    con = duckdb.connect(str(db.data_db), read_only=True)
    try:
        return model_named(name)(con.cursor(), Scope.of(scope), as_of)
    finally:
        con.close()


def one(df: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for k, v in where.items():
        mask &= df[k] == v
    rows = df[mask]
    assert len(rows) == 1, f"expected one row for {where}, got {len(rows)}:\n{df}"
    return rows.iloc[0]


def test_the_thresholds_these_tests_were_worked_with():
    """The hand-worked numbers below assume the shipped defaults."""
    expected = {
        "homework_partial_weight": 0.5, "homework_min_reviewed": 4, "late_note_hours": 72,
        "after_hours_start": 20, "after_hours_end": 7, "high_acuity_phq9": 20, "risk_item_min": 1,
        "direct_hours_per_fte": 25, "caseload_over_fraction": 1.1, "late_notes_signal": 3,
        "after_hours_signal": 3, "no_show_rate_signal": 0.2, "high_acuity_share_signal": 0.3,
        "signal_weeks": 2, "signal_window_weeks": 3,
    }
    assert {k: THRESHOLDS[k].value for k in expected} == expected


# --------------------------------------------------------------------------- homework


@pytest.fixture
def homework_db(tmp_path, db) -> Paths:
    p = Practice()
    for c in ("T1", "T2", "T3"):
        p.clinician(c)
    p.client("C1", "T1")
    p.client("C2", "T1")
    p.client("C3", "T2")
    p.client("C4", "T3")
    # C1 (set by T1): completed 4, completed 3, partial 2, not_done 0, one not reviewed,
    # one reviewed only after as_of (counts as not yet reviewed; its quality is ignored),
    # one set on as_of (counts) and one set the day after (ignored).
    p.homework("C1", "T1", "2026-11-02", "completed", "2026-11-09", "4", "thought_record")
    p.homework("C1", "T1", "2026-11-08", "completed", "2026-11-10", "3", "exposure")  # Sunday
    p.homework("C1", "T1", "2026-11-09", "partial", "2026-11-16", "2", "exposure")  # Monday
    p.homework("C1", "T1", "2026-11-10", "not_done", "2026-11-17", "0", "exposure")
    p.homework("C1", "T1", "2026-11-17", "not_reviewed", "", "", "mindfulness")
    p.homework("C1", "T1", "2026-11-18", "completed", "2026-11-23", "4", "mindfulness")
    p.homework("C1", "T1", "2026-11-22", "not_reviewed", "", "", "mindfulness")
    p.homework("C1", "T1", "2026-11-23", "completed", "2026-11-23", "4", "mindfulness")
    # C2 (T1): nothing reviewed yet -> completion NULL
    p.homework("C2", "T1", "2026-11-20", "not_reviewed")
    # C3's primary clinician is T2, but T1 set one of the assignments (cover)
    p.homework("C3", "T2", "2026-11-02", "completed", "2026-11-09", "3")
    p.homework("C3", "T1", "2026-11-03", "not_done", "2026-11-10", "1")
    # C4 (T3): last-4 ordering; H-a and H-b share reviewed_at, H-b was set later
    p.homework("C4", "T3", "2026-10-01", "completed", "2026-10-15", "4", aid="Ha")
    p.homework("C4", "T3", "2026-10-06", "not_done", "2026-10-15", "0", aid="Hb")
    p.homework("C4", "T3", "2026-10-08", "completed", "2026-10-20", "3", aid="Hc")
    p.homework("C4", "T3", "2026-10-15", "partial", "2026-10-22", "2", aid="Hd")
    p.homework("C4", "T3", "2026-10-22", "not_done", "2026-10-29", "1", aid="He")
    return p.load(tmp_path / "csv", db)


def test_homework_by_clinician_quantity_and_quality(homework_db):
    df = run_model(homework_db, "homework_by_clinician", ["T1", "T2", "T3"])
    assert list(df.columns[:6]) == ["clinician_id", "assigned", "reviewed", "completed", "partial", "completion_rate"]
    t1 = one(df, clinician_id="T1")
    # C1: 7 set on or before as_of (the 23 Nov one is ignored); C2: 1; C3 (set by T1): 1
    assert t1.assigned == 9
    assert t1.reviewed == 5  # completed 2, partial 1, not_done 2 (the one reviewed after as_of is not)
    assert (t1.completed, t1.partial, t1.not_done, t1.not_reviewed) == (2, 1, 2, 4)
    assert t1.completion_rate == pytest.approx((2 + 0.5 * 1) / 5)
    assert t1.n_quality == 5 and t1.mean_quality == pytest.approx((4 + 3 + 2 + 0 + 1) / 5)


def test_homework_completion_is_null_when_nothing_reviewed_and_counts_as_of(homework_db):
    df = run_model(homework_db, "homework_by_client", ["T1"], as_of=date(2026, 11, 20))
    c2 = one(df, client_id="C2")
    assert (c2.assigned, c2.reviewed) == (1, 0)
    assert pd.isna(c2.completion_rate) and pd.isna(c2.mean_quality) and c2.n_quality == 0
    # as of 19 Nov the 20 Nov assignment did not exist yet
    assert "C2" not in set(run_model(homework_db, "homework_by_client", ["T1"], as_of=date(2026, 11, 19)).client_id)
    # assigned on as_of counts, the day after does not
    c1 = one(run_model(homework_db, "homework_by_client", ["T1"], as_of=date(2026, 11, 22)), client_id="C1")
    assert c1.assigned == 7
    c1_next = one(run_model(homework_db, "homework_by_client", ["T1"], as_of=date(2026, 11, 23)), client_id="C1")
    assert c1_next.assigned == 8 and c1_next.completed == 4  # both 23 Nov reviews now count


def test_homework_last4_orders_by_reviewed_then_assigned(homework_db):
    df = run_model(homework_db, "homework_by_client", ["T3"])
    c4 = one(df, client_id="C4")
    assert c4.clinician_id == "T3"
    assert c4.completion_rate == pytest.approx((2 + 0.5) / 5)
    # last 4 = He, Hd, Hc and Hb (reviewed the same day as Ha but set later):
    # completed 1, partial 1, not_done 2 -> 1.5 / 4
    assert c4.last4_n == 4
    assert c4.last4_completion == pytest.approx(0.375)
    c1 = one(run_model(homework_db, "homework_by_client", ["T1"]), client_id="C1")
    # C1's reviewed: 9 Nov completed, 10 Nov completed, 16 Nov partial, 17 Nov not_done
    assert c1.last4_n == 4 and c1.last4_completion == pytest.approx(2.5 / 4)


def test_homework_by_client_uses_the_primary_clinician_for_scope(homework_db):
    # C3's primary clinician is T2: with scope T1 it is not shown, although T1 set one of its assignments
    assert "C3" not in set(run_model(homework_db, "homework_by_client", ["T1"]).client_id)
    c3 = one(run_model(homework_db, "homework_by_client", ["T2"]), client_id="C3")
    assert (c3.clinician_id, c3.assigned, c3.completed, c3.not_done) == ("T2", 2, 1, 1)
    # ... while the clinician-level model counts the assignment for the clinician who set it
    t2 = one(run_model(homework_db, "homework_by_clinician", ["T2"]), clinician_id="T2")
    assert t2.assigned == 1


def test_homework_by_week_uses_monday_weeks(homework_db):
    df = run_model(homework_db, "homework_by_week", ["T1"])
    assert list(df.columns[:7]) == [
        "clinician_id", "week_start", "assigned", "reviewed", "completed", "partial", "completion_rate",
    ]
    assert all(pd.Timestamp(w).weekday() == 0 for w in df.week_start)
    nov2 = one(df, clinician_id="T1", week_start=pd.Timestamp("2026-11-02"))
    # 2 Nov (completed), 3 Nov (C3 not_done), 8 Nov Sunday (completed)
    assert (nov2.assigned, nov2.completed, nov2.not_done) == (3, 2, 1)
    assert nov2.completion_rate == pytest.approx(2 / 3)
    nov9 = one(df, clinician_id="T1", week_start=pd.Timestamp("2026-11-09"))  # Monday 9 Nov, partial + not_done
    assert (nov9.assigned, nov9.partial, nov9.not_done) == (2, 1, 1)
    assert nov9.completion_rate == pytest.approx(0.25)
    nov16 = one(df, clinician_id="T1", week_start=pd.Timestamp("2026-11-16"))
    assert (nov16.assigned, nov16.reviewed) == (4, 0) and pd.isna(nov16.completion_rate)


def test_homework_by_category(homework_db):
    df = run_model(homework_db, "homework_by_category", ["T1"])
    assert list(df.columns[:6]) == ["category", "assigned", "reviewed", "completed", "partial", "completion_rate"]
    exposure = one(df, category="exposure")
    assert (exposure.assigned, exposure.completed, exposure.partial, exposure.not_done) == (3, 1, 1, 1)
    assert exposure.completion_rate == pytest.approx(1.5 / 3)
    assert exposure.mean_quality == pytest.approx((3 + 2 + 0) / 3)
    mindfulness = one(df, category="mindfulness")
    assert (mindfulness.assigned, mindfulness.reviewed, mindfulness.n_quality) == (3, 0, 0)
    # T3's assignments are outside scope T1
    assert df.assigned.sum() == 9


# --------------------------------------------------------------------------- weekly load


@pytest.fixture
def load_db(tmp_path, db) -> Paths:
    p = Practice()
    p.clinician("T1", fte="0.8", target="2")
    p.clinician("T2", fte="", target="")  # active, no sessions: zero weeks; fte defaults to 1.0
    p.clinician("T3", active="false")  # inactive, no sessions: no rows
    p.clinician("T9")  # outside every scope used here
    p.client("C1", "T1", intake="2026-11-01")
    p.client("C2", "T1", intake="2026-11-20")
    p.client("C3", "T1", intake="2026-10-01", discharge="2026-11-15", status="discharged")
    p.client("C4", "T1", intake="2026-10-01", status="paused")
    p.client("C5", "T1", intake="2026-11-23")
    p.client("C9", "T9")
    # W0 (Mon 16 - Sun 22 Nov)
    p.session("C1", "T1", "2026-11-16 10:00", note="2026-11-19 11:00")  # exactly 72 h after the end: on time
    p.session("C1", "T1", "2026-11-17 10:00", note="2026-11-20 11:01")  # 72 h + 1 min: late
    p.session("C2", "T1", "2026-11-20 09:00", dur=50, note="2026-11-20 19:59")  # 19:59: not after hours
    p.session("C1", "T1", "2026-11-20 11:00", dur=30, note="2026-11-20 20:00")  # 20:00: after hours
    p.session("C2", "T1", "2026-11-21 09:00", note="2026-11-21 12:00")  # Saturday: after hours
    p.session("C1", "T1", "2026-11-18 08:00", note="2026-11-19 06:59")  # 06:59: after hours
    p.session("C1", "T1", "2026-11-18 12:00", note="2026-11-19 07:00")  # 07:00: not after hours
    p.session("C1", "T1", "2026-11-19 10:00", status="no_show")
    p.session("C1", "T1", "2026-11-19 11:00", status="late_cancel")
    p.session("C1", "T1", "2026-11-19 12:00", status="cancelled")  # not in the no-show rate
    p.session("C1", "T1", "2026-11-19 13:00", status="clinician_cancel")  # not in the no-show rate
    p.session("C2", "T1", "2026-11-22 10:00", note="2026-11-23 09:00")  # signed after as_of: unsigned
    p.session("C1", "T1", "2026-11-23 10:00", note="2026-11-23 12:00")  # after as_of: ignored
    # W-1 (9 - 15 Nov): one own session, one covering T9's client (counts for T1, who ran it)
    p.session("C1", "T1", "2026-11-09 10:00", note="2026-11-09 15:00")
    p.session("C9", "T1", "2026-11-10 10:00", note="2026-11-10 12:00")
    p.session("C9", "T9", "2026-11-10 14:00", note="2026-11-10 23:00")
    # PHQ-9: 20 is high acuity, 19 is not; a risk item of 1 is; a score after as_of is ignored
    p.measure("C1", "PHQ-9", "2026-11-10", 20, risk="0")
    p.measure("C1", "PHQ-9", "2026-11-23", 3, risk="0")
    p.measure("C2", "PHQ-9", "2026-11-20", 19, risk="0")
    p.measure("C3", "PHQ-9", "2026-11-01 10:00", 5, risk="1")
    return p.load(tmp_path / "csv", db)


WEEKLY_COLUMNS = [
    "clinician_id", "week_start", "attended_sessions", "direct_hours", "active_caseload", "no_show_rate",
    "median_note_lag_hours", "late_notes", "after_hours_notes", "fte", "caseload_target",
    "direct_hours_target", "high_acuity_share",
]


def test_weekly_load_grid_and_columns(load_db):
    df = run_model(load_db, "clinician_weekly_load", ["T1", "T2", "T3"])
    assert list(df.columns[: len(WEEKLY_COLUMNS)]) == WEEKLY_COLUMNS
    assert set(df.clinician_id) == {"T1", "T2"}  # T3 is inactive and idle; T9 is out of scope
    weeks = pd.date_range("2026-08-31", "2026-11-16", freq="7D")
    for clin in ("T1", "T2"):
        assert list(df[df.clinician_id == clin].week_start) == list(weeks)
    t2 = df[df.clinician_id == "T2"]
    assert (t2.attended_sessions == 0).all() and (t2.direct_hours == 0).all() and (t2.active_caseload == 0).all()
    assert t2.no_show_rate.isna().all() and t2.median_note_lag_hours.isna().all()
    assert (t2.fte == 1.0).all() and (t2.direct_hours_target == 25.0).all() and t2.caseload_target.isna().all()


def test_weekly_load_current_week(load_db):
    df = run_model(load_db, "clinician_weekly_load", ["T1"])
    w0 = one(df, week_start=pd.Timestamp("2026-11-16"))
    assert w0.attended_sessions == 8  # the 23 Nov session is after as_of
    assert w0.direct_hours == pytest.approx((6 * 60 + 50 + 30) / 60)
    assert w0.no_show_rate == pytest.approx(2 / 10)
    # lags 72, 72.0167, 10.15, 8.5, 2, 21.98, 18 (the note signed after as_of is left out)
    assert w0.median_note_lag_hours == pytest.approx(18.0)
    assert w0.late_notes == 1  # 72 h is on time, 72 h + 1 min is late
    assert w0.after_hours_notes == 3  # 20:00, 06:59 and Saturday; not 19:59 or 07:00
    assert w0.unsigned_notes == 1
    assert w0.fte == 0.8 and w0.caseload_target == 2 and w0.direct_hours_target == pytest.approx(20.0)
    # a session or a signed note on each of the 7 days
    assert w0.days_worked == 7 and bool(w0.no_day_off)
    assert w0.week_end == pd.Timestamp("2026-11-22")


def test_weekly_load_earlier_weeks_caseload_and_acuity(load_db):
    df = run_model(load_db, "clinician_weekly_load", ["T1"]).set_index("week_start")
    w1 = df.loc[pd.Timestamp("2026-11-09")]
    assert (w1.attended_sessions, w1.direct_hours, w1.after_hours_notes) == (2, 2.0, 0)
    assert w1.no_show_rate == 0.0 and w1.days_worked == 2 and not w1.no_day_off
    # active at week end: C1, C2 (intake 20 Nov) in W0; C3 discharged on 15 Nov is gone by the end of W-1;
    # C4 is paused; C5 starts after as_of
    caseload = df.active_caseload
    assert caseload[pd.Timestamp("2026-11-16")] == 2
    assert caseload[pd.Timestamp("2026-11-09")] == 1
    assert caseload[pd.Timestamp("2026-11-02")] == 2
    assert caseload[pd.Timestamp("2026-10-26")] == 2  # C1's intake day is the week's last day
    assert caseload[pd.Timestamp("2026-10-19")] == 1
    assert caseload[pd.Timestamp("2026-09-21")] == 0
    acuity = df.high_acuity_share
    assert acuity[pd.Timestamp("2026-11-16")] == pytest.approx(0.5)  # C1's 20 counts, C2's 19 does not
    assert acuity[pd.Timestamp("2026-11-09")] == pytest.approx(1.0)  # C1's 20 (10 Nov)
    assert acuity[pd.Timestamp("2026-11-02")] == pytest.approx(0.5)  # C3's risk item; C1 has no PHQ-9 yet
    assert pd.isna(acuity[pd.Timestamp("2026-09-21")])  # nobody on the caseload
    w2 = df.loc[pd.Timestamp("2026-11-02")]
    assert w2.attended_sessions == 0 and pd.isna(w2.no_show_rate) and pd.isna(w2.median_note_lag_hours)


def test_weekly_load_ignores_what_happened_after_as_of(load_db):
    df = run_model(load_db, "clinician_weekly_load", ["T1"], as_of=date(2026, 11, 19))
    w0 = one(df, week_start=pd.Timestamp("2026-11-16"))
    assert w0.week_end == pd.Timestamp("2026-11-19")
    # sessions 16, 17, 18 (x2) Nov; notes signed by the end of 19 Nov: 16 (72 h), 18 (06:59 and 07:00)
    assert w0.attended_sessions == 4 and w0.unsigned_notes == 1 and w0.late_notes == 0
    assert w0.after_hours_notes == 1
    assert w0.active_caseload == 1  # C2's intake is on 20 Nov


# --------------------------------------------------------------------------- workload signals


@pytest.fixture
def signals_db(tmp_path, db) -> Paths:
    p = Practice()
    p.clinician("TA", fte="0.2", target="1")  # 5 h target; caseload target 1 (signal above 1.1)
    p.clinician("TB", fte="1.0", target="0")  # caseload target 0: never CASELOAD_OVER_TARGET
    p.clinician("TC", fte="1.0", target="10")  # 11 clients = exactly 110%: not over
    p.clinician("TD", fte="1.0", target="10")  # 12 clients: over
    p.clinician("TE", fte="1.0", target="")  # 3 of 10 clients high acuity = exactly 30%: not past
    p.client("A1", "TA")
    p.client("A2", "TA")
    p.measure("A1", "PHQ-9", "2026-09-01", 22, risk="0")  # 1 of 2 high acuity = 50% > 30%
    p.client("B1", "TB")
    p.measure("B1", "PHQ-9", "2026-09-01", 5, risk="0")
    for i in range(11):
        p.client(f"CC{i}", "TC")
    for i in range(12):
        p.client(f"DD{i}", "TD")
    for i in range(10):
        p.client(f"EE{i}", "TE")
    for i in range(3):
        p.measure(f"EE{i}", "PHQ-9", "2026-09-01", 25, risk="0")
    # TA, W-2: 6 one-hour sessions, 3 notes late (72 h 1 min, daytime Thursday), 3 on time
    for h in (9, 11, 13):
        p.session("A1", "TA", f"2026-11-02 {h:02d}:00", note=f"2026-11-05 {h + 1:02d}:01")
        p.session("A2", "TA", f"2026-11-03 {h:02d}:00", note=f"2026-11-03 {h + 2:02d}:00")
    # TA, W-1: 6 sessions, 3 notes signed after hours
    for h in (9, 11, 13):
        p.session("A1", "TA", f"2026-11-09 {h:02d}:00", note=f"2026-11-09 21:{h:02d}")
        p.session("A2", "TA", f"2026-11-10 {h:02d}:00", note=f"2026-11-10 {h + 2:02d}:00")
    # TA, W0: 6 sessions, 3 late notes (signed Thursday daytime) and 3 after hours
    for h in (9, 11, 13):
        p.session("A1", "TA", f"2026-11-16 {h:02d}:00", note=f"2026-11-19 {h + 1:02d}:30")
    p.session("A2", "TA", "2026-11-17 09:00", note="2026-11-17 20:00")
    p.session("A2", "TA", "2026-11-17 11:00", note="2026-11-18 06:00")
    p.session("A2", "TA", "2026-11-20 13:00", note="2026-11-21 10:00")  # Saturday
    # TB: 4 late notes in W-1 only, 2 in W-2 and W0 (below 3); after hours 3 in W-2 only;
    # no-show rate 2/7 in W-2, exactly 20% in W-1 (not past), 0% in W0 (cancellations don't count).
    # Late notes are signed 74 h after the session ended, on a Thursday or Friday at midday.
    for d in (2, 3):
        p.session("B1", "TB", f"2026-11-0{d} 09:00", note=f"2026-11-0{d + 3} 12:00")
    p.session("B1", "TB", "2026-11-02 11:00", note="2026-11-02 22:00")
    p.session("B1", "TB", "2026-11-02 13:00", status="no_show")
    p.session("B1", "TB", "2026-11-03 13:00", status="no_show")
    p.session("B1", "TB", "2026-11-05 09:00", note="2026-11-05 22:00")
    p.session("B1", "TB", "2026-11-06 09:00", note="2026-11-06 23:00")
    for d in (9, 10):
        for h in (9, 11):
            p.session("B1", "TB", f"2026-11-{d:02d} {h:02d}:00", note=f"2026-11-{d + 3:02d} {h + 3:02d}:00")
    p.session("B1", "TB", "2026-11-13 10:00", status="late_cancel")
    for d in (16, 17):
        p.session("B1", "TB", f"2026-11-{d} 09:00", note=f"2026-11-{d + 3} 12:00")
    p.session("B1", "TB", "2026-11-18 10:00", status="cancelled")
    p.session("B1", "TB", "2026-11-18 11:00", status="clinician_cancel")
    # TC: no-show load in W-1 (1 of 4) and W0 (1 of 3): 2 of 3 weeks
    for d in (9, 10, 11):
        p.session("CC0", "TC", f"2026-11-{d} 09:00", note=f"2026-11-{d} 12:00")
    p.session("CC0", "TC", "2026-11-12 09:00", status="no_show")
    for d in (16, 17):
        p.session("CC0", "TC", f"2026-11-{d} 09:00", note=f"2026-11-{d} 12:00")
    p.session("CC0", "TC", "2026-11-18 09:00", status="late_cancel")
    # homework (for the scope test): B1 completes four in a row, a suggested win for TB
    p.homework("A1", "TA", "2026-11-02", "partial", "2026-11-09", "2")
    for d in (2, 3, 4, 5):
        p.homework("B1", "TB", f"2026-11-0{d}", "completed", f"2026-11-1{d}", "3")
    return p.load(tmp_path / "csv", db)


SIGNAL_COLUMNS = ["clinician_id", "signal", "weeks_past", "window_weeks", "latest_value", "threshold", "reason"]


def test_signals_fire_in_two_of_three_weeks(signals_db):
    df = run_model(signals_db, "workload_signals", ["TA", "TB", "TC", "TD", "TE"])
    assert list(df.columns[: len(SIGNAL_COLUMNS)]) == SIGNAL_COLUMNS
    fired = set(zip(df.clinician_id, df.signal, strict=True))
    assert fired == {
        ("TA", "HIGH_DIRECT_HOURS"),
        ("TA", "CASELOAD_OVER_TARGET"),
        ("TA", "LATE_NOTES"),
        ("TA", "AFTER_HOURS_NOTES"),
        ("TA", "HIGH_ACUITY"),
        ("TC", "NO_SHOW_LOAD"),
        ("TD", "CASELOAD_OVER_TARGET"),
    }
    late = one(df, clinician_id="TA", signal="LATE_NOTES")
    assert (late.weeks_past, late.window_weeks, late.latest_value, late.threshold) == (2, 3, 3.0, 3.0)
    assert "late notes in 2 of the last 3 weeks (3, 0, 3)" in late.reason
    assert "more than 72 h after the session" in late.reason and "heuristic" in late.reason
    after = one(df, clinician_id="TA", signal="AFTER_HOURS_NOTES")
    assert after.weeks_past == 2 and "(0, 3, 3)" in after.reason and "20:00-07:00" in after.reason
    hours = one(df, clinician_id="TA", signal="HIGH_DIRECT_HOURS")
    assert (hours.weeks_past, hours.latest_value, hours.threshold) == (3, 6.0, 5.0)
    caseload = one(df, clinician_id="TA", signal="CASELOAD_OVER_TARGET")
    assert (caseload.weeks_past, caseload.latest_value, caseload.threshold) == (3, 2.0, pytest.approx(1.1))
    acuity = one(df, clinician_id="TA", signal="HIGH_ACUITY")
    assert acuity.latest_value == pytest.approx(0.5) and "(50%, 50%, 50%)" in acuity.reason
    no_show = one(df, clinician_id="TC", signal="NO_SHOW_LOAD")
    assert no_show.weeks_past == 2 and no_show.latest_value == pytest.approx(1 / 3)
    assert "(none scheduled, 25%, 33%)" in no_show.reason
    assert (df.kind == "heuristic").all()
    assert df.reason.str.contains("not a diagnosis").all()


def test_signals_in_one_of_three_weeks_do_not_fire(signals_db):
    # TB: late notes (2, 4, 2), after hours (3, 0, 0), no-show rate (29%, 20%, 0%): one week each
    load = run_model(signals_db, "clinician_weekly_load", ["TB"]).set_index("week_start").iloc[-3:]
    assert list(load.late_notes) == [2, 4, 2]
    assert list(load.after_hours_notes) == [3, 0, 0]
    assert list(load.no_show_rate) == pytest.approx([2 / 7, 0.2, 0.0])
    assert run_model(signals_db, "workload_signals", ["TB"]).empty
    # TC: caseload exactly 110% of its target is not past
    tc = run_model(signals_db, "clinician_weekly_load", ["TC"]).iloc[-1]
    assert tc.active_caseload == 11 and tc.caseload_target == 10
    assert set(run_model(signals_db, "workload_signals", ["TC"]).signal) == {"NO_SHOW_LOAD"}
    # TE: exactly 30% high acuity is not past
    te = run_model(signals_db, "clinician_weekly_load", ["TE"]).iloc[-1]
    assert te.active_caseload == 10 and te.high_acuity_share == pytest.approx(0.3)
    assert run_model(signals_db, "workload_signals", ["TE"]).empty


def test_signal_window_ends_at_as_of(signals_db):
    # as of Sunday 15 Nov the window is 26 Oct - 15 Nov: TA's late notes (0, 3, 0) are 1 of 3
    df = run_model(signals_db, "workload_signals", ["TA"], as_of=date(2026, 11, 15))
    assert "LATE_NOTES" not in set(df.signal)
    assert one(df, signal="HIGH_DIRECT_HOURS").weeks_past == 2  # 0 h, 6 h, 6 h


# --------------------------------------------------------------------------- suggested wins


@pytest.fixture
def wins_db(tmp_path, db) -> Paths:
    p = Practice()
    for c in ("TA", "TN", "TX"):
        p.clinician(c)
    for c in ("W1", "W2", "W3", "W4", "W5"):
        p.client(c, "TA")
    p.client("N1", "TN")
    p.client("X1", "TX")
    # W1: PHQ-9 18 -> 14 -> 11 (reliable improvement: 7 >= 6) -> 9 (out of caseness)
    p.measure("W1", "PHQ-9", "2026-09-01", 18)
    p.measure("W1", "PHQ-9", "2026-10-01", 14)
    p.measure("W1", "PHQ-9", "2026-11-10", 11)
    p.measure("W1", "PHQ-9", "2026-11-20", 9)
    p.measure("W1", "PHQ-9", "2026-11-23", 2)  # after as_of
    # W2: PHQ-9 15 -> 10: 5 points (not reliable), still in caseness
    p.measure("W2", "PHQ-9", "2026-09-01", 15)
    p.measure("W2", "PHQ-9", "2026-11-15", 10)
    # W3: reliable improvement and recovery on GAD-7 happened before the window
    p.measure("W3", "GAD-7", "2026-09-01", 15)
    p.measure("W3", "GAD-7", "2026-10-01", 5)
    p.measure("W3", "GAD-7", "2026-11-15", 2)
    # goals: W1's G1 2 -> 4 -> 5 (+3 on 15 Nov); W2's G2 3 -> 5 (+2)
    p.goal("G1", "W1", value="connection")
    p.goal("G2", "W2", value="health")
    p.measure("W1", "GOAL", "2026-10-01", 2, goal="G1")
    p.measure("W1", "GOAL", "2026-11-01", 4, goal="G1")
    p.measure("W1", "GOAL", "2026-11-15", 5, goal="G1")
    p.measure("W2", "GOAL", "2026-10-01", 3, goal="G2")
    p.measure("W2", "GOAL", "2026-11-15", 5, goal="G2")
    # homework: W1 completes, partial breaks the run, then four in a row (the 4th reviewed 14 Nov)
    for assigned, status, reviewed in [
        ("2026-10-26", "completed", "2026-11-02"), ("2026-11-02", "completed", "2026-11-09"),
        ("2026-11-03", "partial", "2026-11-10"), ("2026-11-04", "completed", "2026-11-11"),
        ("2026-11-05", "completed", "2026-11-12"), ("2026-11-06", "completed", "2026-11-13"),
        ("2026-11-07", "completed", "2026-11-14"), ("2026-11-08", "completed", "2026-11-15"),
    ]:
        p.homework("W1", "TA", assigned, status, reviewed, "3")
    # W2: three completed, not_done, one completed, then a 4th-in-a-row reviewed only after as_of
    for assigned, status, reviewed in [
        ("2026-10-26", "completed", "2026-11-02"), ("2026-11-02", "completed", "2026-11-03"),
        ("2026-11-03", "completed", "2026-11-04"), ("2026-11-04", "not_done", "2026-11-05"),
        ("2026-11-05", "completed", "2026-11-06"), ("2026-11-06", "completed", "2026-11-07"),
        ("2026-11-07", "completed", "2026-11-08"), ("2026-11-08", "completed", "2026-11-23"),
    ]:
        p.homework("W2", "TA", assigned, status, reviewed, "3")
    # back after a gap: W1 28 days (8 Oct -> 5 Nov) counts; W2 27 days does not;
    # W4 returns on 26 Oct (inside the 28-day window), W5 on 25 Oct (outside it)
    for c, days in [("W1", ["2026-10-01", "2026-10-08", "2026-11-05"]), ("W2", ["2026-10-10", "2026-11-06"]),
                    ("W4", ["2026-09-01", "2026-10-26"]), ("W5", ["2026-08-20", "2026-10-25"])]:
        for d in days:
            p.session(c, "TA", f"{d} 15:00")  # no notes: TA never has a week of notes on time
    # TN: week of 9 Nov, 5 sessions, every note within 72 h (one exactly 72 h) -> a win on 13 Nov;
    # week of 2 Nov: 4 sessions (too few); week of 16 Nov: one note 72 h + 1 min (not all on time)
    for d in (9, 10, 11, 12):
        p.session("N1", "TN", f"2026-11-{d} 09:00", note=f"2026-11-{d} 12:00")
    p.session("N1", "TN", "2026-11-10 14:00", note="2026-11-13 15:00")  # exactly 72 h after 15:00
    for d in (2, 3, 4, 5):
        p.session("N1", "TN", f"2026-11-0{d} 09:00", note=f"2026-11-0{d} 12:00")
    for d in (16, 17, 18, 19):
        p.session("N1", "TN", f"2026-11-{d} 09:00", note=f"2026-11-{d} 12:00")
    p.session("N1", "TN", "2026-11-16 14:00", note="2026-11-19 15:01")
    # TX (outside the scope used below) has a win of its own
    p.measure("X1", "PHQ-9", "2026-09-01", 20)
    p.measure("X1", "PHQ-9", "2026-11-20", 5)
    return p.load(tmp_path / "csv", db)


def test_suggested_wins(wins_db):
    df = run_model(wins_db, "suggested_wins", ["TA", "TN"])
    assert list(df.columns[:7]) == [
        "suggestion_id", "kind", "clinician_id", "client_id", "category", "occurred_on", "text",
    ]
    got = {(r.kind, r.client_id if isinstance(r.client_id, str) else r.clinician_id, r.occurred_on.date())
           for r in df.itertuples()}
    assert got == {
        ("reliable_improvement", "W1", date(2026, 11, 10)),
        ("recovery", "W1", date(2026, 11, 20)),
        ("goal_progress", "W1", date(2026, 11, 15)),
        ("homework_streak", "W1", date(2026, 11, 14)),
        ("back_after_gap", "W1", date(2026, 11, 5)),
        ("back_after_gap", "W4", date(2026, 10, 26)),
        ("notes_on_time_week", "TN", date(2026, 11, 13)),
    }
    ri = one(df, kind="reliable_improvement")
    assert ri.text == "A client reached reliable improvement on PHQ-9 (18 → 11)."
    assert one(df, kind="recovery").text == "A client moved out of the clinical range on PHQ-9 (18 → 9)."
    assert one(df, kind="goal_progress").text == "A client's rating on a goal (connection) rose from 2 to 5."
    assert one(df, kind="back_after_gap", client_id="W1").text == "A client came back to sessions after 28 days away."
    notes = one(df, kind="notes_on_time_week")
    assert notes.clinician_id == "TN" and pd.isna(notes.client_id) and notes.category == "professional"
    assert "week of Mon 9 Nov (5 sessions)" in notes.text
    client_rows = df[df.kind != "notes_on_time_week"]
    assert (client_rows.category == "client_progress").all() and (client_rows.clinician_id == "TA").all()
    # de-identified: no client id in any text
    for text in df.text:
        assert not re.search(r"\b(W\d|N1|X1)\b", text), text
    # stable and unique ids
    again = run_model(wins_db, "suggested_wins", ["TA", "TN"])
    assert df.suggestion_id.is_unique and list(again.suggestion_id) == list(df.suggestion_id)


def test_suggested_wins_scope_and_as_of(wins_db):
    assert set(run_model(wins_db, "suggested_wins", ["TA", "TN", "TX"]).clinician_id) == {"TA", "TN", "TX"}
    # as of 12 Nov: W1's reliable improvement (10 Nov) is there, recovery (20 Nov) and goal (15 Nov) are not yet
    early = run_model(wins_db, "suggested_wins", ["TA"], as_of=date(2026, 11, 12))
    kinds = set(zip(early.kind, early.client_id, strict=True))
    assert ("reliable_improvement", "W1") in kinds
    assert ("recovery", "W1") not in kinds and ("goal_progress", "W1") not in kinds
    assert ("homework_streak", "W1") not in kinds  # only 3 in a row by 12 Nov


# --------------------------------------------------------------------------- scope


def test_rows_never_include_clinicians_outside_the_scope(signals_db):
    full = ["TA", "TB", "TC", "TD", "TE"]
    for model in MODELS:
        everyone = run_model(signals_db, model, full)
        df = run_model(signals_db, model, ["TA"])
        if "clinician_id" in df.columns:
            assert len(set(everyone.clinician_id)) > 1, model  # the fixture has rows for others
            assert set(df.clinician_id) <= {"TA"}, model
        if "client_id" in df.columns:
            assert set(df.client_id.dropna()) <= {"A1", "A2"}, model
        assert run_model(signals_db, model, []).empty, model


# --------------------------------------------------------------------------- sample practice


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Paths:
    db = paths(tmp_path_factory.mktemp("sample") / "momentum.duckdb")
    result = ingest([REPO / "sample_data"], db, audit=False)
    assert all(f.status == "loaded" for f in result.files)
    return db


@pytest.fixture(scope="module")
def sample_scope(sample_db) -> list[str]:
    con = duckdb.connect(str(sample_db.data_db), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT clinician_id FROM clinicians ORDER BY 1").fetchall()]
    finally:
        con.close()


def test_every_model_on_the_sample_practice(sample_db, sample_scope):
    out = {m: run_model(sample_db, m, sample_scope) for m in MODELS}  # timings: python -m pipelines bench models
    for name, df in out.items():
        assert not df.empty, name
    hw = out["homework_by_clinician"]
    assert hw.completion_rate.between(0, 1).all() and hw.mean_quality.between(0, 4).all()
    assert (hw.reviewed <= hw.assigned).all() and (hw.completed + hw.partial <= hw.reviewed).all()
    assert out["homework_by_client"].assigned.sum() == hw.assigned.sum() == out["homework_by_category"].assigned.sum()
    load = out["clinician_weekly_load"]
    assert (load.groupby("clinician_id").size() == 12).all()
    assert load.week_start.max() == pd.Timestamp("2026-11-16")
    assert load.no_show_rate.dropna().between(0, 1).all() and load.high_acuity_share.dropna().between(0, 1).all()
    assert (load.attended_sessions > 0).any() and (load.active_caseload > 0).any()
    signals = out["workload_signals"]
    assert {"LATE_NOTES", "AFTER_HOURS_NOTES"} <= set(signals.signal)
    assert signals.reason.notna().all() and (signals.weeks_past >= 2).all()
    wins = out["suggested_wins"]
    assert {"client_progress", "professional"} <= set(wins.category)
    assert wins.occurred_on.between(pd.Timestamp("2026-10-26"), pd.Timestamp("2026-11-22")).all()
    assert wins.suggestion_id.is_unique
    assert not wins.text.str.contains(r"C\d{5}").any()


def test_signals_agree_with_the_weekly_load_on_the_sample_practice(sample_db, sample_scope):
    """The signal model repeats the weekly-load CTEs; recompute its verdicts from the weekly model."""
    load = run_model(sample_db, "clinician_weekly_load", sample_scope)
    last = load[load.week_start >= pd.Timestamp("2026-11-02")]
    th = {k: t.value for k, t in THRESHOLDS.items()}
    past = pd.DataFrame({
        "clinician_id": last.clinician_id,
        "HIGH_DIRECT_HOURS": last.direct_hours > last.direct_hours_target,
        "CASELOAD_OVER_TARGET": (last.caseload_target > 0)
        & (last.active_caseload > th["caseload_over_fraction"] * last.caseload_target),
        "LATE_NOTES": last.late_notes >= th["late_notes_signal"],
        "AFTER_HOURS_NOTES": last.after_hours_notes >= th["after_hours_signal"],
        "NO_SHOW_LOAD": last.no_show_rate.fillna(0) > th["no_show_rate_signal"],
        "HIGH_ACUITY": last.high_acuity_share.fillna(0) > th["high_acuity_share_signal"],
    }).groupby("clinician_id").sum()
    expected = {(c, s, int(n)) for c, row in past.iterrows() for s, n in row.items() if n >= th["signal_weeks"]}
    signals = run_model(sample_db, "workload_signals", sample_scope)
    assert set(zip(signals.clinician_id, signals.signal, signals.weeks_past, strict=True)) == expected
    latest = load[load.week_start == pd.Timestamp("2026-11-16")].set_index("clinician_id")
    for r in signals[signals.signal == "LATE_NOTES"].itertuples():
        assert r.latest_value == latest.late_notes[r.clinician_id]


def test_homework_outcome_and_drops_are_the_per_client_models_joined(sample_db, sample_scope):
    """The homework page's chart points and dropping table, worked from the per-client models they read:
    each client's completion beside their primary measure's change over its reliable-change threshold, and
    every HOMEWORK_DROP flag beside the client's completion; for the whole practice (the refresh's stored
    answer) and for one clinician (computed from the marts)."""
    busiest = run_model(sample_db, "homework_by_client", sample_scope).clinician_id.value_counts().index[0]
    for scope in (sample_scope, [busiest]):
        hw = run_model(sample_db, "homework_by_client", scope)
        outcomes = run_model(sample_db, "client_outcomes", scope)
        courses = run_model(sample_db, "course_outcomes", scope)
        primary = outcomes[outcomes.goal_id.isna() & (outcomes.n_scores >= 2)].merge(
            courses[["client_id", "primary_measure"]].dropna(),
            left_on=["client_id", "measure"], right_on=["client_id", "primary_measure"])
        expected = hw.merge(primary.assign(change_rc=primary.change / primary.rc_threshold), on="client_id")
        expected = expected.dropna(subset=["completion_rate", "change_rc"]).sort_values("client_id")
        points = run_model(sample_db, "homework_outcome", scope)
        assert len(points) == len(expected) > 0, scope
        assert list(points.client_id) == list(expected.client_id)
        assert list(points.primary_measure) == list(expected.primary_measure)
        assert list(points.reviewed) == list(expected.reviewed)
        assert points.completion_rate.tolist() == pytest.approx(expected.completion_rate.tolist())
        assert points.change_rc.tolist() == pytest.approx(expected.change_rc.tolist())

        flags = run_model(sample_db, "active_flags", scope)
        drops = flags[flags.flag == "HOMEWORK_DROP"].merge(hw[["client_id", "completion_rate", "last4_completion"]],
                                                           on="client_id", how="left")
        table = run_model(sample_db, "homework_drops", scope)
        assert sorted(zip(table.client_id, table.reason, strict=True)) == sorted(
            zip(drops.client_id, drops.reason, strict=True))
        assert list(table.since) == sorted(table.since)
        assert table.set_index("client_id").last4_completion.to_dict() == pytest.approx(
            drops.set_index("client_id").last4_completion.to_dict())
    assert not run_model(sample_db, "homework_drops", sample_scope).empty  # the sample has clients dropping
