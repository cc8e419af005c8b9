"""Imported data: the DuckDB file an ingest writes and the snapshots the dashboard reads.

Only an ingest writes the data file (``MOMENTUM_DB``), holding DuckDB's
exclusive lock while it runs (DuckDB allows one writing process per file).
When it finishes it *publishes* a snapshot: a copy of the file under a new
name, announced by atomically replacing a small pointer file. The dashboard
reads only snapshots, read-only, and re-opens when the pointer changes - so it
shows new data without a restart and never blocks an ingest.

Everything the app writes (users, the audit log, reviews, wins, the pulse)
is app state, in another database: see :mod:`pipelines.appstate.db`.

See docs/architecture.md ("Ingest while the dashboard runs").
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb

from pipelines import clock
from pipelines.settings import Paths, memory_size, setting
from pipelines.sql_files import sql, statements

SNAPSHOTS_KEPT = 3


class StoreError(Exception):
    """A database cannot be used; the message says why, for a person."""


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


class DataStore:
    """Imported data (DuckDB): exclusive writer plus published read-only snapshots."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths

    # -- writing (ingest only) ------------------------------------------
    @contextlib.contextmanager
    def writer(self, wait_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        wait_s = float(setting("MOMENTUM_LOCK_WAIT_S")) if wait_s is None else wait_s
        self.paths.data_db.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait_s
        while True:
            try:
                con = duckdb.connect(str(self.paths.data_db))
                break
            except duckdb.IOException as exc:
                if _is_lock_error(exc) and time.monotonic() < deadline:
                    time.sleep(0.25)
                    continue
                if _is_lock_error(exc):
                    raise StoreError(
                        f"{self.paths.data_db} is in use by another ingest; try again when it has finished"
                    ) from None
                raise StoreError(f"cannot open {self.paths.data_db}: {exc}") from None
            except duckdb.Error as exc:
                raise StoreError(f"cannot open {self.paths.data_db}: {exc}") from None
        try:
            # one transaction: a crash while the schema is created leaves all of it or none
            con.execute("BEGIN TRANSACTION")
            try:
                for stmt in statements("data_schema"):
                    con.execute(stmt)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            yield con
        finally:
            con.close()

    # -- snapshots ------------------------------------------------------
    def publish_snapshot(self) -> Path:
        """Copy the (closed, checkpointed) data file to a new snapshot and point at it.

        Call only after the writer connection has been closed.
        """
        snap_dir = self.paths.snapshot_dir
        snap_dir.mkdir(parents=True, exist_ok=True)
        name = f"{clock.instant().strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.duckdb"
        tmp = snap_dir / f".{name}.tmp"
        shutil.copyfile(self.paths.data_db, tmp)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        final = snap_dir / name
        os.replace(tmp, final)
        pointer_tmp = self.paths.snapshot_pointer.with_suffix(".tmp")
        pointer_tmp.write_text(name + "\n", encoding="utf-8")
        with pointer_tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(pointer_tmp, self.paths.snapshot_pointer)
        self._prune(keep=final)
        return final

    def _prune(self, keep: Path) -> None:
        snaps = sorted(
            (p for p in self.paths.snapshot_dir.glob("*.duckdb")), key=lambda p: p.stat().st_mtime
        )
        for old in snaps[:-SNAPSHOTS_KEPT]:
            if old != keep:
                # a reader may still have it open; on POSIX the data stays
                # readable until that reader closes it
                with contextlib.suppress(OSError):
                    old.unlink()
        for tmp in self.paths.snapshot_dir.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()

    def current_snapshot(self) -> Path | None:
        try:
            name = self.paths.snapshot_pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        path = self.paths.snapshot_dir / name
        return path if name and path.is_file() else None

    def snapshot_load_id(self) -> int:
        """The newest ledger entry in the published snapshot (-1: none published)."""
        current = self.current_snapshot()
        if current is None:
            return -1
        try:
            con = duckdb.connect(str(current), read_only=True)
        except duckdb.Error:
            return -1
        try:
            return int(con.execute(sql("latest_load_id")).fetchall()[0][0])
        except duckdb.Error:
            return -1
        finally:
            con.close()

    def exists(self) -> bool:
        return self.paths.data_db.is_file()


def open_read_only(path: Path, memory_limit: str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to published data, its DuckDB memory capped (MOMENTUM_READ_MEMORY):
    beyond the cap a live model spills to DuckDB's temporary folder next to the file."""
    return duckdb.connect(str(path), read_only=True, config={"memory_limit": memory_limit})


class SnapshotReader:
    """Read-only access to the newest published snapshot, shared by a process.

    ``cursor()`` hands each caller its own cursor (DuckDB 2.0: one cursor per
    session/thread) and re-opens when an ingest has published a new snapshot.
    """

    def __init__(self, store: DataStore) -> None:
        self.store = store
        try:
            self.memory_limit = memory_size("MOMENTUM_READ_MEMORY")
        except ValueError as exc:
            raise StoreError(str(exc)) from None
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._path: Path | None = None
        self._retired: list[duckdb.DuckDBPyConnection] = []

    @property
    def version(self) -> str | None:
        """Name of the snapshot in use; changes whenever new data is published."""
        return self._path.name if self._path else None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.opened()[0]

    def opened(self) -> tuple[duckdb.DuckDBPyConnection, str]:
        """A cursor and the path of the snapshot it reads, taken together. A snapshot never changes once
        published and its name is never used again, so what was read from one holds for as long as it does."""
        with self._lock:
            current = self.store.current_snapshot()
            if current is None:
                raise StoreError(
                    "no data has been published yet; run `python -m pipelines ingest` first"
                )
            if current != self._path or self._con is None:
                try:
                    con = open_read_only(current, self.memory_limit)
                except duckdb.Error as exc:
                    raise StoreError(
                        f"cannot open the published data {current.name} ({exc}); the next ingest publishes "
                        "a fresh copy, or restore a backup (python -m pipelines restore)"
                    ) from None
                if self._con is not None:
                    # keep the old connection alive for cursors still in use;
                    # close the ones retired earlier than that
                    for old in self._retired:
                        with contextlib.suppress(duckdb.Error):
                            old.close()
                    self._retired = [self._con]
                self._con, self._path = con, current
            return self._con.cursor(), str(current)

    def close(self) -> None:
        with self._lock:
            for con in [*self._retired, self._con]:
                if con is not None:
                    with contextlib.suppress(duckdb.Error):
                        con.close()
            self._con, self._path, self._retired = None, None, []
