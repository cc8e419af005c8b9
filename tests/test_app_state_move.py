"""Copying a SQLite app state into PostgreSQL (pipelines/appstate/move.py, `app-state copy-to`).

A practice that moves to replicas keeps everything: users who can still sign
in, the audit log with its chain and numbers, sessions, reviews, wins,
consultations and the pulse. A target that is not empty, a source whose chain
does not verify and a row PostgreSQL cannot hold are refused with the target
left as it was.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from pipelines.appstate import audit, auth_sessions, consultations, flag_reviews, move, wins
from pipelines.appstate.db import AppState
from pipelines.appstate.users import add_user, check_password, get_user
from pipelines.store import StoreError
from tests.conftest import run_cli

PASSWORD = "a-long-move-password"


def _tables(state: AppState) -> set[str]:
    with state.reading() as con:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                          "AND name NOT LIKE 'sqlite_%'").fetchall()}


def test_every_app_state_table_is_copied(tmp_path):
    """A table a migration adds must be added to the copy (and its queries), or this fails."""
    assert _tables(AppState(tmp_path / "a.sqlite")) - {"schema_migrations"} == set(move.TABLES)


def _busy_practice(state: AppState) -> dict:
    """A SQLite app state with a row in every table, through the product's own functions."""
    add_user(state, "ana", "Ana Supervisor", "supervisor", PASSWORD, "T002")
    add_user(state, "cleo", "Cleo Clinician", "clinician", PASSWORD, "T001")
    audit.record(state, "cli", "user_added", username="ana")
    session = auth_sessions.start(state, "ana", cookie_exp=2_000_000_000.0)
    auth_sessions.record_failure(state, "cleo")
    from pipelines.appstate.users import reset_password

    reset_password(state, "cleo", PASSWORD + "-2")
    review = flag_reviews.record(state, client_id="C00001", flag="NOT_ON_TRACK", flag_since=date(2026, 11, 1),
                                 action="acknowledge", reviewed_by="ana", note="talked it through",
                                 today=date(2026, 11, 22))
    win = wins.post(state, username="cleo", clinician_id="T001", category="team", text="Our group ran itself")
    wins.toggle_celebrate(state, win, "ana")
    wins.mark_celebrated(state, win, date(2026, 11, 20), "ana")
    item = consultations.bring(state, client_id="C00001", clinician_id="T001", team="north", brought_by="ana",
                               question="What else could help here?", as_of=date(2026, 11, 22))
    consultations.record_outcome(state, item, meeting_date=date(2026, 11, 22), ideas="a new homework",
                                 next_step="try it for two weeks", recorded_by="ana", audience=["T001"])
    with state.transaction() as con:  # the pulse's two stores, as pipelines/appstate/pulse.py writes them
        con.execute("INSERT INTO pulse_owner_copies VALUES ('ref-1', '2026-11', 'c2VhbGVk')")
        con.execute("INSERT INTO pulse_team_sums VALUES ('2026-11', 'north', 5, 12, 9, 1, 0, 1)")
    return {"session": session, "review": review, "item": item}


def _all_rows(state: AppState) -> dict[str, list[tuple]]:
    with state.reading() as con:
        return {table: move._rows(con, table) for table in move.TABLES}


def test_a_busy_sqlite_app_state_is_copied_whole_and_goes_on_working(tmp_path, postgres):
    source = AppState(tmp_path / "momentum.app.sqlite")
    made = _busy_practice(source)
    url = postgres.new_database()
    target = AppState(url)
    done = run_cli("app-state", "copy-to", url, "--db", str(tmp_path / "momentum.duckdb"))
    assert done.returncode == 0, done.stderr
    assert "every table equal to the source" in done.stderr and "MOMENTUM_APP_DB" in done.stderr
    before = _all_rows(source)
    after = _all_rows(target)
    assert all(before[t] for t in move.TABLES), {t for t in move.TABLES if not before[t]}  # a row in each
    assert {t: r for t, r in after.items() if t != "audit_log"} == {t: r for t, r in before.items() if t != "audit_log"}
    assert after["audit_log"][:-1] == before["audit_log"]  # numbers and chain kept, then the copy's own entry
    assert audit.recent(target, 1)[0]["action"] == "app_state_copied"
    assert audit.verify(target)[0]
    # it goes on working: the same password, the same session, the next numbers after the copied ones
    assert check_password(target, "cleo", PASSWORD + "-2") and get_user(target, "ana").role == "supervisor"
    assert auth_sessions.check(target, made["session"]).valid
    assert flag_reviews.record(target, client_id="C00002", flag="NOT_ON_TRACK", flag_since=date(2026, 11, 2),
                               action="acknowledge", reviewed_by="ana", note="seen", today=date(2026, 11, 22)) == made["review"] + 1
    assert after["audit_log"][-1][0] == before["audit_log"][-1][0] + 1  # the copy's entry: the next number
    last = audit.recent(target, 1)[0]["seq"]
    assert audit.record(target, "cli", "user_added", username="bo") == last + 1 and audit.verify(target)[0]
    assert _all_rows(source) == before  # the source is never written


def test_a_target_with_app_state_is_refused_and_left_as_it_was(tmp_path, postgres):
    source = AppState(tmp_path / "momentum.app.sqlite")
    _busy_practice(source)
    target = AppState(postgres.new_database())
    add_user(target, "already", "Already Here", "manager", PASSWORD, None)
    before = _all_rows(target)
    with pytest.raises(StoreError, match="already holds app state"):
        move.copy_to_postgresql(source, target)
    assert _all_rows(target) == before


def test_a_source_whose_audit_chain_is_broken_is_not_copied(tmp_path, postgres):
    source = AppState(tmp_path / "momentum.app.sqlite")
    _busy_practice(source)
    with sqlite3.connect(source.path) as raw:  # an entry edited behind the app's back
        raw.execute("DROP TRIGGER audit_log_no_update")
        raw.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1")
    target = AppState(postgres.new_database())
    with pytest.raises(StoreError, match="does not verify \\(entry 1 breaks its hash chain\\); nothing was copied"):
        move.copy_to_postgresql(source, target)
    assert not any(_all_rows(target).values())


def test_a_row_postgresql_cannot_hold_rolls_the_whole_copy_back_with_its_table_named(tmp_path, postgres):
    source = AppState(tmp_path / "momentum.app.sqlite")
    _busy_practice(source)
    with source.transaction() as con:  # SQLite keeps a NUL character in text; PostgreSQL's text cannot
        con.execute("UPDATE app_wins SET text = 'a win' || char(0) || 'with a NUL'")
    target = AppState(postgres.new_database())
    with pytest.raises(StoreError, match="app_wins: .*NUL"):
        move.copy_to_postgresql(source, target)
    assert not any(_all_rows(target).values())  # users and the audit log, written before it, are gone too
