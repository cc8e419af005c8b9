"""The stalled-progress flags page's parts: the queue, the review form, the supervision agenda."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from pipelines.appstate import agenda
from pipelines.appstate.flag_reviews import ReviewError, record
from pipelines.models import queries
from ui import data
from ui.downloads import export_button
from ui.filters import PageContext
from ui.flag_state import SEVERITY_ORDER, flags_with_reviews
from ui.layout import plain_md
from ui.runtime import get_runtime
from ui.team import merged

REVIEWER_ROLES = ("clinician", "supervisor")
AGENDA_LOOKBACK_DAYS = 28
SAVED_KEY = "momentum_review_saved"


def queue(ctx: PageContext) -> pd.DataFrame:
    """The flags of the scope with their review state, filtered; severity first, then oldest first."""
    momentum = data.model(ctx.version, queries.client_momentum, ctx.scope, ctx.as_of)
    flags = flags_with_reviews(ctx, data.model(ctx.version, queries.active_flags, ctx.scope, ctx.as_of), momentum)
    cols = st.columns(3)
    codes = sorted(flags["flag"].unique())
    picked_codes = cols[0].multiselect("Flag", codes, placeholder="All flags", key="flags_code")
    picked_sev = cols[1].multiselect("Severity", list(SEVERITY_ORDER), placeholder="All severities", key="flags_sev")
    show = cols[2].radio("Show", ["Needs review", "All active flags"], horizontal=True, key="flags_show")
    if picked_codes:
        flags = flags[flags["flag"].isin(picked_codes)]
    if picked_sev:
        flags = flags[flags["severity"].isin(picked_sev)]
    if show == "Needs review":
        flags = flags.loc[flags["needs_review"].astype(bool)]
    flags = flags.assign(sev_rank=flags["severity"].map(SEVERITY_ORDER))
    flags = flags.sort_values(["sev_rank", "since", "client_id"]).reset_index(drop=True)
    flags["age_days"] = (pd.Timestamp(ctx.as_of) - pd.to_datetime(flags["since"])).dt.days
    flags["clinician"] = flags["clinician_id"].map(ctx.clinician_name)
    return flags


def queue_table(flags: pd.DataFrame) -> None:
    if flags.empty:
        st.success("Nothing needs review in this selection.", icon=":material/check_circle:")
        return
    st.dataframe(
        flags[["severity", "flag", "client_id", "clinician", "since", "age_days", "reason", "status", "reopen_reason",
               "last_reviewed_by", "last_note"]],
        hide_index=True,
        column_config={
            "severity": "Severity", "flag": "Flag", "client_id": "Client", "clinician": "Clinician",
            "since": st.column_config.DateColumn("Since", format="YYYY-MM-DD"),
            "age_days": st.column_config.NumberColumn("Age (days)"),
            "reason": st.column_config.TextColumn("Reason and evidence", width="large"),
            "status": "State", "reopen_reason": "Why it came back",
            "last_reviewed_by": "Reviewed by", "last_note": "Note",
        },
    )


def review_form(ctx: PageContext, flags: pd.DataFrame) -> None:
    """Acknowledge with a note, snooze until a date, or resolve one flag."""
    saved = st.session_state.pop(SAVED_KEY, None)
    if saved:
        st.success(saved, icon=":material/check:")
    if flags.empty:
        return
    if ctx.user.role not in REVIEWER_ROLES:
        st.caption("Flags are reviewed by the clinician and their supervisor; managers see the queue.")
        return
    st.subheader("Review a flag")
    labels = {i: f"{r.client_id} · {r.flag} ({r.severity}, since {pd.Timestamp(r.since):%Y-%m-%d})"
              for i, r in flags.iterrows()}
    pick = st.selectbox("Flag", list(labels), format_func=labels.get, key="review_pick")
    row = flags.loc[pick]
    st.markdown(f"**Reason and evidence:** {plain_md(row['reason'])}")
    st.page_link("pages/consultation.py", label="Bring this client to peer consultation", icon=":material/groups:",
                 query_params={"client": str(row["client_id"]), "flag": str(row["flag"])})
    with st.form("review_form", clear_on_submit=True):
        action = st.radio("Action", ["acknowledge", "snooze", "resolve"], horizontal=True,
                          format_func={"acknowledge": "Acknowledge", "snooze": "Snooze", "resolve": "Resolve"}.get)
        note = st.text_area("Note", placeholder="What will be done, or why it is resolved (required to acknowledge)",
                            max_chars=2000)
        until = st.date_input("Snooze until", value=ctx.as_of + timedelta(days=14), format="YYYY-MM-DD")
        submitted = st.form_submit_button("Save review", type="primary")
    if submitted:
        momentum = data.model(ctx.version, queries.client_momentum, ctx.scope, ctx.as_of)
        latest = momentum.loc[momentum["client_id"] == row["client_id"], "latest_score"]
        try:
            record(get_runtime().state, client_id=row["client_id"], flag=row["flag"],
                   flag_since=pd.Timestamp(row["since"]).date(), action=action, reviewed_by=ctx.user.username,
                   note=note, snooze_until=until if action == "snooze" else None,
                   score_at_review=float(latest.iloc[0]) if len(latest) and pd.notna(latest.iloc[0]) else None,
                   today=ctx.as_of)
        except ReviewError as exc:
            st.error(plain_md(exc))
            return
        st.session_state[SAVED_KEY] = f"Saved: {action} {plain_md(row['flag'])} for {plain_md(row['client_id'])}."
        st.rerun()


def supervision_agenda(ctx: PageContext) -> None:
    st.subheader("Supervision agenda")
    supervisees = ctx.staff[ctx.staff["clinician_id"].isin(ctx.scope)]
    if ctx.user.clinician_id and ctx.user.role == "supervisor":
        supervisees = supervisees[supervisees["clinician_id"] != ctx.user.clinician_id]
    if supervisees.empty:
        st.caption("No supervisees in this selection.")
        return
    who = st.selectbox("Supervisee", supervisees["clinician_id"].tolist(), format_func=ctx.clinician_name,
                       key="agenda_for")
    one = (who,)
    momentum_now = data.model(ctx.version, queries.client_momentum, one, ctx.as_of)
    before = ctx.as_of - timedelta(days=AGENDA_LOOKBACK_DAYS)
    momentum_before = data.model(ctx.version, queries.client_momentum, one, before)
    flags = flags_with_reviews(ctx, data.model(ctx.version, queries.active_flags, one, ctx.as_of), momentum_now)
    since = datetime.combine(before, time())
    until = datetime.combine(ctx.as_of + timedelta(days=1), time())
    wins = merged(ctx.version, ctx.user.username, one, one, since, until)
    suggested = data.model(ctx.version, queries.suggested_wins, one, ctx.as_of)
    items = agenda.build(who, flags, momentum_now, momentum_before, wins, suggested)
    counts = items["section"].value_counts()
    st.caption(f"{int(counts.get('flag', 0))} open flags · {int(counts.get('momentum', 0))} momentum changes since "
               f"{before:%Y-%m-%d} · {int(counts.get('win', 0))} wins to celebrate")
    name = ctx.clinician_name(who)
    stem = f"supervision-agenda-{who}-{ctx.as_of:%Y-%m-%d}"
    left, right = st.columns(2)
    detail = {"what": "supervision_agenda", "clinician_id": who, "as_of": ctx.as_of.isoformat()}
    export_button(left, "Download agenda (CSV)", lambda: agenda.as_csv(items), file_name=f"{stem}.csv",
                  mime="text/csv", detail={**detail, "format": "csv"}, key="agenda_csv")
    export_button(right, "Printable agenda (HTML)",
                  lambda: agenda.as_html(items, name, ctx.as_of, ctx.user.display_name), file_name=f"{stem}.html",
                  mime="text/html", detail={**detail, "format": "html"}, key="agenda_html", icon=":material/print:")
    st.dataframe(items, hide_index=True, column_config={
        "section": "Section", "client_id": "Client", "item": "Item",
        "detail": st.column_config.TextColumn("Detail", width="large"), "since": "Date"})

