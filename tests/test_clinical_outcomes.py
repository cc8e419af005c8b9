"""Hand-worked outcome cases: every definition and boundary of design §4."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from schemas.instruments import INSTRUMENTS, jacobson_truax_threshold
from tests.clinical_fixtures import AS_OF, Practice, at

INTAKE = date(2026, 3, 2)


@pytest.fixture
def practice(tmp_path, db) -> Practice:
    return Practice(tmp_path, db)


def test_rci_formula():
    assert round(jacobson_truax_threshold(10.5, 0.931), 3) == 7.645
    assert INSTRUMENTS["PHQ-9"].rc_threshold == 6 and INSTRUMENTS["ORS"].rc_threshold == 5


@pytest.mark.parametrize(
    ("baseline", "latest", "status"),
    [
        (16, 10, "reliable_improvement"),  # change exactly the threshold (6)
        (16, 11, "no_reliable_change"),  # one short
        (10, 16, "reliable_deterioration"),  # exactly the threshold, worse
        (10, 15, "no_reliable_change"),
    ],
)
def test_change_of_exactly_the_threshold(practice, baseline, latest, status):
    practice.client("C1", INTAKE)
    practice.weekly("C1", at(INTAKE), [baseline, latest])
    row = practice.load().outcome("C1", "PHQ-9")
    assert row["change_status"] == status
    assert row["change"] == baseline - latest  # positive = better for PHQ-9
    assert row["rc_threshold"] == 6


def test_score_exactly_at_the_cut_off(practice):
    practice.client("C1", INTAKE)
    practice.weekly("C1", at(INTAKE), [10, 9])  # PHQ-9 caseness is >= 10
    practice.client("C2", INTAKE)
    practice.weekly("C2", at(INTAKE), [8, 7], measure="GAD-7")  # GAD-7 caseness is >= 8
    practice.load()
    phq = practice.outcome("C1", "PHQ-9")
    assert (phq["baseline_case"], phq["latest_case"], phq["recovered"]) == (True, False, True)
    assert phq["reliably_recovered"] is False  # recovered, but a 1-point change is not reliable
    gad = practice.outcome("C2", "GAD-7")
    assert (gad["baseline_case"], gad["latest_case"], gad["recovered"]) == (True, False, True)


def test_recovered_is_empty_when_baseline_not_in_caseness(practice):
    practice.client("C1", INTAKE)
    practice.weekly("C1", at(INTAKE), [9, 3])
    row = practice.load().outcome("C1", "PHQ-9")
    assert row["baseline_case"] is False
    assert row["recovered"] is None or str(row["recovered"]) == "<NA>"


def test_score_before_intake_is_not_the_baseline(practice):
    practice.client("C1", INTAKE)
    practice.score("C1", "PHQ-9", INTAKE - timedelta(days=3), 25, 0)  # screening before intake
    practice.weekly("C1", at(INTAKE), [15, 9])
    row = practice.load().outcome("C1", "PHQ-9")
    assert (row["baseline_score"], row["latest_score"], row["n_scores"]) == (15, 9, 2)
    assert row["change_status"] == "reliable_improvement"


def test_score_after_as_of_is_ignored(practice):
    practice.client("C1", INTAKE)
    practice.weekly("C1", at(INTAKE), [18, 16])
    practice.score("C1", "PHQ-9", AS_OF + timedelta(days=1), 4, 0)
    row = practice.load().outcome("C1", "PHQ-9")
    assert (row["latest_score"], row["n_scores"], row["change_status"]) == (16, 2, "no_reliable_change")
    later = practice.outcome("C1", "PHQ-9", as_of=AS_OF + timedelta(days=1))
    assert (later["latest_score"], later["change_status"]) == (4, "reliable_improvement")


def test_single_score_is_insufficient_data(practice):
    practice.client("C1", INTAKE)
    practice.weekly("C1", at(INTAKE), [18])
    row = practice.load().outcome("C1", "PHQ-9")
    assert (row["n_scores"], row["change_status"]) == (1, "insufficient_data")


def test_ors_higher_is_better(practice):
    practice.client("C1", INTAKE)
    practice.weekly("C1", at(INTAKE), [20, 25], measure="ORS")  # +5 = reliable change; 25 is not < 25
    practice.client("C2", INTAKE)
    practice.weekly("C2", at(INTAKE), [30, 24], measure="ORS")
    practice.load()
    up = practice.outcome("C1", "ORS")
    assert (up["change"], up["change_status"]) == (5, "reliable_improvement")
    assert (up["baseline_case"], up["latest_case"], up["recovered"], up["reliably_recovered"]) == (True, False, True, True)
    down = practice.outcome("C2", "ORS")
    assert (down["change"], down["change_status"]) == (-6, "reliable_deterioration")


def test_goal_ratings_are_per_goal(practice):
    practice.client("C1", INTAKE)
    practice.goal("C1", "G1", INTAKE)
    practice.goal("C1", "G2", INTAKE)
    for i, (a, b) in enumerate([(2, 4), (5, 5)]):
        practice.score("C1", "GOAL", INTAKE + timedelta(days=7 * i), a, goal_id="G1")
        practice.score("C1", "GOAL", INTAKE + timedelta(days=7 * i), b, goal_id="G2")
    frame = practice.load().run("client_outcomes")
    goals = frame[frame["measure"] == "GOAL"].set_index("goal_id")
    assert goals.loc["G1", "change"] == 3 and goals.loc["G1", "change_status"] == "reliable_improvement"
    assert goals.loc["G2", "change"] == 1 and goals.loc["G2", "change_status"] == "no_reliable_change"


def _paired(practice, cid, phq, gad):
    practice.client(cid, INTAKE)
    for i, (p, g) in enumerate(zip(phq, gad, strict=True)):
        when = at(INTAKE + timedelta(days=7 * i))
        practice.session(cid, when)
        practice.score(cid, "PHQ-9", when, p, 0)
        practice.score(cid, "GAD-7", when, g)


def test_paired_one_improves_the_other_deteriorates(practice):
    _paired(practice, "C1", [18, 12, 10], [6, 9, 12])  # PHQ-9 -8 (reliable), GAD-7 +6 (reliable, worse)
    row = practice.load().outcome("C1", "PHQ-9+GAD-7")
    assert row["change_status"] == "no_reliable_change"
    assert row["baseline_case"] is True and row["latest_case"] is True
    assert row["recovered"] is False and row["reliably_recovered"] is False


def test_paired_recovery(practice):
    _paired(practice, "C1", [16, 9], [9, 5])  # PHQ -7 (reliable), GAD -4 (reliable); ends below both cut-offs
    _paired(practice, "C2", [12, 8], [12, 11])  # PHQ -4, GAD -1: not reliable; GAD still >= 8
    _paired(practice, "C3", [11, 9], [9, 7])  # below both at the end, but neither change is reliable
    practice.load()
    one = practice.outcome("C1", "PHQ-9+GAD-7")
    assert (one["recovered"], one["change_status"], one["reliably_recovered"]) == (True, "reliable_improvement", True)
    assert one["n_scores"] == 2
    two = practice.outcome("C2", "PHQ-9+GAD-7")
    assert (two["change_status"], two["recovered"]) == ("no_reliable_change", False)
    three = practice.outcome("C3", "PHQ-9+GAD-7")
    assert (three["recovered"], three["change_status"], three["reliably_recovered"]) == (True, "no_reliable_change", False)


def test_paired_needs_two_paired_administrations(practice):
    _paired(practice, "C1", [14], [9])
    practice.weekly("C1", at(INTAKE + timedelta(days=7)), [8])  # PHQ-9 alone
    frame = practice.load().run("client_outcomes")
    assert "PHQ-9+GAD-7" not in set(frame["measure"])


def test_srs_is_not_an_outcome(practice):
    practice.client("C1", INTAKE)
    practice.weekly("C1", at(INTAKE), [30, 38], measure="SRS")
    frame = practice.load().run("client_outcomes")
    assert "SRS" not in set(frame["measure"])
