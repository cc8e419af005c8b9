"""A client's score trajectories, one tab per measure, with severity bands, the reliable-change
band and the practice's expected curve (the client page and a consultation item show them).
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from pipelines.models import queries
from schemas.instruments import INSTRUMENTS
from schemas.thresholds import THRESHOLDS
from ui import data
from ui.charts import trajectory
from ui.filters import PageContext


def trajectories(ctx: PageContext, client_id: str) -> None:
    scores = data.client_detail(ctx.version, queries.client_scores, ctx.scope, ctx.as_of, client_id)
    sessions = data.client_detail(ctx.version, queries.client_sessions, ctx.scope, ctx.as_of, client_id)
    reference = data.model(ctx.version, queries.etr_reference, ctx.scope, ctx.as_of)
    outcome = scores[(scores["goal_id"] == "") & (scores["measure"] != "GOAL")]
    if outcome.empty:
        st.info("No outcome scores yet for this client.")
        return
    attended = sessions.loc[sessions["status"] == "attended", "start"].sort_values().to_numpy()
    z = float(THRESHOLDS["etr_z"].value)
    shown = ("PHQ-9", "GAD-7", "ORS", "SRS")  # the shipped measures first, then a practice's own (MOMENTUM_INSTRUMENTS)
    present = set(outcome["measure"])
    measures = [m for m in shown if m in present] + sorted(present - set(shown))
    by_session = st.segmented_control("Draw against", ["Date", "Session number"], default="Date",
                                      key=f"trajectory_x_{client_id}",
                                      help="Session number: the attended sessions up to each score, the scale the "
                                           "expected curve is fitted on") == "Session number"
    tabs = st.tabs(measures)
    for tab, measure in zip(tabs, measures, strict=True):
        with tab:
            part = outcome[outcome["measure"] == measure].sort_values("administered_at").copy()
            part["session_no"] = attended.searchsorted(part["administered_at"].to_numpy(), side="right")
            inst = INSTRUMENTS[measure]
            curve = _reference_curve(reference, measure, float(part["score"].iloc[0]), inst.range_max)
            st.plotly_chart(trajectory(part, measure, inst, curve, z, by_session), config={"displayModeBar": False},
                            key=f"trajectory_{measure}")
            st.caption(_trajectory_caption(inst, part["rc_threshold"].dropna(), curve, z))


def _reference_curve(reference: pd.DataFrame, measure: str, baseline: float, range_max: float) -> pd.DataFrame | None:
    band = min(math.floor(baseline / 5) * 5, range_max - (range_max % 5) - 5)
    curve = reference[(reference["measure"] == measure) & (reference["baseline_band_from"] == band)
                      & reference["usable"].astype(bool)]
    return curve if len(curve) else None


def _trajectory_caption(inst, rc_values: pd.Series, curve, z: float) -> str:
    parts = [f"Severity bands: {inst.bands_source}." if inst.bands else ""]
    if len(rc_values):  # the client_scores model's rc_threshold, as the grey band draws it
        parts.append(f"Grey band: within {float(rc_values.iloc[0]):g} points of the baseline (no reliable change).")
    if curve is not None:
        fitted = pd.Timestamp(curve["fitted_before"].iloc[0])
        parts.append(f"Purple: the practice's expected score for a similar start, ±{z:g} residual SD "
                     f"({int(curve['reference_clients'].iloc[0]):,} reference clients; fitted on the scores "
                     f"before {fitted.day} {fitted:%b %Y}; refitted monthly, and when earlier data is corrected).")
    return " ".join(p for p in parts if p)
