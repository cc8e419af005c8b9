"""Supervision prep: for one supervisee, the few things worth the ten minutes before supervision - the
top flags, the biggest momentum changes and wins to celebrate, each with "show all" - and the agenda to
print or download."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from pipelines.appstate import agenda
from pipelines.models import casemix, queries
from ui import data
from ui.downloads import export_button
from ui.filters import PageContext
from ui.flag_state import CLOSED_STATES, flags_with_reviews
from ui.formats import show_date
from ui.team import merged

LOOKBACK_DAYS = 28  # momentum changes and wins since four weeks before the as-of date
SHOWN = {"flag": 5, "momentum": 5, "win": 3}
TITLES = {"flag": "Flags to discuss", "momentum": "Momentum changes", "win": "Wins to celebrate"}
EMPTY = {"flag": "No open flags: nothing needs review.", "momentum": "No client's momentum changed.",
         "win": "No wins posted or suggested in the last four weeks."}
CLINICAL_ROLES = ("clinician", "supervisor")


def supervisees(ctx: PageContext) -> pd.DataFrame:
    """Active clinical staff in the user's scope, not the user themselves, by name."""
    staff = ctx.staff[ctx.staff["clinician_id"].isin(ctx.full_scope) & ctx.staff["role"].isin(CLINICAL_ROLES)
                      & ctx.staff["active"].fillna(True).astype(bool)]
    if ctx.user.clinician_id:
        staff = staff[staff["clinician_id"] != ctx.user.clinician_id]
    return staff.sort_values(["name", "clinician_id"])


def pick(ctx: PageContext) -> str | None:
    people = supervisees(ctx)
    if people.empty:
        st.info("No active supervisees in your scope. A practice manager links supervisees with "
                "supervisor_id in the clinicians export.", icon=":material/info:")
        return None
    return st.selectbox("Supervisee", people["clinician_id"].tolist(), format_func=ctx.clinician_name,
                        key="prep_for", help="Active clinical staff you supervise")


def items_for(ctx: PageContext, who: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the agenda items, the supervisee's caseload_summary row)."""
    one = (who,)
    momentum_now = data.model(ctx.version, queries.client_momentum, one, ctx.as_of)
    before = ctx.as_of - timedelta(days=LOOKBACK_DAYS)
    momentum_before = data.model(ctx.version, queries.client_momentum, one, before)
    flags = flags_with_reviews(ctx, data.model(ctx.version, queries.active_flags, one, ctx.as_of), momentum_now)
    since = datetime.combine(before, time())
    until = datetime.combine(ctx.as_of + timedelta(days=1), time())
    wins = merged(ctx.version, ctx.user.username, one, one, since, until)
    suggested = data.model(ctx.version, queries.suggested_wins, one, ctx.as_of)
    summary = data.model(ctx.version, queries.caseload_summary, one, ctx.as_of)
    flags = flags[~flags["status"].isin(CLOSED_STATES)]
    figures = agenda.outcome_items(who, data.adjusted_outcomes(ctx.version, one, ctx.as_of),
                                   data.model(ctx.version, queries.outcome_rates, one, ctx.as_of),
                                   data.model(ctx.version, queries.completeness_by_clinician, one, ctx.as_of))
    return agenda.build(who, flags, momentum_now, momentum_before, wins, suggested, figures), summary


def overview(summary: pd.DataFrame, items: pd.DataFrame) -> None:
    row = summary.iloc[0]
    counts = items["section"].value_counts()
    cols = st.columns(5)
    cols[0].metric("Active clients", f"{int(row['active_clients']):,}", border=True)
    cols[1].metric("Building", f"{int(row['building']):,}", border=True)
    cols[2].metric("Stalled", f"{int(row['stalled']):,}", border=True)
    cols[3].metric("Slipping", f"{int(row['slipping']):,}", border=True)
    cols[4].metric("Open flags", f"{int(counts.get('flag', 0)):,}", border=True)


def outcome_figures(ctx: PageContext, who: str) -> None:
    """The supervisee's outcome figures and data completeness (as on the Clinician outcomes page)."""
    one = (who,)
    adjusted = data.adjusted_outcomes(ctx.version, one, ctx.as_of)
    mine = adjusted.clinicians
    completeness = data.model(ctx.version, queries.completeness_by_clinician, one, ctx.as_of)
    rates = data.model(ctx.version, queries.outcome_rates, one, ctx.as_of)
    cols = st.columns(4)
    if mine.empty:
        cols[0].metric("Adjusted effect size", "–", border=True,
                       help="No case yet: an intake score in the clinical range and a later score.")
    else:
        row = mine.iloc[0]
        shown = row["cases"] >= casemix.MIN_CLINICIAN_CASES and adjusted.practice_cases >= casemix.MIN_PRACTICE_CASES
        cols[0].metric("Adjusted effect size", f"{row['adjusted_effect']:.2f}" if shown else "–", border=True,
                       help=(f"{int(row['cases'])} cases; 90% interval {row['ci_low']:.2f} to {row['ci_high']:.2f}; "
                             f"{row['verdict']} (Clinician outcomes page)") if shown else str(row["verdict"]))
    own = rates[rates["clinician_id"] == who]
    if own.empty or not int(own.iloc[0]["finished_courses"]):
        cols[3].metric("Dropout", "–", border=True, help="No finished course yet.")
    else:
        r = own.iloc[0]
        cols[3].metric("Dropout", f"{r['pct_dropout']:.0%}", border=True,
                       help=f"{int(r['dropouts'])} of {int(r['finished_courses'])} finished courses; median "
                            f"{float(r['median_sessions']):g} attended sessions (Clinician outcomes page)")
    if completeness.empty:
        return
    c = completeness.iloc[0]
    cols[1].metric("Sessions with an outcome score", f"{c['pct_sessions_with_score']:.0%}", border=True,
                   help=f"{int(c['sessions_with_score'])} of {int(c['attended_sessions'])} attended sessions")
    cols[2].metric("Did not attend", f"{c['dna_rate']:.0%}" if pd.notna(c["dna_rate"]) else "–", border=True,
                   help=f"{int(c['no_shows'])} no-shows")


def section(items: pd.DataFrame, code: str, as_of_label: str) -> str | None:
    """One part of the prep: its first few items, then "show all"; returns a selected client_id."""
    part = items[items["section"] == code].reset_index(drop=True)
    title = TITLES[code] + (f" since {as_of_label}" if code != "flag" else "")
    st.subheader(f"{title} ({len(part)})")
    if part.empty:
        st.caption(EMPTY[code])
        return None
    picked = _table(part.head(SHOWN[code]), f"prep_{code}")
    if len(part) > SHOWN[code]:
        with st.expander(f"Show all {len(part)}"):
            every = _table(part, f"prep_{code}_all")
        picked = picked or every
    return picked


def _table(part: pd.DataFrame, key: str) -> str | None:
    event = st.dataframe(
        part[["client_id", "item", "detail", "since"]], hide_index=True, on_select="rerun",
        selection_mode="single-row", key=key,
        column_config={"client_id": "Client", "item": "Item",
                       "detail": st.column_config.TextColumn("Detail", width="large"), "since": "Date"})
    rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
    client = part.iloc[rows[0]]["client_id"] if rows else ""
    return str(client) if isinstance(client, str) and client else None


def downloads(ctx: PageContext, who: str, items: pd.DataFrame) -> None:
    name = ctx.clinician_name(who)
    stem = f"supervision-agenda-{who}-{ctx.as_of:%Y-%m-%d}"
    left, right = st.columns(2)
    detail = {"what": "supervision_agenda", "clinician_id": who, "as_of": ctx.as_of.isoformat()}
    export_button(left, "Download agenda (CSV)", lambda: agenda.as_csv(items), file_name=f"{stem}.csv",
                  mime="text/csv", detail={**detail, "format": "csv"}, key="agenda_csv")
    export_button(right, "Printable agenda (HTML)",
                  lambda: agenda.as_html(items, name, ctx.as_of, ctx.user.display_name), file_name=f"{stem}.html",
                  mime="text/html", detail={**detail, "format": "html"}, key="agenda_html", icon=":material/print:")


def since_label(ctx: PageContext) -> str:
    return show_date(ctx.as_of - timedelta(days=LOOKBACK_DAYS))
