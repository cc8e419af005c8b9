"""App state in its two dialects: SQLite (a file) and PostgreSQL (a URL).

The behaviour tests of users, the audit log, sessions, reviews, wins and
consultations run in both dialects through the ``app_state`` fixture
(tests/conftest.py); this file checks what is particular to the seam: the
twin SQL files, the twin schemas, serialised audit appends, transactions,
rows, settings, the CLI and messages.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from pipelines import backup
from pipelines.appstate import audit, wins
from pipelines.appstate.db import AppState, redacted
from pipelines.appstate.users import add_user, list_users
from pipelines.settings import paths
from pipelines.sql_files import DIALECT_DIRS, named
from pipelines.store import StoreError
from tests.conftest import BASE, REPO, run_cli

APP_STATE_FILES = {"audit_log", "users", "auth_sessions", "flag_reviews", "wins_app", "consultations", "pulse",
                   "app_state_migration"}  # the schema itself: app_state_migrations/ (tests/test_app_state_migrations.py)
# how a PostgreSQL write transaction starts; SQLite's twin is BEGIN IMMEDIATE in pipelines/appstate/db.py
PG_ONLY = {"app_state_session", "app_state_backup"}  # and the backup of a PostgreSQL app state (pipelines/backup.py)
# SQLite's side reads each table, PostgreSQL's reads it back and writes it (pipelines/appstate/move.py)
MOVE = {"app_state_move"}


def _params(query: str, dialect: str) -> int:
    return query.count("?") if dialect == "sqlite" else query.count("%s")


def test_every_app_state_query_has_a_twin_with_the_same_name_and_parameters():
    pg_files = {p.stem for p in DIALECT_DIRS["postgresql"].glob("*.sql")}
    assert pg_files == APP_STATE_FILES | PG_ONLY | MOVE
    # every file the code asks a state or connection for (``.q("file", ...)``) has both dialects
    used = {m for path in (REPO / "pipelines").rglob("*.py")
            for m in re.findall(r'\.q\("(\w+)"', path.read_text(encoding="utf-8"))}
    assert used == APP_STATE_FILES | PG_ONLY | MOVE
    lite, pg = named("app_state_move", "sqlite"), named("app_state_move", "postgresql")
    assert set(pg) == {f"insert_{table}" for table in lite} | {"identities", "has_content"}
    for table in lite:  # each table the SQLite side reads (plain SQL, both dialects) is written in PostgreSQL
        assert pg[f"insert_{table}"].count("%s") == len(lite[table].split(" FROM ")[0].split(",")), table
    for name in sorted(APP_STATE_FILES):
        lite, pg = named(name, "sqlite"), named(name, "postgresql")
        assert list(lite) == list(pg), name
        for query in lite:
            assert lite[query] and pg[query], (name, query)
            assert _params(lite[query], "sqlite") == _params(pg[query], "postgresql"), (name, query)
            assert "%s" not in lite[query] and "?" not in pg[query], (name, query)
            assert "json_each" not in pg[query] and "OR IGNORE" not in pg[query].upper(), (name, query)


def test_postgresql_files_bind_their_values():
    for path in sorted(DIALECT_DIRS["postgresql"].glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\{[A-Za-z_][A-Za-z0-9_]*\}", text), f"{path.name}: values must be bound parameters"
        assert "%(" not in text, path.name


def _sqlite_schema(path: Path) -> dict:
    con = AppState(path).connect()
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        kinds = {"TEXT": "text", "INTEGER": "integer", "REAL": "real"}
        columns = {t: [(r["name"], kinds[r["type"]], bool(r["notnull"] or r["pk"]))
                       for r in con.execute("SELECT * FROM pragma_table_info(?)", (t,))] for t in tables}
        indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                             "AND name NOT LIKE 'sqlite_autoindex%'")}
        triggers = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    finally:
        con.close()
    return {"columns": columns, "indexes": indexes, "triggers": triggers}


def _pg_schema(state: AppState) -> dict:
    kinds = {"text": "text", "integer": "integer", "bigint": "integer", "double precision": "real"}
    with state.reading() as con:
        rows = con.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position").fetchall()
        indexes = {r[0] for r in con.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' "
                                             "AND indexname NOT LIKE '%_pkey'")}
        triggers = {r[0] for r in con.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
    columns: dict[str, list] = {}
    for r in rows:
        columns.setdefault(r["table_name"], []).append(
            (r["column_name"], kinds[r["data_type"]], r["is_nullable"] == "NO"))
    return {"columns": columns, "indexes": indexes, "triggers": triggers}


def test_the_postgresql_schema_is_the_twin_of_sqlites(postgres, tmp_path):
    lite = _sqlite_schema(tmp_path / "app.sqlite")
    pg = _pg_schema(AppState(postgres.new_database()))
    assert pg["columns"] == lite["columns"]  # tables, columns in order, types, NOT NULL
    assert pg["indexes"] == lite["indexes"]
    # the same append-only triggers, and one for TRUNCATE (which skips row triggers) per such table
    assert pg["triggers"] - lite["triggers"] == {
        "audit_log_no_truncate", "flag_reviews_no_truncate", "consultations_no_truncate",
        "consultation_notes_no_truncate"}
    assert lite["triggers"] <= pg["triggers"]


def test_the_schema_refuses_what_sqlites_refuses(app_state):
    bad = [
        "INSERT INTO users (username, display_name, role, password_hash, created_at, updated_at) "
        "VALUES ('x', 'X', 'janitor', 'h', 't', 't')",
        "INSERT INTO app_wins (win_id, posted_by, posted_by_user, posted_at, category, text) "
        "VALUES ('w', 'T1', 'u', 't', 'team', '')",
        "INSERT INTO consultation_notes (item_id, meeting_date, next_step, recorded_by, recorded_at) "
        "VALUES (42, 'd', 'x', 'u', 't')",  # no item 42: the foreign key
    ]
    for statement in bad:
        with pytest.raises((sqlite3.DatabaseError, StoreError)), app_state.transaction() as con:
            con.execute(statement)


def test_concurrent_audit_appends_keep_the_chain(app_state):
    """Writers in several threads: each append reads the last hash and adds the next, so two that
    interleaved would both point at the same entry. The writers' lock keeps them apart."""
    threads, each = 4, 25
    # the app state exists before the writers start, as it does once the app has started (SQLite's
    # schema script on a brand-new file can meet another first connection's and report "locked")
    assert audit.verify(app_state) == (True, None, 0)
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(each):
                audit.record(app_state, f"writer-{n}", "view", i=i)
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    assert audit.verify(app_state) == (True, None, threads * each)


def test_an_error_inside_a_transaction_leaves_nothing_of_it(app_state):
    with pytest.raises(RuntimeError), app_state.transaction() as con:
        audit.append(con, "tester", "view")
        raise RuntimeError("the change fails half-way")
    assert audit.verify(app_state) == (True, None, 0)


def test_postgresql_saves_nothing_of_a_transaction_whose_statement_failed(postgres):
    """PostgreSQL aborts the whole transaction at a failed statement (SQLite only the statement):
    a caller that carried on and committed is told nothing was saved."""
    state = AppState(postgres.new_database())
    with pytest.raises(StoreError, match="nothing of this change was saved"), state.transaction() as con:
        audit.append(con, "tester", "view")
        with pytest.raises(StoreError, match="append-only"):
            con.execute("DELETE FROM audit_log")
    assert audit.verify(state) == (True, None, 0)


def test_a_writer_does_not_block_readers(app_state):
    audit.record(app_state, "tester", "first")
    with app_state.transaction() as con:
        audit.append(con, "tester", "second")
        # another connection reads while the write is open: it sees the committed state only
        assert [e["action"] for e in audit.recent(app_state)] == ["first"]
    assert [e["action"] for e in audit.recent(app_state)] == ["second", "first"]


def test_rows_by_name_and_by_index(app_state):
    add_user(app_state, "dana", "Dana", "manager", "a long enough password")
    with app_state.reading() as con:
        row = con.execute(con.q("users", "list")).fetchone()
    assert row["username"] == row[0] == "dana"
    assert dict(row) == {"username": "dana", "display_name": "Dana", "role": "manager", "clinician_id": None,
                         "active": 1, "is_demo": 0}
    assert list(row) == ["dana", "Dana", "manager", None, 1, 0]
    win_id = wins.post(app_state, username="dana", clinician_id="T1", category="team", text="Lunch")
    assert wins.posted_suggestions(app_state, []) == set()
    assert wins.toggle_celebrate(app_state, win_id, "dana") is True


def test_the_setting_takes_a_file_or_a_url(monkeypatch, tmp_path):
    url = "postgresql://momentum:s3cret@db.example:5432/momentum"
    monkeypatch.setenv("MOMENTUM_APP_DB", url)
    p = paths()
    assert p.app_db == url and AppState(p.app_db).dialect == "postgresql"
    monkeypatch.setenv("MOMENTUM_APP_DB", str(tmp_path / "state.sqlite"))
    assert paths().app_db == tmp_path / "state.sqlite" and AppState(paths().app_db).dialect == "sqlite"
    monkeypatch.delenv("MOMENTUM_APP_DB")
    assert paths().app_db.name == "momentum.app.sqlite"


def test_a_password_never_shows_in_a_message(tmp_path):
    assert redacted("postgresql://momentum:s3cret@db.example/momentum?sslmode=require") == (
        "postgresql://momentum:***@db.example/momentum?sslmode=require")
    assert "s3cret" not in redacted("postgresql://momentum@/momentum?host=/run/pg&password=s3cret")
    state = AppState(f"postgresql://momentum:s3cret@/momentum?host={tmp_path}&port=1")  # no server there
    assert "s3cret" not in repr(state)
    with pytest.raises(StoreError, match="cannot open app state") as refused:
        list_users(state)
    assert "s3cret" not in str(refused.value)


def test_the_cli_uses_a_postgresql_app_state(postgres, tmp_path):
    url = postgres.new_database()
    env = {"MOMENTUM_DB": str(tmp_path / "m.duckdb"), "MOMENTUM_APP_DB": url}
    added = run_cli("users", "add", "dan", "--name", "Dan", "--role", "manager", "--password-stdin",
                    env=env, stdin="a sufficiently long one\n")
    assert added.returncode == 0, added.stderr
    assert run_cli("users", "list", env=env).stdout.split()[:2] == ["dan", "manager"]
    loaded = run_cli("ingest", str(BASE), env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert not (tmp_path / "m.app.sqlite").exists()  # no SQLite app state beside the data
    state = AppState(url)
    assert [e["action"] for e in audit.recent(state)] == ["ingest", "user_added"]
    verified = run_cli("audit", "verify", env=env)
    assert verified.returncode == 0 and "intact: 2 entries" in verified.stderr, verified.stderr
    win_id = wins.post(state, username="dan", clinician_id="T2", category="team", text="A calm week")
    report = run_cli("report", "wins", "--as-of", "2099-01-01", env=env)
    assert report.returncode == 0 and win_id in report.stdout, report.stderr


def _users(state: AppState) -> list[str]:
    return [u.username for u in list_users(state)]


def _pg_app_tables(url: str) -> dict:
    with AppState(url).reading() as con:
        return backup.pg_checksum(con)


def test_a_postgresql_app_state_is_backed_up_and_restored_by_the_cli(postgres, tmp_path):
    """The restore drill: back up, change, restore over it (--force), and restore into a new database;
    the app state is the backed-up one, table by table, and its audit chain holds."""
    url = postgres.new_database()
    env = {"MOMENTUM_DB": str(tmp_path / "m.duckdb"), "MOMENTUM_APP_DB": url}
    assert run_cli("ingest", str(BASE), env=env).returncode == 0
    state = AppState(url)
    add_user(state, "dan", "Dan", "manager", "a sufficiently long one", None)
    win_id = wins.post(state, username="dan", clinician_id="T2", category="team", text="A calm week")
    wins.toggle_celebrate(state, win_id, "dan")

    made = run_cli("backup", "--out", str(tmp_path / "backups"), env=env)
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.strip())
    manifest = backup.check(folder)
    assert manifest["app_state"] == {"dialect": "postgresql", "file": "app.pgdump"}
    assert (folder / "app.pgdump").stat().st_mode & 0o777 == 0o600
    assert "sufficiently" not in made.stderr + made.stdout and url.split("?")[0] not in made.stdout
    backed_up = _pg_app_tables(url)
    assert backed_up["users"][0] == 1 and backed_up["win_reactions"][0] == 1

    # after the backup: another user, another win, the reaction taken back
    add_user(state, "eve", "Eve", "manager", "another long password", None)
    wins.post(state, username="eve", clinician_id="T2", category="team", text="Homework done")
    wins.toggle_celebrate(state, win_id, "dan")
    refused = run_cli("restore", str(folder), env=env)
    assert refused.returncode == 2 and "--force" in refused.stderr and _users(state) == ["dan", "eve"]

    restored = run_cli("restore", str(folder), "--force", env=env)
    assert restored.returncode == 0, restored.stderr
    assert _users(state) == ["dan"]
    after = _pg_app_tables(url)
    assert {t: v for t, v in after.items() if t != "audit_log"} == {t: v for t, v in backed_up.items()
                                                                    if t != "audit_log"}
    actions = [e["action"] for e in audit.recent(state)]
    # the state as backed up (the backup's own entry came after the dump), then the restore's entry
    assert actions == ["restore", "win_reaction", "win_posted", "ingest"], actions
    verified = run_cli("audit", "verify", env=env)
    assert verified.returncode == 0 and "intact" in verified.stderr, verified.stderr

    # the drill to a new server: an empty database and a new data folder take the backup as it is
    fresh = postgres.new_database()
    into = {"MOMENTUM_DB": str(tmp_path / "new" / "m.duckdb"), "MOMENTUM_APP_DB": fresh}
    drill = run_cli("restore", str(folder), env=into)
    assert drill.returncode == 0, drill.stderr
    assert _users(AppState(fresh)) == ["dan"]
    assert run_cli("audit", "verify", env=into).returncode == 0


def test_a_damaged_or_foreign_backup_is_refused_and_nothing_is_touched(postgres, tmp_path):
    url = postgres.new_database()
    env = {"MOMENTUM_DB": str(tmp_path / "m.duckdb"), "MOMENTUM_APP_DB": url}
    assert run_cli("ingest", str(BASE), env=env).returncode == 0
    folder = backup.backup(replace(paths(tmp_path / "m.duckdb"), app_db=url), tmp_path / "backups").folder
    before = _pg_app_tables(url)
    # a SQLite target cannot take a PostgreSQL backup
    with pytest.raises(backup.BackupError, match="same kind of app state"):
        backup.restore(folder, paths(tmp_path / "other" / "m.duckdb"), force=True)
    assert not (tmp_path / "other").exists()
    # one byte changed in the dump: refused before anything is replaced
    dump = folder / "app.pgdump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    refused = run_cli("restore", str(folder), "--force", env=env)
    assert refused.returncode == 2 and "damaged" in refused.stderr and "Traceback" not in refused.stderr
    assert _pg_app_tables(url) == before


def test_a_backup_taken_while_dashboards_write_restores_to_its_own_checksum(postgres, tmp_path):
    """pg_dump reads the snapshot the checksum was taken from: writers during the backup cannot make
    the dump and the manifest disagree (the restore checks one against the other)."""
    url = postgres.new_database()
    db_paths = replace(paths(tmp_path / "m.duckdb"), app_db=url)
    assert run_cli("ingest", str(BASE), env={"MOMENTUM_DB": str(db_paths.data_db), "MOMENTUM_APP_DB": url}
                   ).returncode == 0
    state = AppState(url)
    stop = threading.Event()

    def write():
        i = 0
        while not stop.is_set():
            audit.record(state, "dashboard", "page_view", page=f"p{i}")
            i += 1

    writers = [threading.Thread(target=write) for _ in range(2)]
    for w in writers:
        w.start()
    try:
        folders = [backup.backup(db_paths, tmp_path / "backups").folder for _ in range(3)]
    finally:
        stop.set()
        for w in writers:
            w.join()
    for n, folder in enumerate(folders):
        fresh = replace(paths(tmp_path / f"r{n}" / "m.duckdb"), app_db=postgres.new_database())
        manifest = backup.restore(folder, fresh)
        assert manifest["app_state_tables"]["audit_log"][0] == manifest["audit"]["entries"] > 0

