"""The audit log: append-only and hash-chained (design §7).

Each entry's hash is SHA-256 over the previous hash and the entry's own
fields, so changing or removing a row breaks the chain from that row on;
:func:`verify` reports the first broken row.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pipelines import clock
from pipelines.appstate.db import AppState

GENESIS = "0" * 64


def _digest(prev: str, at: str, actor: str, action: str, detail: str) -> str:
    payload = json.dumps([prev, at, actor, action, detail], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(con: Any, actor: str, action: str, **detail: Any) -> int:
    """Append one entry inside the caller's write transaction (``AppState.transaction``),
    so a change and its audit entry are committed together or not at all.

    The transaction serialises writers (SQLite's BEGIN IMMEDIATE, PostgreSQL's writer
    lock), so no other append comes between reading the last hash and adding the next."""
    at = clock.instant().isoformat(timespec="microseconds")
    detail_json = json.dumps(detail, sort_keys=True, default=str, ensure_ascii=False)
    row = con.execute(con.q("audit_log", "last_hash")).fetchone()
    prev = row["hash"] if row else GENESIS
    digest = _digest(prev, at, actor, action, detail_json)
    cur = con.execute(con.q("audit_log", "append"), (at, actor, action, detail_json, prev, digest))
    return int(cur.fetchone()[0])


def record(state: AppState, actor: str, action: str, **detail: Any) -> int:
    """Append one entry; returns its sequence number. Raises if it cannot be written."""
    with state.transaction() as con:  # one writer at a time
        return append(con, actor, action, **detail)


def verify(state: AppState) -> tuple[bool, int | None, int]:
    """Check the chain. Returns (ok, first bad seq or None, entries checked)."""
    prev = GENESIS
    n = 0
    with state.reading() as con:
        for row in con.execute(con.q("audit_log", "chain")):
            n += 1
            expected = _digest(prev, row["at"], row["actor"], row["action"], row["detail"])
            if row["prev_hash"] != prev or row["hash"] != expected:
                return False, int(row["seq"]), n
            prev = row["hash"]
    return True, None, n


def recent(state: AppState, limit: int = 100) -> list[dict[str, Any]]:
    with state.reading() as con:
        rows = con.execute(con.q("audit_log", "recent"), (limit,)).fetchall()
    return [dict(r) for r in rows]
