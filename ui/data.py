"""The data-status views: row counts, load ledger and rejected rows."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pipelines import audit, queries
from pipelines.users import User
from ui.charts import row_counts_bar
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
                "last_loaded_at": st.column_config.DatetimeColumn("Last loaded", format="YYYY-MM-DD HH:mm"),
                "loads": "Loads",
            },
        )
    with right:
        st.plotly_chart(row_counts_bar(counts), config={"displayModeBar": False})


def ledger_view(user: User) -> None:
    st.subheader("Load history")
    ledger = _ledger(_version()).fillna({"message": ""})
    audit.record(get_runtime().state, user.username, "view", page="data_status", scope="all")
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
    st.dataframe(
        _rejected(_version(), int(choice)),
        hide_index=True,
        column_config={"row_number": "Row", "column_name": "Column", "value": "Value", "reason": "Reason"},
    )


def _load_label(ledger: pd.DataFrame, load_id: int) -> str:
    row = ledger[ledger["load_id"] == load_id].iloc[0]
    return f"#{load_id} {row['source_file'].rsplit('/', 1)[-1]} ({row['rows_rejected']} rejected)"
