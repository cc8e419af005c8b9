"""SIGKILL an ingest at random moments: the database must always hold exactly the
state before some file or after it - never a partial file - and a re-run must
finish the job."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import ingest
from pipelines.settings import paths
from tests.conftest import BASE, REPO, write_csv

pytestmark = pytest.mark.slow

RUNS = int(os.environ.get("MOMENTUM_INGEST_KILLS", "24"))  # the campaign runs 60
DATA_TABLES = ["clinicians", "clients", "sessions", "goals", "measures", "homework", "wins"]


def _files(folder: Path) -> list[Path]:
    clients = [f"C{i},T{2 + i % 2},2026-01-{1 + i % 28:02d},,active," for i in range(1, 501)]
    sessions_a = [
        f"S{i},C{1 + i % 500},T{2 + (i % 500 + 1) % 2},2026-02-{1 + i % 28:02d} {8 + i % 10}:00,50,attended,,,"
        for i in range(30_000)
    ]
    sessions_b = [
        f"S{i},C{1 + i % 500},T{2 + (i % 500 + 1) % 2},2026-02-{1 + i % 28:02d} {8 + i % 10}:00,50,no_show,,,"
        for i in range(15_000, 45_000)
    ] + ["S_BAD,C1,T2,not a date,50,attended,,,"]
    measures = [f"C{1 + i % 500},PHQ-9,2026-03-01 {i % 24:02d}:{i % 60:02d}:{i % 59:02d},{i % 28},0,," for i in range(20_000)]
    return [
        BASE / "clinicians.csv",
        write_csv(folder / "clients.csv", "client_id,clinician_id,intake_date,discharge_date,status,presenting_problem", clients),
        write_csv(folder / "sessions_a.csv", "session_id,client_id,clinician_id,start,duration_min,status,session_type,modality,note_signed_at", sessions_a),
        write_csv(folder / "sessions_b.csv", "session_id,client_id,clinician_id,start,duration_min,status,session_type,modality,note_signed_at", sessions_b),
        write_csv(folder / "measures.csv", "client_id,measure,administered_at,score,risk_item,goal_id,session_id", measures),
    ]


def fingerprint(db_file: Path) -> tuple:
    """Content of the imported data, independent of load ids and times."""
    if not db_file.exists():
        return ("empty",)
    con = duckdb.connect(str(db_file))  # read-write: replays a left-over WAL like the next ingest would
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "loads" not in tables:
            return ("empty",)
        parts = []
        for t in DATA_TABLES:
            parts.append(con.execute(
                "SELECT count(*), coalesce(sum(hash(*COLUMNS(* EXCLUDE (load_id)))), 0) FROM query_table($t)",
                {"t": t}).fetchall()[0])
        parts.append(tuple(con.execute(
            "SELECT source_file, status, rows_read, rows_loaded, rows_rejected FROM loads "
            "WHERE status <> 'duplicate' ORDER BY source_file").fetchall()))
        parts.append(con.execute(
            "SELECT count(*), coalesce(sum(hash(source_file, row_number, column_name, value, reason)), 0) "
            "FROM rejected_rows").fetchone())
        return tuple(parts)
    finally:
        con.close()


def test_sigkill_at_random_moments_never_leaves_a_partial_file(tmp_path):
    files = _files(tmp_path / "export")
    # the states a correct ingest can be in: before file k, for every k
    expected = [("empty",)]
    for k in range(1, len(files) + 1):
        ref = paths(tmp_path / f"ref{k}" / "m.duckdb")
        ingest(files[:k], ref, audit=False)
        expected.append(fingerprint(ref.data_db))
    # the very first state after opening is an empty schema; treat it as "empty"
    empty_schema = paths(tmp_path / "ref0" / "m.duckdb")
    from pipelines.store import DataStore

    with DataStore(empty_schema).writer():
        pass
    expected[0] = fingerprint(empty_schema.data_db)

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "pipelines", "ingest", *map(str, files), "--quiet"]
    t0 = time.monotonic()
    full = subprocess.run([*cmd, "--db", str(tmp_path / "timing" / "m.duckdb")], env=env, capture_output=True)
    full_time = time.monotonic() - t0
    assert full.returncode == 1  # one bad row in sessions_b

    rng = random.Random(20261122)
    landed = {i: 0 for i in range(len(expected))}
    for run in range(RUNS):
        target = paths(tmp_path / f"run{run}" / "m.duckdb")
        proc = subprocess.Popen([*cmd, "--db", str(target.data_db)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, full_time * 1.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = fingerprint(target.data_db)
        if state == ("empty",):
            state = expected[0]
        assert state in expected, f"run {run}: the database holds a state between files"
        landed[expected.index(state)] += 1
        # finishing the job afterwards reaches exactly the complete state
        ingest(files, target, audit=False)
        assert fingerprint(target.data_db) == expected[-1], f"run {run}: re-run did not complete"
    print(f"\nSIGKILL runs: {RUNS}; full ingest {full_time:.2f}s; states landed in (files done -> runs): {landed}")
    assert sum(n for k, n in landed.items() if 0 < k < len(expected) - 1) >= 3, landed


def test_a_failure_while_the_schema_is_created_leaves_no_tables(tmp_path, monkeypatch):
    """The schema is created in one transaction: a crash half-way leaves none of it,
    so no reader ever sees a ledger without its quarantine table."""
    import pipelines.store as store

    real = store.statements("data_schema")
    assert len(real) > 2

    def half_then_fail(name):
        assert name == "data_schema"
        return [*real[:2], "CREATE TABLE this_fails AS SELECT * FROM no_such_table"]

    monkeypatch.setattr(store, "statements", half_then_fail)
    target = paths(tmp_path / "m.duckdb")
    with pytest.raises(duckdb.Error):
        with store.DataStore(target).writer():
            pass
    con = duckdb.connect(str(target.data_db))
    try:
        tables = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    finally:
        con.close()
    assert tables == []


def test_a_run_stopped_between_commit_and_publish_is_published_by_the_next_run(db, monkeypatch):
    """The data committed but the dashboard's snapshot was not yet replaced: running the
    same ingest again (every file a duplicate now) must still publish it."""
    import pipelines.store as store
    from pipelines.store import DataStore, SnapshotReader

    ingest([BASE / "clinicians.csv"], db, audit=False)
    real = store.DataStore.publish_snapshot

    def killed(self):
        raise KeyboardInterrupt  # stands in for a kill after COMMIT

    monkeypatch.setattr(store.DataStore, "publish_snapshot", killed)
    with pytest.raises(KeyboardInterrupt):
        ingest([BASE / "clinicians.csv", BASE / "clients.csv"], db, audit=False)
    monkeypatch.setattr(store.DataStore, "publish_snapshot", real)
    again = ingest([BASE / "clinicians.csv", BASE / "clients.csv"], db, audit=False)
    assert [f.status for f in again.files] == ["duplicate", "duplicate"]
    assert again.published
    reader = SnapshotReader(DataStore(db))
    try:
        assert reader.cursor().execute("SELECT count(*) FROM clients").fetchone()[0] == 3
    finally:
        reader.close()
