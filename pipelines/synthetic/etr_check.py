"""How well NOT_ON_TRACK separates the generated practice's trajectories, and how early it warns.

On a database built from ``python -m pipelines sample`` output, the generator's
own labels are the truth: non-responders and deteriorators should be flagged
(sensitivity), improvers should not (specificity). Only clients active at the
as-of date count, since flags apply to active clients only.

:func:`early_warning` judges the flag as an early warning, as a supervisor saw it: the flags are
computed as they stood on every past week's as-of date, and for every course as it stands on the as-of
date (ended or still open: the generated deteriorators are still in care) it asks whether a flag came
*before* the outcome was plain: before a deterioration
became reliable, before the last session of a course without reliable improvement, and how often a
course that ended reliably improved had been flagged NOT_ON_TRACK on the way (a false alarm).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import duckdb
import pandas as pd

from pipelines.models.queries import active_flags, all_clinicians_scope, client_momentum
from pipelines.sql_files import sql
from pipelines.synthetic.sample_practice import PracticeSpec, generate_practice

POSITIVE = ("non_responder", "deteriorator")
NEGATIVE = ("improver",)


def evaluate(cur: duckdb.DuckDBPyConnection, seed: int, as_of: date, clinicians: int = 25, months: int = 12) -> dict:
    scope = all_clinicians_scope(cur)
    momentum = client_momentum(cur, scope, as_of)
    flags = active_flags(cur, scope, as_of)
    labels = generate_practice(PracticeSpec(seed=seed, clinicians=clinicians, months=months, as_of=as_of)).trajectories
    active = momentum[["client_id"]].merge(labels[["client_id", "trajectory"]], on="client_id")
    flagged = set(flags.loc[flags["flag"] == "NOT_ON_TRACK", "client_id"])
    active["flagged"] = active["client_id"].isin(flagged)
    by_label = active.groupby("trajectory")["flagged"].agg(["size", "sum"]).rename(columns={"size": "active", "sum": "flagged"})
    pos = active[active["trajectory"].isin(POSITIVE)]
    neg = active[active["trajectory"].isin(NEGATIVE)]
    return {
        "as_of": as_of.isoformat(),
        "sensitivity": round(float(pos["flagged"].mean()), 3) if len(pos) else None,
        "specificity": round(float(1 - neg["flagged"].mean()), 3) if len(neg) else None,
        "positives": int(len(pos)),
        "negatives": int(len(neg)),
        "by_trajectory": {k: {"active": int(v["active"]), "flagged": int(v["flagged"])} for k, v in by_label.iterrows()},
    }


PROGRESS_FLAGS = ("NOT_ON_TRACK", "DETERIORATION", "NO_RELIABLE_CHANGE", "PLATEAU")
# PHQ-9 severity bands (Kroenke, Spitzer & Williams 2001): where the baseline started
BANDS = ((0, 9, "mild or less (0-9)"), (10, 14, "moderate (10-14)"), (15, 19, "moderately severe (15-19)"),
         (20, 27, "severe (20-27)"))


def _band(score: float) -> str:
    return next(name for lo, hi, name in BANDS if lo <= score <= hi)


def flag_history(cur: duckdb.DuckDBPyConnection, as_of: date, weeks: int,
                 progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """(client_id, flag, as_of) for every progress flag as it stood on each of the past ``weeks`` weekly
    as-of dates up to ``as_of`` (the models computed live for each date, as a page would)."""
    scope = all_clinicians_scope(cur)
    frames = []
    for k in range(weeks, -1, -1):
        day = as_of - timedelta(days=7 * k)
        if progress:
            progress(f"flags as of {day.isoformat()}")
        flags = active_flags(cur, scope, day)
        flags = flags[flags["flag"].isin(PROGRESS_FLAGS)][["client_id", "flag"]]
        frames.append(flags.assign(as_of=pd.Timestamp(day)))
    return pd.concat(frames, ignore_index=True)


def early_warning(cur: duckdb.DuckDBPyConnection, as_of: date, weeks: int = 52,
                  progress: Callable[[str], None] | None = None) -> dict:
    """The early-warning figures of NOT_ON_TRACK on the practice, overall and per baseline band."""
    from schemas.instruments import INSTRUMENTS

    rc = float(INSTRUMENTS["PHQ-9"].rc_threshold)
    scores = cur.execute(sql("etr_check_scores"), {"as_of": as_of}).df()
    courses = cur.execute(sql("etr_check_courses"), {"as_of": as_of}).df().set_index("client_id")
    history = flag_history(cur, as_of, weeks, progress)
    first_flag = history.groupby(["client_id", "flag"])["as_of"].min().unstack()
    rows = []
    for client, part in scores.groupby("client_id"):
        if client not in courses.index or len(part) < 2:
            continue
        baseline, last = float(part["score"].iloc[0]), float(part["score"].iloc[-1])
        change = baseline - last  # PHQ-9: lower is better
        status = "improved" if change >= rc else "deteriorated" if change <= -rc else "unchanged"
        worse = part[part["score"] >= baseline + rc]
        flags = first_flag.loc[client] if client in first_flag.index else pd.Series(dtype="datetime64[ns]")
        warn = min((flags[f] for f in ("NOT_ON_TRACK", "DETERIORATION") if f in flags and pd.notna(flags[f])),
                   default=None)
        any_progress = min((flags[f] for f in PROGRESS_FLAGS if f in flags and pd.notna(flags[f])), default=None)
        row = {"client_id": client, "band": _band(baseline), "status": status,
               "attended": int(courses.loc[client, "attended"]),
               "not_on_track_ever": "NOT_ON_TRACK" in flags and pd.notna(flags.get("NOT_ON_TRACK"))}
        if status == "deteriorated" and len(worse):
            reliable_at = pd.Timestamp(worse["administered_at"].iloc[0]).normalize()
            row["warned_before"] = warn is not None and warn < reliable_at
            if row["warned_before"]:
                at_warning = part[pd.to_datetime(part["administered_at"]).dt.normalize() <= warn]["session_no"]
                row["lead_sessions"] = int(worse["session_no"].iloc[0]) - int(at_warning.max() if len(at_warning) else 0)
        if status == "unchanged":
            last_session = pd.Timestamp(courses.loc[client, "last_session"]).normalize()
            row["flagged_before_end"] = any_progress is not None and any_progress < last_session
        rows.append(row)
    table = pd.DataFrame(rows)
    return {"as_of": as_of.isoformat(), "weeks": weeks, **_figures(table),
            "by_band": {band: _figures(part) for band, part in table.groupby("band")}}


def _figures(table: pd.DataFrame) -> dict:
    det = table[table["status"] == "deteriorated"] if "status" in table else table
    warned = det["warned_before"].fillna(False).astype(bool) if "warned_before" in det else pd.Series(dtype=bool)
    leads = det.loc[warned, "lead_sessions"] if "lead_sessions" in det else pd.Series(dtype=float)
    stuck = table[(table["status"] == "unchanged") & (table["attended"] >= 8)]
    caught = stuck["flagged_before_end"].fillna(False).astype(bool) if "flagged_before_end" in stuck else stuck["attended"] < 0
    improved = table[table["status"] == "improved"]
    return {
        "deteriorated": int(len(det)),
        "deteriorated_warned_before": int(warned.sum()),
        "deteriorated_warned_share": round(float(warned.mean()), 3) if len(det) else None,
        "median_lead_sessions": float(leads.median()) if len(leads) else None,
        "no_improvement_8plus": int(len(stuck)),
        "no_improvement_flagged_share": round(float(caught.mean()), 3) if len(stuck) else None,
        "improved": int(len(improved)),
        "false_alarm_share": round(float(improved["not_on_track_ever"].mean()), 3) if len(improved) else None,
    }


def reference_figure(reference: pd.DataFrame, measure: str = "PHQ-9"):
    """Plotly figure of the expected curves with their 1.28-SD failure boundary."""
    import plotly.graph_objects as go

    from schemas.thresholds import THRESHOLDS

    z = float(THRESHOLDS["etr_z"].value)
    data = reference[(reference["measure"] == measure) & reference["usable"]]
    fig = go.Figure()
    palette = ["#1f77b4", "#ff7f0e", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"]
    for i, (band, rows) in enumerate(data.groupby("baseline_band_from")):
        colour = palette[i % len(palette)]
        pooled = ", pooled with neighbours" if rows["pooled"].iloc[0] else ""
        label = f"baseline {int(band)}-{int(band) + 4} ({int(rows['reference_clients'].iloc[0])} clients{pooled})"
        fig.add_scatter(x=rows["session_number"], y=rows["expected_score"], mode="lines+markers",
                        name=label, line={"color": colour})
        fig.add_scatter(x=rows["session_number"], y=rows["expected_score"] + z * rows["residual_sd"],
                        mode="lines", line={"color": colour, "dash": "dot"}, showlegend=False,
                        name=f"{label}: not-on-track boundary")
    fitted = f"<br>fitted on the scores before {pd.Timestamp(data['fitted_before'].iloc[0]):%Y-%m-%d}" if len(data) else ""
    fig.update_layout(
        title=f"{measure}: expected score by session (solid) and the not-on-track boundary, +{z} residual SD (dotted)"
              f"{fitted}",
        xaxis_title="attended sessions", yaxis_title=f"{measure} score (lower is better)",
        width=1100, height=650, template="plotly_white",
    )
    return fig


def write_png(fig, path, chromium: str = "/usr/bin/chromium") -> None:
    """Render a Plotly figure to PNG in headless Chromium (no kaleido needed)."""
    import tempfile
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    html = fig.to_html(include_plotlyjs=True, full_html=True)
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "figure.html"
        page_file.write_text(html, encoding="utf-8")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1150, "height": 700})
            page.goto(page_file.as_uri())
            page.wait_for_selector(".main-svg")
            page.locator(".plotly-graph-div").screenshot(path=str(path))
            browser.close()
