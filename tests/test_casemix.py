"""The severity-adjusted effect size (pipelines/models/casemix.py), checked against a regression done by
hand on a small practice, and its rules: bands, the verdict's minimum cases and interval."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import duckdb
import numpy as np
import pytest

from pipelines.models import casemix
from pipelines.scope import Scope
from schemas.thresholds import THRESHOLDS
from tests.test_models_homework_workload import Practice

AS_OF = date(2026, 11, 22)


def test_the_thresholds_these_tests_were_worked_with():
    names = ("ace_band_somewhat", "ace_band_significant", "ace_effective", "ace_highly_effective",
             "ace_min_clinician_cases", "ace_min_practice_cases", "ace_min_two_scores_share")
    assert [THRESHOLDS[n].value for n in names] == [0.3, 0.8, 0.5, 0.8, 15, 100, 0.5]


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    """36 clients of 3 clinicians on PHQ-9 (12 each), intake 10-26 (clinical range: >= 10), first assessed
    at session 1-3, a later score; plus clients that are not cases: a mild intake (below 10), one score
    only, and a GOAL rating."""
    from pipelines.settings import paths

    rng = random.Random(5)
    p = Practice()
    truth = []
    for clin in ("T1", "T2", "T3"):
        p.clinician(clin)
        for k in range(12):
            cid = f"{clin}C{k:02d}"
            p.client(cid, clin, intake="2026-06-01")
            first = rng.randint(1, 3)
            day = date(2026, 6, 1)
            for n in range(1, first + 3):
                p.session(cid, clin, f"{day.isoformat()} 10:00")
                if n == first:
                    intake = rng.randint(10, 26)
                    p.measure(cid, "PHQ-9", day.isoformat(), intake)
                day += timedelta(days=7)
            gain = {"T1": 8, "T2": 5, "T3": 2}[clin] + rng.randint(-3, 3) + (intake - 10) // 4
            last = max(0, intake - gain)
            p.measure(cid, "PHQ-9", (day - timedelta(days=7)).isoformat(), last)
            truth.append((cid, clin, float(intake), float(first), float(intake - last)))
    p.client("MILD", "T1", intake="2026-06-01")
    p.session("MILD", "T1", "2026-06-01 10:00")
    p.measure("MILD", "PHQ-9", "2026-06-01", 6)
    p.measure("MILD", "PHQ-9", "2026-07-01", 2)
    p.client("ONCE", "T1", intake="2026-06-01")
    p.measure("ONCE", "PHQ-9", "2026-06-01", 18)
    db = p.load(tmp_path_factory.mktemp("casemix") / "in", paths(tmp_path_factory.mktemp("db") / "m.duckdb"))
    return db, truth


def _outcomes(db, scope):
    con = duckdb.connect(str(db.data_db), read_only=True)
    try:
        return casemix.outcomes(con.cursor(), Scope.of(scope), AS_OF)
    finally:
        con.close()


def test_each_clients_effect_is_the_hand_fitted_regression(practice):
    db, truth = practice
    result = _outcomes(db, ["T1", "T2", "T3"])
    x = np.array([[1.0, t[2], t[3]] for t in truth])
    y = np.array([t[4] for t in truth])
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    sd = float(np.std([t[2] for t in truth], ddof=1))
    by_hand = {t[0]: (y.mean() + yi - float(xi @ beta)) / sd for t, xi, yi in zip(truth, x, y, strict=True)}
    got = dict(zip(result.clients["client_id"], result.clients["adjusted_effect"], strict=True))
    assert set(got) == set(by_hand)  # MILD (not in the clinical range) and ONCE (one score) are no cases
    for cid, effect in by_hand.items():
        assert got[cid] == pytest.approx(effect, abs=1e-9), cid
    # each clinician's mean and 90% interval, by hand (Student's t with 11 df: 1.796)
    for clin in ("T1", "T2", "T3"):
        mine = np.array([by_hand[t[0]] for t in truth if t[1] == clin])
        row = result.clinicians.set_index("clinician_id").loc[clin]
        half = 1.796 * mine.std(ddof=1) / math.sqrt(len(mine))
        assert (row.cases, row.adjusted_effect) == (12, pytest.approx(mine.mean()))
        assert (row.ci_low, row.ci_high) == (pytest.approx(mine.mean() - half), pytest.approx(mine.mean() + half))
        assert row.verdict == "the practice needs 64 more cases"  # 36 of the 100 a figure needs
    # the practice's figure and its unnamed spread come from the sums alone, and agree
    everyone = np.array(list(by_hand.values()))
    assert result.practice_cases == 36 and result.practice_effect == pytest.approx(everyone.mean())
    assert result.practice_high - result.practice_low == pytest.approx(2 * 1.690 * everyone.std(ddof=1) / 6, rel=0.01)
    per_clinician = sorted(np.array([by_hand[t[0]] for t in truth if t[1] == c]).mean() for c in ("T1", "T2", "T3"))
    assert sorted(result.spread["adjusted_effect"]) == pytest.approx(per_clinician)
    assert "clinician_id" not in result.spread.columns


def test_a_clinician_sees_their_own_cases_and_the_practice_fit_is_the_same(practice):
    db, _truth = practice
    whole, own = _outcomes(db, ["T1", "T2", "T3"]), _outcomes(db, ["T2"])
    assert set(own.clients["clinician_id"]) == {"T2"} and list(own.clinicians["clinician_id"]) == ["T2"]
    assert own.practice_effect == pytest.approx(whole.practice_effect)  # fitted on the practice, not the scope
    mine = whole.clients[whole.clients["clinician_id"] == "T2"].set_index("client_id")["adjusted_effect"]
    assert own.clients.set_index("client_id")["adjusted_effect"].to_dict() == pytest.approx(mine.to_dict())


@pytest.mark.parametrize(("effect", "band"), [
    (0.81, "significantly_improved"), (0.8, "somewhat_improved"), (0.31, "somewhat_improved"), (0.3, "no_change"),
    (-0.3, "no_change"), (-0.31, "somewhat_worse"), (-0.8, "somewhat_worse"), (-0.81, "significantly_worse")])
def test_client_bands_follow_ace(effect, band):
    assert casemix.band(effect) == band


def test_a_verdict_needs_the_cases_and_an_interval_above_the_line():
    assert casemix.verdict(14, 2.0, 500) == "1 more cases needed"
    assert casemix.verdict(15, 0.81, 500) == "highly effective"
    assert casemix.verdict(15, 0.8, 500) == "effective"
    assert casemix.verdict(15, 0.5, 500) == "not shown above the benchmark"
    assert casemix.verdict(40, 0.9, 99) == "the practice needs 1 more cases"
    assert casemix.t95(11) == 1.796 and casemix.t95(35) == 1.697 and casemix.t95(500) == 1.645
