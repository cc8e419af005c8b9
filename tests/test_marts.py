"""Materialised models: refreshed by the ingest command, used only while current."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from pipelines import clock
from pipelines.ingest.load import ingest
from pipelines.models import queries
from pipelines.sql_files import sql, statements
from pipelines.store import DataStore, SnapshotReader, StoreError
from tests.conftest import BASE, DATA, REPO, query, run_cli, write_csv

AS_OF = date(2026, 4, 1)


def _usable(db, model="client_outcomes", as_of=AS_OF) -> bool:
    con = duckdb.connect(str(db.data_db), read_only=True)
    try:
        return queries.marts_state(con).serves(queries.model_named(model), as_of)
    finally:
        con.close()


def test_ingest_command_refreshes_and_a_later_load_makes_marts_stale(db):
    out = run_cli("ingest", str(BASE), "--db", str(db.data_db), "--as-of", AS_OF.isoformat())
    assert out.returncode == 0, out.stderr
    assert "refreshing the clinical models as of 2026-04-01" in out.stderr
    assert _usable(db) and not _usable(db, as_of=date(2026, 4, 2))
    # the published snapshot carries them too
    reader = SnapshotReader(DataStore(db))
    assert queries.marts_state(reader.cursor()).serves(queries.active_flags, AS_OF)
    reader.close()
    # a load without a refresh moves the data version on: the marts are no longer used
    ingest([DATA / "malformed" / "sessions_crlf.csv"], db, audit=False)
    assert not _usable(db)
    refreshed = run_cli("refresh", "--db", str(db.data_db), "--as-of", AS_OF.isoformat())
    assert refreshed.returncode == 0, refreshed.stderr
    assert _usable(db)


def test_marts_computed_by_another_version_of_a_model_are_not_used(db, monkeypatch):
    """A mart is current only for the SQL that computed it: after an upgrade that changes a stored model
    (a column added, say), the old marts are computed live until the next refresh, not read as they are."""
    from pipelines.models import marts

    ingest([BASE], db, audit=False)
    refreshed = run_cli("refresh", "--db", str(db.data_db), "--as-of", AS_OF.isoformat())
    assert refreshed.returncode == 0, refreshed.stderr
    assert _usable(db, "course_outcomes")
    real = marts.stamp.__wrapped__

    def changed(name: str, projection: str) -> str:  # this version computes course_outcomes differently
        return real(name, projection) + ("-changed" if name == "course_outcomes" else "")

    monkeypatch.setattr(marts, "stamp", changed)
    assert not _usable(db, "course_outcomes") and not _usable(db, "outcome_rates")


def test_no_refresh_flag(db):
    out = run_cli("ingest", str(BASE), "--db", str(db.data_db), "--no-refresh")
    assert out.returncode == 0
    assert "refreshing" not in out.stderr
    assert not _usable(db, as_of=clock.today())


def test_refresh_without_a_database_is_a_clear_error(tmp_path):
    out = run_cli("refresh", "--db", str(tmp_path / "none.duckdb"))
    assert out.returncode == 2 and "does not exist" in out.stderr


def test_reports_from_marts_equal_reports_computed_live(tmp_path, capsys):
    from pipelines import cli
    from pipelines.models.reports import REPORT_COLUMNS
    from pipelines.settings import paths

    with_marts = paths(tmp_path / "a" / "m.duckdb")
    live = paths(tmp_path / "b" / "m.duckdb")
    files = [str(BASE), str(DATA / "malformed" / "sessions_crlf.csv"), str(DATA / "malformed" / "wins_formula_text.csv")]
    assert run_cli("ingest", *files, "--db", str(with_marts.data_db), "--as-of", AS_OF.isoformat()).returncode == 0
    assert run_cli("ingest", *files, "--db", str(live.data_db), "--no-refresh").returncode == 0
    assert _usable(with_marts) and not _usable(live)
    capsys.readouterr()

    def report(kind: str, db) -> tuple[str, str]:  # the report command, in this process (the ingests ran as commands)
        assert cli.main(["report", kind, "--db", str(db.data_db), "--as-of", AS_OF.isoformat()]) == 0
        out = capsys.readouterr()
        return out.out, out.err  # the rows, and the line saying how many

    for kind in REPORT_COLUMNS:
        assert report(kind, with_marts) == report(kind, live), kind


def test_the_refresh_runs_under_its_memory_limit_and_then_duckdbs_own(monkeypatch):
    con = duckdb.connect()
    for stmt in statements("data_schema"):
        con.execute(stmt)
    default = con.execute(sql("memory_limit")).fetchall()[0][0]
    seen = []
    monkeypatch.setenv("MOMENTUM_REFRESH_MEMORY", "700MB")
    queries.refresh_marts(con, AS_OF, progress=lambda _m: seen.append(con.execute(sql("memory_limit")).fetchall()[0][0]))
    assert seen and set(seen) == {"667.5 MiB"}  # 700 MB as DuckDB states it, during every model
    assert default != "667.5 MiB" and con.execute(sql("memory_limit")).fetchall()[0][0] == default


def test_a_bad_refresh_memory_setting_is_a_clear_error_before_anything_loads(db, monkeypatch):
    monkeypatch.setenv("MOMENTUM_REFRESH_MEMORY", "lots")
    out = run_cli("ingest", str(BASE), "--db", str(db.data_db))
    assert out.returncode == 2
    assert "MOMENTUM_REFRESH_MEMORY='lots' is not a memory size" in out.stderr and "Traceback" not in out.stderr
    assert not db.data_db.exists()  # nothing was loaded
    out = run_cli("ingest", str(BASE), "--db", str(db.data_db), "--no-refresh")  # without a refresh it is not used
    assert out.returncode == 0, out.stderr


def test_the_dashboards_reader_runs_under_its_memory_limit(db, monkeypatch):
    ingest([BASE], db, audit=False, refresh=False)
    monkeypatch.setenv("MOMENTUM_READ_MEMORY", "700MB")
    reader = SnapshotReader(DataStore(db))
    try:
        assert reader.cursor().execute(sql("memory_limit")).fetchall()[0][0] == "667.5 MiB"
    finally:
        reader.close()
    monkeypatch.setenv("MOMENTUM_READ_MEMORY", "lots")
    with pytest.raises(StoreError, match="MOMENTUM_READ_MEMORY='lots' is not a memory size"):
        SnapshotReader(DataStore(db))


def test_a_state_asked_once_per_snapshot_reads_as_a_state_asked_per_read_and_a_new_snapshot_asks_again(demo_db):
    """The dashboard asks the marts' state once per published snapshot (ui/data.py) and hands it to every
    read. That is sound only because a snapshot never changes: the reader gives the snapshot's path with
    the cursor, a refresh publishes a new path, and the state of the old one no longer says anything."""
    from pipelines.demo import SAMPLE_AS_OF

    reader = SnapshotReader(DataStore(demo_db))
    cur, first = reader.opened()
    state = queries.marts_state(cur)
    assert state.serves(queries.client_outcomes, SAMPLE_AS_OF)
    scope = queries.all_clinicians_scope(cur)
    for model in (queries.client_outcomes, queries.caseload_summary, queries.active_flags):
        given = queries.run(reader.cursor(), model, scope, SAMPLE_AS_OF, state=state)
        assert len(given) and given.equals(queries.run(reader.cursor(), model, scope, SAMPLE_AS_OF)), model.name
    # a refresh for another day publishes a new snapshot: a new path, whose state is asked afresh
    refreshed = run_cli("refresh", "--db", str(demo_db.data_db), "--as-of", "2026-11-01")
    assert refreshed.returncode == 0, refreshed.stderr
    cur, second = reader.opened()
    assert second != first and second.endswith(str(reader.version))
    assert not queries.marts_state(cur).serves(queries.client_outcomes, SAMPLE_AS_OF)
    assert queries.marts_state(cur).serves(queries.client_outcomes, date(2026, 11, 1))
    reader.close()


def test_the_refreshed_fragments_stand_for_the_fragments_the_refresh_shares():
    """Each shared fragment has a stand-in that reads its table and requires what the fragment requires
    (a model keeps every name it reads); a refresh's own tables have checked names."""
    from pipelines.models import compose, marts

    shared = queries.SHARED_FRAGMENTS.all
    stand_ins = sorted(p.name for p in (REPO / "pipelines" / "sql").glob("cte_*_refreshed.sql"))
    assert stand_ins == sorted(f"cte_{name}_refreshed.sql" for name in shared)
    for name in shared:
        original, stand_in = sql(f"cte_{name}"), sql(f"cte_{name}_refreshed")
        assert compose._requires(stand_in) == compose._requires(original), name
        assert f"FROM refresh_{name})" in stand_in, name
    with pytest.raises(ValueError, match="not a refresh table name"):
        marts._Temps(duckdb.connect()).make("refresh_x; DROP TABLE clients", "SELECT 1")


def test_the_stored_models_read_the_fragments_the_refresh_computed_once(demo_db, monkeypatch):
    """The refresh computes the shared fragments once and the models read those tables: with the scored
    measures emptied in between, the marts that read them come out empty (and the live models do not),
    and no temporary table outlives the refresh."""
    from pipelines.models import compose

    con = duckdb.connect(str(demo_db.data_db))
    as_of = queries.default_as_of(con)
    live = queries.run(con.cursor(), queries.client_outcomes, queries.all_clinicians_scope(con), as_of,
                       prefer_marts=False)
    assert len(live)
    real = compose.fragment_statement

    def no_scores(name, scope, day, swap=()):
        text, params = real(name, scope, day, swap)
        return (text + "\nLIMIT 0", params) if name == "outcome_scores" else (text, params)

    monkeypatch.setattr(compose, "fragment_statement", no_scores)
    queries.refresh_marts(con, as_of, full=True)
    for model in ("client_outcomes", "caseload_sparklines"):
        assert con.execute(sql("table_has_rows"), {"table": f"marts.{model}"}).fetchall()[0][0] is False, model
    assert con.sql("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall() == [(0,)]
    monkeypatch.setattr(compose, "fragment_statement", real)
    queries.refresh_marts(con, as_of, full=True)
    stored = queries.run(con.cursor(), queries.client_outcomes, queries.all_clinicians_scope(con), as_of)
    assert len(stored) == len(live)
    con.close()


def test_a_refresh_recomputes_only_the_clients_whose_rows_or_dates_changed_and_full_recomputes_all(demo_db):
    """As a practice runs it: a refresh with nothing new, a load that corrects one client's score, a
    refresh a day later, and --full. The incremental marts are those a full refresh makes."""
    from pipelines.demo import SAMPLE_AS_OF

    day = SAMPLE_AS_OF.isoformat()
    clients = query(demo_db, "SELECT count(*) FROM clients")[0][0]

    def refresh(*extra: str) -> str:
        done = run_cli("refresh", "--db", str(demo_db.data_db), *extra)
        assert done.returncode == 0, done.stderr
        return next(line for line in done.stderr.splitlines() if "recomputing" in line)

    assert "recomputing every client (a full refresh was asked for)" in refresh("--as-of", day, "--full")
    assert f"recomputing 0 of {clients:,} clients" in refresh("--as-of", day)
    client, measure, when, risk, goal, session = query(
        demo_db, "SELECT client_id, measure, administered_at, risk_item, goal_id, session_id FROM measures "
                 "WHERE measure = 'PHQ-9' AND goal_id IS NULL ORDER BY administered_at DESC LIMIT 1")[0]
    corrected = write_csv(demo_db.data_db.parent / "corrected" / "measures.csv",
                          "client_id,measure,administered_at,score,risk_item,goal_id,session_id",
                          [",".join("" if v is None else str(v) for v in
                                    (client, measure, when.isoformat(), 3, risk, goal, session))])
    out = run_cli("ingest", str(corrected), "--db", str(demo_db.data_db), "--as-of", day)
    assert out.returncode == 0, out.stderr
    line = next(line for line in out.stderr.splitlines() if "recomputing" in line)
    assert 1 <= int(line.split("recomputing ")[1].split()[0].replace(",", "")) < clients, line  # that client, and those the curves reach
    incremental = _all_marts(demo_db)
    refresh("--as-of", day, "--full")
    assert _all_marts(demo_db) == incremental
    later = refresh("--as-of", (SAMPLE_AS_OF + timedelta(days=1)).isoformat())
    assert "every client" not in later and f"of {clients:,} clients" in later


def _all_marts(db) -> dict[str, list]:
    con = duckdb.connect(str(db.data_db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()]
        # floats to 9 significant digits: parallel sums differ in the last bits from run to run
        def plain(row: tuple) -> str:
            return repr(tuple(float(f"{v:.9g}") if isinstance(v, float) else v for v in row))

        return {n: sorted(map(plain, con.sql(sql("mart_rows"), params={"mart": f"marts.{n}"}).fetchall()))
                for n in names}
    finally:
        con.close()


def test_a_changed_staff_list_or_marts_without_fingerprints_make_a_full_refresh(demo_db):
    con = duckdb.connect(str(demo_db.data_db))
    as_of = queries.default_as_of(con)

    def said() -> str:
        lines: list[str] = []
        queries.refresh_marts(con, as_of, progress=lines.append)
        return next(line for line in lines if line.startswith("recomputing"))

    assert "every client" not in said()
    con.execute("UPDATE clinicians SET team = 'Moved' WHERE clinician_id = (SELECT min(clinician_id) FROM clinicians)")
    assert said() == "recomputing every client (the staff list changed since the last refresh)"
    assert "every client" not in said()
    con.execute("DROP TABLE marts.client_digests")  # marts made by a version before the fingerprints
    assert "recomputing every client (the last refresh kept no fingerprints" in said()
    con.close()


def test_why_a_refresh_would_be_full_is_asked_without_refreshing(demo_db):
    """marts.why_full says what the refresh would say, without refreshing: the benchmark makes its week-before
    database again when a model has been added or changed since it was made (bench/ingest.py)."""
    from dataclasses import replace

    from pipelines.bench.ingest import _week_needs_full_refresh
    from pipelines.models import marts

    assert _week_needs_full_refresh(demo_db.data_db) == ""
    con = duckdb.connect(str(demo_db.data_db))
    try:
        assert marts.why_full(con, queries.MODELS) == ""
        changed = [replace(m, stored=m.stored + ", 1 AS added") if m.name == "client_momentum" else m
                   for m in queries.MODELS]
        assert marts.why_full(con, changed) == "the models or their thresholds changed since the last refresh"
        con.execute("UPDATE clinicians SET team = 'Moved' WHERE clinician_id = (SELECT min(clinician_id) FROM clinicians)")
        assert marts.why_full(con, queries.MODELS) == "the staff list changed since the last refresh"
    finally:
        con.close()
    assert "does not exist" in _week_needs_full_refresh(demo_db.data_db.parent / "none.duckdb")
