"""Versioned migrations of the app-state schema (pipelines/appstate/migrations.py), in both dialects.

A database made by the release before numbered migrations is upgraded with its
rows kept; a migration that fails leaves nothing of itself; a database newer than
the code is refused; processes migrating at once apply each migration once; and
an applied migration's file is never edited.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from pipelines.appstate import audit, migrations
from pipelines.appstate.db import AppState
from pipelines.appstate.users import add_user, get_user
from pipelines.store import StoreError
from tests.conftest import run_cli

# The code (not the comments) of every migration file as released: a change to the schema is a new
# numbered file, never an edit to one that databases already have. Add a line for each new file.
RELEASED = {
    ("sqlite", "0001_baseline"): "25d97fae30c121fe",
    ("postgresql", "0001_baseline"): "2d93011a0be3a9ae",
}


def _code_digest(path: Path) -> str:
    code = [line.rstrip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.strip().startswith("--")]
    return hashlib.sha256("\n".join(code).encode()).hexdigest()[:16]


def test_migrations_are_twins_numbered_in_order_and_never_edited_once_released():
    lite, pg = migrations.available("sqlite"), migrations.available("postgresql")
    assert [m.label for m in lite] == [m.label for m in pg]
    assert [m.version for m in lite] == list(range(1, len(lite) + 1))
    found = {(dialect, m.label): _code_digest(m.path) for dialect, ms in (("sqlite", lite), ("postgresql", pg))
             for m in ms}
    assert found == RELEASED, "an applied migration was edited, or a new one is not listed in RELEASED"


def _with_extra(tmp_path: Path, dialect: str, extra: dict[str, str]) -> Path:
    """A migrations folder: the real ones of ``dialect`` and then ``extra`` (file name -> SQL)."""
    folder = tmp_path / f"migrations-{dialect}-{len(list(tmp_path.glob('migrations-*')))}"
    folder.mkdir()
    for m in migrations.available(dialect):
        shutil.copy(m.path, folder / m.path.name)
    for name, text in extra.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _use(monkeypatch, dialect: str, folder: Path) -> None:
    """The code now knows the migrations in ``folder`` (as a newer release would)."""
    monkeypatch.setattr(migrations, "folder", lambda d, f=folder, real=migrations.folder: f if d == dialect
                        else real(d))
    migrations.available.cache_clear()
    from pipelines.appstate import db

    db._PG_SCHEMA_APPLIED.clear()  # a new process of the newer release


@pytest.fixture(autouse=True)
def _forget_migrations():
    yield
    migrations.available.cache_clear()
    from pipelines.appstate import db

    db._PG_SCHEMA_APPLIED.clear()


def test_a_new_app_state_is_at_the_latest_version_with_each_migration_in_its_ledger(app_state):
    assert app_state.schema_status()[0] == 0
    add_user(app_state, "ana", "Ana", "manager", "a-long-password-1")
    found, known, ledger = app_state.schema_status()
    assert found == known == len(migrations.available(app_state.dialect))
    assert [(v, n) for v, n, _at in ledger] == [(m.version, m.name) for m in migrations.available(app_state.dialect)]
    assert all(at for _v, _n, at in ledger)  # each with the time it was applied
    assert app_state.migrate() == []  # nothing left to do


def _old_release(state: AppState) -> None:
    """The app state as the release before numbered migrations left it: the baseline schema applied
    as it was then (SQLite: header number 1; PostgreSQL: no ledger), with a user and an audit entry."""
    baseline = migrations.available(state.dialect)[0].path.read_text(encoding="utf-8")
    if state.dialect == "sqlite":
        with sqlite3.connect(state.path) as raw:
            raw.executescript(f"BEGIN;\n{baseline}\nPRAGMA user_version = 1;\nCOMMIT;")
    else:
        import psycopg

        with psycopg.connect(state.url) as raw:
            raw.execute(baseline)
    migrations.available.cache_clear()
    add_user_raw = "INSERT INTO users VALUES ('old-user', 'Old', 'manager', NULL, 'x', 1, 0, '2026-01-01', '2026-01-01')"
    if state.dialect == "sqlite":
        with sqlite3.connect(state.path) as raw:
            raw.execute(add_user_raw)
    else:
        import psycopg

        with psycopg.connect(state.url) as raw:
            raw.execute(add_user_raw)


ADD_COLUMN = {
    "sqlite": "ALTER TABLE users ADD COLUMN team TEXT NOT NULL DEFAULT '';\n"
              "UPDATE users SET team = 'north' WHERE role = 'manager';\n",
    "postgresql": "ALTER TABLE users ADD COLUMN team TEXT NOT NULL DEFAULT '';\n"
                  "UPDATE users SET team = 'north' WHERE role = 'manager';\n",
}


def test_an_app_state_from_before_numbered_migrations_is_upgraded_with_its_rows_kept(app_state, tmp_path,
                                                                                      monkeypatch):
    _old_release(app_state)
    _use(monkeypatch, app_state.dialect, _with_extra(tmp_path, app_state.dialect,
                                                     {"0002_user_team.sql": ADD_COLUMN[app_state.dialect]}))
    audit.record(app_state, "cli", "user_added", username="old-user")  # the first connection migrates
    assert get_user(app_state, "old-user").display_name == "Old"
    with app_state.reading() as con:
        assert con.execute("SELECT team FROM users WHERE username = 'old-user'").fetchone()[0] == "north"
    found, known, ledger = app_state.schema_status()
    assert found == known == 2
    assert [(v, n) for v, n, _at in ledger] == [(1, "baseline"), (2, "user_team")]
    if app_state.dialect == "sqlite":  # its header said 1: migration 1 was not run again, and says so
        assert ledger[0][2] is None and ledger[1][2]
    assert audit.verify(app_state)[0]


def test_a_failing_migration_leaves_nothing_of_itself_and_a_fixed_one_then_applies(app_state, tmp_path,
                                                                                 monkeypatch):
    add_user(app_state, "ana", "Ana", "manager", "a-long-password-1")
    broken = ("CREATE TABLE half_done (x INTEGER);\n"
              "ALTER TABLE users ADD COLUMN team TEXT NOT NULL DEFAULT '';\n"
              "INSERT INTO no_such_table VALUES (1);\n")
    _use(monkeypatch, app_state.dialect, _with_extra(tmp_path, app_state.dialect, {"0002_user_team.sql": broken}))
    with pytest.raises(StoreError, match=r"migration 0002_user_team failed, so none of it was applied and the "
                                         r"schema stays at version 1: .*no_such_table"):
        app_state.connect().close()
    with pytest.raises(StoreError, match="migration 0002_user_team failed"):
        app_state.migrate()
    assert app_state.schema_status()[:2] == (1, 2)
    raw = _raw(app_state)
    try:
        columns = _columns(raw, app_state, "users")
        assert "team" not in columns and _columns(raw, app_state, "half_done") == []
    finally:
        raw.close()
    _use(monkeypatch, app_state.dialect, _with_extra(tmp_path, app_state.dialect,
                                                     {"0002_user_team.sql": ADD_COLUMN[app_state.dialect]}))
    assert [m.label for m in app_state.migrate()] == ["0002_user_team"]
    assert get_user(app_state, "ana") is not None


def _raw(state: AppState):
    if state.dialect == "sqlite":
        return sqlite3.connect(state.path)
    import psycopg

    return psycopg.connect(state.url, autocommit=True)


def _columns(raw, state: AppState, table: str) -> list[str]:
    if state.dialect == "sqlite":
        return [r[1] for r in raw.execute("SELECT * FROM pragma_table_info(?)", (table,)).fetchall()]
    return [r[0] for r in raw.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                                      (table,)).fetchall()]


def test_an_app_state_newer_than_the_code_is_refused_and_not_written(app_state, tmp_path, monkeypatch):
    with pytest.MonkeyPatch.context() as newer_release:
        _use(newer_release, app_state.dialect, _with_extra(tmp_path, app_state.dialect,
                                                           {"0002_user_team.sql": ADD_COLUMN[app_state.dialect]}))
        add_user(app_state, "ana", "Ana", "manager", "a-long-password-1")  # it upgraded the app state
    _use(monkeypatch, app_state.dialect, migrations.folder(app_state.dialect))  # this release: migration 1 only
    before = _snapshot(app_state)
    for attempt in (lambda: app_state.connect().close(), app_state.migrate,
                    lambda: add_user(app_state, "bo", "Bo", "manager", "a-long-password-2")):
        with pytest.raises(StoreError, match=r"has schema version 2, newer than this Momentum knows \(up to 1\)"):
            attempt()
    assert app_state.schema_status()[:2] == (2, 1)
    assert _snapshot(app_state) == before


def _snapshot(state: AppState):
    raw = _raw(state)
    try:
        return [tuple(r) for r in raw.execute("SELECT username, team FROM users ORDER BY username").fetchall()]
    finally:
        raw.close()


def test_processes_migrating_at_once_apply_each_migration_once(app_state, tmp_path, monkeypatch):
    """Four connections race to migrate a new database (as replicas starting together would): the
    writers' lock lets one apply each migration; the others find it done."""
    extra = {"0002_user_team.sql": ADD_COLUMN[app_state.dialect],
             "0003_team_index.sql": "CREATE INDEX users_team ON users (team);\n"}
    _use(monkeypatch, app_state.dialect, _with_extra(tmp_path, app_state.dialect, extra))
    migrations.available(app_state.dialect)  # read the folder once, before the threads
    applied: list[list[str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def migrate() -> None:
        start.wait()
        try:
            if app_state.dialect == "sqlite":
                applied.append([m.label for m in app_state.migrate()])
            else:  # past this process's own once-per-process lock: only the database's lock is left
                applied.append([m.label for m in app_state._pg_migrate(app_state._pg_params())])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=migrate) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(label for labels in applied for label in labels) == [
        "0001_baseline", "0002_user_team", "0003_team_index"]
    assert app_state.schema_status()[:2] == (3, 3)


def test_the_cli_shows_the_version_migrates_and_refuses_a_newer_app_state(tmp_path):
    db = tmp_path / "momentum.duckdb"
    shown = run_cli("app-state", "status", "--db", str(db))
    assert shown.returncode == 0 and "schema version 0 of 1" in shown.stderr and "1 migration(s) pending" in shown.stderr
    done = run_cli("app-state", "migrate", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "applied migration 0001_baseline" in done.stderr and "schema version 1 of 1" in done.stderr
    again = run_cli("app-state", "migrate", "--db", str(db))
    assert again.returncode == 0 and "up to date: nothing to apply" in again.stderr
    with sqlite3.connect(tmp_path / "momentum.app.sqlite") as raw:
        raw.execute("PRAGMA user_version = 7")
    newer = run_cli("app-state", "status", "--db", str(db))
    assert newer.returncode == 2
    assert "schema version 7 of 1" in newer.stderr and "newer than this Momentum knows (up to 1)" in newer.stderr
    refused = run_cli("users", "list", "--db", str(db))
    assert refused.returncode == 2 and "newer than this Momentum" in refused.stderr
    assert "Traceback" not in refused.stderr
