"""The scoped read API the pages, the reports and the command line use, and the one declaration of every model.

Each clinical model is declared here once (:class:`Model`): its SQL file
``pipelines/sql/model_<name>.sql``, whether it is materialised and how its
rows are scoped, and the ``python -m pipelines report`` kind built from it.
The marts (:mod:`pipelines.models.marts`) and the reports
(:mod:`pipelines.models.reports`) read these declarations; the pages name the
declared model they read (``data.model(version, queries.active_flags, …)``).

A model is called like a function: ``client_outcomes(cur, scope, as_of)``
takes a cursor from :class:`pipelines.store.SnapshotReader`, the user's Scope
and the as-of date, and returns a pandas DataFrame, fetched fully. There is no
way to call one without a scope. The other functions run one named SQL file
each with bound parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from pipelines.models import compose, marts
from pipelines.scope import Scope
from pipelines.sql_files import sql

# How a materialised model's rows are scoped: the projection that adds __scope, the clinician_ids
# that must all be in a user's scope for them to see the row ([] for practice-wide aggregates).
# Only models whose rows do not depend on which other clinicians are in scope are stored as they
# are; homework_by_category sums over the scope, so it is read by summing stored per-clinician parts.
BY_CLINICIAN = "*, [clinician_id] AS __scope"
PRACTICE_WIDE = "*, CAST([] AS VARCHAR[]) AS __scope"
# a win shows when its poster, and the linked client's clinician, are in scope
BY_POSTER_AND_CLIENT = "*, list_filter([posted_by, client_clinician_id], lambda c: c IS NOT NULL) AS __scope"

MODELS: list[Model] = []


@dataclass(frozen=True)
class Model:
    """One clinical model. Call it: ``model(cur, scope, as_of)`` (one-client models take a client_id too)."""

    name: str  # its SQL: pipelines/sql/model_<name>.sql
    stored: str | None = None  # materialised, with this __scope projection; None: computed on each read
    report: str | None = None  # the `python -m pipelines report` kind built from it
    per_client: bool = False  # takes a $client_id: one client (the client view)
    reads_from: tuple[str, ...] = ()  # read from the marts of these models, with these fragment swaps:
    swap: tuple[tuple[str, str], ...] = ()
    # each row is one client's (client_id), computed from that client's rows alone through scoped_clients
    # (rows without a client_id are computed whole): an incremental refresh recomputes the changed clients only
    by_client: bool = False

    @property
    def sql_file(self) -> str:
        return f"model_{self.name}"

    def __call__(self, cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date, client_id: str | None = None,
                 state: marts.MartsState | None = None) -> pd.DataFrame:
        if self.per_client != (client_id is not None):
            raise TypeError(f"{self.name} {'needs' if self.per_client else 'takes no'} client_id")
        return run(cur, self, scope, as_of, {"client_id": client_id} if self.per_client else None, state=state)


def declare(name: str, **how) -> Model:
    model = Model(name, **how)
    MODELS.append(model)
    return model


# -- every model, declared once: materialised ones first, in refresh order -------------------------
client_outcomes = declare("client_outcomes", stored=BY_CLINICIAN, by_client=True, report="outcomes")
client_momentum = declare("client_momentum", stored=BY_CLINICIAN, by_client=True, report="momentum")
active_flags = declare("active_flags", stored=BY_CLINICIAN, by_client=True, report="flags")
homework_by_client = declare("homework_by_client", stored=BY_CLINICIAN, by_client=True)
homework_by_clinician = declare("homework_by_clinician", stored=BY_CLINICIAN, report="homework")
homework_by_week = declare("homework_by_week", stored=BY_CLINICIAN)
homework_by_clinician_category = declare("homework_by_clinician_category", stored=BY_CLINICIAN)
clinician_weekly_load = declare("clinician_weekly_load", stored=BY_CLINICIAN, report="workload")
workload_signals = declare("workload_signals", stored=BY_CLINICIAN)
suggested_wins = declare("suggested_wins", stored=BY_CLINICIAN, by_client=True)
# per active client: the primary measure's scores, oldest first
caseload_sparklines = declare("caseload_sparklines", stored=BY_CLINICIAN, by_client=True)
# per client on the primary measure: finished or not, reliable change, recovery, sessions to improvement
course_outcomes = declare("course_outcomes", stored=BY_CLINICIAN, by_client=True)
# the severity-adjusted effect size (pipelines/models/casemix.py): the scope's cases, and the practice's
# fit as sums of products per measure and unnamed clinician group (aggregates only)
casemix_clients = declare("casemix_clients", stored=BY_CLINICIAN, report="clinician-outcomes")
casemix_fit = declare("casemix_fit", stored=PRACTICE_WIDE)
# per clinician: how complete the outcome scores are (sessions scored, early baselines, final scores, DNA)
completeness_by_clinician = declare("completeness_by_clinician", stored=BY_CLINICIAN, report="completeness")
# practice-wide expected curves (aggregates only); a scope is still required
etr_reference = declare("etr_reference", stored=PRACTICE_WIDE)
# the practice's sessions and missed sessions per week of the workload window (aggregates only): the
# workload table's week marks
practice_weeks = declare("practice_weeks", stored=PRACTICE_WIDE)
wins_board = declare("wins_board", stored=BY_POSTER_AND_CLIENT, report="wins")
homework_by_category = declare(
    "homework_by_category", reads_from=("homework_by_clinician_category",),
    swap=(("homework_category_parts", "homework_category_parts_stored"),),
)
# the caseload page's tiles: one row per scope, from the rows of client_momentum and course_outcomes
caseload_summary = declare(
    "caseload_summary", reads_from=("client_momentum", "course_outcomes"),
    swap=(("model:client_momentum", "client_momentum_stored"), ("model:course_outcomes", "course_outcomes_stored")),
)
# the clinician outcomes page: the outcomes of finished courses per clinician and for the scope (rates,
# dropout, median sessions), from the rows of course_outcomes
outcome_rates = declare(
    "outcome_rates", reads_from=("course_outcomes",), swap=(("model:course_outcomes", "course_outcomes_stored"),),
)
# the homework page's weekly chart: homework_by_week summed over the scope, with the completion rate
homework_weeks = declare(
    "homework_weeks", reads_from=("homework_by_week",), swap=(("model:homework_by_week", "homework_by_week_stored"),),
)
# the homework page's completion-and-outcome chart: a client's completion beside their primary measure's change in
# reliable-change units, from the rows of homework_by_client, client_outcomes and course_outcomes
homework_outcome = declare(
    "homework_outcome", reads_from=("homework_by_client", "client_outcomes", "course_outcomes"),
    swap=(("model:homework_by_client", "homework_by_client_stored"), ("model:client_outcomes", "client_outcomes_stored"),
          ("model:course_outcomes", "course_outcomes_stored")),
)
# the homework page's table of clients whose completion is dropping: HOMEWORK_DROP flags with their completion
homework_drops = declare(
    "homework_drops", reads_from=("active_flags", "homework_by_client"),
    swap=(("model:active_flags", "active_flags_stored"), ("model:homework_by_client", "homework_by_client_stored")),
)
# the workload page: one row per clinician doing clinical work, from the rows of clinician_weekly_load and workload_signals
workload_by_clinician = declare(
    "workload_by_clinician", reads_from=("clinician_weekly_load", "workload_signals", "practice_weeks"),
    swap=(("model:clinician_weekly_load", "clinician_weekly_load_stored"),
          ("model:workload_signals", "workload_signals_stored"), ("model:practice_weeks", "practice_weeks_stored")),
)
# one client (the client view): empty when the client is outside the scope
client_scores = declare("client_scores", per_client=True)
client_sessions = declare("client_sessions", per_client=True)
client_goals = declare("client_goals", per_client=True)
client_homework = declare("client_homework", per_client=True)

WHOLE_CASELOAD = tuple(m for m in MODELS if not m.per_client)

# the SQL fragments (pipelines/sql/cte_<name>.sql) the refresh computes once for every stored model that reads
# them (pipelines/models/marts.py: SharedFragments): the whole practice's, then those that start from the
# scoped clients (an incremental refresh computes these for the clients it recomputes only)
SHARED_FRAGMENTS = marts.SharedFragments(
    practice=("etr_points", "etr_reference", "casemix_cases"),
    client=("scoped_clients", "attended", "outcome_scores", "measure_outcomes", "client_facts", "first_improvement"),
    # the ETR curves are fitted on the data before the first day of the as-of month: refitted monthly, or when
    # that data changes (docs/clinical-definitions.md, NOT_ON_TRACK)
    fitted="etr_reference", fitted_inputs="refresh_etr_fit_inputs",
)


def model_named(name: str) -> Model:
    """The model declared as ``name`` (for tests and tools that hold a name, not for pages)."""
    for model in MODELS:
        if model.name == name:
            return model
    raise KeyError(f"no model is declared as {name!r} (pipelines/models/queries.py)")


def run(
    cur: duckdb.DuckDBPyConnection,
    model: Model,
    scope: Scope,
    as_of: date,
    extra: dict | None = None,
    prefer_marts: bool = True,
    state: marts.MartsState | None = None,
) -> pd.DataFrame:
    """Run a model within ``scope`` as of ``as_of``; the result is fetched fully.

    When the materialised mart holds this data version for this as-of date, its
    rows are read and filtered by scope instead (see pipelines/models/marts.py).
    ``state``: what :func:`marts_state` said of the database ``cur`` reads, when the caller
    already holds it (a published snapshot never changes, so the app asks once per snapshot);
    otherwise it is asked here.
    """
    if not isinstance(scope, Scope):
        raise TypeError("a Scope is required: every model runs within the user's scope")
    if prefer_marts and not extra:
        if state is None:
            state = marts.state(cur, MODELS)
        if state.serves(model, as_of):
            return marts.read(cur, model, scope, as_of, state)
    text, params = compose.statement(model.name, scope, as_of, extra)
    return cur.execute(text, params).df()


def refresh_marts(
    con: duckdb.DuckDBPyConnection, as_of: date, progress: Callable[[str], None] | None = None, full: bool = False
) -> dict[str, float]:
    """Recompute every materialised model for ``as_of`` (pipelines/models/marts.py); seconds per model.

    Incremental (only the clients whose rows or dates changed) unless ``full`` or there is nothing to start from."""
    return marts.refresh(con, as_of, MODELS, SHARED_FRAGMENTS, progress, full)


def marts_state(cur: duckdb.DuckDBPyConnection) -> marts.MartsState:
    """Whether the marts hold the current data, and for which as-of date."""
    return marts.state(cur, MODELS)


def _frame(cur: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> pd.DataFrame:
    return cur.execute(sql(name), params or {}).df()


def load_ledger(cur: duckdb.DuckDBPyConnection, limit: int = 500) -> pd.DataFrame:
    """Manager only: every file an ingest looked at."""
    return _frame(cur, "load_ledger", {"limit": limit})


def table_row_counts(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Aggregate counts per table; no client-level data."""
    return _frame(cur, "table_row_counts")


def client_birth_codes(cur: duckdb.DuckDBPyConnection, name_code: str) -> list[str]:
    """The client codes a client name (its keyed name code, never the name) has had with a date of birth."""
    return [r[0] for r in cur.execute(sql("client_birth_codes"), {"name_code": name_code}).fetchall()]


def rejected_rows_for_load(cur: duckdb.DuckDBPyConnection, load_id: int, limit: int = 1000) -> pd.DataFrame:
    """Manager only: the quarantined rows of one load."""
    return _frame(cur, "rejected_rows_for_load", {"load_id": load_id, "limit": limit})


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
    stored = marts_state(cur).as_of
    if stored is not None:
        return stored
    (latest,) = cur.execute(sql("latest_activity_date")).fetchall()[0]
    return latest


def data_freshness(cur: duckdb.DuckDBPyConnection) -> tuple[date | None, datetime | None]:
    """(the latest session date in the data, when an ingest last loaded rows; UTC)."""
    through, loaded = cur.execute(sql("data_freshness")).fetchall()[0]
    return through, loaded


def all_clinicians_scope(cur: duckdb.DuckDBPyConnection) -> Scope:
    """Every clinician_id: the scope of a manager and of the command line."""
    return Scope.of(r[0] for r in cur.execute(sql("all_clinician_ids")).fetchall())


# -- team meetings: the wins board and the consultation queue ------------------


def team_audience(cur: duckdb.DuckDBPyConnection, role: str, clinician_id: str | None) -> Scope:
    """The clinicians whose wins and consultation items a user sees: their team and their own scope."""
    rows = cur.execute(sql("team_audience"), {"role": role, "clinician_id": clinician_id}).fetchall()
    return Scope.of(r[0] for r in rows)


def wins_for_board(cur: duckdb.DuckDBPyConnection, audience: Scope, scope: Scope, since: datetime,
                   until: datetime, client_id: str | None = None) -> pd.DataFrame:
    """Imported wins of the audience in [since, until); client_id only where the client is in ``scope``.
    With ``client_id``: only the wins linked to that client, when it is in ``scope``."""
    if not isinstance(audience, Scope) or not isinstance(scope, Scope):
        raise TypeError("an audience and a Scope are required")
    return _frame(cur, "wins_for_board", {"audience": list(audience.clinician_ids), "scope": list(scope.clinician_ids),
                                          "since": since, "until": until, "client_id": client_id})


def client_owners(cur: duckdb.DuckDBPyConnection, tokens: list[str]) -> dict[str, str]:
    """Which tokens are client_ids, mapped to each client's clinician_id."""
    if not tokens:
        return {}
    return dict(cur.execute(sql("clients_by_id"), {"ids": list(tokens)}).fetchall())
