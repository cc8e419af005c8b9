"""Backups and restores of both stores (imported data and app state).

``python -m pipelines backup --out DIR`` writes ``DIR/momentum-backup-<time>/``:

* ``data.duckdb`` - a copy of the imported-data file, taken while holding the
  ingest lock (so no ingest is half-way) after a CHECKPOINT;
* ``app.sqlite`` - the app state through SQLite's online backup API, which is
  consistent while the dashboard keeps writing;
* ``manifest.json`` - each file's SHA-256 and size, and a *content checksum* of
  each store (per table: row count and a hash of its rows), plus the audit
  log's length and last hash.

The folder is written under a temporary name and renamed when complete, so a
crash never leaves something that looks like a backup. Files are 0600: a
backup holds client data and must be kept like the database itself.

``python -m pipelines restore BACKUP [--force]`` checks every file against the
manifest first and refuses a damaged backup without touching anything. It then
replaces the data file atomically (under the ingest lock), copies the app state
in with SQLite's backup API (a running dashboard sees the restored state), checks
the restored content checksums against the manifest, publishes the data to the
dashboard and records the restore in the audit log. The secrets file is not part
of a backup: the target keeps its own cookie key.

Both commands handle a SQLite app state only. With ``MOMENTUM_APP_DB`` set to a
PostgreSQL URL they refuse with a message and touch nothing: back that
database up with PostgreSQL's own tools (``pg_dump``, or the server's backups).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines import clock
from pipelines.appstate import audit
from pipelines.appstate.db import AppState
from pipelines.ingest.csv_files import sha256_of
from pipelines.settings import Paths
from pipelines.sql_files import sql
from pipelines.store import DataStore

MANIFEST = "manifest.json"
DATA_FILE = "data.duckdb"
APP_FILE = "app.sqlite"
FORMAT = 1


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why, for a person."""


@dataclass(frozen=True)
class BackupInfo:
    folder: Path
    manifest: dict


def data_checksum(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """table -> [rows, checksum] for every table of the imported-data store."""
    out: dict[str, list] = {}
    for (table,) in con.execute(sql("backup_tables")).fetchall():
        rows, digest = con.execute(sql("backup_table_checksum"), {"table": table}).fetchall()[0]
        out[table] = [int(rows), str(digest)]
    return out


def app_checksum(con: sqlite3.Connection) -> str:
    """SHA-256 of the app state's SQL dump (tables and rows in a fixed order)."""
    h = hashlib.sha256()
    for line in con.iterdump():
        h.update(line.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def _audit_head(con: sqlite3.Connection) -> dict:
    row = con.execute("SELECT count(*), (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) FROM audit_log").fetchone()
    return {"entries": int(row[0]), "last_hash": row[1]}


def _refuse_postgres(db_paths: Paths, what: str) -> None:
    state = AppState(db_paths.app_db)
    if state.dialect != "sqlite":
        raise BackupError(
            f"the app state is a PostgreSQL database ({state.where}); `python -m pipelines {what}` handles "
            "a SQLite app state only - back PostgreSQL up with its own tools (pg_dump), nothing was done"
        )


def _fsync(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _sqlite_copy(src: Path, dst: Path) -> None:
    """Copy a SQLite database with the online backup API (consistent under writers)."""
    source = sqlite3.connect(src, timeout=30)
    target = sqlite3.connect(dst, timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def backup(db_paths: Paths, out_dir: Path, actor: str = "cli") -> BackupInfo:
    _refuse_postgres(db_paths, "backup")
    if not db_paths.data_db.is_file():
        raise BackupError(f"there is no database at {db_paths.data_db}; nothing to back up")
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = clock.instant().strftime("%Y%m%dT%H%M%SZ")
    final = out_dir / f"momentum-backup-{stamp}"
    n = 1
    while final.exists():
        n += 1
        final = out_dir / f"momentum-backup-{stamp}-{n}"
    work = out_dir / f".{final.name}.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o700)
    try:
        AppState(db_paths.app_db).connect().close()  # creates the app-state schema if it has none yet
        with DataStore(db_paths).writer() as con:  # the ingest lock: no ingest runs meanwhile
            con.execute("CHECKPOINT")
            data_sum = data_checksum(con)
            shutil.copyfile(db_paths.data_db, work / DATA_FILE)
        _sqlite_copy(db_paths.app_db, work / APP_FILE)
        copy = sqlite3.connect(work / APP_FILE)
        try:
            app_sum = app_checksum(copy)
            head = _audit_head(copy)
        finally:
            copy.close()
        files = {}
        for name in (DATA_FILE, APP_FILE):
            path = work / name
            os.chmod(path, 0o600)
            _fsync(path)
            files[name] = {"sha256": sha256_of(path), "bytes": path.stat().st_size}
        manifest = {
            "format": FORMAT,
            "created_at": clock.instant().isoformat(timespec="seconds"),
            "source": {"data_db": str(db_paths.data_db), "app_db": str(db_paths.app_db)},
            "files": files,
            "data_tables": data_sum,
            "app_state_sha256": app_sum,
            "audit": head,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.chmod(work / MANIFEST, 0o600)
        _fsync(work / MANIFEST)
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    audit.record(AppState(db_paths.app_db), actor, "backup", folder=str(final),
                 data_sha256=files[DATA_FILE]["sha256"], app_sha256=files[APP_FILE]["sha256"])
    return BackupInfo(final, manifest)


def check(folder: Path) -> dict:
    """Read a backup's manifest and check each file against it; returns the manifest."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder} is not a Momentum backup (no {MANIFEST})") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder}/{MANIFEST} cannot be read: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder}: unknown backup format {manifest.get('format')!r}")
    for name in (DATA_FILE, APP_FILE):
        path = folder / name
        expected = manifest["files"][name]
        if not path.is_file():
            raise BackupError(f"the backup is incomplete: {name} is missing from {folder}")
        if path.stat().st_size != expected["bytes"] or sha256_of(path) != expected["sha256"]:
            raise BackupError(
                f"the backup is damaged: {name} does not match the checksum in its manifest; nothing was restored"
            )
    return manifest


def restore(folder: Path, db_paths: Paths, force: bool = False, actor: str = "cli") -> dict:
    """Restore both stores from a backup folder; returns its manifest."""
    _refuse_postgres(db_paths, "restore")
    manifest = check(folder)
    if not force and (db_paths.data_db.exists() or db_paths.app_db.exists()):
        raise BackupError(
            f"{db_paths.data_db} already exists; restoring replaces it and its app state - add --force to do so"
        )
    store = DataStore(db_paths)
    tmp = db_paths.data_db.with_name(f".{db_paths.data_db.name}.restore")
    try:
        with store.writer() as _con:  # hold the ingest lock while the file is swapped
            shutil.copyfile(folder / DATA_FILE, tmp)
            os.chmod(tmp, 0o600)
            _fsync(tmp)
            with contextlib.suppress(FileNotFoundError):
                (db_paths.data_db.parent / (db_paths.data_db.name + ".wal")).unlink()
            os.replace(tmp, db_paths.data_db)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    _sqlite_copy(folder / APP_FILE, db_paths.app_db)
    # the restored content must be the backed-up content
    with DataStore(db_paths).writer() as con:
        if data_checksum(con) != manifest["data_tables"]:
            raise BackupError("the restored data does not match the backup's content checksum")
    con = sqlite3.connect(db_paths.app_db, timeout=30)
    try:
        if app_checksum(con) != manifest["app_state_sha256"]:
            raise BackupError("the restored app state does not match the backup's content checksum")
    finally:
        con.close()
    store.publish_snapshot()
    ok, bad, _n = audit.verify(AppState(db_paths.app_db))
    if not ok:
        raise BackupError(f"the restored audit log's hash chain breaks at entry {bad}")
    audit.record(AppState(db_paths.app_db), actor, "restore", folder=str(folder),
                 backup_created_at=manifest["created_at"])
    return manifest

