"""Scope holds for every query function over random practices (hypothesis).

No function returns a row about a client whose primary clinician is outside
the scope, or about a clinician outside it.
"""

from __future__ import annotations

import io
import os
import random
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.models import compose, marts, queries, reports
from pipelines.scope import Scope
from pipelines.sql_files import sql, statements

AS_OF = date(2026, 6, 30)
MODELS = sorted(queries.MODELS, key=lambda m: m.name)  # every model, as declared once
STORED = [m for m in queries.MODELS if m.stored]  # materialised as they are
SUMMARIES = [m for m in queries.MODELS if m.reads_from]  # read other models' marts; stored for the refresh's scope
CLIENT_LEVEL_EXEMPT = {"etr_reference", "practice_weeks"}  # practice-wide aggregates: no client or clinician rows


def _practice(seed: int) -> duckdb.DuckDBPyConnection:
    rng = random.Random(seed)
    con = duckdb.connect()
    for stmt in statements("data_schema"):
        con.execute(stmt)
    staff = [f"T{i}" for i in range(rng.randint(2, 5))]
    for t in staff:
        con.execute("INSERT INTO clinicians VALUES (?, ?, 'clinician', NULL, 'North', 1.0, 10, true, 0)", [t, "Clinician " + t])
    clients = []
    for i in range(rng.randint(1, 14)):
        cid, owner = f"C{i}", rng.choice(staff)
        intake = AS_OF - timedelta(days=rng.randint(5, 200))
        status = rng.choice(["active", "active", "active", "paused", "discharged"])
        discharge = AS_OF - timedelta(days=rng.randint(0, 4)) if status == "discharged" else None
        con.execute("INSERT INTO clients VALUES (?, ?, ?, ?, ?, NULL, 0)", [cid, owner, intake, discharge, status])
        clients.append((cid, owner, intake))
    n = 0
    for cid, owner, intake in clients:
        when = datetime.combine(intake, datetime.min.time()) + timedelta(hours=10)
        while when.date() <= AS_OF + timedelta(days=10):
            n += 1
            seen_by = owner if rng.random() < 0.8 else rng.choice(staff)  # cover sessions
            status = rng.choice(["attended"] * 6 + ["no_show", "late_cancel", "cancelled"])
            signed = when + timedelta(hours=rng.choice([1, 30, 80])) if status == "attended" else None
            con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, 50, ?, 'individual', 'in_person', ?, 0)",
                        [f"S{n}", cid, seen_by, when, status, signed])
            if status == "attended":
                for measure, top in (("PHQ-9", 27), ("GAD-7", 21), ("ORS", 40), ("SRS", 40)):
                    if rng.random() < 0.7:
                        risk = rng.choice([0, 0, 0, 1]) if measure == "PHQ-9" else None
                        con.execute("INSERT INTO measures VALUES (?, ?, ?, ?, ?, NULL, NULL, 0)",
                                    [cid, measure, when, rng.randint(0, top), risk])
                if rng.random() < 0.5:
                    hw_status = rng.choice(["completed", "partial", "not_done", "not_reviewed"])
                    con.execute("INSERT INTO homework VALUES (?, ?, ?, ?, NULL, 'exposure', ?, ?, ?, 0)",
                                [f"H{n}", cid, seen_by, when.date(), hw_status,
                                 None if hw_status == "not_reviewed" else when.date() + timedelta(days=7),
                                 rng.randint(0, 4)])
            when += timedelta(days=rng.choice([7, 7, 14, 30]))
        if rng.random() < 0.5:
            con.execute("INSERT INTO wins VALUES (?, ?, ?, 'client_progress', 'A small step', ?, 0)",
                        [f"W{cid}", owner, datetime.combine(AS_OF, datetime.min.time()), cid])
    return con


def _plain(frame: pd.DataFrame) -> list[tuple]:
    """Rows as plain values: every kind of missing as None (Arrow and .df() differ
    only there), floats to 9 decimals and 9 significant digits (parallel sums differ in the last bits)."""
    def plain(v):
        if hasattr(v, "__len__") and not isinstance(v, str):  # list columns (sparklines)
            return tuple(plain(x) for x in v)
        if pd.isna(v):
            return None
        v = v.item() if hasattr(v, "item") else v
        return float(f"{round(v, 9):.9g}") if isinstance(v, float) else v

    return [tuple(plain(v) for v in row) for row in frame.astype(object).itertuples(index=False)]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.name)
def test_models_exist_for_every_query(model):
    assert compose.compose(model.name)


PRACTICES = int(os.environ.get("MOMENTUM_SCOPE_PRACTICES", "5"))  # `make campaign` runs 1000


@settings(max_examples=PRACTICES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), pick=st.integers(0, 2**10))
def test_no_query_returns_rows_outside_its_scope(seed, pick):
    con = _practice(seed)
    staff = [r[0] for r in con.execute("SELECT clinician_id FROM clinicians ORDER BY 1").fetchall()]
    owner = dict(con.execute("SELECT client_id, clinician_id FROM clients").fetchall())
    allowed = tuple(t for i, t in enumerate(staff) if pick >> i & 1)
    scope = Scope(allowed)
    runs = [(m, None) for m in MODELS if not m.per_client]
    runs += [(m, c) for m in MODELS if m.per_client for c in sorted(owner)]
    for model, client_id in runs:
        extra = {"client_id": client_id} if client_id else None
        frame = queries.run(con.cursor(), model, scope, AS_OF, extra)
        if client_id and owner[client_id] not in allowed:
            assert frame.empty, f"{model.name}: a client outside scope {allowed} returned rows"
        if model.name in CLIENT_LEVEL_EXEMPT:
            assert "client_id" not in frame.columns and "clinician_id" not in frame.columns
            continue
        for column in ("clinician_id", "posted_by"):
            if column in frame.columns:
                outside = set(frame[column].dropna()) - set(allowed)
                assert not outside, f"{model.name}: {column} outside scope {allowed}: {outside}"
        if "client_id" in frame.columns:
            owners = {owner[c] for c in frame["client_id"].dropna()}
            assert owners <= set(allowed), f"{model.name}: client of {owners - set(allowed)} outside scope {allowed}"
    # every report and its CSV export (what `python -m pipelines report` and the download buttons write)
    for kind in reports.BUILDERS:
        exported = pd.read_csv(io.StringIO(reports.to_csv(reports.build(kind, con.cursor(), scope, AS_OF))),
                               dtype=str, keep_default_na=False)
        for column in ("clinician_id", "posted_by"):
            if column in exported.columns:
                assert set(exported[column]) - {""} <= set(allowed), f"report {kind}: {column} outside scope"
        if "client_id" in exported.columns:
            assert {owner[c] for c in set(exported["client_id"]) - {""}} <= set(allowed), f"report {kind}"
    # the materialised marts, read for this scope, give exactly the live answer
    queries.refresh_marts(con, AS_OF)
    for model in queries.WHOLE_CASELOAD:  # each stored, or read from another's mart
        assert queries.marts_state(con).serves(model, AS_OF)
        stored = queries.run(con.cursor(), model, scope, AS_OF)
        live = queries.run(con.cursor(), model, scope, AS_OF, prefer_marts=False)
        assert _plain(stored) == _plain(live), model.name
    assert not queries.marts_state(con).serves(queries.client_outcomes, AS_OF - timedelta(days=1))  # another date: live
    con.close()


@pytest.mark.parametrize("seed", [3, 17])
def test_the_refresh_scope_reads_the_stored_rows_and_any_other_scope_filters_them(seed, monkeypatch):
    from pipelines.models.queries import all_clinicians_scope

    con = _practice(seed)
    queries.refresh_marts(con, AS_OF)
    every = all_clinicians_scope(con)
    fewer = Scope(every.clinician_ids[1:])
    more = Scope((*every.clinician_ids, "T-not-on-staff"))
    state = queries.marts_state(con)
    assert state.whole(every) and not state.whole(fewer) and not state.whole(more)
    used: list[str] = []
    real_sql = marts.sql
    monkeypatch.setattr(marts, "sql", lambda name: used.append(name) or real_sql(name))
    for scope, path in ((every, "mart_read_whole"), (fewer, "mart_read"), (more, "mart_read")):
        for model in STORED:
            used.clear()
            stored = queries.run(con.cursor(), model, scope, AS_OF)
            assert path in used and ({"mart_read", "mart_read_whole"} - {path}).isdisjoint(used), (model.name, used)
            live = queries.run(con.cursor(), model, scope, AS_OF, prefer_marts=False)
            assert _plain(stored) == _plain(live), (model.name, path)
        # a summary of other marts (caseload_summary, outcome_rates, ...): the refresh's scope reads the answer
        # stored for it; any other scope computes it from the marts, never from that stored answer
        for model in SUMMARIES:
            used.clear()
            stored = queries.run(con.cursor(), model, scope, AS_OF)
            assert ("mart_read_whole" in used) == (scope is every), (model.name, used)
            live = queries.run(con.cursor(), model, scope, AS_OF, prefer_marts=False)
            assert _plain(stored) == _plain(live), (model.name, path)
    # marts refreshed before the scope digest was kept: every scope is filtered, still the live answer
    con.execute("DELETE FROM meta WHERE key = 'marts_scope'")
    assert queries.marts_state(con).current and not queries.marts_state(con).whole(every)
    for model in STORED:
        used.clear()
        stored = queries.run(con.cursor(), model, every, AS_OF)
        assert "mart_read" in used and "mart_read_whole" not in used
        assert _plain(stored) == _plain(queries.run(con.cursor(), model, every, AS_OF, prefer_marts=False)), model.name
    for model in SUMMARIES:
        used.clear()
        stored = queries.run(con.cursor(), model, every, AS_OF)
        assert "mart_read_whole" not in used, model.name
        assert _plain(stored) == _plain(queries.run(con.cursor(), model, every, AS_OF, prefer_marts=False)), model.name
    con.close()


def test_a_scope_is_required():
    con = _practice(1)
    with pytest.raises(TypeError, match="Scope is required"):
        queries.client_outcomes(con.cursor(), ("T0",), AS_OF)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Scope(["T0"])  # type: ignore[arg-type]
    empty = queries.client_outcomes(con.cursor(), Scope(()), AS_OF)
    assert empty.empty


def test_every_scoped_query_function_refuses_to_run_without_a_scope():
    import inspect

    con = _practice(2)
    scoped = [f for name, f in inspect.getmembers(queries, inspect.isfunction)
              if f.__module__ == "pipelines.models.queries" and "scope" in inspect.signature(f).parameters
              and f is not queries.run]  # run is what every model calls: it is checked through them
    assert len(scoped) >= 2 and len(queries.MODELS) >= 19
    for model in queries.MODELS:  # every model is called like a function
        rest = {"as_of": AS_OF, **({"client_id": "C0"} if model.per_client else {})}
        with pytest.raises(TypeError, match="Scope"):
            model(con.cursor(), scope=["T0"], **rest)
        model(con.cursor(), scope=Scope(("T0",)), **rest)
    others = {"as_of": AS_OF, "client_id": "C0", "audience": Scope(("T0",)), "since": datetime(2000, 1, 1),
              "until": datetime(2100, 1, 1)}
    for func in scoped:
        rest = {name: a for name, a in others.items() if name in inspect.signature(func).parameters}
        with pytest.raises(TypeError, match="Scope"):
            func(con.cursor(), scope=["T0"], **rest)
        func(con.cursor(), scope=Scope(("T0",)), **rest)  # and runs with one
    con.close()


# -- the incremental refresh: any sequence of loads, each refresh equal to a full one ---------------------

STEPS = ("week", "edit", "remove", "move", "discharge", "as_of", "as_of", "as_of", "nothing", "intake")


def _old_clients(con: duckdb.DuckDBPyConnection, rng: random.Random) -> None:
    """Clients discharged long before the as-of dates the steps use (OLD: an incremental refresh keeps their
    rows), and some discharged within the thresholds' windows of them (MID: their wins and outcomes still
    move with the as-of date), each improving week by week."""
    staff = [r[0] for r in con.execute("SELECT clinician_id FROM clinicians ORDER BY 1").fetchall()]
    kinds = [("OLD", 300, 400)] * rng.randint(1, 5) + [("MID", 60, 150)] * rng.randint(1, 3)
    for i, (kind, earliest, latest) in enumerate(kinds):
        cid, owner = f"{kind}{i}", rng.choice(staff)
        intake = AS_OF - timedelta(days=rng.randint(earliest, latest))
        discharge = intake + timedelta(days=rng.randint(40, 120) if kind == "OLD" else rng.randint(20, 50))
        con.execute("INSERT INTO clients VALUES (?, ?, ?, ?, 'discharged', NULL, 0)", [cid, owner, intake, discharge])
        when = datetime.combine(intake, datetime.min.time()) + timedelta(hours=9)
        k = 0
        while when.date() <= discharge:
            k += 1
            con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, 50, 'attended', 'individual', 'in_person', ?, 0)",
                        [f"{cid}S{k}", cid, owner, when, when + timedelta(hours=2)])
            con.execute("INSERT INTO measures VALUES (?, 'PHQ-9', ?, ?, 0, NULL, NULL, 0)",
                        [cid, when, max(0, 20 - 2 * k + rng.randint(-2, 2))])
            when += timedelta(days=7)


def _step(con: duckdb.DuckDBPyConnection, kind: str, pick: int, as_of: date, load_id: int) -> date:
    """Apply one load (or a move of the as-of date) to a practice; the same arguments, the same change."""
    rng = random.Random(pick)
    clients = [r[0] for r in con.execute("SELECT client_id FROM clients ORDER BY 1").fetchall()]
    staff = [r[0] for r in con.execute("SELECT clinician_id FROM clinicians ORDER BY 1").fetchall()]
    cid = rng.choice(clients)
    if kind == "week":  # a week of sessions, scores and homework for a few clients
        recent = [c for c in clients if not c.startswith(("OLD", "MID"))]
        for c in rng.sample(recent, min(len(recent), rng.randint(1, 3))):
            owner = con.execute("SELECT clinician_id FROM clients WHERE client_id = ?", [c]).fetchall()[0][0]
            when = datetime.combine(as_of - timedelta(days=rng.randint(0, 6)), datetime.min.time()) + timedelta(hours=11)
            sid = f"N{load_id}{c}"
            con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, 50, 'attended', 'individual', 'in_person', ?, ?)",
                        [sid, c, owner, when, when + timedelta(hours=3), load_id])
            con.execute("INSERT INTO measures VALUES (?, 'PHQ-9', ?, ?, ?, NULL, ?, ?)",
                        [c, when, rng.randint(0, 27), rng.choice([0, 1]), sid, load_id])
            con.execute("INSERT INTO homework VALUES (?, ?, ?, ?, NULL, 'exposure', 'completed', ?, 3, ?)",
                        [f"HW{load_id}{c}", c, owner, when.date(), when.date(), load_id])
    elif kind == "edit":  # a re-export corrects a score
        con.execute("UPDATE measures SET score = ?, load_id = ? WHERE client_id = ? AND measure = 'PHQ-9'",
                    [rng.randint(0, 27), load_id, cid])
    elif kind == "remove":  # a session the practice's system deleted
        con.execute("DELETE FROM sessions WHERE session_id = (SELECT min(session_id) FROM sessions WHERE client_id = ?)",
                    [cid])
    elif kind == "move":  # a client handed over to another clinician
        con.execute("UPDATE clients SET clinician_id = ?, load_id = ? WHERE client_id = ?", [rng.choice(staff), load_id, cid])
    elif kind == "discharge":
        con.execute("UPDATE clients SET status = 'discharged', discharge_date = ?, load_id = ? WHERE client_id = ?",
                    [as_of - timedelta(days=rng.randint(0, 10)), load_id, cid])
    elif kind == "intake":  # a new client, seen once
        owner = rng.choice(staff)
        con.execute("INSERT INTO clients VALUES (?, ?, ?, NULL, 'active', NULL, ?)", [f"NEW{load_id}", owner, as_of, load_id])
        when = datetime.combine(as_of, datetime.min.time()) + timedelta(hours=8)
        con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, 50, 'attended', 'intake', 'in_person', NULL, ?)",
                    [f"NEWS{load_id}", f"NEW{load_id}", owner, when, load_id])
    elif kind == "as_of":  # the practice looks at another day (forward, or back)
        return as_of + timedelta(days=rng.choice([-20, -3, 1, 7, 30, 45]))
    return as_of


def _marts(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' AND table_name <> 'client_digests'"
    ).fetchall()]
    return {n: sorted(_plain(con.sql(sql("mart_rows"), params={"mart": f"marts.{n}"}).df()), key=repr)
            for n in sorted(names)}


REFRESH_SEQUENCES = int(os.environ.get("MOMENTUM_REFRESH_SEQUENCES", "3"))  # `make campaign` runs 200


@settings(max_examples=REFRESH_SEQUENCES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6),
       steps=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 10**6)), min_size=1, max_size=5))
def test_an_incremental_refresh_after_any_sequence_of_loads_equals_a_full_refresh(seed, steps):
    """Two copies of a random practice take the same loads (new weeks, corrected scores, removed sessions,
    clients handed over, discharged or new) and as-of dates moved either way: one refreshes incrementally
    after each, from its own previous incremental refresh; the other recomputes everything. Every mart
    is the same after every step, and the incremental one recomputed only some clients."""
    practices = []
    for _ in range(2):
        con = _practice(seed)
        _old_clients(con, random.Random(seed))
        practices.append(con)
    incremental, full = practices
    as_of = AS_OF - timedelta(days=30)
    for con in practices:
        queries.refresh_marts(con, as_of)
    for load_id, (kind, pick) in enumerate(steps, 1):
        previous, new_as_of = as_of, as_of
        for con in practices:
            new_as_of = _step(con, kind, pick, as_of, load_id)
        as_of = new_as_of
        said: list[str] = []
        queries.refresh_marts(incremental, as_of, progress=said.append)
        queries.refresh_marts(full, as_of, full=True)
        line = next(m for m in said if m.startswith("recomputing"))
        assert "every client" not in line, line  # the incremental path
        dirty, clients = (int(x.replace(",", "")) for x in line.split()[1:4:2])
        if kind in ("week", "nothing", "intake") and min(previous, as_of) - timedelta(
                days=marts.as_of_window_days(tuple(STORED))) > AS_OF - timedelta(days=180):
            # the clients discharged long ago (their last date is at least 180 days before AS_OF) were not
            # touched by this step, and the dates are too late to matter to them: their rows are kept
            assert dirty < clients, (kind, line)
        assert _marts(incremental) == _marts(full), (kind, line)
    for con in practices:
        con.close()


# -- the ETR reference curves: fitted on the data before the first day of the as-of month, kept until then ------

FIRST = "(SELECT {key} FROM {table} WHERE {where} ORDER BY {order} LIMIT 1)"
EARLY_PHQ = FIRST.format(key="administered_at", table="measures", where="measure = 'PHQ-9'", order="administered_at")
EARLY_ATTENDED = FIRST.format(key="session_id", table="sessions", where="status = 'attended'", order="start")
LAST_PHQ_BEFORE = FIRST.format(key="administered_at", table="measures",
                               where="measure = 'PHQ-9' AND administered_at < DATE '2026-06-01'",
                               order="administered_at DESC")
NOT_ATTENDED = FIRST.format(key="session_id", table="sessions", where="status = 'no_show'", order="start")
# a change to the practice's data, and whether the curves fitted before 2026-06-01 must be refitted; applied in turn
FIT_CHANGES = {
    "an earlier score corrected": (f"UPDATE measures SET score = 27 - score WHERE administered_at = {EARLY_PHQ}", True),
    "an earlier score moved to another client": (
        f"UPDATE measures SET client_id = 'C0' WHERE administered_at = {EARLY_PHQ} AND client_id <> 'C0'", True),
    "an earlier score exported twice": (f"INSERT INTO measures SELECT * FROM measures WHERE administered_at = {EARLY_PHQ}",
                                        True),
    "an earlier GAD-7 score removed": (
        "DELETE FROM measures WHERE measure = 'GAD-7' AND administered_at = "
        + FIRST.format(key="administered_at", table="measures", where="measure = 'GAD-7'", order="administered_at"),
        True),
    "a score moved across the fit day": (
        f"UPDATE measures SET administered_at = TIMESTAMP '2026-06-02 10:00' WHERE administered_at = {LAST_PHQ_BEFORE}",
        True),
    "an earlier attended session moved a day": (
        f"UPDATE sessions SET start = start + INTERVAL 1 DAY WHERE session_id = {EARLY_ATTENDED}", True),
    "an earlier session now a no-show": (f"UPDATE sessions SET status = 'no_show' WHERE session_id = {EARLY_ATTENDED}",
                                         True),
    "a client's intake date corrected": ("UPDATE clients SET intake_date = intake_date + 3 WHERE client_id = 'OLD0'",
                                         True),
    "a client removed": ("DELETE FROM clients WHERE client_id = 'OLD0'", True),
    "a score after the fit day": ("INSERT INTO measures SELECT client_id, 'PHQ-9', TIMESTAMP '2026-06-10 10:00', 3, "
                                  "0, NULL, NULL, 9 FROM clients WHERE client_id = 'C0'", False),
    "a session after the fit day": (
        "INSERT INTO sessions SELECT 'LATE1', client_id, clinician_id, TIMESTAMP '2026-06-10 10:00', 50, 'attended', "
        "'individual', 'in_person', NULL, 9 FROM clients WHERE client_id = 'C0'", False),
    "a client taken on after the fit day": (
        "INSERT INTO clients SELECT 'LATEC', clinician_id, DATE '2026-06-12', NULL, 'active', NULL, 9 FROM clients "
        "WHERE client_id = 'C0'", False),
    "an earlier missed session now cancelled (attended sessions only count)": (
        f"UPDATE sessions SET status = 'cancelled' WHERE session_id = {NOT_ATTENDED}", False),
    "an earlier SRS score (not a fitted measure)": (
        "UPDATE measures SET score = 40 - score WHERE measure = 'SRS' AND administered_at = "
        + FIRST.format(key="administered_at", table="measures", where="measure = 'SRS'", order="administered_at"),
        False),
    "an earlier session's note signed late": (
        f"UPDATE sessions SET note_signed_at = TIMESTAMP '2026-06-12 09:00' WHERE session_id = {EARLY_ATTENDED}", False),
    "a client discharged": ("UPDATE clients SET status = 'discharged', discharge_date = DATE '2026-06-15' "
                            "WHERE client_id = 'C0'", False),
}


def test_the_etr_curves_are_kept_until_a_change_to_what_they_are_fitted_on():
    """Each change that must refit (FIT_CHANGES), followed by a refresh, then every change that must not,
    together, followed by one: the refresh keeps the last refresh's ETR curves while nothing they are fitted
    on changed (a later score, session or client, an unfitted measure or column), and fits them again when
    something did; either way the stored curves, and the NOT_ON_TRACK flags, equal the live models."""
    con = _practice(5)
    _old_clients(con, random.Random(5))
    scope = queries.all_clinicians_scope(con)
    queries.refresh_marts(con, date(2026, 6, 20))
    steps = [([c], True) for c, (_s, refits) in FIT_CHANGES.items() if refits]
    steps.append(([c for c, (_s, refits) in FIT_CHANGES.items() if not refits], False))
    for changes, refits in steps:
        for change in changes:
            assert con.execute(FIT_CHANGES[change][0]).fetchall()[0][0] >= 1, change  # rows changed
        said: list[str] = []
        queries.refresh_marts(con, date(2026, 6, 25), progress=said.append)
        fitted = [m for m in said if "etr_reference" in m and ("fitting" in m or "kept" in m)]
        assert fitted == [
            "fitting the etr_reference again (data dated before 2026-06-01 changed since the last fit)" if refits
            else "kept the etr_reference of the last refresh: nothing it is fitted on, before 2026-06-01, changed"
        ], changes
        assert ("computed the shared etr_reference" in " ".join(said)) is refits, changes
        for model in (queries.etr_reference, queries.active_flags):
            stored = queries.run(con.cursor(), model, scope, date(2026, 6, 25))
            live = queries.run(con.cursor(), model, scope, date(2026, 6, 25), prefer_marts=False)
            assert _plain(stored) == _plain(live), (changes, model.name)
    con.close()


def test_the_etr_curves_are_fitted_again_in_a_new_month_and_by_a_full_refresh():
    """A new month, forward or back, fits the curves on the data before its first day, and a full refresh
    fits them whatever; the stored curves and flags equal the live models, and say which day that is."""
    con = _practice(8)
    scope = queries.all_clinicians_scope(con)
    queries.refresh_marts(con, date(2026, 6, 20))
    for day, said_fit, full in (
        (date(2026, 6, 29), "kept the etr_reference", False),
        (date(2026, 7, 2), "fitting the etr_reference again (a new month: fitted on the data before 2026-07-01, "
                           "not 2026-06-01)", False),
        (date(2026, 7, 3), "kept the etr_reference", False),
        (date(2026, 6, 28), "fitting the etr_reference again (a new month: fitted on the data before 2026-06-01, "
                            "not 2026-07-01)", False),
        (date(2026, 6, 28), "fitting the etr_reference again (a full refresh was asked for)", True),
    ):
        said: list[str] = []
        queries.refresh_marts(con, day, progress=said.append, full=full)
        assert any(m.startswith(said_fit) for m in said), said
        for model in (queries.etr_reference, queries.active_flags):
            stored = queries.run(con.cursor(), model, scope, day)
            assert _plain(stored) == _plain(queries.run(con.cursor(), model, scope, day, prefer_marts=False)), model.name
        curves = queries.run(con.cursor(), queries.etr_reference, scope, day)
        assert len(curves) and set(curves["fitted_before"]) == {pd.Timestamp(day.replace(day=1))}
    con.close()
