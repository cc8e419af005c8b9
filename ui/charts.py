"""Plotly charts shared by the pages. Text from data is passed as data, never as HTML."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from schemas import vocabulary


def row_counts_bar(counts: pd.DataFrame) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=counts["row_count"],
            y=counts["table_name"],
            orientation="h",
            text=[f"{n:,}" for n in counts["row_count"]],
            textposition="auto",
            marker_color="#3b7a57",
            hovertemplate="%{y}: %{x:,} rows<extra></extra>",
        )
    )
    fig.update_layout(
        height=300,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"autorange": "reversed", "title": None},
        xaxis={"title": "rows"},
    )
    return fig


# Momentum categories in display order (best first), with the Okabe-Ito colour-blind-safe palette
# (Okabe & Ito 2008), ordered from bluish green to vermillion; greys for the groups that are not a judgement
MOMENTUM_ORDER = ["building", "steady", "new", "stalled", "slipping", "lost_contact", "unknown"]
MOMENTUM_COLOURS = {
    "building": "#009E73", "steady": "#56B4E9", "new": "#BBBBBB",
    "stalled": "#E69F00", "slipping": "#D55E00", "lost_contact": "#555555", "unknown": "#DDDDDD",
}  # fmt: skip
# Lines by person or team: the Okabe-Ito palette without its vermillion, so no line reads as a warning (red
# is kept for risk and deterioration); set on each figure, as Streamlit's chart theme brings its own otherwise
COLORWAY = ["#0072B2", "#E69F00", "#009E73", "#56B4E9", "#CC79A7", "#000000", "#999999", "#8C6D31"]
SESSION_MARKERS = {
    "attended": ("circle", "#1b9e77"),
    "no_show": ("x", "#d95f02"),
    "late_cancel": ("triangle-down", "#e6ab02"),
    "cancelled": ("triangle-down-open", "#7570b3"),
}


def _safe(text: object) -> str:
    """Plotly renders a subset of HTML (a, b, i, br, span, sub, sup…) in labels, names, annotations,
    customdata and hovers: escape every text that came from a CSV or a user."""
    return html.escape(str(text), quote=True)


def momentum_mix_by_clinician(mix: pd.DataFrame) -> go.Figure:
    """Stacked bars: one per clinician, segments = clients per momentum category, best first, each labelled
    with its count; the legend lists the segments in the same order.

    ``mix``: clinician (label), momentum, clients.
    """
    fig = go.Figure()
    order = [m for m in MOMENTUM_ORDER if m in set(mix["momentum"])]
    totals = mix.groupby("clinician")["clients"].sum().sort_values()
    for category in order:
        counts = mix[mix["momentum"] == category].set_index("clinician")["clients"].reindex(totals.index).fillna(0)
        name = vocabulary.label("momentum", category)
        fig.add_bar(
            y=[_safe(c) for c in totals.index],
            x=counts,
            name=name,
            orientation="h",
            marker_color=MOMENTUM_COLOURS.get(category, "#999999"),
            text=[f"{int(n)}" if n else "" for n in counts],
            textposition="inside",
            insidetextanchor="middle",
            hovertemplate="%{y}: %{x} " + name.lower() + "<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        height=max(220, 30 * len(totals) + 110),
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "traceorder": "normal", "yanchor": "bottom", "y": 1.02, "x": 0},
        uniformtext={"minsize": 10, "mode": "hide"},
        xaxis={"title": "active clients"},
        yaxis={"title": None},
    )
    return fig


def trajectory(scores: pd.DataFrame, measure: str, instrument, reference: pd.DataFrame | None,
               z: float, by_session: bool = False) -> go.Figure:
    """One measure over time: severity bands, the caseness line, the reliable-change
    distance from baseline, and the expected-trajectory band (when the practice has one).

    ``scores``: administered_at, score, session_no (attended sessions up to it), rc_threshold (the
    reliable-change threshold as the client_scores model states it; empty when the measure has none);
    ``reference``: the expected curve for this client's baseline band (session_number,
    expected_score, residual_sd) or None. ``by_session``: drawn against the attended-session number (how the
    expected curve is fitted) instead of the date.
    """
    fig = go.Figure()
    x = scores["session_no"] if by_session else scores["administered_at"]
    x0, x1 = x.min(), x.max()
    pad = 0.5 if by_session else pd.Timedelta(days=3)
    if x0 == x1:
        x1 = x0 + (1 if by_session else pd.Timedelta(days=7))
    for band in instrument.bands:
        fig.add_hrect(y0=band.low, y1=band.high + (1 if instrument.range_max > 10 else 0), line_width=0,
                      fillcolor=band.colour, opacity=0.12, layer="below",
                      annotation_text=_safe(band.label), annotation_position="top left",
                      annotation_font_size=10)
    if instrument.caseness is not None:
        fig.add_hline(y=float(instrument.caseness), line_dash="dash", line_color="#555555",
                      annotation_text=f"clinical cut-off {instrument.caseness:g}", annotation_position="bottom right")
    baseline = float(scores["score"].iloc[0])
    rc_values = scores["rc_threshold"].dropna()
    if len(rc_values):
        rc = float(rc_values.iloc[0])
        better = -rc if instrument.better == "lower" else rc
        fig.add_hrect(y0=baseline - rc, y1=baseline + rc, line_width=0, fillcolor="#888888", opacity=0.10,
                      layer="below")
        fig.add_hline(y=baseline + better, line_dash="dot", line_color="#1b9e77",
                      annotation_text=f"reliable improvement ({rc:g} from baseline {baseline:g})",
                      annotation_position="top right")
    if reference is not None and not reference.empty:
        ref = reference.set_index("session_number")
        k = scores["session_no"].clip(lower=1, upper=int(ref.index.max()))
        expected = ref.loc[k, "expected_score"].to_numpy()
        spread = z * ref.loc[k, "residual_sd"].to_numpy()
        upper, lower = (expected + spread, expected - spread)
        fig.add_scatter(x=x, y=upper, mode="lines", line={"width": 0},
                        showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=x, y=lower, mode="lines", line={"width": 0},
                        fill="tonexty", fillcolor="rgba(117,112,179,0.18)", name="expected range",
                        hoverinfo="skip")
        fig.add_scatter(x=x, y=expected, mode="lines",
                        line={"color": "#7570b3", "dash": "dash"}, name="expected for a similar start",
                        hovertemplate="expected %{y:.1f}<extra></extra>")
    fig.add_scatter(
        x=x, y=scores["score"], mode="lines+markers", name=_safe(measure),
        line={"color": "#222222", "width": 2}, marker={"size": 7},
        customdata=scores[["session_no", "administered_at"]].assign(
            administered_at=scores["administered_at"].dt.strftime("%Y-%m-%d")).to_numpy(),
        hovertemplate="%{customdata[1]}: %{y:g} (session %{customdata[0]})<extra></extra>",
    )
    fig.update_layout(
        height=360, margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"title": f"{_safe(measure)} ({'lower' if instrument.better == 'lower' else 'higher'} is better)",
               "range": [instrument.range_min, instrument.range_max + (1 if instrument.range_max > 10 else 0.5)]},
        xaxis={"title": "attended session" if by_session else None, "range": [x0 - pad, x1 + pad]}
        | ({"dtick": 1} if by_session and x1 - x0 <= 24 else {}),
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def session_timeline(sessions: pd.DataFrame) -> go.Figure:
    """Every session as a marker on a time line: attended, no-show, late cancel, cancelled."""
    fig = go.Figure()
    for status, (symbol, colour) in SESSION_MARKERS.items():
        part = sessions[sessions["status"] == status]
        if part.empty:
            continue
        fig.add_scatter(
            x=part["start"], y=[status.replace("_", " ")] * len(part), mode="markers", name=status.replace("_", " "),
            marker={"symbol": symbol, "size": 11, "color": colour, "line": {"width": 1, "color": colour}},
            hovertemplate="%{x|%Y-%m-%d %H:%M}<extra>" + status.replace("_", " ") + "</extra>",
        )
    fig.update_layout(height=200, margin={"l": 10, "r": 10, "t": 10, "b": 10}, showlegend=False,
                      yaxis={"title": None, "categoryorder": "array",
                             "categoryarray": [s.replace("_", " ") for s in reversed(SESSION_MARKERS)]})
    return fig


def weekly_completion(weeks: pd.DataFrame) -> go.Figure:
    """Completion rate by week, with mean quality as a share of its 0-4 scale, on one percentage axis; each
    week's number of reviewed assignments is in the hover (and marker size), not on a second axis.

    ``weeks``: week_start, completion_rate, reviewed, mean_quality.
    """
    fig = go.Figure()
    reviewed = weeks["reviewed"].astype(float)
    size = 5 + 9 * (reviewed / reviewed.max()) ** 0.5 if len(weeks) and reviewed.max() > 0 else 7
    fig.add_scatter(x=weeks["week_start"], y=weeks["completion_rate"], name="completion rate",
                    mode="lines+markers", line={"color": "#009E73", "width": 2}, marker={"size": size},
                    customdata=weeks["reviewed"],
                    hovertemplate="week of %{x|%Y-%m-%d}: %{y:.0%} of %{customdata} reviewed<extra></extra>")
    fig.add_scatter(x=weeks["week_start"], y=weeks["mean_quality"] / 4, name="quality (mean of 0-4, as % of 4)",
                    mode="lines", line={"color": "#0072B2", "dash": "dot"},
                    customdata=weeks["mean_quality"], hovertemplate="quality %{customdata:.2f} of 4<extra></extra>")
    fig.update_layout(
        height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10}, legend={"orientation": "h", "y": -0.2},
        yaxis={"title": "share", "tickformat": ".0%", "range": [0, 1.05]},
    )
    return fig


def completion_bars(frame: pd.DataFrame, label: str) -> go.Figure:
    """Horizontal bars of completion rate per ``label`` (category or clinician), with n."""
    frame = frame.sort_values("completion_rate")
    fig = go.Figure(go.Bar(
        x=frame["completion_rate"], y=[_safe(v) for v in frame[label]], orientation="h",
        marker_color="#1b9e77", text=[f"{r:.0%} of {int(n)}" for r, n in zip(frame["completion_rate"], frame["reviewed"],
                                                                            strict=True)],
        textposition="auto", hovertemplate="%{y}: %{x:.0%}<extra></extra>",
    ))
    fig.update_layout(height=max(200, 30 * len(frame) + 60), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      xaxis={"tickformat": ".0%", "range": [0, 1], "title": "completion rate"}, yaxis={"title": None})
    return fig


# above this many clients the completion-and-outcome chart shows how many fall in each cell, not a dot each: tens
# of thousands of dots hide one another and take seconds to send and draw
MAX_DOTS = 2000
# the density view's cells: 5 % of completion by a quarter of a reliable-change unit; changes beyond this many
# units either way are counted in the outermost cells
DENSITY_X_STEP, DENSITY_Y_STEP, DENSITY_Y_LIMIT = 0.05, 0.25, 5.0


def completion_vs_change(points: pd.DataFrame, r: float | None, published_r: float) -> go.Figure:
    """Each client's homework completion against outcome change in reliable-change units: a dot per client, or
    above MAX_DOTS clients the number in each cell (the same axes and reference lines)."""
    if len(points) <= MAX_DOTS:
        trace = go.Scatter(
            x=points["completion_rate"], y=points["change_rc"], mode="markers",
            marker={"size": 7, "color": "#7570b3", "opacity": 0.6},
            customdata=[[_safe(c), _safe(m)] for c, m in zip(points["client_id"], points["primary_measure"], strict=True)],
            hovertemplate="%{customdata[0]} (%{customdata[1]}): completion %{x:.0%}, change %{y:.2f} x RC<extra></extra>",
        )
    else:
        trace = _density(points["completion_rate"], points["change_rc"])
    fig = go.Figure(trace)
    fig.add_hline(y=1, line_dash="dot", line_color="#1b9e77", annotation_text="reliable improvement",
                  annotation_position="top left")
    fig.add_hline(y=-1, line_dash="dot", line_color="#d95f02", annotation_text="reliable deterioration",
                  annotation_position="bottom left")
    title = (f"r = {r:.2f}, n = {len(points):,} (published r ≈ {published_r:.2f})" if r is not None
             else f"n = {len(points):,}: too few clients for r")
    fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 40, "b": 10}, title={"text": title, "x": 0},
                      xaxis={"title": "homework completion", "tickformat": ".0%"},
                      yaxis={"title": "improvement since baseline (reliable-change units)"})
    return fig


def _density(x: pd.Series, y: pd.Series) -> go.Heatmap:
    """Clients per cell of completion by change (empty cells left blank)."""
    x_edges = np.linspace(0.0, 1.0, round(1 / DENSITY_X_STEP) + 1)
    y_edges = np.linspace(-DENSITY_Y_LIMIT, DENSITY_Y_LIMIT, round(2 * DENSITY_Y_LIMIT / DENSITY_Y_STEP) + 1)
    counts, _, _ = np.histogram2d(x.clip(0.0, 1.0), y.clip(-DENSITY_Y_LIMIT, DENSITY_Y_LIMIT), bins=[x_edges, y_edges])
    z = [[int(n) if n else None for n in row] for row in counts.T]  # a row per change cell, bottom up
    return go.Heatmap(
        x=((x_edges[:-1] + x_edges[1:]) / 2).tolist(), y=((y_edges[:-1] + y_edges[1:]) / 2).tolist(), z=z,
        colorscale="Purples", colorbar={"title": {"text": "clients"}}, hoverongaps=False,
        hovertemplate="completion %{x:.0%}, change %{y:.2f} x RC: %{z:,} clients<extra></extra>",
    )


def weekly_metric(load: pd.DataFrame, metric: str, label: str, threshold: float | None = None) -> go.Figure:
    """One workload metric per clinician over the weeks (``load``: clinician, week_start, metric)."""
    fig = go.Figure()
    for clinician, part in load.groupby("clinician"):
        # the name is data: shown through %{fullData.name}, never spliced into the template (where %{…} is read)
        fig.add_scatter(x=part["week_start"], y=part[metric], mode="lines+markers", name=_safe(clinician),
                        hovertemplate="%{fullData.name} %{x|%Y-%m-%d}: %{y:.3g}<extra></extra>")
    if threshold is not None:
        fig.add_hline(y=threshold, line_dash="dash", line_color="#d95f02", annotation_text="signal threshold")
    fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis={"title": _safe(label)},
                      legend={"orientation": "h", "y": -0.2}, colorway=COLORWAY)
    return fig


PULSE_COLOURS = {"work": "#0072B2", "client": "#E69F00"}


def pulse_scores(history: pd.DataFrame, labels: dict[str, str], high_at: float) -> go.Figure:
    """One person's own burnout scale scores (0-100), period by period, with the 'high' line."""
    fig = go.Figure()
    for scale, label in labels.items():
        fig.add_trace(go.Scatter(x=history["period_start"], y=history[scale], mode="lines+markers", name=label,
                                 line={"color": PULSE_COLOURS.get(scale, "#555555")},
                                 hovertemplate=f"{_safe(label)}: %{{y:.0f}}<extra></extra>"))
    fig.add_hline(y=high_at, line_dash="dot", line_color="#999999",
                  annotation_text=f"{high_at:g}: the usual 'high' line", annotation_position="top left")
    fig.update_layout(height=300, margin={"l": 10, "r": 10, "t": 20, "b": 10}, yaxis={"range": [0, 100],
                      "title": "score (0-100)"}, xaxis={"title": None, "tickformat": "%b %Y"},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def pulse_high_share(aggregates: pd.DataFrame) -> go.Figure:
    """Per team (and the practice): the share at 50 or more, over the closed periods where it is shown."""
    fig = go.Figure()
    for group, part in aggregates.groupby("group", sort=True):
        fig.add_trace(go.Scatter(x=part["period_title"], y=part["high_share"], mode="lines+markers",
                                 name=_safe(group), connectgaps=False,
                                 hovertemplate=f"{_safe(group)}: %{{y:.0%}}<extra></extra>"))
    periods = aggregates.drop_duplicates("period_title").sort_values("period")["period_title"].tolist()
    fig.update_layout(height=280, margin={"l": 10, "r": 10, "t": 10, "b": 10}, colorway=COLORWAY,
                      yaxis={"range": [0, 1], "tickformat": ".0%", "title": "share at 50 or more"},
                      xaxis={"title": None, "type": "category", "categoryorder": "array", "categoryarray": periods},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def completeness_bars(frame: pd.DataFrame, metric: str, label: str, target: float, target_text: str,
                      meets: str) -> go.Figure:
    """One bar per clinician (``frame``: clinician, ``metric`` as a share, n, and the boolean column ``meets``
    from the model) against a target line; bars that miss the target are orange, those that meet it green.
    Sorted by name, never ranked."""
    frame = frame.sort_values("clinician", ascending=False)  # top to bottom: alphabetical
    meets = frame[meets].fillna(False).astype(bool)
    fig = go.Figure(go.Bar(
        x=frame[metric], y=[_safe(v) for v in frame["clinician"]], orientation="h",
        marker_color=["#009E73" if ok else "#E69F00" for ok in meets],
        text=[f"{v:.0%} of {int(n)}" for v, n in zip(frame[metric], frame["n"], strict=True)],
        textposition="auto", hovertemplate="%{y}: %{x:.0%}<extra></extra>",
    ))
    fig.add_vline(x=target, line_dash="dash", line_color="#555555", annotation_text=_safe(target_text),
                  annotation_position="top")
    fig.update_layout(height=max(220, 26 * len(frame) + 70), margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      xaxis={"tickformat": ".0%", "range": [0, 1.02], "title": _safe(label)}, yaxis={"title": None})
    return fig


def adjusted_effects(named: pd.DataFrame, spread: pd.DataFrame, effective: float, highly: float) -> go.Figure:
    """Each clinician in scope (``named``: clinician, adjusted_effect, ci_low, ci_high, cases) with the 90%
    interval, over the practice's clinicians as unnamed grey dots, with the ACE lines at 0.5 and 0.8."""
    fig = go.Figure()
    fig.add_scatter(x=spread["adjusted_effect"], y=["Practice (unnamed)"] * len(spread), mode="markers",
                    marker={"color": "#999999", "size": 9, "opacity": 0.6}, name="every clinician, unnamed",
                    customdata=spread["cases"], hovertemplate="%{x:.2f} (%{customdata} cases)<extra></extra>")
    named = named.sort_values("clinician", ascending=False)
    fig.add_scatter(
        x=named["adjusted_effect"], y=[_safe(c) for c in named["clinician"]], mode="markers", name="in your scope",
        marker={"color": "#0072B2", "size": 11},
        error_x={"type": "data", "symmetric": False, "array": named["ci_high"] - named["adjusted_effect"],
                 "arrayminus": named["adjusted_effect"] - named["ci_low"], "color": "#0072B2"},
        customdata=named[["cases", "ci_low", "ci_high"]].to_numpy(),
        hovertemplate="%{y}: %{x:.2f} (90% interval %{customdata[1]:.2f} to %{customdata[2]:.2f}; "
                      "%{customdata[0]} cases)<extra></extra>")
    for x, text in ((effective, "effective"), (highly, "highly effective")):
        fig.add_vline(x=x, line_dash="dash", line_color="#555555", annotation_text=text, annotation_position="top")
    fig.update_layout(height=max(240, 30 * (len(named) + 1) + 90), margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      xaxis={"title": "severity-adjusted effect size"}, yaxis={"title": None},
                      legend={"orientation": "h", "y": -0.25})
    return fig
