"""Server-side sign-in sessions and the sign-in lockout (design §7).

A signed-in browser tab holds only a random session id (in the server-side
Streamlit session). The session row in app state decides whether it is still
valid: it ends on sign-out, after ``MOMENTUM_IDLE_TIMEOUT_S`` without a user
action, ``MOMENTUM_SESSION_MAX_S`` after sign-in, or when the user is disabled.
The sign-in cookie (streamlit-authenticator's signed JWT) only *finds* a live
session again after a page reload - by its ``exp_date`` claim - so a replayed
cookie is worth nothing once its session has ended.

Lockout: ``LOCKOUT_FAILURES`` failed sign-ins for one account name within
``LOCKOUT_WINDOW_S`` lock it for ``LOCKOUT_S`` from the last of them. The
sign-in form shows the same message for a locked account, an unknown name and
a wrong password, and checks a password hash in every case, so neither the
message nor the timing tells them apart.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from pipelines import clock
from pipelines.appstate import audit
from pipelines.appstate.db import AppState
from pipelines.settings import setting

LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW_S = 15 * 60
LOCKOUT_S = 15 * 60


def idle_timeout_s() -> float:
    return float(setting("MOMENTUM_IDLE_TIMEOUT_S"))


def absolute_timeout_s() -> float:
    return float(setting("MOMENTUM_SESSION_MAX_S"))


def _q(con, name: str) -> str:
    """Query ``name`` of auth_sessions.sql in the connection's dialect."""
    return con.q("auth_sessions", name)


@dataclass(frozen=True)
class SessionCheck:
    valid: bool
    username: str | None = None
    reason: str | None = None  # why it is not valid: ended, idle, expired, unknown


def start(state: AppState, username: str, cookie_exp: float | None, now: float | None = None,
          role: str | None = None) -> str:
    """Start a session; with ``role``, its "login" audit entry is committed with it."""
    now = clock.epoch() if now is None else now
    session_id = secrets.token_urlsafe(32)
    with state.transaction() as con:
        con.execute(_q(con, "start"), (session_id, username, cookie_exp, now, now))
        con.execute(_q(con, "clear_failures"), (username,))
        if role is not None:
            audit.append(con, username, "login", role=role)
    return session_id


def check(state: AppState, session_id: str | None, now: float | None = None) -> SessionCheck:
    """Is this session still valid? Ends it (idle / expired) when a timeout has passed."""
    if not session_id:
        return SessionCheck(False, reason="unknown")
    now = clock.epoch() if now is None else now
    with state.reading() as con:
        row = con.execute(_q(con, "get"), (session_id,)).fetchone()
    if row is None:
        return SessionCheck(False, reason="unknown")
    if row["ended_at"] is not None:
        return SessionCheck(False, row["username"], row["end_reason"] or "ended")
    if now - row["started_at"] >= absolute_timeout_s():
        end(state, session_id, "expired", now)
        return SessionCheck(False, row["username"], "expired")
    if now - row["last_seen_at"] >= idle_timeout_s():
        end(state, session_id, "idle", now)
        return SessionCheck(False, row["username"], "idle")
    return SessionCheck(True, row["username"])


def touch(state: AppState, session_id: str, now: float | None = None) -> None:
    """Record a user action (not a timer check): the idle clock starts again."""
    with state.transaction() as con:
        con.execute(_q(con, "touch"), (clock.epoch() if now is None else now, session_id))


def end(state: AppState, session_id: str, reason: str, now: float | None = None) -> None:
    with state.transaction() as con:
        con.execute(_q(con, "end"), (clock.epoch() if now is None else now, reason, session_id))


def sign_out(state: AppState, session_id: str, username: str, now: float | None = None) -> int:
    """End this session and every live session of ``username`` that a sign-in cookie could find.

    A browser has one cookie jar for all its tabs, holding the cookie of whichever tab signed in
    last; the server cannot tell which of the user's cookie-bearing sessions it is. So sign-out
    ends them all: the user's other browsers are signed out too (their next click shows the
    sign-in form). Returns how many sessions ended."""
    with state.transaction() as con:
        return con.execute(_q(con, "end_reachable_by_cookie"),
                           (clock.epoch() if now is None else now, "logout", username, session_id)).rowcount


def end_all_for_user(state: AppState, username: str, reason: str) -> int:
    with state.transaction() as con:
        return con.execute(_q(con, "end_for_user"), (clock.epoch(), reason, username)).rowcount


def attach_cookie(state: AppState, session_id: str, cookie_exp: float) -> None:
    """Tie the sign-in cookie (by its expiry claim) to the session it was issued for."""
    with state.transaction() as con:
        con.execute(_q(con, "attach_cookie"), (cookie_exp, session_id))


def find_by_cookie(state: AppState, username: str, cookie_exp: float) -> str | None:
    """The live session a sign-in cookie belongs to (after a page reload), if any."""
    with state.reading() as con:
        row = con.execute(_q(con, "by_cookie"), (username, cookie_exp)).fetchone()
    return row["session_id"] if row else None


def record_failure(state: AppState, username: str, now: float | None = None) -> None:
    with state.transaction() as con:
        con.execute(_q(con, "add_failure"), (username, clock.epoch() if now is None else now))


def locked_until(state: AppState, username: str, now: float | None = None) -> float | None:
    """When the account's lock ends, or None when it is not locked."""
    now = clock.epoch() if now is None else now
    with state.reading() as con:
        times = [r["at"] for r in con.execute(_q(con, "recent_failures"), (username, now - LOCKOUT_WINDOW_S - LOCKOUT_S))]
    # a lock starts at any failure that is the LOCKOUT_FAILURES-th within the window
    for i in range(len(times) - 1, LOCKOUT_FAILURES - 2, -1):
        window = times[i - LOCKOUT_FAILURES + 1 : i + 1]
        if window[-1] - window[0] <= LOCKOUT_WINDOW_S and times[i] + LOCKOUT_S > now:
            return times[i] + LOCKOUT_S
    return None
