"""Cached data access for the pages (keyed by data version, scope, as-of and filters), and the data-status views."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st

from pipelines import clock, demo, phi_guard, queries
from pipelines.models import Scope
from pipelines.store import StoreError
from pipelines.users import User
from ui.charts import row_counts_bar
from ui.data_admin import rejected_download
from ui.plain_text import plain_md
from ui.runtime import get_runtime


@st.cache_data(ttl=600, show_spinner=False)
def _row_counts(version: str) -> pd.DataFrame:
    return queries.table_row_counts(get_runtime().reader.cursor())


@st.cache_data(ttl=600, show_spinner=False)
def _ledger(version: str) -> pd.DataFrame:
    return queries.load_ledger(get_runtime().reader.cursor())


@st.cache_data(ttl=600, show_spinner=False)
def _rejected(version: str, load_id: int) -> pd.DataFrame:
    return queries.rejected_rows_for_load(get_runtime().reader.cursor(), load_id)


def _version() -> str:
    rt = get_runtime()
    rt.reader.cursor()  # re-opens on a newly published snapshot
    return rt.reader.version or ""


def data_version() -> str:
    """The published snapshot the app reads; every cached result is keyed by it."""
    try:
        return _version()
    except StoreError as exc:
        if "no data has been published" not in str(exc):  # damaged, not merely empty: say so
            st.error(f"Momentum cannot read its data: {plain_md(exc)}", icon=":material/error:")
        return ""


# -- clinical data, cached by (data version, scope, as-of, filters) ------------
# Cached functions take plain arguments only (the scope as a tuple of
# clinician_ids) and never read st.session_state.

MODELS = (
    "client_momentum", "active_flags", "client_outcomes", "course_outcomes", "caseload_sparklines",
    "etr_reference", "suggested_wins", "homework_by_week", "homework_by_category",
    "homework_by_clinician", "homework_by_client", "clinician_weekly_load", "workload_signals",
)  # fmt: skip
CLIENT_DETAIL = ("client_scores", "client_sessions", "client_goals", "client_homework")


@st.cache_data(ttl=3600, show_spinner=False, max_entries=256)
def user_scope(version: str, role: str, clinician_id: str | None) -> tuple[str, ...]:
    if not version:
        return ()
    return queries.scope_for(get_runtime().reader.cursor(), role, clinician_id).clinician_ids


@st.cache_data(ttl=3600, show_spinner=False, max_entries=256)
def staff(version: str, scope: tuple[str, ...]) -> pd.DataFrame:
    return queries.clinicians_in_scope(get_runtime().reader.cursor(), Scope(scope))


@st.cache_data(ttl=3600, show_spinner=False, max_entries=16)
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


@st.cache_data(ttl=3600, show_spinner=False, max_entries=16)
def default_as_of(version: str) -> date:
    if not version:
        return clock.today()
    return queries.default_as_of(get_runtime().reader.cursor()) or today(version)


@st.cache_data(ttl=600, show_spinner="Computing the caseload…", max_entries=512)
def model(version: str, name: str, scope: tuple[str, ...], as_of: date) -> pd.DataFrame:
    if name not in MODELS:
        raise KeyError(f"{name} is not a page model")
    return getattr(queries, name)(get_runtime().reader.cursor(), Scope(scope), as_of)


@st.cache_data(ttl=600, show_spinner=False, max_entries=512)
def client_detail(version: str, name: str, scope: tuple[str, ...], as_of: date, client_id: str) -> pd.DataFrame:
    if name not in CLIENT_DETAIL:
        raise KeyError(f"{name} is not a client detail query")
    return getattr(queries, name)(get_runtime().reader.cursor(), Scope(scope), as_of, client_id)


# -- team meetings -------------------------------------------------------------


@st.cache_data(ttl=3600, show_spinner=False, max_entries=256)
def team_audience(version: str, role: str, clinician_id: str | None) -> tuple[str, ...]:
    """Whose wins and consultation items the user sees: their team and their own scope."""
    if not version:
        return ()
    return queries.team_audience(get_runtime().reader.cursor(), role, clinician_id).clinician_ids


@st.cache_data(ttl=600, show_spinner=False, max_entries=256)
def imported_wins(version: str, audience: tuple[str, ...], scope: tuple[str, ...], since: datetime,
                  until: datetime) -> pd.DataFrame:
    return queries.wins_for_board(get_runtime().reader.cursor(), Scope(audience), Scope(scope), since, until)


def foreign_client_ids(version: str, scope: tuple[str, ...], text: str) -> list[str]:
    """client_ids in ``text`` whose clinician is outside ``scope`` (for the PHI guard)."""
    tokens = phi_guard.client_id_candidates(text)
    if not version or not tokens:
        return []
    owners = queries.client_owners(get_runtime().reader.cursor(), tokens)
    return sorted(c for c, clinician in owners.items() if clinician not in set(scope))


def row_counts_view() -> None:
    counts = _row_counts(_version())
    if counts["row_count"].sum() == 0:
        st.info("No data yet. A manager loads exports with `python -m pipelines ingest PATH`.")
        return
    left, right = st.columns([2, 3])
    with left:
        st.dataframe(
            counts,
            hide_index=True,
            column_config={
                "table_name": "Table",
                "row_count": st.column_config.NumberColumn("Rows", format="localized"),
                "latest_date": st.column_config.DateColumn("Latest date held", format="YYYY-MM-DD",
                                                           help="How fresh each table is: its latest date"),
                "last_loaded_at": st.column_config.DatetimeColumn("Last loaded", format="YYYY-MM-DD HH:mm"),
                "loads": "Loads",
            },
        )
    with right:
        st.plotly_chart(row_counts_bar(counts), config={"displayModeBar": False})


def ledger_view(user: User) -> None:
    st.subheader("Load history")
    ledger = _ledger(_version()).fillna({"message": ""})
    if ledger.empty:
        st.info("No loads yet.")
        return
    st.dataframe(
        ledger,
        hide_index=True,
        column_config={
            "load_id": "Load",
            "loaded_at": st.column_config.DatetimeColumn("Loaded at", format="YYYY-MM-DD HH:mm"),
            "loaded_by": "By",
            "source_file": "File",
            "table_name": "Table",
            "status": "Status",
            "rows_read": st.column_config.NumberColumn("Read", format="localized"),
            "rows_loaded": st.column_config.NumberColumn("Loaded", format="localized"),
            "rows_rejected": st.column_config.NumberColumn("Rejected", format="localized"),
            "message": "Notes",
        },
    )
    with_rejects = ledger[ledger["rows_rejected"] > 0]
    if with_rejects.empty:
        st.success("Every row of every load was accepted.")
        return
    st.subheader("Rejected rows")
    choice = st.selectbox(
        "Load",
        with_rejects["load_id"].tolist(),
        format_func=lambda i: _load_label(with_rejects, i),
    )
    rejected = _rejected(_version(), int(choice))
    st.dataframe(
        rejected,
        hide_index=True,
        column_config={"row_number": "Row", "column_name": "Column", "value": "Value", "reason": "Reason"},
    )
    file_name = str(with_rejects.loc[with_rejects["load_id"] == choice, "source_file"].iloc[0])
    rejected_download(user, int(choice), file_name, rejected)


def _load_label(ledger: pd.DataFrame, load_id: int) -> str:
    row = ledger[ledger["load_id"] == load_id].iloc[0]
    return f"#{load_id} {row['source_file'].rsplit('/', 1)[-1]} ({row['rows_rejected']} rejected)"
