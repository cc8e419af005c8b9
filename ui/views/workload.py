"""The workload and burnout signals page's parts: signals with reasons, 12-week trends."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pipelines.models import queries
from schemas.thresholds import THRESHOLDS
from ui import data
from ui.charts import weekly_metric
from ui.filters import PageContext

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
    "conversation; they are not a diagnosis of burnout, nor a measure of anyone's performance. The thresholds "
    "are data in schemas/thresholds.toml, each with its source."
)


def _load(ctx: PageContext) -> pd.DataFrame:
    load = data.model(ctx.version, queries.clinician_weekly_load, ctx.scope, ctx.as_of)
    return load.assign(clinician=load["clinician_id"].map(ctx.clinician_name))


def signals(ctx: PageContext) -> None:
    fired = data.model(ctx.version, queries.workload_signals, ctx.scope, ctx.as_of)
    if fired.empty:
        st.success("No signal fired in 2 or more of the last 3 weeks.", icon=":material/check_circle:")
        return
    fired = fired.assign(clinician=fired["clinician_id"].map(ctx.clinician_name))
    st.dataframe(
        fired[["clinician", "signal", "weeks_past", "window_weeks", "latest_value", "threshold", "reason"]],
        hide_index=True,
        column_config={
            "clinician": "Clinician", "signal": "Signal",
            "weeks_past": st.column_config.NumberColumn("Weeks past"),
            "window_weeks": st.column_config.NumberColumn("of"),
            "latest_value": st.column_config.NumberColumn("Latest", format="%.3g"),
            "threshold": st.column_config.NumberColumn("Threshold", format="%.3g"),
            "reason": st.column_config.TextColumn("Reason", width="large"),
        },
    )


CHART_MAX = 12  # lines on one chart before it stops being readable


def _charted(ctx: PageContext, load: pd.DataFrame) -> pd.DataFrame:
    """The clinicians drawn on the metric chart: all of them up to CHART_MAX, else a choice that
    starts with those whose signals fired."""
    ids = sorted(load["clinician_id"].unique())
    if len(ids) <= CHART_MAX:
        return load
    fired = data.model(ctx.version, queries.workload_signals, ctx.scope, ctx.as_of)["clinician_id"].unique().tolist()
    default = (list(dict.fromkeys(fired)) + [i for i in ids if i not in fired])[:CHART_MAX]
    chosen = st.multiselect(f"Clinicians on the chart (at most {CHART_MAX}; the table above has everyone)", ids,
                            default=default, max_selections=CHART_MAX, format_func=ctx.clinician_name,
                            key="workload_chart_clinicians")
    return load[load["clinician_id"].isin(chosen)]


def trends(ctx: PageContext) -> None:
    load = _load(ctx)
    if load.empty:
        st.info("No sessions in the last 12 weeks in this selection.")
        return
    load = load.sort_values(["clinician_id", "week_start"])
    values = load[list(METRICS)].astype(float)
    by = [load["clinician_id"], load["clinician"]]
    # one row per clinician: each metric's weeks as a list (gaps as 0 for the sparkline), and its latest value
    table = values.fillna(0).groupby(by, sort=True).agg(list)
    latest = values.groupby(by, sort=True).nth(-1).set_axis(table.index)
    table = table.join(latest.add_suffix("_latest")).reset_index(level="clinician").reset_index(drop=True)
    config = {"clinician": st.column_config.TextColumn("Clinician", pinned=True)}
    order = ["clinician"]
    for metric, (label, fmt, _t) in METRICS.items():
        config[metric] = st.column_config.LineChartColumn(label, help=f"{label}, week by week, oldest first")
        config[f"{metric}_latest"] = st.column_config.NumberColumn("latest", format=fmt)
        order += [metric, f"{metric}_latest"]
    st.dataframe(table[order], hide_index=True, column_config=config, key="workload_trends")
    metric = st.selectbox("Metric", list(METRICS), format_func=lambda m: METRICS[m][0], key="workload_metric")
    label, _fmt, threshold_name = METRICS[metric]
    threshold = float(THRESHOLDS[threshold_name].value) if threshold_name else None
    st.plotly_chart(weekly_metric(_charted(ctx, load), metric, label, threshold), config={"displayModeBar": False},
                    key="workload_metric_chart")
    if threshold_name:
        st.caption(f"Signal threshold: {THRESHOLDS[threshold_name].source}.")
    elif metric in ("direct_hours", "active_caseload"):
        st.caption("Compared with each clinician's own target (FTE-scaled direct hours, caseload target).")
