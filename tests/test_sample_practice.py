"""The synthetic practice generator (pipelines/synthetic/sample_practice.py).

Small practices are generated into tmp folders and the written CSV files are
checked against the data contract (design §2) and the clinical definitions the
trajectory labels promise (design §4).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines import clock
from pipelines.synthetic.sample_practice import (
    COLUMNS,
    TABLES,
    TRAJECTORIES,
    Practice,
    PracticeSpec,
    generate_practice,
)

AS_OF = dt.date(2026, 3, 15)

# The contract's columns, in order (design §2). Kept literally here so that a
# change in the module cannot silently change the files.
CONTRACT = {
    "clinicians": "clinician_id,name,role,supervisor_id,team,fte,caseload_target,active",
    "clients": "client_id,clinician_id,intake_date,discharge_date,status,presenting_problem",
    "sessions": "session_id,client_id,clinician_id,start,duration_min,status,session_type,"
    "modality,note_signed_at",
    "goals": "goal_id,client_id,created_at,description,value,status",
    "measures": "client_id,measure,administered_at,score,risk_item,goal_id,session_id",
    "homework": "assignment_id,client_id,clinician_id,assigned_at,due_at,category,status,"
    "reviewed_at,quality",
    "wins": "win_id,posted_by,posted_at,category,text,client_id",
}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
DATE_COLS = {
    "clients": ["intake_date", "discharge_date"],
    "goals": ["created_at"],
    "homework": ["assigned_at", "due_at", "reviewed_at"],
}
DATETIME_COLS = {
    "sessions": ["start", "note_signed_at"],
    "measures": ["administered_at"],
    "wins": ["posted_at"],
}
RANGES = {"PHQ-9": (0, 27), "GAD-7": (0, 21), "ORS": (0, 40), "SRS": (0, 40), "GOAL": (0, 10)}


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The written CSVs as text (empty string = missing)."""
    return {t: pd.read_csv(folder / f"{t}.csv", dtype=str, keep_default_na=False) for t in TABLES}


def written(spec: PracticeSpec, folder: Path) -> tuple[Practice, dict[str, pd.DataFrame]]:
    practice = generate_practice(spec)
    counts = practice.write(folder)
    tables = read_tables(folder)
    assert counts == {t: len(tables[t]) for t in TABLES}
    return practice, tables


@pytest.fixture(scope="module")
def small(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Practice, dict[str, pd.DataFrame], Path]:
    folder = tmp_path_factory.mktemp("small")
    practice, tables = written(PracticeSpec(seed=11, clinicians=8, months=6, as_of=AS_OF), folder)
    return practice, tables, folder


@pytest.fixture(scope="module")
def mid(tmp_path_factory: pytest.TempPathFactory) -> tuple[Practice, dict[str, pd.DataFrame]]:
    folder = tmp_path_factory.mktemp("mid")
    practice, tables = written(PracticeSpec(seed=3, clinicians=12, months=12, as_of=AS_OF), folder)
    return practice, tables


def ts(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.replace("", None), format="%Y-%m-%d %H:%M:%S")


def day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.replace("", None), format="%Y-%m-%d")


def phq_course(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per client: PHQ-9 baseline (first on/after intake), latest, n, last-4 span."""
    m = tables["measures"].merge(tables["clients"][["client_id", "intake_date"]], on="client_id")
    m = m[m.measure == "PHQ-9"].copy()
    m["t"] = ts(m.administered_at)
    m = m[m.t >= day(m.intake_date)].sort_values(["client_id", "t"])
    m["score"] = m.score.astype(float)
    g = m.groupby("client_id").score
    tail = m.groupby("client_id").tail(4).groupby("client_id").score
    return pd.DataFrame(
        {
            "baseline": g.first(),
            "latest": g.last(),
            "n": g.size(),
            "span4": tail.max() - tail.min(),
            "n4": tail.size(),
        }
    )


# --------------------------------------------------------------------------
# Determinism and file format
# --------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    spec = dict(clinicians=6, months=4, as_of=AS_OF)
    generate_practice(PracticeSpec(seed=5, **spec)).write(tmp_path / "a")
    generate_practice(PracticeSpec(seed=5, **spec)).write(tmp_path / "b")
    generate_practice(PracticeSpec(seed=6, **spec)).write(tmp_path / "c")
    for t in TABLES:
        a = (tmp_path / "a" / f"{t}.csv").read_bytes()
        assert a == (tmp_path / "b" / f"{t}.csv").read_bytes(), t
    differs = [
        t
        for t in TABLES
        if (tmp_path / "a" / f"{t}.csv").read_bytes() != (tmp_path / "c" / f"{t}.csv").read_bytes()
    ]
    assert {"clients", "sessions", "measures"} <= set(differs)


def test_exact_headers_and_column_order(small) -> None:
    _, tables, folder = small
    assert set(COLUMNS) == set(TABLES) == set(CONTRACT)
    for t in TABLES:
        assert ",".join(COLUMNS[t]) == CONTRACT[t]
        first = (folder / f"{t}.csv").read_bytes().split(b"\n", 1)[0]
        assert first.decode("utf-8") == CONTRACT[t]
        assert list(tables[t].columns) == CONTRACT[t].split(",")
        assert list(small[0].tables[t].columns) == CONTRACT[t].split(",")


def test_file_encoding_line_endings_and_cell_formats(small) -> None:
    _, tables, folder = small
    for t in TABLES:
        raw = (folder / f"{t}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
        assert b"\r" not in raw, "LF line endings"
        assert raw.endswith(b"\n")
        raw.decode("utf-8")
        with open(folder / f"{t}.csv", newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert all(len(r) == len(COLUMNS[t]) for r in rows)
        frame = tables[t]
        for col in frame.columns:
            assert not frame[col].isin(["nan", "NaN", "None", "NaT", "<NA>", "null"]).any(), col
        for col in DATE_COLS.get(t, []):
            vals = frame[col][frame[col] != ""]
            assert vals.str.match(DATE_RE).all(), (t, col)
        for col in DATETIME_COLS.get(t, []):
            vals = frame[col][frame[col] != ""]
            assert vals.str.match(DATETIME_RE).all(), (t, col)
    assert set(tables["clinicians"].active) <= {"true", "false"}
    for t, col in [
        ("sessions", "duration_min"),
        ("measures", "score"),
        ("clinicians", "caseload_target"),
    ]:
        assert tables[t][col].str.fullmatch(r"\d+").all(), (t, col)


def test_ids_are_unique_codes(small) -> None:
    _, tables, _ = small
    patterns = {
        ("clinicians", "clinician_id"): r"T\d{3,}",
        ("clients", "client_id"): r"C\d{5,}",
        ("sessions", "session_id"): r"S\d{7,}",
        ("goals", "goal_id"): r"G\d{6,}",
        ("homework", "assignment_id"): r"H\d{7,}",
        ("wins", "win_id"): r"W\d{5,}",
    }
    for (t, col), pattern in patterns.items():
        ids = tables[t][col]
        assert ids.is_unique, (t, col)
        assert ids.str.fullmatch(pattern).all(), (t, col)


# --------------------------------------------------------------------------
# Referential integrity and dates
# --------------------------------------------------------------------------


def check_references(tables: dict[str, pd.DataFrame], trajectories: pd.DataFrame) -> None:
    staff = set(tables["clinicians"].clinician_id)
    clients = tables["clients"].set_index("client_id")
    sup = tables["clinicians"].supervisor_id
    assert set(sup[sup != ""]) <= staff
    assert set(clients.clinician_id) <= staff
    s = tables["sessions"]
    assert set(s.client_id) <= set(clients.index)
    assert set(s.clinician_id) <= staff
    g = tables["goals"]
    assert set(g.client_id) <= set(clients.index)
    m = tables["measures"]
    assert set(m.client_id) <= set(clients.index)
    goal_owner = g.set_index("goal_id").client_id
    with_goal = m[m.goal_id != ""]
    assert with_goal.goal_id.isin(goal_owner.index).all()
    assert (goal_owner.loc[with_goal.goal_id].to_numpy() == with_goal.client_id.to_numpy()).all()
    linked = m[m.session_id != ""].merge(
        s[["session_id", "client_id", "start", "status"]], on="session_id", suffixes=("", "_s")
    )
    assert len(linked) == (m.session_id != "").sum()
    assert (linked.client_id == linked.client_id_s).all()
    assert (linked.administered_at == linked.start).all()
    assert (linked.status == "attended").all()
    h = tables["homework"]
    assert set(h.client_id) <= set(clients.index)
    assert set(h.clinician_id) <= staff
    w = tables["wins"]
    assert set(w.posted_by) <= staff
    linked_w = w[w.client_id != ""]
    assert linked_w.client_id.isin(clients.index).all()
    assert (
        clients.clinician_id.loc[linked_w.client_id].to_numpy() == linked_w.posted_by.to_numpy()
    ).all()
    assert (linked_w.category == "client_progress").all()
    assert list(trajectories.columns) == ["client_id", "clinician_id", "trajectory"]
    assert list(trajectories.client_id) == list(clients.index)
    assert list(trajectories.clinician_id) == list(clients.clinician_id)
    assert set(trajectories.trajectory) <= set(TRAJECTORIES)


def test_every_reference_is_valid(small, mid) -> None:
    check_references(small[1], small[0].trajectories)
    check_references(mid[1], mid[0].trajectories)


def check_dates(tables: dict[str, pd.DataFrame], as_of: dt.date, months: int) -> None:
    as_of_ts = pd.Timestamp(as_of)
    end = as_of_ts + pd.Timedelta(days=1)  # datetimes on the as-of day are fine
    window_start = as_of_ts - pd.DateOffset(months=months) + pd.Timedelta(days=1)
    for t, cols in DATE_COLS.items():
        for col in cols:
            v = day(tables[t][col]).dropna()
            assert (v <= as_of_ts).all(), (t, col)
            assert (v >= window_start).all(), (t, col)
    for t, cols in DATETIME_COLS.items():
        for col in cols:
            v = ts(tables[t][col]).dropna()
            assert (v < end).all(), (t, col)
            assert (v >= window_start).all(), (t, col)

    intake = day(tables["clients"].set_index("client_id").intake_date)
    s = tables["sessions"]
    assert (ts(s.start).to_numpy() >= intake.loc[s.client_id].to_numpy()).all()
    g = tables["goals"]
    assert (day(g.created_at).to_numpy() >= intake.loc[g.client_id].to_numpy()).all()
    h = tables["homework"]
    assert (day(h.assigned_at).to_numpy() >= intake.loc[h.client_id].to_numpy()).all()
    w = tables["wins"][tables["wins"].client_id != ""]
    assert (ts(w.posted_at).to_numpy() >= intake.loc[w.client_id].to_numpy()).all()
    # A few screening scores (about 1% of clients) a few days before intake.
    m = tables["measures"]
    gap = intake.loc[m.client_id].to_numpy() - ts(m.administered_at).dt.normalize().to_numpy()
    early = gap > np.timedelta64(0, "D")
    assert early.sum() <= max(2, 0.02 * len(intake))
    assert (gap[early] <= np.timedelta64(7, "D")).all()
    assert (m[early].measure == "PHQ-9").all() and (m[early].session_id == "").all()


def test_nothing_after_as_of_or_before_the_window_or_intake(small, mid) -> None:
    check_dates(small[1], AS_OF, 6)
    check_dates(mid[1], AS_OF, 12)


# --------------------------------------------------------------------------
# Table-level rules
# --------------------------------------------------------------------------


def test_staff_roles_teams_fte_and_caseloads(mid) -> None:
    _, tables = mid
    c = tables["clinicians"].set_index("clinician_id")
    roles = c.role.value_counts()
    assert roles["manager"] == 1
    assert 2 <= roles["supervisor"] <= 3
    assert set(c.role) == {"manager", "supervisor", "clinician"}
    sups = c.index[c.role == "supervisor"]
    supervisees = c[c.role == "clinician"].supervisor_id
    assert set(supervisees) == set(sups)
    assert (supervisees.value_counts() >= 2).all()
    fte = c.fte.astype(float)
    assert ((fte > 0) & (fte <= 1.5)).all()
    assert set(fte[c.role == "clinician"]) <= {1.0, 0.8, 0.6, 0.5}
    assert c.caseload_target.astype(int).ge(0).all()
    assert c.team[c.role != "manager"].ne("").all()
    assert 1 <= (c.active == "false").sum() <= 3
    assert (c[c.active == "false"].role == "clinician").all()
    cl = tables["clients"]
    active_load = cl[cl.status == "active"].clinician_id.value_counts()
    manager = c.index[c.role == "manager"][0]
    assert manager not in set(cl.clinician_id)
    for sup in sups:
        assert active_load.get(sup, 0) > 0
    # Nobody who left still holds an active client.
    assert not set(cl[cl.status != "discharged"].clinician_id) & set(c.index[c.active == "false"])
    # Some clinicians are visibly overloaded.
    target = c.caseload_target.astype(int)
    ratio = active_load.reindex(c.index, fill_value=0) / target.where(target > 0)
    assert (ratio >= 1.3).sum() >= 1


def test_clients_status_and_discharge(small, mid) -> None:
    for _, tables in (small[:2], mid):
        cl = tables["clients"]
        assert set(cl.status) <= {"active", "paused", "discharged"}
        disc = cl.status == "discharged"
        assert (cl.discharge_date[disc] != "").all()
        assert (cl.discharge_date[~disc] == "").all()
        assert (day(cl.discharge_date[disc]) >= day(cl.intake_date[disc])).all()
        assert set(cl.presenting_problem) <= {
            "depression",
            "anxiety",
            "trauma",
            "relationship",
            "other",
        }
        counts = cl.status.value_counts()
        assert counts["active"] == counts.max()  # most clients are active
    assert set(mid[1]["clients"].status) == {"active", "paused", "discharged"}


def test_sessions_values_and_rates(mid) -> None:
    _, tables = mid
    s = tables["sessions"].copy()
    assert set(s.status) == {"attended", "no_show", "late_cancel", "cancelled", "clinician_cancel"}
    assert set(s.session_type) <= {"intake", "individual", "couple", "family", "group", "other"}
    assert {"intake", "individual", "group", "couple"} <= set(s.session_type)
    assert set(s.modality) == {"in_person", "telehealth"}
    dur = s.duration_min.astype(int)
    assert dur.between(1, 480).all()
    assert dur.isin([45, 50, 60]).mean() > 0.75
    assert (dur[s.session_type == "group"] == 90).all()
    rates = s.status.value_counts(normalize=True)
    assert 0.05 <= rates["no_show"] <= 0.12
    assert 0.03 <= rates["late_cancel"] <= 0.08
    s["t"] = ts(s.start)
    assert s.t.dt.hour.between(8, 18).all()
    assert (s.t.dt.day_of_week < 5).all()
    first = s.sort_values("t").groupby("client_id").head(1)
    assert (first.session_type == "intake").all() and (first.status == "attended").all()
    assert (s.session_type[s.session_type == "intake"].index.isin(first.index)).all()
    # Cadences: weekly and biweekly gaps between consecutive sessions.
    gaps = s.sort_values("t").groupby("client_id").t.diff().dt.days.dropna()
    assert {7, 14} <= set(gaps)


def test_notes_signed_after_start_with_late_and_after_hours_habits(mid) -> None:
    _, tables = mid
    s = tables["sessions"]
    signed = s.note_signed_at != ""
    assert (s.status[signed] == "attended").all()
    assert signed[s.status == "attended"].mean() > 0.95
    a = s[signed]
    start, sign = ts(a.start), ts(a.note_signed_at)
    assert (sign >= start).all()
    lag_h = (sign - start).dt.total_seconds() / 3600
    assert lag_h.median() < 12
    after_hours = (sign.dt.hour >= 20) | (sign.dt.hour < 7) | (sign.dt.day_of_week >= 5)
    by = (
        pd.DataFrame({"c": a.clinician_id, "late": lag_h > 72, "ah": after_hours})
        .groupby("c")
        .mean()
    )
    assert (by.late > 0.25).sum() >= 1  # habitually late notes
    assert (by.late < 0.1).sum() >= len(by) // 2
    assert (by.ah > 0.35).sum() >= 1  # habitually after hours


def test_measures_ranges_risk_item_goal_id_and_natural_key(small, mid) -> None:
    for tables in (small[1], mid[1]):
        m = tables["measures"]
        assert set(m.measure) <= set(RANGES)
        score = m.score.astype(float)
        for code, (lo, hi) in RANGES.items():
            sel = m.measure == code
            assert score[sel].between(lo, hi).all(), code
        risk = m.risk_item != ""
        assert (m.measure[risk] == "PHQ-9").all()
        phq = m.measure == "PHQ-9"
        assert risk[phq].all()
        r = m.risk_item[risk].astype(int)
        assert r.between(0, 3).all()
        assert (r <= score[risk]).all()
        assert (r == 0).mean() > 0.9
        assert ((m.goal_id != "") == (m.measure == "GOAL")).all()
        key = ["client_id", "measure", "administered_at", "goal_id"]
        assert not m.duplicated(key).any()
    m = mid[1]["measures"]
    assert set(m.measure) == set(RANGES)
    srs = m.score[m.measure == "SRS"].astype(int)
    assert (srs >= 36).mean() > 0.8 and (srs < 36).any()
    # PHQ-9 and GAD-7 at every intake session.
    s = mid[1]["sessions"]
    intake = s[s.session_type == "intake"].session_id
    for code in ("PHQ-9", "GAD-7"):
        assert intake.isin(m.session_id[m.measure == code]).all()


def test_goal_ratings_rise_for_improvers(mid) -> None:
    practice, tables = mid
    traj = practice.trajectories.set_index("client_id").trajectory
    m = tables["measures"]
    goal = m[m.measure == "GOAL"].copy()
    goal["t"] = ts(goal.administered_at)
    goal["score"] = goal.score.astype(int)
    goal = goal.sort_values(["goal_id", "t"])
    g = goal.groupby("goal_id")
    course = pd.DataFrame(
        {"first": g.score.first(), "last": g.score.last(), "client": g.client_id.first()}
    )
    improver = course[traj.loc[course.client].to_numpy() == "improver"]
    assert len(improver) > 0
    assert ((improver["last"] - improver["first"]) >= 3).mean() > 0.7
    steps = (
        goal[traj.loc[goal.client_id].to_numpy() == "improver"]
        .groupby("goal_id")
        .score.diff()
        .dropna()
    )
    assert (steps >= 0).all() and steps.max() <= 4


def test_goals(small, mid) -> None:
    for tables in (small[1], mid[1]):
        g = tables["goals"]
        per_client = g.client_id.value_counts()
        assert per_client.between(1, 3).all()
        assert set(per_client.index) == set(tables["clients"].client_id)
        assert set(g.value) <= {"connection", "autonomy", "competence", "health", "meaning"}
        assert set(g.status) <= {"active", "achieved", "dropped"}
        assert not g.duplicated(["client_id", "description"]).any()
        assert (g.description.str.len() <= 60).all()
    assert set(mid[1]["goals"].status) == {"active", "achieved", "dropped"}


def test_homework(small, mid) -> None:
    for tables in (small[1], mid[1]):
        h = tables["homework"]
        assert set(h.category) <= {
            "behavioral_activation", "thought_record", "exposure", "mindfulness",
            "skills_practice", "journaling", "other",
        }  # fmt: skip
        assert set(h.status) <= {"completed", "partial", "not_done", "not_reviewed"}
        reviewed = h.status != "not_reviewed"
        assert ((h.reviewed_at != "") == reviewed).all()
        assert ((h.quality != "") == reviewed).all()
        assert h.quality[reviewed].astype(int).between(0, 4).all()
        assert (day(h.reviewed_at[reviewed]) > day(h.assigned_at[reviewed])).all()
        has_due = h.due_at != ""
        assert (day(h.due_at[has_due]) > day(h.assigned_at[has_due])).all()
    h = mid[1]["homework"]
    assert len(set(h.category)) == 7 and len(set(h.status)) == 4


def test_homework_completion_differs_by_trajectory(mid) -> None:
    practice, tables = mid
    traj = practice.trajectories.set_index("client_id").trajectory
    h = tables["homework"]
    h = h[h.status != "not_reviewed"]
    credit = h.status.map({"completed": 1.0, "partial": 0.5, "not_done": 0.0})
    rate = credit.groupby(traj.loc[h.client_id].to_numpy()).mean()
    assert rate["improver"] > rate["dropout"] + 0.15
    assert rate["improver"] > rate["non_responder"] + 0.15


def test_wins(small, mid) -> None:
    for tables in (small[1], mid[1]):
        w = tables["wins"]
        assert set(w.category) <= {"client_progress", "professional", "self_care", "team"}
        assert (w.text.str.len().between(1, 500)).all()
    w = mid[1]["wins"]
    assert set(w.category) == {"client_progress", "professional", "self_care", "team"}
    assert (w.client_id != "").any() and (w.client_id[w.category == "client_progress"] == "").any()


def test_no_identifying_details(mid) -> None:
    _, tables = mid
    names = tables["clinicians"].name
    assert names.str.fullmatch(r"(Manager|Supervisor|Clinician) [A-Z][a-z]+( \d+)?").all()
    assert names.is_unique
    texts = pd.concat([tables["wins"].text, tables["goals"].description])
    identifying = r"\d{4}-\d{2}|\d{1,2}/\d{1,2}|@|\d{3}[ .-]\d{3,4}|https?:"
    assert not texts.str.contains(identifying, regex=True).any()


# --------------------------------------------------------------------------
# Trajectory labels are honest to the data
# --------------------------------------------------------------------------


def test_every_trajectory_label_is_present(mid) -> None:
    practice, _ = mid
    counts = practice.trajectories.trajectory.value_counts()
    assert set(counts.index) == set(TRAJECTORIES)


def test_labels_match_the_data(mid) -> None:
    practice, tables = mid
    as_of = pd.Timestamp(AS_OF)
    traj = practice.trajectories.set_index("client_id").trajectory
    status = tables["clients"].set_index("client_id").status
    phq = phq_course(tables)
    change = phq.baseline - phq.latest  # positive = better
    s = tables["sessions"].copy()
    s["t"] = ts(s.start)
    s = s.sort_values(["client_id", "t"])
    attended = (
        s[s.status == "attended"].groupby("client_id").agg(n=("t", "size"), last=("t", "max"))
    )
    last2 = s.groupby("client_id").tail(2)
    missed2 = last2.status.isin(["no_show", "late_cancel"]).groupby(last2.client_id).all()

    def of(label: str) -> pd.Index:
        return traj.index[traj == label]

    imp = of("improver")
    assert (change.loc[imp] >= 6).mean() >= 0.9
    assert (status.loc[imp] == "active").all()
    assert ((as_of - attended["last"].loc[imp]).dt.days <= 21).mean() >= 0.9
    assert not missed2.loc[imp].any()

    drop = of("dropout")
    assert ((as_of - attended["last"].loc[drop]).dt.days > 21).all()
    assert missed2.loc[drop].all()

    plateau = of("plateau")
    assert (phq.n4.loc[plateau] == 4).all()
    assert (phq.span4.loc[plateau] < 3).all()
    assert (phq.latest.loc[plateau] >= 10).all()

    det = of("deteriorator")
    assert (change.loc[det] <= -6).all()

    nonresp = of("non_responder")
    assert (attended.n.loc[nonresp] >= 8).all()
    assert (phq.baseline.loc[nonresp] >= 10).all()
    assert (change.loc[nonresp].abs() < 6).all()

    rec = of("recovered_discharged")
    assert (status.loc[rec] == "discharged").all()
    assert (phq.baseline.loc[rec] >= 10).all()
    assert (phq.latest.loc[rec] < 10).all()
    gad = tables["measures"][tables["measures"].measure == "GAD-7"].copy()
    gad["t"] = ts(gad.administered_at)
    gad_latest = gad.sort_values("t").groupby("client_id").score.last().astype(int)
    assert (gad_latest.loc[rec] < 8).all()

    early = of("early_responder")
    assert set(status.loc[early]) <= {"active", "paused"}
    assert (
        status.loc[traj.index[status == "discharged"]].index.isin(rec.union(drop).union(nonresp))
    ).all()


# --------------------------------------------------------------------------
# Size, spec and boundaries
# --------------------------------------------------------------------------


def test_sessions_target_is_reached_within_15_percent() -> None:
    for n in (20_000, 3_000):
        practice = generate_practice(PracticeSpec(seed=2, sessions=n, as_of=AS_OF))
        assert abs(len(practice.tables["sessions"]) - n) <= 0.15 * n, n


def test_default_size_is_natural() -> None:
    practice = generate_practice(PracticeSpec(as_of=AS_OF))
    assert 20_000 <= len(practice.tables["sessions"]) <= 30_000
    assert len(practice.tables["clinicians"]) == 25


def test_progress_is_reported_and_spec_is_validated() -> None:
    messages: list[str] = []
    generate_practice(PracticeSpec(clinicians=5, months=2, as_of=AS_OF), progress=messages.append)
    assert messages and messages[-1] == "done"
    for bad in (dict(clinicians=3), dict(months=0), dict(sessions=0), dict(seed=-1)):
        with pytest.raises(ValueError):
            generate_practice(PracticeSpec(as_of=AS_OF, **bad))


def test_as_of_defaults_to_today() -> None:
    assert PracticeSpec().as_of == clock.today()


def test_module_never_imports_streamlit() -> None:
    code = "import sys, pipelines.synthetic.sample_practice; sys.exit('streamlit' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31),
    clinicians=st.integers(4, 9),
    months=st.integers(1, 7),
    as_of=st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)),
)
def test_any_small_spec_keeps_the_contract(
    seed: int, clinicians: int, months: int, as_of: dt.date
) -> None:
    practice = generate_practice(
        PracticeSpec(seed=seed, clinicians=clinicians, months=months, as_of=as_of)
    )
    tables = practice.tables
    for t in TABLES:
        assert tuple(tables[t].columns) == COLUMNS[t]
    # The frames hold typed values; compare through the CSV text forms.
    text = {t: frame_as_text(tables[t]) for t in TABLES}
    check_references(text, practice.trajectories)
    check_dates(text, as_of, months)


def frame_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A generated frame as the CSV would show it (for checks without writing)."""
    date_cols = {c for cols in DATE_COLS.values() for c in cols}
    out = {}
    for col in frame.columns:
        v = frame[col]
        if pd.api.types.is_datetime64_any_dtype(v):
            fmt = "%Y-%m-%d" if col in date_cols else "%Y-%m-%d %H:%M:%S"
            out[col] = v.dt.strftime(fmt).fillna("")
        else:
            out[col] = v.astype("str").where(v.notna(), "")
    return pd.DataFrame(out)
