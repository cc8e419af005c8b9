"""The caseload momentum page's parts: tiles, the momentum mix, the client table, wins.

Every frame comes from ui.data (cached by data version, scope and as-of);
these functions only shape and show it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

from pipelines.models import queries
from schemas.instruments import INSTRUMENTS
from schemas.thresholds import THRESHOLDS
from schemas.vocabulary import chip, chips, label, word
from ui import data
from ui.charts import momentum_mix_by_clinician
from ui.definitions import link, section_link
from ui.filters import PageContext
from ui.flag_state import CLOSED_STATES, SEVERITY_ORDER
from ui.formats import DATE_FORMAT, or_missing, show_date
from ui.layout import CLINICIAN_BARS, first_rows, first_rows_note
from ui.team import merged, this_week, week_filter

# the reliable-change thresholds the tile's help names, as schemas/instruments.toml states them, of the
# measures a course is counted on (its primary measure: PHQ-9, else ORS, else GAD-7; model_course_outcomes.sql)
PRIMARY_MEASURES = ("PHQ-9", "ORS", "GAD-7")
RC_THRESHOLDS = ", ".join(f"{code} {INSTRUMENTS[code].rc_threshold:g}" for code in PRIMARY_MEASURES)
LOST_CONTACT_DAYS = int(THRESHOLDS["lost_contact_days"].value)
# what the caseload opens on, in this order: a risk item, then reliable deterioration, then not on track
ATTENTION_FLAGS = ("RISK_ITEM", "DETERIORATION", "NOT_ON_TRACK")
ATTENTION_SHOWN = 8
WINS_SHOWN = 8  # this week's wins and suggested wins, the newest of each


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
        help=f"{word('momentum', 'building').explain} {link('momentum', 'building')}",
    )
    row1[2].metric("Stalled", f"{int(row['stalled']):,}", border=True,
                   help=f"{word('momentum', 'stalled').explain} {link('momentum', 'stalled')}")
    row1[3].metric("Slipping", f"{int(row['slipping']):,}", border=True,
                   help=f"{word('momentum', 'slipping').explain} Includes those who have lost contact "
                   f"({LOST_CONTACT_DAYS}+ days), listed apart below. {link('momentum', 'slipping')}")
    row2 = st.columns(4)
    row2[0].metric(
        "Reliable improvement", _pct(row["reliable_improvement_share"]), border=True,
        help=f"{int(row['reliably_improved_courses']):,} of {int(row['measured_courses']):,} finished courses (discharged, "
        f"2+ scores) whose primary measure improved by at least its reliable-change threshold, rc_threshold: "
        f"{RC_THRESHOLDS} points (Jacobson & Truax 1991; NHS Talking Therapies). "
        + section_link("The caseload page's numbers (model `caseload_summary`)"),
    )
    row2[1].metric(
        "Recovery", _pct(row["recovery_share"]), border=True,
        help=f"{int(row['recovered_courses']):,} of {int(row['recovery_courses']):,} finished courses that started "
        "in the clinical range (past the clinical cut-off) ended out of it (NHS Talking Therapies recovery). "
        + section_link("The caseload page's numbers (model `caseload_summary`)"),
    )
    median = row["median_sessions_to_improvement"]
    row2[2].metric(
        "Sessions to improvement", "–" if pd.isna(median) else f"{median:.0f}", border=True,
        help=f"Median attended sessions up to the first reliably improved score, over "
        f"{int(row['improved_clients']):,} clients.",
    )
    row2[3].metric(
        "Open flags", f"{len(open_flags):,}", border=True,
        delta=" · ".join(f"{int(by_sev.get(s, 0))} {label('severity', s).lower()}" for s in SEVERITY_ORDER),
        delta_color="off",
        delta_arrow="off",
        help="Flags not snoozed or resolved, by severity. " + section_link("Flags (report `flags`)"),
    )


def _pct(share: float) -> str:
    """A share as a whole percentage; "–" when it has no denominator (NULL in SQL)."""
    return "–" if pd.isna(share) else f"{share:.0%}"


def with_lost_contact(momentum: pd.DataFrame) -> pd.DataFrame:
    """client_momentum with ``shown_momentum``: "lost_contact" for an active client with no attended session for
    LOST_CONTACT_DAYS or more (a screen grouping: the model calls them slipping), else the model's momentum."""
    lost = momentum["days_since_attended"].ge(LOST_CONTACT_DAYS).fillna(False).astype(bool)
    return momentum.assign(shown_momentum=momentum["momentum"].where(~lost, "lost_contact"))


def needs_attention(ctx: PageContext, flags: pd.DataFrame) -> str | None:
    """The short list the caseload opens on: risk items, then reliable deterioration, then not on track - open
    flags only (not snoozed or resolved), each newest first. Returns the client_id of a selected row."""
    st.subheader("Needs attention")
    open_flags = flags[~flags["status"].isin(CLOSED_STATES) & flags["flag"].isin(ATTENTION_FLAGS)]
    if open_flags.empty:
        st.success("No risk item, reliable deterioration or not-on-track flag is open in this selection.",
                   icon=":material/check_circle:")
        return None
    rank = {code: i for i, code in enumerate(ATTENTION_FLAGS)}
    ranked = open_flags.assign(rank=open_flags["flag"].map(rank), since_ts=pd.to_datetime(open_flags["since"]))
    counts = ranked["flag"].value_counts()
    total = len(ranked)
    listed = first_rows(ranked, ["rank", "since_ts", "client_id"], [True, False, True]).reset_index(drop=True)
    shown = listed.assign(what=listed["flag"].map({c: chip("flags", c) for c in ATTENTION_FLAGS}),
                          clinician=listed["clinician_id"].map(ctx.clinician_name))
    st.caption(" · ".join(f"{word('flags', c).label}: {int(counts.get(c, 0))}" for c in ATTENTION_FLAGS)
               + ". Select a row to open the client.")
    columns = ["what", "client_id", "clinician", "since", "reason"]
    if len(ctx.scope) == 1:
        columns.remove("clinician")
    config = {"what": "Flag", "client_id": st.column_config.TextColumn("Client", pinned=True),
              "clinician": "Clinician", "since": st.column_config.DateColumn("Since", format=DATE_FORMAT),
              "reason": st.column_config.TextColumn("Reason and evidence", width="large")}
    top = shown.head(ATTENTION_SHOWN)
    picked = _selected_client(top, st.dataframe(top[columns], hide_index=True, on_select="rerun",
                                                selection_mode="single-row", key="attention_table",
                                                column_config=config))
    if total > ATTENTION_SHOWN:
        with st.expander(f"Show all {total:,}"):
            everyone = _selected_client(shown, st.dataframe(
                shown[columns], hide_index=True, on_select="rerun", selection_mode="single-row",
                key="attention_all", column_config=config))
            first_rows_note(total, "flags")
        picked = picked or everyone
    return picked


def _selected_client(frame: pd.DataFrame, event) -> str | None:
    rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
    return str(frame.iloc[rows[0]]["client_id"]) if rows else None


def momentum_mix(ctx: PageContext, momentum: pd.DataFrame) -> None:
    """Each clinician's active clients by momentum; above CLINICIAN_BARS clinicians, those with the largest share
    slipping (lost contact included, as the model counts them), then the most slipping."""
    mix = momentum.groupby(["clinician_id", "shown_momentum"]).size().rename("clients").reset_index()
    mix = mix.rename(columns={"shown_momentum": "momentum"})
    clinicians = mix["clinician_id"].nunique()
    if clinicians > CLINICIAN_BARS:
        slipping = mix["clients"].where(mix["momentum"].isin(("slipping", "lost_contact")), 0)
        per = mix.assign(slipping=slipping).groupby("clinician_id")[["slipping", "clients"]].sum()
        per["share"] = per["slipping"] / per["clients"]
        chosen = per.reset_index().sort_values(["share", "slipping", "clinician_id"], ascending=[False, False, True])
        mix = mix[mix["clinician_id"].isin(chosen["clinician_id"].head(CLINICIAN_BARS))]
    mix = mix.assign(clinician=mix["clinician_id"].map(ctx.clinician_name))
    st.plotly_chart(momentum_mix_by_clinician(mix), config={"displayModeBar": False}, key="momentum_mix")
    if clinicians > CLINICIAN_BARS:
        st.caption(f"The {CLINICIAN_BARS} clinicians with the largest share of slipping clients (lost contact "
                   f"included) of the {clinicians:,} with active clients. Choose a team or clinicians above to "
                   "see others.")


_ATTENDING_ORDER = ["slipping", "stalled", "new", "unknown", "steady", "building"]


def client_table(ctx: PageContext, momentum: pd.DataFrame, flags: pd.DataFrame, sparks: pd.DataFrame) -> str | None:
    """The clients still attending: slipping first (reliably worse, then a worsening trend, then the longest
    without attending), then stalled, new, steady and building. Returns the client_id of a selected row."""
    attending = momentum[momentum["shown_momentum"] != "lost_contact"]
    if attending.empty:
        st.caption("No client in this selection has attended in the last "
                   f"{LOST_CONTACT_DAYS} days.")
        return None
    ranked = attending.assign(
        momentum_rank=attending["momentum"].map({m: i for i, m in enumerate(_ATTENDING_ORDER)})
        .fillna(len(_ATTENDING_ORDER)),
        change_rank=(attending["change_status"] != "reliable_deterioration").astype(int),
        slope_rank=(attending["slope_direction"] != "worsening").astype(int),
    )
    shown = first_rows(ranked, ["momentum_rank", "change_rank", "slope_rank", "days_since_attended", "client_id"],
                       [True, True, True, False, True])
    table = _client_rows(ctx, shown, flags, sparks)
    picked = _selected_client(table, _client_frame(ctx, table, "caseload_table"))
    first_rows_note(len(ranked), "clients")
    return picked


def lost_contact(ctx: PageContext, momentum: pd.DataFrame, flags: pd.DataFrame, sparks: pd.DataFrame) -> str | None:
    """Open clients with no attended session for LOST_CONTACT_DAYS or more, apart from those still attending."""
    lost = momentum[momentum["shown_momentum"] == "lost_contact"]
    if lost.empty:
        return None
    table = _client_rows(ctx, first_rows(lost, ["days_since_attended", "client_id"], [False, True]), flags, sparks)
    with st.expander(f"{chip('momentum', 'lost_contact')}: {len(lost):,} open client{'s' if len(lost) != 1 else ''} "
                     f"with no attended session for {LOST_CONTACT_DAYS}+ days"):
        st.caption(f"{word('momentum', 'lost_contact').explain} Consider a check-in call, or discharge.")
        picked = _selected_client(table, _client_frame(ctx, table, "lost_contact_table"))
        first_rows_note(len(lost), "clients")
        return picked


def _client_rows(ctx: PageContext, momentum: pd.DataFrame, flags: pd.DataFrame, sparks: pd.DataFrame) -> pd.DataFrame:
    """The shown rows of ``momentum``, in its order, with their trend, clinician, open flags and labels."""
    open_flags = flags[~flags["status"].isin(CLOSED_STATES) & flags["client_id"].isin(momentum["client_id"])]
    per_client = flag_codes_by_client(open_flags)
    table = momentum.merge(sparks[["client_id", "primary_scores"]], on="client_id", how="left")  # keeps its order
    # the shown rows' trends as plain arrays: the model keeps them as an Arrow list, which a table sent to the
    # page carries with a type pandas cannot read back (Streamlit's own test reader fails on it)
    table["primary_scores"] = table["primary_scores"].astype(object).where(table["primary_scores"].notna(), None)
    table["clinician"] = table["clinician_id"].map(ctx.clinician_name)
    table["open_flags"] = table["client_id"].map(per_client).astype(object).fillna("").map(lambda c: chips("flags", c))
    for column, kind in (("shown_momentum", "momentum"), ("change_status", "change_status"),
                         ("slope_direction", "slope_direction")):
        table[f"{column}_label"] = table[column].map(lambda code, k=kind: chip(k, code))
    table["primary_measure"] = table["primary_measure"].fillna("–")
    return table


def _client_frame(ctx: PageContext, table: pd.DataFrame, key: str):
    columns = [
        "client_id", "clinician", "shown_momentum_label", "momentum_reason", "primary_scores", "primary_measure",
        "baseline_score", "latest_score", "change", "change_status_label", "slope_direction_label", "last_attended",
        "days_since_attended", "open_flags",
    ]  # fmt: skip
    if len(ctx.scope) == 1:
        columns.remove("clinician")
    return st.dataframe(
        table[columns],
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        column_config={
            "client_id": st.column_config.TextColumn("Client", pinned=True),
            "clinician": "Clinician",
            "shown_momentum_label": st.column_config.TextColumn(
                "Momentum", help="Building, steady, new, stalled or slipping. " + link("momentum", "building")),
            "momentum_reason": st.column_config.TextColumn("Why", width="large"),
            "primary_scores": st.column_config.LineChartColumn("Trend", help="Primary measure, oldest first"),
            "primary_measure": "Measure",
            "baseline_score": st.column_config.NumberColumn("Baseline", format="%g"),
            "latest_score": st.column_config.NumberColumn("Latest", format="%g"),
            "change": st.column_config.NumberColumn("Change", format="%+g", help="Improvement since baseline (+ is better)"),
            "change_status_label": "Reliable change",
            "slope_direction_label": "Recent trend",
            "last_attended": st.column_config.DateColumn("Last attended", format=DATE_FORMAT),
            "days_since_attended": st.column_config.NumberColumn("Days since"),
            "open_flags": "Open flags",
        },
    )


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
    suggested = data.newest(ctx.version, queries.suggested_wins, ctx.scope, ctx.as_of, "occurred_on", WINS_SHOWN)
    week = week_filter(*this_week(ctx.as_of), ctx.scope)
    this_weeks = merged(ctx.version, ctx.user.username, ctx.scope, ctx.scope, week.since, week.until,
                        newest=WINS_SHOWN)
    left, right = st.columns(2)
    with left:
        st.subheader("This week's wins")
        if this_weeks.empty:
            st.caption(f"No wins posted in the 7 days to {show_date(ctx.as_of)}. Suggested wins, on the right, are "
                       "a place to start.")
        for win in this_weeks.itertuples(index=False):
            st.markdown(f"**{_category(win.category)}** · {show_date(win.posted_at)}")
            st.text(win.text)  # text from a CSV: shown as plain text, never markdown or HTML
    with right:
        st.subheader("Suggested wins")
        if suggested.empty:
            st.caption("Nothing to suggest in the last 28 days.")
        else:
            shown = suggested.copy()
            shown["clinician"] = shown["clinician_id"].map(ctx.clinician_name)
            shown["client_id"] = or_missing(shown["client_id"])
            st.dataframe(
                shown[["occurred_on", "clinician", "client_id", "text"]], hide_index=True,
                column_config={"occurred_on": st.column_config.DateColumn("When", format=DATE_FORMAT),
                               "clinician": "Clinician", "client_id": "Client", "text": "What happened"},
            )


def _category(code: str) -> str:
    return str(code).replace("_", " ").capitalize()
