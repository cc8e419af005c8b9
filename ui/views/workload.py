"""The workload and burnout signals page's parts: who is overloaded (one row per clinician), why each
signal fired, and each clinician's weekly metrics as 12-week trends."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import streamlit as st

from pipelines.models import queries
from schemas.thresholds import THRESHOLDS
from schemas.vocabulary import VOCABULARY, word
from ui import data
from ui.charts import weekly_metric
from ui.definitions import section_link
from ui.filters import PageContext
from ui.layout import first_rows, first_rows_note
from ui.plain_text import plain_md

# metric -> (label, format, the threshold name when one threshold applies to everyone)
METRICS: dict[str, tuple[str, str, str | None]] = {
    "direct_hours": ("Direct hours", "%.1f", None),
    "active_caseload": ("Active caseload", "%d", None),
    "no_show_rate": ("No-show and late-cancel rate", "percent", "no_show_rate_signal"),
    "median_note_lag_hours": ("Median note lag (hours)", "%.1f", None),
    "late_notes": ("Late notes", "%d", "late_notes_signal"),
    "after_hours_notes": ("After-hours notes", "%d", "after_hours_signal"),
    "high_acuity_share": ("High-acuity share of caseload", "percent", "high_acuity_share_signal"),
    "days_worked": ("Days worked", "%d", None),
}
HEURISTIC_NOTE = (
    "These are heuristics from operational data (sessions, notes, caseload). They can prompt a supportive "
    "conversation; they are not a diagnosis of burnout, nor a measure of anyone's performance. Each threshold "
    "and its source: " + section_link("Workload and burnout signals (report `workload`)", "Definitions") + "."
)
LINE_COLOUR = "blue"  # sparklines and bars: not red, which reads as an alarm
SIGNAL_WEEKS = int(THRESHOLDS["signal_weeks"].value)
WINDOW_WEEKS = int(THRESHOLDS["signal_window_weeks"].value)
CHART_MAX = 12  # lines on one chart before it stops being readable


def signal_label(code: str) -> str:
    """The plain words for a signal code ("Caseload over target" for CASELOAD_OVER_TARGET)."""
    return word("signals", code).label


def _present(value: object) -> bool:
    """A value that is there: not None, not NaN (a missing number from the model)."""
    return value is not None and not bool(pd.isna(value))


def _items(values: object) -> list:
    """A list cell of the model (a list or an array) as a plain list; the model's lists never hold NULL."""
    if isinstance(values, Iterable) and not isinstance(values, str):
        return list(values)
    return []


def _points(values: object) -> list[float]:
    """A sparkline's points: the model lists only the weeks measured. Streamlit's sparkline cannot draw
    a gap (a missing point makes the cell an error), and a missing week must not be drawn as 0."""
    return [float(v) for v in _items(values)]


def _overview(ctx: PageContext) -> pd.DataFrame:
    """One row per clinician doing clinical work (the manager and inactive staff are not in it), most
    signals first, with each clinician's name."""
    table = data.model(ctx.version, queries.workload_by_clinician, ctx.scope, ctx.as_of)
    return table.assign(clinician=table["clinician_id"].map(ctx.clinician_name))


def _with_labels(table: pd.DataFrame) -> pd.DataFrame:
    """The shown rows with each signal's label (built for those rows only)."""
    return table.assign(signal_labels=[[signal_label(c) for c in _items(codes) if c] for codes in table["signals"]])


def _weeks_note(table: pd.DataFrame) -> str:
    """Which week "latest" is, and the weeks left out of it (every row has the same weeks)."""
    first = table.iloc[0]
    latest = first["latest_week_start"]
    if pd.isna(latest):
        said = "No complete, usual week in the last 12 weeks: there is no latest week to show."
    else:
        start = pd.Timestamp(latest)
        said = (
            f"Caseload, direct hours and the other latest values are from the week of "
            f"{start:%Y-%m-%d} to {start + pd.Timedelta(days=6):%Y-%m-%d}: the last complete week, "
            "leaving out a partial or unusual one."
        )
    marked = zip(_items(first["marked_weeks"]), _items(first["marked_notes"]), strict=True)
    left_out = " ".join(f"Left out: the week of {plain_md(w)} ({plain_md(n)})." for w, n in marked)
    return f"{said} {left_out}".strip()


def _of_target(value: object, target: object, unit: str = "") -> str:
    if not _present(value):
        return "–"
    shown = f"{float(value):.1f}" if unit else f"{int(value)}"
    if not _present(target) or float(target) <= 0:
        return f"{shown}{unit} (no target)"
    return f"{shown} of {float(target):g}{unit}"


def _percent(share: pd.Series) -> pd.Series:
    return pd.to_numeric(share, errors="coerce") * 100


def signals(ctx: PageContext) -> None:
    """Who is overloaded: one row per clinician, the signals that fired as labels, caseload and direct
    hours against their targets in the latest complete week; then why each signal fired."""
    table = _overview(ctx)
    if table.empty:
        st.info("No clinician with clinical work in this selection.")
        return
    if int(table["signal_count"].sum()) == 0:
        st.success(
            f"No signal fired in {SIGNAL_WEEKS} or more of the last {WINDOW_WEEKS} weeks.",
            icon=":material/check_circle:",
        )
    total = len(table)
    table = _with_labels(first_rows(table))  # most signals first: the first rows are those to see
    shown = table.assign(
        caseload=[
            _of_target(v, t)
            for v, t in zip(table["active_caseload"], table["caseload_target"], strict=True)
        ],
        caseload_pct=_percent(table["caseload_share"]),
        hours=[
            _of_target(v, t, " h")
            for v, t in zip(table["direct_hours"], table["direct_hours_target"], strict=True)
        ],
        hours_pct=_percent(table["direct_hours_share"]),
    )
    legend = "\n".join(f"- **{w.label}**: {w.explain}" for w in VOCABULARY["signals"].values())
    st.dataframe(
        shown[
            [
                "clinician",
                "signal_count",
                "signal_labels",
                "caseload",
                "caseload_pct",
                "hours",
                "hours_pct",
            ]
        ],
        hide_index=True,
        key="workload_overview",
        column_config={
            "clinician": st.column_config.TextColumn("Clinician", pinned=True),
            "signal_count": st.column_config.NumberColumn(
                "Signals",
                format="%d",
                help=f"How many signals fired: a metric past its threshold in {SIGNAL_WEEKS} or more of the "
                f"last {WINDOW_WEEKS} weeks. Most first.",
            ),
            "signal_labels": st.column_config.ListColumn(
                "Which signals", width="large", help=legend
            ),
            "caseload": st.column_config.TextColumn(
                "Caseload",
                help="Active clients against the clinician's caseload target (staff list).",
            ),
            "caseload_pct": st.column_config.ProgressColumn(
                "Caseload vs target",
                format="%.0f%%",
                min_value=0,
                max_value=100,
                color=LINE_COLOUR,
                help="Active caseload as a share of the caseload target; a full bar is at or over target.",
            ),
            "hours": st.column_config.TextColumn(
                "Direct hours",
                help=f"Direct clinical hours in the week against the target: "
                f"{THRESHOLDS['direct_hours_per_fte'].value:g} h a week per 1.0 FTE, "
                "scaled by the clinician's FTE.",
            ),
            "hours_pct": st.column_config.ProgressColumn(
                "Direct hours vs target",
                format="%.0f%%",
                min_value=0,
                max_value=100,
                color=LINE_COLOUR,
                help="Direct hours as a share of the FTE-scaled target; a full bar is at or over target.",
            ),
        },
    )
    first_rows_note(total, "clinicians")
    st.caption(_weeks_note(table))
    _reasons(ctx, table)


def _reasons(ctx: PageContext, table: pd.DataFrame) -> None:
    fired = data.model(ctx.version, queries.workload_signals, ctx.scope, ctx.as_of)
    fired = fired[fired["clinician_id"].isin(table["clinician_id"])]
    if fired.empty:
        return
    order = {cid: i for i, cid in enumerate(table["clinician_id"])}
    fired = fired.assign(
        clinician=fired["clinician_id"].map(ctx.clinician_name),
        signal_label=fired["signal"].map(signal_label),
        rank=fired["clinician_id"].map(order),
    ).sort_values(["rank", "weeks_past", "signal_label"], ascending=[True, False, True])
    with st.expander("Why each signal fired"):
        st.dataframe(
            fired[["clinician", "signal_label", "weeks_past", "reason"]],
            hide_index=True,
            key="workload_signal_reasons",
            column_config={
                "clinician": "Clinician",
                "signal_label": "Signal",
                "weeks_past": st.column_config.NumberColumn(
                    f"Weeks over threshold (last {WINDOW_WEEKS})",
                    format="%d",
                    help=f"In how many of the last {WINDOW_WEEKS} weeks the metric was past its threshold; "
                    f"a signal fires at {SIGNAL_WEEKS} or more.",
                ),
                "reason": st.column_config.TextColumn("Why, with the weekly values", width="large"),
            },
        )


def _y_max(points: pd.Series, latest: pd.Series) -> float:
    """One y-range for a whole column: from 0 to the largest value any clinician reached."""
    values = [v for p in points for v in p] + [float(v) for v in latest if _present(v)]
    top = max(values, default=0.0)
    return top if top > 0 else 1.0


def trends(ctx: PageContext) -> None:
    table = _overview(ctx)
    if table.empty:
        st.info("No clinician with clinical work in this selection.")
        return
    total = len(table)
    table = first_rows(table, ["clinician", "clinician_id"]).reset_index(drop=True)
    latest = table["latest_week_start"].iloc[0]
    week = (
        f"the week of {pd.Timestamp(latest):%Y-%m-%d}"
        if pd.notna(latest)
        else "no complete week yet"
    )
    config = {"clinician": st.column_config.TextColumn("Clinician", pinned=True)}
    order = ["clinician"]
    columns = {"clinician": table["clinician"]}
    for metric, (label, fmt, _t) in METRICS.items():
        # plain lists, not the model's Arrow list type (a table sent to the page would carry a type pandas
        # cannot read back)
        points = pd.Series([_points(v) for v in table[f"{metric}_weeks"]], dtype=object)
        columns[metric] = points
        columns[f"{metric}_latest"] = pd.to_numeric(table[metric], errors="coerce")
        config[metric] = st.column_config.LineChartColumn(
            label,
            y_min=0,
            y_max=_y_max(points, columns[f"{metric}_latest"]),
            color=LINE_COLOUR,
            help=f"{label}, week by week, oldest first, on one scale for everyone. Weeks with nothing to "
            "measure, a partial week and an unusual week are left out of the line, never drawn as 0.",
        )
        config[f"{metric}_latest"] = st.column_config.NumberColumn(
            "latest",
            format=fmt,
            help=f"{label} in {week}: the last complete week, leaving out a partial or unusual one.",
        )
        order += [metric, f"{metric}_latest"]
    st.dataframe(
        pd.DataFrame(columns)[order], hide_index=True, column_config=config, key="workload_trends"
    )
    first_rows_note(total, "clinicians")
    metric = st.selectbox(
        "Metric", list(METRICS), format_func=lambda m: METRICS[m][0], key="workload_metric"
    )
    label, _fmt, threshold_name = METRICS[metric]
    threshold = float(THRESHOLDS[threshold_name].value) if threshold_name else None
    load = _weekly(ctx, table)
    st.plotly_chart(
        weekly_metric(_charted(table, load), metric, label, threshold),
        config={"displayModeBar": False},
        key="workload_metric_chart",
    )
    notes = _weeks_note(table)
    if threshold_name:
        st.caption(f"Signal threshold: {THRESHOLDS[threshold_name].source}. {notes}")
    elif metric in ("direct_hours", "active_caseload"):
        st.caption(
            f"Compared with each clinician's own target (FTE-scaled direct hours, caseload target). {notes}"
        )
    else:
        st.caption(notes)


def _weekly(ctx: PageContext, table: pd.DataFrame) -> pd.DataFrame:
    """The weekly rows of the clinicians in the table; the weeks left out of "latest" have no values
    (the chart leaves a gap there)."""
    load = data.model(ctx.version, queries.clinician_weekly_load, ctx.scope, ctx.as_of)
    load = load[load["clinician_id"].isin(table["clinician_id"])].copy()
    first = table.iloc[0]
    marked = set(_items(first["marked_weeks"]))
    left_out = pd.to_datetime(load["week_start"]).dt.strftime("%Y-%m-%d").isin(marked)
    load["clinician"] = load["clinician_id"].map(ctx.clinician_name)
    load[list(METRICS)] = load[list(METRICS)].astype(float)
    load.loc[left_out, list(METRICS)] = np.nan
    return load.sort_values(["clinician_id", "week_start"])


def _charted(table: pd.DataFrame, load: pd.DataFrame) -> pd.DataFrame:
    """The clinicians drawn on the metric chart: all of them up to CHART_MAX, else a choice that
    starts with those with the most signals."""
    if table["clinician_id"].nunique() <= CHART_MAX:
        return load
    ranked = table.sort_values("signal_count", ascending=False, kind="stable")
    names = dict(zip(table["clinician_id"], table["clinician"], strict=True))
    chosen = st.multiselect(
        f"Clinicians on the chart (at most {CHART_MAX}; the table above has every clinician it lists)",
        ranked["clinician_id"].tolist(),
        default=ranked["clinician_id"].tolist()[:CHART_MAX],
        max_selections=CHART_MAX,
        format_func=names.get,
        key="workload_chart_clinicians",
    )
    return load[load["clinician_id"].isin(chosen)]
