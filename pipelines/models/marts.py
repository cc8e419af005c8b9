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
import re
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
    by_client: bool  # each row is one client's, from that client's rows only (or has no client_id)


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
    bound = {k: v for k, v in params.items() if k not in ("scope", "as_of", "etr_fit_before")}
    payload = "\n".join([text, projection, json.dumps(bound, sort_keys=True, default=str)])
    return f"{name}@{hashlib.sha256(payload.encode('utf-8')).hexdigest()[:12]}"


def refresh(
    con: duckdb.DuckDBPyConnection, as_of: date, models: Sequence[Stored], fragments: SharedFragments,
    progress: Callable[[str], None] | None = None, full: bool = False,
) -> dict[str, float]:
    """Recompute the mart of every materialised model on a writable connection, in one transaction.

    Incremental unless ``full`` (or nothing to start from): the per-client models (``by_client``)
    recompute only the clients :func:`_previous_as_of` and refresh_dirty_clients.sql name, and keep the
    other clients' rows; every other model is computed whole. The marts come out as a full refresh
    would make them (tests/test_scope_property.py checks this over random sequences of loads).

    DuckDB's memory is capped at MOMENTUM_REFRESH_MEMORY for the refresh (it
    spills beyond it) and reset to DuckDB's default afterwards: at 1M sessions the uncapped
    refresh peaks at about 1.5 GB resident, capped at 1GB about 1.2 GB
    (docs/performance.md).
    """
    progress = progress or (lambda _m: None)
    limit = refresh_memory_limit()
    con.execute(sql("memory_limit_set"), {"limit": limit})
    try:
        return _refresh(con, as_of, _materialised(models), [m for m in models if m.reads_from], fragments, progress,
                        full)
    finally:
        # after a failed refresh its own error is the one to report; a cap left in place only saves memory
        with contextlib.suppress(duckdb.Error):
            con.execute(sql("memory_limit_reset"))


@dataclass(frozen=True)
class SharedFragments:
    """Fragments many stored models share (pipelines/sql/cte_<name>.sql), each list in dependency order;
    declared with the models (pipelines/models/queries.py: SHARED_FRAGMENTS).

    The refresh computes each once, for its scope and as-of date, into a temporary table refresh_<name>,
    and composes every stored model with cte_<name>_refreshed.sql in its place: the same rows, computed
    once instead of once per model (at 1M sessions the scored measures alone took about 2.3 s per model
    that reads them). ``practice``: the whole practice's, always computed whole. ``client``: they start
    from scoped_clients, and an incremental refresh computes them for the clients it recomputes only.
    """

    practice: tuple[str, ...]
    client: tuple[str, ...]
    # a practice fragment fitted on the data before a scheduled day (the ETR reference: the first day of the
    # as-of month), and the SQL file that fingerprints every value it reads before that day with the day
    # itself: an incremental refresh keeps the last refresh's rows (marts.fitted_<name>) while the
    # fingerprint is the same, and fits it again when a new month starts or earlier data changed
    fitted: str = ""
    fitted_inputs: str = ""

    @property
    def all(self) -> tuple[str, ...]:
        return self.practice + self.client


class _Temps:
    """The temporary tables a refresh makes for its own use, dropped before it commits.

    DuckDB binds values, not names, and the relation API makes no temporary table, so
    the name is written into the statement: always ``refresh_`` and a declared model's
    or fragment's name, checked here to be a plain identifier. (Ordinary tables made by the
    relation API and dropped before the commit would need no name written in, but they pass
    through the database file: at 1M sessions it grew from 106 MB to 171-181 MB, and every
    published snapshot copies it.)
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.names = con, []

    def make(self, table: str, select: str, params: dict | None = None) -> None:
        if not re.fullmatch(r"refresh_[a-z_]+", table):
            raise ValueError(f"not a refresh table name: {table!r}")
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS\n{select}", params or {})
        self.names.append(table)

    def drop(self) -> None:
        for table in reversed(self.names):
            self.con.execute(f"DROP TABLE IF EXISTS temp.main.{table}")
        self.names.clear()


def _shared_fragments(
    con: duckdb.DuckDBPyConnection, temps: _Temps, fragments: SharedFragments, scope: Scope, as_of: date,
    progress: Callable[[str], None], dirty_only: bool = False, kept: str = "",
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """Compute the shared fragments into temporary tables; the swaps that make a model read them: the
    practice's alone, and all of them. ``dirty_only``: the client fragments for the clients an incremental
    refresh recomputes (refresh_dirty_clients), not all. ``kept``: a fitted fragment whose table the
    refresh already holds (the last refresh's rows, :func:`_fit_kept`), not computed again."""
    swap: tuple[tuple[str, str], ...] = ()
    practice: tuple[tuple[str, str], ...] = ()
    for name in fragments.all:
        if name != kept:  # a kept fit's table is there already
            start = time.perf_counter()
            text, params = compose.fragment_statement(name, scope, as_of, swap)
            temps.make(f"refresh_{name}", text, params)
            if dirty_only and name == fragments.client[0]:  # scoped_clients: every client fragment starts from it
                con.execute(sql("refresh_scoped_clients_dirty"))
            progress(f"computed the shared {name} ({round(time.perf_counter() - start, 3)} s)")
        swap = (*swap, (name, f"{name}_refreshed"))
        if name in fragments.practice:
            practice = swap
    return practice, swap


def _fit_kept(
    con: duckdb.DuckDBPyConnection, fragments: SharedFragments, scope: Scope, as_of: date, previous: date | None,
    why_full: str,
) -> tuple[str, str]:
    """The fingerprint of the fitted fragment's inputs now (SharedFragments.fitted_inputs), and "" when the
    last refresh's fit can be kept, or why it is fitted again."""
    text, params = compose.file_statement(fragments.fitted_inputs, scope, as_of)
    inputs = str(con.execute(text, params).fetchall()[0][0])
    if previous is None:
        return inputs, why_full
    then, has_fit = con.execute(sql("refresh_previous"),
                                {"key": "marts_fit", "table": f"fitted_{fragments.fitted}"}).fetchall()[0]
    if then is None or not has_fit:
        return inputs, "the last refresh kept no fit"
    fitted_before, then_before = inputs.split()[0], then.split()[0]
    if then_before != fitted_before:
        return inputs, f"a new month: fitted on the data before {fitted_before}, not {then_before}"
    if then != inputs:
        return inputs, f"data dated before {fitted_before} changed since the last fit"
    return inputs, ""


def _stamps(stored: Sequence[Stored], summaries: Sequence[Stored]) -> set[str]:
    return ({stamp(m.name, m.stored or "") for m in stored}
            | {stamp(m.name, WHOLE_SCOPE_ONLY, m.swap) for m in summaries})


@lru_cache(maxsize=8)
def as_of_window_days(models: tuple[Stored, ...]) -> int:
    """The longest as-of window the per-client models bind (a ``..._days`` threshold, or a ``..._weeks`` one
    in days; 30 today, risk_item_window_days): rows older than this before the as-of date no longer move
    with it (refresh_dirty_clients.sql). Read from the parameters each model's SQL uses, so a window
    added to a model counts without a list to keep."""
    days = [0]
    for model in models:
        if model.by_client:
            _text, params = compose.statement(model.name, Scope(()), date(2000, 1, 1))
            days += [int(v) for k, v in params.items() if k.endswith("_days")]
            days += [7 * int(v) for k, v in params.items() if k.endswith("_weeks")]
    return max(days)


def why_full(con: duckdb.DuckDBPyConnection, models: Sequence[Stored]) -> str:
    """Why a refresh of this database now would recompute every client ("" when it can be incremental): the
    benchmark's week-before database is made again when it is "" no longer (a model added or changed since)."""
    scope = Scope.of(r[0] for r in con.execute(sql("all_clinician_ids")).fetchall())
    stamps = _stamps(_materialised(models), [m for m in models if m.reads_from])
    staff = str(con.execute(sql("refresh_staff_digest")).fetchall()[0][0])
    return _previous_as_of(con, scope, stamps, staff)[1]


def _previous_as_of(
    con: duckdb.DuckDBPyConnection, scope: Scope, stamps: set[str], staff: str
) -> tuple[date | None, str]:
    """The as-of date of the marts an incremental refresh can start from, or None and why it cannot.
    ``staff``: the staff list's fingerprint now (refresh_staff_digest.sql)."""
    rows = con.execute(sql("marts_state")).fetchall()
    marts_as_of, _version, _current, stored_models, stored_scope = rows[0] if rows else (None,) * 5
    if marts_as_of is None:
        return None, "no earlier refresh"
    if set((stored_models or "").split(",")) != stamps:
        return None, "the models or their thresholds changed since the last refresh"
    if stored_scope != scope_digest(scope):
        return None, "the staff list changed since the last refresh"
    staff_then, has_digests = con.execute(sql("refresh_previous"),
                                          {"key": "marts_staff", "table": "client_digests"}).fetchall()[0]
    if not has_digests or staff_then is None:
        return None, "the last refresh kept no fingerprints of the clients and staff to compare with"
    if staff_then != staff:
        return None, "the staff list changed since the last refresh"
    return date.fromisoformat(marts_as_of), ""


def _refresh(
    con: duckdb.DuckDBPyConnection, as_of: date, stored: list[Stored], summaries: list[Stored],
    fragments: SharedFragments, progress: Callable[[str], None], full: bool = False,
) -> dict[str, float]:
    scope = Scope.of(r[0] for r in con.execute(sql("all_clinician_ids")).fetchall())
    (version,) = con.execute(sql("data_version")).fetchall()[0]
    stamps = _stamps(stored, summaries)
    staff = str(con.execute(sql("refresh_staff_digest")).fetchall()[0][0])
    previous, why = (None, "a full refresh was asked for") if full else _previous_as_of(con, scope, stamps, staff)
    timings: dict[str, float] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        temps = _Temps(con)
        temps.make("refresh_client_digests", sql("refresh_client_digests"))
        by_client: list[Stored] = []
        if previous is not None:
            temps.make("refresh_dirty_clients", sql("refresh_dirty_clients"),
                       {"previous_as_of": previous, "as_of": as_of, "window_days": as_of_window_days(tuple(stored))})
            dirty, clients = con.execute(sql("refresh_dirty_count")).fetchall()[0]
            recomputed = f"{dirty} of {clients}"
            progress(f"recomputing {dirty:,} of {clients:,} clients (the others' rows, and what the dates "
                     f"{previous.isoformat()} and {as_of.isoformat()} mean for them, are unchanged)")
            by_client = [m for m in stored if m.by_client]
            for model in by_client:  # the rows of the clients not recomputed, kept aside while the marts reset
                temps.make(f"refresh_kept_{model.name}", sql("mart_rows_kept"), {"mart": table_name(model)})
        else:
            progress(f"recomputing every client ({why})")
            recomputed = "all"
        kept = ""
        if fragments.fitted:
            fit_inputs, why_fit = _fit_kept(con, fragments, scope, as_of, previous, why)
            if why_fit:
                progress(f"fitting the {fragments.fitted} again ({why_fit})")
            else:  # kept aside while the marts reset
                kept = fragments.fitted
                temps.make(f"refresh_{kept}", sql("mart_rows"), {"mart": f"marts.fitted_{kept}"})
                progress(f"kept the {kept} of the last refresh: nothing it is fitted on, before "
                         f"{fit_inputs.split()[0]}, changed")
        for stmt in statements("marts_reset"):
            con.execute(stmt)
        practice, shared = _shared_fragments(con, temps, fragments, scope, as_of, progress,
                                             dirty_only=previous is not None, kept=kept)
        if fragments.fitted:  # the next refresh's fit, and what it was fitted on
            con.sql(sql("mart_rows"), params={"mart": f"refresh_{fragments.fitted}"}).create(
                f"marts.fitted_{fragments.fitted}")
            con.execute(sql("meta_set"), {"key": "marts_fit", "value": fit_inputs})
        for model in stored:
            start = time.perf_counter()
            # an incremental refresh's client fragments hold the recomputed clients only: a model computed
            # whole reads the practice's shared fragments and computes the client ones in its own SQL
            reads_client_fragments = previous is None or model in by_client
            text, params = compose.statement(model.name, scope, as_of,
                                             swap=shared if reads_client_fragments else practice)
            # the relation API names the table: no SQL is assembled here
            rows = con.sql(text, params=params).project(model.stored)
            if model in by_client:
                rows = con.sql(sql("mart_rows"), params={"mart": f"refresh_kept_{model.name}"}).union_by_name(rows)
            rows.create(table_name(model))
            timings[model.name] = round(time.perf_counter() - start, 3)
            progress(f"refreshed {model.name} ({timings[model.name]} s)")
        for model in summaries:  # from the marts just made, for the refresh's scope
            start = time.perf_counter()
            text, params = compose.statement(model.name, scope, as_of, swap=model.swap)
            con.sql(text, params=params).project(WHOLE_SCOPE_ONLY).create("marts." + model.name)
            timings[model.name] = round(time.perf_counter() - start, 3)
            progress(f"refreshed {model.name} ({timings[model.name]} s)")
        # the next refresh's start
        con.sql(sql("mart_rows"), params={"mart": "refresh_client_digests"}).create("marts.client_digests")
        con.execute(sql("meta_set"), {"key": "marts_as_of", "value": as_of.isoformat()})
        con.execute(sql("meta_set"), {"key": "marts_data_version", "value": str(version)})
        con.execute(sql("meta_set"), {"key": "marts_models", "value": ",".join(sorted(stamps))})
        con.execute(sql("meta_set"), {"key": "marts_scope", "value": scope_digest(scope)})
        con.execute(sql("meta_set"), {"key": "marts_staff", "value": staff})
        # which clients this refresh recomputed ("all", or "N of M"): what the refresh benchmark reports
        con.execute(sql("meta_set"), {"key": "marts_recomputed", "value": recomputed})
        temps.drop()
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
    # to pandas' nullable boolean and dates to datetime64, as .df() gives them.
    # A list column (sparklines, the weeks of a trend) stays an Arrow list: as a column of NumPy arrays it
    # took 1.3 s to copy out of Streamlit's data cache on every run of the manager's caseload at 10M
    # (341,225 clients), as Arrow 6 ms (docs/performance.md); a cell still reads as a Python list
    return table.to_pandas(types_mapper=_pandas_type, date_as_object=False)


def _pandas_type(arrow_type: pa.DataType) -> object:
    if arrow_type == pa.bool_():
        return pd.BooleanDtype()
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return pd.ArrowDtype(arrow_type)
    return None
