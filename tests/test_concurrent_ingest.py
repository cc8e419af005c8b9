"""Ingest while the dashboard runs (design §3).

An app-side reader stays open and queries, and app-side writes (audit entries,
a new user) keep going, while the CLI ingests in another process. Nothing from
either side is lost, and the reader sees the new data without a restart.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from pipelines.appstate import audit
from pipelines.appstate.db import AppState
from pipelines.appstate.users import add_user, list_users
from pipelines.ingest.load import ingest
from pipelines.store import DataStore, SnapshotReader
from tests.conftest import BASE, REPO, write_csv

pytestmark = pytest.mark.slow


def test_cli_ingest_while_app_reads_and_writes(db, tmp_path):
    ingest([BASE], db, audit=False)
    sessions = write_csv(
        tmp_path / "sessions.csv",
        "session_id,client_id,clinician_id,start,duration_min,status,session_type,modality,note_signed_at",
        [f"S{i},C{1 + i % 2},T2,2026-02-{1 + i % 28:02d} 10:00,50,attended,,," for i in range(60_000)],
    )
    reader = SnapshotReader(DataStore(db))
    cur = reader.cursor()
    assert cur.execute("SELECT count(*) FROM sessions").fetchone() == (0,)
    first_version = reader.version

    state = AppState(db.app_db)
    stop = threading.Event()
    acknowledged: list[int] = []
    errors: list[BaseException] = []
    reads = [0]

    def app_writes():
        i = 0
        try:
            while not stop.is_set():
                acknowledged.append(audit.record(state, "app", "view", page="data_status", i=i))
                if i == 5:
                    add_user(state, "newbie", "New clinician", "clinician", "long-enough-pw", "T3")
                i += 1
                time.sleep(0.005)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def app_reads():
        try:
            while not stop.is_set():
                c = reader.cursor()
                c.execute("SELECT count(*) FROM sessions").fetchall()
                reads[0] += 1
                time.sleep(0.005)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=app_writes), threading.Thread(target=app_reads)]
    for t in threads:
        t.start()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pipelines", "ingest", str(sessions), "--db", str(db.data_db), "--quiet"],
            cwd=REPO, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
            capture_output=True, text=True, timeout=300,
        )
        time.sleep(0.2)
    finally:
        stop.set()
        for t in threads:
            t.join()

    assert proc.returncode == 0, proc.stderr
    assert not errors, errors
    assert reads[0] > 10 and len(acknowledged) > 10
    # every acknowledged app write is there, and the chain (app + CLI entries) is intact
    ok, bad, n = audit.verify(state)
    assert ok, f"audit chain broken at {bad}"
    with state.reading() as con:
        seqs = {r[0] for r in con.execute("SELECT seq FROM audit_log WHERE actor = 'app'")}
        cli = con.execute("SELECT count(*) FROM audit_log WHERE action = 'ingest'").fetchone()[0]
    assert set(acknowledged) <= seqs
    assert cli == 1
    assert "newbie" in {u.username for u in list_users(state)}
    # the same reader object sees the new data: no restart
    assert reader.cursor().execute("SELECT count(*) FROM sessions").fetchone() == (60_000,)
    assert reader.version != first_version
    reader.close()
