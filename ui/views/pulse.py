"""The wellbeing pulse's parts: the form, the owner's own history beside their workload, the
caseload reminder, the self-care win offer, and the team pulse on the workload page.

Who sees what is decided in pipelines/appstate/pulse.py, not here: a person's answers open only
with the key their own sign-in derived (``ui.auth.pulse_key``); the team pulse comes only
from ``pulse.team_pulse``, which shows aggregates of 5 or more, withholds differencing, and
audits each read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from pipelines.appstate import pulse, wins
from pipelines.appstate.users import User
from pipelines.models import queries
from schemas.wellbeing import CBI
from ui import data
from ui.auth import pulse_key, unlock_pulse
from ui.charts import pulse_scores
from ui.filters import record_view
from ui.layout import empty_state, plain_md
from ui.phi_prompt import GUARD_NOTE, guarded
from ui.runtime import get_runtime

JUST_SUBMITTED = "momentum_pulse_submitted"
WIN_DONE = "momentum_pulse_win_done"
PRIVACY_NOTE = (
    "Only you can see your answers: they are sealed with a key made from your password when you sign in. "
    "Your team's pulse counts them without your name, and managers and supervisors see a team only when at "
    f"least {CBI.min_respondents} people answered in a period that has closed. Skipping is never shown to anyone."
)
SCALE_LABELS = {s.code: s.name for s in CBI.scales}


@dataclass(frozen=True)
class PulseContext:
    user: User
    version: str
    today: date
    team: str | None
    key: pulse.OwnerKey | None


def pulse_context(user: User, page: str) -> PulseContext | None:
    version = data.data_version()
    if not version:
        empty_state("No data yet. A practice manager loads exports with `python -m pipelines ingest PATH`.")
        return None
    staff = data.staff(version, (user.clinician_id,)) if user.clinician_id else pd.DataFrame()
    team = staff["team"].dropna().iloc[0] if len(staff) and staff["team"].notna().any() else None
    record_view(user, page)
    return PulseContext(user, version, data.today(version), team, pulse_key())


# -- the owner's page ----------------------------------------------------------


def unlock(ctx: PulseContext) -> None:
    """After a page reload the key is gone: the password again opens the pulse."""
    st.info("Your pulse is sealed with your password, and this browser tab does not hold its key (after a page "
            "reload it is asked for again). Enter your password to open it.", icon=":material/lock:")
    with st.form("pulse_unlock"):
        password = st.text_input("Password", type="password", key="pulse_unlock_password",
                                 autocomplete="current-password")
        opened = st.form_submit_button("Open my pulse", type="primary")
    if opened:
        if unlock_pulse(ctx.user, password):
            st.rerun()
        st.error("That password did not open your pulse.")


def _answer_widgets() -> dict[str, str | None]:
    answers: dict[str, str | None] = {}
    for scale in CBI.scales:
        st.markdown(f"**{plain_md(scale.name)}**")
        for n, item in enumerate(scale.items, start=1):
            labels = [o.label for o in CBI.options[item.options]]
            answers[item.id] = st.radio(f"{n}. {item.text}", labels, index=None, horizontal=True,
                                        key=f"pulse_{item.id}")
    return answers


def form(ctx: PulseContext) -> None:
    """This period's pulse: 13 questions, none pre-selected; or skip it."""
    period = pulse.period_of(ctx.today)
    st.subheader(f"This period's pulse: {period.title}")
    st.caption(f"{len(CBI.items)} questions, about two minutes. {CBI.intro}")
    with st.form("pulse_form"):
        answers = _answer_widgets()
        submitted = st.form_submit_button("Submit my pulse", type="primary", icon=":material/send:")
    if st.button("Skip this period", key="pulse_skip", help="Nobody is told; the reminder stops until the next period"):
        pulse.skip(get_runtime().state, ctx.key, ctx.today)
        st.rerun()
    if submitted:
        left = [k for k, v in answers.items() if not v]
        if left:
            st.error(f"Answer every question: {len(left)} left.", icon=":material/error:")
            return
        try:
            pulse.submit(get_runtime().state, ctx.key, team=ctx.team, answers=answers, today=ctx.today)
        except pulse.PulseError as exc:
            st.error(str(exc), icon=":material/error:")
            return
        st.session_state[JUST_SUBMITTED] = True
        st.rerun()


def done(ctx: PulseContext, state_now: str) -> None:
    period = pulse.period_of(ctx.today)
    following = pulse.Period(period.end, period.months)
    if state_now == "answered":
        st.success(f"Your pulse for {period.title} is in. The next one opens in {following.title}.",
                   icon=":material/check_circle:")
    elif state_now == "closed":
        st.info(f"{pulse.CLOSED_BY_RESET} The next one opens in {following.title}.", icon=":material/lock_clock:")
    else:
        st.info(f"You skipped {period.title}'s pulse. The next one opens in {following.title}.",
                icon=":material/event_busy:")


def self_care_offer(ctx: PulseContext) -> None:
    """Optional, after a pulse: a self-care win for the board, through the PHI guard. Never prefilled."""
    message = st.session_state.pop(WIN_DONE, None)
    if message:
        st.success(message, icon=":material/celebration:")
    if not st.session_state.get(JUST_SUBMITTED):
        return
    with st.container(border=True):
        st.markdown("**Anything you did for yourself lately?** If you like, share a self-care win with your team "
                    "on the wins board. It is optional and has nothing to do with your answers.")
        with st.form("pulse_self_care"):
            text = st.text_area("Your self-care win", max_chars=wins.MAX_TEXT, key="pulse_win_text",
                                placeholder="e.g. took a proper lunch break every day this week")
            st.caption(GUARD_NOTE)
            left, right = st.columns(2)
            post = left.form_submit_button("Post self-care win", type="primary", icon=":material/send:")
            no = right.form_submit_button("No thanks")
    if no:
        st.session_state.pop(JUST_SUBMITTED, None)
        st.rerun()
    version = ctx.version
    scope = (ctx.user.clinician_id,) if ctx.user.clinician_id else ()

    def store(payload: dict, confirmed: list[str]) -> str:
        return wins.post(get_runtime().state, username=ctx.user.username, clinician_id=ctx.user.clinician_id,
                         category="self_care", text=payload["text"], own_clients=(),
                         foreign_client_ids=data.foreign_client_ids(version, scope, payload["text"]),
                         confirmed=confirmed, now=data.now(version))

    if guarded("pulse_win", {"text": text} if post else None, store):
        st.session_state.pop(JUST_SUBMITTED, None)
        st.session_state[WIN_DONE] = "Posted to the wins board as a self-care win."
        st.rerun()


def _workload_by_period(ctx: PulseContext) -> pd.DataFrame:
    """The owner's own weekly load (the last 12 weeks the workload model covers), by pulse period."""
    cid = ctx.user.clinician_id
    if not cid:
        return pd.DataFrame()
    load = data.model(ctx.version, queries.clinician_weekly_load, (cid,), data.default_as_of(ctx.version))
    if load.empty:
        return load
    months = pulse.period_months()
    periods = [pulse.period_of(pd.Timestamp(w).date(), months) for w in load["week_start"]]
    load = load.assign(period=[p.label for p in periods], period_title=[p.title for p in periods])
    return (load.groupby(["period", "period_title"], sort=True)
            .agg(weeks=("week_start", "count"), direct_hours=("direct_hours", "mean"),
                 active_caseload=("active_caseload", "mean"), late_notes=("late_notes", "sum"),
                 after_hours_notes=("after_hours_notes", "sum"), no_show_rate=("no_show_rate", "mean"))
            .reset_index())


def history(ctx: PulseContext) -> None:
    """The owner's own scores over time, with their own workload beside them."""
    mine = pulse.own_history(get_runtime().state, ctx.key)
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader("Your pulse over time")
        if mine.empty:
            st.caption("No answers yet: your scores appear here after your first pulse.")
        else:
            st.plotly_chart(pulse_scores(mine, SCALE_LABELS, CBI.high_at), config={"displayModeBar": False},
                            key="pulse_history_chart")
            st.dataframe(mine[["period_title", "work", "work_band", "client", "client_band"]], hide_index=True,
                         key="pulse_history_table", column_config={
                             "period_title": "Period",
                             "work": st.column_config.NumberColumn("Work-related", format="%.0f"),
                             "work_band": "band", "client_band": "band",
                             "client": st.column_config.NumberColumn("Client-related", format="%.0f")})
            last = mine.iloc[-1]
            st.markdown(f"Latest, {last['period_title']}: work-related **{last['work']:.0f}**, "
                        f"client-related **{last['client']:.0f}** · "
                        f"{len(mine)} {'period' if len(mine) == 1 else 'periods'} answered")
            st.caption(f"Scores 0-100; {CBI.high_at:g} or more is the usual 'high' line ({CBI.bands_source}). "
                       "Your own trend matters more than any one number.")
    with right:
        st.subheader("Your workload")
        load = _workload_by_period(ctx)
        if load.empty:
            st.caption("No sessions in the last 12 weeks.")
        else:
            st.dataframe(load, hide_index=True, key="pulse_workload_table", column_config={
                "period": None, "period_title": "Period", "weeks": "Weeks",
                "direct_hours": st.column_config.NumberColumn("Direct hours a week", format="%.1f"),
                "active_caseload": st.column_config.NumberColumn("Active caseload", format="%.0f"),
                "late_notes": "Late notes", "after_hours_notes": "After-hours notes",
                "no_show_rate": st.column_config.NumberColumn("No-show rate", format="percent")})
            st.caption("From the last 12 weeks of sessions and notes (the workload page's heuristics), by period.")


def owner_page(ctx: PulseContext) -> None:
    st.caption(PRIVACY_NOTE)
    if ctx.key is None:
        unlock(ctx)
        return
    self_care_offer(ctx)
    now = pulse.status(get_runtime().state, ctx.key, ctx.today)
    if now == "due":
        form(ctx)
    else:
        done(ctx, now)
    history(ctx)


# -- the caseload page's reminder ------------------------------------------------


# -- the workload page: the team pulse, aggregates only ----------------------------


