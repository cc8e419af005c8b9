"""Backups and the restore drill: what is restored is, checksum for checksum,
what was backed up - imported data, app-posted wins, users and the audit log.
A damaged backup is refused without touching the database."""

from __future__ import annotations

import json
import sqlite3
import stat

import duckdb
import pytest

from pipelines import backup
from pipelines.appstate import audit, wins
from pipelines.appstate.db import AppState
from pipelines.appstate.users import add_user
from pipelines.ingest.load import ingest
from pipelines.store import DataStore, SnapshotReader
from tests.conftest import BASE, run_cli


def _state_fingerprint(db) -> tuple:
    con = duckdb.connect(str(db.data_db), read_only=True)
    try:
        data = backup.data_checksum(con)
    finally:
        con.close()
    app = sqlite3.connect(db.app_db)
    try:
        return data, backup.app_checksum(app)
    finally:
        app.close()


@pytest.fixture
def practice(db):
    ingest([BASE], db, audit=True)
    state = AppState(db.app_db)
    add_user(state, "dana", "Dana", "clinician", "a long enough password", "T1")
    wins.post(state, username="dana", clinician_id="T1", category="team", text="We ran the group on time")
    return db


def test_restore_drill_brings_back_exactly_what_was_backed_up(practice, tmp_path):
    db = practice
    before = _state_fingerprint(db)
    info = backup.backup(db, tmp_path / "backups")
    assert info.folder.name.startswith("momentum-backup-")
    for name in ("data.duckdb", "app.sqlite", "manifest.json"):
        assert stat.S_IMODE((info.folder / name).stat().st_mode) == 0o600
    manifest = json.loads((info.folder / "manifest.json").read_text())
    assert manifest["data_tables"] == before[0]
    assert manifest["app_state_sha256"] == before[1]
    assert not list((tmp_path / "backups").glob(".*partial"))

    # life goes on: another import, another win
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "wins.csv").write_text(
        "win_id,clinician_id,client_id,posted_at,category,text\nW-new,T1,,2026-06-01T10:00:00,team,Another good week\n",
        encoding="utf-8")
    ingest([tmp_path / "more"], db, audit=True)
    wins.post(AppState(db.app_db), username="dana", clinician_id="T1", category="team", text="Later win")
    assert _state_fingerprint(db) != before

    backup.restore(info.folder, db, force=True)
    data_after, _app_after = _state_fingerprint(db)
    assert data_after == before[0]
    # the app state is the backup's plus exactly one new audit entry: the restore
    entries = audit.recent(AppState(db.app_db), limit=3)
    assert entries[0]["action"] == "restore"
    assert audit.verify(AppState(db.app_db))[0]
    texts = [r[0] for r in sqlite3.connect(db.app_db).execute("SELECT text FROM app_wins")]
    assert texts == ["We ran the group on time"]
    # the dashboard reads the restored data
    reader = SnapshotReader(DataStore(db))
    try:
        assert reader.cursor().execute("SELECT count(*) FROM wins WHERE win_id = 'W-new'").fetchone() == (0,)
    finally:
        reader.close()


def test_a_damaged_backup_is_refused_and_nothing_changes(practice, tmp_path):
    db = practice
    info = backup.backup(db, tmp_path / "backups")
    before = _state_fingerprint(db)
    data = info.folder / "data.duckdb"
    good = data.read_bytes()
    raw = bytearray(good)
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(raw)
    with pytest.raises(backup.BackupError, match="damaged: data.duckdb"):
        backup.restore(info.folder, db, force=True)
    assert _state_fingerprint(db) == before
    data.write_bytes(good)
    backup.check(info.folder)
    (info.folder / "app.sqlite").unlink()
    with pytest.raises(backup.BackupError, match="incomplete: app.sqlite"):
        backup.check(info.folder)


def test_restore_refuses_to_overwrite_without_force(practice, tmp_path):
    info = backup.backup(practice, tmp_path / "backups")
    with pytest.raises(backup.BackupError, match="--force"):
        backup.restore(info.folder, practice)


def test_backup_and_restore_cli_into_a_new_place(practice, tmp_path):
    made = run_cli("backup", "--out", str(tmp_path / "b"), "--db", str(practice.data_db))
    assert made.returncode == 0, made.stderr
    folder = made.stdout.strip()
    assert "sha256" in made.stderr
    assert run_cli("restore", folder, "--check").returncode == 0
    target = tmp_path / "elsewhere" / "momentum.duckdb"
    done = run_cli("restore", folder, "--db", str(target))
    assert done.returncode == 0, done.stderr
    assert "content checksums match" in done.stderr
    missing = run_cli("restore", str(tmp_path / "nope"), "--db", str(target), "--force")
    assert missing.returncode == 2 and "not a Momentum backup" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_audit_verify_cli_names_the_tampered_entry(practice):
    state = AppState(practice.app_db)
    for i in range(4):
        audit.record(state, "dana", "page_view", page="caseload", i=i)
    ok = run_cli("audit", "verify", "--db", str(practice.data_db))
    assert ok.returncode == 0 and "hash chain verified" in ok.stderr
    n = int(ok.stderr.split("intact: ")[1].split()[0])
    con = sqlite3.connect(practice.app_db)
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET detail = '{\"page\": \"audit\"}' WHERE seq = 4")
    con.commit()
    con.close()
    bad = run_cli("audit", "verify", "--db", str(practice.data_db))
    assert bad.returncode == 1
    assert "TAMPERED: entry 4" in bad.stderr and "3 entries before it verified" in bad.stderr
    assert n >= 6
