"""A property of the team pulse: over random teams, people and periods, no aggregate shown is computed
from fewer than 5 people, and no two shown aggregates differ by exactly one person (nor by 2-4).

The answers go in through the real store (pipelines.appstate.pulse, a SQLite app state) and come out through the
only reader (``team_pulse``, as a manager who may see every team); the test keeps its own record of who
answered what, and checks every shown number against it.
"""

from __future__ import annotations

import itertools
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.appstate import pulse
from pipelines.appstate.db import AppState
from schemas.wellbeing import CBI

MIN_N = CBI.min_respondents
TODAY = date(2027, 1, 10)  # every generated period below is closed on this day
PERIODS = ["2026-09", "2026-10", "2026-11", "2026-12"]
LEVELS = {
    0: ("Never / almost never", "To a very low degree"),
    1: ("Seldom", "To a low degree"),
    2: ("Sometimes", "Somewhat"),
    3: ("Often", "To a high degree"),
    4: ("Always", "To a very high degree"),
}


def _answers(level: int) -> dict[str, str]:
    freq, degree = LEVELS[level]
    return {i.id: freq if i.options == "frequency" else degree for i in CBI.items}


# a practice: teams of 1-12 people and a few people on no team; each person answers (at some level) or
# not, period by period
people_on = st.lists(st.integers(1, 12), min_size=1, max_size=5)
practice = st.tuples(people_on, st.integers(0, 3)).flatmap(
    lambda shape: st.tuples(
        st.just(shape),
        st.lists(  # per period, per person: None (did not answer) or a level
            st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=sum(shape[0]) + shape[1],
                     max_size=sum(shape[0]) + shape[1]),
            min_size=1, max_size=len(PERIODS)),
    ))


def _people(shape) -> list[str]:
    sizes, no_team = shape
    teams = [f"Team {chr(65 + t)}" for t, n in enumerate(sizes) for _ in range(n)]
    return teams + [pulse.NO_TEAM] * no_team


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(practice)
def test_no_shown_aggregate_rests_on_fewer_than_five_people_or_differs_from_another_by_one(case):
    shape, periods = case
    people = _people(shape)
    # ground truth: period -> group -> [scores of each respondent]
    truth: dict[str, dict[str, list[dict[str, float]]]] = {}
    rows = []
    for period, levels in zip(PERIODS, periods, strict=False):
        for person, (team, level) in enumerate(zip(people, levels, strict=True)):
            if level is None:
                continue
            scores = CBI.score(_answers(level))
            for group in ("practice", *([team] if team else [])):
                truth.setdefault(period, {}).setdefault(group, []).append({"person": person, **scores})
            rows.append((None, period, team, _answers(level)))
    with tempfile.TemporaryDirectory() as folder:
        state = AppState(Path(folder) / "app.sqlite")
        if rows:
            pulse.seed(state, rows)
        teams = sorted({t for t in people if t})
        shown = pulse.team_pulse(state, username="boss", role="manager", teams=teams, today=TODAY, periods=12)
    shown = shown[shown["shown"]]
    members: dict[tuple[str, str], set[int]] = {}
    for agg in shown.itertuples(index=False):
        group = "practice" if agg.level == "practice" else agg.team
        answered = truth[agg.period][group]
        # computed from at least 5 people, and from exactly the people it says
        assert len(answered) >= MIN_N
        assert agg.respondents == len(answered)
        assert agg.work_mean == pytest.approx(sum(a["work"] for a in answered) / len(answered))
        assert agg.client_mean == pytest.approx(sum(a["client"] for a in answered) / len(answered))
        members[(agg.period, group)] = {a["person"] for a in answered}
    _no_difference_under_five(members)


def _no_difference_under_five(members: dict[tuple[str, str], set[int]]) -> None:
    """(period, group) -> the people a shown aggregate holds. No two differ by one person (nor by 2-4): in
    each period, for every pair where one group holds the other, the difference is nobody or at least 5
    people; nor does any combination: the practice minus every team shown with it is nobody or 5 or more."""
    for (p1, g1), (p2, g2) in itertools.permutations(members, 2):
        a, b = members[(p1, g1)], members[(p2, g2)]
        if p1 == p2 and a <= b:
            assert len(b - a) == 0 or len(b - a) >= MIN_N, (p1, g1, g2)
    for period in {p for p, _ in members}:
        if (period, "practice") in members:
            rest = members[(period, "practice")].difference(
                *[m for (p, g), m in members.items() if p == period and g != "practice"])
            assert len(rest) == 0 or len(rest) >= MIN_N, period


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(0, 15), min_size=1, max_size=6), st.integers(0, 6))
def test_the_rules_alone_over_many_more_practices(team_sizes, no_team):
    """The same two rules on :func:`pulse.shown_aggregates` directly (no database): many more cases."""
    import pandas as pd

    rows = [{"period": "2026-10", "team": f"T{i}", "respondents": n, "work_sum": 10.0 * n, "client_sum": 5.0 * n,
             "work_high": 0, "client_high": 0, "any_high": 0} for i, n in enumerate(team_sizes) if n]
    if no_team:
        rows.append({"period": "2026-10", "team": pulse.NO_TEAM, "respondents": no_team, "work_sum": 0.0,
                     "client_sum": 0.0, "work_high": 0, "client_high": 0, "any_high": 0})
    if not rows:
        return
    out = pulse.shown_aggregates(pd.DataFrame(rows))
    shown = out[out["shown"]]
    assert (shown["respondents"] >= MIN_N).all()
    assert out.loc[~out["shown"], "respondents"].isna().all()
    total = sum(team_sizes) + no_team
    if (shown["level"] == "practice").any():
        rest = total - shown.loc[shown["level"] == "team", "respondents"].sum()
        assert rest == 0 or rest >= MIN_N


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(practice)
def test_a_reader_who_answers_cannot_subtract_themselves_into_a_group_under_five(case):
    """A supervisor answers the pulse and reads aggregates: knowing their own answer - whichever group it
    went to, a team they have since left included - what they see must still rest on at least 5 others
    and combine with nothing into a smaller group; and it is never more than a manager sees. The reader
    is not told to the rule, so it is checked here for every person as the reader."""
    shape, periods = case
    people = _people(shape)
    truth: dict[str, dict[str, set[int]]] = {}
    rows = []
    for period, levels in zip(PERIODS, periods, strict=False):
        for person, (team, level) in enumerate(zip(people, levels, strict=True)):
            if level is None:
                continue
            for group in ("practice", *([team] if team else [])):
                truth.setdefault(period, {}).setdefault(group, set()).add(person)
            rows.append((None, period, team, _answers(level)))
    teams = sorted({t for t in people if t})
    with tempfile.TemporaryDirectory() as folder:
        state = AppState(Path(folder) / "app.sqlite")
        if rows:
            pulse.seed(state, rows)
        everyone = pulse.team_pulse(state, username="boss", role="manager", teams=teams, today=TODAY, periods=12)
        mine = pulse.team_pulse(state, username="sup", role="supervisor", teams=teams, today=TODAY, periods=12)
    key = ["period", "level", "team"]
    shown_to_all = {tuple(r) for r in everyone.loc[everyone["shown"], key].fillna("").itertuples(index=False)}
    shown_to_me = {tuple(r) for r in mine.loc[mine["shown"], key].fillna("").itertuples(index=False)}
    assert shown_to_me <= shown_to_all  # never more than a manager sees
    assert mine.loc[~mine["shown"], "respondents"].isna().all()  # a withheld one carries no number
    for reader in range(len(people)):  # what each possible reader learns: each shown group without them
        others = {(p, "practice" if lvl == "practice" else t):
                  truth[p]["practice" if lvl == "practice" else t] - {reader} for p, lvl, t in shown_to_me}
        for (period, group), rest in others.items():
            assert len(rest) >= MIN_N, (reader, period, group)
        _no_difference_under_five(others)
