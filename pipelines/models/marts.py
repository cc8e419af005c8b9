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

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Protocol

import duckdb
import pandas as pd
import pyarrow as pa

from pipelines.models import compose
from pipelines.scope import Scope
from pipelines.settings import memory_size
from pipelines.sql_files import sql, statements


def refresh_memory_limit() -> str:
    """MOMENTUM_REFRESH_MEMORY, checked: a size such as 1GB or 700MB."""
    return memory_size("MOMENTUM_REFRESH_MEMORY")

class Stored(Protocol):
    """What the marts need to know of a model (declared in pipelines/models/queries.py)."""

    name: str
    stored: str | None  # the projection that adds __scope, when the model is materialised
    reads_from: tuple[str, ...]  # a model read from other models' marts (``swap`` points its SQL there)
    swap: tuple[tuple[str, str], ...]


def table_name(model: Stored) -> str:
    """The stored table of a model, in the marts schema."""
    if model.stored is None:
        raise KeyError(f"{model.name} is not materialised")
    return "marts." + model.name


def _materialised(models: Sequence[Stored]) -> list[Stored]:
    return [m for m in models if m.stored is not None]


# A model that reads other models' marts (``reads_from``) is also stored at the refresh, as its answer
# for the refresh's own scope only: read as it is by that scope (a manager), never filtered for another
# (its __scope is NULL, which mart_read.sql's test refuses), so any other scope computes it from the marts.
WHOLE_SCOPE_ONLY = "*, CAST(NULL AS VARCHAR[]) AS __scope"


@lru_cache(maxsize=128)
def stamp(name: str, projection: str, swap: tuple[tuple[str, str], ...] = ()) -> str:
    """A stored model's name and the digest of what computed its mart: its composed SQL, its projection and
    the thresholds and instrument values it binds (not the scope or the as-of date, which the marts'
    other keys cover). Marts refreshed by another version of a model (a column added since, a threshold
    changed) are not current, so the model is computed live until the next refresh."""
    text, params = compose.statement(name, Scope(()), date(2000, 1, 1), swap=swap)
    bound = {k: v for k, v in params.items() if k not in ("scope", "as_of")}
    payload = "\n".join([text, projection, json.dumps(bound, sort_keys=True, default=str)])
    return f"{name}@{hashlib.sha256(payload.encode('utf-8')).hexdigest()[:12]}"


def refresh(
    con: duckdb.DuckDBPyConnection, as_of: date, models: Sequence[Stored],
    progress: Callable[[str], None] | None = None,
) -> dict[str, float]:
    """Recompute the mart of every materialised model on a writable connection, in one transaction.

    DuckDB's memory is capped at MOMENTUM_REFRESH_MEMORY for the refresh (it
    spills beyond it) and reset to DuckDB's default afterwards: at 1M sessions the uncapped
    refresh peaks at about 1.5 GB resident, capped at 1GB about 1.2 GB
    (docs/performance.md).
    """
    progress = progress or (lambda _m: None)
    limit = refresh_memory_limit()
    con.execute(sql("memory_limit_set"), {"limit": limit})
    try:
        return _refresh(con, as_of, _materialised(models), [m for m in models if m.reads_from], progress)
    finally:
        # after a failed refresh its own error is the one to report; a cap left in place only saves memory
        with contextlib.suppress(duckdb.Error):
            con.execute(sql("memory_limit_reset"))


# Fragments many stored models share (pipelines/sql/cte_<name>.sql), in dependency order. The refresh
# computes each once, for its scope and as-of date, into a temporary table refresh_<name>, and composes
# every stored model with cte_<name>_refreshed.sql in its place: the same rows, computed once instead of
# once per model (at 1M sessions the scored measures alone took about 2.3 s per model that reads them).
SHARED_FRAGMENTS = (
    "scoped_clients", "attended", "outcome_scores", "measure_outcomes", "client_facts", "first_improvement",
)


def _shared_fragments(
    con: duckdb.DuckDBPyConnection, scope: Scope, as_of: date, progress: Callable[[str], None]
) -> tuple[tuple[str, str], ...]:
    """Compute SHARED_FRAGMENTS into temporary tables; the swap that makes a model read them."""
    swap: tuple[tuple[str, str], ...] = ()
    for name in SHARED_FRAGMENTS:
        start = time.perf_counter()
        text, params = compose.fragment_table_statement(name, scope, as_of, swap)
        con.execute(text, params)
        swap = (*swap, (name, f"{name}_refreshed"))
        progress(f"computed the shared {name} ({round(time.perf_counter() - start, 3)} s)")
    return swap


def _stamps(stored: Sequence[Stored], summaries: Sequence[Stored]) -> set[str]:
    return ({stamp(m.name, m.stored or "") for m in stored}
            | {stamp(m.name, WHOLE_SCOPE_ONLY, m.swap) for m in summaries})


def _refresh(
    con: duckdb.DuckDBPyConnection, as_of: date, stored: list[Stored], summaries: list[Stored],
    progress: Callable[[str], None],
) -> dict[str, float]:
    scope = Scope.of(r[0] for r in con.execute(sql("all_clinician_ids")).fetchall())
    (version,) = con.execute(sql("data_version")).fetchall()[0]
    timings: dict[str, float] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for stmt in statements("marts_reset"):
            con.execute(stmt)
        shared = _shared_fragments(con, scope, as_of, progress)
        for model in stored:
            start = time.perf_counter()
            text, params = compose.statement(model.name, scope, as_of, swap=shared)
            # the relation API names the table: no SQL is assembled here
            con.sql(text, params=params).project(model.stored).create(table_name(model))
            timings[model.name] = round(time.perf_counter() - start, 3)
            progress(f"refreshed {model.name} ({timings[model.name]} s)")
        for model in summaries:  # from the marts just made, for the refresh's scope
            start = time.perf_counter()
            text, params = compose.statement(model.name, scope, as_of, swap=model.swap)
            con.sql(text, params=params).project(WHOLE_SCOPE_ONLY).create("marts." + model.name)
            timings[model.name] = round(time.perf_counter() - start, 3)
            progress(f"refreshed {model.name} ({timings[model.name]} s)")
        con.execute(sql("meta_set"), {"key": "marts_as_of", "value": as_of.isoformat()})
        con.execute(sql("meta_set"), {"key": "marts_data_version", "value": str(version)})
        con.execute(sql("meta_set"), {"key": "marts_models", "value": ",".join(sorted(_stamps(stored, summaries)))})
        con.execute(sql("meta_set"), {"key": "marts_scope", "value": scope_digest(scope)})
        for stmt in statements("refresh_fragments_drop"):
            con.execute(stmt)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return timings


@lru_cache(maxsize=64)
def scope_digest(scope: Scope) -> str:
    """SHA-256 of a scope's sorted clinician_ids: which scope a refresh computed the marts with."""
    return hashlib.sha256("\n".join(scope.clinician_ids).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class MartsState:
    as_of: date | None  # the as-of date the marts hold, when they are current
    current: bool  # they hold the current data and every model this version stores
    scope_digest: str | None = None  # the refresh's scope (every clinician_id), when current
    stamps: frozenset[str] = frozenset()  # what the refresh stored (stamp()), when current

    def serves(self, model: Stored, as_of: date) -> bool:
        """True when the mart of ``model`` (or the one it reads from) holds this data version as of ``as_of``."""
        return (model.stored is not None or bool(model.reads_from)) and self.current and self.as_of == as_of

    def whole(self, scope: Scope) -> bool:
        """True when ``scope`` is the very scope the refresh used: the stored rows are its answer."""
        return self.current and self.scope_digest is not None and self.scope_digest == scope_digest(scope)


def state(cur: duckdb.DuckDBPyConnection, models: Sequence[Stored]) -> MartsState:
    """Whether the marts hold the current data and a mart of every materialised model in ``models``."""
    rows = cur.execute(sql("marts_state")).fetchall()  # fetch fully (DuckDB 2.0)
    if not rows:
        return MartsState(None, False)
    marts_as_of, marts_version, current_version, stored_models, stored_scope = rows[0]
    current = (
        marts_as_of is not None
        and marts_version == str(current_version)
        # marts refreshed by an older version may lack a model added since, or hold one computed differently
        and {stamp(m.name, m.stored or "") for m in _materialised(models)} <= set((stored_models or "").split(","))
    )
    if not current:
        return MartsState(None, False)
    return MartsState(date.fromisoformat(marts_as_of), True, stored_scope, frozenset(stored_models.split(",")))


def read(
    cur: duckdb.DuckDBPyConnection, model: Stored, scope: Scope, as_of: date, marts_state: MartsState
) -> pd.DataFrame:
    """The stored rows of ``model`` within ``scope`` (call only when the marts serve it).

    The scope the refresh used (every clinician_id) reads the stored rows as
    they are: they are the model's answer for that scope. Any other scope
    filters them by ``__scope`` (mart_read.sql). ``marts_state`` is what
    :func:`state` said.
    """
    if not isinstance(scope, Scope):
        raise TypeError("a Scope is required: every model runs within the user's scope")
    if model.reads_from:
        if marts_state.whole(scope) and stamp(model.name, WHOLE_SCOPE_ONLY, model.swap) in marts_state.stamps:
            # the refresh's scope: its stored answer (a refresh by an older version lacks it: computed below)
            return _to_pandas(cur.sql(sql("mart_read_whole"), params={"mart": "marts." + model.name}).to_arrow_table())
        text, params = compose.statement(model.name, scope, as_of, swap=model.swap)
        return _to_pandas(cur.sql(text, params=params).to_arrow_table())
    if marts_state.whole(scope):
        table = cur.sql(sql("mart_read_whole"), params={"mart": table_name(model)})
    else:
        table = cur.sql(sql("mart_read"), params={"mart": table_name(model), "scope": list(scope.clinician_ids)})
    return _to_pandas(table.to_arrow_table())


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    # Arrow is several times faster than .df() for wide results; booleans map
    # to pandas' nullable boolean and dates to datetime64, as .df() gives them
    return table.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get, date_as_object=False)
