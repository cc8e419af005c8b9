"""Read-only queries the pages use. Each runs a named SQL file with bound parameters.

Each function takes a cursor from :class:`pipelines.store.SnapshotReader` and
returns a pandas DataFrame, fetched fully.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipelines.sql_files import sql


def _frame(cur: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> pd.DataFrame:
    return cur.execute(sql(name), params or {}).df()


def load_ledger(cur: duckdb.DuckDBPyConnection, limit: int = 500) -> pd.DataFrame:
    """Manager only: every file an ingest looked at."""
    return _frame(cur, "load_ledger", {"limit": limit})


def table_row_counts(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Aggregate counts per table; no client-level data."""
    return _frame(cur, "table_row_counts")


def rejected_rows_for_load(cur: duckdb.DuckDBPyConnection, load_id: int, limit: int = 1000) -> pd.DataFrame:
    """Manager only: the quarantined rows of one load."""
    return _frame(cur, "rejected_rows_for_load", {"load_id": load_id, "limit": limit})
