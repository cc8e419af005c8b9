"""Versioned migrations of the app-state schema, in both dialects.

The schema is a numbered series of SQL files, one folder per dialect
(``pipelines/sql/app_state_migrations/NNNN_name.sql`` and its twin under
``pipelines/sql/pg/``): ``0001_baseline`` is the schema as first released, and a
change is a new file with the next number, never an edit to an applied one.

A database's version is the last migration applied to it: SQLite keeps it in
the file's header (``user_version``, read on every connection at no cost),
PostgreSQL in the ledger table ``schema_migrations``, which both dialects keep
(which migration, when). Migrating runs every pending file, in order, in the
caller's write transaction (SQLite's ``BEGIN IMMEDIATE``; PostgreSQL's writers'
advisory lock): all of them or none, and two processes starting at once apply
each file once. A database newer than this code (upgraded by a later release)
is refused with a message, never written to.

The app migrates on its first connection (``pipelines.appstate.db.AppState``);
``python -m pipelines app-state status|migrate`` shows and does it by hand, for
example before starting replicas of a new release (docs/scaling.md).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipelines import clock
from pipelines.sql_files import DIALECT_DIRS
from pipelines.store import StoreError

FOLDER = "app_state_migrations"
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"

    def statements(self, dialect: str) -> list[str]:
        """The file's statements: PostgreSQL runs the whole script at once; Python's sqlite3 runs one
        statement per call inside a transaction, so the file is cut where SQLite says a statement ends
        (a trigger's body keeps its inner semicolons)."""
        text = self.path.read_text(encoding="utf-8")
        if dialect == "postgresql":
            return [text]
        parts, current = [], ""
        for line in text.splitlines(keepends=True):
            current += line
            if sqlite3.complete_statement(current):
                if _code(current):
                    parts.append(current.strip())
                current = ""
        if _code(current):
            raise StoreError(f"{self.path.name}: the last statement has no closing semicolon")
        return parts


def _code(text: str) -> bool:
    """Does ``text`` hold anything but comments and blank lines?"""
    return any(line.strip() and not line.strip().startswith("--") for line in text.splitlines())


def folder(dialect: str) -> Path:
    return DIALECT_DIRS[dialect] / FOLDER


@cache
def available(dialect: str, where: Path | None = None) -> tuple[Migration, ...]:
    """The dialect's migrations in order; numbered 1, 2, 3... without a gap or a repeat."""
    found = []
    for path in sorted((where or folder(dialect)).glob("*.sql")):
        match = _FILE.match(path.name)
        if match is None:
            raise StoreError(f"{path}: a migration's name is NNNN_name.sql (four digits, lower-case words)")
        found.append(Migration(int(match[1]), match[2], path))
    numbers = [m.version for m in found]
    if numbers != list(range(1, len(found) + 1)):
        raise StoreError(f"the {dialect} migrations in {where or folder(dialect)} are numbered {numbers}, "
                         "not 1, 2, 3... in order")
    return tuple(found)


def latest(dialect: str) -> int:
    return len(available(dialect))


def version(con: Any) -> int:
    """The database's schema version (0: nothing applied). For PostgreSQL the ledger must exist
    (:func:`migrate` creates it first)."""
    return int(con.execute(con.q("app_state_migration", "version")).fetchone()[0])


def newer_message(where: str, found: int, known: int) -> str:
    return (f"the app state at {where} has schema version {found}, newer than this Momentum knows "
            f"(up to {known}): a later release upgraded it. Run that release, or restore a backup made "
            "before the upgrade (python -m pipelines restore)")


def migrate(con: Any, where: str, migrations: tuple[Migration, ...] | None = None) -> list[Migration]:
    """Bring the schema to the latest version, inside the caller's open write transaction (the caller
    commits, or rolls back on an exception: then nothing of any migration is kept). Returns what was
    applied; refuses a database newer than this code."""
    dialect = con.dialect
    migrations = available(dialect) if migrations is None else migrations
    con.execute(con.q("app_state_migration", "ledger"))
    before = version(con)
    if before > len(migrations):
        raise StoreError(newer_message(where, before, len(migrations)))
    at = clock.instant().isoformat(timespec="seconds")
    applied = []
    for m in migrations[before:]:
        try:
            for statement in m.statements(dialect):
                con.execute(statement)
        except (StoreError, sqlite3.Error) as exc:
            reason = str(exc).removeprefix(f"app state {where}: ")
            raise StoreError(f"app state {where}: migration {m.label} failed, so none of it was applied and "
                             f"the schema stays at version {before}: {reason}") from exc
        if dialect == "sqlite":
            # the header number is the version SQLite reads (a PRAGMA takes no bound parameter: our own int)
            con.execute(f"PRAGMA user_version = {int(m.version)}")
        applied.append(m)
    for m in migrations:
        # the ones this run applied, with the time; those before it (a file from before the ledger) without
        con.execute(con.q("app_state_migration", "record"),
                    (m.version, m.name, at if m in applied else None))
    return applied


def status(con: Any) -> tuple[int, int, list[tuple[int, str, str | None]]]:
    """(the schema's version, the latest this code knows, the ledger), read without writing. The ledger
    rows are (version, name, applied_at; None: applied before the ledger existed). A SQLite file that
    has needed no migration since the ledger came has none: its header holds the version."""
    known = latest(con.dialect)
    if not int(con.execute(con.q("app_state_migration", "ledger_exists")).fetchone()[0]):
        return (version(con) if con.dialect == "sqlite" else 0), known, []
    rows = con.execute(con.q("app_state_migration", "applied")).fetchall()
    return version(con), known, [(int(r[0]), r[1], r[2]) for r in rows]
