"""The wellbeing pulse where it shows outside its own page: the caseload page's reminder (only the
owner can tell that their pulse is due) and the workload page's team pulse (aggregates only).

Who sees what is decided in pipelines/appstate/pulse.py, not here: the team pulse comes only
from ``pulse.team_pulse``, which shows aggregates of 5 or more, withholds differencing, and
audits each read.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pipelines.appstate import pulse
from pipelines.appstate.users import User
from schemas.wellbeing import CBI
from ui import data
from ui.auth import PULSE_ROLES, pulse_key
from ui.charts import pulse_high_share
from ui.filters import PageContext
from ui.formats import as_text
from ui.layout import plain_md
from ui.runtime import get_runtime

AGGREGATES = "momentum_pulse_aggregates"


SIGNAL_NOTE = (
    "Self-reported, in aggregates only: the Copenhagen Burnout Inventory's work-related and client-related "
    f"scales (0-100), for periods that have closed, and only where at least {CBI.min_respondents} people "
    "answered. These are signals for a supportive conversation with a team, not a diagnosis of anyone; "
    "the authors of the inventory warn against reading fixed cut-points as clinical lines."
)


def reminder(user: User, version: str) -> None:
    """A gentle note on the caseload page when this period's pulse is due (only the owner can tell)."""
    key = pulse_key()
    if user.role not in PULSE_ROLES or key is None or not version:
        return
    today = data.today(version)
    if pulse.status(get_runtime().state, key, today) == "due":
        with st.container(border=True):
            st.markdown(f"**Your wellbeing pulse for {pulse.period_of(today).title} is open** · "
                        f"{len(CBI.items)} questions, about two minutes. Only you see your answers; "
                        "you can skip it.")
            st.page_link("pages/pulse.py", label="Take the pulse", icon=":material/favorite:")


def _team_frame(ctx: PageContext) -> pd.DataFrame:
    """The viewer's team pulse, read once per browser tab, teams and period (each read is audited)."""
    teams = tuple(sorted(t for t in ctx.staff["team"].dropna().unique()))
    marker = (ctx.user.username, teams, pulse.period_of(ctx.today).label)
    held = st.session_state.get(AGGREGATES)
    if not held or held[0] != marker:
        frame = pulse.team_pulse(get_runtime().state, username=ctx.user.username, role=ctx.user.role,
                                 teams=teams, today=ctx.today)
        st.session_state[AGGREGATES] = (marker, frame)
        held = st.session_state[AGGREGATES]
    return held[1]


def team_pulse(ctx: PageContext) -> None:
    if ctx.user.role not in pulse.AGGREGATE_READERS:
        return
    st.subheader("Team wellbeing pulse")
    st.caption(SIGNAL_NOTE)
    frame = _team_frame(ctx)
    if frame.empty:
        st.info("No pulse answers for a closed period yet.", icon=":material/info:")
        return
    frame = frame.assign(group=[("Whole practice" if lvl == "practice" else str(t))
                                for lvl, t in zip(frame["level"], frame["team"], strict=True)])
    for team in pulse.rising_teams(frame, ctx.today):
        shares = frame[(frame["level"] == "team") & (frame["team"] == team)].tail(3)["high_share"]
        st.warning(f"**{plain_md(team)}**: the share reporting high burnout rose two periods running ("
                   + " → ".join(f"{s:.0%}" for s in shares) + "). A signal to check in with the team, "
                   "not a diagnosis of anyone.", icon=":material/trending_up:")
    latest = frame[frame["period"] == frame["period"].max()]
    lines = [f"- **{plain_md(r.group)}**: " + (
        f"{int(r.respondents)} responses, {r.high_share:.0%} at 50 or more" if r.shown else plain_md(r.note))
        for r in latest.itertuples(index=False)]
    st.markdown(f"Latest closed period, {latest['period_title'].iloc[0]}:\n" + "\n".join(lines))
    shown = frame[frame["shown"]]
    if not shown.empty:
        st.plotly_chart(pulse_high_share(shown), config={"displayModeBar": False}, key="pulse_team_chart")
    table = frame.assign(status=[("shown" if s else n) for s, n in zip(frame["shown"], frame["note"], strict=True)])
    table = as_text(table, {"respondents": "{:.0f}", "work_mean": "{:.0f}", "client_mean": "{:.0f}",
                            "high_share": "{:.0%}"})  # withheld periods read "–", not None
    st.dataframe(table[["period_title", "group", "respondents", "work_mean", "client_mean", "high_share", "status"]],
                 hide_index=True, key="pulse_team_table", column_config={
                     "period_title": "Period", "group": "Team",
                     "respondents": "Responses", "work_mean": "Work-related (mean)",
                     "client_mean": "Client-related (mean)", "high_share": "Share at 50 or more",
                     "status": st.column_config.TextColumn("Shown?", width="large")})
