"""The team boards' shared parts: whose wins and consultation items a user sees, and the wins feed.

The wins board, the consultation queue and meeting mode open on a :class:`BoardContext` (the
user's team audience: their team, plus their own scope; managers everyone -
``pipelines/sql/team_audience.sql``). :func:`merged` is the one wins feed (imported and
app-posted wins, reactions, meeting marks) that the caseload, client and flags pages show too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

import pandas as pd

from pipelines.appstate import wins
from pipelines.appstate.users import User
from ui import data
from ui.filters import record_view, staff_names
from ui.layout import empty_state
from ui.runtime import get_runtime


@dataclass(frozen=True)
class BoardContext:
    user: User
    version: str
    audience: tuple[str, ...]  # whose wins show: the user's team and own scope
    scope: tuple[str, ...]  # the user's own scope (client pseudonyms, suggested wins)
    as_of: date  # the data's as-of date: "this week" is the 7 days ending here
    staff: pd.DataFrame  # names of the audience
    today: date  # the practice's today (ui.data.today): the demo's own day on demo data

    @cached_property
    def _names(self) -> dict[str, str]:
        return staff_names(self.staff)

    def name(self, clinician_id: str) -> str:
        return self._names.get(clinician_id, str(clinician_id))

    def names(self) -> dict[str, str]:
        return dict(self._names)


def board_context(user: User, page: str) -> BoardContext | None:
    version = data.data_version()
    if not version:
        empty_state("No data yet. A practice manager loads exports with `python -m pipelines ingest PATH`.")
        return None
    audience = data.team_audience(version, user.role, user.clinician_id)
    if not audience:
        empty_state("Your account is not linked to a clinician on a team, so there is no board to show. "
                    "A practice manager can link it with `python -m pipelines users add … --clinician-id`.")
        return None
    scope = data.user_scope(version, user.role, user.clinician_id)
    ctx = BoardContext(user, version, audience, scope, data.default_as_of(version), data.staff(version, audience),
                       data.today(version))
    record_view(user, page, audience=list(audience))
    return ctx


@dataclass(frozen=True)
class BoardFilter:
    since: datetime
    until: datetime
    audience: tuple[str, ...]
    categories: tuple[str, ...]
    label: str
    this_week: bool = False  # the default window: falls back to the latest week with wins when empty


WEEK_DAYS = 7
FALLBACK_LOOKBACK_DAYS = 365  # how far back "the latest week with wins" is looked for


def this_week(as_of: date) -> tuple[date, date]:
    """"This week", everywhere: the 7 days ending at the data's as-of date (first and last day)."""
    return as_of - timedelta(days=WEEK_DAYS - 1), as_of


def week_filter(start: date, end: date, audience: tuple[str, ...], categories: tuple[str, ...] = (),
                suffix: str = "", this: bool = False) -> BoardFilter:
    return BoardFilter(datetime.combine(start, time()), datetime.combine(end + timedelta(days=1), time()), audience,
                       categories, f"{start:%Y-%m-%d} to {end:%Y-%m-%d}{suffix}", this)


def board_with_fallback(ctx: BoardContext, flt: BoardFilter) -> tuple[pd.DataFrame, BoardFilter, str]:
    """The board in ``flt``; when that is "this week" and it is empty, the latest week with wins before it
    instead, with a sentence that says so ("" when nothing fell back)."""
    board = board_frame(ctx, flt)
    if not board.empty or not flt.this_week:
        return board, flt, ""
    earlier = BoardFilter(flt.since - timedelta(days=FALLBACK_LOOKBACK_DAYS), flt.since, flt.audience,
                          flt.categories, flt.label)
    before = board_frame(ctx, earlier)
    if before.empty:
        return board, flt, ""
    latest = pd.Timestamp(before["posted_at"].max()).date()
    start, end = this_week(latest)
    fallback = week_filter(start, end, flt.audience, flt.categories)
    note = (f"No wins in the 7 days to {flt.until.date() - timedelta(days=1):%Y-%m-%d}, so this shows the latest "
            f"week with wins: {fallback.label}.")
    return board_frame(ctx, fallback), fallback, note


def merged(version: str, username: str, audience: tuple[str, ...], scope: tuple[str, ...], since: datetime,
           until: datetime, client_id: str | None = None, newest: int | None = None) -> pd.DataFrame:
    """Imported and app-posted wins of ``audience`` in [since, until), with reactions and meeting marks;
    client pseudonyms only where the client is in ``scope``. With ``client_id``: that client's wins only
    (the client view; a large practice's whole board is read for none of it); with ``newest``: only that
    many, the newest."""
    state = get_runtime().state
    posted = wins.app_wins(state, audience, scope, since, until)
    if client_id is not None:
        posted = posted[posted["client_id"] == client_id]
    return wins.board(data.imported_wins(version, audience, scope, since, until, client_id), posted, state, username,
                      newest)


def board_frame(ctx: BoardContext, flt: BoardFilter) -> pd.DataFrame:
    """The board in the filter."""
    board = merged(ctx.version, ctx.user.username, flt.audience, ctx.scope, flt.since, flt.until)
    if flt.categories:
        board = board[board["category"].isin(flt.categories)].reset_index(drop=True)
    return board
