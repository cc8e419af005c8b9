"""The flag review loop: storing reviews and the state they give a flag."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipelines.appstate import audit
from pipelines.appstate.db import AppState
from pipelines.appstate.flag_reviews import ReviewError, record, review_state, reviews_for

TODAY = date(2026, 6, 30)
SINCE = date(2026, 6, 1)


@pytest.fixture
def state(app_state) -> AppState:
    return app_state  # SQLite and PostgreSQL (tests/conftest.py)


def _flags(*rows) -> pd.DataFrame:
    return pd.DataFrame(
        [{"client_id": c, "clinician_id": "T2", "flag": f, "severity": "medium",
          "since": pd.Timestamp(s), "reason": "why", "measure": "PHQ-9"} for c, f, s in rows]
    )


def _momentum(latest: float) -> pd.DataFrame:
    return pd.DataFrame([{"client_id": "C1", "primary_measure": "PHQ-9", "latest_score": latest, "rc_threshold": 6.0}])


def _state_of(state, latest=15.0, today=TODAY, since=SINCE) -> dict:
    flags = _flags(("C1", "PLATEAU", since))
    return review_state(flags, reviews_for(state, ["C1"]), _momentum(latest), today).iloc[0].to_dict()


def _review(state, action, **kw):
    kw.setdefault("note", "talk in supervision")
    return record(state, client_id="C1", flag="PLATEAU", flag_since=SINCE, action=action,
                  reviewed_by="sam", today=TODAY, score_at_review=15.0, **kw)


def test_an_unreviewed_flag_is_open(state):
    s = _state_of(state)
    assert s["status"] == "open" and s["needs_review"] and s["last_action"] is None


def test_acknowledge_needs_a_note_and_is_audited(state):
    with pytest.raises(ReviewError, match="needs a note"):
        _review(state, "acknowledge", note="  ")
    _review(state, "acknowledge")
    s = _state_of(state)
    assert s["status"] == "acknowledged" and not s["needs_review"]
    assert s["last_reviewed_by"] == "sam" and s["last_note"] == "talk in supervision"
    entry = audit.recent(state, 1)[0]
    assert entry["action"] == "flag_review" and '"review": "acknowledge"' in entry["detail"]


def test_snooze_hides_until_the_date_then_reopens_while_the_flag_holds(state):
    with pytest.raises(ReviewError, match="after today"):
        _review(state, "snooze", snooze_until=TODAY)
    _review(state, "snooze", snooze_until=date(2026, 7, 14))
    assert _state_of(state)["status"] == "snoozed"
    later = _state_of(state, today=date(2026, 7, 14))
    assert later["status"] == "reopened" and later["needs_review"]
    assert "snooze ended 2026-07-14" in later["reopen_reason"]


def test_a_resolved_flag_reopens_when_it_worsens_reliably(state):
    _review(state, "resolve")
    assert _state_of(state, latest=20.0)["status"] == "resolved"  # 5 worse: within reliable change (6)
    worse = _state_of(state, latest=21.0)
    assert worse["status"] == "reopened" and "PHQ-9 15 → 21" in worse["reopen_reason"]
    assert _state_of(state, latest=9.0)["status"] == "resolved"  # better is not worse


def test_a_new_episode_of_the_flag_is_open_again(state):
    _review(state, "resolve")
    assert _state_of(state, since=date(2026, 6, 20))["status"] == "open"


def test_the_latest_review_wins_and_reviews_are_append_only(state):
    _review(state, "snooze", snooze_until=date(2026, 7, 14))
    _review(state, "resolve")
    assert _state_of(state)["status"] == "resolved"
    with pytest.raises(Exception, match="append-only"), state.transaction() as con:
        con.execute("DELETE FROM flag_reviews")
    assert len(reviews_for(state, ["C1"])) == 2
    assert reviews_for(state, ["C2"]).empty


def test_many_clients_get_their_own_reviews_only_and_the_same_as_one_by_one(state, monkeypatch):
    """Above MANY_CLIENTS the reviews are found by first asking which clients have any (a manager's caseload
    has hundreds of thousands): the same reviews as asking for each client, none of a client not asked for."""
    import pipelines.appstate.flag_reviews as flag_reviews

    for client in ("C1", "C2", "C3"):
        record(state, client_id=client, flag="PLATEAU", flag_since=SINCE, action="resolve", reviewed_by="sup",
               today=TODAY)
    asked = pd.Series(["C1", "C3", "C9", "C1"])  # a column of flags: a client can have several
    few = reviews_for(state, asked)
    monkeypatch.setattr(flag_reviews, "MANY_CLIENTS", 0)
    many = reviews_for(state, asked)
    assert sorted(many["client_id"]) == sorted(few["client_id"]) == ["C1", "C3"]
    assert many.equals(few)
    assert reviews_for(state, ["C9", "C8"]).empty and reviews_for(state, []).empty


def test_a_flag_without_a_review_is_open_and_the_states_are_one_column(state):
    _review(state, "resolve")
    flags = _flags(("C1", "PLATEAU", SINCE), ("C2", "PLATEAU", SINCE))
    shown = review_state(flags, reviews_for(state, flags["client_id"]), _momentum(15.0), TODAY)
    assert shown["status"].tolist() == ["resolved", "open"]
    assert shown["needs_review"].tolist() == [False, True]
    assert shown["last_action"].tolist() == ["resolve", None]
