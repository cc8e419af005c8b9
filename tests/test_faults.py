"""Faults: SIGKILLs during app-state writes, a full disk, truncated database
files and left-over write-ahead logs. Each ends in a clean refusal with a clear
message or a recovery - never a traceback, a crash loop or a lost
acknowledged write. `make test` sends 30 SIGKILLs here (and 24 to ingests in
test_crash_safety.py); the campaign sends 100 and 60.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.appstate import audit
from pipelines.appstate.db import AppState
from pipelines.ingest.load import ingest
from pipelines.settings import SAMPLE_DATA_DIR, paths
from pipelines.store import DataStore, SnapshotReader, StoreError
from tests.conftest import BASE, REPO, run_cli
from tests.test_crash_safety import fingerprint

pytestmark = pytest.mark.slow

APP_KILLS = int(os.environ.get("MOMENTUM_APP_KILLS", "10"))
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def _acks(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    return [tuple(line.split(" ", 1)) for line in lines if " " in line]


def _check_app_state(app_db: Path, acked: list[tuple[str, str]]) -> dict[str, int]:
    con = sqlite3.connect(app_db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        wins = {r[0] for r in con.execute("SELECT win_id FROM app_wins")}
        reviews = {str(r[0]) for r in con.execute("SELECT review_id FROM flag_reviews")}
        sessions = {r[0] for r in con.execute("SELECT session_id FROM auth_sessions")}
        audit_seqs = {str(r[0]) for r in con.execute("SELECT seq FROM audit_log")}
        detail = [(a, d) for a, d in con.execute("SELECT action, detail FROM audit_log")]
    finally:
        con.close()
    present = {"win": wins, "review": reviews, "login": sessions, "audit": audit_seqs}
    for kind, ref in acked:
        if kind in present:
            assert ref in present[kind], f"acknowledged {kind} {ref} is missing"
    # every change was committed with its audit entry: no change without one, none without its change
    posted = {json.loads(d)["win_id"] for a, d in detail if a == "win_posted"}
    assert posted == wins
    reviewed = {str(json.loads(d)["review_id"]) for a, d in detail if a == "flag_review"}
    assert reviewed == reviews
    assert sum(1 for a, _d in detail if a == "login") == len(sessions)
    assert audit.verify(AppState(app_db))[0]
    return {k: len(v) for k, v in present.items()}


def test_sigkill_during_app_state_writes_loses_no_acknowledged_write(tmp_path):
    """Two writers at once (the dashboard's threads and a CLI), killed at random moments;
    the next run opens the file with the killed writers' WAL left behind."""
    app_db = tmp_path / "m.app.sqlite"
    acks = tmp_path / "acks"
    rng = random.Random(20261122)
    kills = 0
    for run in range(APP_KILLS // 2):
        procs = [subprocess.Popen([sys.executable, "-m", "tests.fuzz.app_writer", str(app_db), str(acks),
                                   str(run * 2 + k)], env=ENV, cwd=REPO, stderr=subprocess.PIPE)
                 for k in range(2)]
        # the kill moment counts from the first acknowledged write of this run, not from the start of
        # the processes: on a busy machine the interpreter alone can take longer than the old window
        before, deadline = len(_acks(acks)), time.monotonic() + 120
        while len(_acks(acks)) <= before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_acks(acks)) > before, "the writers acknowledged nothing in 120 s"
        time.sleep(rng.uniform(0.1, 1.8))
        for proc in procs:
            time.sleep(rng.uniform(0, 0.2))
            proc.send_signal(signal.SIGKILL)
        for proc in procs:
            proc.wait()
            assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
            proc.stderr.close()
            kills += 1
        counts = _check_app_state(app_db, _acks(acks))
    acked = len(_acks(acks))
    print(f"\napp-state SIGKILLs: {kills}; acknowledged writes {acked}, all present; final counts {counts}")
    assert acked > kills  # the writers did real work between kills


def _limited(max_bytes: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
    return apply


def test_a_full_disk_during_ingest_leaves_each_file_loaded_or_not(tmp_path):
    files = [SAMPLE_DATA_DIR / f"{t}.csv" for t in ("clinicians", "clients", "sessions")]
    db = paths(tmp_path / "m.duckdb")
    ingest([BASE], db, audit=False)
    # the states a correct ingest can stop in: after the first k files, for every k
    allowed = []
    for k in range(len(files) + 1):
        ref = paths(tmp_path / f"ref{k}" / "m.duckdb")
        shutil.copytree(db.data_db.parent, ref.data_db.parent, dirs_exist_ok=True)
        if k:
            ingest(files[:k], ref, audit=False)
        allowed.append(fingerprint(ref.data_db))
    shutil.rmtree(db.snapshot_dir)  # so the snapshot copy is not what hits the limit first
    limit = db.data_db.stat().st_size + 256 * 1024
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines", "ingest", *map(str, files), "--db", str(db.data_db), "--quiet"],
        env=ENV, cwd=REPO, capture_output=True, text=True, preexec_fn=_limited(limit), timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: could not write to") and "the disk may be full" in proc.stderr, proc.stderr
    state = fingerprint(db.data_db)
    assert state in allowed, "the database holds part of a file"
    print(f"\nfull disk: stopped after {allowed.index(state)} of {len(files)} files; message: {proc.stderr.strip()}")
    again = ingest(files, db, audit=False)  # with space again, the same ingest completes
    assert fingerprint(db.data_db) == allowed[-1]
    assert {f.status for f in again.files} <= {"loaded", "partial", "duplicate"}


def test_a_full_disk_for_the_app_state_is_a_clear_error(tmp_path):
    db = tmp_path / "m.duckdb"
    add = ["users", "add", "dana", "--name", "Dana", "--role", "manager", "--password-stdin", "--db", str(db)]
    assert run_cli(*add, stdin="a long enough password\n").returncode == 0
    cmd = [sys.executable, "-m", "pipelines", *add[:2], "erin", *add[3:]]
    proc = subprocess.run(cmd, env=ENV, cwd=REPO, capture_output=True, text=True, input="another long password\n",
                          preexec_fn=_limited(4096), timeout=120)  # not even one WAL frame fits
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error:") and ("full" in proc.stderr or "too large" in proc.stderr.lower()), proc.stderr
    listed = run_cli("users", "list", "--db", str(db))
    assert listed.returncode == 0 and "dana" in listed.stdout
    assert audit.verify(AppState(tmp_path / "m.app.sqlite"))[0]


def test_a_truncated_data_file_is_refused_with_a_clear_message(tmp_path):
    db = paths(tmp_path / "m.duckdb")
    ingest([BASE], db, audit=False)
    data = db.data_db.read_bytes()
    db.data_db.write_bytes(data[: len(data) // 3])
    proc = run_cli("ingest", str(BASE), "--db", str(db.data_db))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"the database file {db.data_db} is damaged" in proc.stderr, proc.stderr
    assert "python -m pipelines restore" in proc.stderr
    # the dashboard keeps reading its published snapshot meanwhile
    reader = SnapshotReader(DataStore(db))
    try:
        assert reader.cursor().execute("SELECT count(*) FROM clients").fetchone() == (3,)
    finally:
        reader.close()


def test_a_truncated_snapshot_is_a_clear_error_for_the_dashboard(tmp_path):
    db = paths(tmp_path / "m.duckdb")
    ingest([BASE], db, audit=False)
    snap = DataStore(db).current_snapshot()
    snap.write_bytes(snap.read_bytes()[:5000])
    reader = SnapshotReader(DataStore(db))
    with pytest.raises(StoreError, match="cannot open the published data"):
        reader.cursor()
    # the next ingest publishes a good one
    ingest([BASE / "clinicians.csv"], db, audit=False)
    assert reader.cursor().execute("SELECT count(*) FROM clients").fetchone() == (3,)


def test_a_truncated_app_state_file_is_refused_with_a_clear_message(tmp_path):
    db = tmp_path / "m.duckdb"
    assert run_cli("users", "add", "dana", "--name", "Dana", "--role", "manager", "--password-stdin",
                   "--db", str(db), stdin="a long enough password\n").returncode == 0
    app = tmp_path / "m.app.sqlite"
    app.write_bytes(app.read_bytes()[:100])
    proc = run_cli("users", "list", "--db", str(db))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "cannot open app state" in proc.stderr, proc.stderr


def test_a_left_over_duckdb_wal_is_replayed_by_the_next_ingest(tmp_path):
    db = paths(tmp_path / "m.duckdb")
    ingest([BASE / "clinicians.csv"], db, audit=False)
    # a writer that dies after committing, before any checkpoint: its WAL is left behind
    script = (
        "import duckdb, os, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "con.execute(\"SET checkpoint_threshold = '1GB'\")\n"
        "con.execute(\"INSERT INTO meta VALUES ('left_over', 'committed')\")\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(db.data_db)], check=True, env=ENV)
    wal = db.data_db.with_name(db.data_db.name + ".wal")
    assert wal.exists() and wal.stat().st_size > 0
    result = run_cli("ingest", str(BASE / "clients.csv"), "--db", str(db.data_db))
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(db.data_db), read_only=True)
    try:
        assert con.execute("SELECT value FROM meta WHERE key = 'left_over'").fetchone() == ("committed",)
        assert con.execute("SELECT count(*) FROM clients").fetchone() == (3,)
    finally:
        con.close()
