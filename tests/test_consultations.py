"""The peer-consultation queue's store: bringing a client, recording the group's next step, the follow-up."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from pipelines import clock
from pipelines.appstate import audit, consultations
from pipelines.appstate.db import AppState
from pipelines.appstate.phi_guard import PhiGuardError

AS_OF = date(2026, 11, 1)


@pytest.fixture
def state(app_state) -> AppState:
    return app_state  # SQLite and PostgreSQL (tests/conftest.py)


def _bring(state, **kw):
    kw.setdefault("question", "Stuck for 8 sessions: what else could we try?")
    return consultations.bring(
        state, client_id="C1", clinician_id="T2", team="North", brought_by="casey", as_of=AS_OF,
        from_flag="PLATEAU", flags_then=["PLATEAU", "NO_RELIABLE_CHANGE"], momentum_then="stalled",
        measure="PHQ-9", score_then=18.0, **kw)


def _momentum(score: float | None, momentum: str = "stalled") -> pd.DataFrame:
    return pd.DataFrame([{"client_id": "C1", "primary_measure": "PHQ-9", "latest_score": score, "momentum": momentum}])


def _flags(*codes) -> pd.DataFrame:
    return pd.DataFrame({"client_id": ["C1"] * len(codes), "flag": list(codes)}, dtype=object)


def test_bring_then_record_the_next_step(state):
    item_id = _bring(state)
    queue = consultations.items(state, ["T2"])
    assert queue[["item_id", "client_id", "status", "from_flag"]].to_dict("records") == [
        {"item_id": item_id, "client_id": "C1", "status": "open", "from_flag": "PLATEAU"}]
    assert queue["flags_then"].iloc[0] == ["NO_RELIABLE_CHANGE", "PLATEAU"]
    consultations.record_outcome(state, item_id, meeting_date=AS_OF, ideas="Try behavioural activation",
                                 next_step="Review the formulation with the client", recorded_by="sam",
                                 audience=["T2", "T3"])
    queue = consultations.items(state, ["T2"])
    assert (queue["status"].iloc[0], queue["next_step"].iloc[0]) == ("discussed", "Review the formulation with the client")
    actions = [e["action"] for e in audit.recent(state, 5)]
    assert "consultation_brought" in actions and "consultation_note" in actions


def test_items_show_only_to_their_clinicians_audience(state):
    _bring(state)
    assert consultations.items(state, ["T3"]).empty


def test_a_note_on_an_item_outside_the_audience_is_refused_and_audited(state):
    item_id = _bring(state)
    with pytest.raises(consultations.ConsultationError, match="not one your team can see"):
        consultations.record_outcome(state, item_id, meeting_date=AS_OF, ideas="", next_step="x",
                                     recorded_by="eve", audience=["T9"])
    assert audit.recent(state, 1)[0]["action"] == "consultation_refused"
    assert consultations.notes(state, item_id).empty


def test_the_guard_applies_to_the_question_and_the_notes(state):
    with pytest.raises(PhiGuardError):
        _bring(state, question="Her number is 07700 900123, what now?")
    with pytest.raises(PhiGuardError):
        _bring(state, question="Seen since 12/03/2026, any ideas?")
    assert consultations.items(state, ["T2"]).empty
    item_id = _bring(state)
    with pytest.raises(PhiGuardError):
        consultations.record_outcome(state, item_id, meeting_date=AS_OF, ideas="email her at a@b.org",
                                     next_step="call", recorded_by="sam", audience=["T2"])


@pytest.mark.parametrize(
    ("kw", "message"),
    [({"next_step": " "}, "agreed next step"), ({"meeting_date": clock.today() + timedelta(days=1)}, "future")],
)
def test_bad_notes_are_refused(state, kw, message):
    item_id = _bring(state)
    args = {"meeting_date": AS_OF, "ideas": "", "next_step": "Try X", "recorded_by": "sam", "audience": ["T2"]} | kw
    with pytest.raises(consultations.ConsultationError, match=message):
        consultations.record_outcome(state, item_id, **args)


def test_an_empty_question_is_refused(state):
    with pytest.raises(consultations.ConsultationError, match="question"):
        _bring(state, question="   ")


@pytest.mark.parametrize(
    ("now", "momentum", "verdict", "resumed"),
    [
        (11.0, "building", "reliably better", True),  # 18 -> 11 on PHQ-9: 7 points better, RC 6
        (13.0, "stalled", "no reliable change", False),
        (24.0, "slipping", "reliably worse", False),
        (None, "stalled", "no new score", False),
    ],
)
def test_follow_up_shows_change_since_the_consultation(state, now, momentum, verdict, resumed):
    _bring(state)
    item = consultations.items(state, ["T2"]).iloc[0]
    follow = consultations.follow_up(item, _momentum(now, momentum), _flags("PLATEAU", "MISSED_SESSIONS"))
    assert (follow.verdict, follow.resumed, follow.momentum_then, follow.momentum_now) == (
        verdict, resumed, "stalled", momentum)
    assert follow.flags_cleared == ("NO_RELIABLE_CHANGE",)
    assert follow.flags_new == ("MISSED_SESSIONS",)
    assert follow.flags_still == ("PLATEAU",)
    assert "NO_RELIABLE_CHANGE" in follow.summary()


def test_items_are_never_deleted_and_notes_never_changed(state):
    item_id = _bring(state)
    consultations.record_outcome(state, item_id, meeting_date=AS_OF, ideas="", next_step="x", recorded_by="s",
                                 audience=["T2"])
    with state.reading() as con, pytest.raises(Exception, match="never deleted"):
        con.execute("DELETE FROM consultations")
    with state.reading() as con, pytest.raises(Exception, match="append-only"):
        con.execute("UPDATE consultation_notes SET next_step = 'y'")
