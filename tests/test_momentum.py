"""Momentum: each category with its components, hand-worked, and on the sample practice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.clinical_fixtures import AS_OF, Practice, at

INTAKE = date(2026, 3, 2)


def _start(n: int) -> date:
    return AS_OF - timedelta(days=3 + 7 * (n - 1))


@pytest.fixture
def practice(tmp_path, db) -> Practice:
    return Practice(tmp_path, db)


def test_each_momentum_category(practice):
    cases = {
        "NEW": [18, 17],
        "BUILDING": [18, 17, 15, 14, 12, 11],  # reliable improvement, still in caseness
        "STEADY": [14, 10, 8, 7, 7, 7],  # out of caseness and flat
        "STALLED": [15, 15, 14, 15, 15, 14, 15, 15],  # no change after 8 sessions
        "SLIPPING": [12, 13, 15, 17, 19],  # reliable deterioration
    }
    for cid, scores in cases.items():
        practice.client(cid, INTAKE)
        practice.weekly(cid, at(_start(len(scores))), scores)
    practice.client("GONE", INTAKE)  # attended, then nothing for 30 days
    practice.weekly("GONE", at(AS_OF - timedelta(days=30 + 7)), [16, 16])
    frame = practice.load().run("client_momentum").set_index("client_id")
    got = frame["momentum"].to_dict()
    assert got == {"NEW": "new", "BUILDING": "building", "STEADY": "steady", "STALLED": "stalled",
                   "SLIPPING": "slipping", "GONE": "slipping"}
    assert frame.loc["BUILDING", "momentum_reason"] == "PHQ-9 reliably better: 18 → 11 (reliable change 6)"
    assert frame.loc["STALLED", "momentum_reason"].startswith("no reliable change after 8 sessions")
    assert frame.loc["GONE", "momentum_reason"].startswith("no attended session for 30 days")
    # components are columns, never a black box
    for column in ("primary_measure", "n_scores", "attended_sessions", "change", "change_status",
                   "recent_slope", "slope_direction", "days_since_attended", "engaged"):
        assert column in frame.columns
    assert frame.loc["SLIPPING", "slope_direction"] == "worsening"


def test_improving_slope_without_reliable_change_is_building(practice):
    practice.client("C1", INTAKE)
    practice.weekly("C1", at(_start(4)), [18, 16, 14, 13])  # 5 points: not reliable; slope 1.7 >= 0.25 x 6
    frame = practice.load().run("client_momentum").set_index("client_id")
    assert frame.loc["C1", "change_status"] == "no_reliable_change"
    assert frame.loc["C1", "slope_direction"] == "improving"
    assert frame.loc["C1", "momentum"] == "building"


def test_ors_primary_when_no_phq9(practice):
    practice.client("C1", INTAKE)
    practice.weekly("C1", at(_start(4)), [18, 21, 24, 27], measure="ORS")
    frame = practice.load().run("client_momentum").set_index("client_id")
    assert frame.loc["C1", "primary_measure"] == "ORS"
    assert frame.loc["C1", "momentum"] == "building"
