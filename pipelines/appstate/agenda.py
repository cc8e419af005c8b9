"""The supervision agenda for one supervisee: open flags, momentum changes, wins.

Built from frames the caller has already scoped (the supervisor's scope,
narrowed to one clinician), as CSV (formula injection neutralised, see
pipelines/models/reports.py) or as a printable HTML page in which every value is
escaped.
"""

from __future__ import annotations

import html
from datetime import date

import pandas as pd

from pipelines.models.reports import to_csv
from schemas.vocabulary import label

AGENDA_COLUMNS = ["section", "client_id", "item", "detail", "since"]
SECTIONS = {
    "flag": "Open flags",
    "momentum": "Momentum changes",
    "win": "Wins to celebrate",
}
SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}
MOVE_RANK = {"slipping": 0, "stalled": 1, "new": 2, "unknown": 3, "steady": 4, "building": 5}  # by where it went


def build(
    clinician_id: str,
    flags: pd.DataFrame,
    momentum_now: pd.DataFrame,
    momentum_before: pd.DataFrame,
    wins: pd.DataFrame,
    suggested: pd.DataFrame,
) -> pd.DataFrame:
    """One row per agenda item.

    ``flags``: flags with review state (pipelines.appstate.flag_reviews.review_state),
    ``momentum_now`` / ``momentum_before``: client_momentum at the as-of date
    and some weeks earlier, ``wins``: wins_board, ``suggested``: suggested_wins.
    """
    rows: list[dict] = []
    mine = flags[(flags["clinician_id"] == clinician_id) & ~flags["status"].isin(["snoozed", "resolved"])]
    # what a supervision has time for first: risk items, then flags not yet reviewed, by severity, each newest
    # first (the flag queue, which is worked through rather than skimmed, is newest first after risk items)
    mine = mine.assign(risk=(mine["flag"] != "RISK_ITEM").astype(int),
                       reviewed=(~mine["status"].isin(["open", "reopened"])).astype(int),
                       since_ts=pd.to_datetime(mine["since"]), rank=mine["severity"].map(SEVERITY_RANK))
    mine = mine.sort_values(["risk", "reviewed", "rank", "since_ts", "client_id"],
                            ascending=[True, True, True, False, True])
    for f in mine.itertuples(index=False):
        state = "" if f.status == "open" else f" [{f.status}]"
        rows.append({"section": "flag", "client_id": f.client_id,
                     "item": f"{label('flags', f.flag)} ({label('severity', f.severity).lower()}){state}",
                     "detail": f.reason, "since": pd.Timestamp(f.since).date().isoformat()})
    now = momentum_now[momentum_now["clinician_id"] == clinician_id].set_index("client_id")
    before = momentum_before[momentum_before["clinician_id"] == clinician_id].set_index("client_id")["momentum"]
    moves = []
    for client_id, row in now.iterrows():
        was = before.get(client_id)
        if was is not None and was != row["momentum"]:
            moves.append((MOVE_RANK.get(row["momentum"], len(MOVE_RANK)), str(client_id), {
                "section": "momentum", "client_id": client_id,
                "item": f"{label('momentum', was)} → {label('momentum', row['momentum'])}",
                "detail": row["momentum_reason"], "since": ""}))
    rows += [row for _rank, _client, row in sorted(moves, key=lambda m: m[:2])]  # by where it went: slipping first
    posted = wins[wins["posted_by"] == clinician_id].sort_values("posted_at", ascending=False)
    for w in posted.itertuples(index=False):
        rows.append({"section": "win", "client_id": w.client_id if isinstance(w.client_id, str) else "",
                     "item": str(w.category).replace("_", " "), "detail": w.text,
                     "since": pd.Timestamp(w.posted_at).date().isoformat()})
    ideas = suggested[suggested["clinician_id"] == clinician_id].sort_values("occurred_on", ascending=False)
    for s in ideas.itertuples(index=False):
        rows.append({"section": "win", "client_id": s.client_id if isinstance(s.client_id, str) else "",
                     "item": f"suggested: {str(s.category).replace('_', ' ')}", "detail": s.text,
                     "since": pd.Timestamp(s.occurred_on).date().isoformat()})
    return pd.DataFrame(rows, columns=AGENDA_COLUMNS)


def as_csv(agenda: pd.DataFrame) -> str:
    return to_csv(agenda)


def as_html(agenda: pd.DataFrame, clinician: str, as_of: date, prepared_by: str) -> str:
    """A self-contained printable page; every value is HTML-escaped."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Supervision agenda: {e(clinician)}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse;width:100%;margin-bottom:1.5em}"
        "th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
        "th{background:#f2f2f2}@media print{body{margin:0}}</style></head><body>",
        f"<h1>Supervision agenda: {e(clinician)}</h1>",
        f"<p>As of {e(as_of.isoformat())}. Prepared by {e(prepared_by)}. Client identifiers only.</p>",
    ]
    for code, title in SECTIONS.items():
        part = agenda[agenda["section"] == code]
        parts.append(f"<h2>{e(title)} ({len(part)})</h2>")
        if part.empty:
            parts.append("<p>Nothing this time.</p>")
            continue
        parts.append("<table><tr><th>Client</th><th>Item</th><th>Detail</th><th>Date</th></tr>")
        for r in part.itertuples(index=False):
            parts.append(f"<tr><td>{e(str(r.client_id))}</td><td>{e(str(r.item))}</td>"
                         f"<td>{e(str(r.detail))}</td><td>{e(str(r.since))}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
