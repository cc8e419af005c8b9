"""How well NOT_ON_TRACK separates the generated practice's trajectories.

On a database built from ``python -m pipelines sample`` output, the generator's
own labels are the truth: non-responders and deteriorators should be flagged
(sensitivity), improvers should not (specificity). Only clients active at the
as-of date count, since flags apply to active clients only.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from pipelines.models.queries import active_flags, all_clinicians_scope, client_momentum
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
    fig.update_layout(
        title=f"{measure}: expected score by session (solid) and the not-on-track boundary, +{z} residual SD (dotted)",
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
