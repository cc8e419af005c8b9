"""The homework page's parts: completion over time, by category and clinician, against
outcome change, and the clients whose completion is dropping."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pipelines.models import queries
from schemas.thresholds import THRESHOLDS
from schemas.vocabulary import chip, word
from ui import data
from ui.charts import (
    DENSITY_X_STEP,
    DENSITY_Y_LIMIT,
    DENSITY_Y_STEP,
    MAX_DOTS,
    completion_bars,
    completion_vs_change,
    weekly_completion,
)
from ui.definitions import link
from ui.filters import PageContext
from ui.layout import CLINICIAN_BARS, first_rows, first_rows_note, plain_md, section

WEEKS_SHOWN = 26
MIN_REVIEWED_FOR_SCATTER = 3
MIN_CLIENTS_FOR_R = 10
# named in the chart's caption; the rate itself is computed in model_homework_weeks.sql
HOMEWORK_PARTIAL_WEIGHT = float(THRESHOLDS["homework_partial_weight"].value)
DROPPING_NOTE = (f"{chip('flags', 'HOMEWORK_DROP')}: {word('flags', 'HOMEWORK_DROP').explain} "
                 f"{link('flags', 'HOMEWORK_DROP')}. Select a row to open the client view.")


def over_time(ctx: PageContext) -> None:
    weeks = data.model(ctx.version, queries.homework_weeks, ctx.scope, ctx.as_of)
    if weeks.empty:
        st.info("No homework has been set in this selection yet.")
        return
    per_week = weeks.tail(WEEKS_SHOWN)
    st.plotly_chart(weekly_completion(per_week), config={"displayModeBar": False}, key="homework_weeks")
    total = per_week["reviewed"].sum()
    st.caption(f"Last {len(per_week)} weeks with homework: {int(total):,} reviewed assignments. Completion = "
               f"(completed + {HOMEWORK_PARTIAL_WEIGHT:g} × partial) ÷ reviewed; quality is the therapist's 0-4 "
               "rating as a share of 4. A larger dot is a week with more reviewed assignments (hover for the count).")


def by_category_and_clinician(ctx: PageContext) -> None:
    cats = data.model(ctx.version, queries.homework_by_category, ctx.scope, ctx.as_of)
    cats = cats[cats["reviewed"] > 0]
    per = data.model(ctx.version, queries.homework_by_clinician, ctx.scope, ctx.as_of)
    per = per[per["reviewed"] > 0]
    shown = per.sort_values(["completion_rate", "clinician_id"]).head(CLINICIAN_BARS)
    left, right = st.columns(2)
    with left:
        section("By category", cats.assign(category=cats["category"].str.replace("_", " ")),
                "Nothing reviewed yet.", lambda f: _bars(f, "category"))
    with right:
        section("By clinician", shown.assign(clinician=shown["clinician_id"].map(ctx.clinician_name)),
                "Nothing reviewed yet.", lambda f: _bars(f, "clinician", quality=True))
        if len(per) > len(shown):
            st.caption(f"The {len(shown)} clinicians with the lowest completion of the {len(per):,} with reviewed "
                       "homework. Choose a team or clinicians above to see others.")


def _bars(frame: pd.DataFrame, label: str, quality: bool = False) -> None:
    st.plotly_chart(completion_bars(frame, label), config={"displayModeBar": False}, key=f"hw_{label}")
    if quality:
        st.caption(plain_md("Quality (mean 0-4): " + ", ".join(
            f"{getattr(r, label)} {r.mean_quality:.1f}" for r in frame.itertuples() if pd.notna(r.mean_quality))))


def against_outcome(ctx: PageContext) -> None:
    """Each client's completion against their primary measure's change, in reliable-change units
    (model homework_outcome), for the clients with MIN_REVIEWED_FOR_SCATTER+ reviewed assignments."""
    points = data.model(ctx.version, queries.homework_outcome, ctx.scope, ctx.as_of)
    points = points[points["reviewed"] >= MIN_REVIEWED_FOR_SCATTER]
    published = float(THRESHOLDS["homework_outcome_r"].value)
    r = None
    if len(points) >= MIN_CLIENTS_FOR_R and points["completion_rate"].std() > 0 and points["change_rc"].std() > 0:
        r = float(np.corrcoef(points["completion_rate"], points["change_rc"])[0, 1])
    if points.empty:
        st.caption(f"No client yet has {MIN_REVIEWED_FOR_SCATTER}+ reviewed assignments and 2+ scores.")
        return
    st.plotly_chart(completion_vs_change(points, r, published), config={"displayModeBar": False}, key="hw_scatter")
    shown = (f"One dot per client with {MIN_REVIEWED_FOR_SCATTER}+ reviewed assignments and 2+ scores on their "
             "primary measure." if len(points) <= MAX_DOTS else
             f"{len(points):,} clients with {MIN_REVIEWED_FOR_SCATTER}+ reviewed assignments and 2+ scores on their "
             f"primary measure: more than {MAX_DOTS:,}, so each cell is shaded by how many clients fall in it "
             f"({DENSITY_X_STEP:.0%} of completion by {DENSITY_Y_STEP:g} × RC; changes beyond ±{DENSITY_Y_LIMIT:g} × RC "
             "are counted in the outermost cells). r is computed over every client.")
    st.caption(
        f"{shown} For context, a meta-analysis found homework compliance and outcome correlate at "
        f"r ≈ {published:.2f} (Mausbach, Moore, Roesch, Cardenas & Patterson 2010). A correlation in one "
        "caseload says nothing about cause."
    )


def dropping(ctx: PageContext) -> str | None:
    """Clients flagged HOMEWORK_DROP (model homework_drops); returns the client_id of a selected row."""
    table = data.model(ctx.version, queries.homework_drops, ctx.scope, ctx.as_of)
    if table.empty:
        st.success("No client's homework completion is dropping.", icon=":material/check_circle:")
        return None
    total = len(table)
    table = first_rows(table)
    table = table.assign(clinician=table["clinician_id"].map(ctx.clinician_name))
    event = st.dataframe(
        table[["client_id", "clinician", "completion_rate", "last4_completion", "since", "reason"]],
        hide_index=True, on_select="rerun", selection_mode="single-row", key="homework_drop_table",
        column_config={
            "client_id": "Client", "clinician": "Clinician",
            "completion_rate": st.column_config.NumberColumn("Overall", format="percent"),
            "last4_completion": st.column_config.NumberColumn("Last 4", format="percent"),
            "since": st.column_config.DateColumn("Since", format="YYYY-MM-DD"),
            "reason": st.column_config.TextColumn("Reason", width="large"),
        },
    )
    first_rows_note(total, "clients")
    rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
    return str(table.iloc[rows[0]]["client_id"]) if rows else None
