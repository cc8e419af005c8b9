"""The peer-wins board: posting, celebrate reactions, meeting marks, the merged board and its exports.

Two sources make the board:

- **imported wins** - the practice's wins export, loaded by ``ingest`` into the
  data database (``wins`` table);
- **app-posted wins** - posted on the board, kept in app state (``app_wins``),
  with ids ``app-`` + 12 hex digits so they never clash with an export's ids.

:func:`board` merges them by win_id. An ingest never touches app state, so
loading a wins export (again, or a newer one) adds or updates imported wins and
leaves every app-posted win, reaction and meeting mark as it was. Reactions and
meeting marks are keyed by win_id, so they work on wins of either source.

Every post goes through the PHI guard (:mod:`pipelines.appstate.phi_guard`).
"""

from __future__ import annotations

import html
import json
import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import pandas as pd

from pipelines import clock
from pipelines.appstate import audit, phi_guard
from pipelines.appstate.db import AppState
from pipelines.models.reports import to_csv

CATEGORIES = ("client_progress", "professional", "self_care", "team")
CATEGORY_LABELS = {"client_progress": "Client progress", "professional": "Professional",
                   "self_care": "Self-care", "team": "Team"}
MAX_TEXT = 500
BOARD_COLUMNS = ["win_id", "posted_at", "category", "text", "posted_by", "client_id", "source",
                 "celebrations", "celebrated_by_me", "celebrated_on"]
EXPORT_COLUMNS = ["win_id", "posted_at", "category", "text", "posted_by", "client_id", "celebrations",
                  "celebrated_on"]


class WinError(ValueError):
    """A win (or reaction, or mark) that cannot be stored; the message says why."""


def _q(con, name: str) -> str:
    """Query ``name`` of wins_app.sql in the connection's dialect."""
    return con.q("wins_app", name)


def _stamp(at: datetime | None = None) -> str:
    """A local practice time, like the exports' (the practice's now unless ``at`` is given)."""
    return (at or clock.now()).strftime("%Y-%m-%d %H:%M:%S")


def validate_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise WinError("Write what happened: the win's text is empty.")
    if len(text) > MAX_TEXT:
        raise WinError(f"A win is at most {MAX_TEXT} characters; this one has {len(text)}.")
    return text


def post(
    state: AppState,
    *,
    username: str,
    clinician_id: str | None,
    category: str,
    text: str,
    client_id: str | None = None,
    own_clients: Iterable[str] = (),
    foreign_client_ids: Iterable[str] = (),
    confirmed: Iterable[str] = (),
    suggestion_id: str | None = None,
    now: datetime | None = None,
) -> str:
    """Store a win and audit it; returns its win_id.

    ``now``: the posting time (default the practice's now, :func:`pipelines.clock.now`;
    the app passes the demo's fixed day on demo data, so a new win lands in its week).

    ``own_clients``: the poster's own caseload (the only clients a win may name);
    ``foreign_client_ids``: client_ids in the text outside the poster's scope;
    ``confirmed``: guard patterns the poster confirmed. Raises :class:`WinError`
    or :class:`pipelines.appstate.phi_guard.PhiGuardError`.
    """
    if not clinician_id:
        raise WinError("Your account is not linked to a clinician, so it cannot post wins.")
    if category not in CATEGORIES:
        raise WinError(f"Choose a category: {', '.join(CATEGORIES)}.")
    text = validate_text(text)
    client_id = (client_id or "").strip() or None
    if client_id is not None and client_id not in set(own_clients):
        raise WinError("A win can only name a client from your own caseload.")
    confirmed = sorted(set(confirmed))
    stopped = phi_guard.unconfirmed(phi_guard.check(text, foreign_client_ids), confirmed)
    if stopped:
        raise phi_guard.PhiGuardError(stopped)
    win_id = f"app-{uuid.uuid4().hex[:12]}"
    with state.transaction() as con:
        con.execute(_q(con, "insert_win"), (win_id, clinician_id, username, _stamp(now), category, text, client_id,
                                       suggestion_id, json.dumps(confirmed)))
        audit.append(con, username, "win_posted", win_id=win_id, category=category, client_id=client_id,
                     suggestion_id=suggestion_id, phi_confirmed=confirmed)
    return win_id


def toggle_celebrate(state: AppState, win_id: str, username: str) -> bool:
    """Add the user's celebrate reaction, or take it back. Returns True when it is now on."""
    with state.transaction() as con:
        removed = con.execute(_q(con, "reaction_delete"), (win_id, username)).rowcount
        if not removed:
            con.execute(_q(con, "reaction_insert"), (win_id, username, _stamp()))
        audit.append(con, username, "win_reaction", win_id=win_id, celebrate=not removed)
    return not removed


def mark_celebrated(state: AppState, win_id: str, meeting_date: date, username: str) -> None:
    """Mark a win as celebrated in the meeting of ``meeting_date`` (idempotent)."""
    if meeting_date > clock.today():
        raise WinError("A meeting date cannot be in the future.")
    with state.transaction() as con:
        con.execute(_q(con, "celebrate"), (win_id, meeting_date.isoformat(), username, _stamp()))
        audit.append(con, username, "win_celebrated", win_id=win_id, meeting_date=meeting_date.isoformat())


def posted_suggestions(state: AppState, suggestion_ids: Iterable[str]) -> set[str]:
    ids = sorted(set(suggestion_ids))
    if not ids:
        return set()
    with state.reading() as con:
        return {r[0] for r in con.execute(_q(con, "posted_suggestions"), (state.list_param(ids),)).fetchall()}


def app_wins(state: AppState, audience: Iterable[str], viewer_scope: Iterable[str], since: datetime,
             until: datetime) -> pd.DataFrame:
    """App-posted wins of the audience in [since, until). A client_id shows only to viewers whose
    scope holds the poster (the client is always the poster's own)."""
    fmt = "%Y-%m-%d %H:%M:%S"
    with state.reading() as con:
        rows = con.execute(_q(con, "wins_between"), (state.list_param(sorted(set(audience))), since.strftime(fmt),
                                                until.strftime(fmt))).fetchall()
    frame = pd.DataFrame([dict(r) for r in rows],
                         columns=["win_id", "posted_at", "category", "text", "posted_by", "client_id", "suggestion_id"])
    scope = set(viewer_scope)
    frame["client_id"] = [c if p in scope else None for c, p in zip(frame["client_id"], frame["posted_by"],
                                                                      strict=True)]
    frame["posted_at"] = pd.to_datetime(frame["posted_at"])
    return frame.drop(columns="suggestion_id")


def _merge(posted: pd.DataFrame, imported: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """App-posted and imported wins (``columns`` of each, plus ``source``) merged by win_id - an
    app-posted win is never replaced by an import - newest first."""
    parts = [frame.reindex(columns=columns).assign(source=source)
             for frame, source in ((posted, "app"), (imported, "import")) if len(frame)]
    merged = (pd.concat(parts, ignore_index=True).drop_duplicates("win_id", keep="first") if parts
              else pd.DataFrame(columns=[*columns, "source"]))
    merged["posted_at"] = pd.to_datetime(merged["posted_at"])
    return merged.sort_values(["posted_at", "win_id"], ascending=[False, True]).reset_index(drop=True)


def board(imported: pd.DataFrame, posted: pd.DataFrame, state: AppState, username: str,
          newest: int | None = None) -> pd.DataFrame:
    """Imported and app-posted wins merged by win_id (an app-posted win is never replaced by an
    import), newest first, with celebrate counts, the user's own reaction and the latest meeting mark.
    ``newest``: only that many, the newest (a page that lists a few asks reactions for those only)."""
    merged = _merge(posted, imported, BOARD_COLUMNS[:6])
    if newest is not None:
        merged = merged.head(newest)
    ids = state.list_param(sorted(merged["win_id"].astype(str)))
    with state.reading() as con:
        reactions = {r["win_id"]: (r["celebrations"], bool(r["celebrated_by_me"]))
                     for r in con.execute(_q(con, "reactions_for"), (username, ids)).fetchall()}
        marks = {r["win_id"]: r["celebrated_on"] for r in con.execute(_q(con, "celebrations_for"), (ids,)).fetchall()}
    merged["celebrations"] = [reactions.get(w, (0, False))[0] for w in merged["win_id"]]
    merged["celebrated_by_me"] = [reactions.get(w, (0, False))[1] for w in merged["win_id"]]
    merged["celebrated_on"] = [marks.get(w) for w in merged["win_id"]]
    return merged.astype({"celebrations": "int64", "celebrated_by_me": bool})[BOARD_COLUMNS]


def with_app_posts(report: pd.DataFrame, state: AppState, scope: Iterable[str], as_of: date) -> pd.DataFrame:
    """``report wins`` (imported wins) plus app-posted wins by clinicians in ``scope`` on or before
    ``as_of``, merged by win_id, newest first; column ``source`` says which is which."""
    until = datetime.combine(as_of + timedelta(days=1), time())
    return _merge(app_wins(state, scope, scope, datetime(1900, 1, 1), until), report, list(report.columns))


# -- exports: the week's board -------------------------------------------------


def _export_frame(wins: pd.DataFrame) -> pd.DataFrame:
    out = wins[EXPORT_COLUMNS].copy()
    out["posted_at"] = out["posted_at"].dt.strftime("%Y-%m-%d %H:%M")
    return out


def as_csv(wins: pd.DataFrame) -> str:
    """CSV with formula injection neutralised (a leading = + - @ tab or CR made inert)."""
    return to_csv(_export_frame(wins))


_MD_SPECIAL = "\\`*_{}[]()#+-.!|~"


def _md(text: object) -> str:
    """Text inside Markdown: HTML characters as entities, Markdown characters backslash-escaped, one line."""
    out = html.escape(" ".join(str(text).split()), quote=False)
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in out)


def _sections(wins: pd.DataFrame):
    """(category label, that category's wins) for each category that has any, in board order."""
    for category in CATEGORIES:
        part = wins[wins["category"] == category]
        if len(part):
            yield CATEGORY_LABELS[category], part


def as_markdown(wins: pd.DataFrame, title: str, names: dict[str, str]) -> str:
    lines = [f"# {_md(title)}", ""]
    if wins.empty:
        lines.append("No wins in this period.")
    for label, part in _sections(wins):
        lines += [f"## {label} ({len(part)})", ""]
        for w in part.itertuples(index=False):
            extra = f" · {int(w.celebrations)} celebrating" if w.celebrations else ""
            lines.append(f"- {_md(w.text)} ({_md(names.get(w.posted_by, w.posted_by))}, {w.posted_at:%a %d %b}{extra})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def as_html(wins: pd.DataFrame, title: str, names: dict[str, str]) -> str:
    """A self-contained printable page; every value is HTML-escaped."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:60em}"
        "li{margin:.4em 0;font-size:1.1em}.meta{color:#666;font-size:.85em}@media print{body{margin:0}}</style>",
        "</head><body>",
        f"<h1>{e(title)}</h1>",
    ]
    if wins.empty:
        parts.append("<p>No wins in this period.</p>")
    for label, part in _sections(wins):
        parts.append(f"<h2>{e(label)} ({len(part)})</h2><ul>")
        for w in part.itertuples(index=False):
            parts.append(f"<li>{e(str(w.text))} <span class='meta'>{e(str(names.get(w.posted_by, w.posted_by)))}, "
                         f"{e(f'{w.posted_at:%a %d %b}')}</span></li>")
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)
