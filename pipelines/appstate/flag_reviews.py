"""The flag review loop: acknowledge (with a note), snooze until a date, resolve.

Reviews are append-only rows in app state; the latest review of a flag
*episode* (client, flag code, the flag's ``since`` date) decides its state:

- no review: **open**;
- acknowledged: **acknowledged** (seen, still listed);
- snoozed: **snoozed** until the date, then **reopened** if the flag still holds
  (the flag is computed from the data, so it is only listed while it holds);
- resolved: **resolved**.

Any reviewed flag is **reopened** when it worsens: the client's primary measure
is now worse than when the flag was reviewed by at least that measure's
reliable-change threshold (Jacobson & Truax 1991; schemas/instruments.toml).
A flag that stopped holding and fires again has a new ``since`` date: a new
episode, open afresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

from pipelines import clock
from pipelines.appstate import audit
from pipelines.appstate.db import AppState
from schemas.instruments import INSTRUMENTS

ACTIONS = ("acknowledge", "snooze", "resolve")
STATUSES = ("open", "acknowledged", "snoozed", "resolved", "reopened")  # a flag's state (the module's docstring)
NEEDS_REVIEW = ("open", "reopened")
REVIEW_COLUMNS = [
    "review_id", "client_id", "flag", "flag_since", "action", "note", "snooze_until",
    "score_at_review", "reviewed_by", "reviewed_at",
]  # fmt: skip


class ReviewError(ValueError):
    """A review that cannot be stored; the message says why."""


def _q(con, name: str) -> str:
    """Query ``name`` of flag_reviews.sql in the connection's dialect."""
    return con.q("flag_reviews", name)


def record(
    state: AppState,
    *,
    client_id: str,
    flag: str,
    flag_since: date,
    action: str,
    reviewed_by: str,
    note: str = "",
    snooze_until: date | None = None,
    score_at_review: float | None = None,
    today: date | None = None,
) -> int:
    """Store one review and audit it. Returns the review id."""
    today = today or clock.today()
    note = (note or "").strip()
    if action not in ACTIONS:
        raise ReviewError(f"action must be one of {', '.join(ACTIONS)}")
    if action == "acknowledge" and not note:
        raise ReviewError("an acknowledgement needs a note: what will be done about it?")
    if action == "snooze":
        if snooze_until is None:
            raise ReviewError("a snooze needs a date to come back")
        if snooze_until <= today:
            raise ReviewError("a snooze must end after today")
    else:
        snooze_until = None
    if len(note) > 2000:
        raise ReviewError("notes are limited to 2,000 characters")
    at = clock.instant().isoformat(timespec="seconds")
    with state.transaction() as con:
        cur = con.execute(
            _q(con, "insert"),
            (client_id, flag, flag_since.isoformat(), action, note,
             snooze_until.isoformat() if snooze_until else None,
             None if score_at_review is None or pd.isna(score_at_review) else float(score_at_review),
             reviewed_by, at),
        )
        review_id = int(cur.fetchone()[0])
        audit.append(con, reviewed_by, "flag_review", review_id=review_id, client_id=client_id, flag=flag,
                     flag_since=flag_since.isoformat(), review=action,
                     snooze_until=snooze_until.isoformat() if snooze_until else None)
    return review_id


# above this many clients, reviews_for first asks which clients have any review at all (few: most flags are never
# reviewed) instead of sending every client_id: a manager's 193,835 flagged clients at 10M took 0.16 s to send and
# look up on every run of the caseload, for no review (docs/performance.md)
MANY_CLIENTS = 1000


def reviews_for(state: AppState, client_ids: Iterable[str] | pd.Series) -> pd.DataFrame:
    """Every review of these clients' flags, oldest first (the caller passes only clients in scope). Only
    these clients' reviews leave this function."""
    ids = client_ids if isinstance(client_ids, pd.Series) else pd.Series(list(client_ids), dtype=object)
    with state.reading() as con:
        if len(ids) > MANY_CLIENTS:  # kept in a vectorised test, not a Python set of every client_id
            ids = ids[ids.isin([r[0] for r in con.execute(_q(con, "reviewed_clients")).fetchall()])]
        wanted = sorted(set(ids.tolist()))
        rows = con.execute(_q(con, "for_clients"), (state.list_param(wanted),)).fetchall() if wanted else []
    return pd.DataFrame([dict(r) for r in rows], columns=REVIEW_COLUMNS)


def _worse_by(measure: str | None, then: float | None, now: float | None) -> float | None:
    """How much worse ``now`` is than ``then`` on ``measure`` (positive = worse)."""
    if measure not in INSTRUMENTS or then is None or now is None or pd.isna(then) or pd.isna(now):
        return None
    return float(now - then) if INSTRUMENTS[measure].better == "lower" else float(then - now)


_UNREVIEWED = {"status": "open", "needs_review": True, "last_action": None, "last_reviewed_by": None,
               "last_reviewed_at": None, "last_note": None, "snooze_until": None, "reopen_reason": ""}


def _reviewed_state(review, facts: dict, today: date) -> dict:
    """The state a flag's latest review gives it (see the module's docstring)."""
    status = {"acknowledge": "acknowledged", "snooze": "snoozed", "resolve": "resolved"}[review.action]
    reason = ""
    if review.action == "snooze" and review.snooze_until and date.fromisoformat(review.snooze_until) <= today:
        status, reason = "reopened", f"snooze ended {review.snooze_until}; the flag still holds"
    worse = _worse_by(facts.get("primary_measure"), review.score_at_review, facts.get("latest_score"))
    rc = facts.get("rc_threshold")
    if worse is not None and rc is not None and not pd.isna(rc) and worse >= float(rc):
        status = "reopened"
        reason = (f"worse since the review: {facts['primary_measure']} {review.score_at_review:g} → "
                  f"{facts['latest_score']:g} (reliable change is {float(rc):g})")
    return {"status": status, "needs_review": status in NEEDS_REVIEW, "last_action": review.action,
            "last_reviewed_by": review.reviewed_by, "last_reviewed_at": review.reviewed_at,
            "last_note": review.note, "snooze_until": review.snooze_until, "reopen_reason": reason}


def review_state(flags: pd.DataFrame, reviews: pd.DataFrame, momentum: pd.DataFrame, today: date) -> pd.DataFrame:
    """The active flags with their review state.

    ``flags``: the active_flags model; ``reviews``: :func:`reviews_for`;
    ``momentum``: client_momentum (primary_measure, latest_score, rc_threshold).
    Adds status, needs_review, last_action, last_reviewed_by, last_reviewed_at,
    last_note, snooze_until and reopen_reason.
    """
    latest = {}
    for r in reviews.itertuples(index=False):  # oldest first: the last one wins
        latest[(r.client_id, r.flag, str(r.flag_since))] = r
    # most flags have no review: they are open; only the flags of reviewed clients are looked at one by one.
    # The columns start as filled arrays (a status code per flag), not Python lists: a large practice has
    # hundreds of thousands of active flags, and lists of them took a fifth of a second to turn into columns
    n = len(flags)
    status = np.full(n, STATUSES.index(_UNREVIEWED["status"]), dtype=np.int8)
    needs_review = np.full(n, _UNREVIEWED["needs_review"], dtype=bool)
    columns = {c: np.full(n, v, dtype=object) for c, v in _UNREVIEWED.items() if c not in ("status", "needs_review")}
    reviewed = np.flatnonzero(flags["client_id"].isin({key[0] for key in latest}).to_numpy())
    candidates = flags.iloc[reviewed]
    since = pd.to_datetime(candidates["since"]).dt.strftime("%Y-%m-%d")
    keys = zip(reviewed, zip(candidates["client_id"], candidates["flag"], since, strict=True), strict=True)
    scores = None
    for i, key in keys:
        review = latest.get(key)
        if review is None:
            continue
        if scores is None:
            scores = momentum.set_index("client_id")[["primary_measure", "latest_score", "rc_threshold"]].to_dict("index")
        state = _reviewed_state(review, scores.get(key[0], {}), today)
        status[i], needs_review[i] = STATUSES.index(state.pop("status")), state.pop("needs_review")
        for c, v in state.items():
            columns[c][i] = v
    extra = pd.DataFrame({"status": pd.Categorical.from_codes(status, STATUSES), "needs_review": needs_review,
                          **{c: pd.Series(v, dtype=object, index=flags.index) for c, v in columns.items()}},
                         index=flags.index)
    return pd.concat([flags, extra], axis=1)
