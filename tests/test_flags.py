"""Every flag: one case where it fires and one where it stays quiet (design §4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.clinical_fixtures import AS_OF, Practice, at

INTAKE = date(2026, 3, 2)


@pytest.fixture
def practice(tmp_path, db) -> Practice:
    return Practice(tmp_path, db)


def _recent_start(n_weeks: int) -> date:
    """A weekly course of n_weeks whose last session is 3 days before AS_OF."""
    return AS_OF - timedelta(days=3 + 7 * (n_weeks - 1))


def test_risk_item(practice):
    practice.client("FIRE", INTAKE)
    practice.weekly("FIRE", at(_recent_start(2)), [15, 14])
    practice.score("FIRE", "PHQ-9", AS_OF - timedelta(days=2), 14, 1)
    practice.client("OLD", INTAKE)
    practice.weekly("OLD", at(INTAKE), [15])
    practice.score("OLD", "PHQ-9", AS_OF - timedelta(days=31), 14, 2)  # outside the 30 days
    practice.client("EARLIER", INTAKE)
    practice.score("EARLIER", "PHQ-9", AS_OF - timedelta(days=10), 16, 2)
    practice.score("EARLIER", "PHQ-9", AS_OF - timedelta(days=3), 15, 0)  # the latest has 0
    practice.load()
    assert "PHQ-9 item 9 scored 1" in practice.flags("FIRE")["RISK_ITEM"]
    assert "RISK_ITEM" not in practice.flags("OLD")
    assert "RISK_ITEM" not in practice.flags("EARLIER")
    day30 = practice.flags("OLD", as_of=AS_OF - timedelta(days=1))  # exactly 30 days before
    assert "RISK_ITEM" in day30


def test_deterioration(practice):
    practice.client("FIRE", INTAKE)
    practice.weekly("FIRE", at(_recent_start(4)), [10, 12, 16, 17])
    practice.client("QUIET", INTAKE)
    practice.weekly("QUIET", at(_recent_start(4)), [10, 12, 15, 15])
    practice.load()
    reason = practice.flags("FIRE")["DETERIORATION"]
    assert reason == "PHQ-9 10 → 17 over 4 scores: 7 points worse; reliable change needs 6"
    frame = practice.run("active_flags")
    since = frame[(frame.client_id == "FIRE") & (frame.flag == "DETERIORATION")]["since"].iloc[0]
    assert str(since)[:10] == str(_recent_start(4) + timedelta(days=14))  # the third score started the run
    assert "DETERIORATION" not in practice.flags("QUIET")


def test_discharged_client_gets_no_flags(practice):
    practice.client("GONE", INTAKE, status="discharged", discharge=AS_OF - timedelta(days=1))
    practice.weekly("GONE", at(_recent_start(4)), [10, 12, 16, 17])
    practice.score("GONE", "PHQ-9", AS_OF - timedelta(days=2), 17, 2)
    practice.client("PAUSED", INTAKE, status="paused")
    practice.weekly("PAUSED", at(_recent_start(4)), [10, 12, 16, 17])
    practice.load()
    assert practice.flags("GONE") == {} and practice.flags("PAUSED") == {}
    # as of a date before the discharge, the client was active and is flagged
    before = practice.flags("GONE", as_of=AS_OF - timedelta(days=2))
    assert "DETERIORATION" in before and "RISK_ITEM" in before


def test_no_reliable_change(practice):
    practice.client("FIRE", INTAKE)
    practice.weekly("FIRE", at(_recent_start(8)), [15, 15, 14, 14, 13, 13, 12, 12])  # 8 sessions, -3
    practice.client("SEVEN", INTAKE)
    practice.weekly("SEVEN", at(_recent_start(7)), [15, 15, 14, 14, 13, 13, 12])
    practice.client("MILD", INTAKE)
    practice.weekly("MILD", at(_recent_start(8)), [9, 9, 8, 8, 8, 8, 8, 8])  # baseline not in caseness
    practice.load()
    assert practice.flags("FIRE")["NO_RELIABLE_CHANGE"] == "PHQ-9 15 → 12 over 8 sessions; reliable change needs 6 points"
    assert "NO_RELIABLE_CHANGE" not in practice.flags("SEVEN")
    assert "NO_RELIABLE_CHANGE" not in practice.flags("MILD")


def test_plateau(practice):
    practice.client("FIRE", INTAKE)
    practice.weekly("FIRE", at(_recent_start(5)), [20, 15, 14, 15, 15])  # last 4 span 1 < 3, 15 in caseness
    practice.client("SPAN3", INTAKE)
    practice.weekly("SPAN3", at(_recent_start(5)), [20, 15, 12, 15, 14])  # span 3 is not < 3
    practice.client("BELOW", INTAKE)
    practice.weekly("BELOW", at(_recent_start(5)), [20, 9, 8, 9, 9])  # out of caseness
    practice.load()
    assert "last 4 PHQ-9 scores 15, 14, 15, 15 span 1" in practice.flags("FIRE")["PLATEAU"]
    assert "PLATEAU" not in practice.flags("SPAN3")
    assert "PLATEAU" not in practice.flags("BELOW")


def test_disengaging(practice):
    practice.client("FIRE", INTAKE)
    practice.weekly("FIRE", at(AS_OF - timedelta(days=21 + 7)), [15, 15])  # last attended 21 days ago
    practice.client("QUIET", INTAKE)
    practice.weekly("QUIET", at(AS_OF - timedelta(days=20 + 7)), [15, 15])  # 20 days ago
    practice.client("NEVER", AS_OF - timedelta(days=40))  # no attended session yet
    practice.load()
    assert practice.flags("FIRE")["DISENGAGING"].startswith("no attended session for 21 days")
    assert "DISENGAGING" not in practice.flags("QUIET")
    assert "DISENGAGING" not in practice.flags("NEVER")


def test_missed_sessions(practice):
    start = at(_recent_start(4))
    practice.client("FIRE", INTAKE)
    practice.weekly("FIRE", start, [15, 15, None, None], statuses=["attended", "attended", "no_show", "late_cancel"])
    practice.client("CANCELLED", INTAKE)  # a cancellation in advance is not a missed session
    practice.weekly("CANCELLED", start, [15, None, None, None], statuses=["attended", "no_show", "attended", "cancelled"])
    practice.client("ONE", INTAKE)
    practice.weekly("ONE", start, [15, 15, 15, None], statuses=["attended", "attended", "attended", "no_show"])
    practice.load()
    assert "no show" in practice.flags("FIRE")["MISSED_SESSIONS"]
    assert "late cancel" in practice.flags("FIRE")["MISSED_SESSIONS"]
    assert "MISSED_SESSIONS" not in practice.flags("CANCELLED")
    assert "MISSED_SESSIONS" not in practice.flags("ONE")


@pytest.mark.parametrize(
    ("statuses", "fires"),
    [
        (["completed", "not_done", "not_done", "not_done"], True),  # exactly 25%
        (["partial", "not_done", "not_done", "not_done"], True),  # 12.5%
        (["partial", "partial", "not_done", "partial"], False),  # 37.5%
        (["not_done", "not_done", "not_done"], False),  # only 3 reviewed
        (["not_done", "not_done", "not_done", "not_reviewed"], False),  # not_reviewed does not count
        (["not_done", "not_done", "not_done", "not_done", "completed", "completed"], False),  # last 4: 50%
    ],
)
def test_homework_drop(practice, statuses, fires):
    practice.client("C1", INTAKE)
    practice.weekly("C1", at(_recent_start(2)), [15, 15])
    for i, status in enumerate(statuses):
        day = INTAKE + timedelta(days=7 * i)
        practice.homework("C1", day, status, None if status == "not_reviewed" else day + timedelta(days=7))
    practice.load()
    assert ("HOMEWORK_DROP" in practice.flags("C1")) is fires


@pytest.mark.parametrize(
    ("srs", "fires"),
    [([38, 35], True), ([39, 38], True), ([39, 39], False), ([36], False), ([35], True), ([37, 36], True)],
)
def test_alliance_risk(practice, srs, fires):
    practice.client("C1", INTAKE)
    practice.weekly("C1", at(_recent_start(len(srs))), srs, measure="SRS")
    practice.load()
    assert ("ALLIANCE_RISK" in practice.flags("C1")) is fires


def test_measures_missing(practice):
    practice.client("FIRE", INTAKE)
    practice.weekly("FIRE", at(_recent_start(4)), [15, None, None, None])  # 3 sessions without a score
    practice.client("QUIET", INTAKE)
    practice.weekly("QUIET", at(_recent_start(3)), [15, None, None])
    practice.client("NONE", INTAKE)
    practice.weekly("NONE", at(_recent_start(3)), [None, None, None])
    practice.load()
    assert practice.flags("FIRE")["MEASURES_MISSING"].startswith("3 attended sessions since the latest outcome score")
    assert "MEASURES_MISSING" not in practice.flags("QUIET")
    assert "no outcome score" in practice.flags("NONE")["MEASURES_MISSING"]


def _reference(practice: Practice, n: int) -> None:
    """n clients who start at 16 and improve along a log curve, with a little noise."""
    import math

    for i in range(n):
        cid = f"R{i:03d}"
        practice.client(cid, INTAKE)
        scores = [round(16 - 3.2 * math.log(k) + ((i % 5) - 2) * 0.6) for k in range(1, 11)]
        practice.weekly(cid, at(INTAKE), scores)


def test_not_on_track(practice):
    _reference(practice, 40)
    practice.client("FIRE", INTAKE)
    practice.weekly("FIRE", at(_recent_start(10)), [16, 16, 16, 16, 15, 16, 16, 16, 15, 16])
    practice.client("ONTRACK", INTAKE)
    practice.weekly("ONTRACK", at(_recent_start(10)), [16, 14, 12, 12, 11, 10, 10, 9, 9, 9])
    practice.load()
    reason = practice.flags("FIRE")["NOT_ON_TRACK"]
    assert reason.startswith("PHQ-9 16 at session 10; clients with a similar start")
    assert "NOT_ON_TRACK" not in practice.flags("ONTRACK")
    curves = practice.run("etr_reference")
    band = curves[(curves.measure == "PHQ-9") & (curves.baseline_band_from == 15)]
    assert band["usable"].all() and band["reference_clients"].iloc[0] == 42
    assert band["expected_score"].is_monotonic_decreasing


def test_not_on_track_needs_30_reference_clients(practice):
    _reference(practice, 27)  # 27 + the two below = 29 < 30
    practice.client("FIRE", INTAKE)
    practice.weekly("FIRE", at(_recent_start(10)), [16] * 10)
    practice.client("OTHER", INTAKE)
    practice.weekly("OTHER", at(_recent_start(10)), [16] * 10)
    practice.load()
    assert "NOT_ON_TRACK" not in practice.flags("FIRE")
    assert not practice.run("etr_reference")["usable"].any()


def test_a_sparse_baseline_band_is_pooled_with_its_neighbours(practice):
    """Mild starts are rare: a band with fewer than 30 clients of its own borrows
    the points of the bands 5 points either side, so it is still tracked."""
    _reference(practice, 40)  # baseline 16: band 15-19
    practice.client("MILD", INTAKE)  # baseline 12: band 10-14 has one client of its own
    practice.weekly("MILD", at(_recent_start(10)), [12, 13, 14, 15, 15, 16, 16, 17, 17, 18])
    practice.load()
    curves = practice.run("etr_reference")
    mild = curves[(curves.measure == "PHQ-9") & (curves.baseline_band_from == 10)]
    assert mild["usable"].all() and mild["reference_clients"].iloc[0] == 41  # its own 1 + the 40 next door
    assert mild["pooled"].all()
    severe = curves[(curves.measure == "PHQ-9") & (curves.baseline_band_from == 15)]
    assert severe["reference_clients"].iloc[0] == 40 and not severe["pooled"].any()  # a full band is never pooled
    assert practice.flags("MILD")["NOT_ON_TRACK"].startswith("PHQ-9 18 at session 10")


def test_every_flag_has_since_and_reason_and_severity(practice):
    practice.client("C1", INTAKE)
    practice.weekly("C1", at(_recent_start(4)), [10, 12, 16, 17])
    frame = practice.load().run("active_flags")
    assert not frame.empty
    assert frame["since"].notna().all() and frame["reason"].str.len().gt(10).all()
    assert set(frame["severity"]) <= {"high", "medium", "low"}
