"""Data completeness per clinician (model completeness_by_clinician), worked by hand on a tiny practice,
and the Clinician outcomes page for each role."""

from __future__ import annotations

import json
from datetime import date

import pytest

from schemas.thresholds import THRESHOLDS
from tests.test_models_homework_workload import Practice, one, run_model

AS_OF = date(2026, 11, 22)


def test_the_thresholds_these_tests_were_worked_with():
    assert {k: THRESHOLDS[k].value for k in ("baseline_by_session", "sessions_without_score_max", "dna_rate_max")} \
        == {"baseline_by_session": 2, "sessions_without_score_max": 0.1, "dna_rate_max": 0.2}


@pytest.fixture
def practice_db(tmp_path, db):
    p = Practice()
    for c in ("T1", "T2"):
        p.clinician(c)
    # A (T1): 4 attended, scored at sessions 2, 3 and 4 (PHQ-9): a baseline by session 2, just; one no-show.
    p.client("A", "T1")
    for day, scored in (("2026-10-05", False), ("2026-10-12", True), ("2026-10-19", True), ("2026-10-26", True)):
        p.session("A", "T1", f"{day} 10:00")
        if scored:
            p.measure("A", "PHQ-9", day, 12)
    p.session("A", "T1", "2026-11-02 10:00", status="no_show")
    # B (T1): 3 attended, first score at session 3 (late baseline), discharged with no score at the last
    # session: the GAD-7 on session 3 is the only one; a GOAL rating does not count as an outcome score.
    p.client("B", "T1", discharge="2026-11-01", status="discharged")
    for day in ("2026-10-06", "2026-10-13", "2026-10-20", "2026-10-27"):
        p.session("B", "T1", f"{day} 11:00", status="attended" if day != "2026-10-27" else "no_show")
    p.measure("B", "GAD-7", "2026-10-20", 9)
    # B's last attended session is 10-20, scored: so B is not "without a final score"
    # C (T2): 2 attended, both scored on ORS, discharged; a session after as_of does not count.
    p.client("C", "T2", discharge="2026-11-10", status="discharged")
    for day in ("2026-10-07", "2026-10-14"):
        p.session("C", "T2", f"{day} 09:00")
        p.measure("C", "ORS", day, 20)
    p.session("C", "T2", "2026-11-30 09:00")
    # D (T2): discharged after 1 attended session with no score at all; never seen clients do not count.
    p.client("D", "T2", discharge="2026-11-10", status="discharged")
    p.session("D", "T2", "2026-10-08 09:00")
    p.client("E", "T2")
    return p.load(tmp_path / "in", db)


def test_completeness_is_counted_as_defined(practice_db):
    rows = run_model(practice_db, "completeness_by_clinician", ["T1", "T2"], AS_OF)
    t1 = one(rows, clinician_id="T1")
    assert (t1.attended_sessions, t1.sessions_with_score, t1.no_shows) == (7, 4, 2)  # A 4 + B 3; A 3 + B 1
    assert t1.pct_sessions_with_score == pytest.approx(4 / 7) and t1.dna_rate == pytest.approx(2 / 9)
    assert (t1.clients_seen, t1.early_baseline, t1.two_scores) == (2, 1, 1)  # B's first score is at session 3
    assert (t1.finished_courses, t1.finished_without_final_score) == (1, 0)
    assert (bool(t1.meets_score_target), bool(t1.meets_dna_target)) == (False, False)  # 43% unscored; DNA 22%
    t2 = one(rows, clinician_id="T2")
    assert (t2.attended_sessions, t2.sessions_with_score, t2.no_shows, t2.dna_rate) == (3, 2, 0, 0)
    assert (t2.clients_seen, t2.early_baseline, t2.two_scores) == (2, 1, 1)  # D: no score; E: never seen
    assert (t2.finished_courses, t2.finished_without_final_score) == (2, 1)  # D ends with no final score
    assert bool(t2.meets_dna_target) and not bool(t2.meets_score_target)
    # scoped: one clinician sees only their own row
    assert list(run_model(practice_db, "completeness_by_clinician", ["T2"], AS_OF)["clinician_id"]) == ["T2"]


@pytest.fixture
def rates_db(tmp_path, db):
    """Finished courses worked by hand for outcome_rates (PHQ-9: caseness 10, reliable change 6)."""
    p = Practice()
    for c in ("T1", "T2"):
        p.clinician(c)

    def course(cid: str, clin: str, days: list[str], scores: dict[str, float], after: str = "", status: str = "",
               finished: bool = True) -> None:
        p.client(cid, clin, discharge="2026-11-15" if finished else "", status="discharged" if finished else "active")
        for day in days:
            p.session(cid, clin, f"{day} 10:00")
            if day in scores:
                p.measure(cid, "PHQ-9", day, scores[day])
        if after:
            p.session(cid, clin, f"{after} 10:00", status=status)

    # P: 4 sessions, 15 -> 4: reliable improvement, recovered; not a dropout
    course("P", "T1", ["2026-10-01", "2026-10-08", "2026-10-15", "2026-10-22"], {"2026-10-01": 15, "2026-10-22": 4})
    # Q: 5 sessions, 12 -> 20: reliable deterioration; the last booking a no-show: a dropout
    course("Q", "T1", ["2026-10-01", "2026-10-08", "2026-10-15", "2026-10-22", "2026-10-29"],
           {"2026-10-01": 12, "2026-10-29": 20}, after="2026-11-05", status="no_show")
    # R: 2 sessions, 14 -> 7: improved and out of caseness after 2 sessions: not a dropout
    course("R", "T1", ["2026-10-02", "2026-10-09"], {"2026-10-02": 14, "2026-10-09": 7})
    # S: 1 session, no score, then a booking the clinician cancelled (not the client's): a dropout (< 3 sessions)
    course("S", "T1", ["2026-10-03"], {}, after="2026-10-10", status="clinician_cancel")
    # U: active, not finished: not counted
    course("U", "T1", ["2026-10-03"], {}, finished=False)
    # V (T2): 6 sessions, 11 -> 11: no reliable change; the last booking a late cancellation: a dropout
    course("V", "T2", ["2026-09-03", "2026-09-10", "2026-09-17", "2026-09-24", "2026-10-01", "2026-10-08"],
           {"2026-09-03": 11, "2026-10-08": 11}, after="2026-10-15", status="late_cancel")
    # W (T3): 4 sessions, then a no-show, then a booking the clinician cancelled: the client's last booking
    # was the no-show, so a dropout
    p.clinician("T3")
    course("W", "T3", ["2026-10-01", "2026-10-08", "2026-10-15", "2026-10-22"], {}, after="2026-10-29",
           status="no_show")
    p.session("W", "T3", "2026-11-05 10:00", status="clinician_cancel")
    # X (T3): 4 sessions; a no-show booked after the discharge (11-15) does not make the course a dropout
    course("X", "T3", ["2026-10-01", "2026-10-08", "2026-10-15", "2026-10-22"], {}, after="2026-11-18",
           status="no_show")
    return p.load(tmp_path / "in", db)


def test_outcome_rates_are_counted_as_defined(rates_db):
    assert THRESHOLDS["dropout_max_sessions"].value == 3
    rows = run_model(rates_db, "outcome_rates", ["T1", "T2", "T3"], AS_OF)
    figures = ["finished_courses", "measured_courses", "reliably_improved", "reliably_deteriorated",
               "recovery_courses", "recovered", "dropouts", "median_sessions"]
    t1 = one(rows, clinician_id="T1")
    assert [getattr(t1, f) for f in figures] == [4, 3, 2, 1, 3, 2, 2, 3.0]  # median of 4, 5, 2, 1
    assert (t1.pct_reliable_improvement, t1.pct_reliable_deterioration, t1.pct_recovery, t1.pct_dropout) == \
        pytest.approx((2 / 3, 1 / 3, 2 / 3, 0.5))
    t2 = one(rows, clinician_id="T2")
    assert [getattr(t2, f) for f in figures] == [1, 1, 0, 0, 1, 0, 1, 6.0]
    t3 = one(rows, clinician_id="T3")  # W a dropout, X not
    assert [getattr(t3, f) for f in figures] == [2, 0, 0, 0, 0, 0, 1, 4.0]
    whole = rows[rows["whole_selection"].astype(bool)]
    assert len(whole) == 1 and whole["clinician_id"].isna().all()
    w = whole.iloc[0]
    assert [w[f] for f in figures] == [7, 4, 2, 1, 4, 2, 4, 4.0]  # median of 4, 5, 2, 1, 6, 4, 4
    assert w["pct_dropout"] == pytest.approx(4 / 7)
    # scoped: a clinician's selection is their own courses only, and so is its total
    mine = run_model(rates_db, "outcome_rates", ["T2"], AS_OF)
    assert list(mine["clinician_id"].dropna()) == ["T2"]
    assert int(mine[mine["whole_selection"].astype(bool)].iloc[0]["finished_courses"]) == 1


def test_the_clinician_outcomes_report_carries_the_rates(rates_db):
    from tests.conftest import run_cli

    done = run_cli("report", "clinician-outcomes", "--db", str(rates_db.data_db), "--as-of", AS_OF.isoformat(),
                   "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = {r["clinician_id"]: r for r in json.loads(done.stdout)["rows"]}
    assert set(rows) == {"T1", "T2", "T3"}  # no case for the adjusted figure is needed for a row
    assert all(isinstance(r[k], int) for r in rows.values() for k in ("cases", "dropouts", "recovered"))
    assert (rows["T1"]["finished_courses"], rows["T1"]["pct_dropout"], rows["T1"]["median_sessions"]) == (4, 0.5, 3)
    assert rows["T2"]["verdict"].startswith("the practice needs")


@pytest.mark.parametrize("role", ["manager", "supervisor", "clinician"])
def test_the_clinician_outcomes_page_shows_only_the_roles_scope(demo_db, role):
    from tests.apptest import frame, open_page, sign_in

    at = open_page(sign_in(role), "pages/clinician_outcomes.py")
    assert [s.value for s in at.subheader] == ["Data completeness", "Clients whose outcome measure is overdue",
                                               "Outcomes adjusted for case mix", "Outcomes of finished courses"]
    adjusted = next(d.value for d in at.dataframe if "verdict" in d.value.columns)
    assert list(adjusted["clinician"]) == sorted(adjusted["clinician"])  # name order, never ranked
    if role == "clinician":  # their own figure only; the practice's spread has no names
        assert len(adjusted) == 1
    rates = next(d.value for d in at.dataframe if "finished_courses" in d.value.columns)
    assert {"pct_dropout", "median_sessions"} <= set(rates.columns)
    shown = [c for c in rates["clinician"] if c != "All in this selection"]
    overdue = frame(at, "overdue_measures")
    expected = {"manager": 24, "supervisor": None, "clinician": 1}[role]
    if expected is not None:
        assert len(shown) == expected
    assert shown == sorted(shown)  # name order, never ranked
    if role == "clinician":
        assert overdue is None or overdue["clinician"].nunique() <= 1
    metrics = {m.label: m.value for m in at.metric}
    assert "Sessions with an outcome score" in metrics and metrics["Sessions with an outcome score"].endswith("%")


def test_etr_check_reports_the_early_warning_figures_consistently(demo_db):
    """The early-warning part of etr-check on the sample practice (8 weeks of history here; the command's
    default is 52): shares within 0-1, the bands adding up to the whole."""
    from pipelines.store import DataStore, SnapshotReader
    from pipelines.synthetic import etr_check

    reader = SnapshotReader(DataStore(demo_db))
    try:
        figures = etr_check.early_warning(reader.cursor(), AS_OF, weeks=8)
    finally:
        reader.close()
    assert figures["deteriorated"] > 0 and figures["improved"] > 0 and figures["no_improvement_8plus"] > 0
    for key in ("deteriorated_warned_share", "no_improvement_flagged_share", "false_alarm_share"):
        assert 0 <= figures[key] <= 1, key
    for key in ("deteriorated", "deteriorated_warned_before", "no_improvement_8plus", "improved"):
        assert sum(b[key] for b in figures["by_band"].values()) == figures[key], key
    assert figures["median_lead_sessions"] is None or figures["median_lead_sessions"] >= 0


def test_supervision_prep_shows_the_supervisees_outcome_figures(demo_db):
    from tests.apptest import open_page, sign_in

    at = open_page(sign_in("supervisor"), "pages/supervision.py")
    metrics = {m.label: m.value for m in at.metric}
    assert {"Adjusted effect size", "Sessions with an outcome score", "Did not attend", "Dropout"} <= set(metrics)
    assert metrics["Sessions with an outcome score"].endswith("%") and metrics["Dropout"].endswith("%")
