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

With ``MOMENTUM_APP_DB`` set to a PostgreSQL URL the app state is backed up
with PostgreSQL's own tools instead: ``app.pgdump`` is ``pg_dump``'s custom
format, taken from the same snapshot as the content checksum (a repeatable-read
transaction exports its snapshot and ``pg_dump --snapshot`` reads it), so
writes from running dashboards during the backup cannot make the two differ.
A restore loads it with ``pg_restore --clean --single-transaction`` (all of it
or nothing) and checks the content checksum, table by table, as above. The
password never appears on a command line: the tools get it in ``PGPASSWORD``.
A backup restores only into the same kind of app state it was made from.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
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
APP_PG_FILE = "app.pgdump"
FORMAT = 2  # 2: the manifest names its app-state file and dialect; 1 (SQLite only) is still read


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


def _app_file(manifest: dict) -> str:
    return manifest.get("app_state", {}).get("file", APP_FILE)


# -- PostgreSQL app state -----------------------------------------------------------


def _pg_tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH (Debian's wrapper picks the newest), else Debian's own folder."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                      key=lambda p: int(p.parents[1].name) if p.parents[1].name.isdigit() else 0, reverse=True)
    if versions:
        return str(versions[0])
    raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client); nothing was done")


def _pg_target(url: str) -> tuple[str, dict[str, str]]:
    """The connection string without its password, and the environment that carries the password."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    password = params.pop("password", None)
    env = {**os.environ, **({"PGPASSWORD": str(password)} if password is not None else {})}
    return make_conninfo(**{k: str(v) for k, v in params.items()}), env


def _pg_run(args: list[str], env: dict[str, str], what: str, where: str) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=3600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(f"{what} of the app state {where} did not run: {exc}") from None
    if done.returncode != 0:
        detail = " ".join(done.stderr.split())[-800:]
        raise BackupError(f"{what} of the app state {where} failed ({Path(args[0]).name} exit {done.returncode}): "
                          f"{detail}")


def pg_checksum(con) -> dict[str, list]:
    """table -> [rows, MD5 of its rows' text in order] for every app-state table (PostgreSQL)."""
    return {r[0]: [int(r[1]), str(r[2])] for r in con.execute(con.q("app_state_backup", "table_checksums"))}


def _pg_dump(state: AppState, target: Path) -> tuple[dict, dict]:
    """pg_dump of the app state into ``target``, and the content checksum and audit head of the very
    snapshot it dumped."""
    conninfo, env = _pg_target(state.url)
    with state.reading() as con:
        con.execute("BEGIN")
        try:
            con.execute(con.q("app_state_backup", "repeatable_read"))
            snapshot = con.execute(con.q("app_state_backup", "export_snapshot")).fetchone()[0]
            checksum = pg_checksum(con)
            entries, last = con.execute(con.q("app_state_backup", "audit_head")).fetchone()
            # the exported snapshot lives as long as this transaction: pg_dump runs inside it
            _pg_run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                     f"--snapshot={snapshot}", f"--file={target}", f"--dbname={conninfo}"],
                    env, "pg_dump", state.where)
        finally:
            con.rollback()
    return checksum, {"entries": int(entries), "last_hash": last}


def _pg_has_content(state: AppState) -> bool:
    with state.reading() as con:
        return bool(con.execute(con.q("app_state_backup", "has_content")).fetchone()[0])


def _pg_restore(state: AppState, source: Path) -> None:
    conninfo, env = _pg_target(state.url)
    _pg_run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
             "--single-transaction", "--exit-on-error", f"--dbname={conninfo}", str(source)],
            env, "pg_restore", state.where)


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
    state = AppState(db_paths.app_db)
    app_file = APP_FILE if state.dialect == "sqlite" else APP_PG_FILE
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
        state.connect().close()  # creates the app-state schema if it has none yet
        with DataStore(db_paths).writer() as con:  # the ingest lock: no ingest runs meanwhile
            con.execute("CHECKPOINT")
            data_sum = data_checksum(con)
            shutil.copyfile(db_paths.data_db, work / DATA_FILE)
        if state.dialect == "sqlite":
            _sqlite_copy(db_paths.app_db, work / APP_FILE)
            copy = sqlite3.connect(work / APP_FILE)
            try:
                app_sum: str | dict = app_checksum(copy)
                head = _audit_head(copy)
            finally:
                copy.close()
        else:
            app_sum, head = _pg_dump(state, work / APP_PG_FILE)
        files = {}
        for name in (DATA_FILE, app_file):
            path = work / name
            os.chmod(path, 0o600)
            _fsync(path)
            files[name] = {"sha256": sha256_of(path), "bytes": path.stat().st_size}
        manifest = {
            "format": FORMAT,
            "created_at": clock.instant().isoformat(timespec="seconds"),
            "source": {"data_db": str(db_paths.data_db), "app_db": state.where},
            "app_state": {"dialect": state.dialect, "file": app_file},
            "files": files,
            "data_tables": data_sum,
            **({"app_state_sha256": app_sum} if state.dialect == "sqlite" else {"app_state_tables": app_sum}),
            "audit": head,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.chmod(work / MANIFEST, 0o600)
        _fsync(work / MANIFEST)
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    audit.record(state, actor, "backup", folder=str(final),
                 data_sha256=files[DATA_FILE]["sha256"], app_sha256=files[app_file]["sha256"])
    return BackupInfo(final, manifest)


def check(folder: Path) -> dict:
    """Read a backup's manifest and check each file against it; returns the manifest."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder} is not a Momentum backup (no {MANIFEST})") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder}/{MANIFEST} cannot be read: {exc}") from None
    if manifest.get("format") not in (1, FORMAT):
        raise BackupError(f"{folder}: unknown backup format {manifest.get('format')!r}")
    for name in (DATA_FILE, _app_file(manifest)):
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
    manifest = check(folder)
    state = AppState(db_paths.app_db)
    made_from = manifest.get("app_state", {}).get("dialect", "sqlite")
    if made_from != state.dialect:
        raise BackupError(
            f"the backup's app state is {made_from} and the target's is {state.dialect} ({state.where}); "
            "a backup restores into the same kind of app state it was made from - nothing was done"
        )
    if not force and (db_paths.data_db.exists()
                      or (state.exists() if state.dialect == "sqlite" else _pg_has_content(state))):
        raise BackupError(
            f"{db_paths.data_db} or its app state already exists; restoring replaces both - add --force to do so"
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
    if state.dialect == "sqlite":
        _sqlite_copy(folder / APP_FILE, db_paths.app_db)
    else:
        _pg_restore(state, folder / APP_PG_FILE)
    # the restored content must be the backed-up content
    with DataStore(db_paths).writer() as con:
        if data_checksum(con) != manifest["data_tables"]:
            raise BackupError("the restored data does not match the backup's content checksum")
    if state.dialect == "sqlite":
        con = sqlite3.connect(db_paths.app_db, timeout=30)
        try:
            if app_checksum(con) != manifest["app_state_sha256"]:
                raise BackupError("the restored app state does not match the backup's content checksum")
        finally:
            con.close()
    else:
        with state.reading() as con:
            restored = pg_checksum(con)
        if restored != manifest["app_state_tables"]:
            differ = sorted(t for t in set(restored) | set(manifest["app_state_tables"])
                            if restored.get(t) != manifest["app_state_tables"].get(t))
            raise BackupError("the restored app state does not match the backup's content checksum "
                              f"(tables: {', '.join(differ)})")
    store.publish_snapshot()
    ok, bad, _n = audit.verify(state)
    if not ok:
        raise BackupError(f"the restored audit log's hash chain breaks at entry {bad}")
    audit.record(state, actor, "restore", folder=str(folder), backup_created_at=manifest["created_at"])
    return manifest

