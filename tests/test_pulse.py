"""The wellbeing pulse's store and query layer (pipelines/appstate/pulse.py), in both app-state dialects.

What an app-state administrator can read, what the owner can read, the ≥ 5 rule, the
differencing rule, closed periods only, audited aggregate reads, and the demo's seed.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from pipelines.appstate import audit, pulse
from pipelines.appstate.db import AppState
from pipelines.synthetic import sample_pulse
from schemas.wellbeing import CBI

TODAY = date(2026, 11, 22)  # November is open; October is the latest closed period
LAST_MONTH = date(2026, 10, 15)


def answers(level: str) -> dict[str, str]:
    """Everyone answers alike on one level: 'low' (0/25-ish), 'high' (75), 'mid' (50)."""
    freq = {"low": "Seldom", "mid": "Sometimes", "high": "Often"}[level]
    degree = {"low": "To a low degree", "mid": "Somewhat", "high": "To a high degree"}[level]
    return {i.id: (freq if i.options == "frequency" else degree) for i in CBI.items}


def _fill(state: AppState, team: str, n: int, day: date = LAST_MONTH, level: str = "low", prefix: str = "u") -> None:
    for i in range(n):
        key = pulse.derive_key(f"{prefix}{team}{i}", "a long enough password")
        pulse.submit(state, key, team=team, answers=answers(level), today=day)


def _team(frame, team):
    return frame[(frame["level"] == "team") & (frame["team"] == team)].iloc[-1]


def _practice(frame):
    return frame[frame["level"] == "practice"].iloc[-1]


def test_the_owner_reads_their_answers_and_nobody_else_can(app_state):
    mine = pulse.derive_key("dana", "dana's long password")
    scores = pulse.submit(app_state, mine, team="North", answers=answers("high"), today=LAST_MONTH)
    assert scores == {"work": pytest.approx((6 * 75 + 25) / 7), "client": 75.0}
    history = pulse.own_history(app_state, mine)
    assert history[["period", "work", "client"]].values.tolist() == [["2026-10", scores["work"], 75.0]]
    assert history["work_band"].tolist() == ["50 or more (high)"]
    # the same username with another password (an administrator's reset) finds nothing
    assert pulse.own_history(app_state, pulse.derive_key("dana", "a reset password!")).empty
    assert pulse.own_history(app_state, pulse.derive_key("eli", "dana's long password")).empty


def test_a_password_reset_closes_the_period_so_no_one_is_counted_twice(app_state, monkeypatch):
    from pipelines.appstate import users

    users.add_user(app_state, "dana", "Dana", "clinician", "dana's long password", clinician_id="T9")
    before = pulse.derive_key("dana", "dana's long password")
    pulse.submit(app_state, before, team="North", answers=answers("high"), today=LAST_MONTH)
    monkeypatch.setenv("MOMENTUM_TODAY", "2026-10-20")  # the reset falls in the same period (October)
    users.reset_password(app_state, "dana", "a reset password for dana")
    after = pulse.derive_key("dana", "a reset password for dana")
    assert pulse.status(app_state, after, LAST_MONTH) == "closed"
    for act in (lambda: pulse.submit(app_state, after, team="North", answers=answers("low"), today=LAST_MONTH),
                lambda: pulse.skip(app_state, after, LAST_MONTH)):
        with pytest.raises(pulse.PulseError, match="reset during this period"):
            act()
    with app_state.reading() as con:
        sums = con.execute("SELECT respondents FROM pulse_team_sums WHERE period = '2026-10'").fetchall()
    assert [tuple(r) for r in sums] == [(1,)]  # still one person, counted once
    # the next period opens as usual under the new password
    assert pulse.status(app_state, after, TODAY) == "due"
    pulse.submit(app_state, after, team="North", answers=answers("low"), today=TODAY)
    assert pulse.status(app_state, after, TODAY) == "answered"
    # a reset leaves no trace in the pulse's own tables: the reset day is kept with the account
    with app_state.reading() as con:
        owner = json.dumps([dict(r) for r in con.execute("SELECT * FROM pulse_owner_copies").fetchall()])
    assert "dana" not in owner


@pytest.mark.parametrize(("north", "south", "shown_to_supervisor"), [(5, 5, False), (6, 6, True)])
def test_a_supervisor_who_answers_sees_a_team_only_with_five_others(app_state, north, south,
                                                                  shown_to_supervisor):
    _fill(app_state, "North", north)
    _fill(app_state, "South", south)
    args = {"teams": ["North", "South"], "today": TODAY}
    manager = pulse.team_pulse(app_state, username="boss", role="manager", **args)
    supervisor = pulse.team_pulse(app_state, username="sup", role="supervisor", **args)
    assert _team(manager, "North")["shown"] and _team(manager, "South")["shown"] and _practice(manager)["shown"]
    for row in (_team(supervisor, "North"), _team(supervisor, "South")):
        assert bool(row["shown"]) is shown_to_supervisor
        if not shown_to_supervisor:  # 5 minus the reader's own answer would be 4 people
            assert row["status"].startswith("withheld for you") and pd.isna(row["respondents"])
        else:
            assert row["respondents"] == 6  # the true count: only the decision allows for the reader
    # the practice: 9 or 11 others besides the reader, and no shown team to subtract it from that leaves fewer
    assert _practice(supervisor)["shown"] and _practice(supervisor)["respondents"] == north + south


def test_an_administrator_reading_the_tables_finds_no_name_no_time_and_no_answer(app_state):
    key = pulse.derive_key("dana", "dana's long password")
    pulse.submit(app_state, key, team="North", answers=answers("high"), today=LAST_MONTH)
    with app_state.reading() as con:
        owner = [dict(r) for r in con.execute("SELECT * FROM pulse_owner_copies").fetchall()]
        sums = [dict(r) for r in con.execute("SELECT * FROM pulse_team_sums").fetchall()]
    assert list(owner[0]) == ["owner_ref", "period", "sealed"]
    dump = json.dumps(owner + sums)
    for leak in ("dana", "Often", "To a high degree", "scores", "answers"):
        assert leak not in json.dumps(owner), leak
    assert "dana" not in dump
    assert list(sums[0]) == ["period", "team", "respondents", "work_sum", "client_sum", "work_high", "client_high",
                             "any_high"]
    # nothing about the answer in the audit log either: it would tell a manager who answered (and who skipped)
    assert [e for e in audit.recent(app_state) if "pulse" in e["action"]] == []


def test_a_skip_looks_like_an_answer_to_anyone_but_the_owner(app_state):
    answered, skipped = pulse.derive_key("a", "password one!!"), pulse.derive_key("b", "password two!!")
    pulse.submit(app_state, answered, team="North", answers=answers("low"), today=TODAY)
    pulse.skip(app_state, skipped, TODAY)
    with app_state.reading() as con:
        rows = con.execute("SELECT period, sealed FROM pulse_owner_copies").fetchall()
    assert {r["period"] for r in rows} == {"2026-11"}
    assert len({len(r["sealed"]) for r in rows}) == 1  # padded: the same length
    assert pulse.status(app_state, answered, TODAY) == "answered"
    assert pulse.status(app_state, skipped, TODAY) == "skipped"
    assert pulse.status(app_state, pulse.derive_key("c", "password three"), TODAY) == "due"
    assert pulse.own_history(app_state, skipped).empty  # a skip is no score
    with app_state.reading() as con:  # a skip adds nothing to the team's sums
        assert [tuple(r) for r in con.execute("SELECT team, respondents FROM pulse_team_sums")] == [("North", 1)]


def test_one_answer_a_period(app_state):
    key = pulse.derive_key("dana", "dana's long password")
    pulse.submit(app_state, key, team="North", answers=answers("low"), today=TODAY)
    with pytest.raises(pulse.PulseError, match="already answered or skipped"):
        pulse.submit(app_state, key, team="North", answers=answers("high"), today=TODAY)
    with pytest.raises(pulse.PulseError, match="already"):
        pulse.skip(app_state, key, TODAY)
    with app_state.reading() as con:
        assert con.execute("SELECT respondents FROM pulse_team_sums").fetchone()[0] == 1
    assert pulse.status(app_state, key, date(2026, 12, 1)) == "due"  # a new period


def test_an_incomplete_pulse_is_refused_and_stores_nothing(app_state):
    partial = answers("low")
    del partial["w3"]
    with pytest.raises(pulse.PulseError, match="Answer every question"):
        pulse.submit(app_state, pulse.derive_key("d", "password four"), team="North", answers=partial, today=TODAY)
    with app_state.reading() as con:
        assert con.execute("SELECT count(*) FROM pulse_owner_copies").fetchone()[0] == 0


@pytest.mark.parametrize(("n", "shown"), [(4, False), (5, True)])
def test_a_team_aggregate_needs_five_respondents(app_state, n, shown):
    _fill(app_state, "North", n, level="high")
    frame = pulse.team_pulse(app_state, username="boss", role="manager", teams=["North"], today=TODAY)
    north = _team(frame, "North")
    assert bool(north["shown"]) is shown
    if shown:
        assert north["respondents"] == 5 and north["high_share"] == 1.0
        assert north["work_mean"] == pytest.approx((6 * 75 + 25) / 7)
    else:
        assert north["status"] == "fewer than 5 responses"
        assert north[["respondents", "work_mean", "client_mean", "high_share"]].isna().all()  # not even the count
    assert bool(_practice(frame)["shown"]) is shown  # the practice is the same 4 or 5 people


def test_the_practice_is_withheld_when_it_would_single_out_fewer_than_five(app_state):
    _fill(app_state, "North", 6)
    _fill(app_state, "East", 1, level="high")  # one person: practice minus North would be them
    frame = pulse.team_pulse(app_state, username="boss", role="manager", teams=["North", "East"], today=TODAY)
    assert bool(_team(frame, "North")["shown"]) and not bool(_team(frame, "East")["shown"])
    practice = _practice(frame)
    assert not practice["shown"] and practice["status"].startswith("withheld")
    assert practice[["respondents", "work_mean", "high_share"]].isna().all()
    # with 5 outside North, the practice shows: the difference is an aggregate of 5
    _fill(app_state, "South", 4, prefix="v")
    frame = pulse.team_pulse(app_state, username="boss", role="manager", teams=["North", "East"], today=TODAY)
    assert bool(_practice(frame)["shown"]) and _practice(frame)["respondents"] == 11


def test_people_on_no_team_count_in_the_practice_only(app_state):
    _fill(app_state, "North", 5)
    _fill(app_state, "", 1)
    frame = pulse.team_pulse(app_state, username="boss", role="manager", teams=["North"], today=TODAY)
    assert set(frame["team"].dropna()) == {"North"}  # no bucket for "no team"
    assert not bool(_practice(frame)["shown"])  # 6 minus North's 5 would be that one person


def test_an_open_period_is_never_shown(app_state):
    _fill(app_state, "North", 7, day=TODAY)  # November: still open on TODAY
    frame = pulse.team_pulse(app_state, username="boss", role="manager", teams=["North"], today=TODAY)
    assert frame.empty
    frame = pulse.team_pulse(app_state, username="boss", role="manager", teams=["North"], today=date(2026, 12, 1))
    assert frame["period"].unique().tolist() == ["2026-11"] and bool(_team(frame, "North")["shown"])


def test_only_managers_and_supervisors_read_aggregates_and_only_their_teams(app_state):
    _fill(app_state, "North", 5)
    _fill(app_state, "South", 5)
    with pytest.raises(PermissionError):
        pulse.team_pulse(app_state, username="cli", role="clinician", teams=["North"], today=TODAY)
    frame = pulse.team_pulse(app_state, username="sup", role="supervisor", teams=["North"], today=TODAY)
    assert set(frame["team"].dropna()) == {"North"} and "practice" in set(frame["level"])


def test_every_aggregate_read_is_audited(app_state):
    _fill(app_state, "North", 5)
    before = len([e for e in audit.recent(app_state, 1000) if e["action"] == "pulse_aggregates_read"])
    for _ in range(2):
        pulse.team_pulse(app_state, username="boss", role="manager", teams=["North"], today=TODAY)
    reads = [e for e in audit.recent(app_state, 1000) if e["action"] == "pulse_aggregates_read"]
    assert len(reads) == before + 2
    assert reads[0]["actor"] == "boss"
    assert json.loads(reads[0]["detail"]) == {"periods": ["2026-10"], "shown": 2, "teams": ["North"]}
    assert audit.verify(app_state)[0]


def test_a_team_whose_high_share_rises_two_periods_running_is_marked(app_state):
    for month, highs in ((8, 1), (9, 2), (10, 3)):
        day = date(2026, month, 10)
        _fill(app_state, "North", highs, day=day, level="high", prefix=f"h{month}")
        _fill(app_state, "North", 6 - highs, day=day, level="low", prefix=f"l{month}")
        _fill(app_state, "South", 5, day=day, level="high" if month == 8 else "low", prefix=f"s{month}")
    frame = pulse.team_pulse(app_state, username="boss", role="manager", teams=["North", "South"], today=TODAY)
    assert pulse.rising_teams(frame, TODAY) == ["North"]
    # a rise that stops, or a period not shown, is no mark
    assert pulse.rising_teams(frame, date(2026, 12, 2)) == []


def test_periods_follow_the_setting(monkeypatch):
    assert pulse.period_of(TODAY).label == "2026-11"
    monkeypatch.setenv("MOMENTUM_PULSE_MONTHS", "3")
    assert pulse.period_of(TODAY).label == "2026-10" and pulse.period_of(TODAY).title == "Oct–Dec 2026"
    assert pulse.period_of(date(2026, 1, 2)).previous().label == "2025-10"
    monkeypatch.setenv("MOMENTUM_PULSE_MONTHS", "5")
    with pytest.raises(pulse.PulseError, match="MOMENTUM_PULSE_MONTHS"):
        pulse.period_of(TODAY)


def test_the_key_is_never_printed():
    key = pulse.derive_key("dana", "dana's long password")
    assert "dana" not in repr(key) and key.seal.hex() not in repr(key) and key.ref not in repr(key)


def test_the_sample_generator_is_deterministic_and_follows_its_courses():
    staff = [(f"T{i:02d}", team, "clinician", True) for i, team in enumerate(["East"] * 7 + ["North"] * 7 +
                                                                              ["South"] * 8)]
    one = sample_pulse.generate(staff, TODAY, always=["T07"])
    assert one == sample_pulse.generate(staff, TODAY, always=["T07"])
    counts = {}
    for a in one:
        counts[(a.team, a.period)] = counts.get((a.team, a.period), 0) + 1
    assert [counts.get(("East", p.label), 0) for p in sample_pulse.closed_periods(TODAY)] == [5, 6, 4, 5, 3, 4]
    assert {a.period for a in one if a.clinician_id == "T07"} == {p.label for p in sample_pulse.closed_periods(TODAY)}
    assert all(a.period < "2026-11" for a in one)  # nothing in the open period


def test_the_demo_practice_has_a_pulse_trend_with_a_team_of_five_or_more_and_one_of_fewer(demo_db):
    state = AppState(demo_db.app_db)
    frame = pulse.team_pulse(state, username="manager", role="manager", teams=["East", "North", "South"],
                             today=TODAY)
    latest = frame[frame["period"] == "2026-10"].set_index("team")
    assert bool(latest.loc["South", "shown"]) and latest.loc["South", "respondents"] >= 5
    assert latest.loc["East", "status"] == "fewer than 5 responses"
    assert frame["period"].nunique() == 6 and frame["shown"].sum() > 10
    assert pulse.rising_teams(frame, TODAY) == ["North"]
    # the demo clinician's own history, opened with the key their sign-in derives
    own = pulse.own_history(state, pulse.derive_key("clinician", "momentum-demo"))
    assert len(own) == 6 and pulse.status(state, pulse.derive_key("clinician", "momentum-demo"), TODAY) == "due"
