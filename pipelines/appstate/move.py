"""Copy a SQLite app state into an empty PostgreSQL one, for a practice moving to replicas.

``python -m pipelines app-state copy-to URL`` (docs/scaling.md, "Moving a SQLite
app state into PostgreSQL"). Every table comes across whole - users with their
password hashes, the audit log with its hash chain, sign-in sessions, the
lockout's failures, flag reviews, wins with reactions and meeting marks,
consultations with their notes, the wellbeing pulse's sealed copies and team
sums - with the numbers of audit entries, reviews and consultation items kept.

- The source's audit chain must verify first; the source is read in one
  transaction (one consistent state) and is never written.
- The target must be empty: its schema is brought up to date, then every row is
  written in ONE transaction under the writers' lock, read back and compared
  with the source table by table before it commits. Any difference or error
  rolls all of it back: the target is as it was.
- The target's audit chain is then verified and the copy is recorded in it.

The app must be stopped while it runs: what the app wrote to the SQLite file
after the copy began would not be in PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipelines.appstate import audit
from pipelines.appstate.db import AppState
from pipelines.sql_files import named
from pipelines.store import StoreError

# every table but the migration ledger (the target keeps its own), parents before children
TABLES = (
    "users", "audit_log", "auth_sessions", "login_failures", "password_resets", "flag_reviews",
    "app_wins", "win_reactions", "win_celebrations", "consultations", "consultation_notes",
    "pulse_owner_copies", "pulse_team_sums",
)


def _rows(con: Any, table: str) -> list[tuple]:
    """A table's rows, sorted; the same plain SELECT reads the SQLite source and the PostgreSQL copy."""
    return sorted((tuple(r) for r in con.execute(named("app_state_move")[table]).fetchall()), key=repr)


def copy_to_postgresql(source: AppState, target: AppState, actor: str = "cli",
                       progress: Callable[[str], None] = lambda _m: None) -> dict[str, int]:
    """Copy ``source`` (SQLite) into ``target`` (an empty PostgreSQL app state); rows per table."""
    if source.dialect != "sqlite" or target.dialect != "postgresql":
        raise StoreError("the copy goes from a SQLite app state into a PostgreSQL one")
    if not source.exists():
        raise StoreError(f"there is no app state at {source.where}")
    ok, bad, entries = audit.verify(source)
    if not ok:
        raise StoreError(f"the audit log of {source.where} does not verify (entry {bad} breaks its hash chain); "
                         "nothing was copied: find out why first (python -m pipelines audit verify)")
    progress(f"source {source.where}: audit chain verified ({entries} entries)")
    with source.reading() as src:
        src.execute("BEGIN")  # one read transaction: every table as of the same moment
        rows = {table: _rows(src, table) for table in TABLES}
        src.execute("COMMIT")
    progress("read " + ", ".join(f"{table} {len(r)}" for table, r in rows.items()))
    with target.transaction() as con:  # its first connection brings the schema up to date
        if con.execute(con.q("app_state_move", "has_content")).fetchone()[0]:
            raise StoreError(f"{target.where} already holds app state (users, audit entries or other rows): "
                             "copy into an empty database")
        for table in TABLES:
            if rows[table]:
                con.executemany(con.q("app_state_move", f"insert_{table}"), rows[table], what=table)
        con.execute(con.q("app_state_move", "identities"))
        for table in TABLES:
            if _rows(con, table) != rows[table]:
                raise StoreError(f"{table}: the rows read back from {target.where} differ from the source's; "
                                 "nothing was copied")
        progress("written and read back: every table equal to the source")
    ok, bad, copied = audit.verify(target)
    if not ok or copied != entries:
        raise StoreError(f"the copied audit log does not verify (entry {bad}); the copy is in {target.where}")
    counts = {table: len(r) for table, r in rows.items()}
    audit.record(target, actor, "app_state_copied", source=source.where, rows=sum(counts.values()))
    progress(f"target {target.where}: audit chain verified ({copied} entries), the copy recorded in it")
    return counts
