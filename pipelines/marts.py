"""Materialised models ("marts"): every scope-separable model computed once per
published data version, for one as-of date, with a manager's scope.

An ingest that changed data refreshes them (``python -m pipelines ingest``; or
``python -m pipelines refresh --as-of DATE``). A read for the same as-of date
and the same data filters the stored rows by the user's scope instead of
computing the model again; any other as-of date, or stale marts, fall back to
the live model. ``tests/test_scope_property.py`` checks that a scoped read of
a mart equals the live model run with that scope.

The refresh runs in one transaction, so a crash leaves the previous marts,
which the data-version check then refuses to use.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

import duckdb
import pandas as pd
import pyarrow as pa

from pipelines import models
from pipelines.models import Scope
from pipelines.sql_files import sql

# model -> predicate that keeps a stored row for a scope ($scope bound).
# Only models whose rows do not depend on which other clinicians are in scope
# are materialised as they are. homework_by_category sums over the scope, so it
# is read by summing its stored per-clinician parts (DERIVED below).
SCOPE_PREDICATE: dict[str, str] = {
    "client_outcomes": "list_contains($scope, clinician_id)",
    "client_momentum": "list_contains($scope, clinician_id)",
    "active_flags": "list_contains($scope, clinician_id)",
    "homework_by_client": "list_contains($scope, clinician_id)",
    "homework_by_clinician": "list_contains($scope, clinician_id)",
    "homework_by_week": "list_contains($scope, clinician_id)",
    "clinician_weekly_load": "list_contains($scope, clinician_id)",
    "workload_signals": "list_contains($scope, clinician_id)",
    "suggested_wins": "list_contains($scope, clinician_id)",
    "etr_reference": "true",  # practice-wide aggregate curves
    "wins_board": "list_contains($scope, posted_by) AND (client_id IS NULL OR list_contains($scope, client_clinician_id))",
    "homework_by_clinician_category": "list_contains($scope, clinician_id)",
}

# model -> (the mart it is read from, fragment swaps that point it at that mart)
DERIVED: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "homework_by_category": (
        "homework_by_clinician_category",
        (("homework_category_parts", "homework_category_parts_stored"),),
    ),
}


def table_name(model: str) -> str:
    if model not in SCOPE_PREDICATE:
        raise KeyError(f"{model} is not materialised")
    return f"mart_{model}"


def refresh(
    con: duckdb.DuckDBPyConnection, as_of: date, progress: Callable[[str], None] | None = None
) -> dict[str, float]:
    """Recompute every mart on a writable connection, in one transaction."""
    progress = progress or (lambda _m: None)
    scope = Scope.of(r[0] for r in con.execute(sql("all_clinician_ids")).fetchall())
    (version,) = con.execute(sql("data_version")).fetchone()
    timings: dict[str, float] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for model in SCOPE_PREDICATE:
            start = time.perf_counter()
            text, params = models.statement(model, scope, as_of)
            con.execute(f"CREATE OR REPLACE TABLE {table_name(model)} AS {text}", params)  # noqa: S608 - names from SCOPE_PREDICATE
            timings[model] = round(time.perf_counter() - start, 3)
            progress(f"refreshed {model} ({timings[model]} s)")
        con.execute(sql("meta_set"), {"key": "marts_as_of", "value": as_of.isoformat()})
        con.execute(sql("meta_set"), {"key": "marts_data_version", "value": str(version)})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return timings


def usable(cur: duckdb.DuckDBPyConnection, model: str, as_of: date) -> bool:
    """True when the mart of ``model`` holds this data version as of ``as_of``."""
    if model in DERIVED:
        model = DERIVED[model][0]
    if model not in SCOPE_PREDICATE:
        return False
    rows = cur.execute(sql("marts_state")).fetchall()  # fetch fully (DuckDB 2.0)
    if not rows:
        return False
    marts_as_of, marts_version, current_version = rows[0]
    return marts_as_of == as_of.isoformat() and marts_version == str(current_version)


def read(cur: duckdb.DuckDBPyConnection, model: str, scope: Scope, as_of: date) -> pd.DataFrame:
    """The stored rows of ``model`` within ``scope`` (call only when :func:`usable`)."""
    if not isinstance(scope, Scope):
        raise TypeError("a Scope is required: every model runs within the user's scope")
    if model in DERIVED:
        text, params = models.statement(model, scope, as_of, swap=DERIVED[model][1])
        return _to_pandas(cur.sql(text, params=params).to_arrow_table())
    predicate = SCOPE_PREDICATE[model]
    query = f"SELECT * FROM {table_name(model)} WHERE {predicate}"  # noqa: S608 - names from SCOPE_PREDICATE
    params = {"scope": list(scope.clinician_ids)} if "$scope" in predicate else {}
    return _to_pandas(cur.sql(query, params=params).to_arrow_table())


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    # Arrow is several times faster than .df() for wide results; booleans map
    # to pandas' nullable boolean and dates to datetime64, as .df() gives them
    return table.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get, date_as_object=False)
