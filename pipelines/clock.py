"""The one clock: every product module asks it for "today", "now" and instants.

Two kinds of time, kept apart on purpose (docs/architecture.md, "Dates and the clock"):

- **The practice's day** (:func:`today`, :func:`now`): what "this week", a meeting
  date, a snooze's end or a win's posting time are measured against. It is, in
  order: the ``MOMENTUM_TODAY`` setting (replay a past day; the tests pin it), else
  the day the caller's data is fixed at (the demo practice's last day: the demo
  never ages), else the wall clock's date. :func:`now` is that day at the wall
  clock's time of day, in local practice time like the exports.
- **Instants** (:func:`instant`, :func:`epoch`): when something really happened,
  for the audit log, sign-in sessions, lockout, backups and user changes. They
  always follow the wall clock: a replayed day must not rewrite when a person
  signed in, and session timeouts must run in real seconds.

No other product module reads the wall clock; ``tests/test_clock.py`` scans the
source and fails if one does.
"""

from __future__ import annotations

import time as _time
from datetime import UTC, date, datetime

from pipelines.settings import setting


class ClockError(ValueError):
    """MOMENTUM_TODAY is set to something that is not a date."""


def pinned_day() -> date | None:
    """The day MOMENTUM_TODAY pins, or None when it is not set."""
    value = setting("MOMENTUM_TODAY").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ClockError(f"MOMENTUM_TODAY={value!r} is not a date; use YYYY-MM-DD, e.g. 2026-11-22") from None


def _wall() -> datetime:
    """The machine's local wall-clock time (the one place it is read)."""
    return datetime.now()


def today(data_day: date | None = None) -> date:
    """The practice's today: MOMENTUM_TODAY, else ``data_day`` (a dataset fixed in time), else the wall clock."""
    return pinned_day() or data_day or _wall().date()


def now(data_day: date | None = None) -> datetime:
    """The practice's now (naive local time): :func:`today`'s date at the wall clock's time of day."""
    wall = _wall()
    return datetime.combine(today(data_day), wall.time().replace(microsecond=0))


def instant() -> datetime:
    """This real moment in UTC (audit entries, sessions, backups): never pinned."""
    return datetime.now(UTC)


def epoch() -> float:
    """This real moment as seconds since the epoch (session expiry, lockout windows): never pinned."""
    return _time.time()
