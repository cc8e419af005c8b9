"""Users, the audit chain and the secrets file."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from pipelines.appstate import audit
from pipelines.appstate.db import AppState
from pipelines.appstate.secrets_file import WeakSecretError, ensure_cookie_key, read_cookie_key
from pipelines.appstate.users import (
    UserError,
    add_user,
    check_password,
    list_users,
    reset_password,
    set_active,
)
from tests.conftest import run_cli


@pytest.fixture
def state(app_state) -> AppState:
    return app_state  # SQLite and PostgreSQL (tests/conftest.py)


def test_users_add_check_disable_reset(state):
    add_user(state, "alice", "Alice", "clinician", "correct horse battery", "T2")
    assert check_password(state, "alice", "correct horse battery")
    assert not check_password(state, "alice", "wrong horse battery")
    assert not check_password(state, "mallory", "correct horse battery")
    set_active(state, "alice", False)
    assert not check_password(state, "alice", "correct horse battery")  # disabled: no sign-in
    set_active(state, "alice", True)
    reset_password(state, "alice", "another long passphrase")
    assert check_password(state, "alice", "another long passphrase")
    assert [u.username for u in list_users(state)] == ["alice"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("bob", "Bob", "clinician", "short", "T2"), "at least 12 characters"),
        (("bob", "Bob", "janitor", "long enough password", "T2"), "role must be one of"),
        (("bob", "Bob", "clinician", "long enough password", None), "needs --clinician-id"),
        (("bob smith", "Bob", "manager", "long enough password", None), "usernames use letters"),
    ],
)
def test_user_rules(state, args, message):
    with pytest.raises(UserError, match=message):
        add_user(state, *args)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password1234", "commonly used"),
        ("Iloveyou2024!", "commonly used"),
        ("superman123456", "commonly used"),
        ("passwordpassword", "repeats a shorter pattern"),
        ("aaaaaaaaaaaa", "repeats a shorter pattern"),
        ("aabbaabbaabb", "repeats a shorter pattern"),
        ("123456789012", "run of keys"),
        ("qwertyuiopas", "run of keys"),
        ("zyxwvutsrqponm", "run of keys"),
    ],
)
def test_common_and_trivial_passwords_are_refused(state, password, reason):
    assert len(password) >= 12
    with pytest.raises(UserError, match=reason):
        add_user(state, "erin", "Erin", "manager", password)
    add_user(state, "erin", "Erin", "manager", "four random words here")
    with pytest.raises(UserError, match=reason):
        reset_password(state, "erin", password)


def test_the_common_password_list_is_the_full_list():
    from pipelines.appstate.users import common_passwords

    words = common_passwords()
    assert len(words) > 3000 and {"123456", "password", "letmein", "iloveyou"} <= words


def test_duplicate_user_refused(state):
    add_user(state, "carol", "Carol", "manager", "long enough password")
    with pytest.raises(UserError, match="already exists"):
        add_user(state, "carol", "Carol", "manager", "long enough password")


def _raw_connection(state):
    """The database itself, past Momentum's code: what someone with file or database access has."""
    if state.dialect == "sqlite":
        return sqlite3.connect(state.path), sqlite3.DatabaseError, "DROP TRIGGER audit_log_no_update"
    import psycopg

    return psycopg.connect(state.url), psycopg.Error, "DROP TRIGGER audit_log_no_update ON audit_log"


def test_audit_chain_verifies_and_detects_tampering(state):
    for i in range(5):
        audit.record(state, "tester", "view", page="x", i=i)
    assert audit.verify(state) == (True, None, 5)
    con, error, drop_trigger = _raw_connection(state)
    for change in ("UPDATE audit_log SET actor = 'someone' WHERE seq = 3", "DELETE FROM audit_log WHERE seq = 5"):
        with pytest.raises(error, match="append-only"):
            con.execute(change)
        con.rollback()
    if state.dialect == "postgresql":  # TRUNCATE skips row triggers: a statement trigger refuses it
        with pytest.raises(error, match="append-only"):
            con.execute("TRUNCATE audit_log")
        con.rollback()
    assert audit.verify(state) == (True, None, 5)
    # someone with file (or database) access drops the trigger and edits a row
    con.execute(drop_trigger)
    con.execute("UPDATE audit_log SET actor = 'someone' WHERE seq = 3")
    con.commit()
    con.close()
    ok, bad, _n = audit.verify(state)
    assert not ok and bad == 3


def test_cookie_key_generated_0600_and_weak_keys_refused(tmp_path):
    path = tmp_path / "secrets.toml"
    key = ensure_cookie_key(path)
    assert len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_cookie_key(path) == key  # stable across starts
    path.write_text('cookie_key = "too-short"\n', encoding="utf-8")
    with pytest.raises(WeakSecretError, match="at least 32"):
        read_cookie_key(path)
    path.write_text('cookie_key = "some_key"\n', encoding="utf-8")
    with pytest.raises(WeakSecretError, match="well-known default"):
        read_cookie_key(path)
    path.write_text(f'cookie_key = "{key}"\n', encoding="utf-8")
    os.chmod(path, 0o644)
    with pytest.raises(WeakSecretError, match="chmod 600"):
        read_cookie_key(path)


def test_users_cli(tmp_path):
    db = str(tmp_path / "m.duckdb")
    add = ["users", "add", "dan", "--name", "Dan", "--role", "manager", "--password-stdin", "--db", db]
    short = run_cli(*add, stdin="short\n")
    assert short.returncode == 1 and "at least 12 characters" in short.stderr
    ok = run_cli(*add, stdin="a sufficiently long one\n")
    assert ok.returncode == 0, ok.stderr
    listed = run_cli("users", "list", "--db", db)
    assert listed.stdout.split()[:3] == ["dan", "manager", "-"]
    assert run_cli("users", "disable", "dan", "--db", db).returncode == 0
    assert "(disabled)" in run_cli("users", "list", "--db", db).stdout
    missing = run_cli("users", "disable", "nobody", "--db", db)
    assert missing.returncode == 1 and "no user 'nobody'" in missing.stderr
    actions = [e["action"] for e in audit.recent(AppState(tmp_path / "m.app.sqlite"))]
    assert actions[:2] == ["user_disabled", "user_added"]


def test_passwords_over_72_bytes_are_refused_with_a_clear_error(tmp_path):
    state = AppState(tmp_path / "a.app.sqlite")
    with pytest.raises(UserError, match="at most 72 bytes"):
        add_user(state, "dan", "Dan", "manager", "a long passphrase " * 5)  # 90 bytes
    allowed = "sea otters drift in kelp beds near the harbour at low tide, très calmes"
    assert len(allowed.encode("utf-8")) == 72
    add_user(state, "dan", "Dan", "manager", allowed)
    with pytest.raises(UserError, match="at most 72 bytes"):
        reset_password(state, "dan", "ü" * 37)
    assert check_password(state, "dan", allowed) and not check_password(state, "dan", allowed + "x")
    cli = run_cli("users", "add", "eve", "--name", "Eve", "--role", "manager", "--password-stdin",
                  "--db", str(tmp_path / "m.duckdb"), stdin="a long passphrase " * 5 + "\n")
    assert cli.returncode == 1 and "at most 72 bytes" in cli.stderr and "Traceback" not in cli.stderr


def test_usernames_are_stored_in_lower_case(tmp_path):
    state = AppState(tmp_path / "a.app.sqlite")
    add_user(state, "Dan.Smith", "Dan", "manager", "a sufficiently long one")
    assert [u.username for u in list_users(state)] == ["dan.smith"]
    with pytest.raises(UserError, match="already exists"):
        add_user(state, "DAN.SMITH", "Dan", "manager", "a sufficiently long one")
    set_active(state, "Dan.Smith", False)
    assert not list_users(state)[0].active


def test_the_app_state_file_and_its_journal_are_created_0600(tmp_path):
    """It holds password hashes, sessions and the audit log: readable by the service account only."""
    path = tmp_path / "fresh" / "momentum.app.sqlite"
    state = AppState(path)
    with state.transaction() as con:
        con.execute("SELECT 1")
        files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
        assert {p.name for p in files} >= {path.name, path.name + "-wal", path.name + "-shm"}
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files}
    assert set(modes.values()) == {0o600}, {k: oct(v) for k, v in modes.items()}


def test_a_sqlite_app_state_gets_its_schema_once_and_an_older_file_is_brought_up_to_it(tmp_path, monkeypatch):
    """The migrations run when the file's header says the schema is behind (SQLite's user_version), not on
    every connection: a file made before the number existed (0) gets the missing tables once."""
    from pipelines.appstate import migrations

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as old:  # an app state from before: one table, no number in its header
        old.execute("CREATE TABLE users (username TEXT PRIMARY KEY)")
    runs: list[int] = []
    original = migrations.migrate

    def spy(con, where, *args):
        runs.append(1)
        return original(con, where, *args)

    monkeypatch.setattr(migrations, "migrate", spy)
    AppState(path).connect().close()
    assert len(runs) == 1  # brought up to the schema
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == migrations.latest("sqlite")
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"audit_log", "auth_sessions", "win_reactions", "schema_migrations"} <= tables
    for _ in range(3):
        AppState(path).connect().close()
    assert len(runs) == 1  # and not again on any later connection
