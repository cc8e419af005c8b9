"""The supervision agenda for one supervisee: their outcome figures, open flags, momentum changes, wins.

Built from frames the caller has already scoped (the supervisor's scope,
narrowed to one clinician), as CSV (formula injection neutralised, see
pipelines/models/reports.py) or as a printable HTML page in which every value is
escaped.
"""

from __future__ import annotations

import html
import math
from datetime import date

import pandas as pd

from pipelines.models.casemix import MIN_CLINICIAN_CASES, MIN_PRACTICE_CASES, Outcomes
from pipelines.models.reports import to_csv
from schemas.thresholds import THRESHOLDS
from schemas.vocabulary import label

AGENDA_COLUMNS = ["section", "client_id", "item", "detail", "since"]
SECTIONS = {
    "outcome": "Outcome figures",
    "flag": "Open flags",
    "momentum": "Momentum changes",
    "win": "Wins to celebrate",
}
SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}
MOVE_RANK = {"slipping": 0, "stalled": 1, "new": 2, "unknown": 3, "steady": 4, "building": 5}  # by where it went


def _share(value: object) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{float(value):.0%}"


def outcome_items(clinician_id: str, adjusted: Outcomes, rates: pd.DataFrame, completeness: pd.DataFrame
                  ) -> list[dict]:
    """The supervisee's outcome figures as agenda rows (section "outcome"), as on the Clinician outcomes
    page: the adjusted effect size, the outcomes of finished courses and the completeness of the data.

    ``adjusted``: casemix.outcomes for the supervisee; ``rates``: outcome_rates; ``completeness``:
    completeness_by_clinician (each within the supervisee's scope)."""
    rows: list[dict] = []

    def add(item: str, detail: str) -> None:
        rows.append({"section": "outcome", "client_id": "", "item": item, "detail": detail, "since": ""})

    mine = adjusted.clinicians[adjusted.clinicians["clinician_id"] == clinician_id]
    if mine.empty:
        add("Adjusted effect size", "no case yet: a client with an intake score in the clinical range and a later score")
    else:
        a = mine.iloc[0]
        if a["cases"] >= MIN_CLINICIAN_CASES and adjusted.practice_cases >= MIN_PRACTICE_CASES:
            add("Adjusted effect size", f"mean {a['adjusted_effect']:.2f} (90% interval {a['ci_low']:.2f} to "
                                        f"{a['ci_high']:.2f}; {int(a['cases'])} cases): {a['verdict']}")
        else:
            add("Adjusted effect size", f"{int(a['cases'])} cases: {a['verdict']}")
    own = rates[rates["clinician_id"] == clinician_id]
    if own.empty or not int(own.iloc[0]["finished_courses"]):
        add("Finished courses", "none yet")
    else:
        r = own.iloc[0]
        improved = float(THRESHOLDS["benchmark_reliable_or_clinical_change"].value)
        deteriorated = float(THRESHOLDS["benchmark_deterioration_max"].value)
        add("Finished courses", f"{int(r['finished_courses'])} finished, {int(r['measured_courses'])} with two or "
                                f"more scores: reliable improvement {_share(r['pct_reliable_improvement'])} "
                                f"(PCOMS {improved:.1%}), reliable deterioration "
                                f"{_share(r['pct_reliable_deterioration'])} (PCOMS at most {deteriorated:.1%}), "
                                f"recovery {_share(r['pct_recovery'])}")
        add("Dropout and length", f"dropout {_share(r['pct_dropout'])} ({int(r['dropouts'])} of "
                                  f"{int(r['finished_courses'])}); median {float(r['median_sessions']):g} "
                                  "attended sessions")
    done = completeness[completeness["clinician_id"] == clinician_id]
    if not done.empty:
        c = done.iloc[0]
        target = 1 - float(THRESHOLDS["sessions_without_score_max"].value)
        add("Sessions with an outcome score", f"{_share(c['pct_sessions_with_score'])} of "
                                              f"{int(c['attended_sessions'])} attended sessions (target at least "
                                              f"{target:.0%})")
        add("Did not attend", f"{_share(c['dna_rate'])} (target under "
                              f"{float(THRESHOLDS['dna_rate_max'].value):.0%})")
    return rows


def build(
    clinician_id: str,
    flags: pd.DataFrame,
    momentum_now: pd.DataFrame,
    momentum_before: pd.DataFrame,
    wins: pd.DataFrame,
    suggested: pd.DataFrame,
    figures: list[dict] | None = None,
) -> pd.DataFrame:
    """One row per agenda item.

    ``flags``: flags with review state (pipelines.appstate.flag_reviews.review_state),
    ``momentum_now`` / ``momentum_before``: client_momentum at the as-of date
    and some weeks earlier, ``wins``: wins_board, ``suggested``: suggested_wins,
    ``figures``: :func:`outcome_items`, first.
    """
    rows: list[dict] = list(figures or [])
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
        if code == "outcome":
            if not part.empty:
                parts.append(f"<h2>{e(title)}</h2><table><tr><th>Figure</th><th>Value</th></tr>")
                parts += [f"<tr><td>{e(str(r.item))}</td><td>{e(str(r.detail))}</td></tr>"
                          for r in part.itertuples(index=False)]
                parts.append("</table>")
            continue
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
