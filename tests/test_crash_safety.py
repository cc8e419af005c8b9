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

from pipelines.ingest.load import ingest
from pipelines.settings import paths
from tests.conftest import BASE, REPO, write_csv

pytestmark = pytest.mark.slow

RUNS = int(os.environ.get("MOMENTUM_INGEST_KILLS", "8"))  # `make campaign` runs 60
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

    def timed(*args: str, code: int = 1) -> float:
        t0 = time.monotonic()
        folder = tmp_path / f"timing{len(list(tmp_path.glob('timing*')))}"  # a new database each time
        done = subprocess.run([*args, "--db", str(folder / "m.duckdb")], env=env, capture_output=True)
        assert done.returncode == code, done.stderr  # 1: one bad row in sessions_b
        return time.monotonic() - t0

    full_time = timed(*cmd)  # start, the files, then the refresh of the clinical models
    files_end = timed(*cmd, "--no-refresh")  # start and the files
    empty = tmp_path / "no-files"
    empty.mkdir()
    files_start = timed(sys.executable, "-m", "pipelines", "ingest", str(empty), "--quiet", "--no-refresh",
                        code=2)  # start alone: the interpreter, the imports, finding no file

    # Half the runs are killed at moments spread evenly over the files' loading (stratified, so
    # even a few runs reach the middle of it), half at random over the whole command, refresh
    # included. A slow or busy machine moves both windows with it.
    rng = random.Random(20261122)
    landed = {i: 0 for i in range(len(expected))}
    needed = max(2, RUNS // 8)  # kills that must land in the middle of an ingest, or the test shows nothing

    def middle() -> int:
        return sum(n for k, n in landed.items() if 0 < k < len(expected) - 1)

    run = 0
    # a machine whose load changes between the timing runs and the kills can shift the window: then
    # more runs, aimed at the files' loading, up to three times as many
    while run < RUNS or (middle() < needed and run < 3 * RUNS):
        target = paths(tmp_path / f"run{run}" / "m.duckdb")
        if run in (RUNS, 2 * RUNS):  # timed again, under the load of now
            files_end = timed(*cmd, "--no-refresh")
            files_start = timed(sys.executable, "-m", "pipelines", "ingest", str(empty), "--quiet", "--no-refresh",
                                code=2)
        if run % 2 == 0 or run >= RUNS:
            stratum = (run // 2) % ((RUNS + 1) // 2)
            at = files_start + (files_end - files_start) * (stratum + rng.uniform(0.2, 0.8)) / ((RUNS + 1) // 2)
        else:
            at = rng.uniform(0.2, full_time * 1.05)
        run += 1
        proc = subprocess.Popen([*cmd, "--db", str(target.data_db)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(at)
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
    print(f"\nSIGKILL runs: {run}; full ingest {full_time:.2f}s, files from {files_start:.2f}s to {files_end:.2f}s; "
          f"states landed in (files done -> runs): {landed}")
    assert middle() >= needed, landed
