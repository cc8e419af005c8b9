"""Read-only queries the pages use: one function per dashboard need.

Each takes a cursor from :class:`pipelines.store.SnapshotReader`, runs a named
SQL file (or a clinical model, see :mod:`pipelines.models`) with bound
parameters and returns a pandas DataFrame, fetched fully. Clinical functions
also take the user's Scope and the as-of date.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pandas as pd

from pipelines import marts, models
from pipelines.models import Scope
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


# -- clinical models: one function per dashboard need ---------------------------
# Every function takes the user's Scope (the clinician_ids they may see) and the
# as-of date; there is no way to call one without a scope. Arguments are plain
# and hashable, so results can be cached by them.



def client_outcomes(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    return models.run(cur, "client_outcomes", scope, as_of)


def client_momentum(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    return models.run(cur, "client_momentum", scope, as_of)


def active_flags(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    return models.run(cur, "active_flags", scope, as_of)


def etr_reference(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    """Practice-wide expected curves (aggregates only); a scope is still required."""
    return models.run(cur, "etr_reference", scope, as_of)


def homework_by_client(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    return models.run(cur, "homework_by_client", scope, as_of)


def homework_by_clinician(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    return models.run(cur, "homework_by_clinician", scope, as_of)


def homework_by_category(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    return models.run(cur, "homework_by_category", scope, as_of)


def homework_by_week(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    return models.run(cur, "homework_by_week", scope, as_of)


def clinician_weekly_load(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    return models.run(cur, "clinician_weekly_load", scope, as_of)


def workload_signals(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    return models.run(cur, "workload_signals", scope, as_of)


def suggested_wins(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    return models.run(cur, "suggested_wins", scope, as_of)


def wins_board(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    """Imported wins posted by clinicians in scope (app-posted wins arrive in Step 4)."""
    return models.run(cur, "wins_board", scope, as_of)


def caseload_sparklines(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    """Per active client: the primary measure's scores, oldest first."""
    return models.run(cur, "caseload_sparklines", scope, as_of)


def course_outcomes(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    """Per client on the primary measure: finished or not, reliable change, recovery, sessions to improvement."""
    return models.run(cur, "course_outcomes", scope, as_of)


# -- one client (the client view): empty when the client is outside the scope --


def client_scores(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date, client_id: str) -> pd.DataFrame:
    return models.run(cur, "client_scores", scope, as_of, {"client_id": client_id})


def client_sessions(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date, client_id: str) -> pd.DataFrame:
    return models.run(cur, "client_sessions", scope, as_of, {"client_id": client_id})


def client_goals(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date, client_id: str) -> pd.DataFrame:
    return models.run(cur, "client_goals", scope, as_of, {"client_id": client_id})


def client_homework(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date, client_id: str) -> pd.DataFrame:
    return models.run(cur, "client_homework", scope, as_of, {"client_id": client_id})


# -- scope and staff ---------------------------------------------------------


def scope_for(cur: duckdb.DuckDBPyConnection, role: str, clinician_id: str | None) -> Scope:
    """The clinician_ids a user may see (design §6), from the imported staff list."""
    rows = cur.execute(sql("scope_clinicians"), {"role": role, "clinician_id": clinician_id}).fetchall()
    return Scope.of(r[0] for r in rows)


def clinicians_in_scope(cur: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    if not isinstance(scope, Scope):
        raise TypeError("a Scope is required: every query runs within the user's scope")
    return _frame(cur, "clinicians_in_scope", {"scope": list(scope.clinician_ids)})


def default_as_of(cur: duckdb.DuckDBPyConnection) -> date | None:
    """The as-of date the marts were computed for, else the latest session date."""
    stored = marts.stored_as_of(cur)
    if stored is not None:
        return stored
    (latest,) = cur.execute(sql("latest_activity_date")).fetchall()[0]
    return latest


def all_clinicians_scope(cur: duckdb.DuckDBPyConnection) -> Scope:
    """Every clinician_id: the scope of a manager and of the command line."""
    return Scope.of(r[0] for r in cur.execute(sql("all_clinician_ids")).fetchall())


# -- team meetings: the wins board and the consultation queue ------------------


def team_audience(cur: duckdb.DuckDBPyConnection, role: str, clinician_id: str | None) -> Scope:
    """The clinicians whose wins and consultation items a user sees: their team and their own scope."""
    rows = cur.execute(sql("team_audience"), {"role": role, "clinician_id": clinician_id}).fetchall()
    return Scope.of(r[0] for r in rows)


def wins_for_board(cur: duckdb.DuckDBPyConnection, audience: Scope, scope: Scope, since: datetime,
                   until: datetime) -> pd.DataFrame:
    """Imported wins of the audience in [since, until); client_id only where the client is in ``scope``."""
    if not isinstance(audience, Scope) or not isinstance(scope, Scope):
        raise TypeError("an audience and a Scope are required")
    return _frame(cur, "wins_for_board", {"audience": list(audience.clinician_ids), "scope": list(scope.clinician_ids),
                                          "since": since, "until": until})


def client_owners(cur: duckdb.DuckDBPyConnection, tokens: list[str]) -> dict[str, str]:
    """Which tokens are client_ids, mapped to each client's clinician_id."""
    if not tokens:
        return {}
    return dict(cur.execute(sql("clients_by_id"), {"ids": list(tokens)}).fetchall())
