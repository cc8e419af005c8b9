"""App state: users, the audit log and everything the app writes, in SQLite or PostgreSQL.

By default a SQLite file (``MOMENTUM_APP_DB``): WAL mode lets the app and CLI
commands (users, ingest audit entries) write concurrently, each write durable
once acknowledged. When ``MOMENTUM_APP_DB`` is a ``postgresql://`` URL, the
same tables live in PostgreSQL (psycopg 3), so several app processes can share
them (docs/scaling.md). Each dialect has its own named SQL files
(``pipelines/sql/`` and ``pipelines/sql/pg/``, the same query names); callers
take their queries from the state or the connection (``q(file, name)``), which
knows its dialect.

Imported data is the other database: :mod:`pipelines.store`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pipelines.appstate import migrations
from pipelines.settings import is_postgres_url
from pipelines.sql_files import named
from pipelines.store import StoreError


class _NamedQueries:
    """``q(file, name)``: a named query of ``pipelines/sql/`` in this object's dialect."""

    dialect: str

    def q(self, file: str, name: str) -> str:
        return named(file, self.dialect)[name]


class SqliteConnection(_NamedQueries, sqlite3.Connection):
    """A SQLite app-state connection that knows its dialect: ``q`` gives its named queries."""

    dialect = "sqlite"


class PgRow(tuple):
    """A PostgreSQL row by column name or by index, like ``sqlite3.Row`` (``dict(row)`` works)."""

    _index: dict[str, int]

    def __new__(cls, values: Sequence[Any], index: dict[str, int]) -> PgRow:
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _pg_row_factory(cursor: Any):
    index = {col.name: i for i, col in enumerate(cursor.description or ())}
    return lambda values: PgRow(values, index)


def _pg_message(exc: Exception) -> str:
    if getattr(exc, "sqlstate", None) == "55P03":  # lock_not_available: app_state_session.sql's lock_timeout
        return "another writer has held the app state for 30 seconds; try again"
    diag = getattr(exc, "diag", None)
    text = (diag.message_primary if diag is not None else None) or str(exc)
    return " ".join(text.split())


def redacted(url: str) -> str:
    """A PostgreSQL URL fit for a message: any password replaced by ***."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        cred, host = netloc.rsplit("@", 1)
        if ":" in cred:
            netloc = f"{cred.split(':', 1)[0]}:***@{host}"
    query = urlencode([(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)],
                      safe="/*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class PgConnection(_NamedQueries):
    """A PostgreSQL app-state connection offering what callers use of ``sqlite3.Connection``:
    ``execute(sql, params)`` returns a cursor (``fetchone``, ``fetchall``, ``rowcount``,
    iteration) whose rows are :class:`PgRow`. A database error becomes a :class:`StoreError`
    that says why (the driver's error is its ``__cause__``)."""

    dialect = "postgresql"

    def __init__(self, raw: Any, where: str) -> None:
        self._raw = raw
        self.where = where

    def execute(self, query: str, params: Sequence[Any] = ()) -> Any:
        import psycopg

        try:
            return self._raw.execute(query, tuple(params) if params else None)
        except psycopg.Error as exc:
            raise StoreError(f"app state {self.where}: {_pg_message(exc)}") from exc

    def executemany(self, query: str, rows: Sequence[Sequence[Any]], what: str = "") -> None:
        """``query`` once per row (one round of the protocol, not one per row); ``what`` names the
        rows in a message."""
        import psycopg

        try:
            with self._raw.cursor() as cur:
                cur.executemany(query, [tuple(row) for row in rows])
        except psycopg.Error as exc:
            raise StoreError(f"app state {self.where}: {what + ': ' if what else ''}{_pg_message(exc)}") from exc

    def commit(self) -> None:
        import psycopg
        from psycopg.pq import TransactionStatus

        if self._raw.info.transaction_status == TransactionStatus.INERROR:
            # PostgreSQL aborts the whole transaction at a failed statement (SQLite only the statement)
            self._raw.rollback()
            raise StoreError(f"app state {self.where}: a statement failed, so nothing of this change was saved")
        try:
            self._raw.commit()
        except psycopg.Error as exc:
            raise StoreError(f"app state {self.where}: the change was not saved: {_pg_message(exc)}") from exc

    def rollback(self) -> None:
        import psycopg

        with contextlib.suppress(psycopg.Error):
            self._raw.rollback()

    def close(self) -> None:
        self._raw.close()


# PostgreSQL databases whose schema this process has brought up to date (once each, see AppState._pg_open)
_PG_SCHEMA_APPLIED: set[str] = set()
_PG_SCHEMA_LOCK = threading.Lock()


def _create_private(path: Path) -> None:
    """Create the app-state file with mode 0600 (password hashes, sessions, the audit log) if it is
    not there yet. SQLite gives its -wal and -shm files the database file's mode."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return
    os.chmod(path, 0o600)  # whatever the umask


class AppState(_NamedQueries):
    """App state: users, the audit log, and what the app writes.

    ``AppState(path)`` is a SQLite file (WAL); ``AppState("postgresql://...")`` a PostgreSQL
    database (``MOMENTUM_APP_DB`` may be either). ``transaction()`` and ``reading()`` yield a
    connection with ``execute(sql, params)`` and rows by name and index in both dialects;
    queries come from ``q(file, name)`` (or the connection's ``q``), in the state's dialect.

    Writers are serialised in both: SQLite's ``BEGIN IMMEDIATE``, and in PostgreSQL a
    transaction-scoped advisory lock taken first (``pipelines/sql/pg/app_state_session.sql``),
    so the audit chain's appends never interleave. Readers are never blocked.
    """

    def __init__(self, target: Path | str) -> None:
        if is_postgres_url(target):
            self.dialect = "postgresql"
            self.url: str | None = str(target)
            self.path: Path | None = None
        else:
            self.dialect = "sqlite"
            self.url = None
            self.path = Path(target)

    @property
    def where(self) -> str:
        """The file, or the URL without its password: for messages."""
        return str(self.path) if self.url is None else redacted(self.url)

    def __repr__(self) -> str:
        return f"AppState({self.where!r})"

    def exists(self) -> bool:
        """Is there app state to read? A SQLite file exists or not; a PostgreSQL
        database is taken to exist (connecting says otherwise, as a StoreError)."""
        return self.path.is_file() if self.path is not None else True

    def list_param(self, values: Iterable[str]) -> str | list[str]:
        """Values as one bound parameter: JSON text for SQLite's ``json_each(?)``, a list
        (an array) for PostgreSQL's ``= ANY(%s)``."""
        values = list(values)
        return json.dumps(values) if self.dialect == "sqlite" else values

    def connect(self) -> sqlite3.Connection | PgConnection:
        """A connection, the schema brought up to date first if it is behind (a migration that fails, or
        a database newer than this code, is a StoreError that says so)."""
        if self.path is None:
            return PgConnection(self._pg_open(autocommit=True), self.where)
        con = self._sqlite_open()
        try:
            # the schema's version is in the file's header, read on every connection at no cost; the
            # migrations run only when it is behind (running the schema on every connection cost a tenth
            # of a busy server's CPU)
            if migrations.version(con) != migrations.latest("sqlite"):
                self._sqlite_migrate(con)
        except sqlite3.DatabaseError as exc:
            con.close()
            raise StoreError(f"cannot open app state {self.path}: {exc}") from None
        except BaseException:
            con.close()
            raise
        return con

    def _sqlite_open(self) -> SqliteConnection:
        """A SQLite connection as every caller gets it, before any migration."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _create_private(self.path)
        try:
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None, factory=SqliteConnection)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open app state {self.path}: {exc}") from None
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=FULL")
            con.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as exc:
            con.close()
            raise StoreError(f"cannot open app state {self.path}: {exc}") from None
        con.row_factory = sqlite3.Row
        return con

    def _sqlite_migrate(self, con: SqliteConnection) -> list[migrations.Migration]:
        con.execute("BEGIN IMMEDIATE")  # one migrator at a time; all migrations or none
        try:
            applied = migrations.migrate(con, self.where)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        return applied

    def migrate(self) -> list[migrations.Migration]:
        """Apply the pending migrations now (``python -m pipelines app-state migrate``); what was applied."""
        if self.path is None:
            with _PG_SCHEMA_LOCK:
                applied = self._pg_migrate(self._pg_params())
                _PG_SCHEMA_APPLIED.add(self.url)
            return applied
        con = self._sqlite_open()
        try:
            return self._sqlite_migrate(con)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot migrate app state {self.path}: {exc}") from None
        finally:
            con.close()

    def schema_status(self) -> tuple[int, int, list[tuple[int, str, str | None]]]:
        """(the schema's version, the latest this code knows, the ledger), read without migrating."""
        if self.path is not None and not self.path.is_file():
            return 0, migrations.latest("sqlite"), []
        if self.path is None:
            con: Any = PgConnection(self._pg_connect(self._pg_params(), autocommit=True), self.where)
        else:
            con = self._sqlite_open()
        try:
            return migrations.status(con)
        finally:
            con.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection | PgConnection]:
        if self.path is None:
            with self._pg_transaction() as con:
                yield con
            return
        con = self.connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection | PgConnection]:
        con = self.connect()
        try:
            yield con
        finally:
            con.close()

    # -- PostgreSQL -----------------------------------------------------
    def _pg_params(self) -> dict:
        from psycopg.conninfo import conninfo_to_dict

        try:
            params = conninfo_to_dict(self.url)
        except Exception as exc:  # psycopg.ProgrammingError: not a valid URL
            raise StoreError(f"MOMENTUM_APP_DB is not a valid PostgreSQL URL: {_pg_message(exc)}") from None
        params.setdefault("connect_timeout", 10)
        params.setdefault("application_name", "momentum")
        return params

    def _pg_open(self, autocommit: bool) -> Any:
        """A psycopg connection; this process's first one brings the schema up to date (migrations)."""
        params = self._pg_params()
        with _PG_SCHEMA_LOCK:
            if self.url not in _PG_SCHEMA_APPLIED:
                self._pg_migrate(params)
                _PG_SCHEMA_APPLIED.add(self.url)
        return self._pg_connect(params, autocommit)

    def _pg_migrate(self, params: dict) -> list[migrations.Migration]:
        con = PgConnection(self._pg_connect(params, autocommit=False), self.where)
        try:
            con.execute(con.q("app_state_session", "lock_timeout"))
            con.execute(con.q("app_state_session", "writer_lock"))  # one process at a time
            applied = migrations.migrate(con, self.where)  # all migrations or none
            con.commit()
            return applied
        except BaseException:
            con.rollback()
            raise
        finally:
            con.close()

    def _pg_connect(self, params: dict, autocommit: bool) -> Any:
        import psycopg

        try:
            return psycopg.connect(**params, autocommit=autocommit, row_factory=_pg_row_factory)
        except psycopg.Error as exc:
            raise StoreError(f"cannot open app state {self.where}: {_pg_message(exc)}") from exc

    @contextlib.contextmanager
    def _pg_transaction(self) -> Iterator[PgConnection]:
        con = PgConnection(self._pg_open(autocommit=False), self.where)
        try:
            con.execute(con.q("app_state_session", "lock_timeout"))
            con.execute(con.q("app_state_session", "writer_lock"))
            try:
                yield con
            except BaseException:
                con.rollback()
                raise
            con.commit()
        finally:
            con.close()
