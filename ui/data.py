"""Cached data access for the pages, keyed by data version, scope, as-of and filters (no rendering here)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime
from functools import cached_property
from operator import attrgetter

import pandas as pd
import streamlit as st

from pipelines import clock, demo
from pipelines.appstate import phi_guard
from pipelines.models import casemix, marts, queries
from pipelines.scope import Scope
from pipelines.store import StoreError
from ui.plain_text import plain_md
from ui.runtime import get_runtime


class ScopeIds(tuple):
    """A scope's clinician_ids, which the data cache keys by one digest of them. Streamlit's cache hashes a plain
    tuple item by item: a manager's scope at 10M sessions is 10,544 clinicians, 56 ms to hash, on each of the
    half-dozen cached reads of a page run (docs/performance.md)."""

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256("\x1f".join(self).encode()).hexdigest()


def scope_ids(clinician_ids: Iterable[str]) -> ScopeIds:
    return clinician_ids if isinstance(clinician_ids, ScopeIds) else ScopeIds(clinician_ids)


def _cached(**options):
    """st.cache_data, with a ScopeIds argument keyed by its digest."""
    return st.cache_data(hash_funcs={ScopeIds: attrgetter("digest")}, **options)


@_cached(ttl=600, show_spinner=False)
def row_counts(version: str) -> pd.DataFrame:
    return queries.table_row_counts(get_runtime().reader.cursor())


@_cached(ttl=600, show_spinner=False)
def ledger(version: str) -> pd.DataFrame:
    return queries.load_ledger(get_runtime().reader.cursor())


@_cached(ttl=600, show_spinner=False)
def rejected_rows(version: str, load_id: int) -> pd.DataFrame:
    return queries.rejected_rows_for_load(get_runtime().reader.cursor(), load_id)


def published_version() -> str:
    """The published snapshot's name (StoreError when none can be read; pages use data_version)."""
    rt = get_runtime()
    rt.reader.cursor()  # re-opens on a newly published snapshot
    return rt.reader.version or ""


def data_version() -> str:
    """The published snapshot the app reads; every cached result is keyed by it."""
    try:
        return published_version()
    except StoreError as exc:
        if "no data has been published" not in str(exc):  # damaged, not merely empty: say so
            st.error(f"Momentum cannot read its data: {plain_md(exc)}", icon=":material/error:")
        return ""


# -- clinical data, cached by (data version, scope, as-of, filters) ------------
# Cached functions take plain arguments only (the scope as a tuple of
# clinician_ids) and never read st.session_state.

@_cached(ttl=3600, show_spinner=False, max_entries=256)
def user_scope(version: str, role: str, clinician_id: str | None) -> tuple[str, ...]:
    if not version:
        return ScopeIds()
    return ScopeIds(queries.scope_for(get_runtime().reader.cursor(), role, clinician_id).clinician_ids)


@_cached(ttl=3600, show_spinner=False, max_entries=256)
def staff(version: str, scope: tuple[str, ...]) -> pd.DataFrame:
    return queries.clinicians_in_scope(get_runtime().reader.cursor(), Scope(scope))


@_cached(ttl=3600, show_spinner=False, max_entries=16)
def data_day(version: str) -> date | None:
    """The day the published data is fixed at (the demo practice's last day), or None for real data."""
    if not version:
        return None
    return demo.data_day(get_runtime().reader)


def today(version: str) -> date:
    """The practice's today for this data: the demo's own day on demo data (it never ages), else the clock's."""
    return clock.today(data_day(version))


def now(version: str) -> datetime:
    """The practice's now for this data (a win posted on the demo lands in the demo's week)."""
    return clock.now(data_day(version))


@_cached(ttl=3600, show_spinner=False, max_entries=16)
def default_as_of(version: str) -> date:
    if not version:
        return clock.today()
    return queries.default_as_of(get_runtime().reader.cursor()) or today(version)


@_cached(ttl=600, show_spinner=False, max_entries=16)
def freshness(version: str) -> tuple[date | None, datetime | None]:
    """(the latest session date in the data, when rows were last loaded, UTC)."""
    if not version:
        return None, None
    return queries.data_freshness(get_runtime().reader.cursor())


@st.cache_resource(show_spinner=False, max_entries=8)
def _marts_state(snapshot: str, _cur) -> marts.MartsState:
    """Whether the marts of one published snapshot serve the models (asked once per snapshot: it never changes)."""
    return queries.marts_state(_cur)


@_cached(ttl=600, show_spinner="Computing the caseload…", max_entries=512)
def model(version: str, query: queries.Model, scope: tuple[str, ...], as_of: date) -> pd.DataFrame:
    """A whole-caseload model (pipelines/models/queries.py) within ``scope``, e.g. ``model(v, queries.active_flags, …)``."""
    if query.per_client:
        raise TypeError(f"{query.name} is a one-client model: use client_detail")
    cur, snapshot = get_runtime().reader.opened()
    return query(cur, Scope(scope), as_of, state=_marts_state(snapshot, cur))


@_cached(ttl=600, show_spinner=False, max_entries=256)
def newest(version: str, query: queries.Model, scope: tuple[str, ...], as_of: date, column: str, n: int
           ) -> pd.DataFrame:
    """The ``n`` rows of a whole-caseload model with the latest ``column``, latest first: a page that lists a
    few of a long model's rows keeps those in the cache, not a copy of the whole model to take on every run."""
    return model(version, query, scope, as_of).sort_values(column, ascending=False).head(n)


@_cached(ttl=600, show_spinner=False, max_entries=512)
def client_rows(version: str, query: queries.Model, scope: tuple[str, ...], as_of: date, client_id: str
                ) -> pd.DataFrame:
    """One client's rows of a whole-caseload model within ``scope`` (empty when the client is outside it): the
    client view keeps these in the cache, not a copy of the whole model to take on every run."""
    frame = model(version, query, scope, as_of)
    return frame[frame["client_id"] == client_id].reset_index(drop=True)


@_cached(ttl=600, show_spinner=False, max_entries=256)
def client_choices(version: str, scope: tuple[str, ...], as_of: date, limit: int) -> tuple[list[str], int]:
    """The first ``limit`` clients of ``scope`` for a picker, active first, then by client_id; and how many
    there are."""
    courses = model(version, queries.course_outcomes, scope, as_of)
    ordered = courses.sort_values(["is_active", "client_id"], ascending=[False, True])["client_id"]
    return ordered.head(limit).tolist(), len(ordered)


@_cached(ttl=600, show_spinner=False, max_entries=512)
def client_detail(version: str, query: queries.Model, scope: tuple[str, ...], as_of: date, client_id: str
                  ) -> pd.DataFrame:
    """A one-client model (the client view) within ``scope``: empty when the client is outside it."""
    return query(get_runtime().reader.cursor(), Scope(scope), as_of, client_id)


@_cached(ttl=600, show_spinner="Adjusting for case mix…", max_entries=256)
def adjusted_outcomes(version: str, scope: tuple[str, ...], as_of: date) -> casemix.Outcomes:
    """The severity-adjusted effect sizes of the scope's clinicians, with the practice's unnamed spread."""
    return casemix.outcomes(get_runtime().reader.cursor(), Scope(scope), as_of)


# -- team meetings -------------------------------------------------------------


@_cached(ttl=3600, show_spinner=False, max_entries=256)
def team_audience(version: str, role: str, clinician_id: str | None) -> tuple[str, ...]:
    """Whose wins and consultation items the user sees: their team and their own scope."""
    if not version:
        return ScopeIds()
    return ScopeIds(queries.team_audience(get_runtime().reader.cursor(), role, clinician_id).clinician_ids)


@_cached(ttl=600, show_spinner=False, max_entries=256)
def imported_wins(version: str, audience: tuple[str, ...], scope: tuple[str, ...], since: datetime,
                  until: datetime, client_id: str | None = None) -> pd.DataFrame:
    return queries.wins_for_board(get_runtime().reader.cursor(), Scope(audience), Scope(scope), since, until,
                                  client_id)


def foreign_client_ids(version: str, scope: tuple[str, ...], text: str) -> list[str]:
    """client_ids in ``text`` whose clinician is outside ``scope`` (for the PHI guard)."""
    tokens = phi_guard.client_id_candidates(text)
    if not version or not tokens:
        return []
    owners = queries.client_owners(get_runtime().reader.cursor(), tokens)
    return sorted(c for c, clinician in owners.items() if clinician not in set(scope))


