"""The peer-consultation queue: clients brought to the team's meeting, what the group said, and the follow-up.

An item holds a client pseudonym and a snapshot taken when it was brought (the
open flags, momentum, the primary measure's latest score, the data date), the
clinician's question (through the PHI guard), and the group's ideas and agreed
next step, recorded during or after the meeting (append-only notes).

Who sees an item: the client's clinician's team and supervisor, and managers -
the callers pass the viewer's team audience (``pipelines.models.queries.team_audience``).
Items are app state: no ingest touches them. Every change is audited.

The follow-up (:func:`follow_up`) compares the snapshot with the data now: the
change on the primary measure since the consultation in reliable-change units
(Jacobson & Truax 1991; thresholds in schemas/instruments.toml), the flags
cleared and any new ones, and the momentum then and now.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from pipelines import clock
from pipelines.appstate import audit, phi_guard
from pipelines.appstate.db import AppState
from schemas.instruments import INSTRUMENTS

MAX_TEXT = 1000
ITEM_COLUMNS = [
    "item_id", "client_id", "clinician_id", "team", "brought_by", "brought_at", "as_of", "question", "from_flag",
    "flags_then", "momentum_then", "measure", "score_then", "meeting_date", "ideas", "next_step", "recorded_by",
    "recorded_at", "notes",
]  # fmt: skip


class ConsultationError(ValueError):
    """An item or note that cannot be stored; the message says why."""


def _q(con, name: str) -> str:
    """Query ``name`` of consultations.sql in the connection's dialect."""
    return con.q("consultations", name)


def _stamp(at: datetime | None = None) -> str:
    """A local practice time (the practice's now unless ``at`` is given)."""
    return (at or clock.now()).strftime("%Y-%m-%d %H:%M:%S")


def _text(value: str, what: str, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ConsultationError(f"Write the {what}: it is empty.")
    if len(value) > MAX_TEXT:
        raise ConsultationError(f"The {what} is at most {MAX_TEXT:,} characters; this has {len(value):,}.")
    return value


def _guard(texts: Iterable[str], foreign_client_ids: Iterable[str], confirmed: Iterable[str]) -> None:
    joined = "\n".join(texts)
    stopped = phi_guard.unconfirmed(phi_guard.check(joined, foreign_client_ids), confirmed)
    if stopped:
        raise phi_guard.PhiGuardError(stopped)


def bring(
    state: AppState,
    *,
    client_id: str,
    clinician_id: str,
    team: str | None,
    brought_by: str,
    question: str,
    as_of: date,
    from_flag: str | None = None,
    flags_then: Iterable[str] = (),
    momentum_then: str | None = None,
    measure: str | None = None,
    score_then: float | None = None,
    foreign_client_ids: Iterable[str] = (),
    confirmed: Iterable[str] = (),
    now: datetime | None = None,
) -> int:
    """Put a client on the team's consultation queue; returns the item id.

    The caller checks the client is in the bringer's scope; ``foreign_client_ids``
    are client_ids in the question outside that scope (stopped by the guard).
    """
    question = _text(question, "question for the group")
    confirmed = sorted(set(confirmed))
    _guard([question], foreign_client_ids, confirmed)
    score = None if score_then is None or pd.isna(score_then) else float(score_then)
    with state.transaction() as con:
        cur = con.execute(_q(con, "insert_item"), (
            client_id, clinician_id, team, brought_by, _stamp(now), as_of.isoformat(), question, from_flag,
            json.dumps(sorted(set(flags_then))), momentum_then, measure, score, json.dumps(confirmed)))
        item_id = int(cur.fetchone()[0])
        audit.append(con, brought_by, "consultation_brought", item_id=item_id, client_id=client_id,
                     clinician_id=clinician_id, from_flag=from_flag, phi_confirmed=confirmed)
    return item_id


def record_outcome(
    state: AppState,
    item_id: int,
    *,
    meeting_date: date,
    ideas: str,
    next_step: str,
    recorded_by: str,
    audience: Iterable[str],
    foreign_client_ids: Iterable[str] = (),
    confirmed: Iterable[str] = (),
) -> int:
    """Record the group's ideas and agreed next step (a new note each time); returns the note id.

    ``audience``: the recorder's team audience - an item outside it is refused.
    """
    ideas = _text(ideas, "group's ideas", required=False)
    next_step = _text(next_step, "agreed next step")
    if meeting_date > clock.today():
        raise ConsultationError("The meeting date cannot be in the future.")
    with state.reading() as con:
        row = con.execute(_q(con, "item_clinician"), (int(item_id),)).fetchone()
    if row is None or row["clinician_id"] not in set(audience):
        audit.record(state, recorded_by, "consultation_refused", item_id=int(item_id))
        raise ConsultationError("That consultation item is not one your team can see.")
    _guard([ideas, next_step], foreign_client_ids, confirmed)
    with state.transaction() as con:
        cur = con.execute(_q(con, "insert_note"), (int(item_id), meeting_date.isoformat(), ideas, next_step,
                                              recorded_by, _stamp()))
        note_id = int(cur.fetchone()[0])
        audit.append(con, recorded_by, "consultation_note", item_id=int(item_id), note_id=note_id,
                     meeting_date=meeting_date.isoformat())
    return note_id


def items(state: AppState, audience: Iterable[str]) -> pd.DataFrame:
    """Items about clients of the audience's clinicians, newest first, with their latest note."""
    with state.reading() as con:
        rows = con.execute(_q(con, "items_for"), (state.list_param(sorted(set(audience))),)).fetchall()
    frame = pd.DataFrame([dict(r) for r in rows], columns=ITEM_COLUMNS)
    frame["flags_then"] = [json.loads(f) for f in frame["flags_then"]]
    frame["status"] = ["discussed" if isinstance(s, str) and s else "open" for s in frame["next_step"]]
    return frame


def notes(state: AppState, item_id: int) -> pd.DataFrame:
    with state.reading() as con:
        rows = con.execute(_q(con, "notes_for"), (int(item_id),)).fetchall()
    return pd.DataFrame([dict(r) for r in rows],
                        columns=["note_id", "item_id", "meeting_date", "ideas", "next_step", "recorded_by",
                                 "recorded_at"])


@dataclass(frozen=True)
class FollowUp:
    measure: str | None
    score_then: float | None
    score_now: float | None
    change: float | None  # positive = better
    rc_threshold: float | None
    verdict: str  # "reliably better", "reliably worse", "no reliable change", "no new score"
    momentum_then: str | None
    momentum_now: str | None
    flags_cleared: tuple[str, ...]
    flags_new: tuple[str, ...]
    flags_still: tuple[str, ...]

    @property
    def resumed(self) -> bool:
        """Momentum resumed: reliably better since the consultation, or momentum now building."""
        return self.verdict == "reliably better" or self.momentum_now == "building"

    def summary(self) -> str:
        parts = []
        if self.change is not None:
            parts.append(f"{self.measure} {self.score_then:g} → {self.score_now:g} since the consultation: "
                         f"{self.verdict} (reliable change is {self.rc_threshold:g})")
        else:
            parts.append(f"{self.measure or 'Primary measure'}: {self.verdict} since the consultation")
        parts.append(f"momentum {self.momentum_then or '–'} → {self.momentum_now or '–'}")
        if self.flags_cleared:
            parts.append("flags cleared: " + ", ".join(self.flags_cleared))
        if self.flags_new:
            parts.append("new flags: " + ", ".join(self.flags_new))
        return "; ".join(parts) + "."


def follow_up(item: pd.Series | dict, momentum_now: pd.DataFrame, flags_now: pd.DataFrame) -> FollowUp:
    """Compare the item's snapshot with the data now (``client_momentum`` and ``active_flags`` rows of its client)."""
    client = item["client_id"]
    mrow = momentum_now[momentum_now["client_id"] == client]
    measure = item["measure"] if isinstance(item["measure"], str) else None
    then = item["score_then"] if item["score_then"] is not None and not pd.isna(item["score_then"]) else None
    now = None
    if len(mrow) and mrow["primary_measure"].iloc[0] == measure and pd.notna(mrow["latest_score"].iloc[0]):
        now = float(mrow["latest_score"].iloc[0])
    rc = INSTRUMENTS[measure].rc_threshold if measure in INSTRUMENTS else None
    change, verdict = None, "no new score"
    if then is not None and now is not None and rc is not None:
        change = (then - now) if INSTRUMENTS[measure].better == "lower" else (now - then)
        verdict = ("reliably better" if change >= rc else "reliably worse" if -change >= rc
                   else "no reliable change")
    flags_then = set(item["flags_then"])
    current = set(flags_now.loc[flags_now["client_id"] == client, "flag"])
    return FollowUp(
        measure=measure, score_then=then, score_now=now, change=change, rc_threshold=rc, verdict=verdict,
        momentum_then=item["momentum_then"] if isinstance(item["momentum_then"], str) else None,
        momentum_now=str(mrow["momentum"].iloc[0]) if len(mrow) else None,
        flags_cleared=tuple(sorted(flags_then - current)), flags_new=tuple(sorted(current - flags_then)),
        flags_still=tuple(sorted(flags_then & current)),
    )
