"""The caseload momentum page's parts: tiles, the momentum mix, the client table, wins.

Every frame comes from ui.data (cached by data version, scope and as-of);
these functions only shape and show it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

from pipelines.models import queries
from schemas.instruments import INSTRUMENTS
from ui import data
from ui.charts import MOMENTUM_ORDER, momentum_mix_by_clinician
from ui.filters import PageContext
from ui.flag_state import CLOSED_STATES, SEVERITY_ORDER
from ui.team import merged

# the reliable-change thresholds the tile's help names, as schemas/instruments.toml states them, of the
# measures a course is counted on (its primary measure: PHQ-9, else ORS, else GAD-7; model_course_outcomes.sql)
PRIMARY_MEASURES = ("PHQ-9", "ORS", "GAD-7")
RC_THRESHOLDS = ", ".join(f"{code} {INSTRUMENTS[code].rc_threshold:g}" for code in PRIMARY_MEASURES)


class Frames(NamedTuple):
    """What the caseload page reads, each from its declared model (cached by data version, scope and as-of)."""

    momentum: pd.DataFrame  # client_momentum
    flags: pd.DataFrame  # active_flags
    summary: pd.DataFrame  # caseload_summary: the tiles
    sparks: pd.DataFrame  # caseload_sparklines


def frames(ctx: PageContext) -> Frames:
    def read(query: queries.Model) -> pd.DataFrame:
        return data.model(ctx.version, query, ctx.scope, ctx.as_of)

    return Frames(read(queries.client_momentum), read(queries.active_flags), read(queries.caseload_summary),
                  read(queries.caseload_sparklines))


def kpi_tiles(summary: pd.DataFrame, flags: pd.DataFrame) -> None:
    """The tiles: every number comes from caseload_summary (pipelines/sql/model_caseload_summary.sql), beside
    its definition; only the open-flag count adds the reviews, which are app state."""
    row = summary.iloc[0]
    open_flags = flags[~flags["status"].isin(CLOSED_STATES)]
    by_sev = open_flags["severity"].value_counts()
    row1 = st.columns(4)
    row1[0].metric("Active clients", f"{int(row['active_clients']):,}", border=True)
    row1[1].metric(
        "Building momentum", f"{int(row['building']):,}", border=True,
        help="Reliable improvement on the primary measure, or an improving recent trend (docs/clinical-definitions.md).",
    )
    row1[2].metric("Stalled", f"{int(row['stalled']):,}", border=True,
                   help="In caseness without reliable change or an improving trend after enough sessions.")
    row1[3].metric("Slipping", f"{int(row['slipping']):,}", border=True,
                   help="Disengaging (21+ days without attending), reliably worse, or a worsening trend.")
    row2 = st.columns(4)
    row2[0].metric(
        "Reliable improvement", _pct(row["reliable_improvement_share"]), border=True,
        help=f"{int(row['reliably_improved_courses']):,} of {int(row['measured_courses']):,} finished courses (discharged, "
        f"2+ scores) whose primary measure improved by at least its reliable-change threshold, rc_threshold: "
        f"{RC_THRESHOLDS} points (Jacobson & Truax 1991; NHS Talking Therapies).",
    )
    row2[1].metric(
        "Recovery", _pct(row["recovery_share"]), border=True,
        help=f"{int(row['recovered_courses']):,} of {int(row['recovery_courses']):,} finished courses that started in "
        "caseness ended below it (NHS Talking Therapies recovery).",
    )
    median = row["median_sessions_to_improvement"]
    row2[2].metric(
        "Sessions to improvement", "–" if pd.isna(median) else f"{median:.0f}", border=True,
        help=f"Median attended sessions up to the first reliably improved score, over "
        f"{int(row['improved_clients']):,} clients.",
    )
    row2[3].metric(
        "Open flags", f"{len(open_flags):,}", border=True,
        delta=" · ".join(f"{int(by_sev.get(s, 0))} {s}" for s in SEVERITY_ORDER), delta_color="off",
        delta_arrow="off",
        help="Flags not snoozed or resolved, by severity.",
    )


def _pct(share: float) -> str:
    """A share as a whole percentage; "–" when it has no denominator (NULL in SQL)."""
    return "–" if pd.isna(share) else f"{share:.0%}"


def momentum_mix(ctx: PageContext, momentum: pd.DataFrame) -> None:
    mix = momentum.groupby(["clinician_id", "momentum"]).size().rename("clients").reset_index()
    mix["clinician"] = mix["clinician_id"].map(ctx.clinician_name)
    st.plotly_chart(momentum_mix_by_clinician(mix), config={"displayModeBar": False}, key="momentum_mix")


def client_table(ctx: PageContext, momentum: pd.DataFrame, flags: pd.DataFrame, sparks: pd.DataFrame) -> str | None:
    """The caseload table; returns the client_id of a selected row."""
    open_flags = flags[~flags["status"].isin(CLOSED_STATES)]
    per_client = flag_codes_by_client(open_flags)
    table = momentum.merge(sparks[["client_id", "primary_scores"]], on="client_id", how="left")
    table["clinician"] = table["clinician_id"].map(ctx.clinician_name)
    table["open_flags"] = table["client_id"].map(per_client).astype(object).fillna("")
    table["momentum_rank"] = table["momentum"].map({m: i for i, m in enumerate(MOMENTUM_ORDER)})
    table = table.sort_values(["momentum_rank", "days_since_attended"], ascending=[False, False])
    columns = [
        "client_id", "clinician", "momentum", "momentum_reason", "primary_scores", "primary_measure",
        "baseline_score", "latest_score", "change", "change_status", "slope_direction", "last_attended",
        "days_since_attended", "open_flags",
    ]  # fmt: skip
    if len(ctx.scope) == 1:
        columns.remove("clinician")
    event = st.dataframe(
        table[columns],
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="caseload_table",
        column_config={
            "client_id": st.column_config.TextColumn("Client", pinned=True),
            "clinician": "Clinician",
            "momentum": st.column_config.TextColumn("Momentum", help="building, steady, new, stalled or slipping"),
            "momentum_reason": st.column_config.TextColumn("Why", width="large"),
            "primary_scores": st.column_config.LineChartColumn("Trend", help="Primary measure, oldest first"),
            "primary_measure": "Measure",
            "baseline_score": st.column_config.NumberColumn("Baseline", format="%g"),
            "latest_score": st.column_config.NumberColumn("Latest", format="%g"),
            "change": st.column_config.NumberColumn("Change", format="%+g", help="Improvement since baseline (+ is better)"),
            "change_status": "Reliable change",
            "slope_direction": "Recent trend",
            "last_attended": st.column_config.DateColumn("Last attended", format="YYYY-MM-DD"),
            "days_since_attended": st.column_config.NumberColumn("Days since"),
            "open_flags": "Open flags",
        },
    )
    rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
    return str(table.iloc[rows[0]]["client_id"]) if rows else None


def flag_codes_by_client(flags: pd.DataFrame) -> pd.Series:
    """Each client's flag codes, distinct and in alphabetical order: "CODE_A, CODE_B".

    One vectorised pass per distinct code (a handful) rather than a Python join
    per client: for a manager at 1M sessions (43,745 flags) the join per client
    took about a quarter of the caseload page's warm run (docs/performance.md).
    """
    if flags.empty:
        return pd.Series(dtype=object)
    codes = flags[["client_id", "flag"]].astype({"flag": str}).drop_duplicates()
    present = codes.assign(_on=True).pivot(index="client_id", columns="flag", values="_on").notna()
    joined = pd.Series("", index=present.index, dtype=object)
    for code in sorted(present.columns):
        joined = joined + np.where(present[code].to_numpy(), code + ", ", "")
    return joined.str.removesuffix(", ")


def wins(ctx: PageContext) -> None:
    suggested = data.model(ctx.version, queries.suggested_wins, ctx.scope, ctx.as_of)
    since = datetime.combine(ctx.as_of - timedelta(days=6), time())
    until = datetime.combine(max(ctx.as_of, ctx.today) + timedelta(days=1), time())
    this_week = merged(ctx.version, ctx.user.username, ctx.scope, ctx.scope, since, until)
    left, right = st.columns(2)
    with left:
        st.subheader("This week's wins")
        if this_week.empty:
            st.caption("No wins posted in the last 7 days. Suggested wins, on the right, are a place to start.")
        for win in this_week.head(8).itertuples(index=False):
            st.markdown(f"**{_category(win.category)}** · {win.posted_at:%a %d %b}")
            st.text(win.text)  # text from a CSV: shown as plain text, never markdown or HTML
    with right:
        st.subheader("Suggested wins")
        if suggested.empty:
            st.caption("Nothing to suggest in the last 28 days.")
        else:
            shown = suggested.sort_values("occurred_on", ascending=False).head(8).copy()
            shown["clinician"] = shown["clinician_id"].map(ctx.clinician_name)
            st.dataframe(
                shown[["occurred_on", "clinician", "client_id", "text"]], hide_index=True,
                column_config={"occurred_on": st.column_config.DateColumn("When", format="YYYY-MM-DD"),
                               "clinician": "Clinician", "client_id": "Client", "text": "What happened"},
            )


def _category(code: str) -> str:
    return str(code).replace("_", " ").capitalize()
